"""Compare what a function returned with what it should have returned, structure first.

An output is a tree: tuples and lists (positions), dicts (keys), and leaves (arrays, NumPy
scalars, Python numbers, booleans, None, strings). ``compare(actual, expected, ...)`` walks
both trees and returns a :class:`Comparison`: the first structural problem (a dict without a
key, a tuple of the wrong length, a leaf of the wrong shape), or, when the structure agrees,
the worst numerical error of every leaf against its tolerance.

Tolerance (as in ``parity_tests/_tolerances.py``): two routes that compute the same formula in a
different order differ by at most ``2 gamma_n`` (Higham), gamma_n = n u / (1 - n u), n the
rounding steps along the computation and u the unit roundoff of the leaf's float type. The
check draws O(1) data, so for float64 the project's ceiling rtol = 1e-10 with atol = 2 gamma_n;
float32 leaves (the course casts positional encodings and masks to float32) get
rtol = atol = 2 gamma_n with u = 2^-24.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

UNIT_ROUNDOFF = {np.dtype(np.float64): 2.0 ** -53, np.dtype(np.float32): 2.0 ** -24}
FLOAT64_RTOL = 1e-10


def tolerance(dtype, n: int) -> tuple[float, float]:
    """(rtol, atol) for two routes of at most n rounding steps on O(1) values."""
    dtype = np.dtype(dtype)
    u = UNIT_ROUNDOFF.get(dtype, UNIT_ROUNDOFF[np.dtype(np.float64)])
    bound = 2 * n * u / (1 - n * u)
    if dtype == np.float32:
        return bound, bound
    return FLOAT64_RTOL, bound


def path_str(path: tuple, names: tuple[str, ...] | None = None) -> str:
    """("dW1",) -> "dW1"; (1,) -> "dW" when names = ("dA_prev", "dW", "db"); (1, 0, 2) ->
    "cache[0][2]"."""
    if not path:
        return "the output"
    head, rest = path[0], path[1:]
    if isinstance(head, int) and names and head < len(names):
        text = names[head]
    elif isinstance(head, int):
        text = f"output[{head}]"
    else:
        text = str(head)
    for p in rest:
        if isinstance(p, tuple):      # an index into an array: [:, :, -1]
            text += "[" + ", ".join(":" if i is None else str(i) for i in p) + "]"
        else:
            text += f"[{p!r}]"
    return text


@dataclass
class LeafError:
    path: tuple
    error: float          # the worst |actual - expected| of the leaf
    tol: float            # atol + rtol |expected| at that entry
    where: tuple = ()     # its index
    actual: float = 0.0
    expected: float = 0.0

    @property
    def ratio(self) -> float:
        return self.error / self.tol if self.tol > 0 else (0.0 if self.error == 0 else np.inf)


@dataclass
class Comparison:
    """The outcome of one comparison: ``problem`` (structural, or None), every leaf's error."""
    problem: str | None = None
    kind: str | None = None            # "type" or "shape" for a structural problem
    problem_path: tuple = ()
    leaves: list[LeafError] = field(default_factory=list)

    @property
    def worst(self) -> LeafError | None:
        return max(self.leaves, key=lambda e: e.ratio, default=None)

    @property
    def ok(self) -> bool:
        return self.problem is None and all(e.ratio <= 1 for e in self.leaves)

    def failing(self) -> list[LeafError]:
        return [e for e in self.leaves if e.ratio > 1]


def is_leaf(x) -> bool:
    return not isinstance(x, (Mapping, tuple, list))


def _numeric(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic, int, float, bool, complex)) and \
        not isinstance(x, (str, bytes))


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, Mapping):
        return f"a dict with keys {', '.join(map(str, x)) or '(none)'}"
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)} items"
    if x is None:
        return "None"
    return f"a {type(x).__name__}"


def compare(actual, expected, steps: int, names: tuple[str, ...] | None = None,
            path: tuple = ()) -> Comparison:
    """Compare ``actual`` with ``expected`` (the reference's output); ``steps`` sets the
    tolerance (see the module docstring); ``names`` names the top-level positions."""
    result = Comparison()
    _walk(actual, expected, steps, names, path, result)
    return result


def _fail(result: Comparison, kind: str, path: tuple, names, message: str) -> None:
    if result.problem is None:
        result.problem, result.kind, result.problem_path = \
            f"{path_str(path, names)}: {message}", kind, path


def _walk(actual, expected, steps, names, path, result: Comparison) -> None:
    if result.problem is not None:
        return
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return _fail(result, "type", path, names, f"expected a dict with keys "
                         f"{', '.join(map(str, expected))}, got {_describe(actual)}")
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(map(str, missing))}")
            if extra:
                parts.append(f"unexpected {', '.join(map(str, extra))}")
            return _fail(result, "type", path, names, "keys: " + "; ".join(parts))
        for k in expected:
            _walk(actual[k], expected[k], steps, names, path + (k,), result)
        return
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)):
            return _fail(result, "type", path, names, f"expected a {type(expected).__name__} "
                         f"of {len(expected)} items, got {_describe(actual)}")
        if len(actual) != len(expected):
            return _fail(result, "type", path, names, f"expected {len(expected)} items, got "
                         f"{len(actual)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _walk(a, e, steps, names, path + (i,), result)
        return
    if expected is None or isinstance(expected, (str, bytes)):
        if actual != expected:
            return _fail(result, "type", path, names, f"expected {expected!r}, got "
                         f"{_describe(actual) if actual is not None else 'None'}")
        return
    # a numeric leaf
    if not _numeric(actual):
        return _fail(result, "type", path, names, f"expected {_describe(np.asarray(expected))}"
                     f", got {_describe(actual)}")
    a, e = np.asarray(actual), np.asarray(expected)
    if a.shape != e.shape:
        return _fail(result, "shape", path, names, f"shape {a.shape}, expected {e.shape}")
    result.leaves.append(leaf_error(a, e, steps, path))


def leaf_error(a, e, steps: int, path: tuple = ()) -> LeafError:
    """The worst entry of |a - e| against atol + rtol |e| (NaN where e is NaN counts as equal)."""
    e_dtype = e.dtype if np.issubdtype(e.dtype, np.floating) else np.dtype(np.float64)
    rtol, atol = tolerance(e_dtype, steps)
    try:
        a64 = a.astype(np.float64)
    except (TypeError, ValueError):
        return LeafError(path, np.inf, atol)
    e64 = e.astype(np.float64)
    if a64.size == 0:
        return LeafError(path, 0.0, atol)
    with np.errstate(invalid="ignore"):
        diff = np.abs(a64 - e64)
        both_nan = np.isnan(a64) & np.isnan(e64)
        same_inf = np.isinf(a64) & (a64 == e64)
        diff = np.where(both_nan | same_inf, 0.0, diff)
        diff = np.where(np.isnan(diff), np.inf, diff)
        tol = atol + rtol * np.where(np.isfinite(e64), np.abs(e64), 0.0)
        ratio = diff / tol
    i = np.unravel_index(int(np.argmax(ratio)), ratio.shape) if ratio.ndim else ()
    return LeafError(path, float(diff[i]), float(tol[i]), tuple(int(k) for k in i),
                     float(a64[i]), float(e64[i]))


def leaves(tree, path: tuple = ()):
    """Yield (path, leaf) for every leaf of an output tree."""
    if isinstance(tree, Mapping):
        for k, v in tree.items():
            yield from leaves(v, path + (k,))
    elif isinstance(tree, (tuple, list)):
        for i, v in enumerate(tree):
            yield from leaves(v, path + (i,))
    else:
        yield path, tree


def get(tree, path: tuple):
    """The leaf at ``path``; a tuple step indexes an array (None meaning every index: ":")."""
    for p in path:
        if isinstance(p, tuple):
            p = tuple(slice(None) if i is None else i for i in p)
        tree = tree[p]
    return tree


def snapshot(tree):
    """A deep copy of the arrays (and the dict/list structure) of a function's arguments,
    to tell afterwards whether the call modified them in place."""
    if isinstance(tree, np.ndarray):
        return tree.copy()
    if isinstance(tree, dict):
        return {k: snapshot(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [snapshot(v) for v in tree]
    if isinstance(tree, tuple):
        return tuple(snapshot(v) for v in tree)
    return tree


def modified(before, after, path: tuple = ()) -> tuple | None:
    """The path of the first array (or dict entry) of ``after`` that differs from ``before``."""
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or after.shape != before.shape or \
                not np.array_equal(after, before, equal_nan=True):
            return path
        return None
    if isinstance(before, dict):
        if not isinstance(after, dict) or set(after) != set(before):
            return path
        for k in before:
            p = modified(before[k], after[k], path + (k,))
            if p is not None:
                return p
        return None
    if isinstance(before, (list, tuple)):
        if not isinstance(after, (list, tuple)) or len(after) != len(before):
            return path
        for i, (b, a) in enumerate(zip(before, after)):
            p = modified(b, a, path + (i,))
            if p is not None:
                return p
    return None
