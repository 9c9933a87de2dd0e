"""Rule threshold: what each image's segmenter computes from the whole blurred
image (rootmass.segmentation: Segmenter.fit), written as one table, a row
per image: {"image", "threshold", "separation", "histogram"} (how well t
splits the image's histogram, for results/qc/flagged.csv, and the lesson's
256-bin histogram that the image's QC figure draws), with what the
segmenter records besides (multi-Otsu's "levels"), or {"image", "error"} for
an image that failed. A local method's threshold is a map, made with the
mask by save_mask: its row here has a threshold of None.

The histograms are those grayscale_blur stored in the blurred folder's
index, so a segmenter that needs only the histogram (Otsu, the default)
opens no blurred image. An image with a region of interest has its
threshold estimated from the pixels inside it: its histograms are made
here, of those pixels, which are read.

A method whose segmenter fits the whole collection first gets the model
of rule fit_segmenter, an input of this job (rootmass.workflow.models)."""

from rootmass.workflow.cache import read_blurred, stored_histogram
from rootmass.qc.flags import separation
from rootmass.io import read_roi, save_json
from rootmass.workflow.jobs import OnError, job_log
from rootmass.workflow.models import read_models
from rootmass.qc.previews import histogram
from rootmass.workflow.samples import settings_for
from rootmass.segmentation import Image, segmenter

params = snakemake.params
on_error = OnError(snakemake.config["on_error"], "threshold")
with job_log(snakemake.log[0]):
    models = read_models(getattr(snakemake.input, "models", []))
    rows = []
    for row, load in read_blurred(snakemake.input.blurred, lazy=True):
        reason = row.get("error")
        if reason is None:
            # (the stage has no foreground but multi-Otsu's: above)
            settings = {"foreground": "above", **settings_for(params.settings, row["image"])}
            try:
                roi = read_roi(params.rois.get(row["image"]), tuple(row["shape"]),
                               row["image"])
                hist, shown = stored_histogram(row) if roi is None else (None, None)
                image = Image(load=load, hist=hist, roi=roi,
                              model=models.get(settings["method"]))
                chosen = segmenter(settings["method"])
                record = chosen.fit(image, chosen.check(settings))
                if shown is None:  # the figure's: of the pixels t is estimated from
                    pixels = image.pixels
                    shown = histogram(pixels if roi is None else pixels[roi])[0].tolist()
                t = record["threshold"]
                # (of the pixels its method considers: the bright excluded)
                below = (settings["bright_cutoff"]
                         if settings["method"] == "otsu_excluding_bright" else None)
                spread = None if t is None else separation(image.histogram(), t, below)
                rows.append({"image": row["image"], "histogram": shown, **record,
                             "separation": spread})
            except Exception as error:
                reason = on_error(row["image"], error)
        if reason is not None:
            rows.append({"image": row["image"], "error": reason})
    save_json(snakemake.output.thresholds, rows)
