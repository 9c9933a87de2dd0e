"""Grayscale conversion, blurring, thresholding and the foreground ratio.

Small pure functions (arrays in, arrays or numbers out) that implement the
procedures of the Data Carpentry lesson "Image Processing with Python",
episode "Thresholding". Nothing here reads or writes files.

The lesson's four procedures are compositions of these functions::

    gray = to_grayscale(image, "luma")            # or "rgb2gray"
    blurred = blur(gray, sigma)                   # sigma 0: no blur
    t = threshold_value(blurred, "otsu")          # or "fixed", value=t
    mask = foreground_mask(blurred, t, "above")   # or "below"
    count, total, ratio = foreground_ratio(mask)

Every stage of the workflow thresholds through one function, :func:`segment`
(what a method leaves out, :func:`method_exclusion`, then ``t``, then the
mask), and compares the methods on an image with :func:`method_results`;
each takes what its caller has computed already (``t``, the histogram, the
marker region) instead of computing it again.

scikit-image, SciPy and Pillow are imported inside the functions that need
them: a rule script pays for importing only what its stage uses (SciPy alone
costs about 0.5 CPU-s per job); after the first call the import is a lookup.
"""

import numpy as np

from .previews import FIGURE_SIDE, coverage, reduction

__all__ = [
    "GRAYSCALE_METHODS",
    "AUTOMATIC_METHODS",
    "HISTOGRAM_METHODS",
    "THRESHOLD_METHODS",
    "EXCLUSION_METHODS",
    "PANEL_METHODS",
    "FOREGROUND_SIDES",
    "MARKER_MIN_AREA",
    "to_grayscale",
    "blur",
    "image_histogram",
    "threshold_value",
    "marker_margin",
    "marker_region",
    "method_exclusion",
    "foreground_mask",
    "foreground_ratio",
    "segment",
    "method_results",
]

#: Ways of turning a colour image into one channel.
GRAYSCALE_METHODS = ("luma", "rgb2gray")
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
#: Ways of choosing the threshold ``t``.
THRESHOLD_METHODS = ("fixed", *AUTOMATIC_METHODS, *EXCLUSION_METHODS)
#: The methods that the method panel and the evaluation compare: every one
#: that chooses ``t`` itself (:func:`method_results`).
PANEL_METHODS = (*AUTOMATIC_METHODS, *EXCLUSION_METHODS)
#: A bright region is a marker if it covers at least this fraction of the
#: image (0.05 %). On the lesson's photos (as :func:`marker_region` finds
#: them, at the lesson's settings) the circle and the label cover 0.15 to
#: 0.36 % each (a label of maize-root-cluster.jpg at sigma 1.5 shows as
#: two regions, 0.15 and 0.052 %), the brightest parts of roots at most
#: 0.022 %.
MARKER_MIN_AREA = 0.0005
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


def _check_sigma(sigma):
    """Raise ValueError unless ``sigma`` is a finite real number >= 0."""
    if (
        isinstance(sigma, bool)
        or not isinstance(sigma, (int, float, np.integer, np.floating))
        or not sigma >= 0
        or not np.isfinite(sigma)
    ):
        raise ValueError(f"sigma must be a finite number >= 0; got {sigma!r}")


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


def to_grayscale(image, method="luma"):
    """Convert an image to a single channel.

    Parameters
    ----------
    image : ndarray
        A 2-D grayscale image (returned unchanged), or an ``(M, N, 3)`` RGB or
        ``(M, N, 4)`` RGBA image. The alpha channel is ignored.
    method : {'luma', 'rgb2gray'}, optional
        ``'luma'``: Pillow's 8-bit "L" conversion,
        ``L = R * 299/1000 + G * 587/1000 + B * 114/1000`` in Pillow's integer
        arithmetic, exactly what ``imageio.v3.imread(path, mode="L")`` returns;
        needs an 8-bit image. ``'rgb2gray'``: :func:`skimage.color.rgb2gray`
        (floats in [0, 1], weights 0.2125, 0.7154, 0.0721).

    Returns
    -------
    gray : (M, N) ndarray
        ``uint8`` for ``'luma'``; float for ``'rgb2gray'``; an input that is
        already 2-D keeps its dtype.

    Raises
    ------
    ValueError
        If the method is unknown or the image has an unsupported shape.
    """
    _check_choice("grayscale", method, GRAYSCALE_METHODS)
    image = np.asarray(image)
    if image.ndim == 2:
        return image
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(
            f"expected a 2-D, RGB or RGBA image; got an array of shape {image.shape}"
        )
    rgb = image[..., :3]
    if method == "rgb2gray":
        from skimage.color import rgb2gray

        return rgb2gray(rgb)
    if rgb.dtype != np.uint8:
        raise ValueError(
            f"grayscale 'luma' needs an 8-bit colour image; got dtype {rgb.dtype}"
            " (use grayscale: rgb2gray)"
        )
    from PIL import Image

    return np.asarray(Image.fromarray(np.ascontiguousarray(rgb), "RGB").convert("L"))


def blur(gray, sigma=1.5):
    """Blur a grayscale image with a Gaussian, giving floats in [0, 1].

    Parameters
    ----------
    gray : (M, N) ndarray
        Grayscale image; integer images are rescaled to [0, 1] by their dtype's
        range, as :func:`skimage.util.img_as_float` does.
    sigma : float, optional
        Standard deviation of the Gaussian in pixels. ``0`` means no blur: the
        image is only converted to floats.

    Returns
    -------
    blurred : (M, N) ndarray of float64
        Exactly ``skimage.filters.gaussian(gray, sigma=sigma)`` for
        ``sigma > 0``, ``skimage.util.img_as_float(gray)`` for ``sigma == 0``.
    """
    gray = _check_gray(gray)
    _check_sigma(sigma)
    if sigma == 0:
        from skimage.util import img_as_float64

        return img_as_float64(gray)
    from skimage.filters import gaussian

    return gaussian(gray, sigma=sigma)


def image_histogram(blurred):
    """The histogram scikit-image's threshold methods compute of an image.

    Parameters
    ----------
    blurred : (M, N) ndarray of float

    Returns
    -------
    hist : tuple of ndarray
        ``(counts, bin_centers)``: 256 bins from the image's minimum to its
        maximum, exactly ``skimage.exposure.histogram(blurred.reshape(-1),
        256, source_range='image')``, as ``threshold_otsu`` and the other
        :data:`HISTOGRAM_METHODS` compute it. Pass it to
        :func:`threshold_value` as ``hist`` to compute it once for several
        methods.
    """
    from skimage.exposure import histogram

    blurred = _check_gray(blurred)
    return histogram(blurred.reshape(-1), 256, source_range="image")


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
    if isinstance(margin, (float, np.floating)) and float(margin).is_integer():
        margin = int(margin)  # 14.0, as YAML or a sheet may give it
    if isinstance(margin, bool) or not isinstance(margin, (int, np.integer)) or margin < 0:
        raise ValueError(f"threshold.marker_margin must be an integer >= 0; got {margin!r}")
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
    _check_choice("threshold.method", method, THRESHOLD_METHODS)
    if method == "otsu_excluding_markers":
        if markers is None:
            markers = marker_region(blurred, bright_cutoff, marker_min_area, marker_margin)
        return None, markers
    return (bright_cutoff if method == "otsu_excluding_bright" else None), None


def threshold_value(
    blurred, method="otsu", value=None, bright_cutoff=0.95, hist=None, excluded=None
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
    _check_choice("threshold.method", method, THRESHOLD_METHODS)
    blurred = _check_gray(blurred)
    if method == "fixed":
        _check_unit_interval("threshold.value", value)
        return float(value)
    import skimage.filters

    if method in AUTOMATIC_METHODS:
        function = getattr(skimage.filters, f"threshold_{method}")
        # a uniform image (one non-empty bin) is left to the methods
        # themselves, which treat it apart
        shared = (
            hist is not None
            and method in HISTOGRAM_METHODS
            and np.count_nonzero(hist[0]) > 1
        )
        try:
            return float(function(hist=hist) if shared else function(blurred))
        except RuntimeError as error:  # threshold_minimum: no two maxima
            raise ValueError(f"threshold method {method!r}: {error}") from None
    if method == "otsu_excluding_markers":
        excluded = _check_excluded(blurred, excluded)
        kept = blurred[~excluded]
        if kept.size == 0:
            raise ValueError("the bright markers cover the whole image: no pixels left to threshold")
        return float(skimage.filters.threshold_otsu(kept))
    _check_unit_interval("threshold.bright_cutoff", bright_cutoff)
    kept = blurred[blurred < bright_cutoff]
    if kept.size == 0:
        raise ValueError(
            f"every pixel is at or above bright_cutoff {bright_cutoff!r}:"
            " no pixels left to threshold"
        )
    return float(skimage.filters.threshold_otsu(kept))


def foreground_mask(blurred, t, foreground="above", bright_cutoff=None, excluded=None):
    """Apply a threshold.

    Parameters
    ----------
    blurred : (M, N) ndarray of float
        Blurred grayscale image.
    t : float
        Threshold.
    foreground : {'above', 'below'}, optional
        ``'above'``: foreground is ``blurred > t`` (bright objects on a dark
        background); ``'below'``: ``blurred < t`` (dark objects).
    bright_cutoff : float, optional
        If given, pixels ``blurred >= bright_cutoff`` are never foreground
        (method ``'otsu_excluding_bright'``).
    excluded : (M, N) ndarray of bool, optional
        If given, these pixels are never foreground (method
        ``'otsu_excluding_markers'``: the image's :func:`marker_region`).

    Returns
    -------
    mask : (M, N) ndarray of bool
    """
    _check_choice("threshold.foreground", foreground, FOREGROUND_SIDES)
    blurred = _check_gray(blurred)
    mask = blurred > t if foreground == "above" else blurred < t
    if bright_cutoff is not None:
        mask &= blurred < bright_cutoff
    if excluded is not None:
        mask &= ~_check_excluded(blurred, excluded)
    return mask


def foreground_ratio(mask):
    """Count the foreground of a binary mask.

    Parameters
    ----------
    mask : ndarray of bool

    Returns
    -------
    foreground_pixels : int
    total_pixels : int
    ratio : float
        ``foreground_pixels / total_pixels``, the lesson's root mass ratio.
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.size == 0:
        raise ValueError("the mask has no pixels")
    count = int(np.count_nonzero(mask))
    return count, int(mask.size), count / mask.size


def segment(
    blurred, method="otsu", value=None, foreground="above", bright_cutoff=0.95,
    marker_min_area=MARKER_MIN_AREA, marker_margin=14, *, t=None, hist=None, markers=None,
    mask=True,
):
    """Threshold a blurred image as configured: ``t`` and the mask.

    The one chain that every stage runs: :func:`method_exclusion`, then
    :func:`threshold_value` (unless ``t`` is given), then
    :func:`foreground_mask` (unless ``mask`` is False).

    Parameters
    ----------
    blurred : (M, N) ndarray of float
    method, value, foreground, bright_cutoff : optional
        As :func:`threshold_value` and :func:`foreground_mask` take them;
        ``bright_cutoff`` only applies to the :data:`EXCLUSION_METHODS`.
    marker_min_area, marker_margin : optional
        Of :func:`marker_region`, for ``'otsu_excluding_markers'`` only.
    t : float, optional
        The threshold, where it was chosen already (rule ``save_mask``
        applies rule ``threshold``'s): only the mask is made.
    hist : tuple of ndarray, optional
        The image's :func:`image_histogram`, for :func:`threshold_value`.
    markers : (M, N) ndarray of bool, optional
        The image's :func:`marker_region`, for :func:`method_exclusion`.
    mask : bool, optional
        False: ``t`` alone (rule ``threshold``, which makes no mask and has
        no ``foreground``); the mask returned is None.

    Returns
    -------
    t : float
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
    cutoff, excluded = method_exclusion(
        blurred, method, bright_cutoff, marker_min_area, marker_margin, markers=markers
    )
    if t is None:
        t = threshold_value(
            blurred, method, value=value, bright_cutoff=bright_cutoff, hist=hist,
            excluded=excluded,
        )
    if not mask:
        return t, None
    return t, foreground_mask(blurred, t, foreground, bright_cutoff=cutoff, excluded=excluded)


def method_results(
    blurred, foreground="above", bright_cutoff=0.95, methods=PANEL_METHODS,
    preview_side=FIGURE_SIDE, marker_min_area=MARKER_MIN_AREA, marker_margin=14,
    measure=None,
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

    Returns
    -------
    results : list of dict
        Per method: ``method``, and either ``t`` and ``ratio`` (as
        :func:`segment` and :func:`foreground_ratio` give them), ``preview``,
        the mask's :func:`~rootmass.previews.coverage` at most
        ``preview_side`` pixels on its longer side, and what ``measure``
        gives; or ``error``, the reason the method found no threshold. One
        full-size mask is held at a time. The image's histogram is computed
        once for the methods that use it (:func:`image_histogram`), its
        markers at most once (:func:`marker_region`).
    """
    _check_choice("threshold.foreground", foreground, FOREGROUND_SIDES)
    hist = image_histogram(blurred)
    factor = None if preview_side is None else reduction(np.shape(blurred), preview_side)
    markers = None
    results = []
    for method in methods:
        try:
            if method == "otsu_excluding_markers" and markers is None:
                markers = marker_region(blurred, bright_cutoff, marker_min_area, marker_margin)
            t, mask = segment(
                blurred, method, foreground=foreground, bright_cutoff=bright_cutoff,
                hist=hist, markers=markers,
            )
        except ValueError as error:
            results.append({"method": method, "error": str(error)})
            continue
        result = {"method": method, "t": t, "ratio": foreground_ratio(mask)[2]}
        if factor is not None:
            result["preview"] = coverage(mask, factor)
        if measure is not None:
            result.update(measure(mask))
        del mask
        results.append(result)
    return results
