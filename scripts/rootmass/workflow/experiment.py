"""The experiment a config describes: its images, their metadata and
settings, their sizes and their ground truth.

Plain data in (the validated config, paths relative to the working
directory), plain data out; every mistake is a :class:`ConfigError` whose
message is one line naming the config key, or the sheet's line and column.
Only image headers are read, never pixels.

- :func:`demo_names`: the demo experiment's image paths.
- :func:`discover_images`: the images that the ``images`` globs select.
- :func:`find_samples`: the samples, the metadata columns and the sheet.
- :func:`header_size` and :func:`image_dpi`: what an image's header says.
- :func:`image_settings`: the images whose settings are not the config's.
- :func:`truth_pattern`, :func:`truth_file` and :func:`find_truth`: each
  image's annotated mask.
- :func:`group_by` and :func:`method_panel_image`: the keys that name
  metadata columns or an image, checked against the experiment.
- :func:`load_experiment`: all of it, as an :class:`Experiment`.
"""

import csv
import fnmatch
import functools
import glob
import json
import math
import os
import re
import string
from dataclasses import dataclass, field

import imagesize
import PIL.Image
import yaml

from rootmass.workflow.batches import figure_key, image_key
from rootmass.workflow.config import ConfigError
from rootmass.segmentation import LOCAL_DEFAULTS
from rootmass.demo import PLATE_CONDITION, demo_file_names, demo_plate_names, demo_samples
from rootmass.demo import demo_record, demo_root_settings, plate_settings
from rootmass.workflow.samples import (
    STAGE_SETTINGS,
    Sample,
    SheetError,
    pixel_size_from_dpi,
    read_sheet,
    object_settings,
    root_settings,
    resolve_settings,
    stage_settings,
)

__all__ = [
    "DEMO_DIR",
    "DEMO_SHEET",
    "DEMO_TRUTH",
    "RESULT_COLUMNS",
    "AREA_COLUMNS",
    "ROI_COLUMNS",
    "OBJECT_COLUMNS",
    "OBJECT_AREA_COLUMNS",
    "Experiment",
    "defaults",
    "demo_names",
    "in_demo_dir",
    "input_files",
    "check_keys",
    "discover_images",
    "find_samples",
    "header_size",
    "image_dpi",
    "image_settings",
    "marker_settings",
    "check_object_settings",
    "check_root_settings",
    "check_level_settings",
    "truth_pattern",
    "truth_file",
    "find_truth",
    "group_by",
    "method_panel_image",
    "load_experiment",
]

DEMO_DIR = "demo"
DEMO_SHEET = f"{DEMO_DIR}/samples.tsv"
DEMO_TRUTH = f"{DEMO_DIR}/truth/{{stem}}.png"
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

#: The objects stage's settings in the config's section ``objects``.
OBJECT_SETTINGS = [key for key in STAGE_SETTINGS["objects"] if key != "pixel_size"]
#: The roots stage's settings: sheet column -> key of the config's ``roots``.
ROOT_SETTINGS = {"measure_roots": "measure", "prune_length": "prune_length",
                 "diameter_classes": "diameter_classes",
                 "diameter_classes_px": "diameter_classes_px"}

# Pillow's guard against decompression bombs (it refuses images above 179
# megapixels, a large flatbed scan) is off where only headers are read; the
# jobs check each image against max_megapixels (rootmass.io).
PIL.Image.MAX_IMAGE_PIXELS = None


def defaults(config):
    """The config's settings of an image, by sample-sheet column.

    Parameters
    ----------
    config : dict
        The validated config.

    Returns
    -------
    dict
        Every key of :data:`rootmass.workflow.samples.SETTINGS` but ``truth``, ``roi``,
        ``truth_count`` and ``truth_length`` (a row's own only).
    """
    threshold = config["threshold"]
    return {
        "grayscale": config["grayscale"],
        "sigma": config["sigma"],
        "method": threshold["method"],
        "value": threshold["value"],
        "foreground": threshold["foreground"],
        "bright_cutoff": threshold["bright_cutoff"],
        "marker_min_area": threshold["marker_min_area"],
        "marker_margin": threshold["marker_margin"],
        **{key: threshold[key] for key in LOCAL_DEFAULTS},
        "pixel_size": config["pixel_size"],
        **{key: config["objects"][key] for key in OBJECT_SETTINGS},
        **{column: config["roots"][key] for column, key in ROOT_SETTINGS.items()},
    }


def demo_names(config):
    """Every image path of the demo experiment (none with the demo off)."""
    demo = config.get("demo")
    if not demo:
        return []
    names = demo_file_names(demo["count"]) + demo_plate_names(demo.get("plates", 0))
    return [f"{DEMO_DIR}/{name}" for name in names]


def in_demo_dir(path):
    """Whether a path lies in the demo's folder (made by the demo rule)."""
    return os.path.normpath(path).split(os.sep)[0] == DEMO_DIR


def input_files(paths, made_by_demo):
    """The files Snakemake can take as input for ``paths``.

    The demo folder (the demo rule's one output) stands for the files that
    ``made_by_demo(path)`` says it makes; paths with braces are left out,
    since Snakemake would read them as wildcards (the jobs get every image
    from their params; only changes to the others are tracked).
    """
    own = [path for path in paths if not made_by_demo(path)]
    tracked = [path for path in own if "{" not in path and "}" not in path]
    return tracked + ([DEMO_DIR] if len(own) < len(paths) else [])


def check_keys(images, where, out="results"):
    """Refuse two images whose outputs would have the same name: one name
    but for the extension, or the same file listed twice (``a.jpg`` and
    ``a.png``, ``a.jpg`` and ``./a.jpg``: the same
    :func:`rootmass.workflow.batches.image_key`), or two whose QC figures would be
    one (``a.png`` and ``a.png.jpg``: the same
    :func:`rootmass.workflow.batches.figure_key`).

    Raises
    ------
    ConfigError
        Naming both images and the name they share.
    """
    keys, figures = {}, {}
    for image in images:
        for seen, key in ((keys, image_key(image)), (figures, figure_key(image) + ".jpg")):
            if key in seen:
                raise ConfigError(
                    f"{where}: {seen[key]!r} and {image!r} would both be written as"
                    f" '{key}' in {out}/; rename one of them"
                )
            seen[key] = image


def discover_images(globs, demo=()):
    """The images that globs select, sorted.

    Parameters
    ----------
    globs : str or list of str
        Config key ``images`` (``**`` recurses).
    demo : iterable of str
        The demo's image paths, selected whether generated yet or not.

    Returns
    -------
    list of str
    """
    patterns = [globs] if isinstance(globs, str) else list(globs)
    found = {name for name in demo if any(fnmatch.fnmatch(name, g) for g in patterns)}
    for pattern in patterns:
        found.update(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
    if not found:
        raise ConfigError(
            f"config key 'images': {globs!r} matches no file (relative to {os.getcwd()})"
        )
    images = sorted(found)
    check_keys(images, "config key 'images'")
    return images


def find_samples(config, sheet_schema):
    """The experiment's samples.

    Parameters
    ----------
    config : dict
        The validated config: its sample sheet (``samples``), else its
        globs (``images``), else the demo.
    sheet_schema : dict
        The sample sheet's JSON schema.

    Returns
    -------
    samples : list of Sample
        Sorted by image path.
    metadata : list of str
        The metadata columns.
    sheet : str or None
        The sheet's path (the demo's own for the demo), None for globs.
    """
    sheet, globs = config.get("samples"), config.get("images")
    demo = demo_names(config)
    if sheet and globs:
        raise ConfigError(
            "config keys 'images' and 'samples' are both set: with a sample sheet the"
            " sheet alone decides the images; set images to null"
        )
    if sheet:
        try:
            samples, metadata = read_sheet(
                sheet, sheet_schema,
                reserved=RESULT_COLUMNS + ROI_COLUMNS + AREA_COLUMNS + OBJECT_COLUMNS
                + OBJECT_AREA_COLUMNS,
            )
            for sample in samples:
                if os.path.normpath(sample.image) not in demo and not os.path.isfile(
                    sample.image
                ):
                    raise SheetError(
                        f"samples sheet {sheet!r}, line {sample.line}, column 'image':"
                        f" {sample.image!r} does not exist (relative to {os.getcwd()})"
                    )
        except SheetError as error:
            raise ConfigError(str(error)) from None
        check_keys([s.image for s in samples], f"samples sheet {sheet!r}")
        return sorted(samples, key=lambda s: s.image), metadata, sheet
    if globs:
        return [Sample(image, line=None) for image in discover_images(globs, demo)], [], None
    if not config.get("demo"):
        raise ConfigError(
            "config: set 'images' (a glob of your images) or 'samples' (a sample"
            " sheet); with both null the demo runs, but demo is off"
        )
    demo = config["demo"]
    rows = demo_samples(demo["count"], demo.get("plates", 0))
    if not rows:
        raise ConfigError("config key 'demo': count and plates are both 0: no image to run")
    measured = config["roots"]["measure"]
    recorded = _recorded_lengths(demo) if measured else {}

    def lengths(i, image):
        # the root images' true lengths (root image i is row i: they come
        # first), which take about 0.2 s an image to work out (the roots'
        # layout): only where the roots are measured, and read from the
        # demo's own sheet where it was made with these settings
        if image in recorded:
            return {"truth_length": recorded[image]}
        return demo_root_settings(demo, i) if measured else {}

    samples = [
        Sample(
            f"{DEMO_DIR}/{row['image']}", line=i + 3,
            metadata={k: v for k, v in row.items() if k != "image"},
            # the plates' settings and true counts, and the root images' true
            # lengths, are columns of the demo's sheet
            settings=plate_settings(demo, int(row["replicate"]) - 1)
            if row["condition"] == PLATE_CONDITION
            else lengths(i, row["image"]),
        )
        for i, row in enumerate(rows)  # line 1 a comment, line 2 the header
    ]
    return samples, ["condition", "replicate"], DEMO_SHEET


def _recorded_lengths(demo):
    """The true lengths in the demo folder's sample sheet, by image name
    (``demo-0000.jpg``), where ``demo.json`` says the folder was made with
    the settings of config key ``demo``; else, or where either file cannot
    be read, none (``{}``): planning works them out. A value that is not a
    finite number >= 0 is left out (worked out). They are the lengths of
    the images in the folder, as it was drawn (``scripts/make_demo.py``
    removes ``demo.json`` before it draws, and writes it last)."""
    wanted = demo_record(demo["count"], demo.get("plates", 0), demo["height"],
                         demo["width"], demo["seed"], demo.get("scene", "roots"))
    try:
        with open(os.path.join(DEMO_DIR, "demo.json"), encoding="utf-8") as f:
            if json.load(f) != wanted:
                return {}
        with open(DEMO_SHEET, encoding="utf-8", newline="") as f:
            rows = csv.DictReader((line for line in f if not line.startswith("#")),
                                  delimiter="\t")
            lengths = {os.path.basename(row["image"]): float(row["truth_length"])
                       for row in rows if row.get("truth_length")}
    except (OSError, ValueError, KeyError, TypeError, csv.Error):
        return {}
    return {image: length for image, length in lengths.items()
            if math.isfinite(length) and length >= 0}


@functools.cache
def header_size(image):
    """(width, height) from an image's header, or None if it cannot be read.

    By ``imagesize`` (twice as fast as opening the image with Pillow, which
    planning 100,000 images notices), else Pillow.
    """
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


def image_dpi(image):
    """An image's resolution tag ``(x, y)`` in dots per inch, or None."""
    try:
        with PIL.Image.open(image) as opened:
            return opened.info.get("dpi")
    except Exception as error:
        raise ConfigError(f"cannot read the resolution (dpi) tag of {image!r}: {error}") from None


def image_settings(samples, sheet, default):
    """The settings of the images whose settings are not the config's.

    Parameters
    ----------
    samples : list of Sample
    sheet : str or None
        The sheet, for messages.
    default : dict
        The config's settings (:func:`defaults`).

    Returns
    -------
    dict
        ``{image: settings}`` for rows with settings of their own, and for
        every image whose pixel size comes from its file (read here, so that
        a missing tag stops the run at once).
    """
    own = {}
    for sample in samples:
        try:
            settings = resolve_settings(default, sample, sheet) if sample.settings else None
            if (settings or default)["pixel_size"] == "file":
                settings = dict(settings or default)
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
            raise ConfigError(str(error)) from None
        if settings is not None:
            own[sample.image] = settings
    return own


def marker_settings(settings):
    """``(marker_min_area, marker_margin)`` of an image's settings, the
    margin resolved (its default follows sigma)."""
    used = stage_settings("threshold", {**settings, "method": "otsu_excluding_markers"})
    return used["marker_min_area"], used["marker_margin"]


def truth_pattern(config, demo_experiment, key="truth"):
    """The pattern of the truth files: config key ``truth``, or the demo's;
    or of the regions of interest: config key ``roi``.

    Parameters
    ----------
    config : dict
    demo_experiment : bool
        Whether the experiment is the demo's (its truth is then the default).
    key : {'truth', 'roi'}, optional

    Returns
    -------
    str or None
    """
    pattern = config.get(key)
    if pattern is None:
        return DEMO_TRUTH if demo_experiment and key == "truth" else None
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(pattern)]
    except ValueError as error:  # an unbalanced brace
        raise ConfigError(
            f"config key {key!r}: {pattern!r} is not a pattern ({error});"
            " e.g. 'annotations/{stem}.png'"
        ) from None
    unknown = [name for name in names if name is not None and name not in ("image", "stem")]
    if unknown or not ("{image}" in pattern or "{stem}" in pattern):
        instead = f", not {{{unknown[0]}}}" if unknown else ""
        raise ConfigError(
            f"config key {key!r}: {pattern!r} must name each image's file with"
            " {image} (its path without the extension) or {stem} (its file name"
            f" without extension){instead}, e.g. 'annotations/{{stem}}.png'"
        )
    return pattern


def truth_file(pattern, image):
    """The truth file of an image: the pattern with ``{image}`` and
    ``{stem}`` filled in (in one pass: an image name may contain braces)."""
    stem_path = os.path.splitext(image)[0]
    values = {"image": stem_path, "stem": os.path.basename(stem_path)}
    return re.sub(r"\{(image|stem)\}", lambda match: values[match.group(1)], pattern)


def find_truth(samples, pattern, sheet, demo=(), configured=None, key="truth"):
    """Each image's truth file, for the images that have one; or, with
    ``key='roi'``, each image's region of interest, which every image must
    have where a pattern is given.

    Parameters
    ----------
    samples : list of Sample
        A sample's own ``truth`` setting (a sheet column) comes first.
    pattern : str or None
        :func:`truth_pattern`.
    sheet : str or None
        The sheet, for messages.
    demo : iterable of str
        The demo's images (whose truth is made with them).
    configured : str or None
        Config key ``truth`` as given: a pattern that finds nothing is then
        an error.
    key : {'truth', 'roi'}, optional
        The sheet's column and the config key.

    Returns
    -------
    dict
        ``{image: truth file}``; a truth (ROI) of another size than its
        image is a ConfigError naming both sizes, and so is a missing ROI.
    """
    demo = set(demo)
    found = {}
    kind = "truth mask" if key == "truth" else "ROI"
    for sample in samples:
        own = sample.settings.get(key)
        path = own if own is not None else truth_file(pattern, sample.image) if pattern else None
        if path is None:
            continue
        in_demo = os.path.normpath(sample.image) in demo and in_demo_dir(path)
        if not in_demo and not os.path.isfile(path):
            if own is not None:
                raise ConfigError(
                    f"samples sheet {sheet!r}, line {sample.line}, column {key!r}:"
                    f" {path!r} does not exist (relative to {os.getcwd()})"
                )
            if key == "roi":
                raise ConfigError(
                    f"config key 'roi': the ROI of {sample.image!r}, {path!r}, does not"
                    f" exist (relative to {os.getcwd()})"
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
                raise ConfigError(
                    f"{kind} {path!r} is {width} x {height} pixels but its image"
                    f" {sample.image!r} is {iw} x {ih} (width x height)"
                )
        found[sample.image] = path
    if configured and not found:
        raise ConfigError(
            f"config key 'truth': no image has a truth file at {configured!r}"
            f" (relative to {os.getcwd()}); e.g. {truth_file(pattern, samples[0].image)!r}"
            " is absent"
        )
    return found


def group_by(wanted, metadata, sheet, demo_experiment):
    """The metadata columns of results/summary.csv's groups.

    Parameters
    ----------
    wanted : list of str or None
        Config key ``group_by``; None: the demo's condition, else one group.
    metadata : list of str
        The experiment's metadata columns.
    sheet : str or None
    demo_experiment : bool
    """
    if wanted is None:
        return ["condition"] if demo_experiment else []
    for column in wanted:
        if column not in metadata:
            where = (
                f"the sample sheet {sheet!r}, whose metadata columns are"
                f" {', '.join(map(repr, metadata)) or 'none'}"
                if sheet
                else "a sample sheet: images given by globs have no metadata"
                " (config key samples gives a sheet)"
            )
            raise ConfigError(f"config key 'group_by': {column!r} is not a column of {where}")
    return list(wanted)


def method_panel_image(wanted, images, source):
    """The image of the method panel: config key ``method_panel``, or the
    first image. ``source`` says where the images come from, for the
    message."""
    if wanted is None:
        return images[0]
    for image in images:
        if os.path.normpath(image) == os.path.normpath(wanted):
            return image
    raise ConfigError(
        f"config key 'method_panel': {wanted!r} is not one of the images that {source}"
    )


@dataclass
class Experiment:
    """Everything the plan needs to know of an experiment."""

    samples: list
    metadata: list
    sheet: str | None
    defaults: dict
    #: ``{image: settings}`` where they are not the config's
    settings_of: dict
    #: whether the objects stage runs (config key objects.enabled), and
    #: measures shapes too (objects.shape_measures)
    objects: bool = False
    shape_measures: bool = False
    #: whether the roots stage runs: roots.measure, or a sheet row's
    #: measure_roots
    roots: bool = False
    demo: set = field(default_factory=set)
    truth_of: dict = field(default_factory=dict)
    roi_of: dict = field(default_factory=dict)  # {image: its ROI file}
    group_by: list = field(default_factory=list)
    method_panel: str | None = None

    @property
    def images(self):
        return [sample.image for sample in self.samples]

    @property
    def demo_experiment(self):
        """Whether this is the demo's own experiment (not a sheet of demo
        images)."""
        return self.sheet == DEMO_SHEET

    def settings(self, image):
        """An image's settings: its own, else the config's."""
        return self.settings_of.get(image, self.defaults)

    @property
    def local_thresholds(self):
        """Whether an image's segmenter has a cost of its own in save_mask
        (a local method's map: planning's ``"save_mask (local)"``)."""
        from rootmass.segmentation import segmenter

        return any(segmenter(self.settings(image)["method"]).seconds_per_megapixel is not None
                   for image in self.images)

    @property
    def with_areas(self):
        return any(s["pixel_size"] is not None for s in [self.defaults, *self.settings_of.values()])

    @property
    def csv_columns(self):
        """The columns of results/ratios.csv."""
        areas = AREA_COLUMNS if self.with_areas else []
        objects = OBJECT_COLUMNS if self.objects else []
        object_areas = OBJECT_AREA_COLUMNS if self.objects and self.with_areas else []
        rois = ROI_COLUMNS if self.roi_of else []
        return (RESULT_COLUMNS + rois + areas + objects + object_areas + self.root_columns
                + self.metadata)

    @property
    def root_columns(self):
        """The roots stage's columns of results/ratios.csv: the traits, the
        lengths by every image's diameter classes (pixels; mm where a pixel
        size is known), and their twins in mm where one is."""
        from rootmass.measure.roots import ROOT_TRAITS, class_columns, mm_columns

        if not self.roots:
            return []
        columns, in_mm = list(ROOT_TRAITS), []
        for settings in [self.defaults, *self.settings_of.values()]:
            used = root_settings(settings)
            if not used["measure_roots"]:
                continue
            names = class_columns(used["diameter_classes_px"], "px")
            columns += [name for name in names if name not in columns]
            # (empty without a pixel size: root_settings)
            names = [f"{name}_mm" for name in class_columns(used["diameter_classes"], "mm")]
            in_mm += [name for name in names if name not in in_mm]
        return columns + (mm_columns(columns) if self.with_areas else []) + in_mm

    @property
    def object_table_columns(self):
        """The columns of results/objects.csv before the metadata."""
        from rootmass.measure.objects import table_columns

        return table_columns(self.with_areas, self.shape_measures)

    def sheet_inputs(self):
        """The sample sheet as an input file (the demo's is in the demo's
        folder, the demo rule's output), so that the CSV follows changes to
        its metadata."""
        if self.sheet is None:
            return []
        return [DEMO_DIR] if self.sheet == DEMO_SHEET and self.demo else [self.sheet]

    def markers(self, image):
        """``(marker_min_area, marker_margin)`` of an image, resolved."""
        return marker_settings(self.settings(image))

    def parameters(self, image):
        """The local and multi-level methods' parameters of an image, as
        :func:`rootmass.segmentation.method_results` takes them."""
        settings = self.settings(image)
        return {key: settings[key] for key in LOCAL_DEFAULTS}

    def stage_params(self, stage, images):
        """The params of a stage's job on ``images``: the settings that the
        stage uses, the config's (``default``) and those of the images whose
        own differ (``images``). So changing one row of a sheet re-runs only
        its batch, and only from the first stage that uses the setting."""
        default = stage_settings(stage, self.defaults)
        own = {}
        for image in images:
            if image in self.settings_of:
                used = stage_settings(stage, self.settings_of[image])
                if used != default:
                    own[image] = used
        return {"default": default, "images": own}

    def evaluation_params(self, images):
        """Per scored image of ``images``: its truth file and the settings
        that the methods are compared with (its own foreground, bright
        cutoff and markers, and with the objects stage its object
        settings)."""
        params = {}
        for image in images:
            if image in self.truth_of:
                settings = self.settings(image)
                min_area, margin = marker_settings(settings)
                params[image] = {
                    "truth": self.truth_of[image],
                    "foreground": settings["foreground"],
                    "bright_cutoff": settings["bright_cutoff"],
                    "marker_min_area": min_area,
                    "marker_margin": margin,
                    "parameters": self.parameters(image),
                    "grayscale": settings["grayscale"],
                    "sigma": settings["sigma"],
                    "roi": self.roi_of.get(image),
                }
                if self.objects:  # each method's mask counted as the stage would
                    params[image]["objects"] = object_settings(settings)
                    params[image]["truth_count"] = settings.get("truth_count")
                used = root_settings(settings)
                if used["measure_roots"]:  # and its root length measured
                    params[image]["roots"] = {"prune_length": used["prune_length"]}
                    params[image]["truth_length"] = settings.get("truth_length")
        return params

    @functools.cached_property
    def image_of_figure(self):
        """``{figure key: image}`` (:func:`rootmass.workflow.batches.figure_key`)."""
        return {figure_key(image): image for image in self.images}


def check_object_settings(experiment):
    """Refuse an image whose objects' minimum area is in mm2 without a pixel
    size (:func:`rootmass.workflow.samples.object_settings`).

    Raises
    ------
    ConfigError
        Naming the image and the keys.
    """
    for sample in experiment.samples:
        if object_settings(experiment.settings(sample.image))["min_area"] is None:
            where = (
                f"samples sheet {experiment.sheet!r}, line {sample.line}, column 'min_area_mm2'"
                if "min_area_mm2" in sample.settings
                else "config key 'objects.min_area_mm2'"
            )
            raise ConfigError(
                f"{where}: an area in mm2 needs a pixel size, and {sample.image!r} has"
                " none (config key pixel_size, or the sheet's column pixel_size)"
            ) from None


def check_root_settings(experiment):
    """Refuse diameter classes that are not increasing.

    Raises
    ------
    ConfigError
        Naming the config key or the sheet's line and column.
    """
    checks = [(f"config key 'roots.{key}'", experiment.defaults[column])
              for column, key in ROOT_SETTINGS.items() if column.startswith("diameter")]
    for sample in experiment.samples:
        checks += [(f"samples sheet {experiment.sheet!r}, line {sample.line}, column {column!r}",
                    sample.settings[column])
                   for column in ("diameter_classes", "diameter_classes_px")
                   if column in sample.settings]
    for where, bounds in checks:
        if bounds and any(b <= a for a, b in zip(bounds, bounds[1:])):
            raise ConfigError(f"{where}: the classes' lower bounds must increase; got {bounds!r}")


def check_level_settings(experiment):
    """Refuse multi-Otsu foreground classes that are not some of its classes
    (:func:`rootmass.segmentation.multiotsu_levels`), before any job.

    Raises
    ------
    ConfigError
        Naming the config key or the sheet's line and column.
    """
    from rootmass.segmentation import _check_classes

    rows = [(None, experiment.defaults)] + [
        (sample, experiment.settings(sample.image)) for sample in experiment.samples]
    for sample, settings in rows:
        if settings["method"] != "multiotsu" or settings["foreground_classes"] is None:
            continue
        try:
            _check_classes(settings["classes"], settings["foreground_classes"])
        except ValueError as error:
            own = sample is not None and {"classes", "foreground_classes"} & set(sample.settings)
            where = (f"samples sheet {experiment.sheet!r}, line {sample.line}, column"
                     f" 'foreground_classes'" if own
                     else "config key 'threshold.foreground_classes'")
            reason = str(error).split(" ", 1)[1].rsplit("; got", 1)[0]
            raise ConfigError(f"{where}: {reason}"
                              f" (classes: {settings['classes']});"
                              f" got {settings['foreground_classes']!r}") from None


def load_experiment(config, sheet_schema_path):
    """The experiment of a validated config.

    Parameters
    ----------
    config : dict
    sheet_schema_path : str
        ``workflow/schemas/samples.schema.yaml``.

    Returns
    -------
    Experiment
    """
    with open(sheet_schema_path, encoding="utf-8") as f:
        schema = yaml.safe_load(f)
    samples, metadata, sheet = find_samples(config, schema)
    images = [sample.image for sample in samples]
    demo_all = set(demo_names(config))
    default = defaults(config)
    experiment = Experiment(
        samples=samples,
        metadata=metadata,
        sheet=sheet,
        defaults=default,
        settings_of=image_settings(samples, sheet, default),
        objects=config["objects"]["enabled"],
        shape_measures=config["objects"]["shape_measures"],
        demo={image for image in images if os.path.normpath(image) in demo_all},
    )
    if experiment.objects:
        check_object_settings(experiment)
    experiment.roots = any(root_settings(experiment.settings(image))["measure_roots"]
                           for image in images) if images else config["roots"]["measure"]
    check_root_settings(experiment)
    check_level_settings(experiment)
    own = experiment.demo_experiment and not config.get("samples")
    experiment.group_by = group_by(config.get("group_by"), metadata, sheet, own)
    source = (
        f"the sample sheet {sheet!r} lists"
        if sheet and sheet != DEMO_SHEET
        else f"'images' ({config['images']!r}) selects"
        if config.get("images")
        else "the demo experiment has"
    )
    experiment.method_panel = method_panel_image(config.get("method_panel"), images, source)
    experiment.truth_of = find_truth(
        samples, truth_pattern(config, own), sheet, demo_all, config.get("truth")
    )
    experiment.roi_of = find_truth(
        samples, truth_pattern(config, own, "roi"), sheet, demo_all, key="roi"
    )
    return experiment
