"""Rule save_mask: apply each image's threshold, save the mask as a PNG, and
write the batch's measurements as one table (a list of rows). An image that
failed gets a row with its error and, in place of its mask, a 1 x 1 black
placeholder PNG."""

import numpy as np

from rootmass.cache import read_blurred
from rootmass.io import load_json, save_json, save_mask
from rootmass.jobs import OnError, job_log
from rootmass.thresholding import foreground_mask, foreground_ratio

params = snakemake.params
on_error = OnError(params.on_error, "save_mask")
cutoff = params.bright_cutoff if params.method == "otsu_excluding_bright" else None
settings = {"method": params.method, "sigma": params.sigma, "grayscale": params.grayscale}
with job_log(snakemake.log[0]) as job:
    thresholds = load_json(snakemake.input.thresholds)
    rows = []
    cached = read_blurred(snakemake.input.blurred)
    for (image, blurred, reason), mask_path in zip(cached, snakemake.output.masks):
        reason = reason or thresholds[image].get("error")
        if reason is None:
            try:
                t = thresholds[image]["threshold"]
                mask = foreground_mask(blurred, t, params.foreground, cutoff)
                count, total, ratio = foreground_ratio(mask)
                save_mask(mask_path, mask)
                rows.append(
                    {"image": image, "ratio": ratio, "threshold": t,
                     "foreground_pixels": count, "total_pixels": total, **settings,
                     "mask": mask_path, "status": "ok", "error": ""}
                )
            except Exception as error:
                reason = on_error(image, error)
        if reason is not None:
            save_mask(mask_path, np.zeros((1, 1), dtype=bool))
            rows.append({"image": image, **settings, "status": "error", "error": reason})
        job["images"] += 1
    save_json(snakemake.output.measurements, rows)
