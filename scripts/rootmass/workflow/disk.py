"""Disk: what a run will write to ``results/``, and whether it fits.

The blurred cache takes 8 bytes a pixel (float64): 48 MB for each
6-megapixel photo, 480 GB for 10,000 of them. A run that cannot hold it
should stop before its first job, saying so, rather than fail when the disk
fills. These pure functions estimate, from the images' sizes in their
headers and what is already on disk,

- what a run *leaves* in ``results/``: the blurred cache it keeps
  (``keep_blurred: true``), the masks, the previews, the QC figures and
  thumbnails and the tables, and
- the most it needs *at once*: that, plus, with ``keep_blurred: false``, the
  blurred images of the batches in flight (Snakemake deletes a batch's
  ``temp()`` cache as soon as the jobs that read it are done);

and :func:`disk_message` says, in one line, when that is more than the free
space and what to change.

Only what the run will (re)make counts: a batch whose outputs are all on
disk costs nothing new, so a re-run with nothing to do is never refused, and
a change of only the threshold settings (which rewrites masks in place, at
the same size) needs no new space for the cache it reuses.

Sizes are bytes of disk (whole 4 KiB blocks), measured on the lesson's
photos (2000 x 3008 JPEGs, and 303 x 306 to 3068 x 2457) and on demo images
of 900 x 600 and 3008 x 2000: see the constants below, each an upper bound
of what was measured, rounded up.
"""

import math
import os
import shutil
from dataclasses import dataclass

from rootmass.workflow.stages import STAGES, output_kinds

__all__ = [
    "OUTPUT_KINDS",
    "DiskNeeds",
    "cache_bytes",
    "disk_needs",
    "disk_message",
    "format_bytes",
    "suggested_batch_megapixels",
    "missing_outputs",
    "free_bytes",
    "held_bytes",
    "results_room",
    "leave_bytes",
    "check_results_disk",
]

BLOCK = 4096

# The blurred cache: float64, 8 bytes a pixel, one .npy file an image (a
# 128-byte header, the last block partly used) and the batch's index.json.
BLURRED_BYTES_PER_PIXEL = 8
BLURRED_FILE_BYTES = BLOCK
# The mask: a 1-bit PNG. Measured 0.008-0.019 bytes a pixel on 6-megapixel
# photos (44-113 kB), 0.015-0.035 on 900 x 600 demo images (8-19 kB), of
# which a block rounds up the small ones.
MASK_BYTES_PER_PIXEL = 0.035
MASK_FILE_BYTES = BLOCK
# A QC figure (JPEG, 1114 x 394 for a 2000 x 3008 photo): 44-70 kB measured.
QC_FIGURE_BYTES = 72_000
# An image's thumbnail in its batch's .npz (11-13 kB measured) and its share
# of a contact sheet page (48 a page; 6-7 kB measured).
THUMBNAIL_BYTES = 16_000
CONTACT_SHEET_BYTES = 8_000
# An image's rows in the tables: its threshold and measurement (per batch),
# its scores against truth (3.2 kB with every method), ratios.csv and the
# HTML table of it.
TABLE_BYTES = 4_000
# A batch's own small files (index.json twice, the threshold and measurement
# tables, each at least a block).
BATCH_BYTES = 8 * BLOCK
# The collection's figures and tables (the plots, the method panel: 0.4 MB
# measured), and the QC figures of the flagged images (at most 200, copies).
COLLECTION_BYTES = 1_000_000
FLAGGED_SHOWN = 200

OUTPUT_KINDS = tuple(output_kinds())
"""What a batch may lack on disk: each stage's outputs by kind
(:func:`rootmass.workflow.stages.output_kinds`): its blurred cache, its
previews, its thresholds, its masks (and measurements), its objects, its
roots, its QC figures (and thumbnails), its scores."""
#: The bytes an image takes of each kind that the stages declare
#: (:attr:`rootmass.workflow.stages.Stage.disk_bytes`: the previews, the
#: objects, the roots); the blurred cache, the masks and the QC figures are
#: counted here.
KIND_BYTES = {kind: size for stage in STAGES.values() for kind, size in stage.disk_bytes.items()}


def cache_bytes(sizes):
    """The blurred cache of images.

    Parameters
    ----------
    sizes : iterable of (int, int)
        Each image's (width, height).

    Returns
    -------
    bytes : int
    """
    return sum(
        BLURRED_BYTES_PER_PIXEL * width * height + BLURRED_FILE_BYTES
        for width, height in sizes
    )


def _mask_bytes(sizes):
    return sum(
        math.ceil(MASK_BYTES_PER_PIXEL * w * h) + MASK_FILE_BYTES + TABLE_BYTES
        for w, h in sizes
    )


@dataclass(frozen=True)
class DiskNeeds:
    """What a run needs in ``results/``, in bytes.

    Attributes
    ----------
    leave : int
        What the run leaves (new files; outputs it rewrites in place count
        nothing).
    cache : int
        Of that, the blurred cache (0 with ``keep_blurred: false``).
    at_once : int
        The most the run takes at once: ``leave`` plus ``in_flight``.
    in_flight : int
        With ``keep_blurred: false``, the blurred images of the batches in
        flight (the largest ``cores`` of those the run makes); else 0.
    batches_in_flight : int
        How many batches ``in_flight`` counts.
    largest_batch : int
        The largest blurred cache of one batch that the run makes.
    batches : int
        How many batches the run makes (any of their outputs).
    """

    leave: int
    cache: int
    at_once: int
    in_flight: int
    batches_in_flight: int
    largest_batch: int
    batches: int


def disk_needs(batches, missing, keep_blurred, qc, cores):
    """What a run needs in ``results/``.

    A batch runs if it lacks one of its outputs (its blurred cache counts
    only with ``keep_blurred``: a deleted ``temp()`` cache alone re-runs
    nothing); every one of its stages reads the blurred images, so a batch
    that runs without them makes them again. It then adds the outputs it
    lacks; those it has are rewritten at about their size.

    With ``keep_blurred: false`` at most ``cores`` batches hold their
    blurred images at once: a batch's later stages (``threshold``,
    ``save_mask``, ``qc_images``, ``evaluate``, and the method panel, which
    Snakemake prefers for its temporary input) outrank ``grayscale_blur``,
    so a new batch is blurred only when no other batch has a job ready, that
    is when every batch in flight is running on a core.

    Parameters
    ----------
    batches : mapping of str to sequence of (int, int)
        Each batch's images, as (width, height).
    missing : mapping of str to collection of str
        Each batch's outputs absent on disk, of :data:`OUTPUT_KINDS`
        (``"evaluation"`` only for batches with images to score). A batch not
        in it lacks nothing.
    keep_blurred : bool
    qc : bool
        Whether the run makes QC figures (``"qc"`` is ignored without).
    cores : int
        How many jobs run at once.

    Returns
    -------
    needs : DiskNeeds
    """
    if cores < 1:
        raise ValueError(f"cores must be >= 1, not {cores}")
    wanted = set(OUTPUT_KINDS) - {"blurred", "qc"} | ({"qc"} if qc else set())
    if keep_blurred:
        wanted.add("blurred")
    leave = cache = qc_images = made = 0
    caches = []
    for name, sizes in batches.items():
        lacking = set(missing.get(name, ())) & (wanted | {"blurred"})
        if not lacking & wanted:
            continue
        made += 1
        if "blurred" in lacking:
            caches.append(cache_bytes(sizes))
            if keep_blurred:
                cache += caches[-1]
        if "masks" in lacking:
            leave += _mask_bytes(sizes) + BATCH_BYTES
        leave += sum(KIND_BYTES.get(kind, 0) for kind in lacking) * len(sizes)
        if "qc" in lacking and qc:
            qc_images += len(sizes)
            leave += (QC_FIGURE_BYTES + THUMBNAIL_BYTES + CONTACT_SHEET_BYTES) * len(sizes)
    if made:
        leave += COLLECTION_BYTES + QC_FIGURE_BYTES * min(FLAGGED_SHOWN, qc_images)
    leave += cache
    caches.sort(reverse=True)
    flight = [] if keep_blurred else caches[:cores]
    return DiskNeeds(
        leave=leave,
        cache=cache,
        at_once=leave + sum(flight),
        in_flight=sum(flight),
        batches_in_flight=len(flight),
        largest_batch=caches[0] if caches else 0,
        batches=made,
    )


def format_bytes(count):
    """A size in words: ``'4.1 GB'``, ``'38 MB'``, ``'512 kB'`` (decimal
    units, two significant digits, at least one decimal below 10)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            value = count / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{count} bytes"


def _two_digits_down(value):
    """``value`` rounded down to two significant digits."""
    if value <= 0:
        return 0
    scale = 10 ** (math.floor(math.log10(value)) - 1)
    return math.floor(value / scale) * scale


def suggested_batch_megapixels(budget, cores, largest_image):
    """The batch setting that lets ``cores`` batches in flight fit in
    ``budget`` bytes of blurred images, or None if not even one image a
    batch would.

    A batch of :func:`rootmass.workflow.batches.content_batches` holds at most its
    target, or one larger image; the target suggested leaves the room of
    the largest image besides, so ``cores`` batches of ``target +
    largest_image`` megapixels must fit;
    where that leaves a target under a tenth of the largest image, one image
    a batch (``batch_max_images: 1``) is the setting that fits.

    Parameters
    ----------
    budget : int
        Bytes left for the blurred images in flight.
    cores : int
    largest_image : float
        The largest image of the run, in megapixels.

    Returns
    -------
    setting : (str, float) or None
        ``("batch_megapixels", target)``, the target rounded down to two
        significant digits, or ``("batch_max_images", 1)``.
    """
    per_core = budget / cores / BLURRED_BYTES_PER_PIXEL / 1e6  # megapixels
    if largest_image <= 0 or per_core < largest_image + BLURRED_FILE_BYTES / 8e6:
        return None
    target = _two_digits_down(per_core - largest_image)
    if target < largest_image / 10:  # a mere sliver over one image a batch
        return ("batch_max_images", 1)
    return ("batch_megapixels", target)


def disk_message(
    free, batches, missing, keep_blurred, qc, cores, batch_megapixels, where="results/",
    setting=None,
):
    """The one line that stops a run that does not fit, or None if it fits.

    Parameters
    ----------
    free : int
        Bytes free on the file system of ``where``.
    batches, missing, keep_blurred, qc, cores
        As for :func:`disk_needs`.
    batch_megapixels : float
        The setting, named in the advice.
    where : str, optional
        The results folder, as the line names it.
    setting : bool or str, optional
        The config's ``keep_blurred`` that kept the cache (``auto``), as
        the line names it; default ``true``.

    Returns
    -------
    line : str or None
    """
    needs = disk_needs(batches, missing, keep_blurred, qc, cores)
    if needs.at_once <= free:
        return None
    lean = disk_needs(batches, missing, False, qc, cores)
    sizes = [size for images in batches.values() for size in images]
    largest_image = max(w * h for w, h in sizes) / 1e6 if sizes else 0
    setting = suggested_batch_megapixels(free - lean.leave, cores, largest_image)
    if setting is None:
        smaller = None
    elif setting[0] == "batch_max_images":
        smaller = "batch_max_images: 1"
    elif setting[1] < batch_megapixels:
        smaller = f"batch_megapixels: {setting[1]:g} or less (now {batch_megapixels:g})"
    else:
        smaller = None
    lean_fits = lean.at_once <= free
    flight = (
        f"the blurred images of {lean.batches_in_flight} batch"
        f"{'es' if lean.batches_in_flight != 1 else ''} in flight, one a core,"
        f" up to {format_bytes(lean.largest_batch)} each"
    )
    has = f"but the file system of {where} has {format_bytes(free)} free"
    if keep_blurred:
        said = (
            f"disk: this run would leave {format_bytes(needs.leave)} in {where}"
            f" ({format_bytes(needs.cache)} of it the blurred cache, kept by keep_blurred: {'auto' if setting == 'auto' else 'true'}),"
            f" {has}; with keep_blurred: false it would leave {format_bytes(lean.leave)}"
            f" and need at most {format_bytes(lean.at_once)} at once ({flight})"
        )
        if lean_fits:
            advice = ["keep_blurred: false"]
        elif smaller:
            advice = [f"keep_blurred: false and {smaller}"]
        else:
            advice = []
    else:
        said = (
            f"disk: this run would leave {format_bytes(needs.leave)} in {where} and"
            f" needs at most {format_bytes(needs.at_once)} at once ({flight}), {has}"
        )
        advice = [smaller] if smaller else []
    advice.append("run on a disk with more room")
    how = "set " + advice[0] + ", or " + advice[1] if len(advice) > 1 else advice[0]
    return f"{said}: {how}"


def missing_outputs(batches, patterns, scored=()):
    """What each batch lacks on disk.

    Parameters
    ----------
    batches : iterable of str
        The batch ids.
    patterns : dict
        ``{kind: [path pattern with {batch}, ...]}`` for each of
        :data:`OUTPUT_KINDS`; a kind is missing where any of its paths is.
    scored : collection of str
        The batches with ground truth (only those have ``"evaluation"``).

    Returns
    -------
    dict
        ``{batch: set of kinds}``, for the batches that lack any.
    """
    missing = {}
    for name in batches:
        kinds = {
            kind
            for kind, paths in patterns.items()
            if (kind != "evaluation" or name in scored)
            and any(not os.path.exists(p.format(batch=name)) for p in paths)
        }
        if kinds:
            missing[name] = kinds
    return missing


def free_bytes(folder):
    """The free bytes of the file system ``folder`` is (or will be) on: that
    of its nearest existing ancestor."""
    folder = os.path.abspath(folder)
    while not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    return shutil.disk_usage(folder).free


def held_bytes(folder, skip=("stale",)):
    """The bytes of disk that the files under ``folder`` take (their
    blocks), but for its subfolders named in ``skip``; 0 where it does not
    exist."""
    total = 0
    for root, folders, files in os.walk(folder):
        if root == folder:
            folders[:] = [name for name in folders if name not in skip]
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total


def results_room(out):
    """The room of the results folder ``out``: its file system's free bytes
    plus what ``out`` already holds (but ``out/stale/``). A run rewrites its
    own outputs in place, so what earlier runs left counts as room: the
    figure stays the same from run to run, whatever ``out`` holds."""
    return free_bytes(out) + held_bytes(out)


def leave_bytes(batches, sizes, kinds, scored, keep_blurred, qc):
    """What a run leaves in ``results/`` where every output is made anew.

    Parameters
    ----------
    batches : dict
        ``{batch: [image, ...]}``.
    sizes : dict
        ``{image: (width, height)}``.
    kinds : collection of str
        The kinds of :data:`OUTPUT_KINDS` this run makes.
    scored : collection of str
        The images with ground truth (their batches have ``"evaluation"``).
    keep_blurred, qc : bool
    """
    scored = set(scored)
    missing = {
        name: {k for k in kinds if k != "evaluation" or scored.intersection(images)}
        for name, images in batches.items()
    }
    shapes = {name: [sizes[image] for image in images] for name, images in batches.items()}
    return disk_needs(shapes, missing, keep_blurred, qc, 1).leave


def check_results_disk(out, batches, sizes, patterns, scored, config, cores, keep=None):
    """The one line that stops a run that does not fit in ``out``, or None.

    Parameters
    ----------
    out : str
        The results folder.
    batches : dict
        ``{batch: [image, ...]}``.
    sizes : dict
        ``{image: (width, height)}``.
    patterns, scored
        As for :func:`missing_outputs`.
    config : dict
        The validated config (``keep_blurred``, ``qc``, ``batch_megapixels``).
    cores : int
        The run's cores: at most that many batches in flight.
    keep : bool, optional
        Whether the run keeps the blurred cache, where ``keep_blurred`` is
        ``auto`` (the run's :class:`rootmass.workflow.planning.CachePlan`).
    """
    missing = missing_outputs(batches, patterns, scored)
    if not missing:
        return None
    return disk_message(
        free_bytes(out),
        {name: [sizes[image] for image in batches[name]] for name in missing},
        missing,
        config["keep_blurred"] if keep is None else keep,
        config["qc"],
        cores,
        config["batch_megapixels"],
        where=f"{out}/",
        setting=config["keep_blurred"],
    )
