"""Regions in real snakemake runs: the lesson's well plate by its example
config, label images from a sample sheet with region metadata in group_by,
root length by depth band, a found dish, and bad regions refused before any
job (config key regions; config/README.md, "Regions")."""

import csv
import shutil

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image
from skimage.draw import disk

from conftest import ROOT, run_snakemake
from test_regions import drawn_roots


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_lessons_well_plate_by_its_example_config(lesson_data, workdir):
    for name in ("wellplate-01.jpg", "wellplate-01-centers.txt"):
        shutil.copy(lesson_data / name, workdir / name)
    run_snakemake(workdir, "--cores", 2, "--configfile",
                  ROOT / "config" / "examples" / "wellplate.yaml")
    rows = read_csv(workdir / "results" / "regions.csv")
    assert len(rows) == 96
    # the lesson's own: each well a disk of radius 16 around its centre
    plate = iio.imread(lesson_data / "wellplate-01.jpg")
    found = {row["region"]: row for row in rows}
    for line in (lesson_data / "wellplate-01-centers.txt").read_text().split("\n"):
        if not line.strip():
            continue
        x, y = (int(v) for v in line.split())
        mask = np.zeros(plate.shape[:2], dtype=bool)
        rr, cc = disk(center=(y, x), radius=16, shape=plate.shape[0:2])
        mask[rr, cc] = True
        # upright, seen from below: A to H from right to left, 1 to 12 upwards
        name = f"{'ABCDEFGH'[(581 - x) // 70]}{(900 - y) // 72 + 1}"
        row = found[name]
        means = plate[mask].mean(axis=0)
        assert [float(row[c]) for c in ("mean_red", "mean_green", "mean_blue")] == \
            means.tolist(), name
        assert int(row["region_pixels"]) == mask.sum()
    assert [row["region"] for row in rows][:13] == [*(f"A{i}" for i in range(1, 13)), "B1"]
    assert (workdir / "results" / "qc" / "regions.png").is_file()


def drawn_images(folder):
    """Two images of dark dots on white, and label images that split each
    into a left and a right region: (images, labels, dots per region)."""
    folder.mkdir()
    dots = {"a.png": (3, 1), "b.png": (2, 4)}
    for name, (left, right) in dots.items():
        image = np.full((120, 200), 230, dtype=np.uint8)
        for i in range(left):
            image[disk((20 + 30 * i, 40), 8)] = 30
        for i in range(right):
            image[disk((15 + 25 * i, 150), 7)] = 30
        Image.fromarray(image).save(folder / name)
        labels = np.zeros((120, 200), dtype=np.uint8)
        labels[:, 5:95], labels[:, 105:195] = 1, 2
        Image.fromarray(labels).save(folder / f"{name[0]}-labels.png")
    return dots


def test_label_images_from_a_sheet_with_region_metadata_in_group_by(workdir):
    dots = drawn_images(workdir / "data")
    Image.fromarray(np.zeros((120, 200), dtype=np.uint8)).save(workdir / "data" / "none.png")
    shutil.copy(workdir / "data" / "a.png", workdir / "data" / "c.png")
    (workdir / "samples.tsv").write_text(
        "image\tregions\tplate\n"
        "data/a.png\tdata/a-labels.png\tp1\n"
        "data/b.png\tdata/b-labels.png\tp2\n"
        "data/c.png\tdata/none.png\tp3\n")
    (workdir / "layout.tsv").write_text("region\ttreatment\n1\tcontrol\n2\tsalt\n")
    config = ["samples=samples.tsv", "group_by=[treatment]",
              "threshold={foreground: below}",
              "regions={source: labels, metadata: layout.tsv}"]
    run_snakemake(workdir, "--cores", 2, "--config", *config)
    rows = read_csv(workdir / "results" / "regions.csv")
    assert [(r["image"], r["region"], r["treatment"], r["plate"]) for r in rows] == [
        ("data/a.png", "1", "control", "p1"), ("data/a.png", "2", "salt", "p1"),
        ("data/b.png", "1", "control", "p2"), ("data/b.png", "2", "salt", "p2"),
        ("data/c.png", "", "", "p3")]  # a label image without a region
    assert rows.pop()["error"] == "the image has no region"
    counts = {(r["image"], r["region"]): int(r["objects"]) for r in rows}
    assert counts == {("data/a.png", "1"): 3, ("data/a.png", "2"): 1,
                      ("data/b.png", "1"): 2, ("data/b.png", "2"): 4}
    for row in rows:
        assert float(row["ratio"]) == int(row["foreground_pixels"]) / int(row["region_pixels"])
    summary = read_csv(workdir / "results" / "summary.csv")
    assert [(r["treatment"], r["n"]) for r in summary] == [
        ("", "1"), ("control", "2"), ("salt", "2")]
    for plot in ("groups.png", "regions.png"):  # the groups' plot: of the regions
        assert (workdir / "results" / "qc" / plot).is_file()
    # the whole-image rows are those of a run without regions
    plain = workdir / "plain"
    shutil.copytree(workdir / "data", plain / "data")
    (plain / "samples.tsv").write_text("\n".join(
        line.split("\t", 2)[0] + "\t" + line.rsplit("\t", 1)[1].replace("regions", "x")
        for line in (workdir / "samples.tsv").read_text().splitlines()) + "\n")
    run_snakemake(plain, "--cores", 2, "--config", "samples=samples.tsv", "qc=false",
                  "threshold={foreground: below}", "objects={enabled: true}")
    assert (plain / "results" / "ratios.csv").read_text() == \
        (workdir / "results" / "ratios.csv").read_text()


def test_root_length_by_depth_band_adds_up_to_the_images(workdir):
    (workdir / "data").mkdir()
    Image.fromarray(np.where(drawn_roots(), 40, 220).astype(np.uint8)).save(
        workdir / "data" / "roots.png")
    run_snakemake(workdir, "--cores", 2, "--config", "images=['data/*.png']", "qc=false",
                  "threshold={foreground: below}", "roots={measure: true}",
                  "objects={enabled: false}",
                  "regions={source: bands, bands: {every: 100, top: 0}}")
    bands = read_csv(workdir / "results" / "regions.csv")
    assert [r["region"] for r in bands] == [f"{i}-{i + 100} px" for i in range(0, 600, 100)]
    whole = float(read_csv(workdir / "results" / "ratios.csv")[0]["root_length"])
    total = sum(float(r["root_length"]) for r in bands)
    assert whole > 1000 and abs(total - whole) <= 0.01 * whole


@pytest.mark.parametrize("setting, files, says", [
    ("regions={source: grid, grid: {rows: 8, columns: 12, first: [20, 20], spacing: 20,"
     " radius: 8}}", {}, "config key 'regions.grid' on 'data/a.png': region A10"),
    ("regions={source: grid, grid: {rows: 2, columns: 2, first: [30, 30], spacing: 20,"
     " radius: 12}}", {}, "regions A1 and A2 overlap"),
    ("regions={source: circles, circles: {file: 'data/{stem}.txt', radius: 5}}",
     {"a.txt": "20 20\n40 x\n", "b.txt": "20 20\n"}, "centres file 'data/a.txt', line 2"),
    ("regions={source: labels, labels: 'data/{stem}-labels.png'}",
     {"b-labels.png": None}, "label image 'data/b-labels.png' is 50 x 50 pixels"),
])
def test_bad_regions_are_one_line_before_any_job(workdir, setting, files, says):
    drawn_images(workdir / "data")
    for name, text in files.items():
        if text is None:
            Image.fromarray(np.ones((50, 50), dtype=np.uint8)).save(workdir / "data" / name)
        else:
            (workdir / "data" / name).write_text(text)
    result = run_snakemake(workdir, "--cores", 2, "--config", "images=['data/?.png']",
                           setting, check=False)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if says in line]
    assert len(lines) == 1, result.stderr
    assert not (workdir / "results").exists()


def test_each_region_thresholded_on_its_own(workdir):
    """A plate whose right half is darker: the image's one threshold takes
    that half's background as foreground; each region's own finds its dots."""
    drawn_images(workdir / "data")
    for name in ("a.png", "b.png"):
        image = np.asarray(Image.open(workdir / "data" / name)).copy()
        right = image[:, 100:]
        right[right == 230], right[right == 30] = 120, 60
        Image.fromarray(image).save(workdir / "data" / name)
    config = ["images=['data/?.png']", "qc=false", "threshold={foreground: below}",
              "regions={source: labels, labels: 'data/{stem}-labels.png', threshold: %s}"]
    results = {}
    for mode in ("image", "each", "all"):
        folder = workdir / mode
        shutil.copytree(workdir / "data", folder / "data")
        run_snakemake(folder, "--cores", 2, "--config", *config[:-1], config[-1] % mode)
        results[mode] = {(r["image"], r["region"]): r
                         for r in read_csv(folder / "results" / "regions.csv")}
    dots = {"data/a.png": (3, 1), "data/b.png": (2, 4)}
    for image, (left, right) in dots.items():
        assert float(results["image"][image, "2"]["ratio"]) > 0.9  # the background
        own = results["each"]
        assert [int(own[image, r]["objects"]) for r in "12"] == [left, right]
        assert float(own[image, "2"]["ratio"]) < 0.2
        assert float(own[image, "1"]["threshold"]) != float(own[image, "2"]["threshold"])
    masks = list((workdir / "each" / "results" / "masks").rglob("*%regions.png"))
    assert len(masks) == 2
    together = results["all"]  # one threshold over both regions of an image
    for image in dots:
        assert together[image, "1"]["threshold"] == together[image, "2"]["threshold"]


def test_the_dish_of_each_plate_found_and_its_colonies_counted(workdir):
    """Drawn plates, a light dish on a dark bed off the centre, with dark
    colonies in it and specks on the bed outside it: each dish found within
    2 % of its radius, and only its own colonies counted."""
    (workdir / "data").mkdir()
    truth = {}
    for name, (x, y, r, colonies) in {"p1.png": (330, 260, 200, 5),
                                      "p2.png": (420, 300, 170, 3)}.items():
        image = np.full((600, 800), 40, dtype=np.uint8)
        image[disk((y, x), r)] = 210
        for i in range(colonies):
            image[disk((y - 80 + 40 * i, x - 60 + 25 * i), 9)] = 90
        for cx in (20, 780):  # specks on the bed, outside the dish
            image[disk((580, cx), 6)] = 90
        Image.fromarray(image).save(workdir / "data" / name)
        truth[f"data/{name}"] = (r, colonies)
    # a photo without a dish: with on_error: skip, its regions fail, not the photo
    bed = np.random.default_rng(0).integers(30, 60, (600, 800)).astype(np.uint8)
    Image.fromarray(bed).save(workdir / "data" / "p3.png")
    run_snakemake(workdir, "--cores", 2, "--config", "images=['data/*.png']",
                  "threshold={foreground: below}", "regions={source: dish, threshold: each}",
                  "on_error=skip")
    assert [r["status"] for r in read_csv(workdir / "results" / "ratios.csv")] == ["ok"] * 3
    rows = read_csv(workdir / "results" / "regions.csv")
    assert [(r["region"], r["status"]) for r in rows] == [
        ("dish", "ok"), ("dish", "ok"), ("", "error")]
    assert "no round dish found" in rows[2]["error"]
    figures = list((workdir / "results" / "qc" / "images").rglob("*.jpg"))
    assert len(figures) == 3 and (workdir / "results" / "qc" / "regions.png").is_file()
    for row in rows[:2]:
        r, colonies = truth[row["image"]]
        found = np.sqrt(int(row["region_pixels"]) / np.pi) / (1 - 0.03)  # (the margin)
        assert abs(found - r) <= 0.02 * r, (row["image"], found)
        assert int(row["objects"]) == colonies


def test_a_grid_on_a_drawn_plate_gives_each_wells_colour(workdir):
    """A drawn plate of 8 x 12 wells of known colours, upright: the grid's
    wells A1 to H12, each with its own mean colour within rounding."""
    from test_regions import drawn_plate

    (workdir / "data").mkdir()
    image, _, truth = drawn_plate(seed=7)
    Image.fromarray(image).save(workdir / "data" / "plate.png")
    run_snakemake(workdir, "--cores", 2, "--config", "images=['data/plate.png']", "qc=false",
                  "objects={enabled: false}",
                  "regions={source: grid, grid: {rows: 8, columns: 12, first: [30, 30],"
                  " spacing: 40, radius: 15}}")
    rows = read_csv(workdir / "results" / "regions.csv")
    assert [r["region"] for r in rows][:3] == ["A1", "A2", "A3"] and len(rows) == 96
    for row in rows:
        got = [float(row[c]) for c in ("mean_red", "mean_green", "mean_blue")]
        assert np.allclose(got, truth[row["region"]], atol=0.5), row["region"]
