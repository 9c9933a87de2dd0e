"""results/qc/flagged.csv: the rules on constructed numbers, and a real run
on a collection of root photos with planted bad cases."""

import csv
import statistics

import numpy as np
import pytest
from PIL import Image

from conftest import run_snakemake
from rootmass.demo import demo_seed, synthetic_root_image
from rootmass.qc.flags import (
    MIN_GROUP,
    MIN_SEPARATION,
    OUTLIER_Z,
    alike,
    background_share,
    flag_images,
    robust_z,
    separation,
)
from rootmass.segmentation import blur, image_histogram, threshold_value, to_grayscale


def test_robust_z_is_the_scaled_mad_rule():
    values = [0.31, 0.30, 0.33, 0.29, 0.32, 0.90]
    median = statistics.median(values)
    mad = statistics.median([abs(v - median) for v in values])
    assert robust_z(values) == pytest.approx([(v - median) / (1.4826 * mad) for v in values])
    # the smallest scale: a tight collection has no outliers among close values
    assert robust_z([0.300, 0.301, 0.302, 0.303], min_scale=0.02) == pytest.approx(
        [(v - 0.3015) / 0.02 for v in [0.300, 0.301, 0.302, 0.303]])
    assert robust_z([1.0, 1.0, 1.0]) == [0.0, 0.0, 0.0]
    # MAD 0 (most values equal): the mean absolute deviation stands in
    assert robust_z([1.0, 1.0, 1.0, 5.0])[3] == pytest.approx(4 / (1.2533 * 1.0))


def test_separation_is_otsus_criterion():
    rng = np.random.default_rng(1)
    two = np.where(rng.random((50, 60)) < 0.3, 0.8, 0.2) + rng.normal(0, 0.02, (50, 60))
    hist = image_histogram(two)
    t = threshold_value(two, "otsu", hist=hist)
    counts, centers = hist
    p = counts / counts.sum()
    low = centers <= t
    w0, w1 = p[low].sum(), p[~low].sum()
    mu0, mu1 = (p[low] * centers[low]).sum() / w0, (p[~low] * centers[~low]).sum() / w1
    variance = (p * (centers - (p * centers).sum()) ** 2).sum()
    assert separation(hist, t) == pytest.approx(w0 * w1 * (mu0 - mu1) ** 2 / variance)
    assert separation(hist, t) > 0.95
    noise = 0.5 + rng.normal(0, 0.05, (200, 200))
    hist = image_histogram(noise)
    assert separation(hist, threshold_value(noise, "otsu", hist=hist)) == pytest.approx(
        2 / np.pi, abs=0.02)                     # Otsu on a Gaussian: 2 / pi
    assert separation(hist, 2.0) == 0.0          # one class empty
    flat = np.full((5, 5), 0.4)
    assert separation(image_histogram(flat), 0.4) == 0.0


def rows_of(ratios, thresholds, separations=None, **extra):
    return [
        {"image": f"i{i:02d}.jpg", "status": "ok", "ratio": r, "threshold": t,
         "separation": 0.8 if separations is None else separations[i], **extra}
        for i, (r, t) in enumerate(zip(ratios, thresholds))
    ]


def test_flags_reasons_values_and_order():
    rng = np.random.default_rng(2)
    ratios = list(rng.uniform(0.05, 0.08, 20))
    thresholds = list(rng.uniform(0.35, 0.40, 20))
    separations = [0.8] * 20
    ratios[3], thresholds[5], separations[7] = 0.5, 0.9, 0.6      # out, out, flat
    ratios[9] = 0.0002                                             # empty
    ratios[11] = 0.99                                              # full
    rows = rows_of(ratios, thresholds, separations)
    rows.append({"image": "broken.jpg", "status": "error", "error": "truncated"})
    flags = flag_images(rows)
    found = {(f["image"], f["reason"]) for f in flags}
    assert found == {
        ("broken.jpg", "failed"), ("i09.jpg", "empty mask"), ("i11.jpg", "full mask"),
        ("i03.jpg", "ratio outlier"), ("i05.jpg", "threshold outlier"),
        ("i07.jpg", "poor separation"), ("i11.jpg", "ratio outlier"), ("i09.jpg", "ratio outlier"),
    }
    order = list(dict.fromkeys(f["image"] for f in flags))
    assert order[:3] == ["broken.jpg", "i09.jpg", "i11.jpg"]   # failed, then empty/full
    values = {(f["image"], f["reason"]): f["value"] for f in flags}
    assert values[("i09.jpg", "empty mask")] == 0.0002
    assert values[("i07.jpg", "poor separation")] == 0.6
    z = robust_z(ratios, 0.01)[3]
    assert values[("i03.jpg", "ratio outlier")] == z and z > OUTLIER_Z
    # the rest by how far out: the larger of |z| / 3 and 0.68 / separation
    rest = order[3:]
    strength = {"i03.jpg": abs(z) / OUTLIER_Z,
                "i05.jpg": abs(robust_z(thresholds, 0.02)[5]) / OUTLIER_Z,
                "i07.jpg": MIN_SEPARATION / 0.6}
    assert rest == sorted(strength, key=lambda image: -strength[image])


def test_flags_of_the_rows_of_ratios_csv():
    """flagged reads results/ratios.csv: every value is text, and an image
    measured before the separation was recorded has an empty one."""
    rng = np.random.default_rng(2)
    ratios = list(rng.uniform(0.05, 0.08, 20))
    thresholds = list(rng.uniform(0.35, 0.40, 20))
    separations = [0.8] * 20
    separations[7] = 0.6
    rows = rows_of(ratios, thresholds, separations)
    as_text = [{k: v if isinstance(v, str) else repr(float(v)) for k, v in row.items()}
               for row in rows]
    assert flag_images(as_text) == flag_images(rows)
    assert flag_images(as_text) == [{"image": "i07.jpg", "reason": "poor separation",
                                     "value": 0.6}]
    as_text[7]["separation"] = ""
    assert flag_images(as_text) == []


def test_groups_are_judged_apart():
    # two groups of 10 with different ratios: nothing is an outlier in its own
    # group, though the whole collection would make the second group's so
    low = rows_of([0.05 + 0.001 * i for i in range(10)], [0.4] * 10, group="a")
    high = rows_of([0.30 + 0.001 * i for i in range(10)], [0.4] * 10, group="b")
    for i, row in enumerate(high):
        row["image"] = f"h{i:02d}.jpg"
    assert flag_images(low + high, ["group"]) == []
    # a group too small to judge on its own is judged against the collection
    small = rows_of([0.30, 0.31], [0.4, 0.4], group="c")
    for i, row in enumerate(small):
        row["image"] = f"s{i}.jpg"
    assert {f["image"] for f in flag_images(low + small, ["group"])} == {"s0.jpg", "s1.jpg"}


def test_images_are_compared_only_with_images_made_alike():
    """Root photos at Otsu's threshold and a few plates at a fixed one, in
    one collection: a plate is not compared with the photos (nor, fewer than
    MIN_GROUP, with the other plates); photos with other settings inside a
    large group are compared among themselves."""
    photos = rows_of([0.05 + 0.001 * i for i in range(12)], [0.4 + 0.001 * i for i in range(12)],
                     grayscale="luma", sigma=1.5, method="otsu", kind="roots")
    plates = rows_of([0.03, 0.035, 0.04], [0.2, 0.2, 0.2], grayscale="rgb2gray", sigma=1.0,
                     method="fixed", value=0.2, kind="plates")
    for i, row in enumerate(plates):
        row["image"] = f"p{i}.jpg"
    for group_by in ([], ["kind"]):
        assert flag_images(photos + plates, group_by) == []
        compared = alike(photos + plates, group_by)
        assert [len(c) for c in compared] == [12] * 12 + [0] * 3
    # eight plates alike: judged among themselves, an odd one out
    many = rows_of([0.03 + 0.001 * i for i in range(MIN_GROUP)], [0.2] * MIN_GROUP,
                   method="fixed", value=0.2)
    for i, row in enumerate(many):
        row["image"] = f"m{i}.jpg"
    many[0]["ratio"] = 0.3
    assert [f["image"] for f in flag_images(photos + many)] == ["m0.jpg"]
    # a fixed threshold is a person's choice: never a threshold outlier
    many[0]["ratio"], many[1]["threshold"] = 0.031, 0.6
    assert flag_images(photos + many) == []
    many[1]["method"] = "otsu"  # (now alone with its settings: not judged)
    assert flag_images(photos + many) == []
    # a small group of the photos' settings: against every photo alike
    small = rows_of([0.30, 0.31], [0.4, 0.4], grayscale="luma", sigma=1.5, method="otsu",
                    kind="other")
    for i, row in enumerate(small):
        row["image"] = f"s{i}.jpg"
    flagged = {f["image"] for f in flag_images(photos + small, ["kind"])}
    assert flagged == {"s0.jpg", "s1.jpg"}


def test_the_background_taken_as_foreground_is_flagged():
    """One object over a fifth of the image (the bright medium of a plate),
    or any object over half of it (of its ROI): flagged; a root system of
    many objects, or one small object, is not."""
    def row(objects, largest, total=1000, **extra):
        return {"image": "x.jpg", "status": "ok", "ratio": largest / total, "threshold": 0.5,
                "separation": 0.8, "objects": objects, "object_area_max": largest,
                "total_pixels": total, **extra}

    assert background_share(row(1, 230)) == 0.23          # the plate's medium
    assert background_share(row(150, 490)) is None        # many objects, under half
    assert background_share(row(150, 600)) == 0.6
    assert background_share(row(1, 150)) is None          # one root system, 15 %
    assert background_share(row(1, 150, roi_pixels=250)) == 0.6  # of its ROI
    assert background_share({"objects": "", "object_area_max": "", "total_pixels": 9}) is None
    assert background_share({"ratio": 0.5}) is None       # no objects stage
    as_text = {k: str(v) for k, v in row(1, 230).items()}
    assert flag_images([as_text]) == [
        {"image": "x.jpg", "reason": "background taken as foreground", "value": 0.23}]


def test_separation_of_the_pixels_a_method_considers_and_not_of_a_chosen_t():
    """otsu_excluding_bright's separation leaves out the bright pixels it
    excluded; a fixed threshold (a person's choice) is not judged."""
    # dark colonies, the medium, and the bright surround a plate's method
    # excludes
    counts = np.array([0, 30, 0, 0, 0, 500, 0, 0, 0, 600], float)
    centers = np.linspace(0.05, 0.95, 10)
    assert separation((counts, centers), 0.3, below=0.9) == pytest.approx(1.0)
    assert separation((counts, centers), 0.3) < 0.25  # the surround makes it poor
    fixed = rows_of([0.05], [0.2], [0.2], method="fixed")
    assert flag_images(fixed) == []
    assert [f["reason"] for f in flag_images(rows_of([0.05], [0.2], [0.2]))] == [
        "poor separation"]


@pytest.mark.slow  # a workflow run of its own
def test_the_lessons_plates_and_photos_in_one_collection(lesson_data, workdir):
    """The lesson's root photos and its plate in one collection, with a
    sheet and group_by: the plate at the lesson's procedures 6 and 7 gets no
    flag (no poor separation, no outlier against the photos); at the
    defaults (the bright medium as foreground, one object) it is flagged
    "background taken as foreground"."""
    data = workdir / "data"
    data.mkdir()
    names = ["trial-016.jpg", "trial-020.jpg", "trial-216.jpg", "trial-293.jpg"]
    for name in names:
        (data / name).symlink_to(lesson_data / name)
    for name in ("plate-6.tif", "plate-7.tif", "plate-defaults.tif"):
        (data / name).symlink_to(lesson_data / "colonies-01.tif")
    (workdir / "s.tsv").write_text(
        "image\tkind\tgrayscale\tsigma\tmethod\tvalue\tforeground\tbright_cutoff\tmin_area"
        "\tfilter_connectivity\n"
        + "".join(f"data/{n}\troots\t\t\t\t\t\t\t\t\n" for n in names)
        + "data/plate-6.tif\tplates\trgb2gray\t1.0\tfixed\t0.2\tbelow\t\t\t\n"
        "data/plate-7.tif\tplates\trgb2gray\t1.0\totsu_excluding_bright\t\tbelow\t0.9\t11\t1\n"
        "data/plate-defaults.tif\tplates\t\t\t\t\t\t\t\t\n")
    run_snakemake(workdir, "--cores", 2, "--config", "samples=s.tsv",
                  "group_by=[kind]")
    with open(workdir / "results" / "qc" / "flagged.csv", newline="") as f:
        flagged = [(r["image"], r["reason"]) for r in csv.DictReader(f)]
    plates = [(image, reason) for image, reason in flagged if "plate" in image]
    assert plates == [("data/plate-defaults.tif", "background taken as foreground")], flagged
    with open(workdir / "results" / "ratios.csv", newline="") as f:
        rows = {r["image"]: r for r in csv.DictReader(f)}
    assert float(rows["data/plate-7.tif"]["separation"]) > MIN_SEPARATION


@pytest.mark.slow  # a workflow run of its own
def test_planted_cases_are_flagged_and_ordinary_photos_are_not(workdir):
    """Twelve root photos, and among them a blank image, an over-exposed
    photo, a plate of dark colonies on a bright agar (another kind of image)
    and a broken file: each bad one flagged with its reason, no good one."""
    photos = workdir / "photos"
    photos.mkdir()
    rng = np.random.default_rng(3)
    for i in range(12):
        image, _ = synthetic_root_image((120, 180), demo_seed(7, i), label=i)
        Image.fromarray(image).save(photos / f"root-{i:02d}.png")
    blank = np.clip(30 + rng.normal(0, 4, (120, 180, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(blank).save(photos / "x-blank.png")
    image, _ = synthetic_root_image((120, 180), demo_seed(7, 20), label=20)
    over = np.clip(image.astype(float) * 4 + 60, 0, 255).astype(np.uint8)
    Image.fromarray(over).save(photos / "x-overexposed.png")
    yy, xx = np.mgrid[:120, :180]
    plate = np.full((120, 180), 200.0)
    for cy, cx in rng.uniform(10, 110, (15, 2)):
        plate[(yy - cy) ** 2 + (xx - 1.5 * cx) ** 2 < 16] = 40
    plate = np.clip(plate + rng.normal(0, 5, plate.shape), 0, 255).astype(np.uint8)
    Image.fromarray(np.stack([plate] * 3, axis=2)).save(photos / "x-colonies.png")
    (photos / "x-broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")

    run_snakemake(workdir, "--cores", 2, "--config", "images=photos/*.png",
                  "on_error=skip")
    with open(workdir / "results" / "qc" / "flagged.csv", newline="") as f:
        flags = list(csv.DictReader(f))
    reasons = {}
    for flag in flags:
        reasons.setdefault(flag["image"], set()).add(flag["reason"])
    assert set(reasons) == {"photos/x-blank.png", "photos/x-overexposed.png",
                            "photos/x-colonies.png", "photos/x-broken.png"}, flags
    assert reasons["photos/x-broken.png"] == {"failed"}
    assert {"poor separation", "threshold outlier"} <= reasons["photos/x-blank.png"]
    assert "threshold outlier" in reasons["photos/x-overexposed.png"]
    assert {"full mask", "ratio outlier"} <= reasons["photos/x-colonies.png"]
    assert flags[0]["image"] == "photos/x-broken.png"
    # the report shows their figures, most suspicious first
    figures = sorted((workdir / "results" / "qc" / "flagged").glob("*.jpg"))
    assert [p.name for p in figures] == ["0001.jpg", "0002.jpg", "0003.jpg", "0004.jpg"]
    order = list(dict.fromkeys(flag["image"] for flag in flags))
    second = next((workdir / "results" / "qc" / "images").glob(f"*/{order[1]}.jpg"))
    assert figures[1].read_bytes() == second.read_bytes()


def test_demo_flags_nothing(demo_run):
    workdir = demo_run  # the demo experiment, as it comes (the session's run)
    with open(workdir / "results" / "qc" / "flagged.csv", newline="") as f:
        assert list(csv.DictReader(f)) == []
    assert not list((workdir / "results" / "qc" / "flagged").glob("*.jpg"))
