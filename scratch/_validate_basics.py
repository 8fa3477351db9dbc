"""Input checks of :mod:`scratch.numpy_basics` (each function names ONE of these with
``@checked``). Each raises ``ValueError`` saying what was expected and what was given, and
returns the arguments converted: integer (or boolean-free numeric) arrays become float64,
float32 stays float32.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ._validate import _describe

#: math.exp overflows a float above this (log of the largest float64)
_EXP_MAX = math.log(np.finfo(np.float64).max)


def _float_type(*arrays):
    """float32 when every float input is float32, else float64 (integers count as float64
    only when no input is a float)."""
    floats = [a.dtype for a in arrays if np.issubdtype(a.dtype, np.floating)]
    return np.result_type(*floats) if floats else np.dtype(np.float64)


def _numeric(name, a, *, ndim=None, layout=""):
    arr = np.asarray(a)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.floating)
                                     or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name}: expected real numbers, got {_describe(arr)}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array {layout}, got {_describe(arr)}")
    if ndim is not None and 0 in arr.shape:
        raise ValueError(f"{name}: expected no empty axis {layout}, got {_describe(arr)}")
    if np.issubdtype(arr.dtype, np.floating) and np.isnan(arr).any():
        raise ValueError(f"{name}: expected numbers, got NaN in {_describe(arr)}")
    return arr


def _finite(name, arr):
    if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got NaN or inf in {_describe(arr)}")
    return arr


def check_basic_sigmoid(x):
    """One real number, not an array (``math.exp`` takes one number), finite, and large
    enough that math.exp(-x) is a float. Returns it as a Python float."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"x: expected one real number (basic_sigmoid uses math.exp, which "
                         f"takes no array: use sigmoid(x) for arrays), got "
                         f"{type(x).__name__} {np.shape(x) if hasattr(x, '__len__') else x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"x: expected a finite number, got {x!r}")
    if -x > _EXP_MAX:
        raise ValueError(f"x: math.exp(-x) overflows a float for x < {-_EXP_MAX:.2f} (sigmoid(x) "
                         f"< 1e-308 there), got {x!r}; sigmoid(x) (NumPy) returns 0.0")
    return x


def check_elementwise(x):
    """A real number or a numeric array of any shape, without NaN (inf is allowed:
    sigmoid(+-inf) = 1, 0)."""
    arr = _numeric("x", x)
    return (arr.astype(_float_type(arr), copy=False),)


def check_image(image):
    """A 3-D array (length, height, depth)."""
    arr = _numeric("image", image, ndim=3, layout="(length, height, depth)")
    return (arr,)


def check_rows(x):
    """A 2-D finite array (m, n), one row per example."""
    arr = _finite("x", _numeric("x", x, ndim=2, layout="(m, n), one row per example"))
    return (arr.astype(_float_type(arr), copy=False),)


def _no_zero_row(x):
    zero = np.flatnonzero(~np.any(x != 0, axis=1))
    if zero.size:
        raise ValueError(f"x: row {int(zero[0])} is all zeros, so its norm is 0 and x / ||x|| "
                         f"is 0/0 (its direction is undefined); expected every row to have a "
                         f"non-zero entry ({zero.size} zero row(s) in x {x.shape})")


def check_normalize_rows(x):
    """:func:`check_rows`, and no row of zeros."""
    (x,) = check_rows(x)
    _no_zero_row(x)
    return (x,)


def _gradient_and_input(name, g, x):
    (x,) = check_rows(x)
    g = _finite(name, _numeric(name, g, ndim=2, layout="shaped like x"))
    if g.shape != x.shape:
        raise ValueError(f"{name} and x must have the same shape, got {name} {g.shape} and "
                         f"x {x.shape}")
    dtype = _float_type(g, x)
    return g.astype(dtype, copy=False), x.astype(dtype, copy=False)


def check_softmax_backward(ds, x):
    """ds and x: 2-D, finite, the same shape."""
    return _gradient_and_input("ds", ds, x)


def check_normalize_rows_backward(dy, x):
    """dy and x: 2-D, finite, the same shape; no row of zeros in x."""
    dy, x = _gradient_and_input("dy", dy, x)
    _no_zero_row(x)
    return dy, x


def check_loss(yhat, y):
    """yhat and y: numeric, finite, the same shape (no broadcasting: (m,) against (m, 1)
    would silently give an (m, m) sum)."""
    yhat = _finite("yhat", _numeric("yhat", yhat))
    y = _finite("y", _numeric("y", y))
    if yhat.shape != y.shape:
        raise ValueError(f"yhat and y must have the same shape, got yhat {yhat.shape} and "
                         f"y {y.shape}")
    dtype = _float_type(yhat, y)
    return yhat.astype(dtype, copy=False), y.astype(dtype, copy=False)
