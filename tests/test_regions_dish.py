"""Unit tests of rootmass.regions.dish.find_dish: drawn dishes (a wall ring of
another grey, noise, roots, a colony) found to 2 % of their radius, and the
one-line errors."""

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage.color import rgb2gray
from skimage.draw import disk, line
from skimage.filters import gaussian
from skimage.io import imread
from skimage.measure import label, regionprops

from rootmass.regions.dish import find_dish

TOLERANCE = 0.02  # of the radius, for the centre and the radius


def draw_dish(shape, offset, radius, light=True, wall=0.04, noise=0.03, colony=None,
              seed=0):
    """A dish drawn as a scan shows it, blurred as the workflow blurs (sigma
    1.5): agar inside a wall ring `wall` x the radius wide, of another grey,
    with three roots and perhaps a colony (row, col offsets from the dish's
    centre and radius, fractions of the shorter side). `offset` (rows, cols)
    moves the dish off the image's centre, `radius` is the inner one (the
    agar's edge), both fractions of the shorter side. Returns the image and
    the dish's (x, y, inner radius)."""
    rng = np.random.default_rng(seed)
    side = min(shape)
    y = shape[0] / 2 + offset[0] * side + 0.3  # off the pixel grid
    x = shape[1] / 2 + offset[1] * side - 0.4
    inner = radius * side + 0.45
    background, rim, agar, root = (0.1, 0.5, 0.75, 0.4) if light else (0.9, 0.5, 0.3, 0.6)
    image = np.full(shape, background)
    image[disk((y, x), inner * (1 + wall), shape=shape)] = rim
    image[disk((y, x), inner, shape=shape)] = agar
    for k in range(3):  # roots from the top of the agar downwards
        start = (int(y - 0.6 * inner), int(x + (k - 1) * 0.3 * inner))
        end = (int(y + 0.5 * inner), int(x + (k - 1) * 0.45 * inner))
        rows, cols = line(*start, *end)
        for width in range(-2, 3):
            image[rows, cols + width] = root
    if colony is not None:
        dy, dx, size = colony
        image[disk((y + dy * side, x + dx * side), size * side, shape=shape)] = 1 - background
    image += rng.normal(0, noise, shape)
    return gaussian(image, sigma=1.5), (x, y, inner)


def assert_found(found, truth):
    x, y, radius = found
    tx, ty, tr = truth
    assert np.hypot(x - tx, y - ty) <= TOLERANCE * tr, (found, truth)
    assert abs(radius - tr) <= TOLERANCE * tr, (found, truth)


@pytest.mark.parametrize("shape, offset, radius", [
    ((600, 800), (0.05, -0.08), 0.42),
    ((600, 800), (-0.1, 0.12), 0.33),
    ((1500, 2000), (0.04, 0.1), 0.44),
    ((1500, 2000), (-0.06, -0.15), 0.38),
])
@pytest.mark.parametrize("light", [True, False], ids=["light on dark", "dark on light"])
def test_finds_drawn_dishes_to_2_percent_of_the_radius(shape, offset, radius, light):
    image, truth = draw_dish(shape, offset, radius, light)
    found = find_dish(image)
    assert all(type(value) is float for value in found)
    assert_found(found, truth)


def test_the_inner_wall_not_the_outer_one():
    """The wall ring is 4 % of the radius wide: the outer edge would be 4 %
    off; the inner one is returned, to far better than 2 %."""
    image, (x, y, inner) = draw_dish((600, 800), (0.03, 0.05), 0.4, wall=0.04)
    radius = find_dish(image)[2]
    assert abs(radius - inner) <= 0.005 * inner
    assert abs(radius - inner * 1.04) > 0.03 * inner


@pytest.mark.parametrize("light", [True, False], ids=["light on dark", "dark on light"])
def test_a_colony_is_not_chosen(light):
    """A sharper, smaller circle inside the dish, its radius within the
    range searched (0.27 of the shorter side): the dish around it wins."""
    image, truth = draw_dish((600, 800), (-0.04, 0.08), 0.44, light,
                             colony=(0.08, -0.05, 0.27))
    assert_found(find_dish(image), truth)


def test_a_dish_and_a_colony_at_2000_pixels_with_more_noise():
    image, truth = draw_dish((1500, 2000), (0.03, 0.1), 0.43, light=False, noise=0.08,
                             colony=(-0.1, 0.05, 0.26), seed=3)
    assert_found(find_dish(image), truth)


def test_integer_images_alike():
    image, truth = draw_dish((600, 800), (0.02, -0.05), 0.4)
    as_bytes = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    assert_found(find_dish(as_bytes), truth)
    assert np.allclose(find_dish(as_bytes), find_dish(image), atol=0.5)


def test_the_radius_range():
    """A dish of radius 0.42 is out of a range of 0.25 to 0.35 (the colony
    inside it is then the roundest thing of that range)."""
    image, truth = draw_dish((600, 800), (0.0, 0.0), 0.42, colony=(0.05, 0.0, 0.3))
    assert_found(find_dish(image, 0.2, 0.5), truth)
    x, y, _ = truth
    assert_found(find_dish(image, 0.25, 0.35), (x, y + 0.05 * 600, 0.3 * 600))


def test_the_lessons_petri_dish(lesson_data):
    """colonies-01.tif, a real dish: its inside as the lesson's capstone takes
    it (blurred < 0.9, sigma 1.0; holes filled) has the centre and the
    equivalent radius of the circle found, to 2 %."""
    gray = gaussian(rgb2gray(imread(lesson_data / "colonies-01.tif")[..., :3]), sigma=1.0)
    inside = max(regionprops(label(ndi.binary_fill_holes(gray < 0.9))), key=lambda r: r.area)
    truth = (inside.centroid[1], inside.centroid[0], np.sqrt(inside.area / np.pi))
    assert_found(find_dish(gray), truth)


@pytest.mark.parametrize("image", [
    np.zeros((300, 400)),
    gaussian(np.random.default_rng(0).normal(0.5, 0.1, (600, 800)), sigma=1.5),
    np.tile(np.linspace(0, 1, 400), (300, 1)),
], ids=["flat", "noise", "ramp"])
def test_no_dish(image):
    with pytest.raises(ValueError, match=r"^no round dish found") as error:
        find_dish(image)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("gray, kwargs, name", [
    (np.zeros((40, 40, 3)), {}, "gray must be a 2-D array"),
    (np.zeros(40), {}, "gray must be a 2-D array"),
    (np.zeros((0, 40)), {}, "gray must not be empty"),
    (np.zeros((40, 40), complex), {}, "gray must be a real-valued array"),
    (np.full((40, 40), np.nan), {}, "gray must hold finite values"),
    (np.zeros((40, 40)), {"min_radius": 0}, "min_radius must be a number in"),
    (np.zeros((40, 40)), {"min_radius": 0.6}, "min_radius must be a number in"),
    (np.zeros((40, 40)), {"max_radius": 0}, "max_radius must be a number in"),
    (np.zeros((40, 40)), {"max_radius": 1.5}, "max_radius must be a number in"),
    (np.zeros((40, 40)), {"max_radius": True}, "max_radius must be a number in"),
    (np.zeros((40, 40)), {"min_radius": "0.3"}, "min_radius must be a number"),
])
def test_bad_input_one_line(gray, kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}") as error:
        find_dish(gray, **kwargs)
    assert "\n" not in str(error.value)
