"""The throughput benchmark runs end to end (at a tiny size: the real figures
come from running it by hand, see benchmarks/README.md) and checks its own
numbers against the lesson's code on the way. The smoke run takes the demo
set (the project's own images, always there); the lesson set goes through
the same run_set, and only the making of its folders is its own, tested
without a run."""

import csv
import importlib.util
import os
import subprocess
import sys

import pytest

from conftest import LESSON_DATA, ROOT, in_ci


def load_throughput():
    spec = importlib.util.spec_from_file_location(
        "throughput", ROOT / "benchmarks" / "throughput.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lesson_set_links_the_trial_photos_in_turn(lesson_data, tmp_path):
    throughput = load_throughput()
    throughput.LESSON_DATA = lesson_data
    photos = throughput.lesson_photos(tmp_path / "images-lesson", 6)
    assert [p.name for p in photos] == [f"photo-{i:02d}.jpg" for i in range(6)]
    targets = [os.readlink(p) for p in photos]
    assert targets == [str(lesson_data / throughput.TRIALS[i % 4]) for i in range(6)]
    # made again with fewer: the folder holds only the new set
    assert len(throughput.lesson_photos(tmp_path / "images-lesson", 2)) == 2


@pytest.mark.slow  # the benchmark's every mode, end to end
def test_benchmark_smoke_run(tmp_path):
    out = tmp_path / "bench"
    result = subprocess.run(
        list(map(str, [sys.executable, ROOT / "benchmarks" / "throughput.py",
                       "--lesson-count", 2, "--demo-count", 3, "--demo-shape", "200x300",
                       "--dry-run-counts", "50,100", "--repeats", 1, "--warmup", 0, "--sets", "demo",
                       "--out", out])),
        capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "summary.csv", newline="") as f:
        summary = list(csv.DictReader(f))
    modes = {(r["set"], r["mode"]) for r in summary}
    for name in ["demo"]:
        assert {(name, m) for m in ["a", "b", "c", "d", "c0", "d0", "c1", "e", "f", "qc", "panel"]} <= modes
    assert {("dry-run 50", "dry"), ("dry-run 100", "dry")} <= modes
    assert all(float(r["wall_s"]) > 0 for r in summary)
    assert (out / "throughput.png").stat().st_size > 0
    assert "| wall / (b) |" in result.stdout
    assert "blurred cache bytes per input byte" in result.stdout


@pytest.mark.slow  # the objects benchmark end to end, at a tiny size
def test_objects_benchmark_smoke_run(tmp_path):
    out = tmp_path / "objects"
    lesson = (LESSON_DATA / "README.md").is_file()
    result = subprocess.run(
        list(map(str, [sys.executable, ROOT / "benchmarks" / "objects.py",
                       "--images", 20, "--objects", 50, "--batches", 2, "--photos", 1,
                       "--repeats", 1, "--warmup", 0, "--out", out])),
        capture_output=True, text=True, timeout=900,
        env={**os.environ, "LESSON_DATA": str(LESSON_DATA)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "summary.csv", newline="") as f:
        summary = {r["name"]: r for r in csv.DictReader(f)}
    assert int(summary["objects.csv rows"]["value"]) == 20 * 50
    for name in ["objects.csv size", "byte copy wall", "concatenate_csv wall",
                 "concatenate_csv rows per second", "concatenate peak RSS"]:
        assert float(summary[name]["value"]) > 0, name
    assert float(summary["concatenate_csv wall"]["ratio"]) > 0
    assert not (out / "csv-data").exists()  # deleted without --keep
    if not lesson:
        assert "lesson part left out" in result.stdout
        return
    for name in ["lesson function CPU per photo", "stage CPU per photo",
                 "stage CPU per photo, declump", "part load CPU per photo",
                 "part label CPU per photo", "part table CPU per photo",
                 "part preview CPU per photo", "objects trial-016.jpg"]:
        assert float(summary[name]["value"]) > 0, name
    assert float(summary["stage CPU per photo"]["ratio"]) > 0
    worst = float(summary["stage CPU per photo, worst"]["value"])
    assert summary["stage target met on every photo"]["value"] == str(int(worst <= 0.1))
    assert "| the objects stage, defaults |" in result.stdout


@pytest.mark.slow  # the roots benchmark end to end, at a tiny size
def test_roots_benchmark_smoke_run(tmp_path):
    out = tmp_path / "roots"
    lesson = (LESSON_DATA / "README.md").is_file()
    result = subprocess.run(
        list(map(str, [sys.executable, ROOT / "benchmarks" / "roots.py", "--photos", 1,
                       "--megapixels", 2, "--repeats", 1, "--warmup", 0, "--out", out])),
        capture_output=True, text=True, timeout=900,
        env={**os.environ, "LESSON_DATA": str(LESSON_DATA)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "summary.csv", newline="") as f:
        summary = {r["name"]: r for r in csv.DictReader(f)}
    # the traits cost memory beyond the loaded mask's (the thinning's work
    # arrays alone are about 11 bytes a pixel), and the job asks for more than
    # the peak
    assert float(summary["scan peak RSS, root_traits"]["ratio"]) > 1
    assert float(summary["scan job request, 3 copies"]["ratio"]) > 1
    assert float(summary["scan root_traits CPU"]["value"]) > 0
    if not lesson:
        assert "lesson part left out" in result.stdout
        return
    for name in ["stage CPU per photo", "skeletonize CPU per photo", "distance CPU per photo",
                 "root length trial-016.jpg"]:
        assert float(summary[name]["value"]) > 0, name
    worst = float(summary["stage CPU per photo, worst"]["value"])
    assert summary["stage target met on every photo"]["value"] == str(int(worst <= 0.3))


@pytest.mark.slow  # the thresholds benchmark end to end, on one photo
def test_thresholds_benchmark_smoke_run(tmp_path):
    out = tmp_path / "thresholds"
    lesson = (LESSON_DATA / "README.md").is_file()
    if not lesson and in_ci():
        pytest.fail(f"lesson data not found at {LESSON_DATA} in CI")
    if not lesson:
        pytest.skip(f"lesson data not found at {LESSON_DATA} (../shared is absent)")
    result = subprocess.run(
        list(map(str, [sys.executable, ROOT / "benchmarks" / "thresholds.py", "--photos", 1,
                       "--repeats", 1, "--warmup", 0, "--out", out])),
        capture_output=True, text=True, timeout=900,
        env={**os.environ, "LESSON_DATA": str(LESSON_DATA)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "summary.csv", newline="") as f:
        rows = {(r["kind"], r["name"]): r for r in csv.DictReader(f)}
    from rootmass.segmentation import CHANNEL_METHODS, PANEL_METHODS

    assert float(rows[("baseline", "lesson function")]["ratio"]) == 1.0
    for key in [*(("grayscale", c) for c in CHANNEL_METHODS),
                *(("method", m) for m in PANEL_METHODS)]:
        assert float(rows[key]["cpu_s"]) > 0 and float(rows[key]["ratio"]) > 0, key
        assert float(rows[key]["peak_copies"]) > 0, key
    # the lesson's procedure 1: Otsu's mask of trial-016.jpg (its README's number)
    assert float(rows[("method", "otsu")]["foreground_ratio"]) == 0.04907247340425532
