"""The roots stage through the real snakemake: its traits in ratios.csv and
summary.csv are root_traits of each saved mask, and its settings re-run it
and nothing before it."""

import csv
import re
import sys
from pathlib import Path

import imageio.v3 as iio
import pytest
import yaml

from conftest import ROOT, copy_run, run_snakemake

sys.path.insert(0, str(ROOT / "scripts"))
from rootmass.measure.roots import ROOT_TRAITS, class_columns, root_traits  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from test_workflow import planned_jobs  # noqa: E402

# the roots measured, on top of the defaults (the demo experiment)
CONFIG = dict(roots=dict(measure=True))


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def roots_run(demo_run, tmp_path_factory):
    """The default demo (12 images of 600 x 900, in 2 batches) with its roots
    measured: `--config roots='{measure: true}'` as config/README.md gives
    it, run in a copy of the session's run of the demo as it comes
    (demo_run), as a user turns the roots on after a first run."""
    work = copy_run(demo_run, tmp_path_factory.mktemp("roots") / "run")
    (work / "roots.yaml").write_text(yaml.safe_dump(CONFIG))
    run_snakemake(work, "--cores", 2, "--configfile", work / "roots.yaml")
    return work


def args(work):
    return ["--cores", 2, "--configfile", Path(work) / "roots.yaml"]


def test_the_traits_are_those_of_each_saved_mask(roots_run):
    rows = read_rows(roots_run / "results" / "ratios.csv")
    classes = class_columns([0, 3, 6, 12], "px")
    assert list(rows[0])[16:16 + len(ROOT_TRAITS) + len(classes)] == [*ROOT_TRAITS, *classes]
    for row in rows:
        mask = iio.imread(roots_run / row["mask"]) > 0
        traits, _, _ = root_traits(mask, 6, [0, 3, 6, 12])
        for name, value in traits.items():
            assert float(row[name]) == pytest.approx(value, rel=1e-12), name
        assert float(row["root_length"]) > 0 and int(row["root_tips"]) >= 2
    summary = {r["condition"]: r for r in read_rows(roots_run / "results" / "summary.csv")}
    for condition, group in summary.items():
        lengths = [float(r["root_length"]) for r in rows if r["condition"] == condition]
        assert float(group["root_length_mean"]) == pytest.approx(sum(lengths) / len(lengths))
        assert float(group["root_tips_max"]) == max(int(r["root_tips"]) for r in rows
                                                    if r["condition"] == condition)
    # treated images have more roots, and so a greater total length
    assert float(summary["treated"]["root_length_mean"]) > float(
        summary["control"]["root_length_mean"])


@pytest.mark.parametrize("change, evaluated", [
    ("roots={measure: true, prune_length: 2}", True),  # the length changes
    ("roots={measure: true, min_elongation: 3}", True),  # objects left out
    ("roots={measure: true, diameter_classes_px: [0, 5]}", False)])  # only the classes
def test_root_settings_rerun_the_roots_stage_and_no_earlier_one(roots_run, change, evaluated):
    plan = planned_jobs(run_snakemake(roots_run, *args(roots_run), "-n", "--config", change))
    assert plan["roots"] == 2 and plan["aggregate"] == 1, plan
    assert not {"grayscale_blur", "threshold", "save_mask", "objects"} & set(plan), plan
    assert ("evaluate" in plan) == evaluated, plan


def test_root_settings_that_change_nothing_rerun_nothing(roots_run):
    # classes in mm need a pixel size, which the demo has not
    result = run_snakemake(roots_run, *args(roots_run), "-n", "--config",
                           "roots={measure: true, diameter_classes: [0, 0.1]}")
    assert "Nothing to be done" in result.stdout + result.stderr, result.stdout


def test_without_measure_there_is_no_roots_job_and_no_column(roots_run):
    result = run_snakemake(roots_run, *args(roots_run), "-n", "--config",
                           "roots={measure: false}")
    plan = planned_jobs(result)
    assert "roots" not in plan and plan["aggregate"] == 1, plan
    listed = run_snakemake(roots_run, *args(roots_run), "--list-rules", "--config",
                           "roots={measure: false}").stdout.split()
    assert "roots" not in listed and "objects" in listed


def test_classes_that_do_not_increase_are_a_one_line_error(roots_run):
    result = run_snakemake(roots_run, *args(roots_run), "-n", "--config",
                           "roots={measure: true, diameter_classes_px: [0, 6, 3]}", check=False)
    assert result.returncode != 0
    assert ("config key 'roots.diameter_classes_px': the classes' lower bounds must increase;"
            " got [0, 6, 3]") in result.stdout + result.stderr, result.stderr


def test_a_row_measures_its_own_roots(roots_run, tmp_path):
    """A sheet's measure_roots and prune_length columns, per image."""
    from rootmass.workflow.samples import read_sheet, root_settings

    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "samples.schema.yaml").read_text())
    sheet = tmp_path / "s.tsv"
    sheet.write_text("image\tmeasure_roots\tprune_length\tdiameter_classes_px\n"
                     "a.jpg\tyes\t2.5\t0, 4 9\nb.jpg\tno\t\t\nc.jpg\t\t\tnone\n")
    samples, _ = read_sheet(str(sheet), schema)
    assert [s.settings for s in samples] == [
        {"measure_roots": True, "prune_length": 2.5, "diameter_classes_px": [0, 4, 9]},
        {"measure_roots": False}, {"diameter_classes_px": []}]
    base = dict(measure_roots=True, prune_length=6, diameter_classes=[0, 1],
                diameter_classes_px=[0, 3], pixel_size=None, min_root_area=0,
                min_root_elongation=2)
    assert root_settings(base)["diameter_classes"] == []  # no pixel size: no mm classes
    assert root_settings({**base, "pixel_size": 0.1})["diameter_classes"] == [0.0, 1.0]
    off = root_settings({**base, "measure_roots": False})
    assert off == {"measure_roots": False, "prune_length": None, "diameter_classes": None,
                   "diameter_classes_px": None, "min_root_area": None,
                   "min_root_elongation": None}
    assert root_settings(base)["min_root_elongation"] == 2.0
    named = tmp_path / "named.tsv"
    named.write_text("image\troot_length\na.jpg\t12\n")  # metadata named like a trait
    from rootmass.workflow.samples import SheetError

    with pytest.raises(SheetError, match="column 'root_length': a metadata column may not"):
        read_sheet(str(named), schema)
    bad = tmp_path / "bad.tsv"
    bad.write_text("image\tdiameter_classes_px\na.jpg\t0, x\n")
    from rootmass.workflow.samples import SheetError

    with pytest.raises(SheetError, match=r"line 2, column 'diameter_classes_px'"):
        read_sheet(str(bad), schema)


def readme_lengths():
    """config/README.md's table of the lesson photos' root traits:
    {(image, procedure): {column: text}}."""
    text = (ROOT / "config" / "README.md").read_text()
    table = text.split("### The lesson's photos", 1)[1].split("\n\n")[2]
    lines = [line.strip("|").split("|") for line in table.splitlines()]
    header = [cell.strip().split(" ")[0].strip("`") for cell in lines[0]]
    return {(cells[0].strip().strip("`"), cells[1].strip()):
            dict(zip(header[2:], (c.strip() for c in cells[2:]))) for cells in lines[2:]}


@pytest.mark.slow  # two runs on the lesson's photos
def test_the_lesson_photos_lengths_are_those_config_readme_records(lesson_data, tmp_path):
    from conftest import link_images, run_all

    trials = ["trial-016.jpg", "trial-020.jpg", "trial-216.jpg", "trial-293.jpg"]
    names = {"1": trials + ["maize-root-cluster.jpg"], "4": trials}

    def prepared(procedure):
        work = tmp_path / f"procedure-{procedure}"
        work.mkdir()
        link_images(lesson_data, work, names[procedure])
        settings = dict(images=None, demo=None, samples="samples.tsv", roots=dict(measure=True),
                        objects=dict(enabled=False), qc=False)
        if procedure == "4":
            settings["threshold"] = dict(method="otsu_excluding_bright")
        (work / "roots.yaml").write_text(yaml.safe_dump(settings))
        rows = ["image\tgrayscale\tsigma"] + [
            f"data/{n}\trgb2gray\t1.0" if n.startswith("maize") else f"data/{n}\t\t"
            for n in names[procedure]]
        (work / "samples.tsv").write_text("\n".join(rows) + "\n")
        return lambda: run_snakemake(work, "--cores", 2, "--configfile", work / "roots.yaml")

    runs = run_all({p: prepared(p) for p in names})
    recorded = readme_lengths()
    assert len(recorded) == 9
    for procedure in names:
        runs[procedure].result()
        for row in read_rows(tmp_path / f"procedure-{procedure}" / "results" / "ratios.csv"):
            name = Path(row["image"]).name
            expected = recorded[name, "3" if name.startswith("maize") else procedure]
            found = {"root_length": f"{float(row['root_length']):.1f}",
                     "root_tips": row["root_tips"],
                     "root_branch_points": row["root_branch_points"],
                     **{k: f"{float(row[k]):.2f}" for k in
                        ("root_diameter_mean", "root_diameter_median", "root_diameter_max")}}
            assert found == expected, (name, procedure)


def test_a_sheet_measures_some_images_in_mm_and_not_others(roots_run, tmp_path):
    """A sheet whose rows choose: one image measured in pixels, one with its
    pixel size (mm columns), one not measured (empty traits)."""
    from conftest import copy_run

    work = copy_run(roots_run, tmp_path / "sheet")
    (work / "sheet.tsv").write_text(
        "image\tmeasure_roots\tpixel_size\tcondition\n"
        "demo/demo-0000.jpg\t\t\tcontrol\n"
        "demo/demo-0001.jpg\t\t0.05\ttreated\n"
        "demo/demo-0002.jpg\tno\t\tcontrol\n")
    run_snakemake(work, *args(work), "--config", "samples=sheet.tsv", "images=null")
    rows = {r["image"]: r for r in read_rows(work / "results" / "ratios.csv")}
    plain, in_mm, unmeasured = (rows[f"demo/demo-000{i}.jpg"] for i in range(3))
    assert float(plain["root_length"]) > 0 and plain["root_length_mm"] == ""
    assert float(in_mm["root_length_mm"]) == pytest.approx(0.05 * float(in_mm["root_length"]))
    classes = [c for c in in_mm if re.fullmatch(r"root_length_d[0-9.]+(-[0-9.]+)?mm\+?_mm", c)]
    assert classes == [f"{n}_mm" for n in class_columns([0, 0.5, 1, 2], "mm")]
    assert sum(float(in_mm[c]) for c in classes) == pytest.approx(float(in_mm["root_length_mm"]))
    assert all(plain[c] == "" for c in classes)
    assert unmeasured["root_length"] == "" and unmeasured["ratio"] != ""
    # the unmeasured image's figure has no skeleton; the others' titles give the length
    assert unmeasured["status"] == "ok"


def readme_demo_lengths():
    """config/README.md's table of the default demo's lengths:
    {image: [truth_length, truth mask, its error, Otsu's mask, its error]}."""
    text = (ROOT / "config" / "README.md").read_text()
    section = text.split("### On the demo, against its true lengths", 1)[1]
    table = section[section.index("| image | condition |"):].split("\n\n", 1)[0]
    lines = [line.strip("|").split("|") for line in table.splitlines()[2:]]
    return {cells[0].strip(): [c.strip() for c in cells[2:]] for cells in lines}


def test_the_default_demos_lengths_are_those_config_readme_records(roots_run):
    """The workflow as config/README.md says its table was made (`snakemake
    --config roots='{measure: true}'` on the default demo: roots_run): each
    image's truth mask within 5 % of its truth_length, its Otsu mask within
    10 % (issue #22), and the table is this run's."""
    rows = read_rows(roots_run / "results" / "evaluation.csv")
    recorded = readme_demo_lengths()
    assert len(rows) == len(recorded) == 12
    for row in rows:
        assert row["method"] == "otsu"
        true, truth_mask, measured = (float(row[k]) for k in (
            "truth_length", "truth_mask_length", "root_length"))
        truth_error, error = truth_mask / true - 1, float(row["length_error"])
        assert abs(truth_error) <= 0.05 and abs(error) <= 0.10, row
        assert recorded[Path(row["image"]).stem] == [
            f"{true:.0f}", f"{truth_mask:.0f}", f"{100 * truth_error:+.1f} %",
            f"{measured:.0f}", f"{100 * error:+.1f} %"], row["image"]
