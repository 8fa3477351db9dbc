"""Course 2, week 1: L2 regularization and dropout on a three-layer network.

Net [n_x, 20, 3, 1], LINEAR-RELU-LINEAR-RELU-LINEAR-SIGMOID, shapes as in course 1:
X (n_x, m); W[l] (n[l], n[l-1]); b[l] (n[l], 1); Z[l], A[l] (n[l], m). The plain
network and its helpers (the course's ``reg_utils``: ``forward_propagation``,
``backward_propagation``, ``update_parameters``, ``predict``, ``predict_dec``) are
:mod:`scratch.initialization`'s, imported; ``compute_cost`` is its ``compute_loss``.

L2 regularization (biases are not penalised):
    J_reg = J + lambd / (2 m) (||W1||_F^2 + ||W2||_F^2 + ||W3||_F^2)
    dW[l] = (1/m) dZ[l] A[l-1]^T + (lambd / m) W[l]      (db[l] unchanged)
    With the update W := W - alpha dW this is W := (1 - alpha lambd / m) W - alpha (...):
    "weight decay".

Inverted dropout on the hidden layers (none on the output):
    D[l] = rand(n[l], m) < keep_prob;  A[l] = A[l] * D[l] / keep_prob
    backward: dA[l] = dA[l] * D[l] / keep_prob  (the same mask, the same scale)
    Dividing by keep_prob keeps E[A[l]] unchanged, so the network needs no
    rescaling at test time (where no unit is dropped).

The course's quirk, kept: ``forward_propagation_with_dropout`` calls
``np.random.seed(1)`` itself, so every call (every training iteration) draws the
same masks D1, D2.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_regularization import (
    check_backward_propagation_with_dropout,
    check_backward_propagation_with_regularization,
    check_compute_cost_with_regularization,
    check_forward_propagation_with_dropout,
    check_initialize_parameters,
    check_model,
)
from .initialization import (  # noqa: F401  (re-exported: the course's reg_utils names)
    _relu,
    _sigmoid,
    backward_propagation,
    compute_loss as compute_cost,
    forward_propagation,
    predict,
    predict_dec,
    update_parameters,
)

__all__ = ["initialize_parameters", "compute_cost", "compute_cost_with_regularization",
           "backward_propagation_with_regularization", "forward_propagation_with_dropout",
           "backward_propagation_with_dropout", "forward_propagation", "backward_propagation",
           "update_parameters", "predict", "predict_dec", "model"]


@checked(check_initialize_parameters)
def initialize_parameters(layer_dims):
    """``np.random.seed(3)``; W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1]), b[l] = 0.

    Returns {"W1", "b1", ..., "WL", "bL"}.
    """
    np.random.seed(3)
    parameters = {}
    L = len(layer_dims)
    for l in range(1, L):
        parameters['W' + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])
        parameters['b' + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


# ----------------------------------------------------------------------------- L2
@checked(check_compute_cost_with_regularization)
def compute_cost_with_regularization(A3, Y, parameters, lambd):
    """J_reg = J + lambd / (2 m) (sum W1^2 + sum W2^2 + sum W3^2), a NumPy scalar as the
    course's (np.float64 for float64 inputs, shape (): its test checks the shape).

    J is :func:`compute_cost` (the course's nansum cross-entropy); biases are not
    penalised.

    Args:
        A3: (1, m).  Y: (1, m).  parameters: {"W1", ..., "b3"}.  lambd: >= 0.
    """
    m = A3.shape[1]
    W1 = parameters["W1"]
    W2 = parameters["W2"]
    W3 = parameters["W3"]

    cross_entropy_cost = compute_cost(A3, Y)
    L2_regularization_cost = (1. / m * lambd / 2) * (np.sum(np.square(W1)) + np.sum(np.square(W2)) + np.sum(np.square(W3)))

    cost = cross_entropy_cost + L2_regularization_cost
    return cost


@checked(check_backward_propagation_with_regularization)
def backward_propagation_with_regularization(X, Y, cache, lambd):
    """Backward pass of :func:`forward_propagation` for the L2-regularized cost.

    dZ3 = A3 - Y;  dW3 = (1/m) dZ3 A2^T + (lambd/m) W3;  db3 = (1/m) sum(dZ3, axis=1)
    dA2 = W3^T dZ3;  dZ2 = dA2 * 1[A2 > 0];  dW2 = (1/m) dZ2 A1^T + (lambd/m) W2;  db2 ...
    dA1 = W2^T dZ2;  dZ1 = dA1 * 1[A1 > 0];  dW1 = (1/m) dZ1 X^T + (lambd/m) W1;   db1 ...

    Args:
        X: (n_x, m).  Y: (1, m).  cache: (Z1, A1, W1, b1, ..., Z3, A3, W3, b3).  lambd: >= 0.
    Returns:
        {"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"}.
    """
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T) + (lambd / m) * W3
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)

    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T) + (lambd / m) * W2
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)

    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T) + (lambd / m) * W1
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)

    gradients = {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2,
                 "dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1,
                 "dZ1": dZ1, "dW1": dW1, "db1": db1}
    return gradients


# ----------------------------------------------------------------------------- dropout
@checked(check_forward_propagation_with_dropout)
def forward_propagation_with_dropout(X, parameters, keep_prob=0.5, *, masks=None):
    """LINEAR -> RELU + DROPOUT -> LINEAR -> RELU + DROPOUT -> LINEAR -> SIGMOID.

    ``np.random.seed(1)`` first (the course's; every call draws the same masks), then
    D1 = rand(n1, m) < keep_prob; A1 = A1 * D1 / keep_prob; D2 likewise for A2.

    Args:
        X: (n_x, m).  parameters: {"W1", ..., "b3"}.  keep_prob: in (0, 1].
        masks: keyword-only, beyond the course's signature: {"D1": (n1, m), "D2": (n2, m)}
            (bool or 0/1) used instead of the drawn ones (the draws still happen, so the
            global generator moves as in the course): how masks drawn elsewhere (by
            ``nn.Dropout``) are replayed here.
    Returns:
        (A3, cache): A3 (1, m); cache = (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3,
        W3, b3) with D1, D2 boolean (n[l], m) and A1, A2 the dropped, rescaled activations.
    """
    np.random.seed(1)

    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    W3 = parameters["W3"]
    b3 = parameters["b3"]

    Z1 = np.dot(W1, X) + b1
    A1 = _relu(Z1)
    D1 = np.random.rand(A1.shape[0], A1.shape[1])
    D1 = (D1 < keep_prob) if masks is None else np.asarray(masks["D1"], dtype=bool)
    A1 = A1 * D1
    A1 = A1 / keep_prob

    Z2 = np.dot(W2, A1) + b2
    A2 = _relu(Z2)
    D2 = np.random.rand(A2.shape[0], A2.shape[1])
    D2 = (D2 < keep_prob) if masks is None else np.asarray(masks["D2"], dtype=bool)
    A2 = A2 * D2
    A2 = A2 / keep_prob

    Z3 = np.dot(W3, A2) + b3
    A3 = _sigmoid(Z3)

    cache = (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)
    return A3, cache


@checked(check_backward_propagation_with_dropout)
def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    """Backward pass of :func:`forward_propagation_with_dropout`: the same masks again.

    dZ3 = A3 - Y;  dW3 = (1/m) dZ3 A2^T;  db3 = (1/m) sum(dZ3, axis=1)
    dA2 = W3^T dZ3;  dA2 = dA2 * D2 / keep_prob;  dZ2 = dA2 * 1[A2 > 0];  dW2, db2 ...
    dA1 = W2^T dZ2;  dA1 = dA1 * D1 / keep_prob;  dZ1 = dA1 * 1[A1 > 0];  dW1, db1 ...

    Args:
        X: (n_x, m).  Y: (1, m).  cache: from :func:`forward_propagation_with_dropout`.
        keep_prob: the forward pass's, in (0, 1].
    Returns:
        {"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"}.
    """
    m = X.shape[1]
    (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T)
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dA2 = dA2 * D2
    dA2 = dA2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T)
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)

    dA1 = np.dot(W2.T, dZ2)
    dA1 = dA1 * D1
    dA1 = dA1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)

    gradients = {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2,
                 "dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1,
                 "dZ1": dZ1, "dW1": dW1, "db1": db1}
    return gradients


# ----------------------------------------------------------------------------- the model
@checked(check_model)
def model(X, Y, learning_rate=0.3, num_iterations=30000, print_cost=True, lambd=0, keep_prob=1,
          *, costs=None):
    """The week's model: [n_x, 20, 3, 1], full-batch gradient descent, with L2 (lambd > 0),
    dropout (keep_prob < 1) or neither.

    Each iteration: forward (with dropout if keep_prob < 1), cost (with the L2 term if
    lambd != 0), the matching backward, update. The cost is printed every 10000
    iterations and recorded every 1000 (appended to ``costs`` when a list is given:
    keyword-only, beyond the course's signature). Init: :func:`initialize_parameters`
    (seed 3, randn / sqrt(n[l-1])).

    Returns:
        parameters {"W1", "b1", "W2", "b2", "W3", "b3"}.
    """
    layers_dims = [X.shape[0], 20, 3, 1]
    parameters = initialize_parameters(layers_dims)

    for i in range(0, num_iterations):
        if keep_prob == 1:
            a3, cache = forward_propagation(X, parameters)
        elif keep_prob < 1:
            a3, cache = forward_propagation_with_dropout(X, parameters, keep_prob)

        if lambd == 0:
            cost = compute_cost(a3, Y)
        else:
            cost = compute_cost_with_regularization(a3, Y, parameters, lambd)

        if lambd == 0 and keep_prob == 1:
            grads = backward_propagation(X, Y, cache)
        elif lambd != 0:
            grads = backward_propagation_with_regularization(X, Y, cache, lambd)
        elif keep_prob < 1:
            grads = backward_propagation_with_dropout(X, Y, cache, keep_prob)

        parameters = update_parameters(parameters, grads, learning_rate)

        if print_cost and i % 10000 == 0:
            print("Cost after iteration {}: {}".format(i, cost))
        if costs is not None and i % 1000 == 0:
            costs.append(cost)
    return parameters