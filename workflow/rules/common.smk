# Validation of the config, discovery of the images, and the names of every
# per-image output. Included first by the Snakefile.

import fnmatch
import glob
import hashlib
import os
from pathlib import PurePath, PurePosixPath
from types import SimpleNamespace

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
    stem = PurePath(os.path.normpath(path)).with_suffix("")
    parts = [p for p in stem.parts if p not in (stem.anchor, ".")]
    return PurePosixPath(*("__" if p == ".." else p for p in parts)).as_posix()


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


def make_batches(images, size):
    """Split the sorted images into batches of about `size`.

    A batch starts at an image whose path hashes to 0 modulo `size`
    (content-defined chunking), so adding or removing an image changes only
    the batch it falls in; no batch grows beyond 4 * size.
    """
    batches, current = [], []
    for image in images:
        digest = int(hashlib.sha1(image.encode("utf-8")).hexdigest()[:12], 16)
        if current and (digest % size == 0 or len(current) >= 4 * size):
            batches.append(current)
            current = []
        current.append(image)
    batches.append(current)
    return [
        SimpleNamespace(
            id=f"b{hashlib.sha1(b[0].encode('utf-8')).hexdigest()[:10]}", images=b
        )
        for b in batches
    ]


def blurred_path(image):
    return f"{OUT}/blurred/{image_key(image)}.npy"


def threshold_path(image):
    return f"{OUT}/thresholds/{image_key(image)}.json"


def mask_path(image):
    return f"{OUT}/masks/{image_key(image)}.png"


def measurement_path(image):
    return f"{OUT}/measurements/{image_key(image)}.json"


def paths(function, images):
    return [esc(function(image)) for image in images]


IMAGES = discover_images()
BATCHES = make_batches(IMAGES, config["batch_size"])

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
