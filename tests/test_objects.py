"""Unit tests of the object functions: the lesson's object procedures 5, 6
and 7 (../shared/lesson-data/README.md) against the lesson's own code,
computed here, and drawn masks of known count and area."""

import warnings

import imageio.v3 as iio
import numpy as np
import pytest
import skimage as ski
from skimage.draw import disk

from rootmass.io import read_image
from rootmass.measure.objects import area_statistics, declump, label_objects, object_table
from rootmass.segmentation import blur, segment, to_grayscale


# --- the lesson's code, as the episodes give it ----------------------------

def lesson_connected_components(filename, sigma=1.0, t=0.5, connectivity=2):
    """Episode 8, "Connected Component Analysis"."""
    image = iio.imread(filename)
    gray_image = ski.color.rgb2gray(image)
    blurred_image = ski.filters.gaussian(gray_image, sigma=sigma)
    binary_mask = blurred_image < t
    labeled_image, count = ski.measure.label(
        binary_mask, connectivity=connectivity, return_num=True)
    return binary_mask, labeled_image, count


def lesson_count_colonies(image_filename):
    """The capstone's colony count."""
    bacteria_image = iio.imread(image_filename)
    gray_bacteria = ski.color.rgb2gray(bacteria_image)
    blurred_image = ski.filters.gaussian(gray_bacteria, sigma=1.0)
    mask = blurred_image < 0.2
    labeled_image, count = ski.measure.label(mask, return_num=True)
    return mask, labeled_image, count


def lesson_count_colonies_enhanced(image_filename, sigma=1.0, min_colony_size=10,
                                   connectivity=2):
    """The capstone's enhanced colony count (its `connectivity` is unused)."""
    bacteria_image = iio.imread(image_filename)
    gray_bacteria = ski.color.rgb2gray(bacteria_image)
    blurred_image = ski.filters.gaussian(gray_bacteria, sigma=sigma)
    mask = blurred_image < 0.90
    t = ski.filters.threshold_otsu(blurred_image[mask])
    mask = np.logical_and(mask, blurred_image < t)
    premask = mask
    with warnings.catch_warnings():  # min_size is deprecated in 0.26
        warnings.simplefilter("ignore")
        mask = ski.morphology.remove_small_objects(mask, min_size=min_colony_size)
    labeled_image, count = ski.measure.label(mask, return_num=True)
    return premask, labeled_image, count


def workflow_mask(path, sigma, method, value=None, bright_cutoff=0.95):
    """The mask as the workflow's chain makes it (rgb2gray, foreground below)."""
    blurred = blur(to_grayscale(read_image(path), "rgb2gray"), sigma)
    return segment(blurred, method, value, "below", bright_cutoff=bright_cutoff)[1]


def assert_same_objects(labels, lesson_labels):
    """The same objects, numbered alike, with the same areas."""
    np.testing.assert_array_equal(labels, lesson_labels)
    areas = [region.area for region in ski.measure.regionprops(lesson_labels)]
    assert object_table(labels)["area"].tolist() == areas


# --- procedures 5 to 7, to the digit ----------------------------------------

def test_procedure_5_shapes_count_areas_and_count_above_200(lesson_data):
    path = lesson_data / "shapes-01.jpg"
    lesson_mask, lesson_labels, lesson_count = lesson_connected_components(
        path, sigma=2.0, t=0.9, connectivity=2)
    mask = workflow_mask(path, 2.0, "fixed", 0.9)
    np.testing.assert_array_equal(mask, lesson_mask)

    labels, count = label_objects(mask, connectivity=2)
    assert count == lesson_count == 11  # the README's reference count
    assert_same_objects(labels, lesson_labels)

    regions = ski.measure.regionprops(lesson_labels)
    large = [r.area for r in regions if r.area > 200]
    labels_201, count_201 = label_objects(mask, connectivity=2, min_area=201)
    assert count_201 == len(large) == 7
    assert object_table(labels_201)["area"].tolist() == large


def test_procedure_6_colonies(lesson_data):
    path = lesson_data / "colonies-01.tif"
    lesson_mask, lesson_labels, lesson_count = lesson_count_colonies(path)
    mask = workflow_mask(path, 1.0, "fixed", 0.2)
    np.testing.assert_array_equal(mask, lesson_mask)
    labels, count = label_objects(mask)  # connectivity 2, as label's default
    assert count == lesson_count == 11
    assert_same_objects(labels, lesson_labels)


def test_procedure_7_colonies_enhanced(lesson_data):
    path = lesson_data / "colonies-01.tif"
    lesson_mask, lesson_labels, lesson_count = lesson_count_colonies_enhanced(path)
    mask = workflow_mask(path, 1.0, "otsu_excluding_bright", bright_cutoff=0.90)
    np.testing.assert_array_equal(mask, lesson_mask)
    # what the code does: small objects found 4-connected, then counted
    # 8-connected
    labels, count = label_objects(mask, connectivity=2, min_area=11,
                                  filter_connectivity=1)
    assert count == lesson_count == 11
    assert_same_objects(labels, lesson_labels)


def test_procedure_7_removes_components_of_exactly_10_pixels_as_the_lessons_code_does():
    """At the pinned scikit-image 0.26.0, ``min_size=10`` is handed on as
    ``max_size=10`` (scikit-image#8001): components of at most 10 pixels
    go. Drawn components of 9, 10 and 11 pixels (4-connected), and two of 6
    touching at a corner: the lesson's own code, computed here, and the
    workflow's ``min_area: 11`` keep the same objects; ``min_area: 10``
    would keep one more."""
    mask = np.zeros((30, 60), dtype=bool)
    mask[2:5, 2:5] = True       # 9 pixels
    mask[10:12, 2:7] = True     # 10 pixels
    mask[20:21, 2:13] = True    # 11 pixels
    mask[2:4, 30:33] = True     # 6 pixels, and 6 more at its corner
    mask[4:6, 33:36] = True
    mask[15:20, 40:45] = True   # 25 pixels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kept = ski.morphology.remove_small_objects(mask, min_size=10)
    lesson_labels, lesson_count = ski.measure.label(kept, return_num=True)
    assert lesson_count == 2 and not kept[10:12, 2:7].any()  # the 10 px one gone
    labels, count = label_objects(mask, connectivity=2, min_area=11, filter_connectivity=1)
    assert count == lesson_count
    assert_same_objects(labels, lesson_labels)
    assert label_objects(mask, connectivity=2, min_area=10, filter_connectivity=1)[1] == 3


# --- drawn masks of known count ---------------------------------------------

def plate(centres_radii, shape=(200, 300)):
    mask = np.zeros(shape, dtype=bool)
    for (row, col), radius in centres_radii:
        mask[disk((row, col), radius, shape=shape)] = True
    return mask


def test_a_drawn_plate_gives_its_count_and_areas():
    discs = [((30, 40), 8), ((100, 150), 12), ((160, 60), 5), ((60, 250), 15)]
    mask = plate(discs)
    labels, count = label_objects(mask)
    assert count == 4
    table = object_table(labels)
    expected = sorted((disk(c, r, shape=mask.shape)[0].size, c) for c, r in discs)
    by_row = sorted(zip(table["area"].tolist(), zip(table["centroid_row"], table["centroid_col"])))
    assert [a for a, _ in by_row] == [a for a, _ in expected]
    for (_, (row, col)), (_, (true_row, true_col)) in zip(by_row, expected):
        assert abs(row - true_row) < 1e-9 and abs(col - true_col) < 1e-9
    # the bounding box holds the disc, the diameter is that of its area
    assert np.all(table["bbox_max_row"] - table["bbox_min_row"] <= 2 * 15 + 1)
    np.testing.assert_allclose(table["equivalent_diameter"],
                               np.sqrt(4 * table["area"] / np.pi))


def test_min_area_keeps_objects_of_at_least_that_size():
    mask = np.zeros((20, 40), dtype=bool)
    mask[2:5, 2:5] = True      # 9 pixels
    mask[10:13, 10:14] = True  # 12 pixels
    mask[2:4, 30:35] = True    # 10 pixels
    assert label_objects(mask, min_area=10)[1] == 2
    assert label_objects(mask, min_area=11)[1] == 1
    assert label_objects(mask, min_area=13)[1] == 0


def test_connectivity_decides_whether_diagonal_neighbours_touch():
    mask = np.zeros((6, 6), dtype=bool)
    mask[1, 1] = mask[2, 2] = mask[3, 3] = True
    assert label_objects(mask, connectivity=2)[1] == 1
    assert label_objects(mask, connectivity=1)[1] == 3
    # found 4-connected, each of 1 pixel is too small; counted 8-connected,
    # the three would have been one object of 3
    assert label_objects(mask, connectivity=2, min_area=2, filter_connectivity=1)[1] == 0
    assert label_objects(mask, connectivity=2, min_area=2)[1] == 1


def test_a_hundred_thousand_specks_are_filtered_before_any_row():
    rng = np.random.default_rng(3)
    mask = np.zeros((1000, 1000), dtype=bool)
    mask[::3, ::3] = rng.random((334, 334)) < 0.95  # isolated one-pixel specks
    mask[398:462, 398:452] = False
    mask[400:460, 400:450] = True  # one real object among them, apart
    assert label_objects(mask)[1] > 100_000
    labels, count = label_objects(mask, min_area=50)
    assert count == 1
    assert object_table(labels)["area"].tolist() == [60 * 50]


def test_area_statistics():
    stats = area_statistics([10, 20, 60])
    assert stats == {"objects": 3, "object_area_mean": 30.0,
                     "object_area_median": 20.0, "object_area_max": 60.0}
    empty = area_statistics([])
    assert empty["objects"] == 0 and np.isnan(empty["object_area_mean"])


@pytest.mark.parametrize("kwargs, message", [
    ({"connectivity": 3}, "connectivity must be 1 or 2; got 3"),
    ({"filter_connectivity": 0}, "filter_connectivity must be 1 or 2; got 0"),
    ({"min_area": 0}, "min_area must be a whole number of pixels >= 1; got 0"),
    ({"min_area": 2.5}, "min_area must be a whole number of pixels >= 1; got 2.5"),
])
def test_bad_settings_name_the_setting(kwargs, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        label_objects(np.zeros((3, 3), dtype=bool), **kwargs)


def test_a_mask_that_is_not_boolean_is_refused():
    with pytest.raises(ValueError, match="expected a boolean mask"):
        label_objects(np.zeros((3, 3), dtype=np.uint8))


# --- the demo's colony plates: truth of known count -------------------------

def touching_groups(drawn):
    """The number of groups of drawn colonies that touch (union-find)."""
    parent = list(range(len(drawn)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i, (r1, c1, a) in enumerate(drawn):
        for j, (r2, c2, b) in enumerate(drawn[:i]):
            if np.hypot(r1 - r2, c1 - c2) < a + b:
                parent[root(i)] = root(j)
    return len({root(i) for i in range(len(drawn))})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_colony_plate_knows_its_count(seed):
    from rootmass.demo import synthetic_colony_plate

    image, truth, drawn = synthetic_colony_plate((400, 400), seed=seed)
    again = synthetic_colony_plate((400, 400), seed=seed)
    np.testing.assert_array_equal(image, again[0])
    assert image.shape == (400, 400, 3) and image.dtype == np.uint8
    assert 15 <= len(drawn) <= 40
    for row, col, _ in drawn:  # every colony is in the truth
        assert truth[int(round(row)), int(round(col))]
    # touching colonies are one object of the truth mask, the others apart
    groups = touching_groups(drawn)
    assert label_objects(truth)[1] == groups
    assert groups < len(drawn)  # some touch


def test_a_colony_plate_draws_as_many_as_asked():
    from rootmass.demo import synthetic_colony_plate

    for count in (0, 1, 12):
        _, truth, drawn = synthetic_colony_plate((300, 300), seed=4, colonies=count)
        assert len(drawn) == count
        assert truth.any() == (count > 0)


def plates(count=6, shape=(600, 600)):
    """The demo's colony plates: the truth mask, the mask of the lesson's
    procedure-7 settings (its labels), and the true count."""
    from rootmass.demo import synthetic_colony_plate

    for seed in range(count):
        image, truth, drawn = synthetic_colony_plate(shape, seed=seed)
        blurred = blur(to_grayscale(image, "rgb2gray"), 1.0)
        mask = segment(blurred, "otsu_excluding_bright", foreground="below",
                       bright_cutoff=0.90)[1]
        labels = label_objects(mask, connectivity=2, min_area=11, filter_connectivity=1)[0]
        yield label_objects(truth)[0], labels, len(drawn)


def test_declumping_lowers_the_count_error_on_the_colony_plates():
    errors = {"truth": [], "truth, declumped": [], "mask": [], "mask, declumped": []}
    for truth_labels, labels, true_count in plates():
        errors["truth"].append(abs(truth_labels.max() - true_count))
        errors["truth, declumped"].append(abs(declump(truth_labels)[1] - true_count))
        errors["mask"].append(abs(labels.max() - true_count))
        errors["mask, declumped"].append(abs(declump(labels)[1] - true_count))
    mean = {key: np.mean(values) for key, values in errors.items()}
    assert mean["truth, declumped"] < mean["truth"]
    assert mean["mask, declumped"] < mean["mask"]
    assert mean["truth, declumped"] <= 0.5  # the truth's touching pairs split


def test_declumping_splits_two_touching_discs_and_keeps_a_lone_one():
    two = plate([((50, 50), 15), ((50, 78), 14)], shape=(100, 140))
    labels, count = label_objects(two)
    assert count == 1
    split, count = declump(labels)
    assert count == 2
    centres = sorted(zip(object_table(split)["centroid_row"], object_table(split)["centroid_col"]),
                     key=lambda rc: rc[1])
    assert abs(centres[0][1] - 50) < 2 and abs(centres[1][1] - 78) < 2
    lone = label_objects(plate([((50, 50), 20)], shape=(100, 100)))[0]
    assert declump(lone)[1] == 1
    # a strip's ridge is one plateau, however long: still one object
    for width in (1, 6):
        line = np.zeros((20, 80), dtype=bool)
        line[8:8 + width, 5:75] = True
        assert declump(label_objects(line)[0])[1] == 1
    assert declump(np.zeros((5, 5), dtype=int))[1] == 0
    # a part attached by a corner stays in its object (8-connected, flooded
    # 8-connected), and with connectivity 1 two objects touching at a corner
    # keep a seed each
    corner = plate([((30, 30), 12)], shape=(60, 80))
    corner[43, 43] = corner[44, 44] = corner[44, 45] = True  # a spur off the disc
    labels, count = label_objects(corner)
    split, count = declump(labels)
    np.testing.assert_array_equal(split > 0, corner)
    diagonal = np.zeros((20, 20), dtype=bool)
    diagonal[2:8, 2:8] = diagonal[8:14, 8:14] = True
    four = label_objects(diagonal, connectivity=1)[0]
    assert declump(four, connectivity=1)[1] == 2
    np.testing.assert_array_equal(declump(four, connectivity=1)[0] > 0, diagonal)


# --- the stage's settings, measures and tables --------------------------------

def test_object_settings_resolve_what_the_stage_uses():
    from rootmass.workflow.samples import object_settings

    base = dict(connectivity=2, min_area=1, min_area_mm2=None, filter_connectivity=None,
                declump=False, declump_h=1.0, declump_smoothing=1.0, pixel_size=None)
    used = object_settings(base)
    assert used["filter_connectivity"] == 2  # the same as connectivity
    assert used["declump_h"] is None and used["declump_smoothing"] is None  # unused
    assert object_settings({**base, "declump_h": 5.0}) == used  # so no re-run
    assert object_settings({**base, "declump": True})["declump_h"] == 1.0
    # an area in mm2: the smallest whole number of pixels of at least that area
    mm2 = object_settings({**base, "min_area_mm2": 0.01, "pixel_size": 0.01})
    assert mm2["min_area"] == 100
    assert object_settings({**base, "min_area_mm2": 0.0101, "pixel_size": 0.01})["min_area"] == 101
    # no pixel size: unresolved (load_experiment refuses such an image)
    assert object_settings({**base, "min_area_mm2": 0.01})["min_area"] is None


def test_measure_objects_counts_and_measures_drawn_discs():
    from rootmass.measure.objects import OBJECT_STATISTICS, measure_objects, table_columns

    mask = plate([((30, 30), 10), ((30, 100), 5), ((100, 60), 20)], shape=(140, 140))
    expected = sorted(int(disk_area) for disk_area in
                      [np.sum(plate([(c, r)], shape=(140, 140))) for c, r in
                       [((30, 30), 10), ((30, 100), 5), ((100, 60), 20)]])
    labels, stats, table = measure_objects(mask, pixel_size=0.5)
    assert stats["objects"] == 3 and sorted(table["area"].tolist()) == expected
    assert stats["object_area_max"] == max(expected)
    assert stats["object_area_median"] == float(np.median(expected))
    assert stats["object_area_mean_mm2"] == pytest.approx(np.mean(expected) * 0.25)
    assert table["area_mm2"].tolist() == [a * 0.25 for a in table["area"].tolist()]
    assert list(table) == table_columns(with_areas=True)[1:]
    assert set(OBJECT_STATISTICS) <= set(stats)
    # above max_objects: the statistics, but no table
    _, stats, table = measure_objects(mask, max_objects=2)
    assert stats["objects"] == 3 and table is None
    # min_area: the small disc goes
    _, stats, _ = measure_objects(mask, min_area=int(expected[0]) + 1)
    assert stats["objects"] == 2


def test_specks_give_a_count_but_never_a_row_each():
    from rootmass.measure.objects import measure_objects

    specks = np.zeros((700, 700), dtype=bool)
    specks[::2, ::2] = True  # 122,500 one-pixel objects, 4-connected and 8-connected
    _, stats, table = measure_objects(specks, max_objects=5000)
    assert stats["objects"] == 350 * 350 and table is None
    _, stats, table = measure_objects(specks, min_area=2, max_objects=5000)
    assert stats["objects"] == 0 and len(table["label"]) == 0


def test_label_preview_keeps_every_nth_pixel_as_16_bit_labels(tmp_path):
    from rootmass.io import load_png16, save_png16
    from rootmass.measure.objects import label_preview

    labels = np.arange(1, 70001, dtype=np.int64).reshape(350, 200)
    labels[0, 0] = 0
    small = label_preview(labels, 3)
    assert small.shape == (117, 67) and small.dtype == np.uint16
    assert small[0, 0] == 0 and small[0, 1] == 4 and small[-1, -1] == (labels[348, 198] - 1) % 65535 + 1 == 4264
    save_png16(tmp_path / "l.png", small)
    np.testing.assert_array_equal(load_png16(tmp_path / "l.png"), small)


def test_truth_count_recorded_or_of_the_mask():
    from rootmass.evaluation import truth_count

    two = plate([((50, 50), 15), ((50, 78), 14)], shape=(100, 140))
    assert truth_count(two) == 1  # a mask: the touching discs are one object
    assert truth_count(two, recorded=2) == 2  # a count someone recorded wins
    assert truth_count(two, recorded=0) == 0
    specks = np.zeros((20, 20), dtype=bool)
    specks[2, 2] = specks[10:14, 10:14] = True
    assert truth_count(specks) == 2 and truth_count(specks, min_area=2) == 1
    assert truth_count(np.zeros((5, 5), dtype=bool)) == 0


def test_concatenate_csv_carries_the_text_and_the_metadata(tmp_path):
    from rootmass.io import concatenate_csv

    (tmp_path / "a.csv").write_text("image,label,area\na.jpg,1,3\na.jpg,2,0.1000000000000000055\n")
    (tmp_path / "b.csv").write_text('image,label,area\n"b,1.jpg",1,7\n')
    (tmp_path / "c.csv").write_text("image,label,area\n")  # a batch without objects
    rows = concatenate_csv([tmp_path / n for n in ("a.csv", "b.csv", "c.csv")],
                           tmp_path / "all.csv", ["condition"],
                           {"a.jpg": {"condition": "control"}, "b,1.jpg": {"condition": "x"}})
    assert rows == 3
    assert (tmp_path / "all.csv").read_text().splitlines() == [
        "image,label,area,condition", "a.jpg,1,3,control",
        "a.jpg,2,0.1000000000000000055,control", '"b,1.jpg",1,7,x']
    (tmp_path / "d.csv").write_text("image,area\n")
    with pytest.raises(ValueError, match="d.csv"):
        concatenate_csv([tmp_path / "a.csv", tmp_path / "d.csv"], tmp_path / "bad.csv")
    assert not (tmp_path / "bad.csv").exists()  # nothing half-written


def test_compare_methods_gives_the_mean_absolute_count_error():
    from rootmass.evaluation import compare_methods

    rows = [
        {"method": "otsu", "image": "a", "f1": 1, "iou": 1, "count_error": -3},
        {"method": "otsu", "image": "b", "f1": 1, "iou": 1, "count_error": 1},
        {"method": "yen", "image": "a", "error": "no threshold"},
        {"method": "yen", "image": "b", "f1": 0.5, "iou": 0.4, "count_error": 2},
    ]
    methods = {m["method"]: m for m in compare_methods(rows)}
    assert methods["otsu"]["mean_abs_count_error"] == 2.0
    assert methods["yen"]["mean_abs_count_error"] == 2.0  # the error row left out
    uncounted = [{"method": "otsu", "image": "a", "f1": 1, "iou": 1}]
    assert "mean_abs_count_error" not in compare_methods(uncounted)[0]


def test_too_many_objects_is_a_flag_with_the_count():
    from rootmass.qc.flags import flag_images

    rows = [{"image": f"i{k}", "status": "ok", "ratio": "0.3", "threshold": "0.5",
             "separation": "0.8", "objects": str(n)} for k, n in enumerate([10, 6000, ""])]
    flags = flag_images(rows, max_objects=5000)
    assert flags == [{"image": "i1", "reason": "too many objects", "value": 6000}]
    assert flag_images(rows) == []
    # its objects failed (on_error: skip): its ratio stands, it is flagged failed
    rows[2]["error"] = "objects: cannot read the mask"
    assert flag_images(rows)[0] == {"image": "i2", "reason": "failed",
                                    "value": "objects: cannot read the mask"}


def test_the_area_plot_has_a_line_per_group_however_many_objects():
    from rootmass.qc.plots import object_area_figure

    rng = np.random.default_rng(0)
    areas = [rng.integers(1, 10**5, size=n) for n in (10, 3_000_000)]
    figure = object_area_figure(["a", "b"], areas, [2, 10_000], "method otsu")
    ax = figure.axes[0]
    assert len(ax.patches) == 2  # one step line per group, not a mark per object
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "a (10 objects, 2 images)", "b (3000000 objects, 10000 images)"]
    empty = object_area_figure(["a"], [[]], [1])
    assert "no objects" in [t.get_text() for t in empty.axes[0].texts]


def test_the_figure_shows_the_objects_and_their_count():
    from rootmass.qc.figures import LABEL_PALETTE, image_figure, object_colours, object_panel

    labels = np.zeros((40, 60), dtype=np.uint16)
    labels[5:15, 5:15], labels[20:30, 30:50] = 1, 2
    coloured = object_colours(labels)
    assert coloured.shape == (40, 60, 3) and (coloured[0, 0] == 0).all()
    assert tuple(coloured[10, 10]) != tuple(coloured[25, 40])  # each its own colour
    rng = np.random.default_rng(1)  # label2rgb's colouring, pixel for pixel
    many = rng.integers(0, 300, (60, 90)).astype(np.uint16)
    many[many % 7 == 3] = 0  # labels missing, as at a preview's scale
    expected = np.rint(ski.color.label2rgb(many, colors=LABEL_PALETTE / 255, bg_label=0)
                       * 255).astype(np.uint8)
    np.testing.assert_array_equal(object_colours(many), expected)
    # label2rgb's own colours, in its order, its dark ones lightened: each
    # at a contrast of at least 4.5 against the black background (WCAG)
    from skimage.color.colorlabel import DEFAULT_COLORS

    own = np.rint(np.array([ski.color.colorlabel._rgb_vector(c) for c in DEFAULT_COLORS])
                  * 255)
    kept = [i for i in range(10) if i not in (1, 4, 5)]  # blue, green, indigo lightened
    np.testing.assert_array_equal(LABEL_PALETTE[kept], own[kept])
    linear = np.where(LABEL_PALETTE / 255 <= 0.04045, LABEL_PALETTE / 255 / 12.92,
                      ((LABEL_PALETTE / 255 + 0.055) / 1.055) ** 2.4)
    luminance = linear @ [0.2126, 0.7152, 0.0722]
    assert ((luminance + 0.05) / 0.05 >= 4.5).all(), luminance
    own_linear = np.where(own / 255 <= 0.04045, own / 255 / 12.92,
                          ((own / 255 + 0.055) / 1.055) ** 2.4)
    assert ((own_linear @ [0.2126, 0.7152, 0.0722] + 0.05) / 0.05 < 4.5).sum() == 3
    tinted = np.zeros((40, 60, 3), dtype=np.uint8)
    panel = np.zeros((30, 30, 3), dtype=np.uint8)
    without = image_figure("x.jpg", tinted, panel, 0.1, 0.5)
    overlay = object_panel({"objects": 2}, lambda: labels)
    assert overlay[:2] == (": 2 objects", "2 objects, each its own colour")
    np.testing.assert_array_equal(overlay[2], coloured)
    assert object_panel({"objects": None}, lambda: labels) is None  # none counted
    with_objects = image_figure("x.jpg", tinted, panel, 0.1, 0.5, overlays=[overlay])
    assert with_objects.shape[1] > without.shape[1]  # one more panel


def test_the_demo_plates_have_labelled_truth_and_their_settings(tmp_path):
    import importlib.util

    import yaml
    from PIL import Image

    from conftest import ROOT
    from rootmass.demo import PLATE_SEED_OFFSET, PLATE_SETTINGS, demo_samples, demo_seed
    from rootmass.demo import synthetic_colony_plate, synthetic_root_length
    from rootmass.workflow.samples import read_sheet

    rows = demo_samples(2, plates=2)
    assert [r["image"] for r in rows] == ["demo-0000.jpg", "demo-0001.jpg",
                                          "plate-0000.jpg", "plate-0001.jpg"]
    assert [r["condition"] for r in rows] == ["control", "treated", "plate", "plate"]
    spec = importlib.util.spec_from_file_location("make_demo", ROOT / "scripts" / "make_demo.py")
    make_demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_demo)
    out = tmp_path / "demo"
    make_demo.write_experiment(str(out), 1, 120, 160, 7, plates=1)
    with Image.open(out / "truth" / "plate-0000.png") as opened:
        truth = np.asarray(opened)
    _, _, drawn = synthetic_colony_plate((120, 120), demo_seed(7, PLATE_SEED_OFFSET), label=0)
    assert len(np.unique(truth[truth > 0])) == len(drawn) > 1  # the true count
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "samples.schema.yaml").read_text())
    samples, metadata = read_sheet(str(out / "samples.tsv"), schema)
    assert metadata == ["condition", "replicate"]
    # the root image's true length, the plate's settings and true count
    length = synthetic_root_length((120, 160), demo_seed(7, 0), label=0)
    assert samples[0].settings == {"truth_length": length}
    assert samples[1].settings == {**PLATE_SETTINGS, "truth_count": len(drawn)}


# --- end to end: the procedures as settings, the colony demo ----------------

def read_rows(path):
    import csv

    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow  # a workflow run of its own, on the lesson's images
def test_the_procedures_as_config_readme_writes_them_give_the_lessons_objects(
        lesson_data, workdir):
    """config/README.md's sample sheet of procedures 5 to 7, run by the
    workflow: each row's count and each object's area are the lesson's own
    code's, computed here."""
    from conftest import run_snakemake

    data = workdir / "data"
    data.mkdir()
    for name, source in [("shapes-01.jpg", "shapes-01.jpg"), ("shapes-01-large.jpg", "shapes-01.jpg"),
                         ("colonies-01.tif", "colonies-01.tif"),
                         ("colonies-01-enhanced.tif", "colonies-01.tif")]:
        (data / name).symlink_to(lesson_data / source)
    (workdir / "procedures.tsv").write_text(
        "image\tprocedure\tgrayscale\tsigma\tmethod\tvalue\tforeground\tbright_cutoff"
        "\tconnectivity\tmin_area\tfilter_connectivity\n"
        "data/shapes-01.jpg\t5\trgb2gray\t2.0\tfixed\t0.9\tbelow\t\t2\t1\t\n"
        "data/shapes-01-large.jpg\t5, area > 200\trgb2gray\t2.0\tfixed\t0.9\tbelow\t\t2\t201\t\n"
        "data/colonies-01.tif\t6\trgb2gray\t1.0\tfixed\t0.2\tbelow\t\t2\t1\t\n"
        "data/colonies-01-enhanced.tif\t7\trgb2gray\t1.0\totsu_excluding_bright\t\tbelow"
        "\t0.9\t2\t11\t1\n")
    run_snakemake(workdir, "--cores", 2, "--config", "samples=procedures.tsv", "images=null",
                  "demo=false", "qc=false")
    ratios = {r["image"]: r for r in read_rows(workdir / "results" / "ratios.csv")}
    objects = read_rows(workdir / "results" / "objects.csv")
    _, shapes, count5 = lesson_connected_components(data / "shapes-01.jpg", 2.0, 0.9, 2)
    _, colonies, count6 = lesson_count_colonies(data / "colonies-01.tif")
    _, enhanced, count7 = lesson_count_colonies_enhanced(data / "colonies-01.tif")
    large = [r.area for r in ski.measure.regionprops(shapes) if r.area > 200]
    expected = {
        "data/shapes-01.jpg": [r.area for r in ski.measure.regionprops(shapes)],
        "data/shapes-01-large.jpg": large,
        "data/colonies-01.tif": [r.area for r in ski.measure.regionprops(colonies)],
        "data/colonies-01-enhanced.tif": [r.area for r in ski.measure.regionprops(enhanced)],
    }
    assert (count5, len(large), count6, count7) == (11, 7, 11, 11)  # the README's
    for image, areas in expected.items():
        assert int(ratios[image]["objects"]) == len(areas)
        assert [float(r["area"]) for r in objects if r["image"] == image] == areas
        assert {r["procedure"] for r in objects if r["image"] == image} == {
            ratios[image]["procedure"]}


def test_the_colony_example_config_counts_as_procedure_6(lesson_data, workdir):
    """config/colonies-example.yaml, run as its comment says on a folder of
    plates: the lesson's capstone count and areas, computed here, and no
    setting that does nothing."""
    from conftest import ROOT, run_snakemake

    (workdir / "plates").mkdir()
    (workdir / "plates" / "colonies-01.tif").symlink_to(lesson_data / "colonies-01.tif")
    result = run_snakemake(workdir, "--cores", 2, "--configfile",
                           ROOT / "config" / "colonies-example.yaml", "--config",
                           "images=plates/*.tif", "qc=false")
    assert "does nothing" not in result.stdout + result.stderr
    (row,) = read_rows(workdir / "results" / "ratios.csv")
    _, colonies, count = lesson_count_colonies(lesson_data / "colonies-01.tif")
    assert int(row["objects"]) == count == 11
    areas = [float(r["area"]) for r in read_rows(workdir / "results" / "objects.csv")]
    assert areas == [r.area for r in ski.measure.regionprops(colonies)]


@pytest.mark.slow  # workflow runs of their own
def test_the_colony_demo_knows_its_counts_and_declumping_lowers_the_error(workdir):
    from conftest import run_snakemake
    from rootmass.demo import PLATE_SEED_OFFSET, demo_seed, synthetic_colony_plate

    demo = ["--cores", 2, "--config", "demo={count: 0, plates: 6}"]
    run_snakemake(workdir, *demo)
    rows = read_rows(workdir / "results" / "evaluation.csv")
    assert len(rows) == 6
    for i, row in enumerate(rows):  # the truth's count is the number drawn
        drawn = synthetic_colony_plate((600, 600), demo_seed(2026, PLATE_SEED_OFFSET + i),
                                       label=i)[2]
        assert int(row["truth_objects"]) == len(drawn)
    methods = {r["method"]: r for r in read_rows(workdir / "results" / "evaluation-methods.csv")}
    error = float(methods["otsu_excluding_bright"]["mean_abs_count_error"])  # the plates' own
    assert error == np.mean([abs(int(r["count_error"])) for r in rows])
    masks = {p: p.read_bytes() for p in (workdir / "results" / "masks").glob("*/demo/*.png")}

    result = run_snakemake(workdir, *demo, "objects={declump: true}")
    assert "rule save_mask" not in result.stderr and "rule threshold" not in result.stderr
    assert all(p.read_bytes() == b for p, b in masks.items())  # the masks stay
    declumped = read_rows(workdir / "results" / "evaluation.csv")
    mean = np.mean([abs(int(r["count_error"])) for r in declumped])
    assert mean < error, (mean, error)

    # off: no object columns, and objects.csv moved aside with one line
    result = run_snakemake(workdir, *demo, "objects={enabled: false}")
    assert "objects" not in read_rows(workdir / "results" / "ratios.csv")[0]
    assert not (workdir / "results" / "objects.csv").exists()
    assert len(list((workdir / "results" / "stale").glob("*/objects.csv"))) == 1
    assert "with objects.enabled: false: objects.csv" in result.stderr


def regionprops_reference(labels, properties):
    table = ski.measure.regionprops_table(labels, properties=properties)
    renamed = {"centroid-0": "centroid_row", "centroid-1": "centroid_col",
               "bbox-0": "bbox_min_row", "bbox-1": "bbox_min_col", "bbox-2": "bbox_max_row",
               "bbox-3": "bbox_max_col", "equivalent_diameter_area": "equivalent_diameter"}
    return {renamed.get(k, k): v for k, v in table.items()}


def test_the_table_is_regionprops_to_the_digit_on_drawn_objects():
    from rootmass.measure.objects import OBJECT_PROPERTIES, SIZE_PROPERTIES

    rng = np.random.default_rng(3)
    mask = rng.random((120, 170)) > 0.6  # many ragged objects, touching the edges
    mask[40:80, 20:150] = True
    labels = label_objects(mask)[0]
    for shape, properties in ((False, SIZE_PROPERTIES), (True, OBJECT_PROPERTIES)):
        table = object_table(labels, shape=shape)
        expected = regionprops_reference(labels, properties)
        assert list(table) == list(expected)
        for name, values in expected.items():
            assert table[name].tolist() == values.tolist(), name
    assert all(len(v) == 0 for v in object_table(np.zeros((4, 4), dtype=int)).values())


def test_the_table_sums_runs_that_meet_other_labels_and_rows_ends():
    """Runs end where a label meets another (declumped objects touch) and at
    each row's end, also where the next row starts with the same label."""
    from rootmass.measure.objects import SIZE_PROPERTIES, label_runs

    labels = np.array([[1, 1, 2, 2, 2],
                       [2, 0, 2, 3, 1],
                       [1, 3, 3, 3, 3],
                       [3, 3, 0, 0, 2]])
    numbers, starts, lengths = label_runs(labels)
    assert numbers.tolist() == [1, 2, 2, 2, 3, 1, 1, 3, 3, 2]
    assert starts.tolist() == [0, 2, 5, 7, 8, 9, 10, 11, 15, 19]
    assert lengths.tolist() == [2, 3, 1, 1, 1, 1, 1, 4, 2, 1]
    table = object_table(labels)
    for name, values in regionprops_reference(labels, SIZE_PROPERTIES).items():
        assert table[name].tolist() == values.tolist(), name
    column = np.array([[1], [1], [0], [2]])
    for name, values in regionprops_reference(column, SIZE_PROPERTIES).items():
        assert object_table(column)[name].tolist() == values.tolist(), name


def test_the_table_is_regionprops_to_the_digit_on_a_lesson_root_photo(lesson_data):
    from rootmass.measure.objects import SIZE_PROPERTIES

    path = lesson_data / "trial-216.jpg"
    blurred = blur(to_grayscale(read_image(path), "luma"), 1.5)
    labels = label_objects(segment(blurred, "otsu")[1])[0]
    table = object_table(labels)
    for name, values in regionprops_reference(labels, SIZE_PROPERTIES).items():
        assert table[name].tolist() == values.tolist(), name


def test_a_saved_mask_reads_back_as_booleans_of_0_and_1(tmp_path):
    """Pillow's 1-bit images give booleans stored as 255; skeletonize and
    other compiled code index by the byte, so load_mask gives 0 and 1."""
    from rootmass.io import load_mask, save_mask

    mask = np.zeros((40, 70), dtype=bool)
    mask[5:30, 10:60] = True
    mask[0, 0] = True
    save_mask(tmp_path / "m.png", mask)
    loaded = load_mask(tmp_path / "m.png")
    assert loaded.dtype == bool and np.array_equal(loaded, mask)
    assert set(np.unique(loaded.view(np.uint8)).tolist()) == {0, 1}
