"""The workflow on a real SLURM cluster: a one-node SLURM on this machine
(tests/slurm/start-slurm.sh, root and Debian's packages), Snakemake's SLURM
executor and the project's profile workflow/profiles/slurm. The CSV must be
byte-identical to a local run's, and the group "images" must pack the jobs of
several images into one sbatch job (checked with sacct and the jobs' logs).

Where SLURM cannot be started (not root, not Debian, no network) the test is
skipped with the script's reason; with CI set it fails with the script's
output instead."""

import json
import os
import re
import subprocess
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SNAKEMAKE, in_ci, link_images, run_snakemake

SLURM_SCRIPTS = ROOT / "tests" / "slurm"
PROFILE = ROOT / "workflow" / "profiles" / "slurm"
TRIALS = ["trial-016.jpg", "trial-020.jpg", "trial-216.jpg", "trial-293.jpg"]
# two batches of two 6-megapixel images, so that there are several batches
# (group components), and a job that starts after another batch is cached
CONFIG = ["--config", "images=data/trial-*.jpg", "demo=false", "batch_megapixels=12"]
STAGES = ("grayscale_blur", "threshold", "save_mask", "qc_images")
RULE_JOB = re.compile(r"\b((?:%s)_b[0-9a-f]{12})\b" % "|".join(STAGES))
# Snakemake waiting on SLURM jobs ignores SIGTERM: stop it with SIGINT (it then
# cancels its jobs), and kill it only if that does not help.
SLURM_RUN_TIMEOUT = 240


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


def run_on_slurm(workdir):
    """snakemake --profile workflow/profiles/slurm in workdir, under a SIGINT
    timeout; returns its output."""
    cmd = [
        "timeout", "-s", "INT", "-k", "60", str(SLURM_RUN_TIMEOUT),
        str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"),
        "--profile", str(PROFILE),
        # a small test: check soon, and keep every sbatch log as evidence
        "--slurm-init-seconds-before-status-checks", "5",
        "--slurm-keep-successful-logs",
        *CONFIG,
    ]  # fmt: skip
    result = subprocess.run(
        cmd, cwd=workdir, capture_output=True, text=True, timeout=SLURM_RUN_TIMEOUT + 120
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


def planned_rule_jobs(output):
    """The per-image rule jobs of the run's job stats table."""
    table = re.search(r"Job stats:\n(.*?)\n\n", output, flags=re.S)
    assert table, output
    return {m.group(1) for m in RULE_JOB.finditer(table.group(1))}


def test_workflow_on_slurm_matches_local_run_and_groups_images(
    slurm, lesson_data, tmp_path
):
    cluster, local = tmp_path / "slurm", tmp_path / "local"
    for workdir in (cluster, local):
        workdir.mkdir()
        link_images(lesson_data, workdir, TRIALS)

    started = time.monotonic()
    output = run_on_slurm(cluster)
    seconds = time.monotonic() - started
    run_snakemake(local, "--cores", 2, *CONFIG)

    # (a) the same bytes as a local run
    csv_path = Path("results") / "ratios.csv"
    assert (cluster / csv_path).read_bytes() == (local / csv_path).read_bytes()
    assert len((cluster / csv_path).read_text().splitlines()) == 1 + len(TRIALS)

    # (b) grouping: what was submitted, what SLURM ran, what each sbatch job ran
    run_id = re.search(r"SLURM run ID: (\S+)", output).group(1)
    submitted = dict(
        re.findall(r"(?m)has been submitted with SLURM jobid (\d+) \(log: (.+?)\)\.$", output)
    )
    rule_jobs = planned_rule_jobs(output)

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
        images_of[index.parent.name] = [entry[0] for entry in json.loads(index.read_text())]
    assert len(images_of) >= 2 and max(map(len, images_of.values())) >= 2, images_of
    assert len(rule_jobs) == len(STAGES) * len(images_of), rule_jobs
    ran = {
        jobid: {m.group(1) for m in RULE_JOB.finditer(Path(log).read_text())}
        for jobid, log in submitted.items()
    }
    assert sorted(r for rules in ran.values() for r in rules) == sorted(rule_jobs), ran
    images_per_sbatch_job = {
        jobid: sorted({image for r in rules for image in images_of[r.rsplit("_", 1)[1]]})
        for jobid, rules in ran.items()
    }
    evidence = (
        f"{len(submitted)} sbatch job(s) for {len(rule_jobs)} per-image rule jobs"
        f" ({seconds:.0f} s); sacct: CPUs {({j: c for j, (_, c) in allocations.items()})},"
        f" job steps {({j: len(s) for j, s in steps.items()})};"
        f" images per sbatch job {images_per_sbatch_job}"
    )
    print(evidence)
    assert len(submitted) < len(rule_jobs), evidence
    assert max(len(images) for images in images_per_sbatch_job.values()) >= 2, evidence
    for jobid, rules in ran.items():
        batches = {rule.rsplit("_", 1)[1] for rule in rules}
        # a batch's chain is one job step; the collection's QC jobs
        # (contact_sheets, method_panel) are sbatch jobs of one step each
        assert steps[jobid] == ["COMPLETED"] * max(1, len(batches)), evidence

    # (c) the QC figures were made on the cluster too
    qc = cluster / "results" / "qc"
    assert len(list((qc / "images").rglob("*.png"))) == len(TRIALS)
    for name in ("contact-sheet-001.png", "method-panel.png", "ratios.png"):
        assert (qc / name).stat().st_size > 0, name
