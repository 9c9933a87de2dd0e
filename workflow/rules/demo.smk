# The project's own synthetic demo images, with their ground-truth masks:
# one folder, demo/, the rule's single output (however many images it holds,
# Snakemake tracks one path; the jobs that read demo images take the folder
# as their input).

if DEMO_SET:

    rule demo_images:
        output:
            directory(DEMO_DIR),
        log:
            "logs/demo_images.log",
        localrule: True
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            mem_mb=512,
            runtime=max(
                5,
                math.ceil(
                    (config["demo"]["count"] + config["demo"].get("plates", 0)) / 200
                ),
            ),
        params:
            images=config["demo"]["count"],
            plates=config["demo"].get("plates", 0),
            height=config["demo"]["height"],
            width=config["demo"]["width"],
            seed=config["demo"]["seed"],
            scene=config["demo"].get("scene", "roots"),
        script:
            "../../scripts/make_demo.py"
