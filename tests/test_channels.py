"""The colour channels and the excess-green index of `grayscale`, each
against a direct numpy computation of its definition."""

import numpy as np
import pytest

from rootmass.segmentation import CHANNEL_METHODS, colour_channel, to_grayscale


@pytest.fixture(scope="module")
def rgb():
    rng = np.random.default_rng(23)
    image = rng.integers(0, 256, size=(40, 50, 3), dtype=np.uint8)
    image[0, :3] = [[0, 0, 0], [255, 255, 255], [128, 128, 128]]  # grays
    return image


def _srgb_to_lab(rgb):
    """CIE L*a*b* (D65) of sRGB floats in [0, 1], from the formulas."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    matrix = np.array([[0.412453, 0.357580, 0.180423],
                       [0.212671, 0.715160, 0.072169],
                       [0.019334, 0.119193, 0.950227]])
    xyz = linear @ matrix.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    lightness = np.where(xyz[..., 1] > 0.008856, 116 * f[..., 1] - 16, 903.3 * xyz[..., 1])
    return lightness, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])


def test_single_channels_are_the_channels_as_they_are(rgb):
    for index, name in enumerate(("red", "green", "blue")):
        channel = colour_channel(rgb, name)
        assert channel.dtype == np.uint8
        np.testing.assert_array_equal(channel, rgb[..., index])


def test_hsv_channels(rgb):
    floats = rgb / 255.0
    high, low = floats.max(axis=2), floats.min(axis=2)
    span = high - low
    saturation = np.divide(span, high, out=np.zeros_like(span), where=high > 0)
    r, g, b = np.moveaxis(floats, 2, 0)
    safe = np.where(span > 0, span, 1)
    hue = np.select(
        [span == 0, high == r, high == g],
        [0.0, ((g - b) / safe) % 6, (b - r) / safe + 2],
        (r - g) / safe + 4,
    ) / 6
    np.testing.assert_allclose(colour_channel(rgb, "value"), high, atol=1e-12)
    np.testing.assert_allclose(colour_channel(rgb, "saturation"), saturation, atol=1e-12)
    np.testing.assert_allclose(colour_channel(rgb, "hue"), hue, atol=1e-12)


def test_lab_channels_are_scaled_to_the_unit_interval(rgb):
    lightness, a, b = _srgb_to_lab(rgb / 255.0)
    np.testing.assert_allclose(colour_channel(rgb, "lab_l"), lightness / 100, atol=2e-4)
    np.testing.assert_allclose(colour_channel(rgb, "lab_a"), (a + 128) / 255, atol=2e-4)
    np.testing.assert_allclose(colour_channel(rgb, "lab_b"), (b + 128) / 255, atol=2e-4)
    # a gray has no colour: a and b are 0, which is 128 / 255
    np.testing.assert_allclose(colour_channel(rgb, "lab_a")[0, :3], 128 / 255, atol=1e-4)


def test_excess_green_index(rgb):
    r, g, b = np.moveaxis(rgb.astype(float) / 255, 2, 0)
    exg = colour_channel(rgb, "exg")
    np.testing.assert_allclose(exg, (2 * g - r - b + 2) / 4, atol=1e-12)
    pure = np.array([[[0, 255, 0], [255, 0, 255], [90, 70, 50]]], dtype=np.uint8)
    # pure green 1, magenta 0; a brown (90, 70, 50): (140 - 140 + 2) / 4 = 0.5
    np.testing.assert_allclose(colour_channel(pure, "exg")[0], [1.0, 0.0, 0.5])


@pytest.mark.parametrize("channel", CHANNEL_METHODS)
def test_every_channel_is_in_the_unit_interval_and_ignores_alpha(rgb, channel):
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 7, np.uint8)])
    values = to_grayscale(rgba, channel)
    np.testing.assert_array_equal(values, colour_channel(rgb, channel))
    floats = values / 255.0 if values.dtype == np.uint8 else values
    assert values.shape == rgb.shape[:2]
    assert floats.min() >= 0 and floats.max() <= 1


@pytest.mark.parametrize("channel", ["exg", "red", "lab_a"])
def test_a_channel_of_a_grayscale_image_is_a_one_line_error(channel):
    with pytest.raises(ValueError, match=f"grayscale '{channel}' needs a colour image"):
        to_grayscale(np.zeros((4, 4), np.uint8), channel)


def test_uint16_channels_are_read_by_their_range():
    image = np.full((2, 2, 3), 65535, np.uint16)
    image[..., 1] = 0
    assert colour_channel(image, "green").dtype == np.uint16
    np.testing.assert_allclose(colour_channel(image, "exg"), 0.0)


def test_methods_are_compared_per_channel_and_the_best_pair_marked():
    from rootmass.evaluation import compare_methods

    rows = [{"image": image, "grayscale": g, "method": m, "f1": f1, "iou": f1 / 2}
            for image in ("a", "b")
            for g, m, f1 in [("luma", "otsu", 0.5), ("exg", "otsu", 0.9), ("exg", "li", 0.7)]]
    methods = compare_methods(rows)
    assert [(m["grayscale"], m["method"], m["images"]) for m in methods] == [
        ("luma", "otsu", 2), ("exg", "otsu", 2), ("exg", "li", 2)]
    assert [m["best"] for m in methods] == [False, True, False]
    # without channels, as before: one row per method, no grayscale
    plain = compare_methods([{k: v for k, v in r.items() if k != "grayscale"} for r in rows])
    assert [m["method"] for m in plain] == ["otsu", "li"] and "grayscale" not in plain[0]


def test_a_run_scores_each_channel_and_method(workdir):
    from conftest import run_snakemake
    import csv

    run_snakemake(workdir, "--cores", 2, "--config", "demo={count: 2, height: 120, width: 180,"
                  " seed: 1}", "evaluate_grayscale=[luma, exg, lab_a]", "qc=false")
    with open(workdir / "results/evaluation-methods.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    from rootmass.segmentation import PANEL_METHODS

    assert list(rows[0])[:2] == ["grayscale", "method"]
    assert {(r["grayscale"], r["method"]) for r in rows} == {
        (g, m) for g in ("luma", "exg", "lab_a") for m in PANEL_METHODS}
    assert sum(r["best"] == "True" for r in rows) == 1
    best = max(rows, key=lambda r: (float(r["mean_f1"]), float(r["mean_iou"])))
    assert best["best"] == "True"
    # the image's own channel's scores are those of its cached blurred image
    with open(workdir / "results/evaluation.csv", newline="") as f:
        configured = list(csv.DictReader(f))
    own = {r["image"]: r for r in configured}
    luma_otsu = next(r for r in rows if (r["grayscale"], r["method"]) == ("luma", "otsu"))
    mean = sum(float(r["f1"]) for r in own.values()) / len(own)
    assert abs(float(luma_otsu["mean_f1"]) - mean) < 1e-12
