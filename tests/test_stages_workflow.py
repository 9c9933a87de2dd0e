"""The workflow's stages as Snakemake rules, on a small demo (4 images of
120 x 180 in 2 batches) run once and shared (small_demo_run): what Snakemake
can address, which settings re-run which stage, what the inspecting commands
leave alone, and the blurred images' cache between runs."""

import re
import socket
from pathlib import Path

import pytest

from conftest import copy_run, run_snakemake
from test_workflow import UNWRITTEN, mark_unwritten, planned_jobs, read_csv, write_config

STAGES = ["grayscale_blur", "threshold", "save_mask", "qc_images", "aggregate"]


def small_demo(workdir, **extra):
    """A config of 4 small demo images in 2 batches."""
    return write_config(workdir, "small.yaml", batch_max_images=2,
                        demo=dict(count=4, height=120, width=180, seed=4), **extra)


@pytest.fixture(scope="module")
def small_demo_run(tmp_path_factory):
    """small_demo run once, shared by the tests that read its results or
    plan from it (dry runs); a test that changes it works on a copy."""
    work = tmp_path_factory.mktemp("small-demo")
    run_snakemake(work, "--cores", 2, "--configfile", small_demo(work))
    return work


def small_demo_args(work):
    return ["--cores", 2, "--configfile", Path(work) / "small.yaml"]


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


def test_stages_are_rules_that_snakemake_can_address(small_demo_run, tmp_path):
    workdir = small_demo_run
    args = small_demo_args(workdir)

    listed = run_snakemake(workdir, "--list-rules", *args).stdout.split()
    assert sorted(listed) == sorted(
        ["all", "plan", "demo_images", "grayscale_blur", "threshold", "save_mask", "aggregate",
         "qc_images", "contact_sheets", "qc_ratios", "method_panel", "summary",
         "evaluate", "evaluation", "flagged", "objects", "aggregate_objects", "qc_objects"])
    edges = rule_graph(workdir, *args)
    chain = ["demo_images", "grayscale_blur", "threshold", "save_mask", "aggregate", "all"]
    assert set(zip(chain, chain[1:])) <= edges, edges
    assert {("save_mask", "qc_images"), ("qc_images", "contact_sheets"),
            ("aggregate", "qc_ratios"), ("grayscale_blur", "method_panel"),
            ("aggregate", "summary"), ("summary", "all"), ("save_mask", "objects"),
            ("objects", "aggregate"), ("objects", "aggregate_objects"),
            ("objects", "qc_images"), ("aggregate_objects", "qc_objects")} <= edges

    # --forcerun a stage: it and everything after it
    plan = planned_jobs(run_snakemake(workdir, *args, "-n", "--forcerun", "grayscale_blur"))
    assert plan == {"grayscale_blur": 2, "threshold": 2, "save_mask": 2, "qc_images": 2,
                    "aggregate": 1, "contact_sheets": 1, "qc_ratios": 1,
                    "method_panel": 1, "summary": 1, "evaluate": 2, "evaluation": 1,
                    "flagged": 1, "objects": 2, "aggregate_objects": 1, "qc_objects": 1,
                    "all": 1}, plan
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

    # a real run up to threshold (in a copy of the shared run): the
    # thresholds are new, the masks are not
    workdir = copy_run(small_demo_run, tmp_path / "copy")
    args = small_demo_args(workdir)
    results = Path(workdir, "results")
    masks = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in results.glob("masks/*/demo/*.png")}
    tables = sorted(results.glob("thresholds/*.json"))
    assert len(masks) == 4 and len(tables) == 2
    mark_unwritten(tables)
    run_snakemake(workdir, *args, "--forcerun", "threshold", "--until", "threshold")
    assert all(p.read_bytes() != UNWRITTEN for p in tables)  # written again
    assert all((p.stat().st_mtime_ns, p.read_bytes()) == m for p, m in masks.items())


@pytest.mark.parametrize(
    "change, planned",
    [
        (["on_error=skip"], {}),
        # fewer outputs of the collection: a new plan, so that the run moves
        # aside what it no longer makes (rootmass.workflow.outputs)
        (["qc=false"], {"plan": 1, "all": 1}),
        (["keep_blurred=false"], {}),
        (["keep_blurred=true"], {}),
        (["threshold={value: 0.2}"], {}),  # otsu uses no value
        # nor a cutoff; but the method panel and the evaluation (of the demo's
        # truth) try the exclusions too
        (["threshold={bright_cutoff: 0.5}"],
         {"method_panel": 1, "evaluate": 2, "evaluation": 1, "all": 1}),
        (["threshold={marker_margin: 3}"],
         {"method_panel": 1, "evaluate": 2, "evaluation": 1, "all": 1}),
        # the objects' settings as they resolve: the same objects
        (["objects={filter_connectivity: 2}"], {}),  # connectivity's own
        (["objects={declump_h: 4.0, declump_smoothing: 0}"], {}),  # declump is off
    ],
)
def test_settings_that_cannot_change_a_stage_do_not_rerun_it(small_demo_run, change, planned):
    args = small_demo_args(small_demo_run)
    result = run_snakemake(small_demo_run, *args, "-n", "--config", *change)
    if planned:
        assert planned_jobs(result) == planned
    else:
        assert "Nothing to be done" in result.stdout + result.stderr, result.stdout


def test_inspecting_commands_change_nothing_and_the_plan_ignores_results(
        small_demo_run, tmp_path):
    """A dry run, --list-rules, --lint and --report repair no lock, check no
    disk, move nothing and write nothing of the workflow's in results/ or
    .snakemake/ (Snakemake's own cache of file times and its locks aside);
    and the batches do not depend on what results/ holds."""
    from test_disk import listing

    workdir = copy_run(small_demo_run, tmp_path / "copy")
    args = small_demo_args(workdir)
    # an output a run would move aside (no truth any more), a stale lock
    # (a dead run's), and results of batches no plan has
    stale = Path(workdir, "results", "masks", "b0123456789ab")
    stale.mkdir()
    locks = Path(workdir, ".snakemake", "locks")
    locks.mkdir(exist_ok=True)
    (locks / "0.input.lock").write_text("x")
    Path(workdir, ".snakemake", "rootmass-run").write_text(f"999999999 {socket.gethostname()}\n")
    before = listing(workdir)
    for command in (["-n"], ["-n", "--config", "qc=false"], ["--list-rules"], ["--lint"],
                    ["--report", "results/report.html"], ["--dag"]):
        result = run_snakemake(workdir, *args, *command, check=False)
        said = result.stdout + result.stderr
        assert not [l for l in said.splitlines() if l.startswith(("Moved ", "disk: ", "Removed",
                                                                    "blurred cache"))], said
        after = {e for e in listing(workdir) if e[0] != "results/report.html"}
        assert after == before, (command, after ^ before)
    # the same batches wherever results/ holds batches of another plan
    plan = planned_jobs(run_snakemake(workdir, *args, "-n", "--forcerun", "grayscale_blur"))
    assert plan["grayscale_blur"] == 2
    # a run (of a new plan: with nothing to do, Snakemake starts no run)
    # removes the dead run's lock, and moves the stray batch aside
    run = run_snakemake(workdir, *args, "--config", "qc=false")
    said = run.stdout + run.stderr
    assert "Removed the lock of an earlier run (process 999999999)" in said
    assert not stale.exists() and "files of 1 batch not in this run's plan" in said


def test_every_mask_is_found_from_its_row(small_demo_run):
    workdir = small_demo_run
    for row in read_csv(workdir):
        mask = Path(workdir, row["mask"])
        assert mask.is_file() and mask.parent.parent.parent.name != "results"
        # and the shell glob the README gives finds the same file
        found = list(Path(workdir).glob(f"results/masks/*/{Path(row['image']).with_suffix('.png')}"))
        assert found == [mask]


@pytest.mark.slow  # a workflow run of its own
def test_keep_blurred_false_keeps_no_cache_and_the_same_numbers(workdir, small_demo_run):
    kept = small_demo_run
    run_snakemake(workdir, "--cores", 2, "--configfile", small_demo(workdir, keep_blurred=False))
    assert list(Path(kept, "results", "blurred").rglob("*.npy"))
    assert not list(Path(workdir, "results", "blurred").rglob("*.npy"))
    assert (Path(workdir, "results", "ratios.csv").read_bytes()
            == Path(kept, "results", "ratios.csv").read_bytes())
    # a later threshold change starts from the images again, and gets there
    plan = planned_jobs(run_snakemake(workdir, "--cores", 2, "--configfile", small_demo(
        workdir, keep_blurred=False), "-n", "--config", "threshold={method: yen}"))
    assert plan["grayscale_blur"] == 2 and plan["threshold"] == 2


@pytest.mark.slow  # a run and four plans, in a copy of the shared run of the small demo
def test_threshold_changes_reuse_the_blurred_images(small_demo_run, tmp_path):
    workdir = copy_run(small_demo_run, tmp_path / "copy")
    base = small_demo_args(workdir)
    blurred = sorted((Path(workdir) / "results" / "blurred").rglob("*.npy"))
    assert len(blurred) == 4
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in blurred}
    masks = sorted((Path(workdir) / "results" / "masks").rglob("*.png"))
    assert len(masks) == 4

    # nothing to do when nothing changed
    assert "Nothing to be done" in run_snakemake(workdir, *base, "--dry-run").stdout

    changed = ["--config", "threshold={method: fixed, value: 0.3, foreground: above}"]
    plan = planned_jobs(run_snakemake(workdir, *base, *changed, "--dry-run"))
    assert "grayscale_blur" not in plan, plan
    assert (plan["threshold"], plan["save_mask"], plan["aggregate"]) == (2, 2, 1), plan

    mark_unwritten(masks)
    run_snakemake(workdir, *base, *changed)
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in blurred} == before
    assert all(p.read_bytes() != UNWRITTEN for p in masks)  # written again
    rows = read_csv(workdir)
    assert {r["threshold"] for r in rows} == {"0.3"}
    assert {r["method"] for r in rows} == {"fixed"}

    # sigma and grayscale are settings of grayscale_blur: changing either
    # re-runs every stage
    for change in ("sigma=2.0", "grayscale=rgb2gray"):
        plan = planned_jobs(run_snakemake(workdir, *base, "--config", change, "--dry-run"))
        assert (plan["grayscale_blur"], plan["threshold"], plan["save_mask"]) == (2, 2, 2), plan


@pytest.mark.parametrize("change", [
    "objects={min_area: 20}", "objects={connectivity: 1}", "objects={declump: true}",
    "objects={max_objects: 10}"])
def test_object_settings_rerun_the_objects_stage_and_no_earlier_one(small_demo_run, change):
    args = small_demo_args(small_demo_run)
    plan = planned_jobs(run_snakemake(small_demo_run, *args, "-n", "--config", change))
    assert plan["objects"] == 2 and plan["aggregate_objects"] == 1
    assert not {"grayscale_blur", "threshold", "save_mask", "method_panel"} & set(plan), plan
