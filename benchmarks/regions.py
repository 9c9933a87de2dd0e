"""What regions cost: a default run of the 96 lesson photos (the four
2000 x 3008 trial photos, 24 times each; ../shared/lesson-data or
$LESSON_DATA) against the same run with a grid of 96 wells on each photo
(8 x 12 circles of radius 100 px, 230 and 240 px apart: regions.csv has
9,216 rows), each cold in a fresh folder, the two alternating, after a
warm-up of each; and the time of writing regions.csv from batch tables of
1,000 and 10,000 images x 96 wells (rootmass.workflow.regions.regions_rows
and the rule's writing), which should grow linearly.

    python benchmarks/regions.py               # about 15 min here
    python benchmarks/regions.py --repeats 1 --count 8 --rows-only

Prints the medians and the ratio of the runs with regions to those
without; the issue's bound is 1.10. Also checks that the whole-image
ratios of both runs are the same.
"""

import argparse
import csv
import importlib.util
import io
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("throughput", ROOT / "benchmarks" / "throughput.py")
throughput = importlib.util.module_from_spec(spec)
spec.loader.exec_module(throughput)

GRID = ("regions={source: grid, grid: {rows: 8, columns: 12, first: [200, 150],"
        " spacing: [230, 240], radius: 100}}")


def run(folder, photos, cores, grid):
    """Wall seconds of one cold run in a fresh folder, and its ratios."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    images = "images=[" + ",".join(f"'{p}'" for p in photos) + "]"
    cmd = [sys.executable, "-m", "snakemake", "-s", ROOT / "Snakefile", "--cores", cores,
           "--config", images, *([GRID] if grid else [])]
    record = throughput.measure(cmd, folder)
    ratios = throughput.read_ratios(folder / "results" / "ratios.csv", header=True)
    if grid:
        with open(folder / "results" / "regions.csv", newline="") as f:
            rows = sum(1 for _ in f) - 1
        assert rows == 96 * len(photos), rows
    return record["wall"], ratios


def rows_time(images, repeats):
    """Seconds to make and write regions.csv's rows of `images` images of
    96 wells (median of `repeats` after a warm-up)."""
    from rootmass.workflow.regions import regions_rows

    names = [f"{chr(65 + r)}{c + 1}" for r in range(8) for c in range(12)]
    one = {"names": names, "region_pixels": [31417] * 96, "foreground_pixels": [1234] * 96,
           "threshold": [0.5] * 96, **{k: [0.25] * 96 for k in
                                       ("mean_red", "mean_green", "mean_blue", "mean_gray")}}
    batch = [{"image": f"img-{i:05d}.jpg", "status": "ok", "regions": one}
             for i in range(1000)]
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        out = io.StringIO()
        writer = csv.DictWriter(out, ["image", "region", *one], extrasaction="ignore")
        for _ in range(images // 1000):
            for row in regions_rows(batch):
                writer.writerow(row)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--count", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows-only", action="store_true", help="only regions.csv's rows")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "regions"))
    args = parser.parse_args(argv)
    small, large = rows_time(1000, args.repeats), rows_time(10000, args.repeats)
    print(f"regions.csv rows: 1,000 x 96 in {small:.2f} s, 10,000 x 96 in {large:.2f} s"
          f" ({large / small:.1f} times for 10 times the images)")
    if args.rows_only:
        return
    out = Path(args.out)
    photos = throughput.lesson_photos(out / "photos", args.count)
    times = {False: [], True: []}
    for repeat in range(args.repeats + 1):  # the first: a warm-up
        for grid in (False, True):
            wall, ratios = run(out / ("grid" if grid else "plain"), photos, args.cores, grid)
            if repeat:
                times[grid].append(wall)
            times.setdefault(("ratios", grid), ratios)
            print(f"run {repeat} {'with' if grid else 'without'} regions: {wall:.1f} s",
                  flush=True)
    assert times[("ratios", False)] == times[("ratios", True)], "the whole-image ratios differ"
    plain, grid = statistics.median(times[False]), statistics.median(times[True])
    print(f"{args.count} lesson photos, {args.cores} cores: without regions {plain:.1f} s,"
          f" with 96 wells each {grid:.1f} s (medians of {args.repeats}): ratio"
          f" {grid / plain:.3f} (bound 1.10); ratios.csv the same")


if __name__ == "__main__":
    main()
