"""Input checks shared by the scratch modules, and the ``@checked`` decorator.

Every check raises ``ValueError`` with what was expected and what was given, so a
user's mistake never turns into a silent wrong answer or a broadcasting surprise. Each
formula module ``scratch/<name>.py`` keeps its own checks in ``scratch/_validate_<name>.py``
(``scratch/_validate_c2w1.py``: those course 2, week 1's three modules share), one
``check_<function>`` per checked function, named in its ``@checked(...)`` line.
"""
from __future__ import annotations

import functools
import inspect

import numpy as np


def checked(check):
    """Decorator: the function's body is the course's formula; ``check`` guards it.

    The one input-check style of ``scratch``: a module's public function holds the course's
    lines, and its check lives in a private ``_validate*`` module, named in the decorator.
    ``check`` receives the call's arguments (bound to the function's signature, defaults
    applied), raises ValueError for bad input (saying what was expected and what was given)
    and returns None to keep the arguments, or a tuple of the positional arguments to use
    in the signature's order (e.g. arrays converted); keyword-only arguments pass unchanged.
    The decorated function's ``unchecked`` attribute is the body alone, for loops whose
    inputs were checked once before them; ``check`` is kept as an attribute too. So a
    student reads the formula first::

        @checked(check_linear_forward)          # from scratch/_validate_deep_nn.py
        def linear_forward(A, W, b):
            Z = np.dot(W, A) + b
            return Z, (A, W, b)
    """
    def decorate(f):
        signature = inspect.signature(f)

        @functools.wraps(f)
        def with_check(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            new = check(*bound.args, **bound.kwargs)
            if new is None:
                return f(*bound.args, **bound.kwargs)
            return f(*new, **bound.kwargs)
        with_check.unchecked = f
        with_check.check = check
        return with_check
    return decorate


def _describe(a) -> str:
    a = np.asarray(a)
    return f"an array of shape {a.shape} (rank {a.ndim}, dtype {a.dtype})"


def as_matrix(name: str, a, *, rows: int | None = None, finite: bool = True) -> np.ndarray:
    """Return ``a`` as a 2-D float array, or raise ValueError.

    ``rows`` fixes the first dimension (e.g. n_x). A rank-1 array is refused: the
    course's rule is to use (n, 1) or (1, n) and never shape (n,).
    """
    arr = np.asarray(a)
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1:
            hint = f"; reshape it to ({arr.shape[0]}, 1) or (1, {arr.shape[0]})"
        raise ValueError(f"{name}: expected a 2-D array, got {_describe(arr)}{hint}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
            or arr.dtype == np.bool_):
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if rows is not None and arr.shape[0] != rows:
        raise ValueError(f"{name}: expected {rows} rows, got {_describe(arr)}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name}: expected at least one example (m >= 1), got m = 0 "
                         f"({_describe(arr)})")
    if finite and np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.isfinite(arr).sum())
        raise ValueError(f"{name}: expected finite values, got {bad} NaN or inf "
                         f"entr{'y' if bad == 1 else 'ies'} in {_describe(arr)}")
    return arr


def check_X(X, n_x: int | None = None) -> np.ndarray:
    """X: (n_x, m), finite, m >= 1."""
    return as_matrix("X", X, rows=n_x)


def check_XY(X, Y, n_x: int | None = None, n_y: int | None = 1,
             allow_rank1_Y: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """X: (n_x, m) and Y: (n_y, m) with the same m."""
    X = check_X(X, n_x)
    Y = np.asarray(Y)
    if allow_rank1_Y and Y.ndim == 1:
        Y = Y.reshape(1, -1)
    Y = as_matrix("Y", Y, rows=n_y)
    if Y.shape[1] != X.shape[1]:
        raise ValueError(f"X and Y must hold the same number of examples m (columns): "
                         f"X has m = {X.shape[1]} {X.shape}, Y has m = {Y.shape[1]} {Y.shape}")
    return X, Y


def check_column(name: str, a, n: int) -> np.ndarray:
    """A column vector of shape (n, 1)."""
    arr = np.asarray(a)
    if arr.shape != (n, 1):
        hint = " (a rank-1 array: reshape it to (n, 1))" if arr.ndim == 1 else ""
        raise ValueError(f"{name}: expected shape ({n}, 1), got {_describe(arr)}{hint}")
    return arr


def check_layers(parameters, L: int | None = None) -> int:
    """Check a course parameter dict layer by layer: W1, b1, ..., WL, bL present, each W[l]
    2-D and each b[l] (n[l], 1) with n[l] = W[l]'s rows. The layers need not chain: what a
    per-layer update (gradient descent, momentum, Adam) or a flattening needs, and no more.

    Returns L, the number of layers.
    """
    if not isinstance(parameters, dict):
        raise ValueError(f"parameters: expected a dict with keys W1, b1, ..., got "
                         f"{type(parameters).__name__}")
    if L is None:
        # L = the largest layer index among the W<l>, b<l> keys, so that a missing key
        # (say b2 of a 2-layer dict) is reported instead of silently dropping layer 2
        layers = [int(k[1:]) for k in parameters
                  if isinstance(k, str) and k[:1] in ("W", "b") and k[1:].isdigit()]
        L = max(layers, default=0)
    if L < 1:
        raise ValueError(f"parameters: expected keys W1, b1, ..., WL, bL; got {sorted(parameters)}")
    for l in range(1, L + 1):
        for key in (f"W{l}", f"b{l}"):
            if key not in parameters:
                raise ValueError(f"parameters: missing key {key!r}; expected W1, b1, ..., "
                                 f"W{L}, b{L}, got {sorted(parameters)}")
        W = np.asarray(parameters[f"W{l}"])
        b = np.asarray(parameters[f"b{l}"])
        if W.ndim != 2:
            raise ValueError(f"parameters: W{l} must be 2-D (n[{l}], n[{l - 1}]), got {_describe(W)}")
        if b.shape != (W.shape[0], 1):
            raise ValueError(f"parameters: b{l} must have shape ({W.shape[0]}, 1) to match "
                             f"W{l} {W.shape}, got {_describe(b)}")
    return L


def check_parameters(parameters, L: int | None = None) -> int:
    """Check a course parameter dict W1, b1, ..., WL, bL of ONE network: keys present,
    each layer as :func:`check_layers` says, and the shapes chain (W[l] takes n[l-1] =
    W[l-1]'s rows as inputs), which a forward pass needs.

    Returns L, the number of layers.
    """
    L = check_layers(parameters, L)
    for l in range(2, L + 1):
        W = np.asarray(parameters[f"W{l}"])
        prev = np.asarray(parameters[f"W{l - 1}"]).shape[0]
        if W.shape[1] != prev:
            raise ValueError(f"parameters: shapes don't chain: W{l} is {W.shape}, so it "
                             f"expects n[{l - 1}] = {W.shape[1]} inputs, but W{l - 1} "
                             f"{np.asarray(parameters[f'W{l - 1}']).shape} gives {prev}")
    return L


def check_same_shape(name_a: str, a, name_b: str, b) -> None:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got "
                         f"{name_a} {a.shape} and {name_b} {b.shape}")
