"""Dish benchmark: rootmass.regions.dish.find_dish on drawn dishes, its error
and CPU time, against a plain full-resolution circle Hough measured in the
same run.

The dishes are drawn as a scan shows them (skimage.draw.disk): agar inside a
wall ring 4 % of the radius wide, of another grey, off the image's centre,
with roots, noise and sometimes a colony (a sharper circle inside, its radius
within the range searched), blurred as the workflow blurs (sigma 1.5); light
on dark and dark on light; 600 x 800 to 2000 x 3008 pixels. The truth is the
inner wall (what find_dish returns); errors are in % of that radius.

- find_dish at its defaults (radius 0.25 to 0.5 of the shorter side): the
  median process CPU time of ``--repeats`` calls after ``--warmup``
  uncounted ones, and per megapixel.
- The baseline: ``skimage.feature.canny`` (sigma 2, the same thresholds) at
  full resolution, then ``hough_circle`` at the radii of the same range, one
  radius at a time (a full accumulator of every radius at once would take
  gigabytes), the strongest circle of all (each radius's best centre). Over
  every whole radius that takes minutes an image, so it runs at
  ``--baseline-radii`` radii spread over the range (its radius then within
  half a step); its time over every radius is projected from the time a
  radius. Run ``--baseline-repeats`` times, no warm-up (compiled code).
- Alternatives to find_dish's steps: the coarse Hough alone (its first
  candidate, no fine fit), and a second Hough at the fine scale in place of
  the least-squares fits (radii within 2 fine pixels of find_dish's, centres
  within 3): its error and its own CPU time.

    python benchmarks/dish.py                          # about 40 s here
    python benchmarks/dish.py --repeats 1 --baseline-radii 5   # a smoke run
"""

import argparse
import statistics
import time

import numpy as np
from skimage.draw import disk, line
from skimage.feature import canny
from skimage.filters import gaussian
from skimage.transform import hough_circle

from rootmass.regions import dish
from rootmass.regions.dish import find_dish

#: (name, shape, light, offset (rows, cols), inner radius, colony, noise);
#: offsets and radii are fractions of the shorter side
DISHES = [
    ("600x800 light", (600, 800), True, (0.05, -0.08), 0.42, None, 0.03),
    ("600x800 dark, colony", (600, 800), False, (-0.04, 0.08), 0.44, (0.08, -0.05, 0.27), 0.03),
    ("1500x2000 light", (1500, 2000), True, (0.04, 0.1), 0.4, None, 0.03),
    ("1500x2000 dark, colony", (1500, 2000), False, (0.03, 0.1), 0.43, (-0.1, 0.05, 0.26),
     0.08),
    ("2000x3008 light, colony", (2000, 3008), True, (-0.06, 0.12), 0.41, (0.1, 0.1, 0.25), 0.05),
]


def draw(shape, light, offset, radius, colony, noise, seed=0):
    """The dish image and its truth (x, y, inner radius)."""
    rng = np.random.default_rng(seed)
    side = min(shape)
    y, x = shape[0] / 2 + offset[0] * side + 0.3, shape[1] / 2 + offset[1] * side - 0.4
    inner = radius * side + 0.45
    background, rim, agar, root = (0.1, 0.5, 0.75, 0.4) if light else (0.9, 0.5, 0.3, 0.6)
    image = np.full(shape, background)
    image[disk((y, x), inner * 1.04, shape=shape)] = rim
    image[disk((y, x), inner, shape=shape)] = agar
    for k in range(3):
        rows, cols = line(int(y - 0.6 * inner), int(x + (k - 1) * 0.3 * inner),
                          int(y + 0.5 * inner), int(x + (k - 1) * 0.45 * inner))
        for width in range(-2, 3):
            image[rows, cols + width] = root
    if colony is not None:
        image[disk((y + colony[0] * side, x + colony[1] * side), colony[2] * side,
                   shape=shape)] = 1 - background
    image += rng.normal(0, noise, shape)
    return gaussian(image, sigma=1.5), (x, y, inner)


def errors(found, truth):
    """(centre error, radius error) in % of the true radius."""
    (x, y, r), (tx, ty, tr) = found, truth
    return 100 * np.hypot(x - tx, y - ty) / tr, 100 * (r - tr) / tr


def cpu(function, *args):
    start = time.process_time()
    result = function(*args)
    return time.process_time() - start, result


def baseline(gray, radii):
    """canny + hough_circle at full resolution, a radius at a time: the
    strongest circle (x, y, r) and the CPU seconds of canny, of the radii."""
    low, high = np.percentile(gray, (1, 99))
    edge_s, edges = cpu(canny, gray, 2.0, 0.1 * (high - low), 0.2 * (high - low))
    best, start = (-1.0, None), time.process_time()
    for r in radii:
        votes = hough_circle(edges, [r])[0]
        i = np.argmax(votes)
        if votes.flat[i] > best[0]:
            best = (votes.flat[i], (i % votes.shape[1], i // votes.shape[1], float(r)))
    return best[1], edge_s, time.process_time() - start


def fine_hough(gray, found):
    """find_dish's answer refined by a second Hough at its fine scale."""
    f2 = -(-max(gray.shape) // dish.FINE_SIDE)
    fine = dish._reduced(gray, f2)
    low, high = np.percentile(fine, (1, 99))
    x, y = (round((v - (f2 - 1) / 2) / f2) - 3 for v in found[:2])
    r = round(found[2] / f2)
    radii = np.arange(r - 2, r + 3)
    votes = hough_circle(dish._edges(fine, high - low), radii)[:, y:y + 7, x:x + 7]
    i, dy, dx = np.unravel_index(np.argmax(votes), votes.shape)
    return ((x + dx) * f2 + (f2 - 1) / 2, (y + dy) * f2 + (f2 - 1) / 2, radii[i] * f2)


def coarse(gray):
    """The coarse Hough's first candidate (find_dish's first step alone)."""
    f = -(-max(gray.shape) // dish.COARSE_SIDE)
    small = dish._reduced(gray, f)
    low, high = np.percentile(small, (1, 99))
    return dish._candidates(dish._edges(small, high - low), f, 0.25, 0.5)[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="uncounted runs first")
    parser.add_argument("--baseline-radii", type=int, default=40,
                        help="radii of the baseline's Hough, spread over the range")
    parser.add_argument("--baseline-repeats", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"find_dish: median CPU of {args.repeats} after {args.warmup} warm-up;"
          f" baseline: full-resolution canny + hough_circle at {args.baseline_radii}"
          f" radii, median of {args.baseline_repeats}\n")
    print("| dish | find_dish centre, radius error | CPU s | s/MP | baseline radii"
          " | baseline centre, radius error | baseline CPU s (all radii) |"
          " baseline / find_dish (all radii) | coarse only error | fine Hough error, CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    worst, ratios, per_mp = 0.0, [], []
    for i, (name, shape, light, offset, radius, colony, noise) in enumerate(DISHES):
        gray, truth = draw(shape, light, offset, radius, colony, noise, seed=i)
        times = []
        for repeat in range(-args.warmup, args.repeats):
            seconds, found = cpu(find_dish, gray)
            if repeat >= 0:
                times.append(seconds)
        ours = statistics.median(times)
        side = min(shape)
        every = np.arange(int(0.25 * side), int(np.ceil(0.5 * side)) + 1)
        radii = np.unique(np.linspace(every[0], every[-1], args.baseline_radii).round())
        runs = [baseline(gray, radii) for _ in range(args.baseline_repeats)]
        base = statistics.median(e + h for _, e, h in runs)
        projected = statistics.median(e + h * len(every) / len(radii) for _, e, h in runs)
        refine_s, refined = cpu(fine_hough, gray, found)
        ec, er = errors(found, truth)
        bc, br = errors(runs[0][0], truth)
        cc, cr = errors(coarse(gray), truth)
        fc, fr = errors(refined, truth)
        worst = max(worst, ec, abs(er))
        ratios.append(projected / ours)
        per_mp.append(ours / (shape[0] * shape[1] / 1e6))
        print(f"| {name} | {ec:.3f} %, {er:+.3f} % | {ours:.3f} | {per_mp[-1]:.3f} |"
              f" {len(radii)} of {len(every)} | {bc:.2f} %, {br:+.2f} % | {base:.2f}"
              f" ({projected:.1f}) | {base / ours:.0f} ({projected / ours:.0f}) |"
              f" {cc:.2f} %, {cr:+.2f} % | {fc:.3f} %, {fr:+.3f} %, {refine_s:.3f} |")
    print(f"\nfind_dish: worst error {worst:.3f} % of the radius (the requirement: 2 %);"
          f" {min(per_mp):.3f} to {max(per_mp):.3f} CPU-s a megapixel; the baseline over"
          f" every radius {min(ratios):.0f} to {max(ratios):.0f} x its time")


if __name__ == "__main__":
    main()
