"""Batches: how the images of a collection are split into the jobs of a stage.

Each stage of the workflow is one Snakemake rule with a ``{batch}`` wildcard:
one job per batch of images, so that a job's start-up (an interpreter,
numpy, SciPy) is paid per batch, not per image. A batch's outputs are one
folder (or one table) per stage, inside which every image has its own file
named by :func:`image_key`, its path without the extension (with ``_up/``
or ``_abs/`` in front for an image outside the working folder).

Pure functions, names and numbers in and out; the only I/O is
:func:`read_registry`, which lists the batches an earlier run recorded.
"""

import glob
import hashlib
import json
import math
import os
import posixpath
import re

__all__ = [
    "image_key",
    "batch_id",
    "split_batches",
    "kept_batches",
    "read_registry",
    "figure_key",
]


#: The first part of the key of an image outside the working folder: one
#: ``_up`` for each leading ``..`` of its path, or ``_abs`` before an
#: absolute path (without its leading ``/``).
UP, ABSOLUTE = "_up", "_abs"
#: A part of a path that could be read as one of those (``_up``, ``__up``,
#: ``_abs``, ...): written with one more ``_``.
_MARKER_LIKE = re.compile(r"_+(up|abs)")


def image_key(path):
    """The name of an image's outputs: its path without the extension.

    Every per-image file of a batch (mask, preview, cached blurred image,
    labels, skeleton, thumbnail) is named by it and the file's own suffix,
    so the mask of ``photos/a.jpg`` is ``photos/a.png``. The path is
    normalised (``./`` and ``a/..`` parts dropped) and

    - an image outside the working folder is named under a folder of its
      own: one ``_up/`` for each leading ``..`` (``../x/a.jpg`` is
      ``_up/x/a``), or ``_abs/`` before an absolute path without its ``/``
      (``/data/x/a.jpg`` is ``_abs/data/x/a``);
    - a part of the path that reads as one of those (``_up``, ``__up``,
      ``_abs``, ...) gains a ``_`` (``_up/a.jpg`` is ``__up/a``), so that
      it cannot be taken for one;
    - ``%``, ``{``, ``}`` are written ``%25``, ``%7B``, ``%7D`` (Snakemake
      reads braces in a path as a wildcard).

    Two images of one name but for the extension (``a.jpg``, ``a.png``)
    share a key: :func:`rootmass.experiment.check_keys` refuses them.

    Parameters
    ----------
    path : str

    Returns
    -------
    key : str
        A relative POSIX path, e.g. ``'data/trial-016'`` for
        ``'data/trial-016.jpg'`` or ``'./data/trial-016.jpg'``.

    Raises
    ------
    ValueError
        Where the path names no file (``'/'``, ``'.'``, ``'a/..'``).
    """
    norm = os.path.normpath(path)
    parts = [p for p in norm.split(os.sep) if p not in ("", ".")]
    if not parts or parts[-1] == "..":
        raise ValueError(f"{path!r} has no file name")
    parts[-1] = os.path.splitext(parts[-1])[0]
    parts = [p.replace("%", "%25").replace("{", "%7B").replace("}", "%7D") for p in parts]
    parts = ["_" + p if _MARKER_LIKE.fullmatch(p) else p for p in parts]
    if os.path.isabs(norm):
        parts.insert(0, ABSOLUTE)
    return posixpath.join(*(UP if p == ".." else p for p in parts))


def figure_key(path):
    """The name of an image's QC figure, without its ``.jpg``: the image's
    :func:`image_key` with the image's extension, but for ``.jpg``, so that
    the figure (a JPEG) of ``photos/a.jpg`` is ``photos/a.jpg`` and that of
    ``photos/a.png`` is ``photos/a.png.jpg``: the report's search, which
    matches the figure's path, finds it by the image's whole path.

    Two images share a figure only where one's path is the other's with
    ``.jpg`` added (``a.png`` and ``a.png.jpg``);
    :func:`rootmass.experiment.check_keys` refuses those.
    """
    extension = os.path.splitext(os.path.normpath(path))[1]
    if extension == ".jpg":
        return image_key(path)
    return image_key(path) + extension.replace("%", "%25").replace("{", "%7B").replace(
        "}", "%7D")


def batch_id(images):
    """A batch's name, from its images: ``b`` and 12 hex digits of a SHA-1.

    The same images in the same order always give the same name, so a batch
    recorded by one run is recognised by the next.
    """
    if not images:
        raise ValueError("a batch needs at least one image")
    digest = hashlib.sha1("\0".join(images).encode("utf-8")).hexdigest()
    return f"b{digest[:12]}"


def split_batches(images, sizes, target_mp, max_images, cores=1):
    """Split images into contiguous batches of nearly equal megapixels.

    Parameters
    ----------
    images : sequence of str
        In the order the batches keep (path order).
    sizes : sequence of float
        Each image's size in megapixels.
    target_mp : float
        About how many megapixels one batch holds at most.
    max_images : int
        The most images in one batch.
    cores : int, optional
        There are at least this many batches (while there are images) and a
        multiple of it, so that the cores finish together.

    Returns
    -------
    batches : list of list of str
        Every image once, in the given order.
    """
    if len(images) != len(sizes):
        raise ValueError(f"{len(images)} images but {len(sizes)} sizes")
    if not target_mp > 0 or max_images < 1 or cores < 1:
        raise ValueError("target_mp must be > 0, max_images and cores >= 1")
    if not images:
        return []
    total = float(sum(sizes))
    count = max(math.ceil(total / target_mp), math.ceil(len(images) / max_images))
    count = min(len(images), math.ceil(count / cores) * cores)
    groups, done = {}, 0.0
    for image, size in zip(images, sizes):
        # the batch of the image's middle pixel, in megapixels from the start
        index = min(count - 1, int((done + size / 2) / total * count)) if total else 0
        groups.setdefault(index, []).append(image)
        done += size
    return [
        group[start : start + max_images]
        for group in groups.values()
        for start in range(0, len(group), max_images)
    ]


def kept_batches(recorded, wanted):
    """The recorded batches to keep as they are.

    A batch is kept while every one of its images is still wanted and no
    batch kept before it claimed one of them, so that adding images never
    regroups (and so re-runs) the images already processed.

    Parameters
    ----------
    recorded : iterable of (str, list of str)
        ``(batch id, images)``, most recent first.
    wanted : collection of str
        The images of this run.

    Returns
    -------
    kept : dict
        ``{batch id: images}``.
    """
    wanted, claimed, kept = set(wanted), set(), {}
    for name, images in recorded:
        if (
            images
            and name == batch_id(images)
            and name not in kept
            and all(image in wanted and image not in claimed for image in images)
        ):
            claimed.update(images)
            kept[name] = list(images)
    return kept


def read_registry(pattern):
    """The batches recorded in files matching ``pattern``, newest first.

    Each file is a batch's JSON table named ``<batch id>.json``: a list of
    objects with an ``"image"`` key (the measurement tables of ``save_mask``
    and the indexes of ``grayscale_blur``). Unreadable files are passed over.

    Returns
    -------
    recorded : list of (str, list of str)
    """
    recorded = []
    for path in sorted(glob.glob(pattern), key=os.path.getmtime, reverse=True):
        name = os.path.splitext(os.path.basename(path))[0]
        if name == "index":  # <batch id>/index.json
            name = os.path.basename(os.path.dirname(path))
        try:
            with open(path, encoding="utf-8") as f:
                images = [row["image"] for row in json.load(f)]
        except (OSError, ValueError, TypeError, KeyError):
            continue
        recorded.append((name, images))
    return recorded
