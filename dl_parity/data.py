"""Where the data lives, and one call per side to load it, with errors the CLI can print.

The data root is ``--data-dir`` when given, else ``$DL_PARITY_DATA``, else ``./data``.
Under it: ``catvnoncat/{train,test}_catvnoncat.h5`` and ``MNIST/raw/*-ubyte.gz``; the planar
set is generated and needs no files.

=========  ======================================  ==========================================
dataset    load_numpy (course layout, columns)      load_torch (torch layout, rows)
=========  ======================================  ==========================================
planar     X (2, 400) float64, Y (1, 400) uint8      X (400, 2), Y (400, 1), both ``dtype``
cat        X_train (12288, 209), Y_train (1, 209),   X_train (209, 12288), Y_train (209, 1),
           X_test (12288, 50), Y_test (1, 50),       X_test (50, 12288), Y_test (50, 1),
           classes (2,) bytes; float64               all ``dtype``
mnist      X_train (784, 60000), y_train (60000,),   X_train (60000, 784), y_train (60000,),
           X_test (784, 10000), y_test (10000,);     X_test (10000, 784), y_test (10000,);
           X float64 in [0, 1], y int64              X ``dtype``, y int64
=========  ======================================  ==========================================

A missing or unreadable file (``DatasetMissing`` / ``DatasetError`` from either side) becomes
:class:`dl_parity.cli.UsageError`: one line, exit status 2, no traceback.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dl_parity.cli import UsageError

from dl_parity.settings import DATASETS
ENV_VAR = "DL_PARITY_DATA"


def data_root(arg=None) -> Path:
    """The data root: ``arg`` (``--data-dir``) if given, else ``$DL_PARITY_DATA``, else ./data."""
    if arg:
        return Path(arg)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path("data")


def _check_name(dataset: str) -> None:
    if dataset not in DATASETS:
        raise UsageError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")


def load_numpy(dataset: str, root=None):
    """Load ``dataset`` for the NumPy side (``scratch``), examples in columns.

    Returns the loader's tuple unchanged (see the module's table):
    planar ``(X, Y)``, cat ``(X_train, Y_train, X_test, Y_test, classes)``,
    mnist ``(X_train, y_train, X_test, y_test)``.

    Raises:
        UsageError: unknown name, or files missing or unreadable under ``data_root(root)``.
    """
    from scratch import datasets
    from scratch.planar import load_planar_dataset

    _check_name(dataset)
    if dataset == "planar":
        return load_planar_dataset()
    try:
        if dataset == "cat":
            return datasets.load_cat(data_root(root))
        return datasets.load_mnist(data_root(root))
    except (datasets.DatasetMissing, datasets.DatasetError) as exc:
        raise UsageError(str(exc)) from None


def ensure_mnist(root=None, log=print) -> Path:
    """Download MNIST with torchvision into ``<root>/MNIST/raw`` when its files are absent.

    torchvision keeps the original ``.gz`` files beside the unpacked ones, so the NumPy
    side then parses the very files torchvision fetched. Offline (or every mirror
    failing), torch_ref's loader raises DatasetMissing, which becomes a UsageError naming
    the expected paths. Returns the data root.
    """
    from scratch.datasets import mnist_paths

    root = data_root(root)
    if all(Path(p).is_file() for p in mnist_paths(root).values()):
        return root
    log(f"MNIST is not under {root / 'MNIST' / 'raw'}; downloading it with torchvision ...")
    load_torch("mnist", root, download=True)
    return root


def load_torch(dataset: str, root=None, *, dtype=None, device=None, download: bool = False):
    """Load ``dataset`` for the PyTorch side (``torch_ref``), examples in rows.

    Args:
        dataset: "planar", "cat" or "mnist".
        root: the data root (``--data-dir``); None: ``$DL_PARITY_DATA`` or ./data.
        dtype: float type of X (and of Y for planar and cat); default torch.float32.
        device: where the tensors go; default CPU.
        download: MNIST only: let torchvision fetch the files when absent.

    Returns:
        planar ``(X, Y)``, cat ``(X_train, Y_train, X_test, Y_test)``,
        mnist ``(X_train, y_train, X_test, y_test)`` (see the module's table).

    Raises:
        UsageError: unknown name, or files missing or unreadable under ``data_root(root)``.
    """
    import torch

    from torch_ref import datasets

    _check_name(dataset)
    dtype = torch.float32 if dtype is None else dtype
    if dataset == "planar":
        from scratch.planar import load_planar_dataset

        X, Y = load_planar_dataset()
        return (torch.from_numpy(X.T.copy()).to(dtype=dtype, device=device),
                torch.from_numpy(Y.T.copy()).to(dtype=dtype, device=device))
    try:
        if dataset == "cat":
            return datasets.load_cat(data_root(root), dtype=dtype, device=device)
        return datasets.load_mnist(data_root(root), download=download, dtype=dtype, device=device)
    except (datasets.DatasetMissing, datasets.DatasetError) as exc:
        raise UsageError(str(exc)) from None


# ----------------------------------------------------------------------------- the Data record
@dataclass
class Data:
    """A data set in the course's layout, labels both as the cost wants them and as integers.

    X_*: (n_x, m) float; Y_*: (1, m) of 0./1. (binary) or one-hot (C, m) (MNIST);
    y_*: (m,) int64 class labels, for accuracies; X_test is None where there is no test set.
    """
    name: str
    X_train: np.ndarray
    Y_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray | None
    Y_test: np.ndarray | None
    y_test: np.ndarray | None
    classes: tuple[str, ...]
    image_shape: tuple[int, ...] | None   # (64, 64, 3) cat, (28, 28) MNIST, None planar

    @property
    def n_x(self) -> int:
        return self.X_train.shape[0]

    @property
    def n_y(self) -> int:
        return self.Y_train.shape[0]

    def astype(self, dtype) -> "Data":
        cast = (lambda a: None if a is None else a.astype(dtype, copy=False))
        return Data(self.name, cast(self.X_train), cast(self.Y_train), self.y_train,
                    cast(self.X_test), cast(self.Y_test), self.y_test, self.classes,
                    self.image_shape)


def binary_data(name, X_train, Y_train, X_test, Y_test, classes, image_shape) -> Data:
    y_train = np.asarray(Y_train).reshape(-1).astype(np.int64)
    y_test = None if Y_test is None else np.asarray(Y_test).reshape(-1).astype(np.int64)
    return Data(name, X_train, np.asarray(Y_train, dtype=np.float64).reshape(1, -1), y_train,
                X_test, None if Y_test is None else
                np.asarray(Y_test, dtype=np.float64).reshape(1, -1), y_test,
                tuple(classes), image_shape)


def multiclass_data(name, X_train, y_train, X_test, y_test, C, image_shape) -> Data:
    from scratch import multiclass

    return Data(name, X_train, multiclass.one_hot(y_train, C), np.asarray(y_train),
                X_test, multiclass.one_hot(y_test, C), np.asarray(y_test),
                tuple(str(k) for k in range(C)), image_shape)


def load_data(dataset: str, root=None) -> Data:
    """Load a data set with :func:`dl_parity.data.load_numpy` (float64, the course's layout).

    Raises ``UsageError`` (from dl_parity.data) when its files are missing or unreadable.
    """
    if dataset == "mnist":
        root = ensure_mnist(root)
    loaded = load_numpy(dataset, root)
    if dataset == "planar":
        X, Y = loaded
        return binary_data("planar", X, Y, None, None, ("red", "blue"), None)
    if dataset == "cat":
        X_train, Y_train, X_test, Y_test, classes = loaded
        names = tuple(c.decode() if isinstance(c, bytes) else str(c) for c in classes)
        return binary_data("cat", X_train, Y_train, X_test, Y_test, names, (64, 64, 3))
    X_train, y_train, X_test, y_test = loaded
    return multiclass_data("mnist", X_train, y_train, X_test, y_test, 10, (28, 28))
