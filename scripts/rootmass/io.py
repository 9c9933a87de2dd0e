"""Reading images and writing outputs atomically.

Every writer here writes to a temporary file in the destination's directory
and renames it into place, so an interrupted job never leaves a
half-written output under the final name.
"""

import contextlib
import json
import os

import numpy as np

__all__ = [
    "BadImage",
    "read_image",
    "atomic_path",
    "save_array",
    "load_array",
    "save_mask",
    "load_mask",
    "save_png",
    "save_figure",
    "save_json",
    "load_json",
]


class BadImage(ValueError):
    """An input image that cannot be used; the message says why."""


def read_image(path):
    """Read the first frame of an image file as an array, as Pillow decodes it.

    Colour images come back as ``(M, N, 3)`` or ``(M, N, 4)``, palette images
    in their palette's mode, grayscale as ``(M, N)`` (16-bit as ``uint16``,
    32-bit float TIFFs as ``float32``). Multi-page files give their first page.

    Raises
    ------
    BadImage
        If the file is empty, not an image, cannot be decoded, or is a float
        image with values outside [0, 1].
    """
    import imageio.v3 as iio
    from PIL import Image, UnidentifiedImageError

    if os.path.getsize(path) == 0:
        raise BadImage("the file is empty (0 bytes)")
    try:
        image = iio.imread(path, index=0, plugin="pillow")
    except Exception as error:
        # only on failure: is it no image at all, or a damaged one?
        try:
            Image.open(path).close()
        except UnidentifiedImageError:
            raise BadImage("not an image file that Pillow can read") from None
        except Exception:
            pass
        raise BadImage(f"cannot decode the image: {error}") from None
    if image.ndim < 2 or image.size == 0:
        raise BadImage(f"the image has no pixels (shape {image.shape})")
    if image.dtype.kind == "f" and not np.all((image >= 0) & (image <= 1)):
        raise BadImage(
            "a float image must have values in [0, 1] (and no NaN); this one has"
            f" [{np.nanmin(image)}, {np.nanmax(image)}]"
        )
    return image


@contextlib.contextmanager
def atomic_path(path, suffix=""):
    """Yield a temporary path next to ``path``; rename it to ``path`` on success.

    The temporary name is fixed (``.<name>.tmp<suffix>``), so what a killed
    job left behind is overwritten by the next attempt. On an exception the
    temporary file is removed and ``path`` is untouched.
    """
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.tmp{suffix}")
    with contextlib.suppress(FileNotFoundError):
        os.remove(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def save_array(path, array):
    """Save an array as ``.npy``, atomically."""
    with atomic_path(path, ".npy") as tmp:
        np.save(tmp, array, allow_pickle=False)


def load_array(path):
    """Load a ``.npy`` array, memory-mapped read-only."""
    return np.load(path, mmap_mode="r", allow_pickle=False)


def save_mask(path, mask):
    """Save a boolean mask as a 1-bit PNG (foreground white), atomically."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(mask, dtype=bool))
    with atomic_path(path, ".png") as tmp:
        image.save(tmp, format="PNG")


def load_mask(path):
    """Read a mask PNG as a boolean array."""
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("1"), dtype=bool)


def save_png(path, array):
    """Save an 8-bit gray or RGB array as a PNG, atomically."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8))
    with atomic_path(path, ".png") as tmp:
        image.save(tmp, format="PNG")


def save_figure(path, figure, dpi=80):
    """Save a matplotlib figure as a PNG (Agg), atomically."""
    with atomic_path(path, ".png") as tmp:
        figure.savefig(tmp, format="png", dpi=dpi)


def save_json(path, data):
    """Write ``data`` as JSON, atomically (floats keep full precision)."""
    with atomic_path(path, ".json") as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, ensure_ascii=False, allow_nan=False)
            f.write("\n")


def load_json(path):
    """Read a JSON file."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)
