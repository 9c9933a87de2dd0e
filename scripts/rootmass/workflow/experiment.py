"""The experiment a config describes: its images (:mod:`rootmass.workflow.selection`),
their settings, the columns of its tables and the params of its jobs.

Plain data in (the validated config, paths relative to the working
directory), plain data out; every mistake is a :class:`ConfigError` whose
message is one line naming the config key, or the sheet's line and column.
Only image headers are read, never pixels.

- :func:`defaults` and :func:`image_settings`: the config's settings, and
  the images whose own are not the config's.
- :func:`check_object_settings`, :func:`check_root_settings`,
  :func:`check_level_settings` and :func:`check_collection_settings`: the
  settings checked together, before any job.
- :func:`load_experiment`: all of it, as an :class:`Experiment`.
"""

import functools
import os
from dataclasses import dataclass, field

import yaml

from rootmass.segmentation import LOCAL_DEFAULTS, method_names, segmenter
from rootmass.traces import is_rsml
from rootmass.workflow.batches import figure_key
from rootmass.workflow.config import ConfigError
from rootmass.workflow.regions import load_regions
from rootmass.workflow.samples import (
    SETTINGS,
    SheetError,
    object_settings,
    pixel_size_from_dpi,
    resolve_settings,
    root_settings,
    stage_settings,
)
from rootmass.workflow.selection import (
    DEMO_DIR,
    DEMO_SHEET,
    demo_names,
    find_samples,
    find_truth,
    group_by,
    image_dpi,
    method_panel_image,
    truth_pattern,
)
from rootmass.workflow.stages import (
    MEASURING,
    STAGES,
    AREA_COLUMNS,
    OBJECT_AREA_COLUMNS,
    OBJECT_COLUMNS,
    RESULT_COLUMNS,
    ROI_COLUMNS,
)

__all__ = [
    "Experiment",
    "defaults",
    "image_settings",
    "marker_settings",
    "check_object_settings",
    "check_root_settings",
    "check_level_settings",
    "check_collection_settings",
    "load_experiment",
]



def _config_value(config, key):
    """The config's value of a dotted key (``objects.min_area``)."""
    for part in key.split("."):
        config = config[part]
    return config


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
        # (a segmenter's setting the config does not give: its default)
        **{key: threshold.get(key, default) for key, default in LOCAL_DEFAULTS.items()},
        "pixel_size": config["pixel_size"],
        # the measuring stages' own (rootmass.workflow.stages)
        **{column: _config_value(config, key)
           for stage in STAGES.values() for column, key in stage.config_keys.items()},
    }


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
    #: whether the QC figures are made (config key qc)
    qc: bool = True
    #: the stages' switches that are config keys: {key: on}
    switches: dict = field(default_factory=dict)
    demo: set = field(default_factory=set)
    truth_of: dict = field(default_factory=dict)
    roi_of: dict = field(default_factory=dict)  # {image: its ROI file}
    regions: object = None  # rootmass.workflow.regions.Regions
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
        return any(segmenter(self.settings(image)["method"]).seconds_per_megapixel is not None
                   for image in self.images)

    @functools.cached_property
    def collection_methods(self):
        """The images' methods whose segmenter fits the whole collection
        first (its ``scope``, ``'collection'``: rule ``fit_segmenter``), in
        the registry's order."""
        used = {self.settings(image)["method"] for image in self.images}
        return [name for name in method_names()
                if name in used and segmenter(name).scope == "collection"]

    @functools.cached_property
    def _fitted(self):
        """``{method: images}`` of :meth:`fitted_images` (once the truth is
        known), and every image fitted on (``None``)."""
        fitted = {}
        for method in self.collection_methods:
            truth = segmenter(method).collection_truth
            fitted[method] = [image for image in self.images
                              if self.settings(image)["method"] == method
                              and (not truth or image in self.truth_of)]
            if self.given_model(method):  # a model another run trained: none
                fitted[method] = []
        fitted[None] = {image for images in fitted.values() for image in images}
        return fitted

    def given_model(self, method):
        """The model file given for a method (its segmenter's
        ``given_model`` of the settings of the images that use it; they
        are the same for all, checked), or None."""
        users = [image for image in self.images if self.settings(image)["method"] == method]
        return segmenter(method).given_model(
            self.settings(users[0]) if users else self.defaults)

    def fitted_images(self, method=None):
        """The images a method's collection step is fitted on: those that
        use it (with its segmenter's ``collection_truth``, those of them
        with a truth mask), in the experiment's order; with no method, the
        set of every method's."""
        return self._fitted.get(method, [])

    def fit_params(self, method):
        """Rule ``fit_segmenter``'s params for a method: ``images`` (those
        fitted on), ``settings`` (its ``collection_settings``, the same for
        all), and their ``rois`` and ``truth`` (``{image: file}``; truth only
        where the segmenter is fitted on it)."""
        chosen = segmenter(method)
        images = self.fitted_images(method)
        first = self.settings(images[0]) if images else self.defaults
        return {
            "images": images,
            "settings": {name: first[name] for name in chosen.collection_settings},
            "rois": {image: self.roi_of[image] for image in images if image in self.roi_of},
            "truth": {image: self.truth_of[image] for image in images}
            if chosen.collection_truth else {},
        }

    @property
    def with_areas(self):
        return any(s["pixel_size"] is not None for s in [self.defaults, *self.settings_of.values()])

    @property
    def csv_columns(self):
        """The columns of results/ratios.csv: the measuring stages' (their
        :attr:`~rootmass.workflow.stages.Stage.columns`) after the image's
        own, then the metadata."""
        areas = AREA_COLUMNS if self.with_areas else []
        rois = ROI_COLUMNS if self.roi_of else []
        return RESULT_COLUMNS + rois + areas + self.measured_columns + self.metadata

    def runs(self, stage):
        """Whether a stage (:class:`rootmass.workflow.stages.Stage`) runs:
        by its switch, a config key or an attribute of the experiment."""
        if stage.switch is None:
            return True
        if "." in stage.switch:
            return self.switches[stage.switch]
        return bool(getattr(self, stage.switch))

    @property
    def measured_columns(self):
        """The columns the measuring stages that run add to ratios.csv,
        which the summary summarises."""
        return [column for stage in MEASURING if self.runs(stage)
                for column in (getattr(self, stage.columns) if isinstance(stage.columns, str)
                               else stage.columns)]

    @property
    def object_columns(self):
        """The objects stage's columns of results/ratios.csv: the count and
        the areas' statistics, in pixels and, where a pixel size is known, in
        mm2."""
        if not self.objects:
            return []
        return OBJECT_COLUMNS + (OBJECT_AREA_COLUMNS if self.with_areas else [])

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
                traced = is_rsml(self.truth_of[image])  # traces: scored on the skeleton
                if traced or used["measure_roots"]:  # (else no root length measured)
                    params[image]["roots"] = {
                        key: float(settings[key])
                        for key in ("prune_length", "min_root_area", "min_root_elongation")}
                if not traced and used["measure_roots"]:
                    params[image]["truth_length"] = settings.get("truth_length")
                    if image in self.demo and self.sheet == DEMO_SHEET:
                        # the demo's true length: in its sheet, which the
                        # demo rule makes (the job reads it, not planning)
                        params[image]["truth_length_sheet"] = DEMO_SHEET
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
    checks = [(f"config key {key!r}", experiment.defaults[column])
              for column, key in STAGES["roots"].config_keys.items()
              if column.startswith("diameter")]
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
    rows = [(None, experiment.defaults)] + [
        (sample, experiment.settings(sample.image)) for sample in experiment.samples]
    for sample, settings in rows:
        if settings["method"] != "multiotsu" or settings["foreground_classes"] is None:
            continue
        try:
            segmenter("multiotsu").check(settings)
        except ValueError as error:
            own = sample is not None and {"classes", "foreground_classes"} & set(sample.settings)
            where = (f"samples sheet {experiment.sheet!r}, line {sample.line}, column"
                     f" 'foreground_classes'" if own
                     else "config key 'threshold.foreground_classes'")
            reason = str(error).split(" ", 1)[1].rsplit("; got", 1)[0]
            raise ConfigError(f"{where}: {reason}"
                              f" (classes: {settings['classes']});"
                              f" got {settings['foreground_classes']!r}") from None


def _checked(experiment, chosen, sample):
    """An image's settings as its segmenter checks them (``sample`` None:
    the config's); a ValueError ``'threshold.<key> ...'`` as a one-line
    ConfigError naming the config key or the sheet's line and column."""
    settings = experiment.defaults if sample is None else experiment.settings(sample.image)
    try:
        chosen.check(settings)
    except ValueError as error:
        key, _, reason = str(error).partition(" ")
        column = key.rpartition(".")[2]
        where = (f"samples sheet {experiment.sheet!r}, line {sample.line}, column {column!r}"
                 if sample is not None and column in sample.settings
                 else f"config key {key!r}")
        raise ConfigError(f"{where}: {reason}") from None


def check_collection_settings(experiment):
    """Refuse a method with a collection step (rule ``fit_segmenter``) whose
    settings its segmenter's ``check`` refuses, that no image can fit, or
    whose ``collection_settings`` differ between the images that use it (one
    model serves them all), before any job.

    Raises
    ------
    ConfigError
        Naming the config key, or the sheet's line and column.
    """
    for method in experiment.collection_methods:
        chosen = segmenter(method)
        if experiment.defaults["method"] == method:
            _checked(experiment, chosen, None)
        for sample in experiment.samples:
            if experiment.settings(sample.image)["method"] == method:
                _checked(experiment, chosen, sample)
        images = experiment.fitted_images(method)
        given = experiment.given_model(method)
        if given:  # a model another run trained: read by rule fit_segmenter
            if not os.path.isfile(given):
                raise ConfigError(f"config key 'threshold.classifier_model': {given!r} does not"
                                  f" exist (relative to {os.getcwd()})")
            continue
        if not images:  # (only a method fitted on the images with truth)
            users = [sample for sample in experiment.samples
                     if experiment.settings(sample.image)["method"] == method]
            own = next((sample for sample in users if "method" in sample.settings), None)
            where = (f"samples sheet {experiment.sheet!r}, line {own.line}, column 'method'"
                     if own else "config key 'threshold.method'")
            raise ConfigError(
                f"{where}: {method!r} is fitted on the images that use it and have a truth"
                f" mask, and none of its {len(users)} has one (config key truth, or the"
                " sheet's column truth)")
        first, fitted = experiment.settings(images[0]), set(images)
        for sample in experiment.samples:
            if sample.image not in fitted:
                continue
            for name in chosen.collection_settings:
                value = experiment.settings(sample.image)[name]
                if value != first[name]:
                    where = (f"samples sheet {experiment.sheet!r}, line {sample.line},"
                             f" column {name!r}" if name in sample.settings
                             else f"config key {SETTINGS[name]!r}")
                    raise ConfigError(
                        f"{where}: {method!r} fits one model for all its images, so"
                        f" {name} must be the same for them; got {value!r} here and"
                        f" {first[name]!r} for {images[0]!r}")


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
        qc=config["qc"],
        switches={stage.switch: bool(_config_value(config, stage.switch))
                  for stage in STAGES.values() if stage.switch and "." in stage.switch},
        demo={image for image in images if os.path.normpath(image) in demo_all},
    )
    if experiment.objects:
        check_object_settings(experiment)
    experiment.roots = any(root_settings(experiment.settings(image))["measure_roots"]
                           for image in images) if images else config["roots"]["measure"]
    check_root_settings(experiment)
    check_level_settings(experiment)
    own = experiment.demo_experiment and not config.get("samples")
    experiment.regions = load_regions(config, samples, sheet, experiment.settings)
    experiment.group_by = group_by(config.get("group_by"), metadata +
                                   experiment.regions.metadata, sheet, own)
    source = (
        f"the sample sheet {sheet!r} lists"
        if sheet and sheet != DEMO_SHEET
        else f"'images' ({config['images']!r}) selects"
        if config.get("images")
        else "the demo experiment has"
    )
    experiment.method_panel = method_panel_image(config.get("method_panel"), images, source)
    experiment.truth_of = find_truth(samples, truth_pattern(config, own), sheet, demo_all,
                                     config.get("truth"))
    experiment.roi_of = find_truth(samples, truth_pattern(config, own, "roi"), sheet,
                                   demo_all, key="roi")
    check_collection_settings(experiment)
    return experiment
