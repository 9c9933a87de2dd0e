"""Write synthetic demo images (JPEG) and their ground-truth masks (1-bit PNG),
and colony plates with their colonies labelled (8- or 16-bit PNG).

Image ``i`` of a set uses seed ``demo_seed(seed, i)`` and shows label ``i``.
As a Snakemake ``script:`` it writes the demo experiment, of
``snakemake.params.images`` images and ``.plates`` colony plates, into the
folder ``snakemake.output[0]`` (truth in its ``truth/``, the sample sheet
``samples.tsv``, last the settings it was made with, ``demo.json``), with
``snakemake.params.height``, ``.width``, ``.seed`` and ``.scene`` (what
the images show, one of ``DEMO_SCENES``: ``roots``
by default; a plate is height x height pixels, the same in every scene;
plate ``i`` uses seed ``demo_seed(seed, PLATE_SEED_OFFSET + i)``). From
the command line it writes a plain set (every image with the usual roots,
or seedlings)::

    python scripts/make_demo.py --out DIR --count N --height H --width W --seed S [--scene SCENE]

writes ``DIR/demo-0000.jpg ...`` and ``DIR/truth/demo-0000.png ...``.
"""

import argparse
import json
import os
import sys

from PIL import Image

import numpy as np

from rootmass.demo import (
    DEMO_CONDITIONS,
    DEMO_SCENES,
    PLATE_CONDITION,
    PLATE_SEED_OFFSET,
    PLATE_SETTINGS,
    demo_file_names,
    demo_samples,
    demo_seed,
    plate_settings,
    demo_image,
    demo_record,
    demo_root_settings,
    synthetic_colony_plate,
)
from rootmass.io import atomic_path


def write_demo(image_paths, truth_paths, height, width, seed, indices=None, roots=None,
               scene="roots"):
    """Generate image ``indices[k]`` (default ``k``) of the set into
    ``image_paths[k]``, its truth into ``truth_paths[k]``, with ``roots[k]``
    (default 1) times the usual roots (or seedlings), in ``scene``."""
    if len(image_paths) != len(truth_paths):
        raise ValueError(
            f"{len(image_paths)} image paths but {len(truth_paths)} truth paths"
        )
    if indices is None:
        indices = range(len(image_paths))
    if roots is None:
        roots = [1.0] * len(image_paths)
    for i, image_path, truth_path, amount in zip(indices, image_paths, truth_paths, roots):
        image, truth = demo_image(
            (height, width), demo_seed(seed, i), label=i, amount=amount, scene=scene
        )
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
    parser.add_argument("--scene", choices=DEMO_SCENES, default="roots",
                        help="what the images show (default: roots)")
    args = parser.parse_args(argv)
    names = demo_file_names(args.count)
    write_demo(
        [os.path.join(args.out, name) for name in names],
        [os.path.join(args.out, "truth", name[: -len(".jpg")] + ".png") for name in names],
        args.height,
        args.width,
        args.seed,
        scene=args.scene,
    )


def write_plates(image_paths, truth_paths, side, seed):
    """Generate colony plate ``k`` into ``image_paths[k]`` and its colonies,
    each its own label, into ``truth_paths[k]`` (8-bit where they fit)."""
    for i, (image_path, truth_path) in enumerate(zip(image_paths, truth_paths)):
        image, labels, _ = synthetic_colony_plate(
            (side, side), demo_seed(seed, PLATE_SEED_OFFSET + i), label=i, labelled=True
        )
        if labels.max() <= 255:
            labels = labels.astype(np.uint8)
        with atomic_path(image_path, ".jpg") as tmp:
            Image.fromarray(image).save(tmp, format="JPEG", quality=90)
        with atomic_path(truth_path, ".png") as tmp:
            Image.fromarray(labels).save(tmp, format="PNG")
        print(f"{image_path}, {truth_path}", file=sys.stderr)


def write_experiment(out, count, height, width, seed, plates=0, scene="roots"):
    """The demo experiment in folder ``out``: its images in ``scene`` (each
    condition with its amount of roots or seedlings) and colony plates, their
    truth in ``out/truth/``, and its sample sheet ``out/samples.tsv`` (the
    images' paths as seen from the folder above; the plates' settings and
    true counts in their columns, the root images' true lengths in column
    ``truth_length``, in pixels, written as Python writes a float: in full,
    read back exactly; no such column for the seedlings of
    ``green_on_soil``)."""
    # the record of the settings goes first, so that a folder being remade
    # (and perhaps interrupted) is never taken for one made with them
    try:
        os.remove(os.path.join(out, "demo.json"))
    except FileNotFoundError:
        pass
    rows = demo_samples(count, plates)
    roots = [row for row in rows if row["condition"] != PLATE_CONDITION]
    dishes = [row for row in rows if row["condition"] == PLATE_CONDITION]

    def truth(row):
        return os.path.join(out, "truth", row["image"][: -len(".jpg")] + ".png")

    write_demo(
        [os.path.join(out, row["image"]) for row in roots], [truth(row) for row in roots],
        height, width, seed,
        roots=[DEMO_CONDITIONS[row["condition"]] for row in roots], scene=scene,
    )
    write_plates([os.path.join(out, row["image"]) for row in dishes],
                 [truth(row) for row in dishes], height, seed)
    demo = {"height": height, "width": width, "seed": seed, "scene": scene}
    columns = [*PLATE_SETTINGS, "truth_count"] if dishes else []
    lengths = [demo_root_settings(demo, index) for index in range(len(roots))]
    columns += ["truth_length"] if roots and lengths[0] else []
    what = "seedlings" if scene == "green_on_soil" else "roots"
    with atomic_path(os.path.join(out, "samples.tsv"), ".tsv") as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"# The demo experiment: the treated images have more {what}.\n")
            f.write("\t".join(["image", "condition", "replicate", *columns]) + "\n")
            for index, row in enumerate(rows):  # the root images first
                image = f"{os.path.basename(os.path.normpath(out))}/{row['image']}"
                own = (plate_settings(demo, int(row["replicate"]) - 1)
                       if row["condition"] == PLATE_CONDITION
                       else lengths[index])
                cells = [str(own.get(column, "")) for column in columns]
                f.write("\t".join([image, row["condition"], row["replicate"], *cells]) + "\n")
    # last: the settings it was made with, so that planning can take the
    # true lengths from the sheet instead of working them out again
    made = demo_record(count, plates, height, width, seed, scene)
    with atomic_path(os.path.join(out, "demo.json"), ".json") as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(made, f)


if "snakemake" in globals():
    if snakemake.log:
        sys.stderr = open(snakemake.log[0], "w", encoding="utf-8")
    write_experiment(
        snakemake.output[0],
        snakemake.params.images,
        snakemake.params.height,
        snakemake.params.width,
        snakemake.params.seed,
        snakemake.params.plates,
        getattr(snakemake.params, "scene", "roots"),
    )
elif __name__ == "__main__":
    main()
