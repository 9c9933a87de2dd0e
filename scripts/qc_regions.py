"""Rule qc_regions: the report's plot of the regions' foreground ratios
(rootmass.qc.regions.region_figure): for a plate's wells, a heat map of each
well's median in the plate's layout; else the ratios by region."""

import pandas as pd

from rootmass.io import save_figure
from rootmass.qc.regions import region_figure
from rootmass.workflow.jobs import job_log

with job_log(snakemake.log[0]):
    table = pd.read_csv(snakemake.input.csv, usecols=["image", "region", "ratio", "status"],
                        dtype={"image": str, "region": str}, keep_default_na=False)
    ratio = pd.to_numeric(table["ratio"].where(table["status"] == "ok"), errors="coerce")
    figure = region_figure(table["region"], ratio, table["image"], "foreground ratio",
                           f"results/regions.csv, {len(table):,} rows")
    save_figure(snakemake.output.plot, figure)
