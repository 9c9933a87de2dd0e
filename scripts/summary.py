"""Rule summary: the ratio (and, where every image of a group has one, the
foreground area) of each group of images, from results/ratios.csv."""

import pandas as pd

from rootmass.io import atomic_path
from rootmass.workflow.jobs import job_log
from rootmass.summary import summarise

with job_log(snakemake.log[0]):
    table = pd.read_csv(snakemake.input.csv, dtype=str, keep_default_na=False)
    summary = summarise(table, snakemake.params.group_by, snakemake.params.quantities)
    with atomic_path(snakemake.output.summary, ".csv") as tmp:
        summary.to_csv(tmp, index=False)  # every digit of each float
