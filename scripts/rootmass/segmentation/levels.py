"""The multi-level threshold: Otsu's method for several classes of gray
levels (``skimage.filters.threshold_multiotsu``), computed from the image's
histogram alone."""

import numpy as np

from rootmass.segmentation._checks import _as_integer, _check_gray
from rootmass.segmentation.base import Segmenter, Setting
from rootmass.segmentation.images import foreground_mask, image_histogram

__all__ = ["LEVEL_METHODS", "multiotsu_levels", "MultiOtsu"]

#: The multi-level threshold: Otsu's method for several classes
#: (:func:`multiotsu_levels`).
LEVEL_METHODS = ("multiotsu",)


def _check_classes(classes, foreground_classes=None):
    """``(classes, foreground_classes)`` checked, the latter as a sorted tuple
    or None."""
    number = _as_integer(classes)
    if number is None or not 2 <= number <= 5:
        raise ValueError(f"threshold.classes must be an integer from 2 to 5; got {classes!r}")
    if foreground_classes is None:
        return number, None
    chosen = {_as_integer(c) for c in foreground_classes}
    if not chosen or None in chosen or not all(0 <= c < number for c in chosen) or (
        len(chosen) == number
    ):
        raise ValueError(
            f"threshold.foreground_classes must be some (not all) of the classes 0 to"
            f" {number - 1} (0 the darkest); got {foreground_classes!r}"
        )
    return number, tuple(sorted(chosen))


def multiotsu_levels(blurred, classes=3, hist=None, roi=None):
    """Otsu's thresholds for several classes of gray levels.

    Parameters
    ----------
    blurred : (M, N) ndarray of float
    classes : int, optional
        From 2 (Otsu's threshold) to 5; the cost grows steeply with it.
    hist : tuple of ndarray, optional
        The image's (or ROI's) :func:`image_histogram`, used instead of
        computing it again (the result is the same).
    roi : (M, N) ndarray of bool, optional
        The region of interest: the levels of its pixels.

    Returns
    -------
    levels : tuple of float
        ``classes - 1`` increasing thresholds,
        :func:`skimage.filters.threshold_multiotsu` on the 256-bin histogram.

    Raises
    ------
    ValueError
        If the image has too few gray levels for that many classes.
    """
    blurred = _check_gray(blurred)
    classes, _ = _check_classes(classes)
    if hist is None:
        hist = image_histogram(blurred, roi)
    return _levels(hist, classes)


def _levels(hist, classes):
    """:func:`multiotsu_levels` of a histogram, ``classes`` checked."""
    from skimage.filters import threshold_multiotsu

    if np.count_nonzero(hist[0]) < classes:
        raise ValueError(
            f"threshold method 'multiotsu': the image has fewer than {classes} gray levels"
        )
    try:
        return tuple(float(v) for v in threshold_multiotsu(classes=classes, hist=hist))
    except ValueError as error:
        raise ValueError(f"threshold method 'multiotsu': {error}") from None


CLASSES = Setting("classes", 3, kind="integer")
FOREGROUND_CLASSES = Setting("foreground_classes", None, kind="list", figures=True)


class MultiOtsu(Segmenter):
    """Multi-Otsu's levels, from the histogram; the foreground is some of the
    classes between them (``foreground_classes``, else the brightest or the
    darkest). Its one number (:meth:`summary`) is the level at the
    foreground's edge."""

    name = "multiotsu"
    needs = "histogram"
    settings = ("classes", "foreground_classes")
    threshold_settings = ("classes", "foreground", "foreground_classes")
    own_settings = (CLASSES, FOREGROUND_CLASSES)

    def check(self, settings):
        settings = super().check(settings)
        classes, chosen = _check_classes(settings["classes"], settings.get("foreground_classes"))
        return {**settings, "classes": classes, "foreground_classes": chosen}

    def threshold(self, image, settings):
        return _levels(image.histogram(), settings["classes"])

    def mask(self, image, t, settings):
        return foreground_mask(image.pixels, t, settings["foreground"],
                               foreground_classes=settings["foreground_classes"],
                               roi=image.roi)

    def record(self, t, settings):
        return {**super().record(t, settings), "levels": list(t)}

    def restore(self, record):
        levels = record.get("levels")
        return None if levels is None else tuple(float(level) for level in levels)
