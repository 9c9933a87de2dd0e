"""The registry: every segmenter, one entry each, in the order the methods
are listed (config key ``threshold.method``, the method panel, the
evaluation). Adding a segmenter adds its entry here; the workflow, the
schemas' checks, the sample sheet's columns and the planning find it
through :func:`rootmass.segmentation.segmenter`."""

from rootmass.segmentation import global_, levels, local
from rootmass.segmentation.classifier import Classifier
from rootmass.segmentation.collection import OtsuCollection
from rootmass.segmentation.base import order_settings, register
from rootmass.segmentation.global_ import AUTOMATIC_METHODS, Automatic, ExcludingBright, ExcludingMarkers, Fixed
from rootmass.segmentation.levels import MultiOtsu
from rootmass.segmentation.local import LOCAL_METHODS, Local

__all__ = []

register(Fixed())
register(*(Automatic(name) for name in AUTOMATIC_METHODS))
register(ExcludingBright(), ExcludingMarkers())
register(MultiOtsu())
register(*(Local(name) for name in LOCAL_METHODS))
register(OtsuCollection())
register(Classifier())

# The order of the settings in a stage's params, as it was before the
# registry: Snakemake compares a job's params by their repr, so another order
# would re-run every result. A new segmenter's settings come after these
# without being listed.
order_settings(global_.VALUE, global_.BRIGHT_CUTOFF, global_.MARKER_AREA, global_.MARGIN,
               local.WINDOW, local.K, local.OFFSET, levels.CLASSES, levels.FOREGROUND_CLASSES)
