"""Unit tests of rootmass.workflow.outputs (no Snakemake), and a run that turns the
ground truth off: the scores of the earlier run are moved aside, and said."""

import re

import pytest

from rootmass.workflow.outputs import (
    command_kind,
    move_aside,
    stale_folder,
    stale_message,
    stale_moves,
    stale_outputs,
)

EVALUATION = ["results/evaluation.csv", "results/evaluation-methods.csv",
              "results/evaluation-methods.png"]
QC = ["results/qc/ratios.png", "results/qc/contact-sheets"]


@pytest.mark.parametrize("argv, kind", [
    (["--cores", "8"], "run"),
    (["--cores", "2", "--config", "images=data/*.jpg", "qc=false"], "run"),
    (["--snakefile", "/x/Snakefile", "-c2", "--forceall"], "run"),
    (["-n"], "dry-run"),
    (["--cores", "2", "--dry-run"], "dry-run"),
    (["--dryrun"], "dry-run"),
    (["-np", "--cores", "2"], "dry-run"),
    (["--report", "results/report.html"], "inspect"),
    (["--report=results/report.zip"], "inspect"),
    (["--dag"], "inspect"),
    (["--lint"], "inspect"),
    (["-n", "--rulegraph"], "inspect"),
    (["--list-rules"], "inspect"),
    (["--unlock"], "inspect"),
    (["--touch", "--cores", "1"], "inspect"),
])
def test_command_kind(argv, kind):
    assert command_kind(argv) == kind


def test_stale_outputs_are_those_not_made_that_exist():
    possible = EVALUATION + QC
    assert stale_outputs(possible, possible, possible) == []
    assert stale_outputs(possible, QC, possible) == EVALUATION
    assert stale_outputs(possible, QC, EVALUATION[:1]) == EVALUATION[:1]
    assert stale_outputs(possible, [], []) == []


def test_stale_folder_and_moves_keep_each_path():
    assert stale_folder("results", "2026-12-01T10-00-00") == "results/stale/2026-12-01T10-00-00"
    taken = {"results/stale/T", "results/stale/T-2"}
    assert stale_folder("results", "T", taken) == "results/stale/T-3"
    moves = stale_moves(["results/evaluation.csv", "results/qc/ratios.png"], "results",
                        "results/stale/T")
    assert moves == [("results/evaluation.csv", "results/stale/T/evaluation.csv"),
                     ("results/qc/ratios.png", "results/stale/T/qc/ratios.png")]
    with pytest.raises(ValueError):
        stale_moves(["elsewhere/x.csv"], "results", "results/stale/T")


def test_stale_message_says_what_why_and_where():
    moves = stale_moves(EVALUATION + QC[:1], "results", "results/stale/T")
    reasons = {**{p: "without ground truth" for p in EVALUATION}, QC[0]: "with qc: false"}
    line = stale_message(moves, reasons, "results/stale/T")
    assert line == (
        "Moved 4 outputs of an earlier run that this config does not make into"
        " results/stale/T/ (without ground truth: evaluation.csv, evaluation-methods.csv,"
        " evaluation-methods.png; with qc: false: qc/ratios.png), so that results/ holds"
        " only this run's"
    )
    assert stale_message(moves[:1], reasons, "results/stale/T", dry_run=True).startswith(
        "A run would move 1 output of an earlier run")
    assert stale_message([], reasons, "results/stale/T") is None


def test_move_aside_moves_files_and_folders(tmp_path):
    results = tmp_path / "results"
    (results / "qc" / "contact-sheets").mkdir(parents=True)
    (results / "qc" / "contact-sheets" / "sheet-0001.jpg").write_text("sheet")
    (results / "evaluation.csv").write_text("scores")
    stale = [str(results / "evaluation.csv"), str(results / "qc" / "contact-sheets")]
    folder = str(results / "stale" / "T")
    move_aside(stale_moves(stale, str(results), folder))
    assert not (results / "evaluation.csv").exists()
    assert (results / "stale" / "T" / "evaluation.csv").read_text() == "scores"
    assert (results / "stale" / "T" / "qc" / "contact-sheets" / "sheet-0001.jpg").is_file()


# --- a run that no longer scores ----------------------------------------------------
@pytest.mark.slow  # a workflow run of its own
def test_scores_of_an_earlier_run_are_moved_aside_and_said(workdir):
    from pathlib import Path

    from conftest import run_snakemake

    config = Path(workdir, "small.yaml")
    config.write_text("demo: {count: 3, height: 120, width: 180, seed: 4}\nqc: false\n")
    run_snakemake(workdir, "--cores", 2, "--configfile", config)
    results = Path(workdir, "results")
    scores = ["evaluation.csv", "evaluation-methods.csv", "evaluation-methods.png"]
    assert all((results / name).is_file() for name in scores)
    # the same images by a glob: no ground truth any more
    args = ["--cores", 2, "--configfile", config, "--config", "images=demo/*.jpg"]
    dry = run_snakemake(workdir, *args, "--dry-run")  # moves nothing, says nothing
    assert "move" not in (dry.stdout + dry.stderr).lower()
    assert all((results / name).is_file() for name in scores)
    run = run_snakemake(workdir, *args)
    output = run.stdout + run.stderr
    said = [line for line in output.splitlines() if line.startswith("Moved ")]
    assert len(said) == 1, output
    folder = re.search(r"into (results/stale/[^ ]+)/ ", said[0]).group(1)
    assert ("without ground truth: evaluation.csv, evaluation-methods.csv,"
            " evaluation-methods.png") in said[0]
    for name in scores:
        assert not (results / name).exists()
        assert Path(workdir, folder, name).is_file()
    assert (results / "ratios.csv").is_file()
    # it is in the run's log too, and a second run has nothing to move
    log = sorted(Path(workdir, ".snakemake", "log").glob("*.log"))[-1]
    assert said[0] in log.read_text()
    again = run_snakemake(workdir, *args)
    assert "Moved " not in again.stdout + again.stderr


@pytest.mark.slow  # two workflow runs of their own
def test_the_files_of_images_the_run_no_longer_has_are_moved_aside_at_its_start(workdir):
    import subprocess
    import sys
    from pathlib import Path

    from conftest import ROOT, run_snakemake

    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_demo.py"), "--out", "data",
         "--count", "3", "--width", "180", "--height", "120", "--seed", "4"],
        cwd=workdir, check=True, capture_output=True, timeout=300)
    args = ["--cores", 2, "--config", "images=data/*.jpg", "demo=false", "keep_blurred=true"]
    run_snakemake(workdir, *args)
    results = Path(workdir, "results")
    old = {p.name for p in results.glob("masks/b*")}
    assert old and len(list(results.glob("qc/images/b*/data/demo-0002.jpg*"))) == 1
    # one image fewer: a batch of other images; the old batch's files go aside
    Path(workdir, "data", "demo-0002.jpg").unlink()
    run_snakemake(workdir, *args, "--dry-run")
    assert {p.name for p in results.glob("masks/b*")} == old  # a dry run moves nothing
    run = run_snakemake(workdir, *args)
    said = [l for l in (run.stdout + run.stderr).splitlines() if l.startswith("Moved ")]
    assert len(said) == 1, run.stdout + run.stderr
    assert "not in this run's plan (images it no longer has, or has in other batches)" in said[0]
    assert "masks/" in said[0] and "qc/images/" in said[0] and "previews/" in said[0]
    assert "their blurred cache deleted" in said[0]
    folder = Path(workdir, re.search(r"into (results/stale/[^ ]+)/ ", said[0]).group(1))
    new = {p.name for p in results.glob("masks/b*")}
    gone = old - new  # the batch of the image removed (the others stay as they were)
    assert new and gone and f"files of {len(gone)} batch" in said[0]
    for kind in ("masks", "previews", "qc/images", "qc/thumbnails", "thresholds",
                 "measurements"):
        assert not [p for p in results.glob(f"{kind}/b*") if p.name.split(".")[0] in gone]
        assert [p for p in folder.glob(f"{kind}/b*") if p.name.split(".")[0] in gone], kind
    assert not [p for p in results.glob("blurred/b*") if p.name in gone]
    # a figure of the image the run no longer has is no longer in results/
    assert not list(results.glob("qc/images/*/data/demo-0002.jpg*"))
    assert list(folder.glob("qc/images/*/data/demo-0002.jpg*"))
