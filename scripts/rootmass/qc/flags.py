"""Which images' thresholding looks wrong: the rules of results/qc/flagged.csv.

Small pure functions: numbers and rows in, rows out; nothing here reads or
writes files. An image is flagged, with one row per reason, when

- it failed (``status`` ``error``; ``on_error: skip``), or a stage after
  its mask did (its objects: ``status`` ``ok`` with an ``error``): reason
  ``failed``, value the error;
- its mask is almost empty (ratio below :data:`EMPTY_RATIO`) or almost full
  (above :data:`FULL_RATIO`): ``empty mask`` or ``full mask``, value the
  ratio;
- its threshold, or its ratio, lies far outside those of the other images
  of its group (the sample sheet's ``group_by``; the whole collection
  without one, or for a group of fewer than :data:`MIN_GROUP` images with
  a result): more than :data:`OUTLIER_Z` scaled MADs from the group's
  median (:func:`robust_z`; the scale is at least :data:`MIN_SCALE`, so
  that a tight collection does not make small differences outliers):
  ``threshold outlier`` or ``ratio outlier``, value the robust z-score;
- it has more objects (the objects stage's count) than ``max_objects``
  (config key objects.max_objects): ``too many objects``, value the count
  (a mask of noise, or a threshold on the wrong side);
- its histogram has no clear separation at its threshold: the between-class
  variance at ``t`` is less than :data:`MIN_SEPARATION` of the blurred
  image's total variance (:func:`separation`; Otsu's criterion): ``poor
  separation``, value the fraction. Measured at Otsu's threshold: 0.636
  for an image of pure Gaussian noise (in theory 2/pi), 0.72 to 0.84 for
  the lesson's root photos, 0.76 to 0.84 for the demo's, 0.77 to 0.97 for
  the lesson's shapes and colonies.

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
    "FLAG_COLUMNS",
    "separation",
    "robust_z",
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
#: A group with fewer images with a result is judged against the collection.
MIN_GROUP = 8
#: Below this fraction of the total variance, the classes are not separated.
MIN_SEPARATION = 0.68
#: The columns of results/qc/flagged.csv.
FLAG_COLUMNS = ("image", "reason", "value")

#: 1 / the standard normal's third quartile: a MAD times this estimates
#: the standard deviation of normally distributed values.
_MAD_SCALE = 1.4826


def separation(hist, t):
    """How well ``t`` separates an image's histogram into two classes.

    Parameters
    ----------
    hist : tuple of ndarray
        ``(counts, bin_centers)``, :func:`rootmass.segmentation.image_histogram`.
    t : float
        The threshold; the bins with centres at or below it are one class.

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
        full or with too many objects, then by how far out (``|z| / OUTLIER_Z``, or
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
        fraction = row.get("separation")
        if fraction is None or fraction == "":  # measured before it was recorded
            continue
        fraction = float(fraction)
        if fraction < MIN_SEPARATION:
            add(row["image"], "poor separation", fraction,
                MIN_SEPARATION / max(fraction, 1e-9))

    groups = {}
    for row in ok:
        groups.setdefault(tuple(row.get(c) for c in group_by), []).append(row)
    judged = [members if len(members) >= MIN_GROUP else ok for members in groups.values()]
    if len(ok) >= 2:
        for members, among in zip(groups.values(), judged):
            for column, reason in (("threshold", "threshold outlier"),
                                   ("ratio", "ratio outlier")):
                # (a classifier's mask has no threshold: not compared)
                valued = [r for r in among if r[column] not in (None, "")]
                if len(valued) < 2:
                    continue
                z = dict(zip([r["image"] for r in valued],
                             robust_z([float(r[column]) for r in valued],
                                      MIN_SCALE[column])))
                for row in members:
                    if row["image"] in z and abs(z[row["image"]]) > OUTLIER_Z:
                        add(row["image"], reason, z[row["image"]],
                            abs(z[row["image"]]) / OUTLIER_Z)

    ordered = sorted(flags.items(), key=lambda item: (-max(s for s, _, _ in item[1]), item[0]))
    return [
        {"image": image, "reason": reason, "value": value}
        for image, found in ordered
        for _, reason, value in sorted(found, key=lambda f: -f[0])
    ]
