"""The compiled loops of the histograms, the only implementation of each
(Numba is one of the pinned packages); the tests compare them with the
libraries' functions:

- ``value_range``: the smallest and largest of the pixels counted (those of
  a region, those below a cutoff), with their number, the first of them and
  whether all are finite (against ``np.min``, ``np.max``);
- ``uniform_counts``: the counts of those pixels in equal bins between two
  edges, as NumPy's algorithm for equal bins counts them (by it for the
  pixels near an edge; see the function), against ``np.histogram`` and
  through :func:`rootmass.segmentation.image_histogram` against
  ``skimage.exposure.histogram`` and ``skimage.filters.threshold_otsu``;
- ``upsample_into``: the pixel classifier's features of a reduced image
  enlarged back, bilinearly, into the features' array (against
  ``scipy.ndimage.zoom`` with ``order=1, grid_mode=True, mode="nearest"``,
  which is ``skimage.transform.resize``'s ``order=1``).

Both read the pixels as a flat float64 array and leave out, as
``blurred[roi & (blurred < below)]`` would, those outside ``roi`` (where it
has any elements) and, where ``use_below``, those not below ``below``.

Compiled by Numba once and cached on disk (in ``__pycache__`` beside this
file, or in Numba's own cache folder where this one cannot be written), so
that a job pays the import and the cached loops' loading, not their
compilation."""

import numpy as np
from numba import njit

#: Copies of the counts that consecutive pixels add to in turn: neighbouring
#: pixels of a blurred image mostly fall in the same bin, and one copy would
#: make each addition wait for the last.
LANES = 4
#: The spacing of float64 at 1 (twice the unit roundoff).
EPSILON = np.finfo(np.float64).eps


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _bin(v, first_edge, norm_denom, edges, n):  # pragma: no cover (compiled)
    """The bin of a value in [first_edge, last_edge], as
    ``numpy.lib._histograms_impl.histogram`` finds it for equal bins: the
    scaled index (the last edge in the last bin), then corrected by one where
    the edges of ``np.linspace`` say otherwise (the last bin closed)."""
    index = int(((v - first_edge) / norm_denom) * n)
    if index == n:
        index -= 1
    if v < edges[index]:
        index -= 1
    if v >= edges[index + 1] and index != n - 1:
        index += 1
    return index


@njit(cache=True, nogil=True, error_model="numpy")
def value_range(values, roi, below, use_below):  # pragma: no cover (compiled)
    """Return ``(count, smallest, largest, first, finite)`` of the pixels
    counted: their number, their range, the first of them (in raster
    order) and whether all of them are finite."""
    use_roi = roi.size > 0
    count, nan = 0, False
    smallest, largest, first = np.inf, -np.inf, 0.0
    for i in range(values.size):
        if use_roi and not roi[i]:
            continue
        v = values[i]
        if use_below and not v < below:
            continue
        if count == 0:
            first = v
        count += 1
        if np.isnan(v):
            nan = True
        smallest = min(smallest, v)
        largest = max(largest, v)
    finite = not nan and smallest > -np.inf and largest < np.inf
    return count, smallest, largest, first, finite


@njit(cache=True, nogil=True, error_model="numpy")
def uniform_counts(values, roi, below, use_below, first_edge, last_edge, edges,
                   counts):  # pragma: no cover (compiled)
    """Add to ``counts`` the histogram of the pixels counted in
    ``counts.size`` equal bins from ``first_edge`` to ``last_edge``
    (``edges``: ``np.linspace(first_edge, last_edge, counts.size + 1)``), as
    ``np.histogram(pixels, counts.size, range=(first_edge, last_edge))``
    counts it: values outside the edges (NaN too) are left out.

    A pixel whose scaled position ``(v - first_edge) * (n / width)`` lies
    more than ``slack`` of a bin from the nearest edge is in the bin that
    position's integer part says: NumPy's scaled index
    ``((v - first_edge) / width) * n`` is then the same (the two differ by
    at most ``5 n`` units in the last place, ``u``, from the exact one) and
    neither correction applies (an edge of ``np.linspace`` lies within
    ``n u (2 + |first_edge| / width)`` bins of its exact place: one rounding
    of ``k * width / n``, exact in a power of two, and one of the sum). The
    others, and every pixel of a range where ``slack`` would be too large
    or the bounds do not hold (a width too small or too large), go
    NumPy's way (:func:`_bin`).
    """
    use_roi = roi.size > 0
    n = counts.size
    norm_denom = last_edge - first_edge
    scale = n / norm_denom
    if 1e-300 < norm_denom < np.inf:
        slack = n * EPSILON * (8.0 + 2.0 * abs(first_edge) / norm_denom)
    else:
        slack = 1.0  # (never: NumPy's way for every pixel)
    lanes = np.zeros((LANES, n), dtype=np.int64)
    for i in range(values.size):
        if use_roi and not roi[i]:
            continue
        v = values[i]
        if use_below and not v < below:
            continue
        if v >= first_edge and v <= last_edge:
            position = (v - first_edge) * scale
            index = int(position)
            part = position - index
            if not (part > slack and part < 1.0 - slack and index < n):
                index = _bin(v, first_edge, norm_denom, edges, n)
            lanes[i & (LANES - 1), index] += 1
    for lane in range(LANES):
        for b in range(n):
            counts[b] += lanes[lane, b]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _neighbours(position, factor, count):  # pragma: no cover (compiled)
    """The two reduced pixels on either side of a full image's pixel along
    one axis, and the second's weight (clamped at the outer centres)."""
    x = (position + 0.5) / factor - 0.5
    low = int(np.floor(x))
    weight = x - low
    if low < 0:
        low, weight = 0, 0.0
    high = low + 1
    if high >= count:
        high = count - 1
        if low > high:
            low = high
        weight = 0.0 if low == high else weight
    return low, high, weight


@njit(cache=True, nogil=True, error_model="numpy")
def upsample_into(out, first, coarse, factor, row0, col0):  # pragma: no cover (compiled)
    """Write ``coarse`` (H, W, C), an image reduced ``factor`` times (a
    pixel the mean of a ``factor`` x ``factor`` block), enlarged bilinearly
    into ``out[:, :, first:first + C]``: ``out``'s pixel (i, j) is the full
    image's (``row0 + i``, ``col0 + j``), where the reduced image's first
    block starts; beyond the outer blocks' centres, their values."""
    height, width = out.shape[0], out.shape[1]
    rows, cols, channels = coarse.shape
    for i in range(height):
        r0, r1, wr = _neighbours(row0 + i, factor, rows)
        for j in range(width):
            c0, c1, wc = _neighbours(col0 + j, factor, cols)
            for k in range(channels):
                top = coarse[r0, c0, k] + (coarse[r0, c1, k] - coarse[r0, c0, k]) * wc
                bottom = coarse[r1, c0, k] + (coarse[r1, c1, k] - coarse[r1, c0, k]) * wc
                out[i, j, first + k] = top + (bottom - top) * wr
