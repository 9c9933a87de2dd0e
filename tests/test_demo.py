"""Unit tests of the synthetic demo images and of scripts/make_demo.py."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
from skimage.color import rgb2gray  # noqa: E402
from skimage.filters import gaussian, threshold_otsu  # noqa: E402

from rootmass.demo import (  # noqa: E402
    DEMO_CONDITIONS,
    DEMO_SCENES,
    demo_file_names,
    demo_image,
    demo_record,
    demo_root_settings,
    demo_samples,
    demo_seed,
    illumination_field,
    synthetic_root_image,
    synthetic_root_length,
    synthetic_seedling_image,
)

SHAPE = (200, 300)


@pytest.fixture(scope="module")
def demo():
    """A 600 x 900 image and its truth, the workflow's default size."""
    return synthetic_root_image((600, 900), seed=3)


def test_same_seed_same_image():
    image_a, truth_a = synthetic_root_image(SHAPE, seed=11)
    image_b, truth_b = synthetic_root_image(SHAPE, seed=11)
    np.testing.assert_array_equal(image_a, image_b)
    np.testing.assert_array_equal(truth_a, truth_b)


def test_different_seed_different_image():
    image_a, truth_a = synthetic_root_image(SHAPE, seed=11)
    image_b, truth_b = synthetic_root_image(SHAPE, seed=12)
    assert not np.array_equal(image_a, image_b)
    assert not np.array_equal(truth_a, truth_b)


def test_label_changes_only_the_image():
    image_a, truth_a = synthetic_root_image(SHAPE, seed=11, label=1)
    image_b, truth_b = synthetic_root_image(SHAPE, seed=11, label=2)
    assert not np.array_equal(image_a, image_b)
    np.testing.assert_array_equal(truth_a, truth_b)
    default, _ = synthetic_root_image(SHAPE, seed=11)
    np.testing.assert_array_equal(default, synthetic_root_image(SHAPE, seed=11, label=11)[0])


@pytest.mark.parametrize("shape", [(16, 16), (200, 300), (301, 199)])
def test_shapes_and_dtypes(shape):
    image, truth = synthetic_root_image(shape, seed=0)
    assert image.shape == (*shape, 3) and image.dtype == np.uint8
    assert truth.shape == shape and truth.dtype == bool


@pytest.mark.parametrize("shape", [(200, 300), (600, 900)])
def test_foreground_fraction_is_plausible(shape):
    fractions = [synthetic_root_image(shape, seed=s)[1].mean() for s in range(4)]
    assert all(0.02 < f < 0.2 for f in fractions), fractions


def test_roots_bright_background_dark(demo):
    image, truth = demo
    gray = image.mean(axis=2)
    assert 140 < np.median(gray[truth]) < 235
    assert 8 < np.median(gray[~truth]) < 55


def test_circle_and_label_are_bright_but_not_truth(demo):
    image, truth = demo
    white = (image >= 240).all(axis=2) & ~truth
    assert white.sum() > 2000  # the circle alone is about 0.05 * 600 px in radius
    # Both corners of the image hold something white: the circle at the top,
    # the label at the bottom.
    rows = np.nonzero(white)[0]
    assert rows.min() < 150 and rows.max() > 450


def test_label_shows_dark_number(demo):
    image, truth = demo
    bottom = image[300:]
    ys, xs = np.nonzero((bottom >= 235).all(axis=2))  # the label, not the roots
    label = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    assert (bottom[label].mean(axis=2) < 100).sum() > 50  # the digit
    assert not truth[300:][label].any()


def test_otsu_of_blurred_gray_finds_the_roots(demo):
    image, truth = demo
    blurred = gaussian(rgb2gray(image), sigma=1.5)
    mask = blurred > threshold_otsu(blurred)
    assert (mask & truth).sum() > 0.8 * truth.sum()
    # What Otsu adds besides the roots is mostly the white circle and label.
    assert (mask & ~truth).sum() < 0.6 * mask.sum()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"shape": (15, 100)},
        {"shape": (100,)},
        {"shape": (100, 100, 3)},
        {"shape": (100.0, 100)},
        {"shape": (True, 100)},
        {"shape": "ab"},
        {"shape": None},
        {"seed": -1},
        {"seed": 1.5},
        {"seed": "1"},
        {"seed": None},
    ],
)
def test_invalid_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        synthetic_root_image(**kwargs)


def test_numpy_integers_are_accepted():
    image, truth = synthetic_root_image((np.int64(20), np.int32(30)), seed=np.uint8(4))
    assert image.shape == (20, 30, 3)


def test_demo_file_names():
    assert demo_file_names(0) == []
    assert demo_file_names(3) == ["demo-0000.jpg", "demo-0001.jpg", "demo-0002.jpg"]
    assert demo_file_names(11)[-1] == "demo-0010.jpg"
    with pytest.raises(ValueError, match="count"):
        demo_file_names(-1)


def test_demo_seed():
    seeds = [demo_seed(2026, i) for i in range(50)]
    assert seeds == [demo_seed(2026, i) for i in range(50)]
    assert len(set(seeds)) == 50
    assert demo_seed(0, 1) != demo_seed(1, 0)
    assert all(isinstance(s, int) and s >= 0 for s in seeds)
    with pytest.raises(ValueError, match="index"):
        demo_seed(0, -1)
    with pytest.raises(ValueError, match="base_seed"):
        demo_seed(-1, 0)


def _check_written(image_paths, truth_paths, height, width, seed, roots=None):
    roots = roots or [1.0] * len(image_paths)
    for i, (image_path, truth_path) in enumerate(zip(image_paths, truth_paths)):
        expected_image, expected_truth = synthetic_root_image(
            (height, width), demo_seed(seed, i), label=i, roots=roots[i]
        )
        with Image.open(image_path) as image:
            assert image.format == "JPEG" and image.mode == "RGB"
            pixels = np.asarray(image, dtype=float)
        with Image.open(truth_path) as truth:
            assert truth.format == "PNG" and truth.mode == "1"
            np.testing.assert_array_equal(np.asarray(truth), expected_truth)
        assert pixels.shape == expected_image.shape
        # JPEG quality 90, with chroma subsampling of the noisy colours.
        assert np.abs(pixels - expected_image).mean() < 8
        assert np.abs(pixels.mean(axis=2) - expected_image.mean(axis=2)).mean() < 4


def test_cli(tmp_path):
    out = tmp_path / "demo"
    subprocess.run(
        [sys.executable, str(SCRIPTS / "make_demo.py"), "--out", str(out),
         "--count", "2", "--height", "40", "--width", "60", "--seed", "7"],
        check=True, capture_output=True, cwd=tmp_path, timeout=120,
    )
    assert sorted(os.listdir(out)) == ["demo-0000.jpg", "demo-0001.jpg", "truth"]
    assert sorted(os.listdir(out / "truth")) == ["demo-0000.png", "demo-0001.png"]
    _check_written(
        [out / n for n in demo_file_names(2)],
        [out / "truth" / n.replace(".jpg", ".png") for n in demo_file_names(2)],
        40, 60, 7,
    )


def test_snakemake_script(tmp_path):
    out = tmp_path / "demo"
    log = tmp_path / "logs" / "demo.log"
    log.parent.mkdir()
    snakemake = SimpleNamespace(
        output=[str(out)],
        params=SimpleNamespace(images=2, height=40, width=60, seed=5, plates=0),
        log=[str(log)],
    )
    stderr = sys.stderr
    try:
        runpy.run_path(str(SCRIPTS / "make_demo.py"), init_globals={"snakemake": snakemake})
    finally:
        if sys.stderr is not stderr:
            sys.stderr.close()
        sys.stderr = stderr
    names = demo_file_names(2)
    _check_written(
        [out / n for n in names], [out / "truth" / n.replace(".jpg", ".png") for n in names],
        40, 60, 5, roots=[DEMO_CONDITIONS["control"], DEMO_CONDITIONS["treated"]],
    )
    assert "demo-0001.jpg" in log.read_text()
    # no temporary files; last, the settings it was made with
    assert sorted(os.listdir(out)) == [*names, "demo.json", "samples.tsv", "truth"]
    assert json.loads((out / "demo.json").read_text()) == demo_record(2, 0, 40, 60, 5, "roots")
    lines = (out / "samples.tsv").read_text().splitlines()
    lengths = [synthetic_root_length((40, 60), demo_seed(5, i), label=i, roots=roots)
               for i, roots in enumerate([DEMO_CONDITIONS["control"], DEMO_CONDITIONS["treated"]])]
    assert lines[0].startswith("#") and lines[1:] == [
        "image\tcondition\treplicate\ttruth_length",
        f"demo/demo-0000.jpg\tcontrol\t1\t{lengths[0]!r}",
        f"demo/demo-0001.jpg\ttreated\t1\t{lengths[1]!r}"]


def test_more_roots_more_foreground():
    base = synthetic_root_image((300, 450), seed=8)[1].mean()
    more = synthetic_root_image((300, 450), seed=8, roots=1.6)[1].mean()
    fewer = synthetic_root_image((300, 450), seed=8, roots=0.5)[1].mean()
    assert fewer < base < more
    np.testing.assert_array_equal(  # 1 is the usual picture, to the pixel
        synthetic_root_image((300, 450), seed=8, roots=1.0)[0],
        synthetic_root_image((300, 450), seed=8)[0])
    for bad in (0, -1, 6, "2", True):
        with pytest.raises(ValueError, match="roots"):
            synthetic_root_image((50, 50), seed=1, roots=bad)


def test_demo_samples_alternate_the_conditions():
    rows = demo_samples(5)
    assert [r["condition"] for r in rows] == ["control", "treated"] * 2 + ["control"]
    assert [r["replicate"] for r in rows] == ["1", "1", "2", "2", "3"]
    assert rows[4]["image"] == "demo-0004.jpg"


# --- the scenes: uneven light and green seedlings on soil -----------------------

SCENE_SHAPE, SCENE_SEED = (600, 900), 2026  # the demo's defaults


def _scene(scene, n=4):
    """The first ``n`` images of the default demo in ``scene``, each with its
    truth, as the workflow reads them: through a JPEG of quality 90."""
    import io

    pairs = []
    for i in range(n):
        image, truth = demo_image(SCENE_SHAPE, demo_seed(SCENE_SEED, i), label=i,
                                  amount=list(DEMO_CONDITIONS.values())[i % 2], scene=scene)
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=90)
        buffer.seek(0)
        with Image.open(buffer) as jpeg:
            pairs.append((np.asarray(jpeg.convert("RGB")), truth))
    return pairs


def _luma(image):
    return np.asarray(Image.fromarray(image).convert("L")) / 255.0


def _exg(image):
    rgb = image / 255.0
    return (2 * rgb[..., 1] - rgb[..., 0] - rgb[..., 2] + 2) / 4


def _f1(mask, truth):
    tp = (mask & truth).sum()
    return 2 * tp / (2 * tp + (mask & ~truth).sum() + (~mask & truth).sum())


def _scores(pairs, channel, window=151, k=0.2, offset=0.05):
    """Mean F1 of each method, foreground above, as the workflow defines them."""
    from skimage.filters import threshold_local, threshold_niblack, threshold_sauvola

    scores = {}
    for image, truth in pairs:
        blurred = gaussian(channel(image), sigma=1.5)
        inverted = 1 - blurred
        masks = {
            "otsu": blurred > threshold_otsu(blurred),
            "local": inverted < threshold_local(inverted, block_size=window,
                                                method="gaussian", offset=offset),
            "sauvola": inverted < threshold_sauvola(inverted, window_size=window, k=k),
            "niblack": inverted < threshold_niblack(inverted, window_size=window, k=k),
        }
        for method, mask in masks.items():
            scores.setdefault(method, []).append(_f1(mask, truth))
    return {method: float(np.mean(f1s)) for method, f1s in scores.items()}


def test_the_default_scene_is_the_root_image_to_the_pixel():
    for i, amount in enumerate(DEMO_CONDITIONS.values()):
        seed = demo_seed(7, i)
        image, truth = synthetic_root_image(SHAPE, seed, label=i, roots=amount)
        for scene_image, scene_truth in (
                demo_image(SHAPE, seed, label=i, amount=amount),
                demo_image(SHAPE, seed, label=i, amount=amount, scene="roots"),
                synthetic_root_image(SHAPE, seed, label=i, roots=amount,
                                     light=np.ones(SHAPE))):
            np.testing.assert_array_equal(scene_image, image)
            np.testing.assert_array_equal(scene_truth, truth)


def test_uneven_light_has_the_roots_truth_and_length_of_the_roots_scene():
    seed = demo_seed(7, 1)
    image, truth = synthetic_root_image(SHAPE, seed, label=1, roots=1.6)
    lit, lit_truth = demo_image(SHAPE, seed, label=1, amount=1.6, scene="uneven_light")
    assert lit.shape == image.shape and lit.dtype == np.uint8
    np.testing.assert_array_equal(lit_truth, truth)
    assert not np.array_equal(lit, image)
    demo = {"height": 40, "width": 60, "seed": 7}
    assert demo_root_settings({**demo, "scene": "uneven_light"}, 3) == demo_root_settings(
        demo, 3) == demo_root_settings({**demo, "scene": "roots"}, 3) != {}
    assert demo_root_settings({**demo, "scene": "green_on_soil"}, 3) == {}


def test_illumination_field_varies_like_a_lamp_off_a_corner():
    fields = [illumination_field(SCENE_SHAPE, demo_seed(SCENE_SEED, i)) for i in range(4)]
    for field in fields:
        assert field.shape == SCENE_SHAPE and field.dtype == np.float32
        assert 0 < field.min() and field.max() <= 1.05
        corners = [field[:60, :90], field[:60, -90:], field[-60:, :90], field[-60:, -90:]]
        means = sorted(float(c.mean()) for c in corners)
        centre = float(field[270:330, 405:495].mean())
        assert means[0] < 0.3 * means[-1]  # the far corner has a third of the light
        assert means[0] < 0.6 * centre
        assert field.max() > 5 * field.min()
    assert not np.array_equal(fields[0], fields[1])
    np.testing.assert_array_equal(fields[0], illumination_field(SCENE_SHAPE, demo_seed(2026, 0)))
    # the same light at every size of the same aspect ratio
    small = illumination_field((200, 300), seed=5)
    large = illumination_field((600, 900), seed=5)
    assert np.abs(large[1::3, 1::3] - small).max() < 0.02


def test_uneven_light_defeats_otsu_but_not_a_local_threshold():
    scores = _scores(_scene("uneven_light"), _luma)
    best = max(scores[m] for m in ("local", "sauvola", "niblack"))
    assert best >= scores["otsu"] + 0.15, scores
    assert 0.4 < scores["otsu"] < 0.7, scores  # it fails, but not absurdly


def test_seedlings_shapes_truth_and_amount():
    image, truth = synthetic_seedling_image(SHAPE, seed=4)
    assert image.shape == (*SHAPE, 3) and image.dtype == np.uint8
    assert truth.shape == SHAPE and truth.dtype == bool
    again = synthetic_seedling_image(SHAPE, seed=4)
    np.testing.assert_array_equal(image, again[0])
    np.testing.assert_array_equal(truth, again[1])
    other, other_truth = synthetic_seedling_image(SHAPE, seed=4, label="x")
    np.testing.assert_array_equal(other_truth, truth)  # the label: only the image
    assert not np.array_equal(other, image)
    fractions = [synthetic_seedling_image(SCENE_SHAPE, seed=s, plants=p)[1].mean()
                 for s in range(2) for p in (1.0, 1.6)]
    assert all(0.02 < f < 0.15 for f in fractions), fractions
    assert fractions[0] < fractions[1] and fractions[2] < fractions[3]
    assert synthetic_seedling_image((16, 16), seed=0)[0].shape == (16, 16, 3)
    for kwargs, name in (({"plants": 0}, "plants"), ({"plants": True}, "plants"),
                         ({"seed": -1}, "seed"), ({"shape": (10, 100)}, "shape")):
        with pytest.raises(ValueError, match=name):
            synthetic_seedling_image(**kwargs)


def test_seedlings_are_green_and_brighter_than_the_soil_on_average():
    pairs = _scene("green_on_soil", n=2)
    for image, truth in pairs:
        luma, exg = _luma(image), _exg(image)
        assert luma[truth].mean() > luma[~truth].mean() + 0.1
        # but the soil's bright parts reach the seedlings' luma
        assert np.percentile(luma[~truth], 99) > np.median(luma[truth])
        assert exg[truth].mean() > exg[~truth].mean() + 0.1
        # the label is white, and no seedling
        white = (image >= 235).all(axis=2)
        assert white.sum() > 1000 and not (white & truth).any()


def test_green_on_soil_needs_the_excess_green_index():
    pairs = _scene("green_on_soil")
    luma, exg = _scores(pairs, _luma)["otsu"], _scores(pairs, _exg)["otsu"]
    assert exg >= 0.85 and exg >= luma + 0.2, (luma, exg)
    assert 0.3 < luma < 0.8, luma  # an honest attempt, confounded by the soil


def test_invalid_scene():
    for scene in ("leaves", None, 1):
        with pytest.raises(ValueError, match="scene"):
            demo_image(SHAPE, seed=1, scene=scene)
    with pytest.raises(ValueError, match="scene"):
        demo_root_settings({"height": 40, "width": 60, "seed": 1, "scene": "x"}, 0)
    with pytest.raises(ValueError, match="light"):
        synthetic_root_image(SHAPE, seed=1, light=np.ones((10, 10)))
    with pytest.raises(ValueError, match="light"):
        synthetic_root_image(SHAPE, seed=1, light=np.full(SHAPE, np.nan))


def test_the_schema_lists_the_scenes():
    import yaml

    schema = yaml.safe_load((SCRIPTS.parent / "workflow" / "schemas" / "config.schema.yaml")
                            .read_text())
    scene = schema["properties"]["demo"]["properties"]["scene"]
    # no default in the schema (Snakemake would fill it into a demo of null):
    # absent is roots, as config.yaml has it
    assert tuple(scene["enum"]) == DEMO_SCENES and "default" not in scene
    config = yaml.safe_load((SCRIPTS.parent / "config" / "config.yaml").read_text())
    assert config["demo"]["scene"] == "roots"


@pytest.mark.parametrize("scene", ["uneven_light", "green_on_soil"])
def test_snakemake_script_writes_the_scene(tmp_path, scene):
    out = tmp_path / "demo"
    snakemake = SimpleNamespace(
        output=[str(out)],
        params=SimpleNamespace(images=2, height=40, width=60, seed=5, plates=1, scene=scene),
        log=[],
    )
    runpy.run_path(str(SCRIPTS / "make_demo.py"), init_globals={"snakemake": snakemake})
    amounts = [DEMO_CONDITIONS["control"], DEMO_CONDITIONS["treated"]]
    for i, name in enumerate(demo_file_names(2)):
        expected, expected_truth = demo_image((40, 60), demo_seed(5, i), label=i,
                                              amount=amounts[i], scene=scene)
        with Image.open(out / "truth" / name.replace(".jpg", ".png")) as truth:
            np.testing.assert_array_equal(np.asarray(truth), expected_truth)
        with Image.open(out / name) as image:
            assert np.abs(np.asarray(image, dtype=float) - expected).mean() < 8
    lines = (out / "samples.tsv").read_text().splitlines()
    header = lines[1].split("\t")
    assert ("truth_length" in header) == (scene == "uneven_light")
    assert "truth_count" in header  # the plates, as in every scene
    assert lines[0].endswith("more seedlings." if scene == "green_on_soil" else "more roots.")
