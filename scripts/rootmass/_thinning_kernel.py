"""The compiled loop of :func:`rootmass.thinning.thin`: the same rule,
pixels and order as its NumPy loop (``_thin_numpy``), compiled by Numba
once and cached on disk (in ``__pycache__`` beside this file, or in Numba's
own cache folder where this one cannot be written), so that a job pays the
import and the cached loop's loading (about 0.8 CPU-s), not its
compilation (about 2.5)."""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def zhang_thinning(image, width, count, table):  # pragma: no cover (compiled)
    """Thin ``image`` in place by ``table``; return the flat indices of its
    skeleton's pixels and of the background pixels with a foreground
    4-neighbour (before thinning), each in raster order.

    ``image``: uint8, flat, 1 on the foreground, with a pixel of margin that
    is 0 (``width`` its rows' length); ``count``: its foreground pixels;
    ``table``: :data:`rootmass.thinning.ZHANG_TABLE`.
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
    distance k), until a ring can hold none nearer."""
    height, width = mask.shape
    out = np.empty(rows.size)
    for i in range(rows.size):
        r0, c0 = rows[i], cols[i]
        best = -1  # the squared distance found, -1 for none yet
        k = 1
        while best < 0 or best > k * k:
            top, bottom, left, right = r0 - k, r0 + k, c0 - k, c0 + k
            if top < 0 and bottom >= height and left < 0 and right >= width:
                break  # the ring lies outside the image
            for c in range(max(left, 0), min(right, width - 1) + 1):
                for r in (top, bottom):
                    if 0 <= r < height and not mask[r, c]:
                        d = (r - r0) ** 2 + (c - c0) ** 2
                        if best < 0 or d < best:
                            best = d
            for r in range(max(top + 1, 0), min(bottom - 1, height - 1) + 1):
                for c in (left, right):
                    if 0 <= c < width and not mask[r, c]:
                        d = (r - r0) ** 2 + (c - c0) ** 2
                        if best < 0 or d < best:
                            best = d
            k += 1
        out[i] = np.sqrt(best) if best >= 0 else np.inf
    return out
