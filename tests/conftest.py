"""Shared fixtures: the project's paths, the lesson's data, a real snakemake."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

LESSON_DATA = Path(os.environ.get("LESSON_DATA", ROOT.parent / "shared" / "lesson-data"))
SNAKEMAKE = Path(sys.executable).parent / "snakemake"


def in_ci():
    """Whether the tests run in CI (CI set), where a missing real component
    fails a test instead of skipping it."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def lesson_data():
    """The lesson's images and README; skip where ../shared is absent."""
    if not (LESSON_DATA / "README.md").is_file():
        pytest.skip(f"lesson data not found at {LESSON_DATA} (../shared is absent)")
    return LESSON_DATA


def link_images(lesson_data, workdir, names, subdir="data"):
    """Link lesson images into workdir/subdir (never copied into the repo)."""
    target = Path(workdir) / subdir
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        (target / name).symlink_to(lesson_data / name)
    return target


def run_snakemake(workdir, *args, check=True, timeout=900):
    """Run the real snakemake CLI on the project's Snakefile in workdir."""
    cmd = [str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"), *map(str, args)]
    result = subprocess.run(
        cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def png_size(path):
    """(width, height) of an image file."""
    from PIL import Image

    with Image.open(path) as image:
        return image.size


@pytest.fixture
def workdir(tmp_path):
    path = tmp_path / "work"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def pytest_collection_modifyitems(items):
    """Run the SLURM test last: when it stops the SLURM it started, SLURM's
    client stays installed, and every later `snakemake` (which loads the SLURM
    executor plugin) waits about 9 s for `scontrol` to time out."""
    items.sort(key=lambda item: item.path.name == "test_slurm.py")
