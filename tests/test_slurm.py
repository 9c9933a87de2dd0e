"""The workflow on a real SLURM cluster: a one-node SLURM on this machine
(tests/slurm/start-slurm.sh, root and Debian's packages), Snakemake's SLURM
executor and the project's profile workflow/profiles/slurm. The CSV must have
the same values as a local run's, the masks the same bytes, and the group "images" must pack the jobs of
several images into one sbatch job (checked with sacct and the jobs' logs).

Where SLURM cannot be started (not root, not Debian, no network) the test is
skipped with the script's reason; with CI set it fails with the script's
output instead."""

import csv
import json
import os
import re
import subprocess
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import importlib.util
import sys

import numpy as np
import pytest
import yaml

from conftest import ROOT, SNAKEMAKE, in_ci, link_images, run_snakemake

SLURM_SCRIPTS = ROOT / "tests" / "slurm"
PROFILE = ROOT / "workflow" / "profiles" / "slurm"
TRIALS = ["trial-016.jpg", "trial-020.jpg", "trial-216.jpg", "trial-293.jpg"]
# two batches of two 6-megapixel images, so that there are several batches
# (group components), and a job that starts after another batch is cached
CONFIG = ["--config", "images=data/trial-*.jpg", "demo=false", "batch_megapixels=13"]
STAGES = ("grayscale_blur", "threshold", "save_mask", "qc_images")
# a job of a batch rule, by the log file its description names
RULE_JOB = re.compile(r"\blog: logs/(%s)/(b[0-9a-f]{12})\.log\b" % "|".join(STAGES))
# Snakemake waiting on SLURM jobs ignores SIGTERM: stop it with SIGINT (it then
# cancels its jobs), and kill it only if that does not help.
SLURM_RUN_TIMEOUT = 240

pytestmark = pytest.mark.slow  # a SLURM cluster started on this machine


@pytest.fixture(scope="module")
def slurm_plugin(tmp_path_factory):
    """The environment of a snakemake with Snakemake's SLURM executor: the
    pins of requirements-slurm.txt installed beside the test environment
    (which leaves them out: installed, the plugin asks scontrol for SLURM's
    configuration at every snakemake start, and where SLURM's client is
    installed but no controller answers that waits 10 s a command)."""
    env = dict(os.environ)
    if importlib.util.find_spec("snakemake_executor_plugin_slurm"):
        return env
    pins = [line.strip() for line in (ROOT / "requirements-slurm.txt").read_text().splitlines()
            if "==" in line and not line.startswith("#")]
    target = tmp_path_factory.mktemp("slurm-plugin")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--target", str(target), *pins],
        check=True, timeout=600,
    )
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), env.get("PYTHONPATH")]))
    return env


def slurm_is_up():
    try:
        ping = subprocess.run(
            ["scontrol", "ping"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return ping.returncode == 0 and "is UP" in ping.stdout


def run_script(name, timeout):
    """Run tests/slurm/<name>: (ok, its output)."""
    try:
        result = subprocess.run(
            ["bash", str(SLURM_SCRIPTS / name)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        out = "".join(
            part.decode(errors="replace") if isinstance(part, bytes) else part or ""
            for part in (error.stdout, error.stderr)
        )
        return False, f"{out}\n{name} timed out after {timeout} s"
    return result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def slurm():
    """A running one-node SLURM with accounting; stopped again at the end of
    the module unless it was running before."""
    was_up = slurm_is_up()
    started, output = run_script("start-slurm.sh", timeout=1200)
    if not started:
        if not was_up:
            run_script("stop-slurm.sh", timeout=300)
        message = f"tests/slurm/start-slurm.sh could not start SLURM:\n{output.strip()}"
        if in_ci():
            pytest.fail(message, pytrace=False)
        reason = output.strip().splitlines()[-1] if output.strip() else "no output"
        pytest.skip(f"SLURM not available (tests/slurm/start-slurm.sh: {reason})")
    yield
    if not was_up:
        stopped, output = run_script("stop-slurm.sh", timeout=300)
        assert stopped, output


def sacct(*args):
    result = subprocess.run(
        ["sacct", "--noheader", "--parsable2", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [line.split("|") for line in result.stdout.splitlines() if line]


def run_on_slurm(workdir, env, extra=()):
    """snakemake --profile workflow/profiles/slurm in workdir (with ``extra``
    config entries), under a SIGINT timeout; returns its output."""
    cmd = [
        "timeout", "-s", "INT", "-k", "60", str(SLURM_RUN_TIMEOUT),
        str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"),
        "--profile", str(PROFILE),
        # a small test: check soon, and keep every sbatch log as evidence
        "--slurm-init-seconds-before-status-checks", "5",
        "--slurm-keep-successful-logs",
        *CONFIG, *extra,
    ]  # fmt: skip
    result = subprocess.run(
        cmd, cwd=workdir, capture_output=True, text=True, timeout=SLURM_RUN_TIMEOUT + 120,
        env=env,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        run_id = re.search(r"SLURM run ID: (\S+)", output)
        if run_id:  # leave no job of this run behind
            subprocess.run(["scancel", "--name", run_id.group(1)], timeout=60)
        timed_out = " (timed out: SIGINT)" if result.returncode in (124, 137) else ""
        raise AssertionError(
            f"{' '.join(cmd)} exited {result.returncode}{timed_out}\n{output}"
        )
    return output


def both_runs_rows(cluster, local):
    """Each run's results/ratios.csv rows, in the cluster's order with the
    local run's beside them (as many as TRIALS)."""
    rows = {}
    for workdir in (cluster, local):
        with open(workdir / "results" / "ratios.csv", newline="") as f:
            rows[workdir] = list(csv.DictReader(f))
    assert len(rows[cluster]) == len(TRIALS)
    return list(zip(rows[cluster], rows[local]))


def rule_jobs(text):
    """{(rule, batch)} of the batch rules' jobs described in Snakemake's output."""
    return set(RULE_JOB.findall(text))


def test_workflow_on_slurm_matches_local_run_and_groups_images(
    slurm, slurm_plugin, lesson_data, tmp_path
):
    cluster, local = tmp_path / "slurm", tmp_path / "local"
    for workdir in (cluster, local):
        workdir.mkdir()
        link_images(lesson_data, workdir, TRIALS)

    started = time.monotonic()
    output = run_on_slurm(cluster, slurm_plugin)
    seconds = time.monotonic() - started
    run_snakemake(local, "--cores", 2, *CONFIG)

    # (a) the same results as a local run: every column but the mask's path
    # (the batches differ: the profile gives one core, the local run two),
    # and masks of the same bytes
    for ours, theirs in both_runs_rows(cluster, local):
        assert {k: v for k, v in ours.items() if k != "mask"} == {
            k: v for k, v in theirs.items() if k != "mask"}
        assert (cluster / ours["mask"]).read_bytes() == (local / theirs["mask"]).read_bytes()

    # (b) grouping: what was submitted, what SLURM ran, what each sbatch job ran
    run_id = re.search(r"SLURM run ID: (\S+)", output).group(1)
    submitted = dict(
        re.findall(r"(?m)has been submitted with SLURM jobid (\d+) \(log: (.+?)\)\.$", output)
    )
    planned = rule_jobs(output)

    # sacct: the sbatch jobs of this run (job name = run ID), all completed,
    # none asking for more CPUs than the profile's cores; inside each, one job
    # step (srun) per chain of a batch's rule jobs
    cores = yaml.safe_load((PROFILE / "config.yaml").read_text())["cores"]
    since = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    allocations = {
        job: (state, int(cpus))
        for job, state, cpus in sacct(
            "-X", "--starttime", since, "--name", run_id, "-o", "JobIDRaw,State,AllocCPUS"
        )
    }
    assert set(allocations) == set(submitted), (allocations, submitted)
    assert all(state == "COMPLETED" for state, _ in allocations.values()), allocations
    assert all(cpus <= cores for _, cpus in allocations.values()), allocations
    steps = defaultdict(list)
    for job_step, state in sacct("-j", ",".join(allocations), "-o", "JobID,State"):
        job, _, step = job_step.partition(".")
        if step.isdigit():
            steps[job].append(state)

    # the jobs' own records: the rule jobs each sbatch job's log shows, and the
    # images of each batch (results/blurred/<batch>/index.json)
    images_of = {}
    for index in (cluster / "results" / "blurred").glob("b*/index.json"):
        images_of[index.parent.name] = [row["image"] for row in json.loads(index.read_text())]
    assert len(images_of) >= 2 and max(map(len, images_of.values())) >= 2, images_of
    assert planned == {(rule, batch) for rule in STAGES for batch in images_of}, planned
    ran = {jobid: rule_jobs(Path(log).read_text()) for jobid, log in submitted.items()}
    assert sorted(job for jobs in ran.values() for job in jobs) == sorted(planned), ran
    images_per_sbatch_job = {
        jobid: sorted({image for _, batch in jobs for image in images_of[batch]})
        for jobid, jobs in ran.items()
    }
    evidence = (
        f"{len(submitted)} sbatch job(s) for {len(planned)} batch rule jobs"
        f" ({seconds:.0f} s); sacct: CPUs {({j: c for j, (_, c) in allocations.items()})},"
        f" job steps {({j: len(s) for j, s in steps.items()})};"
        f" images per sbatch job {images_per_sbatch_job}"
    )
    print(evidence)
    assert len(submitted) < len(planned), evidence
    assert max(len(images) for images in images_per_sbatch_job.values()) >= 2, evidence
    for jobid, jobs in ran.items():
        batches = {batch for _, batch in jobs}
        # a batch's chain is one job step; the collection's QC jobs
        # (contact_sheets, method_panel) are sbatch jobs of one step each
        assert steps[jobid] == ["COMPLETED"] * max(1, len(batches)), evidence

    # (c) the QC figures were made on the cluster too
    qc = cluster / "results" / "qc"
    assert len(list((qc / "images").rglob("*.jpg"))) == len(TRIALS)
    for name in ("contact-sheets/sheet-0001.jpg", "method-panel.png", "ratios.png"):
        assert (qc / name).stat().st_size > 0, name


def test_a_classifier_trained_once_is_applied_on_slurm(slurm, slurm_plugin, lesson_data,
                                                     tmp_path):
    """threshold.classifier_model on the cluster: a model file trained
    before (here on drawn images) segments the lesson's photos in the
    cluster's save_mask jobs, nothing is trained, and the masks and ratios
    are a local run's with the same model."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_classifier import drawn
    from rootmass.segmentation import Image, segmenter
    from rootmass.workflow.models import save_model

    chosen = segmenter("classifier")
    settings = {**{s.name: s.default for s in chosen.own_settings},
                "classifier_trees": 10, "classifier_colour_sigmas": []}
    images = []
    for seed in (1, 2):
        picture, truth = drawn(seed)
        images.append(Image(pixels=picture, truth=np.where(truth, 2, 1).astype(np.uint8)))
    model = tmp_path / "model.pickle"
    save_model(chosen.fit_collection(images, settings, folds=1), str(model))
    given = [f"threshold={{method: classifier, classifier_model: '{model}'}}"]
    cluster, local = tmp_path / "slurm", tmp_path / "local"
    for workdir in (cluster, local):
        workdir.mkdir()
        link_images(lesson_data, workdir, TRIALS)
    output = run_on_slurm(cluster, slurm_plugin, given)
    run_snakemake(local, "--cores", 2, *CONFIG, *given)
    # applied, not trained: the run's model is the given file's, recorded so
    import pickle

    with open(cluster / "results" / "models" / "classifier.pickle", "rb") as f:
        used = pickle.load(f)  # (the test's own file)
    assert used["given"] == str(model) and used["settings"]["classifier_trees"] == 10
    assert used["fold_forests"] == []
    assert {rule for rule, _ in rule_jobs(output)} >= {"save_mask"}
    for ours, theirs in both_runs_rows(cluster, local):
        assert ours["method"] == "classifier" and ours["status"] == "ok"
        assert 0 <= float(ours["ratio"]) <= 1 and ours["ratio"] == theirs["ratio"]
        assert (cluster / ours["mask"]).read_bytes() == (local / theirs["mask"]).read_bytes()
