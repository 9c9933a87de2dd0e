"""Scores of a mask against a ground-truth mask, and the comparison of methods.

Small pure functions, as in :mod:`rootmass.segmentation`: arrays and rows in,
numbers and rows out; nothing here reads or writes files.

The scores are those of CellProfiler's MeasureImageOverlap, pixel by pixel
over the whole image::

    precision = TP / (TP + FP)      recall = TP / (TP + FN)
    f1        = 2 TP / (2 TP + FP + FN)      (the Dice coefficient)
    iou       = TP / (TP + FP + FN)          (the Jaccard index)

A score whose denominator is zero is 1 when the mask and the truth are both
empty (nothing to find and nothing found: they agree) and 0 otherwise (an
empty mask against a non-empty truth has precision 0; a non-empty mask
against an empty truth has recall 0).
"""

import math
import statistics

import numpy as np

from rootmass.io import truth_mask  # (an annotation's reading, here for the scorers)

__all__ = [
    "SCORE_COLUMNS",
    "METHOD_COLUMNS",
    "TRACE_METHOD_COLUMNS",
    "COUNT_COLUMNS",
    "LENGTH_COLUMNS",
    "length_scores",
    "truth_mask",
    "truth_count",
    "overlap_counts",
    "overlap_scores",
    "score_mask",
    "compare_methods",
]

#: The columns of one scored mask, in ``results/evaluation.csv``'s order.
SCORE_COLUMNS = (
    "true_positive_pixels",
    "false_positive_pixels",
    "false_negative_pixels",
    "precision",
    "recall",
    "f1",
    "iou",
)
#: The columns of a scored mask's objects (with the objects stage): the
#: truth's count, the mask's, and the mask's minus the truth's.
COUNT_COLUMNS = ("truth_objects", "objects", "count_error")
#: The columns of a scored mask's root length (with the roots stage): the
#: length measured on the truth mask, the true length (the sample sheet's
#: ``truth_length`` where it gives one, else the truth mask's), the mask's
#: length, and its relative error against the true length.
LENGTH_COLUMNS = ("truth_mask_length", "truth_length", "root_length", "length_error")
#: The columns of ``results/evaluation-methods.csv`` (with the objects stage,
#: ``mean_abs_count_error`` after ``median_iou``; with the roots stage,
#: ``mean_abs_length_error`` after it).
METHOD_COLUMNS = (
    "method",
    "images",
    "mean_f1",
    "median_f1",
    "mean_iou",
    "median_iou",
    "lowest_f1_image",
    "best",
    "rank",
)
#: The columns of ``results/evaluation-methods.csv`` of traced images (an RSML
#: truth), after ``median_iou``: each method's means over them
#: (:mod:`rootmass.traces`).
TRACE_METHOD_COLUMNS = ("mean_trace_recall", "mean_trace_precision", "mean_trace_f1")


def truth_count(truth, connectivity=2, min_area=1, filter_connectivity=None,
                recorded=None):
    """How many objects a ground truth holds.

    Parameters
    ----------
    truth : (M, N) ndarray of bool
        The truth mask (:func:`truth_mask`).
    connectivity, min_area, filter_connectivity
        As :func:`rootmass.measure.objects.label_objects`: the image's object
        settings.
    recorded : int or None, optional
        The true count where it is known (the sample sheet's
        ``truth_count``, as the demo's colony plates record theirs): it is
        the count. None: the mask's connected components at the image's
        settings, so touching objects drawn in one colour are one.

    Returns
    -------
    count : int
    """
    from rootmass.measure.objects import label_objects

    if recorded is not None:
        return int(recorded)
    return label_objects(truth, connectivity, min_area, filter_connectivity)[1]


def overlap_counts(mask, truth):
    """Count the agreement of a mask with the truth.

    Parameters
    ----------
    mask, truth : (M, N) ndarray of bool
        Same shape.

    Returns
    -------
    tp, fp, fn : int
        Pixels foreground in both (true positives), in the mask only (false
        positives), in the truth only (false negatives).
    """
    mask, truth = np.asarray(mask, dtype=bool), np.asarray(truth, dtype=bool)
    if mask.shape != truth.shape:
        raise ValueError(f"the mask is {mask.shape} but the truth {truth.shape}")
    tp = int(np.count_nonzero(mask & truth))
    return tp, int(np.count_nonzero(mask)) - tp, int(np.count_nonzero(truth)) - tp


def _ratio(numerator, denominator, empty):
    if denominator:
        return numerator / denominator
    return 1.0 if empty else 0.0


def overlap_scores(tp, fp, fn):
    """Precision, recall, F1 and IoU of the counts of :func:`overlap_counts`.

    Parameters
    ----------
    tp, fp, fn : int
        Each >= 0.

    Returns
    -------
    scores : dict
        ``precision``, ``recall``, ``f1``, ``iou``, floats in [0, 1]; a
        score whose denominator is zero is 1 if ``tp == fp == fn == 0``
        (mask and truth both empty), else 0.

    Examples
    --------
    >>> overlap_scores(6, 2, 4)
    {'precision': 0.75, 'recall': 0.6, 'f1': 0.6666666666666666, 'iou': 0.5}
    >>> overlap_scores(0, 0, 0)
    {'precision': 1.0, 'recall': 1.0, 'f1': 1.0, 'iou': 1.0}
    >>> overlap_scores(0, 0, 5)
    {'precision': 0.0, 'recall': 0.0, 'f1': 0.0, 'iou': 0.0}
    """
    for name, count in (("tp", tp), ("fp", fp), ("fn", fn)):
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
            raise ValueError(f"{name} must be an integer >= 0; got {count!r}")
    empty = tp == fp == fn == 0
    return {
        "precision": _ratio(tp, tp + fp, empty),
        "recall": _ratio(tp, tp + fn, empty),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn, empty),
        "iou": _ratio(tp, tp + fp + fn, empty),
    }


def score_mask(mask, truth):
    """Every score of a mask against the truth.

    Returns
    -------
    scores : dict
        The :data:`SCORE_COLUMNS`: the counts of :func:`overlap_counts`
        and the scores of :func:`overlap_scores`.
    """
    tp, fp, fn = overlap_counts(mask, truth)
    return {
        "true_positive_pixels": tp,
        "false_positive_pixels": fp,
        "false_negative_pixels": fn,
        **overlap_scores(tp, fp, fn),
    }


def length_scores(length, truth_mask_length, truth_length=None):
    """A mask's root length against the truth's: the :data:`LENGTH_COLUMNS`.

    Parameters
    ----------
    length : float
        The mask's ``root_length`` (:func:`rootmass.measure.roots.root_traits`).
    truth_mask_length : float
        The truth mask's.
    truth_length : float or None, optional
        The true length, where known otherwise (the demo's drawn roots);
        None: the truth mask's.

    Returns
    -------
    dict
        ``length_error`` is ``(length - truth_length) / truth_length``, None
        where the true length is 0.
    """
    true = truth_mask_length if truth_length is None else float(truth_length)
    return {"truth_mask_length": truth_mask_length, "truth_length": true,
            "root_length": length,
            "length_error": (length - true) / true if true > 0 else None}


def _mean(values):
    return math.fsum(values) / len(values) if values else None


def compare_methods(rows):
    """Score each method over the scored images and rank them.

    Parameters
    ----------
    rows : iterable of dict
        One per method and image: ``method``, ``image``, and ``f1`` and
        ``iou`` (against a truth mask), or ``trace_f1``, ``trace_recall``
        and ``trace_precision`` (against traced roots, ``f1`` and ``iou``
        None), or ``error`` (the method found no threshold there: it scores
        0 on that image); with the objects stage also ``count_error`` (an
        error row: none, and it is left out of the mean); with root lengths
        ``length_error``.

    Returns
    -------
    methods : list of dict
        One per method (per grayscale and method, where the rows have a
        ``grayscale``: the channels of config key ``evaluate_grayscale``,
        and then with that key too), in the order of their first row, with the
        :data:`METHOD_COLUMNS`: ``images`` (how many were scored),
        ``mean_f1`` and ``median_f1`` (an image's F1 is its pixel F1 against
        a truth mask, its ``trace_f1`` against traces), ``mean_iou`` and
        ``median_iou`` (over the images with a truth mask; None without
        one), ``lowest_f1_image`` (the first in path order among the lowest),
        ``best``, true on exactly one row, and ``rank``, 1 for the best: by
        the highest ``mean_f1``, ties broken by ``mean_iou``, then (with
        lengths) by the lowest ``median_abs_length_error``, then by the
        order of the rows. Where rows have ``count_error``, also
        ``mean_abs_count_error``, the mean of its absolute values (None where
        no row of the method has one); where they have ``length_error``
        (relative), ``mean_abs_length_error`` and
        ``median_abs_length_error``, the same of its absolute values; where
        they have ``trace_f1``, the :data:`TRACE_METHOD_COLUMNS`, the means
        over the traced images (an error row scores 0); where some rows are
        ``cross_validated`` (the classifier's), ``cross_validated``: whether
        the method's are.
    """
    by_method, count_errors, length_errors, traces = {}, {}, {}, {}
    counted = lengths = channels = traced = False
    learned = set()  # the methods scored by cross-validation
    names = ("trace_recall", "trace_precision", "trace_f1")
    rows = list(rows)
    # (an error row has no scores: its image's other rows tell its truth)
    traced_images = {row["image"] for row in rows if "trace_f1" in row}
    for row in rows:
        key = (row.get("grayscale"), row["method"])
        on_traces = row["image"] in traced_images
        if row.get("error"):
            f1, iou = 0.0, None
        else:
            f1 = row.get("trace_f1") if on_traces else row["f1"]
            f1 = 0.0 if f1 is None else float(f1)
            iou = None if row.get("iou") is None else float(row["iou"])
        if not on_traces and iou is None:
            iou = 0.0  # (an error row against a truth mask)
        by_method.setdefault(key, []).append((row["image"], f1, iou))
        counted = counted or "count_error" in row
        lengths = lengths or "length_error" in row
        channels = channels or "grayscale" in row
        traced = traced or on_traces
        if row.get("cross_validated"):
            learned.add(key)
        if on_traces:
            scores = traces.setdefault(key, {name: [] for name in names})
            for name in names:
                value = None if row.get("error") else row.get(name)
                scores[name].append(0.0 if value is None else float(value))
        if row.get("count_error") is not None and not row.get("error"):
            count_errors.setdefault(key, []).append(abs(float(row["count_error"])))
        if row.get("length_error") is not None and not row.get("error"):
            length_errors.setdefault(key, []).append(abs(float(row["length_error"])))
    methods = []
    for (grayscale, method), scored in by_method.items():
        key = (grayscale, method)
        f1s, ious = [s[1] for s in scored], [s[2] for s in scored if s[2] is not None]
        lowest = min(scored, key=lambda s: (s[1], s[0]))[0]
        methods.append({"grayscale": grayscale} if channels else {})
        methods[-1].update({
            "method": method,
            "images": len(scored),
            "mean_f1": _mean(f1s),
            "median_f1": statistics.median(f1s),
            "mean_iou": _mean(ious),
            "median_iou": statistics.median(ious) if ious else None,
            "lowest_f1_image": lowest,
            "best": False,
        })
        if counted:
            methods[-1]["mean_abs_count_error"] = _mean(count_errors.get(key))
        if lengths:
            errors = length_errors.get(key)
            methods[-1]["mean_abs_length_error"] = _mean(errors)
            methods[-1]["median_abs_length_error"] = (
                statistics.median(errors) if errors else None)
        if learned:
            methods[-1]["cross_validated"] = key in learned
        if traced:
            scores = traces.get(key, {})
            for name in names:
                methods[-1][f"mean_{name}"] = _mean(scores.get(name))
    def missing_last(value, worst):
        return worst if value is None else value

    order = sorted(range(len(methods)), key=lambda i: (
        -methods[i]["mean_f1"], -missing_last(methods[i]["mean_iou"], -1.0),
        missing_last(methods[i].get("median_abs_length_error"), math.inf), i))
    for rank, i in enumerate(order, start=1):
        methods[i]["rank"] = rank
    if methods:
        methods[order[0]]["best"] = True
    return methods
