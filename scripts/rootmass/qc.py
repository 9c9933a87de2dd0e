"""Quality control: the pictures that let a person check a thresholding.

Small functions, arrays and numbers in, arrays or matplotlib figures out;
nothing here reads or writes files (``rootmass.io.save_figure`` and
``save_png`` do). Figures are made with matplotlib's object API and its Agg
canvas, never with pyplot, so no display or global state is involved.

- :func:`histogram`: the lesson's histogram of a blurred image.
- :func:`selection`: the lesson's selection, ``image[~mask] = 0``.
- :func:`image_figure`: one image's original, selection and histogram with
  the threshold (and the bright cutoff) drawn.
- :func:`thumbnail` and :func:`contact_sheet`: labelled thumbnails of many
  images on pages.
- :func:`ratio_figure`: the ratio of every image.
- :func:`method_results` and :func:`method_figure`: the foreground that every
  automatic threshold method gives for one image, side by side.
"""

import math

import numpy as np

from .thresholding import (
    AUTOMATIC_METHODS,
    foreground_mask,
    foreground_ratio,
    threshold_value,
)

__all__ = [
    "HISTOGRAM_BINS",
    "FIGURE_SIDE",
    "PANEL_METHODS",
    "histogram",
    "selection",
    "as_display",
    "thumbnail",
    "previews",
    "contact_sheet",
    "image_figure",
    "message_figure",
    "ratio_figure",
    "method_results",
    "method_figure",
]

#: Bins of the histogram over [0, 1], as the lesson plots it.
HISTOGRAM_BINS = 256
#: The methods of the method panel: every automatic one.
PANEL_METHODS = (*AUTOMATIC_METHODS, "otsu_excluding_bright")
#: Largest side, in pixels, of an image drawn in a per-image figure.
FIGURE_SIDE = 600


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
    """
    return np.histogram(blurred, bins=bins, range=(0.0, 1.0))


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
    from skimage.util import img_as_ubyte

    image = np.asarray(image)
    if image.ndim == 3:
        image = image[..., :3]
    if image.dtype == bool:
        return image.astype(np.uint8) * 255
    return img_as_ubyte(image)


def thumbnail(image, max_side):
    """Shrink an image so that its longer side is at most ``max_side`` pixels.

    The image is first made 8-bit (:func:`as_display`), then reduced by an
    integer factor with Pillow's box filter (each output pixel the mean of a
    block), so thin structures fade rather than vanish.

    Returns
    -------
    small : ndarray of uint8
    """
    from PIL import Image

    if max_side < 1:
        raise ValueError(f"max_side must be at least 1; got {max_side!r}")
    display = np.ascontiguousarray(as_display(image))
    factor = math.ceil(max(display.shape[:2]) / max_side)
    if factor <= 1:
        return display
    return np.asarray(Image.fromarray(display).reduce(factor))


def _figure(width, height, **margins):
    """A figure on matplotlib's Agg canvas. Margins are fixed (fractions of
    the figure) rather than computed by a layout engine, and titles sit at a
    fixed height: matplotlib's layout work would take most of the time."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    figure.subplots_adjust(
        **{"left": 0.02, "right": 0.98, "bottom": 0.05, "top": 0.88, **margins}
    )
    return figure


def _title(ax, title):
    ax.set_title(title, fontsize=9, y=1.0, pad=4)


def _show(ax, image, title):
    ax.imshow(image, cmap="gray", vmin=0, vmax=255, interpolation="antialiased")
    _title(ax, title)
    ax.set_axis_off()


def previews(image, mask, max_side=FIGURE_SIDE):
    """An image and its selection, shrunk for figures and contact sheets.

    Parameters
    ----------
    image : ndarray
        The image as read (gray, RGB or RGBA, any dtype).
    mask : (M, N) ndarray of bool
    max_side : int, optional

    Returns
    -------
    original, selected : ndarray of uint8
        :func:`thumbnail` of the image and of its :func:`selection`.
    """
    display = as_display(image)
    return thumbnail(display, max_side), thumbnail(selection(display, mask), max_side)


def image_figure(
    name, original, selected, blurred, t, ratio, foreground="above", bright_cutoff=None
):
    """One image's thresholding at a glance.

    Three panels: the original; the lesson's selection (``image[~mask] = 0``)
    with the foreground ratio; and the histogram of the blurred image
    (:func:`histogram`) with ``t`` drawn, the foreground side shaded and,
    where used, the bright cutoff.

    Parameters
    ----------
    name : str
        Shown as the figure's title.
    original, selected : ndarray of uint8
        The image and its selection, as :func:`previews` gives them.
    blurred : (M, N) ndarray of float
        The blurred grayscale image that was thresholded.
    t, ratio : float
    foreground : {'above', 'below'}, optional
    bright_cutoff : float, optional
        Drawn if given (method ``'otsu_excluding_bright'``).

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    counts, edges = histogram(blurred)
    figure = _figure(12, 3.6, bottom=0.15, top=0.84, left=0.01, wspace=0.18)
    figure.suptitle(name, fontsize=10)
    left, middle, hist = figure.subplots(1, 3, width_ratios=[1, 1, 1.2])
    _show(left, original, "original")
    _show(middle, selected, f"selection (image[~mask] = 0), ratio {ratio:.4f}")
    hist.plot(edges[:-1], counts, color="0.2", linewidth=1)
    hist.set_xlim(0, 1)
    hist.set_yscale("symlog", linthresh=1)
    # plain numbers: the default's mathtext labels cost more than the plot
    hist.yaxis.set_major_formatter("{x:,.0f}")
    hist.set_ylim(0, max(2, counts.max() * 2))
    hist.set_xlabel("blurred grayscale value")
    hist.set_ylabel("pixels")
    _title(hist, f"histogram, {HISTOGRAM_BINS} bins")
    side = (t, 1) if foreground == "above" else (0, t)
    hist.axvspan(*side, color="tab:orange", alpha=0.15, label=f"foreground ({foreground})")
    hist.axvline(t, color="tab:red", label=f"t = {t:.4f}")
    if bright_cutoff is not None:
        hist.axvline(
            bright_cutoff, color="tab:blue", linestyle="--",
            label=f"bright cutoff {bright_cutoff:g}",
        )
    hist.legend(fontsize=8, loc="upper right")
    return figure


def message_figure(name, message):
    """A placeholder figure for an image that has no result: its reason."""
    figure = _figure(12, 1.6)
    figure.suptitle(name, fontsize=10)
    ax = figure.subplots()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=9)
    return figure


def contact_sheet(thumbnails, labels, columns=8, cell=200, label_height=34):
    """Lay out labelled thumbnails on one page.

    Parameters
    ----------
    thumbnails : sequence of ndarray of uint8
        Each at most ``cell`` pixels on its longer side (see :func:`thumbnail`);
        ``None`` leaves its cell empty but for the label.
    labels : sequence of str
        One per thumbnail; up to two lines (split at ``\\n``) under it.
    columns : int, optional
    cell : int, optional
        Side of the square each thumbnail sits in (centred, at its foot).
    label_height : int, optional

    Returns
    -------
    page : (H, W, 3) ndarray of uint8
        White page, thumbnails in row-major order.
    """
    from PIL import Image, ImageDraw, ImageFont

    if len(thumbnails) != len(labels):
        raise ValueError(f"{len(thumbnails)} thumbnails but {len(labels)} labels")
    if not thumbnails:
        raise ValueError("no thumbnails to lay out")
    columns = min(columns, len(thumbnails))
    rows = math.ceil(len(thumbnails) / columns)
    pad = 6
    width, height = cell + 2 * pad, cell + label_height + 2 * pad
    page = Image.new("RGB", (columns * width, rows * height), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=12)
    for i, (small, label) in enumerate(zip(thumbnails, labels)):
        x, y = (i % columns) * width + pad, (i // columns) * height + pad
        if small is not None:
            small = np.asarray(small)
            if small.ndim == 3 and small.shape[2] != 3:
                small = small[..., :3]
            tile = Image.fromarray(np.ascontiguousarray(small)).convert("RGB")
            if max(tile.size) > cell:
                raise ValueError(f"a thumbnail of {tile.size} is larger than cell {cell}")
            page.paste(tile, (x + (cell - tile.width) // 2, y + cell - tile.height))
        for line_number, line in enumerate(label.split("\n")[:2]):
            text = line if draw.textlength(line, font=font) <= cell else _fit(draw, line, font, cell)
            draw.text((x, y + cell + 2 + 15 * line_number), text, fill="black", font=font)
    return np.asarray(page)


def _fit(draw, text, font, width):
    """``text`` shortened in the middle with an ellipsis to fit ``width``."""
    keep = len(text)
    while keep > 1:
        keep -= 1
        head = (keep + 1) // 2
        short = text[:head] + "…" + text[len(text) - (keep - head):]
        if draw.textlength(short, font=font) <= width:
            return short
    return text[:1] + "…"


def ratio_figure(names, ratios, max_named=60):
    """The foreground ratio of every image.

    Parameters
    ----------
    names : sequence of str
    ratios : sequence of float or None
        ``None`` (or NaN) for an image without a ratio; marked with a cross
        at 0.
    max_named : int, optional
        Up to this many images are drawn as labelled horizontal bars; more as
        points against their position in the list.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    if len(names) != len(ratios):
        raise ValueError(f"{len(names)} names but {len(ratios)} ratios")
    values = np.array([np.nan if r is None else float(r) for r in ratios])
    missing = np.isnan(values)
    n = len(names)
    if n <= max_named:
        height = 1.2 + 0.22 * n
        figure = _figure(8, height, left=0.3, right=0.96, bottom=0.5 / height,
                         top=1 - 0.35 / height)
        ax = figure.subplots()
        positions = np.arange(n)[::-1]
        ax.barh(positions, np.nan_to_num(values), color="tab:green")
        ax.set_yticks(positions, names, fontsize=8)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel("foreground ratio")
        where = positions[missing]
    else:
        figure = _figure(10, 4, left=0.08, bottom=0.13, top=0.91)
        ax = figure.subplots()
        positions = np.arange(n)
        ax.plot(positions, values, ".", color="tab:green", markersize=3)
        ax.set_xlabel(f"image (1 to {n}, in path order)")
        ax.set_ylabel("foreground ratio")
        where = positions[missing]
    if missing.any():
        xy = (np.zeros(where.size), where) if n <= max_named else (where, np.zeros(where.size))
        ax.plot(*xy, "x", color="tab:red", label=f"no ratio ({int(missing.sum())})")
        ax.legend(fontsize=8)
    _title(ax, f"Foreground ratio of {n} images")
    return figure


def method_results(
    blurred, foreground="above", bright_cutoff=0.95, methods=PANEL_METHODS,
    preview_side=FIGURE_SIDE,
):
    """Threshold one blurred image with every automatic method.

    Parameters
    ----------
    blurred : (M, N) ndarray of float
    foreground : {'above', 'below'}, optional
    bright_cutoff : float, optional
        For ``'otsu_excluding_bright'``.
    methods : sequence of str, optional
    preview_side : int, optional

    Returns
    -------
    results : list of dict
        Per method: ``method``, and either ``t`` and ``ratio`` (as the
        workflow's :func:`threshold_value`, :func:`foreground_mask` and
        :func:`foreground_ratio` give them) and ``preview``, the mask as a
        :func:`thumbnail` of at most ``preview_side`` pixels (one full-size
        mask is held at a time), or ``error``, the reason the method found no
        threshold.
    """
    results = []
    for method in methods:
        try:
            t = threshold_value(blurred, method, bright_cutoff=bright_cutoff)
        except ValueError as error:
            results.append({"method": method, "error": str(error)})
            continue
        cutoff = bright_cutoff if method == "otsu_excluding_bright" else None
        mask = foreground_mask(blurred, t, foreground, cutoff)
        results.append(
            {"method": method, "t": t, "ratio": foreground_ratio(mask)[2],
             "preview": thumbnail(mask, preview_side)}
        )
        del mask
    return results


def method_figure(name, image, results, columns=3):
    """The method panel: the original, then each method's foreground.

    Parameters
    ----------
    name : str
    image : ndarray
        The image as read, or a :func:`thumbnail` of it.
    results : list of dict
        From :func:`method_results`.
    columns : int, optional

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    rows = math.ceil((len(results) + 1) / columns)
    height = 3.2 * rows
    figure = _figure(4 * columns, height, left=0.01, right=0.99, bottom=0.01,
                     top=1 - 0.45 / height, wspace=0.04, hspace=0.12)
    figure.suptitle(f"{name}: the foreground of every automatic method", fontsize=11)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    _show(axes[0], thumbnail(image, FIGURE_SIDE), "original")
    for ax, result in zip(axes[1:], results):
        if "error" in result:
            ax.set_axis_off()
            _title(ax, result["method"])
            ax.text(0.5, 0.5, result["error"], ha="center", va="center", wrap=True, fontsize=8)
            continue
        _show(
            ax,
            result["preview"],
            f"{result['method']}: t = {result['t']:.4f}, ratio {result['ratio']:.4f}",
        )
    for ax in axes[len(results) + 1 :]:
        ax.set_axis_off()
    return figure
