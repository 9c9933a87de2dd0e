"""Rule qc_ratios: the plot of every image's ratio, and the CSV as an HTML
table for the report."""

import pandas as pd

from rootmass.io import atomic_path, save_figure
from rootmass.jobs import job_log
from rootmass.qc import ratio_figure

with job_log(snakemake.log[0]) as job:
    # every value as the CSV has it, every digit kept
    table = pd.read_csv(snakemake.input.csv, dtype=str, keep_default_na=False)
    ratios = [
        float(ratio) if status == "ok" else None
        for ratio, status in zip(table["ratio"], table["status"])
    ]
    save_figure(snakemake.output.plot, ratio_figure(list(table["image"]), ratios))
    body = table.to_html(index=False, border=0, table_id="ratios", escape=True)
    with atomic_path(snakemake.output.table, ".html") as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                "<title>Foreground ratios</title><style>"
                "body{font-family:sans-serif;font-size:13px}"
                "table{border-collapse:collapse}"
                "th,td{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}"
                "th{position:sticky;top:0;background:#f4f4f4}"
                f"</style></head><body>\n<p>{len(table)} images, from"
                f" {snakemake.input.csv}</p>\n{body}\n</body></html>\n"
            )
    job["images"] = len(table)
