# Stages 2 and 3: each image's threshold value, then its mask and its
# measurement. One job per batch of images; the masks are per image, the
# values and measurements one small table per batch.

for batch in BATCHES:

    rule:
        name:
            f"threshold_{batch.id}"
        input:
            blurred=blurred_dir(batch),
        output:
            thresholds=threshold_table(batch),
        params:
            on_error=config["on_error"],
            method=config["threshold"]["method"],
            value=config["threshold"]["value"],
            bright_cutoff=config["threshold"]["bright_cutoff"],
        log:
            f"logs/threshold/{batch.id}.log",
        threads: 1
        resources:
            mem_mb=batch_mem_mb(batch),
            runtime=batch_runtime(batch, "threshold"),
        group:
            "images"
        conda:
            "../envs/thresholding.yaml"
        script:
            "../../scripts/threshold.py"

    rule:
        name:
            f"save_mask_{batch.id}"
        input:
            blurred=blurred_dir(batch),
            thresholds=threshold_table(batch),
        output:
            masks=paths(mask_path, batch.images),
            measurements=measurement_table(batch),
        params:
            on_error=config["on_error"],
            method=config["threshold"]["method"],
            foreground=config["threshold"]["foreground"],
            bright_cutoff=config["threshold"]["bright_cutoff"],
            sigma=config["sigma"],
            grayscale=config["grayscale"],
        log:
            f"logs/save_mask/{batch.id}.log",
        threads: 1
        resources:
            mem_mb=batch_mem_mb(batch),
            runtime=batch_runtime(batch, "save_mask"),
        group:
            "images"
        conda:
            "../envs/thresholding.yaml"
        script:
            "../../scripts/save_mask.py"
