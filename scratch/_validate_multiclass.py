"""Input checks of :mod:`scratch.multiclass` (a softmax output, He initialisation,
mini-batch training: course 2's formulas on course 1's network, for MNIST).

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`: each raises ValueError saying what was expected and what was
given, and returns the arguments to use. ``check_one_hot_columns`` is also what
:mod:`scratch.batch_norm` checks its one-hot labels with.
"""
from __future__ import annotations

import numpy as np

from ._validate import as_matrix, check_parameters, check_same_shape, check_X, check_XY
from ._validate_deep_nn import check_dims
from .activations import get_activation

OUTPUTS = ("softmax", "sigmoid")


def check_one_hot_columns(Y, C):
    """Y (C, m), entries in [0, 1], every column summing to 1: what dZ[L] = A[L] - Y needs."""
    if Y.shape[0] != C:
        raise ValueError(f"Y: expected one-hot labels with C = {C} rows (one per output unit), "
                         f"got shape {Y.shape}")
    s = np.sum(Y, axis=0)
    # 1e-6: a column of C float32 probabilities sums to 1 within about C * 6e-8.
    if np.any(Y < 0) or np.any(Y > 1) or np.any(np.abs(s - 1) > 1e-6):
        bad = int(np.sum(np.abs(s - 1) > 1e-6) + np.sum(np.any((Y < 0) | (Y > 1), axis=0)))
        raise ValueError(f"Y: expected one-hot columns (entries in [0, 1], each column summing "
                         f"to 1; see one_hot), got {bad} column(s) that are not")


def check_softmax(Z):
    """Z (C, m) finite; integers become float64."""
    Z = as_matrix("Z", Z)
    if not np.issubdtype(Z.dtype, np.floating):
        Z = Z.astype(np.float64)
    return (Z,)


def check_softmax_backward(dA, cache):
    check_same_shape("dA", dA, "Z (cache)", cache)


def check_one_hot(labels, C, dtype):
    """m integer labels in 0..C-1, (m,) or (1, m) (integral floats accepted); returns them as
    an int64 vector (m,)."""
    if not isinstance(C, (int, np.integer)) or isinstance(C, bool) or C < 1:
        raise ValueError(f"one_hot: expected a positive integer number of classes C, got {C!r}")
    y = np.asarray(labels)
    if y.ndim == 2 and y.shape[0] == 1:
        y = y[0]
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"one_hot: expected labels of shape (m,) or (1, m) with m >= 1, "
                         f"got shape {np.asarray(labels).shape}")
    if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
        raise ValueError(f"one_hot: expected integer labels, got dtype {y.dtype}")
    with np.errstate(invalid="ignore"):
        bad = ~((y == np.round(y)) & (y >= 0) & (y < C)) if y.dtype.kind == "f" \
            else ~((y >= 0) & (y < C))
    if bad.any():
        values = np.unique(y[bad])
        shown = ", ".join(str(v) for v in values[:10]) + (", ..." if values.size > 10 else "")
        raise ValueError(f"one_hot: expected integer labels in 0..{C - 1}, got "
                         f"{int(bad.sum())} bad label(s): {shown}")
    return y.astype(np.int64), C, dtype


def check_compute_cost_multiclass(AL, Y):
    AL = as_matrix("AL", AL, finite=False)
    Y = as_matrix("Y", Y, finite=False)
    check_same_shape("AL", AL, "Y", Y)
    return AL, Y


def check_L_model_forward_multiclass(X, parameters, hidden_activation):
    get_activation(hidden_activation)
    check_parameters(parameters)
    return check_X(X, parameters["W1"].shape[1]), parameters, hidden_activation


def check_L_model_backward_multiclass(AL, Y, caches, hidden_activation):
    """AL (C, m), Y one-hot (C, m) (cast to AL's dtype), the forward pass's caches."""
    get_activation(hidden_activation)
    AL, Y = check_compute_cost_multiclass(AL, Y)
    check_one_hot_columns(Y, AL.shape[0])
    if not isinstance(caches, (list, tuple)) or not caches:
        raise ValueError(f"L_model_backward_multiclass: expected the list of caches from "
                         f"L_model_forward_multiclass, got {type(caches).__name__}")
    return AL, Y.astype(AL.dtype, copy=False), caches, hidden_activation


def check_initialize_parameters_he(layer_dims, seed):
    return check_dims(layer_dims), seed


def check_train_epoch(X, Y, parameters, learning_rate, mini_batch_size, seed, hidden_activation,
                      output, callback):
    get_activation(hidden_activation)
    if output not in OUTPUTS:
        raise ValueError(f"output: expected one of {', '.join(repr(o) for o in OUTPUTS)}, "
                         f"got {output!r}")
    L = check_parameters(parameters)
    n_out = parameters[f"W{L}"].shape[0]
    X, Y = check_XY(X, Y, n_x=parameters["W1"].shape[1], n_y=n_out)
    if output == "softmax":
        check_one_hot_columns(Y, n_out)
    elif np.any(Y < 0) or np.any(Y > 1):
        raise ValueError("Y: expected labels in [0, 1] for output='sigmoid', got values "
                         f"from {Y.min()} to {Y.max()}")
    return (X, Y, parameters, learning_rate, mini_batch_size, seed, hidden_activation, output,
            callback)
