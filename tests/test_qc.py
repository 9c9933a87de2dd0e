"""Unit tests of the QC functions: the lesson's histogram and selection,
thumbnails, contact sheets, and the figures' content."""

import numpy as np
import pytest
import skimage.filters

from rootmass.thresholding import MARKER_MIN_AREA, marker_region
from rootmass.qc import (
    PANEL_METHODS,
    HistogramPanel,
    as_display,
    contact_sheet,
    coverage,
    histogram,
    image_figure,
    message_figure,
    method_figure,
    method_results,
    preview_selection,
    ratio_figure,
    settings_text,
    reduction,
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


@pytest.mark.parametrize(
    "values",
    [
        np.arange(257) / 256,  # every bin edge, 1.0 included
        np.nextafter(np.arange(257) / 256, 0),  # just below every edge
        np.nextafter(np.arange(257) / 256, 1),  # just above
        [0.0, 0.5, 1.0, np.nextafter(1.0, 2)],  # above 1: outside the range
        [-1e-300, 0.25, 0.75],  # below 0: outside the range
        [0.1, np.nan, 0.9],
        rng.random(10_000).astype(np.float32),
        np.ones(9),
    ],
)
def test_histogram_matches_numpy_at_the_edges(values):
    image = np.atleast_2d(np.asarray(values))
    counts, edges = histogram(image)
    expected_counts, expected_edges = np.histogram(image, bins=256, range=(0.0, 1.0))
    np.testing.assert_array_equal(counts, expected_counts)
    np.testing.assert_array_equal(edges, expected_edges)


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


def test_coverage_is_the_rounded_block_mean():
    mask = BLURRED > 0.5
    covered = coverage(mask, 3)
    assert covered.shape == (14, 20)  # ceil(40 / 3), ceil(60 / 3)
    assert covered.dtype == np.uint8
    block = mask[3:6, 6:9]
    assert covered[1, 2] == round(255 * block.mean())
    np.testing.assert_array_equal(coverage(mask, 1), mask * np.uint8(255))


def test_preview_selection():
    mask = BLURRED > 0.5
    # a preview that is the image itself: exactly the lesson's selection
    np.testing.assert_array_equal(preview_selection(RGB, mask), selection(RGB, mask))
    # a smaller preview: each pixel dimmed by its block's foreground fraction
    small = thumbnail(RGB, 20)
    factor = reduction(RGB.shape, 20)
    selected = preview_selection(small, mask)
    weight = coverage(mask, factor)[..., None].astype(np.uint16)
    np.testing.assert_array_equal(selected, (small * weight + 127) // 255)
    full = np.ones_like(mask)
    np.testing.assert_array_equal(preview_selection(small, full), small)
    assert not preview_selection(small, ~full).any()
    with pytest.raises(ValueError, match="does not fit"):
        preview_selection(small[:-1], mask)


def test_contact_sheet_lays_out_labelled_cells():
    thumbs = [thumbnail(RGB, 50), None, thumbnail(RGB[..., 0], 50)]
    page = contact_sheet(thumbs, ["a.jpg\nratio 0.1", "b.jpg", "c.jpg"], columns=2, cell=50)
    assert page.dtype == np.uint8 and page.shape[2] == 3
    rows, columns = 2, 2
    tall = thumbs[0].shape[0]  # a landscape image: less tall than the cell is wide
    assert tall < 50
    assert page.shape[1] == columns * (50 + 12)
    assert page.shape[0] == rows * (tall + 34 + 12)  # no blank band above the pictures
    # the first thumbnail is pasted right under the margin, the empty cell is
    # white but for its label
    assert (page[6, 6:56] != 255).any() and (page[:6] == 255).all()
    assert (page[:tall + 6, :62] != 255).sum() > 1000
    assert (page[6 : tall + 6, 62:124] == 255).all()
    with pytest.raises(ValueError, match="labels"):
        contact_sheet(thumbs, ["a"])
    with pytest.raises(ValueError, match="larger than cell"):
        contact_sheet([RGB], ["a"], cell=50)


def pixel(panel, x, y):
    """The (column, row) of data point (x, y) in a rendered panel."""
    column, row = panel.axes.transData.transform((x, y))
    return int(round(column)), int(round(panel.figure.bbox.height - row))


def test_histogram_panel_draws_t_the_cutoff_and_the_foreground_side():
    panel = HistogramPanel(width=480, height=380)
    counts = histogram(BLURRED)[0]
    picture = panel.render(counts, 0.5, "above", 0.9)
    assert picture.shape == (380, 480, 3) and picture.dtype == np.uint8
    np.testing.assert_array_equal(panel.curve.get_ydata(), counts)
    labels = [text.get_text() for text in panel.legend.get_texts()]
    assert labels == ["foreground (above)", "t = 0.5000", "bright cutoff 0.9"]

    def colour_at(x):
        column, top = pixel(panel, x, panel.top * 0.9)
        return picture[top, column - 1 : column + 2].astype(int)

    red, blue = np.array([214, 39, 40]), np.array([31, 119, 180])
    assert (np.abs(colour_at(0.5) - red).sum(axis=1) < 60).any()
    assert (np.abs(colour_at(0.9) - blue).sum(axis=1) < 60).any()
    # shaded between t and the cutoff only: nothing at or above it is foreground
    shaded = picture[pixel(panel, 0.7, panel.top * 0.9)[::-1]]
    unshaded = picture[pixel(panel, 0.95, panel.top * 0.9)[::-1]]
    assert tuple(unshaded) == (255, 255, 255) and tuple(shaded) != (255, 255, 255)
    # without a cutoff: two entries, the side shaded to 1; below: shaded to 0
    panel.render(counts, 0.3, "below")
    assert [t.get_text() for t in panel.legend.get_texts()] == [
        "foreground (below)", "t = 0.3000"]
    assert panel.span.get_x() == 0 and panel.span.get_width() == 0.3
    with pytest.raises(ValueError, match="256 counts"):
        panel.render(counts[:-1], 0.5)


def test_image_figure_shows_the_previews_and_the_panel():
    mask = BLURRED > 0.5
    original = thumbnail(RGB, 30)
    selected = preview_selection(original, mask)
    plot = HistogramPanel(width=200, height=150).render(histogram(BLURRED)[0], 0.5)
    figure = image_figure("x.jpg", original, selected, plot, 0.25)
    assert figure.dtype == np.uint8 and figure.ndim == 3
    height, width = original.shape[:2]
    assert figure.shape[1] == 8 + width + 8 + width + 8 + 200 + 8
    top = 8 + 22 + 22  # under the title and the panels' titles
    np.testing.assert_array_equal(figure[top : top + height, 8 : 8 + width], original)
    x = 8 + width + 8
    np.testing.assert_array_equal(figure[top : top + height, x : x + width], selected)
    np.testing.assert_array_equal(figure[top : top + 150, -208:-8], plot)
    message = message_figure("broken.jpg", "no result for this image: not an image")
    assert message.shape[1] == 1200 and (message != 255).any()


def test_method_results_are_the_workflows_thresholds():
    results = method_results(BLURRED, "below", bright_cutoff=0.6)
    assert [r["method"] for r in results] == list(PANEL_METHODS)
    for result in results:
        if result["method"] == "otsu_excluding_bright":
            t = skimage.filters.threshold_otsu(BLURRED[BLURRED < 0.6])
            expected = (BLURRED < t) & (BLURRED < 0.6)
        elif result["method"] == "otsu_excluding_markers":
            region = marker_region(BLURRED, 0.6, MARKER_MIN_AREA, 14)
            t = skimage.filters.threshold_otsu(BLURRED[~region])
            expected = (BLURRED < t) & ~region
        else:
            t = getattr(skimage.filters, f"threshold_{result['method']}")(BLURRED)
            expected = BLURRED < t
        assert result["t"] == t
        np.testing.assert_array_equal(result["preview"], coverage(expected, 1))
        assert result["ratio"] == expected.mean()


def test_a_method_without_threshold_gives_its_reason():
    flat = np.full((20, 20), 0.3)
    flat[0, 0] = 0.31
    results = method_results(flat)
    minimum = next(r for r in results if r["method"] == "minimum")
    assert "error" in minimum and "t" not in minimum
    figure = method_figure("flat.png", flat, results)
    # the original and 9 methods: a grid of 5 x 2 cells of the image's size
    # (20 x 20), each under a title
    assert figure.shape == (8 + 22 + 6 + 2 * (22 + 20 + 8), 8 + 5 * (20 + 8), 3)
    # the minimum's cell (the sixth: second row, first column) has the
    # reason in dark red, no picture
    x, y = 8, 8 + 22 + 6 + 50
    cell = figure[y + 22 : y + 22 + 20 + 8, x : x + 20].astype(int)
    assert (np.abs(cell - [139, 0, 0]).sum(axis=2) < 80).any()


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


def test_ratio_figure_names_the_settings():
    rows = [{"method": "otsu", "sigma": "1.5", "grayscale": "luma"},
            {"method": "fixed", "sigma": "1.5", "grayscale": "luma"}]
    text = settings_text(rows)
    assert text == "method fixed (1), otsu (1), sigma 1.5, grayscale luma"
    for n in (2, 100):
        figure = ratio_figure([f"i{i}" for i in range(n)], [0.5] * n, subtitle=text)
        assert figure.axes[0].get_title() == f"Foreground ratio of {n} images\n{text}"
    assert ratio_figure(["a"], [0.5]).axes[0].get_title() == "Foreground ratio of 1 image"
