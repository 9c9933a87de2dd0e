"""A batch's folders: one file per image, named by the image's key (its path
without the extension, see :func:`rootmass.workflow.batches.image_key`) and the
file's own suffix, and an
``index.json`` that lists the batch's images in order, one row each:
``{"image": path, "key": key}``, with ``"error": reason`` for an image that
failed, plus whatever the stage records per image. The index is written
last, so a folder without one is incomplete.

The blurred images' index also records each image's histograms
(:func:`histogram_row`), so that rule ``threshold`` need not read the
pixels of a method that needs only the histogram.
"""

import functools
import os

import numpy as np

from rootmass.io import load_array, load_json, save_array, save_json

__all__ = ["INDEX", "DETAIL_SUFFIX", "REGIONS_MASK", "regions_mask", "image_file", "write_index", "read_index", "write_blurred",
           "read_blurred", "histogram_row", "stored_histogram"]

INDEX = "index.json"
#: A preview folder's detail of an image at full size: ``<key>%detail.jpg``
#: (a key has ``%`` only before 25, 7B or 7D, so it names no other file).
DETAIL_SUFFIX = "%detail.jpg"
#: A mask folder's mask of an image's regions by their own thresholds
#: (``regions.threshold``: all or each), beside its mask.
REGIONS_MASK = "%regions.png"


def regions_mask(mask):
    """The path of the regions' mask beside the image's mask ``mask``."""
    return mask.removesuffix(".png") + REGIONS_MASK


def image_file(folder, key, suffix):
    """The path of an image's file in a batch folder."""
    return os.path.join(folder, key + suffix)


def write_index(folder, rows):
    """Write a batch folder's index (last, after the images' files)."""
    save_json(os.path.join(folder, INDEX), rows)


def read_index(folder):
    """The rows of a batch folder's index, in batch order."""
    return load_json(os.path.join(folder, INDEX))


def write_blurred(folder, image, key, array):
    """Cache one blurred image as ``<key>.npy`` in ``folder``."""
    save_array(image_file(folder, key, ".npy"), array)


def read_blurred(folder, lazy=False):
    """Yield ``(row, blurred)`` for every image of a cached batch, in batch
    order; ``blurred`` is a read-only memory map, or None for an image that
    failed (its row says why). ``lazy``: instead of the map, a function
    that opens it (the file is not opened until it is called)."""
    for row in read_index(folder):
        if row.get("error") is not None:
            yield row, None
            continue
        path = image_file(folder, row["key"], ".npy")
        yield row, functools.partial(load_array, path) if lazy else load_array(path)


def histogram_row(hist, shown):
    """An image's histograms as its row of the blurred images' index records
    them (JSON keeps every float64 to the last bit).

    Parameters
    ----------
    hist : tuple of ndarray
        ``(counts, bin_centers)``,
        :func:`rootmass.segmentation.image_histogram` of the image.
    shown : ndarray of int
        The 256 counts of the QC figure's histogram
        (:func:`rootmass.qc.previews.histogram`).

    Returns
    -------
    dict
        ``{"histogram": {"counts": [...], "centers": [...]},
        "figure_histogram": [...]}``.
    """
    counts, centers = hist
    return {"histogram": {"counts": np.asarray(counts).tolist(),
                          "centers": np.asarray(centers).tolist()},
            "figure_histogram": np.asarray(shown).tolist()}


def stored_histogram(row):
    """``(hist, shown)`` from an index row of :func:`histogram_row`, the
    arrays as they were computed (int64 counts, float64 centres); ``(None,
    None)`` for a row without (a cache written before they were stored)."""
    stored = row.get("histogram")
    if stored is None:
        return None, None
    hist = (np.asarray(stored["counts"], dtype=np.int64),
            np.asarray(stored["centers"], dtype=np.float64))
    return hist, row["figure_histogram"]
