"""Rule aggregate: collect the measurement tables of every batch into one CSV,
one row per image sorted by image path, with what each measuring stage that
runs gives of it (its objects' count and area statistics, its root traits:
rootmass.workflow.stages), then the image's metadata from the sample sheet,
and a provenance record beside it."""

import yaml

from rootmass.io import load_json, save_csv, save_json
from rootmass.workflow.jobs import job_log
from rootmass.workflow.provenance import provenance
from rootmass.workflow.samples import read_sheet

params = snakemake.params
with job_log(snakemake.log[0]):
    rows = [row for path in snakemake.input.measurements for row in load_json(path)]
    for name, prefix in params.merges:  # the measuring stages (rootmass.workflow.stages)
        found = {row["image"]: row for path in snakemake.input[name] for row in load_json(path)}
        for row in rows:
            if row["image"] in found:
                own = found[row["image"]]
                row.update({k: v for k, v in own.items() if k.startswith(prefix)})
                if own.get("error") and row["status"] == "ok" and not row.get("error"):
                    # its mask and ratio stand; its measures failed (on_error: skip)
                    row["error"] = f"{name}: {own['error']}"
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
