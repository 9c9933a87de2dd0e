"""Rule qc_images: for each image of the batch, one figure (the image with
its foreground tinted, a detail at full size where the image is larger than
its preview, and the blurred image's histogram with t), named by
``rootmass.workflow.batches.figure_key`` (``photos/a.jpg``, ``photos/a.png.jpg``)
in the batch's folder, and a thumbnail of its selection for the contact
sheets (all of the batch's in one compressed .npz, each under its image's
key). Made from the previews and details that grayscale_blur wrote, the
histograms that threshold recorded, the masks that save_mask wrote and the
panel of each measuring stage that runs (rootmass.workflow.stages: with the
objects stage, the labels it wrote at the preview's size, each object in its
own colour, the count in the title; with the roots stage, the skeleton it
wrote at the preview's size, over the image, coloured by diameter class, the
total length in the title): no original is decoded again, no
blurred image read, no mask labelled or skeletonized again. An image's
region of interest (config key roi) is outlined in yellow; its regions
(config key regions) are outlined and named in white."""

import os

from rootmass.workflow.batches import figure_key
from rootmass.workflow.cache import DETAIL_SUFFIX, image_file, read_index
from rootmass.io import FIGURE_JPEG, load_json, load_mask, load_picture, load_png16, read_roi
from rootmass.io import save_arrays, save_jpeg
from rootmass.workflow.jobs import OnError, job_log
from rootmass.workflow.samples import settings_for
from rootmass.segmentation import segmenter
from rootmass.qc import figures as figures_module
from rootmass.qc.figures import HistogramPanel, image_figure, message_figure
from rootmass.qc.previews import coverage, outline, preview_selection, reduction, thumbnail
from rootmass.qc.previews import contrast_colour, tint
from rootmass.qc.regions import region_overlay
from rootmass.measure.objects import label_preview
from rootmass.regions.layout import regions_in, scaled

params = snakemake.params
figures = snakemake.output.figures


def shaded_side(settings):
    """The side of t the histogram shades: the foreground's, or for
    multi-Otsu's own classes the darkest's side if they hold class 0 (a
    middle band of classes shows as the side of the level above it); none
    for a local method (its t is the mean of the pixels' own)."""
    chosen = segmenter(settings["method"])
    if chosen.scope == "collection" and chosen.collection_truth:
        return "model"  # a classifier's mask: no threshold
    if chosen.threshold_map:
        return "local"
    classes = settings.get("foreground_classes")
    if classes:
        return "below" if 0 in classes else "above"
    return settings["foreground"]


on_error = OnError(snakemake.config["on_error"], "qc_images")
with job_log(snakemake.log[0]):
    os.makedirs(figures, exist_ok=True)
    panel = HistogramPanel()
    thumbnails = {}
    thresholds = {row["image"]: row for row in load_json(snakemake.input.thresholds)}
    indexed = read_index(snakemake.input.previews)
    rows = load_json(snakemake.input.measurements)
    # the measuring stages' panels (rootmass.workflow.stages): their rows
    # and their pictures at the preview's size
    overlays = [(getattr(figures_module, function), snakemake.input[f"{name}_previews"],
                 {row["image"]: row for row in load_json(snakemake.input[f"{name}_rows"])})
                for name, function in params.overlays]
    for cache, row in zip(indexed, rows):
        image, key = row["image"], cache["key"]
        assert cache["image"] == image, (cache, row)  # the same order
        reason = row["error"] if row["status"] != "ok" else None
        if reason is None:
            try:
                original = load_picture(image_file(snakemake.input.previews, key, ".jpg"))
                mask = load_mask(row["mask"])
                factor = reduction(mask.shape, max(original.shape[:2]))
                colour_name, colour = contrast_colour(original)  # the tint that stands out
                detail = box = None
                if cache.get("detail"):
                    top, left, height, width = box = cache["detail"]
                    detail = tint(
                        load_picture(image_file(snakemake.input.previews, key, DETAIL_SUFFIX)),
                        mask[top : top + height, left : left + width],
                        colour,
                    )
                settings = settings_for(params.settings, image)
                plot = panel.render(
                    thresholds[image]["histogram"], row["threshold"],
                    shaded_side(settings),
                    # pixels at or above it are never foreground
                    settings["bright_cutoff"]
                    if settings["method"] == "otsu_excluding_bright" else None,
                )
                covered = coverage(mask, factor)  # for the tint and the selection
                tinted = tint(original, covered, colour)
                roi = read_roi(params.rois.get(image), mask.shape, image)
                if roi is not None:
                    tinted = outline(tinted, coverage(roi, factor))
                    del roi
                if row.get("regions") and "error" not in row["regions"]:
                    region_set = row["regions"]["set"]
                    if region_set["kind"] == "labels":  # (every factor-th pixel)
                        drawn = regions_in(region_set, mask.shape)
                        small = label_preview(drawn.labels(), factor)
                    else:  # drawn at the preview's scale
                        drawn = regions_in(scaled(region_set, factor), tinted.shape[:2])
                        small = drawn.labels()
                    tinted = region_overlay(tinted, small, drawn.names)
                    del drawn, small
                panels = []
                for make, folder, found in overlays:
                    load = lambda f=folder: load_png16(image_file(f, key, ".png"))
                    made = make(found.get(image, {}), load, original)
                    if made is not None:
                        panels.append(made)
                figure = image_figure(
                    image, tinted, plot, row["ratio"], row["threshold"], detail, box, panels,
                    tint_name=colour_name,
                )
                selected = preview_selection(original, mask, covered)
                thumbnails[key] = thumbnail(selected, params.thumbnail_side)
            except Exception as error:
                reason = on_error(image, error)
        if reason is not None:
            figure = message_figure(image, f"no result for this image: {reason}")
        save_jpeg(image_file(figures, figure_key(image), ".jpg"), figure, **FIGURE_JPEG)
    save_arrays(snakemake.output.thumbnails, thumbnails)
