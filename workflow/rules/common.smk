# Validation of the config, discovery of the images, and the names of every
# per-image output. Included first by the Snakefile.

import fnmatch
import glob
import hashlib
import os
import posixpath
from types import SimpleNamespace

import PIL.Image
from snakemake.utils import validate

# `--config demo=false` (or =null, or empty) turns the demo off; --config gives
# strings, so say what that means before validating.
if str(config.get("demo")).lower() in ("", "false", "null", "none"):
    config["demo"] = None
validate(config, "../schemas/config.schema.yaml")

OUT = "results"


def image_key(path):
    """The name of an image's outputs: its path without the extension, with
    no leading root or '.', and '..' written as '__'."""
    stem = os.path.splitext(os.path.normpath(path))[0]
    parts = [p for p in stem.split(os.sep) if p not in ("", ".")]
    return posixpath.join(*("__" if p == ".." else p for p in parts))


def esc(path):
    """Escape braces, which Snakemake would read as wildcards."""
    return path.replace("{", "{{").replace("}", "}}")


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
    found = set(demo_images())
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


def make_batches(images, target_mp, max_images):
    """Split the sorted images into batches of about `target_mp` megapixels.

    Content-defined chunking: past half the target, a batch ends before an
    image with a probability proportional to the image's size, decided by a
    hash of its path. So adding or removing images changes only the batches
    they fall in, not the ones after. No batch exceeds twice the target or
    `max_images` images.
    """
    batches, current, current_mp = [], [], 0.0
    for image in images:
        mp = megapixels(image)
        if current:
            u = int(hashlib.sha1(image.encode("utf-8")).hexdigest()[:13], 16) / 16**13
            if (
                len(current) >= max_images
                or current_mp + mp > 2 * target_mp
                or (current_mp >= target_mp / 2 and u < 2 * mp / target_mp)
            ):
                batches.append(current)
                current, current_mp = [], 0.0
        current.append(image)
        current_mp += mp
    batches.append(current)
    return [
        SimpleNamespace(
            id=f"b{hashlib.sha1(b[0].encode('utf-8')).hexdigest()[:10]}", images=b
        )
        for b in batches
    ]


def blurred_dir(batch):
    """The cached blurred images of a batch: one Snakemake output per batch,
    holding one .npy per image (Snakemake's bookkeeping costs per output)."""
    return f"{OUT}/blurred/{batch.id}"


def blurred_names(batch):
    """The file names of a batch's blurred images inside blurred_dir(batch)."""
    return [esc(f"{image_key(image)}.npy") for image in batch.images]


def mask_path(image):
    return f"{OUT}/masks/{image_key(image)}.png"


def threshold_table(batch):
    return f"{OUT}/thresholds/{batch.id}.json"


def measurement_table(batch):
    return f"{OUT}/measurements/{batch.id}.json"


def paths(function, images):
    return [esc(function(image)) for image in images]


DEMO_SET = set(demo_images())
IMAGES = discover_images()
BATCHES = make_batches(IMAGES, config["batch_megapixels"], config["batch_max_images"])

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
]
