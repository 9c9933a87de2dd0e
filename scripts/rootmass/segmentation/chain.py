"""The one chain every stage thresholds through (:func:`segment`), and the
comparison of every method on an image (:func:`method_results`), both
through the registry of segmenters."""

import numpy as np

from rootmass.blocks import FIGURE_SIDE, coverage, reduction
from rootmass.segmentation._checks import FOREGROUND_SIDES, _check_choice, _check_gray
from rootmass.segmentation.base import Image, method_names, segmenter, segmenters, settings_table
from rootmass.segmentation import global_
from rootmass.segmentation.global_ import MARKER_MIN_AREA
from rootmass.segmentation.images import foreground_ratio, image_histogram, threshold_summary

__all__ = ["THRESHOLD_METHODS", "PANEL_METHODS", "LOCAL_DEFAULTS", "segment",
           "method_results", "segment_regions"]

#: Ways of choosing the threshold ``t``: every registered segmenter.
THRESHOLD_METHODS = method_names()
#: The methods that the method panel and the evaluation compare: every one
#: that chooses ``t`` itself (:func:`method_results`).
PANEL_METHODS = tuple(s.name for s in segmenters() if s.panel)
def _keywords():
    """``{name: default}`` of the settings :func:`segment` and
    :func:`method_results` take as keywords: those of every segmenter
    registered now that a stage's params do not give as None where unused."""
    return {name: setting.default for name, setting in settings_table().items()
            if not setting.unused_as_none}


#: The defaults of the settings that :func:`segment` and
#: :func:`method_results` take as keywords (those of the local and
#: multi-level methods, chosen for a 6-megapixel photo: config/README.md,
#: "Local and multi-level thresholds"): ``window`` pixels (odd), Sauvola's
#: and Niblack's ``k``, ``local``'s ``offset``, multi-Otsu's ``classes`` and
#: ``foreground_classes`` (None: the brightest class, or the darkest with
#: ``foreground: below``).
LOCAL_DEFAULTS = _keywords()


def _keyword_defaults(function, parameters):
    """:func:`_keywords` updated by ``parameters``, at the call: those of
    every segmenter registered by then (:data:`LOCAL_DEFAULTS`: those
    registered in ``rootmass.segmentation.registry``)."""
    defaults = _keywords()
    unknown = set(parameters) - set(defaults)
    if unknown:
        raise TypeError(f"{function}() got unexpected parameters {sorted(unknown)}")
    return {**defaults, **parameters}


def segment(
    blurred, method="otsu", value=None, foreground="above", bright_cutoff=0.95,
    marker_min_area=MARKER_MIN_AREA, marker_margin=14, *, roi=None, t=None, hist=None,
    markers=None, mask=True, model=None, **parameters,
):
    """Threshold a blurred image as configured: ``t`` and the mask.

    The one chain that every stage runs, through the method's segmenter
    (:func:`~rootmass.segmentation.segmenter`): its threshold (unless ``t``
    is given), then its mask (unless ``mask`` is False).

    Parameters
    ----------
    blurred : (M, N) ndarray of float
    method, value, foreground, bright_cutoff : optional
        As :func:`threshold_value` and :func:`foreground_mask` take them;
        ``bright_cutoff`` only applies to the :data:`EXCLUSION_METHODS`.
    marker_min_area, marker_margin : optional
        Of :func:`marker_region`, for ``'otsu_excluding_markers'`` only.
    roi : (M, N) ndarray of bool, optional
        The region of interest: the threshold is estimated from its pixels
        (for the local methods, the pixels outside it are taken as the ROI's
        mean, so that no window sees a rim or a frame) and nothing outside
        it is foreground.
    t : float or tuple of float, optional
        The threshold (multi-Otsu's levels), where it was chosen already
        (rule ``save_mask`` applies rule ``threshold``'s): only the mask is
        made.
    hist : tuple of ndarray, optional
        The image's (ROI's) :func:`image_histogram`.
    markers : (M, N) ndarray of bool, optional
        The image's :func:`marker_region`, where the caller has it already.
    mask : bool, optional
        False: ``t`` alone (rule ``threshold``, which makes no mask and has
        no ``foreground``); the mask returned is None.
    model : object, optional
        The collection step's model of a method whose segmenter's ``scope``
        is ``'collection'`` (:meth:`Segmenter.fit_collection`).
    **parameters
        The other segmenters' settings (:data:`LOCAL_DEFAULTS`, and those of
        any segmenter registered by then): ``window``,
        ``k``, ``offset`` of :func:`local_threshold`; ``classes``,
        ``foreground_classes`` of :func:`multiotsu_levels` and
        :func:`foreground_mask`.

    Returns
    -------
    t : float, tuple of float or (M, N) ndarray
        The threshold; multi-Otsu's levels; a local method's map (its one
        number: :func:`threshold_summary`).
    mask : (M, N) ndarray of bool, or None

    Examples
    --------
    >>> blurred = np.array([[0.1, 0.2], [0.8, 0.9]])
    >>> t, mask = segment(blurred, "fixed", value=0.5)
    >>> t, mask.tolist()
    (0.5, [[False, False], [True, True]])
    >>> segment(blurred, "fixed", foreground="below", t=0.15)[1].tolist()
    [[True, False], [False, False]]
    """
    parameters = _keyword_defaults("segment", parameters)
    chosen = segmenter(method)
    blurred = _check_gray(blurred)
    settings = chosen.check({
        **parameters, "value": value, "foreground": foreground,
        "bright_cutoff": bright_cutoff, "marker_min_area": marker_min_area,
        "marker_margin": marker_margin,
    })
    image = Image(blurred, hist=hist, roi=roi, markers=markers, model=model)
    if t is None:
        t = chosen.threshold(image, settings)
    else:
        t = chosen.restore({"threshold": t, "levels": t})
    if not mask:
        return t, None
    return t, chosen.mask(image, t, settings)


def method_results(
    blurred, foreground="above", bright_cutoff=0.95, methods=PANEL_METHODS,
    preview_side=FIGURE_SIDE, marker_min_area=MARKER_MIN_AREA, marker_margin=14,
    measure=None, roi=None, **parameters,
):
    """Threshold one blurred image with every automatic method.

    Parameters
    ----------
    blurred : (M, N) ndarray of float
    foreground : {'above', 'below'}, optional
    bright_cutoff : float, optional
        For the :data:`EXCLUSION_METHODS`.
    methods : sequence of str, optional
    preview_side : int or None, optional
        The longest side of each mask's preview; None: no preview.
    marker_min_area, marker_margin : optional
        For ``'otsu_excluding_markers'``: see :func:`marker_region`.
    measure : callable, optional
        ``measure(mask)`` gives a dict of more values for each method's row
        (the evaluation scores each mask against the truth).
    roi : (M, N) ndarray of bool, optional
        The region of interest, as :func:`segment` takes it.
    **parameters
        ``window``, ``k``, ``offset``, ``classes``, ``foreground_classes``:
        the local and multi-level methods' (:data:`LOCAL_DEFAULTS`).

    Returns
    -------
    results : list of dict
        Per method: ``method``, and either ``t`` and ``ratio`` (as
        :func:`threshold_summary` and :func:`foreground_ratio` give them),
        ``preview``, the mask's :func:`~rootmass.blocks.coverage` at most
        ``preview_side`` pixels on its longer side, and what ``measure``
        gives; or ``error``, the reason the method found no threshold. One
        full-size mask is held at a time. The image's histogram is computed
        once for the methods that use it (:func:`image_histogram`), its
        markers at most once (:func:`marker_region`).
    """
    _check_choice("threshold.foreground", foreground, FOREGROUND_SIDES)
    parameters = _keyword_defaults("method_results", parameters)
    hist = image_histogram(blurred, roi)
    factor = None if preview_side is None else reduction(np.shape(blurred), preview_side)
    markers = None
    results = []
    for method in methods:
        try:
            if method == "otsu_excluding_markers" and markers is None:
                markers = global_.marker_region(blurred, bright_cutoff, marker_min_area, marker_margin)
            t, mask = segment(
                blurred, method, foreground=foreground, bright_cutoff=bright_cutoff,
                hist=hist, markers=markers, roi=roi, **parameters,
            )
        except ValueError as error:
            results.append({"method": method, "error": str(error)})
            continue
        summary = threshold_summary(t, foreground, parameters["foreground_classes"], roi)
        del t
        result = {"method": method, "t": summary, "ratio": foreground_ratio(mask, roi)[2]}
        if factor is not None:
            result["preview"] = coverage(mask, factor)
        if measure is not None:
            result.update(measure(mask))
        del mask
        results.append(result)
    return results


def segment_regions(blurred, labels, count, method, settings, each=True, model=None,
                    load_colour=None, roi=None):
    """Threshold an image's regions with their own automatic thresholds.

    Parameters
    ----------
    blurred : (M, N) ndarray of float
    labels : (M, N) ndarray of int
        The regions: ``k`` in the ``k``-th of ``count``, 0 outside
        (:func:`rootmass.regions.layout.region_labels`).
    count : int
    method : str
        A registered segmenter's name.
    settings : dict
        Its checked settings (``Segmenter.check``).
    each : bool, optional
        True: each region's threshold from its own pixels (its bounding box,
        the region as ROI); False: one threshold from the pixels of all the
        regions together (their union as ROI).
    model : object, optional
        A collection segmenter's model.
    load_colour : callable, optional
        The image in colour, for a segmenter that reads it (called once a
        region: cache it).
    roi : (M, N) ndarray of bool, optional
        The image's region of interest: the regions' pixels outside it are
        neither foreground nor among those a threshold is estimated from.

    Returns
    -------
    mask : (M, N) ndarray of bool
        The foreground inside the regions (nothing outside them).
    thresholds : list of float or None
        Each region's (a local method's: its map's mean over the region);
        None where its segmenter found none (the message in ``errors``).
    errors : list of str or None
    """
    from scipy import ndimage

    chosen = segmenter(method)
    labels = np.asarray(labels)
    if roi is not None:
        labels = np.where(roi, labels, 0)
    mask = np.zeros(np.shape(blurred), dtype=bool)

    def threshold_in(box, inside):
        colour = None if load_colour is None else (lambda: load_colour()[box])
        image = Image(blurred[box], roi=inside, model=model, load_colour=colour)
        found, t = chosen.predict(image, chosen.fit(image, settings), settings)
        mask[box] |= found & inside
        return t

    if not each:
        try:
            t = threshold_in((slice(None), slice(None)), labels > 0)
            return mask, [t] * count, [None] * count
        except ValueError as error:
            return mask, [None] * count, [str(error)] * count
    thresholds, errors = [None] * count, [None] * count
    for k, box in enumerate(ndimage.find_objects(labels, max_label=count)):
        if box is None:
            errors[k] = "the region has no pixel in the image"
            continue
        try:
            thresholds[k] = threshold_in(box, labels[box] == k + 1)
        except ValueError as error:
            errors[k] = str(error)
    return mask, thresholds, errors
