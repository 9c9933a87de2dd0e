"""The collection step of a segmenter whose ``scope`` is ``'collection'``
(:class:`rootmass.segmentation.Segmenter`): its model, the images it is
fitted on, and the jobs that write and read it.

A run fits one model for each such method that its images use, in rule
``fit_segmenter``: :func:`model_file`, ``results/models/<method><suffix>``,
fitted on the images that use the method (with the segmenter's
``collection_truth``, those of them that have a truth mask:
:meth:`rootmass.workflow.experiment.Experiment.fitted_images`), read from
the blurred folders of their batches (:func:`collection_images`). The
``threshold`` and ``save_mask`` jobs of the batches that hold an image using
the method take the file as an input (:func:`batch_models`) and give the
model to the segmenter in ``Image.model`` (:func:`read_models`). Runs whose
methods have no collection step have no such rule, input or job.

- :func:`model_file`, :func:`unused_models`, :func:`model_method`, :func:`save_model`,
  :func:`load_model` and :func:`read_models`: the model's file.
- :func:`batch_models`, :func:`fitted_batches`, :func:`fit_inputs`,
  :func:`feeds_collection_step`, :func:`in_flight`,
  :func:`fit_mem_mb` and :func:`fit_runtime`: the plan's part.
- :func:`collection_images`: what the fitting job reads of each image.
"""

import functools
import math
import os
import pickle

import numpy as np

from rootmass.io import (
    atomic_path,
    load_json,
    read_annotation,
    read_image,
    read_roi,
    save_json,
    truth_mask,
)
from rootmass.segmentation import Image, segmenter
from rootmass.workflow.cache import read_blurred, stored_histogram

__all__ = [
    "MODEL_SUFFIXES",
    "model_file",
    "unused_models",
    "model_method",
    "save_model",
    "load_model",
    "read_models",
    "batch_models",
    "fitted_batches",
    "fit_inputs",
    "feeds_collection_step",
    "in_flight",
    "fit_mem_mb",
    "fit_runtime",
    "collection_images",
    "training_labels",
    "read_truth",
]

#: The suffixes a model file may have (``Segmenter.model_suffix``): a JSON
#: object, or a pickle of any object (the workflow reads only its own).
MODEL_SUFFIXES = (".json", ".pickle")


def model_file(method, out="results"):
    """The model file of a method: ``<out>/models/<method><model_suffix>``."""
    suffix = segmenter(method).model_suffix
    if suffix not in MODEL_SUFFIXES:
        raise ValueError(f"segmenter {method!r}: model_suffix must be one of"
                         f" {MODEL_SUFFIXES}; got {suffix!r}")
    return f"{out}/models/{method}{suffix}"


def unused_models(experiment, out="results"):
    """The model files a run does not make, of every registered method with
    a collection step that its images do not use: ``{path: why}``, for the
    stale outputs moved aside when a run starts
    (:func:`rootmass.workflow.outputs.move_stale`)."""
    from rootmass.segmentation import segmenters

    used = set(experiment.collection_methods)
    return {model_file(s.name, out): "its method not used by any image"
            for s in segmenters() if s.scope == "collection" and s.name not in used}


def model_method(path):
    """The method whose model a file (:func:`model_file`) holds."""
    return os.path.basename(path).split(".", 1)[0]


def save_model(model, path):
    """Write a model, as its file's suffix says (:data:`MODEL_SUFFIXES`),
    atomically."""
    suffix = os.path.splitext(path)[1]
    if suffix == ".json":
        save_json(path, model)
        return
    if suffix != ".pickle":
        raise ValueError(f"a model file's name ends in one of {MODEL_SUFFIXES}; got {path!r}")
    with atomic_path(path, suffix) as tmp, open(tmp, "wb") as f:
        pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)


def load_model(path):
    """Read a model that :func:`save_model` wrote."""
    if path.endswith(".json"):
        return load_json(path)
    with open(path, "rb") as f:
        return pickle.load(f)  # (the workflow's own file)


def read_models(paths):
    """``{method: model}`` of a job's model files (its input ``models``)."""
    return {model_method(path): load_model(path) for path in paths}


def batch_models(experiment, images, out="results", step=None):
    """The model files that a batch's ``save_mask`` and ``evaluate`` jobs
    take as input: those of its images' methods that have a collection
    step (none, for every other batch); with ``step='threshold'``, those
    whose segmenter reads its model there (``model_in_threshold``)."""
    methods = {experiment.settings(image)["method"] for image in images}
    return [model_file(m, out) for m in experiment.collection_methods if m in methods
            and (step != "threshold" or segmenter(m).model_in_threshold)]


def fitted_batches(experiment, batches, method=None):
    """The batches holding an image that a collection step is fitted on
    (``method``'s, or any method's), in the batches' order: their blurred
    folders are rule ``fit_segmenter``'s input."""
    fitted = experiment.fitted_images(None)
    if method is not None:
        fitted = set(experiment.fitted_images(method))
    return [name for name, images in batches.items() if not fitted.isdisjoint(images)]


def fit_inputs(experiment, batches, method, blurred):
    """Rule ``fit_segmenter``'s input for a method: ``{"blurred": [...],
    "annotations": [...]}``, the blurred folders (``blurred``, a pattern of
    ``{batch}``) of the batches it reads, and its images' ROIs and truth
    masks (the demo's folder for the demo's)."""
    from rootmass.workflow.selection import in_demo_dir, input_files

    params = experiment.fit_params(method)
    files = [*params["rois"].values(), *params["truth"].values()]
    given = experiment.given_model(method)
    if given:  # a model another run trained: its file
        files.append(given)
    return {
        "blurred": [blurred.format(batch=b) for b in fitted_batches(experiment, batches, method)],
        "annotations": input_files(files, in_demo_dir),
    }


def feeds_collection_step(experiment, images):
    """Whether a collection step reads one of a batch's images: its
    ``grayscale_blur`` job then stays out of the batch's group of jobs,
    whose ``threshold`` job waits for that step (Snakemake refuses a group
    that a job outside depends on and feeds)."""
    return not experiment.fitted_images(None).isdisjoint(images)


def in_flight(experiment, batches, cores):
    """How many batches may hold their blurred images at once: ``cores``;
    with a collection step, also every batch it reads, which keeps its
    blurred images until the model is fitted (at most every batch)."""
    return min(len(batches), cores + len(fitted_batches(experiment, batches))) or cores


def _read(experiment, method):
    """The images whose pixels the collection step reads: all, or (for a
    step that reads histograms) those with a ROI, whose stored histogram is
    of the whole image."""
    images = experiment.fitted_images(method)
    if segmenter(method).collection_needs == "pixels":
        return images
    return [image for image in images if image in experiment.roi_of]


def fit_mem_mb(experiment, method, sizes):
    """Memory of rule ``fit_segmenter``'s job, in MB: five float64 copies of
    the largest image whose pixels it reads, beside the interpreter and a
    row per image."""
    from rootmass.workflow.planning import batch_mem_mb

    rows = 512 + math.ceil(len(experiment.fitted_images(method)) / 100)
    read = [sizes[image] for image in _read(experiment, method)]
    return max(rows, batch_mem_mb(read)) if read else rows


def fit_runtime(experiment, method, sizes):
    """Runtime of rule ``fit_segmenter``'s job, in minutes (tenfold margin,
    as :func:`rootmass.workflow.planning.batch_runtime`): the segmenter's
    ``collection_seconds_per_megapixel`` of the images whose pixels it
    reads, and a millisecond an image for its row."""
    from rootmass.workflow.planning import megapixels

    chosen = segmenter(method)
    work = chosen.collection_seconds_per_megapixel * sum(
        megapixels(sizes[image]) for image in _read(experiment, method))
    work += 0.001 * len(experiment.fitted_images(method))
    return max(5, math.ceil(10 * (work + 1) / 60))


def training_labels(path, shape, image, settings):
    """An image's training labels (``Image.truth`` of a segmenter fitted on
    the truth): of hand-traced roots (an ``.rsml`` file), a band along the
    traces (:func:`rootmass.segmentation.classifier.labels_from_lines`, with
    the settings ``trace_foreground`` and ``trace_background``); of an
    image, its scribbles (a file named ``*.scribbles.png``) or its mask
    (:func:`rootmass.segmentation.classifier.labels_from_truth`).

    Raises
    ------
    ValueError
        One line naming the file and the image.
    """
    from rootmass.segmentation.classifier import labels_from_lines, labels_from_truth
    from rootmass.traces import is_rsml, read_rsml, trace_pixels

    if is_rsml(path):
        try:
            pixels, _ = trace_pixels(read_rsml(path), shape)
        except ValueError as error:
            raise ValueError(f"{error} (the truth of {image!r})") from None
        return labels_from_lines(pixels, shape, settings.get("trace_foreground", 2),
                                 settings.get("trace_background", 12))
    truth, labelled = read_truth(path, shape, image)
    if labelled is None:  # a mask: every pixel labelled
        return labels_from_truth(truth)
    return np.where(truth, 2, labelled.astype(np.uint8)).astype(np.uint8)


def read_truth(path, shape, image):
    """An image's truth file (not RSML) as ``(foreground, labelled)``: a
    mask (any non-zero pixel foreground), ``labelled`` None (every pixel);
    scribbles (a file named ``*.scribbles.png``,
    :func:`rootmass.segmentation.classifier.labels_from_truth`): 2 its
    foreground, its labelled pixels the non-zero ones.

    Raises
    ------
    ValueError
        One line naming the file and the image.
    """
    from rootmass.segmentation.classifier import is_scribbles, labels_from_truth

    annotation = read_annotation(path, "the truth mask", image)
    if is_scribbles(path):
        if annotation.shape != tuple(shape):
            truth_mask(annotation, shape, f"truth mask {path!r}", f"its image {image!r}")
        labels = labels_from_truth(annotation, scribbles=True)
        return labels == 2, labels > 0
    return truth_mask(annotation, shape, f"truth mask {path!r}", f"its image {image!r}"), None


def collection_images(folders, fitted, needs, on_error):
    """Yield an ``Image`` for each image a collection step is fitted on.

    Parameters
    ----------
    folders : list of str
        The blurred folders of their batches (``rootmass.workflow.cache``).
    fitted : dict
        Rule ``fit_segmenter``'s params: ``images`` (those fitted on),
        ``rois`` and ``truth`` (``{image: file}``).
    needs : {'histogram', 'pixels'}
        The segmenter's ``collection_needs``, read here, inside the image's
        ``on_error``: its lesson histogram (the stored one, or of the ROI's
        pixels, which are then read), or its pixels; and its truth mask
        where it has one in ``truth``.
    on_error : rootmass.workflow.jobs.OnError
        An image that cannot be read stops the job, or is left out.

    Yields
    ------
    Image
        With ``roi``, ``counts`` (of an image without a ROI, as stored),
        and ``truth``, one at a time, in the batches' order. An image that
        failed in ``grayscale_blur`` (its row says why) is left out.
    """
    wanted = set(fitted["images"])
    for folder in folders:
        for row, load in read_blurred(folder, lazy=True):
            name = row["image"]
            if name not in wanted or row.get("error") is not None:
                continue
            try:
                shape = tuple(row["shape"])
                roi = read_roi(fitted["rois"].get(name), shape, name)
                shown = stored_histogram(row)[1] if roi is None else None
                truth = fitted["truth"].get(name)
                image = Image(load=load, roi=roi, name=name,
                              load_colour=functools.partial(read_image, name),
                              counts=None if shown is None else np.asarray(shown),
                              load_truth=None if truth is None
                              else functools.partial(training_labels, truth, shape, name,
                                                     fitted["settings"]))
                # read here: what cannot be read is this image's error
                _ = image.pixels if needs == "pixels" else image.lesson_histogram()
                _ = image.truth
            except Exception as error:
                on_error(name, error)
                continue
            yield image
