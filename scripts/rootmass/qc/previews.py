"""Previews: an image, its mask and its selection as arrays for a person to
look at.

Small pure functions, arrays in, arrays out, in the style of
:mod:`rootmass.segmentation`; nothing here reads or writes files
(:mod:`rootmass.io` does) or draws (:mod:`rootmass.qc.figures` lays the arrays
out). It builds on :mod:`rootmass.blocks` (an image shrunk by whole blocks), and
reads an image with its grayscale and preview for rule ``grayscale_blur``
(:func:`read_gray_and_preview`).

- :func:`histogram`: the lesson's histogram of a blurred image (the one the
  QC figure draws; rule ``threshold`` records it).
- :func:`selection`: the lesson's selection, ``image[~mask] = 0``.
- :func:`as_display`, :func:`reduction`, :func:`thumbnail`, :func:`coverage`
  and :func:`preview_selection`: an image, its mask and its selection at the
  size of a figure's panel.
- :func:`detail_box` and :func:`tint`: the part of an image with the most
  edge, for a detail at full resolution, and an image with its foreground
  tinted.
"""

import numpy as np

from rootmass.blocks import FIGURE_SIDE, coverage, reduction
from rootmass.io import _checked, open_image, read_image
from rootmass.segmentation import to_grayscale

__all__ = [
    "contrast_colour",
    "OUTLINE",
    "outline",
    "HISTOGRAM_BINS",
    "FIGURE_SIDE",
    "DETAIL_SIDE",
    "TINT",
    "histogram",
    "selection",
    "as_display",
    "reduction",
    "thumbnail",
    "coverage",
    "preview_selection",
    "detail_box",
    "tint",
    "read_gray_and_preview",
]

#: Bins of the histogram over [0, 1], as the lesson plots it.
HISTOGRAM_BINS = 256
#: Side, in pixels, of the detail at full resolution in an image's figure.
DETAIL_SIDE = 240
#: Values :func:`histogram` scales at a time.
_BLOCK = 65536
#: The colour that marks the foreground in a figure, and how strongly.
TINT, TINT_STRENGTH = (255, 0, 255), 0.4


def _check_mask(image, mask):
    """Raise ValueError unless ``mask`` is 2-D and matches ``image``."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2 or mask.shape != np.shape(image)[:2]:
        raise ValueError(
            f"the mask's shape {mask.shape} does not match the image's"
            f" {np.shape(image)[:2]}"
        )
    return mask


def histogram(blurred, bins=HISTOGRAM_BINS):
    """The lesson's histogram of a blurred image.

    Parameters
    ----------
    blurred : ndarray of float
        Blurred grayscale image in [0, 1].
    bins : int, optional
        Number of equal bins over [0, 1].

    Returns
    -------
    counts : (bins,) ndarray of int
    edges : (bins + 1,) ndarray of float
        Exactly ``np.histogram(blurred, bins=bins, range=(0.0, 1.0))``.

    Notes
    -----
    For 256 bins and values in [0, 1], bin ``i`` holds ``[i/256, (i+1)/256)``
    (the last bin also 1.0), and ``value * 256`` is exact in binary floating
    point, so the bin is ``floor(value * 256)``: counted with Pillow's 8-bit
    histogram, this takes a tenth of the time of ``np.histogram``'s general
    algorithm and gives the same counts (the levels are made a block of
    values at a time, which stays in the processor's cache). Other inputs go
    to ``np.histogram``.
    """
    blurred = np.asarray(blurred)
    if (
        bins != 256
        or blurred.ndim != 2
        or blurred.dtype.kind != "f"
        or blurred.size == 0
        or not (blurred.min() >= 0 and blurred.max() <= 1)  # False for NaN too
    ):
        return np.histogram(blurred, bins=bins, range=(0.0, 1.0))
    from PIL import Image

    values = blurred.reshape(-1)
    levels = np.empty(values.size, dtype=np.uint8)
    scaled = np.empty(min(values.size, _BLOCK))
    for start in range(0, values.size, _BLOCK):
        block = scaled[: min(_BLOCK, values.size - start)]
        np.multiply(values[start : start + _BLOCK], 256.0, out=block)
        np.minimum(block, 255.0, out=block)
        levels[start : start + block.size] = block  # truncated, as astype(np.uint8)
    counts = np.array(Image.fromarray(levels.reshape(blurred.shape)).histogram(),
                      dtype=np.intp)
    return counts, np.linspace(0.0, 1.0, bins + 1)


def selection(image, mask):
    """The lesson's selection: the image with every pixel outside the mask 0.

    Parameters
    ----------
    image : (M, N) or (M, N, C) ndarray
    mask : (M, N) ndarray of bool

    Returns
    -------
    selected : ndarray
        A copy of ``image`` with ``selected[~mask] = 0``.
    """
    mask = _check_mask(image, mask)
    selected = np.array(image, copy=True)
    # as `selected[~mask] = 0`, without that indexing's arrays of the
    # background's coordinates (16 bytes a background pixel)
    background = ~mask if selected.ndim == 2 else ~mask[..., np.newaxis]
    np.copyto(selected, 0, where=background)
    return selected


def as_display(image):
    """An image as 8-bit gray or RGB for display.

    Integer and float images are scaled by their dtype's range as
    :func:`skimage.util.img_as_ubyte` does; booleans give 0 and 255; an alpha
    channel is dropped.

    Returns
    -------
    display : (M, N) or (M, N, 3) ndarray of uint8
    """
    image = np.asarray(image)
    if image.ndim == 3:
        image = image[..., :3]
    if image.dtype == bool:
        return image.astype(np.uint8) * 255
    if image.dtype == np.uint8:
        return image
    from skimage.util import img_as_ubyte

    return img_as_ubyte(image)


def thumbnail(image, max_side):
    """Shrink an image so that its longer side is at most ``max_side`` pixels.

    The image is first made 8-bit (:func:`as_display`), then reduced by the
    integer factor :func:`reduction` with Pillow's box filter (each output
    pixel the mean of a block), so thin structures fade rather than vanish.

    Returns
    -------
    small : ndarray of uint8
        ``ceil(M / factor)`` by ``ceil(N / factor)`` pixels.
    """
    from PIL import Image

    display = np.ascontiguousarray(as_display(image))
    factor = reduction(display.shape, max_side)
    if factor == 1:
        return display
    return np.asarray(Image.fromarray(display).reduce(factor))


def preview_selection(preview, mask, covered=None):
    """The selection at a preview's size, from the preview and the mask.

    Parameters
    ----------
    preview : (m, n) or (m, n, 3) ndarray of uint8
        :func:`thumbnail` of the image, ``m`` by ``n`` pixels.
    mask : (M, N) ndarray of bool
        The full-size mask.
    covered : (m, n) ndarray of uint8, optional
        The mask's :func:`coverage` at the preview's scale, where the
        caller has it already (it is computed from ``mask`` otherwise).

    Returns
    -------
    selected : ndarray of uint8
        Each preview pixel times the fraction of its block that is
        foreground (:func:`coverage`): the lesson's selection
        ``image[~mask] = 0`` at the preview's scale, where a block only
        partly in the mask is shown dimmed in proportion. Where the preview
        is the image itself (a small image), exactly :func:`selection`.
    """
    preview = np.asarray(preview)
    mask = np.asarray(mask, dtype=bool)
    if covered is None:
        covered = coverage(mask, reduction(mask.shape, max(preview.shape[:2])))
    if covered.shape != preview.shape[:2]:
        raise ValueError(
            f"a mask of shape {mask.shape} does not fit a preview of {preview.shape[:2]}"
        )
    weight = covered if preview.ndim == 2 else covered[..., np.newaxis]
    return ((preview.astype(np.uint16) * weight + 127) // 255).astype(np.uint8)


def detail_box(preview, factor, shape, side=DETAIL_SIDE):
    """The part of an image with the most edge, for a detail at full size.

    The edges are the Sobel magnitude of the preview's grayscale; the box is
    the ``side`` by ``side`` window of the full-size image whose block of the
    preview holds the most of it (where the roots' outlines are densest).

    Parameters
    ----------
    preview : (m, n) or (m, n, 3) ndarray
        The image reduced by ``factor`` (:func:`thumbnail`).
    factor : int
        The reduction (:func:`reduction`).
    shape : tuple of int
        The full-size image's (height, width).
    side : int, optional

    Returns
    -------
    box : tuple of 4 int
        ``(top, left, height, width)`` in the full-size image; the whole
        image where it is no larger than ``side``.
    """
    from scipy.ndimage import uniform_filter
    from skimage.filters import sobel

    height, width = shape[:2]
    if side < 1:
        raise ValueError(f"side must be at least 1; got {side!r}")
    box_h, box_w = min(side, height), min(side, width)
    preview = np.asarray(preview, dtype=np.float32)
    gray = preview.mean(axis=2) if preview.ndim == 3 else preview
    edges = sobel(gray)
    # the window's mean edge at each preview pixel, the window's centre
    win_h, win_w = max(1, box_h // factor), max(1, box_w // factor)
    density = uniform_filter(edges, size=(win_h, win_w), mode="constant")
    row, col = np.unravel_index(np.argmax(density), density.shape)
    top = min(max(0, row * factor + factor // 2 - box_h // 2), height - box_h)
    left = min(max(0, col * factor + factor // 2 - box_w // 2), width - box_w)
    return int(top), int(left), int(box_h), int(box_w)


def tint(image, covered, color=TINT, strength=TINT_STRENGTH):
    """An image with its foreground tinted: ``color`` blended in, in
    proportion to how much of each pixel the mask covers.

    Parameters
    ----------
    image : (M, N) or (M, N, 3) ndarray of uint8
    covered : (M, N) ndarray of uint8 or bool
        255 (or True) where the mask covers the pixel (:func:`coverage`).
    color : tuple of 3 int, optional
    strength : float, optional
        The colour's share where the mask covers the pixel fully.

    Returns
    -------
    tinted : (M, N, 3) ndarray of uint8
        The image where the mask is empty; elsewhere the image's pixel and
        ``color`` mixed, so that what the mask leaves out keeps its colour.
    """
    image = as_display(image)
    if image.ndim == 2:
        image = np.repeat(image[..., np.newaxis], 3, axis=2)
    covered = np.asarray(covered)
    if covered.shape != image.shape[:2]:
        raise ValueError(
            f"a mask of shape {covered.shape} does not fit an image of {image.shape[:2]}"
        )
    weight = (covered.astype(np.float32) / (1 if covered.dtype == bool else 255))
    weight = (strength * weight)[..., np.newaxis]
    mixed = image * (1 - weight) + np.asarray(color, dtype=np.float32) * weight
    return np.rint(mixed).astype(np.uint8)


#: The tints :func:`contrast_colour` chooses from, the first where they tie.
TINTS = (("magenta", (255, 0, 255)), ("lime", (0, 255, 0)), ("cyan", (0, 255, 255)),
         ("yellow", (255, 255, 0)))


def contrast_colour(picture, sample=20000):
    """The tint that stands out most on an image: of :data:`TINTS`, the one
    farthest (in RGB) from the image's own colours, as the 5th percentile of
    its distances to them (so that no large part of the image looks like
    it): magenta on black cloth, lime on pink wells, cyan on purple
    colonies on a yellowish plate (the lesson's images).

    Parameters
    ----------
    picture : (M, N, 3) or (M, N) ndarray of uint8
        The image's preview.
    sample : int, optional
        The pixels looked at, at most (evenly spaced).

    Returns
    -------
    name : str
    colour : tuple of 3 int
    """
    picture = as_display(picture)
    if picture.ndim == 2:
        picture = np.repeat(picture[..., np.newaxis], 3, axis=2)
    pixels = picture.reshape(-1, 3)
    pixels = pixels[:: max(1, len(pixels) // sample)].astype(np.float32)
    best = None
    for name, colour in TINTS:
        far = np.percentile(np.linalg.norm(pixels - np.float32(colour), axis=1), 5)
        if best is None or far > best[0] + 1e-6:
            best = (far, name, colour)
    return best[1], best[2]


#: The colour of a region of interest's outline in the QC figures (yellow).
OUTLINE = (255, 214, 0)


def outline(image, covered, color=OUTLINE):
    """An image with a region's outline drawn over it, one pixel wide: the
    region's pixels (at least half covered) with a neighbour outside it, or
    on the image's edge (a region of interest in the QC figure).

    Parameters
    ----------
    image : (M, N, 3) ndarray of uint8
    covered : (M, N) ndarray of uint8 or bool
        As :func:`coverage` gives it.
    color : tuple of 3 int, optional

    Returns
    -------
    outlined : (M, N, 3) ndarray of uint8
        A copy.

    Examples
    --------
    >>> region = np.zeros((5, 5), bool); region[1:4, 1:4] = True
    >>> int((outline(np.zeros((5, 5, 3), np.uint8), region)[..., 0] > 0).sum())
    8
    """
    image = np.array(image, dtype=np.uint8)
    covered = np.asarray(covered)
    inside = covered if covered.dtype == bool else covered >= 128
    padded = np.pad(inside, 1, constant_values=False)
    interior = (padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])
    image[inside & ~interior] = color
    return image


def read_gray_and_preview(path, grayscale, max_side, detail_side=None, original=False):
    """Read an image as grayscale, with a preview of the original and a
    detail of it at full size (and, with ``original``, the image as read).

    Returns
    -------
    gray : (M, N) ndarray
        ``to_grayscale(read_image(path), grayscale)``.
    preview : ndarray of uint8
        ``thumbnail(read_image(path), max_side)``.
    detail : tuple or None
        ``(box, pixels)``: the :func:`rootmass.qc.previews.detail_box` of side
        ``detail_side`` (its ``(top, left, height, width)``) and the
        original's pixels there, 8-bit; None where the preview is the image
        itself (no detail is needed) or ``detail_side`` is None.
    image : ndarray
        With ``original`` only: ``read_image(path)``.

    Notes
    -----
    For the usual 8-bit gray or RGB photo and ``'luma'``, all come straight
    from Pillow's decoded image (the grayscale by the very conversion that
    :func:`rootmass.segmentation.to_grayscale` uses), without copying the
    photo through numpy: a quarter less time for a 6-megapixel JPEG. The
    results are the same.
    """
    with open_image(path) as image:
        if grayscale == "luma" and image.mode in ("L", "RGB"):
            gray = np.asarray(image if image.mode == "L" else image.convert("L"))
            shape = (image.height, image.width)
            factor = reduction(shape, max_side)
            preview = np.asarray(image.reduce(factor) if factor > 1 else image)
            detail = _detail(preview, factor, shape, detail_side, lambda top, left, h, w:
                             np.asarray(image.crop((left, top, left + w, top + h))))
            found = _checked(gray), preview, detail
            return (*found, np.asarray(image)) if original else found
    read = read_image(path)
    preview = thumbnail(read, max_side)
    factor = reduction(read.shape, max_side)
    detail = _detail(preview, factor, read.shape, detail_side, lambda top, left, h, w:
                     as_display(read[top : top + h, left : left + w]))
    found = to_grayscale(read, grayscale), preview, detail
    return (*found, read) if original else found


def _detail(preview, factor, shape, side, crop):
    """``(box, crop(*box))`` for :func:`read_gray_and_preview`, or None where
    no detail is asked for or the preview is the image itself."""
    if side is None or factor == 1:
        return None
    box = detail_box(preview, factor, shape, side)
    return box, crop(*box)
