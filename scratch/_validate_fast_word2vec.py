"""Input checks of :class:`scratch.fast_word2vec.SkipGram`, for the ``@checked`` decorator
of :mod:`scratch._validate` (on its methods: each check receives the model as ``self``).

A batch is checked once per call by shape and dtype, and its indices by their smallest and
largest values (two reductions: a negative index would silently wrap around in NumPy's
lookups); each check raises ValueError saying what was expected and what was given.
"""
from __future__ import annotations

import numbers

import numpy as np

from ._validate import _describe


def _matrix(name, a):
    arr = np.asarray(a)
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.floating) or 0 in arr.shape:
        raise ValueError(f"parameters: {name}: expected a float array of shape (V, n), V and n "
                         f">= 1, got {_describe(arr)}")
    return arr


def check_init(self, parameters, dtype):
    """The course's {"E": (V, n), "Theta": (V, n)}, float32 or float64 (default: E's)."""
    if not isinstance(parameters, dict) or "E" not in parameters or "Theta" not in parameters:
        got = sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__
        raise ValueError(f"parameters: expected a dict with keys E, Theta (the course's, "
                         f"scratch.word2vec.initialize_parameters), got {got}")
    E, Theta = _matrix("E", parameters["E"]), _matrix("Theta", parameters["Theta"])
    if E.shape != Theta.shape:
        raise ValueError(f"parameters: E and Theta must have the same shape (V, n), got E "
                         f"{E.shape} and Theta {Theta.shape}")
    dtype = np.dtype(dtype if dtype is not None else E.dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
    return self, parameters, dtype


def _indices(self, name, a, shape):
    if not isinstance(a, np.ndarray) or not np.issubdtype(a.dtype, np.integer) \
            or a.dtype == np.bool_:
        got = _describe(a) if isinstance(a, np.ndarray) else type(a).__name__
        raise ValueError(f"{name}: expected an integer array of word indices of shape {shape}, "
                         f"got {got}")
    if a.size and (a.min() < 0 or a.max() >= self.V):
        bad = a[(a < 0) | (a >= self.V)].flat[0]
        raise ValueError(f"{name}: expected word indices in [0, {self.V}) (E and Theta have "
                         f"{self.V} rows), got {int(bad)}")


def check_batch(self, c, t):
    """c (m,) context words and t (m, 1 + k) targets (the true one in column 0): integer
    arrays, m >= 1, k >= 0, every index in [0, V)."""
    if not (isinstance(c, np.ndarray) and c.ndim == 1 and c.size >= 1):
        got = _describe(c) if isinstance(c, np.ndarray) else type(c).__name__
        raise ValueError(f"c: expected the m >= 1 context words, an integer array of shape "
                         f"(m,), got {got}")
    m = c.shape[0]
    if not (isinstance(t, np.ndarray) and t.ndim == 2 and t.shape[0] == m and t.shape[1] >= 1):
        got = _describe(t) if isinstance(t, np.ndarray) else type(t).__name__
        raise ValueError(f"t: expected each pair's true target then its k negatives, an "
                         f"integer array of shape ({m}, 1 + k) (m = {m} from c), got {got}")
    _indices(self, "c", c, "(m,)")
    _indices(self, "t", t, "(m, 1 + k)")


def check_learning_rate(self, learning_rate):
    ok = isinstance(learning_rate, numbers.Real) and not isinstance(learning_rate, bool)
    if not ok or not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate: expected a finite positive number, got "
                         f"{learning_rate!r}")


def check_step(self, c, t, learning_rate):
    check_batch(self, c, t)
    check_learning_rate(self, learning_rate)
