"""The plain-Python baselines of the benchmark: the lesson's measure function
over a list of images, plus saving each mask as a PNG, either in a sequential
loop (--jobs 1, the lesson's own loop) or in a multiprocessing.Pool.

    python benchmarks/lesson_loop.py --jobs 2 --out DIR --csv ratios.csv IMAGES...
"""

import argparse
import csv
import os
from multiprocessing import Pool

import imageio.v3 as iio
import numpy as np
import skimage as ski

from rootmass.io import save_mask  # (the same 1-bit PNG as the workflow)


def measure_root_mass(filename, sigma=1.5):
    """The lesson's function (procedure 1), returning the mask too."""
    image = iio.imread(uri=filename, mode="L")
    blurred_image = ski.filters.gaussian(image, sigma=sigma)
    t = ski.filters.threshold_otsu(blurred_image)
    binary_mask = blurred_image > t
    root_pixels = np.count_nonzero(binary_mask)
    w = binary_mask.shape[1]
    h = binary_mask.shape[0]
    density = root_pixels / (w * h)
    return density, binary_mask


def enhanced_root_mass(filename, sigma=1.5):
    """The lesson's procedure 4: Otsu excluding pixels >= 0.95."""
    image = iio.imread(uri=filename, mode="L")
    blurred_image = ski.filters.gaussian(image, sigma=sigma)
    t = ski.filters.threshold_otsu(blurred_image[blurred_image < 0.95])
    binary_mask = (blurred_image < 0.95) & (blurred_image > t)
    return np.count_nonzero(binary_mask) / binary_mask.size, binary_mask


def process(task):
    filename, out, enhanced = task
    ratio, mask = (enhanced_root_mass if enhanced else measure_root_mass)(filename)
    name = os.path.splitext(os.path.basename(filename))[0]
    save_mask(os.path.join(out, f"{name}.png"), mask)
    return filename, float(ratio)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", required=True, help="folder for the masks")
    parser.add_argument("--csv", required=True, help="where to write image,ratio")
    parser.add_argument("--enhanced", action="store_true")
    parser.add_argument("images", nargs="+")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    tasks = [(f, args.out, args.enhanced) for f in sorted(args.images)]
    if args.jobs == 1:
        results = [process(task) for task in tasks]
    else:
        with Pool(args.jobs) as pool:
            results = pool.map(process, tasks, chunksize=1)
    with open(args.csv, "w", newline="") as f:
        csv.writer(f).writerows(results)


if __name__ == "__main__":
    main()
