"""Plots: the ratios of a whole collection and the scores of the methods,
as matplotlib figures (its object API on the Agg canvas, never pyplot),
each drawn once per run; :func:`rootmass.io.save_figure` writes them.

- :func:`ratio_figure`: the ratio of every image.
- :func:`group_figure`: the ratios by group, with each group's median.
- :func:`settings_text`: the settings of a set of images, in words, for the
  plots' titles.
- :func:`evaluation_figure`: F1 by method against the ground truth.
- :func:`object_area_figure`: the distribution of the objects' areas by
  group (the lesson's "object area distribution" histogram).
"""

import numpy as np

__all__ = [
    "ratio_figure",
    "settings_text",
    "group_figure",
    "evaluation_figure",
    "object_area_figure",
]


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


#: Characters of a 9-point title line an inch of figure holds (measured on
#: DejaVu Sans, with room).
_CHARS_PER_INCH = 12


def _wrapped(text, width):
    """``text`` in lines that fit a figure ``width`` inches wide."""
    import textwrap

    return textwrap.wrap(text, max(20, int(width * _CHARS_PER_INCH)))


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
    # (the title is centred over the axes: as wide as twice the axes' centre's
    # distance to the nearer edge of the figure)
    width = 2 * 0.37 * 8 if n <= max_named else 2 * 0.47 * 10
    lines = [] if subtitle is None else _wrapped(subtitle, width)
    title_lines = 1 + len(lines)
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
    ax.set_title("\n".join([title, *lines]), fontsize=9, pad=4)
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
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            shown = [f"{value} ({n})" for value, n in ranked[:4]]
            if len(ranked) > 4:
                shown.append(f"{len(ranked) - 4} others ({sum(n for _, n in ranked[4:])})")
            parts.append(f"{column} " + ", ".join(shown))
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
    lines = ["Foreground ratio by group (line: median)", *_wrapped(subtitle, width)]
    height = 4.3 + 0.15 * len(lines)
    figure = _matplotlib_figure(width, height, left=0.8 / width + 0.04, right=0.98,
                                bottom=0.92 / height, top=1 - (0.25 + 0.15 * len(lines)) / height)
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
    figure.suptitle("\n".join(lines), fontsize=9, y=1 - 0.08 / height, va="top")
    return figure



def _f1(row):
    """An image's F1: against a truth mask, or along traced roots."""
    value = row["trace_f1"] if "trace_f1" in row else row["f1"]
    return 0.0 if value is None else float(value)


def evaluation_figure(rows, methods):
    """F1 by method (by grayscale and method, where the rows name their
    grayscale): each scored image's F1 as a point, the mean as a bar, the
    methods best first, the best one named as such.

    Parameters
    ----------
    rows : sequence of dict
        Per method and image: ``method``, and ``f1`` (or ``trace_f1``,
        against traced roots) or ``error`` (scored 0, drawn as a red cross).
    methods : sequence of dict
        :func:`rootmass.evaluation.compare_methods` of ``rows``.

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    order = sorted(methods, key=lambda m: m["rank"])
    n = len(order)
    height = 1.3 + 0.32 * n
    # the channel's name before the method's, where they have one
    left = 0.38 if any(m.get("grayscale") for m in methods) else 0.3
    figure = _matplotlib_figure(
        8, height, left=left, right=0.96, bottom=0.55 / height, top=1 - 0.5 / height
    )
    ax = figure.subplots()
    images = len({row["image"] for row in rows})
    for position, method in enumerate(order):
        y = n - 1 - position
        colour = "tab:green" if method["best"] else "tab:blue"
        ax.barh(y, method["mean_f1"], color=colour, alpha=0.25, height=0.7)
        scores = [r for r in rows if r["method"] == method["method"]
                  and r.get("grayscale") == method.get("grayscale")]
        good = [_f1(r) for r in scores if not r.get("error")]
        failed = len(scores) - len(good)
        jitter = np.linspace(-0.2, 0.2, len(good)) if len(good) > 1 else np.zeros(len(good))
        ax.plot(good, y + jitter, ".", color=colour, markersize=4)
        if failed:
            ax.plot([0.0] * failed, [y] * failed, "x", color="tab:red")
        ax.text(min(method["mean_f1"], 1.0) + 0.01, y + 0.38,
                f"mean {method['mean_f1']:.3f}", fontsize=7, va="top")
    labels = [(f"{m['grayscale']} · " if m.get("grayscale") else "") + m["method"]
              + ("  (best)" if m["best"] else "") for m in order]
    ax.set_yticks(np.arange(n)[::-1], labels, fontsize=8)
    for label, method in zip(ax.get_yticklabels(), order):
        if method["best"]:
            label.set_fontweight("bold")
    ax.set_xlim(0, 1.08)
    ax.set_ylim(-0.6, n - 0.4)
    traced = any("trace_f1" in r for r in rows)
    ax.set_xlabel("F1 of the mask against the truth, per image"
                  + (" (along traced roots: trace_f1)" if traced else " (Dice)"), fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    title = (f"Each method against the ground truth of {images} image"
             f"{'' if images == 1 else 's'}: F1 per image (points), mean (bar)")
    if left > 0.3:  # the channels' names: the title over the whole figure
        figure.suptitle(title, fontsize=9, y=1 - 0.12 / height, va="top")
    else:
        ax.set_title(title, fontsize=9, pad=4)
    return figure


def object_area_figure(groups, areas, images, subtitle="", bins=40):
    """The distribution of the objects' areas, by group: one histogram each.

    The lesson's "object area distribution" plot (a histogram of every
    object's area), for a collection: each group's objects in bins of equal
    width on a logarithmic scale of area (from the smallest to the largest
    area of all), as the fraction of the group's objects in each bin, one
    line per group. However many images and objects there are, the figure
    has ``bins`` steps per group: at 10,000 images with a few hundred
    objects each, it reads as at ten.

    Parameters
    ----------
    groups : sequence of str
        The groups' labels.
    areas : sequence of array_like
        Each group's object areas, in pixels.
    images : sequence of int
        Each group's number of images with a result (for the legend).
    subtitle : str, optional
    bins : int, optional

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    if not len(groups) == len(areas) == len(images):
        raise ValueError(
            f"{len(groups)} groups, {len(areas)} lists of areas, {len(images)} image counts"
        )
    areas = [np.asarray(a, dtype=float).reshape(-1) for a in areas]
    lines = ["Object area distribution by group", *_wrapped(subtitle, 7.0)]
    height = 4.1 + 0.15 * len(lines)
    figure = _matplotlib_figure(7.0, height, left=0.1, right=0.97, bottom=0.57 / height,
                                top=1 - (0.25 + 0.15 * len(lines)) / height)
    ax = figure.subplots()
    every = np.concatenate(areas) if areas else np.zeros(0)
    every = every[every > 0]
    if every.size:
        # logarithmic bins, their edges between whole areas (so that no bin
        # of the smallest areas is empty for falling between two integers)
        low, high = every.min(), every.max()
        edges = np.unique(np.round(np.geomspace(low, high + 1, bins + 1))) - 0.5
        edges = edges if edges.size > 1 else np.array([low - 0.5, low + 0.5])
        colors = [f"C{i % 10}" for i in range(len(groups))]
        styles = ["-", "--", ":", "-."]
        for i, (group, values, n) in enumerate(zip(groups, areas, images)):
            counts, _ = np.histogram(values, bins=edges)
            share = counts / values.size if values.size else counts.astype(float)
            ax.stairs(share, edges, color=colors[i], linestyle=styles[(i // 10) % 4],
                      linewidth=1.5,
                      label=f"{group} ({values.size} objects, {n} images)")
        ax.set_xscale("log")
        ax.legend(fontsize=7, loc="upper right", ncol=1 + len(groups) // 12)
    else:
        ax.text(0.5, 0.5, "no objects", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("object area (pixels, logarithmic bins)")
    ax.set_ylabel("fraction of the group's objects")
    figure.suptitle("\n".join(lines), fontsize=9, y=1 - 0.08 / height, va="top")
    return figure
