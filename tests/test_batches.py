"""Unit tests of the batching functions (rootmass.workflow.batches) and of the fast
read path of grayscale_blur (rootmass.qc.previews.read_gray_and_preview)."""

import os

import numpy as np
import pytest
from PIL import Image

from rootmass.workflow.batches import MIN_FILL, batch_id, content_batches, figure_key, image_key
from rootmass.workflow.planning import AVERAGE_FILL
from rootmass.io import read_image
from rootmass.qc.previews import read_gray_and_preview
from rootmass.qc.previews import as_display, detail_box, thumbnail
from rootmass.segmentation import to_grayscale


@pytest.mark.parametrize(
    "path, key",
    [
        ("data/trial-016.jpg", "data/trial-016"),
        ("./a/b.c.png", "a/b.c"),
        ("a/./x/../b.png", "a/b"),
        ("/abs/x.tif", "_abs/abs/x"),
        ("//abs/x.tif", "_abs/abs/x"),
        ("../up/x.jpg", "_up/up/x"),
        ("../../x.jpg", "_up/_up/x"),
        ("_up/x.jpg", "__up/x"),  # a folder of that name is no marker
        ("../_up/x.jpg", "_up/__up/x"),
        ("__abs/_abs", "___abs/__abs"),
        ("_upper/x.jpg", "_upper/x"),
        ("n{1}%.jpg", "n%7B1%7D%25"),
        ("a.b/n{1}.tif", "a.b/n%7B1%7D"),
        ("noext", "noext"),
    ],
)
def test_image_key(path, key):
    assert image_key(path) == key


def test_figure_key_is_the_image_s_path_as_a_jpeg():
    # the report's search matches the figure's path: typing the image's
    # whole path must find it; a .jpg image's figure is not named .jpg.jpg
    assert figure_key("photos/a.jpg") + ".jpg" == "photos/a.jpg"
    assert figure_key("data/colonies-01.tif") + ".jpg" == "data/colonies-01.tif.jpg"
    assert figure_key("./a/../b{1}.JPG") == "b%7B1%7D.JPG"
    assert figure_key("/x/y.png") == "_abs/x/y.png"
    assert figure_key("../x/a.jpg") + ".jpg" == "_up/x/a.jpg"
    assert figure_key("x/README") == "x/README"
    assert figure_key("x/.jpg") == "x/.jpg"  # (a name of its own)


def test_no_two_images_share_a_name():
    """Outside the working folder, of one name in two folders: every
    image's key and figure its own; check_keys refuses two of one name but
    for the extension (one key) and an image whose path is another's with
    .jpg added (one figure)."""
    from rootmass.workflow.config import ConfigError
    from rootmass.workflow.selection import check_keys

    images = ["photos/a.jpg", "photos/b.png", "photos/c.jpeg", "photos/A.JPG",
              "other/a.jpg", "photos/x/a.jpg", "../photos/a.jpg", "../../photos/a.jpg",
              "../x/a.jpg", "x/a.jpg", "_up/x/a.jpg", "__up/x/a.jpg", "/x/a.jpg",
              "_abs/x/a.jpg", "/photos/a.jpg", "../_up/x/a.jpg", "photos/_up.jpg",
              "photos/a%7B.jpg", "photos/a{.jpg"]
    keys = {image_key(image) for image in images}
    figures = {figure_key(image) for image in images}
    assert len(keys) == len(figures) == len(images)
    check_keys(images, "here")
    with pytest.raises(ConfigError, match="'photos/b.png' and 'photos/b.png.jpg' would both"
                                          " be written as 'photos/b.png.jpg'"):
        check_keys([*images, "photos/b.png.jpg"], "here")
    with pytest.raises(ConfigError, match="'photos/a.jpg' and 'photos/a.png' would both"
                                          " be written as 'photos/a'"):
        check_keys([*images, "photos/a.png"], "here")
    with pytest.raises(ConfigError, match="'photos/a.jpg' and 'photos/a' would both"):
        check_keys([*images, "photos/a"], "here")  # (without an extension)
    with pytest.raises(ConfigError, match="'photos/a.jpg' and './photos/a.jpg'"):
        check_keys([*images, "./photos/a.jpg"], "here")  # one file twice


def test_image_key_needs_a_name():
    for path in ("/", ".", "", "a/..", ".."):
        with pytest.raises(ValueError, match="has no file name"):
            image_key(path)


def test_batch_id_is_stable_and_order_sensitive():
    assert batch_id(["a", "b"]) == batch_id(["a", "b"])
    assert batch_id(["a", "b"]) != batch_id(["b", "a"])
    assert batch_id(["ab"]) != batch_id(["a", "b"])
    name = batch_id(["x.jpg"])
    assert name.startswith("b") and len(name) == 13 and int(name[1:], 16) >= 0
    with pytest.raises(ValueError):
        batch_id([])


def test_content_batches_cover_every_image_in_order_within_the_bounds():
    images = [f"i{n:04d}" for n in range(3000)]
    batches = content_batches(images, [1.0] * 3000, target_mp=60, max_images=1000)
    assert [i for b in batches for i in b] == images
    # at most the target; at least MIN_FILL of it, but the last
    assert all(len(b) <= 60 for b in batches)
    assert all(len(b) >= MIN_FILL * 60 for b in batches[:-1])
    # about AVERAGE_FILL of the target on average
    assert abs(3000 / len(batches) / 60 - AVERAGE_FILL) < 0.03
    # the same images, the same batches: nothing else is read
    assert content_batches(images, [1.0] * 3000, 60, 1000) == batches


def test_content_batches_limits():
    images = [f"i{n}" for n in range(10)]
    assert content_batches(images, [1.0] * 10, 1000, 1000) == [images]
    assert max(map(len, content_batches(images, [1.0] * 10, 1000, 3))) <= 3
    # a larger image than the target is a batch of its own
    batches = content_batches(["a", "big", *images], [1.0, 100.0] + [1.0] * 10, 5, 1000)
    assert ["big"] in batches and ["a"] in batches
    assert content_batches([], [], 10, 10) == []
    with pytest.raises(ValueError):
        content_batches(["a"], [], 10, 10)
    with pytest.raises(ValueError):
        content_batches(["a"], [1.0], 0, 10)


def test_adding_an_image_changes_only_the_batch_it_falls_in():
    images = [f"data/p{n:04d}.jpg" for n in range(2000)]
    before = {batch_id(b) for b in content_batches(images, [6.0] * 2000, 1000, 1000)}
    changed = []
    for n in range(0, 2000, 10):  # an image added after every tenth
        added = sorted([*images, f"data/p{n:04d}a.jpg"])
        after = {batch_id(b) for b in content_batches(added, [6.0] * 2001, 1000, 1000)}
        changed.append((len(before - after), len(after - before)))
    # one batch gone, one (or, split, two) in its place; the rest as they were
    one = sum(gone == 1 and new <= 2 for gone, new in changed)
    assert one >= 0.97 * len(changed), changed
    assert max(gone for gone, _ in changed) <= 3


@pytest.mark.parametrize(
    "mode, fmt", [("RGB", "JPEG"), ("L", "JPEG"), ("RGB", "PNG"), ("L", "PNG"),
                  ("RGBA", "PNG"), ("P", "PNG")]
)
def test_fast_read_path_gives_what_the_general_path_gives(tmp_path, mode, fmt):
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, (123, 457, 3), dtype=np.uint8)
    image = Image.fromarray(rgb)
    if mode == "L":
        image = image.convert("L")
    elif mode == "RGBA":
        image = image.convert("RGBA")
    elif mode == "P":
        image = image.quantize(16)
    path = tmp_path / f"x.{fmt.lower()}"
    image.save(path, format=fmt)
    for grayscale in ("luma", "rgb2gray"):
        gray, preview, (box, detail) = read_gray_and_preview(str(path), grayscale, 100, 50)
        original = read_image(str(path))
        expected = to_grayscale(original, grayscale)
        assert gray.dtype == expected.dtype
        np.testing.assert_array_equal(gray, expected)
        np.testing.assert_array_equal(preview, thumbnail(original, 100))
        # the detail: the original's own pixels (8-bit) in the box, 50 x 50
        top, left, height, width = box
        assert (height, width) == (50, 50) and box == detail_box(preview, 5, (123, 457), 50)
        np.testing.assert_array_equal(
            detail, as_display(original)[top : top + 50, left : left + 50])
    # no detail where the preview is the image itself, or none is asked for
    assert read_gray_and_preview(str(path), "luma", 500, 50)[2] is None
    assert read_gray_and_preview(str(path), "luma", 100)[2] is None
