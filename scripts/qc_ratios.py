"""Rule qc_ratios: the plot of every image's ratio, and the CSV as an HTML
table for the report (every value as the CSV has it, every digit kept)."""

import csv
import html

from rootmass.io import atomic_path, save_figure
from rootmass.jobs import job_log
from rootmass.qc import ratio_figure

with job_log(snakemake.log[0]):
    with open(snakemake.input.csv, newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    column = {name: i for i, name in enumerate(header)}
    ratios = [
        float(row[column["ratio"]]) if row[column["status"]] == "ok" else None
        for row in rows
    ]
    images = [row[column["image"]] for row in rows]
    save_figure(snakemake.output.plot, ratio_figure(images, ratios))

    def cells(tag, values):
        return "".join(f"<{tag}>{html.escape(value)}</{tag}>" for value in values)

    body = "\n".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    with atomic_path(snakemake.output.table, ".html") as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                "<title>Foreground ratios</title><style>"
                "body{font-family:sans-serif;font-size:13px}"
                "table{border-collapse:collapse}"
                "th,td{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}"
                "th{position:sticky;top:0;background:#f4f4f4}"
                f"</style></head><body>\n<p>{len(rows)} images, from"
                f" {html.escape(snakemake.input.csv)}</p>\n"
                f"<table id=\"ratios\"><thead><tr>{cells('th', header)}</tr></thead>\n"
                f"<tbody>\n{body}\n</tbody></table>\n</body></html>\n"
            )
