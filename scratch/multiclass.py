"""Beyond course 1: a softmax output for C classes, He initialisation and mini-batches
(the formulas of course 2, used here for MNIST).

Shapes: A[0] = X (n[0], m); W[l] (n[l], n[l-1]); b[l] (n[l], 1); Z[l], A[l] (n[l], m);
the output layer has n[L] = C units, one per class, and Y is one-hot (C, m).

Softmax, column by column:   t = e^{Z[L] - max_k Z[L]_k};  A[L] = t / sum_k t_k
Cost (categorical CE):       J = -(1/m) sum_i sum_k Y_ki log A[L]_ki
Start of backprop:           dZ[L] = A[L] - Y          (Y one-hot: each column sums to 1)
Then, as in week 4:          dZ[l] = dA[l] * g'(Z[l]); dW[l] = (1/m) dZ[l] A[l-1]^T;
                             db[l] = (1/m) sum(dZ[l], axis=1, keepdims=True); dA[l-1] = W[l]^T dZ[l]
He initialisation:           W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1]);  b[l] = 0
Mini-batch gradient descent: shuffle the columns of (X, Y) once per epoch, cut them into batches
                             of mini_batch_size (the last one partial), one update per batch.

The linear steps and hidden activations are :mod:`scratch.deep_nn`'s and
:mod:`scratch.activations`'s own functions, imported, not copied.
"""
from __future__ import annotations

import numpy as np

from ._validate import as_matrix, check_parameters, check_same_shape, check_X, check_XY
from .activations import get_activation
from .cost import clamped_log, cross_entropy
from .optimization import random_mini_batches  # noqa: F401  (course 2's, written once)
from .deep_nn import (
    _check_dims,
    _L_model_backward,
    _backward_from_dZL,
    _L_model_forward,
    _update_parameters,
)

OUTPUTS = ("softmax", "sigmoid")


# ----------------------------------------------------------------------------- softmax
def _softmax(Z):
    t = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return t / np.sum(t, axis=0, keepdims=True)


def softmax(Z):
    """A = softmax(Z), column by column: A_k = e^{Z_k - max_j Z_j} / sum_j e^{Z_j - max_j Z_j}.

    Subtracting the column's maximum changes nothing mathematically (it cancels
    between numerator and denominator) but keeps every exponent <= 0, so logits
    like 1e3 neither overflow nor warn; the largest entry's exponent is e^0 = 1,
    so the denominator is >= 1 and never 0.

    Args:
        Z: logits (C, m), one column per example; finite.
    Returns:
        (A, cache): A (C, m), each column positive(ish: entries may underflow to 0)
        and summing to 1; cache = Z.
    """
    Z = as_matrix("Z", Z)
    if not np.issubdtype(Z.dtype, np.floating):
        Z = Z.astype(np.float64)
    return _softmax(Z), Z


def softmax_backward(dA, cache):
    """dZ = J^T dA for the softmax Jacobian, column by column (a vector-Jacobian product).

    With dA_k/dZ_j = A_k (delta_kj - A_j):  dZ = A * (dA - sum_k(A_k dA_k)), i.e.
    ``dZ = A * (dA - np.sum(A * dA, axis=0, keepdims=True))``.
    With dA = -Y / A (the derivative of the loss -sum Y log A) and one-hot Y this
    is A - Y, the shortcut :func:`L_model_backward_multiclass` uses.

    Args:
        dA: gradient with respect to A, (C, m).  cache: Z from :func:`softmax`.
    Returns:
        dZ, (C, m).
    """
    Z = cache
    check_same_shape("dA", dA, "Z (cache)", Z)
    A = _softmax(Z)
    return A * (dA - np.sum(A * dA, axis=0, keepdims=True))


# ----------------------------------------------------------------------------- labels
def one_hot(labels, C, dtype=np.float64):
    """Y[k, i] = 1 if labels[i] == k else 0.

    Args:
        labels: m integer class labels in 0..C-1, shape (m,) or (1, m) (integral
            floats such as 3.0 are accepted).
        C: the number of classes.
        dtype: of the result (float64 by default; float32 to match float32 activations).
    Returns:
        Y (C, m).
    Raises:
        ValueError naming the bad values when a label is not an integer in 0..C-1.
    """
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
    y = y.astype(np.int64)
    Y = np.zeros((C, y.size), dtype=dtype)
    Y[y, np.arange(y.size)] = 1
    return Y


def _check_one_hot(Y, C):
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


# ----------------------------------------------------------------------------- cost
def _cost_multiclass(AL, Y):
    m = AL.shape[1]
    return np.squeeze(-np.sum(Y * clamped_log(AL), keepdims=True) / m)  # 0-d ndarray


def compute_cost_multiclass(AL, Y):
    """Categorical cross-entropy J = -(1/m) sum_i sum_k Y_ki log AL_ki, as a 0-d ndarray.

    Args:
        AL: softmax probabilities (C, m).  Y: one-hot labels (C, m) (see :func:`one_hot`).

    log(0): a probability that underflowed to exactly 0 (a logit 745 or more
    below its column's maximum, in float64) has its log clamped at -100, as in
    :mod:`scratch.cost` and ``nn.BCELoss``: Y = 0 there contributes 0 (not
    0 * -inf = nan), Y = 1 contributes 100.

    What is comparable with PyTorch: ``F.cross_entropy`` takes the logits and
    computes log softmax(Z)_k = Z_k - logsumexp(Z) directly, so it never takes the
    log of an underflowed probability. The two agree to rounding whenever the
    labelled class's probability exceeds e^-100 (about 3.7e-44); for a saturated
    wrong prediction torch returns the exact max(Z) - Z_y (e.g. 1000) and this
    function the clamp, 100.
    """
    AL = as_matrix("AL", AL, finite=False)
    Y = as_matrix("Y", Y, finite=False)
    check_same_shape("AL", AL, "Y", Y)
    return _cost_multiclass(AL, Y)


# ----------------------------------------------------------------------------- forward, backward
def _L_model_forward_multiclass(X, parameters, L, hidden_activation):
    # week 4's forward loop with a softmax output; the cache of layer L is Z[L]
    return _L_model_forward(X, parameters, L, hidden_activation,
                            output_forward=lambda Z: (_softmax(Z), Z))


def L_model_forward_multiclass(X, parameters, hidden_activation="relu"):
    """[LINEAR -> g] x (L-1) -> LINEAR -> SOFTMAX.

    A[0] = X; A[l] = g(W[l] A[l-1] + b[l]) for l < L; A[L] = softmax(W[L] A[L-1] + b[L]).

    Args:
        X: (n_x, m).  parameters: {"W1", "b1", ..., "WL", "bL"}, W[L] (C, n[L-1]).
        hidden_activation: "relu" (default), "tanh", "sigmoid" or "leaky_relu".
    Returns:
        (AL, caches): AL (C, m), columns summing to 1; caches a list of L caches
        ((A_prev, W, b), Z) as in :func:`scratch.deep_nn.L_model_forward`.
    """
    get_activation(hidden_activation)
    L = check_parameters(parameters)
    X = check_X(X, parameters["W1"].shape[1])
    return _L_model_forward_multiclass(X, parameters, L, hidden_activation)


def _L_model_backward_multiclass(AL, Y, caches, hidden_activation):
    dZL = AL - Y                     # softmax + categorical cross-entropy, Y one-hot
    return _backward_from_dZL(dZL, caches, hidden_activation)


def L_model_backward_multiclass(AL, Y, caches, hidden_activation="relu"):
    """Backward pass of :func:`L_model_forward_multiclass`.

    dZ[L] = A[L] - Y (softmax + categorical cross-entropy, Y one-hot); then for
    l = L-1..1: dZ[l] = dA[l] * g'(Z[l]); dW[l], db[l], dA[l-1] as in
    :func:`scratch.deep_nn.linear_backward`.

    Args:
        AL: (C, m) from the forward pass.  Y: one-hot (C, m) (cast to AL's dtype).
        caches: the list from :func:`L_model_forward_multiclass`.
    Returns:
        grads: {"dA0", ..., "dA(L-1)", "dW1", ..., "dWL", "db1", ..., "dbL"}; dA[l]
        is the per-example derivative (no 1/m), as in week 4.
    """
    get_activation(hidden_activation)
    AL = as_matrix("AL", AL, finite=False)
    Y = as_matrix("Y", Y, finite=False)
    check_same_shape("AL", AL, "Y", Y)
    _check_one_hot(Y, AL.shape[0])
    if not isinstance(caches, (list, tuple)) or not caches:
        raise ValueError(f"L_model_backward_multiclass: expected the list of caches from "
                         f"L_model_forward_multiclass, got {type(caches).__name__}")
    return _L_model_backward_multiclass(AL, Y.astype(AL.dtype, copy=False), caches,
                                        hidden_activation)


# ----------------------------------------------------------------------------- initialisation
def initialize_parameters_he(layer_dims, seed=3):
    """He initialisation: ``np.random.seed(seed)``; for l = 1..L:
    W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1]);  b[l] = zeros((n[l], 1)).

    Var(W[l]) = 2 / n[l-1] keeps Var(Z[l]) steady through ReLU layers (ReLU
    zeroes half of its inputs, hence the 2). Seed 3 is the course's.

    Returns {"W1", "b1", ..., "WL", "bL"} with L = len(layer_dims) - 1.
    """
    dims = _check_dims(layer_dims)
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) * np.sqrt(2 / dims[l - 1])
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


# ----------------------------------------------------------------------------- training
def train_epoch(X, Y, parameters, learning_rate, mini_batch_size=64, seed=0,
                hidden_activation="relu", output="softmax", callback=None):
    """One epoch of mini-batch gradient descent.

    For each (X{t}, Y{t}) of ``random_mini_batches(X, Y, mini_batch_size, seed)``,
    in order: forward, cost J{t} on that batch (its own 1/m_t), backward, then
    W[l] := W[l] - alpha dW[l], b[l] := b[l] - alpha db[l].

    Args:
        X: (n_x, m).  Y: one-hot (C, m) for output="softmax" (see :func:`one_hot`);
            (n[L], m) in [0, 1] for output="sigmoid" (the week-4 model and cost).
        parameters: {"W1", "b1", ..., "WL", "bL"} (not modified).
        learning_rate: alpha.  mini_batch_size, seed: as in :func:`random_mini_batches`.
        hidden_activation: "relu" (default), "tanh", "sigmoid" or "leaky_relu".
        callback: ``callback(t, cost, parameters)`` after the update of batch t;
            return True to stop the epoch there.
    Returns:
        (parameters, costs): the new parameters and the cost of each batch, computed
        before its update (0-d ndarrays).
    """
    get_activation(hidden_activation)
    if output not in OUTPUTS:
        raise ValueError(f"output: expected one of {', '.join(repr(o) for o in OUTPUTS)}, "
                         f"got {output!r}")
    L = check_parameters(parameters)
    n_out = parameters[f"W{L}"].shape[0]
    X, Y = check_XY(X, Y, n_x=parameters["W1"].shape[1], n_y=n_out)
    if output == "softmax":
        _check_one_hot(Y, n_out)
    elif np.any(Y < 0) or np.any(Y > 1):
        raise ValueError("Y: expected labels in [0, 1] for output='sigmoid', got values "
                         f"from {Y.min()} to {Y.max()}")
    costs = []
    for t, (X_t, Y_t) in enumerate(random_mini_batches(X, Y, mini_batch_size, seed)):
        if output == "softmax":
            AL, caches = _L_model_forward_multiclass(X_t, parameters, L, hidden_activation)
            cost = _cost_multiclass(AL, Y_t)
            grads = _L_model_backward_multiclass(AL, Y_t, caches, hidden_activation)
        else:
            AL, caches = _L_model_forward(X_t, parameters, L, hidden_activation)
            cost = cross_entropy(AL, Y_t)
            grads = _L_model_backward(AL, Y_t, caches, hidden_activation)
        parameters = _update_parameters(parameters, grads, learning_rate, L)
        costs.append(np.asarray(cost))
        if callback is not None and callback(t, cost, parameters):
            break
    return parameters, costs


def predict_multiclass(X, parameters, hidden_activation="relu"):
    """Predicted labels (m,): the most probable class, argmax_k A[L]_k, per column.

    (Rank 1, like the labels :func:`one_hot` takes; ties go to the lower class.)
    """
    AL, _ = L_model_forward_multiclass(X, parameters, hidden_activation)
    return np.argmax(AL, axis=0)
