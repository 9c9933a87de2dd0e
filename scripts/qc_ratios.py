"""Rule qc_ratios: the plot of every image's ratio and the plot of the ratios
by group (labelled with the settings; of the regions where the summary
groups regions), and the CSV and the summary as HTML tables for the report
(every value as the CSV has it, every digit kept); with regions, the plot
of their ratios by region (rootmass.qc.regions.region_figure: for a plate's
wells, a heat map of each well's median in the plate's layout)."""

import csv
import html

from rootmass.io import atomic_path, save_figure
from rootmass.workflow.jobs import job_log
from rootmass.qc.plots import group_figure, ratio_figure, settings_text
from rootmass.qc.regions import region_figure


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def write_table(path, header, rows, title, source, table_id):
    def cells(tag, values):
        return "".join(f"<{tag}>{html.escape(value)}</{tag}>" for value in values)

    body = "\n".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    with atomic_path(path, ".html") as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(title)}</title><style>"
                "body{font-family:sans-serif;font-size:13px}"
                "table{border-collapse:collapse}"
                "th,td{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}"
                "th{position:sticky;top:0;background:#f4f4f4}"
                f"</style></head><body>\n<p>{len(rows)} rows, from"
                f" {html.escape(source)}</p>\n"
                f"<table id=\"{table_id}\"><thead><tr>{cells('th', header)}</tr></thead>\n"
                f"<tbody>\n{body}\n</tbody></table>\n</body></html>\n"
            )


with job_log(snakemake.log[0]):
    header, rows = read(snakemake.input.csv)
    records = [dict(zip(header, row)) for row in rows]
    ratios = [float(r["ratio"]) if r["status"] == "ok" else None for r in records]
    save_figure(snakemake.output.plot, ratio_figure([r["image"] for r in records], ratios,
                                                    subtitle=settings_text(records)))
    write_table(snakemake.output.table, header, rows, "Foreground ratios",
                snakemake.input.csv, "ratios")

    grouped = records  # the summary's rows: the images', or the regions'
    if "regions" in snakemake.input.keys():
        region_header, region_rows = read(snakemake.input.regions)
        regions = [dict(zip(region_header, row)) for row in region_rows]
        named = [r for r in regions if r["region"]]  # (an image that failed: none)
        save_figure(snakemake.output.region_plot, region_figure(
            [r["region"] for r in named],
            [float(r["ratio"]) if r["status"] == "ok" else None for r in named],
            [r["image"] for r in named], "foreground ratio",
            f"results/regions.csv, {len(named):,} regions"))
        grouped = named if snakemake.params.by_region else records
    group_by = snakemake.params.group_by
    summary_header, summary_rows = read(snakemake.input.summary)
    labels, values = [], []
    for group in summary_rows:
        key = dict(zip(summary_header, group))
        labels.append(", ".join(key[c] for c in group_by) if group_by else "all images")
        values.append([float(r["ratio"]) for r in grouped if r["status"] == "ok"
                       and all(r[c] == key[c] for c in group_by)])
    save_figure(snakemake.output.groups, group_figure(labels, values, settings_text(records)),
                dpi=100)
    write_table(snakemake.output.summary, summary_header, summary_rows,
                "Summary by group", snakemake.input.summary, "summary")
