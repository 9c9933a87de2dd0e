"""Images shrunk by whole blocks: the factor that brings an image to a
figure's size (:func:`reduction`), and how much of each block a mask
covers (:func:`coverage`), for the previews of the QC figures and the
method panel's masks. Arrays in, arrays out."""

import math

import numpy as np

__all__ = ["FIGURE_SIDE", "reduction", "coverage"]

#: Largest side, in pixels, of an image panel in a figure (the previews).
FIGURE_SIDE = 600


def reduction(shape, max_side):
    """The integer factor that shrinks an image of ``shape`` to at most
    ``max_side`` pixels on its longer side (1: not shrunk)."""
    if max_side < 1:
        raise ValueError(f"max_side must be at least 1; got {max_side!r}")
    return max(1, math.ceil(max(shape[:2]) / max_side))


def coverage(mask, factor):
    """How much of each block of a mask is foreground, as 8-bit gray.

    Parameters
    ----------
    mask : (M, N) ndarray of bool
    factor : int
        Side of the blocks (as :func:`rootmass.qc.previews.thumbnail` reduces).

    Returns
    -------
    covered : (ceil(M / factor), ceil(N / factor)) ndarray of uint8
        255 times the fraction of each block that is foreground, rounded.
    """
    from PIL import Image

    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"expected a 2-D mask; got shape {mask.shape}")
    gray = Image.fromarray(mask).convert("L")  # 0 and 255
    return np.asarray(gray.reduce(factor) if factor > 1 else gray)
