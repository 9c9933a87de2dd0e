"""Summary statistics of the ratios, per group of images (pandas)."""

import pandas as pd

__all__ = ["STATISTICS", "summarise"]

#: The statistics of each measured quantity, as pandas names them.
STATISTICS = ("mean", "std", "sem", "median", "min", "max")


def summarise(table, group_by=(), quantities=()):
    """One row per group of images: its values, its counts and statistics.

    Parameters
    ----------
    table : pandas.DataFrame
        ``results/ratios.csv`` as text (``dtype=str``): columns ``image``,
        ``ratio``, ``status``, optionally ``foreground_area_mm2``, and the
        metadata columns in ``group_by``.
    group_by : sequence of str, optional
        Metadata columns; images with the same values form a group. None or
        empty: the whole collection is one group.
    quantities : sequence of str, optional
        Other columns to summarise where the table has them: the measuring
        stages' (the workflow passes
        ``rootmass.workflow.experiment.Experiment.measured_columns``: the
        objects' count and areas, the root traits).

    Returns
    -------
    summary : pandas.DataFrame
        Sorted by the group's values: the ``group_by`` columns, ``n`` (the
        group's images), ``n_failed`` (those without a result), then the
        mean, standard deviation, standard error, median, minimum and
        maximum of ``ratio`` over the images with a result (``ratio_mean``,
        ...; std and sem with one degree of freedom), and of
        ``foreground_area_mm2`` (``foreground_area_mm2_mean``, ...) where every image
        with a result has an area (else empty). Then the same statistics of
        each of ``quantities`` the table has (``objects_mean``, ...,
        ``root_length_mean``, ...), over the images with a value
        (an image without objects has no areas; the ``_mm2`` ones only over
        the images with a pixel size). Each is what pandas'
        ``groupby(group_by)`` gives on the CSV.
    """
    group_by = list(group_by or ())
    missing = [c for c in ["image", "ratio", "status", *group_by] if c not in table.columns]
    if missing:
        raise ValueError(f"the table has no column {', '.join(map(repr, missing))}")
    table = table.copy()
    key = group_by or ["_all"]
    if not group_by:
        table["_all"] = ""
    table["_ok"] = table["status"] == "ok"
    table["ratio"] = pd.to_numeric(table["ratio"].where(table["_ok"]))
    has_area = "foreground_area_mm2" in table.columns
    if has_area:
        table["area_mm2"] = pd.to_numeric(
            table["foreground_area_mm2"].where(table["_ok"]).replace("", None))
    counted = [column for column in quantities if column in table.columns]
    for column in counted:
        table[f"_{column}"] = pd.to_numeric(table[column].replace("", None))
    groups = table.groupby(key, sort=True, dropna=False)
    summary = pd.DataFrame({"n": groups.size()})
    summary["n_failed"] = summary["n"] - groups["_ok"].sum().astype(int)
    measured = table[table["_ok"]].groupby(key, sort=True, dropna=False)
    ratio = measured["ratio"].agg(list(STATISTICS)).add_prefix("ratio_")
    summary = summary.join(ratio)
    if has_area:
        area = measured["area_mm2"].agg(list(STATISTICS)).add_prefix("foreground_area_mm2_")
        complete = measured["area_mm2"].apply(lambda values: values.notna().all())
        area[~complete.reindex(area.index, fill_value=False)] = float("nan")
        summary = summary.join(area)
    for column in counted:
        stats = measured[f"_{column}"].agg(list(STATISTICS)).add_prefix(f"{column}_")
        summary = summary.join(stats)
    summary = summary.reset_index()
    return summary.drop(columns=["_all"]) if not group_by else summary
