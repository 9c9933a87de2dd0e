"""Thresholds benchmark: the cost of each channel and each threshold method on
a 6-megapixel photo, against a baseline measured in the same run.

On the lesson's root photos (2000 x 3008; needs ../shared/lesson-data or
$LESSON_DATA), per photo:

- each ``grayscale`` choice: the process CPU time of
  ``to_grayscale(read_image(photo), grayscale)`` (the read included, as the
  grayscale_blur stage pays it), and the peak of NumPy's allocations during
  it (``tracemalloc``, which NumPy reports to), in float64 copies of the
  photo (8 bytes a pixel);
- each threshold method, on the photo's blurred luma (sigma 1.5): the CPU
  time and peak of what the save_mask stage pays for it, ``segment`` with
  the default parameters (window 151, k 0.2, offset 0.05, 3 classes), the
  threshold and the mask; for the global methods the threshold stage's
  ``t`` and save_mask's mask together; and each mask's foreground ratio.

Baseline: the lesson's own root-mass function (benchmarks/lesson_loop.py's
``measure_root_mass``: read, grayscale, blur, Otsu, ratio) on the same photo,
in the same run. Each measurement runs ``--warmup`` times uncounted, then
``--repeats`` times; the tables give medians. Writes ``summary.csv`` (photo,
kind, name, cpu_s, ratio to the baseline, peak copies, foreground ratio)
into ``--out``.

    python benchmarks/thresholds.py                     # 4 photos, 5 repeats
    python benchmarks/thresholds.py --photos 1 --repeats 1 --warmup 0 \\
        --out /tmp/thresholds-bench                     # a quick smoke run
"""

import argparse
import csv
import os
import statistics
import sys
import tracemalloc

from lesson_photos import LESSON_DATA, TRIALS, cpu_time, load_lesson_function

from rootmass.io import read_image
from rootmass.segmentation import (
    CHANNEL_METHODS,
    LUMA_METHODS,
    PANEL_METHODS,
    blur,
    foreground_ratio,
    segment,
    to_grayscale,
)


def measured(repeats, warmup, function, *args, **kwargs):
    """(median CPU seconds, peak float64 copies, result): ``warmup`` uncounted
    calls, then ``repeats`` timed ones; the peak of NumPy's allocations
    during one more call, traced apart (tracing slows the calls)."""
    for _ in range(warmup):
        function(*args, **kwargs)
    times = []
    for _ in range(repeats):
        seconds, result = cpu_time(function, *args, **kwargs)
        times.append(seconds)
    tracemalloc.start()
    function(*args, **kwargs)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=len(TRIALS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--out", default="benchmarks/results/thresholds")
    args = parser.parse_args()
    if not (LESSON_DATA / "README.md").is_file():
        print(f"lesson data not found at {LESSON_DATA}: nothing to measure")
        return
    os.makedirs(args.out, exist_ok=True)
    lesson = load_lesson_function()
    rows = []
    for name in TRIALS[: args.photos]:
        photo = str(LESSON_DATA / name)
        base, _, _ = measured(args.repeats, args.warmup, lesson, photo, 1.5)
        pixels = 8 * 2000 * 3008
        rows.append((name, "baseline", "lesson function", base, 1.0, None, None))
        for grayscale in (*LUMA_METHODS, *CHANNEL_METHODS):
            seconds, peak, _ = measured(
                args.repeats, args.warmup, lambda g=grayscale: to_grayscale(read_image(photo), g))
            rows.append((name, "grayscale", grayscale, seconds, seconds / base,
                         peak / pixels, None))
        blurred = blur(to_grayscale(read_image(photo), "luma"), 1.5)
        pixels = 8 * blurred.size
        for method in PANEL_METHODS:
            seconds, peak, (_, mask) = measured(args.repeats, args.warmup, segment, blurred,
                                                method)
            rows.append((name, "method", method, seconds, seconds / base, peak / pixels,
                         foreground_ratio(mask)[2]))
        print(f"{name}: done", flush=True)
    header = ("photo", "kind", "name", "cpu_s", "ratio", "peak_copies", "foreground_ratio")
    with open(os.path.join(args.out, "summary.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    names = list(dict.fromkeys((kind, n) for _, kind, n, *_ in rows))
    print(f"\n{'kind':10} {'name':24} {'CPU-s':>7} {'x lesson':>8} {'copies':>7} {'ratio':>7}"
          "   (medians over the photos)")
    for kind, n in names:
        mine = [r for r in rows if (r[1], r[2]) == (kind, n)]
        med = lambda i: statistics.median(r[i] for r in mine) if mine[0][i] is not None else None
        fmt = lambda v, f: format(v, f) if v is not None else "-"
        print(f"{kind:10} {n:24} {med(3):7.3f} {med(4):8.2f} {fmt(med(5), '7.2f')}"
              f" {fmt(med(6), '7.4f')}")


if __name__ == "__main__":
    sys.exit(main())
