"""Course 2, week 1: initialization (zeros, large random, He) of a three-layer network.

The network (and its helpers, the course's ``init_utils``), shapes as in course 1:
X (n_x, m); W[l] (n[l], n[l-1]); b[l] (n[l], 1); Z[l], A[l] (n[l], m); net [2, 10, 5, 1].

Forward:   Z1 = W1 X + b1;  A1 = relu(Z1);  Z2 = W2 A1 + b2;  A2 = relu(Z2)
           Z3 = W3 A2 + b3; A3 = sigmoid(Z3)
Cost:      J = (1/m) nansum(-Y log A3 - (1 - Y) log(1 - A3))
Backward:  dZ3 = (1/m) (A3 - Y)          (the 1/m enters here, so dW, db carry none)
           dW3 = dZ3 A2^T;  db3 = sum(dZ3, axis=1);  dA2 = W3^T dZ3;  dZ2 = dA2 * 1[A2 > 0]
           dW2 = dZ2 A1^T;  db2 = sum(dZ2, axis=1);  dA1 = W2^T dZ2;  dZ1 = dA1 * 1[A1 > 0]
           dW1 = dZ1 X^T;   db1 = sum(dZ1, axis=1)
Update:    W[l] := W[l] - alpha dW[l];  b[l] := b[l] - alpha db[l]

Initialisations (``np.random.seed(3)`` inside the random ones; only the W's draw):
    zeros:   W[l] = 0, b[l] = 0          (every unit of a layer stays the same: symmetry)
    random:  W[l] = randn(n[l], n[l-1]) * 10
    He:      W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1])

The course's quirks, kept: the cost uses ``np.nansum`` and no clamp, so a saturated
sigmoid (A3 exactly 0 or 1, as with the * 10 initialisation) gives log(0): the
term y log(0) with y = 0 is 0 * inf = nan and nansum drops it, while a wrong
saturated prediction gives inf (the random run's first cost is inf). The backward
pass never takes that log: it starts from dZ3 = (1/m) (A3 - Y), finite everywhere.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_initialization import (  # noqa: F401  (INITIALIZATIONS: re-exported)
    INITIALIZATIONS,
    check_backward_propagation,
    check_compute_loss,
    check_forward_propagation,
    check_initialize,
    check_model,
    check_predict,
    check_update_parameters,
)


def _sigmoid(x):
    # the course's 1 / (1 + e^{-x}); e^{-x} overflows to inf for x < -709, giving 0 as it should
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def _relu(x):
    return np.maximum(0, x)


# ----------------------------------------------------------------------------- initialisation
@checked(check_initialize)
def initialize_parameters_zeros(layers_dims):
    """W[l] = zeros((n[l], n[l-1])), b[l] = zeros((n[l], 1)) for l = 1..L.

    Args:
        layers_dims: [n_x, n[1], ..., n[L]].
    Returns:
        {"W1", "b1", ..., "WL", "bL"}.
    """
    parameters = {}
    L = len(layers_dims)
    for l in range(1, L):
        parameters['W' + str(l)] = np.zeros((layers_dims[l], layers_dims[l - 1]))
        parameters['b' + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


@checked(check_initialize)
def initialize_parameters_random(layers_dims):
    """``np.random.seed(3)``; W[l] = randn(n[l], n[l-1]) * 10, b[l] = 0 (W1, W2, ... in order).

    Returns {"W1", "b1", ..., "WL", "bL"}.
    """
    np.random.seed(3)
    parameters = {}
    L = len(layers_dims)
    for l in range(1, L):
        parameters['W' + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
        parameters['b' + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


@checked(check_initialize)
def initialize_parameters_he(layers_dims):
    """``np.random.seed(3)``; W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1]), b[l] = 0.

    Var(W[l]_jk) = 2 / n[l-1] keeps Var(Z[l]) near 2 Var(A[l-1]) / 2 through a
    ReLU (which zeroes half its inputs): the scale neither grows nor dies with depth.
    Returns {"W1", "b1", ..., "WL", "bL"}.
    """
    np.random.seed(3)
    parameters = {}
    L = len(layers_dims) - 1
    for l in range(1, L + 1):
        parameters['W' + str(l)] = (np.random.randn(layers_dims[l], layers_dims[l - 1])
                                    * np.sqrt(2. / layers_dims[l - 1]))
        parameters['b' + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


# ----------------------------------------------------------------------------- the network
@checked(check_forward_propagation)
def forward_propagation(X, parameters):
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID.

    Args:
        X: (n_x, m).  parameters: {"W1": (n1, n_x), "b1": (n1, 1), ..., "b3": (1, 1)}.
    Returns:
        (a3, cache): a3 (1, m); cache = (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3).
    """
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    W3 = parameters["W3"]
    b3 = parameters["b3"]

    z1 = np.dot(W1, X) + b1
    a1 = _relu(z1)
    z2 = np.dot(W2, a1) + b2
    a2 = _relu(z2)
    z3 = np.dot(W3, a2) + b3
    a3 = _sigmoid(z3)

    cache = (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)
    return a3, cache


@checked(check_compute_loss)
def compute_loss(a3, Y):
    """J = (1/m) nansum(-Y log a3 - (1 - Y) log(1 - a3)), a NumPy scalar (np.float64 for
    float64 inputs, shape ()), as the course's.

    No clamp: a saturated wrong prediction (a3 = 0 with y = 1, or 1 with y = 0)
    gives inf; the nan of 0 * log(0) is dropped by nansum.

    Args:
        a3: (1, m) probabilities.  Y: (1, m) labels.
    """
    m = a3.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
        loss = 1. / m * np.nansum(logprobs)
    return loss


@checked(check_backward_propagation)
def backward_propagation(X, Y, cache):
    """Backward pass of :func:`forward_propagation`, the 1/m in dz3.

    dz3 = (1/m) (a3 - Y); dW3 = dz3 a2^T; db3 = sum(dz3, axis=1, keepdims=True);
    da2 = W3^T dz3; dz2 = da2 * 1[a2 > 0]; dW2 = dz2 a1^T; db2 = sum(dz2, ...);
    da1 = W2^T dz2; dz1 = da1 * 1[a1 > 0]; dW1 = dz1 X^T; db1 = sum(dz1, ...).

    Args:
        X: (n_x, m).  Y: (1, m).  cache: from :func:`forward_propagation`.
    Returns:
        {"dz3", "dW3", "db3", "da2", "dz2", "dW2", "db2", "da1", "dz1", "dW1", "db1"}
        (the course's lower-case keys), each shaped like its variable.
    """
    m = X.shape[1]
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache

    dz3 = 1. / m * (a3 - Y)
    dW3 = np.dot(dz3, a2.T)
    db3 = np.sum(dz3, axis=1, keepdims=True)

    da2 = np.dot(W3.T, dz3)
    dz2 = np.multiply(da2, np.int64(a2 > 0))
    dW2 = np.dot(dz2, a1.T)
    db2 = np.sum(dz2, axis=1, keepdims=True)

    da1 = np.dot(W2.T, dz2)
    dz1 = np.multiply(da1, np.int64(a1 > 0))
    dW1 = np.dot(dz1, X.T)
    db1 = np.sum(dz1, axis=1, keepdims=True)

    gradients = {"dz3": dz3, "dW3": dW3, "db3": db3,
                 "da2": da2, "dz2": dz2, "dW2": dW2, "db2": db2,
                 "da1": da1, "dz1": dz1, "dW1": dW1, "db1": db1}
    return gradients


@checked(check_update_parameters)
def update_parameters(parameters, grads, learning_rate):
    """W[l] := W[l] - alpha dW[l]; b[l] := b[l] - alpha db[l], for l = 1..L.

    Returns a NEW dict (the input dict and its arrays are left unchanged).
    """
    new = {}
    L = len(parameters) // 2
    for k in range(L):
        new["W" + str(k + 1)] = parameters["W" + str(k + 1)] - learning_rate * grads["dW" + str(k + 1)]
        new["b" + str(k + 1)] = parameters["b" + str(k + 1)] - learning_rate * grads["db" + str(k + 1)]
    return new


@checked(check_predict)
def predict(X, y, parameters):
    """p = 1[a3 > 0.5] (1, m) of int; prints "Accuracy: " mean(p == y), as the course."""
    a3, caches = forward_propagation(X, parameters)
    p = (a3 > 0.5).astype(int)
    print("Accuracy: " + str(np.mean((p[0, :] == np.reshape(y, (1, -1))[0, :]))))
    return p


def predict_dec(parameters, X):
    """Predictions a3 > 0.5 (1, m) of bool: what the course's decision-boundary plot draws."""
    a3, cache = forward_propagation(X, parameters)
    predictions = (a3 > 0.5)
    return predictions


# ----------------------------------------------------------------------------- the model
@checked(check_model)
def model(X, Y, learning_rate=0.01, num_iterations=15000, print_cost=True, initialization="he",
          *, costs=None):
    """The week's three-layer model, [n_x, 10, 5, 1], full-batch gradient descent.

    Each iteration: a3 = forward; cost = :func:`compute_loss`; grads = backward;
    parameters = update. The cost is printed (and appended to ``costs`` when a list
    is given: keyword-only, beyond the course's signature, so a test can read the
    published numbers) at every iteration i with i % 1000 == 0.

    Args:
        X: (n_x, m).  Y: (1, m).
        initialization: "zeros", "random" or "he".
    Returns:
        parameters {"W1", "b1", "W2", "b2", "W3", "b3"}.
    """
    layers_dims = [np.shape(X)[0], 10, 5, 1]

    if initialization == "zeros":
        parameters = initialize_parameters_zeros(layers_dims)
    elif initialization == "random":
        parameters = initialize_parameters_random(layers_dims)
    elif initialization == "he":
        parameters = initialize_parameters_he(layers_dims)

    for i in range(num_iterations):
        a3, cache = forward_propagation(X, parameters)
        cost = compute_loss(a3, Y)
        grads = backward_propagation(X, Y, cache)
        parameters = update_parameters(parameters, grads, learning_rate)
        if i % 1000 == 0:
            if print_cost:
                print("Cost after iteration {}: {}".format(i, cost))
            if costs is not None:
                costs.append(cost)
    return parameters