"""The stages of the workflow, each declared once.

A :class:`Stage` is one rule that runs per batch of images. Its declaration
gives everything the workflow's machinery needs to know of it:

- the settings its jobs use (sample sheet columns, in the order its params
  give them) and, for a measuring stage's own settings, their config keys;
- its outputs per batch (paths under ``results/``, by kind) and what each
  kind takes on disk per image;
- the columns it adds to ``results/ratios.csv``, which ``aggregate`` merges
  and ``summary`` summarises;
- its CPU cost per megapixel, for the jobs' runtimes;
- its panel of the image's QC figure, and its report category.

``common.smk`` (output paths, the kinds of output a run makes, stale
outputs), :mod:`~rootmass.workflow.planning` (runtimes), :mod:`~rootmass.workflow.disk`
(the disk check), :mod:`~rootmass.workflow.samples` (each stage's settings),
:mod:`~rootmass.workflow.experiment` (the CSV's columns and the config's
settings), ``aggregate`` and ``summary`` read :data:`STAGES`. The workflow's
README says how to add a stage.
"""

from dataclasses import dataclass, field

from rootmass.segmentation import method_names, segmenter, settings_table

__all__ = [
    "Stage",
    "STAGES",
    "MEASURING",
    "stage",
    "own_settings",
    "output_kinds",
    "overlay_inputs",
    "batch_paths",
    "seconds_per_megapixel",
    "RESULT_COLUMNS",
    "ROI_COLUMNS",
    "AREA_COLUMNS",
    "OBJECT_COLUMNS",
    "OBJECT_AREA_COLUMNS",
    "RESERVED_COLUMNS",
]

#: The columns of results/ratios.csv before the areas and the metadata.
RESULT_COLUMNS = [
    "image",
    "ratio",
    "threshold",
    "separation",
    "foreground_pixels",
    "total_pixels",
    "method",
    "sigma",
    "grayscale",
    "mask",
    "status",
    "error",
]
#: The column of the regions of interest's pixel counts, where ROIs are given.
ROI_COLUMNS = ["roi_pixels"]
#: The columns of the areas, where a pixel size is known.
AREA_COLUMNS = ["pixel_size_mm", "foreground_area_mm2"]
#: The columns of the objects stage (objects.enabled), and of their areas in
#: mm2 where a pixel size is known (rootmass.measure.objects.OBJECT_STATISTICS).
OBJECT_COLUMNS = ["objects", "object_area_mean", "object_area_median", "object_area_max"]
OBJECT_AREA_COLUMNS = [f"{column}_mm2" for column in OBJECT_COLUMNS[1:]]


@dataclass(frozen=True, eq=False)
class Stage:
    """One rule that runs per batch of images.

    Parameters
    ----------
    name : str
        The rule's name (also its log folder, ``logs/<name>/``).
    settings : tuple of str
        The settings its jobs use, by sample sheet column, in the order its
        params give them (Snakemake compares params by their repr: another
        order would re-run every result).
    config_keys : dict
        Its own settings: ``{sheet column: config key}`` (the others are
        the segmenters' and the top-level config's).
    kinds : dict
        How a sheet's cell of each of its own settings is read:
        ``{sheet column: 'number', 'boolean' or 'list'}`` (lists: numbers
        separated by commas or spaces); text where not given.
    outputs : dict
        ``{kind: (path under results/ with {batch}, ...)}``: what it makes
        per batch. A kind is missing on disk where any of its paths is.
    disk_bytes : dict
        ``{kind: bytes per image}`` of the kinds the disk check counts
        (:mod:`rootmass.workflow.disk` counts the blurred cache, the masks
        and the QC figures itself: their size follows the image's).
    seconds_per_megapixel : dict
        ``{variant: CPU-seconds a megapixel}``, the plain job's under
        ``""`` (:func:`seconds_per_megapixel`).
    switch : str or None
        What says whether it runs (None: always): a config key, dotted
        (``"leaves.enabled"``), or an attribute of
        :class:`~rootmass.workflow.experiment.Experiment` (``"roots"``: the
        config's or any sheet row's). See ``Experiment.runs``.
    columns : tuple of str, str or None
        Its columns of ``results/ratios.csv``: the names, or the
        :class:`~rootmass.workflow.experiment.Experiment` attribute listing
        them where they follow the settings (None: none).
    column_prefix : str or None
        Where its columns' names follow its settings: the prefix they all
        have, which a sheet's metadata may not take.
    rows : str or None
        Its table of per-image rows (one of its outputs), which
        ``aggregate`` merges into the CSV's rows and ``qc_images`` reads.
    merge : str or None
        The prefix of the keys of :attr:`rows` that ``aggregate`` takes (an
        error of the stage goes into the row's ``error``, prefixed by its
        name, where the row has none).
    overlay : str or None
        Its panel of the image's QC figure: a function of
        :mod:`rootmass.qc.figures` (``rule qc_images``) of the image's row
        and of its picture in :attr:`previews` (at the preview's size).
    previews : str or None
        Its folder (one of its outputs) of the images' pictures, by key.
    report : str or None
        The report category of its collection outputs
        (:data:`rootmass.workflow.report.CATEGORIES`).
    """

    name: str
    settings: tuple = ()
    config_keys: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    disk_bytes: dict = field(default_factory=dict)
    seconds_per_megapixel: dict = field(default_factory=dict)
    switch: str | None = None
    columns: tuple | str | None = None
    column_prefix: str | None = None
    rows: str | None = None
    merge: str | None = None
    overlay: str | None = None
    previews: str | None = None
    report: str | None = None


def _with_segmenters(stage, names):
    """A stage's settings: ``names``, in the order the stage's params have
    always had them, then any other segmenter's settings that the stage
    uses (:func:`rootmass.segmentation.segmenters`): a new segmenter needs
    no line here."""
    table = settings_table()
    used = set()
    for name in method_names():
        chosen = segmenter(name)
        used.update(chosen.threshold_settings if stage == "threshold" else chosen.settings)
    if stage == "qc_images":
        used = {name for name in used if table[name].figures}
    return (*names, *(name for name in table if name in used and name not in names))


# Costs from the benchmark on a 2-core machine: a job holds one image at a
# time (at most about 5 float64 copies of it, plus the interpreter and
# libraries: planning.LIBRARIES_MB), plus about 1 s starting. Runtimes get a
# tenfold margin for slower cluster nodes (planning.batch_runtime). Bytes on
# disk as measured (rootmass.workflow.disk has the others).
STAGES = {
    stage.name: stage
    for stage in (
        Stage(
            "grayscale_blur",
            settings=("grayscale", "sigma"),
            outputs={"blurred": ("blurred/{batch}",), "previews": ("previews/{batch}",)},
            # previews: at most 600 pixels on the longer side, JPEG, measured up
            # to 64 kB, and the 240 x 240 detail of a larger image up to 33 kB
            disk_bytes={"previews": 100_000},
            seconds_per_megapixel={"": 0.06},
        ),
        Stage(
            "threshold",
            # (the local methods' thresholds are made with their masks, by save_mask)
            # (multiotsu's foreground decides which of its levels is ratios.csv's)
            settings=_with_segmenters(
                "threshold", ("method", "value", "bright_cutoff", "marker_min_area",
                              "marker_margin", "classes", "foreground", "foreground_classes")),
            outputs={"thresholds": ("thresholds/{batch}.json",)},
            seconds_per_megapixel={"": 0.02},
        ),
        Stage(
            "save_mask",
            settings=_with_segmenters(
                "save_mask", ("method", "foreground", "bright_cutoff", "marker_min_area",
                              "marker_margin", "window", "k", "offset", "classes",
                              "foreground_classes", "sigma", "grayscale", "pixel_size")),
            outputs={"masks": ("masks/{batch}", "measurements/{batch}.json")},
            # a local threshold's map: 0.09 to 0.14 CPU-s a megapixel (thresholds.py)
            seconds_per_megapixel={"": 0.01, "local": 0.2},
        ),
        Stage(
            "objects",
            settings=("connectivity", "min_area", "min_area_mm2", "filter_connectivity",
                      "declump", "declump_h", "declump_smoothing", "pixel_size"),
            config_keys={key: f"objects.{key}" for key in (
                "connectivity", "min_area", "min_area_mm2", "filter_connectivity",
                "declump", "declump_h", "declump_smoothing")},
            kinds={"connectivity": "number", "min_area": "number", "min_area_mm2": "number",
                   "filter_connectivity": "number", "declump": "boolean",
                   "declump_h": "number", "declump_smoothing": "number"},
            outputs={"objects": ("objects/{batch}.json", "objects/{batch}.csv",
                                 "objects/{batch}")},
            # its labels at its preview's size (16-bit PNG, 12 kB measured on the
            # demo) and its rows in its batch's table and in objects.csv (about
            # 150 bytes an object, each twice), for some hundreds of objects
            disk_bytes={"objects": 200_000},
            # measured on lesson photos: declumping 1.4 CPU-s a megapixel, the
            # shape measures 0.2
            seconds_per_megapixel={"": 0.02, "declump": 1.5, "shape measures": 0.25},
            switch="objects",
            columns="object_columns",
            rows="objects/{batch}.json",
            merge="object",
            overlay="object_panel",
            previews="objects/{batch}",
            report="collection",
        ),
        Stage(
            "roots",
            # (the pixel size itself comes with the image's measurements)
            settings=("measure_roots", "prune_length", "diameter_classes",
                      "diameter_classes_px", "pixel_size", "min_root_area",
                      "min_root_elongation"),
            config_keys={"measure_roots": "roots.measure",
                         "prune_length": "roots.prune_length",
                         "diameter_classes": "roots.diameter_classes",
                         "diameter_classes_px": "roots.diameter_classes_px",
                         "min_root_area": "roots.min_area",
                         "min_root_elongation": "roots.min_elongation"},
            kinds={"measure_roots": "boolean", "prune_length": "number",
                   "diameter_classes": "list", "diameter_classes_px": "list",
                   "min_root_area": "number", "min_root_elongation": "number"},
            outputs={"roots": ("roots/{batch}.json", "roots/{batch}")},
            # its skeleton at its preview's size (an 8-bit PNG of diameter
            # classes, mostly zeros) and its row of traits
            disk_bytes={"roots": 30_000},
            # 0.015 to 0.035 CPU-s a megapixel on lesson photos, 0.03 on a
            # 150-megapixel scan, and 1 s a job to start (benchmarks/roots.py)
            seconds_per_megapixel={"": 0.15},
            switch="roots",
            columns="root_columns",
            column_prefix="root_",
            rows="roots/{batch}.json",
            merge="root_",
            overlay="root_panel",
            previews="roots/{batch}",
            report="collection",
        ),
        Stage(
            "qc_images",
            # (multiotsu's classes decide the side of t the histogram shades)
            settings=_with_segmenters(
                "qc_images", ("method", "foreground", "bright_cutoff", "foreground_classes")),
            outputs={"qc": ("qc/images/{batch}", "qc/thumbnails/{batch}.npz")},
            seconds_per_megapixel={"": 0.02},
            switch="qc",
            report="images",
        ),
        Stage(
            "evaluate",
            outputs={"evaluation": ("evaluation/{batch}.json",)},
            # every method, the local ones 0.33 CPU-s a megapixel of it; times
            # the channels of evaluate_grayscale; with declumping, every method's
            # mask declumped; with roots, every method's (thirteen) length
            seconds_per_megapixel={"": 0.6, "declump": 20.0, "roots": 2.6,
                                   "declump roots": 25.0},
            switch="truth_of",
            report="evaluation",
        ),
    )
}
#: The stages that measure the masks and add columns to results/ratios.csv.
MEASURING = tuple(s for s in STAGES.values() if s.columns)
#: The columns a sample sheet's metadata may not take (the roots stage's
#: columns, whose names follow the configured classes, by their prefix).
RESERVED_COLUMNS = (RESULT_COLUMNS + ROI_COLUMNS + AREA_COLUMNS + OBJECT_COLUMNS
                    + OBJECT_AREA_COLUMNS)


def own_settings(kind):
    """The stages' own settings whose cells are read as ``kind``."""
    return tuple(column for s in STAGES.values() for column, k in s.kinds.items()
                 if k == kind)


def overlay_inputs(running, out="results"):
    """The inputs of rule ``qc_images`` for the panels of the measuring
    stages that run: each one's rows (``<stage>_rows``) and pictures
    (``<stage>_previews``), paths with ``{batch}``.

    Parameters
    ----------
    running : iterable of Stage
    out : str
    """
    inputs = {}
    for s in running:
        if s.overlay:
            inputs[f"{s.name}_rows"] = f"{out}/{s.rows}"
            inputs[f"{s.name}_previews"] = f"{out}/{s.previews}"
    return inputs


def stage(name):
    """The stage of a rule, by name."""
    return STAGES[name]


def output_kinds(runs=lambda stage: True):
    """The kinds of per-batch output a run makes, in order.

    Parameters
    ----------
    runs : callable, optional
        Whether a stage runs (``Experiment.runs``).
    """
    return [kind for s in STAGES.values() if runs(s) for kind in s.outputs]


def batch_paths(out="results"):
    """``{kind: [path pattern with {batch}, ...]}`` of every stage's outputs
    under ``out``."""
    return {kind: [f"{out}/{path}" for path in paths]
            for s in STAGES.values() for kind, paths in s.outputs.items()}


def seconds_per_megapixel(name, *variants):
    """A stage's CPU-seconds a megapixel: of the variant its options name
    (e.g. ``("declump", "roots")``: evaluate's with both), else its plain
    job's."""
    costs = STAGES[name].seconds_per_megapixel
    return costs[" ".join(v for v in variants if v) or ""]
