"""Unit tests of the pure functions against the lesson's formulas."""

import numpy as np
import pytest
from scipy import ndimage
from skimage.filters import threshold_otsu

from rootmass.segmentation import (
    threshold_summary,
    blur,
    foreground_mask,
    foreground_ratio,
    segment,
    threshold_value,
    to_grayscale,
)

rng = np.random.default_rng(7)
RGB = rng.integers(0, 256, size=(9, 13, 3), dtype=np.uint8)


def test_luma_is_pillows_integer_itu_r_601():
    r, g, b = (RGB[..., i].astype(np.int64) for i in range(3))
    expected = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16
    gray = to_grayscale(RGB, "luma")
    assert gray.dtype == np.uint8
    np.testing.assert_array_equal(gray, expected)


def test_rgb2gray_weights():
    expected = RGB.astype(float) / 255 @ np.array([0.2125, 0.7154, 0.0721])
    np.testing.assert_allclose(to_grayscale(RGB, "rgb2gray"), expected, rtol=1e-12)


def test_alpha_is_ignored_and_2d_passes_through():
    rgba = np.dstack([RGB, rng.integers(0, 256, size=RGB.shape[:2], dtype=np.uint8)])
    np.testing.assert_array_equal(to_grayscale(rgba, "luma"), to_grayscale(RGB, "luma"))
    gray = RGB[..., 0]
    assert to_grayscale(gray, "rgb2gray") is gray


@pytest.mark.parametrize(
    "image, method",
    [(RGB, "hsv"), (RGB[..., :2], "luma"), (RGB.astype(np.uint16), "luma")],
)
def test_to_grayscale_rejects(image, method):
    with pytest.raises(ValueError):
        to_grayscale(image, method)


def test_blur_is_a_nearest_mode_gaussian_of_the_unit_range_image():
    gray = RGB[..., 1]
    expected = ndimage.gaussian_filter(gray / 255.0, sigma=1.5, mode="nearest", truncate=4.0)
    out = blur(gray, 1.5)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)


def test_sigma_zero_is_no_blur():
    gray = RGB[..., 2]
    # img_as_float's scaling: multiply by 1 / (the dtype's maximum)
    np.testing.assert_array_equal(blur(gray, 0), gray * (1.0 / 255))
    u16 = gray.astype(np.uint16) * 257
    np.testing.assert_array_equal(blur(u16, 0), u16 * (1.0 / 65535))


@pytest.mark.parametrize("sigma", [-1, float("nan"), float("inf"), "1", True])
def test_blur_rejects_bad_sigma(sigma):
    with pytest.raises(ValueError, match="sigma"):
        blur(RGB[..., 0], sigma)


def bimodal():
    modes = np.random.default_rng(3)
    values = np.concatenate([modes.normal(0.2, 0.03, 600), modes.normal(0.7, 0.03, 400)])
    return np.clip(values, 0, 1).reshape(20, 50)


def test_fixed_threshold_is_the_value():
    assert threshold_value(bimodal(), "fixed", value=0.5) == 0.5


@pytest.mark.parametrize("value", [None, -0.1, 1.5, "0.5"])
def test_fixed_threshold_needs_a_value_in_unit_interval(value):
    with pytest.raises(ValueError, match="threshold.value"):
        threshold_value(bimodal(), "fixed", value=value)


def test_otsu_separates_the_two_modes():
    image = bimodal()
    t = threshold_value(image, "otsu")
    assert t == threshold_otsu(image)
    flat = image.ravel()
    assert flat[:600].max() <= t < flat[600:].min()
    mask = foreground_mask(image, t, "above")
    assert foreground_ratio(mask)[0] == 400


def test_otsu_excluding_bright_uses_only_pixels_below_the_cutoff():
    image = bimodal()
    image[:2] = 0.99  # a bright label: 100 pixels
    t = threshold_value(image, "otsu_excluding_bright", bright_cutoff=0.95)
    assert t == threshold_otsu(image[image < 0.95])
    t_all, mask = segment(image, "otsu_excluding_bright", bright_cutoff=0.95)
    assert t_all == t
    np.testing.assert_array_equal(mask, (image < 0.95) & (image > t))
    assert not mask[:2].any()


def test_otsu_excluding_bright_with_nothing_left_is_an_error():
    with pytest.raises(ValueError, match="bright_cutoff"):
        threshold_value(np.full((3, 4), 0.97), "otsu_excluding_bright", bright_cutoff=0.95)


def test_foreground_sides():
    image = np.array([[0.1, 0.5, 0.9]])
    np.testing.assert_array_equal(foreground_mask(image, 0.5, "above"), [[False, False, True]])
    np.testing.assert_array_equal(foreground_mask(image, 0.5, "below"), [[True, False, False]])
    with pytest.raises(ValueError, match="foreground"):
        foreground_mask(image, 0.5, "left")


def test_foreground_ratio_counts_over_all_pixels():
    mask = np.zeros((4, 5), bool)
    mask[0, :3] = True
    count, total, ratio = foreground_ratio(mask)
    assert (count, total) == (3, 20)
    assert ratio == 3 / 20 and isinstance(ratio, float)


def test_unknown_method_and_non_2d_images_are_rejected():
    with pytest.raises(ValueError, match="threshold.method"):
        threshold_value(bimodal(), "magic")
    with pytest.raises(ValueError, match="2-D"):
        threshold_value(np.zeros((2, 2, 2)), "otsu")


@pytest.mark.parametrize("method", ["otsu", "isodata", "li", "mean", "minimum", "triangle", "yen"])
def test_automatic_methods_are_scikit_images(method):
    import skimage.filters

    image = bimodal()
    t = threshold_value(image, method)
    assert t == float(getattr(skimage.filters, f"threshold_{method}")(image))
    assert isinstance(t, float) and image.min() <= t <= image.max()
    t2, mask = segment(image, method, foreground="above")
    assert t2 == t
    np.testing.assert_array_equal(mask, image > t)


def test_minimum_without_two_maxima_is_a_value_error():
    ramp = np.linspace(0, 1, 400).reshape(20, 20)
    with pytest.raises(ValueError, match="minimum"):
        threshold_value(ramp, "minimum")


def counting_marker_region(monkeypatch):
    """Count the calls of marker_region (rootmass.segmentation.global_)."""
    import rootmass.segmentation.global_ as thresholding

    calls = []
    original = thresholding.marker_region

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(thresholding, "marker_region", counted)
    return calls


def with_label():
    image = bimodal()
    image[:3, :6] = 0.99  # a bright label
    return image


def test_segment_takes_what_its_caller_has(monkeypatch):
    from rootmass.segmentation import image_histogram, marker_region

    image = with_label()
    t, mask = segment(image, "otsu_excluding_markers", marker_min_area=0.01, marker_margin=1)
    # t given (save_mask): the mask of that t, no threshold chosen
    t2, mask2 = segment(image, "otsu_excluding_markers", marker_min_area=0.01,
                        marker_margin=1, t=t)
    assert t2 == t
    np.testing.assert_array_equal(mask2, mask)
    # markers given: not computed again, the same t and mask
    markers = marker_region(image, 0.95, 0.01, 1)
    calls = counting_marker_region(monkeypatch)
    t3, mask3 = segment(image, "otsu_excluding_markers", markers=markers,
                        hist=image_histogram(image))
    assert calls == [] and t3 == t
    np.testing.assert_array_equal(mask3, mask)
    # mask=False (rule threshold): t alone
    assert segment(image, "otsu", mask=False) == (threshold_otsu(image), None)
    assert segment(image, "fixed", 0.3, t=0.7, mask=False) == (0.7, None)


def test_segment_is_the_chain_of_the_three_functions():
    from rootmass.segmentation import EXCLUSION_METHODS, method_exclusion

    image = with_label()
    for method in ("otsu", "yen", *EXCLUSION_METHODS):
        for side in ("above", "below"):
            cutoff, excluded = method_exclusion(image, method, 0.95, 0.01, 1)
            t = threshold_value(image, method, bright_cutoff=0.95, excluded=excluded)
            expected = foreground_mask(image, t, side, cutoff, excluded)
            t2, mask = segment(image, method, foreground=side, marker_min_area=0.01,
                               marker_margin=1)
            assert t2 == t
            np.testing.assert_array_equal(mask, expected)


def test_method_results_find_the_markers_once_and_measure_each_mask(monkeypatch):
    from rootmass.segmentation import PANEL_METHODS, method_results

    image = with_label()
    calls = counting_marker_region(monkeypatch)
    results = method_results(
        image, "below", marker_min_area=0.01, marker_margin=1, preview_side=None,
        measure=lambda mask: {"pixels": int(mask.sum())},
    )
    assert len(calls) == 1
    assert [r["method"] for r in results] == list(PANEL_METHODS)
    for result in results:
        if "error" in result:
            continue
        t, mask = segment(image, result["method"], foreground="below",
                          marker_min_area=0.01, marker_margin=1)
        t = threshold_summary(t, "below")
        assert result == {"method": result["method"], "t": t, "ratio": mask.mean(),
                          "pixels": int(mask.sum())}  # no preview
    with pytest.raises(ValueError, match="foreground"):
        method_results(image, "left")


def test_a_method_that_fails_on_a_flat_image_gives_its_reason():
    from rootmass.segmentation import method_results

    results = {r["method"]: r for r in method_results(np.full((20, 30), 0.35),
                                                      preview_side=None)}
    assert "single gray level" in results["isodata"]["error"]
    assert results["otsu"]["ratio"] == 0.0  # the others as before
