"""Rule threshold: compute the threshold t of each blurred image of the batch
and write them as one table {image: t}."""

from rootmass.cache import read_blurred
from rootmass.io import save_json
from rootmass.jobs import job_log
from rootmass.thresholding import threshold_value

params = snakemake.params
with job_log(snakemake.log[0]) as job:
    thresholds = {}
    for image, blurred in read_blurred(snakemake.input.blurred):
        thresholds[image] = threshold_value(
            blurred, params.method, value=params.value, bright_cutoff=params.bright_cutoff
        )
        job["images"] += 1
    save_json(snakemake.output.thresholds, thresholds)
