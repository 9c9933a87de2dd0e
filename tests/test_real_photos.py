"""A lab's run on real photos, as the README tells it: a sample sheet of
barley photos (../shared/real-photos), the traced ones the classifier's
training images, config/examples/roots-on-paper.yaml; every photo gets its
root traits, the traced ones are scored by cross-validation; and a model
trained once, applied to another collection."""

import csv
import shutil

import pytest

from conftest import ROOT, run_snakemake
from rootmass.traces import read_rsml, traced_summary

TRAINING = ["409", "410", "411R", "412"]
OTHERS = ["431", "602"]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def lab_run(real_photos, tmp_path_factory):
    work = tmp_path_factory.mktemp("real") / "run"
    (work / "photos").mkdir(parents=True)
    (work / "traces").mkdir()
    lines = ["image\ttruth\tsession"]
    for name in TRAINING + OTHERS:
        (work / "photos" / f"{name}.jpg").symlink_to(real_photos / "imgs" / f"{name}.jpg")
        truth = ""
        if name in TRAINING:
            (work / "traces" / f"{name}.rsml").symlink_to(real_photos / "rsml" / f"{name}.rsml")
            truth = f"traces/{name}.rsml"
        lines.append(f"photos/{name}.jpg\t{truth}\t{name[0]}00s")
    (work / "photos.tsv").write_text("\n".join(lines) + "\n")
    run_snakemake(work, "--cores", 2, "--configfile",
                  ROOT / "config" / "examples" / "roots-on-paper.yaml",
                  "--config", "samples=photos.tsv")
    return work


@pytest.mark.slow
def test_every_photo_gets_its_root_traits_and_the_traced_ones_are_cross_validated(
        lab_run, real_photos):
    rows = {r["image"]: r for r in read_csv(lab_run / "results" / "ratios.csv")}
    assert sorted(rows) == sorted(f"photos/{n}.jpg" for n in TRAINING + OTHERS)
    for row in rows.values():
        assert row["method"] == "classifier" and row["status"] == "ok"
        assert row["threshold"] == ""  # a classifier's mask has none
        assert float(row["root_length"]) > 0 and int(row["root_tips"]) > 0
    scored = {r["image"]: r for r in read_csv(lab_run / "results" / "evaluation.csv")}
    assert sorted(scored) == sorted(f"photos/{n}.jpg" for n in TRAINING)
    for image, row in scored.items():
        name = image.split("/")[1][:-4]
        traced = traced_summary(read_rsml(str(real_photos / "rsml" / f"{name}.rsml")))
        assert float(row["traced_length"]) == pytest.approx(traced["traced_length"])
        assert row["cross_validated"] == "True" and row["method"] == "classifier"
        # scored by the forest of the other folds, not the photo's own mask
        assert float(row["root_length"]) != pytest.approx(float(rows[image]["root_length"]))
        assert 0 < float(row["trace_recall"]) <= 1 and 0 < float(row["trace_precision"]) <= 1
    methods = {m["method"]: m for m in read_csv(lab_run / "results"
                                                  / "evaluation-methods.csv")}
    assert methods["classifier"]["cross_validated"] == "True"
    assert methods["otsu"]["cross_validated"] == "False"
    assert int(methods["classifier"]["images"]) == len(TRAINING)
    log = (lab_run / "logs" / "fit_segmenter" / "classifier.pickle.log").read_text()
    assert f"fitted on {len(TRAINING)} of {len(TRAINING)} images" in log
    assert "scikit-learn" in log and "photos/409.jpg" in log


@pytest.mark.slow
def test_a_model_trained_once_applies_to_another_collection(lab_run, real_photos, tmp_path):
    model = tmp_path / "barley.pickle"
    shutil.copy(lab_run / "results" / "models" / "classifier.pickle", model)
    (tmp_path / "photos").mkdir()
    for name in ("438", "440"):
        (tmp_path / "photos" / f"{name}.jpg").symlink_to(real_photos / "imgs" / f"{name}.jpg")
    run_snakemake(tmp_path, "--cores", 2, "--configfile",
                  ROOT / "config" / "examples" / "roots-on-paper.yaml", "--config",
                  "images=photos/*.jpg", f"threshold={{method: classifier, classifier_model:"
                  f" {model}}}")
    rows = read_csv(tmp_path / "results" / "ratios.csv")
    assert [r["image"] for r in rows] == ["photos/438.jpg", "photos/440.jpg"]
    assert all(float(r["root_length"]) > 0 for r in rows)
    log = (tmp_path / "logs" / "fit_segmenter" / "classifier.pickle.log").read_text()
    assert f"the model of {model}" in log
    # a file that is not a model: one line naming it
    bad = tmp_path / "bad.pickle"
    bad.write_bytes(b"not a pickle")
    result = run_snakemake(tmp_path, "--cores", 2, "--configfile",
                           ROOT / "config" / "examples" / "roots-on-paper.yaml", "--config",
                           "images=photos/*.jpg",
                           f"threshold={{method: classifier, classifier_model: {bad}}}",
                           check=False)
    assert result.returncode != 0
    assert f"threshold.classifier_model: cannot read {str(bad)!r}" in (
        result.stdout + result.stderr)


@pytest.mark.slow
@pytest.mark.parametrize("change", [
    ["--config", "samples=photos.tsv",
     "threshold={method: classifier, classifier_probability: 0.6, classifier_trees: 10}"],
    "truth"])
def test_a_new_truth_or_classifier_setting_retrains_and_re_segments_only(lab_run, change):
    from test_workflow import planned_jobs

    config = ["--configfile", ROOT / "config" / "examples" / "roots-on-paper.yaml"]
    if change == "truth":  # a trace saved again (a new file, newer than the model)
        trace = lab_run / "traces" / "410.rsml"
        text = trace.read_text()
        trace.unlink()
        trace.write_text(text)
        change = ["--config", "samples=photos.tsv"]
    plan = planned_jobs(run_snakemake(lab_run, "--cores", 2, "-n", *config, *change))
    assert plan["fit_segmenter"] == 1 and plan["save_mask"] >= 1, plan
    assert "grayscale_blur" not in plan and "threshold" not in plan, plan
