"""Rule save_mask: apply each image's threshold, save the mask as a PNG, and
write the batch's measurements as one table (a list of rows)."""

from rootmass.cache import read_blurred
from rootmass.io import load_json, save_json, save_mask
from rootmass.jobs import job_log
from rootmass.thresholding import foreground_mask, foreground_ratio

params = snakemake.params
cutoff = params.bright_cutoff if params.method == "otsu_excluding_bright" else None
with job_log(snakemake.log[0]) as job:
    thresholds = load_json(snakemake.input.thresholds)
    rows = []
    cached = read_blurred(snakemake.input.blurred)
    for (image, blurred), mask_path in zip(cached, snakemake.output.masks):
        t = thresholds[image]
        mask = foreground_mask(blurred, t, params.foreground, cutoff)
        count, total, ratio = foreground_ratio(mask)
        save_mask(mask_path, mask)
        rows.append(
            {
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
        )
        job["images"] += 1
    save_json(snakemake.output.measurements, rows)
