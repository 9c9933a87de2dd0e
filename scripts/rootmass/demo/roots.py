"""The demo's root photos: bright, branching roots spread as in a scanner's
tray on a dark background, with a circle and a label, their truth and
their true length (:func:`synthetic_root_image`,
:func:`synthetic_root_length`)."""

import numpy as np

from rootmass.demo._drawing import _REFERENCE_SIZE, _check_nonnegative_int, _check_shape
from rootmass.demo._drawing import _gaussian_noise, _grow, _markers
from rootmass.demo.scenes import _check_light

def _brightness(rng, base, n):
    """Brightness along a root of ``n`` points: a slow drift, dimmer at the tip."""
    drift = np.cumsum(rng.normal(0.0, 1.5, n))
    tip = 1.0 - 0.12 * np.linspace(0.0, 1.0, n) ** 2
    return np.clip((base + drift) * tip, 150.0, 230.0)


def _draw_root(draw, points, radius0, radius1, brightness):
    """Draw a tapering root as round-capped segments into a Pillow ``L`` image."""
    radii = np.linspace(radius0, radius1, len(points))
    for (x0, y0), (x1, y1), r, b in zip(
        points[:-1].tolist(), points[1:].tolist(), radii[1:], brightness[1:]
    ):
        fill = int(round(b))
        draw.line([(x0, y0), (x1, y1)], fill=fill, width=max(1, int(round(2 * r))))
        if r >= 1.0:  # round joints; a thin line needs none
            draw.ellipse([x1 - r, y1 - r, x1 + r, y1 + r], fill=fill)


#: The demo's roots lie spread out, as a root lab spreads washed roots in a
#: scanner's tray so that they do not overlap (the WinRHIZO and RhizoVision
#: protocol): no root runs along another, or meets it at less than this
#: angle (radians: 60 degrees); they may cross at a steeper one. A skeleton
#: of the union of two roots that run along each other is one line where the
#: true length counts two, and two crossing at a shallow angle lose the
#: length of their overlap (about 15 px at 30 degrees, 4 px at 60, for the
#: demo's main and lateral widths), so such a root's length is not in its
#: mask.
_SPREAD_ANGLE = np.pi / 3
#: Where they do not cross, roots keep at least this far apart, edge to edge
#: (in ``unit``: pixels at 600 px; the default blur of 1.5 px leaves such a
#: gap darker than Otsu's threshold).
_SPREAD_GAP = 3.0
#: How many tries a root has to keep the rule: a root that breaks it is
#: grown again (a lateral from a new origin, angle and length), and after
#: the last the longest start of a try that keeps it is taken.
_SPREAD_TRIES = 4
#: A child's first stretch, where it leaves its parent, may lie in its
#: parent: this many times the sum of the parent's radius there, the gap and
#: the child's radius (leaving at 0.6 rad, the shallowest a lateral or a
#: second-order one leaves at, a child is clear of its parent after about
#: 1.8 times that).
_EMERGING = 2.5


class _Tray:
    """The roots laid out so far, as :func:`_root_system` spreads them.

    A Pillow ``I`` image the size of the picture holds, on every pixel
    within ``radius + gap`` of a root's centre line, the root's number and
    its direction there (``256 * number + code``, the code 1 to 255 the
    angle modulo pi; 0: no root near; where two are near, the later). A new
    root's path is checked along its centre line and its two edges, about
    every pixel: where they come within the gap of a root laid already, the
    two directions must differ by at least :data:`_SPREAD_ANGLE` (a
    crossing), except on a child's first stretch near its parent (where it
    leaves it).
    """

    def __init__(self, height, width, gap):
        from PIL import Image, ImageDraw

        self.height, self.width, self.gap = height, width, gap
        self.image = Image.new("I", (width, height), 0)
        self.draw = ImageDraw.Draw(self.image)
        self.count = 0

    @staticmethod
    def _code(angle):
        return 1 + np.floor(np.mod(angle, np.pi) / np.pi * 254.999).astype(np.int64)

    def add(self, points, radii):
        """Lay a root: its centre line ``points``, its radius at each.
        Returns its number (1, 2, ...)."""
        self.count += 1
        steps = np.diff(points, axis=0)
        codes = 256 * self.count + self._code(np.arctan2(steps[:, 1], steps[:, 0]))
        for (x0, y0), (x1, y1), r, code in zip(points[:-1].tolist(), points[1:].tolist(),
                                              np.asarray(radii[1:]).tolist(), codes.tolist()):
            reach = r + self.gap
            self.draw.line([(x0, y0), (x1, y1)], fill=code, width=int(round(2 * reach)))
            self.draw.ellipse([x1 - reach, y1 - reach, x1 + reach, y1 + reach], fill=code)
        return self.count

    def clear_length(self, points, radii, parent=0, emerging=0.0):
        """How many of ``points`` keep the rule: the path ``points[:k]`` does
        (``len(points)`` if all of it). Its first ``emerging`` pixels of
        length may lie along root number ``parent`` (a child leaving it)."""
        steps = np.diff(points, axis=0)
        lengths = np.hypot(steps[:, 0], steps[:, 1])
        along = np.concatenate([[0.0], np.cumsum(lengths)])
        pieces = max(1, int(np.ceil(lengths.max())))  # of a pixel or less, per segment
        fraction = (np.arange(pieces) + 0.5) / pieces
        arc = along[:-1, None] + fraction * lengths[:, None]  # (segments, pieces)
        across = steps[:, ::-1] * (np.asarray(radii)[1:] / np.maximum(lengths, 1e-12))[:, None]
        across[:, 0] *= -1  # the normal, as long as the radius
        xy = (points[:-1, None, :] + fraction[:, None] * steps[:, None, :])[None] + (
            np.array([-1.0, 0.0, 1.0])[:, None, None, None] * across[None, :, None, :])
        at = np.floor(xy).astype(np.int64)  # (3 lines, segments, pieces, (col, row))
        # the laid roots about the path only
        left, top = np.maximum(at.reshape(-1, 2).min(axis=0), 0)
        right, bottom = np.minimum(at.reshape(-1, 2).max(axis=0) + 1, (self.width, self.height))
        if left >= right or top >= bottom:
            return len(points)
        laid = np.asarray(self.image.crop((int(left), int(top), int(right), int(bottom))))
        if not laid.any():
            return len(points)
        col, row = at[..., 0] - left, at[..., 1] - top
        inside = (col >= 0) & (col < right - left) & (row >= 0) & (row < bottom - top)
        value = np.where(inside, laid[np.where(inside, row, 0), np.where(inside, col, 0)], 0)
        number, code = np.divmod(value, 256)
        angle = np.arctan2(steps[:, 1], steps[:, 0])[None, :, None]
        turn = np.abs(np.mod(angle - (code - 0.5) / 254.999 * np.pi + np.pi / 2, np.pi)
                      - np.pi / 2)
        bad = (code > 0) & (turn < _SPREAD_ANGLE) & ~((number == parent) & (arc <= emerging))
        bad = bad.any(axis=0).reshape(-1)
        arc = arc.reshape(-1)
        radius = np.repeat(np.asarray(radii)[1:], pieces)
        if not bad.any():
            return len(points)
        # stop a root's cap and gap short of where it would break the rule
        at = int(np.argmax(bad))
        return int(np.searchsorted(along, arc[at] - radius[at] - self.gap, side="right"))


def _spread(tray, grow, parent=0):
    """A root laid by the tray's rule (:class:`_Tray`): ``(points, radius0,
    radius1, number)``, or None where no start of any try keeps it.

    ``grow()`` draws a try from the generator: ``(points, radius0, radius1,
    emerging)``, its path, its radius at the path's ends (tapering linearly
    between them) and the length of its start that may lie along its
    ``parent`` (the number the tray gave it; 0 for none). A path that breaks
    the rule is grown again, :data:`_SPREAD_TRIES` times in all; if none
    keeps it, the longest start of one that does (at least 3 points) is
    taken, tapering from ``radius0`` to ``radius1`` over its own length."""
    best = None
    for _ in range(_SPREAD_TRIES):
        points, radius0, radius1, emerging = grow()
        radii = np.linspace(radius0, radius1, len(points))
        k = tray.clear_length(points, radii, parent, emerging)
        if k == len(points):
            best = (points, radius0, radius1)
            break
        if k >= 3 and (best is None or k > len(best[0])):
            best = (points[:k], radius0, radius1)
    if best is None:
        return None
    return (*best, tray.add(best[0], np.linspace(best[1], best[2], len(best[0]))))


def _root_system(rng, height, width, unit, roots=1.0):
    """Main roots growing down from the top, with lateral roots, spread out
    as in a scanner's tray (:class:`_Tray`); ``roots`` scales how many (1:
    as drawn at first).

    Yields ``(points, radius0, radius1, brightness)`` per root: the main
    roots first, then each main root's laterals, each lateral followed by
    its own (second-order) laterals.
    Lengths are relative to the image, thicknesses to ``unit``, and the
    random draws do not depend on the size, so a seed gives about the same
    picture at every size of the same aspect ratio (the layout may take
    other tries at another size: the roots' widths are rounded to pixels).
    Lateral and second-order roots are at least 1.5 ``unit`` in radius (3 px
    wide at 600 px; 2 px at the least, at any size): a root lab scans at a
    resolution at which its finest roots are a few pixels wide, and at 2 px
    the default blur (sigma 1.5) halves a root's contrast, so that Otsu's
    threshold missed most of the demo's finest roots (about 60 % of the
    length drawn 2 px wide, a fifth of the whole).

    The roots are laid out one by one, the main roots first: a root whose
    path would come within :data:`_SPREAD_GAP` of one laid already, other
    than where it crosses it at :data:`_SPREAD_ANGLE` or more (or where a
    lateral leaves its parent), is grown again, from a new random draw; after
    :data:`_SPREAD_TRIES` tries it is shortened to the longest start of a
    try that keeps clear, or left out if none of at least 3 points does.
    """
    size = min(height, width)
    step = size / 120.0
    tray = _Tray(height, width, _SPREAD_GAP * unit)
    r_min = max(1.5 * unit, 1.0)  # 3 px wide at 600 px, at least 2 px
    n_main = max(1, int(round(int(rng.integers(4, 8)) * roots)))
    # Spread over the width: one main root per strip of the middle 80 %.
    xs = (0.1 + 0.8 * (np.arange(n_main) + rng.uniform(0.2, 0.8, n_main)) / n_main) * width
    mains = []
    for x in xs:
        radius0 = rng.uniform(4.0, 6.0) * unit

        def main_root(x=x, radius0=radius0):
            start = np.array([x, rng.uniform(-0.02, 0.1) * height])
            points = _grow(
                rng,
                start,
                np.pi / 2 + rng.normal(0.0, 0.25),
                rng.uniform(0.6, 1.05) * height,
                step,
                gravitropism=0.06,
                wiggle=0.07,
            )
            return points, radius0, 0.45 * radius0, 0.0

        laid = _spread(tray, main_root)
        if laid is not None:
            mains.append((laid, rng.uniform(180.0, 225.0)))
    for (points, radius0, radius1, number), base in mains:
        yield points, radius0, radius1, _brightness(rng, base, len(points))
        radii = np.linspace(radius0, radius1, len(points))

        # Lateral roots, emerging at either side along the main root.
        n_lateral = int(round(int(rng.integers(6, 15)) * roots))
        for _ in range(n_lateral):

            def lateral_root(points=points, radii=radii, radius0=radius0):
                t = rng.uniform(0.08, 0.85)
                i = int(t * (len(points) - 1))
                side = rng.choice([-1.0, 1.0])
                dx, dy = points[i + 1] - points[i]
                lateral = _grow(
                    rng,
                    points[i],
                    np.arctan2(dy, dx) + side * rng.uniform(0.7, 1.3),
                    rng.uniform(0.08, 0.35) * size * (1.2 - t),
                    step,
                    gravitropism=rng.uniform(0.01, 0.04),
                    wiggle=0.1,
                )
                r0 = max(rng.uniform(0.35, 0.5) * radius0 * (1.1 - 0.5 * t), r_min)
                return lateral, r0, r_min, _EMERGING * (radii[i] + tray.gap + r0)

            laid = _spread(tray, lateral_root, number)
            if laid is None:
                continue
            lateral, r0, r1, lateral_number = laid
            b = base - rng.uniform(0.0, 25.0)
            yield lateral, r0, r1, _brightness(rng, b, len(lateral))

            # Occasionally a few short second-order laterals.
            if rng.random() < 0.35:
                lateral_radii = np.linspace(r0, r1, len(lateral))
                for _ in range(int(rng.integers(1, 4))):

                    def sub_root(lateral=lateral, lateral_radii=lateral_radii):
                        j = int(rng.integers(1, len(lateral) - 1))
                        dx, dy = lateral[j + 1] - lateral[j]
                        sub = _grow(
                            rng,
                            lateral[j],
                            np.arctan2(dy, dx) + rng.choice([-1.0, 1.0]) * rng.uniform(0.6, 1.2),
                            rng.uniform(0.03, 0.08) * size,
                            step,
                            gravitropism=0.02,
                            wiggle=0.12,
                        )
                        return sub, r_min, r_min, _EMERGING * (lateral_radii[j] + tray.gap + r_min)

                    laid = _spread(tray, sub_root, lateral_number)
                    if laid is not None:
                        sub = laid[0]
                        yield sub, r_min, r_min, _brightness(rng, b - 10.0, len(sub))

def _background(rng, height, width):
    """Dark background, about 12 to 45: a gradient, a vignette, soft blotches."""
    from PIL import Image

    level = rng.uniform(24.0, 32.0)
    gx, gy = rng.uniform(-5.0, 5.0, 2)
    blotches = rng.normal(0.0, 2.5, (5, 7)).astype(np.float32)
    y = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None]
    x = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :]
    smooth = Image.fromarray(blotches).resize((width, height), Image.Resampling.BICUBIC)
    smooth = np.asarray(smooth)
    background = smooth + np.float32(level)
    background += gx * x - 3.0 * x * x
    background += gy * y - 3.0 * y * y
    return background

def _root_layout(shape, seed, label, roots):
    """The roots and markers of a root image, and the generator to draw the
    rest with (:func:`synthetic_root_image`, :func:`synthetic_root_length`).

    The arguments are checked here; the random draws are those of the roots
    (:func:`_root_system`, all of them) and then of the markers
    (:func:`_markers`), so both functions see the same roots.
    """
    height, width = _check_shape(shape)
    seed = _check_nonnegative_int("seed", seed)
    if isinstance(roots, bool) or not isinstance(roots, (int, float)) or not 0 < roots <= 5:
        raise ValueError(f"roots must be a number in (0, 5]; got {roots!r}")
    label = seed if label is None else label
    rng = np.random.default_rng(seed)
    unit = min(height, width) / _REFERENCE_SIZE
    system = list(_root_system(rng, height, width, unit, roots))
    marker_value, marker_alpha, boxes = _markers(rng, height, width, label)
    return dict(rng=rng, height=height, width=width, unit=unit, roots=system,
                marker_value=marker_value, marker_alpha=marker_alpha, boxes=boxes)


def _centre_lines(system):
    """Each root's centre line as drawn by :func:`_draw_root`: its points,
    and one more beyond the last by the radius there where the round cap is
    drawn (radius >= 1)."""
    lines = []
    for points, _, radius1, _ in system:
        points = np.asarray(points, dtype=float)
        if radius1 >= 1.0:
            direction = points[-1] - points[-2]
            norm = np.hypot(*direction)
            if norm > 0:
                points = np.vstack([points, points[-1] + radius1 * direction / norm])
        lines.append(points)
    return lines


def _visible_length(lines, hidden, spacing=0.25):
    """Length of the polylines ``lines`` inside the image and off ``hidden``.

    Each segment is cut into equal pieces of at most ``spacing`` pixels; a
    piece counts whole where its midpoint is in a pixel of the image that
    ``hidden`` (a ``(height, width)`` bool array) does not mark. Pixel
    ``(row, col)`` is the unit square from ``(x, y) = (col, row)`` to
    ``(col + 1, row + 1)``: Pillow draws a point there (it truncates the
    coordinates).
    """
    height, width = hidden.shape
    if not lines:
        return 0.0
    starts = np.concatenate([line[:-1] for line in lines])
    steps = np.concatenate([np.diff(line, axis=0) for line in lines])
    lengths = np.hypot(steps[:, 0], steps[:, 1])
    pieces = np.maximum(1, np.ceil(lengths / spacing)).astype(np.int64)
    segment = np.repeat(np.arange(len(lengths)), pieces)
    first = np.cumsum(pieces) - pieces
    fraction = (np.arange(len(segment)) - first[segment] + 0.5) / pieces[segment]
    xy = starts[segment] + fraction[:, None] * steps[segment]
    col = np.floor(xy[:, 0]).astype(np.int64)
    row = np.floor(xy[:, 1]).astype(np.int64)
    inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    visible = inside.copy()
    visible[inside] = ~hidden[row[inside], col[inside]]
    weight = lengths[segment] / pieces[segment]
    return float(weight[visible].sum())


def synthetic_root_length(shape=(600, 900), seed=0, label=None, roots=1.0):
    """The true total root length of :func:`synthetic_root_image`'s image of
    the same arguments, without drawing it.

    Each root's centre line is the polyline it is drawn along, extended
    beyond its last point by its radius there (the round cap: the drawn
    root reaches that far; the cap is drawn, and the line extended, where
    that radius is at least 1 px, as always at 600 x 900). A root's first
    point has no cap (its drawn end is flat): nothing is added there. The
    visible part of a centre line is where it lies inside the image and not
    under the circle or the label: the pixel containing the point has no
    marker coverage (the truth leaves out the pixels under the markers).
    Pixel ``(row, col)`` is the unit square from ``(x, y) = (col, row)`` to
    ``(col + 1, row + 1)``, where Pillow draws a point. The length is that
    of the visible parts, summed over the roots: each segment of a centre
    line is cut into equal pieces of at most 0.25 px, and a piece counts
    whole where its midpoint is visible (within 0.01 % of the length sampled
    every 0.01 px).

    Roots that cross are each counted; they lie spread out, as a lab spreads
    roots in a scanner's tray, crossing only at 60 degrees or more and
    otherwise apart (:func:`_root_system`), so that a mask's skeleton has
    each of them. A lateral root starts on
    its parent's centre line, inside the parent, and counts from there, as
    a skeleton would measure it (its first half a parent's width lies on
    the parent's pixels).

    Parameters
    ----------
    shape, seed, label, roots
        As :func:`synthetic_root_image`.

    Returns
    -------
    length : float
        In pixels, >= 0. About 0.2 s (the random walks of the roots and
        their layout, no drawing of them): the demo's sample sheet records
        it (``truth_length``), and planning reads it there where the demo
        folder was made with the config's settings (:func:`demo_record`).

    Raises
    ------
    ValueError
        As :func:`synthetic_root_image`.

    Examples
    --------
    >>> length = synthetic_root_length((200, 300), seed=1)
    >>> 0 < length < synthetic_root_length((200, 300), seed=1, roots=2)
    True
    """
    layout = _root_layout(shape, seed, label, roots)
    hidden = np.asarray(layout["marker_alpha"]) > 0
    return _visible_length(_centre_lines(layout["roots"]), hidden)


def synthetic_root_image(shape=(600, 900), seed=0, label=None, roots=1.0, light=None):
    """Draw a synthetic photo of roots on a dark background, with its truth.

    The image imitates the maize root photos of the Data Carpentry lesson
    "Image Processing with Python", episode "Thresholding": a dark,
    slightly shaded background (gray values about 10 to 50); a few bright
    (about 150 to 230), slightly cream-tinted main roots growing downward as
    random walks, tapering, with lateral and a few second-order roots,
    spread out as a root lab spreads roots in a scanner's tray (none runs
    along another; they cross at 60 degrees or more, and keep 3 px apart
    elsewhere); a white filled circle (about 250) in a top corner; a white rectangular
    label with the dark number ``label`` in a bottom corner; Gaussian noise
    over everything. The roots typically cover 5 to 17 % of the pixels and
    are clearly brighter than the background, so Otsu's threshold of the
    blurred grayscale image finds them (and the circle and label).

    Parameters
    ----------
    shape : tuple of 2 int, optional
        ``(height, width)`` in pixels, each >= 16. Thicknesses, the circle
        and the font scale with ``min(height, width) / 600`` (lateral
        roots are at least 3 px wide at 600 px, 2 px at any size),
        lengths with the image, so a seed gives about the same picture at
        every size of the same aspect ratio. Below about 100 px the circle
        and label cover much of it.
    seed : int, optional
        Seed (>= 0) of :func:`numpy.random.default_rng`; the image is a
        deterministic function of ``shape``, ``seed`` and ``label``.
    label : int or str, optional
        What the label shows; the seed by default.
    roots : float, optional
        How many roots, relative to the usual: main and lateral roots are
        drawn ``roots`` times as many (rounded). 1 gives the usual picture.
    light : (height, width) array_like of float, optional
        The illumination: the scene (background, roots, circle and label)
        is multiplied by it, pixel by pixel, before the camera's noise is
        added (:func:`illumination_field` gives an uneven one). None: even
        light, the usual picture to the pixel. It draws nothing from the
        seed's generator: the roots, the truth and the noise are the same
        with any light.

    Returns
    -------
    image : (height, width, 3) ndarray of uint8
        The RGB image.
    truth : (height, width) ndarray of bool
        The ground-truth foreground: the roots, without the parts hidden
        by the circle or the label (which are not foreground).

    Raises
    ------
    ValueError
        If ``shape`` is not two integers >= 16, ``seed`` not an integer
        >= 0, or ``light`` not an array of ``shape`` of finite numbers
        >= 0.

    Examples
    --------
    >>> image, truth = synthetic_root_image((200, 300), seed=1)
    >>> image.shape, image.dtype, truth.shape, truth.dtype
    ((200, 300, 3), dtype('uint8'), (200, 300), dtype('bool'))
    """
    from PIL import Image, ImageDraw, ImageFilter

    layout = _root_layout(shape, seed, label, roots)
    rng, height, width, unit = (layout[k] for k in ("rng", "height", "width", "unit"))
    marker_value, marker_alpha, boxes = (
        layout[k] for k in ("marker_value", "marker_alpha", "boxes"))
    if light is not None:
        light = _check_light(light, (height, width))

    # Roots: their gray value (0 outside) drawn by Pillow.
    layer = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(layer)
    for points, radius0, radius1, brightness in layout["roots"]:
        _draw_root(draw, points, radius0, radius1, brightness)

    root_value = np.asarray(layer)
    truth = (root_value > 0) & (np.asarray(marker_alpha) == 0)

    # Slightly soft edges: blur the layers as premultiplied value and alpha.
    soften = ImageFilter.BoxBlur(0.5 * unit)
    root_alpha = Image.fromarray(np.where(root_value > 0, 255, 0).astype(np.uint8))
    keep = np.asarray(root_alpha.filter(soften), dtype=np.float32)
    keep *= np.float32(-1 / 255)
    keep += np.float32(1)  # 1 - alpha of the roots
    root_value = np.asarray(layer.filter(soften), dtype=np.float32)

    background = _background(rng, height, width)
    background *= keep
    background_tint = np.array([0.96, 1.0, 1.06]) + rng.normal(0.0, 0.02, 3)
    root_tint = np.array([1.0, 0.97, 0.86]) + rng.normal(0.0, 0.02, 3)
    marker_tint = np.array([1.0, 1.0, 0.99], dtype=np.float32)
    sigma = rng.uniform(3.0, 5.0)

    image = np.empty((height, width, 3), dtype=np.float32)
    for c in range(3):
        np.multiply(background, np.float32(background_tint[c]), out=image[..., c])
        image[..., c] += np.float32(root_tint[c]) * root_value

    # The markers cover little of the image: composite them box by box.
    pad = 2 + int(np.ceil(unit))
    for x0, y0, x1, y1 in boxes:
        box = (
            max(0, int(x0) - pad),
            max(0, int(y0) - pad),
            min(width, int(np.ceil(x1)) + pad),
            min(height, int(np.ceil(y1)) + pad),
        )
        if box[0] >= box[2] or box[1] >= box[3]:
            continue
        value = np.asarray(marker_value.crop(box).filter(soften), dtype=np.float32)
        alpha = np.asarray(marker_alpha.crop(box).filter(soften), dtype=np.float32)
        region = image[box[1] : box[3], box[0] : box[2]]
        region *= (1 - alpha / 255)[..., None]
        region += value[..., None] * marker_tint

    if light is not None:
        image *= light[..., None]
    image += _gaussian_noise(rng, image.shape, sigma)
    np.clip(image, 0.0, 255.0, out=image)
    return np.rint(image, out=image).astype(np.uint8), truth
