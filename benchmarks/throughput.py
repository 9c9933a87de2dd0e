"""Throughput benchmark: the workflow against a plain Python loop, in one run.

Generates synthetic images with the project's demo generator and measures wall
time, CPU time and peak memory of
  (a) the lesson's sequential loop (its measure function + saving each mask),
  (b) the same function in a multiprocessing.Pool of --cores processes,
  (c) the workflow cold, `snakemake --cores N`,
  (d) the workflow after changing only the threshold method,
  (e) the workflow after adding 5 % new images,
  (f) a no-op re-run,
  (g) then turning the QC figures on (`qc: true`): the cost of the QC alone;
(a) to (f) run with `qc: false`, as the workflow's throughput targets were set
without the figures, for lesson-size (2000 x 3008) and small (300 x 200) images; plus the dry-run
time and memory for 10 000 images, the peak memory of every job against the
float64 size of its image, and the disk bytes of cached intermediates per
image. Every ratio is to (b) of the same image set in the same run. Checks on
the way that every mode gives exactly the lesson's numbers.

    python benchmarks/throughput.py                # the full benchmark
    python benchmarks/throughput.py --large-count 4 --small-count 20 \\
        --dry-run-count 200 --out /tmp/bench       # a quick smoke run
"""

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from rootmass.jobs import read_job_costs  # noqa: E402

PY = sys.executable
SNAKEMAKE = str(Path(PY).parent / "snakemake")
# Runs a command and reports its wall time and the CPU time and peak RSS of
# the whole process tree (RUSAGE_CHILDREN: the largest single process).
WRAPPER = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
wall = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": r.returncode, "wall": wall, "cpu": u.ru_utime + u.ru_stime,
                  "maxrss": u.ru_maxrss * 1024, "out": r.stdout[-4000:]}))
"""
TARGETS = {  # mode: (large, small) upper bounds of the wall-time ratio to (b)
    "c": (2.0, 3.0),
    "d": (0.5, None),
    "e": (0.25, None),
}


def measure(cmd, cwd):
    result = subprocess.run(
        [PY, "-c", WRAPPER, *map(str, cmd)], cwd=cwd, capture_output=True, text=True
    )
    record = json.loads(result.stdout)
    if record["rc"] != 0:
        raise SystemExit(f"failed ({record['rc']}): {' '.join(map(str, cmd))}\n{record['out']}")
    return record


def generate(folder, count, shape, seed, first=0):
    """Demo images demo-{first:04d}.jpg ... in folder (kept between runs)."""
    marker = folder / f".made-{count}-{shape[0]}x{shape[1]}-{seed}-{first}"
    if marker.exists():
        return sorted(folder.glob("demo-*.jpg"))
    shutil.rmtree(folder, ignore_errors=True)
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [PY, ROOT / "scripts" / "make_demo.py", "--out", tmp, "--count", count,
           "--height", shape[0], "--width", shape[1], "--seed", seed]
    subprocess.run(list(map(str, cmd)), check=True, stderr=subprocess.DEVNULL)
    folder.mkdir(parents=True)
    for i, path in enumerate(sorted(tmp.glob("demo-*.jpg"))):
        path.rename(folder / f"demo-{first + i:04d}.jpg")
    shutil.rmtree(tmp)
    marker.touch()
    return sorted(folder.glob("demo-*.jpg"))


def read_ratios(path, image_column=0, ratio_column=1, header=False):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1 if header else 0 :]
    return {os.path.basename(r[image_column]): r[ratio_column] for r in rows}


def lesson_ratios(images, folder, cores, enhanced=False):
    """{file name: repr(ratio)} by the lesson's own code (not timed)."""
    out = folder / ("ref-enhanced.csv" if enhanced else "ref.csv")
    cmd = [PY, ROOT / "benchmarks" / "lesson_loop.py", "--jobs", cores,
           "--out", folder / "ref-masks", "--csv", out, *images]
    cmd += ["--enhanced"] if enhanced else []
    subprocess.run(list(map(str, cmd)), check=True)
    return read_ratios(out)


def check_same(label, got, expected):
    if got != expected:
        wrong = sorted(k for k in expected if got.get(k) != expected[k])[:3]
        raise SystemExit(f"{label}: numbers differ from the lesson's for {wrong}")


def run_set(name, shape, count, cores, repeats, base, rows, notes):
    print(f"\n== {name}: {count} images of {shape[0]} x {shape[1]}, --cores {cores}")
    images = generate(base / f"images-{name}", count, shape, seed=1)
    n_new = max(1, round(0.05 * count))
    extras = generate(base / f"extra-{name}", n_new, shape, seed=2, first=count)
    pixels = shape[0] * shape[1]
    refs = base / f"refs-{name}"
    refs.mkdir(exist_ok=True)
    otsu = lesson_ratios(images, refs, cores)
    enhanced = lesson_ratios(images + extras, refs, cores, enhanced=True)
    for repeat in range(repeats):
        work = base / f"work-{name}"
        shutil.rmtree(work, ignore_errors=True)
        (work / "images").mkdir(parents=True)
        for image in images:
            (work / "images" / image.name).symlink_to(image)
        cold = work / "cold.yaml"
        cold.write_text('images: "images/*.jpg"\ndemo: null\nqc: false\n')
        changed = work / "changed.yaml"
        changed.write_text(cold.read_text() + "threshold: {method: otsu_excluding_bright}\n")
        with_qc = work / "qc.yaml"
        with_qc.write_text(changed.read_text().replace("qc: false", "qc: true"))
        workflow = [SNAKEMAKE, "--snakefile", ROOT / "Snakefile", "--cores", cores]
        loop = [PY, ROOT / "benchmarks" / "lesson_loop.py", "--out", work / "loop-masks"]
        modes = {
            "a": loop + ["--jobs", 1, "--csv", work / "a.csv", *images],
            "b": loop + ["--jobs", cores, "--csv", work / "b.csv", *images],
            "c": workflow + ["--configfile", cold],
            "d": workflow + ["--configfile", changed],
            "e": workflow + ["--configfile", changed],
            "f": workflow + ["--configfile", changed],
            "g": workflow + ["--configfile", with_qc],
        }
        for mode, cmd in modes.items():
            if mode == "e":
                for image in extras:
                    (work / "images" / image.name).symlink_to(image)
            record = measure(cmd, work)
            rows.append(dict(set=name, mode=mode, repeat=repeat, wall_s=record["wall"],
                             cpu_s=record["cpu"], peak_rss_mb=record["maxrss"] / 2**20))
            print(f"  repeat {repeat} ({mode}) wall {record['wall']:7.2f} s"
                  f"  cpu {record['cpu']:7.2f} s  peak {record['maxrss'] / 2**20:6.0f} MiB")
            if mode in "ab":
                check_same(f"({mode})", read_ratios(work / f"{mode}.csv"), otsu)
            elif mode == "c":
                check_same("(c)", read_ratios(work / "results/ratios.csv", header=True), otsu)
                costs = [read_job_costs(p) for p in (work / "logs").rglob("*.log")]
                costs = [c for c in costs if c and c["images"]]
                notes[f"{name}: peak RSS of any job / float64 image"] = max(
                    c["peak_rss"] for c in costs) / (8 * pixels)
                notes[f"{name}: peak RSS above the job's start / float64 image"] = max(
                    c["peak_rss"] - c["baseline_rss"] for c in costs) / (8 * pixels)
                blurred = list((work / "results" / "blurred").rglob("*.npy"))
                notes[f"{name}: cached bytes per image"] = sum(
                    p.stat().st_size for p in blurred) / len(blurred)
            else:
                expected = {k: v for k, v in enhanced.items()
                            if mode != "d" or k in otsu}
                got = read_ratios(work / "results/ratios.csv", header=True)
                check_same(f"({mode})", got, expected)
            if mode == "f" and "Nothing to be done" not in record["out"]:
                raise SystemExit("(f): the no-op re-run did some work")
            if mode == "g":
                plots = list((work / "results" / "qc" / "images").rglob("*.png"))
                if len(plots) != len(images) + len(extras):
                    raise SystemExit(f"(g): {len(plots)} QC figures for"
                                     f" {len(images) + len(extras)} images")
                costs = [read_job_costs(p) for p in (work / "logs" / "qc_images").glob("*.log")]
                notes[f"{name}: QC CPU-s per image (qc_images jobs, start-up included)"] = sum(
                    c["startup_cpu"] + c["work_cpu"] for c in costs) / len(plots)


def run_dry(count, shape, repeats, base, rows):
    print(f"\n== dry run: {count} images of {shape[0]} x {shape[1]}")
    folder = base / f"dry-{count}"
    source = generate(base / "dry-source", 1, shape, seed=3)[0]
    marker = folder / f".linked-{count}"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "images").mkdir(parents=True)
        for i in range(count):
            os.link(source, folder / "images" / f"img-{i:05d}.jpg")
        marker.touch()
    for repeat in range(repeats):
        shutil.rmtree(folder / ".snakemake", ignore_errors=True)
        record = measure([SNAKEMAKE, "--snakefile", ROOT / "Snakefile", "--cores", 2,
                          "--dry-run", "--quiet", "--config", "images=images/*.jpg",
                          "demo=false"], folder)
        rows.append(dict(set=f"dry-run {count}", mode="dry", repeat=repeat,
                         wall_s=record["wall"], cpu_s=record["cpu"],
                         peak_rss_mb=record["maxrss"] / 2**20))
        print(f"  repeat {repeat} wall {record['wall']:.2f} s  peak {record['maxrss'] / 2**20:.0f} MiB")


def summarise(rows, notes, out, sets):
    medians = {}
    for row in rows:
        medians.setdefault((row["set"], row["mode"]), []).append(row)
    table = []
    for (name, mode), group in medians.items():
        wall = statistics.median(r["wall_s"] for r in group)
        cpu = statistics.median(r["cpu_s"] for r in group)
        peak = max(r["peak_rss_mb"] for r in group)
        base = medians.get((name, "b"))
        ratio = wall / statistics.median(r["wall_s"] for r in base) if base else None
        table.append(dict(set=name, mode=mode, runs=len(group), wall_s=wall, cpu_s=cpu,
                          peak_rss_mb=peak, wall_ratio_to_b=ratio))
    with open(out / "throughput.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with open(out / "summary.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)

    print("\n| set | mode | runs | median wall s | median CPU s | peak RSS MiB | wall / (b) | target |")
    print("|---|---|---|---|---|---|---|---|")
    for row in table:
        target = ""
        if row["mode"] in TARGETS:
            bound = TARGETS[row["mode"]][0 if row["set"] == sets[0] else 1]
            if bound is not None:
                ok = row["wall_ratio_to_b"] <= bound
                target = f"<= {bound}: {'met' if ok else 'NOT met'}"
        if row["mode"] == "dry":
            target = f"<= 20 s: {'met' if row['wall_s'] <= 20 else 'NOT met'}"
        ratio = "" if row["wall_ratio_to_b"] is None else f"{row['wall_ratio_to_b']:.2f}"
        print(f"| {row['set']} | {row['mode']} | {row['runs']} | {row['wall_s']:.2f} |"
              f" {row['cpu_s']:.2f} | {row['peak_rss_mb']:.0f} | {ratio} | {target} |")
    print()
    for key, value in notes.items():
        if "bytes" in key:
            print(f"- {key}: {value:,.0f}")
        else:
            limit = (" (target <= 4 at 6 MP)"
                     if key.startswith(sets[0]) and "float64" in key else "")
            print(f"- {key}: {value:.2f}{limit}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = ["a", "b", "c", "d", "e", "f", "g"]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(sets)
    for i, name in enumerate(sets):
        values = [next((r["wall_ratio_to_b"] for r in table
                        if r["set"] == name and r["mode"] == m), 0) for m in modes]
        ax.bar([j + i * width for j in range(len(modes))], values, width, label=name)
    for mode, (bound, _) in TARGETS.items():
        j = modes.index(mode)
        ax.hlines(bound, j - 0.1, j + 0.9, colors="k", linestyles="dashed")
    ax.set_xticks([j + width / 2 for j in range(len(modes))])
    ax.set_xticklabels(["(a) loop", "(b) pool", "(c) cold", "(d) new t", "(e) +5 %",
                        "(f) no-op", "(g) QC"])
    ax.set_ylabel("wall time / (b)")
    ax.set_title("Workflow vs a multiprocessing.Pool (dashed: 6 MP targets)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "throughput.png", dpi=120)
    print(f"\nwrote {out / 'throughput.csv'}, {out / 'summary.csv'}, {out / 'throughput.png'}")
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--large-count", type=int, default=200)
    parser.add_argument("--small-count", type=int, default=2000)
    parser.add_argument("--large-shape", default="2000x3008", help="HEIGHTxWIDTH")
    parser.add_argument("--small-shape", default="300x200", help="HEIGHTxWIDTH")
    parser.add_argument("--dry-run-count", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out"))
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    rows, notes = [], {}
    large = tuple(int(v) for v in args.large_shape.split("x"))
    small = tuple(int(v) for v in args.small_shape.split("x"))
    sets = [f"{large[0]}x{large[1]}", f"{small[0]}x{small[1]}"]
    run_set(sets[0], large, args.large_count, args.cores, args.repeats, out, rows, notes)
    run_set(sets[1], small, args.small_count, args.cores, args.repeats, out, rows, notes)
    run_dry(args.dry_run_count, large, args.repeats, out, rows)
    summarise(rows, notes, out, sets)


if __name__ == "__main__":
    main()
