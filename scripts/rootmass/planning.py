"""The plan of a run: which batch each image is in, and what each batch's
jobs ask a cluster for.

Every stage runs one job per batch of images. Batches that an earlier run
recorded (in its measurement tables, or in the indexes of its previews or
blurred images) are kept as they are while all their images are still
selected, so that adding images runs only the new ones; the other images
are split anew (:func:`rootmass.batches.split_batches`). The main run
records the plan when it starts (:func:`record_plan`): the jobs it submits
to a cluster parse the workflow again and must find the very same batches
(:func:`read_plan`), although the results have grown meanwhile.

- :func:`image_sizes`: each image's (width, height), from its header.
- :func:`make_batches`, :func:`record_plan` and :func:`read_plan`.
- :func:`plan_run`: the sizes and batches of a run, as a Snakefile needs.
- :func:`batch_mem_mb`, :func:`batch_runtime` and :func:`oversized`: a
  batch's resources, and its images above ``max_megapixels``.
"""

import json
import math
import os

from .batches import batch_id, kept_batches, read_registry, split_batches
from .experiment import header_size
from .io import above_max_megapixels, atomic_path

__all__ = [
    "UNREADABLE_SIZE",
    "SECONDS_PER_MEGAPIXEL",
    "image_sizes",
    "megapixels",
    "make_batches",
    "record_plan",
    "read_plan",
    "plan_run",
    "batch_mem_mb",
    "batch_runtime",
    "oversized",
]

#: The size planned for an image whose header cannot be read: the job that
#: reads it reports why.
UNREADABLE_SIZE = (1000, 1000)

# From the benchmark on a 2-core machine: a job holds one image at a time
# (at most about 5 float64 copies of it, plus about 250 MB of interpreter
# and libraries); it spends per megapixel about 0.06 CPU-s blurring, 0.02
# thresholding, 0.01 saving masks, 0.02 on the objects and 0.02 on the QC
# figures, plus about 1 s starting. Runtimes get a tenfold margin for slower cluster nodes.
SECONDS_PER_MEGAPIXEL = {
    "grayscale_blur": 0.06,
    "threshold": 0.02,
    "save_mask": 0.01,
    # a local threshold's map: 0.09 to 0.14 CPU-s a megapixel (thresholds.py)
    "save_mask (local)": 0.2,
    "qc_images": 0.02,
    "objects": 0.02,
    # every method, the local ones 0.33 CPU-s a megapixel of it; times the
    # channels of evaluate_grayscale
    "evaluate": 0.6,
    # measured on lesson photos: declumping 1.4 CPU-s a megapixel, the
    # shape measures 0.2; evaluate declumps every method's mask
    "objects (declump)": 1.5,
    "objects (shape measures)": 0.25,
    "evaluate (declump)": 20.0,
    # the root traits: 0.015 to 0.035 CPU-s a megapixel on lesson photos,
    # 0.03 on a 150-megapixel scan, and 1 s a job to start (benchmarks/roots.py)
    "roots": 0.15,
    # evaluate measures the root length of every method's mask (thirteen)
    "evaluate (roots)": 2.6,
    "evaluate (declump) (roots)": 25.0,
}


def image_sizes(images, demo=(), demo_size=None):
    """Each image's ``(width, height)``.

    Parameters
    ----------
    images : list of str
    demo : set of str
        The demo's images, which may not exist yet.
    demo_size : tuple of int, optional
        Their ``(width, height)``, from the config.

    Returns
    -------
    dict
        ``{image: (width, height)}`` from the header, else
        :data:`UNREADABLE_SIZE`.
    """
    return {
        image: demo_size if image in demo else header_size(image) or UNREADABLE_SIZE
        for image in images
    }


def megapixels(size):
    """Megapixels of a ``(width, height)``."""
    width, height = size
    return width * height / 1e6


def make_batches(images, sizes, batch_megapixels, batch_max_images, cores, out="results"):
    """The batches of a run.

    Parameters
    ----------
    images : list of str
        Every image, sorted.
    sizes : dict
        :func:`image_sizes`.
    batch_megapixels, batch_max_images : int
        The config's targets of a batch.
    cores : int
        The run's cores: enough batches that every core has one.
    out : str
        The results folder, whose records keep earlier batches.

    Returns
    -------
    dict
        ``{batch id: [image, ...]}`` in the order of their first images.
    """
    recorded = read_registry(f"{out}/measurements/b*.json")
    recorded += read_registry(f"{out}/previews/b*/index.json")  # kept with keep_blurred: false
    recorded += read_registry(f"{out}/blurred/b*/index.json")
    batches = kept_batches(recorded, images)
    claimed = {image for members in batches.values() for image in members}
    fresh = [image for image in images if image not in claimed]
    for members in split_batches(
        fresh,
        [megapixels(sizes[image]) for image in fresh],
        batch_megapixels,
        batch_max_images,
        max(1, cores),
    ):
        batches[batch_id(members)] = members
    return dict(sorted(batches.items(), key=lambda item: item[1][0]))


def record_plan(path, batches):
    """Write the batches where the jobs of this run will read them."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    plan = [{"id": name, "images": images} for name, images in batches.items()]
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        json.dump(plan, f)


def read_plan(path):
    """The batches that :func:`record_plan` wrote."""
    with open(path, encoding="utf-8") as f:
        return {b["id"]: b["images"] for b in json.load(f)}


def plan_run(images, demo, config, cores, main=True, plan="", out="results"):
    """The sizes and batches of a run.

    Parameters
    ----------
    images : list of str
    demo : set of str
        The demo's images (their size is the config's).
    config : dict
        The validated config.
    cores : int
    main : bool
        Whether this is the run's main process, which makes the batches;
        else (a job a cluster runs) the main process's :func:`record_plan`
        at ``plan`` gives them, where it exists.
    plan : str
        The path of the recorded plan.
    out : str

    Returns
    -------
    sizes : dict
        :func:`image_sizes`.
    batches : dict
        ``{batch id: [image, ...]}``.
    """
    demo_config = config.get("demo") or {}
    sizes = image_sizes(images, demo, (demo_config.get("width"), demo_config.get("height")))
    if not main and plan and os.path.exists(plan):
        return sizes, read_plan(plan)
    batches = make_batches(
        images, sizes, config["batch_megapixels"], config["batch_max_images"], cores, out
    )
    return sizes, batches


def batch_mem_mb(sizes, copies=5):
    """Memory of a batch's image jobs, in MB: ``copies`` float64 copies of
    its largest image (five; declumping, ten: the distances, their blur,
    h_maxima's own and the labels) beside the interpreter."""
    return 256 + math.ceil(copies * 8 * max(map(megapixels, sizes)))


#: The float64 copies of an image that a local threshold's job holds: the
#: blurred image, the mask and scikit-image's threshold_sauvola (8.4 copies
#: of a 6-megapixel photo at its peak, benchmarks/thresholds.py), with room.
LOCAL_COPIES = 11
#: The same for the jobs that try every method on an image (evaluate, with
#: its truth and a channel besides; the method panel).
EVERY_METHOD_COPIES = 13


def methods_mem_mb(stage, sizes, methods):
    """Memory of a batch's job that thresholds, in MB: for ``save_mask``
    five float64 copies of its largest image, or :data:`LOCAL_COPIES` where
    one of ``methods`` (its images' own) is a local threshold; for
    ``evaluate`` and ``method_panel``, which try them all,
    :data:`EVERY_METHOD_COPIES`."""
    from .segmentation import segmenter

    if stage != "save_mask":
        return batch_mem_mb(sizes, copies=EVERY_METHOD_COPIES)
    return batch_mem_mb(sizes, copies=max([5, *(segmenter(m).copies for m in methods)]))


def batch_runtime(stage, sizes, times=1):
    """Runtime of a batch's job of ``stage``, in minutes (tenfold margin),
    doing its work ``times`` times (evaluate: once per channel)."""
    work = times * SECONDS_PER_MEGAPIXEL[stage] * sum(map(megapixels, sizes))
    return max(5, math.ceil(10 * (work + 1) / 60))


def oversized(images, sizes, limit):
    """The images above ``limit`` megapixels, by their headers."""
    return [image for image in images if above_max_megapixels(*sizes[image], limit)]
