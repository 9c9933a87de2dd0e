"""Unit tests of the QC functions: the lesson's histogram and selection,
thumbnails, contact sheets, and the figures' content."""

import numpy as np
import pytest
import skimage.filters

from rootmass.qc import (
    PANEL_METHODS,
    as_display,
    contact_sheet,
    histogram,
    image_figure,
    method_figure,
    method_results,
    previews,
    ratio_figure,
    selection,
    thumbnail,
)

rng = np.random.default_rng(11)
RGB = rng.integers(0, 256, size=(40, 60, 3), dtype=np.uint8)
BLURRED = skimage.filters.gaussian(rng.random((40, 60)), sigma=1.5)


def test_histogram_is_the_lessons():
    counts, edges = histogram(BLURRED)
    expected_counts, expected_edges = np.histogram(BLURRED, bins=256, range=(0.0, 1.0))
    np.testing.assert_array_equal(counts, expected_counts)
    np.testing.assert_array_equal(edges, expected_edges)
    assert counts.sum() == BLURRED.size


def test_selection_is_image_with_background_zeroed():
    mask = BLURRED > 0.5
    selected = selection(RGB, mask)
    np.testing.assert_array_equal(selected[mask], RGB[mask])
    assert not selected[~mask].any()
    assert selected is not RGB and RGB[~mask].any()  # the input is untouched
    with pytest.raises(ValueError, match="does not match"):
        selection(RGB, mask[:-1])


def test_as_display_scales_by_dtype_and_drops_alpha():
    assert as_display(np.array([[0, 65535]], dtype=np.uint16)).tolist() == [[0, 255]]
    assert as_display(np.array([[0.0, 1.0]], dtype=np.float32)).tolist() == [[0, 255]]
    assert as_display(np.array([[False, True]])).tolist() == [[0, 255]]
    rgba = np.dstack([RGB, np.zeros(RGB.shape[:2], np.uint8)])
    np.testing.assert_array_equal(as_display(rgba), RGB)


def test_thumbnail_fits_and_averages_blocks():
    small = thumbnail(RGB, 20)
    assert small.shape == (14, 20, 3)  # factor ceil(60 / 20) = 3
    np.testing.assert_allclose(
        small[0, 0], RGB[:3, :3].reshape(-1, 3).mean(axis=0), atol=1
    )
    assert thumbnail(RGB, 100).shape == RGB.shape  # never enlarged
    line = np.zeros((60, 60), dtype=bool)
    line[:, 30] = True  # one pixel wide: fades, does not vanish
    assert thumbnail(line, 20).max() > 0


def test_contact_sheet_lays_out_labelled_cells():
    thumbs = [thumbnail(RGB, 50), None, thumbnail(RGB[..., 0], 50)]
    page = contact_sheet(thumbs, ["a.jpg\nratio 0.1", "b.jpg", "c.jpg"], columns=2, cell=50)
    assert page.dtype == np.uint8 and page.shape[2] == 3
    rows, columns = 2, 2
    assert page.shape[1] == columns * (50 + 12)
    assert page.shape[0] == rows * (50 + 34 + 12)
    # the first thumbnail is pasted, the empty cell is white but for its label
    assert (page[:60, :62] != 255).sum() > 1000
    assert (page[6:56, 62:124] == 255).all()
    with pytest.raises(ValueError, match="labels"):
        contact_sheet(thumbs, ["a"])
    with pytest.raises(ValueError, match="larger than cell"):
        contact_sheet([RGB], ["a"], cell=50)


def test_image_figure_draws_t_and_the_cutoff():
    mask = BLURRED > 0.5
    original, selected = previews(RGB, mask)
    np.testing.assert_array_equal(selected, selection(RGB, mask))  # small: as is
    figure = image_figure("x.jpg", original, selected, BLURRED, 0.5, 0.25, "above", 0.9)
    hist = figure.axes[2]
    vertical = sorted(line.get_xdata()[0] for line in hist.lines[1:])
    assert vertical == [0.5, 0.9]
    assert hist.get_xlim() == (0, 1)
    np.testing.assert_array_equal(hist.lines[0].get_ydata(), histogram(BLURRED)[0])
    labels = hist.get_legend_handles_labels()[1]
    assert "t = 0.5000" in labels and "bright cutoff 0.9" in labels
    without = image_figure("x.jpg", original, selected, BLURRED, 0.5, 0.25)
    assert len(without.axes[2].lines) == 2  # histogram and t only


def test_method_results_are_the_workflows_thresholds():
    results = method_results(BLURRED, "below", bright_cutoff=0.6)
    assert [r["method"] for r in results] == list(PANEL_METHODS)
    for result in results:
        if result["method"] == "otsu_excluding_bright":
            t = skimage.filters.threshold_otsu(BLURRED[BLURRED < 0.6])
            expected = (BLURRED < t) & (BLURRED < 0.6)
        else:
            t = getattr(skimage.filters, f"threshold_{result['method']}")(BLURRED)
            expected = BLURRED < t
        assert result["t"] == t
        np.testing.assert_array_equal(result["preview"], thumbnail(expected, 600))
        assert result["ratio"] == expected.mean()


def test_a_method_without_threshold_gives_its_reason():
    flat = np.full((20, 20), 0.3)
    flat[0, 0] = 0.31
    results = {r["method"]: r for r in method_results(flat)}
    assert "error" in results["minimum"] and "t" not in results["minimum"]
    figure = method_figure("flat.png", flat, list(results.values()))
    assert len(figure.axes) == 9
    texts = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert results["minimum"]["error"] in texts


def test_ratio_figure_marks_images_without_ratio():
    figure = ratio_figure(["a", "b", "c"], [0.1, None, 0.3])
    ax = figure.axes[0]
    assert [p.get_width() for p in ax.patches] == [0.1, 0.0, 0.3]
    ticks = {t.get_position()[1]: t.get_text() for t in ax.get_yticklabels()}
    assert ticks == {2: "a", 1: "b", 0: "c"}  # the first image on top
    assert "no ratio (1)" in ax.get_legend_handles_labels()[1]
    many = ratio_figure([f"i{n}" for n in range(100)], list(np.linspace(0, 1, 100)))
    np.testing.assert_allclose(many.axes[0].lines[0].get_ydata(), np.linspace(0, 1, 100))
    with pytest.raises(ValueError):
        ratio_figure(["a"], [])
