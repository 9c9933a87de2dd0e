"""Bad input never costs the batch: real snakemake runs on broken files, odd
formats and names, bad configs, killed and concurrent runs."""

import csv
import os
import re
import signal
import subprocess
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from skimage.filters import gaussian, threshold_otsu

from conftest import ROOT, SNAKEMAKE, run_all, run_snakemake
from rootmass.demo import synthetic_root_image
from rootmass.workflow import planning
from rootmass.workflow.jobs import peak_memory_mib


def read_rows(workdir):
    with open(Path(workdir) / "results" / "ratios.csv", newline="", encoding="utf-8") as f:
        return {row["image"]: row for row in csv.DictReader(f)}


def otsu_ratio(gray):
    """The lesson's procedure 1 on a grayscale array."""
    blurred = gaussian(gray, sigma=1.5)
    mask = blurred > threshold_otsu(blurred)
    return repr(float(np.count_nonzero(mask) / mask.size))


def rgb_sample(seed=0, shape=(60, 90)):
    return synthetic_root_image(shape, seed=seed)[0]


def luma(rgb):
    return np.asarray(Image.fromarray(rgb).convert("L"))


@pytest.fixture
def odd_images(workdir):
    """Files of every kind the workflow meets, with the ratio each should give
    (computed here from the arrays written, not read back), or None for the
    ones that cannot be processed."""
    data = workdir / "data"
    data.mkdir()
    expected = {}
    rgb = rgb_sample(1)
    Image.fromarray(rgb).save(data / "good.jpg", quality=95)
    expected["data/good.jpg"] = otsu_ratio(luma(np.asarray(Image.open(data / "good.jpg"))))

    good = (data / "good.jpg").read_bytes()
    (data / "truncated.jpg").write_bytes(good[: len(good) // 2])
    expected["data/truncated.jpg"] = None
    (data / "empty.jpg").write_bytes(b"")
    expected["data/empty.jpg"] = None
    (data / "text.jpg").write_text("this is not an image\n")
    expected["data/text.jpg"] = None

    Image.fromarray(rgb).save(data / "png-named.jpg", format="PNG")
    expected["data/png-named.jpg"] = otsu_ratio(luma(rgb))

    gray8 = luma(rgb_sample(2))
    Image.fromarray(gray8).save(data / "gray8.png")
    expected["data/gray8.png"] = otsu_ratio(gray8)

    rgba = np.dstack([rgb_sample(3), np.full((60, 90), 7, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(data / "rgba.png")
    expected["data/rgba.png"] = otsu_ratio(luma(rgba[..., :3]))

    palette = Image.fromarray(rgb_sample(4)).quantize(colors=16)
    palette.save(data / "palette.png")
    expected["data/palette.png"] = otsu_ratio(luma(np.asarray(palette.convert("RGB"))))

    gray16 = (luma(rgb_sample(5)).astype(np.uint16) * 257 + 3).astype(np.uint16)
    Image.fromarray(gray16).save(data / "gray16.png")
    Image.fromarray(gray16).save(data / "gray16-tiff.tif")
    expected["data/gray16.png"] = expected["data/gray16-tiff.tif"] = otsu_ratio(gray16)

    float32 = (luma(rgb_sample(6)) / 255).astype(np.float32)
    Image.fromarray(float32, "F").save(data / "float.tif")
    expected["data/float.tif"] = otsu_ratio(float32)
    Image.fromarray(np.full((20, 30), 2.5, np.float32), "F").save(data / "float-out-of-range.tif")
    expected["data/float-out-of-range.tif"] = None

    pages = [Image.fromarray(luma(rgb_sample(s))) for s in (7, 8)]
    pages[0].save(data / "pages.tif", save_all=True, append_images=pages[1:])
    expected["data/pages.tif"] = otsu_ratio(np.asarray(pages[0]))

    tiny = luma(rgb_sample(9, shape=(16, 16)))[:5, :3]
    Image.fromarray(tiny).save(data / "tiny.png")
    expected["data/tiny.png"] = otsu_ratio(tiny)

    Image.fromarray(np.full((40, 50), 128, np.uint8)).save(data / "uniform.png")
    expected["data/uniform.png"] = "0.0"  # Otsu gives t = the value; nothing is above it

    for name in ["with space.jpg", "ünïcødé-根.jpg", "brackets[1]{2}(3).jpg",
                 "quotes'\"both\".jpg", "dollar$HOME;semi.jpg"]:
        Image.fromarray(rgb).save(data / name, quality=95)
        expected[f"data/{name}"] = expected["data/good.jpg"]
    return expected


@pytest.mark.slow  # a workflow run of its own
def test_skip_processes_every_good_image_and_records_every_bad_one(workdir, odd_images):
    result = run_snakemake(
        workdir, "--cores", 2, "--config", "images=data/*", "demo=false", "on_error=skip"
    )
    rows = read_rows(workdir)
    assert set(rows) == set(odd_images)
    for image, ratio in odd_images.items():
        row = rows[image]
        if ratio is None:
            assert row["status"] == "error" and row["error"], row
            assert row["ratio"] == "" and row["mask"] == ""  # no mask at all
        else:
            assert (row["status"], row["error"], row["ratio"]) == ("ok", "", ratio), row
            assert Path(workdir, row["mask"]).is_file()
    # a failed image has an empty count and no objects' rows
    with open(Path(workdir, "results", "objects.csv"), newline="") as f:
        tabled = {row["image"] for row in csv.DictReader(f)}
    for image, ratio in odd_images.items():
        if ratio is None:
            assert rows[image]["objects"] == "" and image not in tabled
        else:
            assert int(rows[image]["objects"]) >= 0
    assert "empty (0 bytes)" in rows["data/empty.jpg"]["error"]
    assert "not an image" in rows["data/text.jpg"]["error"]
    assert rows["data/truncated.jpg"]["error"].startswith("the file is truncated or damaged: ")
    assert "[0, 1]" in rows["data/float-out-of-range.tif"]["error"]
    bad = sum(r is None for r in odd_images.values())
    assert f"{bad} of {len(odd_images)} images were skipped" in result.stderr
    masks = {p.name for p in Path(workdir, "results", "masks").glob("*/data/*.png")}
    assert {"brackets[1]%7B2%7D(3).png", "dollar$HOME;semi.png"} <= masks
    assert len(masks) == sum(r is not None for r in odd_images.values())
    again = run_snakemake(
        workdir, "--cores", 2, "--config", "images=data/*", "demo=false", "on_error=skip"
    )
    assert "Nothing to be done" in again.stdout + again.stderr


def test_stop_names_the_file_and_the_reason_in_one_line(workdir):
    data = workdir / "data"
    data.mkdir()
    Image.fromarray(rgb_sample(1)).save(data / "a-good.jpg")
    (data / "b-broken.jpg").write_text("not an image")
    result = run_snakemake(workdir, "--cores", 2, "--config", "images=data/*.jpg",
                           "demo=false", check=False)
    assert result.returncode != 0
    line = "grayscale_blur: cannot process 'data/b-broken.jpg': not an image file that Pillow can read"
    assert line in result.stderr.splitlines(), result.stderr
    assert not (workdir / "results" / "ratios.csv").exists()


def test_max_megapixels_refuses_larger_images_and_sets_pillows_guard(tmp_path):
    from PIL import Image as PILImage

    from rootmass import io

    path = tmp_path / "scan.png"
    Image.fromarray(np.zeros((50, 60), np.uint8)).save(path)
    tiff = tmp_path / "scan16.tif"  # read through imageio, and Pillow checks
    Image.fromarray(np.zeros((50, 60), np.uint16)).save(tiff)  # again on decoding
    before = io.MAX_MEGAPIXELS, PILImage.MAX_IMAGE_PIXELS
    try:
        PILImage.MAX_IMAGE_PIXELS = 1000  # as if Pillow refused above 2000 pixels
        io.set_max_megapixels(0.01)
        assert PILImage.MAX_IMAGE_PIXELS == 1000  # left alone
        assert io.read_image(str(path)).shape == (50, 60)
        # within max_megapixels, Pillow's guard never speaks, whatever its
        # own limit, and is left as it was
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert io.read_image(str(tiff)).dtype == np.uint16
            assert io.read_image(str(path)).shape == (50, 60)
            assert io.load_mask(str(path)).shape == (50, 60)
        assert PILImage.MAX_IMAGE_PIXELS == 1000
        assert io.above_max_megapixels(1000, 1025, 1.025) is False
        assert io.above_max_megapixels(1001, 1025, 1.025) is True
        io.set_max_megapixels(0.002)
        with pytest.raises(io.BadImage) as error:
            io.read_image(str(path))
        assert str(error.value) == (
            "the image has 0.003 megapixels (60 x 50), more than max_megapixels (0.002);"
            " raise max_megapixels in the config to process it (a job needs about 40 bytes"
            " a pixel)")
        # Pillow's own guard (which would refuse it above twice its limit,
        # with no word of our setting) never speaks first
        for image in (path, tiff):
            with pytest.raises(io.BadImage, match="max_megapixels"):
                io.read_image(str(image))
        assert PILImage.MAX_IMAGE_PIXELS == 1000
        with pytest.raises(ValueError):
            io.set_max_megapixels(0)
    finally:
        io.MAX_MEGAPIXELS, PILImage.MAX_IMAGE_PIXELS = before


@pytest.mark.slow  # three runs, one after another
def test_an_image_above_max_megapixels_is_one_line_naming_the_setting(workdir):
    data = workdir / "data"
    data.mkdir()
    Image.fromarray(rgb_sample(1)[:50, :60]).save(data / "big.png")
    Image.fromarray(rgb_sample(1)[:20, :30]).save(data / "small.png")
    config = ["--config", "images=data/*.png", "demo=false", "max_megapixels=0.002"]
    result = run_snakemake(workdir, "--cores", 2, *config, check=False)
    assert result.returncode != 0
    line = ("grayscale_blur: cannot process 'data/big.png': the image has 0.003 megapixels"
            " (60 x 50), more than max_megapixels (0.002); raise max_megapixels in the"
            " config to process it (a job needs about 40 bytes a pixel)")
    assert line in result.stderr.splitlines(), result.stderr
    # with on_error: skip, a row that says so; the other image is processed
    run_snakemake(workdir, "--cores", 2, *config, "on_error=skip")
    rows = read_rows(workdir)
    assert rows["data/big.png"]["status"] == "error"
    assert "more than max_megapixels (0.002)" in rows["data/big.png"]["error"]
    assert rows["data/small.png"]["status"] == "ok"
    # raised, the image is processed
    run_snakemake(workdir, "--cores", 2, "--config", "images=data/*.png", "demo=false",
                  "max_megapixels=0.004", "on_error=skip")
    assert read_rows(workdir)["data/big.png"]["status"] == "ok"


@pytest.mark.slow  # a workflow run of its own
def test_all_bright_image_with_otsu_excluding_bright_is_a_defined_error(workdir):
    data = workdir / "data"
    data.mkdir()
    Image.fromarray(np.full((30, 40), 250, np.uint8)).save(data / "white.png")
    Image.fromarray(luma(rgb_sample(1))).save(data / "roots.png")
    config = workdir / "c.yaml"
    config.write_text(yaml.safe_dump(dict(images="data/*.png", demo=None, on_error="skip",
                                          threshold=dict(method="otsu_excluding_bright"))))
    run_snakemake(workdir, "--cores", 2, "--configfile", config)
    rows = read_rows(workdir)
    assert rows["data/white.png"]["status"] == "error"
    assert "bright_cutoff" in rows["data/white.png"]["error"]
    assert rows["data/roots.png"]["status"] == "ok"


@pytest.mark.slow  # a 24-megapixel image through every stage
def test_large_image_memory_stays_bounded(workdir):
    data = workdir / "data"
    data.mkdir()
    image, _ = synthetic_root_image((4000, 6000), seed=3)
    Image.fromarray(image).save(data / "large.jpg", quality=90)
    run_snakemake(workdir, "--cores", 2, "--config", "images=data/*.jpg", "demo=false")
    float64_mib = 8 * 4000 * 6000 / 2**20
    peaks = {}
    for rule in ("grayscale_blur", "threshold", "save_mask", "qc_images"):
        (log,) = Path(workdir, "logs", rule).glob("*.log")
        # the job's own peak (its ru_maxrss, which its log ends with): what
        # the process held at its most, whatever the machine's speed
        peaks[rule] = peak = peak_memory_mib(log)
        # one image at a time: at most four float64 copies of it beside the
        # interpreter and libraries, within what the job asks a cluster for
        # (mem_mb: planning.LIBRARIES_MB + five float64 copies)
        assert peak <= planning.LIBRARIES_MB + 4 * float64_mib, (rule, peak)
    # the stages that read the blurred image hold it; threshold, whose Otsu
    # needs only the histogram grayscale_blur stored, and the QC figures,
    # made from the previews, the mask and the recorded histogram, do not
    for rule in ("grayscale_blur", "save_mask"):
        assert float64_mib < peaks[rule], peaks
    assert peaks["threshold"] < float64_mib, peaks
    assert peaks["qc_images"] < float64_mib, peaks
    # the blur holds the image and its blurred copy at once: most of that peak
    assert 2 * float64_mib < peaks["grayscale_blur"], peaks
    # Snakemake's benchmark record of each job is there (what its sampler,
    # twice a second, happened to see depends on the machine's speed, and
    # is not judged)
    for rule in peaks:
        (record,) = Path(workdir, "logs", "benchmarks", rule).glob("*.tsv")
        with open(record) as f:
            assert "max_rss" in next(csv.DictReader(f, delimiter="\t")), record


def test_outputs_that_would_collide_are_refused_before_any_job(workdir):
    data = workdir / "data"
    data.mkdir()
    Image.fromarray(rgb_sample(1)).save(data / "a.jpg")
    Image.fromarray(rgb_sample(1)).save(data / "a.png")
    result = run_snakemake(workdir, "--cores", 2, "--config", "images=data/*", "demo=false",
                           check=False)
    assert result.returncode != 0
    assert "'data/a.jpg' and 'data/a.png' would both be written as 'data/a'" in result.stderr
    assert not (workdir / "results").exists()


# End-to-end canaries of the one-line config errors (every message is a unit
# test of rootmass.workflow.config and rootmass.workflow.experiment in tests/test_plan.py):
# the line reaches the user, and no job runs.
BAD_CONFIGS = [
    (dict(images="nothing/*.jpg"), "config key 'images': 'nothing/*.jpg' matches no file"),
    (dict(threshold=dict(method="magic")), "config key 'threshold.method': 'magic' is not one of 'fixed', 'otsu', 'isodata', 'li', 'mean', 'minimum', 'triangle', 'yen', 'otsu_excluding_bright'"),
    (dict(images="data/*.jpg", method_panel="nope.jpg"), "is not one of the images that 'images' ('data/*.jpg') selects"),
]


@pytest.fixture(scope="module")
def bad_config_runs(tmp_path_factory):
    """Each bad config's run, in a folder of its own, started together
    (run_all): {index in BAD_CONFIGS: future of (folder, result)}."""
    def prepared(settings):
        work = tmp_path_factory.mktemp("bad-config")
        (work / "data").mkdir()
        Image.fromarray(rgb_sample(1)).save(work / "data" / "a.jpg")
        config = work / "bad.yaml"
        config.write_text(yaml.safe_dump(settings))
        return lambda: (work, run_snakemake(work, "--cores", 2, "--configfile", config,
                                            check=False))
    return run_all({i: prepared(settings) for i, (settings, _) in enumerate(BAD_CONFIGS)})


@pytest.mark.parametrize("settings, message", BAD_CONFIGS)
def test_bad_config_is_rejected_before_any_job(bad_config_runs, settings, message):
    workdir, result = bad_config_runs[BAD_CONFIGS.index((settings, message))].result()
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert not (workdir / "results").exists() and not (workdir / "demo").exists()


@pytest.mark.parametrize(
    "given, message, method",
    [
        ("threshold={method:yen}", "config: unknown key 'method:yen' in 'threshold'; the keys are method, value, foreground, bright_cutoff, marker_min_area, marker_margin, window, k, offset, classes, foreground_classes, classifier_trees, classifier_depth, classifier_sigma_max, classifier_colour_sigmas, classifier_samples, trace_foreground, trace_background, classifier_model, classifier_probability (on the command line, a space after each colon: threshold='{method: yen}')", "yen"),
        ("threshold=method:yen", "config key 'threshold': 'method:yen' is not a mapping; on the command line a nested setting is written whole, in quotes: threshold='{method: otsu}'", "otsu"),
    ],
)
@pytest.mark.slow  # a workflow run of its own
def test_nested_settings_on_the_command_line(workdir, given, message, method):
    (workdir / "data").mkdir()
    Image.fromarray(rgb_sample(1)).save(workdir / "data" / "a.jpg")
    args = ["--cores", 2, "--config", "images=data/*.jpg"]
    result = run_snakemake(workdir, *args, given, check=False)
    assert result.returncode != 0
    assert [line for line in result.stderr.splitlines() if message in line], result.stderr
    assert not (workdir / "results").exists()
    # the form the message shows works (the shell would take the quotes off)
    shown = re.search(r"(threshold='\{.*\}')", message).group(1).replace("'", "")
    run_snakemake(workdir, *args, shown)
    with open(workdir / "results" / "ratios.csv", newline="") as f:
        assert [row["method"] for row in csv.DictReader(f)] == [method]


DEMO_COUNT = 6  # in batches of 2: several batches, and jobs in flight at once


def demo_config(workdir):
    config = workdir / "kill.yaml"
    config.write_text(yaml.safe_dump(dict(
        images="demo/*.jpg", batch_max_images=2,
        demo=dict(count=DEMO_COUNT, height=300, width=450, seed=5),
    )))
    return config


def start(workdir, *args):
    return subprocess.Popen(
        [str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"), *map(str, args)],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )


def wait_for(condition, seconds=300):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def group_states(pgid):
    """``{pid: state}`` of the processes of a group (their state in /proc)."""
    states = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process has gone
            continue
        if int(fields[2]) == pgid:
            states[stat.parent.name] = fields[0]
    return states


def group_stopped(pgid):
    """Whether every process of the group is stopped (state T), or in the
    kernel (state D: it stops before it runs any more of its own code; a
    stopped process may even show D while its threads stop)."""
    return all(state in "TtZXD" for state in group_states(pgid).values())


def stop_when(run, condition, seconds=300):
    """Stop the run (Snakemake and its jobs: its process group) once
    condition() holds, judged while the run is stopped: what condition saw
    is what the run has done, however fast the machine. The run stays
    stopped (SIGCONT or SIGKILL it); where this fails, it is killed. Waiting
    is a safety net only."""
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            assert run.poll() is None, "the run ended before it was stopped"
            os.killpg(run.pid, signal.SIGSTOP)
            try:
                wait_for(lambda: group_stopped(run.pid), seconds=60)
            except AssertionError:
                raise AssertionError(f"not stopped: {group_states(run.pid)}") from None
            if condition():
                return
            os.killpg(run.pid, signal.SIGCONT)
            time.sleep(0.05)
        raise AssertionError("timed out")
    except BaseException:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        raise


@pytest.mark.slow  # three runs of six images, one of them killed
def test_a_killed_run_resumes_to_the_same_result(tmp_path):
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    for folder in (reference, killed):
        folder.mkdir()
    run_snakemake(reference, "--cores", 8, "--configfile", demo_config(reference))

    config = demo_config(killed)
    run = start(killed, "--cores", 8, "--configfile", config)
    masks = killed / "results" / "masks"
    stop_when(run, lambda: len(list(masks.glob("*/demo/*.png"))) >= 2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert not (killed / "results" / "ratios.csv").exists()

    resumed = run_snakemake(killed, "--cores", 8, "--configfile", config)
    assert "Removed the lock of an earlier run" in resumed.stderr
    assert (killed / "results" / "ratios.csv").read_bytes() == (
        reference / "results" / "ratios.csv").read_bytes()
    leftovers = [p for p in (killed / "results").rglob("*") if ".tmp" in p.name]
    assert not leftovers


@pytest.mark.slow  # two runs of six images, one held while the other tries
def test_a_second_run_at_the_same_time_is_refused(workdir):
    config = demo_config(workdir)
    first = start(workdir, "--cores", 2, "--configfile", config)
    locks = workdir / ".snakemake" / "locks"
    # hold the first run (and its jobs) where it is once it has locked, so
    # that it cannot finish before the second one tries to lock; let it go
    # on afterwards
    stop_when(first, lambda: locks.is_dir() and any(locks.iterdir()))
    try:
        second = run_snakemake(workdir, "--cores", 2, "--configfile", config, check=False)
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    assert second.returncode != 0
    assert "Directory cannot be locked" in second.stdout + second.stderr
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    rows = read_rows(workdir)
    assert len(rows) == DEMO_COUNT and all(r["status"] == "ok" for r in rows.values())
