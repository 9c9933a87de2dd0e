"""The sample sheet: unit tests of rootmass.workflow.samples and rootmass.summary, and
real snakemake runs of experiments (per-row settings, metadata, groups,
areas, and every error a sheet can have)."""

import csv
import re
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pandas as pd
import pytest
import skimage as ski
import yaml
from PIL import Image

from conftest import ROOT, copy_run, link_images, run_all, run_snakemake
from rootmass.demo import synthetic_root_image
from rootmass.workflow.samples import (
    Sample,
    SheetError,
    pixel_size_from_dpi,
    read_sheet,
    resolve_settings,
    settings_for,
    stage_settings,
)
from rootmass.summary import summarise
from test_workflow import (
    PROCEDURES,
    TRIALS,
    lesson_root_mass,
    planned_jobs,
    read_csv,
    write_config,
)

SCHEMA = yaml.safe_load((ROOT / "workflow" / "schemas" / "samples.schema.yaml").read_text())
DEFAULTS = {"grayscale": "luma", "sigma": 1.5, "method": "otsu", "value": None,
            "foreground": "above", "bright_cutoff": 0.95, "marker_min_area": 0.0005,
            "marker_margin": None, "window": 151, "k": 0.2, "offset": 0.05, "classes": 3,
            "foreground_classes": None, "pixel_size": None, "classifier_probability": 0.5}


def sheet(tmp_path, text, name="s.tsv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# --- the sheet ---------------------------------------------------------------
def test_read_sheet_settings_metadata_and_line_numbers(tmp_path):
    path = sheet(tmp_path, "# a comment\n\nimage\tgenotype\tsigma\tmethod\tday\textra\n"
                 "a.jpg\tB73\t2\t\t7\n# another\nb.jpg\tMo17\t\tfixed\t8\tx\n")
    samples, metadata = read_sheet(path, SCHEMA, reserved=["ratio"])
    assert metadata == ["genotype", "day", "extra"]
    assert [(s.image, s.line) for s in samples] == [("a.jpg", 4), ("b.jpg", 6)]
    assert samples[0].settings == {"sigma": 2} and samples[1].settings == {"method": "fixed"}
    assert samples[0].metadata == {"genotype": "B73", "day": "7", "extra": ""}
    assert samples[1].metadata == {"genotype": "Mo17", "day": "8", "extra": "x"}
    csv_path = sheet(tmp_path, "image,condition\nx.png,wet\n", "s.csv")
    samples, metadata = read_sheet(csv_path, SCHEMA)
    assert metadata == ["condition"] and samples[0].metadata == {"condition": "wet"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("image\tmethod\na.jpg\tmagic\n",
         "line 2, column 'method': 'magic' is not one of 'fixed', 'otsu'"),
        ("image\tsigma\na.jpg\t1\nb.jpg\tabc\n", "line 3, column 'sigma': 'abc' is not of type 'number'"),
        ("image\tsigma\na.jpg\t-1\n", "line 2, column 'sigma': -1 is less than the minimum of 0"),
        ("image\tsigma\na.jpg\tnan\n", "line 2, column 'sigma': 'nan' is not of type 'number'"),
        ("image\tvalue\na.jpg\tinf\n", "line 2, column 'value': 'inf' is not of type 'number'"),
        ("image\tvalue\na.jpg\t1.5\n", "line 2, column 'value': 1.5 is greater than the maximum of 1"),
        ("image\tpixel_size\na.jpg\tbig\n", "line 2, column 'pixel_size': 'big' is neither a number > 0 nor 'file'"),
        ("image\tforeground\na.jpg\tup\n", "line 2, column 'foreground': 'up' is not one of 'above', 'below'"),
        ("image\nfolder/a.jpg\n#\nfolder/./a.jpg\n", "line 4, column 'image': 'folder/./a.jpg' is listed on line 2 too"),
        ("image\tx\na.jpg\t1\t2\n", "line 2: 3 cells for 2 columns"),
        ("file\tx\na.jpg\t1\n", "line 1: there is no column 'image'"),
        ("image\tx\tx\na.jpg\t1\t2\n", "line 1, column 'x': the column appears twice"),
        ("image\tratio\na.jpg\t1\n", "line 1, column 'ratio': a metadata column may not take the name"),
        ("image\n", "lists no image"),
        ("image\tconnectivity\na.jpg\t3\n", "line 2, column 'connectivity': 3 is not one of 1, 2"),
        ("image\tmin_area\na.jpg\t0\n", "line 2, column 'min_area': 0 is less than the minimum of 1"),
        ("image\tmin_area\na.jpg\t2.5\n", "line 2, column 'min_area': 2.5 is not of type 'integer'"),
        ("image\tdeclump\na.jpg\tmaybe\n", "line 2, column 'declump': 'maybe' is not of type 'boolean'"),
        ("image\tfilter_connectivity\na.jpg\t0\n", "line 2, column 'filter_connectivity': 0 is not one of 1, 2"),
        ("image\ttruth_length\na.jpg\t-1\n", "line 2, column 'truth_length': -1 is less than the minimum of 0"),
        ("image\ttruth_length\na.jpg\tlong\n", "line 2, column 'truth_length': 'long' is not of type 'number'"),
    ],
)
def test_every_sheet_error_names_the_sheet_line_and_column(tmp_path, text, message):
    path = sheet(tmp_path, text)
    with pytest.raises(SheetError) as error:
        read_sheet(path, SCHEMA, reserved=["ratio"])
    assert str(error.value).startswith(f"samples sheet {path!r}")
    assert message in str(error.value)


def test_the_object_columns_are_read_as_settings(tmp_path):
    path = sheet(tmp_path, "image\tconnectivity\tmin_area\tdeclump\tdeclump_h\n"
                           "a.jpg\t1\t201\ttrue\t2.5\nb.jpg\t\t\tno\t\n")
    samples, metadata = read_sheet(path, SCHEMA)
    assert metadata == []
    assert samples[0].settings == {"connectivity": 1, "min_area": 201, "declump": True,
                                   "declump_h": 2.5}
    assert samples[1].settings == {"declump": False}


def test_the_true_counts_and_lengths_are_read_as_settings(tmp_path):
    path = sheet(tmp_path, "image\ttruth_count\ttruth_length\tplate\n"
                           "a.jpg\t\t6294.13490663495\t1\nb.jpg\t7\t\t2\nc.jpg\t\t0\t3\n")
    samples, metadata = read_sheet(path, SCHEMA)
    assert metadata == ["plate"]  # not metadata: no column in the results
    assert [s.settings for s in samples] == [
        {"truth_length": 6294.13490663495}, {"truth_count": 7}, {"truth_length": 0}]
    settings = resolve_settings(DEFAULTS, samples[0], path)
    assert settings == {**DEFAULTS, "truth_length": 6294.13490663495}
    for stage in ("grayscale_blur", "threshold", "save_mask", "qc_images"):  # no stage's
        assert stage_settings(stage, settings) == stage_settings(stage, DEFAULTS)


def test_sheet_files_that_will_not_do(tmp_path):
    with pytest.raises(SheetError, match="does not exist"):
        read_sheet(str(tmp_path / "none.tsv"), SCHEMA)
    with pytest.raises(SheetError, match="must end in .tsv or .csv"):
        read_sheet(sheet(tmp_path, "image\na\n", "s.txt"), SCHEMA)


def test_resolve_settings_and_what_each_stage_uses():
    own = Sample("a.jpg", 5, settings={"method": "fixed", "value": 0.3})
    settings = resolve_settings(DEFAULTS, own, "s.tsv")
    assert settings == {**DEFAULTS, "method": "fixed", "value": 0.3}
    with pytest.raises(SheetError, match=r"'s.tsv', line 7, column 'value': method 'fixed' needs"):
        resolve_settings(DEFAULTS, Sample("b.jpg", 7, settings={"method": "fixed"}), "s.tsv")
    # a setting the method does not use is not a stage's setting
    unused = {}  # the local and multi-level keys: left out where unused
    assert stage_settings("threshold", DEFAULTS) == {
        "method": "otsu", "value": None, "bright_cutoff": None, "marker_min_area": None,
        "marker_margin": None, **unused}
    assert stage_settings("threshold", {**DEFAULTS, "value": 0.2}) == stage_settings(
        "threshold", DEFAULTS)
    assert stage_settings("threshold", settings)["value"] == 0.3
    excluding = {**DEFAULTS, "method": "otsu_excluding_bright"}
    assert stage_settings("save_mask", excluding)["bright_cutoff"] == 0.95
    assert stage_settings("save_mask", excluding)["marker_margin"] is None
    markers = {**DEFAULTS, "method": "otsu_excluding_markers"}
    assert stage_settings("threshold", markers) == {
        "method": "otsu_excluding_markers", "value": None, "bright_cutoff": 0.95,
        "marker_min_area": 0.0005, "marker_margin": 14, **unused}  # ceil(4 * 1.5) + 8
    assert stage_settings("threshold", {**markers, "sigma": 3, "marker_margin": 5})[
        "marker_margin"] == 5
    assert stage_settings("grayscale_blur", settings) == {"grayscale": "luma", "sigma": 1.5}
    # each local or multi-level parameter only where its method uses it
    for method, used in [("otsu", set()), ("local", {"window", "offset"}),
                         ("sauvola", {"window", "k"}), ("niblack", {"window", "k"}),
                         ("multiotsu", {"classes", "foreground_classes"})]:
        mask_settings = stage_settings("save_mask", {**DEFAULTS, "method": method,
                                                     "foreground_classes": [2]})
        assert {key for key in ("window", "k", "offset", "classes", "foreground_classes")
                if key in mask_settings} == used
    levels = stage_settings("threshold", {**DEFAULTS, "method": "multiotsu"})
    assert (levels["classes"], levels["foreground"]) == (3, "above")
    params = {"default": {"sigma": 1}, "images": {"b.jpg": {"sigma": 2}}}
    assert settings_for(params, "a.jpg") == {"sigma": 1}
    assert settings_for(params, "b.jpg") == {"sigma": 2}


def test_pixel_size_from_dpi():
    assert pixel_size_from_dpi((254, 254)) == 25.4 / 254  # millimetres per pixel
    for dpi, reason in [(None, "no resolution"), ((0, 0), "0 x 0"),
                        ((300, 150), "not square")]:
        with pytest.raises(ValueError, match=reason):
            pixel_size_from_dpi(dpi)


def test_summarise_is_pandas_on_the_csv():
    rng = np.random.default_rng(4)
    rows = []
    for i in range(40):
        failed = i % 11 == 5
        rows.append({
            "image": f"i{i:02d}.jpg", "status": "error" if failed else "ok",
            "ratio": "" if failed else repr(float(rng.random())),
            "foreground_area_mm2": "" if failed or i == 7 else repr(float(rng.random() * 9)),
            "genotype": "AB"[i % 2], "day": str(i % 3),
        })
    table = pd.DataFrame(rows)
    summary = summarise(table, ["genotype", "day"])
    assert list(summary.columns[:4]) == ["genotype", "day", "n", "n_failed"]
    assert len(summary) == 6
    # what pandas' groupby gives on the CSV, read as a user would read it
    numbers = table.assign(ratio=pd.to_numeric(table.ratio.replace("", np.nan)),
                           area=pd.to_numeric(table.foreground_area_mm2.replace("", np.nan)))
    ok = numbers[numbers.status == "ok"].groupby(["genotype", "day"])
    everything = numbers.groupby(["genotype", "day"])
    for _, row in summary.iterrows():
        key = (row.genotype, row.day)
        assert row.n == everything.size()[key]
        assert row.n_failed == row.n - ok.size()[key]
        for name in ("mean", "std", "sem", "median", "min", "max"):
            assert row[f"ratio_{name}"] == getattr(ok.ratio, name)()[key], name
        if ok.area.count()[key] == ok.size()[key]:
            assert row.foreground_area_mm2_mean == ok.area.mean()[key]
            assert row.foreground_area_mm2_sem == ok.area.sem()[key]
        else:  # image 7 has no area: its group has none
            assert np.isnan(row.foreground_area_mm2_mean) and np.isnan(row.foreground_area_mm2_max)
    assert summary.foreground_area_mm2_mean.isna().sum() == 1
    whole = summarise(table, [])
    assert list(whole.columns[:2]) == ["n", "n_failed"]
    assert whole.n.tolist() == [40] and whole.ratio_mean[0] == numbers.ratio[
        numbers.status == "ok"].mean()


# --- experiments in the real workflow -------------------------------------------
def make_images(workdir, names, shape=(120, 180)):
    data = Path(workdir, "data")
    data.mkdir(exist_ok=True)
    for seed, name in enumerate(names, start=1):
        Image.fromarray(synthetic_root_image(shape, seed=seed)[0]).save(data / name, quality=95)
    return [f"data/{name}" for name in names]


def write_sheet(workdir, rows, name="samples.tsv"):
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["\t".join(columns)] + [
        "\t".join(str(row.get(c, "")) for c in columns) for row in rows]
    path = Path(workdir, name)
    path.write_text("\n".join(lines) + "\n")
    return path


def rows_by_image(workdir):
    return {row["image"]: row for row in read_csv(workdir)}


MEASURED = ["ratio", "threshold", "foreground_pixels", "total_pixels", "method", "sigma",
            "grayscale", "status"]


@pytest.mark.slow  # four runs: the sheet, and each row alone
def test_a_rows_settings_give_what_the_config_gives(workdir, tmp_path):
    images = make_images(workdir, ["a.jpg", "b.jpg", "c.jpg"])
    path = write_sheet(workdir, [
        {"image": images[0], "sigma": 2.5, "plate": "p1"},
        {"image": images[1], "method": "yen", "foreground": "below", "plate": "p2"},
        {"image": images[2], "method": "fixed", "value": 0.3, "plate": "p1"},
    ])
    run_snakemake(workdir, "--cores", 2, "--config", f"samples={path}")
    rows = rows_by_image(workdir)
    assert list(read_csv(workdir)[0])[-1] == "plate"  # metadata after the measurements
    assert [rows[i]["plate"] for i in images] == ["p1", "p2", "p1"]
    # each image alone, with the row's settings in the config (the three runs
    # started together)
    def alone_run(image, settings):
        alone = tmp_path / Path(image).stem
        alone.mkdir()
        (alone / "data").mkdir()
        (alone / image).symlink_to(Path(workdir, image))
        config = write_config(alone, "c.yaml", images=image, demo=None, **settings)
        def run():
            run_snakemake(alone, "--cores", 2, "--configfile", config)
            return alone
        return run
    runs = run_all({image: alone_run(image, settings) for image, settings in [
        (images[0], dict(sigma=2.5)),
        (images[1], dict(threshold=dict(method="yen", foreground="below"))),
        (images[2], dict(threshold=dict(method="fixed", value=0.3))),
    ]})
    for image, run in runs.items():
        (expected,) = read_csv(run.result())
        assert {k: rows[image][k] for k in MEASURED} == {k: expected[k] for k in MEASURED}


@pytest.mark.slow  # every lesson photo, some twice
def test_the_lessons_procedures_in_one_sheet(lesson_data, workdir):
    """Root photos with the config's Otsu (procedure 1), the same photos with
    otsu_excluding_bright (procedure 4), and every other procedure of the
    lesson in a row of its own."""
    sheet_rows = [{"image": f"data/{name}", "procedure": "root_mass"} for name in TRIALS]
    expected = {f"data/{name}": lesson_root_mass(lesson_data / name) for name in TRIALS}
    for procedure, (images, settings, lesson) in PROCEDURES.items():
        if procedure == "enhanced_trials":  # the same photos again, in a folder of their own
            link_images(lesson_data, workdir, images, subdir="enhanced")
            for name in images:
                sheet_rows.append({"image": f"enhanced/{name}", "procedure": procedure,
                                   "method": "otsu_excluding_bright", "bright_cutoff": 0.95})
                expected[f"enhanced/{name}"] = lesson(lesson_data / name)
            continue
        threshold = settings.get("threshold", {})
        for name in images:
            sheet_rows.append({
                "image": f"data/{name}", "procedure": procedure,
                "grayscale": settings.get("grayscale", ""), "sigma": settings.get("sigma", ""),
                "method": threshold.get("method", ""), "value": threshold.get("value", ""),
                "foreground": threshold.get("foreground", ""),
            })
            expected[f"data/{name}"] = lesson(lesson_data / name)
    link_images(lesson_data, workdir, [Path(image).name for image in expected
                                       if image.startswith("data/")])
    run_snakemake(workdir, "--cores", 2, "--config", f"samples={write_sheet(workdir, sheet_rows)}")
    rows = rows_by_image(workdir)
    assert set(rows) == set(expected)
    for image, ratio in expected.items():
        assert rows[image]["ratio"] == repr(float(ratio)), image


def test_the_demo_experiment_out_of_the_box(demo_run):
    workdir = demo_run  # the session's run of the demo, as it comes
    sheet_text = Path(workdir, "demo", "samples.tsv").read_text()
    assert "image\tcondition\treplicate" in sheet_text
    table = pd.read_csv(Path(workdir, "results", "ratios.csv"))
    assert list(table.columns[-2:]) == ["condition", "replicate"]
    summary = pd.read_csv(Path(workdir, "results", "summary.csv"))
    assert summary.condition.tolist() == ["control", "treated"]
    groups = table.groupby("condition").ratio
    for name in ("mean", "std", "sem", "median", "min", "max"):
        assert summary[f"ratio_{name}"].tolist() == getattr(groups, name)().tolist()
    assert summary.n.tolist() == [6, 6] and summary.n_failed.tolist() == [0, 0]
    # the treated roots are more: every treated ratio above the control median
    assert (table[table.condition == "treated"].ratio > summary.ratio_median[0]).all()
    for name in ("groups.png", "summary.html"):
        assert Path(workdir, "results", "qc", name).stat().st_size > 0


def four_in_two_batches(workdir, images, **own):
    rows = [{"image": image, "method": "fixed", "value": 0.3, "sigma": 1.5} for image in images]
    rows[2].update(own)
    return write_sheet(workdir, rows)


@pytest.mark.slow  # two runs and three plans
def test_changing_one_row_reruns_only_its_batch(workdir):
    images = make_images(workdir, ["a.jpg", "b.jpg", "c.jpg", "d.jpg"])
    path = four_in_two_batches(workdir, images)
    args = ["--cores", 2, "--config", f"samples={path}", "batch_max_images=2"]
    run_snakemake(workdir, *args)
    assert "Nothing to be done" in run_snakemake(workdir, *args, "-n").stdout
    batches = {p.stem: p.read_text() for p in Path(workdir, "results", "measurements").glob("*.json")}
    assert len(batches) == 2
    (own,) = [b for b, text in batches.items() if "data/c.jpg" in text]
    (other,) = set(batches) - {own}
    four_in_two_batches(workdir, images, value=0.4)  # the threshold of one image
    result = run_snakemake(workdir, *args, "-n")
    plan = planned_jobs(result)
    assert "grayscale_blur" not in plan
    assert (plan["threshold"], plan["save_mask"], plan["qc_images"]) == (1, 1, 1), plan
    assert f"batch={own}" in result.stdout and f"batch={other}" not in result.stdout
    four_in_two_batches(workdir, images, sigma=2.0)  # the blur of one image
    result = run_snakemake(workdir, *args, "-n")
    plan = planned_jobs(result)
    assert (plan["grayscale_blur"], plan["threshold"], plan["save_mask"]) == (1, 1, 1), plan
    assert f"batch={own}" in result.stdout and f"batch={other}" not in result.stdout
    run_snakemake(workdir, *args)
    rows = rows_by_image(workdir)
    assert [rows[i]["sigma"] for i in images] == ["1.5", "1.5", "2.0", "1.5"]


@pytest.mark.slow  # a workflow run of its own
def test_areas_in_square_millimetres(workdir):
    images = make_images(workdir, ["a.jpg", "b.jpg"])
    with Image.open(Path(workdir, images[1])) as image:
        image.save(Path(workdir, images[1]), dpi=(254, 254), quality=95)
    path = write_sheet(workdir, [{"image": images[0], "pixel_size": 0.05},
                                 {"image": images[1], "pixel_size": "file"}])
    run_snakemake(workdir, "--cores", 2, "--config", f"samples={path}")
    rows = rows_by_image(workdir)
    for image, size in zip(images, (0.05, 25.4 / 254)):
        row = rows[image]
        assert float(row["pixel_size_mm"]) == size
        assert float(row["foreground_area_mm2"]) == int(row["foreground_pixels"]) * size**2
    summary = pd.read_csv(Path(workdir, "results", "summary.csv"))
    areas = [float(rows[i]["foreground_area_mm2"]) for i in images]
    assert summary.foreground_area_mm2_mean[0] == pd.Series(areas).mean()


# End-to-end canaries of the sheet's one-line errors (every message is a unit
# test in tests/test_plan.py and tests/test_samples.py's read_sheet tests).
SHEET_ERRORS = [
    ("unknown value", "samples sheet 'samples.tsv', line 3, column 'method': 'magic' is not one of"),
    ("file without dpi", "samples sheet 'samples.tsv', line 3, column 'pixel_size': 'file', but 'data/b.jpg' cannot give it: it has no resolution (dpi) tag"),
    ("nan sigma", "config key 'sigma': nan is not a finite number"),
]


def sheet_error_run(workdir, case):
    """A folder with a sheet that has the error `case`: the run of it."""
    make_images(workdir, ["a.jpg", "b.jpg"])
    second = {
        "unknown value": {"image": "data/b.jpg", "method": "magic"},
        "duplicate": {"image": "data/a.jpg"},
        "missing image": {"image": "data/none.jpg"},
        "fixed without value": {"image": "data/b.jpg", "method": "fixed"},
        "file without dpi": {"image": "data/b.jpg", "pixel_size": "file"},
        "area column": {"image": "data/b.jpg", "foreground_area_mm2": "3"},
    }.get(case, {"image": "data/b.jpg"})
    write_sheet(workdir, [{"image": "data/a.jpg", "plate": "1"}, second])
    extra = {"missing sheet": ["samples=nothing.tsv"], "images too": ["images=data/*.jpg"],
             "group_by": ["group_by=[genotype]"], "nan sigma": ["sigma=nan"]}.get(case, [])
    if case != "missing sheet":
        extra.append("samples=samples.tsv")
    return lambda: run_snakemake(workdir, "--cores", 2, "--config", *extra, check=False)


@pytest.fixture(scope="module")
def sheet_error_runs(tmp_path_factory):
    """Every case's run, each in a folder of its own, started together
    (run_all): {case: future of the result}."""
    folders = {case: tmp_path_factory.mktemp("sheet-error") for case, _ in SHEET_ERRORS}
    return folders, run_all({case: sheet_error_run(folders[case], case)
                             for case, _ in SHEET_ERRORS})


@pytest.mark.parametrize("case, message", SHEET_ERRORS)
def test_sheet_errors_stop_before_any_job(sheet_error_runs, case, message):
    folders, runs = sheet_error_runs
    workdir, result = folders[case], runs[case].result()
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if message in line]
    assert len(lines) == 1, result.stderr
    assert not Path(workdir, "results").exists() and not Path(workdir, "demo").exists()


@pytest.mark.slow  # a workflow run of its own
def test_null_on_the_command_line(workdir):
    make_images(workdir, ["a.jpg"])
    path = write_sheet(workdir, [{"image": "data/a.jpg", "plate": "7"}])
    run_snakemake(workdir, "--cores", 2, "--config", f"samples={path}", "images=null",
                  "pixel_size=null", "group_by=null", "qc=false")
    assert [(r["image"], r["plate"]) for r in read_csv(workdir)] == [("data/a.jpg", "7")]


@pytest.mark.slow  # a workflow run of its own
def test_the_example_sheet_in_config_runs(demo_run, tmp_path):
    """As the sheet says to try it: on the demo's images, here in a copy of
    the session's run of the demo (demo_run)."""
    example = ROOT / "config" / "samples-example.tsv"
    text = example.read_text()
    assert text.startswith("#")  # commented
    workdir = copy_run(demo_run, tmp_path / "example")
    run_snakemake(workdir, "--cores", 2, "--config", f"samples={example}",
                  "group_by=[genotype]")
    rows = read_csv(workdir)
    images = [line.split("\t")[0] for line in text.splitlines()
              if line and not line.startswith("#")][1:]
    assert sorted(r["image"] for r in rows) == sorted(images)
    summary = pd.read_csv(Path(workdir, "results", "summary.csv"))
    assert summary.n.sum() == len(images) and "genotype" in summary.columns


@pytest.mark.slow  # a workflow run of its own
def test_pixel_size_in_the_config_and_one_group_without_a_sheet(workdir):
    images = make_images(workdir, ["a.jpg", "b.jpg"])
    run_snakemake(workdir, "--cores", 2, "--config", "images=data/*.jpg", "pixel_size=0.02")
    rows = rows_by_image(workdir)
    for image in images:
        assert float(rows[image]["pixel_size_mm"]) == 0.02
        assert float(rows[image]["foreground_area_mm2"]) == int(
            rows[image]["foreground_pixels"]) * 0.02**2
    summary = pd.read_csv(Path(workdir, "results", "summary.csv"))
    assert len(summary) == 1 and summary.n[0] == 2  # the collection, one group
    assert summary.foreground_area_mm2_max[0] == max(float(rows[i]["foreground_area_mm2"]) for i in images)
    # 'file' needs a resolution tag, which these have not
    result = run_snakemake(workdir, "--cores", 2, "--config", "images=data/*.jpg",
                           "pixel_size=file", check=False)
    assert result.returncode != 0
    assert ("config key 'pixel_size': 'file', but 'data/a.jpg' cannot give it: it has no"
            " resolution (dpi) tag") in result.stderr


def test_the_local_and_multi_level_parameters_and_the_roi_are_sheet_columns(tmp_path):
    path = sheet(tmp_path, "image\tmethod\twindow\tk\toffset\tclasses\tforeground_classes\troi\n"
                 "a.jpg\tsauvola\t101\t0.3\t0.02\t\t\trois/a.png\n"
                 "b.jpg\tmultiotsu\t\t\t\t4\t1, 3\t\n"
                 "c.jpg\texg\n")
    with pytest.raises(SheetError, match="line 4, column 'method': 'exg' is not one of"):
        read_sheet(path, SCHEMA)
    path = sheet(tmp_path, "image\tgrayscale\tmethod\twindow\tk\toffset\tclasses\t"
                 "foreground_classes\troi\n"
                 "a.jpg\texg\tsauvola\t101\t0.3\t0.02\t\t\trois/a.png\n"
                 "b.jpg\tlab_a\tmultiotsu\t\t\t\t4\t1, 3\t\n")
    samples, metadata = read_sheet(path, SCHEMA)
    assert metadata == []
    assert samples[0].settings == {"grayscale": "exg", "method": "sauvola", "window": 101,
                                   "k": 0.3, "offset": 0.02, "roi": "rois/a.png"}
    assert samples[1].settings == {"grayscale": "lab_a", "method": "multiotsu", "classes": 4,
                                   "foreground_classes": [1, 3]}
    for cells, message in [("window\na.jpg\t100", "column 'window': 100 is even; it must be an odd number"),
                           ("window\na.jpg\t1", "column 'window': 1 is less than the minimum of 3"),
                           ("classes\na.jpg\t6", "column 'classes': 6 is greater than the maximum of 5")]:
        with pytest.raises(SheetError, match=message):
            read_sheet(sheet(tmp_path, "image\t" + cells + "\n"), SCHEMA)
