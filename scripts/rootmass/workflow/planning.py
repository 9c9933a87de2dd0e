"""The plan of a run: which batch each image is in, and what each batch's
jobs ask a cluster for.

Every stage runs one job per batch of images. The batches are a function
of the images (their paths and header sizes) and of one number, the most
megapixels of a batch: their boundaries are drawn from the images' paths
(:func:`rootmass.workflow.batches.content_batches`), so adding images re-runs the
batches they fall in and leaves the others as they are. Nothing in
``results/`` is read to make them.

The number is ``batch_megapixels``. A small collection, one that the
machine's CPUs hold in a batch each, is instead split evenly, a batch for
each CPU (:func:`rootmass.workflow.batches.even_batches`): no core waits for
another's last batch, and every job's start is paid once a CPU
(:func:`batch_split`). Where the blurred cache is not kept and the batches
in flight would not fit in the room of ``results/``, the number is halved,
or the even batches doubled (:func:`cache_plan`). The main process
decides it, and whether the cache is kept (:class:`CachePlan`), and hands
both to the jobs a cluster runs in their config (:data:`CONFIG_KEY`): they
parse the workflow again and so find the very same batches, whatever the
disk then holds.

- :func:`image_sizes`: each image's (width, height), from its header.
- :func:`make_batches`, :func:`batch_split` and :func:`cache_plan`.
- :func:`run_sizes`, :func:`plan_run` and :func:`pass_to_jobs`: the
  sizes, cache plan and batches of a run, as a Snakefile needs them.
- :func:`batch_mem_mb`, :func:`batch_runtime` and :func:`oversized`: a
  batch's resources, and its images above ``max_megapixels``.
"""

import hashlib
import json
import math
import os
from dataclasses import dataclass

from rootmass.workflow.batches import batch_id, content_batches, even_batches
from rootmass.workflow.selection import header_size
from rootmass.io import above_max_megapixels
from rootmass.workflow.stages import STAGES

__all__ = [
    "UNREADABLE_SIZE",
    "SECONDS_PER_MEGAPIXEL",
    "image_sizes",
    "megapixels",
    "make_batches",
    "batch_split",
    "CachePlan",
    "CONFIG_KEY",
    "cache_plan",
    "run_sizes",
    "plan_run",
    "pass_to_jobs",
    "plan_digest",
    "write_plan",
    "batch_mem_mb",
    "batch_runtime",
    "save_mask_cost",
    "oversized",
]

#: The size planned for an image whose header cannot be read: the job that
#: reads it reports why.
UNREADABLE_SIZE = (1000, 1000)

#: Each stage's CPU-seconds a megapixel, by ``"<stage>"`` or, for a variant,
#: ``"<stage> (<variant>)"`` (e.g. ``"evaluate (declump roots)"``): as each
#: stage declares them (rootmass.workflow.stages). Runtimes get a tenfold
#: margin for slower cluster nodes (:func:`batch_runtime`).
SECONDS_PER_MEGAPIXEL = {
    f"{name} ({variant})" if variant else name: cost
    for name, stage in STAGES.items()
    for variant, cost in stage.seconds_per_megapixel.items()
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


def make_batches(images, sizes, target, batch_max_images, parts=0):
    """The batches of a run: :func:`rootmass.workflow.batches.content_batches` of the
    images in path order (or, with ``parts``,
    :func:`rootmass.workflow.batches.even_batches`), named by
    :func:`rootmass.workflow.batches.batch_id`.

    Parameters
    ----------
    images : list of str
        Every image, sorted.
    sizes : dict
        :func:`image_sizes`.
    target : float
        The most megapixels of a batch (:func:`batch_split`).
    batch_max_images : int
    parts : int, optional
        A small collection's even batches (:func:`batch_split`); 0: drawn
        from the images' paths.

    Returns
    -------
    dict
        ``{batch id: [image, ...]}`` in the order of their first images.
    """
    ordered = sorted(images)
    mps = [megapixels(sizes[image]) for image in ordered]
    groups = (even_batches(ordered, mps, parts) if parts
              else content_batches(ordered, mps, target, batch_max_images))
    return {batch_id(members): members for members in groups}


def batch_split(batch_megapixels, sizes, cpus, batch_max_images):
    """The most megapixels of a batch, and a small collection's even parts.

    A collection that ``cpus`` batches of ``batch_megapixels`` hold is split
    evenly into a batch for each CPU (more where ``batch_max_images`` asks
    for it, never more than its images); a larger one into batches drawn
    from the images' paths, of at most ``batch_megapixels``, so that adding
    images re-runs only the batches they fall in.

    Returns
    -------
    target : float
        ``batch_megapixels``.
    parts : int
        The even batches; 0 for a large collection.
    """
    megas = [megapixels(size) for size in sizes]
    target = float(batch_megapixels)
    if not megas or sum(megas) > target * cpus:
        return target, 0
    return target, min(len(megas), max(cpus, math.ceil(len(megas) / batch_max_images)))


#: How full a batch of :func:`rootmass.workflow.batches.content_batches` is on
#: average: its least share and half the rest (a quarter of the rest of it
#: on average, and more often the whole).
AVERAGE_FILL = 0.775
#: The cache is kept where the whole collection's outputs with it take at
#: most this share of the room of ``results/``.
COMFORTABLY = 0.5


@dataclass(frozen=True)
class CachePlan:
    """What becomes of the blurred cache, and the batches' target.

    Attributes
    ----------
    keep : bool
        Keep ``results/blurred/``; else each batch's is deleted (``temp()``)
        once the jobs that read it are done.
    target : float
        The most megapixels of a batch (:func:`make_batches`).
    line : str
        Which happened and why, in one line, or "" where nothing is said
        (the settings said it).
    """

    keep: bool
    target: float
    line: str = ""
    parts: int = 0

    def encode(self):
        """The value of config key :data:`CONFIG_KEY` that the run's jobs
        are given: ``'keep,250.0,0'`` or ``'remove,62.5,4'`` (the target,
        and a small collection's even parts)."""
        return f"{'keep' if self.keep else 'remove'},{self.target!r},{self.parts}"

    @classmethod
    def decode(cls, value):
        how, target, parts = str(value).split(",")
        if how not in ("keep", "remove") or not float(target) > 0 or int(parts) < 0:
            raise ValueError(f"not a cache plan: {value!r}")
        return cls(how == "keep", float(target), parts=int(parts))


#: The config key that carries the main process's :class:`CachePlan` to the
#: jobs that parse the workflow again (on a cluster): set by the workflow,
#: never by a user.
CONFIG_KEY = "cache_plan"


def cache_plan(sizes, config, cpus, flight, room=None, leave=None):
    """Decide what becomes of the blurred cache, and the batches' target.

    - ``keep_blurred: true``: kept; the target and parts are
      :func:`batch_split`'s.
    - ``keep_blurred: auto``: kept where the collection's outputs with the
      cache (``leave(target, True)``) take at most :data:`COMFORTABLY` of
      ``room``; else not kept, as with ``false``.
    - Not kept: the target is halved (a small collection's parts doubled)
      until ``flight`` batches' blurred images (the largest) fit beside the
      outputs without the cache (``leave(target, False)``), or a batch holds
      one image.

    Parameters
    ----------
    sizes : dict
        :func:`image_sizes`, every image of the run.
    config : dict
        The validated config.
    cpus : int
        The machine's CPUs (:func:`batch_split`).
    flight : int
        How many batches may hold their blurred images at once.
    room : int, optional
        Bytes that ``results/`` has: its file system's free bytes plus what
        it holds already (``rootmass.workflow.disk.results_room``); needed unless
        ``keep_blurred`` is true.
    leave : callable, optional
        ``leave(batches, keep)``: the bytes the run leaves in ``results/``
        with every output made anew (``rootmass.workflow.disk``).

    Returns
    -------
    CachePlan
    """
    from rootmass.workflow.disk import cache_bytes, format_bytes

    images = sorted(sizes)
    target, parts = batch_split(config["batch_megapixels"], sizes.values(), cpus,
                                config["batch_max_images"])
    setting = config["keep_blurred"]
    if setting is True:
        return CachePlan(True, target, parts=parts)
    batches = make_batches(images, sizes, target, config["batch_max_images"], parts)
    has = f"the {format_bytes(room)} that results/ has (free, and its own files)"
    if setting == "auto":
        needs = leave(batches, True)
        if needs <= COMFORTABLY * room:
            return CachePlan(True, target, (
                f"blurred cache: kept in results/blurred/ (keep_blurred: auto): this run's"
                f" {format_bytes(needs)} with it fits comfortably in {has}"), parts)
        why = (f"keep_blurred: auto: this run's {format_bytes(needs)} with it would take"
               f" more than half of {has}")
    else:
        why = "keep_blurred: false"
    smallest = min(megapixels(size) for size in sizes.values())

    def in_flight(batches):
        caches = sorted((cache_bytes(sizes[i] for i in m) for m in batches.values()),
                        reverse=True)
        return sum(caches[:flight]), caches[0]

    first, first_parts = target, parts
    while True:
        at_once, largest = in_flight(batches)
        if leave(batches, False) + at_once <= room or (
                parts >= len(images) if parts else target / 2 < smallest):
            break
        if parts:
            parts = min(len(images), 2 * parts)
        else:
            target /= 2
        batches = make_batches(images, sizes, target, config["batch_max_images"], parts)
    size = (f"{len(batches)} even batches" if parts
            else f"batches of at most {target:g} megapixels")
    line = (f"blurred cache: each batch's removed once its jobs are done ({why});"
            f" {size}, {min(flight, len(batches))} in flight"
            f" of up to {format_bytes(largest)} each")
    smaller = target < first or parts > first_parts
    if smaller:
        line += (f", smaller than {first_parts} batches" if parts else
                 f", smaller than {first:g}") + f" so that they fit in {has}"
    return CachePlan(False, target, line if setting == "auto" or smaller else "", parts)


def run_sizes(images, demo, config):
    """:func:`image_sizes` of a run's images, the demo's by the config."""
    demo_config = config.get("demo") or {}
    return image_sizes(images, demo, (demo_config.get("width"), demo_config.get("height")))


def plan_run(sizes, config, kinds, scored, out="results", cores=1, passed=None, cpus=None):
    """The cache plan and batches of a run, as a Snakefile needs them.

    Parameters
    ----------
    sizes : dict
        :func:`run_sizes`.
    config : dict
        The validated config.
    kinds : collection of str
        The kinds of output the run makes (``rootmass.workflow.disk.OUTPUT_KINDS``).
    scored : collection of str
        The images with ground truth.
    out : str
        The results folder, whose room decides (``rootmass.workflow.disk``).
    cores : int
        The run's cores: with the machine's CPUs, the batches that may be
        in flight at once (the larger).
    passed : str, optional
        The :class:`CachePlan` the main process decided (config key
        :data:`CONFIG_KEY`, in a job a cluster runs): used as it is.
    cpus : int, optional
        The machine's CPUs; default ``os.cpu_count()``.

    Returns
    -------
    plan : CachePlan
    batches : dict
        ``{batch id: [image, ...]}``.
    """
    from rootmass.workflow import disk

    cpus = cpus or os.cpu_count() or 1
    if passed:
        plan = CachePlan.decode(passed)
    elif not sizes:
        plan = CachePlan(config["keep_blurred"] is not False, float(config["batch_megapixels"]))
    else:
        room = None if config["keep_blurred"] is True else disk.results_room(out)
        plan = cache_plan(
            sizes, config, cpus, max(cores, cpus), room,
            lambda batches, keep: disk.leave_bytes(
                batches, sizes, kinds, scored, keep, config["qc"]),
        )
    return plan, make_batches(list(sizes), sizes, plan.target, config["batch_max_images"],
                              plan.parts)


def plan_digest(batches, made):
    """12 hex digits naming a plan: its batch ids and the collection outputs
    it makes (the name of its record, :func:`write_plan`)."""
    text = "\n".join([*sorted(batches), "", *sorted(made)])
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def write_plan(path, batches, made, log=None):
    """The record of a plan, for a person to read (nothing reads it back):
    its batches' images and the collection outputs it makes; and where
    ``log`` is given, one line there naming it."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"batches": batches, "outputs": sorted(made)}, f, indent=1)
        f.write("\n")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{path}: {len(batches)} batches, {len(made)} collection outputs\n")


def pass_to_jobs(config_settings, plan):
    """Add the plan to the ``--config`` that Snakemake gives the jobs it
    submits (``config_settings``: the workflow's ``config_settings``, whose
    ``config_args`` Snakemake passes on as they are), in place of any."""
    given = [a for a in config_settings.config_args or [] if a.split("=")[0] != CONFIG_KEY]
    config_settings.config_args = [*given, f"{CONFIG_KEY}={plan.encode()}"]


#: What a job holds beside its images, in MB: the interpreter and the
#: libraries, Numba's compiled loops among them (200 MiB measured without
#: them, 306 with them: benchmarks/README.md, histograms).
LIBRARIES_MB = 384


def batch_mem_mb(sizes, copies=5):
    """Memory of a batch's image jobs, in MB: ``copies`` float64 copies of
    its largest image (five; declumping, ten: the distances, their blur,
    h_maxima's own and the labels) beside :data:`LIBRARIES_MB`."""
    return LIBRARIES_MB + math.ceil(copies * 8 * max(map(megapixels, sizes)))


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
    from rootmass.segmentation import segmenter

    if stage != "save_mask":
        return batch_mem_mb(sizes, copies=EVERY_METHOD_COPIES)
    return batch_mem_mb(sizes, copies=max([5, *(segmenter(m).copies for m in methods)]))


def save_mask_cost(methods):
    """The CPU-seconds a megapixel of a ``save_mask`` job whose images use
    ``methods``: the stage's own, or the highest of their segmenters'
    ``seconds_per_megapixel`` (a local threshold's map, a classifier's
    features and forest)."""
    from rootmass.segmentation import segmenter

    own = [segmenter(m).seconds_per_megapixel for m in set(methods)]
    return max([SECONDS_PER_MEGAPIXEL["save_mask"], *(c for c in own if c is not None)])


def batch_runtime(stage, sizes, times=1):
    """Runtime of a batch's job, in minutes (tenfold margin), doing its work
    ``times`` times (evaluate: once per channel).

    Parameters
    ----------
    stage : str or float
        A key of :data:`SECONDS_PER_MEGAPIXEL`, or the cost itself.
    sizes : list of (int, int)
    times : int, optional
    """
    cost = SECONDS_PER_MEGAPIXEL[stage] if isinstance(stage, str) else stage
    work = times * cost * sum(map(megapixels, sizes))
    return max(5, math.ceil(10 * (work + 1) / 60))


def oversized(images, sizes, limit):
    """The images above ``limit`` megapixels, by their headers."""
    return [image for image in images if above_max_megapixels(*sizes[image], limit)]
