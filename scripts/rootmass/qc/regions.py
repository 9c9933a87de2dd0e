"""The report's per-region plot: a value of the regions within the images
(the wells of a plate, depth bands, the plants of a tray, the dish of a
plate), one row of ``results/regions.csv`` per image and region, as a
matplotlib figure (its object API on the Agg canvas, never pyplot), drawn
once however many images there are.

- :func:`plate_position`: a well's row and column from its name
  (``"H12"``: row 7, column 11).
- :func:`region_overlay`: an image's regions outlined and named, for its
  QC figure.
- :func:`region_figure`: the wells of a plate as a heat map in the plate's
  own layout, each well its median over the images; any other regions as a
  box plot (or, with few images, the images' points) by region, in their
  order.

The values are grouped with numpy and pandas, never by a Python loop over
the rows: 10,000 images of 96 wells each (960,000 values) are drawn in
about a second.
"""

import functools

import numpy as np

from rootmass.regions.layout import plate_row_name, well_position

from .plots import _matplotlib_figure, _wrapped

__all__ = ["plate_position", "region_overlay", "region_figure", "PLATES", "MAX_REGIONS"]

#: The plates' layouts, (rows, columns), smallest first: 6 to 1536 wells.
#: A heat map is drawn in the smallest one that holds every well named.
PLATES = ((2, 3), (3, 4), (4, 6), (6, 8), (8, 12), (16, 24), (32, 48))

#: The most regions :func:`region_figure` draws other than as a plate (the
#: first ones, in their order; the title says how many there are).
MAX_REGIONS = 60

#: The most cells a heat map writes its values in.
_MAX_ANNOTATED = 96

#: At most this many values per region are drawn as points (with a line at
#: their median); more as a box plot.
_MAX_POINTS = 50

#: The colour map of the heat map (colour-blind safe, readable in grey), and
#: the colour of a well without a value.
_CMAP = "viridis"
_NO_VALUE = "0.82"


def plate_position(name):
    """A well's position on its plate from its name.

    Parameters
    ----------
    name : str
        A well's name: its row's letters, A to Z then AA to AF (the 32 rows
        of a 1536-well plate), and its column's number, 1 to 48, without a
        leading zero: ``"A1"``, ``"H12"``, ``"AA3"``.

    Returns
    -------
    position : tuple of int or None
        ``(row, column)``, both from 0: ``"A1"`` is ``(0, 0)``, ``"H12"``
        ``(7, 11)``, ``"AA3"`` ``(26, 2)``. ``None`` for anything else (a
        band such as ``"0-100 px"``, a number, lower case, ``"A01"``,
        ``"A0"``, ``"A49"``, ``"AG1"``, a value that is not a string).
    """
    found = well_position(name)
    rows, columns = PLATES[-1]
    return found if found and found[0] < rows and found[1] < columns else None



def _plural(n, word):
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _capitalized(text):
    return text[:1].upper() + text[1:]


def region_figure(regions, values, images, value_name="foreground fraction", subtitle=""):
    """The report's per-region plot: a value of every image's regions.

    Where every region's name is a well's (:func:`plate_position`), a heat
    map in the plate's own layout (the smallest of :data:`PLATES` that holds
    them: rows A... from top to bottom, columns 1... from left to right,
    both labelled), each well coloured by its median over the images
    (viridis, with a colour bar; grey where the well has no value) and, up
    to 96 wells, written in it; the title says over how many images.

    Any other regions (depth bands, the plants of a tray, the numbers or
    label values of a label image) are drawn as rows from top to bottom in
    the order they first come in the table (the bands from the top of the
    image down): a box plot of each region's values (box: quartiles,
    whiskers: 1.5 times the interquartile range, beyond them each value a
    dot) with its median a black line or, where no region has more than 50
    values, every value a point and the median a black line. At most
    :data:`MAX_REGIONS` regions are drawn, the first ones; the title says so
    when there are more. A region with fewer values than there are images
    says how many it has (``n = ...``), one with none ``no value``.

    Parameters
    ----------
    regions : sequence of str
        The region of every row of the table (``results/regions.csv``'s
        column ``region``): ``"A1"`` to ``"H12"`` for a 96-well plate,
        ``"0-100 px"`` for a band, ``"1"``, ``"2"``, ... for others.
    values : sequence of float
        The value of every row; NaN (or ``None``, or ``""`` as read from a
        CSV) where the image has none (a failed image): left out.
    images : sequence of str
        The image of every row.
    value_name : str, optional
        What the values are, for the title, the axis and the colour bar.
    subtitle : str, optional
        What the values were measured with
        (:func:`rootmass.qc.plots.settings_text`), under the title.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``regions``, ``values`` and ``images`` differ in length.
    """
    import pandas as pd

    if not len(regions) == len(values) == len(images):
        raise ValueError(
            f"{len(regions)} regions, {len(values)} values and {len(images)} images"
        )
    # (codes: each row's region, numbered in the order the regions first
    # come; -1 for a row without a region)
    codes, uniques = pd.factorize(pd.Series(regions, dtype=object), sort=False)
    names = [str(name) for name in uniques]
    try:
        values = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):  # as read from a CSV: "" for no value
        values = pd.to_numeric(pd.Series(list(values), dtype=object),
                               errors="coerce").to_numpy(float)
    n_images = int(pd.Series(images, dtype=object).nunique())
    positions = [plate_position(name) for name in uniques]
    if names and all(p is not None for p in positions):
        return _plate_figure(positions, codes, values, n_images, value_name, subtitle)
    return _region_rows_figure(names, codes, values, n_images, value_name, subtitle)


def _plate_shape(positions):
    """(rows, columns) of the smallest plate of :data:`PLATES` that holds
    every well of ``positions``."""
    rows = max(r for r, _ in positions) + 1
    columns = max(c for _, c in positions) + 1
    return next(((r, c) for r, c in PLATES if rows <= r and columns <= c), (rows, columns))


def _decimals(values):
    """How many decimals to write values with: three significant digits of
    the largest, at most three decimals (0.0312 as 0.031, 187.4 as 187)."""
    largest = np.nanmax(np.abs(values)) if np.isfinite(values).any() else 0.0
    if largest == 0:
        return 2
    return int(np.clip(2 - np.floor(np.log10(largest)), 0, 3))


def _plate_figure(positions, codes, values, n_images, value_name, subtitle):
    """The heat map of a plate's wells, each its median over the images."""
    import pandas as pd
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    rows, columns = _plate_shape(positions)
    known = codes >= 0
    medians = (pd.Series(values[known]).groupby(codes[known]).median()
               .reindex(range(len(positions))).to_numpy(float))
    where = np.array(positions)
    grid = np.full((rows, columns), np.nan)
    grid[where[:, 0], where[:, 1]] = medians

    # the layout, in inches: square cells; row letters left, column numbers
    # above, the colour bar right, the title on top
    width = float(np.clip(1.9 + 0.55 * columns, 5.5, 10.0))
    left, right, bottom = 0.5, 1.35, 0.15
    cell = (width - left - right) / columns
    tick_size = float(np.clip(cell * 72 * 0.45, 5.0, 8.0))
    title = (f"Median {value_name} of each well over {_plural(n_images, 'image')}"
             + (" (grey: no value)" if np.isnan(grid).any() else ""))
    lines = [*_wrapped(title, width), *_wrapped(subtitle, width)]
    top = 0.12 + 0.16 * len(lines) + 0.1 + 1.8 * tick_size / 72
    height = top + rows * cell + bottom
    figure = _matplotlib_figure(width, height, left=left / width, right=1 - right / width,
                                bottom=bottom / height, top=1 - top / height)
    ax = figure.subplots()

    finite = grid[np.isfinite(grid)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if low == high:
        pad = 0.05 * abs(low) if low else 0.05
        low, high = low - pad, high + pad
    norm = Normalize(low, high)
    cmap = colormaps[_CMAP].with_extremes(bad=_NO_VALUE)
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, origin="upper",
                      aspect="auto", interpolation="nearest")

    ax.set_xticks(np.arange(columns), [str(c + 1) for c in range(columns)])
    ax.set_yticks(np.arange(rows), [plate_row_name(r) for r in range(rows)])
    ax.xaxis.tick_top()
    ax.tick_params(which="both", length=0, labelsize=tick_size, pad=2)
    # the wells' edges
    ax.set_xticks(np.arange(columns + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.0 if columns <= 24 else 0.5)
    ax.grid(which="major", visible=False)

    if rows * columns <= _MAX_ANNOTATED:
        _annotate(ax, grid, cmap, norm, cell)

    cax = figure.add_axes([(width - right + 0.15) / width, bottom / height,
                           0.18 / width, rows * cell / height])
    bar = figure.colorbar(image, cax=cax)
    bar.set_label(value_name, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    figure.suptitle("\n".join(lines), fontsize=9, y=1 - 0.1 / height, va="top")
    return figure


def _annotate(ax, grid, cmap, norm, cell):
    """Write each well's value in it, white on dark and black on light
    colours; not where the values would not fit the cells."""
    decimals = _decimals(grid)
    texts = np.where(np.isfinite(grid), np.char.mod(f"%.{decimals}f", np.nan_to_num(grid)), "–")
    size = float(np.clip(cell * 72 * 0.3, 5.0, 8.0))
    # (a digit of DejaVu Sans is 0.64 of its size wide)
    if max(len(t) for t in texts.ravel()) * 0.64 * size > 0.9 * cell * 72:
        return
    rgba = cmap(norm(np.ma.masked_invalid(grid)))
    dark = rgba[..., :3] @ np.array([0.299, 0.587, 0.114]) < 0.5
    for (r, c), text in np.ndenumerate(texts):
        ax.text(c, r, text, ha="center", va="center", fontsize=size,
                color="white" if dark[r, c] else "black")


def _region_rows_figure(names, codes, values, n_images, value_name, subtitle):
    """The values by region, a row each, the regions in their order from
    top to bottom: a box plot, or each value a point."""
    shown = min(len(names), MAX_REGIONS)
    keep = (codes >= 0) & (codes < shown) & np.isfinite(values)
    code, value = codes[keep], values[keep]
    order = np.lexsort((value, code))  # by region, then by value
    code, value = code[order], value[order]
    counts = np.bincount(code, minlength=shown)
    starts = np.cumsum(counts) - counts
    groups = np.split(value, starts[1:])
    points = 0 < counts.max(initial=0) <= _MAX_POINTS

    labels = []
    for name, n in zip(names[:shown], counts):
        name = name if len(name) <= 30 else name[:29] + "…"
        labels.append(f"{name} (no value)" if n == 0
                      else f"{name} (n = {n:,})" if n < n_images else name)
    width = 8.0
    # (a character of an 8-point label is about 0.6 of 8 points wide)
    left = float(np.clip(0.3 + max(map(len, labels), default=4) * 8 * 0.6 / 72, 0.8, 3.2))
    what = ("points: images" if points else "box: quartiles, dots: outliers")
    title = (f"{_capitalized(value_name)} by region over {_plural(n_images, 'image')}"
             f" ({what}, black line: median)")
    if len(names) > shown:
        title += f"; the first {shown} of {len(names):,} regions shown"
    lines = [*_wrapped(title, width), *_wrapped(subtitle, width)]
    top = 0.2 + 0.16 * len(lines)
    bottom = 0.55
    height = top + 0.26 * max(shown, 2) + bottom
    figure = _matplotlib_figure(width, height, left=left / width, right=0.96,
                                bottom=bottom / height, top=1 - top / height)
    ax = figure.subplots()
    y = shown - 1 - np.arange(shown)  # the first region at the top
    colour = _colour()
    if shown and points:
        rank = np.arange(code.size) - starts[code]
        spread = np.where(counts > 1, counts - 1, 1)[code]
        offsets = np.where(counts[code] > 1, -0.25 + 0.5 * rank / spread, 0.0)
        ax.plot(value, y[code] + offsets, "o", color=colour, alpha=0.6, markersize=3)
        medians = np.array([np.median(g) if g.size else np.nan for g in groups])
        ax.vlines(medians, y - 0.35, y + 0.35, color="black", linewidth=2)
    elif shown:
        ax.boxplot(groups, positions=y, orientation="horizontal", widths=0.6,
                   patch_artist=True, manage_ticks=False,
                   boxprops={"facecolor": (*colour[:3], 0.35), "edgecolor": colour},
                   whiskerprops={"color": colour}, capprops={"color": colour},
                   medianprops={"color": "black", "linewidth": 2},
                   flierprops={"marker": ".", "markersize": 2, "alpha": 0.5,
                               "markerfacecolor": colour, "markeredgecolor": colour})
    if not shown:
        ax.text(0.5, 0.5, "no regions", ha="center", va="center", transform=ax.transAxes)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.6, max(shown, 1) - 0.4)
    ax.set_xlabel(value_name, fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
    figure.suptitle("\n".join(lines), fontsize=9, y=1 - 0.1 / height, va="top")
    return figure


def _colour():
    """The colour of the points and boxes: viridis's blue."""
    from matplotlib import colormaps

    return colormaps[_CMAP](0.3)


@functools.lru_cache(maxsize=4096)
def _name_patch(name, colour):
    """A region's name, 9 points, in ``colour`` with a black edge, on a
    transparent patch (drawn once a name: an image's names are the next's)."""
    from PIL import Image, ImageDraw

    from .figures import _font

    font = _font(9)
    left, top, right, bottom = font.getbbox(name, stroke_width=1)
    patch = Image.new("RGBA", (right - left, bottom - top))
    ImageDraw.Draw(patch).text((-left, -top), name, fill=colour, font=font, stroke_width=1,
                               stroke_fill=(0, 0, 0))
    return patch


def region_overlay(picture, labels, names, colour=(255, 255, 255)):
    """An image's regions outlined, each named at its centre, for its QC
    figure.

    Parameters
    ----------
    picture : (M, N, 3) ndarray of uint8
        The image at the figure's scale (its tinted preview).
    labels : (M, N) ndarray of int
        The regions' labels at that scale (``k`` for ``names[k - 1]``; e.g.
        :func:`rootmass.measure.objects.label_preview` of the full-size
        labels).
    names : sequence of str
    colour : tuple of 3 int, optional
        The outlines' and the names' colour; the names have a black edge,
        so they read on any colour.

    Returns
    -------
    (M, N, 3) ndarray of uint8
        A copy. A region too small to hold its name at 9 points (half its
        name's width) is outlined and not named.
    """
    from PIL import Image
    from skimage.segmentation import find_boundaries

    labels = np.asarray(labels)
    picture = np.array(picture, dtype=np.uint8)
    if labels.shape != picture.shape[:2]:
        raise ValueError(f"the labels are {labels.shape}, the picture {picture.shape[:2]}")
    picture[find_boundaries(labels, mode="inner")] = colour
    count = len(names)
    if count == 0:
        return picture
    height, width = labels.shape
    flat = labels.reshape(-1)
    found = np.bincount(flat, minlength=count + 1)[1 : count + 1]
    inside = np.maximum(found, 1)
    rows = np.bincount(flat, np.repeat(np.arange(height), width), count + 1)[1:] / inside
    columns = np.bincount(flat, np.tile(np.arange(width), height), count + 1)[1:] / inside
    image = Image.fromarray(picture)
    for name, pixels, y, x in zip(names, found, rows, columns):
        patch = _name_patch(name, tuple(colour))
        if pixels == 0 or np.sqrt(pixels) < patch.width / 2:
            continue
        image.paste(patch, (int(round(x - patch.width / 2)), int(round(y - patch.height / 2))),
                    patch)
    return np.asarray(image)
