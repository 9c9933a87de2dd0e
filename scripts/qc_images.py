"""Rule qc_images: for each image of the batch, one figure (original,
selection and the blurred image's histogram with t), `<key>.jpg` in the
batch's folder, and a thumbnail of its selection for the contact sheets (all
of the batch's in one .npz). Made from the previews that grayscale_blur
wrote, its blurred images and the masks that save_mask wrote: no original is
decoded again."""

import os

import numpy as np

from rootmass.cache import image_file, read_blurred
from rootmass.io import atomic_path, load_json, load_mask, load_picture, save_jpeg
from rootmass.jobs import OnError, job_log
from rootmass.samples import settings_for
from rootmass.qc import (
    HistogramPanel,
    histogram,
    image_figure,
    message_figure,
    preview_selection,
    thumbnail,
)

params = snakemake.params
figures = snakemake.output.figures
on_error = OnError(snakemake.config["on_error"], "qc_images")
with job_log(snakemake.log[0]):
    os.makedirs(figures, exist_ok=True)
    panel = HistogramPanel()
    thumbnails = {}
    cached = read_blurred(snakemake.input.blurred)
    rows = load_json(snakemake.input.measurements)
    for i, ((cache, blurred), row) in enumerate(zip(cached, rows)):
        image, key = row["image"], cache["key"]
        assert cache["image"] == image, (cache, row)  # the same order
        reason = row["error"] if row["status"] != "ok" else None
        if reason is None:
            try:
                original = load_picture(image_file(snakemake.input.previews, key, ".jpg"))
                selected = preview_selection(original, load_mask(row["mask"]))
                settings = settings_for(params.settings, image)
                plot = panel.render(
                    histogram(blurred)[0], row["threshold"], settings["foreground"],
                    # pixels at or above it are never foreground
                    settings["bright_cutoff"]
                    if settings["method"] == "otsu_excluding_bright" else None,
                )
                figure = image_figure(image, original, selected, plot, row["ratio"])
                thumbnails[str(i)] = thumbnail(selected, params.thumbnail_side)
            except Exception as error:
                reason = on_error(image, error)
        if reason is not None:
            figure = message_figure(image, f"no result for this image: {reason}")
        save_jpeg(image_file(figures, key, ".jpg"), figure)
    with atomic_path(snakemake.output.thumbnails, ".npz") as tmp:
        np.savez(tmp, **thumbnails)
