"""Each stage's CPU per photo, from the jobs' own getrusage, against a
baseline commit measured in the same run.

Every rule script ends its log with its process's CPU time (user and
system, from ``resource.getrusage``: ``rootmass``'s ``job_log``). This
benchmark runs the workflow on the lesson set (the four trial photos, 24
times each under other names: 96 photos, ``--cores 2``) from this checkout
and from a baseline commit (a ``git worktree`` of it, made under ``--out``),
in turns: cold with the defaults, then after changing only the threshold
method (``otsu`` to ``otsu_excluding_bright``, as ``throughput.py``'s mode
(d)). For each stage it sums its jobs' CPU time and divides by the photos
(a collection rule's, per run). A warm-up of each, then ``--repeats``
runs; the table gives medians, and the ratio of this checkout to the
baseline.

    python benchmarks/stages.py --baseline 3a7afcf        # about 25 min here
    python benchmarks/stages.py --baseline 3a7afcf --repeats 1 --warmup 0

The baseline's own scripts come first on its ``PYTHONPATH``, so that its
rule scripts import its ``rootmass``, not this checkout's (installed
editable). Both must give exactly the lesson's ratios (checked).
"""

import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
SNAKEMAKE = str(Path(PY).parent / "snakemake")
LESSON_DATA = Path(os.environ.get("LESSON_DATA", ROOT.parent / "shared" / "lesson-data"))
TRIALS = ["trial-016.jpg", "trial-020.jpg", "trial-216.jpg", "trial-293.jpg"]
CPU_LINE = re.compile(r"CPU time: ([0-9.]+) s user, ([0-9.]+) s system")
CHANGE = ["--config", "threshold={method: otsu_excluding_bright}"]


BATCH_LOG = re.compile(r"b[0-9a-f]{12}\.log")


def stage_cpu(logs):
    """{rule: (CPU-s summed over its jobs, whether one job a batch)} from a
    run's job logs: ``logs/<rule>/<batch>.log`` for a batch rule,
    ``logs/<rule>.log`` or ``logs/qc/<rule>.log`` for a collection rule."""
    found = {}
    for path in Path(logs).rglob("*.log"):
        times = CPU_LINE.findall(path.read_text(errors="replace"))
        if not times:
            continue
        per_batch = bool(BATCH_LOG.fullmatch(path.name))
        rule = path.parent.name if per_batch else path.stem
        user, system = map(float, times[-1])
        found[rule] = (found.get(rule, (0.0,))[0] + user + system, per_batch)
    return found


def run(checkout, work, images, cores, extra=()):
    """One run of ``checkout``'s workflow in ``work``: each stage's CPU."""
    shutil.rmtree(work / "logs", ignore_errors=True)
    env = dict(os.environ)
    if checkout != ROOT:
        env["PYTHONPATH"] = str(checkout / "scripts")
    cmd = [SNAKEMAKE, "--snakefile", checkout / "Snakefile", "--cores", cores,
           "--configfile", work / "config.yaml", *extra]
    result = subprocess.run(list(map(str, cmd)), cwd=work, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if result.returncode:
        raise SystemExit(f"failed in {work}:\n{result.stdout[-3000:]}")
    return stage_cpu(work / "logs")


def lesson_ratios(images):
    """{file name: repr(ratio)}: the lesson's procedure 1 (not timed)."""
    from lesson_loop import measure_root_mass

    ratios = {name: repr(float(measure_root_mass(str(LESSON_DATA / name))[0]))
              for name in TRIALS}
    return {image.name: ratios[image.resolve().name] for image in images}


def checked(work, expected):
    with open(work / "results" / "ratios.csv", newline="") as f:
        got = {Path(row["image"]).name: row["ratio"] for row in csv.DictReader(f)}
    if got != expected:
        raise SystemExit(f"{work}: the ratios differ from the lesson's")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, help="a commit of this repository")
    parser.add_argument("--count", type=int, default=96)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "stages")
    args = parser.parse_args()
    if not (LESSON_DATA / TRIALS[0]).is_file():
        raise SystemExit(f"the lesson's photos are not at {LESSON_DATA}")
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.out / "baseline"
    if base.exists():
        subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", base], check=False)
        shutil.rmtree(base, ignore_errors=True)
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", base, args.baseline],
                   check=True, stdout=subprocess.DEVNULL)
    images = [args.out / "photos" / f"photo-{i:02d}.jpg" for i in range(args.count)]
    shutil.rmtree(args.out / "photos", ignore_errors=True)
    images[0].parent.mkdir()
    for i, image in enumerate(images):
        image.symlink_to(LESSON_DATA / TRIALS[i % len(TRIALS)])
    expected = lesson_ratios(images)
    samples = {}  # (checkout, mode, rule) -> [CPU-s per photo or per run]
    try:
        for repeat in range(-args.warmup, args.repeats):
            for label, checkout in (("baseline", base), ("this", ROOT)):
                work = args.out / f"work-{label}"
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir()
                (work / "config.yaml").write_text(
                    f'images: "{images[0].parent}/*.jpg"\ndemo: null\n')
                for mode, extra in (("cold", ()), ("threshold change", CHANGE)):
                    cpu = run(checkout, work, images, args.cores, extra)
                    if mode == "cold":
                        checked(work, expected)
                    total = sum(seconds for seconds, _ in cpu.values())
                    print(f"  {'warm-up' if repeat < 0 else f'repeat {repeat}'}"
                          f" {label:>8} {mode}: {total:.1f} CPU-s in the jobs")
                    if repeat >= 0:
                        for rule, (seconds, per_batch) in cpu.items():
                            per = seconds / (len(images) if per_batch else 1)
                            samples.setdefault((label, mode, rule), []).append(per)
    finally:
        subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", base], check=False)
    print(f"\nCPU-s per photo ({args.count} photos; a collection rule's, per run),"
          f" medians of {args.repeats}; baseline {args.baseline}")
    print(f"{'mode':<17} {'rule':<22} {'baseline':>9} {'this':>9} {'ratio':>6}")
    rows = sorted({(mode, rule) for _, mode, rule in samples})
    for mode, rule in rows:
        before = samples.get(("baseline", mode, rule))
        after = samples.get(("this", mode, rule))
        b = statistics.median(before) if before else None
        a = statistics.median(after) if after else None
        ratio = f"{a / b:6.2f}" if a is not None and b else "     -"
        print(f"{mode:<17} {rule:<22} {b if b is not None else float('nan'):9.3f}"
              f" {a if a is not None else float('nan'):9.3f} {ratio}")


if __name__ == "__main__":
    main()
