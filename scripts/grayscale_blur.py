"""Rule grayscale_blur: read each image of the batch, convert it to grayscale,
blur it, and cache the blurred images (one .npy each) in the batch's folder."""

from rootmass.cache import write_blurred
from rootmass.io import read_image
from rootmass.jobs import OnError, job_log
from rootmass.thresholding import blur, to_grayscale

params = snakemake.params
on_error = OnError(params.on_error, "grayscale_blur")


def blurred(job):
    for image, name in zip(params.images, params.names):
        try:
            gray = to_grayscale(read_image(image), params.grayscale)
            result = image, name, blur(gray, params.sigma)
            del gray
        except Exception as error:
            result = image, None, on_error(image, error)
        yield result
        job["images"] += 1


with job_log(snakemake.log[0]) as job:
    write_blurred(snakemake.output.blurred, blurred(job))
