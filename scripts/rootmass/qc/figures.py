"""Figures: the pictures of one image, or of many, laid out with Pillow as
8-bit RGB arrays.

Nothing here reads or writes files (:mod:`rootmass.io` does). The panels
are arrays from :mod:`rootmass.qc.previews`; the one plot among them, the
histogram, is drawn by matplotlib (its object API on the Agg canvas, never
pyplot): axes, ticks and labels once for a range of counts, then only the
curve and the lines for each image (matplotlib's blitting), which keeps a
figure at a few milliseconds. (The plots of the whole collection, drawn
once each, are :mod:`rootmass.qc.plots`'.)

- :class:`HistogramPanel` and :func:`image_figure`: one image with its
  foreground tinted, a detail at full resolution, and the histogram with the
  threshold (and the bright cutoff); :func:`message_figure` for an image
  without a result.
- :func:`contact_sheet`: labelled thumbnails of many images on a page.
- :func:`method_figure`: the foreground that every automatic threshold
  method gives for one image, side by side
  (:func:`rootmass.segmentation.method_results`).
"""

import functools
import math
import textwrap

import numpy as np

from rootmass.qc.previews import HISTOGRAM_BINS, as_display

__all__ = [
    "HistogramPanel",
    "image_figure",
    "object_panel",
    "root_panel",
    "message_figure",
    "contact_sheet",
    "method_figure",
]

#: Space around and between panels, and the height of a panel's title.
PAD, TITLE = 8, 22


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

    def __init__(self, width=320, height=210):
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
        if foreground == "local":  # each pixel against its own: no side to shade
            handles, labels = [self.t_line], ["t: the mean of the pixels' own thresholds"]
        if foreground == "model":  # a classifier's: no threshold
            handles, labels = [self.curve], ["the blurred image (a classifier decides)"]
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
            :func:`rootmass.qc.previews.histogram` of the blurred image.
        t : float or None
            None: no threshold drawn (a classifier's mask).
        foreground : {'above', 'below', 'local', 'model'}, optional
            The side of ``t`` shaded as foreground; ``'local'``: none (a
            local threshold's ``t`` is the mean of its pixels' own);
            ``'model'``: none, and no ``t`` (a classifier's mask).
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
        if t is None:  # (a classifier's mask: no threshold)
            side = (0.0, 0.0)
        elif foreground == "local":
            side = (t, t)
        elif foreground == "above":
            side = (t, 1.0 if bright_cutoff is None else max(t, bright_cutoff))
        else:
            side = (0.0, t if bright_cutoff is None else min(t, bright_cutoff))
        self.span.set_x(side[0])
        self.span.set_width(side[1] - side[0])
        self.curve.set_ydata(counts)
        artists = [self.span, self.curve]
        if t is not None:
            self.t_line.set_xdata([t, t])
            artists.append(self.t_line)
        if bright_cutoff is not None:
            self.cutoff_line.set_xdata([bright_cutoff, bright_cutoff])
            artists.append(self.cutoff_line)
        for artist in artists:
            ax.draw_artist(artist)
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()


def object_colours(labels):
    """Each object in its own colour on black, as the lesson's summary image
    (``skimage.color.label2rgb(labels, bg_label=0)``) colours them, but in
    :data:`LABEL_PALETTE`'s bright colours, as 8-bit RGB.

    The same colours pixel for pixel as ``label2rgb(labels,
    colors=LABEL_PALETTE / 255, bg_label=0)`` (it cycles through the colours
    in the order of the labels present; a test checks it), by a lookup table
    of the labels: a tenth of label2rgb's time, which sorts every pixel.

    Parameters
    ----------
    labels : (M, N) ndarray of uint8 or uint16
        0 for the background.
    """
    labels = np.asarray(labels)
    if labels.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"expected labels of uint8 or uint16; got {labels.dtype}")
    present = np.bincount(labels.reshape(-1), minlength=int(labels.max()) + 1) > 0
    present[0] = False
    rank = np.cumsum(present) - 1  # each label's place among those present
    lut = LABEL_PALETTE[rank % len(LABEL_PALETTE)]
    lut[0] = 0
    return lut[labels]


#: The objects' colours: label2rgb's ten, in its order (red, blue, yellow,
#: magenta, green, indigo, darkorange, cyan, pink, yellowgreen), with its
#: dark ones (blue, green, indigo) lightened, so that every colour stands out
#: on the black background (a contrast of at least 4.5 against black, as
#: WCAG measures it; a test checks it).
LABEL_PALETTE = np.array(
    [[255, 0, 0], [80, 140, 255], [255, 255, 0], [255, 0, 255], [0, 200, 0],
     [180, 120, 255], [255, 140, 0], [0, 255, 255], [255, 192, 203], [154, 205, 50]],
    dtype=np.uint8,
)


#: The colours of the diameter classes in a figure's skeleton, thinnest first
#: (then repeating), with their names: neighbouring classes far apart in hue
#: and lightness, so that 1-pixel lines tell them apart.
CLASS_COLOURS = (("cyan", (0, 255, 255)), ("yellow", (255, 255, 0)),
                 ("magenta", (255, 0, 255)), ("white", (255, 255, 255)),
                 ("orange", (255, 140, 0)), ("lime", (0, 255, 0)),
                 ("blue", (80, 140, 255)), ("red", (255, 0, 0)))


def skeleton_overlay(picture, classes, legend=None):
    """A skeleton over its image: the image darkened to half, each skeleton
    pixel in its diameter class's colour (:data:`CLASS_COLOURS`), the lines
    widened to 3 pixels (the thicker class where two meet) so that their
    colours show at the figure's size; with ``legend``, each class's span
    written in its colour at the foot.

    Parameters
    ----------
    picture : (M, N, 3) or (M, N) ndarray of uint8
        The image's preview (of a grayscale image: 2-D).
    classes : (m, n) ndarray of int
        The skeleton at the preview's scale
        (:func:`rootmass.measure.roots.skeleton_preview`): 0 where there is none,
        else the class (1, the thinnest, ...); cut or padded to the
        preview's size.
    legend : list of str, optional
        Each class's span (:func:`class_spans`).
    """
    from scipy.ndimage import grey_dilation

    picture = np.asarray(picture)
    if picture.ndim == 2 and picture.dtype == np.uint8:  # a grayscale image's preview
        picture = np.repeat(picture[..., np.newaxis], 3, axis=2)
    if picture.ndim != 3 or picture.shape[2] != 3 or picture.dtype != np.uint8:
        raise ValueError(f"expected an RGB image of uint8; got {picture.dtype} {picture.shape}")
    shown = np.zeros(picture.shape[:2], dtype=np.int64)
    rows, cols = min(shown.shape[0], classes.shape[0]), min(shown.shape[1], classes.shape[1])
    shown[:rows, :cols] = classes[:rows, :cols]
    shown = grey_dilation(shown, size=(3, 3))
    out = picture // 2
    colours = np.array([rgb for _, rgb in CLASS_COLOURS], dtype=np.uint8)
    lines = shown > 0
    out[lines] = colours[(shown[lines] - 1) % len(colours)]
    if legend:
        out = _legend(out, legend)
    return out


def _legend(picture, spans):
    """Each class's span written in its colour on a black strip at the
    picture's foot (left to right; a second row where one does not fit)."""
    from PIL import Image, ImageDraw

    page = Image.fromarray(picture)
    draw = ImageDraw.Draw(page)
    font = _font(12)
    words = [(span, CLASS_COLOURS[i % len(CLASS_COLOURS)][1]) for i, span in enumerate(spans)]
    rows, row, used = [], [], 4
    for word, colour in words:
        width = draw.textlength(word, font=font) + 8
        if row and used + width > page.width:
            rows.append(row)
            row, used = [], 4
        row.append((word, colour, used))
        used += width
    rows.append(row)
    top = page.height - 16 * len(rows) - 2
    draw.rectangle([0, top, page.width, page.height], fill=(0, 0, 0))
    for k, row in enumerate(rows):
        for word, colour, x in row:
            draw.text((x, top + 1 + 16 * k), word, fill=tuple(colour), font=font)
    return np.asarray(page)


def class_spans(classes):
    """Each diameter class's span, thinnest first: ``['0-3', '3-6', '>6']``."""
    bounds = [f"{float(b):g}" for b in classes]
    return [f"{low}-{high}" for low, high in zip(bounds, bounds[1:])] + [f">{bounds[-1]}"]


def image_figure(name, tinted, panel, ratio, t, detail=None, box=None, overlays=(),
                 tint_name="magenta"):
    """One image's thresholding at a glance.

    Parameters
    ----------
    name : str
        The figure's title (the image's path).
    tinted : ndarray of uint8
        The image with its foreground tinted (:func:`~rootmass.qc.previews.tint` of a preview and
        its :func:`~rootmass.qc.previews.coverage`).
    panel : ndarray of uint8
        The histogram with ``t`` (:meth:`HistogramPanel.render`).
    ratio, t : float
    detail : ndarray of uint8, optional
        A part of the full-size image, tinted by the full-size mask.
    box : tuple of 4 int, optional
        The detail's ``(top, left, height, width)`` in the image.
    overlays : sequence of tuple, optional
        The measuring stages' panels, each ``(what the title adds, the
        panel's title, the panel)``: :func:`object_panel`,
        :func:`root_panel`.
    tint_name : str, optional
        The tint's colour, for the title (:func:`~rootmass.qc.previews.contrast_colour`).

    Returns
    -------
    figure : (H, W, 3) ndarray of uint8
        The tinted image with the foreground ratio, the stages' panels
        (where given), the detail (where given), and the histogram, side by
        side under the title.
    """
    panels = [(f"ratio {ratio:.4f}, {tint_name} tint", _rgb(tinted))]
    for added, title, picture in overlays:
        name = f"{name}{added}"
        panels.append((title, _rgb(picture)))
    if detail is not None:
        top, left, height, width = box
        panels.append((f"full size, x {left}-{left + width}, y {top}-{top + height}",
                       _rgb(detail)))
    title = ("histogram of the blurred image (a classifier's mask: no t)" if t is None
             else f"histogram of the blurred image, t = {t:.4f}")
    panels.append((title, _rgb(panel)))
    return _layout(name, panels)


def object_panel(row, labels, original=None):
    """The objects stage's panel of an image's figure (:func:`image_figure`).

    Parameters
    ----------
    row : dict
        The image's row of the stage (``objects``: the count, None where
        none was made).
    labels : callable
        Returns the labels at the preview's size.
    original : ndarray, optional
        The preview (not used).

    Returns
    -------
    overlay : tuple or None
        The objects in their colours (:func:`object_colours`), the count in
        the title; None without a count.
    """
    count = row.get("objects")
    if count is None:
        return None
    return (f": {count} object{'' if count == 1 else 's'}",
            f"{count} objects, each its own colour", object_colours(labels()))


def root_panel(row, skeleton, original):
    """The roots stage's panel of an image's figure (:func:`image_figure`).

    Parameters
    ----------
    row : dict
        The image's traits (``measured``, ``root_length``, ``root_length_mm``
        where a pixel size is known, ``figure_classes``, ``figure_unit``).
    skeleton : callable
        Returns the skeleton at the preview's size (diameter classes).
    original : ndarray of uint8
        The preview, which the skeleton is drawn over.

    Returns
    -------
    overlay : tuple or None
        The skeleton over the image (:func:`skeleton_overlay`), coloured by
        diameter class, with each class's span in its colour at the foot;
        the total length in the title; None where the roots were not
        measured.
    """
    if not row.get("measured"):
        return None
    length = f"{row['root_length']:.0f} px" + (
        f" ({row['root_length_mm']:.1f} mm)" if "root_length_mm" in row else "")
    classes = row["figure_classes"]
    title = f"skeleton by diameter, {row['figure_unit']}" if classes else "skeleton"
    return (f", root length {length}", title,
            skeleton_overlay(original, skeleton(), class_spans(classes) if classes else None))


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
        Each at most ``cell`` pixels on its longer side (see :func:`~rootmass.qc.previews.thumbnail`);
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



def method_figure(name, image, results, columns=None):
    """The method panel: the original, then each method's foreground.

    Parameters
    ----------
    name : str
    image : ndarray
        A :func:`~rootmass.qc.previews.thumbnail` of the image, the size of the previews.
    results : list of dict
        From :func:`rootmass.segmentation.method_results`.
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

