"""Rule aggregate: collect the measurement tables of every batch into one CSV,
one row per image sorted by image path, with a provenance record beside it."""

import csv

from rootmass.io import atomic_path, load_json, save_json
from rootmass.jobs import job_log
from rootmass.provenance import provenance

with job_log(snakemake.log[0]):
    rows = [row for path in snakemake.input.measurements for row in load_json(path)]
    rows.sort(key=lambda row: row["image"])
    with atomic_path(snakemake.output.csv, ".csv") as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=snakemake.params.columns)
            writer.writeheader()
            # csv writes a float as repr(): every digit is kept
            writer.writerows(rows)
    save_json(snakemake.output.provenance, provenance(snakemake.config, len(rows)))

