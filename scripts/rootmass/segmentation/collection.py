"""Thresholds of the whole collection: a model fitted once, in rule
``fit_segmenter``, on the images that use the method, then applied to each
of them.

``otsu_collection``: Otsu's threshold of the collection's pooled histogram
(ImageJ's "stack histogram", CellProfiler's threshold over all images), one
``t`` for every image that uses it, where each image's own Otsu threshold
would follow its own content (an image with little root gets a threshold
inside its background). The pooled histogram is the sum of the images'
:func:`~rootmass.segmentation.lesson_histogram`: the lesson's 256 bins over
[0, 1], the same for every image, which ``grayscale_blur`` stores, so that
no pixel is read; of an image with a ROI, the ROI's pixels' (the stored one
is of the whole image), for which its pixels are read.
"""

import numpy as np

from rootmass.segmentation.base import Segmenter

__all__ = ["COLLECTION_METHODS", "BIN_CENTERS", "pooled_otsu", "OtsuCollection"]

#: The methods whose threshold is the collection's.
COLLECTION_METHODS = ("otsu_collection",)
#: The centres of the lesson's 256 bins over [0, 1]: ``(i + 0.5) / 256``.
BIN_CENTERS = (np.arange(256) + 0.5) / 256


def pooled_otsu(histograms):
    """Otsu's threshold of several images' pixels together.

    Parameters
    ----------
    histograms : iterable of (256,) array of int
        Each image's :func:`~rootmass.segmentation.lesson_histogram` (its
        ROI's).

    Returns
    -------
    t : float
        ``skimage.filters.threshold_otsu(hist=(counts, BIN_CENTERS))`` of
        the summed counts: Otsu's threshold of all the images' pixels
        together, each taken as its bin's centre (:data:`BIN_CENTERS`), and
        so a bin's centre itself.
    images, pixels : int
        How many images, and pixels, it was computed from.

    Raises
    ------
    ValueError
        If there is no histogram, or the pixels are all in one bin.

    Examples
    --------
    >>> dark, bright = np.zeros(256, int), np.zeros(256, int)
    >>> dark[10], bright[200] = 90, 10
    >>> bool(pooled_otsu([dark, bright])[0] == BIN_CENTERS[10])
    True
    """
    from skimage.filters import threshold_otsu

    counts, images = np.zeros(256, dtype=np.int64), 0
    for histogram in histograms:
        histogram = np.asarray(histogram)
        if histogram.shape != (256,):
            raise ValueError(f"a lesson histogram has 256 bins; got shape {histogram.shape}")
        counts += histogram
        images += 1
    if not images:
        raise ValueError("threshold method 'otsu_collection': no image to pool")
    if np.count_nonzero(counts) < 2:
        raise ValueError(
            "threshold method 'otsu_collection': the collection's images (their ROIs) have"
            " a single gray level")
    return float(threshold_otsu(hist=(counts, BIN_CENTERS))), images, int(counts.sum())


class OtsuCollection(Segmenter):
    """Otsu's threshold of the collection's pooled histogram
    (:func:`pooled_otsu`): the model, ``{"threshold": t, "images": n,
    "pixels": p}``, is a small JSON file, and each image's ``t`` is its
    ``threshold``. Rule ``threshold`` reads nothing of an image; its mask is
    the global threshold's."""

    name = "otsu_collection"
    needs = "nothing"
    panel = False
    scope = "collection"
    collection_needs = "histogram"
    model_suffix = ".json"
    # an image with a ROI: its pixels read, and their histogram
    collection_seconds_per_megapixel = 0.02

    def fit_collection(self, images, settings):
        t, count, pixels = pooled_otsu(image.lesson_histogram() for image in images)
        return {"threshold": t, "images": count, "pixels": pixels}

    def threshold(self, image, settings):
        if image.model is None:
            raise ValueError(
                "threshold method 'otsu_collection': t is the collection's, the model of"
                " rule fit_segmenter, and none was given")
        return float(image.model["threshold"])
