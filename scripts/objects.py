"""Rule objects: label each mask of the batch into its objects and measure
them (rootmass.measure.objects.measure_objects, with each image's own settings).
Writes the batch's per-image statistics (a row per image: its count and the
mean, median and largest area, empty for an image without a mask), its
per-object table (a row per object that counts, for every image with at
most max_objects), and each image's labels at the size of its preview, for
its QC figure (`<key>.png`, 16-bit). An image with regions has its
objects counted by region (rootmass.workflow.regions.objects_by_region), of
its mask or, where the regions have thresholds of their own, of theirs."""

import csv
import functools
import math
import os

from rootmass.workflow.batches import image_key
from rootmass.workflow.cache import image_file
from rootmass.io import atomic_path, load_json, load_mask, save_json, save_png16
from rootmass.workflow.jobs import OnError, job_log
from rootmass.measure.objects import label_preview, measure_objects
from rootmass.qc.previews import reduction
from rootmass.workflow.regions import objects_by_region
from rootmass.workflow.samples import settings_for

params = snakemake.params
previews = snakemake.output.previews
on_error = OnError(snakemake.config["on_error"], "objects")


def plain(value):
    """A statistic as JSON keeps it: NaN (no object) as null."""
    return None if isinstance(value, float) and math.isnan(value) else value


def table_rows(image, table, columns):
    """An image's objects as CSV rows, in `columns` (empty where the table
    has no such column: mm2 without a pixel size); floats as repr, every
    digit."""
    values = [table[c].tolist() if c in table else None for c in columns[1:]]
    count = len(table["label"])
    return ([image, *(v[i] if v is not None else "" for v in values)] for i in range(count))


with job_log(snakemake.log[0]), atomic_path(snakemake.output.table, ".csv") as tmp, \
        open(tmp, "w", newline="", encoding="utf-8") as rows_file:
    os.makedirs(previews, exist_ok=True)
    writer = csv.writer(rows_file)
    writer.writerow(params.columns)
    counts = []
    for row in load_json(snakemake.input.measurements):
        image = row["image"]
        reason = row["error"] if row["status"] != "ok" else None
        if reason is None:
            try:
                settings = settings_for(params.settings, image)
                measure = functools.partial(
                    measure_objects, connectivity=settings["connectivity"],
                    min_area=settings["min_area"],
                    filter_connectivity=settings["filter_connectivity"],
                    declump=settings["declump"], declump_h=settings["declump_h"],
                    declump_smoothing=settings["declump_smoothing"])
                labels, stats, table = measure(load_mask(row["mask"]),
                                               pixel_size=settings["pixel_size"],
                                               max_objects=params.max_objects,
                                               shape=params.shape)
                factor = reduction(labels.shape, params.preview_side)
                key = image_key(image)
                save_png16(image_file(previews, key, ".png"), label_preview(labels, factor))
                found = {"image": image, **{k: plain(v) for k, v in stats.items()},
                         "tabled": table is not None}
                if row.get("regions"):
                    found["regions"] = objects_by_region(
                        row["regions"], labels, table, lambda mask: measure(mask)[::2], load_mask)
                counts.append(found)
                if table is not None:
                    writer.writerows(table_rows(image, table, params.columns))
                else:
                    print(f"objects: {image!r} has {stats['objects']} objects, more than"
                          f" max_objects ({params.max_objects}): no rows in objects.csv",
                          flush=True)
            except Exception as error:
                reason = on_error(image, error)
        if reason is not None:
            counts.append({"image": image, "objects": None, "error": reason})
    save_json(snakemake.output.counts, counts)
