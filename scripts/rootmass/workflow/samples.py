"""The sample sheet: which images an experiment has, their own settings, and
their metadata.

A sheet is a ``.tsv`` or ``.csv`` file (by its extension) with a header. Its
column ``image`` (a path relative to the working directory) is required;
the columns named in :data:`SETTINGS` override the config for that row (an
empty cell means the config's value); every other column is metadata,
carried unchanged into the results. Blank lines and lines starting with
``#`` are passed over, and a row may leave out its trailing empty cells.
Every row is validated against a JSON schema
(``workflow/schemas/samples.schema.yaml``); every error is one line naming
the sheet, the row by its line number in the file, and the column.
"""

import csv
import math
import os
from dataclasses import dataclass, field

from rootmass.segmentation import method_names, segmenter, settings_table
from rootmass.workflow.stages import STAGES, own_settings

__all__ = [
    "SETTINGS",
    "STAGE_SETTINGS",
    "stage_settings",
    "object_settings",
    "root_settings",
    "settings_for",
    "read_truth_lengths",
    "SheetError",
    "Sample",
    "read_sheet",
    "with_methods",
    "resolve_settings",
    "pixel_size_from_dpi",
]

#: The segmenters' settings (rootmass.segmentation), by name.
_SEGMENTATION = settings_table()
#: The columns that override the config for their row, and the config keys
#: they override (the segmenters' own from their registry).
SETTINGS = {
    "grayscale": "grayscale",
    "sigma": "sigma",
    "method": "threshold.method",
    "foreground": "threshold.foreground",
    **{name: setting.config_key for name, setting in _SEGMENTATION.items()},
    "roi": "roi",
    # the row's own label image and centres file (config key regions)
    "regions": None,
    "centres": None,
    "bands_top": None,
    "pixel_size": "pixel_size",
    "truth": "truth",
    # the true number of objects in the row's truth (no config key)
    "truth_count": None,
    # the true total root length in the row's image, in pixels (no config key)
    "truth_length": None,
    # the measuring stages' own (rootmass.workflow.stages)
    **{column: key for s in STAGES.values() for column, key in s.config_keys.items()},
}


#: The settings each stage uses (rootmass.workflow.stages).
STAGE_SETTINGS = {name: s.settings for name, s in STAGES.items() if s.settings}
#: The settings whose cells are read as numbers.
NUMERIC = ("sigma",
           *(name for name, s in _SEGMENTATION.items() if s.kind in ("number", "integer")),
           "pixel_size", *own_settings("number"), "truth_count", "truth_length", "bands_top")
#: The settings whose cells are read as true or false.
BOOLEAN = own_settings("boolean")
#: Metadata may not take a name with these prefixes: the columns of the
#: stages whose names follow their settings (the roots stage's, which
#: follow the configured diameter classes).
RESERVED_PREFIXES = tuple(s.column_prefix for s in STAGES.values() if s.column_prefix)
#: The settings whose cells are read as lists of numbers (separated by commas
#: or spaces; "none": an empty list).
LISTS = (*own_settings("list"),
         *(name for name, s in _SEGMENTATION.items() if s.kind == "list"))
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


class SheetError(ValueError):
    """A sample sheet that cannot be used; the message says where and why."""


@dataclass
class Sample:
    """One row of a sample sheet."""

    image: str
    line: int
    settings: dict = field(default_factory=dict)  # the row's own, typed
    metadata: dict = field(default_factory=dict)  # column: text


def _where(path, line=None, column=None):
    where = f"samples sheet {path!r}"
    if line is not None:
        where += f", line {line}"
    if column is not None:
        where += f", column {column!r}"
    return where


def _typed(column, cell):
    """A cell as the schema wants it: numeric settings as numbers where they
    read as one (else left as text, for the schema to refuse)."""
    if column in BOOLEAN:
        text = cell.lower()
        return True if text in _TRUE else False if text in _FALSE else cell
    if column in LISTS:
        if cell.lower() == "none":
            return []
        items = cell.replace(",", " ").split()
        typed = [_typed("prune_length", item) for item in items]
        return typed if all(not isinstance(v, str) for v in typed) else cell
    if column in NUMERIC:
        try:
            number = float(cell)
        except ValueError:
            return cell
        if not math.isfinite(number):  # nan, inf: for the schema to refuse
            return cell
        return int(number) if number.is_integer() and "." not in cell else number
    return cell


def _message(error):
    """A jsonschema error as a short reason."""
    if error.validator == "enum":
        allowed = ", ".join(map(repr, error.validator_value))
        return f"{error.instance!r} is not one of {allowed}"
    if error.validator == "oneOf" and error.schema.get("description", "").startswith("Millim"):
        return f"{error.instance!r} is neither a number > 0 nor 'file'"
    if error.validator in ("minimum", "maximum", "exclusiveMinimum"):
        return f"{error.instance!r} {error.message.split(' ', 1)[1]}"
    if error.validator == "not":  # window, not a multiple of 2
        return f"{error.instance!r} is even; it must be an odd number"
    return error.message


def with_methods(schema):
    """A copy of a sample sheet's row schema whose column ``method`` takes
    the registered segmenters' names (:func:`rootmass.segmentation.method_names`),
    and with a column for each of their settings that it does not describe
    (:meth:`rootmass.segmentation.Setting.json_schema`, without the config's
    default): the schema file names no method, so a new segmenter needs no
    edit there."""
    method = {**schema["properties"]["method"], "enum": list(method_names())}
    added = {name: setting.json_schema(default=False)
             for name, setting in _SEGMENTATION.items() if name not in schema["properties"]}
    return {**schema, "properties": {**schema["properties"], **added, "method": method}}


def read_sheet(path, schema, reserved=()):
    """Read and validate a sample sheet.

    Parameters
    ----------
    path : str
    schema : dict
        The JSON schema of a row.
    reserved : collection of str
        Column names that metadata may not take (the results' own columns;
        nor any name starting with one of :data:`RESERVED_PREFIXES`).

    Returns
    -------
    samples : list of Sample
        In the sheet's order.
    metadata : list of str
        The metadata columns, in the sheet's order.

    Raises
    ------
    SheetError
        The first problem: no such file, no ``image`` column, a row of the
        wrong length, a cell the schema refuses, or an image listed twice.
    """
    import jsonschema

    schema = with_methods(schema)
    extension = os.path.splitext(path)[1].lower()
    if extension not in (".tsv", ".csv"):
        raise SheetError(f"{_where(path)}: the name must end in .tsv or .csv")
    if not os.path.isfile(path):
        raise SheetError(f"{_where(path)} does not exist (relative to {os.getcwd()})")
    validator = jsonschema.Draft202012Validator(schema)
    with open(path, newline="", encoding="utf-8-sig") as f:
        lines = (
            (number, line)
            for number, line in enumerate(f, start=1)
            if line.strip() and not line.lstrip().startswith("#")
        )
        numbers, texts = [], []
        for number, line in lines:
            numbers.append(number)
            texts.append(line)
        rows = list(csv.reader(texts, delimiter="\t" if extension == ".tsv" else ","))
    if not rows:
        raise SheetError(f"{_where(path)} has no header line")
    header = [name.strip() for name in rows[0]]
    for name in header:
        if not name:
            raise SheetError(f"{_where(path, numbers[0])}: a column has no name")
        if header.count(name) > 1:
            raise SheetError(f"{_where(path, numbers[0], name)}: the column appears twice")
    if "image" not in header:
        raise SheetError(f"{_where(path, numbers[0])}: there is no column 'image'")
    metadata = [name for name in header if name != "image" and name not in SETTINGS]
    for name in metadata:
        if name in reserved or name.startswith(RESERVED_PREFIXES):
            raise SheetError(
                f"{_where(path, numbers[0], name)}: a metadata column may not take the"
                " name of a column of the results; rename it"
            )
    samples, seen = [], {}
    for number, cells in zip(numbers[1:], rows[1:]):
        if len(cells) > len(header):
            raise SheetError(
                f"{_where(path, number)}: {len(cells)} cells for {len(header)} columns"
            )
        cells += [""] * (len(header) - len(cells))  # trailing empty cells left out
        row = dict(zip(header, cells))
        checked = {
            name: _typed(name, cell.strip())
            for name, cell in row.items()
            if name not in SETTINGS or cell.strip()
        }
        error = next(iter(sorted(validator.iter_errors(checked), key=lambda e: e.path)), None)
        if error is not None:
            column = error.path[0] if error.path else "image"
            raise SheetError(f"{_where(path, number, column)}: {_message(error)}")
        image = row["image"]
        key = os.path.normpath(image)
        if key in seen:
            raise SheetError(
                f"{_where(path, number, 'image')}: {image!r} is listed on line {seen[key]} too"
            )
        seen[key] = number
        samples.append(
            Sample(
                image=image,
                line=number,
                settings={k: v for k, v in checked.items() if k in SETTINGS},
                metadata={name: row[name] for name in metadata},
            )
        )
    if not samples:
        raise SheetError(f"{_where(path)} lists no image")
    return samples, metadata


def resolve_settings(defaults, sample, path):
    """A row's settings: its own, else the config's.

    Parameters
    ----------
    defaults : dict
        The config's, by column name (``SETTINGS``).
    sample : Sample
    path : str
        The sheet, for the message.

    Returns
    -------
    settings : dict

    Raises
    ------
    SheetError
        If the combination is invalid: method ``fixed`` without a value.

    Notes
    -----
    A row's own ``min_area`` (in pixels) wins over the config's
    ``min_area_mm2``, as any own setting over the config's.
    """
    settings = {**defaults, **sample.settings}
    if "min_area" in sample.settings and "min_area_mm2" not in sample.settings:
        settings["min_area_mm2"] = None  # the row's own minimum, in pixels
    if settings["method"] == "fixed" and settings["value"] is None:
        raise SheetError(
            f"{_where(path, sample.line, 'value')}: method 'fixed' needs a number in"
            " [0, 1] here or in config key threshold.value"
        )
    return settings


def pixel_size_from_dpi(dpi):
    """Millimetres per pixel from an image's resolution tag (dots per inch).

    Parameters
    ----------
    dpi : tuple of 2 float or None
        ``(x, y)``, as Pillow reports it in ``image.info['dpi']``.

    Returns
    -------
    pixel_size : float

    Raises
    ------
    ValueError
        If there is no tag, it is not positive, or the pixels are not square.
    """
    if not dpi:
        raise ValueError("it has no resolution (dpi) tag")
    x, y = (float(v) for v in dpi)
    if not (x > 0 and y > 0):
        raise ValueError(f"its resolution tag is {x:g} x {y:g} dpi")
    if abs(x - y) > 1e-6 * max(x, y):
        raise ValueError(f"its pixels are not square ({x:g} x {y:g} dpi)")
    return 25.4 / x


def stage_settings(stage, settings):
    """The settings a stage uses of an image's settings.

    A segmenter's setting is used only by the segmenters that name it
    (:attr:`rootmass.segmentation.Segmenter.settings`, and
    ``threshold_settings`` in stage ``threshold``, where ``foreground`` too
    is used only by those that name it): for other methods it is None (the
    settings older than the multi-level and local methods) or left out, so
    that changing it changes nothing a stage depends on; a run made before
    those methods existed has the same params, and re-runs nothing. The
    segmenter then resolves what depends on other settings (a markers'
    margin of None: :func:`rootmass.segmentation.marker_margin` of the
    image's sigma). The objects stage gets its settings resolved
    (:func:`object_settings`).
    """
    if stage == "objects":
        return object_settings(settings)
    if stage == "roots":
        return root_settings(settings)
    used = {key: settings[key] for key in STAGE_SETTINGS[stage]}
    chosen = segmenter(settings["method"])
    needed = chosen.threshold_settings if stage == "threshold" else chosen.settings
    shared = ("foreground",) if stage == "threshold" else ()
    for key in [*_SEGMENTATION, *shared]:
        if key in used and key not in needed:
            if key in _SEGMENTATION and _SEGMENTATION[key].unused_as_none:
                used[key] = None
            else:
                del used[key]
    return chosen.stage_settings(used, settings)


def object_settings(settings):
    """The objects stage's settings of an image, resolved.

    ``filter_connectivity`` None is ``connectivity``; ``min_area_mm2``,
    where given, replaces ``min_area`` by the smallest whole number of
    pixels of at least that area (``ceil(mm2 / pixel_size**2)``; None
    without a pixel size, or with ``file`` before it is read); the declumping's
    parameters are None with declumping off. So only what changes the
    objects re-runs the stage.

    Parameters
    ----------
    settings : dict
        An image's settings (every key of :data:`STAGE_SETTINGS` ``objects``;
        ``pixel_size`` a number or None, not ``file``).

    Returns
    -------
    dict
        ``connectivity``, ``min_area``, ``filter_connectivity``, ``declump``,
        ``declump_h``, ``declump_smoothing``, ``pixel_size``.
    """
    connectivity = settings["connectivity"]
    filtering = settings["filter_connectivity"]
    min_area = settings["min_area"]
    if settings["min_area_mm2"] is not None and not isinstance(
            settings["pixel_size"], (int, float)):
        # "file": each image's own, from its file; None: no pixel size, which
        # an image may not have (rootmass.workflow.experiment.check_object_settings)
        min_area = None
    elif settings["min_area_mm2"] is not None:
        pixels = settings["min_area_mm2"] / settings["pixel_size"] ** 2
        # (the rounding error of the division does not add a pixel)
        min_area = max(1, math.ceil(round(pixels, 9)))
    declumped = bool(settings["declump"])
    return {
        "connectivity": connectivity,
        "min_area": None if min_area is None else int(min_area),
        "filter_connectivity": connectivity if filtering is None else filtering,
        "declump": declumped,
        "declump_h": settings["declump_h"] if declumped else None,
        "declump_smoothing": settings["declump_smoothing"] if declumped else None,
        "pixel_size": settings["pixel_size"],
    }


def root_settings(settings):
    """The roots stage's settings of an image, resolved: with
    ``measure_roots`` false, the others are None (changing them re-runs
    nothing); the classes as lists of floats, those in mm empty without a
    pixel size.

    Returns
    -------
    dict
        ``measure_roots``, ``prune_length``, ``diameter_classes`` (mm),
        ``diameter_classes_px``, ``min_root_area``, ``min_root_elongation``.
    """
    keys = ("measure_roots", "prune_length", "diameter_classes", "diameter_classes_px",
            "min_root_area", "min_root_elongation")
    if not settings["measure_roots"]:
        return dict.fromkeys(keys) | {"measure_roots": False}
    in_mm = settings["pixel_size"] is not None
    return {
        "measure_roots": True,
        "prune_length": float(settings["prune_length"]),
        "min_root_area": float(settings["min_root_area"]),
        "min_root_elongation": float(settings["min_root_elongation"]),
        "diameter_classes": [float(v) for v in settings["diameter_classes"] or []]
        if in_mm else [],
        "diameter_classes_px": [float(v) for v in settings["diameter_classes_px"] or []],
    }


def settings_for(params, image):
    """An image's settings in a stage's params (see the workflow's
    stage_params): its own, where they differ, else the config's."""
    return params["images"].get(image, params["default"])


def read_truth_lengths(path):
    """The true lengths a sample sheet gives, by image: its column
    ``truth_length`` (the demo's sheet has it for every root image).

    For the jobs (rule ``evaluate``), which read the demo's sheet, the demo
    rule's output, where planning does not: a plan never reads what a rule
    makes.

    Returns
    -------
    dict
        ``{image: length}`` (the sheet's ``image`` cell) of the rows whose
        ``truth_length`` is a finite number >= 0.

    Raises
    ------
    SheetError
        Naming the file, where it cannot be read.
    """
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = csv.DictReader((line for line in f if not line.startswith("#")),
                                  delimiter="\t")
            found = {row["image"]: float(row["truth_length"])
                     for row in rows if row.get("truth_length")}
    except (OSError, ValueError, KeyError, csv.Error) as error:
        raise SheetError(f"samples sheet {path!r}: cannot read its truth_length: {error}"
                         ) from None
    return {image: length for image, length in found.items()
            if math.isfinite(length) and length >= 0}
