"""The course's real data sets, read from disk with NumPy (and h5py for the cat files).

Layout: the course's, one example per column.

- cat vs non-cat (weeks 2 and 4): ``<root>/catvnoncat/{train,test}_catvnoncat.h5``.
  X (12288, m) = the (m, 64, 64, 3) uint8 images flattened row-major and divided by 255,
  Y (1, m) in {0, 1}; m = 209 (train) and 50 (test).
- MNIST: ``<root>/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz``, the original
  IDX files, parsed here byte by byte (no torchvision). X (784, m) in [0, 1], y (m,) int64
  digits; m = 60000 (train) and 10000 (test).

Missing files raise :class:`DatasetMissing` (a ``FileNotFoundError``) whose message names every
expected path; a file that is there but unreadable raises :class:`DatasetError` (a
``ValueError``) naming the file and what is wrong with it.
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

CAT_FILES = {"train": "train_catvnoncat.h5", "test": "test_catvnoncat.h5"}
#: split -> (file, X key, Y key); each file also holds ``list_classes``
CAT_KEYS = {"train": ("train_set_x", "train_set_y"), "test": ("test_set_x", "test_set_y")}
CAT_IMAGE_SHAPE = (64, 64, 3)

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
MNIST_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
MNIST_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension

#: IDX type code (third byte of the magic number) -> element type, big-endian on disk
IDX_TYPES = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}


class DatasetMissing(FileNotFoundError):
    """A data set's files are not where the loader looks; the message names every path."""


class DatasetError(ValueError):
    """A data file is there but cannot be read as expected; the message names the file."""


# ---------------------------------------------------------------- cat vs non-cat


def cat_paths(root) -> dict[str, Path]:
    """``{"train": <root>/catvnoncat/train_catvnoncat.h5, "test": ...}``."""
    root = Path(root)
    return {split: root / "catvnoncat" / name for split, name in CAT_FILES.items()}


def _cat_missing_message(root: Path, missing: list[Path]) -> str:
    paths = cat_paths(root)
    return (
        f"the cat vs non-cat data set is not in {root}: missing "
        f"{', '.join(str(p) for p in missing)}. Expected two HDF5 files, "
        f"{paths['train']} with keys train_set_x (209, 64, 64, 3) uint8, train_set_y (209,) "
        f"and list_classes, and {paths['test']} with keys test_set_x (50, 64, 64, 3) uint8, "
        f"test_set_y (50,) and list_classes (the course's week 2 and 4 files; there is no "
        f"official download address). Put them there, or point --data-dir or "
        f"$DL_PARITY_DATA at the folder that holds catvnoncat/.")


def _read_h5_keys(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    import h5py  # imported here: only the cat loader needs it

    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise DatasetError(f"{path}: not a readable HDF5 file ({exc})") from None
    with f:
        out = {}
        for key in keys:
            if key not in f:
                found = ", ".join(sorted(f.keys())) or "none"
                raise DatasetError(f"{path}: missing key {key!r}; expected keys "
                                   f"{', '.join(keys)}, found {found}")
            if not isinstance(f[key], h5py.Dataset):
                raise DatasetError(f"{path}: {key!r} is a group, expected a data set (an array)")
            out[key] = np.asarray(f[key][()])
        return out


def _load_cat_split(path: Path, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x_key, y_key = CAT_KEYS[split]
    arrays = _read_h5_keys(path, (x_key, y_key, "list_classes"))
    X_orig, Y_orig = arrays[x_key], arrays[y_key]
    if X_orig.ndim != 4 or X_orig.shape[1:] != CAT_IMAGE_SHAPE or X_orig.dtype != np.uint8:
        raise DatasetError(f"{path}: key {x_key!r} should be (m, 64, 64, 3) uint8 images, got "
                           f"shape {X_orig.shape} dtype {X_orig.dtype}")
    m = X_orig.shape[0]
    if Y_orig.size != m or not np.isin(Y_orig, (0, 1)).all():
        raise DatasetError(f"{path}: key {y_key!r} should hold {m} labels in {{0, 1}} (one per "
                           f"image in {x_key!r}), got shape {Y_orig.shape} with values "
                           f"{np.unique(Y_orig)[:10]}")
    return X_orig, Y_orig, arrays["list_classes"]


def load_cat(root):
    """Load the cat vs non-cat images as the course's week 2 and week 4 notebooks do.

    X = X_orig.reshape(m, -1).T / 255: each (64, 64, 3) image flattened in row-major
    order (row, column, RGB channel) into one column of 12288 = 64 * 64 * 3 values.

    Args:
        root: the data root, holding ``catvnoncat/{train,test}_catvnoncat.h5``.

    Returns:
        X_train (12288, 209) float64 in [0, 1], Y_train (1, 209) float64 in {0, 1},
        X_test (12288, 50), Y_test (1, 50), classes (2,) bytes array ``[b'non-cat', b'cat']``
        (from the test file, as the course takes it).

    Raises:
        DatasetMissing: a file is absent (the message names both paths and their keys).
        DatasetError: a file is not HDF5, lacks a key, or holds the wrong shapes.
    """
    root = Path(root)
    paths = cat_paths(root)
    missing = [p for p in paths.values() if not p.is_file()]
    if missing:
        raise DatasetMissing(_cat_missing_message(root, missing))
    X_train_orig, Y_train_orig, _ = _load_cat_split(paths["train"], "train")
    X_test_orig, Y_test_orig, classes = _load_cat_split(paths["test"], "test")

    X_train = X_train_orig.reshape(X_train_orig.shape[0], -1).T / 255
    X_test = X_test_orig.reshape(X_test_orig.shape[0], -1).T / 255
    Y_train = Y_train_orig.reshape(1, -1).astype(np.float64)
    Y_test = Y_test_orig.reshape(1, -1).astype(np.float64)
    return X_train, Y_train, X_test, Y_test, classes


# ---------------------------------------------------------------- MNIST (IDX files)


def mnist_paths(root) -> dict[str, Path]:
    """``{"train_images": <root>/MNIST/raw/train-images-idx3-ubyte.gz, ...}`` (four files)."""
    raw = Path(root) / "MNIST" / "raw"
    return {key: raw / name for key, name in MNIST_FILES.items()}


def read_idx(path) -> np.ndarray:
    """Parse one IDX file (LeCun's MNIST format); gzip-compressed when the name ends in .gz.

    Layout (all integers big-endian)::

        magic   4 bytes: 0x00 0x00, type code (0x08 = unsigned byte, ...), number of dims d
        dims    d x 4 bytes: the size of each dimension
        payload prod(dims) elements of the type, row-major

    Returns:
        an array of shape ``dims`` in native byte order (uint8 for MNIST).

    Raises:
        DatasetMissing: no file at ``path``.
        DatasetError: not gzip (for .gz), truncated or corrupt compression, a bad magic
        number, or a payload whose length is not prod(dims) elements. The message names
        the file.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetMissing(f"IDX file not found: {path}")
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                data = f.read()
        else:
            data = path.read_bytes()
    except gzip.BadGzipFile as exc:
        raise DatasetError(f"{path}: not a gzip file ({exc})") from None
    except EOFError as exc:
        raise DatasetError(f"{path}: truncated gzip stream ({exc})") from None
    except zlib.error as exc:
        raise DatasetError(f"{path}: corrupt gzip data ({exc})") from None

    if len(data) < 4:
        raise DatasetError(f"{path}: {len(data)} bytes, too short for an IDX header (4-byte "
                           f"magic number)")
    zero0, zero1, type_code, ndim = data[0], data[1], data[2], data[3]
    magic = int.from_bytes(data[:4], "big")
    if zero0 != 0 or zero1 != 0 or type_code not in IDX_TYPES or ndim == 0:
        raise DatasetError(f"{path}: bad IDX magic number 0x{magic:08X}; expected 0x0000TTDD "
                           f"with type TT in {{08, 09, 0B, 0C, 0D, 0E}} and DD >= 1 dimensions "
                           f"(MNIST: 0x00000803 images, 0x00000801 labels)")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"{path}: truncated IDX header: {ndim} dimensions need {header} "
                           f"bytes, the file has {len(data)}")
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = IDX_TYPES[type_code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    got = len(data) - header
    if got != expected:
        what = "truncated" if got < expected else "has trailing bytes"
        raise DatasetError(f"{path}: payload {what}: dimensions {' x '.join(map(str, dims))} of "
                           f"{dtype.itemsize}-byte elements need {expected} bytes after the "
                           f"{header}-byte header, got {got}")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(dims).astype(
        dtype.newbyteorder("="))


def _read_mnist_file(path: Path, magic: int, ndim_name: str) -> np.ndarray:
    arr = read_idx(path)
    type_and_ndim = 0x0800 | arr.ndim if arr.dtype == np.uint8 else None
    if type_and_ndim != magic:
        raise DatasetError(f"{path}: expected MNIST {ndim_name} (magic 0x{magic:08X}: unsigned "
                           f"bytes, {magic & 0xFF} dimension{'s' if magic & 0xFF > 1 else ''}), "
                           f"got {arr.dtype} with shape {arr.shape}")
    return arr


def _load_mnist_split(images_path: Path, labels_path: Path, dtype):
    images = _read_mnist_file(images_path, MNIST_IMAGES_MAGIC, "images")
    labels = _read_mnist_file(labels_path, MNIST_LABELS_MAGIC, "labels")
    if images.shape[1:] != (28, 28):
        raise DatasetError(f"{images_path}: expected 28 x 28 images, got "
                           f"{images.shape[1]} x {images.shape[2]}")
    if labels.shape[0] != images.shape[0]:
        raise DatasetError(f"{labels_path} holds {labels.shape[0]} labels but {images_path} "
                           f"holds {images.shape[0]} images; expected one label per image")
    if labels.size and labels.max() > 9:
        raise DatasetError(f"{labels_path}: expected digit labels 0..9, found {labels.max()}")
    m = images.shape[0]
    # one image per column, pixels in row-major order, as the course flattens images
    X = images.reshape(m, -1).T.astype(dtype)
    X /= dtype.type(255)  # in place: MNIST train is 376 MB in float64, no second copy
    y = labels.astype(np.int64)
    return X, y


def load_mnist(root, dtype=np.float64):
    """Load MNIST from the original IDX gzip files, in the course's layout.

    X = images.reshape(m, 784).T / 255: one 28 x 28 image per column, pixels in
    row-major order, scaled to [0, 1]; the division is done in ``dtype``.

    Args:
        root: the data root, holding ``MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz``
            (the layout torchvision downloads to).
        dtype: float type of X (np.float64 or np.float32).

    Returns:
        X_train (784, 60000), y_train (60000,) int64 digits 0..9,
        X_test (784, 10000), y_test (10000,) int64.

    Raises:
        DatasetMissing: a file is absent (the message names all four paths).
        DatasetError: a file is not gzip, is truncated or corrupt, has the wrong magic
            number, or the images and labels disagree in count.
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype: expected a float type (np.float64 or np.float32), got {dtype}")
    root = Path(root)
    paths = mnist_paths(root)
    missing = [p for p in paths.values() if not p.is_file()]
    if missing:
        raise DatasetMissing(
            f"MNIST is not in {root}: missing {', '.join(str(p) for p in missing)}. Expected "
            f"the four original IDX gzip files {', '.join(MNIST_FILES.values())} in "
            f"{root / 'MNIST' / 'raw'} (the folder torchvision.datasets.MNIST(root, "
            f"download=True) fills). Download them there, or point --data-dir or "
            f"$DL_PARITY_DATA at the folder that holds MNIST/raw/.")
    X_train, y_train = _load_mnist_split(paths["train_images"], paths["train_labels"], dtype)
    X_test, y_test = _load_mnist_split(paths["test_images"], paths["test_labels"], dtype)
    return X_train, y_train, X_test, y_test
