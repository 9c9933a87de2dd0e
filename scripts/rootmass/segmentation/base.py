"""The segmenters' interface and their registry.

A segmenter turns a blurred image into a mask in two steps, the two rules of
the workflow:

- in rule ``threshold``, :meth:`Segmenter.threshold` computes what it needs
  from the whole image (a threshold ``t``; multi-Otsu's levels; nothing, for
  the local methods, whose threshold is a map made with the mask), and
  :meth:`Segmenter.record` writes it as a row of the batch's table;
- in rule ``save_mask``, :meth:`Segmenter.mask` makes the mask, pixel by
  pixel, from what ``threshold`` recorded (:meth:`Segmenter.restore`), and
  :meth:`Segmenter.summary` gives the one number ``results/ratios.csv`` and
  the figures show as its threshold (None where there is none).

A segmenter whose :attr:`~Segmenter.scope` is ``'collection'`` first
computes a model from the whole collection, in rule ``fit_segmenter``, once
for every image that uses it: :meth:`Segmenter.fit_collection` reads the
images it is fitted on (their histograms, their pixels, their truth masks)
and returns the model, which the workflow writes to a file as
:attr:`~Segmenter.model_suffix` says (``results/models/<method><suffix>``,
``rootmass.workflow.models``: nothing here reads or writes files). That file
is an input of the ``threshold`` and ``save_mask`` jobs of the batches of
those images, and their steps find the model, read back, in
:attr:`Image.model`. The others (``'image'``) compute per image only.

What a segmenter reads of an image is an :class:`Image`: its pixels are read
only when a step asks for them, so a segmenter that :attr:`~Segmenter.needs`
only the histogram (Otsu, the default) never opens the blurred file.

A segmenter carries its settings (:class:`Setting`, their defaults and the
stages that use them) and their validation (:meth:`Segmenter.check`).
Segmenters are found by name through the registry (:func:`segmenter`,
:func:`method_names`), filled in :mod:`rootmass.segmentation.registry`.
"""

import copy
from dataclasses import dataclass, field

from rootmass.segmentation._checks import _check_choice
from rootmass.segmentation.images import (
    foreground_mask,
    image_histogram,
    lesson_histogram,
    threshold_summary,
)

__all__ = ["Setting", "Image", "Segmenter", "register", "order_settings", "segmenter", "method_names",
           "segmenters", "settings_table"]


@dataclass(frozen=True)
class Setting:
    """One setting of a segmenter: a key of config section ``threshold`` and
    a column of the sample sheet of the same name.

    Parameters
    ----------
    name : str
    default : object
        The config's default (as the config schema gives it).
    kind : {'number', 'integer', 'list', 'text'}
        How a sheet's cell is read (a list: numbers separated by commas or
        spaces; a text, such as a path, as it is).
    figures : bool
        Whether rule ``qc_images`` (the image's figure) uses it.
    unused_as_none : bool
        Where a method does not use it, a stage's params give it as None
        (True: the settings older than the multi-level and local methods)
        rather than leaving it out, so that a run made before keeps its
        params and re-runs nothing.
    schema : dict, optional
        More of its JSON schema (a description, bounds), for a setting that
        the schema files do not describe: see :meth:`json_schema`.
    """

    name: str
    default: object = None
    kind: str = "number"
    figures: bool = False
    unused_as_none: bool = False
    schema: dict = field(default=None, hash=False)

    @property
    def config_key(self):
        """The setting's config key, ``threshold.<name>``."""
        return f"threshold.{self.name}"

    def json_schema(self, default=True):
        """The setting's JSON schema, as the config's section ``threshold``
        and the sample sheet's column take it where the schema files
        (``workflow/schemas/``) do not describe it: its type by its
        ``kind`` (null allowed where the default is None), its ``default``
        (the config's; the sheet's cells have none), then :attr:`schema`.
        Its segmenter's ``check`` validates it further, as for every
        setting."""
        kinds = {"number": "number", "integer": "integer", "list": "array", "text": "string"}
        kind = kinds[self.kind]
        found = {"type": [kind, "null"] if self.default is None else kind}
        if self.kind == "list":
            found["items"] = {"type": "number"}
        if default:  # (a copy: the config's own, not this setting's)
            found["default"] = copy.deepcopy(self.default)
        return {**found, **copy.deepcopy(self.schema or {})}


class Image:
    """What a segmenter may read of one blurred image.

    Parameters
    ----------
    pixels : (M, N) ndarray of float, optional
        The blurred image.
    load : callable, optional
        Instead of ``pixels``: called, once, the first time the pixels are
        asked for (a cached batch's memory map).
    hist : tuple of ndarray, optional
        ``(counts, bin_centers)``, :func:`~rootmass.segmentation.image_histogram`
        of the image (of its ROI where it has one), where it is known
        already (rule ``grayscale_blur`` stores it); else computed from the
        pixels when first asked for.
    roi : (M, N) ndarray of bool, optional
        The region of interest.
    markers : (M, N) ndarray of bool, optional
        The image's :func:`~rootmass.segmentation.marker_region`, where known.
    counts : (256,) ndarray of int, optional
        :func:`~rootmass.segmentation.lesson_histogram` of the image (of its
        ROI where it has one): the lesson's 256 bins over [0, 1], the same
        for every image, so that a collection's can be added up. Where known
        already (``grayscale_blur`` stores the whole image's), else computed
        from the pixels when first asked for.
    truth : (M, N) ndarray, optional
        The image's ground truth, where it has one: for a segmenter fitted
        on the truth (:attr:`Segmenter.collection_truth`), its training
        labels (uint8: 0 unlabelled, 1 background, 2 foreground:
        :func:`rootmass.segmentation.classifier.labels_from_truth` and
        ``labels_from_lines``).
    load_truth : callable, optional
        Instead of ``truth``: called, once, the first time it is asked for.
    model : object, optional
        The collection step's model (:meth:`Segmenter.fit_collection`'s, as
        the workflow read it back), for a segmenter whose
        :attr:`~Segmenter.scope` is ``'collection'``.
    name : str, optional
        The image's name (its path, in the workflow), for a model's record.
    colour : (M, N, 3) ndarray of uint8, optional
        The image itself, for a segmenter that reads its colours (a
        classifier's colour features).
    load_colour : callable, optional
        Instead of ``colour``: called, once, the first time it is asked for.
    """

    def __init__(self, pixels=None, *, load=None, hist=None, roi=None, markers=None,
                 counts=None, truth=None, load_truth=None, model=None, name=None,
                 colour=None, load_colour=None):
        if pixels is None and load is None:
            raise ValueError("an Image needs its pixels or a way to load them")
        self._pixels, self._load = pixels, load
        self.hist, self.roi, self.markers = hist, roi, markers
        self.counts, self.model = counts, model
        self._truth, self._load_truth = truth, load_truth
        self.name = name
        self._colour, self._load_colour = colour, load_colour

    @property
    def pixels_read(self):
        """Whether the pixels are in memory (given, or read)."""
        return self._pixels is not None

    @property
    def pixels(self):
        """The blurred image, read on first use."""
        if self._pixels is None:
            self._pixels = self._load()
        return self._pixels

    def histogram(self):
        """:func:`~rootmass.segmentation.image_histogram` of the image (its
        ROI), as given or computed once."""
        if self.hist is None:
            self.hist = image_histogram(self.pixels, self.roi)
        return self.hist

    def lesson_histogram(self):
        """:func:`~rootmass.segmentation.lesson_histogram` of the image (its
        ROI), as given or computed once."""
        if self.counts is None:
            self.counts = lesson_histogram(self.pixels, self.roi)
        return self.counts

    @property
    def colour(self):
        """The image itself, read on first use (None: not given)."""
        if self._colour is None and self._load_colour is not None:
            self._colour = self._load_colour()
        return self._colour

    @property
    def truth(self):
        """The image's ground truth, read on first use (None: it has none)."""
        if self._truth is None and self._load_truth is not None:
            self._truth = self._load_truth()
        return self._truth


class Segmenter:
    """One way of segmenting an image: the interface every segmenter follows.

    Attributes
    ----------
    name : str
        Its value of config key ``threshold.method``.
    needs : {'nothing', 'histogram', 'pixels'}
        What :meth:`threshold` reads of the image: nothing (a fixed
        threshold; a local method, which computes nothing there), only the
        histogram (:meth:`Image.histogram`, stored by ``grayscale_blur``), or
        the pixels. A step that finds the histogram will not do (a uniform
        image) may still read the pixels. ``save_mask`` always reads them.
    settings : tuple of str
        The settings its mask uses in rule ``save_mask`` (besides
        ``foreground`` and the ROI), by name: each is a :class:`Setting` of
        :attr:`own_settings` of some segmenter.
    threshold_settings : tuple of str
        Those of them that :meth:`threshold` uses (``'foreground'`` too,
        where it does).
    own_settings : tuple of Setting
        The settings it introduces (others may use them too).
    threshold_map : bool
        Whether its threshold is a map, one per pixel (the figure's
        histogram then shows no single ``t``).
    panel : bool
        Whether the method panel and the evaluation compare it (every
        method that chooses its threshold itself).
    seconds_per_megapixel : float or None
        The CPU-seconds a megapixel costs rule ``save_mask`` with it (None:
        the planning's default, a global threshold's).
    copies : int
        The float64 copies of an image that ``save_mask`` holds with it.
    scope : {'image', 'collection'}
        ``'image'``: it computes from each image alone. ``'collection'``: a
        model from the whole collection first (:meth:`fit_collection`, rule
        ``fit_segmenter``), which its steps then find in :attr:`Image.model`.
    collection_needs : {'histogram', 'pixels'}
        What :meth:`fit_collection` reads of each image: only
        :meth:`Image.lesson_histogram` (stored by ``grayscale_blur`` for an
        image without a ROI, so that no pixel of it is read), or the pixels.
    collection_truth : bool
        Whether it is fitted on the images with a truth mask only (those
        that use it), whose :attr:`Image.truth` it reads (a trained
        classifier); else on every image that uses it.
    collection_settings : tuple of str
        The settings :meth:`fit_collection` uses, by name: one model serves
        every image, so they must be the same for all the images that use it
        (checked before any job).
    model_suffix : {'.json', '.pickle'}
        The model file's suffix, and how it is written: a JSON object (a
        dict of numbers and lists), or a pickle (any object, such as a
        scikit-learn estimator).
    collection_seconds_per_megapixel : float
        The CPU-seconds each megapixel of an image whose pixels
        :meth:`fit_collection` reads costs it, for the planning.
    model_in_threshold : bool
        Whether :meth:`threshold` reads the model (``otsu_collection``'s
        ``t``); else only :meth:`mask` does (a classifier), and rule
        ``threshold``'s jobs do not take the model file: a new model re-runs
        ``save_mask`` and what follows, not ``threshold``.
    """

    name = None
    needs = "pixels"
    settings = ()
    threshold_settings = ()
    own_settings = ()
    threshold_map = False
    panel = True
    seconds_per_megapixel = None
    copies = 5
    scope = "image"
    collection_needs = "pixels"
    collection_truth = False
    collection_settings = ()
    model_suffix = ".json"
    collection_seconds_per_megapixel = 0.05
    model_in_threshold = True
    uses_foreground = True

    def uses(self):
        """The config's ``threshold`` keys it uses, by name: ``method``,
        ``foreground`` (where its mask is on a side of ``t``) and those of
        :attr:`settings`, :attr:`threshold_settings` and
        :attr:`collection_settings`."""
        return {"method", *(("foreground",) if self.uses_foreground else ()), *self.settings,
                *self.threshold_settings, *self.collection_settings}

    def check(self, settings):
        """Validate the settings it uses, before any pixel is read.

        Parameters
        ----------
        settings : dict
            An image's settings (``foreground`` and every name of
            :attr:`settings`, at least).

        Returns
        -------
        dict
            ``settings``, with its own as it uses them (e.g. a sorted tuple
            of classes).

        Raises
        ------
        ValueError
            One line naming the setting and the reason.
        """
        return settings

    def fit_collection(self, images, settings):
        """What it computes from the whole collection, in rule
        ``fit_segmenter`` (a segmenter whose :attr:`scope` is
        ``'collection'``): its model.

        Parameters
        ----------
        images : iterable of Image
            The images it is fitted on, one at a time (each read as
            :attr:`collection_needs` says; with :attr:`collection_truth`,
            those with a truth mask, in :attr:`Image.truth`), each with its
            ROI where it has one. An image that cannot be read is left out
            (``on_error: skip``) or stops the job.
        settings : dict
            Its :attr:`collection_settings`, the same for every image.

        Returns
        -------
        model : object
            As :attr:`model_suffix` says it is written; the steps of rules
            ``threshold`` and ``save_mask`` find it in :attr:`Image.model`.

        Raises
        ------
        ValueError
            Where the collection gives no model (no image; a single gray
            level), in one line.
        """
        raise NotImplementedError(f"segmenter {self.name!r} has no collection step")

    def given_model(self, settings):
        """A model file given in its settings, which its collection step
        reads instead of fitting one (a classifier trained on another
        collection): its path, or None."""
        return None

    def threshold(self, image, settings):
        """What it computes from the whole image, in rule ``threshold``
        (with its model, in :attr:`Image.model`, where its :attr:`scope` is
        ``'collection'``).

        Parameters
        ----------
        image : Image
        settings : dict
            As :meth:`check` returns them.

        Returns
        -------
        t : float, tuple of float, ndarray or None
            The segmenter's own form (a threshold; levels; a map).
        """
        raise NotImplementedError

    def mask(self, image, t, settings):
        """The mask, in rule ``save_mask``: ``blurred > t`` (``'above'``) or
        ``blurred < t``, nothing outside the ROI.

        Parameters
        ----------
        image : Image
        t : as :meth:`threshold` returns it
        settings : dict

        Returns
        -------
        mask : (M, N) ndarray of bool
        """
        return foreground_mask(image.pixels, t, settings["foreground"], roi=image.roi)

    def summary(self, t, settings, roi=None):
        """The one number ``ratios.csv`` and the figures give as the
        threshold: :func:`~rootmass.segmentation.threshold_summary`."""
        return threshold_summary(t, settings["foreground"],
                                 settings.get("foreground_classes"), roi)

    def record(self, t, settings):
        """What rule ``threshold`` writes of ``t``: a JSON row, with
        ``threshold`` (:meth:`summary`, or None where ``save_mask`` makes the
        threshold)."""
        return {"threshold": None if t is None else self.summary(t, settings)}

    def restore(self, record):
        """``t`` from a row of :meth:`record` (None: :meth:`threshold` runs in
        ``save_mask``)."""
        return record["threshold"]

    def stage_settings(self, used, settings):
        """A stage's settings as its params give them (the rule's
        ``stage_params``), resolved where a setting's default depends on
        others; ``used`` as :func:`rootmass.workflow.samples.stage_settings` picked
        them."""
        return used

    def fit(self, image, settings):
        """Rule ``threshold``'s step: :meth:`threshold`, as :meth:`record`
        writes it."""
        return self.record(self.threshold(image, settings), settings)

    def predict(self, image, record, settings):
        """Rule ``save_mask``'s step: the mask from what ``threshold``
        recorded, and its threshold for ``ratios.csv``.

        Returns
        -------
        mask : (M, N) ndarray of bool
        t : float or None
            The row's ``threshold``, or :meth:`summary` of a threshold made
            here.
        """
        t = self.restore(record)
        made_here = t is None
        if made_here:
            t = self.threshold(image, settings)
        mask = self.mask(image, t, settings)
        summary = self.summary(t, settings, image.roi) if made_here else record["threshold"]
        return mask, summary


#: The segmenters by name, in the order the methods are listed.
_REGISTRY = {}


def register(*instances):
    """Add segmenters to the registry (:mod:`rootmass.segmentation.registry`)."""
    for instance in instances:
        if instance.name in _REGISTRY:
            raise ValueError(f"segmenter {instance.name!r} is registered twice")
        _REGISTRY[instance.name] = instance


def order_settings(*settings):
    """Fix the order of these settings in :func:`settings_table`."""
    _ORDER.extend(settings)


def method_names():
    """The registered segmenters' names (config key ``threshold.method``)."""
    return tuple(_REGISTRY)


def segmenters():
    """The registered segmenters, in order."""
    return tuple(_REGISTRY.values())


def segmenter(method):
    """The segmenter of a method, by name.

    Raises
    ------
    ValueError
        ``threshold.method must be one of ...; got ...``.
    """
    _check_choice("threshold.method", method, method_names())
    return _REGISTRY[method]


#: The settings' order (:func:`settings_table`), where it was set before.
_ORDER = []


def settings_table():
    """Every segmenter's settings, by name: those of the registry's
    ``SETTINGS_ORDER`` in that order, then the others in the order the
    segmenters introduce them."""
    table = {}
    for setting in _ORDER:
        table[setting.name] = setting
    for instance in _REGISTRY.values():
        for setting in instance.own_settings:
            table.setdefault(setting.name, setting)
    return table
