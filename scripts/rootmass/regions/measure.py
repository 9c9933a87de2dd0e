"""What each region of an image holds: its pixels and mean colour, its
foreground, its objects. Every function takes the regions' labels
(:func:`rootmass.regions.layout.region_labels`) and returns one value per
region, in the labels' order, in a pass over the image (``numpy.bincount``):
its cost does not grow with the number of regions."""

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
        (means NaN for a region without a pixel in the image). An integer
        image's sums are exact, so each mean is numpy's ``mean`` of the
        region's pixels.
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
    whole = np.int64 if colour.dtype.kind in "uib" else np.float64
    for k in range(regions.count):
        pixels = regions.values(colour, k)
        n = len(pixels)
        found["region_pixels"].append(n)
        sums = pixels.sum(axis=0, dtype=whole) if n else np.full(3, np.nan)
        sums = np.repeat(sums, 3) if colour.ndim == 2 else sums
        for name, value in zip(COLOUR_COLUMNS[1:4], np.asarray(sums, dtype=float)):
            found[name].append(float(value / n) if n else float("nan"))
        shade = float("nan")
        if gray is not None and n:
            shade = float(regions.values(gray, k).sum(dtype=np.float64) / n / top)
        found["mean_gray"].append(shade)
    return found


def region_foreground(regions, mask):
    """Each region's foreground pixels (of the boolean ``mask``), as a list
    of ints."""
    if np.shape(mask) != regions.shape:
        raise ValueError(f"the mask is {np.shape(mask)}, the regions' {regions.shape}")
    return [int(np.count_nonzero(regions.values(mask, k))) for k in range(regions.count)]


def region_objects(objects, regions):
    """Each region's objects: a mask's objects (its labelled connected
    components) counted in the region that holds most of each one's pixels
    (the first such region on a tie; none where more of it lies outside
    every region).

    Parameters
    ----------
    objects : (M, N) ndarray of int
        The objects' labels, 0 for the background (as
        :func:`rootmass.measure.objects.measure_objects` returns them).
    regions : DrawnRegions

    Returns
    -------
    dict
        ``objects`` (the count), ``object_area_mean``, ``object_area_median``
        and ``object_area_max`` (pixels; NaN without an object), each a list
        of ``regions.count`` values.
    """
    objects = np.asarray(objects)
    if objects.shape != regions.shape:
        raise ValueError(f"the objects are {objects.shape}, the regions' {regions.shape}")
    count = regions.count
    stats = {"objects": [0] * count, "object_area_mean": [np.nan] * count,
             "object_area_median": [np.nan] * count, "object_area_max": [np.nan] * count}
    parts = []
    for k in range(count):
        values = regions.values(objects, k)
        which, shared = np.unique(values[values > 0], return_counts=True)
        parts.append(np.stack([which, np.full(which.size, k), shared]))
    found = np.concatenate(parts, axis=1) if parts else np.zeros((3, 0), dtype=int)
    if found.shape[1] == 0:
        return stats
    obj, reg, shared = found.astype(np.int64)
    areas = np.bincount(objects.reshape(-1), minlength=int(obj.max()) + 1)
    # per object, the region of most pixels (by object, then most, then first region)
    order = np.lexsort((reg, -shared, obj))
    first = order[np.r_[True, obj[order][1:] != obj[order][:-1]]]
    inside = np.bincount(obj, shared, minlength=areas.size)
    keep = shared[first] >= areas[obj[first]] - inside[obj[first]]  # not more outside
    obj, reg = obj[first][keep], reg[first][keep]
    size = areas[obj].astype(float)
    order = np.lexsort((size, reg))
    reg, size = reg[order], size[order]
    starts = np.flatnonzero(np.r_[True, reg[1:] != reg[:-1]])
    for start, end in zip(starts, np.r_[starts[1:], reg.size]):
        r, part = int(reg[start]), size[start:end]
        stats["objects"][r] = int(part.size)
        stats["object_area_mean"][r] = float(part.mean())
        stats["object_area_median"][r] = float(np.median(part))
        stats["object_area_max"][r] = float(part[-1])
    return stats
