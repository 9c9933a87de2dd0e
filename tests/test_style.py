"""The Snakemake files as the workflow catalog checks them: snakefmt (the
lint test runs `snakemake --lint`)."""

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

SNAKEFMT = Path(sys.executable).parent / "snakefmt"


def test_snakefmt_would_change_no_snakemake_file():
    files = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]
    assert len(files) >= 8
    result = subprocess.run([str(SNAKEFMT), "--check", *map(str, files)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
