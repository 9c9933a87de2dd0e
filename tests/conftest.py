"""Shared fixtures: the project's paths, the lesson's data, a real snakemake."""

import fcntl
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

LESSON_DATA = Path(os.environ.get("LESSON_DATA", ROOT.parent / "shared" / "lesson-data"))
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
#: The real barley photos and their hand-traced roots (RSML)
REAL_PHOTOS = Path(os.environ.get(
    "REAL_PHOTOS", ROOT.parent / "shared" / "real-photos" / "barley-roots"))


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


@pytest.fixture(scope="session")
def real_photos():
    """The real barley photos (train/imgs) and their traces (train/rsml);
    skip where ../shared is absent."""
    if not (REAL_PHOTOS / "train" / "rsml").is_dir():
        pytest.skip(f"real photos not found at {REAL_PHOTOS} (../shared is absent)")
    return REAL_PHOTOS / "train"


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


RUNS_AT_ONCE = 3


def run_all(runs, at_once=RUNS_AT_ONCE):
    """Start independent snakemake runs together, at most `at_once` at a
    time (each run is a function of no arguments, e.g. calling run_snakemake
    in a folder of its own): {key: future}; a test takes its own run's
    result with .result(). Each run's start-up (most of a short run) is
    spent in Python on one core; together they use both."""
    pool = ThreadPoolExecutor(max_workers=at_once)
    futures = {key: pool.submit(run) for key, run in runs.items()}
    pool.shutdown(wait=False)
    return futures


def png_size(path):
    """(width, height) of an image file."""
    from PIL import Image

    with Image.open(path) as image:
        return image.size


def copy_run(source, target):
    """A copy of a run's folder (results, logs, .snakemake and the inputs)
    for a test that changes it: the same files with the same times, so that
    Snakemake finds in the copy what it left in the original. Links stay
    links (the lesson's images are linked, never copied)."""
    shutil.copytree(source, target, symlinks=True)
    return Path(target)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The workflow run once as it comes (no config: the demo experiment, 12
    images with their truth and sample sheet), shared by the tests that only
    read its results. Run once for the whole session: the first process
    (of pytest-xdist's workers) that needs it runs it, under a lock, in a
    folder they all share; each process is given its own copy (copy_run),
    so that what one process's tests run in it (a re-run with nothing to
    do, --report) is never at the same time as another's. A test that
    changes the folder works on a copy of its own."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's folder, above each worker's own
    shared = base / "demo-run-shared"
    with open(base / "demo-run-shared.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = base / "demo-run-shared.done"
        if not done.exists():
            shutil.rmtree(shared, ignore_errors=True)  # an earlier attempt's
            shared.mkdir()
            run_snakemake(shared, "--cores", 2)
            done.touch()
    return copy_run(shared, tmp_path_factory.mktemp("demo-run") / "run")


@pytest.fixture
def workdir(tmp_path):
    path = tmp_path / "work"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


# The test files in the order pytest-xdist hands them out (pytest.ini:
# --dist=loadfile --no-loadscope-reorder), a file at a time to whichever
# process is free: first the two whose time on a fresh machine is mostly an
# install (SLURM's and Chromium's Debian packages), then the longest (by
# --durations=0 on 2 cores), so that the short files, in the order pytest
# collects them, even out the end instead of one long file running alone.
# The order changes no result, only the wall time.
FIRST = [
    "test_slurm.py", "test_report.py", "test_real_photos.py", "test_benchmark.py",
    "test_workflow.py",
    "test_stages_workflow.py", "test_samples.py", "test_bad_input.py",
    "test_evaluation.py", "test_local_roi.py", "test_outputs.py", "test_objects.py",
    "test_roots_workflow.py", "test_disk.py", "test_roots.py", "test_qc_workflow.py",
    # the longest of the rest, so that the last files, on either worker, are short
    "test_collection.py", "test_segmenters.py", "test_demo_length.py", "test_channels.py",
    "test_demo.py", "test_traces.py",
]


def pytest_collection_modifyitems(items):
    """Order the files as FIRST gives, the others after them. Where the SLURM
    executor plugin is installed in this environment (requirements-test.txt
    leaves it out), the SLURM test runs last instead: when it stops the SLURM
    it started, SLURM's client stays installed, and every later `snakemake`
    (which then loads the plugin) waits about 9 s for `scontrol` to time
    out."""
    import importlib.util

    first = list(FIRST)
    if importlib.util.find_spec("snakemake_executor_plugin_slurm"):
        first.remove("test_slurm.py")

    def rank(item):
        name = item.path.name
        if name in first:
            return first.index(name)
        return len(first) + (name == "test_slurm.py")

    items.sort(key=rank)
