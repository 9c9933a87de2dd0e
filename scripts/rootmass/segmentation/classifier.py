"""A pixel classifier trained on the collection's own annotations, as
ilastik's pixel classification: a random forest on multiscale features of
each pixel.

The features are those of :func:`skimage.feature.multiscale_basic_features`
of the blurred image (the chain's cached image, the configured ``grayscale``
and ``sigma``): at each scale ``sigma`` of 1, 2, 4, ... up to
``classifier_sigma_max``, the Gaussian-smoothed intensity, its gradient's
magnitude (Sobel) and the two eigenvalues of its Hessian, 4 features a
scale (20 at the default 16); then the image's red, green and blue smoothed
at each of ``classifier_colour_sigmas``. Scales 1 and 2 are scikit-image's
to the last digit, and so is 4; from 8 up a scale is computed on the image
reduced (block means, 2 times at 8, 4 at 16) and enlarged back bilinearly,
which costs a small image's computation (:func:`pixel_features`). The forest is
:class:`sklearn.ensemble.RandomForestClassifier` (``classifier_trees`` trees
of depth at most ``classifier_depth``, ``class_weight='balanced'``, a fixed
seed), trained on pixels drawn from every annotated image: up to
``classifier_samples`` of each class an image (foreground, background).

The annotations are labels: 0 unlabelled, 1 background, 2 foreground, as
ilastik and :func:`skimage.future.fit_segmenter` take them.
:func:`labels_from_truth` makes them of a truth mask (every pixel labelled)
or takes them as drawn (sparse scribbles, a file named ``*.scribbles.png``), and :func:`labels_from_lines` of
traced roots: foreground within ``trace_foreground`` pixels of a trace (the
root's middle), background beyond ``trace_background`` pixels of every
trace, the band between unlabelled (the root's edge and its hairs, which a
trace does not say).

Features are computed, and the forest applied, tile by tile
(:func:`tiles`): each tile with a margin of the features' reach
(:func:`feature_margin`: 4 times the largest ``sigma`` and 4 pixels of its
reduced image), so that a tile's features are those of the whole image, and
a 150-megapixel scan holds the features of one tile at a time.
"""

import os

import numpy as np

from rootmass.segmentation.base import Segmenter, Setting
from rootmass.segmentation.features import (  # noqa: F401 (the classifier's features)
    REDUCED_SIGMA,
    TILE,
    _check_tile,
    feature_count,
    feature_margin,
    feature_reach,
    feature_sigmas,
    pixel_features,
    scale_factor,
    tiles,
)

__all__ = [
    "CLASSIFIER_VERSION",
    "feature_sigmas",
    "scale_factor",
    "feature_reach",
    "feature_margin",
    "tiles",
    "pixel_features",
    "feature_count",
    "is_scribbles",
    "labels_from_truth",
    "labels_from_lines",
    "sample_labels",
    "train_forest",
    "predict_probability",
    "fold_of",
    "load_classifier",
    "versions",
    "Classifier",
]

#: The model file's layout and features (:meth:`Classifier.fit_collection`):
#: a file of another version is refused (2: scales 8 and 16 reduced).
CLASSIFIER_VERSION = 2

TREES = Setting("classifier_trees", 40, kind="integer",
                schema={"minimum": 1, "description": "The random forest's trees."})
DEPTH = Setting("classifier_depth", 12, kind="integer",
                schema={"minimum": 1, "description": "Each tree's largest depth."})
SIGMA_MAX = Setting("classifier_sigma_max", 16, kind="number", schema={
    "minimum": 1, "description": "The features' largest scale, in pixels: scales 1, 2, 4,"
    " ... up to it."})
SAMPLES = Setting("classifier_samples", 10000, kind="integer", schema={
    "minimum": 10, "description": "The training pixels drawn of each class (foreground,"
    " background) of each annotated image, at most."})
TRACE_FOREGROUND = Setting("trace_foreground", 2, kind="number", schema={
    "minimum": 0, "description": "Traced roots as training labels: foreground within this"
    " many pixels of a trace."})
TRACE_BACKGROUND = Setting("trace_background", 12, kind="number", schema={
    "exclusiveMinimum": 0, "description": "Traced roots as training labels: background"
    " beyond this many pixels of every trace; unlabelled between."})
COLOUR_SIGMAS = Setting("classifier_colour_sigmas", [2, 8], kind="list", schema={
    "items": {"type": "number", "exclusiveMinimum": 0}, "description": "The colour"
    " features' scales, in pixels: the image's red, green and blue smoothed at each; []:"
    " none (a gray image)."})
MODEL = Setting("classifier_model", None, kind="text", schema={
    "minLength": 1, "description": "A model file another run trained"
    " (its results/models/classifier.pickle): applied as it is, nothing trained; null:"
    " train on this collection's images with truth."})
PROBABILITY = Setting("classifier_probability", 0.5, kind="number", schema={
    "exclusiveMinimum": 0, "exclusiveMaximum": 1, "description": "The mask: the pixels"
    " whose foreground probability is above this."})


def is_scribbles(path):
    """Whether a truth file holds scribbles: its name ends in
    ``.scribbles.<extension>`` (e.g. ``a.scribbles.png``); any other image is
    a mask."""
    name = os.path.basename(str(path)).lower()
    return ".scribbles." in name


def labels_from_truth(annotation, scribbles=False):
    """Training labels of a truth annotation.

    Parameters
    ----------
    annotation : (M, N) ndarray
        A truth mask (any non-zero pixel foreground: every pixel labelled),
        or, with ``scribbles``, labels drawn sparsely: 0 unlabelled, 1
        background, 2 foreground, as ilastik exports its labels.
    scribbles : bool, optional
        Whether the annotation is scribbles (:func:`is_scribbles` of its
        file).

    Returns
    -------
    labels : (M, N) ndarray of uint8
        0 unlabelled, 1 background, 2 foreground.

    Raises
    ------
    ValueError
        Scribbles with another value than 0, 1 and 2.
    """
    annotation = np.asarray(annotation)
    if annotation.ndim != 2:
        raise ValueError(f"an annotation is 2-D; got shape {annotation.shape}")
    if scribbles:
        values = set(np.unique(annotation).tolist())
        if not values <= {0, 1, 2}:
            raise ValueError("scribbles hold 0 (unlabelled), 1 (background) and 2"
                             f" (foreground) only; found {sorted(values - {0, 1, 2})[:5]}")
        return annotation.astype(np.uint8)
    return np.where(annotation != 0, 2, 1).astype(np.uint8)


def labels_from_lines(pixels, shape, foreground=2.0, background=12.0):
    """Training labels of traced roots.

    Parameters
    ----------
    pixels : (P, 2) ndarray of int
        The (row, column) pixels the traces pass through
        (:func:`rootmass.traces.prepare_traces`'s ``pixels``).
    shape : tuple of int
    foreground, background : float, optional
        Foreground within ``foreground`` pixels of a trace, background
        beyond ``background`` pixels of every trace, unlabelled between.

    Returns
    -------
    labels : (M, N) ndarray of uint8
    """
    from scipy.ndimage import distance_transform_edt

    if not background > foreground >= 0:
        raise ValueError(f"trace_background must be above trace_foreground >= 0; got"
                         f" {background!r} and {foreground!r}")
    drawn = np.zeros(shape, dtype=bool)
    pixels = np.asarray(pixels, dtype=np.intp).reshape(-1, 2)
    drawn[pixels[:, 0], pixels[:, 1]] = True
    if not drawn.any():
        return np.ones(shape, dtype=np.uint8)
    distance = distance_transform_edt(~drawn)
    labels = np.zeros(shape, dtype=np.uint8)
    labels[distance <= foreground] = 2
    labels[distance > background] = 1
    return labels


def sample_labels(labels, per_class, seed=0, roi=None):
    """Draw training pixels: up to ``per_class`` of each class, at random.

    Returns
    -------
    index : ndarray of int
        Flat indices into the image, increasing.
    classes : ndarray of uint8
        Their labels (1 or 2).
    """
    labels = np.asarray(labels).reshape(-1)
    if roi is not None:
        labels = np.where(np.asarray(roi, dtype=bool).reshape(-1), labels, 0)
    rng = np.random.default_rng(seed)
    chosen = []
    for label in (1, 2):
        found = np.flatnonzero(labels == label)
        if found.size > per_class:
            found = rng.choice(found, per_class, replace=False)
        chosen.append(found)
    index = np.sort(np.concatenate(chosen))
    return index, labels[index].astype(np.uint8)


def features_at(pixels, index, sigma_max=16, colour=None, colour_sigmas=(), tile=TILE):
    """The features (:func:`pixel_features`) of the pixels at flat
    ``index`` (increasing), computed tile by tile.

    Returns
    -------
    features : (len(index), F) ndarray of float32
    """
    pixels = np.asarray(pixels)
    _check_tile(tile, sigma_max, colour_sigmas)
    margin = feature_margin(sigma_max, colour_sigmas)
    rows, cols = np.divmod(np.asarray(index, dtype=np.intp), pixels.shape[1])
    found = np.empty((len(rows), feature_count(sigma_max, colour_sigmas)), dtype=np.float32)
    for outer, inner in tiles(pixels.shape, margin, tile):
        top, left = outer[0].start + inner[0].start, outer[1].start + inner[1].start
        bottom, right = outer[0].start + inner[0].stop, outer[1].start + inner[1].stop
        here = np.flatnonzero((rows >= top) & (rows < bottom) & (cols >= left)
                              & (cols < right))
        if not here.size:
            continue
        features = pixel_features(pixels[outer], sigma_max,
                                  None if colour is None else colour[outer], colour_sigmas,
                                  inner=inner)
        found[here] = features[rows[here] - top, cols[here] - left]
    return found


def train_forest(features, classes, trees=40, depth=12, seed=0):
    """A random forest of the training pixels.

    Returns
    -------
    forest : sklearn.ensemble.RandomForestClassifier
    """
    from sklearn.ensemble import RandomForestClassifier

    classes = np.asarray(classes)
    if not {1, 2} <= set(np.unique(classes).tolist()):
        raise ValueError("the annotations hold no foreground or no background pixel to"
                         " learn from")
    forest = RandomForestClassifier(n_estimators=int(trees), max_depth=int(depth),
                                    class_weight="balanced", n_jobs=1, random_state=seed)
    return forest.fit(features, classes)


def predict_probability(forest, pixels, sigma_max=16, roi=None, colour=None, colour_sigmas=(),
                        tile=TILE):
    """Each pixel's foreground probability, tile by tile (0 outside the
    ROI), from the features of :func:`pixel_features`.

    Returns
    -------
    probability : (M, N) ndarray of float32
    """
    pixels = np.asarray(pixels)
    _check_tile(tile, sigma_max, colour_sigmas)
    margin = feature_margin(sigma_max, colour_sigmas)
    probability = np.zeros(pixels.shape, dtype=np.float32)
    column = list(forest.classes_).index(2)
    for outer, inner in tiles(pixels.shape, margin, tile):
        features = pixel_features(pixels[outer], sigma_max,
                                  None if colour is None else colour[outer],
                                  colour_sigmas, inner=inner)
        shape = features.shape[:2]
        found = forest.predict_proba(features.reshape(-1, features.shape[-1]))[:, column]
        target = (slice(outer[0].start + inner[0].start, outer[0].start + inner[0].stop),
                  slice(outer[1].start + inner[1].start, outer[1].start + inner[1].stop))
        probability[target] = found.reshape(shape)
    if roi is not None:
        probability[~np.asarray(roi, dtype=bool)] = 0
    return probability


def fold_of(count, folds=5):
    """Cross-validation's folds of ``count`` images in their order: at most
    ``folds`` runs of neighbouring images (photos taken one after the other
    look alike: a fold of neighbours keeps them on one side)."""
    folds = max(1, min(int(folds), count))
    return [i * folds // count for i in range(count)]


def versions():
    """The versions a model was made with."""
    import importlib.metadata as metadata

    return {name: metadata.version(name)
            for name in ("scikit-learn", "scikit-image", "numpy", "scipy")}


def load_classifier(path):
    """A model that rule ``fit_segmenter`` wrote (``classifier.pickle``), as
    a later run applies it (``threshold.classifier_model``): the file is a
    pickle, read as it is (only a file from a trusted run: a pickle can run
    code).

    Raises
    ------
    ValueError
        In one line naming the file: it cannot be read, or is not a
        classifier's model of this version.
    """
    import pickle

    try:
        with open(path, "rb") as f:
            model = pickle.load(f)
    except Exception as error:  # noqa: BLE001 (any reason is the file's)
        raise ValueError(f"threshold.classifier_model: cannot read {path!r}: {error}") from None
    if not isinstance(model, dict) or model.get("version") != CLASSIFIER_VERSION:
        raise ValueError(f"threshold.classifier_model: {path!r} is not a classifier's model"
                         f" of version {CLASSIFIER_VERSION} (results/models/classifier.pickle"
                         " of a run)")
    return {**model, "given": path, "folds": {}, "fold_forests": []}


class Classifier(Segmenter):
    """``threshold: {method: classifier}``: a random forest on multiscale
    pixel features, trained on the images that use it and have truth (rule
    ``fit_segmenter``), applied tile by tile in rule ``save_mask``.

    The model (``results/models/classifier.pickle``) is a dict: ``forest``
    (trained on every annotated image), ``folds`` (``{image: fold}``) and
    ``fold_forests`` (one a fold, trained on the other folds' images: the
    evaluation scores each annotated image with the forest that did not see
    it), ``settings``, ``images`` (with their labelled pixels), ``versions``
    and ``version``. With ``classifier_model`` set, that file is the model:
    nothing is trained.
    """

    name = "classifier"
    needs = "nothing"
    panel = False
    threshold_map = True
    scope = "collection"
    collection_needs = "pixels"
    collection_truth = True
    model_suffix = ".pickle"
    model_in_threshold = False
    uses_foreground = False  # (the mask: a probability above the cut)
    settings = ("classifier_probability",)
    own_settings = (TREES, DEPTH, SIGMA_MAX, COLOUR_SIGMAS, SAMPLES, TRACE_FOREGROUND,
                    TRACE_BACKGROUND, MODEL, PROBABILITY)
    collection_settings = ("classifier_trees", "classifier_depth", "classifier_sigma_max",
                           "classifier_colour_sigmas", "classifier_samples",
                           "trace_foreground", "trace_background", "classifier_model")
    # features and the forest: 1.34 CPU-s a megapixel measured on the barley
    # photos (benchmarks/real_photos.py), and a margin for the job's start
    seconds_per_megapixel = 3.0
    copies = 8
    collection_seconds_per_megapixel = 1.5

    def check(self, settings):
        for name in ("classifier_trees", "classifier_depth", "classifier_samples"):
            value = settings.get(name, 1)
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(f"threshold.{name} must be an integer >= 1; got {value!r}")
        if not settings.get("classifier_sigma_max", 1) >= 1:
            raise ValueError("threshold.classifier_sigma_max must be a number >= 1; got"
                             f" {settings['classifier_sigma_max']!r}")
        p = settings.get("classifier_probability", 0.5)
        if not 0 < p < 1:
            raise ValueError(f"threshold.classifier_probability must be between 0 and 1;"
                             f" got {p!r}")
        labels_from_lines(np.zeros((0, 2)), (1, 1), settings.get("trace_foreground", 2),
                          settings.get("trace_background", 12))
        return settings

    def given_model(self, settings):
        return settings.get("classifier_model") or None

    def fit_collection(self, images, settings, folds=5):
        given = self.given_model(settings)
        if given:
            return load_classifier(given)
        sigma_max = float(settings["classifier_sigma_max"])
        colour_sigmas = tuple(settings.get("classifier_colour_sigmas") or ())
        gathered, names = [], []
        for number, image in enumerate(images):
            labels = image.truth
            index, classes = sample_labels(labels, int(settings["classifier_samples"]),
                                           seed=number, roi=image.roi)
            colour = image.colour if colour_sigmas else None
            gathered.append((features_at(image.pixels, index, sigma_max, colour,
                                         colour_sigmas), classes))
            names.append(getattr(image, "name", None) or f"image {number + 1}")
        if not gathered:
            raise ValueError("threshold method 'classifier': no annotated image to train on")

        def forest(chosen):
            features = np.concatenate([gathered[i][0] for i in chosen])
            classes = np.concatenate([gathered[i][1] for i in chosen])
            return train_forest(features, classes, settings["classifier_trees"],
                                settings["classifier_depth"])

        fold = fold_of(len(gathered), folds)
        count = max(fold) + 1
        fold_forests = [forest([i for i, f in enumerate(fold) if f != k]) if count > 1
                        else None for k in range(count)]
        return {
            "version": CLASSIFIER_VERSION,
            "forest": forest(range(len(gathered))),
            "folds": dict(zip(names, fold)),
            "fold_forests": fold_forests,
            "settings": dict(settings),
            "images": {name: {"background": int((c == 1).sum()), "foreground": int((c == 2).sum())}
                       for name, (_, c) in zip(names, gathered)},
            "versions": versions(),
        }

    def threshold(self, image, settings):
        return None  # (the mask is the model's, in save_mask)

    def record(self, t, settings):
        return {"threshold": None}

    def probability(self, image, forest=None):
        """The foreground probability of each pixel of an image, by the
        model's forest (or ``forest``)."""
        model = image.model
        if model is None:
            raise ValueError("threshold method 'classifier': its model, rule"
                             " fit_segmenter's, was not given")
        if model.get("version") != CLASSIFIER_VERSION:  # (an earlier run's file)
            raise ValueError(f"threshold method 'classifier': its model is of version"
                             f" {model.get('version')!r}, the features' is"
                             f" {CLASSIFIER_VERSION}: train it again (snakemake"
                             " --forcerun fit_segmenter)")
        colour_sigmas = tuple(model["settings"].get("classifier_colour_sigmas") or ())
        return predict_probability(forest or model["forest"], image.pixels,
                                   model["settings"]["classifier_sigma_max"], roi=image.roi,
                                   colour=image.colour if colour_sigmas else None,
                                   colour_sigmas=colour_sigmas)

    def mask(self, image, t, settings, forest=None):
        return self.probability(image, forest) > settings["classifier_probability"]

    def summary(self, t, settings, roi=None):
        return None

    def predict(self, image, record, settings):
        return self.mask(image, None, settings), None
