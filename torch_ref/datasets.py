"""The course's real data sets as tensors, in torch's layout (examples in rows).

- cat vs non-cat: ``<root>/catvnoncat/{train,test}_catvnoncat.h5`` read with h5py;
  X (m, 12288) = each (64, 64, 3) image flattened row-major, / 255; Y (m, 1).
- MNIST: ``torchvision.datasets.MNIST(root, train=..., download=...)``, which reads
  ``<root>/MNIST/raw``; X (m, 784) = ``.data`` (uint8, (m, 28, 28)) flattened, / 255;
  y (m,) int64 = ``.targets``.

The conversion to float happens on the CPU, then the tensors move to ``device``: x / 255
is one correctly rounded IEEE division per pixel, so the result does not depend on the
device. Nothing here imports ``scratch``; the errors below mirror its
``DatasetMissing`` / ``DatasetError`` so the CLI can report either as one line.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch

CAT_FILES = {"train": "train_catvnoncat.h5", "test": "test_catvnoncat.h5"}
CAT_KEYS = {"train": ("train_set_x", "train_set_y"), "test": ("test_set_x", "test_set_y")}


class DatasetMissing(FileNotFoundError):
    """A data set's files are not where the loader looks; the message names every path."""


class DatasetError(ValueError):
    """A data file is there but cannot be read as expected; the message names the file."""


def _check_float_dtype(dtype) -> torch.dtype:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"dtype: expected a torch float type (torch.float32 or torch.float64), "
                         f"got {dtype!r}")
    return dtype


# ---------------------------------------------------------------- cat vs non-cat


def _read_cat_file(path: Path, x_key: str, y_key: str) -> tuple[np.ndarray, np.ndarray]:
    import h5py

    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise DatasetError(f"{path}: not a readable HDF5 file ({exc})") from None
    with f:
        for key in (x_key, y_key):
            if key not in f or not isinstance(f[key], h5py.Dataset):
                raise DatasetError(f"{path}: missing key {key!r}; expected data sets {x_key!r} "
                                   f"and {y_key!r}, found {', '.join(sorted(f.keys())) or 'none'}")
        X_orig, Y_orig = np.asarray(f[x_key][()]), np.asarray(f[y_key][()])
    if X_orig.ndim != 4 or X_orig.shape[1:] != (64, 64, 3) or X_orig.dtype != np.uint8:
        raise DatasetError(f"{path}: key {x_key!r} should be (m, 64, 64, 3) uint8 images, got "
                           f"shape {X_orig.shape} dtype {X_orig.dtype}")
    if Y_orig.size != X_orig.shape[0] or not np.isin(Y_orig, (0, 1)).all():
        raise DatasetError(f"{path}: key {y_key!r} should hold {X_orig.shape[0]} labels in "
                           f"{{0, 1}}, got shape {Y_orig.shape}")
    return X_orig, Y_orig


def load_cat(root, dtype: torch.dtype = torch.float32, device=None):
    """Load cat vs non-cat as tensors, examples in rows.

    X = X_orig.reshape(m, 12288) / 255 (row-major: row, column, RGB channel), which is
    the transpose of the course's (12288, m).

    Returns:
        X_train (209, 12288), Y_train (209, 1), X_test (50, 12288), Y_test (50, 1),
        all ``dtype`` on ``device``; Y in {0, 1} (the target ``nn.BCELoss`` expects).

    Raises:
        DatasetMissing: a file is absent (the message names both paths and their keys).
        DatasetError: a file is not HDF5, lacks a key, or holds the wrong shapes.
    """
    dtype = _check_float_dtype(dtype)
    root = Path(root)
    paths = {split: root / "catvnoncat" / name for split, name in CAT_FILES.items()}
    missing = [p for p in paths.values() if not p.is_file()]
    if missing:
        raise DatasetMissing(
            f"the cat vs non-cat data set is not in {root}: missing "
            f"{', '.join(str(p) for p in missing)}. Expected two HDF5 files, {paths['train']} "
            f"with keys train_set_x (209, 64, 64, 3) uint8, train_set_y (209,) and "
            f"list_classes, and {paths['test']} with keys test_set_x (50, 64, 64, 3) uint8, "
            f"test_set_y (50,) and list_classes (the course's week 2 and 4 files; there is no "
            f"official download address). Put them there, or point --data-dir or "
            f"$DL_PARITY_DATA at the folder that holds catvnoncat/.")
    out = []
    for split in ("train", "test"):
        X_orig, Y_orig = _read_cat_file(paths[split], *CAT_KEYS[split])
        X = torch.from_numpy(X_orig).reshape(X_orig.shape[0], -1).to(dtype) / 255
        Y = torch.from_numpy(Y_orig.reshape(-1, 1)).to(dtype)
        out += [X.to(device), Y.to(device)]
    return tuple(out)


# ---------------------------------------------------------------- MNIST (torchvision)

_MNIST_NAMES = [f"{split}-{kind}-ubyte" for split in ("train", "t10k")
                for kind in ("images-idx3", "labels-idx1")]


def _mnist_missing(root: Path, download: bool, reason: str = "") -> DatasetMissing:
    raw = root / "MNIST" / "raw"
    hint = ("" if download else " Pass download=True on a machine "
            "with internet access to fetch them, or")
    return DatasetMissing(
        f"MNIST is not in {root}: torchvision.datasets.MNIST expects the four IDX files "
        f"{', '.join(str(raw / name) for name in _MNIST_NAMES)} (unpacked, or as the "
        f"original .gz beside them).{reason}{hint} "
        f"point --data-dir or $DL_PARITY_DATA at the folder that holds MNIST/raw/.")


def _torchvision_mnist(root: Path, download: bool):
    """``torchvision.datasets.MNIST`` train and test sets, its errors turned into ours.

    torchvision reads only the unpacked IDX files in ``<root>/MNIST/raw``. Where that folder
    holds just the original ``.gz`` files (a read-only copy of the distribution), they are
    checked against torchvision's own MD5 list and unpacked into a temporary folder that
    is deleted once the tensors are in memory.
    """
    from torchvision.datasets import MNIST
    from torchvision.datasets.utils import check_integrity, extract_archive

    raw = root / "MNIST" / "raw"
    unpacked = all((raw / name).is_file() for name in _MNIST_NAMES)
    packed = {name: raw / name for name, _ in MNIST.resources}
    try:
        if unpacked or not all(p.is_file() for p in packed.values()):
            return (MNIST(root, train=True, download=download),
                    MNIST(root, train=False, download=download))
        with tempfile.TemporaryDirectory(prefix="dl-parity-mnist-") as tmp:
            tmp_raw = Path(tmp) / "MNIST" / "raw"
            tmp_raw.mkdir(parents=True)
            for name, md5 in MNIST.resources:
                if not check_integrity(str(packed[name]), md5):
                    raise DatasetError(f"{packed[name]}: MD5 differs from torchvision's checksum "
                                       f"{md5} for {name}; the file is corrupt or truncated")
                extract_archive(str(packed[name]), str(tmp_raw))
            return MNIST(tmp, train=True), MNIST(tmp, train=False)
    except DatasetError:
        raise
    except RuntimeError as exc:
        if "Dataset not found" in str(exc):
            raise _mnist_missing(root, download) from None
        if download:  # torchvision's "Error downloading ...": offline, or every mirror failed
            raise _mnist_missing(root, download, f" Download failed: {exc}.") from None
        raise DatasetError(f"{raw}: torchvision could not read MNIST ({exc})") from None
    except OSError as exc:  # e.g. download=True into a read-only folder, or no network
        raise DatasetError(f"{raw}: torchvision could not read or fetch MNIST ({exc})") from None
    except (AssertionError, TypeError, ValueError) as exc:  # its IDX parser's checks
        raise DatasetError(f"{raw}: torchvision could not parse the MNIST IDX files "
                           f"({type(exc).__name__}: {exc})") from None


def load_mnist(root, download: bool = False, dtype: torch.dtype = torch.float32, device=None):
    """Load MNIST with ``torchvision.datasets.MNIST``, examples in rows.

    X = data.reshape(m, 784) / 255: each 28 x 28 uint8 image flattened row-major and scaled
    to [0, 1] in ``dtype`` (the transpose of the course's (784, m)).

    Args:
        root: the data root; torchvision reads ``<root>/MNIST/raw``.
        download: let torchvision fetch the files into ``<root>/MNIST/raw`` when absent.
        dtype: float type of X; device: where the tensors go (default: CPU).

    Returns:
        X_train (60000, 784), y_train (60000,) int64, X_test (10000, 784), y_test (10000,) int64.

    Raises:
        DatasetMissing: the files are absent (and download is off or failed); the message
            names the folder and files.
        DatasetError: the files are there but torchvision cannot read them.
    """
    dtype = _check_float_dtype(dtype)
    root = Path(root)
    out = []
    for ds in _torchvision_mnist(root, download):
        X = ds.data.reshape(ds.data.shape[0], -1).to(dtype) / 255
        y = ds.targets.to(torch.int64)
        out += [X.to(device), y.to(device)]
    return tuple(out)
