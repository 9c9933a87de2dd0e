"""Objects benchmark: the objects stage's CPU per lesson photo, and
results/objects.csv at scale, each against a baseline measured in the same run.

(a) "lesson": on the lesson's four root photos (2000 x 3008; needs
    ../shared/lesson-data or $LESSON_DATA, else this part is left out with a
    message), each photo's mask made as the lesson makes it (procedure 1,
    with the workflow's own functions: luma, gaussian sigma 1.5, Otsu,
    ``blurred > t``) and saved as the workflow saves it (``save_mask``).
    Then, per photo, the process CPU time of exactly what the objects stage
    (scripts/objects.py) does for one image at the default settings:
    ``load_mask``, ``measure_objects`` (connectivity 2, min_area 1,
    max_objects 5000), the label preview (``label_preview`` at the factor of
    a 600-pixel preview, ``save_png16``) and the image's rows (a pandas
    DataFrame of the table, ``to_csv`` to a file); the same with
    ``declump=True``; where that time goes (load, label, declump, table,
    preview, rows), and the table's cost by measure (each of
    ``regionprops_table``'s properties alone). Baseline: the CPU time of the
    lesson's own root-mass function (benchmarks/lesson_loop.py's
    ``measure_root_mass``: read, grayscale, blur, Otsu, ratio) on the same
    photo. The project's target: at most 0.1 CPU-s per lesson photo.

(b) "csv": results/objects.csv at scale. Synthetic per-batch CSVs as the
    stage writes them (pandas ``to_csv`` of ``table_columns(False)``, floats
    with every digit; by default 10,000 images in 10 batches of 1,000, 300
    objects each: 3,000,000 rows), then ``rootmass.io.concatenate_csv`` with
    2 metadata columns building the whole file, against a plain byte copy of
    the same batch files into one file (``shutil.copyfileobj``). Both run in
    a fresh child process, which reports its own peak RSS (``getrusage``
    maxrss): the memory should stay that of a row, not of the file. The
    generated data are deleted at the end unless ``--keep`` (then reused by
    the next run of the same size).

Each measurement runs ``--warmup`` times uncounted, then ``--repeats`` times;
the tables give medians. (b) runs first, so that its children start from a
parent that has imported nothing large (a child's getrusage maxrss counts
its parent's RSS at the fork). Writes ``summary.csv`` (name, value, unit, ratio)
into ``--out``.

    python benchmarks/objects.py                       # the full benchmark
    python benchmarks/objects.py --images 20 --objects 50 --batches 2 \\
        --repeats 1 --warmup 0 --out /tmp/objects-bench  # a quick smoke run
"""

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lesson_photos import (LESSON_DATA, ROOT, TRIALS, cpu_time,
                           load_lesson_function, make_mask)

PY = sys.executable
TARGET = 0.1  # CPU-s per lesson root photo, the whole stage
MAX_OBJECTS = 5000  # config/config.yaml's objects.max_objects
PREVIEW_SIDE = 600  # workflow/rules/common.smk's PREVIEW_SIDE
METADATA_COLUMNS = ["genotype", "treatment"]
PARTS = ["load", "label", "declump", "table", "preview", "rows"]
#: declump's own steps (rootmass.measure.objects.declump, one at a time)
DECLUMP_STEPS = ["distance", "smoothing", "h_maxima", "seeds", "watershed"]




def maxrss_mib():
    """This process's peak RSS, MiB (getrusage: KiB on Linux). A child
    started by exec counts its parent's RSS at the fork too: the CSV part
    starts its children from a parent that has imported nothing large."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vmhwm_mib():
    """This process's own peak RSS since its exec (/proc's VmHWM), MiB;
    None where there is no /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None




# --- (a) the stage on the lesson photos -------------------------------------



def run_stage(mask_path, image, previews, rows_path, declump):
    """What scripts/objects.py does for one image at the default settings
    (its rows written at once instead of after the batch's last image)."""
    import pandas as pd

    from rootmass.io import load_mask, save_png16
    from rootmass.measure.objects import label_preview, measure_objects, table_columns
    from rootmass.qc.previews import reduction

    mask = load_mask(mask_path)
    labels, stats, table = measure_objects(mask, 2, 1, None, declump, 1.0, 1.0, None,
                                           MAX_OBJECTS)
    factor = reduction(labels.shape, PREVIEW_SIDE)
    save_png16(previews / f"{Path(image).stem}.png", label_preview(labels, factor))
    if table is not None:
        frame = pd.DataFrame(table)
        frame.insert(0, "image", image)
        frame.reindex(columns=table_columns(False)).to_csv(rows_path, index=False)
    return stats["objects"], table is not None


def run_parts(mask_path, image, previews, rows_path, declump):
    """run_stage, a part at a time (measure_objects' own steps, declump's
    too): ({part: CPU s}, the count of objects)."""
    import numpy as np
    import pandas as pd

    from rootmass.io import load_mask, save_png16
    from rootmass.measure.objects import (area_statistics, label_objects, label_preview,
                                  label_runs, object_table, table_columns)
    from rootmass.qc.previews import reduction

    times = {part: 0.0 for part in PARTS}
    times["load"], mask = cpu_time(load_mask, mask_path)

    def label():
        labels, count = label_objects(mask, 2, 1, None)
        return labels, count

    def measured(labels, count):
        """measure_objects' steps after the labels: the table (unless there
        are too many objects) and the statistics of its areas."""
        table = object_table(labels) if count <= MAX_OBJECTS else None
        if table is not None:
            return table, area_statistics(table["area"])
        numbers, _, lengths = label_runs(labels)
        return None, area_statistics(np.bincount(numbers, lengths, count + 1)[1:])

    times["label"], (labels, count) = cpu_time(label)
    if declump and count:
        steps, (labels, count) = declump_steps(labels)
        times.update(steps)
        times["declump"] = sum(steps.values())
    times["table"], (table, stats) = cpu_time(measured, labels, count)

    def preview():
        factor = reduction(labels.shape, PREVIEW_SIDE)
        save_png16(previews / f"{Path(image).stem}.png", label_preview(labels, factor))

    times["preview"], _ = cpu_time(preview)

    def rows():
        frame = pd.DataFrame(table)
        frame.insert(0, "image", image)
        frame.reindex(columns=table_columns(False)).to_csv(rows_path, index=False)

    if table is not None:
        times["rows"], _ = cpu_time(rows)
    return times, stats["objects"]


def declump_steps(labels, h=1.0, smoothing=1.0, connectivity=2):
    """rootmass.measure.objects.declump a step at a time (its own calls, in its
    order; the seeds by its own declump_seeds): ({step: CPU s}, (labels,
    count))."""
    from scipy import ndimage as ndi
    from skimage.filters import gaussian
    from skimage.morphology import h_maxima
    from skimage.segmentation import watershed

    from rootmass.measure.objects import declump_seeds

    times = {}
    mask = labels > 0
    times["distance"], distance = cpu_time(ndi.distance_transform_edt, mask)
    times["smoothing"], distance = cpu_time(gaussian, distance, sigma=smoothing)
    times["h_maxima"], maxima = cpu_time(h_maxima, distance, h)
    times["seeds"], (markers, count) = cpu_time(declump_seeds, labels, distance, maxima,
                                                connectivity)
    times["watershed"], split = cpu_time(watershed, -distance, markers, mask=mask,
                                         connectivity=connectivity)
    return times, (split, int(count))


def run_properties(mask_path):
    """The table's cost by measure: regionprops_table of ("label",) alone,
    then of ("label", measure) for each, and of the five cheap ones
    together (area, centroid, bbox, equivalent diameter): {name: CPU s}."""
    from skimage.measure import regionprops_table

    from rootmass.io import load_mask
    from rootmass.measure.objects import OBJECT_PROPERTIES, label_objects

    labels, _ = label_objects(load_mask(mask_path), 2, 1, None)
    times = {}
    times["label only"], _ = cpu_time(regionprops_table, labels, properties=("label",))
    for name in OBJECT_PROPERTIES[1:]:
        times[name], _ = cpu_time(regionprops_table, labels, properties=("label", name))
    cheap = ("label", "area", "centroid", "bbox", "equivalent_diameter_area")
    times["label, area, centroid, bbox, equivalent_diameter_area"], _ = cpu_time(
        regionprops_table, labels, properties=cheap)
    times["all (object_table)"], _ = cpu_time(regionprops_table, labels,
                                              properties=OBJECT_PROPERTIES)
    return times


def lesson_part(args, out, summary):
    names = TRIALS[: args.photos]
    photos = [LESSON_DATA / name for name in names]
    print(f"\n== (a) the objects stage on {len(photos)} lesson photos"
          f" (warm-up {args.warmup}, medians of {args.repeats})")
    work = out / "lesson"
    shutil.rmtree(work, ignore_errors=True)
    previews = work / "previews"
    previews.mkdir(parents=True)
    rows_path = work / "rows.csv"
    lesson = load_lesson_function()
    masks, ratios = {}, {}
    for photo in photos:
        masks[photo.name] = work / "masks" / f"{photo.stem}.png"
        ratios[photo.name] = make_mask(photo, masks[photo.name])
    samples = {}  # (photo, quantity): [CPU s per repeat]
    counts = {}  # (photo, declump): objects, tabled
    last = {}  # photo: the stage's CPU s in this round

    def record(photo, key, seconds):
        if key == "stage":
            last[photo] = seconds
        if repeat >= 0:
            samples.setdefault((photo, key), []).append(seconds)

    for repeat in range(-args.warmup, args.repeats):  # negative: warm-up
        for photo in photos:
            name, mask = photo.name, masks[photo.name]
            seconds, (density, _) = cpu_time(lesson, str(photo))
            if density != ratios[name]:
                raise SystemExit(f"{name}: the mask is not the lesson's"
                                 f" ({ratios[name]!r} against {density!r})")
            record(name, "lesson", seconds)
            for declump in (False, True):
                tag = "declump " if declump else ""
                seconds, counts[name, declump] = cpu_time(
                    run_stage, mask, name, previews, rows_path, declump)
                record(name, f"{tag}stage", seconds)
                parts, count = run_parts(mask, name, previews, rows_path, declump)
                if count != counts[name, declump][0]:
                    raise SystemExit(f"{name}: {count} objects a part at a time,"
                                     f" {counts[name, declump][0]} by measure_objects")
                for part, seconds in parts.items():
                    record(name, f"{tag}{part}", seconds)
            for key, seconds in run_properties(mask).items():
                record(name, f"property {key}", seconds)
        done = "warm-up" if repeat < 0 else f"repeat {repeat}"
        print(f"  {done}: the stage " + "  ".join(f"{p.name} {last[p.name]:.3f} s"
                                                   for p in photos), flush=True)

    med = {key: statistics.median(values) for key, values in samples.items()}

    def mean(key):
        return statistics.fmean(med[name, key] for name in names)

    base = mean("lesson")
    print("\nPer photo (CPU s, medians; the stage = load + label (+ declump) + table"
          " + preview + rows):\n")
    print("| photo | objects | lesson function | stage | / lesson | load | label"
          " | table | preview | rows | declumped objects | stage, declump | / lesson |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        objects, tabled = counts[name, False]
        split, split_tabled = counts[name, True]
        note = "" if tabled else " (no table: > max_objects)"
        split_note = "" if split_tabled else " (no table)"
        lesson_s = med[name, "lesson"]
        print(f"| {name} | {objects}{note} | {lesson_s:.3f} | {med[name, 'stage']:.3f} |"
              f" {med[name, 'stage'] / lesson_s:.2f} |"
              + "".join(f" {med[name, p]:.3f} |" for p in ["load", "label", "table",
                                                             "preview", "rows"])
              + f" {split}{split_note} | {med[name, 'declump stage']:.3f} |"
              f" {med[name, 'declump stage'] / lesson_s:.2f} |")
        summary.append((f"objects {name}", objects, "objects", ""))
        summary.append((f"objects declumped {name}", split, "objects", ""))
        summary.append((f"lesson function CPU {name}", lesson_s, "CPU-s", 1.0))
        summary.append((f"stage CPU {name}", med[name, "stage"], "CPU-s",
                        med[name, "stage"] / lesson_s))
        summary.append((f"stage CPU declump {name}", med[name, "declump stage"], "CPU-s",
                        med[name, "declump stage"] / lesson_s))

    def verdict(value):
        return f"<= {TARGET:g}: {'met' if value <= TARGET else 'NOT met'}"

    stage, split = mean("stage"), mean("declump stage")
    worst = max(med[name, "stage"] for name in names)
    print(f"\nMean per lesson photo ({len(names)} photos; CPU s, medians):\n")
    print("| quantity | CPU s per photo | / lesson function | target |")
    print("|---|---|---|---|")
    print(f"| the lesson's function (baseline) | {base:.3f} | 1.00 | |")
    print(f"| the objects stage, defaults | {stage:.3f} | {stage / base:.2f} |"
          f" {verdict(stage)} (worst photo {worst:.3f}) |")
    for part in PARTS:
        if part != "declump":
            value = mean(part)
            print(f"| - {part} | {value:.3f} | {value / base:.2f} | |")
    cheap = mean("property label, area, centroid, bbox, equivalent_diameter_area")
    lean = stage - mean("table") + cheap
    print(f"| (for comparison: the stage with regionprops_table's five size measures"
          f" as its table: stage - table + their regionprops_table) | {lean:.3f} |"
          f" {lean / base:.2f} | |")
    print(f"| the objects stage, declump: true | {split:.3f} | {split / base:.2f} |"
          f" {verdict(split)} |")
    for part in PARTS:
        value = mean(f"declump {part}")
        print(f"| - {part} | {value:.3f} | {value / base:.2f} | |")
        if part == "declump":
            for step in DECLUMP_STEPS:
                value = mean(f"declump {step}")
                print(f"|   - {step} | {value:.3f} | {value / base:.2f} | |")
    summary.append(("lesson function CPU per photo", base, "CPU-s", 1.0))
    summary.append(("stage CPU per photo", stage, "CPU-s", stage / base))
    summary.append(("stage CPU per photo, worst", worst, "CPU-s", worst / base))
    summary.append(("stage target met on every photo", int(worst <= TARGET),
                    f"<= {TARGET:g} CPU-s", ""))
    summary.append(("stage CPU per photo, regionprops_table's size measures (estimate)",
                    lean, "CPU-s", lean / base))
    summary.append(("stage CPU per photo, declump", split, "CPU-s", split / base))
    for part in PARTS:
        if part != "declump":
            summary.append((f"part {part} CPU per photo", mean(part), "CPU-s",
                            mean(part) / base))
    for part in PARTS + [f"declump step {step}" for step in DECLUMP_STEPS]:
        key = f"declump {part.replace('declump step ', '')}"
        summary.append((f"part {part} CPU per photo, declump", mean(key), "CPU-s",
                        mean(key) / base))

    keys = [key[len("property "):] for (name, key) in med
            if name == names[0] and key.startswith("property ")]
    print("\nThe table by measure: regionprops_table(labels, properties=(\"label\","
          " measure)), CPU s per photo (mean of the medians):\n")
    print("| properties | CPU s | / lesson function |")
    print("|---|---|---|")
    for key in keys:
        value = mean(f"property {key}")
        print(f"| {key} | {value:.3f} | {value / base:.2f} |")
        summary.append((f"table property {key} CPU per photo", value, "CPU-s", value / base))
    print(f"\nlesson part: {'met' if worst <= TARGET else 'NOT met'}: the stage takes"
          f" {stage:.3f} CPU-s per lesson photo on average, {worst:.3f} on the costliest"
          f" ({stage / base:.2f} x the lesson's own function); target {TARGET:g} on each")


# --- (b) results/objects.csv at scale ---------------------------------------

def generate_batches(folder, images, objects, batches, seed=0):
    """Per-batch CSVs as the objects stage writes them; (paths, rows)."""
    import numpy as np
    import pandas as pd

    from rootmass.measure.objects import table_columns

    marker = folder / f".made-{images}-{objects}-{batches}-{seed}"
    paths = [folder / f"batch-{b:03d}.csv" for b in range(batches)]
    if marker.exists():
        print(f"  reusing the batches in {folder}", file=sys.stderr)
        return paths, images * objects
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    columns = table_columns(False)
    start = time.perf_counter()
    for b, indices in enumerate(np.array_split(np.arange(images), batches)):
        n = len(indices) * objects
        area = np.maximum(1, rng.lognormal(3.0, 1.5, n)).astype(np.int64)
        row = rng.uniform(0, 2000, n)
        col = rng.uniform(0, 3008, n)
        side = np.sqrt(area)
        aspect = rng.uniform(0.5, 2.0, n)
        height = np.maximum(1, np.ceil(side * aspect)).astype(np.int64)
        width = np.maximum(1, np.ceil(side / aspect)).astype(np.int64)
        min_row = np.clip(row - height / 2, 0, 1999).astype(np.int64)
        min_col = np.clip(col - width / 2, 0, 3007).astype(np.int64)
        diameter = np.sqrt(4 * area / np.pi)
        major = diameter * rng.uniform(1.0, 3.0, n)
        frame = pd.DataFrame({
            "image": np.repeat([f"photos/p{i:06d}.jpg" for i in indices], objects),
            "label": np.tile(np.arange(1, objects + 1), len(indices)),
            "area": area,
            "centroid_row": row,
            "centroid_col": col,
            "bbox_min_row": min_row,
            "bbox_min_col": min_col,
            "bbox_max_row": min_row + height,
            "bbox_max_col": min_col + width,
            "equivalent_diameter": diameter,
            "perimeter": diameter * np.pi * rng.uniform(1.0, 3.0, n),
            "eccentricity": rng.uniform(0.0, 1.0, n),
            "solidity": rng.uniform(0.3, 1.0, n),
            "major_axis_length": major,
            "minor_axis_length": diameter ** 2 / major,
        })
        frame.reindex(columns=columns).to_csv(paths[b], index=False)  # every digit
    marker.touch()
    print(f"  generated {len(paths)} batches in {time.perf_counter() - start:.1f} s",
          file=sys.stderr)
    return paths, images * objects


def generate_child(spec):
    """In a fresh process (pandas' memory not the parent's): the batches."""
    paths, rows = generate_batches(Path(spec["folder"]), spec["images"], spec["objects"],
                                   spec["batches"])
    print(json.dumps({"paths": [str(p) for p in paths], "rows": rows}))


def concat_child(spec):
    """In a fresh process: the copy and concatenate_csv, alternately; prints
    a JSON record of the times and this process's peak RSS."""
    from rootmass.io import concatenate_csv

    paths, target = spec["paths"], spec["target"]
    metadata = {f"photos/p{i:06d}.jpg": {"genotype": f"G{i % 7}",
                                          "treatment": ("control", "drought")[i % 2]}
                for i in range(spec["images"])}
    result = {"rss_start_mib": maxrss_mib(), "copy": [], "concatenate": [], "rows": None}

    def copy():
        with open(target + ".copy", "wb") as out:
            for path in paths:
                with open(path, "rb") as f:
                    shutil.copyfileobj(f, out)

    def concatenate():
        return concatenate_csv(paths, target, METADATA_COLUMNS, metadata)

    for repeat in range(-spec["warmup"], spec["repeats"]):
        for name, function in (("copy", copy), ("concatenate", concatenate)):
            wall, cpu = time.perf_counter(), time.process_time()
            rows = function()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if name == "concatenate":
                result["rows"] = rows
            if repeat >= 0:
                result[name].append({"wall": wall, "cpu": cpu})
            print(f"  {'warm-up' if repeat < 0 else f'repeat {repeat}'} ({name:>11})"
                  f" wall {wall:7.2f} s  cpu {cpu:7.2f} s", file=sys.stderr, flush=True)
    result["bytes"] = os.path.getsize(target)
    result["copy_bytes"] = os.path.getsize(target + ".copy")
    with open(target, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    result["header"] = header
    result["rss_peak_mib"] = maxrss_mib()
    result["vmhwm_mib"] = vmhwm_mib()
    print(json.dumps(result))


def child(flag, spec):
    """Run this script's `flag` in a fresh process; its JSON record."""
    done = subprocess.run([PY, __file__, flag, json.dumps(spec)], stdout=subprocess.PIPE,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"{flag} failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def csv_part(args, out, summary):
    from rootmass.measure.objects import table_columns

    rows_wanted = args.images * args.objects
    print(f"\n== (b) results/objects.csv: {args.images} images in {args.batches} batches,"
          f" {args.objects} objects each ({rows_wanted:,} rows)")
    folder = out / "csv-data"
    made = child("--generate-child", {"folder": str(folder), "images": args.images,
                                      "objects": args.objects, "batches": args.batches})
    paths, rows = [Path(p) for p in made["paths"]], made["rows"]
    batch_mb = max(p.stat().st_size for p in paths) / 1e6
    target = folder / "objects.csv"
    result = child("--concat-child", {"paths": [str(p) for p in paths], "target": str(target),
                                      "images": args.images, "repeats": args.repeats,
                                      "warmup": args.warmup})
    if result["rows"] != rows:
        raise SystemExit(f"concatenate_csv wrote {result['rows']} rows, not {rows}")
    if result["header"] != table_columns(False) + METADATA_COLUMNS:
        raise SystemExit(f"objects.csv's header is {result['header']}")
    copy_s = statistics.median(r["wall"] for r in result["copy"])
    concat_s = statistics.median(r["wall"] for r in result["concatenate"])
    concat_cpu = statistics.median(r["cpu"] for r in result["concatenate"])
    copy_cpu = statistics.median(r["cpu"] for r in result["copy"])
    size_mb = result["bytes"] / 1e6
    print("\n| quantity | value | / copy |")
    print("|---|---|---|")
    print(f"| rows | {rows:,} | |")
    print(f"| objects.csv | {size_mb:.1f} MB (batches {result['copy_bytes'] / 1e6:.1f} MB,"
          f" the largest {batch_mb:.1f} MB) | |")
    print(f"| byte copy of the batches (baseline) | {copy_s:.2f} s wall, {copy_cpu:.2f}"
          " CPU-s | 1.00 |")
    print(f"| concatenate_csv | {concat_s:.2f} s wall, {concat_cpu:.2f} CPU-s |"
          f" {concat_s / copy_s:.1f} |")
    print(f"| rows per second | {rows / concat_s:,.0f} | |")
    hwm = result["vmhwm_mib"]
    hwm = "" if hwm is None else f"; its own VmHWM {hwm:.0f} MiB"
    print(f"| peak RSS of the concatenating process | {result['rss_peak_mib']:.0f} MiB"
          f" ({result['rss_start_mib']:.0f} MiB after its imports{hwm}) | |")
    summary.append(("objects.csv rows", rows, "rows", ""))
    summary.append(("objects.csv size", size_mb, "MB", ""))
    summary.append(("largest batch CSV size", batch_mb, "MB", ""))
    summary.append(("byte copy wall", copy_s, "s", 1.0))
    summary.append(("concatenate_csv wall", concat_s, "s", concat_s / copy_s))
    summary.append(("concatenate_csv CPU", concat_cpu, "CPU-s", ""))
    summary.append(("concatenate_csv rows per second", rows / concat_s, "rows/s", ""))
    summary.append(("concatenate peak RSS", result["rss_peak_mib"], "MiB", ""))
    summary.append(("concatenate RSS after imports", result["rss_start_mib"], "MiB", ""))
    if result["vmhwm_mib"] is not None:
        summary.append(("concatenate VmHWM", result["vmhwm_mib"], "MiB", ""))
    for path in (target, Path(f"{target}.copy")):
        path.unlink(missing_ok=True)
    if args.keep:
        print(f"\nkept the batches in {folder}")
    else:
        shutil.rmtree(folder)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="uncounted runs first")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "objects"))
    parser.add_argument("--sets", default="lesson,csv", help="lesson, csv or both")
    parser.add_argument("--photos", type=int, default=len(TRIALS),
                        help="how many of the four lesson photos")
    parser.add_argument("--images", type=int, default=10000, help="(b): images in all")
    parser.add_argument("--objects", type=int, default=300, help="(b): objects an image")
    parser.add_argument("--batches", type=int, default=10, help="(b): batch CSVs")
    parser.add_argument("--keep", action="store_true", help="(b): keep the generated CSVs")
    parser.add_argument("--generate-child", type=json.loads, help=argparse.SUPPRESS)
    parser.add_argument("--concat-child", type=json.loads, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate_child:
        return generate_child(args.generate_child)
    if args.concat_child:
        return concat_child(args.concat_child)
    if not 1 <= args.photos <= len(TRIALS):
        parser.error(f"--photos must be 1 to {len(TRIALS)}")
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    summary = []
    wanted = args.sets.split(",")
    if "csv" in wanted:  # first: its children fork from a small process
        csv_part(args, out, summary)
    if "lesson" in wanted and (LESSON_DATA / "README.md").is_file():
        lesson_part(args, out, summary)
    elif "lesson" in wanted:
        print(f"\nlesson part left out: no lesson data at {LESSON_DATA}")
    with open(out / "summary.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "value", "unit", "ratio"])
        writer.writerows(summary)
    print(f"\nwrote {out / 'summary.csv'}; peak RSS of this process"
          f" {maxrss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
