"""Unit tests of the QC functions: the lesson's histogram and selection,
thumbnails, contact sheets, and the figures' content."""

import numpy as np
import pytest
import skimage.filters

from rootmass.segmentation import MARKER_MIN_AREA, PANEL_METHODS, marker_region, method_results
from rootmass.qc.figures import (
    HistogramPanel,
    contact_sheet,
    image_figure,
    message_figure,
    method_figure,
)
from rootmass.qc.plots import ratio_figure, settings_text
from rootmass.qc.previews import (
    as_display,
    coverage,
    detail_box,
    histogram,
    preview_selection,
    reduction,
    selection,
    thumbnail,
    tint,
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
        # several blocks of the scaling, the last one short
        np.concatenate([np.arange(257) / 256, np.nextafter(np.arange(257) / 256, 0),
                        rng.random(150_000)]),
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
    assert labels == ["foreground (above)", "t", "bright cutoff 0.9"]
    top = panel.axes.get_ylim()[1]

    def colour_at(x):
        column, row = pixel(panel, x, top * 0.9)
        return picture[row, column - 1 : column + 2].astype(int)

    red, blue = np.array([214, 39, 40]), np.array([31, 119, 180])
    assert (np.abs(colour_at(0.5) - red).sum(axis=1) < 60).any()
    assert (np.abs(colour_at(0.9) - blue).sum(axis=1) < 60).any()
    # shaded between t and the cutoff only: nothing at or above it is foreground
    shaded = picture[pixel(panel, 0.7, top * 0.9)[::-1]]
    unshaded = picture[pixel(panel, 0.95, top * 0.9)[::-1]]
    assert tuple(unshaded) == (255, 255, 255) and tuple(shaded) != (255, 255, 255)
    # without a cutoff: two entries, the side shaded to 1; below: shaded to 0
    panel.render(counts, 0.3, "below")
    assert [t.get_text() for t in panel.legend.get_texts()] == ["foreground (below)", "t"]
    assert panel.span.get_x() == 0 and panel.span.get_width() == 0.3
    with pytest.raises(ValueError, match="256 counts"):
        panel.render(counts[:-1], 0.5)


@pytest.mark.parametrize("most", [3, 40_000, 3_000_000, 75_000_000, 10**10])
def test_histogram_panel_keeps_every_label_whole_and_apart(most):
    """No tick label clipped (the lesson photos' "100,000"), the "pixels"
    label clear of the ticks, the legend above the plot, at every range of
    counts up to a 150-megapixel scan's (and beyond)."""
    panel = HistogramPanel()
    counts = np.zeros(256, dtype=np.int64)
    counts[[20, 200]] = most, 1
    panel.render(counts, 0.4, "above", 0.9)
    renderer = panel.canvas.get_renderer()
    ax = panel.axes
    ticks = [t for t in ax.get_yticklabels() + ax.get_xticklabels() if t.get_text()]
    assert len(ticks) >= 8
    page = panel.figure.bbox
    boxes = {id(t): t.get_window_extent(renderer)
             for t in [ax.yaxis.label, ax.xaxis.label, *ticks, *panel.legend.get_texts()]}
    for box in boxes.values():
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
    ylabel = boxes[id(ax.yaxis.label)]
    assert not any(ylabel.overlaps(boxes[id(t)]) for t in ticks)
    plot = ax.get_window_extent(renderer)
    assert all(boxes[id(t)].y0 >= plot.y1 for t in panel.legend.get_texts())


def test_tint_marks_the_foreground_and_keeps_the_rest():
    image = np.full((4, 5, 3), 100, dtype=np.uint8)
    covered = np.zeros((4, 5), dtype=np.uint8)
    covered[1, 1], covered[2, 2] = 255, 128
    tinted = tint(image, covered, color=(255, 0, 255), strength=0.5)
    assert tinted.dtype == np.uint8 and tinted.shape == image.shape
    assert (tinted[covered == 0] == 100).all()
    assert tuple(tinted[1, 1]) == (178, 50, 178)          # half the colour
    assert tuple(tinted[2, 2]) == (139, 75, 139)          # a quarter (128/255)
    gray = tint(image[..., 0], covered.astype(bool), strength=0.5)
    assert gray.shape == (4, 5, 3) and tuple(gray[1, 1]) == (178, 50, 178)
    with pytest.raises(ValueError, match="does not fit"):
        tint(image, covered[:-1])


def test_detail_box_is_where_the_edges_are():
    # a flat image with one textured square: the box covers the square
    full = np.zeros((400, 600), dtype=np.uint8)
    full[250:330, 420:500] = rng.integers(0, 256, (80, 80))
    preview = thumbnail(full, 100)
    factor = reduction(full.shape, 100)
    top, left, height, width = detail_box(preview, factor, full.shape, 120)
    assert (height, width) == (120, 120)
    assert top <= 250 and 330 <= top + height and left <= 420 and 500 <= left + width
    # inside the image, and no larger than it
    assert detail_box(preview, factor, full.shape, 1000) == (0, 0, 400, 600)
    corner = np.zeros_like(full)
    corner[-10:, -10:] = 255
    top, left, height, width = detail_box(thumbnail(corner, 100), factor, full.shape, 120)
    assert (top + height, left + width) == (400, 600)


def test_image_figure_shows_the_tinted_image_the_detail_and_the_panel():
    mask = BLURRED > 0.5
    original = thumbnail(RGB, 30)
    factor = reduction(mask.shape, 30)
    tinted = tint(original, coverage(mask, factor))
    plot = HistogramPanel(width=200, height=150).render(histogram(BLURRED)[0], 0.5)
    detail = tint(RGB[5:25, 10:30], mask[5:25, 10:30])
    figure = image_figure("x.jpg", tinted, plot, 0.25, 0.5, detail, (5, 10, 20, 20))
    assert figure.dtype == np.uint8 and figure.ndim == 3
    height, width = tinted.shape[:2]
    assert figure.shape[1] == 8 + width + 8 + 20 + 8 + 200 + 8
    top = 8 + 22 + 22  # under the title and the panels' titles
    np.testing.assert_array_equal(figure[top : top + height, 8 : 8 + width], tinted)
    x = 8 + width + 8
    np.testing.assert_array_equal(figure[top : top + 20, x : x + 20], detail)
    np.testing.assert_array_equal(figure[top : top + 150, -208:-8], plot)
    # without a detail (an image no larger than its preview): two panels
    assert image_figure("x.jpg", tinted, plot, 0.25, 0.5).shape[1] == 8 + width + 8 + 200 + 8
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
        elif result["method"] == "multiotsu":  # the darkest of 3 classes
            t = skimage.filters.threshold_multiotsu(BLURRED, classes=3)[0]
            expected = BLURRED <= t
        elif result["method"] == "local":  # dark objects: as scikit-image has them
            local = skimage.filters.threshold_local(BLURRED, 151, offset=0.05)
            t, expected = local.mean(), BLURRED < local
        elif result["method"] in ("sauvola", "niblack"):
            function = getattr(skimage.filters, f"threshold_{result['method']}")
            local = function(BLURRED, window_size=151, k=0.2,
                             **({"r": 1.0} if result["method"] == "sauvola" else {}))
            t, expected = local.mean(), BLURRED < local
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
    # the original and 13 methods: a grid of 5 x 3 cells of the image's size
    # (20 x 20), each under a title of two lines (38 pixels)
    assert figure.shape == (8 + 22 + 6 + 3 * (38 + 20 + 8), 8 + 5 * (20 + 8), 3)
    # the minimum's cell (the sixth: second row, first column) has the
    # reason in dark red, no picture
    x, y = 8, 8 + 22 + 6 + 66
    cell = figure[y + 38 : y + 38 + 20 + 8, x : x + 20].astype(int)
    assert (np.abs(cell - [139, 0, 0]).sum(axis=2) < 80).any()


@pytest.mark.parametrize("side", [40, 150])
def test_method_panel_titles_stay_in_their_cells_on_square_images(side):
    # square images make narrow cells: a title is two lines (the method;
    # t and the ratio), each shortened to its cell where it must be, so the
    # gaps between the cells stay white (but for a glyph's antialiased edge)
    image = np.zeros((side, side))
    image[side // 4 : side // 2, side // 4 : side // 2] = 0.8
    image[-3:, -3:] = 1.0
    blurred = skimage.filters.gaussian(image, sigma=1)
    figure = method_figure("square.png", blurred, method_results(blurred))
    assert figure.shape[1] == 8 + 5 * (side + 8)
    for row in range(2):
        top = 8 + 22 + 6 + row * (38 + side + 8)
        band = figure[top : top + 38]
        assert (band[:19] < 128).any() and (band[19:] < 128).any()  # two lines
        for column in range(1, 5):
            gap = 8 + column * (side + 8) - 8  # the 8 pixels before a cell
            assert (band[:, gap : gap + 7] == 255).all(), (row, column)
            assert (band[:, gap + 7] > 240).all(), (row, column)
    # the figure's own title stays above the cells' titles
    assert (figure[8 + 22 : 8 + 22 + 6] == 255).all()


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


def test_the_workflow_asks_for_the_detail_side_of_the_functions():
    import re

    from conftest import ROOT
    from rootmass.qc.previews import DETAIL_SIDE, FIGURE_SIDE

    common = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    assert re.search(r"^DETAIL_SIDE = (\d+)$", common, re.M).group(1) == str(DETAIL_SIDE)
    assert re.search(r"^PREVIEW_SIDE = (\d+)$", common, re.M).group(1) == str(FIGURE_SIDE)


def test_the_recorded_histogram_draws_the_same_panel():
    """Rule threshold records the histogram as JSON (a list of ints); the
    panel drawn from it is the panel drawn from the blurred image."""
    import json

    counts = histogram(BLURRED)[0]
    recorded = json.loads(json.dumps(counts.tolist()))
    panel = HistogramPanel()
    for foreground, cutoff in (("above", None), ("below", None), ("above", 0.9)):
        from_image = panel.render(counts, 0.45, foreground, cutoff)
        np.testing.assert_array_equal(panel.render(recorded, 0.45, foreground, cutoff),
                                      from_image)
    # not skimage's histogram of the methods (its bins span the image's range)
    from rootmass.segmentation import image_histogram

    assert not np.array_equal(image_histogram(BLURRED)[0], counts)


def test_thumbnails_are_saved_under_any_image_key(tmp_path):
    from rootmass.workflow.batches import image_key
    from rootmass.io import save_arrays

    keys = [image_key(name) for name in
            ("data/trial-016.jpg", "file.png", "allow_pickle.tif", "a{b}%.jpg", "x.npy.jpg")]
    arrays = {key: np.full((2, 3), i, dtype=np.uint8) for i, key in enumerate(keys)}
    save_arrays(tmp_path / "t.npz", arrays)
    with np.load(tmp_path / "t.npz") as stored:
        assert stored.files == keys
        for key, array in arrays.items():
            np.testing.assert_array_equal(stored[key], array)
    save_arrays(tmp_path / "empty.npz", {})
    with np.load(tmp_path / "empty.npz") as stored:
        assert stored.files == []
    assert not list(tmp_path.glob(".*tmp*"))  # renamed into place


def test_csv_keeps_every_digit_and_only_its_columns(tmp_path):
    import csv

    from rootmass.io import save_csv

    rows = [{"image": "a.jpg", "ratio": 0.1 + 0.2, "extra": 1}, {"image": "b.jpg"}]
    save_csv(tmp_path / "r.csv", ["image", "ratio"], rows)
    with open(tmp_path / "r.csv", newline="") as f:
        read = list(csv.DictReader(f))
    assert read == [{"image": "a.jpg", "ratio": repr(0.1 + 0.2)}, {"image": "b.jpg", "ratio": ""}]


def test_the_skeleton_is_drawn_over_a_grayscale_preview_too():
    from rootmass.qc.figures import CLASS_COLOURS, skeleton_overlay

    gray = np.full((4, 5), 200, np.uint8)
    classes = np.zeros((4, 5), int)
    classes[1, 2] = 1
    shown = skeleton_overlay(gray, classes)
    assert shown.shape == (4, 5, 3)
    assert tuple(shown[1, 2]) == tuple(CLASS_COLOURS[0][1]) and tuple(shown[0, 0]) == (100,) * 3
    np.testing.assert_array_equal(shown, skeleton_overlay(np.dstack([gray] * 3), classes))


def test_the_tint_stands_out_on_the_images_own_colours():
    """Magenta on black cloth (the first of the tints where they tie); not
    magenta on purple colonies or pink wells, where it would hardly show: a
    tint at least 50 farther (RGB) from their colours."""
    from rootmass.qc.previews import TINTS, contrast_colour

    def picture(*colours):
        return np.concatenate([np.full((10, 20, 3), c, np.uint8) for c in colours])

    assert contrast_colour(picture((0, 0, 0)))[0] == "magenta"
    assert contrast_colour(np.full((30, 30), 0, np.uint8))[0] == "magenta"  # gray
    for others in [((130, 40, 160), (200, 180, 120)),   # purple colonies on agar
                   ((240, 80, 120), (220, 220, 230))]:  # pink wells on a white plate
        name, colour = contrast_colour(picture(*others))
        assert name != "magenta" and (name, colour) in TINTS
        far = np.linalg.norm(np.float32(colour) - np.float32(others), axis=1).min()
        magenta = np.linalg.norm(np.float32((255, 0, 255)) - np.float32(others), axis=1).min()
        assert far > magenta + 50


def test_the_skeletons_classes_are_wide_and_named_in_their_colours():
    from rootmass.qc.figures import CLASS_COLOURS, class_spans, root_panel, skeleton_overlay

    assert class_spans([0, 3, 6, 12]) == ["0-3", "3-6", "6-12", ">12"]
    picture = np.full((80, 200, 3), 120, np.uint8)
    classes = np.zeros((80, 200), int)
    classes[20, 10:190] = 1
    classes[40, 10:190] = 3
    shown = skeleton_overlay(picture, classes, class_spans([0, 3, 6, 12]))
    # each line 3 pixels wide, in its class's colour
    for row, k in ((20, 0), (40, 2)):
        for r in (row - 1, row, row + 1):
            assert tuple(shown[r, 100]) == CLASS_COLOURS[k][1]
    assert tuple(shown[30, 100]) == (60, 60, 60)
    # the legend at the foot: each span's colour is there, on black
    foot = shown[-18:].reshape(-1, 3).astype(int)
    for _, colour in CLASS_COLOURS[:4]:  # (the text's own pixels, antialiased)
        assert (np.abs(foot - colour).max(axis=1) < 40).sum() > 5, colour
    assert (foot == 0).all(axis=1).mean() > 0.5
    row = {"measured": True, "root_length": 180.0, "figure_classes": [0, 3, 6, 12],
           "figure_unit": "px"}
    added, title, panel = root_panel(row, lambda: classes, picture)
    assert added == ", root length 180 px" and title == "skeleton by diameter, px"
    np.testing.assert_array_equal(panel, shown)
    # neighbouring classes far apart: at least 150 apart in RGB
    colours = np.array([c for _, c in CLASS_COLOURS], float)
    assert (np.linalg.norm(np.diff(colours, axis=0), axis=1) >= 150).all()


def test_the_collection_plots_titles_fit_their_figures():
    """Settings that vary per row make a long subtitle: wrapped, every line
    of every title inside the figure, for 2 groups and 60 images as for
    many."""
    from rootmass.qc.plots import group_figure, object_area_figure, ratio_figure, settings_text

    rows = [{"method": m, "sigma": s, "grayscale": g}
            for m, s, g in [("otsu", "1.5", "luma"), ("fixed", "1.0", "rgb2gray"),
                            ("otsu_excluding_bright", "2.0", "exg"), ("sauvola", "1.5", "lab_a"),
                            ("triangle", "3.0", "luma"), ("yen", "1.5", "saturation")] * 3]
    subtitle = settings_text(rows)
    assert "1 others (3)" in subtitle and len(subtitle) > 150
    figures = [ratio_figure([f"img{i}.jpg" for i in range(n)], [0.1] * n, subtitle=subtitle)
               for n in (3, 60, 500)]
    figures += [group_figure(groups, [[0.1, 0.2]] * len(groups), subtitle)
                for groups in (["a", "b"], [f"g{i}" for i in range(12)])]
    figures.append(object_area_figure(["a", "b"], [[5, 10, 20], [8, 9]], [2, 1], subtitle))
    for figure in figures:
        renderer = figure.canvas.get_renderer()
        box = figure.bbox
        texts = [*figure.texts, *(ax.title for ax in figure.axes)]
        assert any(t.get_text() for t in texts)
        for text in texts:
            if not text.get_text():
                continue
            extent = text.get_window_extent(renderer)
            assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, text.get_text()
            assert extent.y0 >= box.y0 - 1 and extent.y1 <= box.y1 + 1, text.get_text()
        # and the title clears the axes (the lines do not run into the plot)
        title_low = min(t.get_window_extent(renderer).y0 for t in texts if t.get_text())
        assert all(title_low >= ax.get_window_extent(renderer).y1 - 1 for ax in figure.axes[:1])
