"""Rule qc_images: for each image of the batch, one figure (original,
selection and the blurred image's histogram with t), and a thumbnail of its
selection for the contact sheets (all of the batch's in one .npz)."""

import numpy as np

from rootmass.cache import read_blurred
from rootmass.io import atomic_path, load_json, load_mask, read_image, save_figure
from rootmass.jobs import OnError, job_log
from rootmass.qc import image_figure, message_figure, previews, thumbnail

params = snakemake.params
on_error = OnError(params.on_error, "qc_images")
cutoff = params.bright_cutoff if params.method == "otsu_excluding_bright" else None
with job_log(snakemake.log[0]) as job:
    rows = {row["image"]: row for row in load_json(snakemake.input.measurements)}
    thumbnails = {}
    cached = read_blurred(snakemake.input.blurred)
    for i, ((image, blurred, _), mask_path, plot) in enumerate(
        zip(cached, snakemake.input.masks, snakemake.output.plots)
    ):
        row = rows[image]
        reason = row["error"] if row["status"] != "ok" else None
        if reason is None:
            try:
                original = read_image(image)
                mask = load_mask(mask_path)
                small, selected = previews(original, mask)
                del original, mask
                figure = image_figure(
                    image, small, selected, blurred, row["threshold"], row["ratio"],
                    params.foreground, cutoff,
                )
                thumbnails[str(i)] = thumbnail(selected, params.thumbnail_side)
            except Exception as error:
                reason = on_error(image, error)
        if reason is not None:
            figure = message_figure(image, f"no result for this image: {reason}")
        save_figure(plot, figure)
        job["images"] += 1
    with atomic_path(snakemake.output.thumbnails, ".npz") as tmp:
        np.savez(tmp, **thumbnails)
