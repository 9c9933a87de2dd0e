"""Rule aggregate_objects: every batch's objects in one CSV,
results/objects.csv (a row per object that counts, images in path order),
with each image's metadata from the sample sheet after the measurements. A
batch at a time: the time is linear in the rows and the memory that of one
batch (rootmass.io.concatenate_csv)."""

import yaml

from rootmass.workflow.jobs import job_log
from rootmass.io import concatenate_csv
from rootmass.workflow.samples import read_sheet

params = snakemake.params
with job_log(snakemake.log[0]):
    metadata = {}
    if params.metadata:
        with open(params.schema, encoding="utf-8") as f:
            samples, _ = read_sheet(params.sheet, yaml.safe_load(f))
        metadata = {sample.image: sample.metadata for sample in samples}
    rows = concatenate_csv(snakemake.input.tables, snakemake.output.csv,
                           params.metadata, metadata)
    print(f"{rows} objects in {len(snakemake.input.tables)} batches", flush=True)
