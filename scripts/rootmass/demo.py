"""Synthetic, lesson-like demo images: bright roots on a dark background, and
colony plates.

The Data Carpentry thresholding lesson measures the root mass in photos of
maize roots: bright, branching roots on a dark background, with a white
circle and a white numbered label that are not roots. The functions here
draw deterministic images of that kind together with their ground truth
(the roots only), so the workflow can be run and checked without the
lesson's photos. Nothing here reads or writes files.

    image, truth = synthetic_root_image((600, 900), seed=demo_seed(2026, 3), label=3)

Each root image's true total root length, the length of its roots' visible
centre lines, is known without drawing it (:func:`synthetic_root_length`),
for checking a length measured on the image or its truth.

The demo's colony plates imitate the lesson's capstone (bacteria colony
counting): dark round colonies on a dish, some touching, each drawn in the
truth with its own label, so that the true count is known
(:func:`synthetic_colony_plate`, :data:`PLATE_SETTINGS`).

Two more scenes (:data:`DEMO_SCENES`, :func:`demo_image`) test what a
global threshold of the luma cannot do: the same root photos under a lamp's
uneven light (:func:`illumination_field`), for a local threshold; and green
seedlings on textured soil (:func:`synthetic_seedling_image`), for the
excess-green index.
"""

import functools
import numbers

import numpy as np

__all__ = [
    "synthetic_root_image",
    "synthetic_root_length",
    "illumination_field",
    "synthetic_seedling_image",
    "demo_image",
    "DEMO_SCENES",
    "synthetic_colony_plate",
    "plate_colony_count",
    "demo_file_names",
    "demo_plate_names",
    "demo_seed",
    "DEMO_CONDITIONS",
    "PLATE_CONDITION",
    "PLATE_SETTINGS",
    "PLATE_SEED_OFFSET",
    "plate_settings",
    "demo_root_settings",
    "demo_record",
    "demo_samples",
]

#: The demo experiment's two conditions and how many roots each draws,
#: relative to the usual (the ``roots`` of :func:`synthetic_root_image`).
DEMO_CONDITIONS = {"control": 1.0, "treated": 1.6}

#: The demo's scenes (config key ``demo.scene``), what its ``count`` images
#: show (:func:`demo_image`): ``roots``, the root photos; ``uneven_light``,
#: the same root photos under uneven light (:func:`illumination_field`);
#: ``green_on_soil``, green seedlings on soil (:func:`synthetic_seedling_image`).
#: The colony plates are the same in every scene.
DEMO_SCENES = ("roots", "uneven_light", "green_on_soil")

#: The scenes whose images are root photos, with a true root length.
_ROOT_SCENES = ("roots", "uneven_light")

#: The demo's colony plates: their condition in the sample sheet, and their
#: settings there, the lesson's enhanced colony count (procedure 7): rgb2gray,
#: sigma 1, Otsu's threshold of the pixels below 0.90, the colonies below it,
#: objects of at least 10 pixels found 4-connected and counted 8-connected.
PLATE_CONDITION = "plate"
PLATE_SETTINGS = {
    "grayscale": "rgb2gray",
    "sigma": 1.0,
    "method": "otsu_excluding_bright",
    "foreground": "below",
    "bright_cutoff": 0.9,
    "min_area": 10,
    "filter_connectivity": 1,
}
#: Plate ``i`` of a set uses ``demo_seed(seed, PLATE_SEED_OFFSET + i)``:
#: seeds of their own, whatever the number of root images.
PLATE_SEED_OFFSET = 1_000_000

#: ``min(height, width)`` at which the features have their nominal size.
_REFERENCE_SIZE = 600

#: The spawn key of :func:`illumination_field`'s generator: its own stream
#: of the seed.
_LIGHT_STREAM = 1


def _is_int(value):
    """True for Python and NumPy integers, False for bools and everything else."""
    return isinstance(value, numbers.Integral) and not isinstance(
        value, (bool, np.bool_)
    )


def _check_nonnegative_int(name, value):
    """Return ``value`` as an int; raise ValueError unless it is an integer >= 0."""
    if not _is_int(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {value!r}")
    return int(value)


def _check_shape(shape):
    """Return ``(height, width)``; raise ValueError unless two integers >= 16."""
    try:
        dims = tuple(shape)
    except TypeError:
        dims = ()
    if len(dims) != 2 or not all(_is_int(d) and d >= 16 for d in dims):
        raise ValueError(
            f"shape must be (height, width), two integers >= 16; got {shape!r}"
        )
    return int(dims[0]), int(dims[1])


def demo_seed(base_seed, index):
    """Seed of image ``index`` of a demo set generated from ``base_seed``.

    Parameters
    ----------
    base_seed : int
        Seed of the whole set, >= 0.
    index : int
        Position of the image in the set, >= 0.

    Returns
    -------
    seed : int
        A seed in ``[0, 2**32)`` derived from both arguments with
        :class:`numpy.random.SeedSequence`: the same for the same arguments,
        and unrelated for different ones (unlike ``base_seed + index``, two
        sets with neighbouring base seeds share no images).

    Examples
    --------
    >>> demo_seed(0, 1) == demo_seed(0, 1)
    True
    >>> demo_seed(0, 1) != demo_seed(1, 0)
    True
    """
    base_seed = _check_nonnegative_int("base_seed", base_seed)
    index = _check_nonnegative_int("index", index)
    return int(np.random.SeedSequence([base_seed, index]).generate_state(1)[0])


def demo_file_names(count):
    """File names of a demo set of ``count`` images.

    Parameters
    ----------
    count : int
        Number of images, >= 0.

    Returns
    -------
    names : list of str
        ``['demo-0000.jpg', 'demo-0001.jpg', ...]``, zero-padded to four
        digits (more digits from 10000 on).

    Examples
    --------
    >>> demo_file_names(2)
    ['demo-0000.jpg', 'demo-0001.jpg']
    """
    count = _check_nonnegative_int("count", count)
    return [f"demo-{i:04d}.jpg" for i in range(count)]


def demo_plate_names(plates):
    """File names of ``plates`` colony plates: ``['plate-0000.jpg', ...]``.

    Examples
    --------
    >>> demo_plate_names(2)
    ['plate-0000.jpg', 'plate-0001.jpg']
    """
    plates = _check_nonnegative_int("plates", plates)
    return [f"plate-{i:04d}.jpg" for i in range(plates)]


def plate_settings(demo, index):
    """The sample sheet's settings of the demo's plate ``index``: the
    lesson's enhanced colony count (:data:`PLATE_SETTINGS`) and its true
    count (``truth_count``, :func:`plate_colony_count`).

    Parameters
    ----------
    demo : dict
        Config key ``demo`` (``height``, the plate's side, and ``seed``).
    index : int
    """
    seed = demo_seed(demo["seed"], PLATE_SEED_OFFSET + index)
    side = demo["height"]
    return {**PLATE_SETTINGS, "truth_count": plate_colony_count((side, side), seed, label=index)}


def demo_root_settings(demo, index):
    """The sample sheet's settings of the demo's root image ``index``: its
    true total root length (``truth_length``, :func:`synthetic_root_length`).

    Image ``index`` (``demo-0000.jpg`` is 0) is drawn with seed
    ``demo_seed(seed, index)``, label ``index`` and the roots of its
    condition in :func:`demo_samples` (:data:`DEMO_CONDITIONS`), as
    ``scripts/make_demo.py`` draws it. The light does not change it: the
    ``uneven_light`` scene's images have the same roots. The
    ``green_on_soil`` scene's seedlings are not roots: none (``{}``).

    Parameters
    ----------
    demo : dict
        Config key ``demo`` (``height``, ``width``, ``seed`` and optionally
        ``scene``, ``roots`` by default).
    index : int
    """
    if _check_scene(demo.get("scene", "roots")) not in _ROOT_SCENES:
        return {}
    seed = demo_seed(demo["seed"], index)
    roots = DEMO_CONDITIONS[_demo_condition(index)]
    length = synthetic_root_length((demo["height"], demo["width"]), seed, label=index,
                                   roots=roots)
    return {"truth_length": length}


def demo_record(count, plates, height, width, seed, scene="roots"):
    """The settings a demo folder was made with, as ``scripts/make_demo.py``
    records them (``demo.json``), to be compared with the config's.

    Where they equal the config key ``demo``'s (with ``plates`` 0 and
    ``scene`` ``roots`` where it has none), the folder's sample sheet holds
    the true lengths that :func:`demo_root_settings` would work out, and
    planning reads them there instead.

    Parameters
    ----------
    count, plates, height, width, seed : int
    scene : str, optional

    Returns
    -------
    record : dict
        Plain data: the keys ``count``, ``plates``, ``height``, ``width``,
        ``seed`` and ``scene``.

    Examples
    --------
    >>> demo_record(8, 0, 600, 900, 2026) == demo_record(8, 0, 600, 900, 2026, "roots")
    True
    """
    return {"count": count, "plates": plates, "height": height, "width": width,
            "seed": seed, "scene": scene}


def _check_scene(scene):
    """Return ``scene``; raise ValueError unless one of :data:`DEMO_SCENES`."""
    if not isinstance(scene, str) or scene not in DEMO_SCENES:
        raise ValueError(f"scene must be one of {', '.join(DEMO_SCENES)}; got {scene!r}")
    return scene


def demo_image(shape=(600, 900), seed=0, label=None, amount=1.0, scene="roots"):
    """Draw one of the demo's images in one of its scenes, with its truth.

    Parameters
    ----------
    shape, seed, label
        As :func:`synthetic_root_image`.
    amount : float, optional
        How many roots or seedlings, relative to the usual (the ``roots``
        of :func:`synthetic_root_image`, the ``plants`` of
        :func:`synthetic_seedling_image`): the condition's, in
        :data:`DEMO_CONDITIONS`.
    scene : str, optional
        One of :data:`DEMO_SCENES`: ``roots``, :func:`synthetic_root_image`
        as it is; ``uneven_light``, the same image (the same roots, truth
        and noise) under :func:`illumination_field` of the same shape and
        seed; ``green_on_soil``, :func:`synthetic_seedling_image`.

    Returns
    -------
    image : (height, width, 3) ndarray of uint8
    truth : (height, width) ndarray of bool

    Raises
    ------
    ValueError
        If ``scene`` is not one of :data:`DEMO_SCENES`, or as the function
        of the scene.

    Examples
    --------
    >>> image, truth = demo_image((200, 300), seed=1, scene="uneven_light")
    >>> bool((truth == synthetic_root_image((200, 300), seed=1)[1]).all())
    True
    """
    scene = _check_scene(scene)
    if scene == "green_on_soil":
        return synthetic_seedling_image(shape, seed, label=label, plants=amount)
    light = illumination_field(shape, seed) if scene == "uneven_light" else None
    return synthetic_root_image(shape, seed, label=label, roots=amount, light=light)


def _demo_condition(index):
    """The condition of the demo's root image ``index``: they alternate."""
    conditions = list(DEMO_CONDITIONS)
    return conditions[index % len(conditions)]


def demo_samples(count, plates=0):
    """The demo experiment's sample sheet: its rows, as text.

    Images alternate between the conditions of :data:`DEMO_CONDITIONS`
    (``demo-0000.jpg`` control, ``demo-0001.jpg`` treated, ...) and are
    numbered within their condition; the colony plates follow, in
    condition :data:`PLATE_CONDITION`.

    Parameters
    ----------
    count : int
        Number of root images, >= 0.
    plates : int, optional
        Number of colony plates, >= 0.

    Returns
    -------
    rows : list of dict
        ``{"image": "demo-0000.jpg", "condition": "control", "replicate":
        "1"}``, ...: the file names within the demo's folder.
    """
    return [
        {"image": name, "condition": _demo_condition(i),
         "replicate": str(i // len(DEMO_CONDITIONS) + 1)}
        for i, name in enumerate(demo_file_names(count))
    ] + [
        {"image": name, "condition": PLATE_CONDITION, "replicate": str(i + 1)}
        for i, name in enumerate(demo_plate_names(plates))
    ]


def _grow(rng, start, angle, length, step, gravitropism, wiggle):
    """Random walk of a root tip: an ``(n + 1, 2)`` array of ``(x, y)`` points.

    Image coordinates: ``y`` grows downward, so ``angle = pi / 2`` is down.
    Every step the direction turns by Gaussian noise of std ``wiggle`` and
    is pulled towards straight down by the fraction ``gravitropism``.
    """
    n = max(2, int(np.ceil(length / step)))
    turns = rng.normal(0.0, wiggle, n)
    angles = np.empty(n)
    for i in range(n):  # some dozens of steps per root, not per pixel
        angle += turns[i] + gravitropism * (np.pi / 2 - angle)
        angles[i] = angle
    steps = step * np.column_stack([np.cos(angles), np.sin(angles)])
    return np.vstack([start, start + np.cumsum(steps, axis=0)])


def _brightness(rng, base, n):
    """Brightness along a root of ``n`` points: a slow drift, dimmer at the tip."""
    drift = np.cumsum(rng.normal(0.0, 1.5, n))
    tip = 1.0 - 0.12 * np.linspace(0.0, 1.0, n) ** 2
    return np.clip((base + drift) * tip, 150.0, 230.0)


def _draw_root(draw, points, radius0, radius1, brightness):
    """Draw a tapering root as round-capped segments into a Pillow ``L`` image."""
    radii = np.linspace(radius0, radius1, len(points))
    for (x0, y0), (x1, y1), r, b in zip(
        points[:-1].tolist(), points[1:].tolist(), radii[1:], brightness[1:]
    ):
        fill = int(round(b))
        draw.line([(x0, y0), (x1, y1)], fill=fill, width=max(1, int(round(2 * r))))
        if r >= 1.0:  # round joints; a thin line needs none
            draw.ellipse([x1 - r, y1 - r, x1 + r, y1 + r], fill=fill)


#: The demo's roots lie spread out, as a root lab spreads washed roots in a
#: scanner's tray so that they do not overlap (the WinRHIZO and RhizoVision
#: protocol): no root runs along another, or meets it at less than this
#: angle (radians: 60 degrees); they may cross at a steeper one. A skeleton
#: of the union of two roots that run along each other is one line where the
#: true length counts two, and two crossing at a shallow angle lose the
#: length of their overlap (about 15 px at 30 degrees, 4 px at 60, for the
#: demo's main and lateral widths), so such a root's length is not in its
#: mask.
_SPREAD_ANGLE = np.pi / 3
#: Where they do not cross, roots keep at least this far apart, edge to edge
#: (in ``unit``: pixels at 600 px; the default blur of 1.5 px leaves such a
#: gap darker than Otsu's threshold).
_SPREAD_GAP = 3.0
#: How many tries a root has to keep the rule: a root that breaks it is
#: grown again (a lateral from a new origin, angle and length), and after
#: the last the longest start of a try that keeps it is taken.
_SPREAD_TRIES = 4
#: A child's first stretch, where it leaves its parent, may lie in its
#: parent: this many times the sum of the parent's radius there, the gap and
#: the child's radius (leaving at 0.6 rad, the shallowest a lateral or a
#: second-order one leaves at, a child is clear of its parent after about
#: 1.8 times that).
_EMERGING = 2.5


class _Tray:
    """The roots laid out so far, as :func:`_root_system` spreads them.

    A Pillow ``I`` image the size of the picture holds, on every pixel
    within ``radius + gap`` of a root's centre line, the root's number and
    its direction there (``256 * number + code``, the code 1 to 255 the
    angle modulo pi; 0: no root near; where two are near, the later). A new
    root's path is checked along its centre line and its two edges, about
    every pixel: where they come within the gap of a root laid already, the
    two directions must differ by at least :data:`_SPREAD_ANGLE` (a
    crossing), except on a child's first stretch near its parent (where it
    leaves it).
    """

    def __init__(self, height, width, gap):
        from PIL import Image, ImageDraw

        self.height, self.width, self.gap = height, width, gap
        self.image = Image.new("I", (width, height), 0)
        self.draw = ImageDraw.Draw(self.image)
        self.count = 0

    @staticmethod
    def _code(angle):
        return 1 + np.floor(np.mod(angle, np.pi) / np.pi * 254.999).astype(np.int64)

    def add(self, points, radii):
        """Lay a root: its centre line ``points``, its radius at each.
        Returns its number (1, 2, ...)."""
        self.count += 1
        steps = np.diff(points, axis=0)
        codes = 256 * self.count + self._code(np.arctan2(steps[:, 1], steps[:, 0]))
        for (x0, y0), (x1, y1), r, code in zip(points[:-1].tolist(), points[1:].tolist(),
                                              np.asarray(radii[1:]).tolist(), codes.tolist()):
            reach = r + self.gap
            self.draw.line([(x0, y0), (x1, y1)], fill=code, width=int(round(2 * reach)))
            self.draw.ellipse([x1 - reach, y1 - reach, x1 + reach, y1 + reach], fill=code)
        return self.count

    def clear_length(self, points, radii, parent=0, emerging=0.0):
        """How many of ``points`` keep the rule: the path ``points[:k]`` does
        (``len(points)`` if all of it). Its first ``emerging`` pixels of
        length may lie along root number ``parent`` (a child leaving it)."""
        steps = np.diff(points, axis=0)
        lengths = np.hypot(steps[:, 0], steps[:, 1])
        along = np.concatenate([[0.0], np.cumsum(lengths)])
        pieces = max(1, int(np.ceil(lengths.max())))  # of a pixel or less, per segment
        fraction = (np.arange(pieces) + 0.5) / pieces
        arc = along[:-1, None] + fraction * lengths[:, None]  # (segments, pieces)
        across = steps[:, ::-1] * (np.asarray(radii)[1:] / np.maximum(lengths, 1e-12))[:, None]
        across[:, 0] *= -1  # the normal, as long as the radius
        xy = (points[:-1, None, :] + fraction[:, None] * steps[:, None, :])[None] + (
            np.array([-1.0, 0.0, 1.0])[:, None, None, None] * across[None, :, None, :])
        at = np.floor(xy).astype(np.int64)  # (3 lines, segments, pieces, (col, row))
        # the laid roots about the path only
        left, top = np.maximum(at.reshape(-1, 2).min(axis=0), 0)
        right, bottom = np.minimum(at.reshape(-1, 2).max(axis=0) + 1, (self.width, self.height))
        if left >= right or top >= bottom:
            return len(points)
        laid = np.asarray(self.image.crop((int(left), int(top), int(right), int(bottom))))
        if not laid.any():
            return len(points)
        col, row = at[..., 0] - left, at[..., 1] - top
        inside = (col >= 0) & (col < right - left) & (row >= 0) & (row < bottom - top)
        value = np.where(inside, laid[np.where(inside, row, 0), np.where(inside, col, 0)], 0)
        number, code = np.divmod(value, 256)
        angle = np.arctan2(steps[:, 1], steps[:, 0])[None, :, None]
        turn = np.abs(np.mod(angle - (code - 0.5) / 254.999 * np.pi + np.pi / 2, np.pi)
                      - np.pi / 2)
        bad = (code > 0) & (turn < _SPREAD_ANGLE) & ~((number == parent) & (arc <= emerging))
        bad = bad.any(axis=0).reshape(-1)
        arc = arc.reshape(-1)
        radius = np.repeat(np.asarray(radii)[1:], pieces)
        if not bad.any():
            return len(points)
        # stop a root's cap and gap short of where it would break the rule
        at = int(np.argmax(bad))
        return int(np.searchsorted(along, arc[at] - radius[at] - self.gap, side="right"))


def _spread(tray, grow, parent=0):
    """A root laid by the tray's rule (:class:`_Tray`): ``(points, radius0,
    radius1, number)``, or None where no start of any try keeps it.

    ``grow()`` draws a try from the generator: ``(points, radius0, radius1,
    emerging)``, its path, its radius at the path's ends (tapering linearly
    between them) and the length of its start that may lie along its
    ``parent`` (the number the tray gave it; 0 for none). A path that breaks
    the rule is grown again, :data:`_SPREAD_TRIES` times in all; if none
    keeps it, the longest start of one that does (at least 3 points) is
    taken, tapering from ``radius0`` to ``radius1`` over its own length."""
    best = None
    for _ in range(_SPREAD_TRIES):
        points, radius0, radius1, emerging = grow()
        radii = np.linspace(radius0, radius1, len(points))
        k = tray.clear_length(points, radii, parent, emerging)
        if k == len(points):
            best = (points, radius0, radius1)
            break
        if k >= 3 and (best is None or k > len(best[0])):
            best = (points[:k], radius0, radius1)
    if best is None:
        return None
    return (*best, tray.add(best[0], np.linspace(best[1], best[2], len(best[0]))))


def _root_system(rng, height, width, unit, roots=1.0):
    """Main roots growing down from the top, with lateral roots, spread out
    as in a scanner's tray (:class:`_Tray`); ``roots`` scales how many (1:
    as drawn at first).

    Yields ``(points, radius0, radius1, brightness)`` per root: the main
    roots first, then each main root's laterals, each lateral followed by
    its own (second-order) laterals.
    Lengths are relative to the image, thicknesses to ``unit``, and the
    random draws do not depend on the size, so a seed gives about the same
    picture at every size of the same aspect ratio (the layout may take
    other tries at another size: the roots' widths are rounded to pixels).
    Lateral and second-order roots are at least 1.5 ``unit`` in radius (3 px
    wide at 600 px; 2 px at the least, at any size): a root lab scans at a
    resolution at which its finest roots are a few pixels wide, and at 2 px
    the default blur (sigma 1.5) halves a root's contrast, so that Otsu's
    threshold missed most of the demo's finest roots (about 60 % of the
    length drawn 2 px wide, a fifth of the whole).

    The roots are laid out one by one, the main roots first: a root whose
    path would come within :data:`_SPREAD_GAP` of one laid already, other
    than where it crosses it at :data:`_SPREAD_ANGLE` or more (or where a
    lateral leaves its parent), is grown again, from a new random draw; after
    :data:`_SPREAD_TRIES` tries it is shortened to the longest start of a
    try that keeps clear, or left out if none of at least 3 points does.
    """
    size = min(height, width)
    step = size / 120.0
    tray = _Tray(height, width, _SPREAD_GAP * unit)
    r_min = max(1.5 * unit, 1.0)  # 3 px wide at 600 px, at least 2 px
    n_main = max(1, int(round(int(rng.integers(4, 8)) * roots)))
    # Spread over the width: one main root per strip of the middle 80 %.
    xs = (0.1 + 0.8 * (np.arange(n_main) + rng.uniform(0.2, 0.8, n_main)) / n_main) * width
    mains = []
    for x in xs:
        radius0 = rng.uniform(4.0, 6.0) * unit

        def main_root(x=x, radius0=radius0):
            start = np.array([x, rng.uniform(-0.02, 0.1) * height])
            points = _grow(
                rng,
                start,
                np.pi / 2 + rng.normal(0.0, 0.25),
                rng.uniform(0.6, 1.05) * height,
                step,
                gravitropism=0.06,
                wiggle=0.07,
            )
            return points, radius0, 0.45 * radius0, 0.0

        laid = _spread(tray, main_root)
        if laid is not None:
            mains.append((laid, rng.uniform(180.0, 225.0)))
    for (points, radius0, radius1, number), base in mains:
        yield points, radius0, radius1, _brightness(rng, base, len(points))
        radii = np.linspace(radius0, radius1, len(points))

        # Lateral roots, emerging at either side along the main root.
        n_lateral = int(round(int(rng.integers(6, 15)) * roots))
        for _ in range(n_lateral):

            def lateral_root(points=points, radii=radii, radius0=radius0):
                t = rng.uniform(0.08, 0.85)
                i = int(t * (len(points) - 1))
                side = rng.choice([-1.0, 1.0])
                dx, dy = points[i + 1] - points[i]
                lateral = _grow(
                    rng,
                    points[i],
                    np.arctan2(dy, dx) + side * rng.uniform(0.7, 1.3),
                    rng.uniform(0.08, 0.35) * size * (1.2 - t),
                    step,
                    gravitropism=rng.uniform(0.01, 0.04),
                    wiggle=0.1,
                )
                r0 = max(rng.uniform(0.35, 0.5) * radius0 * (1.1 - 0.5 * t), r_min)
                return lateral, r0, r_min, _EMERGING * (radii[i] + tray.gap + r0)

            laid = _spread(tray, lateral_root, number)
            if laid is None:
                continue
            lateral, r0, r1, lateral_number = laid
            b = base - rng.uniform(0.0, 25.0)
            yield lateral, r0, r1, _brightness(rng, b, len(lateral))

            # Occasionally a few short second-order laterals.
            if rng.random() < 0.35:
                lateral_radii = np.linspace(r0, r1, len(lateral))
                for _ in range(int(rng.integers(1, 4))):

                    def sub_root(lateral=lateral, lateral_radii=lateral_radii):
                        j = int(rng.integers(1, len(lateral) - 1))
                        dx, dy = lateral[j + 1] - lateral[j]
                        sub = _grow(
                            rng,
                            lateral[j],
                            np.arctan2(dy, dx) + rng.choice([-1.0, 1.0]) * rng.uniform(0.6, 1.2),
                            rng.uniform(0.03, 0.08) * size,
                            step,
                            gravitropism=0.02,
                            wiggle=0.12,
                        )
                        return sub, r_min, r_min, _EMERGING * (lateral_radii[j] + tray.gap + r_min)

                    laid = _spread(tray, sub_root, lateral_number)
                    if laid is not None:
                        sub = laid[0]
                        yield sub, r_min, r_min, _brightness(rng, b - 10.0, len(sub))


def _markers(rng, height, width, label):
    """Draw the white circle and the white label with a dark number.

    Returns ``(value, alpha, boxes)``: two Pillow ``L`` images, the markers'
    gray value and their coverage (255 on the circle and the label), and
    the two markers' bounding boxes ``(left, top, right, bottom)``.
    """
    from PIL import Image, ImageDraw, ImageFont

    size = min(height, width)
    value = Image.new("L", (width, height), 0)
    alpha = Image.new("L", (width, height), 0)
    draw_value, draw_alpha = ImageDraw.Draw(value), ImageDraw.Draw(alpha)
    margin = 0.04 * size

    # The circle, in a top corner.
    r = rng.uniform(0.045, 0.06) * size
    left = rng.random() < 0.5
    cx = margin + r + rng.uniform(0.0, 0.05) * width
    cx = cx if left else width - cx
    cy = margin + r + rng.uniform(0.0, 0.05) * height
    circle = [cx - r, cy - r, cx + r, cy + r]
    draw_value.ellipse(circle, fill=int(round(rng.uniform(246.0, 253.0))))
    draw_alpha.ellipse(circle, fill=255)

    # The label, in a bottom corner: a white rectangle around the number.
    font = ImageFont.load_default(size=max(8, int(round(0.065 * size))))
    text = str(label)
    x0, y0, x1, y1 = draw_value.textbbox((0, 0), text, font=font, anchor="mm")
    pad = 0.5 * font.size
    w, h = (x1 - x0) + 3 * pad, (y1 - y0) + 2 * pad
    lx = margin + rng.uniform(0.0, 0.08) * width
    lx = lx if rng.random() < 0.5 else width - lx - w
    ly = height - margin - h - rng.uniform(0.0, 0.04) * height
    rectangle = [lx, ly, lx + w, ly + h]
    draw_value.rectangle(rectangle, fill=int(round(rng.uniform(247.0, 253.0))))
    draw_alpha.rectangle(rectangle, fill=255)
    draw_value.text((lx + w / 2, ly + h / 2), text, fill=25, font=font, anchor="mm")
    return value, alpha, [circle, rectangle]


def _background(rng, height, width):
    """Dark background, about 12 to 45: a gradient, a vignette, soft blotches."""
    from PIL import Image

    level = rng.uniform(24.0, 32.0)
    gx, gy = rng.uniform(-5.0, 5.0, 2)
    blotches = rng.normal(0.0, 2.5, (5, 7)).astype(np.float32)
    y = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None]
    x = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :]
    smooth = Image.fromarray(blotches).resize((width, height), Image.Resampling.BICUBIC)
    smooth = np.asarray(smooth)
    background = smooth + np.float32(level)
    background += gx * x - 3.0 * x * x
    background += gy * y - 3.0 * y * y
    return background


@functools.lru_cache(maxsize=1)
def _normal_quantiles(levels=65536):
    """The ``levels`` quantiles ``(i + 1/2) / levels`` of the standard normal."""
    from scipy.special import ndtri

    return ndtri((np.arange(levels) + 0.5) / levels).astype(np.float32)


def _gaussian_noise(rng, shape, sigma):
    """Gaussian noise of std ``sigma``, float32.

    Drawn by inverse transform sampling from 65536 quantiles (tails cut at
    4.3 std), three times faster than ``rng.standard_normal``.
    """
    index = rng.integers(0, 65536, size=shape, dtype=np.uint16)
    noise = _normal_quantiles()[index]
    noise *= np.float32(sigma)
    return noise


def _root_layout(shape, seed, label, roots):
    """The roots and markers of a root image, and the generator to draw the
    rest with (:func:`synthetic_root_image`, :func:`synthetic_root_length`).

    The arguments are checked here; the random draws are those of the roots
    (:func:`_root_system`, all of them) and then of the markers
    (:func:`_markers`), so both functions see the same roots.
    """
    height, width = _check_shape(shape)
    seed = _check_nonnegative_int("seed", seed)
    if isinstance(roots, bool) or not isinstance(roots, (int, float)) or not 0 < roots <= 5:
        raise ValueError(f"roots must be a number in (0, 5]; got {roots!r}")
    label = seed if label is None else label
    rng = np.random.default_rng(seed)
    unit = min(height, width) / _REFERENCE_SIZE
    system = list(_root_system(rng, height, width, unit, roots))
    marker_value, marker_alpha, boxes = _markers(rng, height, width, label)
    return dict(rng=rng, height=height, width=width, unit=unit, roots=system,
                marker_value=marker_value, marker_alpha=marker_alpha, boxes=boxes)


def _centre_lines(system):
    """Each root's centre line as drawn by :func:`_draw_root`: its points,
    and one more beyond the last by the radius there where the round cap is
    drawn (radius >= 1)."""
    lines = []
    for points, _, radius1, _ in system:
        points = np.asarray(points, dtype=float)
        if radius1 >= 1.0:
            direction = points[-1] - points[-2]
            norm = np.hypot(*direction)
            if norm > 0:
                points = np.vstack([points, points[-1] + radius1 * direction / norm])
        lines.append(points)
    return lines


def _visible_length(lines, hidden, spacing=0.25):
    """Length of the polylines ``lines`` inside the image and off ``hidden``.

    Each segment is cut into equal pieces of at most ``spacing`` pixels; a
    piece counts whole where its midpoint is in a pixel of the image that
    ``hidden`` (a ``(height, width)`` bool array) does not mark. Pixel
    ``(row, col)`` is the unit square from ``(x, y) = (col, row)`` to
    ``(col + 1, row + 1)``: Pillow draws a point there (it truncates the
    coordinates).
    """
    height, width = hidden.shape
    if not lines:
        return 0.0
    starts = np.concatenate([line[:-1] for line in lines])
    steps = np.concatenate([np.diff(line, axis=0) for line in lines])
    lengths = np.hypot(steps[:, 0], steps[:, 1])
    pieces = np.maximum(1, np.ceil(lengths / spacing)).astype(np.int64)
    segment = np.repeat(np.arange(len(lengths)), pieces)
    first = np.cumsum(pieces) - pieces
    fraction = (np.arange(len(segment)) - first[segment] + 0.5) / pieces[segment]
    xy = starts[segment] + fraction[:, None] * steps[segment]
    col = np.floor(xy[:, 0]).astype(np.int64)
    row = np.floor(xy[:, 1]).astype(np.int64)
    inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    visible = inside.copy()
    visible[inside] = ~hidden[row[inside], col[inside]]
    weight = lengths[segment] / pieces[segment]
    return float(weight[visible].sum())


def synthetic_root_length(shape=(600, 900), seed=0, label=None, roots=1.0):
    """The true total root length of :func:`synthetic_root_image`'s image of
    the same arguments, without drawing it.

    Each root's centre line is the polyline it is drawn along, extended
    beyond its last point by its radius there (the round cap: the drawn
    root reaches that far; the cap is drawn, and the line extended, where
    that radius is at least 1 px, as always at 600 x 900). A root's first
    point has no cap (its drawn end is flat): nothing is added there. The
    visible part of a centre line is where it lies inside the image and not
    under the circle or the label: the pixel containing the point has no
    marker coverage (the truth leaves out the pixels under the markers).
    Pixel ``(row, col)`` is the unit square from ``(x, y) = (col, row)`` to
    ``(col + 1, row + 1)``, where Pillow draws a point. The length is that
    of the visible parts, summed over the roots: each segment of a centre
    line is cut into equal pieces of at most 0.25 px, and a piece counts
    whole where its midpoint is visible (within 0.01 % of the length sampled
    every 0.01 px).

    Roots that cross are each counted; they lie spread out, as a lab spreads
    roots in a scanner's tray, crossing only at 60 degrees or more and
    otherwise apart (:func:`_root_system`), so that a mask's skeleton has
    each of them. A lateral root starts on
    its parent's centre line, inside the parent, and counts from there, as
    a skeleton would measure it (its first half a parent's width lies on
    the parent's pixels).

    Parameters
    ----------
    shape, seed, label, roots
        As :func:`synthetic_root_image`.

    Returns
    -------
    length : float
        In pixels, >= 0. About 0.2 s (the random walks of the roots and
        their layout, no drawing of them): the demo's sample sheet records
        it (``truth_length``), and planning reads it there where the demo
        folder was made with the config's settings (:func:`demo_record`).

    Raises
    ------
    ValueError
        As :func:`synthetic_root_image`.

    Examples
    --------
    >>> length = synthetic_root_length((200, 300), seed=1)
    >>> 0 < length < synthetic_root_length((200, 300), seed=1, roots=2)
    True
    """
    layout = _root_layout(shape, seed, label, roots)
    hidden = np.asarray(layout["marker_alpha"]) > 0
    return _visible_length(_centre_lines(layout["roots"]), hidden)


def synthetic_root_image(shape=(600, 900), seed=0, label=None, roots=1.0, light=None):
    """Draw a synthetic photo of roots on a dark background, with its truth.

    The image imitates the maize root photos of the Data Carpentry lesson
    "Image Processing with Python", episode "Thresholding": a dark,
    slightly shaded background (gray values about 10 to 50); a few bright
    (about 150 to 230), slightly cream-tinted main roots growing downward as
    random walks, tapering, with lateral and a few second-order roots,
    spread out as a root lab spreads roots in a scanner's tray (none runs
    along another; they cross at 60 degrees or more, and keep 3 px apart
    elsewhere); a white filled circle (about 250) in a top corner; a white rectangular
    label with the dark number ``label`` in a bottom corner; Gaussian noise
    over everything. The roots typically cover 5 to 17 % of the pixels and
    are clearly brighter than the background, so Otsu's threshold of the
    blurred grayscale image finds them (and the circle and label).

    Parameters
    ----------
    shape : tuple of 2 int, optional
        ``(height, width)`` in pixels, each >= 16. Thicknesses, the circle
        and the font scale with ``min(height, width) / 600`` (lateral
        roots are at least 3 px wide at 600 px, 2 px at any size),
        lengths with the image, so a seed gives about the same picture at
        every size of the same aspect ratio. Below about 100 px the circle
        and label cover much of it.
    seed : int, optional
        Seed (>= 0) of :func:`numpy.random.default_rng`; the image is a
        deterministic function of ``shape``, ``seed`` and ``label``.
    label : int or str, optional
        What the label shows; the seed by default.
    roots : float, optional
        How many roots, relative to the usual: main and lateral roots are
        drawn ``roots`` times as many (rounded). 1 gives the usual picture.
    light : (height, width) array_like of float, optional
        The illumination: the scene (background, roots, circle and label)
        is multiplied by it, pixel by pixel, before the camera's noise is
        added (:func:`illumination_field` gives an uneven one). None: even
        light, the usual picture to the pixel. It draws nothing from the
        seed's generator: the roots, the truth and the noise are the same
        with any light.

    Returns
    -------
    image : (height, width, 3) ndarray of uint8
        The RGB image.
    truth : (height, width) ndarray of bool
        The ground-truth foreground: the roots, without the parts hidden
        by the circle or the label (which are not foreground).

    Raises
    ------
    ValueError
        If ``shape`` is not two integers >= 16, ``seed`` not an integer
        >= 0, or ``light`` not an array of ``shape`` of finite numbers
        >= 0.

    Examples
    --------
    >>> image, truth = synthetic_root_image((200, 300), seed=1)
    >>> image.shape, image.dtype, truth.shape, truth.dtype
    ((200, 300, 3), dtype('uint8'), (200, 300), dtype('bool'))
    """
    from PIL import Image, ImageDraw, ImageFilter

    layout = _root_layout(shape, seed, label, roots)
    rng, height, width, unit = (layout[k] for k in ("rng", "height", "width", "unit"))
    marker_value, marker_alpha, boxes = (
        layout[k] for k in ("marker_value", "marker_alpha", "boxes"))
    if light is not None:
        light = _check_light(light, (height, width))

    # Roots: their gray value (0 outside) drawn by Pillow.
    layer = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(layer)
    for points, radius0, radius1, brightness in layout["roots"]:
        _draw_root(draw, points, radius0, radius1, brightness)

    root_value = np.asarray(layer)
    truth = (root_value > 0) & (np.asarray(marker_alpha) == 0)

    # Slightly soft edges: blur the layers as premultiplied value and alpha.
    soften = ImageFilter.BoxBlur(0.5 * unit)
    root_alpha = Image.fromarray(np.where(root_value > 0, 255, 0).astype(np.uint8))
    keep = np.asarray(root_alpha.filter(soften), dtype=np.float32)
    keep *= np.float32(-1 / 255)
    keep += np.float32(1)  # 1 - alpha of the roots
    root_value = np.asarray(layer.filter(soften), dtype=np.float32)

    background = _background(rng, height, width)
    background *= keep
    background_tint = np.array([0.96, 1.0, 1.06]) + rng.normal(0.0, 0.02, 3)
    root_tint = np.array([1.0, 0.97, 0.86]) + rng.normal(0.0, 0.02, 3)
    marker_tint = np.array([1.0, 1.0, 0.99], dtype=np.float32)
    sigma = rng.uniform(3.0, 5.0)

    image = np.empty((height, width, 3), dtype=np.float32)
    for c in range(3):
        np.multiply(background, np.float32(background_tint[c]), out=image[..., c])
        image[..., c] += np.float32(root_tint[c]) * root_value

    # The markers cover little of the image: composite them box by box.
    pad = 2 + int(np.ceil(unit))
    for x0, y0, x1, y1 in boxes:
        box = (
            max(0, int(x0) - pad),
            max(0, int(y0) - pad),
            min(width, int(np.ceil(x1)) + pad),
            min(height, int(np.ceil(y1)) + pad),
        )
        if box[0] >= box[2] or box[1] >= box[3]:
            continue
        value = np.asarray(marker_value.crop(box).filter(soften), dtype=np.float32)
        alpha = np.asarray(marker_alpha.crop(box).filter(soften), dtype=np.float32)
        region = image[box[1] : box[3], box[0] : box[2]]
        region *= (1 - alpha / 255)[..., None]
        region += value[..., None] * marker_tint

    if light is not None:
        image *= light[..., None]
    image += _gaussian_noise(rng, image.shape, sigma)
    np.clip(image, 0.0, 255.0, out=image)
    return np.rint(image, out=image).astype(np.uint8), truth


def _check_light(light, shape):
    """Return ``light`` as a float32 array; raise ValueError unless it is an
    array of ``shape`` of finite numbers >= 0."""
    try:
        field = np.asarray(light, dtype=np.float32)
    except (TypeError, ValueError):
        field = None
    if field is None or field.shape != shape or not np.all(np.isfinite(field)) or (
            field < 0).any():
        got = getattr(light, "shape", type(light).__name__)
        raise ValueError(
            f"light must be an array of shape {shape} of finite numbers >= 0; got {got!r}"
        )
    return field


def illumination_field(shape=(600, 900), seed=0):
    """An uneven illumination: a lamp off one corner, the lens's vignette and
    a shadow band, as a multiplicative field.

    It imitates a rhizobox photographed under one lamp: the light is
    brightest about a random corner (slightly outside or inside the image)
    and falls off with the distance from there, as a Gaussian of about 0.5
    to 0.6 times the image's diagonal, to about a tenth at the far corner;
    the lens darkens the edges by up to about a quarter (the vignette); and
    a soft shadow band (a strut of the box's frame), 6 to 12 % of the
    image's height wide, runs about vertically or horizontally across the
    middle, taking 35 to 50 % of the light. Multiplied into the demo's root
    photo (the ``light`` of :func:`synthetic_root_image`), the roots far
    from the lamp are darker than the background near it, so no global
    threshold separates them all, while every root stays brighter than the
    background about it.

    Parameters
    ----------
    shape : tuple of 2 int, optional
        ``(height, width)`` in pixels, each >= 16. The field scales with
        the image: a seed gives the same light at every size of the same
        aspect ratio.
    seed : int, optional
        Seed (>= 0); the field is a deterministic function of ``shape`` and
        ``seed``, drawn from a generator of its own (not the one of the
        image of the same seed).

    Returns
    -------
    field : (height, width) ndarray of float32
        The light's relative intensity, about 0.05 to 1.05: 1 leaves a
        pixel as it is.

    Raises
    ------
    ValueError
        If ``shape`` is not two integers >= 16 or ``seed`` not an integer
        >= 0.

    Examples
    --------
    >>> field = illumination_field((200, 300), seed=1)
    >>> field.shape, field.dtype, bool(field.max() / field.min() > 5)
    ((200, 300), dtype('float32'), True)
    """
    height, width = _check_shape(shape)
    seed = _check_nonnegative_int("seed", seed)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_LIGHT_STREAM,)))
    aspect = width / height
    # y in [0, 1] down the image, x in [0, aspect] across: units of the height
    y = ((np.arange(height, dtype=np.float32) + 0.5) / np.float32(height))[:, None]
    x = ((np.arange(width, dtype=np.float32) + 0.5) / np.float32(height))[None, :]

    # The lamp, about a random corner.
    corner = int(rng.integers(0, 4))
    ly, lx = rng.uniform(-0.15, 0.2, 2)
    ly = 1 - ly if corner & 1 else ly
    lx = aspect * (1 - lx if corner & 2 else lx)
    spread = rng.uniform(0.5, 0.6) * np.hypot(1.0, aspect)
    floor = rng.uniform(0.08, 0.13)
    field = np.exp(((y - np.float32(ly)) ** 2 + (x - np.float32(lx)) ** 2)
                   * np.float32(-1 / spread**2))
    field *= np.float32(1 - floor)
    field += np.float32(floor)

    # The vignette: a quarter of the light lost in the corners.
    vy, vx = 2 * y - 1, 2 * x / np.float32(aspect) - 1
    field *= 1 - np.float32(rng.uniform(0.2, 0.3) / 2) * (vy * vy + vx * vx)

    # The shadow band: a smooth step from its core to its soft edges.
    angle = rng.uniform(-0.4, 0.4) + (np.pi / 2 if rng.random() < 0.5 else 0.0)
    along = rng.uniform(0.3, 0.7)
    half, soft = rng.uniform(0.03, 0.06), rng.uniform(0.02, 0.04)
    depth = rng.uniform(0.35, 0.5)
    distance = np.abs((y - np.float32(along)) * np.float32(np.cos(angle))
                      - (x - np.float32(along * aspect)) * np.float32(np.sin(angle)))
    t = np.clip((distance - np.float32(half)) / np.float32(soft), 0, 1)
    field *= 1 - np.float32(depth) * (1 - t * t * (3 - 2 * t))
    field *= np.float32(rng.uniform(1.0, 1.05))
    return field


def _soil(rng, height, width, unit):
    """Textured brown soil, RGB float32: clods and wet patches of varied
    brightness at two scales, fine grain, pebbles, perlite and dark specks.

    Its luma is about 85 on average, and about 60 to 120 over most of it,
    with pebbles up to about 190 and perlite about 220; its excess green is
    that of gray (brown, beige and white have about as much red and blue
    as green, together).
    """
    from PIL import Image, ImageDraw

    def smooth(rows, cols, std):
        grid = rng.normal(0.0, std, (rows, cols)).astype(np.float32)
        return np.asarray(Image.fromarray(grid).resize((width, height),
                                                       Image.Resampling.BICUBIC))

    brightness = smooth(4, 6, 0.12) + smooth(14, 21, 0.12)  # patches and clods
    grain = max(2, int(round(3 * unit)))
    fine = rng.normal(0.0, 0.10, (-(-height // grain), -(-width // grain))).astype(np.float32)
    brightness += np.asarray(Image.fromarray(fine).resize(
        (width, height), Image.Resampling.BILINEAR))
    brightness = np.exp(brightness)
    brown = np.array([102.0, 72.0, 52.0]) * rng.uniform(0.92, 1.08) + rng.normal(0.0, 3.0, 3)
    soil = brightness[..., None] * brown.astype(np.float32)

    # Pebbles (beige to gray), perlite (white) and dark specks, drawn with
    # their colour and coverage.
    colour = Image.new("RGB", (width, height), 0)
    cover = Image.new("L", (width, height), 0)
    draw_colour, draw_cover = ImageDraw.Draw(colour), ImageDraw.Draw(cover)
    area = height * width / (_REFERENCE_SIZE * _REFERENCE_SIZE * 1.5)
    kinds = [  # how many at 600 x 900, radius in units, colour, its std
        (int(rng.integers(50, 80)), (3.0, 10.0), (170.0, 156.0, 138.0), 5.0),
        (int(rng.integers(90, 150)), (1.5, 3.5), (228.0, 226.0, 218.0), 1.6),
        (int(rng.integers(80, 140)), (1.0, 3.0), (40.0, 30.0, 24.0), 1.2),
    ]
    for count, (r0, r1), rgb, spread in kinds:
        for _ in range(int(round(count * area))):
            r = rng.uniform(r0, r1) * unit
            ry = r * rng.uniform(0.6, 1.0)
            cx, cy = rng.uniform(0, width), rng.uniform(0, height)
            fill = np.clip(np.array(rgb) * rng.uniform(0.85, 1.1) + rng.normal(0.0, spread, 3),
                           0, 255)
            box = [cx - r, cy - ry, cx + r, cy + ry]
            draw_colour.ellipse(box, fill=tuple(int(round(v)) for v in fill))
            draw_cover.ellipse(box, fill=255)
    alpha = np.asarray(cover, dtype=np.float32)[..., None] / np.float32(255)
    soil *= 1 - alpha
    soil += alpha * np.asarray(colour, dtype=np.float32)
    return soil


def _seedlings(rng, height, width, unit, plants):
    """The seedlings, seen from above: each a short curved stem and two
    cotyledons, most with one or two smaller true leaves.

    Yields ``(kind, geometry, rgb)`` per part: ``("stem", (points,
    radius), rgb)`` or ``("leaf", (x, y, length, breadth, angle), rgb)``.
    """
    size = min(height, width)
    n = max(1, int(round(int(rng.integers(9, 14)) * plants)))
    # spread over the tray: one seedling per cell of a jittered grid
    cols = int(np.ceil(np.sqrt(n * width / height)))
    rows = int(np.ceil(n / cols))
    cells = rng.permutation(rows * cols)[:n]
    for cell in cells:
        x = (cell % cols + rng.uniform(0.2, 0.8)) / cols * width
        y = (cell // cols + rng.uniform(0.2, 0.8)) / rows * height
        green = np.array([rng.uniform(75, 115), rng.uniform(150, 190), rng.uniform(35, 70)])
        stem_length = rng.uniform(0.03, 0.07) * size
        points = _grow(rng, np.array([x, y]), rng.uniform(0, 2 * np.pi), stem_length,
                       size / 120.0, gravitropism=0.0, wiggle=0.25)
        stem = green * np.array([1.15, 0.95, 1.3])  # paler
        yield "stem", (points, max(1.5, rng.uniform(1.5, 2.5) * unit)), stem
        tip = points[-1]
        dx, dy = points[-1] - points[-2]
        axis = np.arctan2(dy, dx) + np.pi / 2 + rng.normal(0.0, 0.2)
        length = rng.uniform(0.06, 0.1) * size
        for side in (-1.0, 1.0):  # the cotyledons, either side of the tip
            a = axis + side * np.pi / 2 + rng.normal(0.0, 0.15)
            half = 0.5 * length * rng.uniform(0.9, 1.1)
            centre = tip + (half - 1.0) * np.array([np.cos(a), np.sin(a)])
            shade = green * rng.uniform(0.9, 1.1)
            yield "leaf", (*centre, 2 * half, length * rng.uniform(0.45, 0.6), a), shade
        for _ in range(int(rng.integers(0, 3))):  # the first true leaves
            a = axis + rng.choice([0.0, np.pi]) + rng.normal(0.0, 0.3)
            half = 0.5 * length * rng.uniform(0.5, 0.8)
            centre = tip + (half - 1.0) * np.array([np.cos(a), np.sin(a)])
            yield "leaf", (*centre, 2 * half, 2 * half * rng.uniform(0.5, 0.7), a), (
                green * np.array([0.85, 1.05, 0.8]) * rng.uniform(0.9, 1.05))


def _leaf_polygon(x, y, length, breadth, angle, n=24):
    """A leaf's outline: a pointed ellipse of ``length`` by ``breadth``,
    centred on ``(x, y)``, its axis at ``angle``."""
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    u = 0.5 * length * np.cos(t)
    v = 0.5 * breadth * np.sin(t) * (1 - 0.35 * np.cos(t) ** 2)  # a little pointed
    c, s = np.cos(angle), np.sin(angle)
    return [(x + c * a - s * b, y + s * a + c * b) for a, b in zip(u, v)]


def synthetic_seedling_image(shape=(600, 900), seed=0, label=None, plants=1.0):
    """Draw a synthetic photo of green seedlings on soil, with its truth.

    A tray of young seedlings photographed from above: textured brown soil
    (clods and patches of varied brightness, fine grain, pale pebbles,
    white perlite and dark specks); seedlings of varied green, each a short
    curved stem and two cotyledons, most with one or two smaller true
    leaves, spread over the tray; the root photos' white label with the
    dark number ``label`` in a bottom corner (a plant tag; no circle);
    Gaussian noise over everything. The seedlings cover about 4 to 8 % of
    the pixels (twice as many seedlings, about 1.7 times as much).

    The seedlings' luma is somewhat above the soil's on average (about 130
    against 85), but the soil's bright patches, pebbles and perlite reach
    it, so a global threshold of the luma finds them too; their excess
    green, ``2G - R - B``, is far above the soil's and the label's, which
    are about gray.

    Parameters
    ----------
    shape : tuple of 2 int, optional
        ``(height, width)`` in pixels, each >= 16. Sizes scale with
        ``min(height, width) / 600``.
    seed : int, optional
        Seed (>= 0) of :func:`numpy.random.default_rng`; the image is a
        deterministic function of ``shape``, ``seed``, ``label`` and
        ``plants``.
    label : int or str, optional
        What the label shows; the seed by default.
    plants : float, optional
        How many seedlings, relative to the usual (9 to 13): ``plants``
        times as many (rounded, at least 1).

    Returns
    -------
    image : (height, width, 3) ndarray of uint8
        The RGB image.
    truth : (height, width) ndarray of bool
        The seedlings' pixels (stems and leaves), without any under the
        label.

    Raises
    ------
    ValueError
        If ``shape`` is not two integers >= 16, ``seed`` not an integer
        >= 0 or ``plants`` not a number in (0, 5].

    Examples
    --------
    >>> image, truth = synthetic_seedling_image((200, 300), seed=1)
    >>> image.shape, image.dtype, truth.shape, truth.dtype
    ((200, 300, 3), dtype('uint8'), (200, 300), dtype('bool'))
    """
    from PIL import Image, ImageDraw, ImageFilter

    height, width = _check_shape(shape)
    seed = _check_nonnegative_int("seed", seed)
    if isinstance(plants, bool) or not isinstance(plants, (int, float)) or not 0 < plants <= 5:
        raise ValueError(f"plants must be a number in (0, 5]; got {plants!r}")
    label = seed if label is None else label
    rng = np.random.default_rng(seed)
    unit = min(height, width) / _REFERENCE_SIZE
    parts = list(_seedlings(rng, height, width, unit, plants))
    marker_value, marker_alpha, boxes = _markers(rng, height, width, label)

    # The seedlings' colour and coverage, drawn by Pillow.
    colour = Image.new("RGB", (width, height), 0)
    cover = Image.new("L", (width, height), 0)
    draw_colour, draw_cover = ImageDraw.Draw(colour), ImageDraw.Draw(cover)
    for kind, geometry, rgb in parts:
        fill = tuple(int(round(v)) for v in np.clip(rgb, 1, 255))
        if kind == "stem":
            points, radius = geometry
            for draw, value in ((draw_colour, fill), (draw_cover, 255)):
                draw.line([tuple(xy) for xy in points.tolist()], fill=value,
                          width=max(1, int(round(2 * radius))), joint="curve")
        else:
            outline = _leaf_polygon(*geometry)
            draw_colour.polygon(outline, fill=fill)
            draw_cover.polygon(outline, fill=255)
    # only the label, of the markers: where it lies, nothing is seedling
    label_box = boxes[1]
    tag = np.zeros((height, width), dtype=bool)
    top, bottom = max(0, int(label_box[1])), min(height, int(np.ceil(label_box[3])) + 1)
    left, right = max(0, int(label_box[0])), min(width, int(np.ceil(label_box[2])) + 1)
    tag[top:bottom, left:right] = True
    tag &= np.asarray(marker_alpha) > 0
    truth = (np.asarray(cover) > 0) & ~tag

    # Slightly soft edges: blur the seedlings as premultiplied colour and
    # coverage (the colour is 0 off them).
    soften = ImageFilter.BoxBlur(0.5 * unit)
    alpha = np.asarray(cover.filter(soften), dtype=np.float32)[..., None] / np.float32(255)
    image = _soil(rng, height, width, unit)
    image *= 1 - alpha
    image += np.asarray(colour.filter(soften), dtype=np.float32)
    value = np.asarray(marker_value, dtype=np.float32)[top:bottom, left:right]
    inside = tag[top:bottom, left:right]
    region = image[top:bottom, left:right]
    region[inside] = value[inside][:, None] * np.array([1.0, 1.0, 0.99], dtype=np.float32)

    image += _gaussian_noise(rng, image.shape, rng.uniform(3.0, 5.0))
    np.clip(image, 0.0, 255.0, out=image)
    return np.rint(image, out=image).astype(np.uint8), truth


def _plate_layout(shape, seed, label, colonies):
    """The dish, the label and the colonies of a plate, and the generator to
    draw the rest with (:func:`synthetic_colony_plate`)."""
    from PIL import Image, ImageDraw, ImageFont

    height, width = _check_shape(shape)
    seed = _check_nonnegative_int("seed", seed)
    rng = np.random.default_rng(seed)
    if colonies is None:
        colonies = int(rng.integers(15, 41))
    colonies = _check_nonnegative_int("colonies", colonies)
    label = seed if label is None else label
    size = min(height, width)
    unit = size / _REFERENCE_SIZE
    cy, cx = height / 2 + rng.uniform(-0.02, 0.02) * size, width / 2
    dish = 0.45 * size
    rim = max(2.0, 6 * unit)

    # the label across the rim, at the bottom
    font = ImageFont.load_default(size=max(8, int(round(0.05 * size))))
    text = str(label)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    x0, y0, x1, y1 = probe.textbbox((0, 0), text, font=font, anchor="mm")
    pad = 0.5 * font.size
    w, h = (x1 - x0) + 3 * pad, (y1 - y0) + 2 * pad
    label_box = [cx - w / 2, cy + dish - h / 2, cx + w / 2, cy + dish + h / 2]

    # the colonies: inside the medium, off the label; each either overlaps
    # one colony already drawn by a pixel (touching) or keeps 3 pixels
    # from every other
    drawn = []
    inner = dish - rim - 2
    for _ in range(50 * colonies + 50):
        if len(drawn) == colonies:
            break
        radius = float(rng.uniform(6.0, 18.0) * unit)
        touching = None
        if drawn and rng.random() < 0.2:  # touching a colony already drawn
            touching = int(rng.integers(len(drawn)))
            row0, col0, radius0 = drawn[touching]
            angle = rng.uniform(0, 2 * np.pi)
            distance = radius0 + radius - 1.0
            row, col = row0 + distance * np.sin(angle), col0 + distance * np.cos(angle)
        else:
            angle, rho = rng.uniform(0, 2 * np.pi), inner * np.sqrt(rng.random())
            row, col = cy + rho * np.sin(angle), cx + rho * np.cos(angle)
        if np.hypot(row - cy, col - cx) + radius > inner:
            continue
        if (label_box[0] - radius - 2 < col < label_box[2] + radius + 2
                and row > label_box[1] - radius - 2):
            continue
        apart = all(np.hypot(row - r, col - c) >= radius + rr + 3
                    for i, (r, c, rr) in enumerate(drawn) if i != touching)
        if apart:
            drawn.append((float(row), float(col), radius))

    return dict(rng=rng, height=height, width=width, size=size, unit=unit, cy=cy,
                cx=cx, dish=dish, rim=rim, font=font, text=text, label_box=label_box,
                drawn=drawn)


def plate_colony_count(shape=(600, 600), seed=0, label=None, colonies=None):
    """The true count of :func:`synthetic_colony_plate`'s plate of the same
    arguments, without drawing it (a few milliseconds: the demo's sample
    sheet records it when the run is planned).

    Examples
    --------
    >>> plate_colony_count((200, 200), seed=1, colonies=5)
    5
    """
    return len(_plate_layout(shape, seed, label, colonies)["drawn"])


def synthetic_colony_plate(shape=(600, 600), seed=0, label=None, colonies=None,
                           labelled=False):
    """Draw a synthetic photo of a Petri dish with bacterial colonies.

    The image imitates the colony plates of the Data Carpentry lesson's
    capstone ("Bacteria Colony Counting"): a light background (about 235)
    around a round dish of a lighter-brown medium (about 150 to 175, a
    slight gradient) with a darker rim; dark, round colonies (about 25 to
    60) of varied size on the medium, about a fifth of them touching
    another one (which thresholding then merges into one object); a white
    label with a dark number across the dish's rim; Gaussian noise over
    everything.

    Parameters
    ----------
    shape : tuple of 2 int, optional
        ``(height, width)`` in pixels, each >= 16. Sizes scale with
        ``min(height, width) / 600``.
    seed : int, optional
        Seed (>= 0) of :func:`numpy.random.default_rng`; the image is a
        deterministic function of ``shape``, ``seed``, ``label`` and
        ``colonies``.
    label : int or str, optional
        What the label shows; the seed by default.
    colonies : int, optional
        How many colonies to draw (>= 0); by default 15 to 40, from the
        seed.
    labelled : bool, optional
        Give the truth as labels: each colony its own number.

    Returns
    -------
    image : (height, width, 3) ndarray of uint8
        The RGB image.
    truth : (height, width) ndarray of bool, or of uint16 with ``labelled``
        The colonies' pixels; with ``labelled``, colony ``i`` of ``drawn``
        is ``i + 1`` (where two touch, the later one has their shared
        pixels), the same pixels non-zero.
    drawn : list of tuple
        Each colony as ``(row, col, radius)`` in pixels: the true count is
        ``len(drawn)``. No colony lies under the label or on the rim. Two
        colonies either overlap by about a pixel (touching: one object in
        the truth mask) or keep at least 3 pixels apart.

    Examples
    --------
    >>> image, truth, drawn = synthetic_colony_plate((200, 200), seed=1, colonies=5)
    >>> image.shape, truth.dtype, len(drawn)
    ((200, 200, 3), dtype('bool'), 5)
    """
    from PIL import Image, ImageDraw, ImageFilter

    layout = _plate_layout(shape, seed, label, colonies)
    rng, height, width, size, unit = (layout[k] for k in ("rng", "height", "width", "size",
                                                           "unit"))
    cy, cx, dish, rim, font, text, label_box, drawn = (
        layout[k] for k in ("cy", "cx", "dish", "rim", "font", "text", "label_box", "drawn"))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    distance = np.hypot(yy - np.float32(cy), xx - np.float32(cx))
    image = np.full((height, width), rng.uniform(240.0, 250.0), dtype=np.float32)
    medium = np.float32(rng.uniform(150.0, 175.0)) + np.float32(
        rng.uniform(-8.0, 8.0)) * (xx - np.float32(cx)) / np.float32(size)
    image = np.where(distance <= dish, medium, image)
    image = np.where((distance > dish - rim) & (distance <= dish), image - 45, image)

    layer = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(layer)
    for row, col, radius in drawn:
        draw.ellipse([col - radius, row - radius, col + radius, row + radius],
                     fill=int(round(rng.uniform(25.0, 60.0))))
    value = np.asarray(layer)
    truth = value > 0
    numbers = None
    if labelled:
        numbered = Image.new("I", (width, height), 0)
        draw_numbers = ImageDraw.Draw(numbered)
        for number, (row, col, radius) in enumerate(drawn, start=1):
            draw_numbers.ellipse([col - radius, row - radius, col + radius, row + radius],
                                 fill=number)
        numbers = np.asarray(numbered).astype(np.uint16)
    # soft edges: each colony's own value, blended in by its blurred coverage
    alpha = np.asarray(Image.fromarray(np.where(truth, 255, 0).astype(np.uint8)).filter(
        ImageFilter.BoxBlur(0.5 * unit)), dtype=np.float32) / 255
    spread = np.asarray(layer.filter(ImageFilter.MaxFilter(5)), dtype=np.float32)
    image = image * (1 - alpha) + spread * alpha

    marker = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(marker)
    draw.rectangle(label_box, fill=250)
    draw.text((cx, cy + dish), text, fill=25, font=font, anchor="mm")
    box_mask = np.zeros((height, width), dtype=bool)
    top, bottom = max(0, int(label_box[1])), min(height, int(np.ceil(label_box[3])) + 1)
    left, right = max(0, int(label_box[0])), min(width, int(np.ceil(label_box[2])) + 1)
    box_mask[top:bottom, left:right] = True
    image = np.where(box_mask, np.asarray(marker, dtype=np.float32), image)

    # the medium brownish, the background and the label nearly white
    tint = np.array([1.0, 0.93, 0.80]) + rng.normal(0.0, 0.02, 3)
    paper = np.array([1.0, 1.0, 0.98])
    inside = (distance <= dish) & ~box_mask
    rgb = np.where(inside[..., None], tint.astype(np.float32), paper.astype(np.float32))
    rgb *= image[..., None]
    rgb += _gaussian_noise(rng, rgb.shape, rng.uniform(2.0, 4.0))
    np.clip(rgb, 0.0, 255.0, out=rgb)
    truth = truth & ~box_mask
    if labelled:
        truth = np.where(truth, numbers, 0).astype(np.uint16)
    return np.rint(rgb).astype(np.uint8), truth, drawn
