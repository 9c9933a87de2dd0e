"""Batches: how the images of a collection are split into the jobs of a stage.

Each stage of the workflow is one Snakemake rule with a ``{batch}`` wildcard:
one job per batch of images, so that a job's start-up (an interpreter,
numpy, SciPy) is paid per batch, not per image. A batch's outputs are one
folder (or one table) per stage, inside which every image has its own file
named by :func:`image_key`, its path without the extension (with ``_up/``
or ``_abs/`` in front for an image outside the working folder).

Pure functions, names and numbers in and out: which batch an image is in
depends on the images and the settings alone (:func:`content_batches`),
never on what earlier runs left in ``results/``.
"""

import hashlib
import os
import posixpath
import re

__all__ = [
    "image_key",
    "batch_id",
    "content_batches",
    "even_batches",
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
    share a key: :func:`rootmass.workflow.selection.check_keys` refuses them.

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
    :func:`rootmass.workflow.selection.check_keys` refuses those.
    """
    extension = os.path.splitext(os.path.normpath(path))[1]
    if extension == ".jpg":
        return image_key(path)
    return image_key(path) + extension.replace("%", "%25").replace("{", "%7B").replace(
        "}", "%7D")


def batch_id(images):
    """A batch's name, from its images: ``b`` and 12 hex digits of a SHA-1.

    The same images in the same order always give the same name: in every
    run, and in every job that parses the workflow again.
    """
    if not images:
        raise ValueError("a batch needs at least one image")
    digest = hashlib.sha1("\0".join(images).encode("utf-8")).hexdigest()
    return f"b{digest[:12]}"


#: A batch ends, at the latest, before the image that would take it over its
#: target; it may end, at the earliest, once it holds this share of it.
MIN_FILL = 0.7
#: How many boundaries the rest of the target draws on average: four, so
#: that a batch reaches its target without one (and ends there, a boundary
#: that depends on where the batch began) about once in 50 (e**-4).
CUTS_IN_REST = 4


def _cut_draw(image):
    """A number in [0, 1) drawn from an image's path alone (SHA-1)."""
    digest = hashlib.sha1(image.encode("utf-8")).digest()
    return int.from_bytes(digest[:7], "big") / 2**56


def content_batches(images, sizes, target_mp, max_images):
    """Split images into contiguous batches whose boundaries follow the
    images themselves (content-defined), not their count.

    Walking the images in order, a batch ends

    - before an image that would take it over ``target_mp`` megapixels, or
      past ``max_images`` images (a larger image is a batch of its own);
    - after an image once the batch holds ``MIN_FILL`` of ``target_mp``, if
      a number drawn from that image's path is below the image's share of
      the rest (its megapixels over ``(1 - MIN_FILL) * target_mp``, times
      :data:`CUTS_IN_REST`).

    The second rule depends on the image and on where its batch started
    only, so adding or removing an image changes the batch it falls in
    (which may split in two) and, at most, the batches up to the next
    boundary that both plans draw: the others keep their images and so
    their :func:`batch_id`. No other run, record or file is consulted.

    Parameters
    ----------
    images : sequence of str
        In the order the batches keep (path order).
    sizes : sequence of float
        Each image's size in megapixels.
    target_mp : float
        The most megapixels in one batch (but for a larger image alone).
    max_images : int
        The most images in one batch.

    Returns
    -------
    batches : list of list of str
        Every image once, in the given order.
    """
    if len(images) != len(sizes):
        raise ValueError(f"{len(images)} images but {len(sizes)} sizes")
    if not target_mp > 0 or max_images < 1:
        raise ValueError("target_mp must be > 0 and max_images >= 1")
    rest = (1 - MIN_FILL) * target_mp / CUTS_IN_REST
    batches, current, fill = [], [], 0.0
    for image, size in zip(images, sizes):
        if current and (fill + size > target_mp or len(current) >= max_images):
            batches.append(current)
            current, fill = [], 0.0
        current.append(image)
        fill += size
        if fill >= MIN_FILL * target_mp and _cut_draw(image) < size / rest:
            batches.append(current)
            current, fill = [], 0.0
    if current:
        batches.append(current)
    return batches


def even_batches(images, sizes, parts):
    """Split images into ``parts`` contiguous batches of about equal
    megapixels: a small collection, one batch for each CPU, so that no core
    waits for another's last batch.

    A batch ends after the image that takes the collection's running total
    to its share, ``k / parts`` of the whole (the nearer side of it), so the
    split depends on the images alone.

    Parameters
    ----------
    images : sequence of str
        In the order the batches keep (path order).
    sizes : sequence of float
        Each image's size in megapixels.
    parts : int
        At least 1; at most one batch an image.

    Returns
    -------
    batches : list of list of str
        Every image once, in the given order; no batch empty.

    Examples
    --------
    >>> even_batches(["a", "b", "c", "d", "e"], [1, 1, 1, 1, 4], 2)
    [['a', 'b', 'c', 'd'], ['e']]
    """
    if len(images) != len(sizes):
        raise ValueError(f"{len(images)} images but {len(sizes)} sizes")
    if parts < 1:
        raise ValueError(f"parts must be at least 1; got {parts!r}")
    parts = min(parts, len(images))
    total = float(sum(sizes))
    batches, current, done = [], [], 0.0
    for index, (image, size) in enumerate(zip(images, sizes)):
        current.append(image)
        done += size
        share = total * (len(batches) + 1) / parts
        left = len(images) - index - 1
        # end here where the share is reached (or nearer than with the next
        # image), keeping an image for each batch still to come
        ahead = parts - len(batches) - 1
        if ahead and left >= ahead and (
                done >= share or (index + 1 < len(sizes)
                                  and abs(done - share) < abs(done + sizes[index + 1] - share))
                or left == ahead):
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    return batches
