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
foreground's area, not its thickness times the image. The loop is compiled
by Numba (``rootmass.measure._kernels.zhang_thinning``, its only implementation:
Numba is one of the pinned packages).
"""

import numpy as np

from rootmass.measure._checks import check_mask as _check_mask

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


def thin(mask):
    """The skeleton of ``skimage.morphology.skeletonize(mask)`` and the
    background pixels next to the mask, as flat indices, by the compiled
    loop ``rootmass.measure._kernels.zhang_thinning``.

    Parameters
    ----------
    mask : (M, N) ndarray of bool

    Returns
    -------
    skeleton : ndarray of intp
        The flat indices into ``mask`` of the skeleton's pixels, sorted.
    edge : ndarray of intp
        The flat indices of the background pixels with a foreground
        4-neighbour, sorted (the pixels nearest to which each foreground
        pixel's distance transform is measured: see
        :func:`rootmass.measure.roots.skeleton_distances`). Pixels outside the image
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
    skeleton, edge = _kernel("zhang_thinning")(image, width, int(np.count_nonzero(mask)),
                                               ZHANG_TABLE)
    return _unpad(skeleton, width, cols), _unpad(edge, width, cols)


def _kernel(name):
    """The compiled loop ``name`` of ``rootmass.measure._kernels``, imported on first
    use: importing this module, or ``rootmass.measure.roots`` for its column names
    (as the workflow's planning does), does not import Numba."""
    from rootmass.measure import _kernels

    return getattr(_kernels, name)


def _unpad(padded, width, cols):
    """Flat indices with a pixel of margin to flat indices without."""
    row, col = np.divmod(padded, width)
    return (row - 1) * cols + (col - 1)
