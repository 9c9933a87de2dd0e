"""The segmenters' interface and registry (rootmass.segmentation), and rule
threshold's histogram path: t from the histogram grayscale_blur stores is
today's t to the last bit, and Otsu opens no blurred image."""

import json
import os
import runpy
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest
import yaml

from conftest import ROOT
from rootmass.workflow.cache import histogram_row, read_index, stored_histogram, write_index
from rootmass.qc.previews import histogram
from rootmass.segmentation import (
    AUTOMATIC_METHODS,
    THRESHOLD_METHODS,
    Image,
    blur,
    image_histogram,
    method_names,
    segment,
    segmenter,
    segmenters,
    settings_table,
    to_grayscale,
)

LESSON_PHOTOS = ("colonies-01.tif", "maize-root-cluster.jpg", "shapes-01.jpg", "shapes-02.jpg",
                 "trial-016.jpg", "trial-020.jpg", "trial-216.jpg", "trial-293.jpg",
                 "wellplate-01.jpg")
#: Every method that chooses t from the whole image by itself.
WHOLE_IMAGE = (*AUTOMATIC_METHODS, "otsu_excluding_bright", "otsu_excluding_markers",
               "multiotsu")


ALL_SETTINGS = {"method": "otsu", "value": 0.4, "foreground": "above", "bright_cutoff": 0.95,
                "marker_min_area": 0.0005, "marker_margin": None, "window": 151, "k": 0.2,
                "offset": 0.05, "classes": 3, "foreground_classes": None,
                "classifier_probability": 0.5, "sigma": 1.5,
                "grayscale": "luma", "pixel_size": None}


def never(*_):
    raise AssertionError("the pixels were read")


def json_round_trip(row):
    return json.loads(json.dumps(row))


@pytest.fixture(scope="module")
def lesson_blurred(lesson_data):
    import imageio.v3 as iio

    return {name: blur(to_grayscale(iio.imread(lesson_data / name), "luma"), 1.5)
            for name in LESSON_PHOTOS}


def test_t_from_the_stored_histogram_is_todays_to_the_last_bit(lesson_blurred):
    checked = 0
    for name, blurred in lesson_blurred.items():
        row = json_round_trip(histogram_row(image_histogram(blurred), histogram(blurred)[0]))
        hist, shown = stored_histogram(row)
        assert shown == histogram(blurred)[0].tolist(), name
        for method in WHOLE_IMAGE:
            chosen = segmenter(method)
            settings = chosen.check({"foreground": "above", "value": None,
                                     "bright_cutoff": 0.95, "marker_min_area": 0.0005,
                                     "marker_margin": 14, "classes": 3,
                                     "foreground_classes": None})
            load = never if chosen.needs == "histogram" else (lambda b=blurred: b)
            try:
                expected, _ = segment(blurred, method, mask=False)
            except ValueError as error:  # (a method that finds none: the same error)
                with pytest.raises(ValueError) as again:
                    chosen.threshold(Image(load=load, hist=hist), settings)
                assert str(again.value) == str(error), (name, method)
                continue
            t = chosen.threshold(Image(load=load, hist=hist), settings)
            # bit for bit: the same float64 (the same levels)
            assert np.asarray(t).tobytes() == np.asarray(expected).tobytes(), (name, method)
            checked += 1
    assert checked >= len(LESSON_PHOTOS) * 8


def test_a_uniform_image_is_left_to_the_method_as_today():
    flat = np.full((8, 8), 0.5)
    hist = stored_histogram(json_round_trip(histogram_row(image_histogram(flat),
                                                          histogram(flat)[0])))[0]
    reads = []
    image = Image(load=lambda: reads.append(1) or flat, hist=hist)
    assert segmenter("otsu").threshold(image, {}) == segment(flat, "otsu", mask=False)[0]
    assert reads == [1]  # one non-empty bin: the pixels, as before
    with pytest.raises(ValueError, match="'isodata': the image \\(or ROI\\) has a single"):
        segmenter("isodata").threshold(Image(flat, hist=hist), {})


def fake_job(tmp_path, method, images=("a.jpg", "b.jpg")):
    """A batch's blurred folder as grayscale_blur writes it, and a snakemake
    object for rule threshold's script."""
    blurred_dir = tmp_path / "blurred"
    blurred_dir.mkdir()
    rng = np.random.default_rng(1)
    rows = []
    for i, name in enumerate(images):
        pixels = np.clip(rng.normal(0.3 + 0.1 * i, 0.1, (40, 50)), 0, 1)
        pixels[10:20, 10:30] += 0.4
        key = name.rsplit(".", 1)[0]
        np.save(blurred_dir / f"{key}.npy", pixels)
        rows.append({"image": name, "key": key, "shape": list(pixels.shape),
                     **histogram_row(image_histogram(pixels), histogram(pixels)[0])})
    write_index(blurred_dir, rows)
    from rootmass.workflow.samples import stage_settings

    # the stage's params, as the workflow gives them
    settings = stage_settings("threshold", {**ALL_SETTINGS, "method": method})
    job = types.SimpleNamespace(
        params=types.SimpleNamespace(settings={"default": settings, "images": {}}, rois={}),
        config={"on_error": "stop"}, log=[str(tmp_path / "threshold.log")],
        input=types.SimpleNamespace(blurred=str(blurred_dir)),
        output=types.SimpleNamespace(thresholds=str(tmp_path / "thresholds.json")),
    )
    return job, blurred_dir


def run_threshold(job):
    runpy.run_path(str(ROOT / "scripts" / "threshold.py"), init_globals={"snakemake": job})
    return json.loads((ROOT / job.output.thresholds).read_text())


@pytest.mark.parametrize("method", ["otsu", "yen", "multiotsu"])
def test_threshold_opens_no_blurred_image_for_a_histogram_method(tmp_path, method):
    job, blurred_dir = fake_job(tmp_path, method)
    pixels = {p.name: np.load(p) for p in blurred_dir.glob("*.npy")}
    # the job's rows with the pixels there, then with them gone
    before = run_threshold(job)
    for path in blurred_dir.glob("*.npy"):
        path.unlink()
    after = run_threshold(job)
    assert after == before
    for row in after:
        blurred = pixels[row["image"].replace(".jpg", ".npy")]
        t, _ = segment(blurred, method, mask=False)
        expected = t if method != "multiotsu" else t[-1]
        assert row["threshold"] == expected
        assert row["histogram"] == histogram(blurred)[0].tolist()


def test_threshold_reads_the_pixels_of_a_method_that_needs_them(tmp_path):
    job, blurred_dir = fake_job(tmp_path, "li")
    assert all("threshold" in row for row in run_threshold(job))
    for path in blurred_dir.glob("*.npy"):
        path.unlink()
    with pytest.raises(SystemExit, match="cannot process .a.jpg.: .*a.npy"):
        run_threshold(job)


def test_the_registry_lists_every_method_in_order():
    assert method_names() == THRESHOLD_METHODS == (
        "fixed", "otsu", "isodata", "li", "mean", "minimum", "triangle", "yen",
        "otsu_excluding_bright", "otsu_excluding_markers", "multiotsu", "local",
        "sauvola", "niblack", "otsu_collection", "classifier")
    assert [s.name for s in segmenters()] == list(THRESHOLD_METHODS)
    assert {s.needs for s in segmenters()} <= {"nothing", "histogram", "pixels"}
    histogram_only = {s.name for s in segmenters() if s.needs == "histogram"}
    assert histogram_only == {"otsu", "isodata", "minimum", "yen", "multiotsu"}
    with pytest.raises(ValueError, match="^threshold.method must be one of 'fixed', .*; got 'x'$"):
        segmenter("x")


def test_the_schemas_name_no_method_and_describe_no_setting_but_the_segmenters():
    """The schemas leave the method names to the registry; a setting the
    files describe is a segmenter's (with its default), and with the
    registry's added every setting is a key of config section threshold
    and a sheet column."""
    from rootmass.workflow.config import config_schema
    from rootmass.workflow.samples import with_methods

    schemas = ROOT / "workflow" / "schemas"
    config = yaml.safe_load((schemas / "config.schema.yaml").read_text())
    sheet = yaml.safe_load((schemas / "samples.schema.yaml").read_text())
    threshold = config["properties"]["threshold"]["properties"]
    assert "enum" not in threshold["method"] and "enum" not in sheet["properties"]["method"]
    table = settings_table()
    assert set(threshold) <= {"method", "foreground", *table}
    assert {name: threshold[name]["default"] for name in table if name in threshold} == {
        name: setting.default for name, setting in table.items() if name in threshold}
    merged = config_schema(str(schemas / "config.schema.yaml"))
    assert set(merged["properties"]["threshold"]["properties"]) == {"method", "foreground",
                                                                    *table}
    assert set(table) <= set(with_methods(sheet)["properties"])


#: A segmenter of a new kind, with a setting of its own that the schema
#: files do not describe, registered in a process of its own.
NEW_SEGMENTER = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import yaml
    from rootmass.segmentation import Segmenter, Setting, register, segment

    class Gamma(Segmenter):
        name = "gamma_test"
        needs = "nothing"
        threshold_settings = ("gamma",)
        own_settings = (Setting("gamma", 0.25, schema={"minimum": 0, "maximum": 1}),)

        def threshold(self, image, settings):
            return float(settings["gamma"])

    register(Gamma())
    from rootmass.workflow.config import ConfigError, check_config
    from rootmass.workflow.samples import NUMERIC, SheetError, read_sheet

    schema = "workflow/schemas/config.schema.yaml"
    found = {"numeric": "gamma" in NUMERIC}
    found["default"] = check_config({"threshold": {"method": "gamma_test"}}, schema)["threshold"]
    # as --config gives it: a string
    given = check_config({"threshold": {"method": "gamma_test", "gamma": "0.5"}}, schema)
    found["given"] = given["threshold"]["gamma"]
    try:
        check_config({"threshold": {"method": "gamma_test", "gamma": 2}}, schema)
    except ConfigError as error:
        found["config error"] = str(error)
    rows = yaml.safe_load(open("workflow/schemas/samples.schema.yaml"))
    with open(sys.argv[1], "w") as f:
        f.write("image\\tmethod\\tgamma\\na.jpg\\tgamma_test\\t0.75\\nb.jpg\\tgamma_test\\t\\n")
    samples, metadata = read_sheet(sys.argv[1], rows)
    found["sheet"] = [sample.settings for sample in samples]
    found["metadata"] = metadata
    with open(sys.argv[1], "w") as f:
        f.write("image\\tgamma\\na.jpg\\tlots\\n")
    try:
        read_sheet(sys.argv[1], rows)
    except SheetError as error:
        found["sheet error"] = str(error)
    t, mask = segment(np.array([[0.1, 0.5], [0.9, 0.3]]), "gamma_test", gamma=0.4)
    found["t"], found["mask"] = t, mask.tolist()
    print(json.dumps(found))
    """
)


def test_a_new_segmenters_setting_needs_no_schema_entry(tmp_path):
    """Its module and its registry entry are all: the config takes its
    setting (the default, a --config string, the bounds it declares) and
    the sheet its column, with the same one-line errors as any setting."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    done = subprocess.run([sys.executable, "-c", NEW_SEGMENTER, str(tmp_path / "s.tsv")],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["numeric"]
    assert found["default"]["method"] == "gamma_test" and found["default"]["gamma"] == 0.25
    assert found["given"] == 0.5
    assert found["config error"] == (
        "config key 'threshold.gamma': 2 is greater than the maximum of 1")
    assert found["sheet"] == [{"method": "gamma_test", "gamma": 0.75}, {"method": "gamma_test"}]
    assert found["metadata"] == []
    assert found["sheet error"].endswith("line 2, column 'gamma': 'lots' is not of type 'number'")
    assert found["t"] == 0.4 and found["mask"] == [[False, True], [True, False]]


def test_the_sheet_and_the_config_refuse_an_unknown_method_as_before(tmp_path):
    from rootmass.workflow.config import ConfigError, check_method
    from rootmass.workflow.samples import SheetError, read_sheet

    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "samples.schema.yaml").read_text())
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("image\tmethod\na.jpg\tmagic\n")
    allowed = ", ".join(map(repr, THRESHOLD_METHODS))
    with pytest.raises(SheetError) as error:
        read_sheet(str(sheet), schema)
    assert str(error.value).endswith(f"line 2, column 'method': 'magic' is not one of {allowed}")
    with pytest.raises(ConfigError) as error:
        check_method("magic")
    assert str(error.value) == f"config key 'threshold.method': 'magic' is not one of {allowed}"


def test_stage_settings_follow_the_segmenters():
    """Each stage gets only the settings its method's segmenter names (as
    before: the older ones None, the newer left out)."""
    from rootmass.workflow.samples import STAGE_SETTINGS, stage_settings

    assert STAGE_SETTINGS["threshold"] == (
        "method", "value", "bright_cutoff", "marker_min_area", "marker_margin", "classes",
        "foreground", "foreground_classes")
    assert STAGE_SETTINGS["save_mask"] == (
        "method", "foreground", "bright_cutoff", "marker_min_area", "marker_margin", "window",
        "k", "offset", "classes", "foreground_classes", "sigma", "grayscale", "pixel_size",
        "classifier_probability")
    settings = ALL_SETTINGS
    assert stage_settings("threshold", settings) == {
        "method": "otsu", "value": None, "bright_cutoff": None, "marker_min_area": None,
        "marker_margin": None}
    assert list(stage_settings("save_mask", {**settings, "method": "sauvola"})) == [
        "method", "foreground", "bright_cutoff", "marker_min_area", "marker_margin",
        "window", "k", "sigma", "grayscale", "pixel_size"]
    markers = stage_settings("threshold", {**settings, "method": "otsu_excluding_markers"})
    assert markers["marker_margin"] == 14 and markers["value"] is None
    assert stage_settings("threshold", {**settings, "method": "multiotsu"})["foreground"] == "above"
    assert stage_settings("qc_images", {**settings, "method": "multiotsu"}) == {
        "method": "multiotsu", "foreground": "above", "bright_cutoff": None,
        "foreground_classes": None}


def test_each_segmentation_module_stays_under_600_lines():
    for path in (ROOT / "scripts" / "rootmass" / "segmentation").glob("*.py"):
        assert len(path.read_text().splitlines()) <= 600, path.name
    assert not (ROOT / "scripts" / "rootmass" / "thresholding.py").exists()


def test_the_planning_follows_the_segmenters_costs():
    from rootmass.workflow import planning

    costs = {s.name: s.seconds_per_megapixel for s in segmenters() if s.seconds_per_megapixel}
    assert planning.SECONDS_PER_MEGAPIXEL["save_mask (local)"] == max(
        costs[m] for m in ("local", "sauvola", "niblack"))
    # a batch's save_mask job: the highest of its methods' costs
    assert planning.save_mask_cost(["otsu"]) == planning.SECONDS_PER_MEGAPIXEL["save_mask"]
    assert planning.save_mask_cost(["otsu", "sauvola"]) == costs["sauvola"]
    assert planning.save_mask_cost(["sauvola", "classifier"]) == costs["classifier"] == max(
        costs.values())
    sizes = [(3000, 2000)]
    assert planning.methods_mem_mb("save_mask", sizes, ["otsu"]) == planning.batch_mem_mb(sizes)
    assert planning.methods_mem_mb("save_mask", sizes, ["otsu", "sauvola"]) == (
        planning.batch_mem_mb(sizes, copies=planning.LOCAL_COPIES))
