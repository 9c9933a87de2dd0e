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
    "MAX_MEGAPIXELS",
    "set_max_megapixels",
    "above_max_megapixels",
    "without_pillows_guard",
    "open_image",
    "read_image",
    "truth_mask",
    "read_annotation",
    "read_roi",
    "atomic_path",
    "save_array",
    "load_array",
    "save_arrays",
    "save_csv",
    "save_mask",
    "load_mask",
    "save_png",
    "save_jpeg",
    "FIGURE_JPEG",
    "SHEET_JPEG",
    "load_picture",
    "save_figure",
    "save_json",
    "load_json",
]


#: How figures are saved: JPEG quality 50 with the colour
#: at half resolution (4:2:0) and optimised Huffman tables, a quarter of the
#: bytes of quality 90 at 4:4:4; what keeps a report at most 40 KB an image
#: (benchmarks/report_scale.py).
FIGURE_JPEG = {"quality": 50, "subsampling": 2, "optimize": True}
#: The contact sheets' (thumbnails of photographs, no text but their labels):
#: quality 40.
SHEET_JPEG = {**FIGURE_JPEG, "quality": 40}


class BadImage(ValueError):
    """An input image that cannot be used; the message says why."""


#: The largest image read, in megapixels (config key ``max_megapixels``):
#: Pillow's own guard against "decompression bombs" warns above 89 and
#: refuses above 179 megapixels, below what a flatbed scan at 1200 dpi has.
MAX_MEGAPIXELS = 200


def set_max_megapixels(megapixels):
    """Set the largest image that :func:`open_image` reads, in megapixels.
    Pillow's own limit is left alone (its check is off while the workflow
    reads its images and masks, :func:`without_pillows_guard`; Pillow also
    applies it to the masks of the text it draws)."""
    global MAX_MEGAPIXELS
    if not megapixels > 0:
        raise ValueError(f"max_megapixels must be above 0; got {megapixels!r}")
    MAX_MEGAPIXELS = megapixels


def above_max_megapixels(width, height, megapixels):
    """Whether an image of ``width`` x ``height`` pixels is larger than
    ``megapixels`` (the one comparison, for the jobs and the planning)."""
    return width * height > round(megapixels * 1e6)


@contextlib.contextmanager
def without_pillows_guard():
    """Pillow's decompression-bomb check off, and back as it was after: for
    files whose size is checked against max_megapixels, or that the
    workflow wrote itself."""
    from PIL import Image

    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def _too_large(width, height):
    return BadImage(
        f"the image has {width * height / 1e6:.4g} megapixels ({width} x {height}),"
        f" more than max_megapixels ({MAX_MEGAPIXELS:g}); raise max_megapixels in the"
        " config to process it (a job needs about 40 bytes a pixel)"
    )


def open_image(path):
    """Open an image file with Pillow and decode its first frame.

    Returns
    -------
    image : PIL.Image.Image
        Loaded (decoded); the caller closes it.

    Raises
    ------
    BadImage
        If the file is empty, not an image, larger than
        :data:`MAX_MEGAPIXELS` (:func:`set_max_megapixels`), or cannot be
        decoded.
    """
    from PIL import Image, UnidentifiedImageError

    if os.path.getsize(path) == 0:
        raise BadImage("the file is empty (0 bytes)")
    # Pillow's own check (a warning, or an error naming no setting of ours,
    # on opening and again on decoding) is replaced by the check of
    # max_megapixels below, from the header
    with without_pillows_guard():
        try:
            image = Image.open(path)
        except UnidentifiedImageError:
            raise BadImage("not an image file that Pillow can read") from None
        except Exception as error:
            raise BadImage(f"cannot open the image: {error}") from None
        if above_max_megapixels(image.width, image.height, MAX_MEGAPIXELS):
            size = image.size
            image.close()
            raise _too_large(*size)
        try:
            image.seek(0)
            image.load()
        except Exception as error:
            image.close()
            raise BadImage(
                f"the file is truncated or damaged: Pillow cannot decode it ({error})"
            ) from None
    return image


def read_image(path):
    """Read the first frame of an image file as an array, as Pillow decodes it.

    Colour images come back as ``(M, N, 3)`` or ``(M, N, 4)``, palette images
    in their palette's mode, grayscale as ``(M, N)`` (16-bit as ``uint16``,
    32-bit float TIFFs as ``float32``): what ``imageio.v3.imread(path,
    index=0, plugin="pillow")`` gives. Multi-page files give their first page.

    Raises
    ------
    BadImage
        If the file is empty, not an image, cannot be decoded, or is a float
        image with values outside [0, 1].
    """
    with open_image(path) as image:
        if image.mode in ("L", "RGB", "RGBA"):  # as imageio gives them
            array = np.asarray(image)
        else:  # palette, 16-bit, float...: imageio's own conversions
            import imageio.v3 as iio

            try:
                with without_pillows_guard():  # its size is checked above
                    array = iio.imread(path, index=0, plugin="pillow")
            except Exception as error:
                raise BadImage(f"cannot decode the image: {error}") from None
    return _checked(array)


def _checked(array):
    if array.ndim < 2 or array.size == 0:
        raise BadImage(f"the image has no pixels (shape {array.shape})")
    if array.dtype.kind == "f" and not np.all((array >= 0) & (array <= 1)):
        raise BadImage(
            "a float image must have values in [0, 1] (and no NaN); this one has"
            f" [{np.nanmin(array)}, {np.nanmax(array)}]"
        )
    return array


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


def save_arrays(path, arrays):
    """Save named arrays as one compressed ``.npz``, atomically.

    Parameters
    ----------
    path : str
    arrays : dict of str to ndarray
        Each saved under its name, which may be any string (an image's key,
        with ``/`` in it): ``numpy.load(path)[name]`` reads it back. (As
        ``numpy.savez_compressed(path, **arrays)`` writes them, but for a
        name that is one of that function's parameters, ``file`` or
        ``allow_pickle``.)
    """
    import zipfile

    with atomic_path(path, ".npz") as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                with archive.open(f"{name}.npy", "w", force_zip64=True) as f:
                    np.lib.format.write_array(f, np.asanyarray(array), allow_pickle=False)


def save_mask(path, mask):
    """Save a boolean mask as a 1-bit PNG (foreground white), atomically.

    PNG is lossless at every compression level; level 1 writes a 6-megapixel
    mask in about half the time of the default 6, in a somewhat larger file.
    """
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(mask, dtype=bool))
    with atomic_path(path, ".png") as tmp:
        image.save(tmp, format="PNG", compress_level=1)


#: Pillow's 8-bit gray to 0 and 1 (every non-zero pixel is foreground)
_TO_BOOL = [0] + [1] * 255


def read_annotation(path, what="the truth mask", image="its image"):
    """An annotation file (a truth mask, a region of interest) as an array:
    a palette image as its colours, not its indices.

    Raises
    ------
    ValueError
        Naming the file and the image, if it cannot be read.
    """
    from PIL import Image

    try:
        # of its image's size (checked before any job): Pillow's guard would
        # refuse a scan's above 179 megapixels
        with without_pillows_guard(), Image.open(path) as opened:
            if opened.mode in ("P", "PA"):
                opened = opened.convert("RGBA")
            return np.asarray(opened)
    except Exception as error:
        raise ValueError(f"cannot read {what} {path!r} of {image!r}: {error}") from None


def truth_mask(annotation, shape=None, name="the truth mask", image="its image"):
    """A ground-truth annotation as a boolean mask: any non-zero pixel is
    foreground.

    Parameters
    ----------
    annotation : (M, N) or (M, N, C) ndarray
        The annotation as read from its file: 1-bit, 8-bit or 16-bit gray,
        gray with alpha (2 channels), RGB or RGBA. A pixel is foreground if
        any colour channel is non-zero and, with alpha, it is not
        transparent (alpha 0): black is background, opaque or not.
    shape : tuple of int, optional
        ``(M, N)`` of the image it annotates.
    name, image : str, optional
        The annotation's and the image's names, for the error message.

    Returns
    -------
    truth : (M, N) ndarray of bool

    Raises
    ------
    ValueError
        If the annotation is not 2-D or 3-D, or its size is not ``shape``.
    """
    annotation = np.asarray(annotation)
    if annotation.ndim not in (2, 3) or annotation.size == 0:
        raise ValueError(f"{name}: expected an image; got an array of shape {annotation.shape}")
    if shape is not None and annotation.shape[:2] != tuple(shape[:2]):
        (h, w), (ih, iw) = annotation.shape[:2], shape[:2]
        raise ValueError(
            f"{name} is {w} x {h} pixels but {image} is {iw} x {ih} (width x height)"
        )
    if annotation.ndim == 2:
        return annotation != 0
    channels = annotation.shape[2]
    if channels in (2, 4):  # gray or RGB with alpha: a transparent pixel is background
        colour, alpha = annotation[..., :-1], annotation[..., -1]
        return (colour != 0).any(axis=2) & (alpha != 0)
    return (annotation != 0).any(axis=2)


def read_roi(path, shape, image):
    """An image's region of interest: the non-zero pixels of its file
    (:func:`truth_mask`'s reading), or None for no path.

    Raises
    ------
    ValueError
        Naming the file, if it cannot be read, is not of the image's size
        (both sizes named) or has no pixel inside.
    """
    if path is None:
        return None
    roi = truth_mask(read_annotation(path, "the ROI", image), shape, f"ROI {path!r}",
                     f"its image {image!r}")
    if not roi.any():
        raise ValueError(f"ROI {path!r} of {image!r} has no pixels inside (every pixel is 0)")
    return roi


def load_mask(path):
    """Read a mask PNG as a boolean array (read-only).

    Each element is 0 or 1. Pillow's 1-bit images give NumPy booleans
    stored as 0 and 255, which NumPy's own functions read as True, but which
    compiled code that indexes by the byte does not: scikit-image 0.26's
    ``skeletonize`` crashes on them.
    """
    from PIL import Image

    with without_pillows_guard(), Image.open(path) as image:  # the workflow's own
        return np.asarray(image.convert("L").point(_TO_BOOL)).view(bool)


def save_png(path, array, compress_level=6):
    """Save an 8-bit gray or RGB array as a PNG, atomically."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8))
    with atomic_path(path, ".png") as tmp:
        image.save(tmp, format="PNG", compress_level=compress_level)


def save_png16(path, array, compress_level=1):
    """Save 16-bit labels (an array of uint16) as a 16-bit gray PNG,
    atomically: :func:`load_png16` reads them back unchanged."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(array, dtype=np.uint16))
    with atomic_path(path, ".png") as tmp:
        image.save(tmp, format="PNG", compress_level=compress_level)


def load_png16(path):
    """Read a PNG of :func:`save_png16` as an array of uint16."""
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image).astype(np.uint16, copy=False)


def save_jpeg(path, array, quality=90, subsampling=0, optimize=False):
    """Save an 8-bit gray or RGB array as a JPEG, atomically (previews and
    figures: a tenth of a PNG's size and time for photographs). By default
    colour is kept at full resolution (``subsampling=0``, 4:4:4) at quality
    90, for the previews that figures are made from; the figures themselves
    are saved smaller (:data:`FIGURE_JPEG`)."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8))
    with atomic_path(path, ".jpg") as tmp:
        image.save(tmp, format="JPEG", quality=quality, subsampling=subsampling,
                   optimize=optimize)


def load_picture(path):
    """Read a PNG or JPEG that the workflow wrote (a preview, a figure) as
    an array of uint8."""
    from PIL import Image

    with without_pillows_guard(), Image.open(path) as image:  # the workflow's own
        return np.asarray(image)


def save_figure(path, figure, dpi=80):
    """Save a matplotlib figure as a PNG (Agg), atomically."""
    with atomic_path(path, ".png") as tmp:
        figure.savefig(tmp, format="png", dpi=dpi)


def save_csv(path, columns, rows):
    """Write ``rows`` (dicts) as a CSV with the header ``columns``,
    atomically. A row's keys that are not columns are left out, a column
    that a row lacks is left empty; floats are written as ``repr()``: every
    digit kept."""
    import csv

    with atomic_path(path, ".csv") as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)


def concatenate_csv(paths, path, metadata_columns=(), metadata=None):
    """Concatenate CSV files of the same header into one, atomically, with
    metadata columns after each row's own.

    One file at a time and a line at a time, each line copied as it is (every
    digit kept) with the row's metadata cells, quoted as the csv module
    quotes them, appended: the time is linear in the rows (measured: 7 s for
    3 million rows, ten times a byte copy; a csv reader and writer took 23
    times), the memory that of a line.

    Parameters
    ----------
    paths : sequence of str
        The files, in order; each starts with the same header line, and no
        cell of theirs holds a line break (their rows are one line each).
    path : str
        The CSV to write.
    metadata_columns : sequence of str, optional
        Appended to the header.
    metadata : dict of str to dict, optional
        ``{image: {column: text}}``, by each row's first cell (its image).

    Returns
    -------
    rows : int
        The rows written.

    Raises
    ------
    ValueError
        A file whose header is not the first file's, naming it.
    """
    import csv
    import io

    metadata_columns = list(metadata_columns)
    metadata = metadata or {}

    def cells(values):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(values)
        return buffer.getvalue()

    header, rows, extra = None, 0, {}
    suffix = "," + cells([""] * len(metadata_columns)) if metadata_columns else ""
    with atomic_path(path, ".csv") as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as out:
            for source in paths:
                with open(source, newline="", encoding="utf-8") as f:
                    own = f.readline().rstrip("\r\n")
                    if header is None:
                        header = own
                        out.write(cells([*next(csv.reader([own])), *metadata_columns]) + "\r\n")
                    elif own != header:
                        raise ValueError(f"{source!r}: its header is not that of {paths[0]!r}")
                    for line in f:
                        line = line.rstrip("\r\n")
                        if metadata_columns:
                            image = (next(csv.reader([line]))[0] if line.startswith('"')
                                     else line.partition(",")[0])
                            if image not in extra:
                                found = metadata.get(image, {})
                                extra[image] = "," + cells(
                                    [found.get(column, "") for column in metadata_columns])
                            line += extra.get(image, suffix)
                        out.write(line + "\r\n")
                        rows += 1
            if header is None:  # no file
                out.write(cells(metadata_columns) + "\r\n")
    return rows


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
