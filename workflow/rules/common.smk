# Validation of the config, discovery of the images, and the names of every
# per-image output. Included first by the Snakefile.

import csv
import fnmatch
import functools
import glob
import hashlib
import json
import math
import os
import posixpath
import socket
import sys
from types import SimpleNamespace

import PIL.Image
from snakemake.utils import validate

def config_error(error):
    """One line for a config that does not fit the schema: the key, what is
    wrong and what is allowed."""
    import jsonschema

    cause = error.__cause__ or error.__context__
    if not isinstance(cause, jsonschema.ValidationError):
        return str(error)
    cause = jsonschema.exceptions.best_match([cause])
    key = ".".join(map(str, cause.absolute_path)) or "(top level)"
    schema, value = cause.schema, cause.instance
    if cause.validator == "additionalProperties":
        unknown = sorted(set(value) - set(schema["properties"]))
        where = f" in '{key}'" if cause.absolute_path else ""
        return (
            f"config: unknown key {', '.join(map(repr, unknown))}{where};"
            f" the keys are {', '.join(schema['properties'])}"
        )
    if key == "threshold.value" or cause.validator == "required":
        return (
            f"config key 'threshold.value': {value!r} will not do; method 'fixed'"
            " needs a number in [0, 1]"
        )
    if cause.validator == "enum":
        allowed = ", ".join(map(repr, schema["enum"]))
        return f"config key '{key}': {value!r} is not one of {allowed}"
    if cause.validator in ("minimum", "maximum", "exclusiveMinimum"):
        return f"config key '{key}': {value!r} {cause.message.split(' ', 1)[1]}"
    return f"config key '{key}': {cause.message}"


# `--config demo=false` (or =null, or empty) turns the demo off; --config gives
# strings, so say what that means before validating.
if str(config.get("demo")).lower() in ("", "false", "null", "none"):
    config["demo"] = None
if str(config.get("qc")).lower() in ("true", "false"):  # `--config qc=false`
    config["qc"] = str(config["qc"]).lower() == "true"
if str(config.get("method_panel")).lower() in ("", "null", "none"):
    config["method_panel"] = None
try:
    validate(config, "../schemas/config.schema.yaml")
except WorkflowError as error:
    raise WorkflowError(config_error(error)) from None

OUT = "results"


def image_key(path):
    """The name of an image's outputs: its path without the extension, with
    no leading root or '.', '..' written as '__', and '%', '{', '}' written as
    '%25', '%7B', '%7D' (Snakemake reads braces in a path as a wildcard)."""
    stem = os.path.splitext(os.path.normpath(path))[0]
    stem = stem.replace("%", "%25").replace("{", "%7B").replace("}", "%7D")
    parts = [p for p in stem.split(os.sep) if p not in ("", ".")]
    return posixpath.join(*("__" if p == ".." else p for p in parts))


def trackable(images):
    """The images Snakemake can take as input files: not those with braces
    in their names, which it would read as wildcards. (The job gets every
    image from its params; only changes to these are tracked.)"""
    return [image for image in images if "{" not in image and "}" not in image]


def given(value):
    """A params function returning `value` as it is (Snakemake formats plain
    strings in params, and braces in a file name would break that)."""
    return lambda wildcards: value


def image_globs():
    globs = config["images"]
    return [globs] if isinstance(globs, str) else list(globs)


def demo_images():
    """The demo's image paths that the images globs select (none if no demo)."""
    demo = config.get("demo")
    if not demo:  # null or false
        return []
    names = [f"demo/demo-{i:04d}.jpg" for i in range(demo["count"])]
    return [n for n in names if any(fnmatch.fnmatch(n, g) for g in image_globs())]


def discover_images():
    found = set(DEMO_IMAGES)
    for pattern in image_globs():
        found.update(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
    if not found:
        raise WorkflowError(
            f"config key 'images': {config['images']!r} matches no file"
            f" (relative to {os.getcwd()})"
        )
    images = sorted(found)
    seen = {}
    for image in images:
        key = image_key(image)
        if key in seen:
            raise WorkflowError(
                f"config key 'images': {seen[key]!r} and {image!r} would both be"
                f" written as '{key}' in {OUT}/; rename one of them"
            )
        seen[key] = image
    return images


@functools.cache
def megapixels(image):
    """An image's size in megapixels, from its header (1.0 if unreadable:
    the job that reads it will report why)."""
    demo = config.get("demo")
    if demo and image in DEMO_SET:
        return demo["height"] * demo["width"] / 1e6
    try:
        with PIL.Image.open(image) as opened:
            width, height = opened.size
        return width * height / 1e6
    except Exception:
        return 1.0


def batch_id(images):
    digest = hashlib.sha1("\0".join(images).encode("utf-8")).hexdigest()
    return f"b{digest[:12]}"


def cached_batches(images):
    """Batches whose blurred images an earlier run cached, and whose images
    are all still wanted: they are kept as they are, so that adding images
    never regroups (and so re-runs) the images already processed."""
    wanted, claimed, kept = set(images), set(), []
    indexes = glob.glob(f"{OUT}/blurred/b*/index.json")
    for index in sorted(indexes, key=os.path.getmtime, reverse=True):
        try:
            with open(index, encoding="utf-8") as f:
                members = [entry[0] for entry in json.load(f)]
        except (OSError, ValueError, TypeError, IndexError, KeyError):
            continue
        folder = os.path.basename(os.path.dirname(index))
        if (
            members
            and folder == batch_id(members)
            and all(m in wanted and m not in claimed for m in members)
        ):
            claimed.update(members)
            kept.append(SimpleNamespace(id=folder, images=members))
    return kept, claimed


def split_batches(images, target_mp, max_images, cores):
    """Split sorted images into contiguous batches of nearly equal megapixels:
    as few as `target_mp` and `max_images` allow, but at least one per core
    (while there are images) and a multiple of the cores, for balance."""
    if not images:
        return []
    sizes = [megapixels(image) for image in images]
    total = sum(sizes)
    count = max(math.ceil(total / target_mp), math.ceil(len(images) / max_images))
    count = min(len(images), math.ceil(count / cores) * cores)
    groups, done = {}, 0.0
    for image, size in zip(images, sizes):
        # the batch of the image's middle pixel, in megapixels from the start
        index = min(count - 1, int((done + size / 2) / total * count)) if total else 0
        groups.setdefault(index, []).append(image)
        done += size
    batches = [
        group[start : start + max_images]
        for group in groups.values()
        for start in range(0, len(group), max_images)
    ]
    return [SimpleNamespace(id=batch_id(b), images=b) for b in batches]


def make_batches(images):
    """Cached batches as they are, the other images split anew."""
    kept, claimed = cached_batches(images)
    cores = max(1, workflow._cores or 1)
    fresh = split_batches(
        [image for image in images if image not in claimed],
        config["batch_megapixels"],
        config["batch_max_images"],
        cores,
    )
    return sorted(kept + fresh, key=lambda batch: batch.images[0])


# Resources of a batch's jobs, from the benchmark on a 2-core machine: a job
# holds one image at a time (at most about 5 float64 copies of it, plus about
# 250 MB of interpreter and libraries); it spends per megapixel about
# 0.06 CPU-s blurring, 0.02 thresholding and 0.01 saving masks, plus about 1 s
# starting. Runtimes get a tenfold margin for slower cluster nodes.
# QC figures cost about 0.3 CPU-s per image whatever its size, and 0.05 per
# megapixel reading the image again.
SECONDS_PER_MEGAPIXEL = {
    "grayscale_blur": 0.06,
    "threshold": 0.02,
    "save_mask": 0.01,
    "qc_images": 0.05,
}
SECONDS_PER_IMAGE = {"qc_images": 0.3}


def batch_mem_mb(batch):
    return 256 + math.ceil(5 * 8 * max(megapixels(image) for image in batch.images))


def batch_runtime(batch, stage):
    work = SECONDS_PER_MEGAPIXEL[stage] * sum(megapixels(i) for i in batch.images)
    work += SECONDS_PER_IMAGE.get(stage, 0) * len(batch.images)
    return max(5, math.ceil(10 * (work + 1) / 60))


def blurred_dir(batch):
    """The cached blurred images of a batch: one Snakemake output per batch,
    holding one .npy per image (Snakemake's bookkeeping costs per output)."""
    return f"{OUT}/blurred/{batch.id}"


def blurred_names(batch):
    """The file names of a batch's blurred images inside blurred_dir(batch)."""
    return [f"{image_key(image)}.npy" for image in batch.images]


def mask_path(image):
    return f"{OUT}/masks/{image_key(image)}.png"


def threshold_table(batch):
    return f"{OUT}/thresholds/{batch.id}.json"


def measurement_table(batch):
    return f"{OUT}/measurements/{batch.id}.json"


def paths(function, images):
    return [function(image) for image in images]


def qc_plot_path(image):
    return f"{OUT}/qc/images/{image_key(image)}.png"


def thumbnail_table(batch):
    return f"{OUT}/qc/thumbnails/{batch.id}.npz"


def report_label(image):
    """An image's label in the report: its path (its key if the path has
    braces, which the report would read as wildcards)."""
    return image if image in trackable([image]) else image_key(image)


# Contact sheets: pages of thumbnails in image path order.
CONTACT_SHEET = {"columns": 8, "per_page": 48, "cell": 200}


def contact_sheets(images):
    """[(path, "first image - last image")] of every contact sheet page."""
    per_page = CONTACT_SHEET["per_page"]
    pages = [images[i : i + per_page] for i in range(0, len(images), per_page)]
    return [
        (
            f"{OUT}/qc/contact-sheet-{n + 1:03d}.png",
            f"{report_label(page[0])} to {report_label(page[-1])}",
        )
        for n, page in enumerate(pages)
    ]


def method_panel_image(images):
    """The image of the method panel: config key `method_panel`, or the first."""
    wanted = config.get("method_panel")
    if wanted is None:
        return images[0]
    for image in images:
        if os.path.normpath(image) == os.path.normpath(wanted):
            return image
    raise WorkflowError(
        f"config key 'method_panel': {wanted!r} is not one of the images that"
        f" 'images' ({config['images']!r}) selects"
    )


# The collection's QC figures (rules in qc.smk).
QC_FILES = {
    "ratio_plot": f"{OUT}/qc/ratios.png",
    "ratio_table": f"{OUT}/qc/ratios.html",
    "method_panel": f"{OUT}/qc/method-panel.png",
    "method_table": f"{OUT}/qc/method-panel.json",
}


def qc_outputs():
    """Every QC output, the targets of `all` (none with qc false)."""
    if not config["qc"]:
        return []
    return [
        *(thumbnail_table(batch) for batch in BATCHES),
        *(qc_plot_path(image) for image in IMAGES),
        *(path for path, _ in CONTACT_SHEETS),
        *QC_FILES.values(),
    ]


# The main run decides the batches and records them when it starts; the jobs
# it submits to a cluster parse this workflow again and must find the very
# same batches, although the cache has grown meanwhile: they read the record.
BATCH_PLAN = os.path.join(".snakemake", "rootmass-batches.json")


def planned_batches():
    with open(BATCH_PLAN, encoding="utf-8") as f:
        return [SimpleNamespace(id=b["id"], images=b["images"]) for b in json.load(f)]


def record_batches():
    os.makedirs(os.path.dirname(BATCH_PLAN), exist_ok=True)
    plan = [{"id": batch.id, "images": batch.images} for batch in BATCHES]
    with open(f"{BATCH_PLAN}.tmp", "w", encoding="utf-8") as f:
        json.dump(plan, f)
    os.replace(f"{BATCH_PLAN}.tmp", BATCH_PLAN)


DEMO_IMAGES = demo_images()
DEMO_SET = set(DEMO_IMAGES)
IMAGES = discover_images()
if workflow.is_main_process or not os.path.exists(BATCH_PLAN):
    BATCHES = make_batches(IMAGES)
else:
    BATCHES = planned_batches()

CONTACT_SHEETS = contact_sheets(IMAGES)
METHOD_PANEL_IMAGE = method_panel_image(IMAGES)

CSV_COLUMNS = [
    "image",
    "ratio",
    "threshold",
    "foreground_pixels",
    "total_pixels",
    "method",
    "sigma",
    "grayscale",
    "mask",
    "status",
    "error",
]


# --- runs that were killed ---------------------------------------------------
# A run killed with SIGKILL leaves Snakemake's directory lock behind, and the
# next run would refuse to start. Each run records its process; a lock whose
# run is no longer alive on this host is removed. A live run's lock stands, so
# a second run started at the same time is still refused.
LOCKS = os.path.join(".snakemake", "locks")
RUN_RECORD = os.path.join(".snakemake", "rootmass-run")


def record_run():
    os.makedirs(".snakemake", exist_ok=True)
    with open(RUN_RECORD, "w") as f:
        f.write(f"{os.getpid()} {socket.gethostname()}\n")


def run_alive(pid):
    import psutil

    try:
        return any("snakemake" in part for part in psutil.Process(pid).cmdline())
    except psutil.Error:
        return False


def clear_stale_locks():
    if not (os.path.isdir(LOCKS) and os.listdir(LOCKS)):
        return
    try:
        with open(RUN_RECORD) as f:
            pid, host = f.read().split()
    except (OSError, ValueError):
        return
    if host != socket.gethostname() or run_alive(int(pid)):
        return
    locks = [os.path.join(LOCKS, name) for name in os.listdir(LOCKS)]
    if max(map(os.path.getmtime, locks)) > os.path.getmtime(RUN_RECORD):
        return  # taken by a run that has not recorded itself yet
    for lock in locks:
        os.remove(lock)
    print(
        f"Removed the lock of an earlier run (process {pid}) that is no longer running.",
        file=sys.stderr,
    )


def report_skipped():
    csv_path = f"{OUT}/ratios.csv"
    if not os.path.exists(csv_path):
        return
    with open(csv_path, newline="", encoding="utf-8") as f:
        statuses = [row.get("status") for row in csv.DictReader(f)]
    skipped = sum(status != "ok" for status in statuses)
    if skipped:
        print(
            f"{skipped} of {len(statuses)} images were skipped: see the status and"
            f" error columns of {csv_path}.",
            file=sys.stderr,
        )


if workflow.is_main_process and not workflow.dryrun:
    clear_stale_locks()
