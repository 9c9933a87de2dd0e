"""Rule grayscale_blur: read each image of the batch, convert it to grayscale
and blur it. Writes the blurred images (`<key>.npy`, the cache the later
stages read), previews of the originals (`<key>.jpg`) and, for an image
larger than its preview, a detail of the original at full size
(`<key>%detail.jpg`, where it has the most edge, its box in the index; no
key has a `%` before anything but 25, 7B or 7D, so no name clashes), for
the QC figures, which then need not decode the originals again. The
blurred folder's index records each image's histograms (the thresholds',
as scikit-image computes it, and the QC figure's) and, with regions, each
image's region set (a dish found here) with each region's pixels and mean
colour, of the colours read here (rootmass.regions)."""

import os

from rootmass.workflow.batches import image_key
from rootmass.workflow.cache import DETAIL_SUFFIX, histogram_row, image_file, write_blurred, write_index
from rootmass.io import save_jpeg, set_max_megapixels
from rootmass.qc.previews import read_gray_and_preview
from rootmass.workflow.jobs import OnError, job_log
from rootmass.workflow.samples import settings_for
from rootmass.qc.previews import histogram
from rootmass.workflow.regions import image_regions, set_in
from rootmass.segmentation import blur, image_histogram

params = snakemake.params
blurred_dir, previews_dir = snakemake.output.blurred, snakemake.output.previews
on_error = OnError(snakemake.config["on_error"], "grayscale_blur")
set_max_megapixels(snakemake.config["max_megapixels"])
with job_log(snakemake.log[0]):
    for folder in (blurred_dir, previews_dir):
        os.makedirs(folder, exist_ok=True)
    rows = []
    for image in params.images:
        row = {"image": image, "key": image_key(image)}
        settings = settings_for(params.settings, image)
        try:
            region_set = set_in(params.regions, image)
            gray, preview, detail, *colour = read_gray_and_preview(
                image, settings["grayscale"], params.preview_side, params.detail_side,
                original=region_set is not None)
            blurred = blur(gray, settings["sigma"])
            if region_set is not None:  # (a failure of its own: the image stands)
                try:
                    row["regions"] = image_regions(region_set, colour[0], gray, blurred)
                except Exception as error:
                    row["regions"] = {"error": on_error(image, error)}
                del colour
            del gray
            write_blurred(blurred_dir, image, row["key"], blurred)
            save_jpeg(image_file(previews_dir, row["key"], ".jpg"), preview)
            if detail is not None:
                box, pixels = detail
                save_jpeg(image_file(previews_dir, row["key"], DETAIL_SUFFIX), pixels)
                row["detail"] = list(box)
            row["shape"] = list(blurred.shape)
            # for threshold, which then reads no pixels for Otsu and the
            # others of a histogram
            row.update(histogram_row(image_histogram(blurred), histogram(blurred)[0]))
            del blurred
        except Exception as error:
            row["error"] = on_error(image, error)
        rows.append(row)
    write_index(previews_dir, rows)
    write_index(blurred_dir, rows)
