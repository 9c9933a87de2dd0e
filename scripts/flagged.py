"""Rule flagged: the images whose thresholding looks wrong, most suspicious
first (results/qc/flagged.csv: image, reason, value; the rules are
rootmass.flags'), and a copy of the figures of the first of them, numbered
in that order, for the report."""

import csv
import os
import shutil

from rootmass.batches import figure_key
from rootmass.cache import image_file
from rootmass.flags import FLAG_COLUMNS, flag_images
from rootmass.io import atomic_path, load_json, save_csv
from rootmass.jobs import job_log

params = snakemake.params
with job_log(snakemake.log[0]):
    with open(snakemake.input.csv, newline="", encoding="utf-8") as f:
        rows = {row["image"]: row for row in csv.DictReader(f)}
    figure_of = {}
    for path, figures in zip(snakemake.input.measurements, snakemake.input.figures):
        for measured in load_json(path):
            rows[measured["image"]]["separation"] = measured.get("separation")
            figure_of[measured["image"]] = image_file(figures, figure_key(measured["image"]), ".jpg")
    flags = flag_images(list(rows.values()), params.group_by)
    save_csv(snakemake.output.csv, FLAG_COLUMNS, flags)
    folder = snakemake.output.figures
    os.makedirs(folder, exist_ok=True)
    ordered = list(dict.fromkeys(flag["image"] for flag in flags))
    for rank, image in enumerate(ordered[: params.shown], start=1):
        with atomic_path(os.path.join(folder, f"{rank:04d}.jpg"), ".jpg") as tmp:
            shutil.copyfile(figure_of[image], tmp)
    print(f"{len(ordered)} of {len(rows)} images flagged", flush=True)
