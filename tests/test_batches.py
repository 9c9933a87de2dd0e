"""Unit tests of the batching functions (rootmass.batches) and of the fast
read path of grayscale_blur (rootmass.io.read_gray_and_preview)."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from rootmass.batches import (
    batch_id, figure_key, image_key, kept_batches, read_registry, split_batches,
)
from rootmass.io import read_gray_and_preview, read_image
from rootmass.previews import as_display, detail_box, thumbnail
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
    from rootmass.config import ConfigError
    from rootmass.experiment import check_keys

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


def test_split_batches_covers_every_image_in_order():
    images = [f"i{n:03d}" for n in range(50)]
    sizes = [6.0] * 50
    batches = split_batches(images, sizes, target_mp=60, max_images=1000, cores=4)
    assert [i for b in batches for i in b] == images
    assert len(batches) == 8  # ceil(300 / 60) = 5, rounded up to a multiple of 4
    assert max(map(len, batches)) - min(map(len, batches)) <= 1


def test_split_batches_respects_cores_and_limits():
    images = [f"i{n}" for n in range(10)]
    # one batch would hold them all, but every core gets one
    assert len(split_batches(images, [1.0] * 10, 1000, 1000, cores=3)) == 3
    # never more batches than images
    assert len(split_batches(images[:2], [1.0] * 2, 1000, 1000, cores=8)) == 2
    # at most max_images per batch
    assert max(map(len, split_batches(images, [1.0] * 10, 1000, 3, cores=1))) <= 3
    # nearly equal megapixels: one big image fills a batch of its own
    batches = split_batches(["big", *images], [100.0] + [1.0] * 10, 55, 1000, cores=1)
    assert batches[0] == ["big"] and len(batches) >= 2
    assert split_batches([], [], 10, 10, cores=2) == []
    with pytest.raises(ValueError):
        split_batches(["a"], [], 10, 10)


def test_kept_batches_keeps_whole_batches_of_wanted_images():
    a, b, c = ["x1", "x2"], ["y1", "y2"], ["x2", "z"]
    recorded = [(batch_id(a), a), (batch_id(b), b), (batch_id(c), c), ("bwrongname00", ["q"])]
    kept = kept_batches(recorded, {"x1", "x2", "y1", "z", "q"})
    # b lost an image, c overlaps the already kept a, the last is misnamed
    assert kept == {batch_id(a): a}


def test_read_registry_reads_tables_and_indexes(tmp_path):
    table = tmp_path / "measurements" / "b000000000001.json"
    table.parent.mkdir()
    table.write_text(json.dumps([{"image": "a.jpg"}, {"image": "b.jpg"}]))
    index = tmp_path / "blurred" / "b000000000002" / "index.json"
    index.parent.mkdir(parents=True)
    index.write_text(json.dumps([{"image": "c.jpg", "key": "c"}]))
    broken = tmp_path / "measurements" / "b000000000003.json"
    broken.write_text("{not json")
    assert read_registry(str(tmp_path / "measurements" / "b*.json")) == [
        ("b000000000001", ["a.jpg", "b.jpg"])
    ]
    assert read_registry(str(tmp_path / "blurred" / "b*" / "index.json")) == [
        ("b000000000002", ["c.jpg"])
    ]


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
