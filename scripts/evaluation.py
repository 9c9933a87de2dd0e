"""Rule evaluation: the scores of every batch in two tables, and the plot of
F1 by method. results/evaluation.csv: one row per scored image, its mask as
configured against its truth (an image without a result is left out: see
results/ratios.csv), with the objects stage also its count against the
truth's. results/evaluation-methods.csv: one row per method over the scored
images (per channel and method with evaluate_grayscale), the best marked,
with the objects stage also each method's mean
absolute count error, with the roots stage (or traced roots) its mean and
median absolute relative length error, with traced roots (RSML truth) its
mean trace recall, precision and F1; every method ranked."""

import sys

from rootmass.evaluation import COUNT_COLUMNS, LENGTH_COLUMNS, METHOD_COLUMNS, SCORE_COLUMNS
from rootmass.evaluation import TRACE_METHOD_COLUMNS, compare_methods
from rootmass.traces import TRACE_COLUMNS
from rootmass.io import load_json, save_csv, save_figure
from rootmass.workflow.jobs import job_log
from rootmass.qc.plots import evaluation_figure


with job_log(snakemake.log[0]):
    scored = sorted(
        (row for path in snakemake.input.scores for row in load_json(path)),
        key=lambda row: row["image"],
    )
    results = [row for row in scored if "error" not in row]
    # with the objects stage, the counts' columns
    counts = list(COUNT_COLUMNS) if any("objects" in r["configured"] for r in results) else []
    # with the roots stage, the lengths' columns
    lengths = list(LENGTH_COLUMNS) if any(
        "truth_length" in m for r in results for m in r["methods"]) else []
    # with traced roots (RSML truth), the traces' columns
    traces = list(TRACE_COLUMNS) if any("traced_length" in r["configured"]
                                        for r in results) else []
    # the classifier's masks: scored by cross-validation
    learned = ["cross_validated"] if any("cross_validated" in m for r in results
                                         for m in r["methods"]) else []
    save_csv(
        snakemake.output.images,
        ["image", "method", "threshold", *learned, *SCORE_COLUMNS, *counts, *lengths,
         *traces],
        [{"image": row["image"], **row["configured"]} for row in results],
    )
    per_method = [
        {"image": row["image"], **method} for row in results for method in row["methods"]
    ]
    methods = compare_methods(per_method)
    # with evaluate_grayscale, a row per channel and method
    columns = (["grayscale"] if methods and "grayscale" in methods[0] else []) + list(
        METHOD_COLUMNS)
    after = columns.index("median_iou") + 1
    extra = (["mean_abs_count_error"] if counts else []) + (
        ["mean_abs_length_error", "median_abs_length_error"] if lengths else []) + (
        list(TRACE_METHOD_COLUMNS) if traces else [])
    columns[after:after] = extra
    if learned:
        columns.insert(columns.index("images") + 1, "cross_validated")
    save_csv(snakemake.output.methods, columns, methods)
    save_figure(snakemake.output.plot, evaluation_figure(per_method, methods), dpi=100)
    for row in scored:
        if "error" in row:
            print(f"not scored, no result: {row['image']}: {row['error']}", file=sys.stderr)
