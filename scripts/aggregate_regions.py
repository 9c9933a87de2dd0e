"""Rule aggregate_regions: results/regions.csv, a row per image x region
(rootmass.workflow.regions.regions_rows), batch by batch in the images'
order, each with its image's metadata from the sample sheet and its
region's from the region metadata table. Written a batch at a time: its
memory does not grow with the collection."""

import csv

import yaml

from rootmass.io import atomic_path, load_json
from rootmass.workflow.jobs import job_log
from rootmass.workflow.regions import read_region_metadata, regions_rows
from rootmass.workflow.samples import read_sheet

params, inputs = snakemake.params, snakemake.input
with job_log(snakemake.log[0]), atomic_path(snakemake.output.csv, ".csv") as tmp, \
        open(tmp, "w", newline="", encoding="utf-8") as out:
    metadata, regional = {}, {}
    if params.metadata:
        with open(params.schema, encoding="utf-8") as f:
            samples, _ = read_sheet(params.sheet, yaml.safe_load(f))
        metadata = {sample.image: sample.metadata for sample in samples}
    if params.region_metadata:
        regional = read_region_metadata(params.region_metadata)[1]
    writer = csv.DictWriter(out, params.columns, extrasaction="ignore", restval="")
    writer.writeheader()
    stages = [name for name in ("objects", "roots") if name in inputs.keys()]
    for i, path in enumerate(inputs.measurements):
        more = [load_json(inputs[name][i]) for name in stages]
        for row in regions_rows(load_json(path), *more):
            row.update(metadata.get(row["image"], {}))
            row.update(regional.get((row["image"], row["region"]))
                       or regional.get((None, row["region"])) or {})
            writer.writerow(row)  # (a float as repr(): every digit)
