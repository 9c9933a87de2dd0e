"""The histograms of the blurred image counted by the compiled loops
(rootmass.segmentation._kernels, their only implementation), against the
libraries' own functions computed here: ``np.histogram``,
``skimage.exposure.histogram`` (which ``image_histogram`` stands for) and
``skimage.filters.threshold_otsu`` of the pixels below the cutoff (which
``otsu_excluding_bright`` stands for), on random images whose values sit
where the bins' arithmetic is hardest (on the edges, a step either side,
empty and tiny ranges, negative values, 1.0) and on the lesson's photos."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from skimage.exposure import histogram
from skimage.filters import threshold_otsu

from rootmass.segmentation import blur, image_histogram, threshold_value, to_grayscale

#: (the ranges up to 1.7e308 overflow in the libraries and in the loops alike)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

SHAPE = (29, 31)
TRIALS = ["trial-016.jpg", "trial-020.jpg", "trial-216.jpg", "trial-293.jpg"]


def outcome(function, *args, **kwargs):
    """What a call gives: ``('value', result)`` or ``('error', type, message)``."""
    try:
        return ("value", function(*args, **kwargs))
    except (ValueError, IndexError) as error:
        return ("error", type(error), str(error))


def same(found, expected):
    """Two outcomes are the same: the same error, or the same results to the
    bit (a histogram's counts, their dtype, its bin centers; a threshold)."""
    assert found[0] == expected[0], (found, expected)
    if found[0] == "error":
        assert found[1:] == expected[1:]
        return
    found, expected = found[1], expected[1]
    if isinstance(expected, tuple):
        assert found[0].dtype == expected[0].dtype
        assert np.array_equal(found[0], expected[0])
        assert found[1].dtype == expected[1].dtype
        assert found[1].tobytes() == expected[1].tobytes()
    else:
        assert type(found) is float
        assert np.float64(found).tobytes() == np.float64(expected).tobytes()


def library_histogram(pixels):
    """``image_histogram`` as scikit-image computes it."""
    return histogram(pixels.reshape(-1), 256, source_range="image")


def library_otsu(pixels, cutoff, roi=None):
    """``otsu_excluding_bright`` as it was computed: Otsu's threshold of a copy
    of the pixels (the ROI's) below the cutoff."""
    kept = pixels[pixels < cutoff] if roi is None else pixels[roi & (pixels < cutoff)]
    if kept.size == 0:
        raise ValueError(
            f"every pixel is at or above bright_cutoff {cutoff!r}: no pixels left to threshold"
        )
    return float(threshold_otsu(kept))


def ranges(rng):
    """Ranges (smallest, largest) of every kind the tests cover."""
    lo = rng.uniform(-2, 2)
    yield 0.0, 1.0
    yield 0.0, rng.uniform(0.5, 1.0)
    yield rng.uniform(0, 0.5), 1.0
    yield -1.0, 1.0
    yield lo, lo + abs(rng.normal())
    yield lo, lo  # all equal
    yield -3.5, -0.25  # negative
    yield 0.1, 0.1 + 1e-12  # tiny
    for steps in (1, 3, 255, 256, 257, 300, 1000, 4096):  # a few steps of the floats
        start = rng.uniform(0.2, 0.8)
        yield start, start + steps * np.spacing(start)
    yield 1e-300, 2e-300
    yield 1e300, 1.7e308
    yield -1.7e308, 1.7e308  # (a width that overflows)
    yield 1e6, 1e6 + 1e-3  # far from 0 for its width
    yield -1e8 - 0.37, -1e8
    yield 3e-5, 3e-5 * (1 + 1e-9)


def between(rng, lo, hi, size=None):
    """Random values from lo to hi (``rng.uniform`` overflows where
    ``hi - lo`` does)."""
    t = rng.random(size)
    return np.clip(lo * (1 - t) + hi * t, lo, hi)


def adversarial(rng, lo, hi, shape=SHAPE):
    """An image from lo to hi (both in it) with values on the 256 bins' edges,
    a step of the floats either side of them, random ones, 0 and 1 where
    they lie in the range."""
    with np.errstate(over="ignore", invalid="ignore"):
        edges = np.linspace(lo, hi, 257) if lo < hi else np.array([lo, hi])
    steps = [edges]
    for _ in range(4):  # up to 4 steps of the floats either side
        steps = [np.nextafter(steps[0], -np.inf), *steps, np.nextafter(steps[-1], np.inf)]
    near = np.concatenate([*steps, between(rng, lo, hi, 200),
                           [0.0, 1.0, np.nextafter(1.0, 0), -0.0]])
    near = near[(near >= lo) & (near <= hi)]
    image = rng.choice(near, size=shape)
    flat = image.reshape(-1)
    flat[rng.choice(flat.size, 2, replace=False)] = lo, hi
    return image


def images(seed):
    rng = np.random.default_rng(seed)
    for lo, hi in ranges(rng):
        yield adversarial(rng, lo, hi)


@pytest.mark.parametrize("seed", range(6))
def test_image_histogram_is_scikit_image_s(seed):
    for image in images(seed):
        same(outcome(image_histogram, image), outcome(library_histogram, image))


@pytest.mark.parametrize("seed", range(3))
def test_image_histogram_of_a_roi_is_scikit_image_s_of_its_pixels(seed):
    rng = np.random.default_rng(100 + seed)
    for image in images(seed):
        roi = rng.random(image.shape) < rng.uniform(0.001, 1.0)
        roi.flat[rng.integers(roi.size)] = True
        same(outcome(image_histogram, image, roi), outcome(library_histogram, image[roi]))


def test_the_counts_are_numpy_s_over_a_given_range():
    """The loop with an explicit range, values outside it (and NaN,
    infinities) left out: the lesson's 256 bins over [0, 1] among them."""
    from rootmass.segmentation import _kernels

    rng = np.random.default_rng(7)
    for lo, hi in [(0.0, 1.0), (-1.0, 0.5), (0.25, 0.2500001)]:
        edges = np.linspace(lo, hi, 257)
        values = np.concatenate([edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf),
                                 rng.uniform(lo - 1, hi + 1, 5000), [np.nan, np.inf, -np.inf]])
        counts = np.zeros(256, dtype=np.intp)
        _kernels.uniform_counts(values, np.zeros(0, dtype=bool), 0.0, False, lo, hi, edges, counts)
        assert np.array_equal(counts, np.histogram(values, 256, range=(lo, hi))[0])


@pytest.mark.parametrize("seed", range(4))
def test_the_range_is_numpy_s(seed):
    from rootmass.segmentation import _kernels

    rng = np.random.default_rng(seed)
    for image in images(seed):
        values = image.reshape(-1)
        roi = rng.random(values.size) < 0.3
        cutoff = between(rng, values.min(), values.max())
        kept = values[roi & (values < cutoff)]
        count, smallest, largest, first, finite = _kernels.value_range(values, roi, cutoff, True)
        assert count == kept.size and finite
        if count:
            assert (smallest, largest, first) == (kept.min(), kept.max(), kept[0])


@pytest.mark.parametrize("seed", range(6))
def test_otsu_excluding_bright_is_otsu_of_the_pixels_below_the_cutoff(seed):
    rng = np.random.default_rng(200 + seed)
    for image in images(seed):
        values = np.unique(image)
        # a cutoff above every pixel, at a pixel's value, between two, at
        # the smallest (none below), just above it (one level below)
        for cutoff in (np.nextafter(values[-1], np.inf), rng.choice(values),
                       between(rng, values[0], values[-1]), values[0],
                       np.nextafter(values[0], np.inf)):
            cutoff = float(np.clip(cutoff, 0.0, 1.0))  # (a cutoff is in [0, 1])
            same(outcome(threshold_value, image, "otsu_excluding_bright", bright_cutoff=cutoff),
                 outcome(library_otsu, image, cutoff))


def test_otsu_excluding_bright_in_a_roi_is_otsu_of_its_pixels_below_the_cutoff():
    rng = np.random.default_rng(5)
    for image in images(5):
        roi = rng.random(image.shape) < 0.5
        roi.flat[0] = True
        cutoff = float(np.clip(between(rng, image.min(), image.max()), 0.0, 1.0))
        same(outcome(threshold_value, image, "otsu_excluding_bright", bright_cutoff=cutoff,
                     roi=roi), outcome(library_otsu, image, cutoff, roi))


def test_what_the_loops_leave_to_the_libraries_behaves_as_they_do():
    """NaN and infinite values, another dtype, a range too narrow for 256
    bins: the libraries' results and errors, as before."""
    rng = np.random.default_rng(9)
    base = rng.random(SHAPE)
    cases = []
    for bad in (np.nan, np.inf, -np.inf):
        image = base.copy()
        image[3, 4] = bad
        cases.append(image)
    cases.append(base.astype(np.float32))
    cases.append(np.full(SHAPE, np.nan))
    narrow = np.full(SHAPE, 0.5)
    narrow[0, 0] = np.nextafter(0.5, 1)
    cases.append(narrow)
    for image in cases:
        same(outcome(image_histogram, image), outcome(library_histogram, image))
        for cutoff in (0.95, 1.0):
            same(outcome(threshold_value, image, "otsu_excluding_bright", bright_cutoff=cutoff),
                 outcome(library_otsu, image, cutoff))


def test_a_uniform_image_below_the_cutoff_gives_its_first_pixel():
    """threshold_otsu of a uniform image returns its first pixel (-0.0 and
    0.0 are the same level)."""
    image = np.zeros(SHAPE)
    image[0, 0] = -0.0
    image[5:, :] = 1.0
    for first in (-0.0, 0.0):
        image[0, 0] = first
        t = threshold_value(image, "otsu_excluding_bright", bright_cutoff=0.95)
        assert np.float64(t).tobytes() == np.float64(library_otsu(image, 0.95)).tobytes()
    assert np.signbit(t) == np.signbit(library_otsu(image, 0.95))


def test_importing_the_segmentation_does_not_import_numba():
    """The loops are imported on first use: the workflow's planning and the
    stages that count no histogram do not pay Numba's import."""
    scripts = Path(__file__).resolve().parents[1] / "scripts"
    code = (f"import sys; sys.path.insert(0, {str(scripts)!r}); import rootmass.segmentation; "
            "print('numba' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.split()
    assert found == ["False"]


@pytest.fixture(scope="module")
def lesson_blurred(lesson_data):
    import imageio.v3 as iio

    return {name: blur(to_grayscale(iio.imread(lesson_data / name), "luma"), 1.5)
            for name in TRIALS}


def test_the_lesson_photos_histograms_and_otsu_excluding_bright_are_the_libraries(
        lesson_blurred):
    for blurred in lesson_blurred.values():
        same(outcome(image_histogram, blurred), outcome(library_histogram, blurred))
        for cutoff in (0.95, 0.8):
            same(outcome(threshold_value, blurred, "otsu_excluding_bright", bright_cutoff=cutoff),
                 outcome(library_otsu, blurred, cutoff))
        roi = np.zeros(blurred.shape, dtype=bool)
        roi[200:1700, 300:2500] = True
        same(outcome(image_histogram, blurred, roi), outcome(library_histogram, blurred[roi]))
        same(outcome(threshold_value, blurred, "otsu_excluding_bright", bright_cutoff=0.95,
                     roi=roi), outcome(library_otsu, blurred, 0.95, roi))
