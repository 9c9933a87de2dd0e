"""Global thresholds: one ``t`` for the whole image (or its ROI).

``fixed`` (a given ``t``), scikit-image's automatic methods
(``skimage.filters.threshold_<name>``), and Otsu's threshold of the image
without its bright markers (the lesson's "enhanced" root mass and its
refinement). The methods scikit-image computes from a histogram (``hist=``)
read no pixels where the image's histogram is known.
"""

import numpy as np

from rootmass.segmentation._checks import (
    _as_integer,
    _check_excluded,
    _check_gray,
    _check_sigma,
    _check_unit_interval,
)
from rootmass.segmentation.base import Image, Segmenter, Setting, segmenter
from rootmass.segmentation.images import _inside, _pixel_histogram, foreground_mask

__all__ = [
    "AUTOMATIC_METHODS",
    "HISTOGRAM_METHODS",
    "EXCLUSION_METHODS",
    "MARKER_MIN_AREA",
    "marker_margin",
    "marker_region",
    "method_exclusion",
    "threshold_value",
    "Fixed",
    "Automatic",
    "ExcludingBright",
    "ExcludingMarkers",
]

#: scikit-image's global automatic thresholds, by name: ``t`` is
#: ``skimage.filters.threshold_<name>(blurred)``.
AUTOMATIC_METHODS = ("otsu", "isodata", "li", "mean", "minimum", "triangle", "yen")
#: The automatic methods that work on the image's 256-bin histogram alone
#: (``skimage.filters.threshold_<name>(hist=...)``), which several of them
#: can then share: see :func:`image_histogram`.
HISTOGRAM_METHODS = ("otsu", "isodata", "minimum", "yen")
#: The methods that leave bright markers (labels, circles, rulers) out:
#: the lesson's ``otsu_excluding_bright`` (the pixels at or above the cutoff,
#: which leaves the markers' blurred rims as foreground) and
#: ``otsu_excluding_markers`` (the markers whole, rims included: see
#: :func:`marker_region`).
EXCLUSION_METHODS = ("otsu_excluding_bright", "otsu_excluding_markers")
#: A bright region is a marker if it covers at least this fraction of the
#: image (0.05 %). On the lesson's photos (as :func:`marker_region` finds
#: them, at the lesson's settings) the circle and the label cover 0.15 to
#: 0.36 % each (a label of maize-root-cluster.jpg at sigma 1.5 shows as
#: two regions, 0.15 and 0.052 %), the brightest parts of roots at most
#: 0.022 %.
MARKER_MIN_AREA = 0.0005


def marker_margin(sigma):
    """How far the blur spreads a marker's edge: the default ``margin`` of
    :func:`marker_region`.

    Parameters
    ----------
    sigma : float
        The Gaussian blur's sigma, in pixels.

    Returns
    -------
    margin : int
        ``ceil(4 * sigma) + 8`` pixels: the blur's reach (4 sigma) and the
        photo's own soft edge. Measured on the lesson's photos with
        ``otsu_excluding_bright``'s threshold, the rim around the circle and the
        label ends 7 to 9 pixels out at sigma 1.5 (trial photos) and 12 at
        sigma 1.0 (maize-root-cluster.jpg).

    Examples
    --------
    >>> marker_margin(1.5), marker_margin(0)
    (14, 8)
    """
    _check_sigma(sigma)
    return int(np.ceil(4 * sigma)) + 8


def marker_region(blurred, bright_cutoff=0.95, min_area=MARKER_MIN_AREA, margin=14):
    """The bright markers of an image (labels, circles, rulers), grown by
    their blurred rims: the pixels ``otsu_excluding_markers`` leaves out.

    A marker is a connected region (8-connected) of bright pixels
    (``blurred >= bright_cutoff``) that covers at least ``min_area`` of the
    image, with its holes (a label's dark digits) filled. So that a label
    whose brightness is close to the cutoff, and which noise breaks into
    specks, makes one region, the bright pixels are smoothed first: a pixel
    belongs to a region if at least a quarter of the 5 x 5 pixels around it
    are bright. Smaller bright regions, such as the brightest parts of
    roots, are not markers. The region returned is every pixel within
    ``margin`` pixels (Euclidean distance) of a marker: the blur spreads a
    marker's brightness that far, which leaves a rim above the threshold
    around it.

    Parameters
    ----------
    blurred : (M, N) ndarray of float
    bright_cutoff : float, optional
        In [0, 1].
    min_area : float, optional
        Fraction of the image's pixels, in [0, 1].
    margin : int, optional
        Pixels, >= 0: :func:`marker_margin` of the blur's sigma.

    Returns
    -------
    region : (M, N) ndarray of bool
    """
    from scipy import ndimage as ndi

    blurred = _check_gray(blurred)
    _check_unit_interval("threshold.bright_cutoff", bright_cutoff)
    _check_unit_interval("threshold.marker_min_area", min_area)
    if _as_integer(margin) is None or margin < 0:
        raise ValueError(f"threshold.marker_margin must be an integer >= 0; got {margin!r}")
    margin = _as_integer(margin)
    bright = (blurred >= bright_cutoff).astype(np.float32)
    regions = ndi.uniform_filter(bright, size=5, mode="constant") >= 0.25
    del bright
    labels, count = ndi.label(regions, structure=np.ones((3, 3), dtype=bool))
    region = np.zeros(blurred.shape, dtype=bool)
    if count == 0:
        return region
    areas = np.bincount(labels.reshape(-1), minlength=count + 1)
    areas[0] = 0
    height, width = blurred.shape
    objects = ndi.find_objects(labels)
    for index in np.flatnonzero(areas >= max(1, min_area * blurred.size)):
        rows, cols = objects[index - 1]
        top, left = max(0, rows.start - margin - 1), max(0, cols.start - margin - 1)
        bottom = min(height, rows.stop + margin + 1)
        right = min(width, cols.stop + margin + 1)
        marker = ndi.binary_fill_holes(labels[top:bottom, left:right] == index)
        if margin:
            marker = ndi.distance_transform_edt(~marker) <= margin
        region[top:bottom, left:right] |= marker
    return region


def method_exclusion(
    blurred, method, bright_cutoff=0.95, marker_min_area=MARKER_MIN_AREA, marker_margin=14,
    markers=None,
):
    """What a method leaves out of the foreground, as :func:`threshold_value`
    and :func:`foreground_mask` take it.

    Parameters
    ----------
    blurred : (M, N) ndarray of float
    method : str
        One of :data:`THRESHOLD_METHODS`.
    bright_cutoff, marker_min_area, marker_margin : optional
        As :func:`marker_region` takes them.
    markers : (M, N) ndarray of bool, optional
        The image's :func:`marker_region` where the caller has it already:
        returned for ``'otsu_excluding_markers'`` instead of computing it
        again.

    Returns
    -------
    cutoff : float or None
        ``bright_cutoff`` for ``'otsu_excluding_bright'``, else None.
    excluded : (M, N) ndarray of bool or None
        :func:`marker_region` for ``'otsu_excluding_markers'``, else None.
    """
    segmenter(method)
    if method == "otsu_excluding_markers":
        if markers is None:
            markers = marker_region(blurred, bright_cutoff, marker_min_area, marker_margin)
        return None, markers
    return (bright_cutoff if method == "otsu_excluding_bright" else None), None


def threshold_value(
    blurred, method="otsu", value=None, bright_cutoff=0.95, hist=None, excluded=None,
    roi=None,
):
    """Choose the threshold ``t`` for a blurred image.

    Parameters
    ----------
    blurred : (M, N) ndarray of float
        Blurred grayscale image in [0, 1].
    method : {'fixed', 'otsu', 'isodata', 'li', 'mean', 'minimum', 'triangle', \
'yen', 'otsu_excluding_bright', 'otsu_excluding_markers'}, optional
        ``'fixed'``: ``t = value``. ``'otsu'``, ``'isodata'``, ``'li'``,
        ``'mean'``, ``'minimum'``, ``'triangle'``, ``'yen'``: scikit-image's
        ``skimage.filters.threshold_<method>`` of the whole image.
        ``'otsu_excluding_bright'`` (the lesson's "enhanced" root mass): Otsu's
        threshold of only the pixels ``blurred < bright_cutoff``.
        ``'otsu_excluding_markers'``: Otsu's threshold of the pixels outside
        ``excluded``, the image's :func:`marker_region`.
    value : float, optional
        The threshold of method ``'fixed'``, in [0, 1].
    bright_cutoff : float, optional
        Pixels at or above it are left out of ``'otsu_excluding_bright'``.
    hist : tuple of ndarray, optional
        The image's :func:`image_histogram`, used by the
        :data:`HISTOGRAM_METHODS` instead of computing it again (the result
        is the same).
    excluded : (M, N) ndarray of bool
        For ``'otsu_excluding_markers'`` (required): the pixels to leave out,
        :func:`marker_region` of the image.
    roi : (M, N) ndarray of bool, optional
        The region of interest: the automatic methods estimate ``t`` from
        its pixels only (``hist`` must then be the ROI's).

    Returns
    -------
    t : float

    Raises
    ------
    ValueError
        If ``value`` is missing or outside [0, 1] for ``'fixed'``, no pixel
        is left below ``bright_cutoff`` or outside ``excluded``, or the method finds no threshold
        (``'minimum'`` on a histogram without two maxima).
    """
    segmenter(method)
    blurred = _check_gray(blurred)
    if method == "fixed":
        _check_unit_interval("threshold.value", value)
        return float(value)
    if method not in AUTOMATIC_METHODS + EXCLUSION_METHODS:
        raise ValueError(
            f"threshold method {method!r} has no single threshold: use segment"
        )
    image = Image(blurred, hist=hist, roi=roi)
    if method in AUTOMATIC_METHODS:
        return _automatic(method, image)
    if method == "otsu_excluding_markers":
        return _otsu_excluding_markers(image, excluded)
    return _otsu_excluding_bright(image, bright_cutoff)


def _automatic(method, image):
    """``skimage.filters.threshold_<method>`` of an :class:`Image`: of its
    histogram alone where the method takes one (and the histogram has more
    than one non-empty bin), else of its pixels (its ROI's)."""
    import skimage.filters

    function = getattr(skimage.filters, f"threshold_{method}")
    hist = image.hist
    # a uniform image (one non-empty bin) is left to the methods
    # themselves, which treat it apart
    shared = (
        hist is not None
        and method in HISTOGRAM_METHODS
        and np.count_nonzero(hist[0]) > 1
    )
    try:
        return float(
            function(hist=hist) if shared else function(_inside(image.pixels, image.roi))
        )
    except RuntimeError as error:  # threshold_minimum: no two maxima
        raise ValueError(f"threshold method {method!r}: {error}") from None
    except IndexError:  # threshold_isodata of a uniform image (or ROI)
        raise ValueError(
            f"threshold method {method!r}: the image (or ROI) has a single gray level"
        ) from None


def _otsu_excluding_markers(image, excluded):
    """Otsu's threshold of the pixels (the ROI's) outside ``excluded``."""
    import skimage.filters

    blurred = image.pixels
    excluded = _check_excluded(blurred, excluded)
    kept = _inside(blurred, image.roi, ~excluded)
    if kept.size == 0:
        raise ValueError(
            "the bright markers cover the whole image (or ROI): no pixels left to"
            " threshold"
        )
    return float(skimage.filters.threshold_otsu(kept))


def _otsu_excluding_bright(image, bright_cutoff):
    """Otsu's threshold of the pixels (the ROI's) below ``bright_cutoff``:
    exactly ``threshold_otsu(blurred[blurred < bright_cutoff])``, from
    their histogram counted without copying them (see
    ``rootmass.segmentation.images._pixel_histogram``; the library's where
    that cannot count them)."""
    import skimage.filters

    _check_unit_interval("threshold.bright_cutoff", bright_cutoff)
    blurred = np.asarray(image.pixels)
    found = _pixel_histogram(blurred, image.roi, below=bright_cutoff)
    if found is None:
        kept = _inside(blurred, image.roi, blurred < bright_cutoff)
        count = kept.size
    else:
        count, first, smallest, largest, hist = found
    if count == 0:
        raise ValueError(
            f"every pixel is at or above bright_cutoff {bright_cutoff!r}:"
            " no pixels left to threshold"
        )
    if found is None:
        return float(skimage.filters.threshold_otsu(kept))
    if smallest == largest:  # threshold_otsu's uniform image: its first pixel
        return float(first)
    return float(skimage.filters.threshold_otsu(hist=hist))


#: The settings of the global thresholds.
VALUE = Setting("value", None, unused_as_none=True)
BRIGHT_CUTOFF = Setting("bright_cutoff", 0.95, figures=True, unused_as_none=True)
MARKER_AREA = Setting("marker_min_area", MARKER_MIN_AREA, unused_as_none=True)
MARGIN = Setting("marker_margin", None, kind="integer", unused_as_none=True)


class Fixed(Segmenter):
    """``t = value``, given: it reads nothing of the image."""

    name = "fixed"
    needs = "nothing"
    threshold_settings = ("value",)
    own_settings = (VALUE,)
    panel = False

    def threshold(self, image, settings):
        _check_unit_interval("threshold.value", settings["value"])
        return float(settings["value"])


class Automatic(Segmenter):
    """One of scikit-image's global automatic thresholds,
    ``skimage.filters.threshold_<name>``: of the histogram alone for the
    :data:`HISTOGRAM_METHODS`, of the pixels for the others."""

    def __init__(self, name):
        if name not in AUTOMATIC_METHODS:
            raise ValueError(f"no automatic threshold {name!r}")
        self.name = name
        self.needs = "histogram" if name in HISTOGRAM_METHODS else "pixels"

    def threshold(self, image, settings):
        return _automatic(self.name, image)


class ExcludingBright(Segmenter):
    """Otsu's threshold of the pixels below ``bright_cutoff``, which are never
    foreground either (the lesson's "enhanced" root mass)."""

    name = "otsu_excluding_bright"
    settings = threshold_settings = ("bright_cutoff",)
    own_settings = (BRIGHT_CUTOFF,)

    def threshold(self, image, settings):
        return _otsu_excluding_bright(image, settings["bright_cutoff"])

    def mask(self, image, t, settings):
        return foreground_mask(image.pixels, t, settings["foreground"],
                               bright_cutoff=settings["bright_cutoff"], roi=image.roi)


class ExcludingMarkers(Segmenter):
    """Otsu's threshold of the pixels outside the bright markers
    (:func:`marker_region`), which are never foreground either."""

    name = "otsu_excluding_markers"
    settings = threshold_settings = ("bright_cutoff", "marker_min_area", "marker_margin")
    own_settings = (BRIGHT_CUTOFF, MARKER_AREA, MARGIN)

    def markers(self, image, settings):
        """The image's :func:`marker_region`, computed once."""
        if image.markers is None:
            image.markers = marker_region(
                image.pixels, settings["bright_cutoff"], settings["marker_min_area"],
                settings["marker_margin"],
            )
        return image.markers

    def threshold(self, image, settings):
        return _otsu_excluding_markers(image, self.markers(image, settings))

    def mask(self, image, t, settings):
        return foreground_mask(image.pixels, t, settings["foreground"],
                               excluded=self.markers(image, settings), roi=image.roi)

    def stage_settings(self, used, settings):
        """A margin of None: :func:`marker_margin` of the image's sigma."""
        if used.get("marker_margin", 0) is None:
            used["marker_margin"] = marker_margin(settings["sigma"])
        return used
