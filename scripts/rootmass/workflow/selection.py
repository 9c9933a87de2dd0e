"""The images of a run and what comes with them: the ``images`` globs or
the sample sheet's rows (or the demo's), their headers, their truth files
and regions of interest, and the keys that name metadata columns or an
image.

Plain data in (the validated config, paths relative to the working
directory), plain data out; every mistake is a :class:`ConfigError` whose
message is one line naming the config key, or the sheet's line and column.
Only image headers are read, never pixels, and nothing a rule makes (the
demo's files included).

- :func:`demo_names`: the demo experiment's image paths.
- :func:`discover_images`: the images that the ``images`` globs select.
- :func:`find_samples`: the samples, the metadata columns and the sheet.
- :func:`header_size` and :func:`image_dpi`: what an image's header says.
- :func:`truth_pattern`, :func:`truth_file` and :func:`find_truth`: each
  image's annotated mask (and region of interest).
- :func:`group_by` and :func:`method_panel_image`: the keys that name
  metadata columns or an image, checked against the experiment.
"""

import fnmatch
import functools
import glob
import os
import re
import string

import imagesize
import PIL.Image

from rootmass.demo import PLATE_CONDITION, demo_file_names, demo_plate_names, demo_samples
from rootmass.demo import plate_settings
from rootmass.workflow.batches import figure_key, image_key
from rootmass.workflow.config import ConfigError
from rootmass.workflow.samples import Sample, SheetError, read_sheet
from rootmass.workflow.stages import RESERVED_COLUMNS

__all__ = [
    "DEMO_DIR",
    "DEMO_SHEET",
    "DEMO_TRUTH",
    "demo_names",
    "in_demo_dir",
    "input_files",
    "check_keys",
    "discover_images",
    "find_samples",
    "header_size",
    "image_dpi",
    "truth_pattern",
    "truth_file",
    "find_truth",
    "group_by",
    "method_panel_image",
]

DEMO_DIR = "demo"
DEMO_SHEET = f"{DEMO_DIR}/samples.tsv"
DEMO_TRUTH = f"{DEMO_DIR}/truth/{{stem}}.png"

# Pillow's guard against decompression bombs (it refuses images above 179
# megapixels, a large flatbed scan) is off where only headers are read; the
# jobs check each image against max_megapixels (rootmass.io).
PIL.Image.MAX_IMAGE_PIXELS = None


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
                reserved=RESERVED_COLUMNS,
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
    samples = [
        Sample(
            f"{DEMO_DIR}/{row['image']}", line=i + 3,
            metadata={k: v for k, v in row.items() if k != "image"},
            # the plates' settings and true counts are columns of the demo's
            # sheet; so are the root images' true lengths, which the
            # evaluate jobs read there (the demo rule's output: never read
            # while the workflow is parsed)
            settings=plate_settings(demo, int(row["replicate"]) - 1)
            if row["condition"] == PLATE_CONDITION
            else {},
        )
        for i, row in enumerate(rows)  # line 1 a comment, line 2 the header
    ]
    return samples, ["condition", "replicate"], DEMO_SHEET


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
