"""The workflow as a Snakemake module of another workflow, as the workflow
catalog and `snakedeploy deploy-workflow` deploy it: a folder that holds
only the user's config/ and images, and a workflow/Snakefile that includes
this one with `module ... config: config` and `use rule * from`."""

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SNAKEMAKE, link_images

sys.path.insert(0, str(ROOT / "benchmarks"))
from lesson_loop import measure_root_mass  # noqa: E402

TRIALS = ["trial-016.jpg", "trial-020.jpg"]

DEPLOYED = """\
configfile: "config/config.yaml"


module rootmass:
    snakefile:
        "{snakefile}"
    config:
        config


use rule * from rootmass as rootmass_*
"""


@pytest.mark.slow  # a workflow run of its own
def test_runs_unchanged_as_a_module_with_the_lessons_numbers(lesson_data, workdir):
    link_images(lesson_data, workdir, TRIALS)
    (workdir / "config").mkdir()
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    config.update(images="data/*.jpg", demo=None)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    (workdir / "workflow").mkdir()
    (workdir / "workflow" / "Snakefile").write_text(
        DEPLOYED.format(snakefile=ROOT / "Snakefile")
    )
    result = subprocess.run(
        [str(SNAKEMAKE), "--cores", "2"], cwd=workdir, capture_output=True, text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    # the rules under their prefixed names, the results in the user's folder
    assert "rootmass_grayscale_blur" in result.stderr
    with open(workdir / "results" / "ratios.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["image"] for row in rows] == [f"data/{name}" for name in TRIALS]
    for row in rows:
        lesson = measure_root_mass(lesson_data / Path(row["image"]).name)[0]
        assert row["ratio"] == repr(float(lesson))
    assert (workdir / "results" / "qc" / "contact-sheets").is_dir()
    # no plan is recorded: the jobs of a cluster find the batches from the
    # images and the --config they are given (rootmass.workflow.planning)
    assert not list((workdir / ".snakemake").glob("rootmass-batches*"))
    assert list((workdir / "logs" / "plans").glob("*.json"))
    assert not (workdir / "demo").exists() and not (workdir / "scripts").exists()
    shutil.rmtree(workdir / "results")
