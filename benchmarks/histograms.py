"""Histograms benchmark (issue #33): the blurred image's histograms counted
by the compiled loops (rootmass.segmentation._kernels) against the library
calls they stand for, on the lesson's four root photos (2000 x 3008; needs
../shared/lesson-data or $LESSON_DATA), blurred by the package's ``blur`` at
the default sigma (1.5).

For each photo, the median process CPU time of ``--repeats`` calls after
``--warmup`` uncounted ones, before and after, and their ratio:

- ``image_histogram`` (grayscale_blur's, for the thresholds): before
  ``skimage.exposure.histogram(blurred.reshape(-1), 256,
  source_range='image')``; after ``image_histogram(blurred)``;
- the same of a ROI (the middle of the photo, three quarters of each side);
- ``otsu_excluding_bright`` (the threshold stage's, cutoff 0.95): before
  ``threshold_otsu(blurred[blurred < 0.95])``; after
  ``threshold_value(blurred, 'otsu_excluding_bright')``;
- the QC figure's histogram over [0, 1]: ``rootmass.qc.previews.histogram``
  (Pillow's, kept) against the compiled loop over the range (0, 1), which
  would count it in the same way as ``np.histogram``.

Every result is checked to be the library's to the bit. Then, in fresh
processes, what a job pays before its first photo: Numba's import and the
loops' compilation with an empty cache (``NUMBA_CACHE_DIR`` a new folder),
then the same with the cache the first process wrote, for a writable image
(grayscale_blur's) and a read-only one (the threshold stage maps the cached
image read-only, which Numba compiles apart).

    python benchmarks/histograms.py                  # 4 photos, 7 repeats
    python benchmarks/histograms.py --photos 1 --repeats 2 --warmup 1
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np
from lesson_photos import LESSON_DATA, ROOT, TRIALS, cpu_time

from rootmass.io import read_image
from rootmass.qc.previews import histogram as figure_histogram
from rootmass.segmentation import blur, image_histogram, threshold_value, to_grayscale

#: What a fresh process measures (printed as JSON): CPU seconds of Numba's
#: import, then of the first call of each kind on a small image.
FIRST_CALLS = """
import json, time
import numpy as np
import skimage.exposure, skimage.filters
from rootmass.segmentation import image_histogram, threshold_value
# (what the stages import anyway, scikit-image's modules loaded)
skimage.exposure.histogram, skimage.filters.threshold_otsu
start = time.process_time()
import numba
from rootmass.segmentation import _kernels
times = {"import": time.process_time() - start}
image = np.random.default_rng(0).random((64, 64))
for name, pixels in (("writable", image), ("read-only", image.copy())):
    pixels.flags.writeable = name == "writable"
    start = time.process_time()
    image_histogram(pixels)
    threshold_value(pixels, "otsu_excluding_bright", bright_cutoff=0.95)
    times[name] = time.process_time() - start
print(json.dumps(times))
"""


def median_cpu(repeats, warmup, function, *args):
    """(median CPU seconds of ``repeats`` calls after ``warmup``, result)."""
    for _ in range(warmup):
        result = function(*args)
    times = []
    for _ in range(repeats):
        seconds, result = cpu_time(function, *args)
        times.append(seconds)
    return statistics.median(times), result


def same(found, expected):
    """Two histograms (or thresholds) are the same to the bit."""
    if isinstance(expected, tuple):
        return all(np.asarray(f).dtype == np.asarray(e).dtype
                   and np.asarray(f).tobytes() == np.asarray(e).tobytes()
                   for f, e in zip(found, expected))
    return np.float64(found).tobytes() == np.float64(expected).tobytes()


def unit_counts(blurred):
    """The compiled loop's counts of the 256 bins over [0, 1]."""
    from rootmass.segmentation import _kernels

    edges = np.linspace(0.0, 1.0, 257)
    counts = np.zeros(256, dtype=np.intp)
    _kernels.uniform_counts(blurred.reshape(-1), np.zeros(0, dtype=bool), 0.0, False, 0.0, 1.0,
                            edges, counts)
    return counts, edges


def pairs(blurred):
    """(name, before, after, check) of each measurement: ``check`` the
    result the ``after`` must equal (by default ``before``'s)."""
    from skimage.exposure import histogram
    from skimage.filters import threshold_otsu

    roi = np.zeros(blurred.shape, dtype=bool)
    rows, cols = blurred.shape
    roi[rows // 8: rows - rows // 8, cols // 8: cols - cols // 8] = True
    return [
        ("image_histogram",
         lambda: histogram(blurred.reshape(-1), 256, source_range="image"),
         lambda: image_histogram(blurred)),
        ("image_histogram of a ROI",
         lambda: histogram(blurred[roi], 256, source_range="image"),
         lambda: image_histogram(blurred, roi)),
        ("otsu_excluding_bright",
         lambda: float(threshold_otsu(blurred[blurred < 0.95])),
         lambda: threshold_value(blurred, "otsu_excluding_bright", bright_cutoff=0.95)),
        ("figure histogram: Pillow (kept) / compiled loop",
         lambda: figure_histogram(blurred),
         lambda: unit_counts(blurred)),
    ]


def first_calls():
    """What a fresh process pays before its first photo, with an empty
    Numba cache and then with the one it wrote."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    found = []
    with tempfile.TemporaryDirectory() as cache:
        env["NUMBA_CACHE_DIR"] = cache
        for _ in range(2):
            run = subprocess.run([sys.executable, "-c", FIRST_CALLS], env=env, check=True,
                                 capture_output=True, text=True)
            found.append(json.loads(run.stdout))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=len(TRIALS))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    if not (LESSON_DATA / "README.md").is_file():
        print(f"lesson data not found at {LESSON_DATA}: nothing to measure")
        return
    totals = {}
    print(f"{'photo':<14} {'what':<48} {'before':>8} {'after':>8} {'ratio':>6}")
    for name in TRIALS[: args.photos]:
        blurred = blur(to_grayscale(read_image(LESSON_DATA / name)))
        for what, before, after in pairs(blurred):
            old, expected = median_cpu(args.repeats, args.warmup, before)
            new, found = median_cpu(args.repeats, args.warmup, after)
            if not same(found, expected):
                raise SystemExit(f"{name}: {what} differs from the library's")
            totals.setdefault(what, []).append((old, new))
            print(f"{name:<14} {what:<48} {old:8.4f} {new:8.4f} {old / new:6.1f}")
    print("\nmean over the photos (CPU-s a photo; ratio of the means)")
    for what, times in totals.items():
        old, new = (statistics.mean(t[i] for t in times) for i in (0, 1))
        print(f"{what:<63} {old:8.4f} {new:8.4f} {old / new:6.1f}")
    cold, warm = first_calls()
    print("\na fresh process (CPU-s): Numba's import and the loops' module; the first"
          " image_histogram and otsu_excluding_bright of a writable, then a read-only image")
    for label, times in (("empty cache (compiles)", cold), ("cache on disk", warm)):
        print(f"{label:<24} import {times['import']:.3f}  writable {times['writable']:.3f}"
              f"  read-only {times['read-only']:.3f}")


if __name__ == "__main__":
    main()
