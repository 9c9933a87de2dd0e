"""What the per-photo benchmarks (objects.py, roots.py) share: the lesson's
four root photos, a CPU timer, the lesson's own root-mass function as the
baseline, and each photo's mask as the workflow makes and saves it."""

import importlib.util
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSON_DATA = Path(os.environ.get("LESSON_DATA", ROOT.parent / "shared" / "lesson-data"))
TRIALS = ["trial-016.jpg", "trial-020.jpg", "trial-216.jpg", "trial-293.jpg"]


def cpu_time(function, *args, **kwargs):
    """(process CPU seconds, result) of one call."""
    start = time.process_time()
    result = function(*args, **kwargs)
    return time.process_time() - start, result


def load_lesson_function():
    """benchmarks/lesson_loop.py's measure_root_mass: the lesson's own."""
    spec = importlib.util.spec_from_file_location(
        "lesson_loop", ROOT / "benchmarks" / "lesson_loop.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.measure_root_mass


def make_mask(photo, path):
    """The lesson's mask (procedure 1) with the workflow's functions, saved
    as the workflow saves it; its foreground ratio."""
    import numpy as np

    from rootmass.io import read_image, save_mask
    from rootmass.segmentation import blur, segment, to_grayscale

    blurred = blur(to_grayscale(read_image(photo), "luma"), 1.5)
    _, mask = segment(blurred, "otsu")
    save_mask(path, mask)
    return np.count_nonzero(mask) / mask.size
