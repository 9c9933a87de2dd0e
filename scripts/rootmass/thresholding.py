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
    "LUMA_METHODS",
    "CHANNEL_METHODS",
    "AUTOMATIC_METHODS",
    "HISTOGRAM_METHODS",
    "THRESHOLD_METHODS",
    "EXCLUSION_METHODS",
    "PANEL_METHODS",
    "LOCAL_METHODS",
    "LEVEL_METHODS",
    "LOCAL_DEFAULTS",
    "FOREGROUND_SIDES",
    "MARKER_MIN_AREA",
    "to_grayscale",
    "colour_channel",
    "blur",
    "image_histogram",
    "threshold_value",
    "local_threshold",
    "multiotsu_levels",
    "threshold_summary",
    "marker_margin",
    "marker_region",
    "method_exclusion",
    "foreground_mask",
    "foreground_ratio",
    "segment",
    "method_results",
]

#: The lesson's ways of turning a colour image into its gray levels.
LUMA_METHODS = ("luma", "rgb2gray")
#: One channel of a colour space, or a colour index, in [0, 1]: see
#: :func:`colour_channel`.
CHANNEL_METHODS = ("red", "green", "blue", "hue", "saturation", "value",
                   "lab_l", "lab_a", "lab_b", "exg")
#: Ways of turning a colour image into one channel.
GRAYSCALE_METHODS = (*LUMA_METHODS, *CHANNEL_METHODS)
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
#: The local (adaptive) thresholds: a threshold for each pixel, from the
#: pixels in a window around it (:func:`local_threshold`).
LOCAL_METHODS = ("local", "sauvola", "niblack")
#: The multi-level threshold: Otsu's method for several classes
#: (:func:`multiotsu_levels`).
LEVEL_METHODS = ("multiotsu",)
#: Ways of choosing the threshold ``t``.
THRESHOLD_METHODS = ("fixed", *AUTOMATIC_METHODS, *EXCLUSION_METHODS, *LEVEL_METHODS,
                     *LOCAL_METHODS)
#: The methods that the method panel and the evaluation compare: every one
#: that chooses ``t`` itself (:func:`method_results`).
PANEL_METHODS = THRESHOLD_METHODS[1:]
#: The defaults of the local and multi-level methods' parameters, chosen for
#: a 6-megapixel photo (config/README.md, "Local and multi-level
#: thresholds"): ``window`` pixels (odd), Sauvola's and Niblack's ``k``,
#: ``local``'s ``offset``, multi-Otsu's ``classes`` and ``foreground_classes``
#: (None: the brightest class, or the darkest with ``foreground: below``).
LOCAL_DEFAULTS = {"window": 151, "k": 0.2, "offset": 0.05, "classes": 3,
                  "foreground_classes": None}
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
        A 2-D grayscale image (returned unchanged by ``'luma'`` and
        ``'rgb2gray'``), or an ``(M, N, 3)`` RGB or ``(M, N, 4)`` RGBA image.
        The alpha channel is ignored.
    method : str, optional
        ``'luma'``: Pillow's 8-bit "L" conversion,
        ``L = R * 299/1000 + G * 587/1000 + B * 114/1000`` in Pillow's integer
        arithmetic, exactly what ``imageio.v3.imread(path, mode="L")`` returns;
        needs an 8-bit image. ``'rgb2gray'``: :func:`skimage.color.rgb2gray`
        (floats in [0, 1], weights 0.2125, 0.7154, 0.0721). One of
        :data:`CHANNEL_METHODS`: :func:`colour_channel`.

    Returns
    -------
    gray : (M, N) ndarray
        ``uint8`` for ``'luma'``; float for ``'rgb2gray'``; an input that is
        already 2-D keeps its dtype. For a channel, as
        :func:`colour_channel` gives it.

    Raises
    ------
    ValueError
        If the method is unknown or the image has an unsupported shape.
    """
    _check_choice("grayscale", method, GRAYSCALE_METHODS)
    image = np.asarray(image)
    if method in CHANNEL_METHODS:
        return colour_channel(image, method)
    if image.ndim == 2:
        return image
    rgb = _check_colour(image, method)
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


def _check_colour(image, method):
    """The RGB channels of an RGB or RGBA image; raise ValueError for others."""
    if image.ndim == 2:
        raise ValueError(
            f"grayscale {method!r} needs a colour image; got a 2-D (grayscale) image"
            " (use grayscale: luma)"
        )
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(
            f"expected a 2-D, RGB or RGBA image; got an array of shape {image.shape}"
        )
    return image[..., :3]


def colour_channel(image, channel):
    """One channel of a colour space, or the excess-green index, of an RGB
    image, in [0, 1].

    For images where gray levels hardly separate object from background:
    green shoots on brown soil (``'exg'``, ``'lab_a'``), roots on blue paper
    (``'blue'``, ``'lab_b'``), as PlantCV segments on a chosen channel.

    Parameters
    ----------
    image : (M, N, 3) or (M, N, 4) ndarray
        RGB or RGBA (alpha ignored), of any dtype that
        :func:`skimage.util.img_as_float` reads (integers by their dtype's
        range).
    channel : {'red', 'green', 'blue', 'hue', 'saturation', 'value', \
'lab_l', 'lab_a', 'lab_b', 'exg'}
        ``'red'``, ``'green'``, ``'blue'``: that channel as it is.
        ``'hue'``, ``'saturation'``, ``'value'``: of
        :func:`skimage.color.rgb2hsv` (hue 0 and 1 are both red).
        ``'lab_l'``, ``'lab_a'``, ``'lab_b'``: of
        :func:`skimage.color.rgb2lab` (CIE L*a*b*, D65), scaled as
        ``L / 100``, ``(a + 128) / 255`` and ``(b + 128) / 255`` (a neutral
        gray has a and b 0: 0.502), clipped to [0, 1].
        ``'exg'``: the excess-green index ``2 G - R - B`` of the channels as
        floats in [0, 1], which lies in [-2, 2], scaled as
        ``(2 G - R - B + 2) / 4``: green objects are bright.

    Returns
    -------
    channel : (M, N) ndarray
        The image's own dtype for ``'red'``, ``'green'``, ``'blue'`` (so an
        8-bit channel is blurred as 8-bit gray levels are); float64 in
        [0, 1] for the others.

    Raises
    ------
    ValueError
        If the channel is unknown or the image is not RGB or RGBA.

    Examples
    --------
    >>> pixel = np.array([[[255, 0, 0]]], dtype=np.uint8)
    >>> float(colour_channel(pixel, "exg")[0, 0]), float(colour_channel(pixel, "value")[0, 0])
    (0.25, 1.0)
    """
    _check_choice("grayscale", channel, CHANNEL_METHODS)
    rgb = _check_colour(np.asarray(image), channel)
    if channel in ("red", "green", "blue"):
        return np.ascontiguousarray(rgb[..., ("red", "green", "blue").index(channel)])
    out = np.empty(rgb.shape[:2])
    # strip by strip (the conversions are per pixel): a strip's float copies,
    # not the whole image's, beside the result
    rows = max(1, _STRIP_PIXELS // max(1, rgb.shape[1]))
    for top in range(0, rgb.shape[0], rows):
        out[top : top + rows] = _channel_of(rgb[top : top + rows], channel)
    return out


#: The pixels of a strip that :func:`colour_channel` converts at a time.
_STRIP_PIXELS = 1 << 18


def _channel_of(rgb, channel):
    """:func:`colour_channel` of a strip of the image."""
    from skimage.util import img_as_float64

    rgb = img_as_float64(rgb)
    if channel == "exg":
        return (2 * rgb[..., 1] - rgb[..., 0] - rgb[..., 2] + 2) / 4
    if channel in ("hue", "saturation", "value"):
        from skimage.color import rgb2hsv

        return rgb2hsv(rgb)[..., ("hue", "saturation", "value").index(channel)]
    from skimage.color import rgb2lab

    lab = rgb2lab(rgb)[..., ("lab_l", "lab_a", "lab_b").index(channel)]
    scaled = lab / 100 if channel == "lab_l" else (lab + 128) / 255
    return np.clip(scaled, 0, 1)


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


def image_histogram(blurred, roi=None):
    """The histogram scikit-image's threshold methods compute of an image.

    Parameters
    ----------
    blurred : (M, N) ndarray of float
    roi : (M, N) ndarray of bool, optional
        The region of interest: the histogram of its pixels only.

    Returns
    -------
    hist : tuple of ndarray
        ``(counts, bin_centers)``: 256 bins from the image's minimum to its
        maximum, exactly ``skimage.exposure.histogram(blurred.reshape(-1),
        256, source_range='image')``, as ``threshold_otsu`` and the other
        :data:`HISTOGRAM_METHODS` compute it (of ``blurred[roi]`` with a
        ROI). Pass it to :func:`threshold_value` as ``hist`` to compute it
        once for several methods.
    """
    from skimage.exposure import histogram

    blurred = _check_gray(blurred)
    pixels = blurred.reshape(-1) if roi is None else blurred[_check_roi(blurred, roi)]
    return histogram(pixels, 256, source_range="image")


def _check_roi(blurred, roi):
    """``roi`` as a mask of ``blurred``'s shape with at least one pixel."""
    roi = np.asarray(roi, dtype=bool)
    if roi.shape != np.shape(blurred):
        raise ValueError(f"the ROI is {roi.shape}, the image {np.shape(blurred)}")
    if not roi.any():
        raise ValueError("the ROI has no pixels")
    return roi


def _inside(blurred, roi, keep=None):
    """The pixels the automatic methods estimate from: those of the ROI (all
    without one) where ``keep`` (all without it), as a 1-D array; the image
    itself where neither is given."""
    if roi is None and keep is None:
        return blurred
    if roi is not None:
        roi = _check_roi(blurred, roi)
        keep = roi if keep is None else keep & roi
    return blurred[keep]


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
    _check_choice("threshold.method", method, THRESHOLD_METHODS)
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
    _check_choice("threshold.method", method, THRESHOLD_METHODS)
    blurred = _check_gray(blurred)
    if method == "fixed":
        _check_unit_interval("threshold.value", value)
        return float(value)
    if method not in AUTOMATIC_METHODS + EXCLUSION_METHODS:
        raise ValueError(
            f"threshold method {method!r} has no single threshold: use segment"
        )
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
            return float(
                function(hist=hist) if shared else function(_inside(blurred, roi))
            )
        except RuntimeError as error:  # threshold_minimum: no two maxima
            raise ValueError(f"threshold method {method!r}: {error}") from None
        except IndexError:  # threshold_isodata of a uniform image (or ROI)
            raise ValueError(
                f"threshold method {method!r}: the image (or ROI) has a single gray level"
            ) from None
    if method == "otsu_excluding_markers":
        excluded = _check_excluded(blurred, excluded)
        kept = _inside(blurred, roi, ~excluded)
        if kept.size == 0:
            raise ValueError(
                "the bright markers cover the whole image (or ROI): no pixels left to"
                " threshold"
            )
        return float(skimage.filters.threshold_otsu(kept))
    _check_unit_interval("threshold.bright_cutoff", bright_cutoff)
    kept = _inside(blurred, roi, blurred < bright_cutoff)
    if kept.size == 0:
        raise ValueError(
            f"every pixel is at or above bright_cutoff {bright_cutoff!r}:"
            " no pixels left to threshold"
        )
    return float(skimage.filters.threshold_otsu(kept))


def _check_window(window):
    """``window`` as an int; raise ValueError unless an odd integer >= 3."""
    number = _as_integer(window)
    if number is None or number < 3 or number % 2 == 0:
        raise ValueError(f"threshold.window must be an odd integer >= 3; got {window!r}")
    return number


def _check_real(name, value):
    """Raise ValueError unless ``value`` is a finite real number."""
    if (isinstance(value, bool)
            or not isinstance(value, (int, float, np.integer, np.floating))
            or not np.isfinite(value)):
        raise ValueError(f"{name} must be a finite number; got {value!r}")


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
    from skimage.filters import threshold_multiotsu

    blurred = _check_gray(blurred)
    classes, _ = _check_classes(classes)
    if hist is None:
        hist = image_histogram(blurred, roi)
    if np.count_nonzero(hist[0]) < classes:
        raise ValueError(
            f"threshold method 'multiotsu': the image has fewer than {classes} gray levels"
        )
    try:
        return tuple(float(v) for v in threshold_multiotsu(classes=classes, hist=hist))
    except ValueError as error:
        raise ValueError(f"threshold method 'multiotsu': {error}") from None


def _level_classes(levels, foreground, foreground_classes):
    """The foreground classes of multi-level thresholds: the ones given, else
    the brightest (``'above'``) or the darkest (``'below'``)."""
    if foreground_classes is not None:
        return tuple(foreground_classes)
    return (len(levels),) if foreground == "above" else (0,)


def threshold_summary(t, foreground="above", foreground_classes=None, roi=None):
    """The one number ``results/ratios.csv`` gives as an image's threshold.

    Parameters
    ----------
    t : float, tuple of float or (M, N) ndarray
        A global threshold; multi-Otsu's levels; or a local threshold's
        map, as :func:`segment` returns them.
    foreground, foreground_classes : optional
        Multi-Otsu's foreground side and classes.
    roi : (M, N) ndarray of bool, optional
        For a map: the mean over the ROI's pixels.

    Returns
    -------
    float
        A global threshold as it is. Multi-Otsu: the level just below the
        lowest foreground class (that class's lower bound), or, where the
        darkest class is foreground, the level just above the highest
        foreground class; with the default classes the mask is then exactly
        ``blurred > t`` (``'above'``) or ``blurred <= t`` (``'below'``). A
        local map: its mean (over the ROI).
    """
    if isinstance(t, tuple):
        chosen = _level_classes(t, foreground, foreground_classes)
        return t[min(chosen) - 1] if min(chosen) > 0 else t[min(max(chosen), len(t) - 1)]
    if np.ndim(t) == 0:
        return float(t)
    return float(np.mean(t if roi is None else t[_check_roi(t, roi)]))


def foreground_mask(blurred, t, foreground="above", bright_cutoff=None, excluded=None,
                    foreground_classes=None, roi=None):
    """Apply a threshold.

    Parameters
    ----------
    blurred : (M, N) ndarray of float
        Blurred grayscale image.
    t : float, tuple of float or (M, N) ndarray
        A threshold; multi-Otsu's levels (:func:`multiotsu_levels`); or a
        threshold for each pixel (:func:`local_threshold`).
    foreground : {'above', 'below'}, optional
        ``'above'``: foreground is ``blurred > t`` (bright objects on a dark
        background); ``'below'``: ``blurred < t`` (dark objects). For
        levels: the brightest class, or the darkest, unless
        ``foreground_classes`` says which.
    bright_cutoff : float, optional
        If given, pixels ``blurred >= bright_cutoff`` are never foreground
        (method ``'otsu_excluding_bright'``).
    excluded : (M, N) ndarray of bool, optional
        If given, these pixels are never foreground (method
        ``'otsu_excluding_markers'``: the image's :func:`marker_region`).
    foreground_classes : sequence of int, optional
        For levels: the foreground classes, 0 the darkest; a pixel's class
        is the number of levels below it (``np.digitize(blurred, levels,
        right=True)``).
    roi : (M, N) ndarray of bool, optional
        The region of interest: nothing outside it is foreground.

    Returns
    -------
    mask : (M, N) ndarray of bool
    """
    _check_choice("threshold.foreground", foreground, FOREGROUND_SIDES)
    blurred = _check_gray(blurred)
    if isinstance(t, tuple):
        chosen = _level_classes(t, foreground, foreground_classes)
        mask = np.isin(np.digitize(blurred, t, right=True), chosen)
    else:
        mask = blurred > t if foreground == "above" else blurred < t
    if bright_cutoff is not None:
        mask &= blurred < bright_cutoff
    if excluded is not None:
        mask &= ~_check_excluded(blurred, excluded)
    if roi is not None:
        mask &= _check_roi(blurred, roi)
    return mask


def foreground_ratio(mask, roi=None):
    """Count the foreground of a binary mask.

    Parameters
    ----------
    mask : ndarray of bool
    roi : ndarray of bool, optional
        The region of interest, the ratio's denominator.

    Returns
    -------
    foreground_pixels : int
    total_pixels : int
        The image's pixels, or the ROI's where one is given.
    ratio : float
        ``foreground_pixels / total_pixels``, the lesson's root mass ratio
        (of the ROI).
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.size == 0:
        raise ValueError("the mask has no pixels")
    count = int(np.count_nonzero(mask))
    total = int(mask.size) if roi is None else int(np.count_nonzero(_check_roi(mask, roi)))
    return count, total, count / total


def segment(
    blurred, method="otsu", value=None, foreground="above", bright_cutoff=0.95,
    marker_min_area=MARKER_MIN_AREA, marker_margin=14, *, window=151, k=0.2, offset=0.05,
    classes=3, foreground_classes=None, roi=None, t=None, hist=None, markers=None,
    mask=True,
):
    """Threshold a blurred image as configured: ``t`` and the mask.

    The one chain that every stage runs: :func:`method_exclusion`, then the
    threshold (unless ``t`` is given: :func:`threshold_value`,
    :func:`multiotsu_levels` or :func:`local_threshold`), then
    :func:`foreground_mask` (unless ``mask`` is False).

    Parameters
    ----------
    blurred : (M, N) ndarray of float
    method, value, foreground, bright_cutoff : optional
        As :func:`threshold_value` and :func:`foreground_mask` take them;
        ``bright_cutoff`` only applies to the :data:`EXCLUSION_METHODS`.
    marker_min_area, marker_margin : optional
        Of :func:`marker_region`, for ``'otsu_excluding_markers'`` only.
    window, k, offset : optional
        Of :func:`local_threshold`, for the :data:`LOCAL_METHODS` only.
    classes, foreground_classes : optional
        Of :func:`multiotsu_levels` and :func:`foreground_mask`, for
        ``'multiotsu'`` only.
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
        The image's :func:`marker_region`, for :func:`method_exclusion`.
    mask : bool, optional
        False: ``t`` alone (rule ``threshold``, which makes no mask and has
        no ``foreground``); the mask returned is None.

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
    cutoff, excluded = method_exclusion(
        blurred, method, bright_cutoff, marker_min_area, marker_margin, markers=markers
    )
    if method == "multiotsu":
        classes, foreground_classes = _check_classes(classes, foreground_classes)
    if t is None:
        if method in LOCAL_METHODS:
            # outside the ROI, the ROI's mean: the windows see no rim or frame
            seen = blurred if roi is None else np.where(
                _check_roi(blurred, roi), blurred, blurred[roi].mean())
            t = local_threshold(seen, method, foreground, window, k, offset)
            del seen
        elif method == "multiotsu":
            t = multiotsu_levels(blurred, classes, hist=hist, roi=roi)
        else:
            t = threshold_value(
                blurred, method, value=value, bright_cutoff=bright_cutoff, hist=hist,
                excluded=excluded, roi=roi,
            )
    elif method == "multiotsu":
        t = tuple(float(level) for level in t)
    if not mask:
        return t, None
    return t, foreground_mask(
        blurred, t, foreground, bright_cutoff=cutoff, excluded=excluded,
        foreground_classes=foreground_classes if method == "multiotsu" else None, roi=roi,
    )


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
        ``preview``, the mask's :func:`~rootmass.previews.coverage` at most
        ``preview_side`` pixels on its longer side, and what ``measure``
        gives; or ``error``, the reason the method found no threshold. One
        full-size mask is held at a time. The image's histogram is computed
        once for the methods that use it (:func:`image_histogram`), its
        markers at most once (:func:`marker_region`).
    """
    _check_choice("threshold.foreground", foreground, FOREGROUND_SIDES)
    unknown = set(parameters) - set(LOCAL_DEFAULTS)
    if unknown:
        raise TypeError(f"method_results() got unexpected parameters {sorted(unknown)}")
    parameters = {**LOCAL_DEFAULTS, **parameters}
    hist = image_histogram(blurred, roi)
    factor = None if preview_side is None else reduction(np.shape(blurred), preview_side)
    markers = None
    results = []
    for method in methods:
        try:
            if method == "otsu_excluding_markers" and markers is None:
                markers = marker_region(blurred, bright_cutoff, marker_min_area, marker_margin)
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
