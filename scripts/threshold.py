"""Rule threshold: compute the threshold t of each blurred image of the batch,
with the image's own method, and write them as one table, a row per image:
{"image", "threshold", "separation", "histogram"} (how well t splits the
image's histogram, for results/qc/flagged.csv, and the lesson's 256-bin
histogram that the image's QC figure draws), or {"image", "error"} for an
image that failed. An image with a region of interest has its threshold
estimated from the pixels inside it. A local method's threshold is a map,
made with the mask by save_mask: its row here has a threshold of None."""

from rootmass.cache import read_blurred
from rootmass.io import read_roi, save_json
from rootmass.jobs import OnError, job_log
from rootmass.samples import settings_for
from rootmass.flags import separation
from rootmass.previews import histogram
from rootmass.thresholding import LOCAL_METHODS, image_histogram, segment, threshold_summary

params = snakemake.params
on_error = OnError(snakemake.config["on_error"], "threshold")
with job_log(snakemake.log[0]):
    rows = []
    for row, blurred in read_blurred(snakemake.input.blurred):
        reason = row.get("error")
        if reason is None:
            settings = settings_for(params.settings, row["image"])
            try:
                roi = read_roi(params.rois.get(row["image"]), blurred.shape, row["image"])
                # the histogram methods use the histogram as it is (no cost)
                hist = image_histogram(blurred, roi)
                # the figure's histogram: of the pixels t is estimated from
                shown = blurred if roi is None else blurred[roi]
                done = {"image": row["image"], "histogram": histogram(shown)[0].tolist()}
                if settings["method"] in LOCAL_METHODS:
                    rows.append({**done, "threshold": None, "separation": None})
                else:
                    t, _ = segment(
                        blurred, settings["method"], settings["value"],
                        bright_cutoff=settings["bright_cutoff"],
                        marker_min_area=settings["marker_min_area"],
                        marker_margin=settings["marker_margin"],
                        classes=settings.get("classes", 3),
                        foreground_classes=settings.get("foreground_classes"), roi=roi,
                        hist=hist, mask=False,
                    )
                    # multiotsu: its levels, and the one number of ratios.csv
                    levels = list(t) if isinstance(t, tuple) else None
                    t = threshold_summary(t, settings.get("foreground", "above"),
                                          settings.get("foreground_classes"))
                    rows.append({**done, "threshold": t, "levels": levels,
                                 "separation": separation(hist, t)})
            except Exception as error:
                reason = on_error(row["image"], error)
        if reason is not None:
            rows.append({"image": row["image"], "error": reason})
    save_json(snakemake.output.thresholds, rows)
