"""Rule grayscale_blur: read each image of the batch, convert it to grayscale,
blur it, and cache the blurred float64 images (one .npy each) in the batch's
folder."""

from rootmass.cache import write_blurred
from rootmass.io import read_image
from rootmass.jobs import job_log
from rootmass.thresholding import blur, to_grayscale

params = snakemake.params


def blurred(job):
    for image, name in zip(snakemake.input.images, params.names):
        gray = to_grayscale(read_image(image), params.grayscale)
        yield image, name, blur(gray, params.sigma)
        job["images"] += 1


with job_log(snakemake.log[0]) as job:
    write_blurred(snakemake.output.blurred, blurred(job))
