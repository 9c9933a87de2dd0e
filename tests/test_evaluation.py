"""Scores against ground truth, the method comparison and the exclusion of
bright markers: the functions on constructed masks with known counts, the
lesson's photos, and real `snakemake` runs."""

import csv
import json
import math
import statistics
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import copy_run, link_images, run_all, run_snakemake
from rootmass.measure.objects import label_objects
from rootmass.evaluation import (
    compare_methods,
    overlap_counts,
    overlap_scores,
    score_mask,
    truth_mask,
)
from rootmass.segmentation import (
    MARKER_MIN_AREA,
    blur,
    foreground_mask,
    marker_margin,
    marker_region,
    segment,
    threshold_value,
    to_grayscale,
)

TRIALS = ["trial-016.jpg", "trial-020.jpg", "trial-216.jpg", "trial-293.jpg"]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# --- scores ------------------------------------------------------------------


def test_counts_and_scores_on_masks_with_known_counts():
    mask = np.zeros((10, 10), dtype=bool)
    truth = np.zeros((10, 10), dtype=bool)
    mask[0, :7] = True   # 7 pixels, 4 of them in the truth
    truth[0, 3:9] = True  # 6 pixels
    truth[5, 0] = True    # one more the mask misses
    assert overlap_counts(mask, truth) == (4, 3, 3)
    scores = score_mask(mask, truth)
    assert scores == {
        "true_positive_pixels": 4, "false_positive_pixels": 3,
        "false_negative_pixels": 3, "precision": 4 / 7, "recall": 4 / 7,
        "f1": 8 / 14, "iou": 4 / 10,
    }


@pytest.mark.parametrize("seed", range(5))
def test_scores_equal_a_direct_numpy_computation(seed):
    rng = np.random.default_rng(seed)
    mask = rng.random((37, 53)) < rng.uniform(0.05, 0.6)
    truth = rng.random((37, 53)) < rng.uniform(0.05, 0.6)
    tp = int(np.sum(mask & truth))
    fp = int(np.sum(mask & ~truth))
    fn = int(np.sum(~mask & truth))
    scores = score_mask(mask, truth)
    assert (scores["true_positive_pixels"], scores["false_positive_pixels"],
            scores["false_negative_pixels"]) == (tp, fp, fn)
    assert scores["precision"] == tp / (tp + fp)
    assert scores["recall"] == tp / (tp + fn)
    assert scores["f1"] == 2 * tp / (2 * tp + fp + fn)
    assert scores["iou"] == tp / np.sum(mask | truth)
    # F1 is the Dice coefficient, and IoU = F1 / (2 - F1)
    assert math.isclose(scores["f1"], 2 * tp / (mask.sum() + truth.sum()))
    assert math.isclose(scores["iou"], scores["f1"] / (2 - scores["f1"]))


def test_empty_masks_and_truths_as_documented():
    empty, full = np.zeros((4, 4), bool), np.ones((4, 4), bool)
    both = score_mask(empty, empty)
    assert both["precision"] == both["recall"] == both["f1"] == both["iou"] == 1.0
    missed = score_mask(empty, full)  # nothing found of 16
    assert (missed["precision"], missed["recall"], missed["f1"], missed["iou"]) == (0, 0, 0, 0)
    invented = score_mask(full, empty)  # 16 found of nothing
    assert (invented["precision"], invented["recall"], invented["f1"]) == (0, 0, 0)
    assert invented["false_positive_pixels"] == 16
    with pytest.raises(ValueError, match="fp must be an integer >= 0"):
        overlap_scores(1, -1, 0)
    with pytest.raises(ValueError, match="the mask is"):
        overlap_counts(empty, np.zeros((4, 5), bool))


def test_truth_mask_any_non_zero_pixel_and_size_error():
    rgba = np.zeros((3, 4, 4), np.uint8)
    rgba[..., 3] = 255       # opaque black: background
    rgba[1, 1, 0] = 1        # any colour channel
    rgba[2, 2, :3] = 200     # a transparent colour: background
    rgba[2, 2, 3] = 0
    gray_alpha = np.zeros((3, 4, 2), np.uint8)
    gray_alpha[..., 1] = 255
    gray_alpha[0, 0, 0] = 255
    gray16 = np.zeros((3, 4), np.uint16)
    gray16[2, 3] = 1
    assert np.array_equal(np.argwhere(truth_mask(rgba, (3, 4))), [[1, 1]])
    assert np.array_equal(np.argwhere(truth_mask(gray_alpha)), [[0, 0]])
    assert np.array_equal(np.argwhere(truth_mask(gray16)), [[2, 3]])
    with pytest.raises(ValueError) as error:
        truth_mask(gray16, (30, 40, 3), "truth mask 'a.png'", "its image 'a.jpg'")
    assert str(error.value) == (
        "truth mask 'a.png' is 4 x 3 pixels but its image 'a.jpg' is 40 x 30 (width x height)"
    )


def test_compare_methods_statistics_lowest_and_best():
    rows = [
        {"method": "otsu", "image": "b.jpg", "f1": 0.8, "iou": 0.6},
        {"method": "otsu", "image": "a.jpg", "f1": 0.5, "iou": 0.4},
        {"method": "otsu", "image": "c.jpg", "f1": 0.9, "iou": 0.7},
        {"method": "li", "image": "b.jpg", "f1": 0.7, "iou": 0.55},
        {"method": "li", "image": "a.jpg", "f1": 0.75, "iou": 0.6},
        {"method": "li", "image": "c.jpg", "error": "no threshold"},  # scores 0
    ]
    methods = {m["method"]: m for m in compare_methods(rows)}
    otsu, li = methods["otsu"], methods["li"]
    assert otsu["images"] == li["images"] == 3
    assert otsu["mean_f1"] == pytest.approx(np.mean([0.8, 0.5, 0.9]))
    assert otsu["median_f1"] == statistics.median([0.8, 0.5, 0.9])
    assert otsu["mean_iou"] == pytest.approx(np.mean([0.6, 0.4, 0.7]))
    assert li["median_iou"] == statistics.median([0.55, 0.6, 0.0])
    assert otsu["lowest_f1_image"] == "a.jpg" and li["lowest_f1_image"] == "c.jpg"
    assert otsu["best"] and not li["best"]
    # a tie in mean F1 goes to the higher mean IoU
    tie = compare_methods([
        {"method": "x", "image": "a", "f1": 0.5, "iou": 0.3},
        {"method": "y", "image": "a", "f1": 0.5, "iou": 0.35},
    ])
    assert [m["best"] for m in tie] == [False, True]


# --- the exclusion of markers ------------------------------------------------


def marker_scene(sigma=1.5):
    """A dark image with a white disk (a marker, 2.8 % of the image), a
    white label with a dark digit-like hole, and a thin bright root whose
    brightest stretch is above the cutoff but small."""
    image = np.full((200, 300), 30, np.uint8)
    yy, xx = np.mgrid[:200, :300]
    image[(yy - 50) ** 2 + (xx - 60) ** 2 <= 30 ** 2] = 250         # the circle
    image[140:180, 20:90] = 248                                      # the label
    image[150:170, 45:55] = 20                                       # its digit
    image[20:190, 200:204] = 180                                     # a root
    image[60:70, 200:204] = 255                                      # its highlight
    return image, blur(image, sigma)


def test_marker_region_leaves_small_bright_parts_and_fills_holes():
    image, blurred = marker_scene()
    region = marker_region(blurred, 0.95, MARKER_MIN_AREA, margin=0)
    assert region[50, 60] and region[160, 50]      # the circle; the label's digit
    assert not region[65, 202]                     # the root's highlight stays
    grown = marker_region(blurred, 0.95, MARKER_MIN_AREA, margin=10)
    # exactly the pixels within 10 pixels of a marker
    from scipy import ndimage as ndi

    assert np.array_equal(grown, ndi.distance_transform_edt(~region) <= 10)
    big = marker_region(blurred, 0.95, min_area=0.5, margin=10)
    assert not big.any()                           # nothing covers half the image


def test_otsu_excluding_markers_leaves_no_rim_where_the_lesson_method_does():
    image, blurred = marker_scene()
    region = marker_region(blurred, 0.95, MARKER_MIN_AREA, marker_margin(1.5))
    t, mask = segment(blurred, "otsu_excluding_markers", marker_margin=marker_margin(1.5))
    assert not (mask & region).any()
    assert t == threshold_value(blurred, "otsu_excluding_markers", excluded=region)
    assert t == pytest.approx(__import__("skimage").filters.threshold_otsu(blurred[~region]))
    assert mask[65, 202] and mask[100, 202]        # the root, highlight included
    # the lesson's enhanced method keeps a rim around the circle
    te, enhanced = segment(blurred, "otsu_excluding_bright")
    core = marker_region(blurred, 0.95, MARKER_MIN_AREA, margin=0)
    from scipy import ndimage as ndi

    distance = ndi.distance_transform_edt(~core)
    rim = (distance > 0) & (distance <= 3)
    assert enhanced[rim].mean() > 0.5
    assert not mask[rim].any()


def test_marker_margin_default_and_errors():
    assert marker_margin(1.5) == 14 and marker_margin(1.0) == 12 and marker_margin(0) == 8
    _, blurred = marker_scene()
    with pytest.raises(ValueError, match="marker_margin"):
        marker_region(blurred, margin=-1)
    with pytest.raises(ValueError, match="excluded region"):
        threshold_value(blurred, "otsu_excluding_markers")
    with pytest.raises(ValueError, match="cover the whole image"):
        threshold_value(blurred, "otsu_excluding_markers", excluded=np.ones_like(blurred, bool))


def test_demo_markers_leave_no_foreground_away_from_the_roots():
    """On every image of the demo experiment, the new method finds no
    foreground farther than 4 pixels from the true roots (the circle, the
    label and their rims are all excluded); the lesson's exclusion finds
    thousands of pixels there (the rims, and labels near the cutoff)."""
    from scipy import ndimage as ndi

    from rootmass.demo import DEMO_CONDITIONS, demo_samples, demo_seed, synthetic_root_image

    for i, row in enumerate(demo_samples(12)):
        image, truth = synthetic_root_image(
            (600, 900), demo_seed(2026, i), label=i, roots=DEMO_CONDITIONS[row["condition"]])
        blurred = blur(to_grayscale(image), 1.5)
        far = ndi.distance_transform_edt(~truth) > 4
        _, lesson = segment(blurred, "otsu_excluding_bright")
        _, mask = segment(blurred, "otsu_excluding_markers", marker_margin=marker_margin(1.5))
        assert (lesson & far).sum() > 1000, i
        assert not (mask & far).any(), (i, int((mask & far).sum()))


@pytest.mark.parametrize("name, grayscale, sigma", [
    *[(name, "luma", 1.5) for name in TRIALS],
    ("maize-root-cluster.jpg", "rgb2gray", 1.0),   # the lesson's settings for it
    ("maize-root-cluster.jpg", "luma", 1.5),       # the workflow's defaults
])
def test_lesson_photos_no_ring_around_circle_or_label(lesson_data, name, grayscale, sigma):
    """Around each marker (the circle and the label), the lesson's enhanced
    mask has a ring; the new method's has none, neither inside its grown
    region nor in the band of 4 pixels just beyond it."""
    import imageio.v3 as iio
    from scipy import ndimage as ndi

    rgb = iio.imread(lesson_data / name)
    blurred = blur(to_grayscale(rgb, grayscale), sigma)
    margin = marker_margin(sigma)
    core = marker_region(blurred, 0.95, MARKER_MIN_AREA, margin=0)
    labels, count = ndi.label(core, structure=np.ones((3, 3)))
    assert count >= 2                              # the circle and the label
    _, enhanced = segment(blurred, "otsu_excluding_bright")
    _, mask = segment(blurred, "otsu_excluding_markers", marker_margin=margin)
    for index in range(1, count + 1):
        distance = ndi.distance_transform_edt(labels != index)
        rim = (distance > 0) & (distance <= 3)
        beyond = (distance > margin) & (distance <= margin + 4)
        assert enhanced[rim].mean() > 0.5, (name, index)
        assert not mask[distance <= margin].any(), (name, index)
        assert mask[beyond].mean() < 0.05, (name, index, mask[beyond].mean())


# --- the workflow ------------------------------------------------------------


def load_png(path):
    with Image.open(path) as image:
        return np.asarray(image) != 0


def test_demo_scores_every_image_and_the_markers_method_wins(demo_run, tmp_path):
    """The demo runs with its own truth out of the box: every score is the
    direct computation from the saved mask and the truth file, and the new
    exclusion beats otsu and the lesson's exclusion on mean IoU."""
    workdir = demo_run  # the session's run of the demo, as it comes
    rows = read_csv(workdir / "results" / "evaluation.csv")
    ratios = read_csv(workdir / "results" / "ratios.csv")
    assert [r["image"] for r in rows] == [r["image"] for r in ratios]
    assert list(rows[0]) == [
        "image", "method", "threshold", "true_positive_pixels", "false_positive_pixels",
        "false_negative_pixels", "precision", "recall", "f1", "iou",
        "truth_objects", "objects", "count_error",
    ]
    for row, measured in zip(rows, ratios):
        # the configured mask's count is the objects stage's; the truth's is
        # its mask's objects (a 1-bit truth: at the image's settings)
        truth_file = workdir / "demo" / "truth" / (Path(row["image"]).stem + ".png")
        assert row["objects"] == measured["objects"]
        assert int(row["truth_objects"]) == label_objects(load_png(truth_file))[1]
        assert int(row["count_error"]) == int(row["objects"]) - int(row["truth_objects"])
        mask = load_png(workdir / measured["mask"])
        truth = load_png(workdir / "demo" / "truth" / (Path(row["image"]).stem + ".png"))
        tp, fp, fn = (int(np.sum(mask & truth)), int(np.sum(mask & ~truth)),
                      int(np.sum(~mask & truth)))
        assert (int(row["true_positive_pixels"]), int(row["false_positive_pixels"]),
                int(row["false_negative_pixels"])) == (tp, fp, fn)
        assert float(row["f1"]) == 2 * tp / (2 * tp + fp + fn)
        assert float(row["iou"]) == tp / (tp + fp + fn)
        assert row["method"] == "otsu" and row["threshold"] == measured["threshold"]

    methods = {r["method"]: r for r in read_csv(workdir / "results" / "evaluation-methods.csv")}
    assert list(methods) == ["otsu", "isodata", "li", "mean", "minimum", "triangle", "yen",
                             "otsu_excluding_bright", "otsu_excluding_markers", "multiotsu",
                             "local", "sauvola", "niblack"]
    assert [m for m, r in methods.items() if r["best"] == "True"] == ["otsu_excluding_markers"]
    assert all(r["images"] == "12" for r in methods.values())
    assert list(next(iter(methods.values())))[:7] == [
        "method", "images", "mean_f1", "median_f1", "mean_iou", "median_iou",
        "mean_abs_count_error"]
    assert all(float(r["mean_abs_count_error"]) >= 0 for r in methods.values())
    iou = {m: float(r["mean_iou"]) for m, r in methods.items()}
    assert iou["otsu_excluding_markers"] > iou["otsu_excluding_bright"] > iou["otsu"]
    # the configured method's row is the mean of evaluation.csv's
    assert float(methods["otsu"]["mean_f1"]) == pytest.approx(
        np.mean([float(r["f1"]) for r in rows]), abs=1e-12)
    assert (workdir / "results" / "evaluation-methods.png").stat().st_size > 10_000

    # with the new method configured, re-thresholding only: no foreground pixel
    # lies within the grown bright region, and the scores agree with the table
    # (in a copy of the shared run)
    workdir = copy_run(demo_run, tmp_path / "markers")
    result = run_snakemake(workdir, "--cores", "2", "--config",
                           "threshold={method: otsu_excluding_markers}")
    assert "rule save_mask:" in result.stderr and "rule evaluate:" in result.stderr
    assert "rule grayscale_blur:" not in result.stderr
    rows = read_csv(workdir / "results" / "evaluation.csv")
    assert {r["method"] for r in rows} == {"otsu_excluding_markers"}
    assert np.mean([float(r["iou"]) for r in rows]) == pytest.approx(
        iou["otsu_excluding_markers"], abs=1e-12)
    for measured in read_csv(workdir / "results" / "ratios.csv"):
        mask = load_png(workdir / measured["mask"])
        batch = Path(measured["mask"]).parts[2]
        blurred = np.load(workdir / "results" / "blurred" / batch / "demo"
                          / (Path(measured["image"]).stem + ".npy"))
        region = marker_region(blurred, 0.95, MARKER_MIN_AREA, marker_margin(1.5))
        assert region.sum() > 1000                 # the circle and the label
        assert not (mask & region).any()


def write_photos(workdir, count=3):
    """Demo-like photos in photos/, their annotations in annotations/."""
    from rootmass.demo import synthetic_root_image

    (workdir / "photos").mkdir()
    (workdir / "annotations").mkdir()
    truths = {}
    for i in range(count):
        image, truth = synthetic_root_image((120, 160), seed=i)
        Image.fromarray(image).save(workdir / "photos" / f"p{i}.png")
        truths[f"photos/p{i}.png"] = truth
        if i == count - 1:  # the last one has no annotation: not scored
            continue
        # as editors save them: RGBA, opaque black around white roots; a palette
        white = truth.astype(np.uint8) * 255
        if i % 2 == 0:
            rgba = np.stack([white, white, white, np.full_like(white, 255)], axis=2)
            Image.fromarray(rgba, "RGBA").save(workdir / "annotations" / f"p{i}.png")
        else:
            Image.fromarray(white).convert("P").save(workdir / "annotations" / f"p{i}.png")
    return truths


def check_counts(workdir, rows, truths):
    """Each row's counts are those of the saved mask against the truth."""
    masks = {r["image"]: r["mask"] for r in read_csv(workdir / "results" / "ratios.csv")}
    for row in rows:
        mask, truth = load_png(workdir / masks[row["image"]]), truths[row["image"]]
        assert truth.sum() > 100
        assert (int(row["true_positive_pixels"]), int(row["false_positive_pixels"]),
                int(row["false_negative_pixels"])) == (
            int(np.sum(mask & truth)), int(np.sum(mask & ~truth)), int(np.sum(~mask & truth)))


@pytest.mark.slow  # three runs, one after another
def test_truth_pattern_and_sheet_column(workdir):
    truths = write_photos(workdir)
    run_snakemake(workdir, "--cores", "2", "--config", "images=photos/*.png",
                  "truth=annotations/{stem}.png", "qc=false")
    rows = read_csv(workdir / "results" / "evaluation.csv")
    assert [r["image"] for r in rows] == ["photos/p0.png", "photos/p1.png"]
    check_counts(workdir, rows, truths)  # the RGBA and the palette annotation
    methods = read_csv(workdir / "results" / "evaluation-methods.csv")
    assert {r["images"] for r in methods} == {"2"}

    # a sheet's truth column instead; {image} in a pattern
    (workdir / "marked").mkdir()
    Image.open(workdir / "annotations" / "p0.png").save(workdir / "marked" / "first.png")
    (workdir / "sheet.tsv").write_text(
        "image\ttruth\nphotos/p0.png\tmarked/first.png\nphotos/p1.png\t\nphotos/p2.png\t\n")
    run_snakemake(workdir, "--cores", "2", "--config", "images=null", "samples=sheet.tsv",
                  "qc=false")
    assert [r["image"] for r in read_csv(workdir / "results" / "evaluation.csv")] == [
        "photos/p0.png"]
    assert not any("truth" in column for column in read_csv(workdir / "results" / "ratios.csv")[0])
    # {image}: the path without its extension, folders and all
    (workdir / "annotations" / "photos").mkdir()
    for i in (1, 2):
        Image.fromarray(truths[f"photos/p{i}.png"]).save(
            workdir / "annotations" / "photos" / f"p{i}.png")
    run_snakemake(workdir, "--cores", "2", "--config", "images=null", "samples=sheet.tsv",
                  "truth=annotations/{image}.png", "qc=false")
    rows = read_csv(workdir / "results" / "evaluation.csv")
    assert [r["image"] for r in rows] == ["photos/p0.png", "photos/p1.png", "photos/p2.png"]
    check_counts(workdir, rows, truths)


@pytest.mark.slow  # a workflow run of its own
def test_a_broken_image_with_truth_is_skipped_not_scored(workdir):
    truths = write_photos(workdir)
    (workdir / "photos" / "p0.png").write_bytes(b"not an image")
    run_snakemake(workdir, "--cores", "2", "--config", "images=photos/*.png",
                  "truth=annotations/{stem}.png", "qc=false", "on_error=skip")
    rows = read_csv(workdir / "results" / "evaluation.csv")
    assert [r["image"] for r in rows] == ["photos/p1.png"]
    check_counts(workdir, rows, truths)


# End-to-end canaries of the truth's one-line errors (every message is a unit
# test in tests/test_plan.py).
BAD_TRUTHS = [
    (["truth=annotations/{name}.png"],
     "config key 'truth': 'annotations/{name}.png' must name each image's file with {image}"
     " (its path without the extension) or {stem} (its file name without extension),"
     " not {name}, e.g. 'annotations/{stem}.png'"),
    (["truth=small/{stem}.png"],
     "truth mask 'small/p0.png' is 80 x 60 pixels but its image 'photos/p0.png' is"
     " 160 x 120 (width x height)"),
]


@pytest.fixture(scope="module")
def bad_truth_runs(tmp_path_factory):
    """Each bad truth setting's run, in a folder of its own, started together
    (run_all): {index in BAD_TRUTHS: future of (folder, result)}."""
    def prepared(settings):
        workdir = tmp_path_factory.mktemp("bad-truth")
        write_photos(workdir)
        (workdir / "small").mkdir()
        Image.new("1", (80, 60)).save(workdir / "small" / "p0.png")
        return lambda: (workdir, run_snakemake(
            workdir, "--cores", "2", "--config", "images=photos/*.png", *settings,
            check=False))
    return run_all({i: prepared(settings) for i, (settings, _) in enumerate(BAD_TRUTHS)})


@pytest.mark.parametrize("settings, message", BAD_TRUTHS)
def test_bad_truth_is_one_line_before_any_job(bad_truth_runs, settings, message):
    workdir, result = bad_truth_runs[BAD_TRUTHS.index((settings, message))].result()
    assert result.returncode != 0
    assert [line for line in result.stderr.splitlines() if message in line], result.stderr
    assert not (workdir / "results").exists()


def test_recorded_lesson_ratios_are_computed(lesson_data):
    """config/README.md records the new exclusion's ratios next to the
    lesson's enhanced ones: every digit is what the functions give."""
    import imageio.v3 as iio

    from conftest import ROOT
    from rootmass.segmentation import foreground_ratio

    text = (ROOT / "config" / "README.md").read_text(encoding="utf-8")
    recorded = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].endswith(".jpg") and cells[1][:2] == "0.":
            recorded[cells[0]] = (cells[1], cells[2])
    assert sorted(recorded) == sorted([*TRIALS, "maize-root-cluster.jpg"])
    for name, (enhanced, markers) in recorded.items():
        grayscale, sigma = ("rgb2gray", 1.0) if name.startswith("maize") else ("luma", 1.5)
        blurred = blur(to_grayscale(iio.imread(lesson_data / name), grayscale), sigma)
        _, lesson = segment(blurred, "otsu_excluding_bright")
        _, new = segment(blurred, "otsu_excluding_markers", marker_margin=marker_margin(sigma))
        assert repr(foreground_ratio(lesson)[2]) == enhanced
        assert repr(foreground_ratio(new)[2]) == markers
