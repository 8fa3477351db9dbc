"""Input checks of :mod:`scratch.face_recognition` (course 4, week 4: the triplet loss), for
the ``@checked`` decorator of :mod:`scratch._validate`: raises ValueError saying what was
expected and what was given, and returns the arguments to use (the encodings as float
arrays).
"""
from __future__ import annotations

import numpy as np

from ._validate import _describe


def _check_triplet(y_pred, alpha):
    if not isinstance(y_pred, (tuple, list)) or len(y_pred) != 3:
        raise ValueError(f"y_pred: expected (anchor, positive, negative), three arrays (m, 128), "
                         f"got {type(y_pred).__name__}"
                         f"{f' of length {len(y_pred)}' if hasattr(y_pred, '__len__') else ''}")
    arrays = []
    for name, a in zip(("anchor", "positive", "negative"), y_pred):
        arr = np.asarray(a)
        if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.floating)
                                         or np.issubdtype(arr.dtype, np.integer)):
            raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
        if not np.issubdtype(arr.dtype, np.floating):
            arr = arr.astype(np.float64)
        if arr.ndim not in (1, 2) or arr.shape[-1] == 0:
            raise ValueError(f"{name}: expected encodings (m, n) or one encoding (n,), n >= 1, "
                             f"got {_describe(arr)}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{name}: expected finite values, got NaN or inf in {_describe(arr)}")
        arrays.append(arr)
    if not arrays[0].shape == arrays[1].shape == arrays[2].shape:
        raise ValueError(f"anchor, positive and negative must have the same shape, got "
                         f"{arrays[0].shape}, {arrays[1].shape} and {arrays[2].shape}")
    if not isinstance(alpha, (int, float, np.integer, np.floating)) or isinstance(alpha, bool) \
            or not np.isfinite(alpha):
        raise ValueError(f"alpha: expected a finite number, got {alpha!r}")
    return arrays


def check_triplet_loss(y_true, y_pred, alpha):
    """The loss and its gradient: y_pred = (anchor, positive, negative), alpha finite."""
    return y_true, tuple(_check_triplet(y_pred, alpha)), alpha
