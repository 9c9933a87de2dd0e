"""Write synthetic demo images (JPEG) and their ground-truth masks (1-bit PNG).

Image ``i`` of a set uses seed ``demo_seed(seed, i)`` and shows label ``i``.
As a Snakemake ``script:`` it writes ``snakemake.params.images`` images into
the folder ``snakemake.output[0]`` (truth in its ``truth/``), with
``snakemake.params.height``, ``.width`` and ``.seed``. From the command
line::

    python scripts/make_demo.py --out DIR --count N --height H --width W --seed S

writes ``DIR/demo-0000.jpg ...`` and ``DIR/truth/demo-0000.png ...``.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from PIL import Image

from rootmass.demo import demo_file_names, demo_seed, synthetic_root_image
from rootmass.io import atomic_path


def write_demo(image_paths, truth_paths, height, width, seed, indices=None):
    """Generate image ``indices[k]`` (default ``k``) of the set into
    ``image_paths[k]``, its truth into ``truth_paths[k]``."""
    if len(image_paths) != len(truth_paths):
        raise ValueError(
            f"{len(image_paths)} image paths but {len(truth_paths)} truth paths"
        )
    if indices is None:
        indices = range(len(image_paths))
    for i, image_path, truth_path in zip(indices, image_paths, truth_paths):
        image, truth = synthetic_root_image((height, width), demo_seed(seed, i), label=i)
        with atomic_path(image_path, ".jpg") as tmp:
            Image.fromarray(image).save(tmp, format="JPEG", quality=90)
        with atomic_path(truth_path, ".png") as tmp:
            Image.fromarray(truth).save(tmp, format="PNG")  # mode "1"
        print(f"{image_path}, {truth_path}", file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--count", type=int, default=12, help="number of images")
    parser.add_argument("--height", type=int, default=600)
    parser.add_argument("--width", type=int, default=900)
    parser.add_argument("--seed", type=int, default=0, help="seed of the whole set")
    args = parser.parse_args(argv)
    names = demo_file_names(args.count)
    write_demo(
        [os.path.join(args.out, name) for name in names],
        [os.path.join(args.out, "truth", name[: -len(".jpg")] + ".png") for name in names],
        args.height,
        args.width,
        args.seed,
    )


if "snakemake" in globals():
    if snakemake.log:
        sys.stderr = open(snakemake.log[0], "w", encoding="utf-8")
    out = snakemake.output[0]
    names = demo_file_names(snakemake.params.images)
    write_demo(
        [os.path.join(out, name) for name in names],
        [os.path.join(out, "truth", name[: -len(".jpg")] + ".png") for name in names],
        snakemake.params.height,
        snakemake.params.width,
        snakemake.params.seed,
    )
elif __name__ == "__main__":
    main()
