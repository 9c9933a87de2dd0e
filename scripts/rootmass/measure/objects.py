"""The objects in a mask: its connected components, counted and measured.

Small pure functions (arrays in, arrays, numbers or tables out) for the
lesson's episodes "Connected Component Analysis" and "Capstone Challenge"
(bacteria colony counting). Nothing here reads or writes files.

The lesson's three object procedures are compositions of these functions::

    labels, count = label_objects(mask, connectivity=2)          # 5 and 6
    labels, count = label_objects(mask, connectivity=2,          # 5, "area
                                  min_area=201)                  #    > 200"
    labels, count = label_objects(mask, connectivity=2,          # 7
                                  min_area=10, filter_connectivity=1)
    labels, count = declump(labels)       # touching colonies split (optional)
    table = object_table(labels)          # a row per object: area, centroid...
    stats = area_statistics(table["area"])

:func:`measure_objects` is all of it, as the workflow's objects stage runs
it on each mask.

The size filter comes before the labelling that is counted and measured
(:func:`label_objects`): a mask of a hundred thousand specks gives only the
objects that count, never a row per speck.
"""

import numpy as np

from rootmass.measure._checks import check_mask as _check_mask

__all__ = [
    "CONNECTIVITIES",
    "SIZE_PROPERTIES",
    "SHAPE_PROPERTIES",
    "OBJECT_PROPERTIES",
    "label_objects",
    "declump",
    "declump_seeds",
    "object_table",
    "area_statistics",
    "OBJECT_STATISTICS",
    "measure_objects",
    "label_preview",
    "table_columns",
]

#: The neighbourhoods of a 2-D mask: 1, the 4 orthogonal neighbours; 2, all
#: 8 (``skimage.measure.label``'s default in 2-D).
CONNECTIVITIES = (1, 2)
#: What :func:`object_table` measures of each object, in
#: ``skimage.measure.regionprops_table``'s names (``centroid`` and ``bbox``
#: give one column per coordinate, renamed there): these always, computed in
#: one pass over the labels' runs (:func:`label_runs`)...
SIZE_PROPERTIES = ("label", "area", "centroid", "bbox", "equivalent_diameter_area")
#: ...and, with ``shape=True`` (config key ``objects.shape_measures``), these,
#: by ``regionprops_table`` (each a pass over every object's bounding box:
#: measured, 0.16 to 0.36 CPU-s each on a lesson root photo, whose root
#: system is one object spanning half the photo).
SHAPE_PROPERTIES = ("perimeter", "eccentricity", "solidity", "major_axis_length",
                    "minor_axis_length")
OBJECT_PROPERTIES = SIZE_PROPERTIES + SHAPE_PROPERTIES
_RENAMED = {
    "centroid-0": "centroid_row",
    "centroid-1": "centroid_col",
    "bbox-0": "bbox_min_row",
    "bbox-1": "bbox_min_col",
    "bbox-2": "bbox_max_row",
    "bbox-3": "bbox_max_col",
    "equivalent_diameter_area": "equivalent_diameter",
}


def _check_labels(labels):
    """The labels as a 2-D array; ValueError unless they are one."""
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"expected 2-D labels; got an array of shape {labels.shape}")
    return labels


def _check_connectivity(name, value):
    """Raise ValueError unless ``value`` is 1 or 2."""
    if isinstance(value, bool) or value not in CONNECTIVITIES:
        raise ValueError(f"{name} must be 1 or 2; got {value!r}")


def _check_min_area(min_area):
    """Raise ValueError unless ``min_area`` is a whole number >= 1."""
    if (
        isinstance(min_area, bool)
        or not isinstance(min_area, (int, np.integer))
        or min_area < 1
    ):
        raise ValueError(f"min_area must be a whole number of pixels >= 1; got {min_area!r}")


def label_objects(mask, connectivity=2, min_area=1, filter_connectivity=None):
    """Label a mask's connected components, leaving out the small ones.

    Parameters
    ----------
    mask : (M, N) ndarray of bool
        The foreground.
    connectivity : {1, 2}, optional
        The neighbourhood of the objects that are counted
        (``skimage.measure.label``'s ``connectivity``).
    min_area : int, optional
        The smallest area, in pixels, of an object that counts: objects of
        at least ``min_area`` pixels count. ``1`` keeps every object; the
        lesson's "area greater than 200" is ``201``.
    filter_connectivity : {1, 2} or None, optional
        The neighbourhood in which the objects that are too small are
        found; None: ``connectivity``. The lesson's enhanced colony count
        removes small objects as 4-connected components (1) and then counts
        8-connected ones (2).

    Returns
    -------
    labels : (M, N) ndarray of int
        0 for background, 1 ... ``count`` for the objects, in
        ``skimage.measure.label``'s order (the raster order of each object's
        first pixel).
    count : int
        The number of objects.

    Notes
    -----
    The small objects are removed from the mask by
    ``skimage.morphology.remove_small_objects(mask, max_size=min_area - 1,
    connectivity=filter_connectivity)``, then what is left is labelled with
    ``connectivity``. Where both connectivities are the same this is the
    same as labelling first and dropping the objects of fewer than
    ``min_area`` pixels, with the objects numbered without gaps.
    """
    mask = _check_mask(mask)
    _check_connectivity("connectivity", connectivity)
    _check_min_area(min_area)
    if filter_connectivity is None:
        filter_connectivity = connectivity
    _check_connectivity("filter_connectivity", filter_connectivity)
    from skimage.measure import label

    if min_area > 1:
        from skimage.morphology import remove_small_objects

        mask = remove_small_objects(
            mask, max_size=int(min_area) - 1, connectivity=filter_connectivity
        )
    labels, count = label(mask, connectivity=connectivity, return_num=True)
    return labels, int(count)


def declump(labels, h=1.0, smoothing=1.0, connectivity=2):
    """Split touching round objects: a watershed of the distance transform.

    Like CellProfiler's IdentifyPrimaryObjects declumping "by shape": each
    object's pixels are given their distance to the background
    (``scipy.ndimage.distance_transform_edt``), the distances are smoothed
    (``skimage.filters.gaussian``), every regional maximum that stands at
    least ``h`` pixels above the saddle to any higher one
    (``skimage.morphology.h_maxima``) seeds an object, and a watershed of
    the negated distances (``skimage.segmentation.watershed``) splits each
    object between its seeds. Two round colonies that touch have a neck
    much thinner than either, so each keeps its own maximum; a ragged edge
    or a flat ridge (a straight strip) raises none of its own. Where
    CellProfiler suppresses maxima closer than a given distance, ``h``
    asks how deep the dip between them is: a plateau is one seed however
    long.

    Parameters
    ----------
    labels : (M, N) ndarray of int
        The objects, as :func:`label_objects` gives them (0: background).
    h : float, optional
        How far, in pixels of distance, a maximum must rise above the
        saddle that joins it to a higher one to seed an object of its own.
    smoothing : float, optional
        The standard deviation, in pixels, of the Gaussian that smooths the
        distances first, so that the corners of a ragged mask do not seed
        objects; 0: none.
    connectivity : {1, 2}, optional
        The objects' (:func:`label_objects`): the seeds are grouped and the
        watershed floods with it, so that every pixel of an object is
        reached from its seeds and no two objects share one.

    Returns
    -------
    labels : (M, N) ndarray of int
        The split objects, 1 ... ``count`` (numbered by the raster order of
        their seeds); the background is unchanged.
    count : int
        The number of objects: at least the number given, as every object
        keeps one seed (its highest point) where none rises by ``h``.
    """
    labels = _check_labels(labels)
    for name, value in (("h", h), ("smoothing", smoothing)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not 0 <= value < np.inf:
            raise ValueError(f"{name} must be a number >= 0; got {value!r}")
    from scipy import ndimage as ndi
    from skimage.filters import gaussian
    from skimage.morphology import h_maxima
    from skimage.segmentation import watershed

    mask = labels > 0
    if not mask.any():
        return np.zeros(labels.shape, dtype=np.int64), 0
    distance = ndi.distance_transform_edt(mask)
    if smoothing > 0:
        distance = gaussian(distance, sigma=smoothing)
    _check_connectivity("connectivity", connectivity)
    markers, count = declump_seeds(labels, distance, h_maxima(distance, h), connectivity)
    return watershed(-distance, markers, mask=mask, connectivity=connectivity), int(count)


def declump_seeds(labels, distance, maxima, connectivity=2):
    """:func:`declump`'s seeds: the h-maxima of the distances grouped with
    the objects' connectivity, and for each object without one a seed at
    its highest point.

    Returns
    -------
    markers : (M, N) ndarray of int
    count : int
    """
    from scipy import ndimage as ndi
    from skimage.measure import label

    mask = labels > 0
    seeds = maxima.astype(bool) & mask
    markers, count = label(seeds, connectivity=connectivity, return_num=True)
    unseeded = np.setdiff1d(np.unique(labels[mask]), np.unique(labels[seeds]))
    if unseeded.size:
        positions = ndi.maximum_position(distance, labels, unseeded)
        for number, position in enumerate(positions, start=count + 1):
            markers[position] = number
        count += unseeded.size
    return markers, int(count)


_declump = declump  # (measure_objects' argument of that name hides it)


def label_runs(labels):
    """The labels' runs: each row's stretches of one label, in raster order.

    Parameters
    ----------
    labels : (M, N) ndarray of int
        0 for background.

    Returns
    -------
    numbers : ndarray of int
        Each run's label (none 0).
    starts : ndarray of int64
        The flat index (``row * N + col``) of each run's first pixel.
    lengths : ndarray of int64
        Each run's length, in pixels; a run ends at the end of its row.

    Notes
    -----
    A mask's objects are a few runs a row where they are pixels a row's
    width: a lesson root photo of 0.8 M foreground pixels has 45,000 runs.
    Measures summed over runs are those summed over pixels, in a tenth of
    the time.
    """
    labels = _check_labels(labels)
    change = np.empty(labels.shape, dtype=bool)
    change[:, :1] = True
    np.not_equal(labels[:, 1:], labels[:, :-1], out=change[:, 1:])
    starts = np.flatnonzero(change)
    lengths = np.diff(starts, append=labels.size)
    numbers = labels.reshape(-1)[starts]
    keep = numbers != 0
    return numbers[keep], starts[keep], lengths[keep]


def object_table(labels, shape=False):
    """Measure every labelled object: a column per measure, a row per object.

    Parameters
    ----------
    labels : (M, N) ndarray of int
        As :func:`label_objects` gives them: 1 ... ``count``, none missing.
    shape : bool, optional
        Also the :data:`SHAPE_PROPERTIES`.

    Returns
    -------
    table : dict of str to ndarray
        ``label``, ``area`` (the number of pixels), ``centroid_row``,
        ``centroid_col``, ``bbox_min_row``, ``bbox_min_col``,
        ``bbox_max_row``, ``bbox_max_col`` (the max exclusive) and
        ``equivalent_diameter`` (of the circle of the object's area), then
        with ``shape`` the :data:`SHAPE_PROPERTIES`. In pixels. Each is what
        ``skimage.measure.regionprops_table(labels, properties=...)`` gives
        (the tests check it to the digit: the centroids are sums of whole
        numbers, exact in float64, over the same count), but the size
        measures are summed here over the labels' runs
        (:func:`label_runs`): a twelfth of regionprops' time on a root
        photo.
    """
    labels = _check_labels(labels)
    numbers, starts, lengths = label_runs(labels)
    count = int(numbers.max()) if numbers.size else 0
    rows, cols = np.divmod(starts, labels.shape[1])
    size = count + 1
    area = np.bincount(numbers, lengths, size)[1:].astype(np.int64)
    if count and not area.all():
        raise ValueError("the labels must be numbered 1 ... count without gaps")
    # a run's columns c ... c + n - 1 sum to n (2c + n - 1) / 2, a whole number
    col_sums = lengths * (2 * cols + lengths - 1) // 2
    # the first and the last run of each object in raster order give its
    # rows' range (a later write wins)
    first = np.empty(size, dtype=np.int64)
    last = np.empty(size, dtype=np.int64)
    first[numbers[::-1]] = rows[::-1]
    last[numbers] = rows
    min_col = np.full(size, np.iinfo(np.int64).max)
    max_col = np.zeros(size, dtype=np.int64)
    np.minimum.at(min_col, numbers, cols)
    np.maximum.at(max_col, numbers, cols + lengths - 1)
    area_f = area.astype(float)
    table = {
        "label": np.arange(1, size, dtype=labels.dtype),
        "area": area,
        "centroid_row": np.bincount(numbers, rows * lengths, size)[1:] / area_f,
        "centroid_col": np.bincount(numbers, col_sums, size)[1:] / area_f,
        "bbox_min_row": first[1:],
        "bbox_min_col": min_col[1:],
        "bbox_max_row": last[1:] + 1,
        "bbox_max_col": max_col[1:] + 1,
        "equivalent_diameter": np.sqrt(4 * area_f / np.pi),
    }
    if shape:
        from skimage.measure import regionprops_table

        table.update(regionprops_table(labels, properties=SHAPE_PROPERTIES))
    return table


def area_statistics(areas):
    """The count and the mean, median and largest area of a set of objects.

    Parameters
    ----------
    areas : array_like of int
        Each object's area, in pixels.

    Returns
    -------
    stats : dict
        ``objects`` (the count), ``object_area_mean``,
        ``object_area_median``, ``object_area_max`` (floats; NaN where
        there is no object).
    """
    areas = np.asarray(areas, dtype=float).reshape(-1)
    if areas.size == 0:
        nan = float("nan")
        return {"objects": 0, "object_area_mean": nan, "object_area_median": nan,
                "object_area_max": nan}
    return {
        "objects": int(areas.size),
        "object_area_mean": float(areas.mean()),
        "object_area_median": float(np.median(areas)),
        "object_area_max": float(areas.max()),
    }


#: The per-image statistics, as :func:`area_statistics` names them.
OBJECT_STATISTICS = ("objects", "object_area_mean", "object_area_median", "object_area_max")


def measure_objects(mask, connectivity=2, min_area=1, filter_connectivity=None,
                    declump=False, declump_h=1.0, declump_smoothing=1.0,
                    pixel_size=None, max_objects=None, shape=False):
    """Count and measure a mask's objects, as the objects stage does.

    :func:`label_objects`, then, with ``declump``, :func:`declump`
    (``declump_h``, ``declump_smoothing``); the statistics of the objects'
    areas (:func:`area_statistics`, from the labels' pixel counts), and,
    unless there are more than ``max_objects``, :func:`object_table`.

    Parameters
    ----------
    mask : (M, N) ndarray of bool
    connectivity, min_area, filter_connectivity
        As :func:`label_objects`.
    declump : bool, optional
    declump_h, declump_smoothing : float, optional
        As :func:`declump`'s ``h`` and ``smoothing``.
    pixel_size : float or None, optional
        Millimetres per pixel: the statistics gain ``..._mm2`` keys and the
        table ``area_mm2`` and ``equivalent_diameter_mm`` columns.
    max_objects : int or None, optional
        Above this many objects no table is made (None: no limit).
    shape : bool, optional
        The table's shape measures too (:func:`object_table`).

    Returns
    -------
    labels : (M, N) ndarray of int
    stats : dict
        :data:`OBJECT_STATISTICS` (and their ``_mm2``).
    table : dict of str to ndarray, or None
        :func:`object_table`; None where the count is above ``max_objects``.
    """
    labels, count = label_objects(mask, connectivity, min_area, filter_connectivity)
    if declump and count:
        labels, count = _declump(labels, h=declump_h, smoothing=declump_smoothing,
                                 connectivity=connectivity)
    table = None
    if max_objects is None or count <= max_objects:
        table = object_table(labels, shape)
        areas = table["area"]
    else:
        numbers, _, lengths = label_runs(labels)
        areas = np.bincount(numbers, lengths, count + 1)[1:]
    stats = area_statistics(areas)
    if pixel_size is not None:
        square = float(pixel_size) ** 2
        for key in OBJECT_STATISTICS[1:]:
            stats[f"{key}_mm2"] = stats[key] * square
        if table is not None:
            table["area_mm2"] = table["area"] * square
            table["equivalent_diameter_mm"] = table["equivalent_diameter"] * float(pixel_size)
    return labels, stats, table


def label_preview(labels, factor):
    """The labels at a preview's scale, for a figure: every ``factor``-th
    pixel of every ``factor``-th row (the nearest label, not a mean), as
    16-bit labels (1 ... 65535, repeating above).

    Returns
    -------
    small : (ceil(M / factor), ceil(N / factor)) ndarray of uint16
    """
    labels = _check_labels(labels)
    if not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"factor must be an integer >= 1; got {factor!r}")
    small = labels[::factor, ::factor]
    return np.where(small > 0, (small - 1) % 65535 + 1, 0).astype(np.uint16)


def table_columns(with_areas=False, shape=False):
    """The columns of the objects table (``results/objects.csv`` before the
    metadata): ``image``, then :func:`object_table`'s in the order of
    :data:`SIZE_PROPERTIES` (and, with ``shape``, :data:`SHAPE_PROPERTIES`),
    then, ``with_areas``, ``area_mm2`` and ``equivalent_diameter_mm``
    (:func:`measure_objects`)."""
    expanded = {"centroid": ["centroid-0", "centroid-1"],
                "bbox": ["bbox-0", "bbox-1", "bbox-2", "bbox-3"]}
    properties = OBJECT_PROPERTIES if shape else SIZE_PROPERTIES
    names = [n for p in properties for n in expanded.get(p, [p])]
    columns = ["image", *(_RENAMED.get(name, name) for name in names)]
    return columns + (["area_mm2", "equivalent_diameter_mm"] if with_areas else [])
