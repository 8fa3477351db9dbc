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
from pathlib import Path

from dl_parity.cli import UsageError

DATASETS = ("planar", "cat", "mnist")
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
