# What the rules need of a run: the config checked, the experiment and its
# batches, the path patterns of every output, and the input, params and
# resources functions (one-liners used once are lambdas in their rule). The
# logic is in scripts/rootmass, tested without Snakemake (see
# workflow/README.md). Included first by the Snakefile.

import math
import os
import posixpath
import sys

from snakemake.logging import logger

# The workflow's package, rootmass, is installed (requirements.txt): its
# machinery is rootmass.workflow.
from rootmass.workflow import disk, models, outputs, planning, runs, stages
from rootmass.workflow import report as reporting  # (report: Snakemake's)
from rootmass.workflow.config import ConfigError, check_config, unused_in_run
from rootmass.workflow.selection import DEMO_DIR, in_demo_dir, input_files
from rootmass.workflow.experiment import load_experiment
from rootmass.workflow.jobs import JOB_ENVIRONMENT
from rootmass.workflow.report import CATEGORIES, CONTACT_SHEET, FLAGGED_SHOWN
from rootmass.workflow.report import report_label
from rootmass.workflow.regions import region_csv_columns

RULES_DIR = str(workflow.current_basedir)

OUT = "results"
# (a local path: workflow.source_path's copies change name every run, and a
# path in params would re-run the rule)
SCHEMAS = os.path.normpath(os.path.join(RULES_DIR, "..", "schemas"))
SHEET_SCHEMA = os.path.join(SCHEMAS, "samples.schema.yaml")
# set by the main process for its jobs (rootmass.workflow.planning): not a setting
JOB_PLAN = config.pop(planning.CONFIG_KEY, None)
JOB_PLAN = None if workflow.is_main_process else JOB_PLAN

try:
    check_config(config, os.path.join(SCHEMAS, "config.schema.yaml"))
    EXPERIMENT = load_experiment(config, SHEET_SCHEMA)
    for line in unused_in_run(config, SCHEMAS, EXPERIMENT, workflow.is_main_process):
        logger.warning(line)  # a setting given that no step uses (once)
except ConfigError as error:
    raise WorkflowError(str(error)) from None

# the jobs inherit this (their parent) Snakemake's environment
for name, value in JOB_ENVIRONMENT.items():
    os.environ.setdefault(name, value)


wildcard_constraints:
    batch=r"b[0-9a-f]{12}",


try:
    CORES = workflow.cores  # Snakemake's documented --cores
except WorkflowError:  # a command without --cores, such as --report
    CORES = 1


# --- the experiment and its batches -----------------------------------------
# A function of the config, the sheet and the images (for a small collection,
# the machine's CPUs): nothing in results/ is read. The main process decides
# whether the blurred cache is kept (by results/'s room) and gives that to the
# jobs a cluster runs in their --config: they parse this again (rootmass.workflow.planning).
IMAGES, DEMO_SET, TRUTH_OF = EXPERIMENT.images, EXPERIMENT.demo, EXPERIMENT.truth_of
ROI_OF = EXPERIMENT.roi_of
METHOD_PANEL_IMAGE = EXPERIMENT.method_panel
SIZES = planning.run_sizes(IMAGES, DEMO_SET, config)
# the kinds of per-batch output this run makes (rootmass.workflow.stages)
KINDS = stages.output_kinds(EXPERIMENT.runs)
CACHE, BATCHES = planning.plan_run(SIZES, config, KINDS, TRUTH_OF, OUT, CORES, JOB_PLAN)
if workflow.is_main_process:
    planning.pass_to_jobs(workflow.config_settings, CACHE)
BATCH_OF_IMAGE = {image: name for name, images in BATCHES.items() for image in images}
EVALUATION_BATCHES = [b for b in BATCHES if TRUTH_OF.keys() & set(BATCHES[b])]
CONTACT_SHEET_SPANS = reporting.contact_sheet_spans(IMAGES)

# --- outputs -----------------------------------------------------------------
# One folder (or table) per batch and stage; inside a folder every image has
# its own file, named by its key (its path, rootmass.workflow.batches.image_key), e.g.
# the mask of data/trial-016.jpg is results/masks/<batch>/data/trial-016.png.
# Each stage declares its own (rootmass.workflow.stages): by kind,
BATCH_OUTPUTS = stages.batch_paths(OUT)
BLURRED, PREVIEWS = BATCH_OUTPUTS["blurred"] + BATCH_OUTPUTS["previews"]
(THRESHOLDS,) = BATCH_OUTPUTS["thresholds"]
MASKS, MEASUREMENTS = BATCH_OUTPUTS["masks"]
QC_IMAGES, THUMBNAILS = BATCH_OUTPUTS["qc"]
(EVALUATION,) = BATCH_OUTPUTS["evaluation"]
# objects: per batch the images' statistics, the objects, labels for the QC
OBJECT_COUNTS, OBJECT_TABLES, LABEL_PREVIEWS = BATCH_OUTPUTS["objects"]
ROOT_TRAITS, SKELETONS = BATCH_OUTPUTS["roots"]  # the traits, skeletons for the QC
# the measuring stages that run, and their per-image rows (aggregate, QC)
MEASURED = {
    stage: f"{OUT}/{stage.rows}" for stage in stages.MEASURING if EXPERIMENT.runs(stage)
}
OBJECTS_CSV = f"{OUT}/objects.csv"
REGIONS_CSV, REGION_PLOT = f"{OUT}/regions.csv", f"{OUT}/qc/regions.png"
REGION_COLUMNS, REGION_MEASURED = region_csv_columns(EXPERIMENT)
# summary.csv groups the regions where group_by names a region's metadata
BY_REGION = bool(set(EXPERIMENT.group_by) & set(EXPERIMENT.regions.metadata))
IMAGE_GROUP_BY = [
    c for c in EXPERIMENT.group_by if c not in EXPERIMENT.regions.metadata
]
CONTACT_SHEETS_DIR = f"{OUT}/qc/contact-sheets"
FLAGGED_FIGURES = f"{OUT}/qc/flagged"
QC_FILES = {
    "flagged": f"{OUT}/qc/flagged.csv",
    "ratio_plot": f"{OUT}/qc/ratios.png",
    "ratio_table": f"{OUT}/qc/ratios.html",
    "group_plot": f"{OUT}/qc/groups.png",
    "summary_table": f"{OUT}/qc/summary.html",
    "method_panel": f"{OUT}/qc/method-panel.png",
    "method_table": f"{OUT}/qc/method-panel.json",
}
OBJECT_AREA_PLOT = f"{OUT}/qc/object-areas.png"  # with qc and the objects stage
EVALUATION_FILES = {
    "images": f"{OUT}/evaluation.csv",
    "methods": f"{OUT}/evaluation-methods.csv",
    "plot": f"{OUT}/evaluation-methods.png",
}
# The previews of the originals that grayscale_blur writes for the QC
# figures: at most this many pixels on their longer side; and, for a larger
# image, a detail at full size of this side (rootmass.qc.previews.DETAIL_SIDE).
PREVIEW_SIDE = 600
DETAIL_SIDE = 240


def per_batch(pattern):
    """`pattern` for every batch: the inputs of the collection's rules."""
    return [pattern.format(batch=name) for name in BATCHES]


def blurred_output():
    """The blurred images: kept for tuning, or (keep_blurred: false, or auto
    where they do not fit) deleted by Snakemake as soon as the jobs that read
    them are done."""
    folder = directory(BLURRED)
    return folder if CACHE.keep else temp(folder)


def qc_outputs():
    """Every QC output, the targets of `all` (none with qc false)."""
    if not config["qc"]:
        return []
    per_image = [*per_batch(QC_IMAGES), *per_batch(THUMBNAILS)]
    objects = [OBJECT_AREA_PLOT] if EXPERIMENT.objects else []
    files = [CONTACT_SHEETS_DIR, FLAGGED_FIGURES, *QC_FILES.values(), *objects]
    return [*per_image, *files]


def object_outputs():
    """The objects table, a target of `all` (none with objects.enabled false)."""
    return [OBJECTS_CSV] if EXPERIMENT.objects else []


def evaluation_outputs():
    """The scores, the targets of `all` (none without truth)."""
    return list(EVALUATION_FILES.values()) if TRUTH_OF else []


def region_table():
    """aggregate's regions.csv, with regions: {"regions": its path}."""
    return {"regions": REGIONS_CSV} if EXPERIMENT.regions else {}


def region_outputs():
    """regions.csv and its plot, targets of `all` (none without regions)."""
    plot = [REGION_PLOT] if config["qc"] else []
    return [REGIONS_CSV, *plot] if EXPERIMENT.regions else []


def made_outputs():
    """The outputs of the collection that some config leaves out, made here."""
    return [*evaluation_outputs(), *qc_outputs(), *object_outputs(), *region_outputs()]


PLAN_RECORD = f"logs/plans/{planning.plan_digest(BATCHES, made_outputs())}.json"


# --- input functions ---------------------------------------------------------
def batch_inputs(wildcards):
    """A batch's image files (the demo folder stands for the demo's); the
    first one asked for starts the run (start_of_run)."""
    start_of_run()
    return input_files(BATCHES[wildcards.batch], DEMO_SET.__contains__)


def files_of_batch(files, params=False):
    """An input (params: False) function: the files (truth masks, ROIs) of a
    batch's images; or a params function: {image: its file}."""
    of = lambda wildcards: {i: files[i] for i in BATCHES[wildcards.batch] if i in files}
    return of if params else lambda w: input_files(list(of(w).values()), in_demo_dir)


# --- params functions --------------------------------------------------------
def given(value):
    """A params function returning `value` as it is (Snakemake formats plain
    strings in params, and braces in a file name would break that)."""
    return lambda wildcards: value


def oversized_images(wildcards):
    """The batch's images above max_megapixels (a param: raising the limit
    re-runs the batches it changes, and only those)."""
    images = BATCHES[wildcards.batch]
    return planning.oversized(images, SIZES, config["max_megapixels"])


def stage_params(stage):
    """The settings a stage's job uses (rootmass.workflow.experiment)."""
    return lambda wildcards: EXPERIMENT.stage_params(stage, BATCHES[wildcards.batch])


# --- resources functions -----------------------------------------------------
def batch_mem_mb(wildcards):
    return planning.batch_mem_mb([SIZES[i] for i in BATCHES[wildcards.batch]])


def batch_runtime(stage, *variants, times=1):
    """A job's runtime: its stage's cost of the variant its options name
    (rootmass.workflow.stages.seconds_per_megapixel)."""
    sizes = lambda wildcards: [SIZES[i] for i in BATCHES[wildcards.batch]]
    cost = stages.seconds_per_megapixel(stage, *variants)
    return lambda wildcards: planning.batch_runtime(cost, sizes(wildcards), times)


def collection_mem_mb():
    """The collection's rules hold a row per image."""
    return 512 + math.ceil(len(IMAGES) / 100)


# --- the run -----------------------------------------------------------------
# snakemake --report: given other settings than the run's, Snakemake would
# warn of missing metadata for every file, then fail on the first missing
# one; say instead what to do, in one line (Snakemake tells only sys.argv).
if any(arg == "--report" or arg.startswith("--report=") for arg in sys.argv[1:]):
    needed = per_batch(MEASUREMENTS) + (per_batch(QC_IMAGES) if config["qc"] else [])
    message = reporting.missing_results_message(
        [*needed, f"{OUT}/ratios.csv"], config, OUT
    )
    if message:
        raise WorkflowError(message)
    config["report_opening"] = reporting.report_opening(EXPERIMENT, config["images"])

RUN_STARTED = []


def start_of_run():
    """Once, as Snakemake builds a run's jobs in its main process (no dry
    run, --lint, --report...; called by the first stage's input function):
    a SIGKILLed run's lock is removed where that run is dead (rootmass.
    workflow.runs). Snakemake checks its lock after this, before onstart."""
    if not RUN_STARTED and workflow.is_main_process:
        RUN_STARTED.append(True)
        said = outputs.command_kind(sys.argv[1:]) == "run" and runs.clear_stale_locks()
        if said:
            print(said, file=sys.stderr)


def on_start():
    """When a run starts (Snakemake's onstart: it holds the lock and no job
    has run; never on a dry run): the run records itself; it stops if it does
    not fit results/'s disk; one line says what becomes of the blurred cache;
    and what this run does not make is moved aside (rootmass.workflow.outputs)."""
    runs.record_run()
    kinds = {kind: BATCH_OUTPUTS[kind] for kind in KINDS}
    scored = set(EVALUATION_BATCHES)
    flight = models.in_flight(EXPERIMENT, BATCHES, CORES)  # (a model's inputs: all)
    line = disk.check_results_disk(
        OUT, BATCHES, SIZES, kinds, scored, config, flight, CACHE.keep
    )
    if line:
        raise WorkflowError(line)
    if CACHE.line:
        logger.info(CACHE.line)
    optional = dict.fromkeys(EVALUATION_FILES.values(), "without ground truth")
    qc_files = [*QC_FILES.values(), CONTACT_SHEETS_DIR, FLAGGED_FIGURES]
    optional.update(dict.fromkeys(qc_files, "with qc: false"))
    optional[OBJECT_AREA_PLOT] = "with qc: false or no objects"
    optional[OBJECTS_CSV] = "with objects.enabled: false"
    optional.update(
        dict.fromkeys([REGIONS_CSV, REGION_PLOT], "without regions (or qc)")
    )
    optional.update(models.unused_models(EXPERIMENT, OUT))
    made = made_outputs()
    batch_paths = [path for paths in BATCH_OUTPUTS.values() for path in paths]
    said = outputs.move_stale(
        OUT, optional, made, batch_paths=batch_paths, plan=BATCHES
    )
    if said:
        logger.warning(said)


def on_success():
    runs.end_scheduler_timers(workflow.scheduler)
    said = runs.skipped_message(f"{OUT}/ratios.csv")
    if said:
        print(said, file=sys.stderr)
