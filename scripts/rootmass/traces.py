"""Hand-traced roots as truth: RSML files, and a mask scored along them.

RSML (Root System Markup Language, Lobet et al. 2015) is the format of
RootNav, SmartRoot, RootTracer and ChronoRoot: one ``<root>`` per root,
nested for laterals, each with a ``<geometry>`` holding either a
``<polyline>`` of ``<point x= y=>`` or RootNav's ``<rootnavspline>`` of
control points (attributes ``tension`` and ``controlpointseparation``).

A root's traced path is its polyline as given; for a ``rootnavspline``,
the curve RootNav itself draws through the control points (by default, see
:func:`root_path`): a cardinal spline of tangent ``(1 - tension) / 2`` times
the chord of the neighbouring points, the ends reflected, sampled at
``controlpointseparation`` points between control points. On the 89
shared barley photos (1,318 roots) the spline is 0.08 % longer than the
polyline through the same points, at most 0.22 % on a photo
(``config/README.md``).

A mask is scored against the traces with a tolerance of ``tolerance``
pixels (Euclidean):

- ``trace_recall``: the share of the traced length within ``tolerance`` of
  a pixel of the mask (the trace sampled every half pixel, each sample
  weighted by its share of the length);
- ``trace_precision``: the share of the mask's skeleton pixels (the pruned
  skeleton the root length is measured on) within ``tolerance`` of a trace;
- ``trace_f1``: their harmonic mean, the "centreline F1" of road and vessel
  extraction;
- ``tip_recall``: the share of the traced tips (each root's last point)
  within ``tolerance`` of a pixel of the mask.

Small pure functions, as in :mod:`rootmass.evaluation`; only
:func:`read_rsml` reads a file.
"""

import math
import xml.etree.ElementTree as ElementTree

import numpy as np

__all__ = [
    "TRACE_COLUMNS",
    "TRACE_TOLERANCE",
    "is_rsml",
    "read_rsml",
    "root_path",
    "path_length",
    "traced_summary",
    "prepare_traces",
    "trace_pixels",
    "trace_scores",
]

#: The columns of a mask scored against traces, in ``results/evaluation.csv``'s
#: order (the traced length is also the row's ``truth_length``).
TRACE_COLUMNS = ("traced_length", "traced_roots", "traced_tips", "trace_recall",
                 "trace_precision", "trace_f1", "tip_recall")
#: The default tolerance, in pixels: about a root's radius on a 2-megapixel
#: photo of barley seedlings, where hand traces stray from the root's middle
#: by a few pixels.
TRACE_TOLERANCE = 5.0
#: The units an RSML file's coordinates may be in (the photo's pixels).
_PIXEL_UNITS = ("", "pixel", "pixels", "px")


def is_rsml(path):
    """Whether a truth file is an RSML file (by its extension, ``.rsml``)."""
    return str(path).lower().endswith(".rsml")


def _local(tag):
    """A tag without its XML namespace."""
    return tag.rsplit("}", 1)[-1]


def _child(element, name):
    return next((c for c in element if _local(c.tag) == name), None)


def _points(element, path):
    points = []
    for point in element:
        if _local(point.tag) != "point":
            continue
        try:
            points.append((float(point.attrib["y"]), float(point.attrib["x"])))
        except (KeyError, ValueError):
            raise ValueError(f"RSML file {path!r}: a point without numbers x and y:"
                             f" {point.attrib}") from None
    return points


def read_rsml(path):
    """Read the roots of an RSML file.

    Parameters
    ----------
    path : str
        An RSML file whose coordinates are in the image's pixels (its
        ``<unit>`` is ``pixel``, or absent).

    Returns
    -------
    roots : list of dict
        One per ``<root>`` with a geometry (laterals included), in the
        file's order: ``id`` (its ``ID``, or its position), ``label``,
        ``points``, an (K, 2) array of (row, column) = (y, x), and
        ``spline``, ``{"tension": float, "separation": int}`` for a
        ``rootnavspline``, None for a ``polyline``.

    Raises
    ------
    ValueError
        In one line naming the file: it cannot be read as XML, is not RSML,
        has coordinates in another unit, or a point is not numeric.
    """
    try:
        tree = ElementTree.parse(path)
    except (OSError, ElementTree.ParseError) as error:
        raise ValueError(f"cannot read RSML file {path!r}: {error}") from None
    top = tree.getroot()
    if _local(top.tag) != "rsml":
        raise ValueError(f"RSML file {path!r}: its root element is <{_local(top.tag)}>,"
                         " not <rsml>")
    metadata = _child(top, "metadata")
    unit = _child(metadata, "unit") if metadata is not None else None
    unit = (unit.text or "").strip().lower() if unit is not None else ""
    if unit not in _PIXEL_UNITS:
        raise ValueError(f"RSML file {path!r}: its coordinates are in {unit!r}; only"
                         " pixels of the image are read (<unit>pixel</unit>)")
    roots = []
    for number, root in enumerate(e for e in top.iter() if _local(e.tag) == "root"):
        geometry = _child(root, "geometry")
        if geometry is None:
            continue
        line = _child(geometry, "polyline")
        spline = _child(geometry, "rootnavspline")
        chosen = line if line is not None else spline
        if chosen is None:
            continue
        points = _points(chosen, path)
        if not points:
            continue
        shape = None
        if chosen is spline:
            try:
                shape = {"tension": float(spline.attrib.get("tension", 0.5)),
                         "separation": int(float(spline.attrib.get("controlpointseparation",
                                                                   40)))}
            except ValueError:
                raise ValueError(f"RSML file {path!r}: a rootnavspline's tension or"
                                 f" controlpointseparation is not a number:"
                                 f" {spline.attrib}") from None
        roots.append({"id": root.attrib.get("ID", root.attrib.get("id", str(number + 1))),
                      "label": root.attrib.get("label", ""),
                      "points": np.array(points, dtype=float).reshape(-1, 2),
                      "spline": shape})
    return roots


def root_path(root, spline=True):
    """A root's traced path as a polyline.

    Parameters
    ----------
    root : dict
        One of :func:`read_rsml`'s.
    spline : bool, optional
        For a ``rootnavspline``: True, the curve RootNav draws (a cardinal
        spline through the control points, sampled as RootNav samples it,
        see the module's notes); False, the polyline through the control
        points. A polyline is returned as it is either way.

    Returns
    -------
    path : (L, 2) ndarray of float
        (row, column) points.
    """
    points = np.asarray(root["points"], dtype=float)
    shape = root.get("spline")
    if not spline or shape is None or len(points) < 2:
        return points
    s = (1 - shape["tension"]) / 2
    count = max(3, round(shape["separation"]))
    # each segment's four points: the one before, its ends, the one after
    # (reflected at the ends of the root)
    padded = np.concatenate([[2 * points[0] - points[1]], points,
                             [2 * points[-1] - points[-2]]])
    p1, p2, p3, p4 = (padded[k:k + len(points) - 1] for k in range(4))
    t = ((np.arange(count) + 1.0) / (count + 1.0))[None, :, None]
    t2, t3 = t * t, t * t * t
    inner = (s * (-t3 + 2 * t2 - t) * p1[:, None] + s * (-t3 + t2) * p2[:, None]
             + (2 * t3 - 3 * t2 + 1) * p2[:, None] + s * (t3 - 2 * t2 + t) * p3[:, None]
             + (-2 * t3 + 3 * t2) * p3[:, None] + s * (t3 - t2) * p4[:, None])
    segments = np.concatenate([points[:-1, None], inner], axis=1).reshape(-1, 2)
    return np.concatenate([segments, points[-1:]])


def path_length(path):
    """The length of a polyline: the sum of its segments' lengths."""
    path = np.asarray(path, dtype=float)
    return float(np.hypot(*np.diff(path, axis=0).T).sum()) if len(path) > 1 else 0.0


def traced_summary(roots, spline=True):
    """The traced length, roots and tips of an RSML file's roots.

    Returns
    -------
    dict
        ``traced_length`` (pixels, the sum of :func:`path_length` of each
        :func:`root_path`), ``traced_roots`` and ``traced_tips`` (the
        distinct last points of the roots: two roots traced to one end
        are one tip).
    """
    return _summary(roots, [root_path(r, spline) for r in roots])


def _summary(roots, paths):
    return {"traced_length": math.fsum(path_length(p) for p in paths),
            "traced_roots": len(roots),
            "traced_tips": len({tuple(r["points"][-1]) for r in roots})}


def _disk(tolerance):
    radius = int(math.floor(tolerance))
    rows, cols = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    keep = rows**2 + cols**2 <= tolerance**2
    return rows[keep], cols[keep]


def _within(mask, pixels, tolerance):
    """Whether each (row, column) pixel has a pixel of `mask` within
    `tolerance` (pixels outside the image have none)."""
    near = np.zeros(len(pixels), dtype=bool)
    if not len(pixels):
        return near
    height, width = mask.shape
    for dr, dc in zip(*_disk(tolerance)):
        r, c = pixels[:, 0] + dr, pixels[:, 1] + dc
        inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
        hit = np.zeros(len(pixels), dtype=bool)
        hit[inside] = mask[r[inside], c[inside]]
        near |= hit
    return near


def prepare_traces(roots, shape, tolerance=TRACE_TOLERANCE, roi=None, spline=True):
    """What :func:`trace_scores` needs of an image's traces, made once.

    Parameters
    ----------
    roots : list of dict
        :func:`read_rsml`'s.
    shape : tuple of int
        The image's (rows, columns).
    tolerance : float, optional
        In pixels, > 0.
    roi : (M, N) ndarray of bool or None, optional
        Only the traces' parts and tips inside it are scored (the traced
        length then is the length inside it).
    spline : bool, optional
        As :func:`root_path`.

    Returns
    -------
    traces : dict
        ``pixels`` (P, 2) int, the pixels the traces pass through, and
        ``weights`` (P,), the traced length in each; ``tips`` (T, 2) int;
        ``near``, an (M, N) bool image of the pixels within ``tolerance``
        of a trace; ``tolerance``; and :func:`traced_summary`'s numbers.
    """
    tolerance = float(tolerance)
    if not tolerance > 0 or not math.isfinite(tolerance):
        raise ValueError(f"tolerance must be a number > 0; got {tolerance!r}")
    height, width = shape
    paths = [root_path(r, spline) for r in roots]
    pixels, summed = _sampled_pixels(paths, shape)
    tips = np.array(sorted({tuple(np.rint(r["points"][-1]).astype(int)) for r in roots}),
                    dtype=np.intp).reshape(-1, 2)
    tips = tips[(tips[:, 0] >= 0) & (tips[:, 0] < height) & (tips[:, 1] >= 0)
                & (tips[:, 1] < width)]
    if roi is not None:
        roi = np.asarray(roi, dtype=bool)
        keep = roi[pixels[:, 0], pixels[:, 1]]
        pixels, summed = pixels[keep], summed[keep]
        tips = tips[roi[tips[:, 0], tips[:, 1]]]
    drawn = np.zeros(shape, dtype=bool)
    drawn[pixels[:, 0], pixels[:, 1]] = True
    from scipy.ndimage import distance_transform_edt

    near = distance_transform_edt(~drawn) <= tolerance if pixels.size else drawn
    summary = _summary(roots, paths)
    if roi is not None:
        summary.update(traced_length=float(summed.sum()), traced_tips=len(tips))
    return {"pixels": pixels, "weights": summed, "tips": tips, "near": near,
            "tolerance": tolerance, **summary}


def trace_pixels(roots, shape, spline=True):
    """The pixels an image's traces pass through, and the traced length in
    each: the traces (:func:`root_path`) sampled every half pixel, each
    sample rounded to its pixel; those outside the image left out.

    Returns
    -------
    pixels : (P, 2) ndarray of int
        (row, column), each pixel once, in raster order.
    lengths : (P,) ndarray of float
    """
    return _sampled_pixels([root_path(r, spline) for r in roots], shape)


def _sampled_pixels(paths, shape):
    height, width = shape
    samples, weights = [np.empty((0, 2))], [np.empty(0)]
    for path in paths:
        if len(path) < 2:
            continue
        steps = np.hypot(*np.diff(path, axis=0).T)
        for start, step, length in zip(path[:-1], np.diff(path, axis=0), steps):
            count = max(1, math.ceil(length / 0.5))  # a sample every half pixel
            t = (np.arange(count) + 0.5) / count
            samples.append(start + t[:, None] * step)
            weights.append(np.full(count, length / count))
    points, weight = np.concatenate(samples), np.concatenate(weights)
    pixels = np.rint(points).astype(np.intp)
    inside = ((pixels[:, 0] >= 0) & (pixels[:, 0] < height) & (pixels[:, 1] >= 0)
              & (pixels[:, 1] < width))
    pixels, weight = pixels[inside], weight[inside]
    # the same pixel sampled more than once: one pixel with their weights
    flat = pixels[:, 0] * width + pixels[:, 1]
    unique, index = np.unique(flat, return_inverse=True)
    summed = np.bincount(index, weight, unique.size)
    return np.stack([unique // width, unique % width], axis=1), summed


def trace_scores(mask, skeleton, traces):
    """A mask scored along an image's traces.

    Parameters
    ----------
    mask : (M, N) ndarray of bool
    skeleton : (M, N) ndarray of bool
        The mask's skeleton (the root length's pruned skeleton,
        :func:`rootmass.measure.roots.root_traits`).
    traces : dict
        :func:`prepare_traces`'s, of the same shape.

    Returns
    -------
    scores : dict
        ``trace_recall``, ``trace_precision``, ``trace_f1`` and
        ``tip_recall`` (see the module's notes): None where there is nothing
        to take the share of (no trace, no skeleton, no tip), and
        ``trace_f1`` 0 where both shares are 0.
    """
    mask, skeleton = np.asarray(mask, dtype=bool), np.asarray(skeleton, dtype=bool)
    if mask.shape != traces["near"].shape or skeleton.shape != mask.shape:
        raise ValueError(f"the mask is {mask.shape}, its skeleton {skeleton.shape} and"
                         f" the traces' image {traces['near'].shape}")
    tolerance = traces["tolerance"]
    total = float(traces["weights"].sum())
    found = _within(mask, traces["pixels"], tolerance)
    recall = float(traces["weights"][found].sum()) / total if total > 0 else None
    on_skeleton = int(np.count_nonzero(skeleton))
    precision = (int(np.count_nonzero(skeleton & traces["near"])) / on_skeleton
                 if on_skeleton else None)
    if recall is None or precision is None:
        f1 = None
    else:
        f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    tips = traces["tips"]
    tip_recall = float(_within(mask, tips, tolerance).mean()) if len(tips) else None
    return {"trace_recall": recall, "trace_precision": precision, "trace_f1": f1,
            "tip_recall": tip_recall}
