"""Rule threshold: compute the threshold t of each blurred image of the batch
and write them as one table {image: {"threshold": t} or {"error": reason}}."""

from rootmass.cache import read_blurred
from rootmass.io import save_json
from rootmass.jobs import OnError, job_log
from rootmass.thresholding import threshold_value

params = snakemake.params
on_error = OnError(params.on_error, "threshold")
with job_log(snakemake.log[0]) as job:
    thresholds = {}
    for image, blurred, reason in read_blurred(snakemake.input.blurred):
        if reason is None:
            try:
                t = threshold_value(
                    blurred, params.method, value=params.value,
                    bright_cutoff=params.bright_cutoff,
                )
                thresholds[image] = {"threshold": t}
            except Exception as error:
                reason = on_error(image, error)
        if reason is not None:
            thresholds[image] = {"error": reason}
        job["images"] += 1
    save_json(snakemake.output.thresholds, thresholds)
