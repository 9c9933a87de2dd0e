"""The plan of a run, without Snakemake: the config's normalisation and its
one-line errors, the experiment (images, sheet, settings, truth), the
batches and resources, the report's helpers and the stale-lock repair."""

import copy
import os
import socket
import subprocess
import sys

import pytest
import yaml
from PIL import Image

from conftest import ROOT
from rootmass.workflow import planning
from rootmass.workflow.config import (ConfigError, check_config, config_schema, normalise,
                                      typed, unused_settings)
from rootmass.workflow.experiment import load_experiment
from rootmass.workflow.selection import DEMO_SHEET, find_truth, truth_file
from rootmass.workflow.stages import OBJECT_AREA_COLUMNS, OBJECT_COLUMNS
from rootmass.workflow.report import (
    contact_sheet_labels,
    contact_sheet_spans,
    differing_settings,
    flagged_labels,
    missing_results_message,
    report_label,
)
from rootmass.workflow.runs import (
    clear_stale_locks,
    end_scheduler_timers,
    locked,
    record_run,
    skipped_message,
)

SCHEMA = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")
SHEET_SCHEMA = str(ROOT / "workflow" / "schemas" / "samples.schema.yaml")
with open(ROOT / "config" / "config.yaml", encoding="utf-8") as f:
    DEFAULT_CONFIG = yaml.safe_load(f)


def merged(**overrides):
    """The default config with overrides, as Snakemake merges --config."""
    config = copy.deepcopy(DEFAULT_CONFIG)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key].update(value)
        else:
            config[key] = value
    return config


def plan(**overrides):
    """The experiment of the default config with overrides, in the current
    folder; a bad config raises ConfigError."""
    config = check_config(merged(**overrides), SCHEMA)
    return load_experiment(config, SHEET_SCHEMA), config


def one_line(error):
    message = str(error.value)
    assert "\n" not in message
    return message


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A working folder with two small images in data/."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    for name in ("a.jpg", "b.jpg"):
        Image.new("RGB", (90, 60), "gray").save(tmp_path / "data" / name)
    return tmp_path


def write_sheet(folder, rows, name="samples.tsv"):
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["\t".join(columns)] + ["\t".join(str(r.get(c, "")) for c in columns) for r in rows]
    (folder / name).write_text("\n".join(lines) + "\n")


# --- the config --------------------------------------------------------------


def test_typed_reads_scalars_as_yaml_does():
    assert typed("1.5") == 1.5 and typed("3") == 3 and typed("true") is True
    assert typed("null") is None and typed("otsu") == "otsu" and typed("[a, b]") == "[a, b]"
    assert typed(2) == 2


def test_normalise_reads_command_line_strings():
    config = normalise(
        merged(qc="false", keep_blurred="True", images="null", demo="false",
               threshold={"value": "0.4", "method": "fixed"})
    )
    assert config["qc"] is False and config["keep_blurred"] is True
    assert config["images"] is None and config["demo"] is None
    assert config["threshold"]["value"] == 0.4 and config["threshold"]["method"] == "fixed"


def test_check_config_fills_the_schemas_defaults():
    config = check_config({"threshold": {"method": "yen"}}, SCHEMA)
    assert config["sigma"] == 1.5 and config["threshold"]["foreground"] == "above"
    assert config["threshold"]["method"] == "yen" and config["on_error"] == "stop"


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(threshold=dict(method="magic")), "config key 'threshold.method': 'magic' is not one of 'fixed', 'otsu', 'isodata', 'li', 'mean', 'minimum', 'triangle', 'yen', 'otsu_excluding_bright'"),
        (dict(sigma=-1), "config key 'sigma': -1 is less than the minimum of 0"),
        (dict(threshold=dict(method="fixed")), "config key 'threshold.value': None will not do; method 'fixed' needs a number in [0, 1]"),
        (dict(threshold=dict(method="fixed", value=1.5)), "config key 'threshold.value': 1.5 will not do"),
        (dict(sigmaa=1.0), "config: unknown key 'sigmaa'; the keys are images,"),
        (dict(sigma="1.5"), "config key 'sigma': '1.5' is not of type 'number'"),
        (dict(on_error="maybe"), "config key 'on_error': 'maybe' is not one of 'stop', 'skip'"),
        (dict(qc="yes"), "config key 'qc': 'yes' is not of type 'boolean'"),
        (dict(sigma=float("nan")), "config key 'sigma': nan is not a finite number"),
        (dict(threshold={"method:yen": None}), "config: unknown key 'method:yen' in 'threshold'; the keys are method, value, foreground, bright_cutoff, marker_min_area, marker_margin, window, k, offset, classes, foreground_classes, classifier_trees, classifier_depth, classifier_sigma_max, classifier_colour_sigmas, classifier_samples, trace_foreground, trace_background, classifier_model, classifier_probability (on the command line, a space after each colon: threshold='{method: yen}')"),
        (dict(threshold="method:yen"), "config key 'threshold': 'method:yen' is not a mapping; on the command line a nested setting is written whole, in quotes: threshold='{method: otsu}'"),
        (dict(demo="count:3"), "config key 'demo': 'count:3' is not a mapping; on the command line a nested setting is written whole, in quotes: demo='{count: 12}'"),
        (dict(objects=dict(connectivity=3)), "config key 'objects.connectivity': 3 is not one of 1, 2"),
        (dict(objects=dict(min_area=0)), "config key 'objects.min_area': 0 is less than the minimum of 1"),
        (dict(objects=dict(minarea=5)), "config: unknown key 'minarea' in 'objects'; the keys are enabled, connectivity, min_area,"),
        (dict(objects="min_area:5"), "config key 'objects': 'min_area:5' is not a mapping; on the command line a nested setting is written whole, in quotes: objects='{min_area: 10}'"),
        (dict(objects=dict(declump_h=float("nan"))), "config key 'objects.declump_h': nan is not a finite number"),
    ],
)
def test_a_bad_config_is_one_line_naming_the_key(settings, message):
    config = copy.deepcopy(DEFAULT_CONFIG)
    config.update(settings)
    with pytest.raises(ConfigError) as error:
        check_config(config, SCHEMA)
    assert message in one_line(error)


def test_a_setting_that_does_nothing_in_the_run_is_a_line_naming_it():
    """threshold.value with Otsu's method, a classifier setting without the
    classifier, a local method's window where no step compares the local
    methods, the roots' and the objects' settings where their stage is off,
    declumping's without declumping: one line each; the defaults, and a
    setting some method of the run uses, none."""
    schema = config_schema(SCHEMA)

    def lines(methods=("otsu",), panel=False, **kwargs):
        config = check_config(merged(**{k: v for k, v in kwargs.items()
                                        if k in ("threshold", "roots", "objects")}), SCHEMA)
        stages = {k: v for k, v in kwargs.items() if k in ("roots_on", "objects_on", "declump")}
        return unused_settings(config, schema, methods, panel,
                               roots=stages.get("roots_on", False),
                               objects=stages.get("objects_on", True),
                               declump=stages.get("declump", False))

    assert lines() == [] and lines(panel=True) == []
    assert lines(threshold={"value": 0.5}) == [
        "config key 'threshold.value' (0.5) does nothing in this run: the method 'otsu'"
        " does not use it ('fixed' does)"]
    assert lines(("fixed", "otsu"), threshold={"value": 0.5}) == []
    (line,) = lines(threshold={"classifier_trees": 5})
    assert line.startswith("config key 'threshold.classifier_trees' (5) does nothing")
    (line,) = lines(threshold={"window": 51})
    assert "'local', 'sauvola', 'niblack' do)" in line
    assert lines(threshold={"window": 51}, panel=True) == []  # the panel's local methods
    assert lines(("sauvola",), threshold={"window": 51}) == []
    (line,) = lines(("classifier",), threshold={"foreground": "below"})
    assert "the method 'classifier' does not use it" in line
    assert lines(roots={"prune_length": 9}) == [
        "config key 'roots.prune_length' (9) does nothing in this run: the roots are not"
        " measured (roots: {measure: true})"]
    assert lines(roots={"prune_length": 9}, roots_on=True) == []
    assert lines(objects={"enabled": False, "min_area": 5}, objects_on=False) == [
        "config key 'objects.min_area' (5) does nothing in this run: the objects stage is"
        " off (objects.enabled)"]
    assert lines(objects={"declump_h": 2}) == [
        "config key 'objects.declump_h' (2) does nothing in this run: no image is"
        " declumped (objects.declump)"]
    assert lines(objects={"declump_h": 2}, declump=True) == []
    # a run's own: traced roots as truth measure the roots in the evaluation
    from types import SimpleNamespace

    from rootmass.workflow.config import unused_in_run

    config = check_config(merged(roots={"prune_length": 9}), SCHEMA)
    run = SimpleNamespace(images=["a.jpg"], settings=lambda image: {"method": "otsu"},
                          truth_of={}, roots=False, objects=True)
    schemas = os.path.dirname(SCHEMA)
    assert len(unused_in_run(config, schemas, run)) == 1
    assert unused_in_run(config, schemas, run, main=False) == []
    run.truth_of = {"a.jpg": "traces/a.rsml"}
    assert unused_in_run(config, schemas, run) == []


# --- the experiment ----------------------------------------------------------


def test_an_area_in_mm2_without_a_pixel_size_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as error:
        plan(objects={"min_area_mm2": 0.5})
    assert one_line(error).startswith(
        "config key 'objects.min_area_mm2': an area in mm2 needs a pixel size, and"
        " 'demo/demo-0000.jpg' has none")
    experiment, _ = plan(objects={"min_area_mm2": 0.5}, pixel_size=0.1)
    assert experiment.stage_params("objects", experiment.images)["default"]["min_area"] == 50


def test_an_area_in_mm2_with_each_rows_pixel_size_and_a_rows_own_min_area(folder):
    (folder / "s.tsv").write_text("image\tpixel_size\tmin_area\n"
                                  "data/a.jpg\t0.1\t\ndata/b.jpg\t0.2\t7\n")
    experiment, _ = plan(samples="s.tsv", images=None, objects={"min_area_mm2": 0.5})
    params = experiment.stage_params("objects", experiment.images)
    assert params["default"]["min_area"] is None  # the config's: no pixel size
    assert params["images"]["data/a.jpg"]["min_area"] == 50  # 0.5 / 0.1**2
    assert params["images"]["data/b.jpg"]["min_area"] == 7  # the row's own wins


def test_object_settings_change_only_the_objects_stage(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base, _ = plan()
    changed, _ = plan(objects={"connectivity": 1, "min_area": 5, "declump": True})
    for stage in ("grayscale_blur", "threshold", "save_mask", "qc_images"):
        assert base.stage_params(stage, base.images) == changed.stage_params(stage, base.images)
    assert base.stage_params("objects", base.images) != changed.stage_params(
        "objects", base.images)
    off, _ = plan(objects={"enabled": False})
    assert "objects" not in off.csv_columns and "objects" in base.csv_columns



def test_the_demo_experiment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    experiment, _ = plan()
    assert len(experiment.images) == 12 and experiment.sheet == DEMO_SHEET
    assert experiment.demo == set(experiment.images)
    assert experiment.group_by == ["condition"]
    assert experiment.metadata == ["condition", "replicate"]
    assert set(experiment.truth_of) == set(experiment.images)  # the demo's own truth
    assert experiment.method_panel == experiment.images[0]
    assert not (tmp_path / "demo").exists()  # planned, not made


def test_images_by_glob_settings_and_columns(folder):
    experiment, _ = plan(images="data/*.jpg", pixel_size=0.1, method_panel="data/b.jpg")
    assert experiment.images == ["data/a.jpg", "data/b.jpg"]
    assert experiment.sheet is None and experiment.metadata == [] and experiment.group_by == []
    assert experiment.truth_of == {} and experiment.method_panel == "data/b.jpg"
    assert experiment.csv_columns[12:14] == ["pixel_size_mm", "foreground_area_mm2"]
    assert experiment.csv_columns[14:] == [*OBJECT_COLUMNS, *OBJECT_AREA_COLUMNS]
    params = experiment.stage_params("threshold", experiment.images)
    assert params == {
        "default": {"method": "otsu", "value": None, "bright_cutoff": None,
                    "marker_min_area": None, "marker_margin": None},
        "images": {},
    }


def test_a_rows_own_settings_reach_only_the_stages_that_use_them(folder):
    write_sheet(folder, [{"image": "data/a.jpg", "plate": "1"},
                         {"image": "data/b.jpg", "plate": "2", "method": "fixed", "value": 0.4}])
    experiment, _ = plan(samples="samples.tsv", group_by=["plate"])
    assert experiment.metadata == ["plate"] and experiment.group_by == ["plate"]
    threshold = experiment.stage_params("threshold", experiment.images)
    assert threshold["images"] == {"data/b.jpg": {**threshold["default"], "method": "fixed", "value": 0.4}}
    # the blur does not use the method: the row changes nothing there
    assert experiment.stage_params("grayscale_blur", experiment.images)["images"] == {}


def test_a_rows_true_length_reaches_its_settings_and_no_stage(folder):
    write_sheet(folder, [{"image": "data/a.jpg", "truth_length": 812.25},
                         {"image": "data/b.jpg", "truth_count": 3}])
    experiment, _ = plan(samples="samples.tsv")
    assert experiment.metadata == []
    assert experiment.settings("data/a.jpg")["truth_length"] == 812.25
    assert experiment.settings("data/b.jpg").get("truth_length") is None
    assert experiment.settings("data/b.jpg")["truth_count"] == 3
    for stage in ("grayscale_blur", "threshold", "save_mask", "qc_images", "objects"):
        assert experiment.stage_params(stage, experiment.images)["images"] == {}


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing sheet", "samples sheet 'nothing.tsv' does not exist"),
        ("unknown value", "samples sheet 'samples.tsv', line 3, column 'method': 'magic' is not one of"),
        ("duplicate", "samples sheet 'samples.tsv', line 3, column 'image': 'data/a.jpg' is listed on line 2 too"),
        ("missing image", "samples sheet 'samples.tsv', line 3, column 'image': 'data/none.jpg' does not exist"),
        ("fixed without value", "samples sheet 'samples.tsv', line 3, column 'value': method 'fixed' needs a number"),
        ("images too", "config keys 'images' and 'samples' are both set"),
        ("group_by", "config key 'group_by': 'genotype' is not a column of the sample sheet 'samples.tsv'"),
        ("file without dpi", "samples sheet 'samples.tsv', line 3, column 'pixel_size': 'file', but 'data/b.jpg' cannot give it: it has no resolution (dpi) tag"),
        ("area column", "samples sheet 'samples.tsv', line 1, column 'foreground_area_mm2': a metadata column may not take the name of a column of the results"),
    ],
)
def test_a_bad_sheet_is_one_line_naming_line_and_column(folder, case, message):
    second = {
        "unknown value": {"image": "data/b.jpg", "method": "magic"},
        "duplicate": {"image": "data/a.jpg"},
        "missing image": {"image": "data/none.jpg"},
        "fixed without value": {"image": "data/b.jpg", "method": "fixed"},
        "file without dpi": {"image": "data/b.jpg", "pixel_size": "file"},
        "area column": {"image": "data/b.jpg", "foreground_area_mm2": "3"},
    }.get(case, {"image": "data/b.jpg"})
    write_sheet(folder, [{"image": "data/a.jpg", "plate": "1"}, second])
    settings = {"missing sheet": dict(samples="nothing.tsv"),
                "images too": dict(samples="samples.tsv", images="data/*.jpg"),
                "group_by": dict(samples="samples.tsv", group_by=["genotype"])}
    with pytest.raises(ConfigError) as error:
        plan(**settings.get(case, dict(samples="samples.tsv")))
    assert message in one_line(error)


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(images="nothing/*.jpg"), "config key 'images': 'nothing/*.jpg' matches no file"),
        (dict(method_panel="nope.jpg"), "config key 'method_panel': 'nope.jpg' is not one of the images that the demo experiment has"),
        (dict(images="data/*.jpg", method_panel="nope.jpg"), "is not one of the images that 'images' ('data/*.jpg') selects"),
        (dict(images="data/*.jpg", demo=None, group_by=["plate"]), "config key 'group_by': 'plate' is not a column of a sample sheet: images given by globs have no metadata"),
        (dict(images=None, samples=None, demo=None), "config: set 'images' (a glob of your images) or 'samples' (a sample sheet)"),
        (dict(images="data/*"), "config key 'images': 'data/a.jpg' and 'data/a.png' would both be written as 'data/a' in results/; rename one of them"),
    ],
)
def test_a_bad_selection_is_one_line(folder, settings, message):
    Image.new("RGB", (90, 60)).save(folder / "data" / "a.png")
    with pytest.raises(ConfigError) as error:
        plan(**settings)
    assert message in one_line(error)


def test_images_of_one_name_are_planned_wherever_they_are(folder):
    """a.jpg in another folder, in the folder above and by an absolute
    path: each gets outputs of its own (rootmass.workflow.batches.image_key)."""
    from rootmass.workflow.batches import figure_key, image_key

    (folder / "data" / "sub").mkdir()
    Image.new("RGB", (90, 60)).save(folder / "data" / "sub" / "a.jpg")
    (folder / "work").mkdir()
    os.chdir(folder / "work")
    outside = str(folder / "data" / "b.jpg")
    experiment, _ = plan(images=["../data/*", "../data/sub/*.jpg", outside], demo=None)
    assert set(experiment.images) == {"../data/a.jpg", "../data/b.jpg",
                                      "../data/sub/a.jpg", outside}
    keys = [image_key(image) for image in experiment.images]
    figures = [figure_key(image) for image in experiment.images]
    assert len(set(keys)) == len(set(figures)) == len(keys)
    assert image_key(outside) == "_abs" + outside[: -len(".jpg")]
    assert image_key("../data/sub/a.jpg") == "_up/data/sub/a"


@pytest.mark.parametrize(
    "truth, message",
    [
        ("annotations/{name}.png", "config key 'truth': 'annotations/{name}.png' must name each image's file with {image} (its path without the extension) or {stem} (its file name without extension), not {name}, e.g. 'annotations/{stem}.png'"),
        ("nowhere/{stem}.png", "config key 'truth': no image has a truth file at 'nowhere/{stem}.png'"),
        ("annotations/{stem.png", "config key 'truth': 'annotations/{stem.png' is not a pattern"),
        ("small/{stem}.png", "truth mask 'small/a.png' is 45 x 30 pixels but its image 'data/a.jpg' is 90 x 60 (width x height)"),
    ],
)
def test_bad_truth_is_one_line(folder, truth, message):
    (folder / "small").mkdir()
    Image.new("1", (45, 30)).save(folder / "small" / "a.png")
    with pytest.raises(ConfigError) as error:
        plan(images="data/*.jpg", truth=truth)
    assert message in one_line(error)


def test_truth_by_pattern_and_by_sheet_column(folder):
    (folder / "ann").mkdir()
    Image.new("1", (90, 60)).save(folder / "ann" / "b.png")
    experiment, _ = plan(images="data/*.jpg", truth="ann/{stem}.png")
    assert experiment.truth_of == {"data/b.jpg": "ann/b.png"}  # a has none: not scored
    assert truth_file("x/{image}-t.png", "data/{odd}.jpg") == "x/data/{odd}-t.png"
    (folder / "sheet.csv").write_text("image,truth\ndata/a.jpg,gone.png\n")
    with pytest.raises(ConfigError) as error:
        plan(samples="sheet.csv")
    assert ("samples sheet 'sheet.csv', line 2, column 'truth': 'gone.png' does not exist"
            in one_line(error))
    assert find_truth([], None, None) == {}


# --- batches and resources ---------------------------------------------------


PHOTO = (2000, 3000)  # 6 MP


def plan_config(**settings):
    return {"batch_megapixels": 1000, "batch_max_images": 1000, "keep_blurred": "auto",
            "qc": True, **settings}


def test_batches_cover_every_image_and_depend_on_nothing_in_results(folder):
    images = [f"data/p{i:02}.jpg" for i in range(10)]
    sizes = {image: PHOTO for image in images}
    batches = planning.make_batches(images, sizes, 20, 1000)
    assert [i for members in batches.values() for i in members] == images
    assert all(sum(planning.megapixels(sizes[i]) for i in m) <= 20 for m in batches.values())
    # results/ of another plan changes nothing
    (folder / "results" / "measurements").mkdir(parents=True)
    (folder / "results" / "measurements" / "b000000000001.json").write_text(
        '[{"image": "data/p00.jpg"}, {"image": "data/p01.jpg"}]')
    assert planning.make_batches(images[::-1], sizes, 20, 1000) == batches


def test_a_small_collection_is_split_evenly_a_batch_for_each_cpu():
    photos = [PHOTO] * 96  # the lesson's 577 megapixels
    assert planning.batch_split(1000, photos, 1, 1000) == (1000, 1)
    assert planning.batch_split(1000, photos, 2, 1000) == (1000, 2)
    assert planning.batch_split(1000, photos, 2, 30) == (1000, 4)  # batch_max_images
    assert planning.batch_split(1000, [PHOTO] * 3, 64, 1000) == (1000, 3)  # an image each
    assert planning.batch_split(1000, [PHOTO] * 2000, 8, 1000) == (1000, 0)  # a large one
    assert planning.batch_split(1000, [], 4, 1000) == (1000, 0)
    sizes = {f"p{i:02}.jpg": PHOTO for i in range(96)}
    batches = planning.make_batches(list(sizes), sizes, 1000, 1000, parts=2)
    assert [len(m) for m in batches.values()] == [48, 48]
    assert [i for m in batches.values() for i in m] == sorted(sizes)


def test_the_cache_is_kept_where_it_fits_comfortably():
    sizes = {f"p{i:03}.jpg": PHOTO for i in range(100)}
    leave = lambda batches, keep: (48_000_000 if keep else 0) * 100 + 40_000_000
    kept = planning.cache_plan(sizes, plan_config(), 2, 2, 10e9, leave)
    assert kept.keep and kept.target == 1000 and kept.parts == 2
    assert kept.line.startswith("blurred cache: kept in results/blurred/ (keep_blurred: auto):"
                                " this run's 4.8 GB with it fits comfortably in the 10 GB")
    # more than half of the room: deleted batch by batch, the batches as they were
    lean = planning.cache_plan(sizes, plan_config(), 2, 2, 9e9, leave)
    assert not lean.keep and (lean.target, lean.parts) == (1000, 2)
    assert "keep_blurred: auto: this run's 4.8 GB with it would take more than half" in lean.line
    assert lean.line.startswith("blurred cache: each batch's removed once its jobs are done")
    # a small disk: smaller batches, so that those in flight fit
    small = planning.cache_plan(sizes, plan_config(), 2, 2, 400e6, leave)
    assert not small.keep and small.parts > 2
    batches = planning.make_batches(sorted(sizes), sizes, small.target, 1000, small.parts)
    largest = max(len(m) for m in batches.values()) * 48_000_000
    assert 40e6 + 2 * largest <= 400e6
    assert "smaller than 2 batches so that they fit in the 400 MB" in small.line
    # a large collection: its target halved
    many = {f"p{i:04}.jpg": PHOTO for i in range(400)}
    heavy = lambda batches, keep: (48_000_000 if keep else 0) * 400 + 40_000_000
    large = planning.cache_plan(many, plan_config(), 2, 2, 4e9, heavy)
    assert not large.keep and large.parts == 0 and large.target < 1000
    assert "smaller than 1000 so that they fit" in large.line
    # keep_blurred: true keeps it whatever the disk (the run then stops)
    assert planning.cache_plan(sizes, plan_config(keep_blurred=True), 2, 2) == (
        planning.CachePlan(True, 1000, parts=2))
    # false says nothing where the batches stay as they are
    assert planning.cache_plan(sizes, plan_config(keep_blurred=False), 2, 2, 9e9, leave).line == ""


def test_the_plan_reaches_the_jobs_in_their_config(folder):
    plan = planning.CachePlan(False, 62.5, "said once", parts=4)
    assert planning.CachePlan.decode(plan.encode()) == planning.CachePlan(False, 62.5, parts=4)
    for wrong in ("maybe,3,0", "keep,3", "keep,3,-1"):
        with pytest.raises(ValueError):
            planning.CachePlan.decode(wrong)

    class Settings:
        config_args = ["sigma=2", f"{planning.CONFIG_KEY}=keep,1.0,0"]

    planning.pass_to_jobs(Settings, plan)
    assert Settings.config_args == ["sigma=2", f"{planning.CONFIG_KEY}=remove,62.5,4"]
    # a job takes it as it is: the same batches, whatever the disk and CPUs
    sizes = {f"data/p{i:02}.jpg": PHOTO for i in range(40)}
    config = plan_config()
    main = planning.plan_run(sizes, config, ["masks"], {}, cpus=2, passed=None)
    job = planning.plan_run(sizes, config, ["masks"], {}, cpus=16, passed=main[0].encode())
    assert job[1] == main[1] and job[0].keep == main[0].keep
    assert len(main[1]) == 2  # (a small collection: a batch for each of 2 CPUs)


def test_resources_follow_the_largest_image_and_the_work():
    small, large = (1000, 1000), (4000, 6000)
    assert planning.batch_mem_mb([small, large]) == planning.LIBRARIES_MB + 5 * 8 * 24
    # a local threshold's masks, and every method's scores, hold more copies
    assert planning.methods_mem_mb("save_mask", [large], ["otsu"]) == planning.LIBRARIES_MB + 5 * 8 * 24
    assert planning.methods_mem_mb("save_mask", [large], ["otsu", "sauvola"]) == (
        planning.LIBRARIES_MB + planning.LOCAL_COPIES * 8 * 24)
    assert planning.methods_mem_mb("evaluate", [large], []) == (
        planning.LIBRARIES_MB + planning.EVERY_METHOD_COPIES * 8 * 24)
    assert planning.batch_runtime("grayscale_blur", [small]) == 5  # the floor
    assert planning.batch_runtime("evaluate", [large] * 10) == 10 * (0.6 * 240 + 1) // 60 + 1
    # evaluate_grayscale: the work once per channel
    assert planning.batch_runtime("evaluate", [large] * 10, times=3) == 10 * (3 * 0.6 * 240 + 1) // 60 + 1
    sizes = {"a": small, "b": (20000, 20000)}
    assert planning.oversized(["a", "b"], sizes, 200) == ["b"]


def test_image_sizes_from_headers_demo_and_unreadable(folder):
    (folder / "data" / "broken.jpg").write_bytes(b"not an image")
    sizes = planning.image_sizes(["data/a.jpg", "data/broken.jpg", "demo/x.jpg"],
                                 {"demo/x.jpg"}, (900, 600))
    assert sizes == {"data/a.jpg": (90, 60), "data/broken.jpg": planning.UNREADABLE_SIZE,
                     "demo/x.jpg": (900, 600)}


# --- the report --------------------------------------------------------------


def test_the_reports_opening_counts_the_ways_images_were_thresholded():
    from rootmass.workflow.report import DESCRIBED, run_description

    base = dict(grayscale="luma", sigma=1.5, method="otsu", value=None, foreground="above",
                bright_cutoff=0.95)
    assert run_description("matched by ``data/*.jpg``", [base, base]) == (
        "Thresholding of 2 images matched by ``data/*.jpg``, each with grayscale ``luma``,"
        " Gaussian sigma 1.5, method ``otsu``, foreground above t.")
    rows = [base, dict(base, method="otsu_excluding_bright", bright_cutoff=0.9), base,
            dict(base, method="classifier")]
    assert run_description("listed in the sample sheet ``s.tsv``", rows).splitlines() == [
        "Thresholding of 4 images listed in the sample sheet ``s.tsv``, in 3 ways:", "",
        "- 2 images: grayscale ``luma``, Gaussian sigma 1.5, method ``otsu``, foreground"
        " above t",
        "- 1 image: grayscale ``luma``, Gaussian sigma 1.5, method ``classifier``",
        "- 1 image: grayscale ``luma``, Gaussian sigma 1.5, method ``otsu_excluding_bright``"
        " (bright cutoff 0.9), foreground above t"]
    many = [dict(base, method="fixed", value=k / 100) for k in range(DESCRIBED + 3)]
    lines = run_description("matched by ``x``", many).splitlines()
    assert len(lines) == 2 + DESCRIBED + 1
    assert lines[-1] == ("- 3 images in 3 other ways (``ratios.csv`` has each image's"
                         " settings)")


def test_report_labels_and_contact_sheet_spans():
    assert report_label("data/a.jpg") == "data/a.jpg"
    assert report_label("data/{x}.jpg") == "data/%7Bx%7D"
    images = [f"p{i:03}.jpg" for i in range(100)]
    assert contact_sheet_spans(images) == [
        "p000.jpg to p047.jpg", "p048.jpg to p095.jpg", "p096.jpg to p099.jpg"]


def test_report_labels_of_contact_sheets_and_flagged_figures(tmp_path):
    assert contact_sheet_labels(["a to b", "c to d"], 2) == {"sheet": "2 of 2", "images": "c to d"}
    flagged = tmp_path / "flagged.csv"
    flagged.write_text("image,reason,value\nx/{b}.jpg,failed,cannot read\n"
                       "a.jpg,empty mask,0.000123456\na.jpg,ratio outlier,4.56789\n")
    assert flagged_labels(str(flagged), 1) == {"image": "1. x/%7Bb%7D", "reasons": "failed (cannot read)"}
    assert flagged_labels(str(flagged), 2) == {
        "image": "2. a.jpg", "reasons": "empty mask (0.000123); ratio outlier (4.57)"}


def test_report_without_results_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = missing_results_message(["results/ratios.csv"], {"sigma": 1.0})
    assert "there are no results of these settings in 'results/'" in message
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "provenance.json").write_text('{"config": {"sigma": 2.0}}')
    message = missing_results_message(["results/ratios.csv"], {"sigma": 1.0})
    assert "('results/ratios.csv' is missing)" in message
    assert "(the run's settings differ: sigma: 2.0)" in message
    (tmp_path / "results" / "ratios.csv").write_text("image\n")
    assert missing_results_message(["results/ratios.csv"], {}) is None
    assert differing_settings({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}}) == ["a.c: 2"]


# --- runs ----------------------------------------------------------------------


def test_a_dead_runs_lock_is_removed_and_a_live_ones_stays(tmp_path):
    locks, record = tmp_path / "locks", tmp_path / "run"
    assert clear_stale_locks(str(locks), str(record)) is None and not locked(str(locks))
    locks.mkdir()
    (locks / "0.input.lock").write_text("x")
    assert locked(str(locks))
    # a live snakemake holds it
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "snakemake"])
    try:
        record_run(str(record), live.pid)
        assert clear_stale_locks(str(locks), str(record)) is None and locked(str(locks))
    finally:
        live.kill()
        live.wait()
    # the same process, dead
    said = clear_stale_locks(str(locks), str(record))
    assert said == (f"Removed the lock of an earlier run (process {live.pid}) that is no"
                    " longer running.")
    assert not locked(str(locks))
    # a run of another host is left alone
    (locks / "0.input.lock").write_text("x")
    record.write_text(f"{live.pid} not-{socket.gethostname()}\n")
    assert clear_stale_locks(str(locks), str(record)) is None and locked(str(locks))


def test_skipped_message(tmp_path):
    path = tmp_path / "ratios.csv"
    assert skipped_message(str(path)) is None
    path.write_text("image,status\na,ok\nb,error\nc,error\n")
    assert skipped_message(str(path)).startswith("2 of 3 images were skipped")
    path.write_text("image,status\na,ok\n")
    assert skipped_message(str(path)) is None


def test_the_schedulers_waiting_timers_are_cancelled_at_the_end_and_no_other():
    """The run's scheduler's own re-evaluation timer (made by Snakemake's
    code, at the pinned version) ends at once; another scheduler's, and a
    timer of anything else, are left."""
    import threading
    import types

    from snakemake.scheduling.job_scheduler import JobScheduler

    ours, theirs = (types.SimpleNamespace(_open_jobs=threading.Semaphore(0)) for _ in "ab")
    before = set(threading.enumerate())
    JobScheduler._schedule_reevalutation(ours, 60)
    JobScheduler._schedule_reevalutation(theirs, 60)
    other = threading.Timer(60, lambda: None)
    other.start()
    made = [t for t in threading.enumerate() if t not in before and t is not other]
    try:
        assert len(made) == 2 and all(isinstance(t, threading.Timer) for t in made)
        assert end_scheduler_timers(ours) == 1
        ended = [t for t in made if t.finished.is_set()]
        assert len(ended) == 1
        ended[0].join(timeout=10)
        assert not ended[0].is_alive() and other.is_alive()
        assert [t for t in made if t.is_alive()] != []  # theirs waits on
        assert not ours._open_jobs.acquire(blocking=False)  # (it called nothing)
    finally:
        for timer in [*made, other]:
            timer.cancel()


def test_common_smk_stays_thin():
    """common.smk holds what Snakemake needs; the logic is in the modules."""
    lines = (ROOT / "workflow" / "rules" / "common.smk").read_text().splitlines()
    # (250 before the run-start hook, the plan passed on and its record; 273
    # before the unused settings' warnings and the report's opening; 276
    # before the regions' outputs, their columns and the groups of the summary
    # and of the images)
    assert len(lines) <= 298
    assert not [line for line in lines if "workflow._" in line]  # no private attributes


def test_rois_from_a_pattern_or_the_sheet_each_checked_before_any_job(folder):
    (folder / "rois").mkdir()
    for name in ("a", "b"):
        Image.new("L", (90, 60), 255).save(folder / "rois" / f"{name}.png")
    experiment, _ = plan(images="data/*.jpg", roi="rois/{stem}.png")
    assert experiment.roi_of == {"data/a.jpg": "rois/a.png", "data/b.jpg": "rois/b.png"}
    assert "roi_pixels" in experiment.csv_columns
    assert "roi_pixels" not in plan(images="data/*.jpg")[0].csv_columns
    Image.new("L", (90, 60), 255).save(folder / "rois" / "own.png")
    write_sheet(folder, [{"image": "data/a.jpg", "roi": "rois/own.png"}, {"image": "data/b.jpg"}])
    experiment, _ = plan(samples="samples.tsv", roi="rois/{stem}.png")
    assert experiment.roi_of == {"data/a.jpg": "rois/own.png", "data/b.jpg": "rois/b.png"}
    for overrides, message in [
        (dict(images="data/*.jpg", roi="rois/{name}.png"),
         "config key 'roi': 'rois/{name}.png' must name each image's file with {image}"),
        (dict(images="data/*.jpg", roi="masks/{stem}.png"),
         "config key 'roi': the ROI of 'data/a.jpg', 'masks/a.png', does not exist"),
        (dict(images="data/*.jpg", roi=["a"]), "config key 'roi'"),
        (dict(images="data/*.jpg", threshold={"method": "local", "window": 100}),
         "config key 'threshold.window': 100 is even; it must be an odd number"),
    ]:
        with pytest.raises(ConfigError) as error:
            plan(**overrides)
        assert message in one_line(error)
    Image.new("L", (30, 20), 255).save(folder / "rois" / "b.png")
    with pytest.raises(ConfigError) as error:
        plan(images="data/*.jpg", roi="rois/{stem}.png")
    assert one_line(error) == ("ROI 'rois/b.png' is 30 x 20 pixels but its image 'data/b.jpg'"
                               " is 90 x 60 (width x height)")
    write_sheet(folder, [{"image": "data/a.jpg", "roi": "rois/none.png"}])
    with pytest.raises(ConfigError) as error:
        plan(samples="samples.tsv")
    assert "line 2, column 'roi': 'rois/none.png' does not exist" in one_line(error)


def test_multiotsu_classes_are_checked_before_any_job(folder):
    plan(images="data/*.jpg", threshold={"method": "multiotsu", "foreground_classes": [1, 2]})
    with pytest.raises(ConfigError) as error:
        plan(images="data/*.jpg", threshold={"method": "multiotsu", "foreground_classes": [3]})
    assert one_line(error) == (
        "config key 'threshold.foreground_classes': must be some (not all) of the classes 0"
        " to 2 (0 the darkest) (classes: 3); got [3]")
    write_sheet(folder, [{"image": "data/a.jpg", "method": "multiotsu",
                          "foreground_classes": "0 1 2"}, {"image": "data/b.jpg"}])
    with pytest.raises(ConfigError) as error:
        plan(samples="samples.tsv")
    assert one_line(error).startswith(
        "samples sheet 'samples.tsv', line 2, column 'foreground_classes': must be some (not"
        " all) of the classes 0 to 2")
