"""What the demo's scenes share: the checks of their arguments, the size at
which features have their nominal size, a root's random walk, the markers
(a white circle and a numbered label) and fast Gaussian noise."""

import functools
import numbers

import numpy as np

#: ``min(height, width)`` at which the features have their nominal size.
_REFERENCE_SIZE = 600

def _is_int(value):
    """True for Python and NumPy integers, False for bools and everything else."""
    return isinstance(value, numbers.Integral) and not isinstance(
        value, (bool, np.bool_)
    )


def _check_nonnegative_int(name, value):
    """Return ``value`` as an int; raise ValueError unless it is an integer >= 0."""
    if not _is_int(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {value!r}")
    return int(value)


def _check_shape(shape):
    """Return ``(height, width)``; raise ValueError unless two integers >= 16."""
    try:
        dims = tuple(shape)
    except TypeError:
        dims = ()
    if len(dims) != 2 or not all(_is_int(d) and d >= 16 for d in dims):
        raise ValueError(
            f"shape must be (height, width), two integers >= 16; got {shape!r}"
        )
    return int(dims[0]), int(dims[1])

def _grow(rng, start, angle, length, step, gravitropism, wiggle):
    """Random walk of a root tip: an ``(n + 1, 2)`` array of ``(x, y)`` points.

    Image coordinates: ``y`` grows downward, so ``angle = pi / 2`` is down.
    Every step the direction turns by Gaussian noise of std ``wiggle`` and
    is pulled towards straight down by the fraction ``gravitropism``.
    """
    n = max(2, int(np.ceil(length / step)))
    turns = rng.normal(0.0, wiggle, n)
    angles = np.empty(n)
    for i in range(n):  # some dozens of steps per root, not per pixel
        angle += turns[i] + gravitropism * (np.pi / 2 - angle)
        angles[i] = angle
    steps = step * np.column_stack([np.cos(angles), np.sin(angles)])
    return np.vstack([start, start + np.cumsum(steps, axis=0)])

def _markers(rng, height, width, label):
    """Draw the white circle and the white label with a dark number.

    Returns ``(value, alpha, boxes)``: two Pillow ``L`` images, the markers'
    gray value and their coverage (255 on the circle and the label), and
    the two markers' bounding boxes ``(left, top, right, bottom)``.
    """
    from PIL import Image, ImageDraw, ImageFont

    size = min(height, width)
    value = Image.new("L", (width, height), 0)
    alpha = Image.new("L", (width, height), 0)
    draw_value, draw_alpha = ImageDraw.Draw(value), ImageDraw.Draw(alpha)
    margin = 0.04 * size

    # The circle, in a top corner.
    r = rng.uniform(0.045, 0.06) * size
    left = rng.random() < 0.5
    cx = margin + r + rng.uniform(0.0, 0.05) * width
    cx = cx if left else width - cx
    cy = margin + r + rng.uniform(0.0, 0.05) * height
    circle = [cx - r, cy - r, cx + r, cy + r]
    draw_value.ellipse(circle, fill=int(round(rng.uniform(246.0, 253.0))))
    draw_alpha.ellipse(circle, fill=255)

    # The label, in a bottom corner: a white rectangle around the number.
    font = ImageFont.load_default(size=max(8, int(round(0.065 * size))))
    text = str(label)
    x0, y0, x1, y1 = draw_value.textbbox((0, 0), text, font=font, anchor="mm")
    pad = 0.5 * font.size
    w, h = (x1 - x0) + 3 * pad, (y1 - y0) + 2 * pad
    lx = margin + rng.uniform(0.0, 0.08) * width
    lx = lx if rng.random() < 0.5 else width - lx - w
    ly = height - margin - h - rng.uniform(0.0, 0.04) * height
    rectangle = [lx, ly, lx + w, ly + h]
    draw_value.rectangle(rectangle, fill=int(round(rng.uniform(247.0, 253.0))))
    draw_alpha.rectangle(rectangle, fill=255)
    draw_value.text((lx + w / 2, ly + h / 2), text, fill=25, font=font, anchor="mm")
    return value, alpha, [circle, rectangle]

@functools.lru_cache(maxsize=1)
def _normal_quantiles(levels=65536):
    """The ``levels`` quantiles ``(i + 1/2) / levels`` of the standard normal."""
    from scipy.special import ndtri

    return ndtri((np.arange(levels) + 0.5) / levels).astype(np.float32)


def _gaussian_noise(rng, shape, sigma):
    """Gaussian noise of std ``sigma``, float32.

    Drawn by inverse transform sampling from 65536 quantiles (tails cut at
    4.3 std), three times faster than ``rng.standard_normal``.
    """
    index = rng.integers(0, 65536, size=shape, dtype=np.uint16)
    noise = _normal_quantiles()[index]
    noise *= np.float32(sigma)
    return noise
