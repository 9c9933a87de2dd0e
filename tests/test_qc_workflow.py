"""The QC outputs in real snakemake runs: per-image figures, contact sheets,
the ratio plot and table, the method panel against the lesson's code, and
`qc: false`."""

import csv
import json
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
import skimage as ski
from PIL import Image

from conftest import link_images, png_size, run_snakemake
from rootmass.segmentation import MARKER_MIN_AREA, marker_region
from test_workflow import lesson_enhanced_root_mass, lesson_root_mass, planned_jobs

QC_RULES = ("qc_images", "contact_sheets", "qc_ratios", "method_panel", "flagged", "qc_objects")


@pytest.mark.slow  # a workflow run of its own
def test_qc_outputs_and_the_method_panel_match_the_lessons_code(lesson_data, workdir):
    trials = ["trial-016.jpg", "trial-020.jpg", "trial-216.jpg"]
    link_images(lesson_data, workdir, trials)
    run_snakemake(
        workdir, "--cores", 2, "--config", "images=data/*.jpg", "demo=false",
        "method_panel=data/trial-020.jpg",
    )
    qc = Path(workdir, "results", "qc")
    for name in trials:
        (figure,) = qc.glob(f"images/*/data/{name}")  # <batch>/<image path>: a .jpg's own name
        (preview,) = Path(workdir, "results", "previews").glob(f"*/data/{name}")
        # the tinted preview (at most 600 wide), the detail (240) and the
        # histogram (320)
        assert png_size(preview)[0] <= 600
        # the tinted preview, the objects at the preview's size, the detail,
        # the histogram
        width = png_size(preview)[0]
        assert png_size(figure)[0] == 8 + width + 8 + width + 8 + 240 + 8 + 320 + 8
        # the detail: the original's pixels at full size, where grayscale_blur
        # found the most edge (its box in the previews' index)
        index = preview.parents[1] / "index.json"  # the batch folder's
        row = next(r for r in json.loads(index.read_text()) if r["image"] == f"data/{name}")
        top, left, height, width = row["detail"]
        assert (height, width) == (240, 240)
        crop = np.asarray(Image.open(lesson_data / name))[top : top + 240, left : left + 240]
        stored = preview.parent / f"{name[:-4]}%detail.jpg"  # <key>%detail.jpg
        # the same pixels, but for JPEG's loss
        assert np.abs(np.asarray(Image.open(stored)).astype(int) - crop).mean() < 3
    assert sorted(p.name for p in qc.glob("contact-sheets/sheet-*")) == ["sheet-0001.jpg"]
    width, height = png_size(qc / "contact-sheets" / "sheet-0001.jpg")
    # one row of three landscape photos, as tall as they are: no blank band above
    assert width == 3 * (200 + 12) and 34 + 12 < height < 200 + 34 + 12
    sheet = np.asarray(Image.open(qc / "contact-sheets" / "sheet-0001.jpg").convert("L"))
    # (white above it, but for JPEG ringing in the 8 x 8 blocks it starts in)
    assert (sheet[:4].mean(axis=1) >= 245).all() and (sheet[7, 7:205] < 200).any()
    assert png_size(qc / "ratios.png")[0] > 0

    # the ratio table: the CSV's values, every digit
    with open(Path(workdir, "results", "ratios.csv"), newline="") as f:
        rows = list(csv.reader(f))
    html = (qc / "ratios.html").read_text()
    for row in rows[1:]:
        assert f"<td>{row[0]}</td>" in html and f"<td>{row[1]}</td>" in html

    # the method panel: the lesson's blurred image under every method
    image = lesson_data / "trial-020.jpg"
    blurred = ski.filters.gaussian(iio.imread(uri=image, mode="L"), sigma=1.5)
    panel = {r["method"]: r for r in json.loads((qc / "method-panel.json").read_text())}
    assert set(panel) == {"otsu", "isodata", "li", "mean", "minimum", "triangle", "yen",
                          "otsu_excluding_bright", "otsu_excluding_markers", "multiotsu",
                          "local", "sauvola", "niblack"}
    for method, result in panel.items():
        if method == "multiotsu":  # the brightest of three classes
            t = ski.filters.threshold_multiotsu(blurred, classes=3)[1]
        elif method == "local":  # on the inverted image: the mean of 1 - T(1 - b)
            t = np.mean(1 - ski.filters.threshold_local(1 - blurred, 151, offset=0.05))
            assert abs(result["t"] - t) < 1e-12, method
            continue
        elif method in ("sauvola", "niblack"):
            function = getattr(ski.filters, f"threshold_{method}")
            t = np.mean(1 - function(1 - blurred, window_size=151, k=0.2,
                                     **({"r": 1.0} if method == "sauvola" else {})))
            assert abs(result["t"] - t) < 1e-12, method
            continue
        elif method == "otsu_excluding_bright":
            t = ski.filters.threshold_otsu(blurred[blurred < 0.95])
        elif method == "otsu_excluding_markers":
            region = marker_region(blurred, 0.95, MARKER_MIN_AREA, 14)
            t = ski.filters.threshold_otsu(blurred[~region])
        else:
            try:
                t = getattr(ski.filters, f"threshold_{method}")(blurred)
            except RuntimeError as error:
                assert str(error) in result["error"]
                continue
        assert result["t"] == float(t), method
    assert panel["otsu"]["ratio"] == lesson_root_mass(image)
    assert panel["otsu_excluding_bright"]["ratio"] == lesson_enhanced_root_mass(image)
    assert png_size(qc / "method-panel.png")[0] > 600


def small_demo(workdir, *extra):
    config = Path(workdir, "small.yaml")
    config.write_text("demo: {count: 3, height: 120, width: 180, seed: 4}\n")
    return ["--cores", 2, "--configfile", config, *(["--config", *extra] if extra else [])]


@pytest.mark.slow  # a workflow run of its own
def test_qc_false_makes_no_qc_outputs(workdir):
    with_qc = planned_jobs(run_snakemake(workdir, *small_demo(workdir), "--dry-run"))
    assert set(QC_RULES) <= set(with_qc), with_qc
    args = small_demo(workdir, "qc=false")
    without = planned_jobs(run_snakemake(workdir, *args, "--dry-run"))
    assert not set(QC_RULES) & set(without), without
    run_snakemake(workdir, *args)
    assert Path(workdir, "results", "ratios.csv").is_file()
    assert not Path(workdir, "results", "qc").exists()
    # turning QC on later runs the QC jobs only
    plan = planned_jobs(run_snakemake(workdir, *small_demo(workdir), "--dry-run"))
    assert set(plan) - {"all", "plan"} == set(QC_RULES), plan  # a new plan: more outputs


@pytest.mark.slow  # a workflow run of its own
def test_an_image_without_result_gets_a_figure_saying_why(workdir):
    data = Path(workdir, "data")
    data.mkdir()
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)).save(data / "good.png")
    (data / "broken.png").write_bytes(b"not a png")
    run_snakemake(workdir, "--cores", 2, "--config", "images=data/*.png", "demo=false",
                  "on_error=skip")
    qc = Path(workdir, "results", "qc")
    (broken,) = qc.glob("images/*/data/broken.png.jpg")
    (good,) = qc.glob("images/*/data/good.png.jpg")
    broken, good = png_size(broken), png_size(good)
    assert broken[1] < good[1]  # the short message figure
    sheet = np.asarray(Image.open(qc / "contact-sheets" / "sheet-0001.jpg").convert("L"))
    assert sheet.shape == (50 + 34 + 12, 2 * (200 + 12))  # the row as tall as good.png
    # the broken image's cell (the first, in path order) has no thumbnail
    # (white, but for JPEG's ringing near the next cell)
    assert (sheet[6:56, 6:200] >= 250).all() and (sheet[6:56, 218:418] < 200).any()
    # the method panel of the first image, which cannot be read, says why
    assert json.loads((qc / "method-panel.json").read_text()) == []
    assert "method_panel: cannot process 'data/broken.png'" in Path(
        workdir, "logs", "qc", "method_panel.log").read_text()
