"""Where the regions of an image are: a grid, a list of circles, depth bands
or a label image, as plain data (a *region set*), and the labels drawn from
it.

A region set is a dict, the same in every job that draws it:

- ``{"kind": "circles", "centres": [[x, y], ...], "radius": r, "names": [...]}``
  (a grid of wells, a centres file, a found dish);
- ``{"kind": "rectangles", "centres": [[x, y], ...], "cell": [w, h], "names": [...]}``;
- ``{"kind": "bands", "top": y, "every": px, "unit": "px" or "mm", "scale": s}``
  (horizontal bands ``every`` pixels deep from the line ``y = top`` down; their
  names in the unit, ``scale`` units a pixel);
- ``{"kind": "labels", "file": path}`` (each non-zero value one region).

``x`` is a pixel's column and ``y`` its row, as in the lesson's centres file.
"""

import math
import re

import numpy as np

__all__ = [
    "RegionError",
    "DIRECTIONS",
    "plate_names",
    "plate_row_name",
    "well_position",
    "grid_centres",
    "read_centres",
    "names_by_position",
    "band_names",
    "check_region_set",
    "region_labels",
    "read_label_image",
    "resolve",
    "DrawnRegions",
    "draw_regions",
    "regions_in",
    "scaled",
]

#: A grid's directions in the image: where B lies from A (``letters``), where
#: 2 lies from 1 (``numbers``), as (x, y) steps.
DIRECTIONS = {"right": (1, 0), "left": (-1, 0), "down": (0, 1), "up": (0, -1)}


class RegionError(ValueError):
    """Regions that cannot be drawn; the message names what and why."""


def plate_row_name(row):
    """A plate row's letters: 0 -> 'A', 25 -> 'Z', 26 -> 'AA' (a 1536-well
    plate's 32 rows run A to AF)."""
    name = ""
    row += 1
    while row:
        row, rest = divmod(row - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def well_position(name):
    """A well's ``(row, column)`` from its name, both from 0 (``'A1'``:
    ``(0, 0)``, ``'H12'``: ``(7, 11)``, ``'AA3'``: ``(26, 2)``): the
    inverse of :func:`plate_names`; None for any other name (``'A01'``,
    ``'a1'``, ``'0-100 px'``)."""
    match = re.fullmatch(r"([A-Z]+)([1-9][0-9]*)", name) if isinstance(name, str) else None
    if match is None:
        return None
    row = 0
    for letter in match.group(1):
        row = row * 26 + ord(letter) - ord("A") + 1
    return row - 1, int(match.group(2)) - 1


def plate_names(rows, columns):
    """The wells of a plate of ``rows`` x ``columns``, row by row:
    ``['A1', 'A2', ..., 'A12', 'B1', ...]``."""
    return [f"{plate_row_name(r)}{c + 1}" for r in range(rows) for c in range(columns)]


def _direction(name, value):
    if value not in DIRECTIONS:
        raise RegionError(f"{name} must be one of {', '.join(DIRECTIONS)}; got {value!r}")
    return np.array(DIRECTIONS[value], dtype=float)


def grid_centres(rows, columns, first, spacing, letters="down", numbers="right"):
    """The centres of a plate's wells (CellProfiler's DefineGrid).

    Parameters
    ----------
    rows, columns : int
        The plate's rows (named A, B, ...) and columns (1, 2, ...).
    first : (2,) sequence of float
        The centre of A1, ``(x, y)`` in pixels.
    spacing : float or (2,) sequence of float
        Pixels from one row's centre to the next's, and from one column's to
        the next's (one number: both).
    letters, numbers : {'down', 'up', 'right', 'left'}, optional
        Where in the image B lies from A, and 2 from 1: ``'down'`` and
        ``'right'`` for a plate photographed upright from above.

    Returns
    -------
    centres : (rows * columns, 2) ndarray of float
        ``(x, y)`` of each well, in the order of :func:`plate_names`.
    names : list of str
    """
    for name, value in (("rows", rows), ("columns", columns)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise RegionError(f"{name} must be an integer >= 1; got {value!r}")
    down, across = _direction("letters", letters), _direction("numbers", numbers)
    if abs(down @ across) > 0:
        raise RegionError(f"letters ({letters!r}) and numbers ({numbers!r}) must run"
                          " across each other")
    step = np.broadcast_to(np.asarray(spacing, dtype=float), (2,))
    if not np.all(step > 0):
        raise RegionError(f"spacing must be > 0; got {spacing!r}")
    r, c = np.divmod(np.arange(rows * columns), columns)
    centres = (np.asarray(first, dtype=float)[None, :] + r[:, None] * step[0] * down
               + c[:, None] * step[1] * across)
    return centres, plate_names(rows, columns)


def read_centres(path):
    """The centres of a centres file, as the lesson's ``wellplate-01-centers.txt``:
    a line per region, ``x y`` (its column and row, in pixels), separated by
    spaces, tabs or a comma, optionally followed by the region's name. Blank
    lines and lines starting with ``#`` are passed over.

    Returns
    -------
    centres : (K, 2) ndarray of float
    names : list of str or None
        Where every line names its region; None where none does.

    Raises
    ------
    RegionError
        One line naming the file and the line: unreadable, not two numbers,
        some lines named and others not, a name twice, or no centre at all.
    """
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise RegionError(f"centres file {path!r} cannot be read: {error}") from None
    centres, names = [], []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = re.split(r"[\s,]+", text)
        try:
            x, y = float(parts[0]), float(parts[1])
            if not (math.isfinite(x) and math.isfinite(y)):
                raise ValueError
        except (ValueError, IndexError):
            raise RegionError(f"centres file {path!r}, line {number}: {line!r} is not"
                              " 'x y' (two numbers, then an optional name)") from None
        if len(parts) > 3:
            raise RegionError(f"centres file {path!r}, line {number}: {line!r} has more"
                              " than x, y and a name")
        centres.append((x, y))
        names.append(parts[2] if len(parts) == 3 else None)
    if not centres:
        raise RegionError(f"centres file {path!r} has no centre")
    named = [n is not None for n in names]
    if any(named) and not all(named):
        line = named.index(False) if named[0] else named.index(True)
        raise RegionError(f"centres file {path!r}: some centres are named and others not"
                          f" (centre {line + 1})")
    if all(named) and len(set(names)) < len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise RegionError(f"centres file {path!r}: the name {twice!r} is given twice")
    return np.array(centres, dtype=float), (names if all(named) else None)


def _positions(values, tolerance):
    """Each value's rank among the clusters of ``values`` (gaps > tolerance)."""
    order = np.argsort(values, kind="stable")
    gaps = np.diff(values[order]) > tolerance
    rank = np.empty(values.size, dtype=int)
    rank[order] = np.concatenate([[0], np.cumsum(gaps)])
    return rank


def names_by_position(centres, letters="down", numbers="right", tolerance=None):
    """Plate names (A1, ...) for centres laid out in rows and columns, as a
    centres file's wells are: the centres' positions along the letters'
    direction give their rows, along the numbers' their columns.

    Parameters
    ----------
    centres : (K, 2) array of float
        ``(x, y)``.
    letters, numbers : {'down', 'up', 'right', 'left'}, optional
        As :func:`grid_centres`: for the lesson's plate, photographed upright
        from below, ``'left'`` and ``'up'`` (A1 at the bottom right).
    tolerance : float, optional
        Centres closer than this along a direction are in one row (column);
        default a third of the smallest distance between two centres.

    Returns
    -------
    list of str

    Raises
    ------
    RegionError
        If two centres fall in the same well.
    """
    centres = np.asarray(centres, dtype=float)
    down, across = _direction("letters", letters), _direction("numbers", numbers)
    if tolerance is None:
        from scipy.spatial import cKDTree

        nearest = cKDTree(centres).query(centres, k=2)[0][:, 1] if len(centres) > 1 else [1]
        tolerance = float(np.min(nearest)) / 3
    rows = _positions(centres @ down, tolerance)
    columns = _positions(centres @ across, tolerance)
    names = [f"{plate_row_name(r)}{c + 1}" for r, c in zip(rows, columns)]
    if len(set(names)) < len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise RegionError(f"two centres are both well {twice} by their positions")
    return names


def band_names(count, every, unit="px", scale=1.0):
    """The names of ``count`` depth bands ``every`` pixels deep: their depths
    in ``unit`` (``scale`` units a pixel), e.g. ``'0-100 px'``, ``'10-20 mm'``."""
    step = every * scale
    return [f"{_depth(i * step)}-{_depth((i + 1) * step)} {unit}" for i in range(count)]


def _depth(value):
    return f"{value:.6g}"


def _bands_count(shape, region_set):
    top, every = float(region_set["top"]), float(region_set["every"])
    return max(0, math.ceil((shape[0] - max(top, 0)) / every)) if top < shape[0] else 0


def check_region_set(region_set, shape, where):
    """Refuse regions that leave an image of ``shape`` or overlap.

    Parameters
    ----------
    region_set : dict
        As the module says (a label image is checked when read).
    shape : (2,) tuple of int
        The image's (rows, columns).
    where : str
        What gave the regions, for the message (a config key, a file).

    Raises
    ------
    RegionError
        One line, naming ``where``, the region and why.
    """
    kind, (height, width) = region_set["kind"], shape
    if kind == "bands":
        if not region_set["every"] > 0:
            raise RegionError(f"{where}: bands must be more than 0 pixels deep")
        if not 0 <= region_set["top"] < height:
            raise RegionError(f"{where}: the top line y = {region_set['top']} is not in"
                              f" the image ({width} x {height} pixels)")
        return
    if kind not in ("circles", "rectangles"):
        return
    centres, names = np.asarray(region_set["centres"], dtype=float), region_set["names"]
    if len(set(names)) < len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise RegionError(f"{where}: two regions are named {twice!r}")
    if kind == "circles":
        half = np.full(2, float(region_set["radius"]))
        if not half[0] > 0:
            raise RegionError(f"{where}: the radius must be more than 0 pixels")
    else:
        half = np.asarray(region_set["cell"], dtype=float) / 2
        if not np.all(half > 0):
            raise RegionError(f"{where}: the cell must be more than 0 pixels wide and high")
    # the first and last pixels each region draws (region_labels)
    if kind == "circles":
        low, high = np.floor(centres - half) + 1, np.ceil(centres + half) - 1
    else:
        low = np.round(centres - half)
        high = low + 2 * half - 1
    out = np.flatnonzero((low < 0).any(1) | (high[:, 0] > width - 1)
                         | (high[:, 1] > height - 1))
    if out.size:
        i = out[0]
        raise RegionError(f"{where}: region {names[i]} (centre x = {centres[i, 0]:g},"
                          f" y = {centres[i, 1]:g}) leaves the image ({width} x {height}"
                          " pixels)")
    from scipy.spatial import cKDTree

    reach = 2 * float(half.max())
    for i, j in sorted(cKDTree(centres).query_pairs(reach)):
        gap = np.abs(centres[i] - centres[j])
        if kind == "circles" and np.hypot(*gap) >= reach:
            continue
        if kind == "rectangles" and np.any(gap >= 2 * half):
            continue
        raise RegionError(f"{where}: regions {names[i]} and {names[j]} overlap (centres"
                          f" {gap[0]:g} and {gap[1]:g} pixels apart, each"
                          f" {2 * half[0]:g} x {2 * half[1]:g} pixels)")


class DrawnRegions:
    """The regions of a region set on an image: each one's bounding box and
    its pixels in it, so that a region's values are read from its box alone
    (:mod:`rootmass.regions.measure`), and the label image where one is
    needed (:meth:`labels`).

    Attributes
    ----------
    names : list of str
    shape : tuple of int
    boxes : list of tuple
        Per region, ``(box, inside)``: a tuple of slices, and a boolean
        array of the box's shape (None: the whole box), or None for a region
        with no pixel in the image.
    """

    def __init__(self, names, shape, boxes, labels=None):
        self.names, self.shape, self.boxes, self._labels = list(names), tuple(shape), boxes, labels
        self._weights = {}

    @property
    def count(self):
        return len(self.names)

    def values(self, image, k):
        """The values of ``image`` (2-D, or 3-D with channels last) at the
        ``k``-th region's pixels (``k`` from 0), in raster order."""
        if self.boxes[k] is None:
            return np.asarray(image)[:0, 0] if np.ndim(image) == 2 else np.asarray(image)[:0, 0, :]
        box, inside = self.boxes[k]
        crop = np.asarray(image)[box]
        return crop.reshape(-1, *crop.shape[2:]) if inside is None else crop[inside]

    def sums(self, image, k):
        """The sum of ``image`` (2-D, or 3-D with channels last) over the
        ``k``-th region's pixels (``k`` from 0), as float64 (a channel each):
        the region's pixels weighted by 1, a matrix product (exact for an
        integer image under 2**53)."""
        image = np.asarray(image)
        if self.boxes[k] is None:
            return np.zeros(image.shape[2:])
        box, inside = self.boxes[k]
        crop = image[box]
        key = id(inside) if inside is not None else crop.shape[:2]
        if key not in self._weights:  # (a grid's wells: one for all)
            self._weights[key] = (np.ones(crop.shape[0] * crop.shape[1]) if inside is None
                                  else inside.reshape(-1).astype(np.float64))
        return self._weights[key] @ crop.reshape(-1, *crop.shape[2:])

    def pixels(self, k):
        """The ``k``-th region's pixel count."""
        if self.boxes[k] is None:
            return 0
        box, inside = self.boxes[k]
        if inside is not None:
            return int(np.count_nonzero(inside))
        return int(np.prod([len(range(*s.indices(n))) for s, n in zip(box, self.shape)]))

    def at(self, rows, columns):
        """The region (``k`` from 1, 0 for none) holding each pixel ``(rows,
        columns)`` (int arrays)."""
        rows, columns = np.asarray(rows, dtype=np.intp), np.asarray(columns, dtype=np.intp)
        found = np.zeros(rows.shape, dtype=np.int64)
        for k, drawn in enumerate(self.boxes, 1):
            if drawn is None:
                continue
            (top, bottom, _), (left, right, _) = (s.indices(n) for s, n in
                                                   zip(drawn[0], self.shape))
            near = np.flatnonzero((rows >= top) & (rows < bottom) & (columns >= left)
                                  & (columns < right))
            if drawn[1] is not None:
                near = near[drawn[1][rows[near] - top, columns[near] - left]]
            found[near] = k
        return found

    def labels(self):
        """The label image: ``k`` on the ``k``-th region's pixels (from 1),
        0 elsewhere (int32)."""
        if self._labels is None:
            labels = np.zeros(self.shape, dtype=np.int32)
            for k, found in enumerate(self.boxes, 1):
                if found is not None:
                    box, inside = found
                    if inside is None:
                        labels[box] = k
                    else:
                        labels[box][inside] = k
            self._labels = labels
        return self._labels


def _span(low, high, size):
    """The slice from ``low`` to ``high`` (inclusive) inside ``range(size)``."""
    low, high = max(int(low), 0), min(int(high), size - 1)
    return slice(low, high + 1) if high >= low else None


def draw_regions(region_set, shape, label_image=None):
    """The regions of a region set on an image of ``shape``.

    Parameters
    ----------
    region_set : dict
    shape : (2,) tuple of int
    label_image : (M, N) ndarray of int, optional
        The label image of a ``'labels'`` set, read by the caller.

    Returns
    -------
    DrawnRegions

    Notes
    -----
    A circle's pixels are those of ``skimage.draw.disk(center=(y, x),
    radius, shape=shape)``, the lesson's: the centres are pixels' positions;
    a rectangle's are ``cell`` pixels wide and high, starting at
    ``round(x - w / 2)``, ``round(y - h / 2)``; a band's are the rows from
    ``top + (k - 1) * every`` down to (not including) ``top + k * every``.
    """
    from skimage.draw import disk

    kind, shape = region_set["kind"], tuple(shape)
    if kind == "labels":
        if label_image is None or np.shape(label_image) != shape:
            size = None if label_image is None else np.shape(label_image)
            raise RegionError(f"label image {region_set['file']!r} is {size}, its image"
                              f" {shape}")
        from scipy import ndimage

        values = np.unique(label_image)
        values = values[values != 0]
        labels = (np.searchsorted(values, label_image) + 1).astype(np.int32)
        labels[label_image == 0] = 0
        boxes = [None if box is None else (box, labels[box] == k)
                 for k, box in enumerate(ndimage.find_objects(labels, values.size), 1)]
        return DrawnRegions([str(int(v)) for v in values], shape, boxes, labels)
    if kind == "bands":
        count = _bands_count(shape, region_set)
        top, every = float(region_set["top"]), float(region_set["every"])
        rows = np.arange(shape[0], dtype=float) - top
        band = np.where(rows >= 0, np.floor(rows / every), -1).astype(int)
        boxes = []
        for k in range(count):
            where = np.flatnonzero(band == k)
            span = _span(where[0], where[-1], shape[0]) if where.size else None
            boxes.append(None if span is None else ((span, slice(None)), None))
        names = band_names(count, region_set["every"], region_set.get("unit", "px"),
                           region_set.get("scale", 1.0))
        return DrawnRegions(names, shape, boxes)
    boxes, shapes = [], {}
    for x, y in np.asarray(region_set["centres"], dtype=float):
        if kind == "circles":
            r = float(region_set["radius"])
            rows = _span(np.floor(y - r) + 1, np.ceil(y + r) - 1, shape[0])
            cols = _span(np.floor(x - r) + 1, np.ceil(x + r) - 1, shape[1])
            if rows is None or cols is None:
                boxes.append(None)
                continue
            size = (rows.stop - rows.start, cols.stop - cols.start)
            key = (y - rows.start, x - cols.start, size)
            if key not in shapes:  # (a grid's wells: one disk for all)
                inside = np.zeros(size, dtype=bool)
                inside[disk((key[0], key[1]), r, shape=size)] = True
                shapes[key] = inside
            boxes.append(((rows, cols), shapes[key]))
        else:
            w, h = region_set["cell"]
            top, left = int(round(y - h / 2)), int(round(x - w / 2))
            rows = _span(top, top + int(h) - 1, shape[0])
            cols = _span(left, left + int(w) - 1, shape[1])
            boxes.append(None if rows is None or cols is None else ((rows, cols), None))
    return DrawnRegions(region_set["names"], shape, boxes)


def region_labels(region_set, shape, label_image=None):
    """The labels of a region set on an image of ``shape``
    (:func:`draw_regions`'s).

    Returns
    -------
    labels : (M, N) ndarray of int32
        ``k`` on the pixels of the region ``names[k - 1]``, 0 elsewhere.
    names : list of str
    """
    drawn = draw_regions(region_set, shape, label_image)
    return drawn.labels(), drawn.names


def read_label_image(path):
    """A label image's values (one channel, any integer depth).

    Raises
    ------
    RegionError
        Naming the file: unreadable, or not of one channel.
    """
    from PIL import Image

    try:
        with Image.open(path) as image:
            values = np.asarray(image)
    except Exception as error:
        raise RegionError(f"label image {path!r} cannot be read: {error}") from None
    if values.ndim != 2 or values.dtype.kind not in "biu":
        raise RegionError(f"label image {path!r} is not of one channel of integers (it is"
                          f" {values.shape}, {values.dtype})")
    return values


def resolve(region_set, gray=None):
    """The region set an image's jobs draw: a ``'dish'`` set (``{"kind":
    "dish", "min_radius", "max_radius", "margin"}``) becomes the circle of
    the dish :func:`rootmass.regions.dish.find_dish` finds in ``gray``, its
    radius less ``margin`` of it (so that the rim's blurred edge stays
    outside), named ``'dish'``; any other set is returned as it is."""
    if region_set["kind"] != "dish":
        return region_set
    from rootmass.regions.dish import find_dish

    x, y, radius = find_dish(gray, region_set["min_radius"], region_set["max_radius"])
    radius *= 1 - region_set.get("margin", 0)
    return {"kind": "circles", "centres": [[x, y]], "radius": radius, "names": ["dish"]}


def regions_in(region_set, shape):
    """:func:`draw_regions` of a resolved region set, its label image read."""
    image = read_label_image(region_set["file"]) if region_set["kind"] == "labels" else None
    return draw_regions(region_set, shape, image)


def scaled(region_set, factor):
    """A region set of circles, rectangles or bands at ``1 / factor`` of its
    image's size (for a figure's preview); any other as it is."""
    kind = region_set["kind"]
    if kind in ("circles", "rectangles"):
        sized = ({"radius": region_set["radius"] / factor} if kind == "circles"
                 else {"cell": [max(1, round(v / factor)) for v in region_set["cell"]]})
        centres = (np.asarray(region_set["centres"], dtype=float) / factor).tolist()
        return {**region_set, "centres": centres, **sized}
    if kind == "bands":
        return {**region_set, "top": region_set["top"] / factor,
                "every": region_set["every"] / factor}
    return region_set
