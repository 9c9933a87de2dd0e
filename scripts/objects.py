"""Rule objects: label each mask of the batch into its objects and measure
them (rootmass.measure.objects.measure_objects, with each image's own settings).
Writes the batch's per-image statistics (a row per image: its count and the
mean, median and largest area, empty for an image without a mask), its
per-object table (a row per object that counts, for every image with at
most max_objects), and each image's labels at the size of its preview, for
its QC figure (`<key>.png`, 16-bit). An image with regions has its
objects counted by region (rootmass.regions.measure.region_objects), of its
mask or, where the regions have thresholds of their own, of theirs."""

import csv
import math
import os

from rootmass.workflow.batches import image_key
from rootmass.workflow.cache import image_file, regions_mask
from rootmass.io import atomic_path, load_json, load_mask, save_json, save_png16
from rootmass.workflow.jobs import OnError, job_log
from rootmass.measure.objects import label_preview, measure_objects
from rootmass.qc.previews import reduction
from rootmass.regions.layout import regions_in
from rootmass.regions.measure import region_objects
from rootmass.workflow.samples import settings_for

params = snakemake.params
previews = snakemake.output.previews
on_error = OnError(snakemake.config["on_error"], "objects")


def plain(value):
    """A statistic as JSON keeps it: NaN (no object) as null."""
    return None if isinstance(value, float) and math.isnan(value) else value


def by_region(row, labels, settings):
    """The image's objects by region: its own objects', or those of the
    regions' mask where they have thresholds of their own."""
    regions = regions_in(row["regions"]["set"], labels.shape)
    own = regions_mask(row["mask"])
    if os.path.exists(own):
        labels = measure_objects(load_mask(own), settings["connectivity"], settings["min_area"],
                                 settings["filter_connectivity"], settings["declump"],
                                 settings["declump_h"], settings["declump_smoothing"],
                                 None, 0)[0]
    stats = region_objects(labels, regions)
    return {k: [plain(v) for v in values] for k, values in stats.items()}


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
                mask = load_mask(row["mask"])
                labels, stats, table = measure_objects(
                    mask, settings["connectivity"], settings["min_area"],
                    settings["filter_connectivity"], settings["declump"],
                    settings["declump_h"], settings["declump_smoothing"],
                    settings["pixel_size"], params.max_objects, params.shape,
                )
                factor = reduction(labels.shape, params.preview_side)
                key = image_key(image)
                save_png16(image_file(previews, key, ".png"), label_preview(labels, factor))
                counts.append({"image": image, **{k: plain(v) for k, v in stats.items()},
                               "tabled": table is not None})
                if row.get("regions"):
                    counts[-1]["regions"] = by_region(row, labels, settings)
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
