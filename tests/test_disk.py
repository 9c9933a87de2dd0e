"""Unit tests of rootmass.workflow.disk (no Snakemake), and a run on a small file
system: refused before any job with the one line, and passing with the
settings the line gives."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_snakemake
from rootmass.workflow.disk import (
    BLURRED_FILE_BYTES,
    OUTPUT_KINDS,
    cache_bytes,
    disk_message,
    disk_needs,
    format_bytes,
    suggested_batch_megapixels,
)

PHOTO = (3008, 2000)  # a lesson photo, 6 megapixels
ALL = set(OUTPUT_KINDS) - {"objects", "roots"}  # the figures below were made without them


def collection(batches, images, size=PHOTO):
    return {f"b{i}": [size] * images for i in range(batches)}


def test_cache_is_8_bytes_a_pixel():
    assert cache_bytes([PHOTO]) == 8 * 3008 * 2000 + BLURRED_FILE_BYTES
    assert cache_bytes([]) == 0
    # 10,000 photos: 480 GB
    assert round(cache_bytes([PHOTO] * 10_000) / 1e9) == 481


def test_a_first_run_leaves_its_cache_and_outputs():
    batches = collection(4, 10)
    missing = {name: ALL for name in batches}
    kept = disk_needs(batches, missing, keep_blurred=True, qc=True, cores=2)
    assert kept.cache == cache_bytes([PHOTO] * 40)
    assert kept.at_once == kept.leave > kept.cache
    assert kept.in_flight == 0 and kept.batches == 4
    lean = disk_needs(batches, missing, keep_blurred=False, qc=True, cores=2)
    assert lean.cache == 0
    assert lean.leave == kept.leave - kept.cache
    # the figures, masks and tables: well under a megabyte a photo
    assert 100_000 < lean.leave / 40 < 1_000_000
    # two batches in flight, one a core
    assert lean.batches_in_flight == 2
    assert lean.in_flight == 2 * cache_bytes([PHOTO] * 10)
    assert lean.at_once == lean.leave + lean.in_flight


def test_in_flight_counts_the_largest_batches_and_no_more_than_there_are():
    batches = {"a": [PHOTO], "b": [PHOTO] * 3, "c": [PHOTO] * 2}
    missing = {name: ALL for name in batches}
    two = disk_needs(batches, missing, False, True, cores=2)
    assert two.in_flight == cache_bytes([PHOTO] * 5)
    assert two.largest_batch == cache_bytes([PHOTO] * 3)
    eight = disk_needs(batches, missing, False, True, cores=8)
    assert eight.in_flight == cache_bytes([PHOTO] * 6) and eight.batches_in_flight == 3


def test_qc_false_leaves_no_figures():
    batches = collection(2, 5)
    missing = {name: ALL for name in batches}
    with_qc = disk_needs(batches, missing, False, True, 2)
    without = disk_needs(batches, missing, False, False, 2)
    assert without.leave < with_qc.leave


def test_a_run_with_nothing_to_do_needs_nothing():
    batches = collection(3, 10)
    for keep in (True, False):
        needs = disk_needs(batches, {}, keep, True, 4)
        assert (needs.leave, needs.at_once, needs.batches) == (0, 0, 0)
        assert disk_message(0, batches, {}, keep, True, 4, 1000) is None
    # keep_blurred: false deleted the caches: that alone re-runs nothing
    gone = {name: {"blurred"} for name in batches}
    assert disk_needs(batches, gone, False, True, 4).at_once == 0
    assert disk_message(0, batches, gone, False, True, 4, 1000) is None
    # ... and qc: false does not ask for the QC figures it will not make
    assert disk_needs(batches, {n: {"qc"} for n in batches}, True, False, 4).at_once == 0


def test_a_threshold_change_reuses_the_cache_and_rewrites_in_place():
    # the cache kept, every output there: the masks are rewritten at their size
    batches = collection(2, 10)
    assert disk_needs(batches, {}, True, True, 2).leave == 0


def test_only_the_batches_to_make_count():
    batches = collection(4, 10)
    one = disk_needs(batches, {"b0": ALL}, True, True, 2)
    assert one.cache == cache_bytes(batches["b0"]) and one.batches == 1
    # deleted blurred images with keep_blurred: true are made again
    again = disk_needs(batches, {"b1": {"blurred"}}, True, True, 2)
    assert again.cache == cache_bytes(batches["b1"]) and again.leave > again.cache
    # turning QC on later: the figures only, the kept cache read as it is
    later = disk_needs(batches, {n: {"qc"} for n in batches}, True, True, 2)
    assert later.cache == 0 and later.leave > 0 and later.in_flight == 0
    # ... and with keep_blurred: false the caches come back for the while
    lean = disk_needs(batches, {n: {"qc", "blurred"} for n in batches}, False, True, 2)
    assert lean.in_flight == 2 * cache_bytes(batches["b0"])


def test_cores_must_be_positive():
    with pytest.raises(ValueError):
        disk_needs({}, {}, True, True, 0)


@pytest.mark.parametrize("count, text", [
    (0, "0 bytes"), (999, "999 bytes"), (1500, "1.5 kB"), (38_400_000, "38 MB"),
    (4_120_000_000, "4.1 GB"), (480_000_000_000, "480 GB"), (2.5e12, "2.5 TB"),
])
def test_format_bytes(count, text):
    assert format_bytes(count) == text


def test_suggested_batch_megapixels():
    # 20 GB for 8 cores: 312 megapixels a core, less one 6-megapixel image
    assert suggested_batch_megapixels(20e9, 8, 6.0) == ("batch_megapixels", 300)
    # room for one image a core, not for a target and an image
    assert suggested_batch_megapixels(2 * 8 * 6.5e6, 2, 6.0) == ("batch_max_images", 1)
    assert suggested_batch_megapixels(2 * 8 * 7e6, 2, 6.0) == ("batch_megapixels", 1)
    assert suggested_batch_megapixels(8 * 5e6, 1, 6.0) is None
    assert suggested_batch_megapixels(-1, 1, 6.0) is None


def test_the_message_of_a_run_that_fits_is_none():
    batches = collection(60, 166)
    missing = {name: ALL for name in batches}
    assert disk_message(1e12, batches, missing, True, True, 8, 1000) is None


def test_the_message_names_both_figures_and_what_to_change():
    # 10,000 photos in 60 batches of about 1000 megapixels, 8 cores
    batches = collection(60, 166)
    missing = {name: ALL for name in batches}
    line = disk_message(100e9, batches, missing, True, True, 8, 1000)
    assert "\n" not in line
    assert line.startswith("disk: this run would leave 484 GB in results/ (479 GB of it"
                           " the blurred cache, kept by keep_blurred: true), but the file"
                           " system of results/ has 100 GB free")
    assert "with keep_blurred: false it would leave 4.1 GB and need at most 68 GB at once" in line
    assert "8 batches in flight, one a core, up to 8.0 GB each" in line
    assert line.endswith(": set keep_blurred: false, or run on a disk with more room")
    # too little even without the cache: smaller batches too
    line = disk_message(20e9, batches, missing, True, True, 8, 1000)
    assert line.endswith(": set keep_blurred: false and batch_megapixels: 240 or less"
                         " (now 1000), or run on a disk with more room")
    line = disk_message(20e9, batches, missing, False, True, 8, 1000)
    assert line == (
        "disk: this run would leave 4.1 GB in results/ and needs at most 68 GB at once"
        " (the blurred images of 8 batches in flight, one a core, up to 8.0 GB each),"
        " but the file system of results/ has 20 GB free: set batch_megapixels: 240"
        " or less (now 1000), or run on a disk with more room"
    )
    # not even the masks and figures fit: another disk
    line = disk_message(2e9, batches, missing, False, True, 8, 1000)
    assert line.endswith("has 2.0 GB free: run on a disk with more room")


def test_the_measuring_stages_add_the_bytes_they_declare():
    from rootmass.workflow.disk import disk_needs
    from rootmass.workflow.stages import STAGES

    batches = collection(3, 10)
    without = disk_needs(batches, {name: ALL for name in batches}, True, True, 2)
    for stage in ("objects", "roots"):
        declared = STAGES[stage].disk_bytes[stage]
        assert declared >= 30_000
        with_stage = disk_needs(batches, {name: ALL | {stage} for name in batches},
                                True, True, 2)
        assert with_stage.leave - without.leave == declared * 30


def test_the_suggested_setting_fits():
    batches = collection(2, 50)
    missing = {name: ALL for name in batches}
    free = 2e9
    line = disk_message(free, batches, missing, False, True, 2, 1000)
    target = float(re.search(r"batch_megapixels: ([0-9.]+) or less", line).group(1))
    # split with that target: batches of at most the target (the
    # suggestion leaves one image's room besides), cores of them in flight
    from rootmass.workflow.batches import content_batches

    names = [f"p{i:03d}" for i in range(100)]
    split = content_batches(names, [6.016] * 100, target, 1000)
    smaller = {f"s{i}": [PHOTO] * len(group) for i, group in enumerate(split)}
    assert disk_message(free, smaller, {n: ALL for n in smaller}, False, True, 2, target) is None


# --- a run on a small file system ---------------------------------------------------
TMPFS_MB = 40


@pytest.fixture
def small_disk(tmp_path):
    """A 40 MiB tmpfs as the run's folder (root only; CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs the tests as root)")
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_MB}m", "tmpfs", mount],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", mount], check=False)


def demo_images(where, count, width, height):
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_demo.py"), "--out", str(where),
         "--count", str(count), "--width", str(width), "--height", str(height),
         "--seed", "5"],
        check=True, capture_output=True, timeout=300,
    )


#: What Snakemake itself writes on commands that run no job, a dry run too:
#: its cache of the files' times (for --trust-io-cache), its locks (taken
#: and released) and its log of the command.
SNAKEMAKES_OWN = (".snakemake/iocache", ".snakemake/locks", ".snakemake/log")


def listing(folder):
    """Every file under folder with its size and time, and every folder: what
    a command changed (but Snakemake's own SNAKEMAKES_OWN)."""
    found = set()
    for path in Path(folder).rglob("*"):
        name = path.relative_to(folder).as_posix()
        if name.startswith(SNAKEMAKES_OWN):
            continue
        stat = path.lstat()
        found.add((name, None, None) if path.is_dir() else (name, stat.st_size, stat.st_mtime_ns))
    return found


@pytest.mark.slow
def test_the_cache_never_stops_a_run_at_the_defaults_and_true_stops_before_any_job(
        small_disk, tmp_path):
    # 6 images of 1.5 megapixels: a blurred cache of 72 MB for a 40 MiB disk.
    # The images are linked in from elsewhere: only the run's own files
    # take room on the small disk.
    demo_images(tmp_path / "photos", 6, 1500, 1000)
    data = small_disk / "data"
    data.mkdir()
    for image in sorted((tmp_path / "photos").glob("*.jpg")):
        (data / image.name).symlink_to(image)
    config = ["--cores", 2, "--config", "images=data/*.jpg", "demo=false"]

    # asked to keep it: refused before any job, with the one line
    refused = run_snakemake(small_disk, *config, "keep_blurred=true", check=False)
    assert refused.returncode != 0
    line = next(l for l in (refused.stdout + refused.stderr).splitlines()
                if l.startswith("disk: "))
    assert "would leave 76 MB in results/ (72 MB of it the blurred cache" in line, line
    assert "kept by keep_blurred: true" in line and "set keep_blurred: false" in line, line
    assert not (small_disk / "results").exists()
    assert "rule grayscale_blur" not in refused.stdout + refused.stderr
    # a dry run says nothing of the disk and changes nothing
    before = listing(small_disk)
    dry = run_snakemake(small_disk, *config, "keep_blurred=true", "--dry-run")
    assert "disk: " not in dry.stdout + dry.stderr and "blurred cache" not in dry.stdout
    assert listing(small_disk) == before

    # at the defaults (auto): not kept, batches of one image, and it runs
    run = run_snakemake(small_disk, *config)
    said = [l for l in (run.stdout + run.stderr).splitlines() if l.startswith("blurred cache")]
    assert len(said) == 1, run.stdout + run.stderr
    assert said[0].startswith("blurred cache: each batch's removed once its jobs are done"
                              " (keep_blurred: auto: this run's 7"), said[0]
    assert "smaller than" in said[0] and "so that they fit in the 4" in said[0], said[0]
    assert (small_disk / "results" / "ratios.csv").is_file()
    assert not list((small_disk / "results").glob("blurred/*"))
    assert len(list((small_disk / "results").glob("masks/b*"))) == 6

    # a re-run with nothing to do is never refused, however full the disk,
    # and finds the same batches (the room counts what results/ holds)
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    with open(filler, "wb") as f:
        f.write(b"\0" * (free - 64 * 1024))
    again = run_snakemake(small_disk, *config, "--dry-run")
    assert "Nothing to be done" in again.stdout + again.stderr, again.stdout
