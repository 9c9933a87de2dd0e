"""The regions of a run's images (config key ``regions``): each image's
region set (:mod:`rootmass.regions.layout`), checked against the image's
size before any job, the region metadata table, and the rows of
``results/regions.csv``.

The sources (``regions.source``):

- ``grid``: ``regions.grid`` (rows, columns, A1's centre, the spacing, a
  circle ``radius`` or a ``cell``), named A1 ... by ``regions.letters`` and
  ``regions.numbers``;
- ``circles``: a centres file (``regions.circles.file``, a pattern with
  ``{image}`` or ``{stem}``, or a sheet's column ``centres``) and a radius;
  named by the file, else ``1``, ``2``, ... in its order, or A1 ... by their
  positions (``regions.circles.names: plate``);
- ``labels``: a label image (``regions.labels``, a pattern, or a sheet's
  column ``regions``), each non-zero value a region named by the value;
- ``bands``: horizontal bands ``regions.bands.every`` pixels (or mm, with
  ``pixel_size``) deep from the line ``regions.bands.top`` (or a sheet's
  column ``bands_top``) down;
- ``dish``: the largest round dish, found in each image by grayscale_blur
  (:func:`rootmass.regions.dish.find_dish`).
"""

import contextlib
import csv
import os
from dataclasses import dataclass, field

from rootmass.regions.layout import (RegionError, check_region_set, grid_centres,
                                     names_by_position, read_centres)
from rootmass.regions.layout import regions_in, resolve, well_position
from rootmass.regions.measure import (COLOUR_COLUMNS, region_colours, region_foreground,
                                      region_objects)
from rootmass.workflow.selection import ConfigError, header_size, truth_file

__all__ = ["SOURCES", "REGION_COLUMNS", "Regions", "load_regions", "read_region_metadata",
           "regions_rows", "region_csv_columns", "set_in", "image_regions",
           "region_foregrounds", "objects_by_region", "roots_by_region", "regions_table"]

SOURCES = ("grid", "circles", "labels", "bands", "dish")
#: The first columns of results/regions.csv (then the objects' and the
#: roots' where they run, the image's metadata, the region's).
REGION_COLUMNS = ["image", "region", "region_pixels", "foreground_pixels", "ratio",
                  "threshold", "status", "error", *COLOUR_COLUMNS[1:]]
#: The objects' columns of results/regions.csv.
OBJECT_REGION_COLUMNS = ["objects", "object_area_mean", "object_area_median",
                         "object_area_max"]


@dataclass
class Regions:
    """A run's regions: the set shared by its images, those of its own."""

    source: str = None
    shared: dict = None  # the region set of every image without its own
    own: dict = field(default_factory=dict)  # {image: its region set}
    files: dict = field(default_factory=dict)  # {image: its label image}
    threshold: str = "image"
    metadata_table: str = None
    metadata: list = field(default_factory=list)  # the table's columns

    def __bool__(self):
        return self.source is not None

    def set_of(self, image):
        """An image's region set (None without regions)."""
        return self.own.get(image, self.shared)

    def batch_sets(self, images):
        """The region sets of a batch's images, as grayscale_blur's params
        (a change re-runs the batches it changes): ``{"shared": the set of
        those without their own, "own": {image: its set}}``; ``{}`` without
        regions."""
        if not self:
            return {}
        return {"shared": self.shared,
                "own": {image: self.own[image] for image in images if image in self.own}}


def region_csv_columns(experiment):
    """The columns of results/regions.csv, and those the summary
    summarises where it groups regions."""
    objects = OBJECT_REGION_COLUMNS if experiment.objects else []
    measured = [*COLOUR_COLUMNS[1:], *objects, *experiment.root_columns]
    columns = [*REGION_COLUMNS, *objects, *experiment.root_columns, *experiment.metadata,
               *experiment.regions.metadata]
    return columns, measured


def _own_file(sample, column, pattern):
    own = sample.settings.get(column)
    return own if own is not None else truth_file(pattern, sample.image) if pattern else None


def _circles(config, path):
    """A centres file's region set."""
    settings = config["circles"]
    centres, names = read_centres(path)
    if names is None and settings["names"] == "plate":
        names = names_by_position(centres, config["letters"], config["numbers"])
        order = sorted(range(len(names)), key=lambda i: well_position(names[i]))
        centres, names = centres[order], [names[i] for i in order]  # A1, A2, ...
    elif names is None:
        names = [str(i) for i in range(1, len(centres) + 1)]
    return {"kind": "circles", "centres": centres.tolist(), "radius": settings["radius"],
            "names": names}


def _shared_set(config):
    """The region set every image shares (grid, bands in px, dish), or None."""
    source = config["source"]
    if source == "grid":
        grid = config["grid"]
        for key in ("first", "spacing"):
            if grid[key] is None:
                raise RegionError(f"config key 'regions.grid.{key}' is needed for a grid"
                                  " (A1's centre [x, y]; the pixels from row to row and"
                                  " column to column)")
        if (grid["radius"] is None) == (grid["cell"] is None):
            raise RegionError("config key 'regions.grid': give a radius (circles) or a"
                              " cell [width, height] (rectangles), one of them")
        centres, names = grid_centres(grid["rows"], grid["columns"], grid["first"],
                                      grid["spacing"], config["letters"], config["numbers"])
        kind = "circles" if grid["radius"] is not None else "rectangles"
        shape = {"radius": grid["radius"]} if kind == "circles" else {"cell": grid["cell"]}
        return {"kind": kind, "centres": centres.tolist(), "names": names, **shape}
    if source == "dish":
        if config["dish"]["min_radius"] > config["dish"]["max_radius"]:
            raise RegionError("config key 'regions.dish.min_radius'"
                              f" ({config['dish']['min_radius']}) is above max_radius"
                              f" ({config['dish']['max_radius']})")
        return {"kind": "dish", **config["dish"]}
    return None


def _bands(config, pixel_size, image, top=None):
    bands = config["bands"]
    top = bands["top"] if top is None else top
    if bands["unit"] == "px":
        return {"kind": "bands", "top": top, "every": bands["every"], "unit": "px",
                "scale": 1.0}
    if not isinstance(pixel_size, (int, float)):
        raise RegionError(f"config key 'regions.bands.unit': mm needs a pixel_size, and"
                          f" {image!r} has none")
    return {"kind": "bands", "top": top, "every": bands["every"] / pixel_size,
            "unit": "mm", "scale": pixel_size}


def load_regions(config, samples, sheet, settings_of):
    """The regions of a run, every image's checked against its size.

    Parameters
    ----------
    config : dict
        The validated config.
    samples : list of Sample
    sheet : str or None
    settings_of : callable
        An image's settings (its ``pixel_size``, for bands in mm).

    Returns
    -------
    Regions

    Raises
    ------
    ConfigError
        One line naming the key or file and why: a grid that leaves an
        image, regions that overlap, a centres file's bad line, a label
        image of another size than its image, a missing file.
    """
    config = config["regions"]
    source = config["source"]
    if source is None:
        return Regions()
    regions = Regions(source, threshold=config["threshold"],
                      metadata_table=config["metadata"])
    try:
        regions.shared = _shared_set(config)
        where = {"grid": "config key 'regions.grid'", "dish": "config key 'regions.dish'"}
        checked = set()  # the sizes the shared set is checked on (once a size)
        for sample in samples:
            image = sample.image
            if source == "circles":
                path = _own_file(sample, "centres", config["circles"]["file"])
                _must_exist(path, image, sheet, sample, "centres", "regions.circles.file")
                regions.own[image] = _circles(config, path)
                where[image] = f"centres file {path!r}"
            elif source == "labels":
                path = _own_file(sample, "regions", config["labels"])
                _must_exist(path, image, sheet, sample, "regions", "regions.labels")
                regions.own[image] = {"kind": "labels", "file": path}
                regions.files[image] = path
                where[image] = f"label image {path!r}"
                _same_size(path, image)
            elif source == "bands":
                regions.own[image] = _bands(config, settings_of(image)["pixel_size"], image,
                                            sample.settings.get("bands_top"))
                where[image] = "config key 'regions.bands'"
            size = header_size(image)
            shared = image not in regions.own
            if size is not None and not (shared and size in checked):
                said = where.get(image, where.get(source, "config key 'regions'"))
                check_region_set(regions.set_of(image), size[::-1], f"{said} on {image!r}")
                if shared:
                    checked.add(size)
        if regions.metadata_table:
            regions.metadata = read_region_metadata(regions.metadata_table)[0]
            sheet_columns = set(samples[0].metadata) if samples else set()
            both = [c for c in regions.metadata if c in sheet_columns]
            if both:
                raise RegionError(f"config key 'regions.metadata': its column {both[0]!r} is"
                                  f" also a column of the sample sheet {sheet!r}")
    except RegionError as error:
        raise ConfigError(str(error)) from None
    return regions


def _must_exist(path, image, sheet, sample, column, key):
    if path is None:
        raise RegionError(f"config key {key!r}: no file for {image!r} (a pattern such as"
                          f" 'plates/{{stem}}.txt', or the sample sheet's column {column!r})")
    if not os.path.isfile(path):
        by = (f"samples sheet {sheet!r}, line {sample.line}, column {column!r}"
              if sample.settings.get(column) is not None else f"config key {key!r}")
        raise RegionError(f"{by}: {path!r} (of {image!r}) does not exist (relative to"
                          f" {os.getcwd()})")


def _same_size(path, image):
    size, own = header_size(image), header_size(path)
    if size and own and size != own:
        raise RegionError(f"label image {path!r} is {own[0]} x {own[1]} pixels but its image"
                          f" {image!r} is {size[0]} x {size[1]} (width x height)")


def read_region_metadata(path):
    """A region metadata table (config key ``regions.metadata``): a ``.tsv``
    or ``.csv`` file whose column ``region`` names a region (and, where it
    has one, whose column ``image`` names the image; else the row is every
    image's region of that name), its other columns metadata.

    Returns
    -------
    columns : list of str
        The metadata columns.
    rows : dict
        ``{(image or None, region): {column: text}}``.
    """
    where = f"config key 'regions.metadata': {path!r}"
    try:
        with open(path, newline="", encoding="utf-8") as f:
            lines = [line for line in f if line.strip() and not line.startswith("#")]
    except (OSError, UnicodeDecodeError) as error:
        raise RegionError(f"{where} cannot be read: {error}") from None
    delimiter = "\t" if path.endswith(".tsv") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    header = reader.fieldnames or []
    if "region" not in header:
        raise RegionError(f"{where} has no column 'region' (its columns: {header})")
    columns = [c for c in header if c not in ("image", "region")]
    clash = [c for c in columns if c in REGION_COLUMNS or c.startswith(("object", "root_"))]
    if clash:
        raise RegionError(f"{where}: its column {clash[0]!r} is one of regions.csv's own")
    rows = {}
    for number, row in enumerate(reader, 2):
        key = (row.get("image") or None, row["region"])
        if key in rows:
            raise RegionError(f"{where}, row {number}: region {key[1]!r} is given twice")
        rows[key] = {c: row.get(c) or "" for c in columns}
    return columns, rows


def set_in(sets, image):
    """An image's region set in grayscale_blur's params
    (:meth:`Regions.batch_sets`), or None."""
    return sets["own"].get(image, sets["shared"]) if sets else None


def image_regions(region_set, colour, gray, blurred):
    """grayscale_blur's: an image's regions (a dish found in ``blurred``)
    with each one's pixels and mean colours
    (:func:`rootmass.regions.measure.region_colours`)."""
    region_set = resolve(region_set, blurred)
    drawn = regions_in(region_set, blurred.shape)
    return {"set": region_set, "names": drawn.names, **region_colours(drawn, colour, gray)}


def region_foregrounds(regions, mask, t, threshold="image", segment=None, path=None):
    """save_mask's: each region's foreground pixels and threshold.

    Parameters
    ----------
    regions : dict
        :func:`image_regions`'s.
    mask : (M, N) ndarray of bool
        The image's mask.
    t : float or None
        The image's threshold.
    threshold : {'image', 'all', 'each'}, optional
        Config key ``regions.threshold``.
    segment : callable, optional
        ``segment(labels, count, each=...)``: the regions' own mask,
        thresholds and errors (:func:`rootmass.segmentation.segment_regions`
        of the image), for ``'all'`` and ``'each'``.
    path : str, optional
        Where the regions' own mask is saved, for ``'all'`` and ``'each'``.

    Returns
    -------
    dict
        ``regions`` with ``foreground_pixels`` (None for a region whose
        threshold failed), ``threshold``, ``region_errors`` and, with
        ``'all'`` or ``'each'``, ``mask``.
    """
    if "error" in regions:
        return regions
    drawn = regions_in(regions["set"], mask.shape)
    thresholds, errors = [t] * drawn.count, [None] * drawn.count
    if threshold != "image":
        from rootmass.io import save_mask

        mask, thresholds, errors = segment(drawn.labels(), drawn.count,
                                           each=threshold == "each")
        save_mask(path, mask)
        regions = {**regions, "mask": path}
    found = region_foreground(drawn, mask)
    return {**regions, "threshold": thresholds, "region_errors": errors,
            "foreground_pixels": [None if e else f for e, f in zip(errors, found)]}


def objects_by_region(regions, labels, table, measure, load):
    """The objects stage's: each region's objects (by their centroids,
    :func:`rootmass.regions.measure.region_objects`), of the image's
    ``labels`` and object ``table`` (None: made here), or of the regions'
    own mask (``measure(load(path))``: its labels and table) where they have
    one."""
    from rootmass.measure.objects import object_table

    if "error" in regions:
        return None
    if regions.get("mask"):
        labels, table = measure(load(regions["mask"]))
    table = object_table(labels) if table is None else table
    drawn = regions_in(regions["set"], labels.shape)
    return region_objects(drawn, table["centroid_row"], table["centroid_col"], table["area"])


def roots_by_region(regions, mask, measure, load):
    """The roots stage's: ``measure(mask)``'s traits, skeleton and
    diameters (:func:`rootmass.measure.roots.root_traits`) and the regions'
    traits, a list per trait (None for NaN), of the image's skeleton or, where
    the regions have their own mask, of its (``load(path)``)."""
    if not regions or "error" in regions:
        return (*measure(mask), None)
    drawn = regions_in(regions["set"], mask.shape)
    split = (drawn.labels(), drawn.count)
    if regions.get("mask"):
        traits, skeleton, diameters = measure(mask)
        by_region = measure(load(regions["mask"]), regions=split)[3]
    else:
        traits, skeleton, diameters, by_region = measure(mask, regions=split)
    lists = {k: [r[k] if r[k] == r[k] else None for r in by_region] for k in traits}
    return traits, skeleton, diameters, lists


def regions_rows(measurements, objects=None, roots=None):
    """The rows of results/regions.csv of one batch, a row per image x
    region, in the images' order and the regions' (without metadata).

    An image that failed, whose regions failed (a dish not found) or that
    has no region has one row, with no region and the reason. A region whose
    own threshold failed has its error and no foreground, objects or traits;
    where the objects or roots stage failed for an image, its regions keep
    their ratio and say so in ``error``.

    Parameters
    ----------
    measurements : list of dict
        save_mask's rows; an image with regions has ``regions``: its names,
        pixels, colours, foreground and thresholds (lists, one per region).
    objects, roots : list of dict, optional
        The objects and roots stages' rows of the batch, whose ``regions``
        are the per-region values of their columns.
    """
    extra, failed = {}, {}
    for name, rows in (("objects", objects or []), ("roots", roots or [])):
        for row in rows:
            if row.get("regions"):
                extra.setdefault(row["image"], []).append(row["regions"])
            elif row.get("error"):
                failed[row["image"]] = f"{name}: {row['error']}"
    found = []
    for row in measurements:
        regions = row.get("regions") or {}
        image = row["image"]
        reason = (regions.get("error") or row.get("error")
                  or (regions and not regions["names"] and "the image has no region"))
        if not regions or "error" in regions or not regions["names"]:
            if reason or row.get("status") != "ok":
                found.append({"image": image, "region": "", "status": "error",
                              "error": reason or ""})
            continue
        errors = regions.get("region_errors") or [None] * len(regions["names"])
        for i, name in enumerate(regions["names"]):
            own = errors[i] and f"the region's threshold: {errors[i]}"
            out = {"image": image, "region": name, "status": "error" if own else "ok",
                   "error": own or failed.get(image, "")}
            for column in ("region_pixels", "foreground_pixels", "threshold",
                           *COLOUR_COLUMNS[1:]):
                if column in regions:
                    out[column] = regions[column][i]
            if out.get("foreground_pixels") is not None and out.get("region_pixels"):
                out["ratio"] = out["foreground_pixels"] / out["region_pixels"]
            for more in extra.get(image, []) if not own else ():
                out.update({column: values[i] for column, values in more.items()})
            found.append(out)
    return found


@contextlib.contextmanager
def regions_table(path, columns, metadata=None, region_metadata=None):
    """results/regions.csv, written atomically a batch at a time (its memory
    does not grow with the collection).

    Parameters
    ----------
    path : str
    columns : list of str
        :func:`region_csv_columns`'s.
    metadata : dict, optional
        ``{image: its metadata}``, from the sample sheet.
    region_metadata : str, optional
        Config key ``regions.metadata`` (:func:`read_region_metadata`).

    Yields
    ------
    callable
        ``write(measurements, objects=None, roots=None)``: a batch's rows
        (:func:`regions_rows`), each with its image's and its region's
        metadata; floats as ``repr``, every digit.
    """
    from rootmass.io import atomic_path

    metadata = metadata or {}
    regional = read_region_metadata(region_metadata)[1] if region_metadata else {}
    with atomic_path(path, ".csv") as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, extrasaction="ignore", restval="")
        writer.writeheader()

        def write(measurements, objects=None, roots=None):
            for row in regions_rows(measurements, objects, roots):
                row.update(metadata.get(row["image"], {}))
                row.update(regional.get((row["image"], row["region"]))
                           or regional.get((None, row["region"])) or {})
                writer.writerow(row)

        yield write
