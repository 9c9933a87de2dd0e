"""Rule grayscale_blur: read each image of the batch, convert it to grayscale,
blur it, and cache the blurred float64 image as .npy."""

from rootmass.io import read_image, save_array
from rootmass.jobs import job_log
from rootmass.thresholding import blur, to_grayscale

params = snakemake.params
with job_log(snakemake.log[0]) as job:
    for image_path, blurred_path in zip(snakemake.input.images, snakemake.output.blurred):
        gray = to_grayscale(read_image(image_path), params.grayscale)
        save_array(blurred_path, blur(gray, params.sigma))
        job["images"] += 1
