"""Shared validation of the segmenters' inputs and settings.

Every check raises ValueError with one line naming the setting (as its
config key, ``threshold.<name>``) or the input, and the reason, as
scikit-image's ``skimage/filters/thresholding.py`` validates its inputs in
one place for all its methods.
"""

import numpy as np

__all__ = []

#: Which side of ``t`` is foreground.
FOREGROUND_SIDES = ("above", "below")


def _check_choice(name, value, allowed):
    """Raise ValueError unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}"
        )


def _check_unit_interval(name, value):
    """Raise ValueError unless ``value`` is a real number in [0, 1]."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not 0 <= value <= 1
    ):
        raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}")


def _as_integer(value):
    """``value`` as an int where it is an integer (14.0, as YAML or a sheet
    may give it), else None (bools are not integers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return None


def _check_sigma(sigma):
    """Raise ValueError unless ``sigma`` is a finite real number >= 0."""
    if (
        isinstance(sigma, bool)
        or not isinstance(sigma, (int, float, np.integer, np.floating))
        or not sigma >= 0
        or not np.isfinite(sigma)
    ):
        raise ValueError(f"sigma must be a finite number >= 0; got {sigma!r}")


def _check_real(name, value):
    """Raise ValueError unless ``value`` is a finite real number."""
    if (isinstance(value, bool)
            or not isinstance(value, (int, float, np.integer, np.floating))
            or not np.isfinite(value)):
        raise ValueError(f"{name} must be a finite number; got {value!r}")


def _check_window(window):
    """``window`` as an int; raise ValueError unless an odd integer >= 3."""
    number = _as_integer(window)
    if number is None or number < 3 or number % 2 == 0:
        raise ValueError(f"threshold.window must be an odd integer >= 3; got {window!r}")
    return number


def _check_gray(image):
    """Raise ValueError unless ``image`` is a non-empty 2-D array."""
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(
            f"expected a 2-D grayscale image; got an array of shape {image.shape}"
        )
    if image.size == 0:
        raise ValueError("the image has no pixels")
    return image


def _check_roi(blurred, roi):
    """``roi`` as a mask of ``blurred``'s shape with at least one pixel."""
    roi = np.asarray(roi, dtype=bool)
    if roi.shape != np.shape(blurred):
        raise ValueError(f"the ROI is {roi.shape}, the image {np.shape(blurred)}")
    if not roi.any():
        raise ValueError("the ROI has no pixels")
    return roi


def _check_excluded(blurred, excluded):
    """Raise ValueError unless ``excluded`` is a mask of ``blurred``'s shape."""
    if excluded is None:
        raise ValueError("method 'otsu_excluding_markers' needs the excluded region")
    excluded = np.asarray(excluded, dtype=bool)
    if excluded.shape != np.shape(blurred):
        raise ValueError(
            f"the excluded region is {excluded.shape}, the image {np.shape(blurred)}"
        )
    return excluded
