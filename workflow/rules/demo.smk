# The project's own synthetic demo images, with their ground-truth masks.

if DEMO_IMAGES:

    rule demo_images:
        output:
            images=DEMO_IMAGES,
            truth=[f"demo/truth/{os.path.basename(p)[:-4]}.png" for p in DEMO_IMAGES],
        params:
            height=config["demo"]["height"],
            width=config["demo"]["width"],
            seed=config["demo"]["seed"],
            indices=[int(os.path.basename(p)[5:9]) for p in DEMO_IMAGES],
        log:
            "logs/demo_images.log",
        threads: 1
        resources:
            mem_mb=512,
            runtime=10,
        localrule: True
        conda:
            "../envs/thresholding.yaml"
        script:
            "../../scripts/make_demo.py"
