"""Validation helpers shared by the modules that take masks (``objects``,
``roots``), in the manner of scikit-image's ``_shared.utils``: each returns
the checked value or raises ValueError with a one-line reason."""

import numpy as np

__all__ = ["check_mask"]


def check_mask(mask):
    """The mask as a 2-D boolean array; ValueError unless it is one."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"expected a 2-D mask; got an array of shape {mask.shape}")
    if mask.dtype != bool:
        raise ValueError(f"expected a boolean mask; got an array of {mask.dtype}")
    return mask


def _check_positive(name, value, integer=False):
    """Raise ValueError unless ``value`` is a number > 0 (whole, if
    ``integer``)."""
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kinds) or not value > 0:
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"{name} must be {kind} > 0; got {value!r}")


def _check_prune_length(prune_length):
    """Raise ValueError unless ``prune_length`` is a number >= 0."""
    if isinstance(prune_length, bool) or not prune_length >= 0:
        raise ValueError(f"prune_length must be a number >= 0; got {prune_length!r}")
