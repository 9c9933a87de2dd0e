"""A mask's skeleton and its graph: the steps of the root traits
(:func:`rootmass.measure.roots.root_traits`).

    skeleton = thin_blocks(skeletonize_mask(mask))  # Zhang's, one pixel wide
    graph = trace_skeleton(skeleton)      # tips, junctions, ordered branches
    graph = prune_spurs(skeleton, radius) # tip branches that are edge noise

The skeleton is Zhang's thinning as ``skimage.morphology.skeletonize`` has
it (:func:`rootmass.measure.thinning.thin`). The graph is built on the
skeleton's pixels alone (a table of their positions), so its cost follows
the skeleton's length, not the image's size: each branch walked from its
end by a loop compiled by Numba (``rootmass.measure._kernels``), the
distances at the skeleton searched along the branches by another. These
compiled loops are the only implementation of each step; ``skeletonize``
and ``distance_transform_edt`` are the tests' references. Arrays in,
arrays or plain data out; nothing here reads or writes files.
"""

import numpy as np

from rootmass.measure._checks import _check_positive, _check_prune_length
from rootmass.measure._checks import check_mask as _check_mask
from rootmass.measure.thinning import _kernel, thin

__all__ = [
    "CHORD_STEP",
    "skeletonize_mask",
    "thin_blocks",
    "skeleton_distances",
    "local_diameter",
    "trace_skeleton",
    "branch_lengths",
    "prune_spurs",
    "pixel_lengths",
]

#: Pixels between the ends of each chord that a branch's length sums.
CHORD_STEP = 8
#: The 8-neighbourhood, the first four forward in raster order.
_OFFSETS = ((0, 1), (1, -1), (1, 0), (1, 1), (0, -1), (-1, 1), (-1, 0), (-1, -1))


def skeletonize_mask(mask):
    """The mask's skeleton: ``skimage.morphology.skeletonize`` (Zhang's
    thinning), one pixel wide and 8-connected.

    The same skeleton, computed by :func:`rootmass.measure.thinning.thin`, which
    looks only at the pixels that can change instead of passing over the
    whole image in each of the thinning's sub-iterations: on the lesson's
    root photos, a third to a half of ``skeletonize``'s time (see
    ``benchmarks/README.md``).

    Parameters
    ----------
    mask : (M, N) ndarray of bool

    Returns
    -------
    skeleton : (M, N) ndarray of bool
    """
    mask = _check_mask(mask)
    return _image(thin(mask)[0], mask.shape)


def _image(index, shape):
    """A boolean image of ``shape``, True at the flat indices ``index``."""
    image = np.zeros(shape, dtype=bool)
    image.reshape(-1)[index] = True
    return image


def _lookup(shape):
    """A table for :func:`_neighbours`: -1 over the image and a pixel of
    margin. Reused by one measurement's calls (each leaves it as it was)."""
    return np.full((shape[0] + 2) * (shape[1] + 2), -1, dtype=np.int32)


def thin_blocks(skeleton):
    """The skeleton without its 2 x 2 blocks: of each, one pixel removed
    whose removal disconnects nothing.

    Zhang's thinning leaves a few of them (33 on a lesson root photo); traced,
    each would be a false branch point and a loop of extra length. The pixel
    removed is the first, in the order top left, top right, bottom left,
    bottom right, whose outward diagonal neighbour is off (its other
    neighbours outside the block touch the block's remaining pixels); a
    block whose four outward corners are all on stays.

    Returns
    -------
    skeleton : (M, N) ndarray of bool
        A copy.
    """
    skeleton = _check_mask(skeleton)
    return _image(_thin_blocks(np.flatnonzero(skeleton), skeleton.shape), skeleton.shape)


def _thin_blocks(index, shape, table=None):
    """:func:`thin_blocks` of the skeleton pixels at the flat indices
    ``index`` (sorted): those that stay."""
    east, south_west, south, south_east, _, north_east, _, north_west = range(8)
    found = _neighbours(index, shape, table)
    corners = np.flatnonzero((found[east] >= 0) & (found[south] >= 0)
                             & (found[south_east] >= 0))  # in raster order
    on = np.ones(index.size, dtype=bool)
    for top_left in corners.tolist():
        pixels = (top_left, found[east, top_left], found[south, top_left],
                  found[south_east, top_left])
        if not on[list(pixels)].all():
            continue  # an earlier block's removal broke this one
        outward = (found[north_west, pixels[0]], found[north_east, pixels[1]],
                   found[south_west, pixels[2]], found[south_east, pixels[3]])
        for pixel, corner in zip(pixels, outward):
            if corner < 0 or not on[corner]:
                on[pixel] = False
                break
    return index[on]


def skeleton_distances(mask, skeleton):
    """``scipy.ndimage.distance_transform_edt(mask)`` at the skeleton's
    pixels only, 0 elsewhere.

    The background pixel nearest a foreground pixel is always next to the
    foreground (one step from it toward the pixel would be nearer), so the
    distances are searched ring by ring around each skeleton pixel in the
    mask, by a loop compiled by Numba (``rootmass.measure._kernels``): the same
    numbers, in a fraction of the time and memory of the transform over
    every pixel. Where the mask has no background, the pixels just outside
    the image stand for it (a pixel's distance is then to the nearest side,
    plus one); a skeleton pixel on the background has 0, as in the
    transform.

    Returns
    -------
    distance : (M, N) ndarray of float
        Zero (and, being untouched, without memory) but at the skeleton.
    """
    mask, skeleton = _check_mask(mask), _check_mask(skeleton)
    near = np.zeros(mask.shape, dtype=bool)
    near[1:] |= mask[:-1]
    near[:-1] |= mask[1:]
    near[:, 1:] |= mask[:, :-1]
    near[:, :-1] |= mask[:, 1:]
    near &= ~mask
    points = np.flatnonzero(skeleton & mask)
    distance = np.zeros(mask.shape)
    distance.reshape(-1)[points] = _nearest(points, np.flatnonzero(near), mask)
    return distance


def _nearest(points, edge, mask, order=None):
    """The distance from each of the pixels ``points`` to the nearest of the
    pixels ``edge`` (flat indices, as :func:`rootmass.measure.thinning.thin` gives
    the background pixels next to ``mask``): searched around each point, ring
    by ring, by the compiled loop (``nearest_background``); where ``edge`` is
    empty (a mask without background), to the pixels just outside the image,
    the nearest of which is straight beyond the nearest side. ``order``:
    positions into ``points`` (repeats allowed) to search first, in that
    order, as a branch's path has them: there each pixel's search starts
    from the distance of the one before."""
    m, n = mask.shape
    if points.size == 0:
        return np.zeros(0)
    rows, cols = np.divmod(points, n)
    if edge.size == 0:
        return np.minimum.reduce([rows + 1, cols + 1, m - rows, n - cols]).astype(float)
    search = _kernel("nearest_background")
    if order is None:
        return search(mask, rows, cols)
    rest = np.ones(points.size, dtype=bool)
    rest[order] = False
    sequence = np.concatenate([order, np.flatnonzero(rest)])
    distance = np.empty(points.size)
    distance[sequence] = search(mask, rows[sequence], cols[sequence])
    return distance


def local_diameter(distance):
    """The root's diameter at a skeleton pixel from the distance transform
    there: ``2 * distance - 0.5``, in pixels.

    ``scipy.ndimage.distance_transform_edt`` gives the distance from a
    pixel's centre to the nearest background pixel's centre, half a pixel
    beyond the edge. A skeleton pixel on the centre line of an odd width ``w``
    has distance ``(w + 1) / 2`` (``2 d - 1`` would be ``w``); of an even
    width it lies half a pixel off the centre line, at distance ``w / 2``
    (``2 d`` would be ``w``). ``2 d - 0.5`` is within half a pixel of both.
    """
    return 2.0 * np.asarray(distance, dtype=float) - 0.5


def _neighbours(index, shape, table=None):
    """For each skeleton pixel (``index``, sorted flat indices), the
    position in ``index`` of its neighbour at each of the 8 offsets, or -1:
    an (8, n) array. ``table``: :func:`_lookup`'s, to reuse."""
    rows, cols = shape
    width = cols + 2
    found = np.empty((len(_OFFSETS), index.size), dtype=np.intp)
    if index.size == 0:
        return found
    table = _lookup(shape) if table is None else table
    padded = index + 2 * (index // cols) + width + 1  # with a pixel of margin
    table[padded] = np.arange(index.size, dtype=np.int32)
    for k, (dr, dc) in enumerate(_OFFSETS):
        found[k] = table[padded + (dr * width + dc)]
    table[padded] = -1
    return found


def trace_skeleton(skeleton):
    """The skeleton as a graph: its tips, junctions and ordered branches.

    Parameters
    ----------
    skeleton : (M, N) ndarray of bool
        One pixel wide, as :func:`skeletonize_mask` gives it.

    Returns
    -------
    graph : dict
        ``shape`` (the skeleton's), ``index`` (the skeleton pixels' flat
        indices, sorted), ``rows``,
        ``cols``, ``degree`` (neighbours on the skeleton, per pixel: the
        8-neighbours, but a diagonal one where an orthogonal pair joins the
        two as well),
        ``branch`` (each pixel's branch, -1 for a junction: a pixel of 3 or
        more neighbours), ``paths`` (the pixels of every branch in order from
        one end to the other, each branch prefixed and suffixed by the
        junction pixel it ends at, if any: positions into ``index``),
        ``path_branch`` (the branch of each entry of ``paths``), ``cycle``
        (per branch, True for a closed ring without junctions: its first
        pixel closes it) and ``ends`` (per branch, its two end pixels,
        positions into ``index``).
    """
    skeleton = _check_mask(skeleton)
    return _trace(np.flatnonzero(skeleton), skeleton.shape)


def _trace(index, shape, table=None):
    """:func:`trace_skeleton` of the skeleton pixels at the flat indices
    ``index`` (sorted) of an image of ``shape``, by the compiled loop
    (``trace_branches``)."""
    table = _lookup(shape) if table is None else table
    degree, numbers, paths, path_branch, cycle, ends = _kernel("trace_branches")(
        np.asarray(index, dtype=np.int64), shape[1], table)
    return _graph(index, shape, degree, numbers, paths, path_branch, cycle, ends)


def _graph(index, shape, degree, numbers, paths, path_branch, cycle, ends):
    """The dict :func:`trace_skeleton` returns."""
    rows, cols = np.divmod(index, shape[1])
    return {"shape": tuple(shape), "index": index, "rows": rows, "cols": cols,
            "degree": degree, "branch": numbers, "paths": paths,
            "path_branch": path_branch, "cycle": cycle, "ends": ends}


def branch_lengths(graph, step=CHORD_STEP):
    """Each branch's length: the chords between every ``step``-th pixel of
    its path (and its last), summed; a ring's closing chord included.

    Parameters
    ----------
    graph : dict
        As :func:`trace_skeleton` gives it.
    step : int, optional
        Pixels along the path between a chord's ends.

    Returns
    -------
    lengths : ndarray of float
        Per branch, in pixels (0 for a branch of one pixel).
    """
    _check_positive("step", step, integer=True)
    paths, branch = graph["paths"], graph["path_branch"]
    count = graph["cycle"].size
    if paths.size == 0:
        return np.zeros(count)
    size = np.bincount(branch, minlength=count)
    begin = np.cumsum(size) - size
    rank = np.arange(paths.size) - begin[branch]
    sample = (rank % step == 0) | (rank == size[branch] - 1)
    nodes, owner = paths[sample], branch[sample]
    r, c = graph["rows"][nodes].astype(float), graph["cols"][nodes].astype(float)
    same = owner[1:] == owner[:-1]
    chord = np.hypot(np.diff(r), np.diff(c))
    lengths = np.bincount(owner[1:][same], chord[same], count)
    rings = np.flatnonzero(graph["cycle"])
    if rings.size:
        a = paths[begin[rings]]
        b = paths[begin[rings] + size[rings] - 1]
        lengths[rings] += np.hypot(graph["rows"][a] - graph["rows"][b],
                                   graph["cols"][a] - graph["cols"][b])
    return lengths


def _tips(graph):
    """The skeleton's tips (positions into ``index``): pixels of one
    neighbour, and pixels of none twice (a speck's skeleton: both its
    ends)."""
    degree = graph["degree"]
    single = np.flatnonzero(degree == 1)
    alone = np.flatnonzero(degree == 0)
    return np.concatenate([single, alone, alone])


def prune_spurs(skeleton, distance, prune_length=6.0, step=CHORD_STEP, rounds=20):
    """The skeleton without its spurs: tip branches that do not reach more
    than ``prune_length`` pixels beyond the root they grow from.

    A bump on a root's edge gives the skeleton a short branch from the
    centre line to the bump. A branch from a tip to a junction is a spur
    when its length plus the radius at its tip, less the radius at its
    junction (how far it reaches beyond its parent's edge), is at most
    ``prune_length``. Pruning is repeated (a spur's removal can leave
    another) until none is left, at most ``rounds`` times.

    Parameters
    ----------
    skeleton : (M, N) ndarray of bool
    distance : (M, N) ndarray of float
        The mask's ``scipy.ndimage.distance_transform_edt``, at least at the
        skeleton's pixels (:func:`skeleton_distances`).
    prune_length : float, optional
        In pixels; 0 prunes nothing.
    step : int, optional
        As :func:`branch_lengths`.
    rounds : int, optional

    Returns
    -------
    skeleton : (M, N) ndarray of bool
        A pruned copy.
    graph : dict
        Its :func:`trace_skeleton`.
    """
    skeleton = _check_mask(skeleton)
    index = np.flatnonzero(skeleton)
    distance = np.asarray(distance, dtype=float).reshape(-1)[index]
    index, _, graph = _prune(index, distance, skeleton.shape, prune_length, step, rounds)
    return _image(index, skeleton.shape), graph


def _prune(index, distance, shape, prune_length=6.0, step=CHORD_STEP, rounds=20, table=None,
           graph=None):
    """:func:`prune_spurs` of the skeleton pixels at the flat indices
    ``index`` (sorted), with ``distance`` the distance transform at each
    (and ``graph`` their :func:`_trace`, if the caller has it): the pixels
    that stay, their distances and their graph."""
    _check_prune_length(prune_length)
    graph = _trace(index, shape, table) if graph is None else graph
    for _ in range(rounds):
        if prune_length == 0 or graph["cycle"].size == 0:
            break
        ends, degree = graph["ends"], graph["degree"]
        paths, branch = graph["paths"], graph["path_branch"]
        count = graph["cycle"].size
        size = np.bincount(branch, minlength=count)
        begin = np.cumsum(size) - size
        head, tail = paths[begin], paths[begin + size - 1]
        radius = distance - 0.25
        # a tip at the path's start and a junction at its end, or the reverse
        tip_first = (degree[ends[:, 0]] == 1) & (degree[tail] >= 3)
        tip_last = (degree[ends[:, 1]] == 1) & (degree[head] >= 3)
        spur_end = tip_first | tip_last
        tip = np.where(tip_first, ends[:, 0], ends[:, 1])
        joint = np.where(tip_first, tail, head)
        reach = branch_lengths(graph, step) + radius[tip] - radius[joint]
        spur = spur_end & (reach <= prune_length)
        if not spur.any():
            break
        keep = ~np.isin(graph["branch"], np.flatnonzero(spur))
        index, distance = index[keep], distance[keep]
        graph = _trace(index, shape, table)
    return index, distance, graph


def pixel_lengths(graph, distance, step=CHORD_STEP):
    """Each skeleton pixel's share of the length: its branch's length
    (:func:`branch_lengths`) shared equally among the branch's pixels, at
    a tip the root's radius there (``local_diameter / 2``) beyond it, and at
    the junction pixels the length between them where several make one
    branch point (the minimum spanning tree of each group: the branches
    that meet there end at different pixels of it). They sum to the total
    length.

    Returns
    -------
    lengths : ndarray of float
        Per skeleton pixel (positions as ``graph["index"]``).
    """
    distance = np.asarray(distance, dtype=float).reshape(-1)[graph["index"]]
    return _pixel_lengths(graph, distance, step)


def _pixel_lengths(graph, distance, step=CHORD_STEP, table=None):
    """:func:`pixel_lengths`, with ``distance`` the distance transform at
    each of the graph's pixels."""
    numbers = graph["branch"]
    count = graph["cycle"].size
    lengths = np.zeros(numbers.size)
    member = numbers >= 0
    if count:
        per_branch = branch_lengths(graph, step)
        pixels = np.bincount(numbers[member], minlength=count)
        lengths[member] = (per_branch / np.maximum(pixels, 1))[numbers[member]]
    tips = _tips(graph)
    radius = local_diameter(distance) / 2
    np.add.at(lengths, tips, np.maximum(radius[tips], 0))
    return lengths + _junction_lengths(graph, table)


def _junction_edges(graph, table=None):
    """The edges between neighbouring junction pixels: (positions into
    ``index`` of the junctions, a, b, length), each edge once."""
    from scipy.sparse import coo_matrix

    where = np.flatnonzero(graph["degree"] >= 3)
    found = _neighbours(graph["index"][where], graph["shape"], table)[:4]  # forward: once
    steps = np.array([np.hypot(dr, dc) for dr, dc in _OFFSETS[:4]])
    hit = found >= 0
    a = np.broadcast_to(np.arange(where.size), found.shape)[hit]
    lengths = np.broadcast_to(steps[:, None], found.shape)[hit]
    return where, coo_matrix((lengths, (a, found[hit])), shape=(where.size, where.size))


def _junction_groups(graph, table=None):
    """The number of 8-connected groups of junction pixels."""
    from scipy.sparse.csgraph import connected_components

    where, edges = _junction_edges(graph, table)
    return int(connected_components(edges, directed=False)[0]) if where.size else 0


def _junction_lengths(graph, table=None):
    """Per skeleton pixel, its share of the length through the groups of
    junction pixels (where the branches end at different pixels of one
    group): the group's minimum spanning tree, each edge half to each of its
    two pixels."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    lengths = np.zeros(graph["index"].size)
    where, edges = _junction_edges(graph, table)
    if where.size:
        tree = minimum_spanning_tree(edges).tocoo()
        np.add.at(lengths, where[tree.row], tree.data / 2)
        np.add.at(lengths, where[tree.col], tree.data / 2)
    return lengths
