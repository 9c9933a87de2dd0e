"""Rule fit_segmenter: a segmenter's collection step (rootmass.segmentation:
Segmenter.fit_collection), for a method whose segmenter fits the whole
collection first: its model, from the images that use the method (those of
them with a truth mask, for a segmenter fitted on the truth), read one at a
time from the blurred folders of their batches, each as the segmenter says
(its lesson histogram, as grayscale_blur stored it, or of its ROI's pixels;
or its pixels; and its truth mask), written to results/models/ for the
threshold and save_mask jobs of the batches of the images that use it
(rootmass.workflow.models). An image that cannot be read stops the job, or
with on_error: skip is left out of the model (its log says why)."""

from rootmass.workflow.jobs import OnError, job_log
from rootmass.workflow.models import collection_images, save_model
from rootmass.segmentation import segmenter

params = snakemake.params
chosen = segmenter(params.method)
on_error = OnError(snakemake.config["on_error"], "fit_segmenter")


def counted(images, read):
    for image in images:
        read.append(image)
        yield image


with job_log(snakemake.log[0]) as log:
    read = []
    images = collection_images(snakemake.input.blurred, params.fitted,
                               chosen.collection_needs, on_error)
    try:
        model = chosen.fit_collection(counted(images, read), params.fitted["settings"])
    except ValueError as error:
        line = f"fit_segmenter: cannot fit {params.method!r}: {error}"
        print(line, file=log)
        raise SystemExit(line) from None
    save_model(model, snakemake.output.model)
    given = chosen.given_model(params.fitted["settings"])
    if given:
        print(f"{params.method}: the model of {given}, written to {snakemake.output.model}",
              file=log)
    else:
        print(f"{params.method}: fitted on {len(read)} of {len(params.fitted['images'])}"
              f" images, written to {snakemake.output.model}", file=log)
    # what the model records of itself (a trained classifier: its settings,
    # its training images and their labelled pixels, the packages' versions)
    for key in ("settings", "images", "versions"):
        if isinstance(model, dict) and key in model:
            print(f"{key}: {model[key]}", file=log)
