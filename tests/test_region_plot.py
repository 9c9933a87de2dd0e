"""The report's per-region plot: wells' names, a plate's heat map of the
wells' medians in the plate's layout, other regions by region in their
order, a table of 10,000 images of 96 wells, and the titles in the figure."""

import numpy as np
import pytest

from rootmass.qc.regions import MAX_REGIONS, plate_position, region_figure

ROWS = "ABCDEFGH"
WELLS = [f"{row}{column}" for row in ROWS for column in range(1, 13)]
BANDS = [f"{100 * i}-{100 * (i + 1)} px" for i in range(12)]  # "1000-1100 px" after "900-1000 px"
rng = np.random.default_rng(5)


@pytest.mark.parametrize("name, position", [
    ("A1", (0, 0)), ("H12", (7, 11)), ("B7", (1, 6)), ("P24", (15, 23)),
    ("Z1", (25, 0)), ("AA3", (26, 2)), ("AF48", (31, 47)),
    ("A0", None), ("A01", None), ("A49", None), ("AG1", None), ("a1", None), ("1", None),
    ("A", None), ("", None), ("0-100 px", None), ("A1 ", None), ("ABC1", None),
    ("dish", None), (3, None), (None, None), (float("nan"), None),
])
def test_plate_position(name, position):
    assert plate_position(name) == position


def heat_map(figure):
    """The axes with the heat map, and its image."""
    ax = next(a for a in figure.axes if a.images and a.get_label() != "<colorbar>")
    return ax, ax.images[0]


def test_each_cell_is_the_median_of_its_well_over_the_images():
    # 3 images: well w of image i has w + 0.1 * i, B2 no value in image 1,
    # C5 in none; the rows in no particular order
    table = np.arange(96)[None, :] + 0.1 * np.array([[0.0], [1.0], [5.0]])
    table[1, WELLS.index("B2")] = np.nan
    table[:, WELLS.index("C5")] = np.nan
    regions = np.tile(WELLS, 3)
    images = np.repeat(["a.jpg", "b.jpg", "c.jpg"], 96)
    order = rng.permutation(regions.size)
    figure = region_figure(list(regions[order]), table.ravel()[order], list(images[order]))
    ax, image = heat_map(figure)
    cells = image.get_array()
    assert cells.shape == (8, 12)
    expected = np.arange(96.0).reshape(8, 12) + 0.1  # the median of +0, +0.1, +0.5
    expected[1, 1] = 13 + (0.0 + 0.5) / 2  # B2: of images 0 and 2
    assert np.ma.getmaskarray(cells)[2, 4]  # C5: no value
    assert np.ma.getmaskarray(cells).sum() == 1
    mask = np.ones((8, 12), bool)
    mask[2, 4] = False
    np.testing.assert_allclose(cells.data[mask], expected[mask])
    assert image.get_cmap().name.startswith("viridis")
    assert "over 3 images" in figure.get_suptitle()
    # each well written in it: C5 as a dash
    written = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
               for t in ax.texts}
    assert len(written) == 96
    assert written[(0, 0)] == "0.1" and written[(7, 11)] == "95.1"  # 3 digits of the largest
    assert written[(2, 4)] == "–"


def test_the_heat_map_is_the_plates_layout():
    figure = region_figure(WELLS, np.arange(96.0), ["x.jpg"] * 96)
    ax, image = heat_map(figure)
    assert image.get_array().shape == (8, 12)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(ROWS)
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(c) for c in range(1, 13)]
    # row A at the top, column 1 at the left: the value of A1 (0) top left,
    # H12 (95) bottom right
    to_display = ax.transData.transform
    a_y = to_display((0, ax.get_yticks()[0]))[1]
    h_y = to_display((0, ax.get_yticks()[7]))[1]
    assert a_y > h_y
    x1 = to_display((ax.get_xticks()[0], 0))[0]
    x12 = to_display((ax.get_xticks()[11], 0))[0]
    assert x1 < x12
    cells = image.get_array()
    assert cells[0, 0] == 0 and cells[7, 11] == 95 and cells[0, 11] == 11
    assert ax.xaxis.get_ticks_position() == "top"


def test_a_part_of_a_plate_is_drawn_in_the_whole_plate():
    """Wells A1 to B3 of a 96-well plate (beyond the 6-well plate's): the
    heat map has 8 rows of 12 columns, the wells not named no value."""
    names = ["A1", "A2", "B3", "H12"]
    _, image = heat_map(region_figure(names, [1.0, 2.0, 3.0, 4.0], ["x"] * 4))
    cells = image.get_array()
    assert cells.shape == (8, 12)
    assert np.ma.getmaskarray(cells).sum() == 96 - 4
    _, image = heat_map(region_figure(["A1", "B3"], [1.0, 2.0], ["x"] * 2))
    assert image.get_array().shape == (2, 3)  # a 6-well plate
    _, image = heat_map(region_figure(["A1", "AF48"], [1.0, 2.0], ["x"] * 2))
    assert image.get_array().shape == (32, 48)


def labels_top_down(ax):
    """The y tick labels from the top of the axes down."""
    pairs = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())),
                   reverse=True)
    return [label for _, label in pairs]


def test_bands_keep_their_order_with_each_median_marked():
    images = 5
    table = rng.random((images, len(BANDS)))
    figure = region_figure(np.tile(BANDS, images), table.ravel(),
                           np.repeat([f"{i}.jpg" for i in range(images)], len(BANDS)))
    (ax,) = figure.axes
    assert labels_top_down(ax) == BANDS
    assert not ax.images
    # the medians: a line each, at its band's height
    (medians,) = ax.collections
    segments = medians.get_segments()
    heights = {label.get_text(): y for y, label in zip(ax.get_yticks(), ax.get_yticklabels())}
    for band, expected in zip(BANDS, np.median(table, axis=0)):
        (segment,) = [s for s in segments if s[0, 1] < heights[band] < s[1, 1]]
        np.testing.assert_allclose(segment[:, 0], expected)
    assert "over 5 images" in figure.get_suptitle()


def test_many_images_make_a_box_plot_and_missing_values_are_counted():
    images = 200
    table = rng.random((images, 3))
    table[:10, 1] = np.nan
    table[:, 2] = np.nan
    names = ["2", "10", "1"]  # as they come, not sorted
    figure = region_figure(np.tile(names, images), table.ravel(),
                           np.repeat(np.arange(images), 3), value_name="mean_red")
    (ax,) = figure.axes
    assert labels_top_down(ax) == ["2", "10 (n = 190)", "1 (no value)"]
    medians = [line for line in ax.lines if line.get_color() == "black"
               and line.get_linestyle() == "-" and line.get_linewidth() == 2]
    xs = sorted(float(np.mean(line.get_xdata())) for line in medians
                if len(line.get_xdata()) and np.isfinite(line.get_xdata()).all())
    np.testing.assert_allclose(xs, sorted([np.median(table[:, 0]),
                                           np.median(table[10:, 1])]))
    assert figure.get_suptitle().startswith("Mean_red by region over 200 images")


def test_one_name_that_is_not_a_well_makes_it_no_plate():
    figure = region_figure(["A1", "A2", "dish"], [0.1, 0.2, 0.3], ["x"] * 3)
    (ax,) = figure.axes
    assert not ax.images
    assert labels_top_down(ax) == ["A1", "A2", "dish"]


def test_a_table_of_10000_images_of_96_wells():
    images = 10_000
    table = rng.random((images, 96))
    table[rng.random(table.shape) < 0.02] = np.nan
    table[:, WELLS.index("D7")] = np.nan
    names = [f"plate-{i:05d}.jpg" for i in range(images)]
    figure = region_figure(np.tile(WELLS, images).tolist(), table.ravel(),
                           np.repeat(names, 96).tolist())
    figure.canvas.draw()
    _, image = heat_map(figure)
    cells = image.get_array()
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanmedian(table, axis=0).reshape(8, 12)
    np.testing.assert_allclose(cells.data[~np.isnan(expected)], expected[~np.isnan(expected)])
    assert np.ma.getmaskarray(cells)[3, 6]
    assert "over 10,000 images" in figure.get_suptitle()


def test_a_table_of_10000_images_of_96_numbered_regions_shows_the_first_60():
    images = 10_000
    table = rng.random((images, 96))
    names = [str(i) for i in range(1, 97)]
    figure = region_figure(np.tile(names, images), table.ravel(),
                           np.repeat(np.arange(images), 96))
    figure.canvas.draw()
    (ax,) = figure.axes
    assert labels_top_down(ax) == names[:MAX_REGIONS]
    title = figure.get_suptitle().replace("\n", " ")
    assert f"the first {MAX_REGIONS} of 96 regions shown" in title
    assert "over 10,000 images" in title


def test_values_as_read_from_a_csv():
    """Strings, "" where an image has no value."""
    _, image = heat_map(region_figure(["A1", "A1", "A1", "A2", "A2"],
                                      ["0.25", "", "0.75", "", ""], list("abcab")))
    cells = image.get_array()
    assert cells[0, 0] == 0.5
    assert np.ma.getmaskarray(cells)[0, 1]


def test_no_rows_draw_a_figure():
    figure = region_figure([], [], [])
    figure.canvas.draw()
    assert "no regions" in [t.get_text() for t in figure.axes[0].texts]


def test_the_lengths_must_agree():
    with pytest.raises(ValueError, match="2 regions, 1 values and 2 images"):
        region_figure(["A1", "A2"], [0.5], ["x", "y"])


def plate(wells_per_row, rows):
    from rootmass.regions.layout import plate_row_name as _row_name

    return [f"{_row_name(r)}{c}" for r in range(rows) for c in range(1, wells_per_row + 1)]


LONG = "method otsu (4,000), fixed (3,000), sigma 1.5, grayscale luma (6,000), " * 3


@pytest.mark.parametrize("names, value_name, subtitle", [
    (WELLS, "foreground fraction", ""),
    (WELLS, "mean_blue", LONG),
    (plate(3, 2), "foreground fraction", LONG),
    (plate(24, 16), "mean_green", LONG),
    (plate(48, 32), "foreground fraction", LONG),
    (BANDS, "foreground fraction", LONG),
    (["1"], "foreground fraction", ""),
    ([f"plant {i} of tray B with a rather long label" for i in range(80)],
     "a value with a long name " * 4, LONG),
])
def test_titles_and_labels_lie_inside_the_figure(names, value_name, subtitle):
    images = 3
    figure = region_figure(np.tile(names, images), rng.random(images * len(names)) * 255,
                           np.repeat(np.arange(images), len(names)), value_name, subtitle)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    box = figure.bbox

    def inside(extent, what):
        assert (box.x0 <= extent.x0 and extent.x1 <= box.x1
                and box.y0 <= extent.y0 and extent.y1 <= box.y1), what

    (text,) = [t for t in figure.texts if t.get_text() == figure.get_suptitle()]
    title = text.get_window_extent(renderer)
    inside(title, text.get_text())
    # each axes with what it draws (its tick labels, axis labels, the colour
    # bar's): in the figure, below the title
    for ax in figure.axes:
        extent = ax.get_tightbbox(renderer)
        inside(extent, ax.get_label())
        assert extent.y1 <= title.y0 + 0.5
        for label in (ax.xaxis.label, ax.yaxis.label):
            if label.get_text():
                inside(label.get_window_extent(renderer), label.get_text())
