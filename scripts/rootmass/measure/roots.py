"""Root traits from a mask: its skeleton, length, diameter, tips and branches.

Small pure functions (arrays in, arrays, numbers or plain data out). Nothing
here reads or writes files.

The traits follow RhizoVision Explorer's "broken roots" mode (skeleton,
distance transform along it, spurs pruned) but measure length differently:

    skeleton = thin_blocks(skeletonize_mask(mask))  # Zhang's, one pixel wide
    graph = trace_skeleton(skeleton)      # tips, junctions, ordered branches
    graph = prune_spurs(skeleton, radius) # tip branches that are edge noise
    traits = root_traits(mask)            # all of it

RhizoVision counts a skeleton's length as 1 per orthogonal and sqrt(2) per
diagonal step. On a straight line at 22.5 degrees that is 8.2 % long (the
steps zig-zag around the line), right only near 0 and 45 degrees. Here each
branch is ordered from one end to the other and its length is the sum of the
chords between every ``step``-th pixel: the zig-zag of single steps averages
out over a chord, and a chord of 8 pixels is within 0.3 % of the arc it
spans wherever a root's radius of curvature is 30 pixels or more. Each tip then
adds the root's radius there, because a skeleton stops about a radius short
of a root's end.

The skeleton is Zhang's thinning as ``skimage.morphology.skeletonize`` has
it (:func:`rootmass.measure.thinning.thin`, at a cost that follows the mask's area).
Its graph is built on its pixels alone (a table of their positions), so its
cost follows the skeleton's length, not the image's size: each branch walked
from its end by a loop compiled by Numba (``rootmass.measure._kernels``). The
distances at the skeleton are searched along the branches by another,
each pixel's search starting from the distance of the one before. These
compiled loops are the only implementation of each step (Numba is one of
the pinned packages); ``skeletonize`` and ``distance_transform_edt`` are
the tests' references.
"""

import numpy as np

from rootmass.measure._checks import _check_positive, _check_prune_length
from rootmass.measure._checks import check_mask as _check_mask
from rootmass.measure.skeleton import (CHORD_STEP, _image, _junction_edges, _junction_groups,
                                       _lookup, _nearest, _pixel_lengths, _prune, _thin_blocks,
                                       _tips, _trace, local_diameter)
from rootmass.measure.thinning import thin

__all__ = [
    "class_columns",
    "root_like",
    "root_traits",
    "mm_columns",
    "diameter_classes_of",
    "skeleton_preview",
    "ROOT_TRAITS",
]

#: The traits of :func:`root_traits`, in pixels (lengths, diameters,
#: surface area in square pixels, volume in cubic pixels).
ROOT_TRAITS = (
    "root_length",
    "root_tips",
    "root_branch_points",
    "root_diameter_mean",
    "root_diameter_median",
    "root_diameter_max",
    "root_surface_area",
    "root_volume",
)


def _check_classes(classes):
    """The diameter classes' boundaries as floats; ValueError unless they
    are at least one number >= 0, increasing."""
    bounds = np.asarray(classes, dtype=float).reshape(-1)
    if bounds.size == 0 or (bounds < 0).any() or (np.diff(bounds) <= 0).any():
        raise ValueError(
            f"diameter classes must be increasing numbers >= 0; got {list(classes)!r}"
        )
    return bounds


def class_columns(classes, unit="px"):
    """The names of the lengths by diameter class: ``root_length_d<low>-<high><unit>``
    for each class, ``root_length_d<low><unit>+`` for the last (open) one.

    >>> class_columns([0, 0.5, 1, 2], "mm")
    ['root_length_d0-0.5mm', 'root_length_d0.5-1mm', 'root_length_d1-2mm', 'root_length_d2mm+']
    """
    bounds = [f"{float(b):g}" for b in _check_classes(classes)] if len(classes) else []
    names = [f"root_length_d{low}-{high}{unit}" for low, high in zip(bounds, bounds[1:])]
    return names + [f"root_length_d{bounds[-1]}{unit}+"] if bounds else []


def root_like(mask, skeleton, lengths, diameters, min_area=0, min_elongation=0):
    """The mask without its objects that are not root-like: too small, or too
    compact for a root (a seed, a written number, a label).

    Parameters
    ----------
    mask : (M, N) ndarray of bool
    skeleton : (K,) ndarray of int
        The flat indices of the mask's pruned skeleton's pixels.
    lengths, diameters : (K,) ndarray of float
        Each skeleton pixel's length and local diameter
        (:func:`~rootmass.measure.skeleton.pixel_lengths`,
        :func:`~rootmass.measure.skeleton.local_diameter`).
    min_area : float, optional
        An object (an 8-connected component of the mask) of fewer pixels is
        left out; 0: none.
    min_elongation : float, optional
        An object whose skeleton length over its mean diameter (the
        diameters' mean weighted by length) is smaller is left out; an
        object without a skeleton has 0; 0: none. A root 40 pixels long
        and 8 wide has 5; a round seed about 1.

    Returns
    -------
    kept : (M, N) ndarray of bool or None
        The mask of the objects kept; None where every object is kept.
    left_out : int
        How many objects were left out.
    """
    from scipy.ndimage import label

    labels, count = label(mask, structure=np.ones((3, 3), dtype=bool))
    area = np.bincount(labels.reshape(-1), minlength=count + 1)
    which = labels.reshape(-1)[skeleton]
    length = np.bincount(which, lengths, count + 1)
    weighted = np.bincount(which, lengths * diameters, count + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        # length / (weighted / length); no width (one-pixel lines): infinite
        elongation = np.where(weighted > 0, length * length / weighted,
                              np.where(length > 0, np.inf, 0.0))
    keep = (area >= min_area) & (elongation >= min_elongation)
    keep[0] = False
    left_out = count - int(np.count_nonzero(keep))
    return (keep[labels] if left_out else None), left_out


def root_traits(mask, prune_length=6.0, classes=(), classes_mm=(), pixel_size=None,
                step=CHORD_STEP, distance=None, min_area=0, min_elongation=0, regions=None):
    """Measure a mask's roots.

    Parameters
    ----------
    mask : (M, N) ndarray of bool
    prune_length : float, optional
        As :func:`prune_spurs`, in pixels.
    classes : sequence of float, optional
        The diameter classes' lower bounds in pixels, increasing: a class
        from each bound to the next, the last open. Each class's length (of
        the skeleton whose local diameter is in it) is a trait named by
        :func:`class_columns`.
    classes_mm : sequence of float, optional
        The same in mm; they need ``pixel_size``.
    pixel_size : float or None, optional
        Millimetres per pixel: every trait but the counts gains a ``_mm``
        (lengths, diameters), ``_mm2`` (surface area) or ``_mm3`` (volume)
        twin.
    step : int, optional
        As :func:`branch_lengths`.
    distance : (M, N) ndarray of float, optional
        ``scipy.ndimage.distance_transform_edt(mask)``, if the caller has it
        (else :func:`skeleton_distances`, the same at the skeleton).
    min_area, min_elongation : float, optional
        Objects that are not root-like are left out of every trait, as
        :func:`root_like` finds them (0 and 0: none). The traits are then
        those of the mask without them, measured again.
    regions : tuple, optional
        ``(labels, count)``: an (M, N) int array, 0 outside every region and
        ``k`` in the ``k``-th of ``count`` regions
        (:func:`rootmass.regions.layout.region_labels`). The traits are then
        also split by region (a fourth return value).

    Returns
    -------
    traits : dict
        :data:`ROOT_TRAITS` (NaN diameters without a skeleton), then the
        lengths by class in pixels (``root_length_d0-3px``, ...), then, with
        ``pixel_size``, the twins in mm of all of these
        (:func:`mm_columns`), then the lengths by class in mm, in mm
        (``root_length_d0-0.5mm_mm``, ...).
    skeleton : (M, N) ndarray of bool
        The pruned skeleton.
    diameters : ndarray of float
        The local diameter at each of the skeleton's pixels (in raster
        order), in pixels.
    by_region : list of dict
        With ``regions`` only: each region's traits, as ``traits``, of the
        skeleton's pixels inside it (the skeleton is the whole mask's, so
        the regions' lengths, surface areas and volumes add up to the
        image's; a tip or a group of junction pixels counts in the region of
        its first pixel).

    Notes
    -----
    With ``l`` each skeleton pixel's length (:func:`pixel_lengths`) and
    ``d`` its local diameter (:func:`local_diameter`): ``root_length`` is
    ``sum(l)``, ``root_surface_area`` ``sum(pi d l)``, ``root_volume``
    ``sum(pi (d / 2)**2 l)``; the diameter statistics are over the skeleton's
    pixels; ``root_tips`` counts pixels of one skeleton neighbour (a speck's
    single pixel counts twice), ``root_branch_points`` the connected groups
    of pixels of three or more.
    """
    mask = _check_mask(mask)
    if pixel_size is not None:
        _check_positive("pixel_size", pixel_size)
    if len(classes_mm) and pixel_size is None:
        raise ValueError("diameter classes in mm need a pixel_size")
    sets = [(_check_classes(c), unit) for c, unit in ((classes, "px"), (classes_mm, "mm"))
            if len(c)]
    _check_prune_length(prune_length)
    for name, value in (("min_area", min_area), ("min_elongation", min_elongation)):
        if isinstance(value, bool) or not value >= 0:
            raise ValueError(f"{name} must be a number >= 0; got {value!r}")
    whole = distance
    skeleton, edge = thin(mask)
    table = _lookup(mask.shape)
    skeleton = _thin_blocks(skeleton, mask.shape, table)
    graph = _trace(skeleton, mask.shape, table)
    if distance is None:  # searched along the branches
        distance = _nearest(skeleton, edge, mask, order=graph["paths"])
    else:
        distance = np.asarray(distance, dtype=float).reshape(-1)[skeleton]
    skeleton, distance, graph = _prune(skeleton, distance, mask.shape, prune_length, step,
                                       table=table, graph=graph)
    lengths = _pixel_lengths(graph, distance, step, table)
    diameters = np.maximum(local_diameter(distance), 0)
    if min_area > 0 or min_elongation > 0:
        kept, _ = root_like(mask, skeleton, lengths, diameters, min_area, min_elongation)
        if kept is not None:  # (the distances to the background stay the same)
            return root_traits(kept, prune_length, classes, classes_mm, pixel_size, step,
                               whole, regions=regions)
    traits = _traits_of(diameters, lengths, _tips(graph).size, _junction_groups(graph, table))
    _with_classes(traits, sets, diameters, lengths, pixel_size)
    image = _image(skeleton, mask.shape)
    if regions is None:
        return traits, image, diameters
    by_region = _by_region(regions, graph, table, diameters, lengths)
    for own, (d, l) in by_region:
        _with_classes(own, sets, d, l, pixel_size)
    return traits, image, diameters, [own for own, _ in by_region]


def _traits_of(diameters, lengths, tips, branch_points):
    """:data:`ROOT_TRAITS` of skeleton pixels of these diameters and lengths."""
    has, nan = diameters.size > 0, float("nan")
    return {"root_length": float(lengths.sum()), "root_tips": int(tips),
            "root_branch_points": int(branch_points),
            "root_diameter_mean": float(diameters.mean()) if has else nan,
            "root_diameter_median": float(np.median(diameters)) if has else nan,
            "root_diameter_max": float(diameters.max()) if has else nan,
            "root_surface_area": float((np.pi * diameters * lengths).sum()),
            "root_volume": float((np.pi * (diameters / 2) ** 2 * lengths).sum())}


def _with_classes(traits, sets, diameters, lengths, pixel_size):
    """Add to ``traits`` the lengths by diameter class and, with a pixel
    size, every trait's twin in mm."""
    scale = 1.0 if pixel_size is None else float(pixel_size)
    by_class = {}
    for bounds, unit in sets:
        which = np.searchsorted(bounds, diameters * scale if unit == "mm" else diameters,
                                side="right") - 1
        inside = which >= 0
        per_class = np.bincount(which[inside], lengths[inside], bounds.size)
        by_class[unit] = dict(zip(class_columns(bounds, unit), per_class.tolist()))
    traits.update(by_class.get("px", {}))
    if pixel_size is not None:
        for key in mm_columns(list(traits)):
            base = key.rsplit("_", 1)[0]
            power = {"_mm2": 2, "_mm3": 3}.get(key[len(base):], 1)
            traits[key] = traits[base] * scale**power
        # classes in mm: their lengths in mm only
        traits.update({f"{name}_mm": value * scale for name, value in
                       by_class.get("mm", {}).items()})


def _by_region(regions, graph, table, diameters, lengths):
    """Each region's traits (:data:`ROOT_TRAITS`) and its skeleton pixels'
    diameters and lengths, from the whole skeleton's."""
    from scipy.sparse.csgraph import connected_components

    labels, count = regions
    labels = np.asarray(labels)
    if labels.shape != tuple(graph["shape"]):
        raise ValueError(f"the regions are {labels.shape}, the mask {tuple(graph['shape'])}")
    where = labels.reshape(-1)[graph["index"]].astype(np.int64)
    tips = np.bincount(where[_tips(graph)], minlength=count + 1)
    junctions, edges = _junction_edges(graph, table)
    groups = np.zeros(count + 1, dtype=int)
    if junctions.size:
        group = connected_components(edges, directed=False)[1]
        _, first = np.unique(group, return_index=True)
        groups = np.bincount(where[junctions[first]], minlength=count + 1)
    order = np.argsort(where, kind="stable")
    bounds = np.searchsorted(where[order], np.arange(count + 2))
    found = []
    for k in range(1, count + 1):
        mine = order[bounds[k]:bounds[k + 1]]
        d, l = diameters[mine], lengths[mine]
        own = _traits_of(d, l, tips[k], groups[k])
        found.append((own, (d, l)))
    return found


def mm_columns(columns):
    """The names of the twins in mm of trait columns (``root_tips`` and
    ``root_branch_points`` have none), as :func:`root_traits` names them."""
    suffix = {"root_surface_area": "_mm2", "root_volume": "_mm3"}
    return [c + suffix.get(c, "_mm") for c in columns
            if c not in ("root_tips", "root_branch_points")]


def diameter_classes_of(diameters, classes):
    """Each diameter's class: 1 for the first, ... (0 below the first
    bound), as uint8, for a figure's colours.

    Parameters
    ----------
    diameters : array_like of float
        In the classes' unit.
    classes : sequence of float
        The classes' lower bounds, increasing (at most 254).
    """
    bounds = _check_classes(classes)
    if bounds.size > 254:
        raise ValueError(f"at most 254 diameter classes; got {bounds.size}")
    return np.searchsorted(bounds, np.asarray(diameters, dtype=float),
                           side="right").astype(np.uint8)


def skeleton_preview(skeleton, values, factor):
    """A skeleton at a preview's scale: each ``factor`` x ``factor`` block the
    largest value of its skeleton pixels (0 where it has none), so that a
    line one pixel wide still shows.

    Parameters
    ----------
    skeleton : (M, N) ndarray of bool
    values : ndarray of uint8
        Per skeleton pixel, in raster order (:func:`diameter_classes_of`).
    factor : int
        >= 1.

    Returns
    -------
    preview : (ceil(M / factor), ceil(N / factor)) ndarray of uint8
    """
    skeleton = _check_mask(skeleton)
    _check_positive("factor", factor, integer=True)
    rows, cols = np.nonzero(skeleton)
    values = np.asarray(values, dtype=np.uint8).reshape(-1)
    if values.size != rows.size:
        raise ValueError(f"{values.size} values for {rows.size} skeleton pixels")
    shape = (-(-skeleton.shape[0] // factor), -(-skeleton.shape[1] // factor))
    preview = np.zeros(shape, dtype=np.uint8)
    np.maximum.at(preview, (rows // factor, cols // factor), values)
    return preview
