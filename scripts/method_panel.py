"""Rule method_panel: one image thresholded with every automatic method,
with this workflow's grayscale, blur and foreground settings (its blurred
image as grayscale_blur cached it); the figure and a table of each method's
t and ratio. An image that failed stops the run, or with `on_error: skip`
gets a figure saying why and an empty table."""

from rootmass.workflow.batches import image_key
from rootmass.workflow.cache import image_file, read_index
from rootmass.io import load_array, load_picture, read_roi, save_json, save_png
from rootmass.workflow.jobs import OnError, job_log
from rootmass.qc.figures import message_figure, method_figure
from rootmass.segmentation import method_results

params = snakemake.params
on_error = OnError(snakemake.config["on_error"], "method_panel")
with job_log(snakemake.log[0]):
    key = image_key(params.image)
    try:
        row = next(r for r in read_index(snakemake.input.blurred) if r["key"] == key)
        if row.get("error"):
            raise ValueError(row["error"])
        blurred = load_array(image_file(snakemake.input.blurred, key, ".npy"))
        original = load_picture(image_file(snakemake.input.previews, key, ".jpg"))
        roi = read_roi(params.roi, blurred.shape, params.image)
        results = method_results(
            blurred, params.foreground, params.bright_cutoff,
            marker_min_area=params.markers[0], marker_margin=params.markers[1], roi=roi,
            **params.parameters,
        )
        figure = method_figure(params.image, original, results)
    except Exception as error:
        reason = on_error(params.image, error)
        figure = message_figure(
            params.image, f"no method panel: {reason} (config key method_panel names the image)"
        )
        results = []
    save_png(snakemake.output.plot, figure, compress_level=1)
    save_json(
        snakemake.output.table,
        [{k: v for k, v in r.items() if k != "preview"} for r in results],
    )
