"""The demo's other scenes: a lamp's uneven light over the root photos
(:func:`illumination_field`), and green seedlings on textured soil
(:func:`synthetic_seedling_image`)."""

import numpy as np

from rootmass.demo._drawing import _REFERENCE_SIZE, _check_nonnegative_int, _check_shape
from rootmass.demo._drawing import _gaussian_noise, _grow, _markers

#: The spawn key of :func:`illumination_field`'s generator: its own stream
#: of the seed.
_LIGHT_STREAM = 1

def _check_light(light, shape):
    """Return ``light`` as a float32 array; raise ValueError unless it is an
    array of ``shape`` of finite numbers >= 0."""
    try:
        field = np.asarray(light, dtype=np.float32)
    except (TypeError, ValueError):
        field = None
    if field is None or field.shape != shape or not np.all(np.isfinite(field)) or (
            field < 0).any():
        got = getattr(light, "shape", type(light).__name__)
        raise ValueError(
            f"light must be an array of shape {shape} of finite numbers >= 0; got {got!r}"
        )
    return field


def illumination_field(shape=(600, 900), seed=0):
    """An uneven illumination: a lamp off one corner, the lens's vignette and
    a shadow band, as a multiplicative field.

    It imitates a rhizobox photographed under one lamp: the light is
    brightest about a random corner (slightly outside or inside the image)
    and falls off with the distance from there, as a Gaussian of about 0.5
    to 0.6 times the image's diagonal, to about a tenth at the far corner;
    the lens darkens the edges by up to about a quarter (the vignette); and
    a soft shadow band (a strut of the box's frame), 6 to 12 % of the
    image's height wide, runs about vertically or horizontally across the
    middle, taking 35 to 50 % of the light. Multiplied into the demo's root
    photo (the ``light`` of :func:`synthetic_root_image`), the roots far
    from the lamp are darker than the background near it, so no global
    threshold separates them all, while every root stays brighter than the
    background about it.

    Parameters
    ----------
    shape : tuple of 2 int, optional
        ``(height, width)`` in pixels, each >= 16. The field scales with
        the image: a seed gives the same light at every size of the same
        aspect ratio.
    seed : int, optional
        Seed (>= 0); the field is a deterministic function of ``shape`` and
        ``seed``, drawn from a generator of its own (not the one of the
        image of the same seed).

    Returns
    -------
    field : (height, width) ndarray of float32
        The light's relative intensity, about 0.05 to 1.05: 1 leaves a
        pixel as it is.

    Raises
    ------
    ValueError
        If ``shape`` is not two integers >= 16 or ``seed`` not an integer
        >= 0.

    Examples
    --------
    >>> field = illumination_field((200, 300), seed=1)
    >>> field.shape, field.dtype, bool(field.max() / field.min() > 5)
    ((200, 300), dtype('float32'), True)
    """
    height, width = _check_shape(shape)
    seed = _check_nonnegative_int("seed", seed)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_LIGHT_STREAM,)))
    aspect = width / height
    # y in [0, 1] down the image, x in [0, aspect] across: units of the height
    y = ((np.arange(height, dtype=np.float32) + 0.5) / np.float32(height))[:, None]
    x = ((np.arange(width, dtype=np.float32) + 0.5) / np.float32(height))[None, :]

    # The lamp, about a random corner.
    corner = int(rng.integers(0, 4))
    ly, lx = rng.uniform(-0.15, 0.2, 2)
    ly = 1 - ly if corner & 1 else ly
    lx = aspect * (1 - lx if corner & 2 else lx)
    spread = rng.uniform(0.5, 0.6) * np.hypot(1.0, aspect)
    floor = rng.uniform(0.08, 0.13)
    field = np.exp(((y - np.float32(ly)) ** 2 + (x - np.float32(lx)) ** 2)
                   * np.float32(-1 / spread**2))
    field *= np.float32(1 - floor)
    field += np.float32(floor)

    # The vignette: a quarter of the light lost in the corners.
    vy, vx = 2 * y - 1, 2 * x / np.float32(aspect) - 1
    field *= 1 - np.float32(rng.uniform(0.2, 0.3) / 2) * (vy * vy + vx * vx)

    # The shadow band: a smooth step from its core to its soft edges.
    angle = rng.uniform(-0.4, 0.4) + (np.pi / 2 if rng.random() < 0.5 else 0.0)
    along = rng.uniform(0.3, 0.7)
    half, soft = rng.uniform(0.03, 0.06), rng.uniform(0.02, 0.04)
    depth = rng.uniform(0.35, 0.5)
    distance = np.abs((y - np.float32(along)) * np.float32(np.cos(angle))
                      - (x - np.float32(along * aspect)) * np.float32(np.sin(angle)))
    t = np.clip((distance - np.float32(half)) / np.float32(soft), 0, 1)
    field *= 1 - np.float32(depth) * (1 - t * t * (3 - 2 * t))
    field *= np.float32(rng.uniform(1.0, 1.05))
    return field


def _soil(rng, height, width, unit):
    """Textured brown soil, RGB float32: clods and wet patches of varied
    brightness at two scales, fine grain, pebbles, perlite and dark specks.

    Its luma is about 85 on average, and about 60 to 120 over most of it,
    with pebbles up to about 190 and perlite about 220; its excess green is
    that of gray (brown, beige and white have about as much red and blue
    as green, together).
    """
    from PIL import Image, ImageDraw

    def smooth(rows, cols, std):
        grid = rng.normal(0.0, std, (rows, cols)).astype(np.float32)
        return np.asarray(Image.fromarray(grid).resize((width, height),
                                                       Image.Resampling.BICUBIC))

    brightness = smooth(4, 6, 0.12) + smooth(14, 21, 0.12)  # patches and clods
    grain = max(2, int(round(3 * unit)))
    fine = rng.normal(0.0, 0.10, (-(-height // grain), -(-width // grain))).astype(np.float32)
    brightness += np.asarray(Image.fromarray(fine).resize(
        (width, height), Image.Resampling.BILINEAR))
    brightness = np.exp(brightness)
    brown = np.array([102.0, 72.0, 52.0]) * rng.uniform(0.92, 1.08) + rng.normal(0.0, 3.0, 3)
    soil = brightness[..., None] * brown.astype(np.float32)

    # Pebbles (beige to gray), perlite (white) and dark specks, drawn with
    # their colour and coverage.
    colour = Image.new("RGB", (width, height), 0)
    cover = Image.new("L", (width, height), 0)
    draw_colour, draw_cover = ImageDraw.Draw(colour), ImageDraw.Draw(cover)
    area = height * width / (_REFERENCE_SIZE * _REFERENCE_SIZE * 1.5)
    kinds = [  # how many at 600 x 900, radius in units, colour, its std
        (int(rng.integers(50, 80)), (3.0, 10.0), (170.0, 156.0, 138.0), 5.0),
        (int(rng.integers(90, 150)), (1.5, 3.5), (228.0, 226.0, 218.0), 1.6),
        (int(rng.integers(80, 140)), (1.0, 3.0), (40.0, 30.0, 24.0), 1.2),
    ]
    for count, (r0, r1), rgb, spread in kinds:
        for _ in range(int(round(count * area))):
            r = rng.uniform(r0, r1) * unit
            ry = r * rng.uniform(0.6, 1.0)
            cx, cy = rng.uniform(0, width), rng.uniform(0, height)
            fill = np.clip(np.array(rgb) * rng.uniform(0.85, 1.1) + rng.normal(0.0, spread, 3),
                           0, 255)
            box = [cx - r, cy - ry, cx + r, cy + ry]
            draw_colour.ellipse(box, fill=tuple(int(round(v)) for v in fill))
            draw_cover.ellipse(box, fill=255)
    alpha = np.asarray(cover, dtype=np.float32)[..., None] / np.float32(255)
    soil *= 1 - alpha
    soil += alpha * np.asarray(colour, dtype=np.float32)
    return soil


def _seedlings(rng, height, width, unit, plants):
    """The seedlings, seen from above: each a short curved stem and two
    cotyledons, most with one or two smaller true leaves.

    Yields ``(kind, geometry, rgb)`` per part: ``("stem", (points,
    radius), rgb)`` or ``("leaf", (x, y, length, breadth, angle), rgb)``.
    """
    size = min(height, width)
    n = max(1, int(round(int(rng.integers(9, 14)) * plants)))
    # spread over the tray: one seedling per cell of a jittered grid
    cols = int(np.ceil(np.sqrt(n * width / height)))
    rows = int(np.ceil(n / cols))
    cells = rng.permutation(rows * cols)[:n]
    for cell in cells:
        x = (cell % cols + rng.uniform(0.2, 0.8)) / cols * width
        y = (cell // cols + rng.uniform(0.2, 0.8)) / rows * height
        green = np.array([rng.uniform(75, 115), rng.uniform(150, 190), rng.uniform(35, 70)])
        stem_length = rng.uniform(0.03, 0.07) * size
        points = _grow(rng, np.array([x, y]), rng.uniform(0, 2 * np.pi), stem_length,
                       size / 120.0, gravitropism=0.0, wiggle=0.25)
        stem = green * np.array([1.15, 0.95, 1.3])  # paler
        yield "stem", (points, max(1.5, rng.uniform(1.5, 2.5) * unit)), stem
        tip = points[-1]
        dx, dy = points[-1] - points[-2]
        axis = np.arctan2(dy, dx) + np.pi / 2 + rng.normal(0.0, 0.2)
        length = rng.uniform(0.06, 0.1) * size
        for side in (-1.0, 1.0):  # the cotyledons, either side of the tip
            a = axis + side * np.pi / 2 + rng.normal(0.0, 0.15)
            half = 0.5 * length * rng.uniform(0.9, 1.1)
            centre = tip + (half - 1.0) * np.array([np.cos(a), np.sin(a)])
            shade = green * rng.uniform(0.9, 1.1)
            yield "leaf", (*centre, 2 * half, length * rng.uniform(0.45, 0.6), a), shade
        for _ in range(int(rng.integers(0, 3))):  # the first true leaves
            a = axis + rng.choice([0.0, np.pi]) + rng.normal(0.0, 0.3)
            half = 0.5 * length * rng.uniform(0.5, 0.8)
            centre = tip + (half - 1.0) * np.array([np.cos(a), np.sin(a)])
            yield "leaf", (*centre, 2 * half, 2 * half * rng.uniform(0.5, 0.7), a), (
                green * np.array([0.85, 1.05, 0.8]) * rng.uniform(0.9, 1.05))


def _leaf_polygon(x, y, length, breadth, angle, n=24):
    """A leaf's outline: a pointed ellipse of ``length`` by ``breadth``,
    centred on ``(x, y)``, its axis at ``angle``."""
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    u = 0.5 * length * np.cos(t)
    v = 0.5 * breadth * np.sin(t) * (1 - 0.35 * np.cos(t) ** 2)  # a little pointed
    c, s = np.cos(angle), np.sin(angle)
    return [(x + c * a - s * b, y + s * a + c * b) for a, b in zip(u, v)]


def synthetic_seedling_image(shape=(600, 900), seed=0, label=None, plants=1.0):
    """Draw a synthetic photo of green seedlings on soil, with its truth.

    A tray of young seedlings photographed from above: textured brown soil
    (clods and patches of varied brightness, fine grain, pale pebbles,
    white perlite and dark specks); seedlings of varied green, each a short
    curved stem and two cotyledons, most with one or two smaller true
    leaves, spread over the tray; the root photos' white label with the
    dark number ``label`` in a bottom corner (a plant tag; no circle);
    Gaussian noise over everything. The seedlings cover about 4 to 8 % of
    the pixels (twice as many seedlings, about 1.7 times as much).

    The seedlings' luma is somewhat above the soil's on average (about 130
    against 85), but the soil's bright patches, pebbles and perlite reach
    it, so a global threshold of the luma finds them too; their excess
    green, ``2G - R - B``, is far above the soil's and the label's, which
    are about gray.

    Parameters
    ----------
    shape : tuple of 2 int, optional
        ``(height, width)`` in pixels, each >= 16. Sizes scale with
        ``min(height, width) / 600``.
    seed : int, optional
        Seed (>= 0) of :func:`numpy.random.default_rng`; the image is a
        deterministic function of ``shape``, ``seed``, ``label`` and
        ``plants``.
    label : int or str, optional
        What the label shows; the seed by default.
    plants : float, optional
        How many seedlings, relative to the usual (9 to 13): ``plants``
        times as many (rounded, at least 1).

    Returns
    -------
    image : (height, width, 3) ndarray of uint8
        The RGB image.
    truth : (height, width) ndarray of bool
        The seedlings' pixels (stems and leaves), without any under the
        label.

    Raises
    ------
    ValueError
        If ``shape`` is not two integers >= 16, ``seed`` not an integer
        >= 0 or ``plants`` not a number in (0, 5].

    Examples
    --------
    >>> image, truth = synthetic_seedling_image((200, 300), seed=1)
    >>> image.shape, image.dtype, truth.shape, truth.dtype
    ((200, 300, 3), dtype('uint8'), (200, 300), dtype('bool'))
    """
    from PIL import Image, ImageDraw, ImageFilter

    height, width = _check_shape(shape)
    seed = _check_nonnegative_int("seed", seed)
    if isinstance(plants, bool) or not isinstance(plants, (int, float)) or not 0 < plants <= 5:
        raise ValueError(f"plants must be a number in (0, 5]; got {plants!r}")
    label = seed if label is None else label
    rng = np.random.default_rng(seed)
    unit = min(height, width) / _REFERENCE_SIZE
    parts = list(_seedlings(rng, height, width, unit, plants))
    marker_value, marker_alpha, boxes = _markers(rng, height, width, label)

    # The seedlings' colour and coverage, drawn by Pillow.
    colour = Image.new("RGB", (width, height), 0)
    cover = Image.new("L", (width, height), 0)
    draw_colour, draw_cover = ImageDraw.Draw(colour), ImageDraw.Draw(cover)
    for kind, geometry, rgb in parts:
        fill = tuple(int(round(v)) for v in np.clip(rgb, 1, 255))
        if kind == "stem":
            points, radius = geometry
            for draw, value in ((draw_colour, fill), (draw_cover, 255)):
                draw.line([tuple(xy) for xy in points.tolist()], fill=value,
                          width=max(1, int(round(2 * radius))), joint="curve")
        else:
            outline = _leaf_polygon(*geometry)
            draw_colour.polygon(outline, fill=fill)
            draw_cover.polygon(outline, fill=255)
    # only the label, of the markers: where it lies, nothing is seedling
    label_box = boxes[1]
    tag = np.zeros((height, width), dtype=bool)
    top, bottom = max(0, int(label_box[1])), min(height, int(np.ceil(label_box[3])) + 1)
    left, right = max(0, int(label_box[0])), min(width, int(np.ceil(label_box[2])) + 1)
    tag[top:bottom, left:right] = True
    tag &= np.asarray(marker_alpha) > 0
    truth = (np.asarray(cover) > 0) & ~tag

    # Slightly soft edges: blur the seedlings as premultiplied colour and
    # coverage (the colour is 0 off them).
    soften = ImageFilter.BoxBlur(0.5 * unit)
    alpha = np.asarray(cover.filter(soften), dtype=np.float32)[..., None] / np.float32(255)
    image = _soil(rng, height, width, unit)
    image *= 1 - alpha
    image += np.asarray(colour.filter(soften), dtype=np.float32)
    value = np.asarray(marker_value, dtype=np.float32)[top:bottom, left:right]
    inside = tag[top:bottom, left:right]
    region = image[top:bottom, left:right]
    region[inside] = value[inside][:, None] * np.array([1.0, 1.0, 0.99], dtype=np.float32)

    image += _gaussian_noise(rng, image.shape, rng.uniform(3.0, 5.0))
    np.clip(image, 0.0, 255.0, out=image)
    return np.rint(image, out=image).astype(np.uint8), truth
