"""Zhang and Suen's thinning as ``skimage.morphology.skeletonize`` does it,
at a cost that follows the foreground instead of the image.

A pure function (an array in, arrays out); nothing here reads or writes
files.

scikit-image's thinning (``_fast_skeletonize``) passes over every pixel of
the image in each of its sub-iterations, until one deletes nothing; a
sub-iteration deletes, all at once, each foreground pixel whose 8
neighbours make a pattern its table marks for that sub-iteration. A root
photo's mask needs about as many sub-iterations as its thickest clump is
wide (80 for a disc of radius 77 px), each over the whole image (or, object
by object, over the bounding box of its root system: most of the image).

:func:`thin` applies the same table to the same patterns in the same order,
but looks only at the pixels that can have changed: first the foreground
pixels the table marks, then, after each sub-iteration, the foreground
neighbours of the pixels it deleted. A pixel whose neighbours have not
changed since the table last spared it in a sub-iteration of the same kind
is spared again, so the skeleton is the same (tested against
``skeletonize`` on random masks and the lesson's photos), and each
foreground pixel is looked at a few times in all: the cost follows the
foreground's area, not its thickness times the image.
"""

import numpy as np

from .checks import check_mask as _check_mask

__all__ = ["ZHANG_TABLE", "thin"]

#: Zhang and Suen's deletion rule as scikit-image 0.26 tabulates it
#: (``skimage/morphology/_skeletonize_various_cy.pyx``, BSD-3-Clause): for
#: each pattern of a pixel's 8 neighbours (bit k set where the neighbour at
#: ``_SHIFTS[k]`` is foreground), 1 if the first sub-iteration deletes the
#: pixel, 2 if the second does, 3 if both, 0 if neither.
ZHANG_TABLE = np.array([
    0, 0, 0, 1, 0, 0, 1, 3, 0, 0, 3, 1, 1, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 0, 2, 0, 3, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
    3, 0, 0, 0, 3, 0, 2, 0, 0, 0, 3, 1, 0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 1, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 3, 1, 3, 0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
    3, 3, 0, 1, 0, 0, 0, 0, 2, 2, 0, 0, 2, 0, 0, 0,
], dtype=np.uint8)
#: The neighbour of each bit of a pattern: north-west, north, north-east,
#: east, south-east, south, south-west, west.
_SHIFTS = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))
#: The bits of the 4-neighbours.
_ORTHOGONAL = (1, 3, 5, 7)


def thin(mask, compiled=True):
    """The skeleton of ``skimage.morphology.skeletonize(mask)`` and the
    background pixels next to the mask, as flat indices.

    Parameters
    ----------
    mask : (M, N) ndarray of bool
    compiled : bool, optional
        Whether to run the compiled loop (Numba), where Numba can be
        imported; False, or without Numba, the NumPy loop does the same, two
        to three times slower.

    Returns
    -------
    skeleton : ndarray of intp
        The flat indices into ``mask`` of the skeleton's pixels, sorted.
    edge : ndarray of intp
        The flat indices of the background pixels with a foreground
        4-neighbour, sorted (the pixels nearest to which each foreground
        pixel's distance transform is measured: see
        :func:`rootmass.roots.skeleton_distances`). Pixels outside the image
        are not among them.

    Examples
    --------
    >>> from skimage.morphology import skeletonize
    >>> mask = np.zeros((7, 12), dtype=bool)
    >>> mask[2:5, 1:11] = True  # a bar 3 pixels thick
    >>> skeleton, edge = thin(mask)
    >>> np.array_equal(skeleton, np.flatnonzero(skeletonize(mask)))
    True
    >>> edge.size  # the 2 x 10 pixels above and below it, 2 x 3 at its ends
    26
    """
    mask = _check_mask(mask)
    rows, cols = mask.shape
    width = cols + 2
    image = np.zeros((rows + 2) * width, dtype=np.uint8)  # a pixel of margin
    image.reshape(rows + 2, width)[1:-1, 1:-1] = mask
    loop = _compiled() if compiled else None
    if loop is None:
        skeleton, edge = _thin_numpy(image, width)
    else:
        skeleton, edge = loop(image, width, int(np.count_nonzero(mask)), ZHANG_TABLE)
    return _unpad(skeleton, width, cols), _unpad(edge, width, cols)


def _compiled(name="zhang_thinning"):
    """A compiled loop of ``rootmass._kernels``, or None where Numba cannot
    be imported (then the NumPy code does the same)."""
    global _KERNEL
    if _KERNEL is None:
        try:
            from . import _kernels
        except ImportError:
            _kernels = False
        _KERNEL = _kernels
    return getattr(_KERNEL, name) if _KERNEL else None


_KERNEL = None


def _thin_numpy(image, width):
    """:func:`thin` of ``image`` (uint8, flat, with a pixel of margin, rows
    of ``width``; thinned in place) by NumPy: the skeleton's and the edge's
    flat indices in it."""
    rows = image.size // width - 2  # the image's, without the margin
    offsets = np.array([dr * width + dc for dr, dc in _SHIFTS], dtype=np.intp)
    foreground = np.flatnonzero(image)
    pattern = np.zeros(image.size, dtype=np.uint8)
    found = image[foreground + offsets[0]].copy()
    for bit in range(1, 8):
        found |= image[foreground + offsets[bit]] << np.uint8(bit)
    pattern[foreground] = found
    edge = np.unique(np.concatenate(
        [foreground[(found & np.uint8(1 << bit)) == 0] + offsets[bit] for bit in _ORTHOGONAL]))

    # bit k of a neighbour's pattern, seen from the pixel at _SHIFTS[k]: the
    # opposite bit, (k + 4) % 8, cleared when the pixel is deleted
    keep_bit = [np.uint8(255 ^ (1 << ((bit + 4) % 8))) for bit in range(8)]
    marked = foreground[ZHANG_TABLE[found] != 0]
    waiting = [marked, marked]  # the pixels to look at in each kind of sub-iteration
    last = np.zeros(image.size, dtype=np.int32)  # for removing repeats
    kind, idle = 0, 0
    while idle < 2:  # until a sub-iteration of each kind has deleted nothing
        look = waiting[kind]
        waiting[kind] = look[:0]
        look = look[image[look] != 0]
        order = np.arange(look.size, dtype=np.int32)
        last[look] = order
        look = look[last[look] == order]
        rule = ZHANG_TABLE[pattern[look]]
        deleted = look[(rule == 3) | (rule == kind + 1)]
        if deleted.size == 0:
            idle += 1
        else:
            idle = 0
            image[deleted] = 0
            touched = []
            for bit in range(8):
                neighbour = deleted + offsets[bit]
                pattern[neighbour] &= keep_bit[bit]
                touched.append(neighbour)
            touched = np.concatenate(touched)
            touched = touched[image[touched] != 0]
            touched = touched[ZHANG_TABLE[pattern[touched]] != 0]
            waiting = [np.concatenate([waiting[0], touched]),
                       np.concatenate([waiting[1], touched])]
        kind ^= 1
    return foreground[image[foreground] != 0], edge[_inside(edge, width, rows)]


def _inside(padded, width, rows):
    """Which padded flat indices are inside the image (not the margin)."""
    row, col = np.divmod(padded, width)
    return (row >= 1) & (row <= rows) & (col >= 1) & (col <= width - 2)


def _unpad(padded, width, cols):
    """Flat indices with a pixel of margin to flat indices without."""
    row, col = np.divmod(padded, width)
    return (row - 1) * cols + (col - 1)
