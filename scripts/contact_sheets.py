"""Rule contact_sheets: every image's selection thumbnail, labelled with its
name and ratio, on pages of a fixed number of images, in path order:
sheet-0001.jpg, sheet-0002.jpg, ... in the output folder."""

import os

import numpy as np

from rootmass.workflow.batches import image_key
from rootmass.io import SHEET_JPEG, load_json, save_jpeg
from rootmass.workflow.jobs import job_log
from rootmass.qc.figures import contact_sheet

params = snakemake.params
with job_log(snakemake.log[0]):
    entries = []
    for table, thumbs in zip(snakemake.input.measurements, snakemake.input.thumbnails):
        with np.load(thumbs) as stored:
            keys = set(stored.files)  # an image without a result has none
            for row in load_json(table):
                key = image_key(row["image"])
                small = stored[key] if key in keys else None
                if row["status"] == "ok":
                    label = f"{row['image']}\nratio {row['ratio']:.4f}"
                else:
                    label = f"{row['image']}\nno result ({row['status']})"
                entries.append((row["image"], small, label))
    entries.sort(key=lambda entry: entry[0])
    per_page = params.per_page
    pages = [entries[i : i + per_page] for i in range(0, len(entries), per_page)]
    if len(pages) != params.pages:
        raise SystemExit(
            f"contact_sheets: {len(entries)} images make {len(pages)} pages,"
            f" but {params.pages} were planned"
        )
    os.makedirs(snakemake.output.sheets, exist_ok=True)
    for number, page in enumerate(pages, start=1):
        _, thumbnails, labels = zip(*page)
        save_jpeg(
            os.path.join(snakemake.output.sheets, f"sheet-{number:04d}.jpg"),
            contact_sheet(list(thumbnails), list(labels), params.columns, params.cell),
            **SHEET_JPEG,
        )
