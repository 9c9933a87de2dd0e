"""config/README.md's way of comparing two settings side by side: its shell
loop, run as written (with this repository's Snakefile and 2 cores), gives
each setting its own folder of results, whose ratios are the functions' on
the same images."""

import csv
import os
import re
import subprocess

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, SNAKEMAKE
from rootmass.demo import demo_seed, synthetic_root_image
from rootmass.segmentation import blur, foreground_mask, foreground_ratio, threshold_value, to_grayscale


def readme_loop():
    text = (ROOT / "config" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Comparing two settings side by side", 1)[1]
    return re.search(r"```bash\n(.*?)```", section, flags=re.S).group(1)


@pytest.mark.slow  # a workflow run of its own
def test_the_readme_loop_gives_each_setting_its_folder(workdir):
    photos = workdir / "photos"
    photos.mkdir()
    for i in range(3):
        image, _ = synthetic_root_image((90, 120), demo_seed(5, i), label=i)
        Image.fromarray(image).save(photos / f"p{i}.jpg", quality=95)
    script = readme_loop()
    assert "--directory runs/$method" in script and "ln -sfn ../../photos" in script
    script = script.replace("path/to/Snakefile", str(ROOT / "Snakefile"))
    script = script.replace("--cores 8", "--cores 2")
    env = {**os.environ, "PATH": f"{SNAKEMAKE.parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=workdir, env=env,
                   check=True, capture_output=True, text=True, timeout=900)
    tables = {}
    for method in ("otsu", "yen"):
        with open(workdir / "runs" / method / "results" / "ratios.csv", newline="") as f:
            tables[method] = list(csv.DictReader(f))
    assert [r["image"] for r in tables["otsu"]] == [r["image"] for r in tables["yen"]] == [
        f"photos/p{i}.jpg" for i in range(3)]
    for method, rows in tables.items():
        for row in rows:
            assert row["method"] == method
            gray = to_grayscale(np.asarray(Image.open(photos / os.path.basename(row["image"]))))
            blurred = blur(gray, 1.5)
            t = threshold_value(blurred, method)
            assert float(row["threshold"]) == t
            assert float(row["ratio"]) == foreground_ratio(foreground_mask(blurred, t))[2]
    # two settings, two results
    assert [r["threshold"] for r in tables["otsu"]] != [r["threshold"] for r in tables["yen"]]
