"""Segmentation: grayscale conversion, blurring, thresholds and the
foreground ratio, and the segmenters that plug into the workflow.

Small pure functions (arrays in, arrays or numbers out) that implement the
procedures of the Data Carpentry lesson "Image Processing with Python",
episode "Thresholding". Nothing here reads or writes files.

The lesson's four procedures are compositions of these functions::

    gray = to_grayscale(image, "luma")            # or "rgb2gray"
    blurred = blur(gray, sigma)                   # sigma 0: no blur
    t = threshold_value(blurred, "otsu")          # or "fixed", value=t
    mask = foreground_mask(blurred, t, "above")   # or "below"
    count, total, ratio = foreground_ratio(mask)

Every stage of the workflow thresholds through one function, :func:`segment`,
which asks the method's segmenter (:func:`segmenter`, an instance of
:class:`Segmenter`) for ``t`` and the mask; :func:`method_results` compares
every method on an image. The modules:

- :mod:`.images`: the steps every segmenter shares (gray levels, blur,
  histogram, mask, ratio); :mod:`._checks`: the shared validation;
- :mod:`.base`: the interface (:class:`Segmenter`, :class:`Image`,
  :class:`Setting`) and the registry's look-ups; :mod:`.registry`: its
  entries;
- :mod:`.global_`, :mod:`.levels`, :mod:`.local`, :mod:`.collection`: the
  global thresholds (fixed, scikit-image's automatic ones, Otsu's without
  the bright markers), multi-Otsu's levels, the local thresholds, and the
  thresholds of the whole collection (Otsu's of its pooled histogram);
- :mod:`.chain`: :func:`segment`, :func:`method_results` and :func:`segment_regions`.

scikit-image, SciPy and Pillow are imported inside the functions that need
them: a rule script pays for importing only what its stage uses (SciPy alone
costs about 0.5 CPU-s per job); after the first call the import is a lookup.
"""

from rootmass.segmentation import registry  # noqa: F401  (fills the registry)
from rootmass.segmentation._checks import FOREGROUND_SIDES
from rootmass.segmentation.base import (
    Image,
    Segmenter,
    Setting,
    method_names,
    register,
    segmenter,
    segmenters,
    settings_table,
)
from rootmass.segmentation.chain import (LOCAL_DEFAULTS, PANEL_METHODS, THRESHOLD_METHODS,
                                        method_results, segment, segment_regions)
from rootmass.segmentation.collection import COLLECTION_METHODS, pooled_otsu
from rootmass.segmentation.global_ import (
    AUTOMATIC_METHODS,
    EXCLUSION_METHODS,
    HISTOGRAM_METHODS,
    MARKER_MIN_AREA,
    marker_margin,
    marker_region,
    method_exclusion,
    threshold_value,
)
from rootmass.segmentation.images import (
    CHANNEL_METHODS,
    GRAYSCALE_METHODS,
    LUMA_METHODS,
    blur,
    colour_channel,
    foreground_mask,
    foreground_ratio,
    image_histogram,
    lesson_histogram,
    threshold_summary,
    to_grayscale,
)
from rootmass.segmentation.levels import LEVEL_METHODS, multiotsu_levels
from rootmass.segmentation.local import LOCAL_METHODS, local_threshold

__all__ = [
    "GRAYSCALE_METHODS",
    "LUMA_METHODS",
    "CHANNEL_METHODS",
    "AUTOMATIC_METHODS",
    "HISTOGRAM_METHODS",
    "THRESHOLD_METHODS",
    "EXCLUSION_METHODS",
    "PANEL_METHODS",
    "LOCAL_METHODS",
    "LEVEL_METHODS",
    "COLLECTION_METHODS",
    "LOCAL_DEFAULTS",
    "FOREGROUND_SIDES",
    "MARKER_MIN_AREA",
    "Image",
    "Segmenter",
    "Setting",
    "register",
    "segmenter",
    "segmenters",
    "method_names",
    "settings_table",
    "to_grayscale",
    "colour_channel",
    "blur",
    "image_histogram",
    "lesson_histogram",
    "threshold_value",
    "local_threshold",
    "multiotsu_levels",
    "pooled_otsu",
    "threshold_summary",
    "marker_margin",
    "marker_region",
    "method_exclusion",
    "foreground_mask",
    "foreground_ratio",
    "segment",
    "method_results",
    "segment_regions",
]
