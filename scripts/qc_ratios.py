"""Rule qc_ratios: the plot of every image's ratio and the plot of the ratios
by group (labelled with the settings), and the CSV and the summary as HTML
tables for the report (every value as the CSV has it, every digit kept)."""

import csv
import html

from rootmass.io import atomic_path, save_figure
from rootmass.workflow.jobs import job_log
from rootmass.qc.plots import group_figure, ratio_figure, settings_text


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

    group_by = snakemake.params.group_by
    summary_header, summary_rows = read(snakemake.input.summary)
    labels, values = [], []
    for group in summary_rows:
        key = dict(zip(summary_header, group))
        labels.append(", ".join(key[c] for c in group_by) if group_by else "all images")
        values.append([float(r["ratio"]) for r in records if r["status"] == "ok"
                       and all(r[c] == key[c] for c in group_by)])
    save_figure(snakemake.output.groups, group_figure(labels, values, settings_text(records)),
                dpi=100)
    write_table(snakemake.output.summary, summary_header, summary_rows,
                "Summary by group", snakemake.input.summary, "summary")
