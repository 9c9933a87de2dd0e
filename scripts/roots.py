"""Rule roots: each mask of the batch skeletonized and its roots measured
(rootmass.measure.roots.root_traits, with each image's own settings). Writes the
batch's traits (a row per image: every trait, the lengths by diameter class,
the twins in mm where the image's pixel size is known; empty for an image
without a mask or with measure_roots false) and each measured image's
skeleton at the size of its preview, coloured by diameter class, for its QC
figure (`<key>.png`, 16-bit: 0 background, 1 ... the class). An image with
regions has its traits split by region (its row's "regions": each trait's
values, a region each): of its skeleton, or of the regions' mask's where
they have thresholds of their own."""

import functools
import os

import numpy as np

from rootmass.workflow.batches import image_key
from rootmass.workflow.cache import image_file
from rootmass.io import load_json, load_mask, save_json, save_png16
from rootmass.workflow.jobs import OnError, job_log
from rootmass.qc.previews import reduction
from rootmass.measure.roots import diameter_classes_of, root_traits, skeleton_preview
from rootmass.workflow.samples import settings_for
from rootmass.workflow.regions import roots_by_region

params = snakemake.params
on_error = OnError(snakemake.config["on_error"], "roots")

with job_log(snakemake.log[0]):
    os.makedirs(snakemake.output.skeletons, exist_ok=True)
    rows = []
    for row in load_json(snakemake.input.measurements):
        image = row["image"]
        settings = settings_for(params.settings, image)
        reason = row["error"] if row["status"] != "ok" else None
        if reason is None and not settings["measure_roots"]:
            rows.append({"image": image, "measured": False})
            continue
        if reason is None:
            try:
                pixel_size = row.get("pixel_size_mm")
                in_mm = pixel_size is not None and bool(settings["diameter_classes"])
                measure = functools.partial(
                    root_traits, prune_length=settings["prune_length"],
                    classes=settings["diameter_classes_px"],
                    classes_mm=settings["diameter_classes"] if in_mm else (),
                    pixel_size=pixel_size, min_area=settings["min_root_area"],
                    min_elongation=settings["min_root_elongation"])
                traits, skeleton, diameters, by_region = roots_by_region(
                    row.get("regions"), load_mask(row["mask"]), measure, load_mask)
                # the figure's colours: the classes in mm where they apply
                classes, unit = ((settings["diameter_classes"], "mm") if in_mm
                                 else (settings["diameter_classes_px"], "px"))
                scaled = diameters * pixel_size if in_mm else diameters
                values = (diameter_classes_of(scaled, classes) if classes
                          else np.ones(diameters.size, dtype=np.uint8))
                factor = reduction(skeleton.shape, params.preview_side)
                save_png16(image_file(snakemake.output.skeletons, image_key(image), ".png"),
                         skeleton_preview(skeleton, values, factor))
                traits = {k: None if v != v else v for k, v in traits.items()}  # NaN: null
                rows.append({"image": image, "measured": True, **traits,
                             "figure_classes": list(classes), "figure_unit": unit})
                if by_region is not None:
                    rows[-1]["regions"] = by_region
            except Exception as error:
                reason = on_error(image, error)
        if reason is not None:
            rows.append({"image": image, "measured": False, "error": reason})
    save_json(snakemake.output.traits, rows)
