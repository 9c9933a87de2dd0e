"""The throughput benchmark runs end to end (at a tiny size: the real figures
come from running it by hand, see the README) and checks its own numbers."""

import csv
import subprocess
import sys

from conftest import ROOT


def test_benchmark_smoke_run(tmp_path):
    out = tmp_path / "bench"
    result = subprocess.run(
        list(map(str, [sys.executable, ROOT / "benchmarks" / "throughput.py", "--large-count", 3,
         "--small-count", 10, "--large-shape", "200x300", "--small-shape", "60x40",
         "--dry-run-count", 50, "--repeats", 1, "--out", out])),
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "summary.csv", newline="") as f:
        summary = list(csv.DictReader(f))
    modes = {(r["set"], r["mode"]) for r in summary}
    for name in ("200x300", "60x40"):
        assert {(name, m) for m in "abcdefg"} <= modes
    assert ("dry-run 50", "dry") in modes
    assert all(float(r["wall_s"]) > 0 for r in summary)
    assert (out / "throughput.png").stat().st_size > 0
    assert "| wall / (b) |" in result.stdout
