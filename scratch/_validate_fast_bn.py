"""Input checks of :class:`scratch.fast_bn.BatchNormNet`, for the ``@checked`` decorator of
:mod:`scratch._validate` (on its methods: each check receives the model as ``self``).

Inputs are checked once per call by shape and dtype, not element by element (the fast
path's promise); each check raises ValueError saying what was expected and what was given.
"""
from __future__ import annotations

import numbers

import numpy as np

from ._validate_fast_nn import check_thread_policy  # the MLP's (fast_bn imports it from here)

OUTPUTS = ("sigmoid", "softmax")
OPTIMIZERS = ("gd", "momentum", "adam")


def _number(name, value, low, high=None, low_open=False, high_open=True):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and \
            (high is None or (value < high if high_open else value <= high))
    if not ok:
        span = (("(" if low_open else "[") + f"{low:g}, " +
                ("inf)" if high is None else f"{high:g}" + (")" if high_open else "]")))
        raise ValueError(f"{name}: expected a number in {span}, got {value!r}")


def _bn_layers(parameters):
    """L, the number of layers of a batch-norm course dict (W1..WL), or ValueError."""
    if not isinstance(parameters, dict):
        raise ValueError(f"parameters: expected the batch-norm network's dict (W1, gamma1, "
                         f"beta1, running_mean1, running_var1, ..., WL, bL), got "
                         f"{type(parameters).__name__}")
    L = sum(1 for k in parameters if k[:1] == "W" and k[1:].isdigit())
    if L < 2:
        raise ValueError(f"parameters: expected at least two layers W1, W2 (batch norm needs a "
                         f"hidden layer), got keys {sorted(parameters)}")
    want = [f"W{l}" for l in range(1, L + 1)] + [f"{k}{l}" for l in range(1, L) for k in (
        "gamma", "beta", "running_mean", "running_var")] + [f"b{L}"]
    missing = [k for k in want if k not in parameters]
    if missing:
        raise ValueError(f"parameters: missing {missing} (a batch-norm dict with W1..W{L}), "
                         f"got keys {sorted(parameters)}")
    return L


def check_init(self, parameters, output, keep_prob, dtype, optimizer, learning_beta, beta1,
               beta2, adam_epsilon, epsilon, stats_beta, thread_policy):
    """The batch-norm course dict (keys present, shapes chain), the output by name,
    keep_prob in (0, 1], the optimizer and its constants, float32 or float64 (default: W1's)."""
    if output not in OUTPUTS:
        raise ValueError(f"output: expected one of {', '.join(map(repr, OUTPUTS))}, "
                         f"got {output!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer: expected one of {', '.join(OPTIMIZERS)}, got "
                         f"{optimizer!r}")
    _number("keep_prob", keep_prob, 0, 1, low_open=True, high_open=False)
    for name, value in (("learning_beta", learning_beta), ("beta1", beta1), ("beta2", beta2),
                        ("stats_beta", stats_beta)):
        _number(name, value, 0, 1)
    _number("adam_epsilon", adam_epsilon, 0, low_open=True)
    _number("epsilon", epsilon, 0, low_open=True)
    check_thread_policy(self, thread_policy)
    L = _bn_layers(parameters)
    shapes = {k: np.shape(v) for k, v in parameters.items()}
    n_prev = shapes["W1"][1] if len(shapes["W1"]) == 2 else None
    for l in range(1, L + 1):
        W = shapes[f"W{l}"]
        if len(W) != 2 or W[1] != n_prev or W[0] < 1:
            raise ValueError(f"parameters: W{l} must have shape (n[{l}], {n_prev}) to follow "
                             f"{'X' if l == 1 else f'W{l - 1}'}, got {W}")
        n = W[0]
        keys = [f"{k}{l}" for k in ("gamma", "beta", "running_mean", "running_var")] \
            if l < L else [f"b{L}"]
        for key in keys:
            if shapes[key] != (n, 1):
                raise ValueError(f"parameters: {key} must have shape ({n}, 1) like W{l}'s "
                                 f"rows, got {shapes[key]}")
        n_prev = n
    if output == "softmax" and n_prev < 2:
        raise ValueError(f"output: a softmax needs n[L] >= 2 classes, got W{L} with {n_prev} "
                         f"row")
    dtype = np.dtype(dtype if dtype is not None else np.asarray(parameters["W1"]).dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
    return (self, parameters, output, keep_prob, dtype, optimizer, learning_beta, beta1,
            beta2, adam_epsilon, epsilon, stats_beta, thread_policy)


def _check_array(net, name, a, rows):
    if not isinstance(a, np.ndarray) or a.ndim != 2 or a.shape[0] != rows \
            or a.dtype != net.dtype:
        got = (f"shape {a.shape}, dtype {a.dtype}" if isinstance(a, np.ndarray)
               else type(a).__name__)
        raise ValueError(f"{name}: expected a {net.dtype} array of shape ({rows}, m), "
                         f"got {got}")


def check_forward(self, X, masks):
    """X (n[0], m) in the model's dtype, m >= 2 (a batch's statistics need two examples);
    with dropout (keep_prob < 1) masks {"D1": (n[1], m), ..., "D{L-1}"}, bool or 0/1."""
    _check_array(self, "X", X, self.layer_dims[0])
    m = X.shape[1]
    if m < 2:
        raise ValueError(f"X: batch norm in training mode needs at least 2 examples (a "
                         f"batch's mean and variance), got X {X.shape} (m = {m})")
    if self.keep_prob == 1:
        return
    if not isinstance(masks, dict):
        raise ValueError(f"masks: dropout (keep_prob {self.keep_prob:g}) needs the step's "
                         f"masks {{'D1', ..., 'D{self.L - 1}'}}, got {type(masks).__name__}")
    for l in range(1, self.L):
        D = masks.get(f"D{l}")
        want = (self.layer_dims[l], m)
        if not isinstance(D, np.ndarray) or D.shape != want or \
                not (D.dtype == np.bool_ or np.issubdtype(D.dtype, np.number)):
            got = (f"shape {D.shape}, dtype {D.dtype}" if isinstance(D, np.ndarray)
                   else ("missing" if D is None else type(D).__name__))
            raise ValueError(f"masks: D{l} expected a bool (or 0/1) array of shape {want}, "
                             f"got {got}")


def check_labels(self, Y):
    """Y (n[L], m) in the model's dtype, m that of the last forward pass."""
    if self.m is None:
        raise ValueError("Y: no forward pass yet (call forward(X, masks) first)")
    _check_array(self, "Y", Y, self.layer_dims[-1])
    if Y.shape[1] != self.m:
        raise ValueError(f"Y: expected m = {self.m} columns like the last X, got {Y.shape}")


def check_learning_rate(self, learning_rate):
    _number("learning_rate", learning_rate, 0, low_open=True)
