"""Rule save_mask: apply each image's threshold, save the mask as a PNG and
write the image's measurement."""

import sys

from rootmass.io import load_array, load_json, save_json, save_mask
from rootmass.thresholding import foreground_mask, foreground_ratio

sys.stderr = open(snakemake.log[0], "w", encoding="utf-8")
params = snakemake.params
cutoff = params.bright_cutoff if params.method == "otsu_excluding_bright" else None
for image, blurred_path, t_path, mask_path, row_path in zip(
    params.images,
    snakemake.input.blurred,
    snakemake.input.thresholds,
    snakemake.output.masks,
    snakemake.output.measurements,
):
    t = load_json(t_path)["threshold"]
    mask = foreground_mask(load_array(blurred_path), t, params.foreground, cutoff)
    count, total, ratio = foreground_ratio(mask)
    save_mask(mask_path, mask)
    row = {
        "image": image,
        "ratio": ratio,
        "threshold": t,
        "foreground_pixels": count,
        "total_pixels": total,
        "method": params.method,
        "sigma": params.sigma,
        "grayscale": params.grayscale,
        "mask": mask_path,
    }
    save_json(row_path, row)
    print(f"{image}: ratio = {ratio!r}", file=sys.stderr)
