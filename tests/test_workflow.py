"""End-to-end runs of the real snakemake on the lesson's images: the lesson's
four procedures, to the last digit, the demo and the methods, the blurred
images' cache within a run, and cluster jobs. The stages as Snakemake rules,
on a small demo: tests/test_stages_workflow.py."""

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
import skimage as ski
import yaml

from conftest import ROOT, SNAKEMAKE, in_ci, link_images, run_all, run_snakemake

sys.path.insert(0, str(ROOT / "benchmarks"))
from lesson_loop import enhanced_root_mass, measure_root_mass  # noqa: E402

TRIALS = ["trial-016.jpg", "trial-020.jpg", "trial-216.jpg", "trial-293.jpg"]


# --- the lesson's own code, as the lesson writes it -------------------------
# (procedures 1 and 4 are shared with the benchmark's plain-Python loop)
def lesson_root_mass(filename, sigma=1.5):
    return measure_root_mass(filename, sigma)[0]


def lesson_enhanced_root_mass(filename, sigma=1.5):
    return enhanced_root_mass(filename, sigma)[0]


def lesson_fixed(filename, t, sigma, below):
    gray_image = ski.color.rgb2gray(iio.imread(uri=filename))
    if sigma:
        gray_image = ski.filters.gaussian(gray_image, sigma=sigma)
    binary_mask = gray_image < t if below else gray_image > t
    return np.count_nonzero(binary_mask) / binary_mask.size


def lesson_rgb2gray_otsu(filename, sigma=1.0):
    gray_image = ski.color.rgb2gray(iio.imread(uri=filename))
    blurred_image = ski.filters.gaussian(gray_image, sigma=sigma)
    t = ski.filters.threshold_otsu(blurred_image)
    binary_mask = blurred_image > t
    return np.count_nonzero(binary_mask) / binary_mask.size


# --- helpers -----------------------------------------------------------------
def read_csv(workdir):
    with open(Path(workdir) / "results" / "ratios.csv", newline="") as f:
        return list(csv.DictReader(f))


def write_config(workdir, name, **settings):
    path = Path(workdir) / name
    path.write_text(yaml.safe_dump(settings))
    return path


UNWRITTEN = b"not written again by the run"


def mark_unwritten(paths):
    """Overwrite each file with a marker and give it back its times, so that
    Snakemake sees it as it was: a file that no longer holds the marker after
    a run was written again (comparing times alone would need the clock to
    have moved on between the runs)."""
    for path in paths:
        stat = path.stat()
        path.write_bytes(UNWRITTEN)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def published_reference(lesson_data):
    """The reference lines 'trial-NNN.jpg,ratio' of the lesson data's README."""
    text = (lesson_data / "README.md").read_text()
    return dict(re.findall(r"^(trial-\d+\.jpg),([0-9.]+)$", text, flags=re.M))


# --- tests ---------------------------------------------------------------
def test_default_config_reproduces_the_published_numbers(lesson_data, workdir):
    link_images(lesson_data, workdir, TRIALS)
    run_snakemake(workdir, "--cores", 2, "--config", "images=data/trial-*.jpg", "demo=false")
    rows = read_csv(workdir)
    reference = published_reference(lesson_data)
    assert len(reference) == 4
    assert [r["image"] for r in rows] == [f"data/{name}" for name in sorted(TRIALS)]
    for row in rows:
        name = Path(row["image"]).name
        assert row["ratio"] == reference[name]
        assert row["ratio"] == repr(float(lesson_root_mass(lesson_data / name)))
        assert int(row["foreground_pixels"]) / int(row["total_pixels"]) == float(row["ratio"])
        assert (row["method"], row["sigma"], row["grayscale"]) == ("otsu", "1.5", "luma")
        mask = iio.imread(Path(workdir) / row["mask"])
        assert mask.shape == (2000, 3008)
        assert np.count_nonzero(mask) == int(row["foreground_pixels"])
        # the mask's file: its batch's folder, then the image's own path
        assert re.fullmatch(rf"results/masks/b[0-9a-f]{{12}}/data/{name[:-4]}\.png", row["mask"])
    provenance = json.loads((Path(workdir) / "results" / "provenance.json").read_text())
    assert provenance["config"]["sigma"] == 1.5
    assert provenance["images"] == 4
    pins = dict(
        line.strip().lower().split("==")
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line
    )
    for name in ("scikit-image", "numpy", "imageio", "pillow", "snakemake"):
        assert provenance["packages"][name] == pins[name]


PROCEDURES = {
    "fixed_below_shapes01": (
        ["shapes-01.jpg"],
        dict(grayscale="rgb2gray", sigma=1.0, threshold=dict(method="fixed", value=0.8, foreground="below")),
        lambda p: lesson_fixed(p, 0.8, 1.0, below=True),
    ),
    "fixed_below_colonies_no_blur": (
        ["colonies-01.tif"],
        dict(grayscale="rgb2gray", sigma=0, threshold=dict(method="fixed", value=0.2, foreground="below")),
        lambda p: lesson_fixed(p, 0.2, 0, below=True),
    ),
    "fixed_above_shapes02_no_blur": (
        ["shapes-02.jpg"],
        dict(grayscale="rgb2gray", sigma=0, threshold=dict(method="fixed", value=0.5)),
        lambda p: lesson_fixed(p, 0.5, 0, below=False),
    ),
    "rgb2gray_otsu_maize": (
        ["maize-root-cluster.jpg"],
        dict(grayscale="rgb2gray", sigma=1.0),
        lesson_rgb2gray_otsu,
    ),
    "enhanced_trials": (
        TRIALS,
        dict(threshold=dict(method="otsu_excluding_bright")),
        lesson_enhanced_root_mass,
    ),
}


@pytest.fixture(scope="module")
def procedure_runs(lesson_data, tmp_path_factory):
    """Each procedure's run, in a folder of its own, started together
    (run_all): {procedure: future of its folder}."""
    def prepared(names, settings):
        workdir = tmp_path_factory.mktemp("procedure")
        link_images(lesson_data, workdir, names)
        config = write_config(workdir, "procedure.yaml", images="data/*", demo=None, **settings)
        def run():
            run_snakemake(workdir, "--cores", 2, "--configfile", config)
            return workdir
        return run
    return run_all({procedure: prepared(names, settings)
                    for procedure, (names, settings, _) in PROCEDURES.items()})


@pytest.mark.slow  # five runs on the lesson's photos
@pytest.mark.parametrize("procedure", PROCEDURES)
def test_each_procedure_matches_the_lesson_code(lesson_data, procedure_runs, procedure):
    names, settings, lesson = PROCEDURES[procedure]
    workdir = procedure_runs[procedure].result()
    rows = read_csv(workdir)
    assert [r["image"] for r in rows] == [f"data/{n}" for n in sorted(names)]
    for row in rows:
        expected = lesson(lesson_data / Path(row["image"]).name)
        assert row["ratio"] == repr(float(expected)), row["image"]


def planned_jobs(result):
    """{rule name: job count} from the job stats table of a dry run."""
    table = re.search(r"Job stats:\n(.*?)\n\n", result.stdout + "\n\n", flags=re.S)
    assert table, result.stdout
    counts = {}
    for line in table.group(1).splitlines()[2:]:
        parts = line.split()
        if len(parts) == 2 and parts[0] != "total":
            counts[parts[0]] = int(parts[1])
    return counts


def test_lint_reports_nothing(lesson_data, workdir):
    link_images(lesson_data, workdir, ["shapes-02.jpg"])
    for extra in (["images=data/*.jpg", "demo=false"], [], ["roots={measure: true}"]):
        result = run_snakemake(workdir, "--lint", *(["--config", *extra] if extra else []))
        assert "Lints for" not in result.stdout + result.stderr, result.stdout
        assert "Congratulations" in result.stdout + result.stderr


def test_demo_runs_out_of_the_box(workdir, demo_run):
    """No config at all: the demo images are generated, then processed (the
    session's shared run of the demo, demo_run)."""
    planned = run_snakemake(workdir, "--cores", 2, "-n")
    plan = planned.stdout
    assert "does nothing" not in plan + planned.stderr
    # a setting that Otsu's method does not use: one line naming it, once
    said = run_snakemake(workdir, "--cores", 2, "-n", "--config", "threshold={value: 0.5}")
    assert (said.stdout + said.stderr).count(
        "config key 'threshold.value' (0.5) does nothing in this run") == 1
    # the demo is one folder to Snakemake, however many images it holds (a
    # file per image would make every lookup scan them all)
    demo_job = re.search(r"rule demo_images:\n(?:\s+\w+: .*\n)*?\s+output: (.*)\n", plan)
    assert demo_job and demo_job.group(1) == "demo", plan
    workdir = demo_run
    rows = read_csv(workdir)
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    count = config["demo"]["count"]
    assert [r["image"] for r in rows] == [f"demo/demo-{i:04d}.jpg" for i in range(count)]
    for row in rows:
        name = Path(row["image"]).stem
        mask = iio.imread(Path(workdir) / row["mask"]).astype(bool)
        truth = iio.imread(Path(workdir) / "demo" / "truth" / f"{name}.png").astype(bool)
        assert np.count_nonzero(mask) == int(row["foreground_pixels"])
        recall = np.count_nonzero(mask & truth) / np.count_nonzero(truth)
        precision = np.count_nonzero(mask & truth) / np.count_nonzero(mask)
        assert recall > 0.75 and precision > 0.5, (name, recall, precision)
    # a second run has nothing to do
    again = run_snakemake(workdir, "--cores", 2)
    assert "Nothing to be done" in again.stdout + again.stderr


METHODS = ["isodata", "li", "mean", "minimum", "triangle", "yen"]


@pytest.fixture(scope="module")
def method_run(tmp_path_factory):
    """One run of every method: a sample sheet whose rows give each method
    two images of its own (data/<method>/img-<seed>.png, the same two
    images for every method); the run's folder."""
    from PIL import Image

    from rootmass.demo import synthetic_root_image

    workdir = tmp_path_factory.mktemp("methods")
    rows = ["image\tmethod"]
    for method in METHODS:
        data = Path(workdir) / "data" / method
        data.mkdir(parents=True)
        for seed in (1, 2):
            Image.fromarray(synthetic_root_image((120, 180), seed=seed)[0]).save(
                data / f"img-{seed}.png")
            rows.append(f"data/{method}/img-{seed}.png\t{method}")
    (workdir / "methods.tsv").write_text("\n".join(rows) + "\n")
    config = write_config(workdir, "m.yaml", images=None, samples="methods.tsv", demo=None)
    run_snakemake(workdir, "--cores", 2, "--configfile", config)
    return workdir


@pytest.mark.slow  # a run of every method's images
@pytest.mark.parametrize("method", METHODS)
def test_scikit_image_methods_in_the_workflow(method_run, method):
    workdir = method_run
    rows = [r for r in read_csv(workdir) if r["image"].startswith(f"data/{method}/")]
    assert len(rows) == 2
    for row in rows:
        blurred = ski.filters.gaussian(iio.imread(Path(workdir) / row["image"], mode="L"), sigma=1.5)
        t = getattr(ski.filters, f"threshold_{method}")(blurred)
        mask = blurred > t
        assert row["method"] == method
        assert row["threshold"] == repr(float(t))
        assert row["ratio"] == repr(float(np.count_nonzero(mask) / mask.size))


def caches_in_flight(log):
    """From a run's log (Snakemake's own record, in the order things
    happened): [(batch, cached batches then)] at the start of each
    grayscale_blur job, which makes a batch's cache, and the batches whose
    cache Snakemake removed."""
    cached, starts, removed, rule = set(), [], [], None
    for line in log.splitlines():
        job = re.match(r"^(?:local)?rule (\w+):$", line)
        if job:
            rule = job.group(1)
            continue
        output = re.match(r"^\s+output: results/blurred/(b[0-9a-f]{12})\b", line)
        if output and rule == "grayscale_blur":
            cached.add(output.group(1))
            starts.append((output.group(1), set(cached)))
        gone = re.match(r"^Removing temporary output results/blurred/(b[0-9a-f]{12})\.$", line)
        if gone:
            cached.discard(gone.group(1))
            removed.append(gone.group(1))
    return starts, removed


@pytest.mark.slow  # four batches one after another, on one core
def test_keep_blurred_false_keeps_only_the_caches_in_flight(workdir):
    """One core, four batches: each batch's blurred images are deleted once
    its later stages have read them, before the next batch is blurred (as
    Snakemake's log records the jobs and the deletions, in their order: no
    sampling of the folder, which a fast machine outruns)."""
    config = write_config(workdir, "c.yaml", batch_max_images=1, keep_blurred=False,
                          demo=dict(count=4, height=300, width=450, seed=4))
    result = run_snakemake(workdir, "--cores", 1, "--configfile", config)
    starts, removed = caches_in_flight(result.stdout + result.stderr)
    batches = [batch for batch, _ in starts]
    assert len(set(batches)) == len(batches) == 4, starts  # every batch was cached
    assert sorted(removed) == sorted(batches), (starts, removed)  # and deleted
    # when a batch is blurred, no other batch's cache is left
    assert all(cached == {batch} for batch, cached in starts), starts
    for batch in batches:  # each one the later stages read, before it went
        assert Path(workdir, "results", "thresholds", f"{batch}.json").is_file()
    assert not list(Path(workdir, "results", "blurred").glob("*/demo/*.npy"))
    assert not list(Path(workdir, "results", "blurred").glob("b*"))


def read_table(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_the_objects_of_every_mask_are_counted_measured_and_tabled(demo_run):
    """The demo's objects at the default settings: ratios.csv's counts and
    statistics are those of each saved mask's objects, objects.csv has a row
    per object with the sheet's metadata, summary.csv their group
    statistics."""
    from rootmass.measure.objects import label_objects, table_columns

    workdir = demo_run
    ratios = read_csv(workdir)
    objects = read_table(workdir / "results" / "objects.csv")
    assert list(objects[0]) == [*table_columns(False), "condition", "replicate"]
    assert [r["image"] for r in objects] == sorted(r["image"] for r in objects)
    for row in ratios:
        mask = iio.imread(workdir / row["mask"]) > 0
        labels, count = label_objects(mask)  # connectivity 2, every object
        areas = np.bincount(labels.ravel())[1:]
        assert int(row["objects"]) == count > 0
        assert float(row["object_area_mean"]) == pytest.approx(areas.mean(), rel=1e-12)
        assert float(row["object_area_median"]) == float(np.median(areas))
        assert float(row["object_area_max"]) == float(areas.max())
        own = [r for r in objects if r["image"] == row["image"]]
        assert [int(r["area"]) for r in own] == areas.tolist()  # in label order
        assert [int(r["label"]) for r in own] == list(range(1, count + 1))
        assert {r["condition"] for r in own} == {row["condition"]}
    assert len(objects) == sum(int(r["objects"]) for r in ratios)
    with open(workdir / "results" / "summary.csv", newline="") as f:
        summary = {r["condition"]: r for r in csv.DictReader(f)}
    for condition, group in summary.items():
        counts = [int(r["objects"]) for r in ratios if r["condition"] == condition]
        assert float(group["objects_mean"]) == pytest.approx(np.mean(counts))
        assert float(group["objects_max"]) == max(counts)
    assert (workdir / "results" / "qc" / "object-areas.png").stat().st_size > 10_000


# --- jobs that parse the workflow again ---------------------------------------
CLUSTER_GENERIC = "snakemake-executor-plugin-cluster-generic==1.0.9"
# a "cluster" on this machine: each job script runs in the background; the
# --config it was given is noted down
SUBMIT = """#!/bin/sh
grep -o "cache_plan=[^ ']*" "$1" >> submitted.txt
nohup sh "$1" > "$1.out" 2>&1 &
echo $!
"""


@pytest.mark.slow  # pip, and a run whose every job parses the workflow again
def test_cluster_jobs_find_the_main_processs_batches_without_a_record(tmp_path, workdir):
    """Snakemake's generic cluster executor runs each job (a group of a
    batch's stages) as a new snakemake that parses the workflow again: it
    must find the same batches and the same cache decision, which reach it
    in the --config Snakemake passes on, not in a file."""
    target = tmp_path / "plugin"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--target", str(target), CLUSTER_GENERIC],
        capture_output=True, text=True, timeout=600)
    if pip.returncode != 0:
        if in_ci():
            raise AssertionError(pip.stderr)
        pytest.skip(f"cannot install {CLUSTER_GENERIC}: {pip.stderr.strip()[-200:]}")
    submit = Path(workdir, "submit.sh")
    submit.write_text(SUBMIT)
    submit.chmod(0o755)
    config = write_config(workdir, "c.yaml", qc=False,
                          demo=dict(count=4, height=120, width=180, seed=4))
    # the plugin beside the environment, and whatever PYTHONPATH gave already
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(target), os.environ.get("PYTHONPATH")]))}
    cmd = [str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"), "--configfile", config,
           "--executor", "cluster-generic", "--cluster-generic-submit-cmd", str(submit),
           "--jobs", 2, "--latency-wait", 30]
    run = subprocess.run(list(map(str, cmd)), cwd=workdir, env=env, capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    passed = set(Path(workdir, "submitted.txt").read_text().split())
    assert len(passed) == 1, passed  # every job was given the one decision
    assert passed.pop().startswith("cache_plan=keep,")
    local = tmp_path / "local"
    local.mkdir()
    run_snakemake(local, "--cores", 2, "--configfile", write_config(
        local, "c.yaml", qc=False, demo=dict(count=4, height=120, width=180, seed=4)))
    assert (sorted(p.name for p in Path(workdir, "results", "masks").iterdir())
            == sorted(p.name for p in Path(local, "results", "masks").iterdir()))
    assert (Path(workdir, "results", "ratios.csv").read_bytes()
            == Path(local, "results", "ratios.csv").read_bytes())
    assert not list(Path(workdir, ".snakemake").glob("rootmass-batches*"))
