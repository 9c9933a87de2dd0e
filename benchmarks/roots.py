"""Roots benchmark: the root traits' CPU per lesson photo, a step at a time,
and their peak memory on a 150-megapixel scan, against baselines measured in
the same run.

(a) "lesson": on the lesson's four root photos (2000 x 3008; needs
    ../shared/lesson-data or $LESSON_DATA, else this part is left out with a
    message), each photo's mask made as the lesson makes it (procedure 1,
    the workflow's own functions) and saved with ``save_mask``. Then, per
    photo, the process CPU time of ``load_mask`` and ``root_traits`` at the
    default settings (``classes=[0, 3, 6, 12]`` pixels), and of its steps
    one at a time: the skeleton (``rootmass.measure.thinning.thin``, Zhang's
    thinning where pixels can change, by its compiled loop, and the 2 x 2
    blocks), the graph (the compiled ``trace_branches``), the distances at
    the skeleton (searched along the branches by the compiled loop; in
    raster order beside it, checked to give the same numbers), the pruning
    and the traits; and, for comparison, ``skimage.morphology.skeletonize`` of
    the whole mask (checked to give the same skeleton) and object by object
    in each one's bounding box (the stage's thinning before), the distance
    transform (``scipy.ndimage.distance_transform_edt``) and
    ``skimage.morphology.medial_axis`` (the other skeleton scikit-image
    offers; it also returns the distances). Baseline: the
    lesson's own root-mass function (benchmarks/lesson_loop.py's
    ``measure_root_mass``) on the same photo. And, in fresh processes, a
    job's first ``root_traits`` (what a job pays once: SciPy's modules, and
    Numba's import and the loading of its cached loops), against a second
    ``root_traits`` of the same mask in the same process. The project's
    target: at most
    0.3 CPU-s per 6-megapixel photo. Where the ``skan`` package can be
    imported (it is not one of the project's requirements: see
    benchmarks/README.md), also a fresh process's CPU to import it and build
    its first ``skan.Skeleton`` (numba compiles it), and ``skan.Skeleton`` of
    each photo's skeleton.

(b) "scan": the peak resident memory of ``root_traits`` on a mask of
    ``--megapixels`` (150 by default: a demo mask of 2000 x 3000 enlarged,
    nearest neighbour, saved by ``save_mask`` in a child of its own), in a
    fresh child process that loads it (``load_mask``; ``getrusage``
    maxrss), against another that only loads it, and what the stage's jobs
    ask (``planning.batch_mem_mb(copies=3)``).

Each (a) measurement runs ``--warmup`` times uncounted, then ``--repeats``
times; the tables give medians. Writes ``summary.csv`` (name, value, unit,
ratio) into ``--out``.

    python benchmarks/roots.py                          # about 5 min here
    python benchmarks/roots.py --photos 1 --repeats 1 --warmup 0 \\
        --megapixels 6 --out /tmp/roots-bench           # a quick smoke run
"""

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lesson_photos import (LESSON_DATA, ROOT, TRIALS, cpu_time, load_lesson_function,
                           make_mask)

PY = sys.executable
TARGET = 0.3  # CPU-s per 6-megapixel photo
CLASSES = [0, 3, 6, 12]  # pixels
STEPS = ["load", "skeletonize", "graph", "distance", "pruning", "traits"]
#: measured for comparison, not parts of the stage
ALTERNATIVES = ["skeletonize, whole mask", "skeletonize, object by object",
                "distance, raster order", "distance_transform_edt", "medial_axis"]


def run_steps(mask_path):
    """root_traits a step at a time (the calls it makes): {step: CPU s}, and
    the skeleton before pruning (for skan)."""
    import numpy as np
    from scipy import ndimage as ndi
    from skimage.morphology import skeletonize

    from rootmass.io import load_mask
    from rootmass.measure.skeleton import (_image, _lookup, _nearest, _pixel_lengths, _prune,
                                           _thin_blocks, _trace, local_diameter)
    from rootmass.measure.thinning import thin

    times = {}
    times["load"], mask = cpu_time(load_mask, mask_path)
    shape = mask.shape
    table = _lookup(shape)
    def skeleton_of(m):
        thinned, edge = thin(m)
        return thinned, _thin_blocks(thinned, shape, table), edge

    times["skeletonize"], (thinned, index, edge) = cpu_time(skeleton_of, mask)
    times["graph"], graph = cpu_time(_trace, index, shape, table)
    times["distance"], distance = cpu_time(_nearest, index, edge, mask, graph["paths"])
    times["distance, raster order"], raster = cpu_time(_nearest, index, edge, mask)
    assert np.array_equal(distance, raster), "the raster order's distances differ"
    times["distance_transform_edt"], exact = cpu_time(ndi.distance_transform_edt, mask)
    assert np.array_equal(distance, exact.reshape(-1)[index]), "not the distance transform's"
    times["skeletonize, whole mask"], reference = cpu_time(skeletonize, mask.copy())
    assert np.array_equal(reference, _image(thinned, shape)), "not skeletonize's skeleton"
    times["skeletonize, object by object"], _ = cpu_time(skeletonize_by_object, mask)
    times["pruning"], (pruned, kept, graph) = cpu_time(
        _prune, index, distance, shape, 6.0, table=table, graph=graph)

    def traits():
        lengths = _pixel_lengths(graph, kept, table=table)
        return float(lengths.sum()), float(np.mean(local_diameter(kept)))

    times["traits"], _ = cpu_time(traits)
    return times, _image(index, shape)


def skeletonize_by_object(mask):
    """The stage's thinning before this one: ``skeletonize`` object by
    object, each in its own bounding box."""
    import numpy as np
    from scipy import ndimage as ndi
    from skimage.morphology import skeletonize

    labels, _ = ndi.label(mask, structure=np.ones((3, 3), dtype=bool))
    skeleton = np.zeros(mask.shape, dtype=bool)
    for number, box in enumerate(ndi.find_objects(labels), start=1):
        rows = slice(max(box[0].start - 1, 0), box[0].stop + 1)
        cols = slice(max(box[1].start - 1, 0), box[1].stop + 1)
        skeleton[rows, cols] |= skeletonize(labels[rows, cols] == number)
    return skeleton


def run_whole(mask_path):
    """What the stage does for one image: load_mask, root_traits."""
    from rootmass.io import load_mask
    from rootmass.measure.roots import root_traits

    return root_traits(load_mask(mask_path), classes=CLASSES)[0]


def kernel_cold():
    """A fresh process's CPU for its first ``root_traits`` (a job's first
    image: SciPy's modules, and Numba's import and its cached loops'
    loading) and for a second on the same mask, right after it:
    (first, second), each a median of 3 processes."""
    code = (
        "import sys, time\n"
        "import numpy as np\n"
        "from rootmass.measure import roots\n"
        "m = np.zeros((40, 40), bool); m[10:14, 5:35] = True\n"
        "t0 = time.process_time()\n"
        "roots.root_traits(m)\n"
        "t1 = time.process_time()\n"
        "roots.root_traits(m)\n"
        "print(t1 - t0, time.process_time() - t1)\n"
    )
    runs = [tuple(map(float, subprocess.run([PY, "-c", code], capture_output=True, text=True,
                                            check=True).stdout.split())) for _ in range(3)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def skan_cold():
    """A fresh process's CPU to import skan and build its first Skeleton
    (numba compiles), or None where skan cannot be imported."""
    code = (
        "import time\n"
        "t0 = time.process_time()\n"
        "import numpy as np\n"
        "import skan\n"
        "t1 = time.process_time()\n"
        "m = np.zeros((40, 40), bool); m[10, 5:35] = True; m[5:35, 20] = True\n"
        "skan.Skeleton(m).prune_paths([0])\n"
        "print(t1 - t0, time.process_time() - t1)\n"
    )
    result = subprocess.run([PY, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        return None
    imported, compiled = map(float, result.stdout.split())
    return imported, compiled


def lesson_part(args, out, summary):
    import numpy as np

    names = TRIALS[: args.photos]
    photos = [LESSON_DATA / name for name in names]
    print(f"\n== (a) root traits on {len(photos)} lesson photos"
          f" (warm-up {args.warmup}, medians of {args.repeats})")
    masks = out / "masks"
    masks.mkdir(parents=True, exist_ok=True)
    lesson = load_lesson_function()
    try:
        import skan
    except ImportError:
        skan = None
    samples, results = {}, {}
    for photo in photos:
        make_mask(photo, masks / f"{photo.stem}.png")
    for repeat in range(-args.warmup, args.repeats):
        for photo in photos:
            path = masks / f"{photo.stem}.png"
            found = {}
            found["lesson"], _ = cpu_time(lesson, str(photo))
            found["stage"], results[photo.name] = cpu_time(run_whole, path)
            steps, skeleton = run_steps(path)
            found.update(steps)
            from skimage.morphology import medial_axis

            from rootmass.io import load_mask

            found["medial_axis"], _ = cpu_time(medial_axis, load_mask(path), return_distance=True)
            if skan is not None:
                found["skan.Skeleton"], _ = cpu_time(skan.Skeleton, skeleton)
            if repeat >= 0:
                for key, value in found.items():
                    samples.setdefault((photo.name, key), []).append(value)
        print(f"  {'warm-up' if repeat < 0 else f'repeat {repeat}'}: done", flush=True)
    med = {key: statistics.median(v) for key, v in samples.items()}
    keys = ["lesson", "stage", *STEPS, *ALTERNATIVES] + (["skan.Skeleton"] if skan else [])
    print("\nPer photo (CPU s, medians; the stage = load_mask + root_traits):\n")
    print("| photo | length (px) | tips | branch points | mean diameter (px) | "
          + " | ".join(keys) + " | stage / lesson |")
    print("|" + "---|" * (len(keys) + 6))
    for name in names:
        traits = results[name]
        print(f"| {name} | {traits['root_length']:.0f} | {traits['root_tips']} |"
              f" {traits['root_branch_points']} | {traits['root_diameter_mean']:.2f} | "
              + " | ".join(f"{med[name, k]:.3f}" for k in keys)
              + f" | {med[name, 'stage'] / med[name, 'lesson']:.2f} |")
        summary.append((f"root length {name}", traits["root_length"], "px", ""))
        summary.append((f"stage CPU {name}", med[name, "stage"], "CPU-s",
                        med[name, "stage"] / med[name, "lesson"]))
    mean = {k: float(np.mean([med[n, k] for n in names])) for k in keys}
    worst = max(med[n, "stage"] for n in names)
    base = mean["lesson"]
    print("\nMean per photo:\n\n| quantity | CPU s | / lesson function |\n|---|---|---|")
    for k in keys:
        print(f"| {k} | {mean[k]:.3f} | {mean[k] / base:.2f} |")
        summary.append((f"{k} CPU per photo", mean[k], "CPU-s", mean[k] / base))
    summary.append(("stage CPU per photo, worst", worst, "CPU-s", worst / base))
    summary.append(("stage target met on every photo", int(worst <= TARGET),
                    f"<= {TARGET:g} CPU-s", ""))
    first, second = kernel_cold()
    print(f"\nA job's first root_traits, in a fresh process: {first:.2f} CPU-s (SciPy's"
          f" modules, Numba's import, its cached loops' loading), against {second:.4f} for"
          f" a second on the same mask: {first - second:.2f} CPU-s more a job")
    summary.append(("first root_traits CPU per job", first, "CPU-s", first / base))
    summary.append(("second root_traits CPU, same process", second, "CPU-s", second / base))
    if skan is not None:
        cold = skan_cold()
        if cold:
            print(f"\nskan in a fresh process: import {cold[0]:.2f} CPU-s, first Skeleton"
                  f" (numba's compilation) {cold[1]:.2f} CPU-s: per job, before any photo")
            summary.append(("skan import CPU per job", cold[0], "CPU-s", cold[0] / base))
            summary.append(("skan first Skeleton CPU per job", cold[1], "CPU-s",
                            cold[1] / base))
    else:
        print("\n(skan cannot be imported here: its costs are left out)")
    print(f"\nlesson part: {'met' if worst <= TARGET else 'NOT met'}: root_traits takes"
          f" {mean['stage']:.3f} CPU-s per lesson photo on average, {worst:.3f} on the"
          f" costliest ({mean['stage'] / base:.2f} x the lesson's own function);"
          f" target {TARGET:g}")


def scan_child(spec):
    """In a fresh process: with ``make``, make the mask and save it as the
    workflow saves masks; else load it as the stage does (``load_mask``) and,
    with ``measure``, run root_traits on it. Prints JSON."""
    import numpy as np

    from rootmass.io import load_mask, save_mask
    from rootmass.measure.roots import root_traits

    if spec.get("make"):
        from rootmass.demo import synthetic_root_image

        _, truth = synthetic_root_image((2000, 3000), seed=5)
        height = int(round((spec["megapixels"] * 1e6 / 1.5) ** 0.5))
        width = int(round(height * 1.5))
        rows = (np.arange(height) * truth.shape[0]) // height
        cols = (np.arange(width) * truth.shape[1]) // width
        save_mask(spec["path"], np.ascontiguousarray(truth[rows][:, cols] > 0))
        print(json.dumps({"shape": [height, width]}))
        return
    mask = load_mask(spec["path"])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.process_time()
    traits = root_traits(mask, classes=CLASSES)[0] if spec["measure"] else {}
    seconds = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"shape": list(mask.shape), "before": before, "peak": peak,
                      "cpu": seconds, "length": traits.get("root_length")}))


def scan_part(args, out, summary):
    from rootmass.workflow.planning import batch_mem_mb

    print(f"\n== (b) root_traits on a {args.megapixels:g}-megapixel mask (fresh children)")
    path = out / "scan-mask.png"

    def child(**spec):
        spec = json.dumps({"megapixels": args.megapixels, "path": str(path), **spec})
        result = subprocess.run([PY, __file__, "--scan-child", spec], capture_output=True,
                                text=True, check=True)
        return json.loads(result.stdout.strip().splitlines()[-1])

    child(make=True)
    runs = {measure: child(measure=measure) for measure in (False, True)}
    path.unlink()
    base, run = runs[False], runs[True]
    height, width = run["shape"]
    asked = {copies: batch_mem_mb([(width, height)], copies=copies) for copies in (3, 5)}
    print(f"\n| quantity | value |\n|---|---|\n| mask | {width} x {height} |"
          f"\n| peak RSS, the mask loaded (load_mask) | {base['peak']:.0f} MiB |"
          f"\n| peak RSS, and root_traits | {run['peak']:.0f} MiB |"
          f"\n| root_traits CPU | {run['cpu']:.1f} s |"
          f"\n| root length | {run['length']:.0f} px |"
          f"\n| the roots stage's job asks (batch_mem_mb, 3 copies) | {asked[3]} MB |"
          f"\n| the image stages' jobs ask (batch_mem_mb, 5 copies) | {asked[5]} MB |")
    summary.append(("scan peak RSS, mask only", base["peak"], "MiB", 1.0))
    summary.append(("scan peak RSS, root_traits", run["peak"], "MiB",
                    run["peak"] / base["peak"]))
    summary.append(("scan root_traits CPU", run["cpu"], "CPU-s", ""))
    for copies, mb in asked.items():
        summary.append((f"scan job request, {copies} copies", mb, "MB",
                        mb / (run["peak"] * 1.048576)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="uncounted runs first")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "roots"))
    parser.add_argument("--sets", default="lesson,scan", help="lesson, scan or both")
    parser.add_argument("--photos", type=int, default=len(TRIALS))
    parser.add_argument("--megapixels", type=float, default=150)
    parser.add_argument("--scan-child", type=json.loads, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scan_child:
        return scan_child(args.scan_child)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sets = set(args.sets.split(","))
    summary = []
    if "scan" in sets:
        scan_part(args, out, summary)
    if "lesson" in sets:
        if all((LESSON_DATA / name).exists() for name in TRIALS[: args.photos]):
            lesson_part(args, out, summary)
        else:
            print(f"\n(a) lesson part left out: the lesson's photos are not in {LESSON_DATA}")
    with open(out / "summary.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "value", "unit", "ratio"])
        writer.writerows(summary)
    print(f"\nwrote {out / 'summary.csv'}")


if __name__ == "__main__":
    main()
