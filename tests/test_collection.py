"""A segmenter's collection step (rule fit_segmenter): otsu_collection's
threshold is Otsu's of every image's pixels together, the fitting job reads
the stored histograms (a ROI's pixels only), a bad setting is one line
before any job, and a real run fits one model for the images that use the
method and none for a run without such a method."""

import csv
import json
import types

import numpy as np
import pytest
import skimage.filters
from PIL import Image as PILImage

from conftest import run_snakemake
from rootmass.qc.previews import histogram
from rootmass.segmentation import (
    Image,
    Segmenter,
    blur,
    image_histogram,
    pooled_otsu,
    segment,
    segmenter,
    to_grayscale,
)
from rootmass.segmentation import base
from rootmass.workflow.cache import histogram_row, write_index
from rootmass.workflow.config import ConfigError
from rootmass.workflow.jobs import OnError
from rootmass.workflow import models, planning
from rootmass.workflow.models import collection_images, load_model, model_file, save_model
from test_plan import folder, one_line, plan, write_sheet  # noqa: F401  (a fixture)
from test_workflow import planned_jobs


def drawn(seed, shape):
    """A blurred image: a background and a bright band, each image its own
    brightness."""
    rng = np.random.default_rng(seed)
    image = np.clip(rng.normal(0.2 + 0.05 * seed, 0.06, shape), 0, 1)
    image[shape[0] // 3: shape[0] // 2, 5:-5] += 0.45 + 0.03 * seed
    return np.clip(image, 0, 1)


def pooled_truth(pixels):
    """Otsu's threshold of the images' pixels together, each quantized to
    the centre of its bin of np.histogram(bins=256, range=(0, 1)); two ways:
    the summed histograms, and the concatenated quantized pixels."""
    counts = sum(np.histogram(p, bins=256, range=(0, 1))[0] for p in pixels)
    edges = np.histogram_bin_edges([], bins=256, range=(0, 1))
    centers = (edges[:-1] + edges[1:]) / 2
    summed = skimage.filters.threshold_otsu(hist=(counts, centers))
    quantized = np.concatenate([centers[np.minimum((p * 256).astype(int), 255)].ravel()
                                for p in pixels])
    values, frequencies = np.unique(quantized, return_counts=True)
    assert skimage.filters.threshold_otsu(hist=(frequencies, values)) == summed
    return float(summed)


IMAGES = [drawn(0, (40, 60)), drawn(1, (50, 30)), drawn(2, (30, 70))]
ROI = np.zeros((50, 30), bool)
ROI[5:45, 3:20] = True  # of the second image


def test_the_pooled_threshold_is_otsus_of_every_images_pixels_together():
    expected = pooled_truth([IMAGES[0], IMAGES[1][ROI], IMAGES[2]])
    chosen = segmenter("otsu_collection")
    assert chosen.scope == "collection" and not chosen.panel and chosen.needs == "nothing"
    rois = [None, ROI, None]
    model = chosen.fit_collection((Image(b, roi=r) for b, r in zip(IMAGES, rois)), {})
    pixels = IMAGES[0].size + ROI.sum() + IMAGES[2].size
    assert model == {"threshold": expected, "images": 3, "pixels": pixels}
    # one t for every image, its mask the global threshold's
    for blurred, roi in zip(IMAGES, rois):
        t, mask = segment(blurred, "otsu_collection", model=model, roi=roi)
        assert t == expected
        inside = np.ones(blurred.shape, bool) if roi is None else roi
        np.testing.assert_array_equal(mask, (blurred > expected) & inside)
    # not each image's own Otsu threshold
    own = [skimage.filters.threshold_otsu(b) for b in IMAGES]
    assert all(t != expected for t in own)
    # without the ROI, the whole second image's pixels
    assert pooled_otsu(np.histogram(b, 256, (0, 1))[0] for b in IMAGES)[0] == (
        pooled_truth(IMAGES))


def test_what_cannot_give_a_threshold_is_one_line():
    with pytest.raises(ValueError, match="^threshold method 'otsu_collection': no image"):
        pooled_otsu([])
    flat = np.full((5, 5), 0.5)
    with pytest.raises(ValueError, match="a single gray level$"):
        segmenter("otsu_collection").fit_collection([Image(flat), Image(flat)], {})
    with pytest.raises(ValueError, match="the model of rule fit_segmenter, and none was given"):
        segment(flat, "otsu_collection")
    with pytest.raises(NotImplementedError, match="'otsu' has no collection step"):
        segmenter("otsu").fit_collection([], {})


def blurred_folder(tmp_path, images):
    """A batch's blurred folder as grayscale_blur writes it."""
    folder = tmp_path / "blurred"
    folder.mkdir()
    rows = []
    for name, blurred in images.items():
        np.save(folder / f"{name}.npy", blurred)
        rows.append({"image": f"{name}.png", "key": name, "shape": list(blurred.shape),
                     **histogram_row(image_histogram(blurred), histogram(blurred)[0])})
    rows.append({"image": "failed.png", "key": "failed", "error": "cannot read it"})
    write_index(folder, rows)
    return folder


def test_the_fit_reads_the_stored_histograms_and_only_a_rois_pixels(tmp_path):
    folder = blurred_folder(tmp_path, dict(zip("abc", IMAGES)))
    roi_file = tmp_path / "roi.png"
    PILImage.fromarray(ROI.astype(np.uint8) * 255).save(roi_file)
    for name in "ac":  # no pixels to read but the ROI image's
        (folder / f"{name}.npy").unlink()
    fitted = {"images": ["a.png", "b.png", "c.png", "failed.png"],
              "rois": {"b.png": str(roi_file)}, "truth": {}}
    images = collection_images([str(folder)], fitted, "histogram", OnError("stop", "fit"))
    model = segmenter("otsu_collection").fit_collection(images, {})
    assert model["threshold"] == pooled_truth([IMAGES[0], IMAGES[1][ROI], IMAGES[2]])
    assert model["images"] == 3  # the failed image left out
    # the model's file, and back
    path = model_file("otsu_collection", str(tmp_path / "results"))
    assert path.endswith("results/models/otsu_collection.json")
    save_model(model, path)
    assert load_model(path) == model == json.loads(open(path).read())
    # an image that cannot be read: the job stops naming it, or leaves it out
    fitted["rois"]["c.png"] = str(tmp_path / "missing.png")
    (folder / "c.npy").write_bytes(b"")
    images = collection_images([str(folder)], fitted, "histogram", OnError("stop", "fit"))
    with pytest.raises(SystemExit, match="^fit: cannot process 'c.png': "):
        list(images)
    images = collection_images([str(folder)], fitted, "histogram", OnError("skip", "fit"))
    assert segmenter("otsu_collection").fit_collection(images, {})["images"] == 2


class Trained(Segmenter):
    """A segmenter fitted on the images with truth, one setting the same
    for all (a stand-in for a trained classifier)."""

    name = "trained"
    scope = "collection"
    collection_truth = True
    collection_settings = ("k",)

    def check(self, settings):
        if not settings["k"] > 0:
            raise ValueError(f"threshold.k must be > 0; got {settings['k']!r}")
        return settings


def test_a_bad_setting_of_a_collection_step_is_one_line_before_any_job(folder, monkeypatch):
    with pytest.raises(ConfigError) as error:
        plan(images="data/*.jpg", threshold={"method": "otsu_colection"})
    assert one_line(error).startswith(
        "config key 'threshold.method': 'otsu_colection' is not one of 'fixed', ")
    experiment, _ = plan(images="data/*.jpg", threshold={"method": "otsu_collection"})
    assert experiment.collection_methods == ["otsu_collection"]
    assert experiment.fitted_images("otsu_collection") == ["data/a.jpg", "data/b.jpg"]
    # a method fitted on the truth, where no image that uses it has any
    monkeypatch.setitem(base._REGISTRY, "trained", Trained())
    write_sheet(folder, [{"image": "data/a.jpg", "method": "trained"},
                         {"image": "data/b.jpg", "method": "otsu"}])
    with pytest.raises(ConfigError) as error:
        plan(samples="samples.tsv")
    assert one_line(error) == (
        "samples sheet 'samples.tsv', line 2, column 'method': 'trained' is fitted on the"
        " images that use it and have a truth mask, and none of its 1 has one (config key"
        " truth, or the sheet's column truth)")
    # a setting its check refuses, in the config or in a row
    with pytest.raises(ConfigError) as error:
        plan(images="data/*.jpg", threshold={"method": "trained", "k": -1})
    assert one_line(error) == "config key 'threshold.k': must be > 0; got -1"
    write_sheet(folder, [{"image": "data/a.jpg", "method": "trained", "k": 0},
                         {"image": "data/b.jpg"}])
    with pytest.raises(ConfigError) as error:
        plan(samples="samples.tsv")
    assert one_line(error) == (
        "samples sheet 'samples.tsv', line 2, column 'k': must be > 0; got 0")
    # its setting differs between the images it is fitted on
    (folder / "truth").mkdir()
    for name in ("a", "b"):
        PILImage.new("L", (90, 60)).save(folder / "truth" / f"{name}.png")
    write_sheet(folder, [{"image": "data/a.jpg", "method": "trained"},
                         {"image": "data/b.jpg", "method": "trained", "k": 0.5}])
    with pytest.raises(ConfigError) as error:
        plan(samples="samples.tsv", truth="truth/{stem}.png")
    assert one_line(error) == (
        "samples sheet 'samples.tsv', line 3, column 'k': 'trained' fits one model for all"
        " its images, so k must be the same for them; got 0.5 here and 0.2 for 'data/a.jpg'")


def test_the_plan_of_a_collection_step(folder):
    write_sheet(folder, [{"image": "data/a.jpg", "method": "otsu_collection", "roi": "a.png"},
                         {"image": "data/b.jpg", "method": "otsu"}])
    PILImage.new("L", (90, 60), 255).save(folder / "a.png")
    experiment, _ = plan(samples="samples.tsv")
    batches = {"b1": ["data/b.jpg"], "b2": ["data/a.jpg"]}
    assert models.batch_models(experiment, batches["b2"]) == [
        "results/models/otsu_collection.json"]
    assert models.batch_models(experiment, batches["b1"]) == []
    assert models.fitted_batches(experiment, batches) == ["b2"]
    assert models.feeds_collection_step(experiment, batches["b2"])
    assert not models.feeds_collection_step(experiment, batches["b1"])
    assert experiment.fit_params("otsu_collection") == {
        "images": ["data/a.jpg"], "settings": {}, "rois": {"data/a.jpg": "a.png"}, "truth": {}}
    assert models.fit_inputs(experiment, batches, "otsu_collection", "blurred/{batch}") == {
        "blurred": ["blurred/b2"], "annotations": ["a.png"]}
    # the fitted batches hold their blurred images until the model is made
    assert models.in_flight(experiment, batches, 1) == 2
    # (the ROI image's pixels read, five float64 copies: 8 bytes each)
    sizes = {"data/a.jpg": (6000, 4000), "data/b.jpg": (3000, 2000)}
    assert models.fit_mem_mb(experiment, "otsu_collection", sizes) == (
        planning.LIBRARIES_MB + 5 * 8 * 24)
    assert models.fit_runtime(experiment, "otsu_collection", sizes) == 5
    default, _ = plan(images="data/*.jpg")
    assert default.collection_methods == [] and models.in_flight(default, batches, 1) == 1
    assert models.batch_models(default, batches["b2"]) == []


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {row["image"]: row for row in csv.DictReader(f)}


def test_a_run_fits_one_model_for_the_images_that_use_it(workdir):
    """Three of four drawn images use otsu_collection (one with a ROI), one
    otsu: the model is fitted once, on those three, and each of them gets
    its t; a run without the method has no such rule and no such job."""
    (workdir / "data").mkdir()
    (workdir / "rois").mkdir()
    pixels = {}
    for i in range(4):
        gray = (drawn(i, (60, 80)) * 255).astype(np.uint8)
        PILImage.fromarray(gray).save(workdir / f"data/p{i}.png")
        # what grayscale_blur makes of it
        pixels[f"data/p{i}.png"] = blur(to_grayscale(np.asarray(
            PILImage.open(workdir / f"data/p{i}.png")), "luma"), 1.5)
    roi = np.zeros((60, 80), bool)
    roi[10:50, 5:60] = True
    PILImage.fromarray(roi.astype(np.uint8) * 255).save(workdir / "rois/p1.png")
    write_sheet(workdir, [
        {"image": "data/p0.png", "method": "otsu_collection"},
        {"image": "data/p1.png", "method": "otsu_collection", "roi": "rois/p1.png"},
        {"image": "data/p2.png", "method": "otsu_collection"},
        {"image": "data/p3.png", "method": "otsu"}])
    config = ["--config", "samples=samples.tsv", "qc=false", "objects={enabled: false}"]
    result = run_snakemake(workdir, "--cores", 2, *config)
    # (a run prints its job stats and jobs on stderr)
    assert planned_jobs(types.SimpleNamespace(stdout=result.stderr))["fit_segmenter"] == 1
    assert result.stderr.count("rule fit_segmenter:") == 1
    fitted = [pixels["data/p0.png"], pixels["data/p1.png"][roi], pixels["data/p2.png"]]
    expected = pooled_truth(fitted)
    model = json.loads((workdir / "results/models/otsu_collection.json").read_text())
    assert model == {"threshold": expected, "images": 3, "pixels": 2 * 60 * 80 + roi.sum()}
    rows = read_csv(workdir / "results/ratios.csv")
    for i in range(3):
        row = rows[f"data/p{i}.png"]
        assert row["method"] == "otsu_collection" and row["threshold"] == repr(expected)
        mask = np.asarray(PILImage.open(workdir / row["mask"])) > 0
        inside = roi if i == 1 else np.ones(roi.shape, bool)
        np.testing.assert_array_equal(mask, (pixels[f"data/p{i}.png"] > expected) & inside)
    own = segment(pixels["data/p3.png"], "otsu", mask=False)[0]
    assert rows["data/p3.png"]["threshold"] == repr(own) != repr(expected)
    log = (workdir / "logs/fit_segmenter/otsu_collection.json.log").read_text()
    assert "otsu_collection: fitted on 3 of 3 images" in log
    assert (workdir / "logs/benchmarks/fit_segmenter/otsu_collection.json.tsv").is_file()
    # (a sample sheet's own lint, of rule aggregate, aside)
    lint = run_snakemake(workdir, "--lint", "--config", "images=data/*.png",
                         "threshold={method: otsu_collection}")
    assert "Lints for" not in lint.stdout + lint.stderr, lint.stdout
    # done: nothing to do again
    again = run_snakemake(workdir, "--cores", 2, "-n", *config)
    assert "Nothing to be done" in again.stdout + again.stderr, again.stdout
    # the default method: no rule fit_segmenter, and no such job
    default = ["--config", "images=data/*.png", "qc=false", "objects={enabled: false}"]
    rules = run_snakemake(workdir, "--list-rules", *default).stdout.split()
    assert "fit_segmenter" not in rules and "threshold" in rules
    plan = planned_jobs(run_snakemake(workdir, "--cores", 2, "-n", *default))
    assert "fit_segmenter" not in plan and plan["threshold"] == 2, plan
    # a run without the method moves its model aside with the other
    # outputs this run does not make
    said = run_snakemake(workdir, "--cores", 2, *default)
    assert not (workdir / "results/models/otsu_collection.json").exists()
    assert list((workdir / "results/stale").glob("*/models/otsu_collection.json"))
    assert "its method not used by any image" in said.stdout + said.stderr
