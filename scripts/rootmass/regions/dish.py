"""The dish of a plate, found in the image itself: :func:`find_dish`."""

import numpy as np
from scipy import ndimage as ndi
from scipy.signal import find_peaks
from skimage.feature import canny
from skimage.measure import CircleModel
from skimage.transform import downscale_local_mean, hough_circle

__all__ = ["find_dish"]

COARSE_SIDE = 200  # the coarse image's longer side, at most (pixels)
FINE_SIDE = 1000  # the fine image's longer side, at most (pixels)
INNER = 0.85  # concentric rims at >= INNER x the outermost's radius are one dish's
MIN_SUPPORT = 0.6  # the rim's share of degrees with an edge across it


def find_dish(gray, min_radius=0.25, max_radius=0.5):
    """The largest round dish in an image (a Petri dish on a scanner bed or
    photographed from above), by a circle fit.

    Parameters
    ----------
    gray : (M, N) array of float or int
        A grayscale image, e.g. the workflow's blurred grayscale in [0, 1];
        light on dark or dark on light.
    min_radius, max_radius : float, optional
        The range of the dish's radius, as fractions of the image's shorter
        side: ``0 < min_radius <= max_radius <= 1``.

    Returns
    -------
    x, y, radius : float
        The centre (x the column, y the row) and the radius of the dish's
        inner rim (see Notes), in pixels of `gray` (the range bounds the
        coarse search: the rim returned may lie a wall's width inside it).

    Raises
    ------
    ValueError
        If an argument is out of range, or if no round dish is found.

    Notes
    -----
    Coarse: the image reduced by block means (`downscale_local_mean`) to at
    most ``COARSE_SIDE`` pixels on its longer side; Canny edges (sigma 1,
    thresholds 0.1 and 0.2 of its 1-99 % grey span); `hough_circle` at every
    whole radius of the range. Candidates: the radii whose best centre has
    half the best votes or more (a run of neighbouring radii once), the
    largest first, so that a colony, however sharp, loses to its dish.

    Fine: Canny edges of the image reduced to ``FINE_SIDE`` pixels;
    `CircleModel` least-squares fits to the edges of the best ring in a band
    about the coarse circle, refitted till the centre settles, the band then
    halved down to one fine pixel. A dish's wall (and a lid) gives
    concentric rings: each ring found is peeled off and the strongest one
    inside it, down to ``INNER`` x the first one's radius, fitted in turn;
    the innermost is returned, the inside of the dish, what a lab measures.
    A wall too thin or faint for the fine edges (under about 4 fine pixels
    wide, 6 at full size after the workflow's blur, or a step under about
    8 % of the grey span) gives one ring, the wall's outer edge, returned.

    A ring counts if, in ``MIN_SUPPORT`` of its degrees, an edge within 1.5
    fine pixels crosses it radially (the grey step along the radius over
    twice that along the ring, all of one sign); else the next candidate is
    tried. A real dish (the lesson's colonies-01.tif) has 0.84, drawn ones
    0.9 to 1; the best circle of the lesson's photos without a dish, of a
    well plate or of pure noise at most 0.4.

    Measured (benchmarks/dish.py: drawn dishes with a wall 4 % of the radius
    wide, roots, noise, colonies; 600 x 800 to 2000 x 3008; one core): the
    centre and radius within 0.02 % of the radius, in 0.05 to 0.1 CPU-s an
    image (0.011 to 0.13 a megapixel). A plain full-resolution
    `hough_circle` over the same radii would take 40 to 2700 times as long
    and finds the wall's outer edge or the colony; the coarse Hough alone
    errs by 3 to 4 % (the outer edge); a second Hough at the fine scale in
    place of the fits errs by 0.15 to 0.3 % and costs twice find_dish's time.
    """
    gray = np.asarray(gray)
    if gray.ndim != 2:
        raise ValueError(f"gray must be a 2-D array; got an array of shape {gray.shape}")
    if gray.size == 0:
        raise ValueError(f"gray must not be empty; got an array of shape {gray.shape}")
    if gray.dtype.kind not in "biuf":
        raise ValueError(f"gray must be a real-valued array; got an array of {gray.dtype}")
    bounds = [("max_radius", max_radius, 1, "1"),
              ("min_radius", min_radius, max_radius, f"max_radius={max_radius!r}")]
    for name, value, top, said in bounds:
        number = isinstance(value, (int, float, np.integer, np.floating))
        if isinstance(value, bool) or not (number and 0 < value <= top):
            raise ValueError(f"{name} must be a number in (0, {said}]; got {value!r}")
    gray = gray.astype(float, copy=False)
    if not np.isfinite(gray).all():
        raise ValueError("gray must hold finite values; got NaN or infinity")
    f, f2 = (-(-max(gray.shape) // side) for side in (COARSE_SIDE, FINE_SIDE))
    small = _reduced(gray, f)
    low, high = np.percentile(small, (1, 99))
    if high > low:
        fine = _reduced(gray, f2)
        rows, cols = np.nonzero(_edges(fine, high - low))
        points = np.column_stack([cols, rows]) * f2 + (f2 - 1) / 2  # (x, y) in gray
        for x, y, r in _candidates(_edges(small, high - low), f, min_radius, max_radius):
            found = _rims(points, fine, f2, x, y, r, 2.5 * f + f2)
            if found is not None:
                return tuple(float(v) for v in found)
    raise ValueError(f"no round dish found: no circle of radius {min_radius:g} to {max_radius:g}"
                     f" of the shorter side with edges across {MIN_SUPPORT:.0%} of its rim")


def _reduced(gray, f):
    """Block means of f x f pixels (the image cropped to a multiple of f)."""
    rows, cols = gray.shape[0] // f * f, gray.shape[1] // f * f
    return gray if f == 1 else downscale_local_mean(gray[:rows, :cols], (f, f))


def _edges(image, span):
    """Canny edges, the hysteresis thresholds 0.1 and 0.2 of the grey span."""
    return canny(image, 1.0, 0.1 * span, 0.2 * span)


def _candidates(edges, f, min_radius, max_radius):
    """Coarse circles (x, y, r) in pixels of `gray`, the largest first."""
    side = min(edges.shape)
    radii = np.arange(max(2, int(min_radius * side)), int(np.ceil(max_radius * side)) + 1)
    if not len(radii) or not edges.any():
        return []
    hough = hough_circle(edges, radii)
    best = hough.reshape(len(radii), -1).max(axis=1)
    runs, _ = ndi.label(best >= 0.5 * best.max())
    found = []
    for run in ndi.find_objects(runs)[::-1][:5]:
        i = run[0].start + int(np.argmax(best[run]))
        y, x = np.unravel_index(np.argmax(hough[i]), hough[i].shape)
        found.append((x * f + (f - 1) / 2, y * f + (f - 1) / 2, radii[i] * f))
    return found


def _rims(points, fine, f2, x, y, r, tol):
    """The dish about the coarse circle (x, y, r): the innermost ring that
    counts, (x, y, radius), or None."""
    dist = np.hypot(points[:, 0] - x, points[:, 1] - y)
    points = points[(dist > 0.7 * r) & (dist < 1.2 * r)]
    ring = _shrink(points, x, y, r, tol, f2)
    if ring is None or _support(fine, f2, points, *ring) < MIN_SUPPORT:
        return None
    found, outer = ring, ring[2]
    while True:  # peel the ring off, look inside it for another
        x, y, r = ring
        dist = np.hypot(points[:, 0] - x, points[:, 1] - y)
        points, dist = points[np.abs(dist - r) > 2 * f2], dist[np.abs(dist - r) > 2 * f2]
        rho = np.arange(INNER * outer, r - 2 * f2, f2 / 2)
        window = 2 * f2 + 0.01 * r  # the next ring's centre may be off this one's
        profile = _profile(np.sort(dist), rho, window, f2)
        peaks = find_peaks(np.r_[0, profile, 0], prominence=0.35)[0] - 1
        if not len(peaks):
            return found
        ring = _shrink(points, x, y, rho[peaks[np.argmax(profile[peaks])]], window, f2)
        if ring is None or _support(fine, f2, points, *ring) < MIN_SUPPORT:
            return found
        found = ring


def _profile(dist, rho, w, f2):
    """Edges within w of each radius rho (dist sorted), per fine pixel of rim."""
    inside = np.searchsorted(dist, rho + w, "right") - np.searchsorted(dist, rho - w)
    return inside / (2 * np.pi * rho / f2)


def _shrink(points, x, y, r, tol, f2):
    """Least-squares circles to the edges of the best ring within tol of r,
    refitted till the centre settles, tol then halved down to f2: (x, y, r),
    or None."""
    for _ in range(40):
        dist = np.hypot(points[:, 0] - x, points[:, 1] - y)
        rho = np.arange(max(r - tol, f2), r + tol + f2 / 4, f2 / 2)
        ring = rho[np.argmax(_profile(np.sort(dist), rho, tol, f2))]
        near = points[np.abs(dist - ring) <= tol]
        model = CircleModel.from_estimate(near) if len(near) >= 3 else None
        if not model:
            return None
        moved = np.hypot(model.center[0] - x, model.center[1] - y)
        (x, y), r = model.center, model.radius
        if moved <= 0.1 * tol:
            if tol <= f2:
                return x, y, r
            tol = max(f2, tol / 2)
    return None


def _support(fine, f2, points, x, y, r):
    """The share of the circle's degrees (of 2 fine pixels where fewer) where
    an edge within 1.5 fine pixels crosses it radially, with the rim's sign."""
    dx, dy = points[:, 0] - x, points[:, 1] - y
    dist = np.hypot(dx, dy)
    near = np.abs(dist - r) <= 1.5 * f2
    dx, dy, dist = dx[near], dy[near], dist[near]
    col, row = (points[near].T - (f2 - 1) / 2) / f2
    ux, uy = 1.5 * dx / dist, 1.5 * dy / dist  # 1.5 fine pixels along the radius

    def step(ax, ay):
        return (ndi.map_coordinates(fine, [row + ay, col + ax], order=1, mode="nearest")
                - ndi.map_coordinates(fine, [row - ay, col - ax], order=1, mode="nearest"))

    radial, along = step(ux, uy), step(-uy, ux)
    radial *= 1 if np.sum(radial > 0) >= np.sum(radial < 0) else -1
    across = radial > 2 * np.abs(along)
    bins = max(8, min(360, int(np.pi * r / f2)))  # degrees, or 2 fine pixels of rim
    turns = np.arctan2(dy[across], dx[across]) / (2 * np.pi) % 1
    return len(np.unique((turns * bins).astype(int))) / bins
