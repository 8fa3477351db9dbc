"""Input checks of :class:`scratch.fast_nn.MLP`, for the ``@checked`` decorator of
:mod:`scratch._validate` (on its methods: each check receives the model as ``self``).

Inputs are checked once per call by shape and dtype, not element by element (the fast
path's promise); each check raises ValueError saying what was expected and what was given.
"""
from __future__ import annotations

import numpy as np

from ._blas import ThreadPolicy
from ._validate import check_parameters

HIDDEN = ("relu", "tanh", "sigmoid")
OUTPUTS = ("sigmoid", "softmax")


def check_init(self, parameters, hidden_activation, output, dtype, thread_policy):
    """The course's dict of one network (the one validator: keys present, shapes chain),
    the activations by name, float32 or float64 (default: W1's)."""
    if hidden_activation not in HIDDEN:
        raise ValueError(f"hidden_activation: expected one of {', '.join(map(repr, HIDDEN))}, "
                         f"got {hidden_activation!r}")
    if output not in OUTPUTS:
        raise ValueError(f"output: expected one of {', '.join(map(repr, OUTPUTS))}, "
                         f"got {output!r}")
    check_parameters(parameters)
    dtype = np.dtype(dtype if dtype is not None else np.asarray(parameters["W1"]).dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
    return self, parameters, hidden_activation, output, dtype, thread_policy


def check_thread_policy(self, policy):
    if policy is not None and not isinstance(policy, ThreadPolicy):
        raise ValueError(f"thread_policy: expected a scratch._blas.ThreadPolicy or None, "
                         f"got {type(policy).__name__}")


def _check_array(net, name, a, rows):
    if not isinstance(a, np.ndarray) or a.ndim != 2 or a.shape[0] != rows \
            or a.dtype != net.dtype:
        got = (f"shape {a.shape}, dtype {a.dtype}" if isinstance(a, np.ndarray)
               else type(a).__name__)
        raise ValueError(f"{name}: expected a {net.dtype} array of shape ({rows}, m), "
                         f"got {got}")
    if a.shape[1] == 0:
        raise ValueError(f"{name}: expected at least one example (m >= 1), got m = 0")


def check_forward(self, X):
    """X (n[0], m) in the model's dtype."""
    _check_array(self, "X", X, self.layer_dims[0])


def check_labels(self, Y):
    """Y (n[L], m) in the model's dtype, m that of the last forward pass."""
    _check_array(self, "Y", Y, self.layer_dims[-1])
    if Y.shape[1] != self.m:
        raise ValueError(f"Y: expected m = {self.m} columns like the last X, got {Y.shape}")
