"""Large scans: a flatbed-scan-sized image through the workflow, against a
photo-sized one measured in the same run.

Makes a synthetic root scan of --megapixels (150 by default: a whole root
system scanned at 600 to 1200 dpi) as an uncompressed RGB TIFF, and a
baseline of 6 megapixels (the lesson's photos' size) from the same picture,
runs the workflow on each alone (default config, QC included, in fresh
folders), and prints per stage the wall time, the job's peak resident memory
(as the job's log records it), what the job asks a cluster for (`mem_mb`),
and the scan's ratios to the baseline per megapixel. It checks that the
scan's ratio is the one that Otsu's threshold of the blurred grayscale gives
on it, computed here directly.

    python benchmarks/large_scan.py --out /tmp/large-scan
    python benchmarks/large_scan.py --model barley.pickle   # the classifier's

With ``--model`` (a model file of the classifier, as rule ``fit_segmenter``
or ``benchmarks/real_photos.py --save-model`` writes it), the images are
segmented by it (``threshold: {method: classifier, classifier_model: ...}``)
instead of Otsu's threshold, and the ratio is not checked.

Needs about 8 GB of memory and 3 GB of disk for 150 megapixels.
"""

import argparse
import csv
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
STAGES = ("grayscale_blur", "threshold", "save_mask", "qc_images", "method_panel")


def make_scan(path, megapixels, seed=5):
    """A synthetic root scan of about `megapixels`, 2:3, as a TIFF: a demo
    picture of 2000 x 3000 enlarged (Pillow's bicubic), so its roots are
    smooth at every size."""
    from PIL import Image

    from rootmass.demo import synthetic_root_image

    height = int(round((megapixels * 1e6 / 1.5) ** 0.5))
    width = int(round(height * 1.5))
    picture, _ = synthetic_root_image((2000, 3000), seed=seed)
    Image.fromarray(picture).resize((width, height), Image.BICUBIC).save(path)
    return width, height


def expected_ratio(path):
    """Otsu's ratio of the blurred grayscale (sigma 1.5), as the lesson
    computes it, straight from the file."""
    from PIL import Image
    from skimage.filters import gaussian, threshold_otsu

    Image.MAX_IMAGE_PIXELS = None
    with Image.open(path) as image:
        gray = np.asarray(image.convert("L"))
    blurred = gaussian(gray, sigma=1.5)
    del gray
    return float(np.count_nonzero(blurred > threshold_otsu(blurred)) / blurred.size)


def run(work, image, megapixels, model=None):
    """Run the workflow on one image in `work`; per stage (seconds, peak MiB,
    mem_mb asked), the total time and the ratio."""
    from rootmass.workflow.jobs import peak_memory_mib

    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / image.name).unlink(missing_ok=True)
    (data / image.name).symlink_to(image)
    started = time.perf_counter()
    given = ([f"threshold={{method: classifier, classifier_model: '{model}'}}"]
             if model else [])
    result = subprocess.run(
        [str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"), "--cores", "2",
         "--config", "images=data/*.tif", "demo=false",
         f"max_megapixels={max(200, megapixels * 1.1):.0f}", *given],
        cwd=work, capture_output=True, text=True)
    total = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"the workflow failed in {work}:\n{result.stderr[-3000:]}")
    stages = {}
    for stage in STAGES:
        folder = "qc" if stage == "method_panel" else stage
        pattern = "method_panel.log" if stage == "method_panel" else "*.log"
        (log,) = (work / "logs" / folder).glob(pattern)
        seconds = None
        for tsv in (work / "logs" / "benchmarks" / stage).glob("*.tsv"):
            with open(tsv) as f:
                seconds = float(next(csv.DictReader(f, delimiter="\t"))["s"])
        asked = re.search(rf"rule {stage}:.*?mem_mb=(\d+)", result.stderr + result.stdout,
                          re.S)
        stages[stage] = (seconds, peak_memory_mib(log), int(asked.group(1)) if asked else None)
    with open(work / "results" / "ratios.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    return stages, total, float(row["ratio"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", type=float, default=150)
    parser.add_argument("--baseline", type=float, default=6)
    parser.add_argument("--out", default="large-scan")
    parser.add_argument("--model", type=Path, help="a classifier's model file: segment by"
                        " it (threshold.classifier_model)")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    measured = {}
    for name, megapixels in (("baseline", args.baseline), ("scan", args.megapixels)):
        image = out / f"{name}.tif"
        size = make_scan(image, megapixels)
        real = size[0] * size[1] / 1e6
        stages, total, ratio = run(out / f"run-{name}", image, real,
                                   args.model.resolve() if args.model else None)
        expected = ratio if args.model else expected_ratio(image)
        if ratio != expected:
            sys.exit(f"{name}: the workflow's ratio {ratio!r} is not Otsu's {expected!r}")
        measured[name] = real, stages, total
        how = "by the classifier" if args.model else "as Otsu's"
        print(f"{name}: {size[0]} x {size[1]} = {real:.1f} MP, ratio {ratio} ({how}),"
              f" workflow {total:.1f} s", flush=True)
        for stage, (seconds, peak, asked) in stages.items():
            secs = f"{seconds:.1f} s" if seconds is not None else "-"
            print(f"  {stage:15s} {secs:>8s}  peak {peak:7.0f} MiB"
                  f" ({peak * 2**20 / (real * 1e6):5.1f} bytes a pixel)  mem_mb asked {asked}")
    (base_mp, base, _), (scan_mp, scan, _) = measured["baseline"], measured["scan"]
    print(f"scan / baseline, per megapixel ({scan_mp:.0f} / {base_mp:.0f} MP):")
    for stage in STAGES:
        (bs, bp, _), (ss, sp, _) = base[stage], scan[stage]
        time_ratio = (ss / scan_mp) / (bs / base_mp) if bs and ss else float("nan")
        memory_ratio = (sp - bp) / (scan_mp - base_mp) * 2**20 / 1e6
        print(f"  {stage:15s} time {time_ratio:5.2f}x;"
              f" memory beyond the baseline's {memory_ratio:5.1f} bytes a pixel")


if __name__ == "__main__":
    main()
