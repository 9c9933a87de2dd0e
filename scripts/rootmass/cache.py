"""The cache of blurred images: one folder per batch, one .npy per image, and
an index that lists the batch's images in order with their files (or, for an
image that failed, the reason)."""

import os

from .io import load_array, load_json, save_array, save_json

__all__ = ["write_blurred", "read_blurred"]

INDEX = "index.json"


def write_blurred(folder, items):
    """Cache blurred images: ``items`` yields ``(image, file name, array)``,
    or ``(image, None, reason)`` for an image that failed.

    The index is written last, so a folder without one is incomplete.
    """
    os.makedirs(folder, exist_ok=True)
    index = []
    for image, name, array in items:
        if name is None:
            index.append([image, None, array])
        else:
            save_array(os.path.join(folder, name), array)
            index.append([image, name])
        del array  # not kept alive while the next image is made
    save_json(os.path.join(folder, INDEX), index)
    return index


def read_blurred(folder):
    """Yield ``(image, blurred array, None)`` of a cached batch, in batch
    order, or ``(image, None, reason)`` for an image that failed."""
    for image, name, *reason in load_json(os.path.join(folder, INDEX)):
        if name is None:
            yield image, None, reason[0]
        else:
            yield image, load_array(os.path.join(folder, name)), None
