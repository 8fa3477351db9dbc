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

from ._validate import checked
from ._validate_multiclass import (  # noqa: F401  (OUTPUTS: re-exported)
    OUTPUTS,
    check_compute_cost_multiclass,
    check_initialize_parameters_he,
    check_L_model_backward_multiclass,
    check_L_model_forward_multiclass,
    check_one_hot,
    check_softmax,
    check_softmax_backward,
    check_train_epoch,
)
from .activations import get_activation
from .cost import clamped_log
from .deep_nn import (
    L_model_backward,
    L_model_forward,
    _backward_from_dZL,
    compute_cost,
    linear_forward,
    update_parameters,
)
from .optimization import random_mini_batches  # course 2's, written once (re-exported)


# ----------------------------------------------------------------------------- softmax
@checked(check_softmax)
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
    t = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    A = t / np.sum(t, axis=0, keepdims=True)
    return A, Z


@checked(check_softmax_backward)
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
    A, _ = softmax.unchecked(Z)
    return A * (dA - np.sum(A * dA, axis=0, keepdims=True))


# ----------------------------------------------------------------------------- labels
@checked(check_one_hot)
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
    y = labels                      # the m labels as integers (m,), by the check
    Y = np.zeros((C, y.size), dtype=dtype)
    Y[y, np.arange(y.size)] = 1
    return Y


# ----------------------------------------------------------------------------- cost
@checked(check_compute_cost_multiclass)
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
    m = AL.shape[1]
    return np.squeeze(-np.sum(Y * clamped_log(AL), keepdims=True) / m)  # 0-d ndarray


# ----------------------------------------------------------------------------- forward, backward
@checked(check_L_model_forward_multiclass)
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
    forward, _ = get_activation(hidden_activation)
    caches = []
    A = X
    L = len(parameters) // 2                  # week 4's loop, a softmax output layer
    for l in range(1, L):
        A_prev = A
        Z, linear_cache = linear_forward.unchecked(A_prev, parameters[f"W{l}"], parameters[f"b{l}"])
        A, activation_cache = forward(Z)
        caches.append((linear_cache, activation_cache))
    Z, linear_cache = linear_forward.unchecked(A, parameters[f"W{L}"], parameters[f"b{L}"])
    AL, activation_cache = softmax.unchecked(Z)          # the cache of layer L is Z[L]
    caches.append((linear_cache, activation_cache))
    return AL, caches


@checked(check_L_model_backward_multiclass)
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
    dZL = AL - Y                     # softmax + categorical cross-entropy, Y one-hot
    return _backward_from_dZL(dZL, caches, hidden_activation)


# ----------------------------------------------------------------------------- initialisation
@checked(check_initialize_parameters_he)
def initialize_parameters_he(layer_dims, seed=3):
    """He initialisation: ``np.random.seed(seed)``; for l = 1..L:
    W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1]);  b[l] = zeros((n[l], 1)).

    Var(W[l]) = 2 / n[l-1] keeps Var(Z[l]) steady through ReLU layers (ReLU
    zeroes half of its inputs, hence the 2). Seed 3 is the course's.

    Returns {"W1", "b1", ..., "WL", "bL"} with L = len(layer_dims) - 1.
    """
    dims = layer_dims
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) * np.sqrt(2 / dims[l - 1])
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


# ----------------------------------------------------------------------------- training
@checked(check_train_epoch)
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
    costs = []
    for t, (X_t, Y_t) in enumerate(random_mini_batches(X, Y, mini_batch_size, seed)):
        if output == "softmax":
            AL, caches = L_model_forward_multiclass.unchecked(X_t, parameters, hidden_activation)
            cost = compute_cost_multiclass.unchecked(AL, Y_t)
            grads = L_model_backward_multiclass.unchecked(AL, Y_t, caches, hidden_activation)
        else:
            AL, caches = L_model_forward.unchecked(X_t, parameters, hidden_activation)
            cost = compute_cost.unchecked(AL, Y_t)
            grads = L_model_backward.unchecked(AL, Y_t, caches, hidden_activation)
        parameters = update_parameters.unchecked(parameters, grads, learning_rate)
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
