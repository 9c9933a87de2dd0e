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
