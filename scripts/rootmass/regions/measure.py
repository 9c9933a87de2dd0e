"""What each region of an image holds: its pixels and mean colour, its
foreground, its objects. Every function takes the regions as drawn
(:func:`rootmass.regions.layout.draw_regions`) and returns one value per
region, in their order; a region's values are read from its bounding box
alone (a matrix product of its pixels' weights), so the cost follows the
regions' area, not the image's."""

import numpy as np

__all__ = ["COLOUR_COLUMNS", "region_colours", "region_foreground", "region_objects"]

#: The columns of :func:`region_colours`.
COLOUR_COLUMNS = ("region_pixels", "mean_red", "mean_green", "mean_blue", "mean_gray")


def region_colours(regions, colour, gray=None):
    """Each region's pixel count and mean colour.

    Parameters
    ----------
    regions : DrawnRegions
        :func:`rootmass.regions.layout.draw_regions`.
    colour : (M, N, 3) or (M, N) ndarray
        The image as read (a gray image: its value for R, G and B; a fourth
        channel, alpha, is passed over), in its own units (0 to 255 for an
        8-bit image).
    gray : (M, N) ndarray, optional
        The grayscale the run thresholds (its chosen channel, before the
        blur): its mean is ``mean_gray``, from 0 to 1 (an integer image
        scaled as ``skimage.util.img_as_float`` scales it).

    Returns
    -------
    dict
        :data:`COLOUR_COLUMNS`, each a list of ``regions.count`` values
        (None for the means of a region without a pixel in the image). An
        integer image's sums are exact, so each mean is numpy's ``mean`` of
        the region's pixels.
    """
    colour = np.asarray(colour)
    if colour.shape[:2] != regions.shape:
        raise ValueError(f"the image is {colour.shape[:2]}, the regions' {regions.shape}")
    if colour.ndim == 3:
        colour = colour[..., :3]
    top = 1
    if gray is not None:
        gray = np.asarray(gray)
        top = np.iinfo(gray.dtype).max if gray.dtype.kind in "ui" else 1
    found = {name: [] for name in COLOUR_COLUMNS}
    for k in range(regions.count):
        n = regions.pixels(k)
        found["region_pixels"].append(n)
        sums = np.broadcast_to(regions.sums(colour, k), (3,)) if n else [None] * 3
        for name, value in zip(COLOUR_COLUMNS[1:4], sums):
            found[name].append(None if value is None else float(value / n))
        shade = float(regions.sums(gray, k) / n / top) if gray is not None and n else None
        found["mean_gray"].append(shade)
    return found


def region_foreground(regions, mask):
    """Each region's foreground pixels (of the boolean ``mask``), as a list
    of ints."""
    if np.shape(mask) != regions.shape:
        raise ValueError(f"the mask is {np.shape(mask)}, the regions' {regions.shape}")
    mask = np.asarray(mask, dtype=bool).view(np.uint8)
    return [int(regions.sums(mask, k)) for k in range(regions.count)]


def region_objects(regions, rows, columns, areas):
    """Each region's objects: a mask's objects counted in the region that
    holds each one's centroid.

    Parameters
    ----------
    regions : DrawnRegions
    rows, columns : (K,) array of float
        The objects' centroids (as
        :func:`rootmass.measure.objects.object_table` gives them).
    areas : (K,) array of int
        Their areas, in pixels.

    Returns
    -------
    dict
        ``objects`` (the count), ``object_area_mean``, ``object_area_median``
        and ``object_area_max`` (pixels; None without an object), each a list
        of ``regions.count`` values.
    """
    rows, columns = np.rint(rows).astype(np.intp), np.rint(columns).astype(np.intp)
    areas = np.asarray(areas, dtype=float)
    which = regions.at(rows, columns)
    order = np.lexsort((areas, which))
    which, areas = which[order], areas[order]
    stats = {"objects": [0] * regions.count, "object_area_mean": [None] * regions.count,
             "object_area_median": [None] * regions.count,
             "object_area_max": [None] * regions.count}
    bounds = np.searchsorted(which, np.arange(1, regions.count + 2))
    for r in range(regions.count):
        part = areas[bounds[r]:bounds[r + 1]]
        if part.size:
            stats["objects"][r] = int(part.size)
            stats["object_area_mean"][r] = float(part.mean())
            stats["object_area_median"][r] = float(np.median(part))
            stats["object_area_max"][r] = float(part[-1])
    return stats
