"""The demo's colony plates: dark round colonies on a dish, some touching,
each with its own label in the truth (:func:`synthetic_colony_plate`)."""

import numpy as np

from rootmass.demo._drawing import _REFERENCE_SIZE, _check_nonnegative_int, _check_shape
from rootmass.demo._drawing import _gaussian_noise

def _plate_layout(shape, seed, label, colonies):
    """The dish, the label and the colonies of a plate, and the generator to
    draw the rest with (:func:`synthetic_colony_plate`)."""
    from PIL import Image, ImageDraw, ImageFont

    height, width = _check_shape(shape)
    seed = _check_nonnegative_int("seed", seed)
    rng = np.random.default_rng(seed)
    if colonies is None:
        colonies = int(rng.integers(15, 41))
    colonies = _check_nonnegative_int("colonies", colonies)
    label = seed if label is None else label
    size = min(height, width)
    unit = size / _REFERENCE_SIZE
    cy, cx = height / 2 + rng.uniform(-0.02, 0.02) * size, width / 2
    dish = 0.45 * size
    rim = max(2.0, 6 * unit)

    # the label across the rim, at the bottom
    font = ImageFont.load_default(size=max(8, int(round(0.05 * size))))
    text = str(label)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    x0, y0, x1, y1 = probe.textbbox((0, 0), text, font=font, anchor="mm")
    pad = 0.5 * font.size
    w, h = (x1 - x0) + 3 * pad, (y1 - y0) + 2 * pad
    label_box = [cx - w / 2, cy + dish - h / 2, cx + w / 2, cy + dish + h / 2]

    # the colonies: inside the medium, off the label; each either overlaps
    # one colony already drawn by a pixel (touching) or keeps 3 pixels
    # from every other
    drawn = []
    inner = dish - rim - 2
    for _ in range(50 * colonies + 50):
        if len(drawn) == colonies:
            break
        radius = float(rng.uniform(6.0, 18.0) * unit)
        touching = None
        if drawn and rng.random() < 0.2:  # touching a colony already drawn
            touching = int(rng.integers(len(drawn)))
            row0, col0, radius0 = drawn[touching]
            angle = rng.uniform(0, 2 * np.pi)
            distance = radius0 + radius - 1.0
            row, col = row0 + distance * np.sin(angle), col0 + distance * np.cos(angle)
        else:
            angle, rho = rng.uniform(0, 2 * np.pi), inner * np.sqrt(rng.random())
            row, col = cy + rho * np.sin(angle), cx + rho * np.cos(angle)
        if np.hypot(row - cy, col - cx) + radius > inner:
            continue
        if (label_box[0] - radius - 2 < col < label_box[2] + radius + 2
                and row > label_box[1] - radius - 2):
            continue
        apart = all(np.hypot(row - r, col - c) >= radius + rr + 3
                    for i, (r, c, rr) in enumerate(drawn) if i != touching)
        if apart:
            drawn.append((float(row), float(col), radius))

    return dict(rng=rng, height=height, width=width, size=size, unit=unit, cy=cy,
                cx=cx, dish=dish, rim=rim, font=font, text=text, label_box=label_box,
                drawn=drawn)


def plate_colony_count(shape=(600, 600), seed=0, label=None, colonies=None):
    """The true count of :func:`synthetic_colony_plate`'s plate of the same
    arguments, without drawing it (a few milliseconds: the demo's sample
    sheet records it when the run is planned).

    Examples
    --------
    >>> plate_colony_count((200, 200), seed=1, colonies=5)
    5
    """
    return len(_plate_layout(shape, seed, label, colonies)["drawn"])


def synthetic_colony_plate(shape=(600, 600), seed=0, label=None, colonies=None,
                           labelled=False):
    """Draw a synthetic photo of a Petri dish with bacterial colonies.

    The image imitates the colony plates of the Data Carpentry lesson's
    capstone ("Bacteria Colony Counting"): a light background (about 235)
    around a round dish of a lighter-brown medium (about 150 to 175, a
    slight gradient) with a darker rim; dark, round colonies (about 25 to
    60) of varied size on the medium, about a fifth of them touching
    another one (which thresholding then merges into one object); a white
    label with a dark number across the dish's rim; Gaussian noise over
    everything.

    Parameters
    ----------
    shape : tuple of 2 int, optional
        ``(height, width)`` in pixels, each >= 16. Sizes scale with
        ``min(height, width) / 600``.
    seed : int, optional
        Seed (>= 0) of :func:`numpy.random.default_rng`; the image is a
        deterministic function of ``shape``, ``seed``, ``label`` and
        ``colonies``.
    label : int or str, optional
        What the label shows; the seed by default.
    colonies : int, optional
        How many colonies to draw (>= 0); by default 15 to 40, from the
        seed.
    labelled : bool, optional
        Give the truth as labels: each colony its own number.

    Returns
    -------
    image : (height, width, 3) ndarray of uint8
        The RGB image.
    truth : (height, width) ndarray of bool, or of uint16 with ``labelled``
        The colonies' pixels; with ``labelled``, colony ``i`` of ``drawn``
        is ``i + 1`` (where two touch, the later one has their shared
        pixels), the same pixels non-zero.
    drawn : list of tuple
        Each colony as ``(row, col, radius)`` in pixels: the true count is
        ``len(drawn)``. No colony lies under the label or on the rim. Two
        colonies either overlap by about a pixel (touching: one object in
        the truth mask) or keep at least 3 pixels apart.

    Examples
    --------
    >>> image, truth, drawn = synthetic_colony_plate((200, 200), seed=1, colonies=5)
    >>> image.shape, truth.dtype, len(drawn)
    ((200, 200, 3), dtype('bool'), 5)
    """
    from PIL import Image, ImageDraw, ImageFilter

    layout = _plate_layout(shape, seed, label, colonies)
    rng, height, width, size, unit = (layout[k] for k in ("rng", "height", "width", "size",
                                                           "unit"))
    cy, cx, dish, rim, font, text, label_box, drawn = (
        layout[k] for k in ("cy", "cx", "dish", "rim", "font", "text", "label_box", "drawn"))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    distance = np.hypot(yy - np.float32(cy), xx - np.float32(cx))
    image = np.full((height, width), rng.uniform(240.0, 250.0), dtype=np.float32)
    medium = np.float32(rng.uniform(150.0, 175.0)) + np.float32(
        rng.uniform(-8.0, 8.0)) * (xx - np.float32(cx)) / np.float32(size)
    image = np.where(distance <= dish, medium, image)
    image = np.where((distance > dish - rim) & (distance <= dish), image - 45, image)

    layer = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(layer)
    for row, col, radius in drawn:
        draw.ellipse([col - radius, row - radius, col + radius, row + radius],
                     fill=int(round(rng.uniform(25.0, 60.0))))
    value = np.asarray(layer)
    truth = value > 0
    numbers = None
    if labelled:
        numbered = Image.new("I", (width, height), 0)
        draw_numbers = ImageDraw.Draw(numbered)
        for number, (row, col, radius) in enumerate(drawn, start=1):
            draw_numbers.ellipse([col - radius, row - radius, col + radius, row + radius],
                                 fill=number)
        numbers = np.asarray(numbered).astype(np.uint16)
    # soft edges: each colony's own value, blended in by its blurred coverage
    alpha = np.asarray(Image.fromarray(np.where(truth, 255, 0).astype(np.uint8)).filter(
        ImageFilter.BoxBlur(0.5 * unit)), dtype=np.float32) / 255
    spread = np.asarray(layer.filter(ImageFilter.MaxFilter(5)), dtype=np.float32)
    image = image * (1 - alpha) + spread * alpha

    marker = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(marker)
    draw.rectangle(label_box, fill=250)
    draw.text((cx, cy + dish), text, fill=25, font=font, anchor="mm")
    box_mask = np.zeros((height, width), dtype=bool)
    top, bottom = max(0, int(label_box[1])), min(height, int(np.ceil(label_box[3])) + 1)
    left, right = max(0, int(label_box[0])), min(width, int(np.ceil(label_box[2])) + 1)
    box_mask[top:bottom, left:right] = True
    image = np.where(box_mask, np.asarray(marker, dtype=np.float32), image)

    # the medium brownish, the background and the label nearly white
    tint = np.array([1.0, 0.93, 0.80]) + rng.normal(0.0, 0.02, 3)
    paper = np.array([1.0, 1.0, 0.98])
    inside = (distance <= dish) & ~box_mask
    rgb = np.where(inside[..., None], tint.astype(np.float32), paper.astype(np.float32))
    rgb *= image[..., None]
    rgb += _gaussian_noise(rng, rgb.shape, rng.uniform(2.0, 4.0))
    np.clip(rgb, 0.0, 255.0, out=rgb)
    truth = truth & ~box_mask
    if labelled:
        truth = np.where(truth, numbers, 0).astype(np.uint16)
    return np.rint(rgb).astype(np.uint8), truth, drawn
