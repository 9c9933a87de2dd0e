"""Throughput benchmark: the workflow against a plain Python Pool, in one run.

For each image set it measures wall time, CPU time and peak memory of

  (a) the lesson's sequential loop (its measure function + saving each mask),
  (b) the same function in a multiprocessing.Pool of --cores processes: the
      baseline every ratio is taken against,
  (c) the workflow cold, default config (qc: true),
  (d) then after changing only the threshold method (otsu to
      otsu_excluding_bright),
  (e) then after adding 5 % new images,
  (f) a no-op re-run,
  (c0), (d0) as (c) and (d) with qc: false, in a fresh folder (the results
       of (c) to (f) deleted first: one collection's cache on disk at a time),
  (c1) as (c) with the objects stage off (`--config objects={enabled:
       false}`), in a fresh folder: (c) against (c1), both as ratios to (b),
       is the objects stage's cost in the cold default run,

and, on the results of (f), the QC figures alone (`--forcerun qc_images
--until qc_images`) and the method panel alone, less Snakemake's own start
(f), per image; the disk the blurred cache takes per byte of input images;
and the dry-run time of 40,000 and 100,000 real image files. Every mode is
checked to give exactly the lesson's numbers.

The sets: "lesson", 96 lesson photos (the four 2000 x 3008 trial photos,
24 times each under other names; needs ../shared/lesson-data or
$LESSON_DATA, else the set is left out with a message) and "demo", 200 demo
images of 2000 x 3008 (generated once into --out). `--sets lesson` runs one
set (and no dry runs). Each set first runs every mode once as a warm-up
(`--warmup`, not counted), then `--repeats` times; the tables give medians.
`--baseline <commit>` runs that commit's workflow too (a git worktree under
--out, its own package first on PYTHONPATH), each of its modes right after
this checkout's, as "<mode> before": both against the same (b).

    python benchmarks/throughput.py                 # the full benchmark
    python benchmarks/throughput.py --demo-count 4 --dry-run-counts 200 \\
        --repeats 1 --out /tmp/bench                # a quick smoke run

Run it from the workflow's own environment (`pip install -r
requirements.txt`): the SLURM executor plugin, where installed, adds half a
second to every `snakemake` command.
"""

import argparse
import csv
import importlib.util
import json
import os
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
# the targets: wall time / (b)
# issue #20's targets, on the 96 lesson photos
TARGETS = {"c": 1.5, "d": 0.9, "c0": 1.25}
QC_TARGET, PANEL_TARGET = 0.1, 1.0  # CPU-s per 6-megapixel image; CPU-s
DRY_TARGET, DRY_GROWTH = 20.0, 2.5  # s for the first count; ratio of the second
MODES = ["a", "b", "c", "d", "c0", "d0", "c1", "e", "f"]
OBJECTS_OFF = ["--config", "objects={enabled: false}"]  # (c1)


def measure(cmd, cwd, env=None):
    result = subprocess.run(
        [PY, "-c", WRAPPER, *map(str, cmd)], cwd=cwd, capture_output=True, text=True,
        env=None if env is None else {**os.environ, **env},
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


def lesson_photos(folder, count):
    """`count` links to the lesson's trial photos, photo-00.jpg ..."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("photo-*.jpg"):
        path.unlink()
    for i in range(count):
        (folder / f"photo-{i:02d}.jpg").symlink_to(LESSON_DATA / TRIALS[i % len(TRIALS)])
    return sorted(folder.glob("photo-*.jpg"))


def read_ratios(path, header=False):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1 if header else 0 :]
    return {os.path.basename(r[0]): r[1] for r in rows}


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


def log(rows, name, mode, repeat, record):
    if repeat < 0:
        print(f"  warm-up ({mode:>5}) wall {record['wall']:7.2f} s")
        return
    rows.append(dict(set=name, mode=mode, repeat=repeat, wall_s=record["wall"],
                     cpu_s=record["cpu"], peak_rss_mb=record["maxrss"] / 2**20))
    print(f"  repeat {repeat} ({mode:>5}) wall {record['wall']:7.2f} s"
          f"  cpu {record['cpu']:7.2f} s  peak {record['maxrss'] / 2**20:6.0f} MiB")


def folder_bytes(folder, pattern="*"):
    return sum(p.stat().st_size for p in Path(folder).rglob(pattern) if p.is_file())


def baseline_checkout(commit, base):
    """A checkout of another commit of this repository (git worktree), and
    the environment its workflow runs in: its own package first."""
    folder = base / f"baseline-{commit}"
    if not (folder / "Snakefile").exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run(["git", "-C", ROOT, "worktree", "prune"], check=True)
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", folder, commit],
                       check=True, stdout=subprocess.DEVNULL)
    return folder, {"PYTHONPATH": str(folder / "scripts")}


def run_set(name, images, extras, cores, repeats, base, rows, notes, warmup=0,
            variants=(("", ROOT, None),)):
    print(f"\n== {name}: {len(images)} images, --cores {cores}")
    refs = base / f"refs-{name}"
    refs.mkdir(exist_ok=True)
    otsu = lesson_ratios(images, refs, cores)
    enhanced = lesson_ratios(images + extras, refs, cores, enhanced=True)
    input_bytes = sum(Path(p).resolve().stat().st_size for p in images)
    for repeat in range(-warmup, repeats):  # negative: a warm-up, not counted
        loop = [PY, ROOT / "benchmarks" / "lesson_loop.py", "--out", base / "loop-masks"]
        for mode in "ab":
            cmd = loop + ["--jobs", 1 if mode == "a" else cores, "--csv", base / f"{mode}.csv",
                          *images]
            record = measure(cmd, base)
            log(rows, name, mode, repeat, record)
            check_same(f"({mode})", read_ratios(base / f"{mode}.csv"), otsu)
        # with the QC figures (the default), then without them, then the
        # defaults without the objects stage; one collection's results at a
        # time, as a user would have them
        # each workflow mode of every variant (this checkout, and a
        # baseline's), one after the other in the same repeat
        for (qc, cold, changed, off), (suffix, root, env) in (
                (setting, variant) for setting in (
                    ("true", "c", "d", []), ("false", "c0", "d0", []),
                    ("true", "c1", None, OBJECTS_OFF))
                for variant in variants):
            work = base / f"work-{name}"
            shutil.rmtree(work, ignore_errors=True)
            (work / "images").mkdir(parents=True)
            for image in images:
                (work / "images" / Path(image).name).symlink_to(Path(image).resolve())
            config = work / "config.yaml"
            config.write_text(f'images: "images/*.jpg"\ndemo: null\nqc: {qc}\n')
            workflow = [SNAKEMAKE, "--snakefile", root / "Snakefile", "--cores", cores,
                        "--configfile", config]
            modes = [(cold, off)]
            if changed:
                modes.append((changed, ["--config", "threshold={method: otsu_excluding_bright}"]))
            if cold == "c":
                modes += [("e", modes[1][1]), ("f", modes[1][1])]
            for mode, extra in modes:
                if mode == "e":
                    for image in extras:
                        (work / "images" / Path(image).name).symlink_to(Path(image).resolve())
                record = measure(workflow + extra, work, env)
                log(rows, name, mode + suffix, repeat, record)
                got = read_ratios(work / "results/ratios.csv", header=True)
                if mode == cold:
                    check_same(f"({mode})", got, otsu)
                    # the objects stage ran in (c) and (c0), not in (c1)
                    if (work / "results" / "objects.csv").exists() != (not off):
                        raise SystemExit(f"({mode}): results/objects.csv"
                                         f" {'made' if off else 'missing'}")
                    cached = folder_bytes(work / "results" / "blurred", "*.npy")
                    notes[f"{name}: blurred cache bytes per input byte{suffix}"] = \
                        cached / input_bytes
                else:
                    wanted = images + (extras if mode in "ef" else [])
                    check_same(f"({mode})", got,
                               {Path(p).name: enhanced[Path(p).name] for p in wanted})
                if mode == "f":
                    if "Nothing to be done" not in record["out"]:
                        raise SystemExit("(f): the no-op re-run did some work")
                    # the QC figures and the method panel alone, less
                    # Snakemake itself (the no-op run)
                    for rule, key in (("qc_images", "qc"), ("method_panel", "panel")):
                        alone = measure(workflow + extra + ["--until", rule, "--forcerun", rule],
                                        work, env)
                        alone["cpu"] -= record["cpu"]
                        log(rows, name, key + suffix, repeat, alone)
            shutil.rmtree(work / "results", ignore_errors=True)
        notes[f"{name}: images"] = len(images) + len(extras)


def make_dry_set(base, count, source):
    """`count` real image files (hard links of a few small JPEGs)."""
    folder = base / f"dry-{count}"
    marker = folder / f".linked-{count}"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "images").mkdir(parents=True)
        sources = []
        for k in range(count // 50000 + 1):  # a file has at most 65000 links
            copy = folder / f"source-{k}.jpg"
            shutil.copy(source, copy)
            sources.append(copy)
        for i in range(count):
            os.link(sources[i // 50000], folder / "images" / f"img-{i:06d}.jpg")
        marker.touch()
    return folder


def run_dry(counts, repeats, base, rows):
    from PIL import Image

    source = base / "dry-source.jpg"
    if not source.exists():
        demo = generate(base / "dry-demo", 1, (300, 200), seed=3)[0]
        Image.open(demo).save(source, quality=90)
    for count in counts:
        print(f"\n== dry run: {count} real image files of 300 x 200")
        folder = make_dry_set(base, count, source)
        for repeat in range(repeats):
            shutil.rmtree(folder / ".snakemake", ignore_errors=True)
            record = measure([SNAKEMAKE, "--snakefile", ROOT / "Snakefile", "--cores", 2,
                              "--dry-run", "--quiet", "--config", "images=images/*.jpg",
                              "demo=false"], folder)
            rows.append(dict(set=f"dry-run {count}", mode="dry", repeat=repeat,
                             wall_s=record["wall"], cpu_s=record["cpu"],
                             peak_rss_mb=record["maxrss"] / 2**20))
            print(f"  repeat {repeat} wall {record['wall']:.2f} s"
                  f"  peak {record['maxrss'] / 2**20:.0f} MiB")


def summarise(rows, notes, out, sets, dry_counts):
    groups = {}
    for row in rows:
        groups.setdefault((row["set"], row["mode"]), []).append(row)
    table = []
    for (name, mode), group in groups.items():
        wall = statistics.median(r["wall_s"] for r in group)
        cpu = statistics.median(r["cpu_s"] for r in group)
        base = groups.get((name, "b"))
        ratio = (wall / statistics.median(r["wall_s"] for r in base)
                 if base and mode.split(" ")[0] in MODES else None)
        table.append(dict(set=name, mode=mode, runs=len(group), wall_s=wall, cpu_s=cpu,
                          peak_rss_mb=max(r["peak_rss_mb"] for r in group),
                          wall_ratio_to_b=ratio))
    for path, data in (("throughput.csv", rows), ("summary.csv", table)):
        with open(out / path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(data[0]))
            writer.writeheader()
            writer.writerows(data)

    def verdict(value, bound):
        return f"<= {bound:g}: {'met' if value <= bound else 'NOT met'}"

    ratios = {(r["set"], r["mode"]): r for r in table}
    print("\n| set | mode | runs | median wall s | median CPU s | peak RSS MiB | wall / (b) | target |")
    print("|---|---|---|---|---|---|---|---|")
    dry = {}
    for row in table:
        target, mode = "", row["mode"]
        if mode in TARGETS:
            target = verdict(row["wall_ratio_to_b"], TARGETS[mode])
        n = notes.get(f"{row['set']}: images")
        if mode == "qc" and n:
            per_image = row["cpu_s"] / n
            target = f"{per_image:.3f} CPU-s per image {verdict(per_image, QC_TARGET)}"
        if mode == "panel":
            target = f"CPU-s {verdict(row['cpu_s'], PANEL_TARGET)}"
        cold = ratios.get((row["set"], "c"))
        if mode == "c1" and cold and cold["wall_ratio_to_b"] is not None:
            target = (f"the objects stage: (c) - (c1) ="
                      f" {cold['wall_ratio_to_b'] - row['wall_ratio_to_b']:+.2f} x (b)")
        if mode == "dry":
            dry[row["set"]] = row["wall_s"]
            if row["set"] == f"dry-run {dry_counts[0]}":
                target = f"s {verdict(row['wall_s'], DRY_TARGET)}"
            elif len(dry_counts) > 1 and f"dry-run {dry_counts[0]}" in dry:
                growth = row["wall_s"] / dry[f"dry-run {dry_counts[0]}"]
                target = f"{growth:.2f} x the first {verdict(growth, DRY_GROWTH)}"
        ratio = "" if row["wall_ratio_to_b"] is None else f"{row['wall_ratio_to_b']:.2f}"
        print(f"| {row['set']} | {mode} | {row['runs']} | {row['wall_s']:.2f} |"
              f" {row['cpu_s']:.2f} | {row['peak_rss_mb']:.0f} | {ratio} | {target} |")
    print()
    for key, value in notes.items():
        if not key.endswith(": images"):
            print(f"- {key}: {value:.2f}")
    for name in sets:
        cold, off = ratios.get((name, "c")), ratios.get((name, "c1"))
        if cold and off and cold["wall_ratio_to_b"] is not None:
            print(f"- {name}: the objects stage in the cold default run: (c) / (b)"
                  f" {cold['wall_ratio_to_b']:.2f} against (c1) / (b)"
                  f" {off['wall_ratio_to_b']:.2f}, {cold['wall_s'] - off['wall_s']:+.2f} s wall,"
                  f" {cold['cpu_s'] - off['cpu_s']:+.2f} CPU-s")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [m for m in MODES if m != "a"]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / max(1, len(sets))
    for i, name in enumerate(sets):
        values = [next((r["wall_ratio_to_b"] for r in table
                        if r["set"] == name and r["mode"] == m), 0) or 0 for m in shown]
        ax.bar([j + i * width for j in range(len(shown))], values, width, label=name)
    for mode, bound in TARGETS.items():
        j = shown.index(mode)
        ax.hlines(bound, j - 0.1, j + 0.9, colors="k", linestyles="dashed")
    ax.set_xticks([j + width / 2 for j in range(len(shown))])
    ax.set_xticklabels(["(b) pool", "(c) cold", "(d) new t", "(c0) cold,\nno QC",
                        "(d0) new t,\nno QC", "(c1) cold,\nno objects", "(e) +5 %",
                        "(f) no-op"])
    ax.set_ylabel("wall time / (b)")
    ax.set_title("Workflow vs a multiprocessing.Pool (dashed: targets)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "throughput.png", dpi=120)
    print(f"\nwrote {out / 'throughput.csv'}, {out / 'summary.csv'}, {out / 'throughput.png'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--lesson-count", type=int, default=96)
    parser.add_argument("--demo-count", type=int, default=200)
    parser.add_argument("--demo-shape", default="2000x3008", help="HEIGHTxWIDTH")
    parser.add_argument("--dry-run-counts", default="40000,100000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="uncounted runs first")
    parser.add_argument("--sets", default="lesson,demo", help="lesson, demo or both")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out"))
    parser.add_argument("--baseline", help="a commit of this repository whose workflow"
                        " runs too, each mode after this checkout's, as '<mode> before'")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if importlib.util.find_spec("snakemake_executor_plugin_slurm"):
        print("note: the SLURM executor plugin is installed here; every snakemake"
              " command pays for loading it (use the environment of requirements.txt)")
    rows, notes, sets = [], {}, []
    variants = [("", ROOT, None)]
    if args.baseline:
        variants.append((" before", *baseline_checkout(args.baseline, out)))
    wanted = args.sets.split(",")
    if "lesson" in wanted and (LESSON_DATA / "README.md").is_file():
        photos = lesson_photos(out / "images-lesson", args.lesson_count)
        extras = lesson_photos(out / "extra-lesson", max(1, round(0.05 * args.lesson_count)))
        for i, path in enumerate(extras):  # names after the others'
            path.rename(path.with_name(f"photo-x{i:02d}.jpg"))
        extras = sorted((out / "extra-lesson").glob("photo-x*.jpg"))
        run_set("lesson", photos, extras, args.cores, args.repeats, out, rows, notes,
                args.warmup, variants)
        sets.append("lesson")
    elif "lesson" in wanted:
        print(f"\nlesson set left out: no lesson data at {LESSON_DATA}")
    dry_counts = []
    if "demo" in wanted:
        shape = tuple(int(v) for v in args.demo_shape.split("x"))
        demo = generate(out / "images-demo", args.demo_count, shape, seed=1)
        extras = generate(out / "extra-demo", max(1, round(0.05 * args.demo_count)), shape,
                          seed=2, first=args.demo_count)
        run_set("demo", demo, extras, args.cores, args.repeats, out, rows, notes, args.warmup,
                variants)
        sets.append("demo")
        dry_counts = [int(c) for c in args.dry_run_counts.split(",") if c]
        run_dry(dry_counts, args.repeats, out, rows)
    summarise(rows, notes, out, sets, dry_counts)


if __name__ == "__main__":
    main()
