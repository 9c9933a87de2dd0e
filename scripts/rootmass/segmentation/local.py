"""Local (adaptive) thresholds: a threshold for each pixel, from the pixels
in a window around it. Nothing is computed in rule ``threshold``: the map is
made with the mask, in ``save_mask``."""

import numpy as np

from rootmass.segmentation._checks import (
    FOREGROUND_SIDES,
    _check_choice,
    _check_gray,
    _check_real,
    _check_roi,
    _check_window,
)
from rootmass.segmentation.base import Segmenter, Setting

__all__ = ["LOCAL_METHODS", "local_threshold", "Local"]

#: The local (adaptive) thresholds: a threshold for each pixel, from the
#: pixels in a window around it (:func:`local_threshold`).
LOCAL_METHODS = ("local", "sauvola", "niblack")


def local_threshold(blurred, method="local", foreground="above", window=151, k=0.2,
                    offset=0.05):
    """A threshold for each pixel, from the pixels in a window around it.

    For uneven light (a vignette, a shadow across a rhizobox), where no
    single threshold fits the whole image. scikit-image's local methods are
    made for dark objects on a light background (text on a page): the
    foreground is where the image is below the threshold. For
    ``foreground='above'`` (bright objects on a dark background, the
    lesson's roots) they are applied to the inverted image ``1 - blurred``,
    and the threshold is returned in ``blurred``'s terms:
    ``t = 1 - T(1 - blurred)``, so that the foreground is ``blurred > t``.

    Parameters
    ----------
    blurred : (M, N) ndarray of float
        Blurred grayscale image in [0, 1].
    method : {'local', 'sauvola', 'niblack'}, optional
        ``'local'``: :func:`skimage.filters.threshold_local` (the
        Gaussian-weighted mean of the window, ``sigma = (window - 1) / 6``,
        less ``offset``). ``'sauvola'``: :func:`skimage.filters.threshold_sauvola`,
        ``T = m * (1 + k * (s / R - 1))`` with the window's mean ``m`` and
        standard deviation ``s``, ``R = 1``. ``'niblack'``:
        :func:`skimage.filters.threshold_niblack`, ``T = m - k * s``.
    foreground : {'above', 'below'}, optional
    window : int, optional
        The window's side in pixels, odd, >= 3.
    k : float, optional
        Sauvola's and Niblack's weight of the standard deviation.
    offset : float, optional
        ``'local'``: how far (in gray levels of [0, 1]) a pixel must be past
        its window's mean, toward the foreground side, to be foreground.

    Returns
    -------
    t : (M, N) ndarray of float64
        Foreground is ``blurred > t`` (``'above'``) or ``blurred < t``
        (``'below'``).

    Examples
    --------
    >>> image = np.zeros((9, 9)); image[4, 4] = 1.0
    >>> t = local_threshold(image, "local", window=3, offset=0.05)
    >>> int((image > t).sum())
    1
    """
    _check_choice("threshold.method", method, LOCAL_METHODS)
    _check_choice("threshold.foreground", foreground, FOREGROUND_SIDES)
    blurred = _check_gray(blurred)
    window = _check_window(window)
    _check_real("threshold.k", k)
    _check_real("threshold.offset", offset)
    import skimage.filters

    work = 1.0 - blurred if foreground == "above" else blurred
    if method == "local":
        t = skimage.filters.threshold_local(work, block_size=window, method="gaussian",
                                            offset=offset)
    elif method == "sauvola":
        t = skimage.filters.threshold_sauvola(work, window_size=window, k=k, r=1.0)
    else:
        t = skimage.filters.threshold_niblack(work, window_size=window, k=k)
    del work
    if foreground == "above":
        np.subtract(1.0, t, out=t)
    return t


WINDOW = Setting("window", 151, kind="integer")
K = Setting("k", 0.2)
OFFSET = Setting("offset", 0.05)


class Local(Segmenter):
    """One of :data:`LOCAL_METHODS`: :func:`local_threshold`. With a ROI, the
    pixels outside it are taken as the ROI's mean, so that no window sees a
    rim or a frame. Its one number (:meth:`summary`) is the map's mean over
    the image (the ROI); it has no separation."""

    needs = "nothing"
    threshold_map = True
    own_settings = (WINDOW, K, OFFSET)
    # a local threshold's map: 0.09 to 0.14 CPU-s a megapixel
    # (benchmarks/thresholds.py), and 11 float64 copies of the image
    seconds_per_megapixel = 0.2
    copies = 11

    def __init__(self, name):
        _check_choice("threshold.method", name, LOCAL_METHODS)
        self.name = name
        self.settings = ("window", "offset") if name == "local" else ("window", "k")

    def threshold(self, image, settings):
        blurred = image.pixels
        roi = image.roi
        # outside the ROI, the ROI's mean: the windows see no rim or frame
        seen = blurred if roi is None else np.where(
            _check_roi(blurred, roi), blurred, blurred[roi].mean())
        return local_threshold(seen, self.name, settings["foreground"],
                               settings.get("window", WINDOW.default),
                               settings.get("k", K.default),
                               settings.get("offset", OFFSET.default))

    def fit(self, image, settings):
        # the map is made with the mask, by save_mask
        return self.record(None, settings)

    def summary(self, t, settings, roi=None):
        return float(np.mean(t if roi is None else t[_check_roi(t, roi)]))
