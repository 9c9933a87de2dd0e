"""Rule method_panel: one image thresholded with every automatic method,
with this workflow's grayscale, blur and foreground settings; the figure and
a table of each method's t and ratio. An image that cannot be read stops the
run, or with `on_error: skip` gets a figure saying why and an empty table."""

from rootmass.io import read_image, save_figure, save_json
from rootmass.jobs import OnError, job_log
from rootmass.qc import FIGURE_SIDE, message_figure, method_figure, method_results, thumbnail
from rootmass.thresholding import blur, to_grayscale

params = snakemake.params
on_error = OnError(params.on_error, "method_panel")
with job_log(snakemake.log[0]) as job:
    try:
        image = read_image(params.image)
        blurred = blur(to_grayscale(image, params.grayscale), params.sigma)
        image = thumbnail(image, FIGURE_SIDE)  # all the figure needs of it
        results = method_results(blurred, params.foreground, params.bright_cutoff)
        figure = method_figure(params.image, image, results)
    except Exception as error:
        reason = on_error(params.image, error)
        figure = message_figure(
            params.image, f"no method panel: {reason} (config key method_panel names the image)"
        )
        results = []
    save_figure(snakemake.output.plot, figure)
    save_json(
        snakemake.output.table,
        [{k: v for k, v in r.items() if k != "preview"} for r in results],
    )
    job["images"] = 1
