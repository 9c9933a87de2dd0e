"""The throughput benchmark runs end to end (at a tiny size: the real figures
come from running it by hand, see benchmarks/README.md) and checks its own
numbers against the lesson's code on the way."""

import csv
import subprocess
import sys

import pytest

from conftest import LESSON_DATA, ROOT

pytestmark = pytest.mark.slow  # the benchmark's every mode, end to end


def test_benchmark_smoke_run(tmp_path):
    out = tmp_path / "bench"
    result = subprocess.run(
        list(map(str, [sys.executable, ROOT / "benchmarks" / "throughput.py",
                       "--lesson-count", 2, "--demo-count", 3, "--demo-shape", "200x300",
                       "--dry-run-counts", "50,100", "--repeats", 1, "--warmup", 0, "--out", out])),
        capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "summary.csv", newline="") as f:
        summary = list(csv.DictReader(f))
    modes = {(r["set"], r["mode"]) for r in summary}
    sets = ["demo"] + (["lesson"] if (LESSON_DATA / "README.md").is_file() else [])
    for name in sets:
        assert {(name, m) for m in ["a", "b", "c", "d", "c0", "d0", "e", "f", "qc", "panel"]} <= modes
    assert {("dry-run 50", "dry"), ("dry-run 100", "dry")} <= modes
    assert all(float(r["wall_s"]) > 0 for r in summary)
    assert (out / "throughput.png").stat().st_size > 0
    assert "| wall / (b) |" in result.stdout
    assert "blurred cache bytes per input byte" in result.stdout
