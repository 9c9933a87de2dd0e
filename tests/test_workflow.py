"""End-to-end runs of the real snakemake on the lesson's images: the lesson's
four procedures, to the last digit, and the caching of the blurred images."""

import csv
import json
import re
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
import skimage as ski
import yaml

from conftest import ROOT, link_images, run_snakemake

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


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_each_procedure_matches_the_lesson_code(lesson_data, workdir, procedure):
    names, settings, lesson = PROCEDURES[procedure]
    link_images(lesson_data, workdir, names)
    config = write_config(workdir, "procedure.yaml", images="data/*", demo=None, **settings)
    run_snakemake(workdir, "--cores", 2, "--configfile", config)
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


def test_threshold_changes_reuse_the_blurred_images(lesson_data, workdir):
    link_images(lesson_data, workdir, ["maize-root-cluster.jpg", "shapes-02.jpg"])
    base = ["--cores", 2, "--config", "images=data/*.jpg", "demo=false", "batch_max_images=1"]
    run_snakemake(workdir, *base)
    blurred = sorted((Path(workdir) / "results" / "blurred").rglob("*.npy"))
    assert len(blurred) == 2
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in blurred}
    masks = sorted((Path(workdir) / "results" / "masks").rglob("*.png"))
    masks_before = {p: p.stat().st_mtime_ns for p in masks}

    # nothing to do when nothing changed
    assert "Nothing to be done" in run_snakemake(workdir, *base, "--dry-run").stdout

    changed = write_config(
        workdir, "fixed.yaml", threshold=dict(method="fixed", value=0.3, foreground="above")
    )
    plan = planned_jobs(run_snakemake(workdir, *base, "--configfile", changed, "--dry-run"))
    assert "grayscale_blur" not in plan, plan
    assert (plan["threshold"], plan["save_mask"], plan["aggregate"]) == (2, 2, 1), plan

    run_snakemake(workdir, *base, "--configfile", changed)
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in blurred} == before
    assert all(p.stat().st_mtime_ns != t for p, t in masks_before.items())
    rows = read_csv(workdir)
    assert {r["threshold"] for r in rows} == {"0.3"}
    assert {r["method"] for r in rows} == {"fixed"}

    # sigma and grayscale are settings of grayscale_blur: changing either
    # re-runs every stage
    for change in ("sigma=2.0", "grayscale=rgb2gray"):
        plan = planned_jobs(run_snakemake(workdir, *base, change, "--dry-run"))
        assert (plan["grayscale_blur"], plan["threshold"], plan["save_mask"]) == (2, 2, 2), plan


def test_lint_reports_nothing(lesson_data, workdir):
    link_images(lesson_data, workdir, ["shapes-02.jpg"])
    for extra in (["images=data/*.jpg", "demo=false"], []):
        result = run_snakemake(workdir, "--lint", *(["--config", *extra] if extra else []))
        assert "Lints for" not in result.stdout + result.stderr, result.stdout
        assert "Congratulations" in result.stdout + result.stderr


def test_demo_runs_out_of_the_box(workdir):
    """No config at all: the demo images are generated, then processed."""
    plan = run_snakemake(workdir, "--cores", 2, "-n").stdout
    # the demo is one folder to Snakemake, however many images it holds (a
    # file per image would make every lookup scan them all)
    demo_job = re.search(r"rule demo_images:\n(?:\s+\w+: .*\n)*?\s+output: (.*)\n", plan)
    assert demo_job and demo_job.group(1) == "demo", plan
    run_snakemake(workdir, "--cores", 2)
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


@pytest.mark.parametrize("method", ["isodata", "li", "mean", "minimum", "triangle", "yen"])
def test_scikit_image_methods_in_the_workflow(workdir, method):
    from PIL import Image

    from rootmass.demo import synthetic_root_image

    data = Path(workdir) / "data"
    data.mkdir()
    for seed in (1, 2):
        Image.fromarray(synthetic_root_image((120, 180), seed=seed)[0]).save(
            data / f"img-{seed}.png")
    config = write_config(workdir, "m.yaml", images="data/*.png", demo=None,
                          threshold=dict(method=method))
    run_snakemake(workdir, "--cores", 2, "--configfile", config)
    for row in read_csv(workdir):
        blurred = ski.filters.gaussian(iio.imread(Path(workdir) / row["image"], mode="L"), sigma=1.5)
        t = getattr(ski.filters, f"threshold_{method}")(blurred)
        mask = blurred > t
        assert row["method"] == method
        assert row["threshold"] == repr(float(t))
        assert row["ratio"] == repr(float(np.count_nonzero(mask) / mask.size))


# --- the stages as Snakemake rules -------------------------------------------
STAGES = ["grayscale_blur", "threshold", "save_mask", "qc_images", "aggregate"]


def small_demo(workdir, **extra):
    """A config of 4 small demo images in 2 batches."""
    return write_config(workdir, "small.yaml", batch_max_images=2,
                        demo=dict(count=4, height=120, width=180, seed=4), **extra)


def rule_graph(workdir, *args):
    """{(rule, rule)} edges of `snakemake --rulegraph`."""
    dot = run_snakemake(workdir, "--rulegraph", *args).stdout
    names = dict(re.findall(r'^\s*(\d+)\[label = "(\w+)"', dot, flags=re.M))
    return {(names[a], names[b]) for a, b in re.findall(r"^\s*(\d+) -> (\d+)", dot, flags=re.M)}


def job_resources(result, rule):
    """The resources lines of every job of `rule` in a dry run's output."""
    blocks = re.split(r"\n\s*\n|\[\w{3} \w{3} ", result.stdout)
    return [re.search(r"resources: (.*)", b).group(1) for b in blocks
            if re.search(rf"^\s*(local)?rule {rule}:", b, flags=re.M)]


def test_stages_are_rules_that_snakemake_can_address(workdir):
    config = small_demo(workdir)
    args = ["--cores", 2, "--configfile", config]
    run_snakemake(workdir, *args)

    listed = run_snakemake(workdir, "--list-rules", *args).stdout.split()
    assert sorted(listed) == sorted(
        ["all", "demo_images", "grayscale_blur", "threshold", "save_mask", "aggregate",
         "qc_images", "contact_sheets", "qc_ratios", "method_panel", "summary",
         "evaluate", "evaluation", "flagged"])
    edges = rule_graph(workdir, *args)
    chain = ["demo_images", "grayscale_blur", "threshold", "save_mask", "aggregate", "all"]
    assert set(zip(chain, chain[1:])) <= edges, edges
    assert {("save_mask", "qc_images"), ("qc_images", "contact_sheets"),
            ("aggregate", "qc_ratios"), ("grayscale_blur", "method_panel"),
            ("aggregate", "summary"), ("summary", "all")} <= edges

    # --forcerun a stage: it and everything after it
    plan = planned_jobs(run_snakemake(workdir, *args, "-n", "--forcerun", "grayscale_blur"))
    assert plan == {"grayscale_blur": 2, "threshold": 2, "save_mask": 2, "qc_images": 2,
                    "aggregate": 1, "contact_sheets": 1, "qc_ratios": 1,
                    "method_panel": 1, "summary": 1, "evaluate": 2, "evaluation": 1,
                    "flagged": 1, "all": 1}, plan
    # --until a stage: nothing after it
    plan = planned_jobs(run_snakemake(
        workdir, *args, "-n", "--forcerun", "grayscale_blur", "--until", "threshold"))
    assert plan == {"grayscale_blur": 2, "threshold": 2}, plan
    # --set-resources of one stage: its jobs, and only its
    result = run_snakemake(workdir, *args, "-n", "--forcerun", "grayscale_blur",
                           "--set-resources", "grayscale_blur:mem_mb=123")
    blur_jobs, threshold_jobs = job_resources(result, "grayscale_blur"), job_resources(result, "threshold")
    assert len(blur_jobs) == 2 and all("mem_mb=123," in r for r in blur_jobs), blur_jobs
    assert len(threshold_jobs) == 2 and not any("mem_mb=123," in r for r in threshold_jobs)

    # a real run up to threshold: the thresholds are new, the masks are not
    results = Path(workdir, "results")
    masks = {p: p.stat().st_mtime_ns for p in results.glob("masks/*/demo/*.png")}
    tables = {p: p.stat().st_mtime_ns for p in results.glob("thresholds/*.json")}
    assert len(masks) == 4 and len(tables) == 2
    run_snakemake(workdir, *args, "--forcerun", "threshold", "--until", "threshold")
    assert all(p.stat().st_mtime_ns != t for p, t in tables.items())
    assert all(p.stat().st_mtime_ns == t for p, t in masks.items())


@pytest.mark.parametrize(
    "change, planned",
    [
        (["on_error=skip"], {}),
        (["qc=false"], {}),
        (["batch_megapixels=0.01"], {}),
        (["batch_max_images=1"], {}),
        (["keep_blurred=false"], {}),
        (["threshold={value: 0.2}"], {}),  # otsu uses no value
        # nor a cutoff; but the method panel and the evaluation (of the demo's
        # truth) try the exclusions too
        (["threshold={bright_cutoff: 0.5}"],
         {"method_panel": 1, "evaluate": 2, "evaluation": 1, "all": 1}),
        (["threshold={marker_margin: 3}"],
         {"method_panel": 1, "evaluate": 2, "evaluation": 1, "all": 1}),
    ],
)
def test_settings_that_cannot_change_a_stage_do_not_rerun_it(workdir, change, planned):
    args = ["--cores", 2, "--configfile", small_demo(workdir)]
    run_snakemake(workdir, *args)
    result = run_snakemake(workdir, *args, "-n", "--config", *change)
    if planned:
        assert planned_jobs(result) == planned
    else:
        assert "Nothing to be done" in result.stdout + result.stderr, result.stdout


def test_every_mask_is_found_from_its_row(workdir):
    run_snakemake(workdir, "--cores", 2, "--configfile", small_demo(workdir))
    for row in read_csv(workdir):
        mask = Path(workdir, row["mask"])
        assert mask.is_file() and mask.parent.parent.parent.name != "results"
        # and the shell glob the README gives finds the same file
        found = list(Path(workdir).glob(f"results/masks/*/{Path(row['image']).with_suffix('.png')}"))
        assert found == [mask]


def test_keep_blurred_false_keeps_no_cache_and_the_same_numbers(workdir, tmp_path):
    kept = tmp_path / "kept"
    kept.mkdir()
    run_snakemake(kept, "--cores", 2, "--configfile", small_demo(kept))
    run_snakemake(workdir, "--cores", 2, "--configfile", small_demo(workdir, keep_blurred=False))
    assert list(Path(kept, "results", "blurred").rglob("*.npy"))
    assert not list(Path(workdir, "results", "blurred").rglob("*.npy"))
    assert (Path(workdir, "results", "ratios.csv").read_bytes()
            == Path(kept, "results", "ratios.csv").read_bytes())
    # a later threshold change starts from the images again, and gets there
    plan = planned_jobs(run_snakemake(workdir, "--cores", 2, "--configfile", small_demo(
        workdir, keep_blurred=False), "-n", "--config", "threshold={method: yen}"))
    assert plan["grayscale_blur"] == 2 and plan["threshold"] == 2


def test_keep_blurred_false_keeps_only_the_caches_in_flight(workdir):
    """One core, four batches: each batch's blurred images are deleted once
    its later stages have read them, before the next batch is blurred."""
    import subprocess
    import time

    from conftest import SNAKEMAKE

    config = write_config(workdir, "c.yaml", batch_max_images=1, keep_blurred=False,
                          demo=dict(count=4, height=300, width=450, seed=4))
    run = subprocess.Popen(
        [str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"), "--cores", "1",
         "--configfile", str(config)],
        cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    blurred, most, seen = Path(workdir, "results", "blurred"), 0, set()
    while run.poll() is None:
        cached = {p.parent.parent.name for p in blurred.glob("*/demo/*.npy")}
        seen |= cached
        most = max(most, len(cached))
        time.sleep(0.02)
    assert run.returncode == 0, run.stderr.read()
    assert len(seen) == 4  # every batch was cached, and seen
    assert most == 1, most
    assert not list(blurred.glob("*/demo/*.npy"))
