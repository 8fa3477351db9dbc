"""Input checks of :mod:`scratch.activations`, for the ``@checked`` decorator of
:mod:`scratch._validate`: each raises ValueError saying what was expected and what was
given, and returns the arguments to use (Z as a float array: integers become float64,
float32 stays float32).
"""
from __future__ import annotations

import numpy as np

from ._validate import check_same_shape


def _as_float(Z) -> np.ndarray:
    Z = np.asarray(Z)
    if not np.issubdtype(Z.dtype, np.floating):
        Z = Z.astype(np.float64)
    return Z


def check_Z(Z):
    """A forward pass's input: any shape, as floats."""
    return (_as_float(Z),)


def check_leaky_relu(Z, negative_slope):
    if not 0 <= negative_slope < 1:
        raise ValueError(f"leaky_relu: expected 0 <= negative_slope < 1, got {negative_slope!r}")
    return _as_float(Z), negative_slope


def check_backward(dA, cache):
    """dA shaped like the cached Z."""
    check_same_shape("dA", dA, "Z (cache)", cache)


def check_leaky_relu_backward(dA, cache):
    """dA shaped like the cached Z of (Z, negative_slope)."""
    check_same_shape("dA", dA, "Z (cache)", cache[0])
    return np.asarray(dA), cache
