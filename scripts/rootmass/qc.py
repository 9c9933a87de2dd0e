"""Quality control: the pictures that let a person check a thresholding.

Small functions, arrays and numbers in, arrays out; nothing here reads or
writes files (``rootmass.io`` does). The figures are 8-bit RGB arrays laid
out with Pillow; the one plot in them, the histogram, is drawn by matplotlib
(its object API on the Agg canvas, never pyplot): axes, ticks and labels once
for a range of counts, then only the curve and the lines for each image
(matplotlib's blitting), which keeps a figure at a few milliseconds.

- :func:`histogram`: the lesson's histogram of a blurred image.
- :func:`selection`: the lesson's selection, ``image[~mask] = 0``.
- :func:`thumbnail`, :func:`coverage` and :func:`preview_selection`: an
  image, its mask and its selection at the size of a figure's panel.
- :func:`detail_box` and :func:`tint`: the part of an image with the most
  edge, for a detail at full resolution, and an image with its foreground
  tinted.
- :class:`HistogramPanel` and :func:`image_figure`: one image with its
  foreground tinted, a detail at full resolution, and the histogram with the
  threshold (and the bright cutoff).
- :func:`contact_sheet`: labelled thumbnails of many images on a page.
- :func:`ratio_figure`: the ratio of every image (a matplotlib figure).
- :func:`method_results` and :func:`method_figure`: the foreground that every
  automatic threshold method gives for one image, side by side.
"""

import functools
import math
import textwrap

import numpy as np

from .thresholding import (
    AUTOMATIC_METHODS,
    EXCLUSION_METHODS,
    MARKER_MIN_AREA,
    foreground_mask,
    foreground_ratio,
    image_histogram,
    method_exclusion,
    threshold_value,
)

__all__ = [
    "HISTOGRAM_BINS",
    "FIGURE_SIDE",
    "DETAIL_SIDE",
    "TINT",
    "PANEL_METHODS",
    "histogram",
    "selection",
    "as_display",
    "reduction",
    "thumbnail",
    "coverage",
    "preview_selection",
    "detail_box",
    "tint",
    "HistogramPanel",
    "image_figure",
    "message_figure",
    "contact_sheet",
    "ratio_figure",
    "settings_text",
    "group_figure",
    "method_results",
    "method_figure",
    "evaluation_figure",
]

#: Bins of the histogram over [0, 1], as the lesson plots it.
HISTOGRAM_BINS = 256
#: The methods of the method panel: every automatic one.
PANEL_METHODS = (*AUTOMATIC_METHODS, *EXCLUSION_METHODS)
#: Largest side, in pixels, of an image panel in a figure (the previews).
FIGURE_SIDE = 600
#: Side, in pixels, of the detail at full resolution in an image's figure.
DETAIL_SIDE = 240
#: The colour that marks the foreground in a figure, and how strongly.
TINT, TINT_STRENGTH = (255, 0, 255), 0.4
#: Space around and between panels, and the height of a panel's title.
PAD, TITLE = 8, 22


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
    histogram, this takes a third of the time of ``np.histogram``'s general
    algorithm and gives the same counts. Other inputs go to ``np.histogram``.
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

    scaled = blurred * 256.0
    np.minimum(scaled, 255.0, out=scaled)
    levels = np.ascontiguousarray(scaled.astype(np.uint8))
    del scaled
    counts = np.array(Image.fromarray(levels).histogram(), dtype=np.intp)
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


def reduction(shape, max_side):
    """The integer factor that shrinks an image of ``shape`` to at most
    ``max_side`` pixels on its longer side (1: not shrunk)."""
    if max_side < 1:
        raise ValueError(f"max_side must be at least 1; got {max_side!r}")
    return max(1, math.ceil(max(shape[:2]) / max_side))


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


def coverage(mask, factor):
    """How much of each block of a mask is foreground, as 8-bit gray.

    Parameters
    ----------
    mask : (M, N) ndarray of bool
    factor : int
        Side of the blocks (as :func:`thumbnail` reduces).

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


# --- drawing -------------------------------------------------------------------
@functools.cache
def _font(size):
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _rgb(array):
    from PIL import Image

    array = np.ascontiguousarray(array, dtype=np.uint8)
    return Image.fromarray(array).convert("RGB")


def _text(draw, xy, text, size=12, width=None, fill="black"):
    """Draw one line of text, shortened in the middle to fit ``width``."""
    font = _font(size)
    if width is not None and draw.textlength(text, font=font) > width:
        text = _fit(draw, text, font, width)
    draw.text(xy, text, fill=fill, font=font)


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


def _layout(title, panels):
    """A white page: a title, then panels side by side, each with its own
    title above it. ``panels`` is a list of (title, RGB image)."""
    from PIL import Image, ImageDraw

    width = PAD + sum(image.width + PAD for _, image in panels)
    height = 2 * PAD + TITLE + TITLE + max(image.height for _, image in panels)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    _text(draw, (PAD, PAD), title, size=15, width=width - 2 * PAD)
    x, top = PAD, PAD + TITLE + TITLE
    for panel_title, image in panels:
        if panel_title:
            _text(draw, (x, top - TITLE + 3), panel_title, size=12, width=image.width)
        page.paste(image, (x, top))
        x += image.width + PAD
    return np.asarray(page)


def _count_label(count, top):
    """A tick label of the histogram's counts on axes up to ``top``:
    ``100,000`` while the axes end at a million or below, else ``10^7`` for
    every tick above 1 (so that no label is wider than the margin for it)."""
    if top <= 1e6 or count < 10:
        return f"{count:,.0f}"
    return f"$10^{{{round(math.log10(count))}}}$"


class HistogramPanel:
    """The lesson's histogram of one image after another, as a picture.

    The counts are drawn against the blurred grayscale value on [0, 1], on a
    log scale (linear below 1), with ``t`` as a red line, the foreground's
    side shaded and, where given, the bright cutoff dashed in blue. The axes,
    ticks, labels and legend are drawn once for each range of counts (a
    power of ten) and legend; each image then only draws its curve and lines
    onto them. The value of ``t`` goes in the figure's panel title.

    Parameters
    ----------
    width, height : int, optional
        Size of the picture in pixels.
    """

    def __init__(self, width=340, height=230):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        dpi = 100
        self.figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        # fixed margins in pixels: room for "100,000", the axis labels and
        # the legend above the plot
        left, right, bottom, top = 80, 10, 38, 24
        self.axes = ax = self.figure.add_axes(
            [left / width, bottom / height, 1 - (left + right) / width,
             1 - (bottom + top) / height]
        )
        ax.set_xlim(0, 1)
        ax.set_yscale("symlog", linthresh=1)
        ax.yaxis.set_major_formatter(lambda count, _: _count_label(count, ax.get_ylim()[1]))
        ax.tick_params(labelsize=7, pad=2)
        ax.set_xlabel("blurred grayscale value", fontsize=8, labelpad=2)
        ax.set_ylabel("pixels", fontsize=8, labelpad=2)
        edges = np.linspace(0, 1, HISTOGRAM_BINS + 1)
        self.span = ax.axvspan(0, 1, color="tab:orange", alpha=0.15, animated=True)
        (self.curve,) = ax.plot(
            edges[:-1], np.zeros(HISTOGRAM_BINS), color="0.2", linewidth=0.8, animated=True
        )
        self.t_line = ax.axvline(0, color="tab:red", linewidth=1.5, animated=True)
        self.cutoff_line = ax.axvline(
            0, color="tab:blue", linestyle="--", linewidth=1.5, animated=True
        )
        self.legend = None
        self.key = None
        self.background = None

    def _legend(self, foreground, bright_cutoff):
        """The legend for a foreground side and cutoff: above the plot, from
        the picture's left edge, so that it never covers the curve."""
        handles = [self.span, self.t_line]
        labels = [f"foreground ({foreground})", "t"]
        if bright_cutoff is not None:
            handles.append(self.cutoff_line)
            labels.append(f"bright cutoff {bright_cutoff:g}")
        legend = self.figure.legend(
            handles, labels, loc="upper left", bbox_to_anchor=(0, 1), ncol=3,
            frameon=False, fontsize=7, borderaxespad=0.2, handlelength=1.4,
            columnspacing=0.8, handletextpad=0.4,
        )
        legend.set_animated(True)
        return legend

    def render(self, counts, t, foreground="above", bright_cutoff=None):
        """The panel for one image.

        Parameters
        ----------
        counts : (256,) array of int
            :func:`histogram` of the blurred image.
        t : float
        foreground : {'above', 'below'}, optional
        bright_cutoff : float, optional
            Drawn where given; nothing at or above it is foreground.

        Returns
        -------
        picture : (height, width, 3) ndarray of uint8
        """
        counts = np.asarray(counts)
        if counts.shape != (HISTOGRAM_BINS,):
            raise ValueError(f"expected {HISTOGRAM_BINS} counts; got shape {counts.shape}")
        top = 10 ** math.ceil(math.log10(max(10, 2 * int(counts.max()))))
        key = (top, foreground, bright_cutoff)
        if key != self.key:  # new axes or legend: draw them once, keep the picture
            if self.legend is not None:
                self.legend.remove()
            self.legend = self._legend(foreground, bright_cutoff)
            self.legend.set_animated(False)
            self.axes.set_ylim(0, top)
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
            self.key = key
        self.canvas.restore_region(self.background)
        ax = self.axes
        if foreground == "above":
            side = (t, 1.0 if bright_cutoff is None else max(t, bright_cutoff))
        else:
            side = (0.0, t if bright_cutoff is None else min(t, bright_cutoff))
        self.span.set_x(side[0])
        self.span.set_width(side[1] - side[0])
        self.curve.set_ydata(counts)
        self.t_line.set_xdata([t, t])
        artists = [self.span, self.curve, self.t_line]
        if bright_cutoff is not None:
            self.cutoff_line.set_xdata([bright_cutoff, bright_cutoff])
            artists.append(self.cutoff_line)
        for artist in artists:
            ax.draw_artist(artist)
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()


def image_figure(name, tinted, panel, ratio, t, detail=None, box=None):
    """One image's thresholding at a glance.

    Parameters
    ----------
    name : str
        The figure's title (the image's path).
    tinted : ndarray of uint8
        The image with its foreground tinted (:func:`tint` of a preview and
        its :func:`coverage`).
    panel : ndarray of uint8
        The histogram with ``t`` (:meth:`HistogramPanel.render`).
    ratio, t : float
    detail : ndarray of uint8, optional
        A part of the full-size image, tinted by the full-size mask.
    box : tuple of 4 int, optional
        The detail's ``(top, left, height, width)`` in the image.

    Returns
    -------
    figure : (H, W, 3) ndarray of uint8
        The tinted image with the foreground ratio, the detail (where
        given), and the histogram, side by side under the title.
    """
    panels = [(f"foreground tinted, ratio {ratio:.4f}", _rgb(tinted))]
    if detail is not None:
        top, left, height, width = box
        panels.append((f"full size, x {left}-{left + width}, y {top}-{top + height}",
                       _rgb(detail)))
    panels.append((f"histogram of the blurred image, t = {t:.4f}", _rgb(panel)))
    return _layout(name, panels)


def message_figure(name, message, width=1200):
    """A figure for an image that has no result: its name and the reason."""
    from PIL import Image, ImageDraw

    lines = textwrap.wrap(message, 140) or [""]
    page = Image.new("RGB", (width, 2 * PAD + TITLE + 18 * len(lines) + PAD), "white")
    draw = ImageDraw.Draw(page)
    _text(draw, (PAD, PAD), name, size=15, width=width - 2 * PAD)
    for i, line in enumerate(lines):
        _text(draw, (PAD, PAD + TITLE + 4 + 18 * i), line, size=12, fill="darkred")
    return np.asarray(page)


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
        Width of each thumbnail's cell; each row is as tall as the page's
        tallest thumbnail (at most ``cell``), and each thumbnail sits centred
        at its foot, right above its label.
    label_height : int, optional

    Returns
    -------
    page : (H, W, 3) ndarray of uint8
        White page, thumbnails in row-major order.
    """
    from PIL import Image, ImageDraw

    if len(thumbnails) != len(labels):
        raise ValueError(f"{len(thumbnails)} thumbnails but {len(labels)} labels")
    if not thumbnails:
        raise ValueError("no thumbnails to lay out")
    columns = min(columns, len(thumbnails))
    rows = math.ceil(len(thumbnails) / columns)
    pad = 6
    tallest = max((np.asarray(t).shape[0] for t in thumbnails if t is not None), default=0)
    width, height = cell + 2 * pad, tallest + label_height + 2 * pad
    page = Image.new("RGB", (columns * width, rows * height), "white")
    draw = ImageDraw.Draw(page)
    for i, (small, label) in enumerate(zip(thumbnails, labels)):
        x, y = (i % columns) * width + pad, (i // columns) * height + pad
        if small is not None:
            small = np.asarray(small)
            if small.ndim == 3 and small.shape[2] != 3:
                small = small[..., :3]
            tile = _rgb(small)
            if max(tile.size) > cell:
                raise ValueError(f"a thumbnail of {tile.size} is larger than cell {cell}")
            page.paste(tile, (x + (cell - tile.width) // 2, y + tallest - tile.height))
        for line_number, line in enumerate(label.split("\n")[:2]):
            _text(draw, (x, y + tallest + 2 + 15 * line_number), line, size=12, width=cell)
    return np.asarray(page)


def _matplotlib_figure(width, height, **margins):
    """A matplotlib figure on the Agg canvas, with fixed margins (fractions
    of the figure): a layout engine would take most of the time."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    figure.subplots_adjust(
        **{"left": 0.02, "right": 0.98, "bottom": 0.05, "top": 0.88, **margins}
    )
    return figure


def ratio_figure(names, ratios, max_named=60, subtitle=None):
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
    subtitle : str, optional
        What the ratios were measured with (:func:`settings_text`), under the
        title.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    if len(names) != len(ratios):
        raise ValueError(f"{len(names)} names but {len(ratios)} ratios")
    values = np.array([np.nan if r is None else float(r) for r in ratios])
    missing = np.isnan(values)
    n = len(names)
    title_lines = 1 if subtitle is None else 2
    if n <= max_named:
        height = 1.05 + 0.15 * title_lines + 0.22 * n
        figure = _matplotlib_figure(
            8, height, left=0.3, right=0.96, bottom=0.5 / height,
            top=1 - (0.2 + 0.15 * title_lines) / height,
        )
        ax = figure.subplots()
        positions = np.arange(n)[::-1]
        ax.barh(positions, np.nan_to_num(values), color="tab:green")
        ax.set_yticks(positions, names, fontsize=8)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel("foreground ratio")
        where = positions[missing]
    else:
        figure = _matplotlib_figure(10, 4, left=0.08, bottom=0.13, top=0.95 - 0.04 * title_lines)
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
    title = f"Foreground ratio of {n} image{'' if n == 1 else 's'}"
    ax.set_title(title if subtitle is None else f"{title}\n{subtitle}", fontsize=9, pad=4)
    return figure


def settings_text(rows):
    """The settings of a set of images, in words: ``method otsu, sigma 1.5,
    grayscale luma``, or with counts where the images' own settings differ
    (``method otsu (10), fixed (2)``).

    Parameters
    ----------
    rows : sequence of dict
        Rows of ``results/ratios.csv`` (columns ``method``, ``sigma``,
        ``grayscale``).
    """
    from collections import Counter

    parts = []
    for column in ("method", "sigma", "grayscale"):
        counts = Counter(row[column] for row in rows)
        if len(counts) == 1:
            parts.append(f"{column} {next(iter(counts))}")
        else:
            parts.append(f"{column} " + ", ".join(
                f"{value} ({n})" for value, n in sorted(counts.items())))
    return ", ".join(parts)


def group_figure(groups, ratios, subtitle):
    """The ratio of every image by group: each image a point, each group's
    median a line.

    Parameters
    ----------
    groups : sequence of str
        The groups' labels, in order.
    ratios : sequence of sequence of float
        Each group's ratios (images without a ratio left out).
    subtitle : str
        What the ratios were measured with (:func:`settings_text`).

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    if len(groups) != len(ratios):
        raise ValueError(f"{len(groups)} groups but {len(ratios)} lists of ratios")
    width = max(5.0, 1.2 + 0.9 * len(groups))
    figure = _matplotlib_figure(width, 4.6, left=0.8 / width + 0.04, right=0.98,
                                bottom=0.2, top=0.84)
    ax = figure.subplots()
    for i, values in enumerate(ratios):
        values = np.sort(np.asarray(values, dtype=float))
        if values.size:
            # spread the points evenly across the group's width, by rank
            offsets = np.linspace(-0.25, 0.25, values.size) if values.size > 1 else [0.0]
            ax.plot(i + np.asarray(offsets), values, "o", color="tab:green", alpha=0.6,
                    markersize=4)
            median = float(np.median(values))
            ax.hlines(median, i - 0.35, i + 0.35, color="black", linewidth=2)
    ax.set_xticks(range(len(groups)),
                  [f"{g}\n(n = {len(r)})" for g, r in zip(groups, ratios)], fontsize=8)
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set_ylabel("foreground ratio")
    figure.suptitle(f"Foreground ratio by group (line: median)\n{subtitle}", fontsize=9)
    return figure


def method_results(
    blurred, foreground="above", bright_cutoff=0.95, methods=PANEL_METHODS,
    preview_side=FIGURE_SIDE, marker_min_area=MARKER_MIN_AREA, marker_margin=14,
):
    """Threshold one blurred image with every automatic method.

    Parameters
    ----------
    blurred : (M, N) ndarray of float
    foreground : {'above', 'below'}, optional
    bright_cutoff : float, optional
        For the :data:`EXCLUSION_METHODS`.
    methods : sequence of str, optional
    preview_side : int, optional
    marker_min_area, marker_margin : optional
        For ``'otsu_excluding_markers'``: see :func:`marker_region`.

    Returns
    -------
    results : list of dict
        Per method: ``method``, and either ``t`` and ``ratio`` (as the
        workflow's :func:`threshold_value`, :func:`foreground_mask` and
        :func:`foreground_ratio` give them) and ``preview``, the mask's
        :func:`coverage` at most ``preview_side`` pixels on its longer side
        (one full-size mask is held at a time), or ``error``, the reason the
        method found no threshold. The image's histogram is computed once
        for the methods that use it (:func:`image_histogram`).
    """
    hist = image_histogram(blurred)
    factor = reduction(np.shape(blurred), preview_side)
    results = []
    for method in methods:
        try:
            cutoff, excluded = method_exclusion(
                blurred, method, bright_cutoff, marker_min_area, marker_margin
            )
            t = threshold_value(
                blurred, method, bright_cutoff=bright_cutoff, hist=hist, excluded=excluded
            )
        except ValueError as error:
            results.append({"method": method, "error": str(error)})
            continue
        mask = foreground_mask(blurred, t, foreground, cutoff, excluded)
        del excluded
        results.append(
            {"method": method, "t": t, "ratio": foreground_ratio(mask)[2],
             "preview": coverage(mask, factor)}
        )
        del mask
    return results


def method_figure(name, image, results, columns=None):
    """The method panel: the original, then each method's foreground.

    Parameters
    ----------
    name : str
    image : ndarray
        A :func:`thumbnail` of the image, the size of the previews.
    results : list of dict
        From :func:`method_results`.
    columns : int, optional
        Cells per row: by default 3, or 5 for more than 9 cells.

    Returns
    -------
    figure : (H, W, 3) ndarray of uint8
    """
    from PIL import Image, ImageDraw

    if columns is None:
        columns = 3 if len(results) + 1 <= 9 else 5
    original = _rgb(as_display(image))
    cell_w, cell_h = original.size
    title_h = 2 * TITLE - 6  # two lines: the method, then t and the ratio
    rows = math.ceil((len(results) + 1) / columns)
    width = PAD + columns * (cell_w + PAD)
    height = PAD + TITLE + 6 + rows * (title_h + cell_h + PAD)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    _text(draw, (PAD, PAD), f"{name}: the foreground of every automatic method",
          size=15, width=width - 2 * PAD)
    cells = [(("original", ""), original)]
    for result in results:
        if "error" in result:
            cells.append(((result["method"], "no threshold"), result["error"]))
        else:
            values = f"t = {result['t']:.4f}, ratio {result['ratio']:.4f}"
            cells.append(((result["method"], values), _rgb(result["preview"])))
    for i, ((method, values), content) in enumerate(cells):
        x = PAD + (i % columns) * (cell_w + PAD)
        y = PAD + TITLE + 6 + (i // columns) * (title_h + cell_h + PAD)
        # each line shortened to the cell's width: no title runs into the next
        _text(draw, (x, y + 1), method, size=12, width=cell_w)
        _text(draw, (x, y + TITLE - 5), values, size=12, width=cell_w)
        if isinstance(content, str):
            for n, line in enumerate(textwrap.wrap(content, max(20, cell_w // 7))[:8]):
                _text(draw, (x, y + title_h + 8 + 16 * n), line, size=11, fill="darkred")
        else:
            page.paste(content.resize((cell_w, cell_h)) if content.size != (cell_w, cell_h)
                       else content, (x, y + title_h))
    return np.asarray(page)


def evaluation_figure(rows, methods):
    """F1 by method: each scored image's F1 as a point, the mean as a bar,
    the methods best first, the best one named as such.

    Parameters
    ----------
    rows : sequence of dict
        Per method and image: ``method``, and ``f1`` or ``error`` (scored 0,
        drawn as a red cross).
    methods : sequence of dict
        :func:`rootmass.evaluation.compare_methods` of ``rows``.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    order = sorted(methods, key=lambda m: (-m["mean_f1"], -m["mean_iou"]))
    n = len(order)
    height = 1.3 + 0.32 * n
    figure = _matplotlib_figure(
        8, height, left=0.3, right=0.96, bottom=0.55 / height, top=1 - 0.5 / height
    )
    ax = figure.subplots()
    images = len({row["image"] for row in rows})
    for position, method in enumerate(order):
        y = n - 1 - position
        colour = "tab:green" if method["best"] else "tab:blue"
        ax.barh(y, method["mean_f1"], color=colour, alpha=0.25, height=0.7)
        scores = [r for r in rows if r["method"] == method["method"]]
        good = [float(r["f1"]) for r in scores if not r.get("error")]
        failed = len(scores) - len(good)
        jitter = np.linspace(-0.2, 0.2, len(good)) if len(good) > 1 else np.zeros(len(good))
        ax.plot(good, y + jitter, ".", color=colour, markersize=4)
        if failed:
            ax.plot([0.0] * failed, [y] * failed, "x", color="tab:red")
        ax.text(min(method["mean_f1"], 1.0) + 0.01, y + 0.38,
                f"mean {method['mean_f1']:.3f}", fontsize=7, va="top")
    labels = [m["method"] + ("  (best)" if m["best"] else "") for m in order]
    ax.set_yticks(np.arange(n)[::-1], labels, fontsize=8)
    for label, method in zip(ax.get_yticklabels(), order):
        if method["best"]:
            label.set_fontweight("bold")
    ax.set_xlim(0, 1.08)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlabel("F1 (Dice) of the mask against the truth, per image", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(
        f"Each method against the ground truth of {images} image"
        f"{'' if images == 1 else 's'}: F1 per image (points), mean (bar)",
        fontsize=9, pad=4,
    )
    return figure
