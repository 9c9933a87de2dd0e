"""Rule threshold: compute the threshold t of each blurred image of the batch
and write them as one table {image: t}."""

from rootmass.io import load_array, save_json
from rootmass.jobs import job_log
from rootmass.thresholding import threshold_value

params = snakemake.params
with job_log(snakemake.log[0]) as job:
    thresholds = {}
    for image, blurred_path in zip(params.images, snakemake.input.blurred):
        thresholds[image] = threshold_value(
            load_array(blurred_path),
            params.method,
            value=params.value,
            bright_cutoff=params.bright_cutoff,
        )
        job["images"] += 1
    save_json(snakemake.output.thresholds, thresholds)
