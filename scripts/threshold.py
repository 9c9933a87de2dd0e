"""Rule threshold: compute the threshold t of each blurred image of the batch,
with the image's own method, and write them as one table, a row per image:
{"image", "threshold", "separation", "histogram"} (how well t splits the
image's histogram, for results/qc/flagged.csv, and the lesson's 256-bin
histogram that the image's QC figure draws), or {"image", "error"} for an
image that failed."""

from rootmass.cache import read_blurred
from rootmass.io import save_json
from rootmass.jobs import OnError, job_log
from rootmass.samples import settings_for
from rootmass.flags import separation
from rootmass.previews import histogram
from rootmass.thresholding import image_histogram, segment

params = snakemake.params
on_error = OnError(snakemake.config["on_error"], "threshold")
with job_log(snakemake.log[0]):
    rows = []
    for row, blurred in read_blurred(snakemake.input.blurred):
        reason = row.get("error")
        if reason is None:
            settings = settings_for(params.settings, row["image"])
            try:
                # the histogram methods use the histogram as it is (no cost)
                hist = image_histogram(blurred)
                t, _ = segment(
                    blurred, settings["method"], settings["value"],
                    bright_cutoff=settings["bright_cutoff"],
                    marker_min_area=settings["marker_min_area"],
                    marker_margin=settings["marker_margin"], hist=hist, mask=False,
                )
                rows.append({"image": row["image"], "threshold": t,
                             "separation": separation(hist, t),
                             "histogram": histogram(blurred)[0].tolist()})
            except Exception as error:
                reason = on_error(row["image"], error)
        if reason is not None:
            rows.append({"image": row["image"], "error": reason})
    save_json(snakemake.output.thresholds, rows)
