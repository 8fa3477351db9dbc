"""Input checks of course 2, week 1 (initialization, regularization, gradient checking).

Each check raises ``ValueError`` saying what was expected and what was given. They
accept what the course's own unit tests pass: integer labels, a rank-1 Y of m
labels (the gradient-checking test case's ``y = np.array([1, 1, 0])``), boolean or
0/1 integer dropout masks, Python ints for ``lambd`` and ``keep_prob``.
"""
from __future__ import annotations

import numbers

import numpy as np

from ._validate import _describe, as_matrix, check_parameters

#: the three-layer network of the week: LINEAR-RELU-LINEAR-RELU-LINEAR-SIGMOID
L_COURSE = 3

#: the two caches the week's forward passes return
CACHE_NAMES = ("Z1", "A1", "W1", "b1", "Z2", "A2", "W2", "b2", "Z3", "A3", "W3", "b3")
DROPOUT_CACHE_NAMES = ("Z1", "D1", "A1", "W1", "b1", "Z2", "D2", "A2", "W2", "b2",
                       "Z3", "A3", "W3", "b3")


def check_layers_dims(layers_dims) -> list[int]:
    """[n_x, n[1], ..., n[L]]: at least two positive integers."""
    try:
        dims = list(layers_dims)
    except TypeError:
        dims = None
    if (dims is None or len(dims) < 2
            or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1
                       for n in dims)):
        raise ValueError(f"layers_dims: expected at least two positive integers "
                         f"[n_x, n[1], ..., n[L]], got {layers_dims!r}")
    return [int(n) for n in dims]


def check_three_layers(parameters) -> None:
    """{"W1", "b1", "W2", "b2", "W3", "b3"} whose shapes chain (the week's network)."""
    L = check_parameters(parameters)
    if L != L_COURSE:
        raise ValueError(f"parameters: expected the three layers W1, b1, W2, b2, W3, b3 of "
                         f"LINEAR-RELU-LINEAR-RELU-LINEAR-SIGMOID, got {sorted(parameters)}")


def check_weights(parameters) -> None:
    """W1, W2, W3 present, each a 2-D array: what the L2 term sum W1^2 + sum W2^2 + sum W3^2
    reads (the biases and the chaining play no part in it)."""
    if not isinstance(parameters, dict):
        raise ValueError(f"parameters: expected a dict with keys W1, W2, W3, got "
                         f"{type(parameters).__name__}")
    for key in ("W1", "W2", "W3"):
        if key not in parameters:
            raise ValueError(f"parameters: missing key {key!r}; the L2 term needs W1, W2, W3, "
                             f"got {sorted(parameters)}")
        W = np.asarray(parameters[key])
        if W.ndim != 2 or not np.issubdtype(W.dtype, np.number):
            raise ValueError(f"parameters: {key} must be a 2-D numeric array, got {_describe(W)}")


def check_X_parameters(X, parameters) -> None:
    """X (n_x, m) finite, and a three-layer dict whose W1 takes n_x inputs."""
    check_three_layers(parameters)
    as_matrix("X", X, rows=np.shape(parameters["W1"])[1])


def check_X_labels(X, Y, parameters=None, name: str = "Y") -> None:
    """X (n_x, m) finite (n_x = W1's inputs when parameters are given), labels Y on the same m."""
    if parameters is None:
        X = as_matrix("X", X)
    else:
        check_three_layers(parameters)
        X = as_matrix("X", X, rows=np.shape(parameters["W1"])[1])
    check_labels(Y, X.shape[1], name)


def check_model_inputs(X, Y, learning_rate, num_iterations, **choices) -> None:
    """A model's data and hyperparameters; ``choices`` maps a name to (value, allowed values)."""
    check_X_labels(X, Y)
    if (not isinstance(learning_rate, numbers.Real) or isinstance(learning_rate, bool)
            or not np.isfinite(learning_rate) or learning_rate <= 0):
        raise ValueError(f"learning_rate: expected a finite number > 0, got {learning_rate!r}")
    if (not isinstance(num_iterations, numbers.Integral) or isinstance(num_iterations, bool)
            or num_iterations < 0):
        raise ValueError(f"num_iterations: expected an integer >= 0, got {num_iterations!r}")
    for name, (value, allowed) in choices.items():
        if value not in allowed:
            raise ValueError(f"{name}: expected one of {', '.join(map(repr, allowed))}, "
                             f"got {value!r}")


def check_labels(Y, m: int, name: str = "Y") -> None:
    """Y: (1, m), or the rank-1 (m,) the course's gradient-checking test case passes.

    (m, 1) is refused for m > 1: A3 - Y would broadcast to (m, m) without a word.
    """
    Y = np.asarray(Y)
    if Y.shape not in {(1, m), (m,)}:
        raise ValueError(f"{name}: expected labels of shape (1, {m}) (one per example of X), "
                         f"got {_describe(Y)}")


def check_cost_inputs(A3, Y) -> None:
    """A3 (1, m) probabilities in [0, 1] (NaN refused), Y (1, m) or (m,)."""
    A3 = as_matrix("A3", A3, finite=False)
    if A3.shape[0] != 1:
        raise ValueError(f"A3: expected the output layer's activations (1, m), got {_describe(A3)}")
    if np.isnan(A3).any() or (A3 < 0).any() or (A3 > 1).any():
        raise ValueError(f"A3: expected probabilities in [0, 1], got values from "
                         f"{np.nanmin(A3)} to {np.nanmax(A3)}"
                         f"{' and NaN' if np.isnan(A3).any() else ''}")
    check_labels(Y, A3.shape[1])


def check_lambd(lambd) -> None:
    """lambd: a finite real number >= 0."""
    if (not isinstance(lambd, numbers.Real) or isinstance(lambd, bool)
            or not np.isfinite(lambd) or lambd < 0):
        raise ValueError(f"lambd: expected a finite number >= 0 (the L2 strength), got {lambd!r}")


def check_keep_prob(keep_prob) -> None:
    """keep_prob: a real number in (0, 1]."""
    if (not isinstance(keep_prob, numbers.Real) or isinstance(keep_prob, bool)
            or not 0 < keep_prob <= 1):
        raise ValueError(f"keep_prob: expected a probability in (0, 1] (the chance of keeping "
                         f"a unit), got {keep_prob!r}")


def check_masks(masks, sizes, m: int) -> None:
    """{"D1": (n[1], m), "D2": (n[2], m), ...} of bool or 0/1 values."""
    if not isinstance(masks, dict):
        raise ValueError(f"masks: expected a dict {{'D1': ..., 'D2': ...}}, got {type(masks).__name__}")
    for l, n in enumerate(sizes, start=1):
        if f"D{l}" not in masks:
            raise ValueError(f"masks: missing key 'D{l}'; expected "
                             f"{', '.join(f'D{k}' for k in range(1, len(sizes) + 1))}, got {sorted(masks)}")
        D = np.asarray(masks[f"D{l}"])
        if D.shape != (n, m):
            raise ValueError(f"masks: expected D{l} of shape ({n}, {m}) (n[{l}], m), got {D.shape}")
        if not (D.dtype == np.bool_ or np.isin(D, (0, 1)).all()):
            raise ValueError(f"masks: expected D{l} of booleans or 0/1, got values "
                             f"{np.unique(D)[:5]}")


def check_cache(cache, names=CACHE_NAMES) -> None:
    """The tuple a forward pass returned: its length, and the shapes the backward reads."""
    if not isinstance(cache, (tuple, list)) or len(cache) != len(names):
        given = (f"a {type(cache).__name__} of length {len(cache)}"
                 if isinstance(cache, (tuple, list)) else type(cache).__name__)
        raise ValueError(f"cache: expected the tuple ({', '.join(names)}) of the forward pass, "
                         f"got {given}")
    values = dict(zip(names, (np.asarray(v) for v in cache)))
    m = values["A3"].shape[-1] if values["A3"].ndim == 2 else None
    for l in (1, 2, 3):
        W, b = values[f"W{l}"], values[f"b{l}"]
        if W.ndim != 2 or b.shape != (W.shape[0], 1):
            raise ValueError(f"cache: W{l} {W.shape} and b{l} {b.shape} are not a layer's "
                             f"(n[{l}], n[{l - 1}]) and (n[{l}], 1)")
        for key in (f"Z{l}", f"A{l}", f"D{l}"):
            if key in values and values[key].shape != (W.shape[0], m):
                raise ValueError(f"cache: expected {key} of shape ({W.shape[0]}, {m}) "
                                 f"(n[{l}], m), got {values[key].shape}")


def check_backward_inputs(X, Y, cache, names=CACHE_NAMES) -> None:
    """X (n_x, m), Y (1, m) or (m,), and the forward pass's cache on the same m."""
    check_cache(cache, names)
    W1 = np.asarray(cache[names.index("W1")])
    X = as_matrix("X", X, rows=W1.shape[1])
    if X.shape[1] != np.asarray(cache[names.index("A3")]).shape[1]:
        raise ValueError(f"X has m = {X.shape[1]} examples but the cache holds "
                         f"m = {np.asarray(cache[names.index('A3')]).shape[1]}")
    check_labels(Y, X.shape[1])


def check_gradients(gradients, parameters) -> None:
    """dW1, db1, ... shaped like W1, b1, ... ."""
    if not isinstance(gradients, dict):
        raise ValueError(f"gradients: expected a dict with keys dW1, db1, ..., got "
                         f"{type(gradients).__name__}")
    for key, value in parameters.items():
        if f"d{key}" not in gradients:
            raise ValueError(f"gradients: missing key 'd{key}'; expected "
                             f"{', '.join('d' + k for k in parameters)}, got {sorted(gradients)}")
        if np.shape(gradients[f"d{key}"]) != np.shape(value):
            raise ValueError(f"gradients: d{key} must have the shape of {key} "
                             f"{np.shape(value)}, got {np.shape(gradients[f'd{key}'])}")
