"""The compiled loops of the root traits, the only implementation of each
step (Numba is one of the pinned packages); the tests compare them with the
libraries' functions:

- ``zhang_thinning``: :func:`rootmass.measure.thinning.thin` (against
  ``skimage.morphology.skeletonize``);
- ``nearest_background``: the distances at the skeleton
  (``rootmass.measure.roots._nearest``; against
  ``scipy.ndimage.distance_transform_edt``);
- ``trace_branches``: the skeleton's graph (``rootmass.measure.roots._trace``;
  against a graph built in the tests from the definition, on
  ``skimage.graph.pixel_graph`` and ``scipy.sparse.csgraph``).

Compiled by Numba once and cached on disk (in ``__pycache__`` beside this
file, or in Numba's own cache folder where this one cannot be written), so
that a job pays the import and the cached loops' loading, not their
compilation."""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def zhang_thinning(image, width, count, table):  # pragma: no cover (compiled)
    """Thin ``image`` in place by ``table``; return the flat indices of its
    skeleton's pixels and of the background pixels with a foreground
    4-neighbour (before thinning), each in raster order.

    ``image``: uint8, flat, 1 on the foreground, with a pixel of margin that
    is 0 (``width`` its rows' length); ``count``: its foreground pixels;
    ``table``: :data:`rootmass.measure.thinning.ZHANG_TABLE`.
    """
    size = image.size
    rows = size // width
    offsets = np.array([-width - 1, -width, -width + 1, 1, width + 1, width, width - 1, -1])
    foreground = np.empty(max(count, 1), dtype=np.int64)
    edge = np.empty(size, dtype=np.int64)  # (its pages are used as it fills)
    # the pixels to look at in each kind of sub-iteration (bit 1 << kind of
    # `waiting` set while a pixel is in that kind's list), and each foreground
    # pixel's pattern of neighbours, kept up to date
    lists = np.empty((2, max(count, 1)), dtype=np.int64)
    lengths = np.zeros(2, dtype=np.int64)
    waiting = np.zeros(size, dtype=np.uint8)
    pattern = np.zeros(size, dtype=np.uint8)
    found, edges = 0, 0
    codes = np.zeros(width, dtype=np.uint8)
    for r in range(1, rows - 1):  # a row at a time: its patterns, then its pixels
        start = r * width
        up = image[start - width:start]
        row = image[start:start + width]
        down = image[start + width:start + 2 * width]
        for j in range(1, width - 1):
            codes[j] = (up[j - 1] | up[j] << 1 | up[j + 1] << 2 | row[j + 1] << 3
                        | down[j + 1] << 4 | down[j] << 5 | down[j - 1] << 6 | row[j - 1] << 7)
        for j in range(1, width - 1):
            if row[j]:
                foreground[found] = start + j
                found += 1
                pattern[start + j] = codes[j]
                if table[codes[j]]:
                    for kind in range(2):
                        lists[kind, lengths[kind]] = start + j
                        lengths[kind] += 1
                    waiting[start + j] = 3
            elif codes[j] & 0b10101010:  # a foreground 4-neighbour
                edge[edges] = start + j
                edges += 1
    deleted = np.empty(max(count, 1), dtype=np.int64)
    kind, idle = 0, 0
    while idle < 2:  # until a sub-iteration of each kind has deleted nothing
        gone = 0
        for i in range(lengths[kind]):
            p = lists[kind, i]
            waiting[p] &= 3 - (1 << kind)
            if not image[p]:
                continue
            rule = table[pattern[p]]
            if rule == 3 or rule == kind + 1:
                deleted[gone] = p
                gone += 1
        lengths[kind] = 0
        if gone == 0:
            idle += 1
        else:
            idle = 0
            for i in range(gone):  # all at once: the sub-iteration's rule
                image[deleted[i]] = 0
            for i in range(gone):  # their neighbours: a bit of the pattern less
                p = deleted[i]
                for k in range(8):
                    q = p + offsets[k]
                    if image[q]:
                        pattern[q] &= 255 ^ (1 << ((k + 4) % 8))
            for i in range(gone):  # and those the table now marks, to look at again
                p = deleted[i]
                for k in range(8):
                    q = p + offsets[k]
                    if image[q] and table[pattern[q]]:
                        for other in range(2):
                            if not waiting[q] & (1 << other):
                                lists[other, lengths[other]] = q
                                lengths[other] += 1
                                waiting[q] |= 1 << other
        kind ^= 1
    kept = 0
    for i in range(found):
        if image[foreground[i]]:
            foreground[kept] = foreground[i]
            kept += 1
    return foreground[:kept], edge[:edges]


@njit(cache=True, nogil=True)
def nearest_background(mask, rows, cols):  # pragma: no cover (compiled)
    """The distance from each pixel ``(rows[i], cols[i])`` to the nearest
    background pixel of ``mask`` (2-D bool) in the image, as
    ``scipy.ndimage.distance_transform_edt`` measures it; inf where the
    image has none. Searched ring by ring (the pixels at a chessboard
    distance k), until a ring can hold none nearer.

    Where a pixel is next to the one before it (as along a branch's path),
    that one's distance d, less the step s between them, bounds this one's
    from below: every pixel nearer than d - s is foreground (a background
    one would be nearer than d to the pixel before), so the search leaves
    them out: the rings inside that radius, and the middle of each ring's
    sides that lies inside it.
    """
    height, width = mask.shape
    out = np.empty(rows.size)
    for i in range(rows.size):
        r0, c0 = rows[i], cols[i]
        if not mask[r0, c0]:  # itself background (0 bounds nothing after it)
            out[i] = 0.0
            continue
        inside = 0.0  # pixels nearer than its square root are foreground
        if i > 0 and np.isfinite(out[i - 1]):
            step = (r0 - rows[i - 1]) ** 2 + (c0 - cols[i - 1]) ** 2
            if step <= 2:
                low = out[i - 1] - np.sqrt(step) - 1e-9
                if low > 0:
                    inside = low * low
        best = -1  # the squared distance found, -1 for none yet
        k = 1
        while 2 * k * k < inside:  # a ring of pixels nearer than that
            k += 1
        while best < 0 or best > k * k:
            top, bottom, left, right = r0 - k, r0 + k, c0 - k, c0 + k
            if top < 0 and bottom >= height and left < 0 and right >= width:
                break  # the ring lies outside the image
            skip = 0  # of each side, the middle 2 skip - 1 pixels are nearer
            if inside > k * k:
                skip = int(np.ceil(np.sqrt(inside - k * k)))
            for r in (top, bottom):
                if 0 <= r < height:
                    for c in range(max(left, 0), min(c0 - skip, width - 1) + 1):
                        if not mask[r, c]:
                            d = (r - r0) ** 2 + (c - c0) ** 2
                            if best < 0 or d < best:
                                best = d
                    for c in range(max(c0 + max(skip, 1), 0), min(right, width - 1) + 1):
                        if not mask[r, c]:
                            d = (r - r0) ** 2 + (c - c0) ** 2
                            if best < 0 or d < best:
                                best = d
            for c in (left, right):
                if 0 <= c < width:
                    for r in range(max(top + 1, 0), min(r0 - skip, height - 1) + 1):
                        if not mask[r, c]:
                            d = (r - r0) ** 2 + (c - c0) ** 2
                            if best < 0 or d < best:
                                best = d
                    for r in range(max(r0 + max(skip, 1), 0), min(bottom - 1, height - 1) + 1):
                        if not mask[r, c]:
                            d = (r - r0) ** 2 + (c - c0) ** 2
                            if best < 0 or d < best:
                                best = d
            k += 1
        out[i] = np.sqrt(best) if best >= 0 else np.inf
    return out


#: The 8-neighbourhood as rootmass.measure.roots._OFFSETS has it: east, south-west,
#: south, south-east (forward in raster order), then each one's opposite.
_ROWS = np.array([0, 1, 1, 1, 0, -1, -1, -1])
_COLS = np.array([1, -1, 0, 1, -1, 1, 0, -1])


@njit(cache=True, nogil=True)
def trace_branches(index, cols, table):  # pragma: no cover (compiled)
    """The graph of the skeleton pixels at the flat indices ``index``
    (sorted) of an image ``cols`` wide, as ``rootmass.measure.roots.trace_skeleton``
    describes it: ``degree``, ``branch``, ``paths``, ``path_branch``,
    ``cycle`` and ``ends``.

    ``table``: int32, -1 over the image with a pixel of margin (left as it
    was found).
    """
    n = index.size
    width = cols + 2
    offsets = _ROWS * width + _COLS
    padded = index + 2 * (index // cols) + width + 1
    for i in range(n):
        table[padded[i]] = i
    found = np.empty((8, n), dtype=np.int64)
    for i in range(n):
        for k in range(8):
            found[k, i] = table[padded[i] + offsets[k]]
    for i in range(n):
        table[padded[i]] = -1
    # no diagonal edge beside an orthogonal pair: (diagonal, vertical,
    # horizontal) for south-west, south-east, north-east, north-west
    degree = np.zeros(n, dtype=np.int64)
    for i in range(n):
        for diagonal, vertical, horizontal in ((1, 2, 4), (3, 2, 0), (5, 6, 0), (7, 6, 4)):
            if found[vertical, i] >= 0 or found[horizontal, i] >= 0:
                found[diagonal, i] = -1
        for k in range(8):
            if found[k, i] >= 0:
                degree[i] += 1
    junction = degree >= 3
    # each pixel's edges in a fixed order (by forward offset, then by
    # source, as SciPy's sparse graphs listed them in the code this loop
    # replaced): for each forward offset, the neighbour behind (its source
    # comes first), then the one ahead
    listed = np.array([4, 0, 5, 1, 6, 2, 7, 3])
    numbers = np.full(n, -1, dtype=np.int64)
    paths = np.empty(3 * n, dtype=np.int64)
    path_branch = np.empty(3 * n, dtype=np.int64)
    cycle = np.zeros(n, dtype=np.bool_)
    ends = np.empty((n, 2), dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    count, filled = 0, 0
    for first in range(n):
        if junction[first] or numbers[first] >= 0:
            continue
        # the branch: a component of non-junction pixels (a path, or a ring),
        # numbered in the raster order of its first pixel
        numbers[first] = count
        members[0] = first
        size, seen = 1, 0
        start = -1
        while seen < size:
            p = members[seen]
            seen += 1
            inner = 0
            for k in range(8):
                q = found[k, p]
                if q >= 0 and not junction[q]:
                    inner += 1
                    if numbers[q] < 0:
                        numbers[q] = count
                        members[size] = q
                        size += 1
            if inner <= 1 and (start < 0 or p < start):
                start = p
        barred = -1
        if start < 0:  # a ring: from its first pixel, its first listed edge cut
            start = first
            cycle[count] = True
            for k in listed:
                if found[k, start] >= 0:
                    barred = found[k, start]
                    break
        # the junction it starts at: the first listed
        head = -1
        for k in listed:
            q = found[k, start]
            if q >= 0 and junction[q]:
                head = q
                break
        if head >= 0:
            paths[filled] = head
            path_branch[filled] = count
            filled += 1
        previous, p = -1, start
        for _ in range(size):
            paths[filled] = p
            path_branch[filled] = count
            filled += 1
            following = -1
            for k in range(8):
                q = found[k, p]
                if q >= 0 and not junction[q] and q != previous and q != barred:
                    following = q
                    break
            barred = -1
            previous, p = p, following
        last = previous
        ends[count, 0] = start
        ends[count, 1] = last
        # the junction it ends at: the last listed (not its head again, for a
        # branch of one pixel)
        tail = -1
        for k in listed:
            q = found[k, last]
            if q >= 0 and junction[q]:
                tail = q
        if tail >= 0 and not (start == last and tail == head):
            paths[filled] = tail
            path_branch[filled] = count
            filled += 1
        count += 1
    return (degree, numbers, paths[:filled], path_branch[:filled], cycle[:count],
            ends[:count])
