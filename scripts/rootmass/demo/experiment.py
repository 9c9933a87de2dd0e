"""The demo experiment: its images' names, seeds, conditions and settings,
its sample sheet and its record (:func:`demo_samples`,
:func:`demo_record`), and one image of a scene (:func:`demo_image`)."""

import numpy as np

from rootmass.demo._drawing import _check_nonnegative_int
from rootmass.demo.plates import plate_colony_count
from rootmass.demo.roots import synthetic_root_image, synthetic_root_length
from rootmass.demo.scenes import illumination_field, synthetic_seedling_image

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
#: objects of at least 11 pixels (what its ``min_size=10`` keeps at the pinned
#: scikit-image: config/README.md) found 4-connected and counted 8-connected.
PLATE_CONDITION = "plate"
PLATE_SETTINGS = {
    "grayscale": "rgb2gray",
    "sigma": 1.0,
    "method": "otsu_excluding_bright",
    "foreground": "below",
    "bright_cutoff": 0.9,
    "min_area": 11,
    "filter_connectivity": 1,
}
#: Plate ``i`` of a set uses ``demo_seed(seed, PLATE_SEED_OFFSET + i)``:
#: seeds of their own, whatever the number of root images.
PLATE_SEED_OFFSET = 1_000_000

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
