"""Regions within an image (rootmass.regions): their layouts and names, and
what each holds, against truths the tests draw and the lesson's well plate."""

import numpy as np
import pytest
from PIL import Image
from skimage.draw import disk, line

from rootmass.measure.roots import root_traits
from rootmass.regions.layout import (DrawnRegions, RegionError, check_region_set,
                                     draw_regions, grid_centres, names_by_position,
                                     plate_names, read_centres, region_labels)
from rootmass.regions.measure import region_colours, region_foreground, region_objects
from rootmass.segmentation import segment_regions, segmenter


def test_plate_names_run_row_by_row_from_a1():
    names = plate_names(8, 12)
    assert names[:2] == ["A1", "A2"] and names[11] == "A12" and names[12] == "B1"
    assert names[-1] == "H12" and len(set(names)) == 96
    assert plate_names(32, 48)[-1] == "AF48"


def test_a_grid_runs_the_way_its_letters_and_numbers_say():
    centres, names = grid_centres(2, 3, (100, 50), (20, 30), letters="left", numbers="up")
    by_name = dict(zip(names, centres.tolist()))
    assert by_name["A1"] == [100, 50]
    assert by_name["B1"] == [80, 50]  # B left of A, a row's spacing away
    assert by_name["A2"] == [100, 20]  # 2 above 1, a column's spacing away
    with pytest.raises(RegionError, match="across each other"):
        grid_centres(2, 3, (0, 0), 10, letters="left", numbers="right")


def drawn_plate(seed=1):
    """A plate of 8 x 12 wells, each of its own colour on a grey body:
    (image, region set, colours by name)."""
    rng = np.random.default_rng(seed)
    centres, names = grid_centres(8, 12, (30, 30), 40)
    image = np.full((8 * 40 + 20, 12 * 40 + 20, 3), 128, dtype=np.uint8)
    colours = rng.integers(0, 256, (96, 3), dtype=np.uint8)
    for (x, y), colour in zip(centres, colours):
        image[disk((y, x), 18, shape=image.shape[:2])] = colour  # wider than the region
    region_set = {"kind": "circles", "centres": centres.tolist(), "radius": 15, "names": names}
    return image, region_set, dict(zip(names, colours.tolist()))


def test_each_well_of_a_drawn_plate_has_its_own_mean_colour():
    image, region_set, truth = drawn_plate()
    drawn = draw_regions(region_set, image.shape[:2])
    found = region_colours(drawn, image)
    for i, name in enumerate(drawn.names):
        got = [found[c][i] for c in ("mean_red", "mean_green", "mean_blue")]
        assert np.allclose(got, truth[name], atol=0.5), name  # within rounding
        assert found["region_pixels"][i] == len(disk((100, 100), 15)[0])


def test_the_lessons_plate_is_named_in_its_own_layout(lesson_data):
    """wellplate-01.jpg is upright and seen from below: the letters A to H run
    along its foot from right to left, the numbers up its right side, so A1
    is the bottom right well (config/README.md, "Regions")."""
    centres, named = read_centres(lesson_data / "wellplate-01-centers.txt")
    assert named is None and centres.shape == (96, 2)
    names = names_by_position(centres, letters="left", numbers="up")
    assert sorted(names) == sorted(plate_names(8, 12))
    where = dict(zip(names, centres.tolist()))
    assert where["A1"] == [581, 900] and where["H1"] == [91, 900]
    assert where["A12"] == [581, 108] and where["H12"] == [91, 108]


def test_a_centres_file_with_a_bad_line_is_refused_naming_it(tmp_path):
    path = tmp_path / "centres.txt"
    path.write_text("10 20\n# a comment\n\n30 forty\n")
    with pytest.raises(RegionError) as error:
        read_centres(path)
    assert "line 4" in str(error.value) and str(path) in str(error.value)
    assert "\n" not in str(error.value)
    path.write_text("10 20 A1\n30 40\n")
    with pytest.raises(RegionError, match="some centres are named"):
        read_centres(path)
    path.write_text("10 20 A1\n30 40 B1\n")
    assert read_centres(path)[1] == ["A1", "B1"]


@pytest.mark.parametrize("region_set, why", [
    ({"kind": "circles", "centres": [[10, 10], [50, 10]], "radius": 12, "names": ["1", "2"]},
     "leaves the image"),
    ({"kind": "circles", "centres": [[20, 20], [40, 20]], "radius": 12, "names": ["1", "2"]},
     "overlap"),
    ({"kind": "rectangles", "centres": [[20, 20], [35, 20]], "cell": [16, 10],
      "names": ["1", "2"]}, "overlap"),
    ({"kind": "bands", "top": 200, "every": 10}, "not in the image"),
])
def test_regions_that_leave_the_image_or_overlap_are_refused(region_set, why):
    with pytest.raises(RegionError, match=why) as error:
        check_region_set(region_set, (100, 120), "config key 'regions.grid'")
    assert "regions.grid" in str(error.value) and "\n" not in str(error.value)


def test_cells_that_meet_do_not_overlap():
    centres, names = grid_centres(2, 2, (10, 10), 20)
    check_region_set({"kind": "rectangles", "centres": centres.tolist(), "cell": [20, 20],
                      "names": names}, (40, 40), "grid")
    labels, _ = region_labels({"kind": "rectangles", "centres": centres.tolist(),
                               "cell": [20, 20], "names": names}, (40, 40))
    assert np.bincount(labels.ravel()).tolist() == [0, 400, 400, 400, 400]


def test_bands_are_named_by_depth_from_the_top_line():
    labels, names = region_labels({"kind": "bands", "top": 5, "every": 10, "unit": "px"},
                                  (32, 4))
    assert names == ["0-10 px", "10-20 px", "20-30 px"]
    assert labels[:5].max() == 0 and (labels[5:15] == 1).all() and (labels[25:] == 3).all()
    _, names = region_labels({"kind": "bands", "top": 0, "every": 40, "unit": "mm",
                              "scale": 0.25}, (100, 4))
    assert names == ["0-10 mm", "10-20 mm", "20-30 mm"]


def drawn_roots():
    """Three roots, 5 px wide, slanting and bending down across the image."""
    mask = np.zeros((600, 400), dtype=bool)
    for points in ([(20, 50), (300, 120), (580, 90)], [(30, 200), (560, 330)],
                   [(40, 350), (250, 300), (400, 360), (590, 250)]):
        for (r0, c0), (r1, c1) in zip(points, points[1:]):
            rr, cc = line(r0, c0, r1, c1)
            for dr in range(-2, 3):
                for dc in range(-2, 3):
                    mask[np.clip(rr + dr, 0, 599), np.clip(cc + dc, 0, 399)] = True
    return mask


def test_root_lengths_by_depth_band_add_up_to_the_images():
    mask = drawn_roots()
    labels, names = region_labels({"kind": "bands", "top": 0, "every": 75, "unit": "px"},
                                  mask.shape)
    traits, skeleton, _, by_band = root_traits(mask, regions=(labels, len(names)))
    lengths = [band["root_length"] for band in by_band]
    assert len(lengths) == 8 and all(length > 0 for length in lengths)
    assert abs(sum(lengths) - traits["root_length"]) <= 0.01 * traits["root_length"]
    # each band's length is its share of the skeleton's pixels, near enough
    rows = np.nonzero(skeleton)[0]
    share = np.bincount(rows // 75, minlength=8) / rows.size
    assert np.allclose(np.array(lengths) / traits["root_length"], share, atol=0.03)
    assert sum(band["root_tips"] for band in by_band) == traits["root_tips"]


def test_objects_count_in_the_region_holding_their_centroid():
    regions = np.zeros((20, 40), dtype=int)
    regions[:, :20], regions[:, 20:] = 1, 2
    objects = np.zeros_like(regions)
    objects[2:5, 2:5] = 1  # 9 px in region 1
    objects[10:12, 14:24] = 2  # 20 px, its centroid (column 18.5) in the first region
    objects[15:19, 30:36] = 3  # 24 px in region 2
    objects[0:3, 10:12] = 4  # 6 px, its centroid outside both regions: counted nowhere
    regions[0:2, :] = 0
    drawn = DrawnRegions(["1", "2"], regions.shape, [
        ((slice(None), slice(0, 20)), regions[:, :20] == 1),
        ((slice(None), slice(20, 40)), regions[:, 20:] == 2)])
    assert (drawn.labels() == regions).all()
    from rootmass.measure.objects import object_table

    table = object_table(objects)
    stats = region_objects(drawn, table["centroid_row"], table["centroid_col"], table["area"])
    assert stats["objects"] == [2, 1]
    assert stats["object_area_mean"] == [14.5, 24.0]
    assert stats["object_area_max"] == [20.0, 24.0]
    assert region_foreground(drawn, objects > 0) == [23, 32]


def test_regions_thresholded_each_on_its_own_or_all_together():
    """Two wells of different brightness, each half dark and half bright:
    each well's own Otsu splits it; one over both wells splits the wells."""
    blurred = np.zeros((40, 80))
    blurred[:, :40] = np.where(np.arange(40) < 20, 0.1, 0.32)[None, :]
    blurred[:, 40:] = np.where(np.arange(40) < 20, 0.6, 0.9)[None, :]
    labels = np.zeros((40, 80), dtype=int)
    labels[5:35, 5:35], labels[5:35, 45:75] = 1, 2
    settings = segmenter("otsu").check({"method": "otsu", "foreground": "above"})
    mask, thresholds, errors = segment_regions(blurred, labels, 2, "otsu", settings)
    assert errors == [None, None]
    assert 0.1 <= thresholds[0] < 0.32 and 0.6 <= thresholds[1] < 0.9
    drawn = DrawnRegions(["1", "2"], labels.shape, [
        ((slice(5, 35), slice(5, 35)), None), ((slice(5, 35), slice(45, 75)), None)])
    assert region_foreground(drawn, mask) == [450, 450]
    assert not mask[labels == 0].any()
    mask, thresholds, _ = segment_regions(blurred, labels, 2, "otsu", settings, each=False)
    assert thresholds[0] == thresholds[1] and 0.32 <= thresholds[0] < 0.6
    assert region_foreground(drawn, mask) == [0, 900]


def test_a_circles_pixels_are_the_lessons_disk_wherever_its_centre():
    rng = np.random.default_rng(3)
    centres = rng.uniform(-5, 105, (40, 2))
    for radius in (3, 7.5, 16):
        drawn = draw_regions({"kind": "circles", "centres": centres.tolist(),
                              "radius": radius, "names": [str(i) for i in range(40)]},
                             (90, 100))
        for k, (x, y) in enumerate(centres):
            expected = np.zeros((90, 100), dtype=bool)
            expected[disk((y, x), radius, shape=(90, 100))] = True
            got = np.zeros((90, 100), dtype=bool)
            if drawn.boxes[k] is not None:
                box, inside = drawn.boxes[k]
                got[box] = inside
            assert (got == expected).all(), (x, y, radius)


def test_label_images_and_bands_are_drawn_as_their_labels():
    image = np.zeros((30, 40), dtype=np.uint16)
    image[2:8, 3:9], image[20:25, 30:38] = 7, 300
    drawn = draw_regions({"kind": "labels", "file": "x.png"}, (30, 40), image)
    assert drawn.names == ["7", "300"]
    assert region_foreground(drawn, np.ones((30, 40), bool)) == [36, 40]
    with pytest.raises(RegionError, match="label image 'x.png'"):
        draw_regions({"kind": "labels", "file": "x.png"}, (30, 41), image)


def test_a_regions_setting_its_source_does_not_use_is_a_line_naming_it():
    from test_plan import SCHEMA, merged

    from rootmass.workflow.config import check_config, config_schema, unused_settings

    def lines(regions):
        config = check_config(merged(regions=regions), SCHEMA)
        return unused_settings(config, config_schema(SCHEMA), ["otsu"])

    assert lines({}) == [] and lines({"source": "grid", "grid": {"rows": 4}}) == []
    assert lines({"source": "bands", "grid": {"rows": 4}}) == [
        "config key 'regions.grid.rows' (4) does nothing in this run: the regions' source"
        " is 'bands' (regions.source)"]
    assert lines({"source": "circles", "letters": "up"}) == []
    assert lines({"threshold": "each"}) == [
        "config key 'regions.threshold' ('each') does nothing in this run: there are no"
        " regions (regions.source)"]
    config = check_config(merged(regions={"source": "bands", "threshold": "all"}), SCHEMA)
    (line,) = unused_settings(config, config_schema(SCHEMA), ["fixed"])
    assert "the method 'fixed' estimates no threshold" in line


def test_each_image_gets_its_own_centres_file_and_bands_in_mm(tmp_path, monkeypatch):
    from test_plan import SCHEMA, merged

    from rootmass.workflow.config import check_config
    from rootmass.workflow.regions import load_regions
    from rootmass.workflow.samples import Sample

    monkeypatch.chdir(tmp_path)
    for name in ("a.png", "b.png"):
        Image.fromarray(np.zeros((100, 120), dtype=np.uint8)).save(name)
    (tmp_path / "own.txt").write_text("10 10 left\n60 50 right\n")
    (tmp_path / "b.txt").write_text("30 30\n")
    samples = [Sample("a.png", 2, {"centres": "own.txt"}), Sample("b.png", 3)]
    config = check_config(merged(regions={"source": "circles",
                                          "circles": {"file": "{stem}.txt", "radius": 5}}),
                          SCHEMA)
    regions = load_regions(config, samples, "sheet.tsv", lambda image: {})
    assert regions.set_of("a.png")["names"] == ["left", "right"]
    assert regions.set_of("b.png")["centres"] == [[30.0, 30.0]]
    config = check_config(merged(regions={"source": "bands",
                                          "bands": {"every": 5, "unit": "mm"}}), SCHEMA)
    sizes = {"a.png": {"pixel_size": 0.1}, "b.png": {"pixel_size": 0.25}}
    regions = load_regions(config, samples, None, sizes.get)
    assert regions.set_of("a.png")["every"] == 50 and regions.set_of("b.png")["every"] == 20
    samples[1].settings["bands_top"] = 12.0  # the sheet's own top line
    regions = load_regions(config, samples, None, sizes.get)
    assert regions.set_of("a.png")["top"] == 0 and regions.set_of("b.png")["top"] == 12.0
    with pytest.raises(Exception, match="mm needs a pixel_size"):
        load_regions(config, samples, None, lambda image: {"pixel_size": None})


def test_an_image_that_failed_is_one_row_with_its_error():
    from rootmass.workflow.regions import regions_rows

    ok = {"image": "a.png", "status": "ok", "regions": {
        "names": ["1", "2"], "region_pixels": [10, 20], "foreground_pixels": [5, None],
        "threshold": [0.5, None], "region_errors": [None, "no threshold"]}}
    failed = {"image": "b.png", "status": "error", "error": "cannot read it"}
    rows = regions_rows([ok, failed])
    assert [(r["image"], r["region"], r["status"]) for r in rows] == [
        ("a.png", "1", "ok"), ("a.png", "2", "error"), ("b.png", "", "error")]
    assert rows[0]["ratio"] == 0.5 and "ratio" not in rows[1]
    assert rows[1]["error"] == "the region's threshold: no threshold"
    assert rows[2]["error"] == "cannot read it"


def test_a_grid_without_its_centre_or_spacing_is_one_line_naming_the_key():
    from test_plan import SCHEMA, merged

    from rootmass.workflow.config import ConfigError, check_config
    from rootmass.workflow.regions import load_regions

    for missing in ("first", "spacing"):
        grid = {"first": [10, 10], "spacing": 20, "radius": 5, missing: None}
        config = check_config(merged(regions={"source": "grid", "grid": grid}), SCHEMA)
        with pytest.raises(ConfigError, match=f"config key 'regions.grid.{missing}'"):
            load_regions(config, [], None, lambda image: {})
    config = check_config(merged(regions={"source": "dish", "dish": {
        "min_radius": 0.5, "max_radius": 0.3}}), SCHEMA)
    with pytest.raises(ConfigError, match="regions.dish.min_radius"):
        load_regions(config, [], None, lambda image: {})


def test_an_image_without_regions_gets_its_figure_unmarked():
    from rootmass.qc.regions import region_overlay

    picture = np.full((20, 30, 3), 7, dtype=np.uint8)
    assert (region_overlay(picture, np.zeros((20, 30), int), []) == picture).all()


def test_a_region_metadata_table_by_region_or_by_image_and_region(tmp_path):
    from rootmass.workflow.regions import read_region_metadata

    path = tmp_path / "layout.csv"
    path.write_text("image,region,treatment\n,A1,control\nplate-2.jpg,A1,salt\n")
    columns, rows = read_region_metadata(str(path))
    assert columns == ["treatment"]
    assert rows == {(None, "A1"): {"treatment": "control"},
                    ("plate-2.jpg", "A1"): {"treatment": "salt"}}
    path.write_text("region,ratio\nA1,0.5\n")
    with pytest.raises(RegionError, match="'ratio' is one of regions.csv's own"):
        read_region_metadata(str(path))
    path.write_text("well,treatment\nA1,x\n")
    with pytest.raises(RegionError, match="no column 'region'"):
        read_region_metadata(str(path))


def test_a_region_metadata_column_also_in_the_sheet_is_one_line(tmp_path, monkeypatch):
    from test_plan import SCHEMA, merged

    from rootmass.workflow.config import ConfigError, check_config
    from rootmass.workflow.regions import load_regions
    from rootmass.workflow.samples import Sample

    monkeypatch.chdir(tmp_path)
    (tmp_path / "layout.tsv").write_text("region\ttreatment\n0-100 px\tx\n")
    config = check_config(merged(regions={"source": "bands", "metadata": "layout.tsv"}),
                          SCHEMA)
    samples = [Sample("a.png", 2, metadata={"treatment": "y"})]
    with pytest.raises(ConfigError, match="its column 'treatment' is also a column of the"
                                          " sample sheet 'sheet.tsv'"):
        load_regions(config, samples, "sheet.tsv", lambda image: {"pixel_size": None})
    samples = [Sample("a.png", 2, metadata={"plate": "p1"})]
    assert load_regions(config, samples, "sheet.tsv",
                        lambda image: {"pixel_size": None}).metadata == [
        "treatment"]
