"""The steps every segmenter shares: gray levels, blur, histogram, mask and
foreground ratio.

Small pure functions (arrays in, arrays or numbers out) that implement the
procedures of the Data Carpentry lesson "Image Processing with Python",
episode "Thresholding". Nothing here reads or writes files.

scikit-image and Pillow are imported inside the functions that need them: a
rule script pays for importing only what its stage uses.
"""

import numpy as np

from rootmass.segmentation._checks import (
    FOREGROUND_SIDES,
    _check_choice,
    _check_excluded,
    _check_gray,
    _check_roi,
    _check_sigma,
)

__all__ = [
    "GRAYSCALE_METHODS",
    "LUMA_METHODS",
    "CHANNEL_METHODS",
    "FOREGROUND_SIDES",
    "to_grayscale",
    "colour_channel",
    "blur",
    "image_histogram",
    "lesson_histogram",
    "threshold_summary",
    "foreground_mask",
    "foreground_ratio",
]

#: The lesson's ways of turning a colour image into its gray levels.
LUMA_METHODS = ("luma", "rgb2gray")
#: One channel of a colour space, or a colour index, in [0, 1]: see
#: :func:`colour_channel`.
CHANNEL_METHODS = ("red", "green", "blue", "hue", "saturation", "value",
                   "lab_l", "lab_a", "lab_b", "exg")
#: Ways of turning a colour image into one channel.
GRAYSCALE_METHODS = (*LUMA_METHODS, *CHANNEL_METHODS)


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

    Notes
    -----
    Counted for a float64 image by :func:`_pixel_histogram`'s compiled
    loops (two passes over the pixels, no copy of them); an image with NaN
    or infinite values, of another dtype, or whose range is too narrow for
    256 bins goes to scikit-image, which behaves as it does.
    """
    blurred = _check_gray(blurred)
    found = _pixel_histogram(blurred, roi)
    if found is not None:
        return found[-1]
    from skimage.exposure import histogram

    pixels = blurred.reshape(-1) if roi is None else blurred[_check_roi(blurred, roi)]
    return histogram(pixels, 256, source_range="image")


def lesson_histogram(blurred, roi=None):
    """The lesson's histogram of an image: 256 bins over [0, 1].

    Parameters
    ----------
    blurred : (M, N) ndarray of float
    roi : (M, N) ndarray of bool, optional
        The region of interest: the histogram of its pixels only.

    Returns
    -------
    counts : (256,) ndarray of int
        ``np.histogram(blurred, bins=256, range=(0, 1))[0]`` (of
        ``blurred[roi]``), the counts rule ``grayscale_blur`` stores for the
        QC figure (``rootmass.qc.previews.histogram``, the same counts):
        unlike :func:`image_histogram`, whose bins span each image's own
        range, every image's bins are the same, so that a collection's
        histograms add up to the histogram of all its pixels.
    """
    blurred = _check_gray(blurred)
    pixels = blurred if roi is None else blurred[_check_roi(blurred, roi)]
    return np.histogram(pixels, bins=256, range=(0.0, 1.0))[0]


#: The number of bins of :func:`image_histogram` (scikit-image's default).
IMAGE_BINS = 256


def _pixel_histogram(blurred, roi=None, below=None):
    """:func:`image_histogram` of the pixels of a float64 image (of the
    ROI, those below ``below`` where given: ``blurred[roi & (blurred <
    below)]``), counted by the compiled loops of
    ``rootmass.segmentation._kernels`` without copying them: their range,
    then the counts by NumPy's algorithm for equal bins, between edges made
    as ``np.histogram`` makes them.

    Returns
    -------
    found : tuple or None
        ``(count, first, smallest, largest, hist)``: the number of those
        pixels, the first of them (raster order), their range and
        ``(counts, bin_centers)`` (None where ``count`` is 0). None where
        the library must compute it: an image not of float64, a pixel
        counted that is NaN or infinite, or a range too narrow for 256
        finite bins (``np.histogram`` raises).
    """
    if blurred.dtype != np.float64:
        return None
    from rootmass.segmentation import _kernels

    values = blurred.reshape(-1)
    mask = _NO_ROI if roi is None else _check_roi(blurred, roi).reshape(-1)
    use_below = below is not None
    below = float(below) if use_below else 0.0
    count, smallest, largest, first, finite = _kernels.value_range(
        values, mask, below, use_below)
    if count == 0:
        return 0, None, None, None, None
    if not finite:
        return None
    # as np.histogram: the range expanded where it is empty, the edges
    # by np.linspace in the result type of the range and the pixels
    first_edge, last_edge = np.float64(smallest), np.float64(largest)
    if first_edge == last_edge:
        first_edge, last_edge = first_edge - 0.5, last_edge + 0.5
    edges = np.linspace(first_edge, last_edge, IMAGE_BINS + 1, endpoint=True,
                        dtype=np.result_type(first_edge, last_edge, values))
    if np.any(edges[:-1] >= edges[1:]):
        return None
    counts = np.zeros(IMAGE_BINS, dtype=np.intp)
    _kernels.uniform_counts(values, mask, below, use_below, first_edge, last_edge, edges,
                            counts)
    return count, first, smallest, largest, (counts, (edges[:-1] + edges[1:]) / 2.0)


#: No ROI, as the compiled loops take it.
_NO_ROI = np.zeros(0, dtype=bool)


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
