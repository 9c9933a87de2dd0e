"""Rule save_mask: make each image's mask with its segmenter, from what rule
threshold recorded (rootmass.segmentation: Segmenter.predict), save it as a
1-bit PNG (`<key>.png` in the batch's mask folder), and write the batch's
measurements as one table, a row per image (with its area in mm2 where its
pixel size is known). An image that failed gets a row with its error and no
mask. With a region of interest, nothing outside it is foreground and the
ratio is of its pixels (total_pixels and roi_pixels are its pixel count). A
local method's threshold map is made here, with its mask; its threshold in
the row is the map's mean over the image (the ROI), and it has no
separation (no single t splits its histogram). A method whose segmenter
fits the whole collection first gets the model of rule fit_segmenter, an
input of this job (rootmass.workflow.models).

An image with regions (grayscale_blur's index: their set, pixels and
colours) has each region's foreground counted in its row's "regions": of
its mask (regions.threshold: image), or of the regions' own thresholds
(all, each), whose mask is saved beside it (`<key>%regions.png`) for the
objects and roots stages."""

import functools
import os

from rootmass.workflow.cache import image_file, read_blurred, regions_mask
from rootmass.io import load_json, read_image, read_roi, save_json, save_mask
from rootmass.workflow.jobs import OnError, job_log
from rootmass.workflow.models import read_models
from rootmass.workflow.samples import settings_for
from rootmass.workflow.regions import region_foregrounds
from rootmass.segmentation import Image, foreground_ratio, segment_regions, segmenter

params = snakemake.params
masks_dir = snakemake.output.masks


on_error = OnError(snakemake.config["on_error"], "save_mask")
with job_log(snakemake.log[0]):
    os.makedirs(masks_dir, exist_ok=True)
    thresholds = {row["image"]: row for row in load_json(snakemake.input.thresholds)}
    models = read_models(getattr(snakemake.input, "models", []))
    rows = []
    for cached, blurred in read_blurred(snakemake.input.blurred):
        image = cached["image"]
        settings = settings_for(params.settings, image)
        columns = {key: settings[key] for key in ("method", "sigma", "grayscale")}
        reason = cached.get("error") or thresholds[image].get("error")
        if reason is None:
            try:
                roi = read_roi(params.rois.get(image), blurred.shape, image)
                chosen = segmenter(settings["method"])
                colour = functools.partial(read_image, image)
                mask, t = chosen.predict(
                    Image(blurred, roi=roi, model=models.get(settings["method"]),
                          load_colour=colour),
                    thresholds[image], chosen.check(settings))
                count, total, ratio = foreground_ratio(mask, roi)
                mask_path = image_file(masks_dir, cached["key"], ".png")
                save_mask(mask_path, mask)
                row = {"image": image, "ratio": ratio, "threshold": t,
                       "foreground_pixels": count, "total_pixels": total, **columns,
                       "mask": mask_path, "status": "ok", "error": "",
                       "separation": thresholds[image].get("separation")}
                if cached.get("regions"):  # (a failure of their own: the image stands)
                    segment = functools.partial(
                        segment_regions, blurred, method=settings["method"],
                        settings=chosen.check(settings), model=models.get(settings["method"]),
                        load_colour=functools.cache(colour), roi=roi)  # (read once)
                    try:
                        row["regions"] = region_foregrounds(
                            cached["regions"], mask, t, params.region_threshold, segment,
                            regions_mask(mask_path))
                    except Exception as error:
                        row["regions"] = {"error": on_error(image, error)}
                if roi is not None:
                    row["roi_pixels"] = total
                if settings["pixel_size"] is not None:
                    row["pixel_size_mm"] = settings["pixel_size"]
                    row["foreground_area_mm2"] = count * settings["pixel_size"] ** 2
                rows.append(row)
            except Exception as error:
                reason = on_error(image, error)
        if reason is not None:
            rows.append({"image": image, **columns, "mask": "", "status": "error",
                         "error": reason})
    save_json(snakemake.output.measurements, rows)
