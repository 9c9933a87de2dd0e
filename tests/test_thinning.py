"""rootmass.measure.thinning.thin (its compiled loop, the only one): the skeleton of
skimage.morphology.skeletonize, pixel for pixel, and the background pixels
next to the mask, on masks made here to hold every kind of neighbourhood,
and on the lesson's root photos."""

import subprocess

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage.morphology import skeletonize

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from rootmass.measure import thinning  # noqa: E402
from rootmass.measure.thinning import ZHANG_TABLE, thin  # noqa: E402


def as_image(index, shape):
    image = np.zeros(shape, dtype=bool)
    image.reshape(-1)[index] = True
    return image


def next_to(mask):
    """The background pixels with a foreground 4-neighbour, from the
    definition."""
    near = np.zeros(mask.shape, dtype=bool)
    near[1:] |= mask[:-1]
    near[:-1] |= mask[1:]
    near[:, 1:] |= mask[:, :-1]
    near[:, :-1] |= mask[:, 1:]
    return near & ~mask


def random_masks(seed, count):
    """Noise of every density (every pattern of 8 neighbours occurs), blobs
    of every size, shapes of 1 x n and n x 1, and masks touching the edges."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        shape = (int(rng.integers(1, 70)), int(rng.integers(1, 70)))
        if i % 3 == 0:
            yield rng.random(shape) < rng.uniform(0.1, 0.95)
        else:
            yield ndi.gaussian_filter(rng.random(shape), rng.uniform(0.5, 6)) > rng.uniform(0.4, 0.6)


def test_the_table_marks_no_pixel_of_one_neighbour_or_eight():
    """An end of a line stays (one neighbour: bits 0 to 7 alone), as does a
    pixel inside (all eight): the rule thins, it does not erode."""
    assert (ZHANG_TABLE[[1 << bit for bit in range(8)]] == 0).all()
    assert ZHANG_TABLE[255] == 0 and ZHANG_TABLE[0] == 0
    assert ZHANG_TABLE.shape == (256,) and set(np.unique(ZHANG_TABLE)) == {0, 1, 2, 3}


def test_importing_the_roots_module_does_not_import_numba():
    """The compiled loops are imported on first use: the workflow's planning
    imports rootmass.measure.roots for its column names, and Numba's import would
    cost every such process about half a CPU-second."""
    scripts = Path(__file__).resolve().parents[1] / "scripts"
    code = (f"import sys; sys.path.insert(0, {str(scripts)!r}); import rootmass.measure.roots; "
            "print('numba' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.split()
    assert found == ["False"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_skeleton_and_the_edge_are_skeletonize_s_and_the_definition_s(seed):
    patterns = set()
    for mask in random_masks(seed, 150):
        skeleton, edge = thin(mask)
        assert np.array_equal(as_image(skeleton, mask.shape), skeletonize(mask)), mask.shape
        assert np.array_equal(edge, np.flatnonzero(next_to(mask))), mask.shape
        padded = np.pad(mask, 1).astype(np.uint8)
        code = sum(padded[1 + dr:padded.shape[0] - 1 + dr, 1 + dc:padded.shape[1] - 1 + dc] << k
                   for k, (dr, dc) in enumerate(((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1),
                                                 (1, 0), (1, -1), (0, -1))))
        patterns.update(np.unique(code[mask]).tolist())
    assert len(patterns) == 256  # the masks held every neighbourhood


def test_empty_full_and_thin_masks():
    for mask in (np.zeros((5, 7), dtype=bool), np.ones((6, 9), dtype=bool),
                 np.ones((1, 12), dtype=bool), np.ones((12, 1), dtype=bool),
                 np.zeros((0, 4), dtype=bool)):
        skeleton, edge = thin(mask)
        assert np.array_equal(as_image(skeleton, mask.shape), skeletonize(mask))
        assert np.array_equal(edge, np.flatnonzero(next_to(mask)))
    with pytest.raises(ValueError, match="expected a boolean mask"):
        thinning.thin(np.ones((3, 3), dtype=np.uint8))


def test_the_lesson_root_photos_skeletons_are_skeletonize_s(lesson_data):
    from rootmass.io import read_image
    from rootmass.segmentation import blur, segment, to_grayscale

    for name in ("trial-016.jpg", "trial-216.jpg"):
        blurred = blur(to_grayscale(read_image(lesson_data / name), "luma"), 1.5)
        _, mask = segment(blurred, "otsu")
        skeleton, edge = thin(mask)
        assert np.array_equal(as_image(skeleton, mask.shape), skeletonize(mask.copy())), name
        assert np.array_equal(edge, np.flatnonzero(next_to(mask))), name
