"""What Snakemake's report shows of a run: its categories, the labels of
its figures, and a check that the results to report on exist.

Plain data in and out; the report itself is Snakemake's
(``snakemake --report``), with the categories and labels that the rules
give their outputs.

- :data:`CATEGORIES`: the report's menu.
- :func:`report_label`: an image's label.
- :func:`contact_sheet_spans`: the first and last image of each page.
- :func:`flagged_reasons`: flagged.csv as the report's labels.
- :func:`differing_settings` and :func:`missing_results_message`: one line
  for a report asked of settings that made no results.
- :func:`run_description`: the report's opening, of the run it reports on.
"""

import csv
import functools
import json
import os

from rootmass.workflow.batches import image_key

__all__ = [
    "CATEGORIES",
    "CONTACT_SHEET",
    "FLAGGED_SHOWN",
    "report_label",
    "contact_sheet_spans",
    "contact_sheet_labels",
    "flagged_reasons",
    "flagged_labels",
    "differing_settings",
    "missing_results_message",
    "run_description",
    "report_opening",
]

#: The report's categories, in the order its menu lists them (alphabetical):
#: the images to look at first, then the collection, then each image.
CATEGORIES = {
    "flagged": "1. Images to look at",
    "collection": "2. Collection",
    "images": "3. Per image",
    "methods": "4. Method panel",
    "evaluation": "5. Ground truth",
}
#: Contact sheets: pages of thumbnails in image path order.
CONTACT_SHEET = {"columns": 8, "per_page": 48, "cell": 200}
#: The flagged images whose figures the report shows first (all are in the
#: CSV).
FLAGGED_SHOWN = 200


def report_label(image):
    """An image's label in the report: its path (its key if the path has
    braces, which the report would read as wildcards)."""
    return image_key(image) if "{" in image or "}" in image else image


def contact_sheet_spans(images, per_page=CONTACT_SHEET["per_page"]):
    """``["first image to last image"]`` of every contact sheet page."""
    pages = [images[i : i + per_page] for i in range(0, len(images), per_page)]
    return [f"{report_label(page[0])} to {report_label(page[-1])}" for page in pages]


def contact_sheet_labels(spans, page):
    """A contact sheet's labels in the report: its number and its images."""
    return {"sheet": f"{page} of {len(spans)}", "images": spans[page - 1]}


def flagged_reasons(path):
    """``[(image, its reasons in words)]`` in the order of flagged.csv."""
    with open(path, newline="", encoding="utf-8") as f:
        flags = list(csv.DictReader(f))
    reasons = {}
    for flag in flags:
        value = flag["value"] if flag["reason"] == "failed" else format(float(flag["value"]), ".3g")
        reasons.setdefault(flag["image"], []).append(f"{flag['reason']} ({value})")
    return [(image, "; ".join(found)) for image, found in reasons.items()]


@functools.cache
def _flagged(path):
    return flagged_reasons(path)


def flagged_labels(path, rank):
    """A flagged figure's labels in the report: its rank, its image and the
    reasons (flagged.csv at ``path`` read once, whatever the figures)."""
    image, reasons = _flagged(path)[rank - 1]
    return {"image": f"{rank}. {report_label(image)}", "reasons": reasons}


def differing_settings(recorded, current, prefix=""):
    """``'key: value'`` of each setting the run recorded that differs now."""
    differing = []
    for key, value in recorded.items():
        now = current.get(key) if isinstance(current, dict) else None
        if isinstance(value, dict) and isinstance(now, dict):
            differing += differing_settings(value, now, f"{prefix}{key}.")
        elif value != now:
            differing.append(f"{prefix}{key}: {json.dumps(value)}")
    return differing


def missing_results_message(needed, config, out="results"):
    """One line for ``snakemake --report`` where these settings made no
    results, or None where they did.

    Parameters
    ----------
    needed : list of str
        The results the report of these settings shows.
    config : dict
        These settings, to compare with those the last run recorded in
        ``<out>/provenance.json``.
    out : str
        The results folder.

    Notes
    -----
    Snakemake, given other settings than the run's (most often: without
    the run's ``--configfile``), would warn of missing metadata for every
    file and then fail on the first missing one.
    """
    missing = [path for path in needed if not os.path.exists(path)]
    if not missing:
        return None
    how = "give --report the run's own --configfile and --config"
    try:
        with open(f"{out}/provenance.json", encoding="utf-8") as f:
            recorded = json.load(f)["config"]
    except (OSError, ValueError, KeyError):
        return (
            f"snakemake --report: there are no results of these settings in"
            f" '{out}/' to report on: run the workflow first (snakemake --cores 8,"
            f" with your settings), then {how}"
        )
    differing = differing_settings(recorded, config)
    said = f" (the run's settings differ: {'; '.join(differing)})" if differing else ""
    return (
        f"snakemake --report: '{out}/' has no results of these settings ('{missing[0]}'"
        f" is missing): {how}{said}"
    )


#: The groups of settings :func:`run_description` lists, at most.
DESCRIBED = 12


def _how(settings):
    method = settings["method"]
    said = f"method ``{method}``"
    if method == "fixed":
        said += f" (t = {settings.get('value')})"
    elif method in ("otsu_excluding_bright", "otsu_excluding_markers"):
        said += f" (bright cutoff {settings.get('bright_cutoff')})"
    side = "" if method == "classifier" else f", foreground {settings.get('foreground')} t"
    return (f"grayscale ``{settings['grayscale']}``, Gaussian sigma {settings['sigma']},"
            f" {said}{side}")


def _count(n):
    return f"{n} image{'s' if n != 1 else ''}"


def run_description(source, settings):
    """The report's opening paragraph: which images, and how each was
    thresholded (the settings that differ between them, with how many images
    each), as reStructuredText.

    Parameters
    ----------
    source : str
        Where the images come from, after "Thresholding of N images":
        ``"listed in the sample sheet ``photos.tsv``"``, ``"matched by
        ``data/*.jpg``"`` ...
    settings : list of dict
        Each image's settings (``grayscale``, ``sigma``, ``method``,
        ``value``, ``foreground``, ``bright_cutoff``).

    Returns
    -------
    str
    """
    groups = {}
    for one in settings:
        groups[_how(one)] = groups.get(_how(one), 0) + 1
    ordered = sorted(groups.items(), key=lambda item: (-item[1], item[0]))
    opening = f"Thresholding of {_count(len(settings))} {source}"
    if len(ordered) == 1:
        return f"{opening}, each with {ordered[0][0]}."
    lines = [f"{opening}, in {len(ordered)} ways:", ""]
    lines += [f"- {_count(n)}: {how}" for how, n in ordered[:DESCRIBED]]
    if len(ordered) > DESCRIBED:
        rest = sum(n for _, n in ordered[DESCRIBED:])
        lines.append(f"- {_count(rest)} in {len(ordered) - DESCRIBED} other ways"
                     " (``ratios.csv`` has each image's settings)")
    return "\n".join(lines)


def report_opening(experiment, images):
    """:func:`run_description` of a run: the demo, the sheet or the globs
    (config key ``images``), and each image's settings.

    Parameters
    ----------
    experiment : rootmass.workflow.experiment.Experiment
    images : str or list of str or None
        Config key ``images``.

    Returns
    -------
    str
    """
    if experiment.demo_experiment:
        source = f"of the demo experiment (``{experiment.sheet}``)"
    elif experiment.sheet:
        source = f"listed in the sample sheet ``{experiment.sheet}``"
    else:
        globs = images if isinstance(images, list) else [images]
        source = "matched by " + ", ".join(f"``{g}``" for g in globs)
    return run_description(source, [experiment.settings(image) for image in experiment.images])
