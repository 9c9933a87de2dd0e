"""The trainable pixel classifier (rootmass.segmentation.classifier): its
labels of masks, scribbles and traces, features and predictions by tiles
against the whole image's, and a forest trained on drawn images scored on
drawn images it did not see."""

import numpy as np
import pytest

from rootmass.segmentation import Image, segmenter
from rootmass.segmentation.classifier import (
    feature_margin,
    feature_sigmas,
    features_at,
    fold_of,
    is_scribbles,
    labels_from_lines,
    labels_from_truth,
    pixel_features,
    predict_probability,
    sample_labels,
    scale_factor,
    tiles,
    train_forest,
)


def drawn(seed, shape=(160, 200)):
    """A blurred-looking image: bright lines 3 px wide (roots, the truth) on
    a textured background, with a bright round blob (a seed: not root)."""
    from skimage.draw import disk, line_aa
    from skimage.filters import gaussian

    rng = np.random.default_rng(seed)
    image = 0.35 + 0.05 * rng.standard_normal(shape)
    truth = np.zeros(shape, bool)
    for _ in range(3):
        r0, c0 = rng.integers(5, shape[0] - 5), rng.integers(5, 40)
        r1, c1 = rng.integers(5, shape[0] - 5), rng.integers(shape[1] - 40, shape[1] - 5)
        for offset in (-1, 0, 1):
            rr, cc, _ = line_aa(r0 + offset, c0, r1 + offset, c1)
            keep = (rr >= 0) & (rr < shape[0])
            truth[rr[keep], cc[keep]] = True
    seed_at = rng.integers(20, shape[0] - 20), rng.integers(60, shape[1] - 60)
    blob = np.zeros(shape, bool)
    blob[disk(seed_at, 12, shape=shape)] = True
    truth &= ~blob
    image[truth] = 0.8
    image[blob] = 0.8
    return np.clip(gaussian(image, 1.0), 0, 1), truth


def test_labels_of_masks_scribbles_and_traces():
    mask = np.zeros((4, 5), np.uint8)
    mask[1, 2] = 255
    np.testing.assert_array_equal(labels_from_truth(mask), np.where(mask, 2, 1))
    # a mask of 0 and 1 is a mask (no 2): every pixel labelled
    np.testing.assert_array_equal(labels_from_truth(mask > 0), np.where(mask, 2, 1))
    scribbles = np.zeros((4, 5), np.uint8)
    scribbles[0, :2], scribbles[3, 4] = 1, 2
    np.testing.assert_array_equal(labels_from_truth(scribbles, scribbles=True), scribbles)
    # the same values in a mask (two labelled objects): a mask
    np.testing.assert_array_equal(labels_from_truth(scribbles), np.where(scribbles, 2, 1))
    assert is_scribbles("truth/a.scribbles.png") and not is_scribbles("truth/a.png")
    with pytest.raises(ValueError, match="scribbles hold 0"):
        labels_from_truth(mask, scribbles=True)
    labels = labels_from_lines(np.array([[10, 5], [10, 6], [10, 7]]), (21, 30), 1, 4)
    assert labels[10, 6] == 2 and labels[9, 6] == 2 and labels[8, 6] == 0
    assert labels[14, 6] == 0 and labels[15, 6] == 1  # beyond 4 px: background
    with pytest.raises(ValueError, match="trace_background must be above"):
        labels_from_lines(np.zeros((0, 2)), (3, 3), 5, 2)


def test_sample_labels_and_folds():
    labels = np.zeros((50, 50), np.uint8)
    labels[:10] = 1
    labels[20:22] = 2
    index, classes = sample_labels(labels, 30, seed=1)
    assert (classes == 1).sum() == 30 and (classes == 2).sum() == 30
    assert (labels.reshape(-1)[index] == classes).all() and (np.diff(index) > 0).all()
    roi = np.zeros((50, 50), bool)
    roi[:, :5] = True
    index, classes = sample_labels(labels, 1000, roi=roi)
    assert (classes == 1).sum() == 50 and (classes == 2).sum() == 10
    assert fold_of(7, 5) == [0, 0, 1, 2, 2, 3, 4]  # runs of neighbours
    assert fold_of(2, 5) == [0, 1] and fold_of(1) == [0]


def test_tiles_cover_the_image_once_and_features_by_tiles_are_the_whole_images():
    shape = (150, 170)
    seen = np.zeros(shape, int)
    margin = feature_margin(4)
    assert feature_sigmas(16) == (1.0, 2.0, 4.0, 8.0, 16.0)
    # 4 sigma and 4 pixels of the image reduced twice at sigma 8
    assert [scale_factor(s) for s in (1, 2, 4, 7.9, 8, 16, 24, 32)] == [1, 1, 1, 1, 2, 4, 4, 8]
    assert margin == 20 and feature_margin(16) == 80 and feature_margin(4, (2, 8)) == 40
    for outer, inner in tiles(shape, margin, tile=64):
        block = np.zeros(shape, int)[outer]
        block[inner] = 1
        full = np.zeros(shape, int)
        full[outer] = block
        seen += full
    assert (seen == 1).all()
    image, _ = drawn(0, shape)
    whole = pixel_features(image, 4)
    assert whole.shape == (*shape, 12) and whole.dtype == np.float32
    index = np.sort(np.random.default_rng(0).choice(image.size, 500, replace=False))
    np.testing.assert_array_equal(features_at(image, index, 4, tile=64),
                                  whole.reshape(-1, 12)[index])
    # with the colour's features: 3 a scale, the channels smoothed
    from skimage.filters import gaussian

    colour = (np.random.default_rng(1).random((*shape, 3)) * 255).astype(np.uint8)
    both = pixel_features(image, 4, colour, (2, 8))
    assert both.shape == (*shape, 18)
    np.testing.assert_allclose(both[..., 12:15], gaussian(colour / 255, 2, channel_axis=-1),
                               rtol=0, atol=1e-6)
    np.testing.assert_array_equal(features_at(image, index, 4, colour, (2, 8), tile=64),
                                  both.reshape(-1, 18)[index])
    # tiles of 64 px and a margin of 80: the whole image's features still
    index = np.sort(np.random.default_rng(2).choice(image.size, 2000, replace=False))
    np.testing.assert_array_equal(features_at(image, index, 16, colour, (2, 8), tile=64),
                                  pixel_features(image, 16, colour, (2, 8)).reshape(-1, 26)[index])
    with pytest.raises(ValueError, match="colour features need a colour"):
        pixel_features(image, 4, None, (2,))
    # an alpha channel is left out; 16-bit colours scaled to [0, 1]
    alpha = np.concatenate([colour, np.full((*shape, 1), 255, np.uint8)], axis=-1)
    np.testing.assert_array_equal(pixel_features(image, 4, alpha, (2,)),
                                  pixel_features(image, 4, colour, (2,)))
    deep = colour.astype(np.uint16) * 257
    np.testing.assert_allclose(pixel_features(image, 4, deep, (2,)),
                               pixel_features(image, 4, colour, (2,)), rtol=0, atol=1e-6)


def test_features_are_scikit_images_exactly_below_sigma_8_and_closely_above():
    """Scales 1, 2 and 4 are ``multiscale_basic_features``' to the last
    digit; 8 and 16, computed on the image reduced 2 and 4 times and
    enlarged, follow them closely away from the image's edges (where
    scikit-image repeats the edge pixel and the reduced image its block)."""
    from skimage.feature import multiscale_basic_features
    from skimage.filters import gaussian

    image, _ = drawn(3, (300, 320))
    library = multiscale_basic_features(image.astype(np.float32), sigma_min=1, sigma_max=16,
                                        num_sigma=5)
    ours = pixel_features(image, 16)
    np.testing.assert_array_equal(ours[..., :12], library[..., :12])
    inside = (slice(70, -70), slice(70, -70))
    for k in range(12, 20):
        a, b = ours[inside][..., k].ravel(), library[inside][..., k].ravel()
        # (measured here: correlations 0.9979 to 0.99999; the smoothed
        # intensity within 0.2 % of its largest, the gradient's magnitude
        # within 3 % on average, the Hessian's eigenvalues 5 to 6.5 %; on a
        # barley photo, correlations 0.9993 to 1.0)
        assert np.corrcoef(a, b)[0, 1] > 0.995, k
        assert np.abs(a - b).mean() < 0.1 * np.abs(b).mean(), k
        if k % 4 == 0:
            assert np.abs(a - b).max() < 0.005 * np.abs(b).max(), k
    colour = (np.stack([image, image ** 2, 1 - image], -1) * 255).astype(np.uint8)
    smoothed = gaussian(colour / 255, 8, channel_axis=-1)[inside]
    found = pixel_features(image, 2, colour, (8,))[..., 8:][inside]
    assert np.abs(found - smoothed).max() < 0.01


def test_features_of_a_tiny_image_and_a_tile_that_does_not_fit_the_reduction():
    """An image a few pixels across has scikit-image's features at every
    scale (nothing to reduce); a tile whose side is not a multiple of the
    largest reduction is refused."""
    from skimage.feature import multiscale_basic_features

    tiny = np.random.default_rng(5).random((4, 30)).astype(np.float32)
    np.testing.assert_array_equal(
        pixel_features(tiny, 16),
        multiscale_basic_features(tiny, sigma_min=1, sigma_max=16, num_sigma=5))
    with pytest.raises(ValueError, match="not a multiple of 4"):
        features_at(tiny, [0], 16, tile=50)
    with pytest.raises(ValueError, match="not a multiple of 4"):
        predict_probability(None, tiny, 16, tile=50)
    # a model of the earlier features (an earlier run's file): refused
    old = {"version": 1, "forest": None, "settings": {}}
    with pytest.raises(ValueError, match="of version 1, the features' is 2: train it again"):
        segmenter("classifier").probability(Image(pixels=tiny, model=old))


def test_upsampling_is_scipys_bilinear_zoom():
    """The compiled enlarging of the reduced features equals
    ``scipy.ndimage.zoom(order=1, grid_mode=True, mode="nearest")``, from
    any offset and into any channels of the features' array."""
    from scipy import ndimage as ndi

    from rootmass.segmentation._kernels import upsample_into

    coarse = np.random.default_rng(4).random((9, 11, 2)).astype(np.float32)
    for factor in (2, 4, 8):
        zoomed = ndi.zoom(coarse, (factor, factor, 1), order=1, mode="nearest",
                          grid_mode=True)
        out = np.zeros((9 * factor - 5, 11 * factor - 3, 5), np.float32)
        upsample_into(out, 2, coarse, factor, 3, 1)
        np.testing.assert_allclose(out[..., 2:4], zoomed[3:3 + out.shape[0], 1:1 + out.shape[1]],
                                   rtol=0, atol=1e-6)
        assert not out[..., [0, 1, 4]].any()


def test_a_forest_trained_on_drawn_images_finds_roots_in_another():
    """Trained on two drawn images' masks (the lines; the blob background),
    on a third it did not see the mask's F1 against the drawn truth is high,
    where a global threshold takes the blob too; by tiles or whole, the same
    mask."""
    from rootmass.evaluation import score_mask
    from rootmass.segmentation import segment

    features, classes = [], []
    for seed in (1, 2):
        image, truth = drawn(seed)
        index, found = sample_labels(labels_from_truth(truth), 3000, seed=seed)
        features.append(features_at(image, index, 8))
        classes.append(found)
    forest = train_forest(np.concatenate(features), np.concatenate(classes), trees=20,
                          depth=10)
    image, truth = drawn(3)
    probability = predict_probability(forest, image, 8)
    np.testing.assert_allclose(predict_probability(forest, image, 8, tile=48), probability,
                               rtol=0, atol=1e-6)
    learned = score_mask(probability > 0.5, truth)
    otsu = score_mask(segment(image, "otsu")[1], truth)
    assert learned["f1"] > 0.85 and learned["f1"] > otsu["f1"] + 0.1, (learned, otsu)


def test_the_classifier_segmenter_fits_a_model_with_folds():
    chosen = segmenter("classifier")
    images, foreground = [], []
    for seed in (1, 2, 3):
        image, truth = drawn(seed)
        images.append(Image(image, truth=labels_from_truth(truth), name=f"d{seed}.png"))
        foreground.append(int(truth.sum()))
    settings = {"classifier_trees": 10, "classifier_depth": 8, "classifier_sigma_max": 8,
                "classifier_samples": 2000, "trace_foreground": 2, "trace_background": 12}
    model = chosen.fit_collection(iter(images), chosen.check(settings), folds=3)
    assert model["folds"] == {"d1.png": 0, "d2.png": 1, "d3.png": 2}
    assert len(model["fold_forests"]) == 3 and model["settings"] == settings
    assert model["images"]["d1.png"] == {"foreground": min(2000, foreground[0]),
                                         "background": 2000}
    assert {"scikit-learn", "scikit-image", "numpy"} <= set(model["versions"])
    image, truth = drawn(4)
    mask, t = chosen.predict(Image(image, model=model), {"threshold": None},
                             {"classifier_probability": 0.5})
    assert t is None and mask.shape == image.shape and mask[truth].mean() > 0.8
    with pytest.raises(ValueError, match="classifier_probability must be between 0 and 1"):
        chosen.check({**settings, "classifier_probability": 1.0})
    with pytest.raises(ValueError, match="no annotated image to train on"):
        chosen.fit_collection(iter([]), settings)


@pytest.mark.slow
def test_the_classifier_in_a_real_run_on_drawn_images(tmp_path):
    """Three drawn photos with truth (two masks, one's scribbles) and one
    without: every photo gets its mask from the classifier, the annotated
    ones are scored by cross-validation."""
    import csv

    from PIL import Image as PILImage

    from conftest import run_snakemake

    (tmp_path / "photos").mkdir()
    (tmp_path / "truth").mkdir()
    truths = {}
    for seed in (1, 2, 3, 4):
        image, truth = drawn(seed)
        gray = (image * 255).round().astype(np.uint8)
        PILImage.fromarray(np.dstack([gray] * 3)).save(tmp_path / "photos" / f"d{seed}.png")
        truths[seed] = truth
    PILImage.fromarray(truths[1].astype(np.uint8) * 255).save(tmp_path / "truth" / "d1.png")
    PILImage.fromarray(truths[2].astype(np.uint8) * 255).save(tmp_path / "truth" / "d2.png")
    scribbles = np.zeros(truths[3].shape, np.uint8)
    scribbles[truths[3]] = 2
    scribbles[:10] = 1  # a stroke of background along the top
    scribbles[:10][truths[3][:10]] = 2
    PILImage.fromarray(scribbles).save(tmp_path / "truth" / "d3.scribbles.png")
    (tmp_path / "photos.tsv").write_text(
        "image\ttruth\nphotos/d1.png\ttruth/d1.png\nphotos/d2.png\ttruth/d2.png\n"
        "photos/d3.png\ttruth/d3.scribbles.png\nphotos/d4.png\t\n")
    run_snakemake(tmp_path, "--cores", 2, "--config", "samples=photos.tsv", "qc=false",
                  "threshold={method: classifier, classifier_trees: 10, classifier_samples:"
                  " 2000, classifier_sigma_max: 8}")
    with open(tmp_path / "results" / "ratios.csv", newline="") as f:
        rows = {r["image"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == [f"photos/d{k}.png" for k in (1, 2, 3, 4)]
    mask = np.asarray(PILImage.open(tmp_path / rows["photos/d4.png"]["mask"])) > 0
    assert mask[truths[4]].mean() > 0.8 and mask[~truths[4]].mean() < 0.05
    with open(tmp_path / "results" / "evaluation.csv", newline="") as f:
        scored = {r["image"]: r for r in csv.DictReader(f)}
    assert sorted(scored) == ["photos/d1.png", "photos/d2.png", "photos/d3.png"]
    for row in scored.values():
        assert row["cross_validated"] == "True" and float(row["f1"]) > 0.8, row
    # the scribbles: scored on their labelled pixels only
    assert int(scored["photos/d3.png"]["false_positive_pixels"]) <= 10 * truths[3].shape[1]
    log = (tmp_path / "logs" / "fit_segmenter" / "classifier.pickle.log").read_text()
    assert "fitted on 3 of 3 images" in log
