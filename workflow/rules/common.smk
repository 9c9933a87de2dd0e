# Validation of the config, discovery of the images, and the names of every
# per-image output. Included first by the Snakefile.

import csv
import fnmatch
import functools
import glob
import json
import math
import os
import posixpath
import re
import socket
import string
import sys

import imagesize
import PIL.Image
import yaml
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
        hint = ""
        if cause.absolute_path and any(":" in str(k) for k in unknown):
            # --config threshold={method:yen}: YAML reads 'method:yen' as a key
            pairs = ", ".join(
                ": ".join(part.strip() for part in str(k).split(":", 1)) for k in unknown
            )
            hint = f" (on the command line, a space after each colon: {key}='{{{pairs}}}')"
        return (
            f"config: unknown key {', '.join(map(repr, unknown))}{where};"
            f" the keys are {', '.join(schema['properties'])}{hint}"
        )
    if cause.validator == "type" and "object" in str(schema.get("type")) and isinstance(value, str):
        # --config threshold=method:yen
        return (
            f"config key '{key}': {value!r} is not a mapping; on the command line a"
            f" nested setting is written whole, in quotes: {key}='{{method: otsu}}'"
            if key == "threshold" else
            f"config key '{key}': {value!r} is not a mapping; on the command line a"
            f" nested setting is written whole, in quotes: {key}='{{count: 12}}'"
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


def typed(value):
    """A value of a nested setting given with --config, which Snakemake parses
    with YAML's BaseLoader (every value a string): as YAML would read it."""
    if not isinstance(value, str):
        return value
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    return parsed if parsed is None or isinstance(parsed, (bool, int, float)) else value


for section in ("threshold", "demo"):
    if isinstance(config.get(section), dict):
        config[section] = {key: typed(value) for key, value in config[section].items()}

# `--config demo=false` (or =null, or empty) turns the demo off; --config gives
# strings, so say what that means before validating.
if str(config.get("demo")).lower() in ("", "false", "null", "none"):
    config["demo"] = None
for flag in ("qc", "keep_blurred"):  # `--config qc=false`
    if str(config.get(flag)).lower() in ("true", "false"):
        config[flag] = str(config[flag]).lower() == "true"
for key in ("images", "samples", "group_by", "pixel_size", "method_panel", "truth"):
    if str(config.get(key)).lower() in ("", "null", "none"):  # `--config images=null`
        config[key] = None
nested = config["threshold"] if isinstance(config.get("threshold"), dict) else {}
for key, value in [*config.items(), *((f"threshold.{k}", v) for k, v in nested.items())]:
    if isinstance(value, float) and not math.isfinite(value):  # --config sigma=nan
        raise WorkflowError(f"config key '{key}': {value!r} is not a finite number")
try:
    validate(config, "../schemas/config.schema.yaml")
except WorkflowError as error:
    raise WorkflowError(config_error(error)) from None

OUT = "results"

# The jobs allocate and free arrays of tens of megabytes, one image after
# another. By default glibc hands each one back to the system and the next
# image's arrays fault their pages in again: measured here, that was a fifth
# of grayscale_blur's CPU time (system time). Keeping freed memory in the
# process for the next image changes no job's peak memory. The jobs inherit
# these from the environment of this (their parent) Snakemake.
os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(2**30))
os.environ.setdefault("MALLOC_TRIM_THRESHOLD_", str(2**30))


wildcard_constraints:
    batch=r"b[0-9a-f]{12}",

# The image processing lives in scripts/rootmass (the rule scripts' package);
# the batching functions are shared with the Snakefile.
sys.path.insert(0, os.path.join(workflow.basedir, "scripts"))
from rootmass.batches import (  # noqa: E402
    batch_id,
    figure_key,
    image_key,
    kept_batches,
    read_registry,
    split_batches,
)
from rootmass.demo import demo_file_names, demo_samples  # noqa: E402
from rootmass.io import above_max_megapixels  # noqa: E402
from rootmass.samples import (  # noqa: E402
    Sample,
    SheetError,
    pixel_size_from_dpi,
    read_sheet,
    resolve_settings,
    stage_settings,
)


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


DEMO_DIR = "demo"
DEMO_SHEET = f"{DEMO_DIR}/samples.tsv"
SHEET_SCHEMA = os.path.join(workflow.basedir, "workflow", "schemas", "samples.schema.yaml")


def demo_names():
    """Every image path of the demo experiment (none if the demo is off)."""
    demo = config.get("demo")
    return [f"{DEMO_DIR}/{name}" for name in demo_file_names(demo["count"])] if demo else []


def check_keys(images, where):
    """Refuse two images whose outputs would have the same name."""
    seen = {}
    for image in images:
        key = image_key(image)
        if key in seen:
            raise WorkflowError(
                f"{where}: {seen[key]!r} and {image!r} would both be written as"
                f" '{key}' in {OUT}/; rename one of them"
            )
        seen[key] = image


def discover_images():
    """The images the images globs select (demo images among them whether
    generated yet or not)."""
    found = {n for n in demo_names() if any(fnmatch.fnmatch(n, g) for g in image_globs())}
    for pattern in image_globs():
        found.update(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
    if not found:
        raise WorkflowError(
            f"config key 'images': {config['images']!r} matches no file"
            f" (relative to {os.getcwd()})"
        )
    images = sorted(found)
    check_keys(images, "config key 'images'")
    return images


def find_samples():
    """The experiment: (samples, metadata columns, sheet path or None), from
    the sample sheet, the images globs, or the demo's own sheet."""
    sheet, globs = config.get("samples"), config.get("images")
    if sheet and globs:
        raise WorkflowError(
            "config keys 'images' and 'samples' are both set: with a sample sheet the"
            " sheet alone decides the images; set images to null"
        )
    if sheet:
        with open(SHEET_SCHEMA, encoding="utf-8") as f:
            schema = yaml.safe_load(f)
        try:
            samples, metadata = read_sheet(
                sheet, schema, reserved=RESULT_COLUMNS + AREA_COLUMNS
            )
            demo = set(demo_names())
            for sample in samples:
                if os.path.normpath(sample.image) not in demo and not os.path.isfile(sample.image):
                    raise SheetError(
                        f"samples sheet {sheet!r}, line {sample.line}, column 'image':"
                        f" {sample.image!r} does not exist (relative to {os.getcwd()})"
                    )
        except SheetError as error:
            raise WorkflowError(str(error)) from None
        check_keys([s.image for s in samples], f"samples sheet {sheet!r}")
        return sorted(samples, key=lambda s: s.image), metadata, sheet
    if globs:
        return [Sample(image, line=None) for image in discover_images()], [], None
    if not config.get("demo"):
        raise WorkflowError(
            "config: set 'images' (a glob of your images) or 'samples' (a sample"
            " sheet); with both null the demo runs, but demo is off"
        )
    rows = demo_samples(config["demo"]["count"])
    samples = [
        Sample(f"{DEMO_DIR}/{row.pop('image')}", line=i + 3, metadata=row)
        for i, row in enumerate(rows)  # line 1 a comment, line 2 the header
    ]
    return samples, ["condition", "replicate"], DEMO_SHEET


# Pillow's guard against decompression bombs (it refuses images above 179
# megapixels, a large flatbed scan) is off here, where only headers are
# read; the jobs check each image against max_megapixels
# (rootmass.io.set_max_megapixels), and oversized_images lists those above it
PIL.Image.MAX_IMAGE_PIXELS = None


@functools.cache
def header_size(image):
    """(width, height) from an image's header, or None if it cannot be read."""
    try:
        width, height = imagesize.get(image)
        if width > 0 and height > 0:
            return width, height
    except Exception:
        pass
    try:
        with PIL.Image.open(image) as opened:
            return opened.size
    except Exception:
        return None


@functools.cache
def image_size(image):
    """(width, height) of an image, from its header: by imagesize (twice as
    fast as opening it with Pillow, which planning 100,000 images notices),
    else Pillow; (1000, 1000) if it cannot be read: the job that reads it
    will report why."""
    demo = config.get("demo")
    if demo and image in DEMO_SET:
        return demo["width"], demo["height"]
    return header_size(image) or (1000, 1000)


def image_dpi(image):
    """An image's resolution tag (x, y) in dots per inch, or None."""
    try:
        with PIL.Image.open(image) as opened:
            return opened.info.get("dpi")
    except Exception as error:
        raise WorkflowError(
            f"cannot read the resolution (dpi) tag of {image!r}: {error}"
        ) from None


def megapixels(image):
    width, height = image_size(image)
    return width * height / 1e6


# --- batches -----------------------------------------------------------------
# Every stage runs one job per batch of images. Batches that an earlier run
# recorded (in its measurement tables, or in the indexes of its previews or
# blurred images) are kept as they are while all their images are still selected, so
# that adding images runs only the new ones; the other images are split anew.
# The main run records the batches when it starts: the jobs it submits to a
# cluster parse this workflow again and must find the very same batches,
# although the results have grown meanwhile.
BATCH_PLAN = os.path.join(".snakemake", "rootmass-batches.json")


def make_batches(images):
    recorded = read_registry(f"{OUT}/measurements/b*.json")
    recorded += read_registry(f"{OUT}/previews/b*/index.json")  # kept with keep_blurred: false
    recorded += read_registry(f"{OUT}/blurred/b*/index.json")
    batches = kept_batches(recorded, images)
    claimed = {image for members in batches.values() for image in members}
    fresh = [image for image in images if image not in claimed]
    for members in split_batches(
        fresh,
        [megapixels(image) for image in fresh],
        config["batch_megapixels"],
        config["batch_max_images"],
        max(1, workflow._cores or 1),
    ):
        batches[batch_id(members)] = members
    return dict(sorted(batches.items(), key=lambda item: item[1][0]))


def planned_batches():
    with open(BATCH_PLAN, encoding="utf-8") as f:
        return {b["id"]: b["images"] for b in json.load(f)}


def record_batches():
    os.makedirs(os.path.dirname(BATCH_PLAN), exist_ok=True)
    plan = [{"id": name, "images": images} for name, images in BATCHES.items()]
    with open(f"{BATCH_PLAN}.tmp", "w", encoding="utf-8") as f:
        json.dump(plan, f)
    os.replace(f"{BATCH_PLAN}.tmp", BATCH_PLAN)


def batch_images(wildcards):
    """A batch's images (params of grayscale_blur: every image, braces too)."""
    return BATCHES[wildcards.batch]


def batch_inputs(wildcards):
    """A batch's image files as Snakemake input: the demo folder stands for
    the demo's images (the demo rule's one output), braces are left out."""
    images = BATCHES[wildcards.batch]
    inputs = trackable([image for image in images if image not in DEMO_SET])
    return inputs + ([DEMO_DIR] if any(i in DEMO_SET for i in images) else [])


# Resources of a batch's jobs, from the benchmark on a 2-core machine: a job
# holds one image at a time (at most about 5 float64 copies of it, plus about
# 250 MB of interpreter and libraries); it spends per megapixel about
# 0.06 CPU-s blurring, 0.02 thresholding and 0.01 saving masks and 0.02 on
# the QC figures, plus about 1 s starting. Runtimes get a tenfold margin for
# slower cluster nodes.
SECONDS_PER_MEGAPIXEL = {
    "grayscale_blur": 0.06,
    "threshold": 0.02,
    "save_mask": 0.01,
    "qc_images": 0.02,
    "evaluate": 0.2,
}


# The previews of the originals that grayscale_blur writes for the QC
# figures: at most this many pixels on their longer side; and, for a larger
# image, a detail at full size of this side (rootmass.qc.DETAIL_SIDE).
PREVIEW_SIDE = 600
DETAIL_SIDE = 240


def oversized_images(wildcards):
    """The batch's images above max_megapixels (by their headers): a param
    of grayscale_blur, so that raising the limit re-runs the batches it
    changes, and only those."""
    limit = config["max_megapixels"]
    return [image for image in BATCHES[wildcards.batch]
            if above_max_megapixels(*image_size(image), limit)]


def batch_mem_mb(wildcards):
    largest = max(megapixels(image) for image in BATCHES[wildcards.batch])
    return 256 + math.ceil(5 * 8 * largest)


def batch_runtime(stage):
    def runtime(wildcards):
        images = BATCHES[wildcards.batch]
        work = SECONDS_PER_MEGAPIXEL[stage] * sum(megapixels(i) for i in images)
        return max(5, math.ceil(10 * (work + 1) / 60))

    return runtime


# --- settings ------------------------------------------------------------------
# Every image has the config's settings, or, for a row of the sample sheet
# with settings of its own, its row's. Each stage's jobs get as params the
# settings that stage uses (rootmass.samples.STAGE_SETTINGS): the config's,
# and those of the batch's images whose own differ. So changing one row
# re-runs only that image's batch, and only from the first stage that uses
# the setting; a setting the image's method does not use re-runs nothing.
DEFAULTS = {
    "grayscale": config["grayscale"],
    "sigma": config["sigma"],
    "method": config["threshold"]["method"],
    "value": config["threshold"]["value"],
    "foreground": config["threshold"]["foreground"],
    "bright_cutoff": config["threshold"]["bright_cutoff"],
    "marker_min_area": config["threshold"]["marker_min_area"],
    "marker_margin": config["threshold"]["marker_margin"],
    "pixel_size": config["pixel_size"],
}


def image_settings(samples, sheet):
    """{image: settings} of the images whose settings are not the config's:
    rows with settings of their own, and every image whose pixel size comes
    from its file (read here, so that a missing tag stops the run at once)."""
    own = {}
    for sample in samples:
        try:
            settings = resolve_settings(DEFAULTS, sample, sheet) if sample.settings else None
            if (settings or DEFAULTS)["pixel_size"] == "file":
                settings = dict(settings or DEFAULTS)
                try:
                    settings["pixel_size"] = pixel_size_from_dpi(image_dpi(sample.image))
                except ValueError as error:
                    where = (
                        f"samples sheet {sheet!r}, line {sample.line}, column 'pixel_size'"
                        if "pixel_size" in sample.settings
                        else "config key 'pixel_size'"
                    )
                    raise SheetError(
                        f"{where}: 'file', but {sample.image!r} cannot give it: {error}"
                    ) from None
        except SheetError as error:
            raise WorkflowError(str(error)) from None
        if settings is not None:
            own[sample.image] = settings
    return own


def settings_of(image):
    return SETTINGS_OF.get(image, DEFAULTS)


def stage_params(stage):
    """The params of a stage's job: the settings it uses, the config's and
    those of the batch's images whose own differ."""
    default = stage_settings(stage, DEFAULTS)

    def params(wildcards):
        images = {}
        for image in BATCHES[wildcards.batch]:
            if image in SETTINGS_OF:
                used = stage_settings(stage, SETTINGS_OF[image])
                if used != default:
                    images[image] = used
        return {"default": default, "images": images}

    return params


# --- outputs -----------------------------------------------------------------
# One folder (or table) per batch and stage; inside a folder every image has
# its own file, named by its key (its path without the extension), e.g. the
# mask of data/trial-016.jpg is results/masks/<batch>/data/trial-016.png.
BLURRED = f"{OUT}/blurred/{{batch}}"
PREVIEWS = f"{OUT}/previews/{{batch}}"
THRESHOLDS = f"{OUT}/thresholds/{{batch}}.json"
MASKS = f"{OUT}/masks/{{batch}}"
MEASUREMENTS = f"{OUT}/measurements/{{batch}}.json"
QC_IMAGES = f"{OUT}/qc/images/{{batch}}"
THUMBNAILS = f"{OUT}/qc/thumbnails/{{batch}}.npz"


def sheet_input():
    """The sample sheet as an input of aggregate (the demo's is inside the
    demo's folder, the demo rule's output): the CSV follows changes to its
    metadata."""
    if SHEET is None:
        return []
    return [DEMO_DIR] if SHEET == DEMO_SHEET and DEMO_IMAGES else [SHEET]


def per_batch(pattern):
    """`pattern` for every batch: the inputs of the collection's rules."""
    return [pattern.format(batch=name) for name in BATCHES]


def blurred_output():
    """The blurred images: kept for tuning, or (keep_blurred: false) deleted
    by Snakemake as soon as the jobs that read them are done."""
    folder = directory(BLURRED)
    return folder if config["keep_blurred"] else temp(folder)


def image_of_figure(wildcards):
    """The image path of a QC figure's name (rootmass.batches.figure_key)."""
    return IMAGE_OF_FIGURE.get(wildcards.figure, wildcards.figure)


def report_label(image):
    """An image's label in the report: its path (its key if the path has
    braces, which the report would read as wildcards)."""
    return image if image in trackable([image]) else image_key(image)


# Contact sheets: pages of thumbnails in image path order, one folder (a
# file per page would make every lookup of 100,000 images scan 2,000 pages).
CONTACT_SHEET = {"columns": 8, "per_page": 48, "cell": 200}
CONTACT_SHEETS_DIR = f"{OUT}/qc/contact-sheets"


def contact_sheet_spans(images):
    """["first image to last image"] of every contact sheet page, in order."""
    per_page = CONTACT_SHEET["per_page"]
    pages = [images[i : i + per_page] for i in range(0, len(images), per_page)]
    return [f"{report_label(page[0])} to {report_label(page[-1])}" for page in pages]


def contact_sheet_labels(wildcards):
    """A contact sheet's labels in the report: its number and its images."""
    page = int(wildcards.page)
    return {"sheet": f"{page} of {len(CONTACT_SHEET_SPANS)}",
            "images": CONTACT_SHEET_SPANS[page - 1]}


def method_panel_image(images):
    """The image of the method panel: config key `method_panel`, or the first."""
    wanted = config.get("method_panel")
    if wanted is None:
        return images[0]
    for image in images:
        if os.path.normpath(image) == os.path.normpath(wanted):
            return image
    source = (
        f"the sample sheet {SHEET!r} lists" if SHEET and SHEET != DEMO_SHEET
        else f"'images' ({config['images']!r}) selects" if config.get("images")
        else "the demo experiment has"
    )
    raise WorkflowError(
        f"config key 'method_panel': {wanted!r} is not one of the images that {source}"
    )


# The report's categories, in the order its menu lists them (alphabetical):
# the images to look at first, then the collection, then each image.
CATEGORIES = {
    "flagged": "1. Images to look at",
    "collection": "2. Collection",
    "images": "3. Per image",
    "methods": "4. Method panel",
    "evaluation": "5. Ground truth",
}
# The flagged images whose figures the report shows first (all are in the CSV).
FLAGGED_SHOWN = 200
FLAGGED_FIGURES = f"{OUT}/qc/flagged"


@functools.cache
def flagged_reasons():
    """[(image, its reasons in words)] in flagged.csv's order, read once when
    the report is made."""
    with open(QC_FILES["flagged"], newline="", encoding="utf-8") as f:
        flags = list(csv.DictReader(f))
    reasons = {}
    for flag in flags:
        value = flag["value"] if flag["reason"] == "failed" else format(float(flag["value"]), ".3g")
        reasons.setdefault(flag["image"], []).append(f"{flag['reason']} ({value})")
    return [(image, "; ".join(found)) for image, found in reasons.items()]


def flagged_labels(wildcards):
    """A flagged figure's labels in the report: its rank, its image and the
    reasons."""
    rank = int(wildcards.rank)
    image, reasons = flagged_reasons()[rank - 1]
    return {"image": f"{rank}. {report_label(image)}", "reasons": reasons}


# The collection's QC figures (rules in qc.smk).
QC_FILES = {
    "flagged": f"{OUT}/qc/flagged.csv",
    "ratio_plot": f"{OUT}/qc/ratios.png",
    "ratio_table": f"{OUT}/qc/ratios.html",
    "group_plot": f"{OUT}/qc/groups.png",
    "summary_table": f"{OUT}/qc/summary.html",
    "method_panel": f"{OUT}/qc/method-panel.png",
    "method_table": f"{OUT}/qc/method-panel.json",
}


def qc_outputs():
    """Every QC output, the targets of `all` (none with qc false)."""
    if not config["qc"]:
        return []
    return [
        *per_batch(QC_IMAGES),
        *per_batch(THUMBNAILS),
        CONTACT_SHEETS_DIR,
        FLAGGED_FIGURES,
        *QC_FILES.values(),
    ]


def group_by():
    """The metadata columns of results/summary.csv's groups."""
    wanted = config.get("group_by")
    if wanted is None:  # the demo experiment's condition; else one group
        return ["condition"] if SHEET == DEMO_SHEET and not config.get("samples") else []
    for column in wanted:
        if column not in METADATA:
            where = (
                f"the sample sheet {SHEET!r}, whose metadata columns are"
                f" {', '.join(map(repr, METADATA)) or 'none'}"
                if SHEET
                else "a sample sheet: images given by globs have no metadata"
                " (config key samples gives a sheet)"
            )
            raise WorkflowError(f"config key 'group_by': {column!r} is not a column of {where}")
    return list(wanted)


RESULT_COLUMNS = [
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
AREA_COLUMNS = ["pixel_size_mm", "foreground_area_mm2"]

SAMPLES, METADATA, SHEET = find_samples()
IMAGES = [sample.image for sample in SAMPLES]
DEMO_SET = {image for image in IMAGES if os.path.normpath(image) in set(demo_names())}
DEMO_IMAGES = sorted(DEMO_SET)
IMAGE_OF_FIGURE = {figure_key(image): image for image in IMAGES}
SETTINGS_OF = image_settings(SAMPLES, SHEET)
WITH_AREAS = any(s["pixel_size"] is not None for s in [DEFAULTS, *SETTINGS_OF.values()])
CSV_COLUMNS = RESULT_COLUMNS + (AREA_COLUMNS if WITH_AREAS else []) + METADATA
GROUP_BY = group_by()
if workflow.is_main_process or not os.path.exists(BATCH_PLAN):
    BATCHES = make_batches(IMAGES)
else:
    BATCHES = planned_batches()
BATCH_OF_IMAGE = {image: name for name, images in BATCHES.items() for image in images}

CONTACT_SHEET_SPANS = contact_sheet_spans(IMAGES)
METHOD_PANEL_IMAGE = method_panel_image(IMAGES)



# --- ground truth ----------------------------------------------------------------
# Each image's annotated mask, if it has one: the sample sheet's column truth,
# else the config's pattern truth, else (the demo experiment) the demo's own.
DEMO_TRUTH = f"{DEMO_DIR}/truth/{{stem}}.png"


def in_demo_dir(path):
    """Whether a path lies in the demo's folder (made by the demo rule)."""
    return os.path.normpath(path).split(os.sep)[0] == DEMO_DIR


def truth_pattern():
    """The pattern of the truth files: config key truth, or the demo's."""
    pattern = config.get("truth")
    if pattern is None:
        return DEMO_TRUTH if SHEET == DEMO_SHEET and not config.get("samples") else None
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(pattern)]
    except ValueError as error:  # an unbalanced brace
        raise WorkflowError(
            f"config key 'truth': {pattern!r} is not a pattern ({error});"
            " e.g. 'annotations/{stem}.png'"
        ) from None
    unknown = [name for name in names if name is not None and name not in ("image", "stem")]
    if unknown or not ("{image}" in pattern or "{stem}" in pattern):
        instead = f", not {{{unknown[0]}}}" if unknown else ""
        raise WorkflowError(
            f"config key 'truth': {pattern!r} must name each image's file with"
            " {image} (its path without the extension) or {stem} (its file name"
            f" without extension){instead}, e.g. 'annotations/{{stem}}.png'"
        )
    return pattern


def truth_file(pattern, image):
    """The truth file of an image: the pattern with {image} and {stem}
    filled in (in one pass: an image name may itself contain braces)."""
    stem_path = os.path.splitext(image)[0]
    values = {"image": stem_path, "stem": os.path.basename(stem_path)}
    return re.sub(r"\{(image|stem)\}", lambda match: values[match.group(1)], pattern)


def find_truth(samples):
    """{image: its truth file}, for the images that have one; a truth of
    another size than its image stops the run here, naming both sizes."""
    pattern = truth_pattern()
    demo = set(demo_names())
    found = {}
    for sample in samples:
        own = sample.settings.get("truth")
        path = own if own is not None else truth_file(pattern, sample.image) if pattern else None
        if path is None:
            continue
        in_demo = os.path.normpath(sample.image) in demo and in_demo_dir(path)
        if not in_demo and not os.path.isfile(path):
            if own is not None:
                raise WorkflowError(
                    f"samples sheet {SHEET!r}, line {sample.line}, column 'truth':"
                    f" {path!r} does not exist (relative to {os.getcwd()})"
                )
            continue
        if not in_demo:
            try:
                width, height = imagesize.get(path)
            except Exception:
                width = height = -1
            # (an image whose header cannot be read is left to its jobs)
            known = header_size(sample.image)
            if width > 0 and height > 0 and known and (width, height) != known:
                iw, ih = known
                raise WorkflowError(
                    f"truth mask {path!r} is {width} x {height} pixels but its image"
                    f" {sample.image!r} is {iw} x {ih} (width x height)"
                )
        found[sample.image] = path
    if config.get("truth") and not found:
        raise WorkflowError(
            f"config key 'truth': no image has a truth file at {config['truth']!r}"
            f" (relative to {os.getcwd()}); e.g. {truth_file(pattern, samples[0].image)!r}"
            " is absent"
        )
    return found


def evaluation_inputs(wildcards):
    """The truth files of a batch's scored images (the demo folder stands for
    the demo's)."""
    paths = [TRUTH_OF[i] for i in BATCHES[wildcards.batch] if i in TRUTH_OF]
    demo = [p for p in paths if in_demo_dir(p)]
    return trackable([p for p in paths if p not in demo]) + ([DEMO_DIR] if demo else [])


def evaluation_params(wildcards):
    """Per scored image of a batch: its truth file, and the settings the
    methods are compared with (its own foreground, bright cutoff and markers)."""
    params = {}
    for image in BATCHES[wildcards.batch]:
        if image in TRUTH_OF:
            settings = settings_of(image)
            min_area, margin = marker_settings(image)
            params[image] = {
                "truth": TRUTH_OF[image],
                "foreground": settings["foreground"],
                "bright_cutoff": settings["bright_cutoff"],
                "marker_min_area": min_area,
                "marker_margin": margin,
            }
    return params


def marker_settings(image):
    """(marker_min_area, marker_margin) of an image, the margin resolved."""
    used = stage_settings("threshold", {**settings_of(image), "method": "otsu_excluding_markers"})
    return used["marker_min_area"], used["marker_margin"]


EVALUATION = f"{OUT}/evaluation/{{batch}}.json"
EVALUATION_FILES = {
    "images": f"{OUT}/evaluation.csv",
    "methods": f"{OUT}/evaluation-methods.csv",
    "plot": f"{OUT}/evaluation-methods.png",
}


def evaluation_outputs():
    """The scores, the targets of `all` (none without truth)."""
    return list(EVALUATION_FILES.values()) if TRUTH_OF else []


TRUTH_OF = find_truth(SAMPLES)
EVALUATION_BATCHES = [name for name, images in BATCHES.items()
                      if any(image in TRUTH_OF for image in images)]



# --- snakemake --report --------------------------------------------------------
# The report is built from the outputs that this config would make. Given
# other settings than the run's (most often: without the run's --configfile),
# Snakemake would warn of missing metadata for every file and then fail on
# the first missing one; say instead what to do, in one line.
def report_requested():
    return any(arg == "--report" or arg.startswith("--report=") for arg in sys.argv[1:])


def differing_settings(recorded, current, prefix=""):
    """'key: value' of each setting the run recorded that differs now."""
    differing = []
    for key, value in recorded.items():
        now = current.get(key) if isinstance(current, dict) else None
        if isinstance(value, dict) and isinstance(now, dict):
            differing += differing_settings(value, now, f"{prefix}{key}.")
        elif value != now:
            differing.append(f"{prefix}{key}: {json.dumps(value)}")
    return differing


def check_report_inputs():
    needed = [f"{OUT}/measurements/{name}.json" for name in BATCHES]
    if config["qc"]:
        needed += [f"{OUT}/qc/images/{name}" for name in BATCHES]
    missing = [path for path in needed if not os.path.exists(path)]
    if not missing and os.path.exists(f"{OUT}/ratios.csv"):
        return
    how = "give --report the run's own --configfile and --config"
    try:
        with open(f"{OUT}/provenance.json") as f:
            recorded = json.load(f)["config"]
    except (OSError, ValueError, KeyError):
        raise WorkflowError(
            f"snakemake --report: there are no results of these settings in"
            f" '{OUT}/' to report on: run the workflow first (snakemake --cores 8,"
            f" with your settings), then {how}"
        ) from None
    differing = differing_settings(recorded, config)
    said = f" (the run's settings differ: {'; '.join(differing)})" if differing else ""
    first = (missing or [f"{OUT}/ratios.csv"])[0]
    raise WorkflowError(
        f"snakemake --report: '{OUT}/' has no results of these settings ('{first}'"
        f" is missing): {how}{said}"
    )


if report_requested():
    check_report_inputs()

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


# --- disk: refuse a run that does not fit (rootmass.disk) ---------------------
# Before any job: what the run leaves in results/ and needs at once (the
# blurred cache, kept or in flight, and every other output it has yet to
# make), against the free space of results/'s file system. A dry run says it
# and goes on; a command that runs no job (--dag, --lint, --report, ...) does
# not check.
import shutil  # noqa: E402
import time  # noqa: E402

from snakemake.logging import logger  # noqa: E402

from rootmass.disk import disk_message  # noqa: E402
from rootmass.outputs import (  # noqa: E402
    command_kind,
    move_aside,
    stale_folder,
    stale_message,
    stale_moves,
    stale_outputs,
)

COMMAND = command_kind(sys.argv[1:])


def batch_missing(name):
    """A batch's outputs absent on disk, of rootmass.disk.OUTPUT_KINDS."""
    kinds = {
        "blurred": [BLURRED],
        "previews": [PREVIEWS],
        "masks": [MASKS, MEASUREMENTS],
        "qc": [QC_IMAGES, THUMBNAILS],
        "evaluation": [EVALUATION] if name in EVALUATION_BATCHES else [],
    }
    return {kind for kind, patterns in kinds.items()
            if any(not os.path.exists(p.format(batch=name)) for p in patterns)}


def check_disk():
    missing = {name: batch_missing(name) for name in BATCHES}
    missing = {name: kinds for name, kinds in missing.items() if kinds}
    if not missing:
        return
    folder = os.path.abspath(OUT)
    while not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    try:
        cores = workflow.cores
    except WorkflowError:  # no --cores given (a dry run)
        cores = 1
    line = disk_message(
        shutil.disk_usage(folder).free,
        {name: [image_size(image) for image in BATCHES[name]] for name in missing},
        missing,
        config["keep_blurred"],
        config["qc"],
        cores,
        config["batch_megapixels"],
        where=f"{OUT}/",
    )
    if line and COMMAND == "dry-run":
        logger.warning(f"{line} (a dry run: the run itself would stop here)")
    elif line:
        raise WorkflowError(line)


if workflow.is_main_process and COMMAND != "inspect":
    check_disk()


# --- results/ describes the last run (rootmass.outputs) -----------------------
# The collection's tables and figures that this config does not make (the
# scores without truth, the QC figures with qc: false) are moved aside into
# results/stale/<when>/, with one line in the log, before the run starts.
def move_stale_outputs():
    possible = {
        **{path: "without ground truth" for path in EVALUATION_FILES.values()},
        **{path: "with qc: false" for path in
           [*QC_FILES.values(), CONTACT_SHEETS_DIR, FLAGGED_FIGURES]},
    }
    produced = set(evaluation_outputs()) | set(qc_outputs())
    stale = stale_outputs(possible, produced, [p for p in possible if os.path.lexists(p)])
    if not stale:
        return
    taken = set(glob.glob(f"{OUT}/stale/*"))
    folder = stale_folder(OUT, time.strftime("%Y-%m-%dT%H-%M-%S"), taken)
    moves = stale_moves(stale, OUT, folder)
    if COMMAND != "dry-run":
        move_aside(moves)
    logger.warning(stale_message(moves, possible, folder, dry_run=COMMAND == "dry-run"))


if workflow.is_main_process and COMMAND != "inspect":
    move_stale_outputs()
