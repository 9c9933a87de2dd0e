"""Rule save_mask: apply each image's threshold, save the mask as a 1-bit PNG
(`<key>.png` in the batch's mask folder), and write the batch's measurements
as one table, a row per image. An image that failed gets a row with its
error and no mask."""

import os

from rootmass.cache import image_file, read_blurred
from rootmass.io import load_json, save_json, save_mask
from rootmass.jobs import OnError, job_log
from rootmass.thresholding import foreground_mask, foreground_ratio

params = snakemake.params
masks_dir = snakemake.output.masks
on_error = OnError(snakemake.config["on_error"], "save_mask")
settings = {"method": params.method, "sigma": params.sigma, "grayscale": params.grayscale}
with job_log(snakemake.log[0]):
    os.makedirs(masks_dir, exist_ok=True)
    thresholds = {row["image"]: row for row in load_json(snakemake.input.thresholds)}
    rows = []
    for cached, blurred in read_blurred(snakemake.input.blurred):
        image = cached["image"]
        reason = cached.get("error") or thresholds[image].get("error")
        if reason is None:
            try:
                t = thresholds[image]["threshold"]
                mask = foreground_mask(blurred, t, params.foreground, params.bright_cutoff)
                count, total, ratio = foreground_ratio(mask)
                mask_path = image_file(masks_dir, cached["key"], ".png")
                save_mask(mask_path, mask)
                rows.append(
                    {"image": image, "ratio": ratio, "threshold": t,
                     "foreground_pixels": count, "total_pixels": total, **settings,
                     "mask": mask_path, "status": "ok", "error": ""}
                )
            except Exception as error:
                reason = on_error(image, error)
        if reason is not None:
            rows.append({"image": image, **settings, "mask": "", "status": "error",
                         "error": reason})
    save_json(snakemake.output.measurements, rows)
