"""A batch's folders: one file per image, named by the image's key (its path
without the extension, see :func:`rootmass.batches.image_key`) and the
file's own suffix, and an
``index.json`` that lists the batch's images in order, one row each:
``{"image": path, "key": key}``, with ``"error": reason`` for an image that
failed, plus whatever the stage records per image. The index is written
last, so a folder without one is incomplete.
"""

import os

from .io import load_array, load_json, save_array, save_json

__all__ = ["INDEX", "DETAIL_SUFFIX", "image_file", "write_index", "read_index", "write_blurred", "read_blurred"]

INDEX = "index.json"
#: A preview folder's detail of an image at full size: ``<key>%detail.jpg``
#: (a key has ``%`` only before 25, 7B or 7D, so it names no other file).
DETAIL_SUFFIX = "%detail.jpg"


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


def read_blurred(folder):
    """Yield ``(row, blurred)`` for every image of a cached batch, in batch
    order; ``blurred`` is a read-only memory map, or None for an image that
    failed (its row says why)."""
    for row in read_index(folder):
        if row.get("error") is None:
            yield row, load_array(image_file(folder, row["key"], ".npy"))
        else:
            yield row, None
