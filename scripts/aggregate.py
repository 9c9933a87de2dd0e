"""Rule aggregate: collect the measurement tables of every batch into one CSV,
one row per image sorted by image path, with its objects' count and area
statistics (with the objects stage), its root traits (with the roots
stage) and the image's metadata from the
sample sheet after the measurements, and a provenance record beside it."""

import yaml

from rootmass.io import load_json, save_csv, save_json
from rootmass.workflow.jobs import job_log
from rootmass.workflow.provenance import provenance
from rootmass.workflow.samples import read_sheet

params = snakemake.params
with job_log(snakemake.log[0]):
    rows = [row for path in snakemake.input.measurements for row in load_json(path)]
    counts = {row["image"]: row for path in snakemake.input.counts for row in load_json(path)}
    traits = {row["image"]: row for path in snakemake.input.roots for row in load_json(path)}
    for row in rows:
        found = traits.get(row["image"], {})
        row.update({k: v for k, v in found.items() if k.startswith("root_")})
        if found.get("error") and row["status"] == "ok":
            row["error"] = f"roots: {found['error']}"  # its mask and ratio stand
    for row in rows:
        if row["image"] in counts:
            found = counts[row["image"]]
            row.update({k: found.get(k) for k in found if k.startswith("object")})
            if found.get("error") and row["status"] == "ok":
                # its mask and ratio stand; its objects failed (on_error: skip)
                row["error"] = f"objects: {found['error']}"
    if params.metadata:
        with open(params.schema, encoding="utf-8") as f:
            samples, _ = read_sheet(params.sheet, yaml.safe_load(f))
        metadata = {sample.image: sample.metadata for sample in samples}
        for row in rows:
            row.update(metadata[row["image"]])
    rows.sort(key=lambda row: row["image"])
    # a float as repr(): every digit is kept
    save_csv(snakemake.output.csv, params.columns, rows)
    save_json(snakemake.output.provenance, provenance(snakemake.config, len(rows)))
