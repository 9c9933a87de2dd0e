# Stages 2 and 3, per image: the threshold value, then the mask and the
# measurement. One job per batch of images.

for batch in BATCHES:

    rule:
        name:
            f"threshold_{batch.id}"
        input:
            blurred=paths(blurred_path, batch.images),
        output:
            thresholds=paths(threshold_path, batch.images),
        params:
            method=config["threshold"]["method"],
            value=config["threshold"]["value"],
            bright_cutoff=config["threshold"]["bright_cutoff"],
        log:
            f"logs/threshold/{batch.id}.log",
        group:
            batch.id
        conda:
            "../envs/thresholding.yaml"
        script:
            "../../scripts/threshold.py"

    rule:
        name:
            f"save_mask_{batch.id}"
        input:
            blurred=paths(blurred_path, batch.images),
            thresholds=paths(threshold_path, batch.images),
        output:
            masks=paths(mask_path, batch.images),
            measurements=paths(measurement_path, batch.images),
        params:
            images=[esc(image) for image in batch.images],
            method=config["threshold"]["method"],
            foreground=config["threshold"]["foreground"],
            bright_cutoff=config["threshold"]["bright_cutoff"],
            sigma=config["sigma"],
            grayscale=config["grayscale"],
        log:
            f"logs/save_mask/{batch.id}.log",
        group:
            batch.id
        conda:
            "../envs/thresholding.yaml"
        script:
            "../../scripts/save_mask.py"
