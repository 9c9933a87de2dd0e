"""Rule aggregate: collect the measurement tables of every batch into one CSV,
one row per image sorted by image path, with what each measuring stage that
runs gives of it (its objects' count and area statistics, its root traits:
rootmass.workflow.stages), then the image's metadata from the sample sheet,
and a provenance record beside it. With regions, results/regions.csv too, a
row per image x region, written batch by batch as each is read
(rootmass.workflow.regions.regions_table)."""

import contextlib

import yaml

from rootmass.io import load_json, save_csv, save_json
from rootmass.workflow.jobs import job_log
from rootmass.workflow.provenance import provenance
from rootmass.workflow.regions import regions_table
from rootmass.workflow.samples import read_sheet

params = snakemake.params


def without_regions(row):
    """A row without its regions' values (regions.csv's)."""
    row.pop("regions", None)
    return row

inputs, outputs = snakemake.input, snakemake.output
with job_log(snakemake.log[0]), contextlib.ExitStack() as stack:
    metadata = {}
    if params.metadata:
        with open(params.schema, encoding="utf-8") as f:
            samples, _ = read_sheet(params.sheet, yaml.safe_load(f))
        metadata = {sample.image: sample.metadata for sample in samples}
    write_regions = "regions" in outputs.keys() and stack.enter_context(regions_table(
        outputs.regions, params.region_columns, metadata, inputs.region_metadata or None))
    # batch by batch, the stages' rows beside (the batches are in one order)
    rows, stages = [], {name: {} for name, _ in params.merges}
    for i, path in enumerate(inputs.measurements):
        batch = load_json(path)
        found = {name: load_json(inputs[name][i]) for name in stages}
        if write_regions:
            write_regions(batch, *(found.get(name) for name in ("objects", "roots")))
        rows += map(without_regions, batch)
        for name, own in found.items():
            stages[name].update((row["image"], without_regions(row)) for row in own)
    for name, prefix in params.merges:  # the measuring stages (rootmass.workflow.stages)
        found = stages[name]
        for row in rows:
            if row["image"] in found:
                own = found[row["image"]]
                row.update({k: v for k, v in own.items() if k.startswith(prefix)})
                if own.get("error") and row["status"] == "ok" and not row.get("error"):
                    # its mask and ratio stand; its measures failed (on_error: skip)
                    row["error"] = f"{name}: {own['error']}"
    for row in rows if metadata else ():
        row.update(metadata[row["image"]])
    rows.sort(key=lambda row: row["image"])
    # a float as repr(): every digit is kept
    save_csv(snakemake.output.csv, params.columns, rows)
    save_json(snakemake.output.provenance, provenance(snakemake.config, len(rows)))
