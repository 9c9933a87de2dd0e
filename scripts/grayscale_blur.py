"""Rule grayscale_blur: read each image of the batch, convert it to grayscale,
blur it, and cache the blurred float64 image as .npy."""

import sys

from rootmass.io import read_image, save_array
from rootmass.thresholding import blur, to_grayscale

sys.stderr = open(snakemake.log[0], "w", encoding="utf-8")
params = snakemake.params
for image_path, blurred_path in zip(snakemake.input.images, snakemake.output.blurred):
    gray = to_grayscale(read_image(image_path), params.grayscale)
    save_array(blurred_path, blur(gray, params.sigma))
    print(f"{image_path} -> {blurred_path}", file=sys.stderr)
