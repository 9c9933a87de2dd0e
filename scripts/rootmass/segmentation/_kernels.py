"""The compiled loops of the histograms, the only implementation of each
(Numba is one of the pinned packages); the tests compare them with the
libraries' functions (see below):

- ``value_range``: the smallest and largest of the pixels counted (those of
  a region, those below a cutoff), with their number, the first of them and
  whether all are finite (against ``np.min``, ``np.max``), and, where
  asked, their histogram over [0, 1] (the lesson's, the QC figures');
- ``uniform_counts``: the counts of those pixels in equal bins between two
  edges.

Both count as NumPy's algorithm for equal bins does (by it for the pixels
near an edge: see :func:`_bin`); the tests compare the counts with
``np.histogram``, and through :func:`rootmass.segmentation.image_histogram`
and ``otsu_excluding_bright`` with ``skimage.exposure.histogram`` and
``skimage.filters.threshold_otsu``.

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


@njit(cache=True, nogil=True, error_model="numpy")
def _scaling(first_edge, last_edge, n):  # pragma: no cover (compiled)
    """``(width, scale, slack)`` of ``n`` equal bins between the edges, as
    :func:`_bin` takes them: NumPy's ``last_edge - first_edge``, ``n /
    width``, and how far from an edge, in bins, a pixel's scaled position
    must lie for :func:`_bin` to take its integer part (1: never, where a
    width too small or too large would break the bounds)."""
    width = last_edge - first_edge
    if not 1e-300 < width < np.inf:
        return width, 0.0, 1.0
    return width, n / width, n * EPSILON * (8.0 + 2.0 * abs(first_edge) / width)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _bin(v, first_edge, width, scale, slack, edges, n):  # pragma: no cover (compiled)
    """The bin of a value in [first_edge, last_edge], as
    ``numpy.lib._histograms_impl.histogram`` finds it for equal bins: its
    scaled index ``((v - first_edge) / width) * n`` (the last edge in the
    last bin), corrected by one where the edges of ``np.linspace`` say
    otherwise (the last bin closed).

    Where the value's scaled position ``(v - first_edge) * scale`` lies
    more than ``slack`` of a bin from an integer, the bin is its integer
    part, without the division and the corrections, which would not change
    it: the position and NumPy's scaled index each lie within ``3 n u`` of
    the exact ``n (v - first_edge) / width`` (``u`` the unit roundoff), so
    the index is the same, and an edge of ``np.linspace`` lies within ``n u
    (3 + |first_edge| / width)`` bins of its exact place (a rounding of
    ``k * step``, of ``step`` and of the sum), so neither correction
    applies; ``slack`` (:func:`_scaling`) is ``n u (16 + 4 |first_edge| /
    width)``.
    """
    position = (v - first_edge) * scale
    index = int(position)
    part = position - index
    if part > slack and part < 1.0 - slack and index < n:
        return index
    index = int(((v - first_edge) / width) * n)
    if index == n:
        index -= 1
    if v < edges[index]:
        index -= 1
    if v >= edges[index + 1] and index != n - 1:
        index += 1
    return index


@njit(cache=True, nogil=True, error_model="numpy")
def value_range(values, roi, below, use_below, unit_edges, unit_counts):  # pragma: no cover
    """Return ``(count, smallest, largest, first, finite)`` of the pixels
    counted: their number, their range, the first of them (in raster
    order) and whether all of them are finite.

    Where ``unit_counts`` has elements, add to it the histogram of those
    pixels in ``unit_counts.size`` equal bins over [0, 1] (``unit_edges``:
    their ``np.linspace``), as ``np.histogram(pixels, unit_counts.size,
    range=(0.0, 1.0))`` counts it (NaN and values outside left out).
    """
    use_roi = roi.size > 0
    n = unit_counts.size
    width, scale, slack = _scaling(0.0, 1.0, max(n, 1))
    lanes = np.zeros((LANES, max(n, 1)), dtype=np.int64)
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
        if n > 0 and v >= 0.0 and v <= 1.0:
            lanes[i & (LANES - 1), _bin(v, 0.0, width, scale, slack, unit_edges, n)] += 1
    for lane in range(LANES):
        for b in range(n):
            unit_counts[b] += lanes[lane, b]
    finite = not nan and smallest > -np.inf and largest < np.inf
    return count, smallest, largest, first, finite


@njit(cache=True, nogil=True, error_model="numpy")
def uniform_counts(values, roi, below, use_below, first_edge, last_edge, edges,
                   counts):  # pragma: no cover (compiled)
    """Add to ``counts`` the histogram of the pixels counted in
    ``counts.size`` equal bins from ``first_edge`` to ``last_edge``
    (``edges``: ``np.linspace(first_edge, last_edge, counts.size + 1)``), as
    ``np.histogram(pixels, counts.size, range=(first_edge, last_edge))``
    counts it: values outside the edges (NaN too) are left out."""
    use_roi = roi.size > 0
    n = counts.size
    width, scale, slack = _scaling(first_edge, last_edge, n)
    lanes = np.zeros((LANES, n), dtype=np.int64)
    for i in range(values.size):
        if use_roi and not roi[i]:
            continue
        v = values[i]
        if use_below and not v < below:
            continue
        if v >= first_edge and v <= last_edge:
            lanes[i & (LANES - 1), _bin(v, first_edge, width, scale, slack, edges, n)] += 1
    for lane in range(LANES):
        for b in range(n):
            counts[b] += lanes[lane, b]
