"""Which images' thresholding looks wrong: the rules of results/qc/flagged.csv.

Small pure functions: numbers and rows in, rows out; nothing here reads or
writes files. An image is flagged, with one row per reason, when

- it failed (``status`` ``error``; ``on_error: skip``), or a stage after
  its mask did (its objects: ``status`` ``ok`` with an ``error``): reason
  ``failed``, value the error;
- its mask is almost empty (ratio below :data:`EMPTY_RATIO`) or almost full
  (above :data:`FULL_RATIO`): ``empty mask`` or ``full mask``, value the
  ratio;
- its threshold, or its ratio, lies far outside those of the images made
  alike (:func:`alike`): those of its group (the sample sheet's
  ``group_by``; the whole collection without one) with the same settings
  (:data:`ALIKE`: grayscale, blur and method, as ratios.csv records them), or, where
  they are fewer than :data:`MIN_GROUP` with a result, every image of the
  collection with the same settings; where those too are fewer, it is not
  judged. More than :data:`OUTLIER_Z` scaled MADs from their median
  (:func:`robust_z`; the scale is at least :data:`MIN_SCALE`, so that a
  tight collection does not make small differences outliers): ``threshold
  outlier`` (never for a fixed threshold, a person's choice) or ``ratio
  outlier``, value the robust z-score;
- its foreground is the background (:func:`background_share`): its
  largest object covers more than :data:`BACKGROUND_SHARE` of the image
  (of its ROI), or it is one object covering at least
  :data:`ONE_OBJECT_SHARE` (the bright medium of a plate at Otsu's
  threshold: 0.23 of the lesson's colonies-01, one object; the lesson's
  root photos: 0.04 to 0.14, 77 to 202 objects): ``background taken as
  foreground``, value the share (with the objects stage only);
- it has more objects (the objects stage's count) than ``max_objects``
  (config key objects.max_objects): ``too many objects``, value the count
  (a mask of noise, or a threshold on the wrong side);
- its histogram has no clear separation at its threshold: the between-class
  variance at ``t`` is less than :data:`MIN_SEPARATION` of the blurred
  image's total variance (:func:`separation`; Otsu's criterion) of the
  pixels its method considers (those below the bright cutoff, for
  ``otsu_excluding_bright``): ``poor separation``, value the fraction.
  Measured at Otsu's threshold: 0.636 for an image of pure Gaussian noise
  (in theory 2/pi), 0.72 to 0.84 for the lesson's root photos, 0.76 to 0.84
  for the demo's, 0.77 to 0.97 for the lesson's shapes and colonies; 0.70
  for colonies-01 at the lesson's procedure 7 (0.21 over every pixel, the
  bright surround included). A fixed threshold, which a person chose from
  the histogram (the lesson's procedures), is not judged: 0.20 for
  colonies-01 at the lesson's own 0.2.

Most suspicious first: failed images, then empty and full masks, then the
others by how far out they are (:func:`flag_images`).
"""

import math
import statistics

import numpy as np

__all__ = [
    "EMPTY_RATIO",
    "FULL_RATIO",
    "OUTLIER_Z",
    "MIN_GROUP",
    "MIN_SCALE",
    "MIN_SEPARATION",
    "ALIKE",
    "BACKGROUND_SHARE",
    "ONE_OBJECT_SHARE",
    "FLAG_COLUMNS",
    "separation",
    "robust_z",
    "alike",
    "background_share",
    "flag_images",
]

#: A mask with less than this fraction of foreground is "empty".
EMPTY_RATIO = 0.001
#: A mask with more than this fraction of foreground is "full".
FULL_RATIO = 0.95
#: An outlier lies more than this many scaled MADs from the median.
OUTLIER_Z = 3.0
#: The smallest scale of the robust z-scores, by column: thresholds and
#: ratios within 3 x this of the median are never outliers.
MIN_SCALE = {"threshold": 0.02, "ratio": 0.01}
#: Fewer images made alike with a result than this: compared more widely,
#: or not judged (:func:`alike`).
MIN_GROUP = 8
#: The columns of results/ratios.csv that make images alike: the settings
#: it records of those that decide a threshold and a ratio.
ALIKE = ("grayscale", "sigma", "method")
#: A largest object covering more than this share of the image (its ROI)
#: is the background taken as foreground.
BACKGROUND_SHARE = 0.5
#: So is a foreground of one object covering at least this share.
ONE_OBJECT_SHARE = 0.2
#: Below this fraction of the total variance, the classes are not separated.
MIN_SEPARATION = 0.68
#: The columns of results/qc/flagged.csv.
FLAG_COLUMNS = ("image", "reason", "value")

#: 1 / the standard normal's third quartile: a MAD times this estimates
#: the standard deviation of normally distributed values.
_MAD_SCALE = 1.4826


def separation(hist, t, below=None):
    """How well ``t`` separates an image's histogram into two classes.

    Parameters
    ----------
    hist : tuple of ndarray
        ``(counts, bin_centers)``, :func:`rootmass.segmentation.image_histogram`.
    t : float
        The threshold; the bins with centres at or below it are one class.
    below : float, optional
        Only the bins with centres below it (the pixels a method considers:
        ``otsu_excluding_bright``'s below its bright cutoff).

    Returns
    -------
    fraction : float
        ``w0 * w1 * (mu0 - mu1) ** 2 / variance``: the between-class variance
        at ``t`` as a fraction of the total, in [0, 1] (Otsu's criterion,
        which Otsu's ``t`` maximises); 0 if ``t`` leaves one class empty,
        1 for an image of two values split between them; 0 for a uniform
        image.
    """
    counts, centers = (np.asarray(a, dtype=np.float64) for a in hist)
    if below is not None:
        counts, centers = counts[centers < below], centers[centers < below]
    total = counts.sum()
    if total <= 0:
        raise ValueError("the histogram is empty")
    p = counts / total
    mean = float(np.dot(p, centers))
    variance = float(np.dot(p, (centers - mean) ** 2))
    low = centers <= t
    w0 = float(p[low].sum())
    w1 = 1.0 - w0
    if variance <= 0 or w0 <= 0 or w1 <= 0:
        return 0.0
    mu0 = float(np.dot(p[low], centers[low])) / w0
    mu1 = float(np.dot(p[~low], centers[~low])) / w1
    return min(1.0, w0 * w1 * (mu0 - mu1) ** 2 / variance)


def robust_z(values, min_scale=0.0):
    """Robust z-scores: ``(x - median) / max(1.4826 * MAD, min_scale)``.

    Parameters
    ----------
    values : sequence of float
    min_scale : float, optional

    Returns
    -------
    z : list of float
        Where more than half of the values are equal (MAD 0), the mean
        absolute deviation from the median times 1.2533 stands in for the
        scaled MAD; where all are equal, every z is 0.

    Examples
    --------
    >>> [round(z, 3) for z in robust_z([1.0, 2.0, 3.0, 4.0, 100.0])]
    [-1.349, -0.674, 0.0, 0.674, 65.426]
    """
    values = [float(v) for v in values]
    if not values:
        return []
    median = statistics.median(values)
    deviations = [abs(v - median) for v in values]
    scale = _MAD_SCALE * statistics.median(deviations)
    if scale == 0:
        scale = 1.2533 * math.fsum(deviations) / len(deviations)
    scale = max(scale, min_scale)
    if scale == 0:
        return [0.0] * len(values)
    return [(v - median) / scale for v in values]


def alike(rows, group_by=()):
    """The images each image is compared with: its group's with its
    settings (:data:`ALIKE`), or where they are fewer than
    :data:`MIN_GROUP`, the collection's with its settings, or where those
    too are fewer, none.

    Parameters
    ----------
    rows : sequence of dict
        The images with a result, as :func:`flag_images` takes them.
    group_by : sequence of str, optional

    Returns
    -------
    list of list of dict
        For each of ``rows``, in order, the rows it is compared with
        (itself among them), or ``[]``.
    """
    def settings(row):
        return tuple(str(row.get(c, "")) for c in ALIKE)

    same = {}
    for row in rows:
        same.setdefault(settings(row), []).append(row)
    grouped = {}
    for row in rows:
        grouped.setdefault((settings(row), tuple(row.get(c) for c in group_by)),
                           []).append(row)
    found = []
    for row in rows:
        group = grouped[(settings(row), tuple(row.get(c) for c in group_by))]
        wider = same[settings(row)]
        found.append(group if len(group) >= MIN_GROUP
                     else wider if len(wider) >= MIN_GROUP else [])
    return found


def background_share(row):
    """How much of an image (of its ROI) its foreground's largest object
    covers where that makes the foreground the background (more than
    :data:`BACKGROUND_SHARE`; or one object, at least
    :data:`ONE_OBJECT_SHARE`), else None; None without the objects'
    columns (``objects``, ``object_area_max``, ``total_pixels`` and, with a
    ROI, ``roi_pixels``)."""
    try:
        count, largest = int(row["objects"]), float(row["object_area_max"])
        pixels = float(row.get("roi_pixels") or row["total_pixels"])
    except (KeyError, TypeError, ValueError):
        return None
    if pixels <= 0:
        return None
    share = largest / pixels
    if share > BACKGROUND_SHARE or (count == 1 and share >= ONE_OBJECT_SHARE):
        return share
    return None


def flag_images(rows, group_by=(), max_objects=None):
    """The flags of a collection, most suspicious first.

    Parameters
    ----------
    rows : sequence of dict
        One per image, as ``results/ratios.csv`` has them: ``image``,
        ``status`` (``ok`` or ``error``), and for ``ok`` ``ratio``,
        ``threshold`` and ``separation`` (numbers, or their text; an empty or
        missing separation is not judged), for ``error`` ``error``; and the
        ``group_by`` columns.
    group_by : sequence of str, optional
    max_objects : int or None, optional
        Rows whose ``objects`` (a number, or its text; empty: not judged)
        is above it are flagged; None: none are.

    Returns
    -------
    flags : list of dict
        ``{"image", "reason", "value"}``, an image's rows together, the
        images ordered by their most suspicious flag: failed, then empty or
        full or with too many objects, then the background taken as
        foreground, then by how far out (``|z| / OUTLIER_Z``, or
        ``MIN_SEPARATION / separation``), then by path.
    """
    flags = {}

    def add(image, reason, value, severity):
        flags.setdefault(image, []).append((severity, reason, value))

    ok = [row for row in rows if row["status"] == "ok"]
    for row in rows:
        if row["status"] != "ok":
            add(row["image"], "failed", row.get("error", ""), math.inf)
    for row in ok:
        if row.get("error"):  # a later stage failed on it (its objects)
            add(row["image"], "failed", row["error"], math.inf)
        ratio = float(row["ratio"])
        if ratio < EMPTY_RATIO:
            add(row["image"], "empty mask", ratio, 1e6)
        elif ratio > FULL_RATIO:
            add(row["image"], "full mask", ratio, 1e6)
        objects = row.get("objects")
        if max_objects is not None and objects not in (None, "") and int(objects) > max_objects:
            add(row["image"], "too many objects", int(objects), 1e6)
        share = background_share(row)
        if share is not None and ratio <= FULL_RATIO:
            add(row["image"], "background taken as foreground", share, 1e5)
        fraction = row.get("separation")
        if fraction is None or fraction == "" or row.get("method") == "fixed":
            continue  # (measured before it was recorded; a t a person chose)
        fraction = float(fraction)
        if fraction < MIN_SEPARATION:
            add(row["image"], "poor separation", fraction,
                MIN_SEPARATION / max(fraction, 1e-9))

    scores = {}  # (the z-scores of each set of images alike, once)
    for row, among in zip(ok, alike(ok, group_by)):
        for column, reason in (("threshold", "threshold outlier"), ("ratio", "ratio outlier")):
            if (id(among), column) not in scores:
                # (a classifier's mask has no threshold: not compared)
                valued = [r for r in among if r[column] not in (None, "")]
                scores[id(among), column] = dict(zip(
                    [r["image"] for r in valued],
                    robust_z([float(r[column]) for r in valued], MIN_SCALE[column]))
                ) if len(valued) >= 2 else {}
            z = scores[id(among), column].get(row["image"])
            if column == "threshold" and row.get("method") == "fixed":
                continue  # (a t a person chose)
            if z is not None and abs(z) > OUTLIER_Z:
                add(row["image"], reason, z, abs(z) / OUTLIER_Z)

    ordered = sorted(flags.items(), key=lambda item: (-max(s for s, _, _ in item[1]), item[0]))
    return [
        {"image": image, "reason": reason, "value": value}
        for image, found in ordered
        for _, reason, value in sorted(found, key=lambda f: -f[0])
    ]
