"""The workflow's config: what ``--config`` strings mean, and one line for a
config that does not fit the schema.

Snakemake reads ``--config key=value`` with YAML's BaseLoader, so every
value of a nested setting arrives as a string, and ``qc=false`` as the
string ``'false'``. :func:`normalise` turns them into what the same text in
a YAML config file would be, before the schema is checked;
:func:`config_error` turns the schema's complaint into one line naming the
key, what is wrong and what is allowed.

- :class:`ConfigError`: a config that will not do (its message is the line).
- :func:`typed`: a string as YAML would read it, if a plain scalar.
- :func:`normalise`: the config with ``--config`` strings read as values.
- :func:`config_error`: one line for a jsonschema ``ValidationError``.
- :func:`check_config`: all of it: the config normalised, checked against
  the schema and completed with the schema's defaults, or one line.
- :func:`config_schema`: the schema file's, with the registered segmenters'
  settings it does not describe.
- :func:`unused_settings`: a line for each setting given that does nothing
  in the run (``threshold.value`` with Otsu's method).
"""

import math

import yaml

__all__ = [
    "ConfigError",
    "NESTED_SECTIONS",
    "typed",
    "normalise",
    "config_error",
    "check_config",
    "config_schema",
    "check_method",
    "unused_settings",
    "unused_in_run",
]

#: The sections whose values may be given one by one with --config.
NESTED_SECTIONS = ("threshold", "objects", "roots", "demo", "regions")
#: Keys that take true or false.
_FLAGS = ("qc", "keep_blurred")
#: Keys whose null may be written ``null``, ``none`` or nothing.
_NULLABLE = ("images", "samples", "group_by", "pixel_size", "method_panel", "truth", "roi",
             "evaluate_grayscale")
#: An example of each nested section, for the hint about quoting it whole.
_EXAMPLES = {"threshold": "{method: otsu}", "objects": "{min_area: 10}",
             "roots": "{measure: true}", "demo": "{count: 12}",
             "regions": "{source: bands, bands: {every: 100}}"}


class ConfigError(ValueError):
    """A config that will not do; the message is one line naming the key."""


def typed(value):
    """A value of a nested setting given with ``--config``, as YAML reads it.

    Parameters
    ----------
    value : object
        The value as Snakemake passes it (a string for ``--config``).

    Returns
    -------
    object
        ``value`` read by YAML where that gives null, a boolean or a number
        (each item of a list, each value of a mapping); else ``value``
        unchanged.
    """
    if isinstance(value, list):  # a list given with --config: its items
        return [typed(item) for item in value]
    if isinstance(value, dict):  # a section within a section (regions.grid)
        return {key: typed(item) for key, item in value.items()}
    if not isinstance(value, str):
        return value
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    return parsed if parsed is None or isinstance(parsed, (bool, int, float)) else value


def _is_null_text(value):
    return str(value).lower() in ("", "null", "none")


def normalise(config):
    """The config with ``--config`` strings read as the values they mean.

    Parameters
    ----------
    config : dict
        The config as Snakemake built it; changed in place.

    Returns
    -------
    dict
        ``config`` itself.

    Raises
    ------
    ConfigError
        A value that is a number but not a finite one (``sigma=nan``).

    Notes
    -----
    ``demo=false`` (or null, or empty) turns the demo off; ``qc=false``
    and ``keep_blurred=false`` are booleans; ``images=null`` and the other
    nullable keys are null.
    """
    for section in NESTED_SECTIONS:
        if isinstance(config.get(section), dict):
            config[section] = {key: typed(v) for key, v in config[section].items()}
    if _is_null_text(config.get("demo")) or str(config.get("demo")).lower() == "false":
        config["demo"] = None
    for flag in _FLAGS:
        if str(config.get(flag)).lower() in ("true", "false"):
            config[flag] = str(config[flag]).lower() == "true"
    for key in _NULLABLE:
        if _is_null_text(config.get(key)):
            config[key] = None
    nested = [
        (f"{section}.{k}", v)
        for section in ("threshold", "objects", "roots")
        if isinstance(config.get(section), dict)
        for k, v in config[section].items()
    ]
    items = [(f"{key}.{i}", v) for key, value in nested if isinstance(value, list)
             for i, v in enumerate(value)]
    for key, value in [*config.items(), *nested, *items]:
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"config key '{key}': {value!r} is not a finite number")
    return config


def config_error(error):
    """One line for a config that does not fit the schema.

    Parameters
    ----------
    error : Exception
        What the schema check raised: a ``jsonschema.ValidationError``, or
        an error chained to one (Snakemake's ``validate`` raises its own
        WorkflowError from it).

    Returns
    -------
    str
        The key, what is wrong and what is allowed, e.g. ``config key
        'sigma': -1 is less than the minimum of 0``; ``str(error)`` for an
        error that no schema check caused.
    """
    import jsonschema

    cause = error
    if not isinstance(cause, jsonschema.ValidationError):
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
        example = _EXAMPLES.get(key, "{count: 12}")
        return (
            f"config key '{key}': {value!r} is not a mapping; on the command line a"
            f" nested setting is written whole, in quotes: {key}='{example}'"
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
    if cause.validator == "not":  # threshold.window, not a multiple of 2
        return f"config key '{key}': {value!r} is even; it must be an odd number"
    return f"config key '{key}': {cause.message}"


def check_config(config, schema):
    """Normalise a config and check it against the workflow's schema.

    Parameters
    ----------
    config : dict
        Changed in place: ``--config`` strings read as values
        (:func:`normalise`), missing keys set to the schema's defaults.
    schema : str
        The path of ``workflow/schemas/config.schema.yaml``.

    Returns
    -------
    dict
        ``config`` itself.

    Raises
    ------
    ConfigError
        One line naming the key (:func:`config_error`).
    """
    import jsonschema

    normalise(config)
    try:
        _validate(config, config_schema(schema))
    except jsonschema.ValidationError as error:
        raise ConfigError(config_error(error)) from None
    check_method(config["threshold"]["method"])
    return config


def config_schema(path):
    """The workflow's config schema: the file's, and in its section
    ``threshold`` each registered segmenter's setting that the file does
    not describe (:meth:`rootmass.segmentation.Setting.json_schema`), so
    that a new segmenter's settings need no edit of the file.

    Parameters
    ----------
    path : str
        The path of ``workflow/schemas/config.schema.yaml``.

    Returns
    -------
    dict
    """
    from rootmass.segmentation import settings_table

    with open(path, encoding="utf-8") as f:
        schema = yaml.safe_load(f)
    section = schema["properties"]["threshold"]["properties"]
    for name, setting in settings_table().items():
        section.setdefault(name, setting.json_schema())
    return schema


def _validate(config, schema):
    """Check ``config`` against ``schema`` and complete it with the schema's
    defaults, as ``snakemake.utils.validate`` does (jsonschema's recipe,
    from its FAQ; the first error raised), for a schema given as a dict."""
    import jsonschema

    base = jsonschema.Draft202012Validator
    properties = base.VALIDATORS["properties"]

    def set_defaults(validator, given, instance, subschema):
        if isinstance(instance, dict):
            for name, property_schema in given.items():
                if "default" in property_schema:
                    instance.setdefault(name, property_schema["default"])
        yield from properties(validator, given, instance, subschema)

    jsonschema.validators.extend(base, {"properties": set_defaults})(schema).validate(config)


def check_method(method):
    """Refuse a ``threshold.method`` that no segmenter registered has (the
    schema leaves the names to :func:`rootmass.segmentation.method_names`).

    Raises
    ------
    ConfigError
        ``config key 'threshold.method': 'magic' is not one of 'fixed', ...``,
        as the schema's enum said it.
    """
    from rootmass.segmentation import method_names

    if method not in method_names():
        allowed = ", ".join(map(repr, method_names()))
        raise ConfigError(f"config key 'threshold.method': {method!r} is not one of {allowed}")


def unused_settings(config, schema, methods, panel=False, roots=True, objects=True,
                    declump=True):
    """A warning line for each setting given (other than its default) that
    no step of the run uses: a ``threshold`` key that none of the images'
    methods uses (nor, with ``panel``, the method panel's and the
    evaluation's), a ``roots`` key where the roots are not measured, an
    ``objects`` key where the objects stage is off, a ``declump_*`` key
    where no image is declumped.

    Parameters
    ----------
    config : dict
        The checked config (:func:`check_config`).
    schema : dict
        :func:`config_schema`'s, for the defaults.
    methods : iterable of str
        The images' methods.
    panel : bool, optional
        Whether the method panel or the evaluation compare the panel's
        methods (QC on, or ground truth given).
    roots, objects, declump : bool, optional
        Whether the roots are measured, the objects stage runs, and any
        image is declumped.

    Returns
    -------
    list of str
    """
    from rootmass.segmentation import PANEL_METHODS, segmenter, segmenters

    def given(section):
        props = schema["properties"][section]["properties"]
        return [(key, value) for key, value in config.get(section, {}).items()
                if key in props and "default" in props[key] and value != props[key]["default"]]

    methods = sorted(set(methods))
    compared = [*methods, *(PANEL_METHODS if panel else ())]
    used = set().union(*(segmenter(m).uses() for m in compared))
    lines = []
    for key, value in given("threshold"):
        if key not in used:
            users = [s.name for s in segmenters() if key in s.uses()]
            lines.append(
                f"config key 'threshold.{key}' ({value!r}) does nothing in this run: the"
                f" method{'s' if len(methods) > 1 else ''} {', '.join(map(repr, methods))}"
                f" do{'' if len(methods) > 1 else 'es'} not use it ({', '.join(map(repr, users))}"
                f" do{'' if len(users) > 1 else 'es'})")
    why = {"roots": None if roots else "the roots are not measured (roots: {measure: true})",
           "objects": None if objects else "the objects stage is off (objects.enabled)"}
    for section, reason in why.items():
        for key, value in given(section) if reason else ():
            if key not in ("measure", "enabled"):
                lines.append(f"config key '{section}.{key}' ({value!r}) does nothing in this"
                             f" run: {reason}")
    lines += _unused_region_settings(config.get("regions") or {},
                                     schema["properties"]["regions"]["properties"], methods)
    if objects and not declump:
        for key, value in given("objects"):
            if key in ("declump_h", "declump_smoothing"):
                lines.append(f"config key 'objects.{key}' ({value!r}) does nothing in this"
                             " run: no image is declumped (objects.declump)")
    return lines


#: The regions' settings and the sources that use them (any source: the others).
_REGION_USERS = {"grid": ("grid",), "circles": ("circles",), "labels": ("labels",),
                 "bands": ("bands",), "dish": ("dish",), "letters": ("grid", "circles"),
                 "numbers": ("grid", "circles")}


def _unused_region_settings(regions, schema, methods=()):
    """A line for each ``regions`` setting given that its source does not
    use, and for regions' own thresholds where no method of the run
    estimates one from an image's pixels (``fixed``, a collection's)."""
    from rootmass.segmentation import segmenter

    source, lines = regions.get("source"), []
    own = [m for m in methods if m != "fixed" and segmenter(m).scope != "collection"]
    if source and methods and not own and regions.get("threshold", "image") != "image":
        one = len(methods) == 1
        lines.append(f"config key 'regions.threshold' ({regions['threshold']!r}) does nothing"
                     f" in this run: the method{'' if one else 's'}"
                     f" {', '.join(map(repr, methods))} estimate{'s' if one else ''} no"
                     " threshold from a region's pixels")
    for key, users in _REGION_USERS.items():
        props = schema[key].get("properties")
        values = regions.get(key)
        given = ({k: v for k, v in values.items() if v != props[k].get("default")}
                 if props and isinstance(values, dict) else
                 {key: values} if values != schema[key].get("default") else {})
        for name, value in given.items():
            if source not in users:
                full = f"regions.{key}" + (f".{name}" if props else "")
                why = (f"the regions' source is {source!r}" if source
                       else "there are no regions")
                lines.append(f"config key '{full}' ({value!r}) does nothing in this run:"
                             f" {why} (regions.source)")
    if source is None:
        for key in ("threshold", "metadata"):
            if regions.get(key) != schema[key].get("default"):
                lines.append(f"config key 'regions.{key}' ({regions[key]!r}) does nothing in"
                             " this run: there are no regions (regions.source)")
    return lines


def unused_in_run(config, schemas, experiment, main=True):
    """:func:`unused_settings` of a run: its images' methods, the method
    panel where QC or truth compares the methods, and whether its roots,
    objects and declumping stages run; none outside Snakemake's main
    process (``main``: a job's own Snakemake says nothing).

    Parameters
    ----------
    config : dict
        The checked config.
    schemas : str
        The folder of ``config.schema.yaml``.
    experiment : rootmass.workflow.experiment.Experiment
    main : bool, optional

    Returns
    -------
    list of str
    """
    import os

    if not main:
        return []
    settings = [experiment.settings(image) for image in experiment.images]
    return unused_settings(
        config, config_schema(os.path.join(schemas, "config.schema.yaml")),
        {s["method"] for s in settings}, panel=config["qc"] or bool(experiment.truth_of),
        # (traced roots as truth: the evaluation measures the roots)
        roots=experiment.roots or any(str(truth).lower().endswith(".rsml")
                                      for truth in experiment.truth_of.values()),
        objects=experiment.objects,
        declump=any(s.get("declump") for s in settings))
