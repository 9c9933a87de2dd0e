"""The pixel classifier's features (:mod:`rootmass.segmentation.classifier`),
computed tile by tile.

- :func:`pixel_features`: each pixel's features, those of
  :func:`skimage.feature.multiscale_basic_features` of the blurred image at
  scales 1, 2, 4, ... (1, 2 and 4 to the last digit; from 8 up on the image
  reduced and enlarged back bilinearly, within a few percent), then the
  image's colours smoothed;
- :func:`tiles` and :func:`feature_margin`: the tiles and their margins, so
  that a tile's features are the whole image's.
"""

import math

import numpy as np

__all__ = [
    "TILE",
    "REDUCED_SIGMA",
    "feature_sigmas",
    "scale_factor",
    "feature_reach",
    "feature_margin",
    "tiles",
    "pixel_features",
    "feature_count",
]

#: The side of a tile, in pixels (:func:`tiles`).
TILE = 1024
#: A scale's features are computed on the image reduced as much as leaves
#: the scale at least this many pixels of the reduced image
#: (:func:`scale_factor`).
REDUCED_SIGMA = 4


def feature_sigmas(sigma_max):
    """The features' scales: 1, 2, 4, ... up to ``sigma_max`` (as
    ``multiscale_basic_features`` with ``sigma_min=1`` makes them)."""
    count = int(math.floor(math.log2(sigma_max))) + 1
    return tuple(float(2**k) for k in range(count))


def scale_factor(sigma):
    """How many times the image is reduced for a scale's features: the
    largest power of 2 at most ``sigma / REDUCED_SIGMA``, and 1 below
    (the scale is then ``sigma / factor``: 4 to 8 pixels of the reduced
    image, at the default :data:`REDUCED_SIGMA`)."""
    if sigma < 2 * REDUCED_SIGMA:
        return 1
    return 2 ** int(math.floor(math.log2(sigma / REDUCED_SIGMA)))


def feature_reach(sigma):
    """How far a scale's features reach, in the image's pixels: the
    Gaussian's 4 sigma, and 4 pixels of the reduced image (the gradients'
    two, a block's alignment and the enlarging's one)."""
    return int(math.ceil(4 * sigma)) + 4 * scale_factor(sigma)


def _check_tile(tile, sigma_max, colour_sigmas):
    """A tile's side must be a multiple of the largest reduction, so that
    its reduced blocks are the whole image's."""
    step = max(scale_factor(s) for s in (*feature_sigmas(sigma_max), *colour_sigmas))
    if tile % step:
        raise ValueError(f"a tile of {tile} px is not a multiple of {step}, the features'"
                         " largest reduction")


def feature_margin(sigma_max, colour_sigmas=()):
    """A tile's margin: the farthest reach of :func:`feature_reach`, rounded
    up to a multiple of the largest reduction (so that a tile's reduced
    blocks are the whole image's)."""
    scales = [*feature_sigmas(sigma_max), *colour_sigmas]
    step = max(scale_factor(s) for s in scales)
    return -(-max(feature_reach(s) for s in scales) // step) * step


def tiles(shape, margin, tile=TILE):
    """Cover an image with tiles and their margins.

    Yields
    ------
    outer : tuple of slice
        The tile with its margin (clipped at the image's edges).
    inner : tuple of slice
        The tile within ``outer``.
    """
    height, width = shape
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            bottom, right = min(top + tile, height), min(left + tile, width)
            r0, c0 = max(top - margin, 0), max(left - margin, 0)
            r1, c1 = min(bottom + margin, height), min(right + margin, width)
            yield ((slice(r0, r1), slice(c0, c1)),
                   (slice(top - r0, bottom - r0), slice(left - c0, right - c0)))


def _block_means(image, factor):
    """The means of ``factor`` x ``factor`` blocks from the top left (the
    last row and column repeated to fill the last blocks), as float32."""
    if factor == 1:
        return np.asarray(image, dtype=np.float32)
    height, width = image.shape[:2]
    padded = np.pad(image, [(0, -height % factor), (0, -width % factor)]
                    + [(0, 0)] * (image.ndim - 2), mode="edge")
    blocks = padded.reshape(padded.shape[0] // factor, factor, padded.shape[1] // factor,
                            factor, *image.shape[2:])
    return blocks.mean(axis=(1, 3), dtype=np.float32)


def _scale_features(image, sigma):
    """``multiscale_basic_features``' four features of one scale (its
    ``_singlescale_basic_features_singlechannel``): the Gaussian-smoothed
    image, its Sobel magnitude, and the eigenvalues of its Hessian by
    ``np.gradient``."""
    from skimage.feature import hessian_matrix_eigvals
    from skimage.filters import gaussian, sobel

    smoothed = gaussian(image, sigma=sigma, preserve_range=False)
    rows, cols = np.gradient(smoothed)
    hessian = [np.gradient(rows, axis=0), np.gradient(rows, axis=1), np.gradient(cols, axis=1)]
    return (smoothed, sobel(smoothed), *hessian_matrix_eigvals(hessian))


def pixel_features(pixels, sigma_max=16, colour=None, colour_sigmas=(), inner=None):
    """Each pixel's features: those of
    :func:`skimage.feature.multiscale_basic_features` of the blurred image
    (intensity, edges and texture at every scale of :func:`feature_sigmas`),
    then, of a colour image, its red, green and blue (over [0, 1]: an alpha
    channel left out, 16-bit scaled by 65535) smoothed by a Gaussian of each
    of ``colour_sigmas``; as float32.

    A scale of at least twice :data:`REDUCED_SIGMA` (8, 16) is computed on
    the image reduced :func:`scale_factor` times (block means), at the scale
    divided as much (gradients and Hessian in the image's pixels), then
    enlarged bilinearly: its cost is that of a small image. Below it (1, 2,
    4), the features are ``multiscale_basic_features``' own, to the last
    digit.

    Parameters
    ----------
    pixels : (M, N) ndarray of float
        The blurred grayscale image.
    sigma_max : float, optional
    colour : (M, N, 3) ndarray of uint8, optional
        The image itself, for the colour features.
    colour_sigmas : sequence of float, optional
    inner : tuple of slice, optional
        Only these pixels' features (a tile within its margin).

    Returns
    -------
    features : (M, N, 4 * len(feature_sigmas(sigma_max)) + 3 * len(colour_sigmas))
        ndarray of float32 (of ``inner``'s shape where given)
    """
    from skimage.filters import gaussian

    from rootmass.segmentation._kernels import upsample_into

    pixels = np.asarray(pixels, dtype=np.float32)
    if len(colour_sigmas):
        if colour is None or np.ndim(colour) != 3 or np.shape(colour)[2] not in (3, 4):
            raise ValueError("the classifier's colour features need a colour (RGB) image;"
                             " set threshold.classifier_colour_sigmas to [] for gray images")
        colour = np.asarray(colour)
        top = np.iinfo(colour.dtype).max if colour.dtype.kind in "ui" else 1.0
        colour = colour[..., :3].astype(np.float32) / np.float32(top)
    height, width = pixels.shape
    rows, cols = inner if inner is not None else (slice(0, height), slice(0, width))
    rows, cols = range(height)[rows], range(width)[cols]
    out = np.empty((len(rows), len(cols), feature_count(sigma_max, colour_sigmas)),
                   dtype=np.float32)
    jobs = [(pixels, s, 4) for s in feature_sigmas(sigma_max)]
    jobs += [(colour, s, 3) for s in colour_sigmas]
    first = 0
    for image, sigma, count in jobs:
        factor, reach = scale_factor(sigma), feature_reach(sigma)
        while factor > 1 and min(height, width) < 4 * factor:  # (a tiny image: whole)
            factor //= 2
        r0 = max(rows.start - reach, 0) // factor * factor
        c0 = max(cols.start - reach, 0) // factor * factor
        r1, c1 = min(rows.stop + reach, height), min(cols.stop + reach, width)
        part = _block_means(image[r0:r1, c0:c1], factor)
        if count == 4:
            found = _scale_features(part, sigma / factor)
            found = [found[0], found[1] / factor, found[2] / factor**2, found[3] / factor**2]
        else:
            found = [gaussian(part, sigma / factor, channel_axis=-1)]
        if factor == 1:
            window = (slice(rows.start - r0, rows.stop - r0),
                      slice(cols.start - c0, cols.stop - c0))
            for k, feature in enumerate(found):
                out[..., first + k:first + k + (count if count == 3 else 1)] = (
                    feature[window].reshape(len(rows), len(cols), -1))
        else:
            stacked = np.ascontiguousarray(np.dstack(found), dtype=np.float32)
            upsample_into(out, first, stacked, factor, rows.start - r0, cols.start - c0)
        first += count
    return out


def feature_count(sigma_max, colour_sigmas=()):
    """How many features :func:`pixel_features` gives a pixel."""
    return 4 * len(feature_sigmas(sigma_max)) + 3 * len(colour_sigmas)
