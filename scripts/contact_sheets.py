"""Rule contact_sheets: every image's selection thumbnail, labelled with its
name and ratio, on pages of a fixed number of images, in path order."""

import numpy as np

from rootmass.io import load_json, save_png
from rootmass.jobs import job_log
from rootmass.qc import contact_sheet

params = snakemake.params
with job_log(snakemake.log[0]) as job:
    entries = []
    for table, thumbs in zip(snakemake.input.measurements, snakemake.input.thumbnails):
        with np.load(thumbs) as stored:
            for i, row in enumerate(load_json(table)):
                small = stored[str(i)] if str(i) in stored.files else None
                if row["status"] == "ok":
                    label = f"{row['image']}\nratio {row['ratio']:.4f}"
                else:
                    label = f"{row['image']}\nno result ({row['status']})"
                entries.append((row["image"], small, label))
    entries.sort(key=lambda entry: entry[0])
    per_page = params.per_page
    pages = [entries[i : i + per_page] for i in range(0, len(entries), per_page)]
    if len(pages) != len(snakemake.output.sheets):
        raise SystemExit(
            f"contact_sheets: {len(entries)} images make {len(pages)} pages,"
            f" but {len(snakemake.output.sheets)} were planned"
        )
    for path, page in zip(snakemake.output.sheets, pages):
        _, thumbnails, labels = zip(*page)
        save_png(
            path,
            contact_sheet(list(thumbnails), list(labels), params.columns, params.cell),
        )
    job["images"] = len(entries)
