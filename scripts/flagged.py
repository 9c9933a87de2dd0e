"""Rule flagged: the images whose thresholding looks wrong, most suspicious
first (results/qc/flagged.csv: image, reason, value; the rules are
rootmass.qc.flags', on the rows of results/ratios.csv), and a copy of the
figures of the first of them, numbered in that order, for the report."""

import csv
import os
import shutil

from rootmass.workflow.batches import figure_key
from rootmass.workflow.cache import image_file
from rootmass.qc.flags import FLAG_COLUMNS, flag_images
from rootmass.io import atomic_path, save_csv
from rootmass.workflow.jobs import job_log


def figure_of(image, folders):
    """The QC figure of `image`: in the folder of its batch, which
    ratios.csv does not name (one lookup per batch, for the few shown)."""
    for folder in folders:
        path = image_file(folder, figure_key(image), ".jpg")
        if os.path.exists(path):
            return path
    raise SystemExit(f"flagged: no QC figure of {image!r} in {len(folders)} batch folders")


params = snakemake.params
with job_log(snakemake.log[0]):
    with open(snakemake.input.csv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    flags = flag_images(rows, params.group_by, params.max_objects)
    save_csv(snakemake.output.csv, FLAG_COLUMNS, flags)
    folder = snakemake.output.figures
    os.makedirs(folder, exist_ok=True)
    ordered = list(dict.fromkeys(flag["image"] for flag in flags))
    for rank, image in enumerate(ordered[: params.shown], start=1):
        with atomic_path(os.path.join(folder, f"{rank:04d}.jpg"), ".jpg") as tmp:
            shutil.copyfile(figure_of(image, snakemake.input.figures), tmp)
    print(f"{len(ordered)} of {len(rows)} images flagged", flush=True)
