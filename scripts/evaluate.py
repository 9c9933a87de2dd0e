"""Rule evaluate: score each of the batch's images that has a ground-truth
mask. Its mask as configured (the one save_mask wrote) against the truth,
and the mask of every automatic and exclusion method, with the image's own
grayscale, blur, foreground, bright cutoff and markers, as
results/evaluation-methods.csv compares them. With the objects stage, each
mask's count against the truth's (rootmass.evaluation.truth_count: the
sheet's truth_count, else the truth mask's objects): the
configured mask's count is the one the objects stage made, each method's
mask is labelled with the image's own object settings. With the roots
stage, each mask's root length against the truth's (the sheet's
truth_length, else the length of the truth mask), with the image's
prune_length. One table per
batch: a row per scored image, {"image", "truth", "configured": {...},
"methods": [...]}, or {"image", "truth", "error"} for an image without a
result."""

import functools
import os
import sys

import numpy as np

from rootmass.workflow.cache import read_blurred
from rootmass.evaluation import COUNT_COLUMNS, LENGTH_COLUMNS, SCORE_COLUMNS, length_scores
from rootmass.evaluation import score_mask, truth_count, truth_mask
from rootmass.measure.objects import measure_objects
from rootmass.measure.roots import root_traits
from rootmass.io import load_json, load_mask, read_annotation, read_image, read_roi, save_json
from rootmass.io import set_max_megapixels
from rootmass.traces import TRACE_COLUMNS, is_rsml, prepare_traces, read_rsml, trace_scores
from rootmass.workflow.jobs import job_log
from rootmass.workflow.samples import SheetError, read_truth_lengths
from rootmass.segmentation import PANEL_METHODS, Image, blur, method_results, segmenter
from rootmass.segmentation import to_grayscale
from rootmass.workflow.models import read_models
from rootmass.workflow.models import read_truth as models_read_truth


@functools.cache
def sheet_lengths(path):
    """The true lengths of the demo's sheet (read once a job)."""
    try:
        return read_truth_lengths(path)
    except SheetError as error:
        raise SystemExit(f"evaluate: {error}") from None


def read_truth(path, shape, image):
    """The truth of `image`: ``(truth, labelled)``, its foreground and the
    pixels it labels (None: all; rootmass.workflow.models.read_truth)."""
    try:
        return models_read_truth(path, shape, image)
    except ValueError as error:
        raise SystemExit(f"evaluate: {error}") from None


def count_objects(mask, objects):
    """The number of objects of a mask under an image's object settings."""
    return measure_objects(
        mask, objects["connectivity"], objects["min_area"], objects["filter_connectivity"],
        objects["declump"], objects["declump_h"], objects["declump_smoothing"],
        max_objects=0,  # the count only: no table
    )[1]["objects"]


def counted(scores, count, truth_objects):
    """Scores with the count's columns (rootmass.evaluation.COUNT_COLUMNS)."""
    return {**scores, "truth_objects": truth_objects, "objects": count,
            "count_error": count - truth_objects}


def root_options(roots):
    """root_traits' keywords of an image's root settings (its non-root
    objects left out as the roots stage leaves them out)."""
    return {"prune_length": roots["prune_length"], "min_area": roots["min_root_area"],
            "min_elongation": roots["min_root_elongation"]}


def root_length(mask, roots):
    """The root length of a mask under an image's root settings (None where
    it cannot be measured: the reason is printed to the log)."""
    try:
        return root_traits(mask, **root_options(roots))[0]["root_length"]
    except Exception as error:  # noqa: BLE001 (one mask's failure is its own)
        print(f"evaluate: no root length: {error}", file=sys.stderr)
        return None


def read_traces(path, shape, image, roi):
    """An RSML truth file's traces, ready to score masks against
    (rootmass.traces.prepare_traces)."""
    try:
        return prepare_traces(read_rsml(path), shape, snakemake.params.trace_tolerance, roi)
    except ValueError as error:
        raise SystemExit(f"evaluate: {error} (the truth of {image!r})") from None


def traced(mask, traces, roots):
    """A mask's scores against traces (rootmass.traces.TRACE_COLUMNS), and
    its root length against the traced length: the pixels' scores are
    None."""
    scores = dict.fromkeys(SCORE_COLUMNS)
    scores.update({k: traces[k] for k in ("traced_length", "traced_roots", "traced_tips")})
    try:
        traits, skeleton, _ = root_traits(mask, **root_options(roots))
    except Exception as error:  # noqa: BLE001 (one mask's failure is its own)
        print(f"evaluate: no skeleton: {error}", file=sys.stderr)
        return scores
    scores.update(trace_scores(mask, skeleton, traces))
    scores.update(length_scores(traits["root_length"], None, traces["traced_length"]))
    return scores


def measure(mask, truth, objects, truth_objects, roots=None, truth_lengths=None):
    """A method's scores, with the objects stage its count, with the roots
    stage its length; against traces (an RSML truth), rootmass.traces'."""
    if isinstance(truth, dict) and "labelled" in truth:  # scribbles: their pixels
        return score_mask(mask & truth["labelled"], truth["mask"])
    if isinstance(truth, dict):
        return traced(mask, truth, roots)
    scores = score_mask(mask, truth)
    if objects is not None:
        scores = counted(scores, count_objects(mask, objects), truth_objects)
    if roots is not None and truth_lengths[0] is not None:
        length = root_length(mask, roots)
        if length is not None:
            scores.update(length_scores(length, *truth_lengths))
    return scores


def compare(blurred, truth, settings, truth_objects, truth_lengths, roi):
    """Every method's t and scores on one image."""
    roots = settings.get("roots")
    results = method_results(
        blurred, settings["foreground"], settings["bright_cutoff"], preview_side=None,
        marker_min_area=settings["marker_min_area"], marker_margin=settings["marker_margin"],
        roi=roi, **settings["parameters"],
        measure=functools.partial(measure, truth=truth, objects=settings.get("objects"),
                                  truth_objects=truth_objects, roots=roots,
                                  truth_lengths=truth_lengths),
    )
    columns = [*SCORE_COLUMNS, *(COUNT_COLUMNS if truth_objects is not None else ()),
               *(LENGTH_COLUMNS if roots else ()),
               *(TRACE_COLUMNS if isinstance(truth, dict) and "traced_length" in truth
                 else ())]
    return [
        {"method": r["method"], "error": r["error"]} if "error" in r else
        {"method": r["method"], "threshold": r["t"], **{k: r.get(k) for k in columns}}
        for r in results
    ]


def cross_validated(image, blurred, roi, settings, model, scored):
    """The classifier's row of an image it was trained on: its mask by the
    forest of the folds without the image (rootmass.segmentation.classifier),
    scored as every method's; with a model another run trained
    (threshold.classifier_model), its own forest, on an image it did not
    train on (cross_validated false)."""
    fold = model["folds"].get(image)
    row = {"method": "classifier", "cross_validated": True}
    if model.get("given"):
        # a model another run trained: scored as it is, on an image it did
        # not train on (by file name: the runs' folders may differ)
        trained = {os.path.basename(name) for name in model["images"]}
        if os.path.basename(image) in trained:
            return {**row, "error": "the given model was trained on this image"}
        row, forest = {**row, "cross_validated": False}, model["forest"]
    elif fold is None:
        return None  # (an image of the batch that does not use the classifier)
    else:
        forest = model["fold_forests"][fold]
    if forest is None:
        return {**row, "error": "cross-validation needs two annotated images or more"}
    chosen = segmenter("classifier")
    probability = settings["parameters"]["classifier_probability"]
    mask = chosen.mask(Image(blurred, roi=roi, model=model,
                             load_colour=functools.partial(read_image, image)), None,
                       {"classifier_probability": probability}, forest=forest)
    return {**row, "threshold": None, **scored(mask)}


def channels(image, settings, blurred):
    """``(grayscale, blurred image or the reason there is none)`` for each of
    config key evaluate_grayscale's channels (the image's own one: None, its
    cached image), each blurred as the image is."""
    wanted = snakemake.params.grayscales
    if not wanted:
        yield None, blurred
        return
    original = None
    for grayscale in wanted:
        if grayscale == settings["grayscale"]:
            yield grayscale, blurred
            continue
        try:
            if original is None:
                original = read_image(image)
            yield grayscale, blur(to_grayscale(original, grayscale), settings["sigma"])
        except ValueError as error:  # e.g. a colour channel of a gray image
            yield grayscale, str(error)


def labelled(grayscale, channel, *scored):
    """The methods' rows of one channel, each with its grayscale (none
    without evaluate_grayscale); a channel that could not be made: an error
    row for each method."""
    if isinstance(channel, str):
        rows = [{"method": m, "error": channel} for m in PANEL_METHODS]
    else:
        rows = compare(channel, *scored)
    return rows if grayscale is None else [{"grayscale": grayscale, **r} for r in rows]


images = snakemake.params.images
set_max_megapixels(snakemake.config["max_megapixels"])  # evaluate_grayscale reads images
with job_log(snakemake.log[0]):
    measured = {row["image"]: row for row in load_json(snakemake.input.measurements)}
    counts = {row["image"]: row for row in load_json(snakemake.input.counts)} \
        if snakemake.input.counts else {}
    models = read_models(getattr(snakemake.input, "models", []))
    rows = []
    for cached, blurred in read_blurred(snakemake.input.blurred):
        image = cached["image"]
        if image not in images:
            continue
        settings, row = images[image], measured[image]
        if row["status"] != "ok":
            rows.append({"image": image, "truth": settings["truth"], "error": row["error"]})
            continue
        try:
            roi = read_roi(settings["roi"], blurred.shape, image)
        except ValueError as error:
            raise SystemExit(f"evaluate: {error}") from None
        mask = load_mask(row["mask"])
        model = models.get("classifier")
        if is_rsml(settings["truth"]):  # hand-traced roots
            truth = read_traces(settings["truth"], blurred.shape, image, roi)
            truth_objects = truth_lengths = None
            configured = traced(mask, truth, settings["roots"])
        else:
            truth, scribbled = read_truth(settings["truth"], blurred.shape, image)
            if roi is not None:  # scored inside the region of interest only
                truth &= roi
                scribbled = None if scribbled is None else scribbled & roi
                # the sheet's true count and length are of the whole image:
                # inside the ROI, the truth mask's own are the truth
                settings = {**settings, "truth_count": None, "truth_length": None,
                            "truth_length_sheet": None}
            if scribbled is not None:
                # scribbles: only the labelled pixels are scored; no count or
                # length of a partial truth
                truth = {"mask": truth, "labelled": scribbled}
                settings = {**settings, "objects": None, "roots": None}
            configured = measure(mask, truth, None, None)
            objects = settings.get("objects")
            truth_objects = None
            if objects is not None:
                truth_objects = truth_count(truth, objects["connectivity"],
                                            objects["min_area"],
                                            objects["filter_connectivity"],
                                            settings.get("truth_count"))
                # the objects stage's count of the mask as configured (none
                # where the stage failed on the image)
                count = counts[image].get("objects")
                configured = (counted(configured, count, truth_objects) if count is not None
                              else {**configured, "truth_objects": truth_objects})
            truth_lengths = None
            if settings.get("roots"):
                true = settings.get("truth_length")
                if true is None and settings.get("truth_length_sheet"):
                    true = sheet_lengths(settings["truth_length_sheet"]).get(image)
                truth_lengths = (root_length(truth, settings["roots"]), true)
                # the mask as configured measured here, as each method's is
                # (not read from the roots stage: its diameter classes would
                # then re-run this job, which measures ten masks an image)
                length = root_length(mask, settings["roots"])
                if length is not None and truth_lengths[0] is not None:
                    configured.update(length_scores(length, *truth_lengths))
        scored = functools.partial(
            measure, truth=truth, objects=settings.get("objects"), truth_objects=truth_objects,
            roots=settings.get("roots"), truth_lengths=truth_lengths)
        configured = {"method": row["method"], "threshold": row["threshold"], **configured}
        learned = []
        if model is not None:  # the classifier, scored by cross-validation
            found = cross_validated(image, blurred, roi, settings, model, scored)
            learned = [] if found is None else [found]
            if row["method"] == "classifier":
                # scored by the forest that did not train on it; where there
                # is none (a single image), the mask's own scores, marked
                configured = ({**configured, "cross_validated": False}
                              if found is None or "error" in found
                              else {**found, "threshold": None})
        rows.append({
            "image": image,
            "truth": settings["truth"],
            "configured": configured,
            "methods": [
                row
                for grayscale, channel in channels(image, settings, blurred)
                for row in labelled(grayscale, channel, truth, settings, truth_objects,
                                    truth_lengths, roi)
            ] + learned,
        })
    save_json(snakemake.output.scores, rows)
