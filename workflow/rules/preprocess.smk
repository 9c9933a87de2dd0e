# Stage 1, per image: grayscale and blur. The blurred images are the cached
# intermediate that threshold changes reuse. One job per batch of images.

for batch in BATCHES:

    rule:
        name:
            f"grayscale_blur_{batch.id}"
        input:
            images=trackable(batch.images),
        output:
            blurred=directory(blurred_dir(batch)),
        params:
            on_error=config["on_error"],
            images=given(batch.images),
            names=blurred_names(batch),
            grayscale=config["grayscale"],
            sigma=config["sigma"],
        log:
            f"logs/grayscale_blur/{batch.id}.log",
        threads: 1
        resources:
            mem_mb=batch_mem_mb(batch),
            runtime=batch_runtime(batch, "grayscale_blur"),
        group:
            "images"
        conda:
            "../envs/thresholding.yaml"
        script:
            "../../scripts/grayscale_blur.py"
