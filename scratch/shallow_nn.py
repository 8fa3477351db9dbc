"""Week 3: a neural network with one hidden layer (tanh), sigmoid output.

Shapes: X (n_x, m), Y (n_y, m); W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).

Forward:   Z1 = W1 X + b1;  A1 = tanh(Z1);  Z2 = W2 A1 + b2;  A2 = sigma(Z2)
Cost:      J = -(1/m) sum(Y log A2 + (1 - Y) log(1 - A2))
Backward:  dZ2 = A2 - Y
           dW2 = (1/m) dZ2 A1^T;            db2 = (1/m) sum(dZ2, axis=1)
           dZ1 = W2^T dZ2 * (1 - A1^2)      (tanh'(Z1) = 1 - A1^2)
           dW1 = (1/m) dZ1 X^T;             db1 = (1/m) sum(dZ1, axis=1)
Update:    W := W - alpha dW;  b := b - alpha db
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_shallow_nn import (
    check_backward_propagation,
    check_compute_cost,
    check_forward_propagation,
    check_gradient_descent,
    check_initialize_parameters,
    check_layer_sizes,
    check_nn_model,
    check_update_parameters,
)
from .activations import sigmoid_value
from .cost import cross_entropy


@checked(check_layer_sizes)
def layer_sizes(X, Y):
    """(n_x, n_h, n_y) = (X.shape[0], 4, Y.shape[0]); the hidden size is fixed at 4 here."""
    return (X.shape[0], 4, Y.shape[0])


@checked(check_initialize_parameters)
def initialize_parameters(n_x, n_h, n_y):
    """W1 = randn(n_h, n_x) * 0.01, b1 = 0, W2 = randn(n_y, n_h) * 0.01, b2 = 0.

    Random W breaks the symmetry between hidden units; small W keeps tanh and
    sigmoid away from their flat, saturated ends. Draws from the global NumPy
    random state (W1 first): seed it first for reproducible runs.
    """
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


@checked(check_forward_propagation)
def forward_propagation(X, parameters):
    """Z1 = W1 X + b1, A1 = tanh(Z1), Z2 = W2 A1 + b2, A2 = sigma(Z2).

    Returns:
        (A2, cache): A2 (n_y, m); cache {"Z1", "A1", "Z2", "A2"}.
    """
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid_value(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


@checked(check_compute_cost)
def compute_cost(A2, Y):
    """J = -(1/m) sum(Y log A2 + (1 - Y) log(1 - A2)), as a Python float.

    Logs are clamped at -100 (see :mod:`scratch.cost`); Y may be boolean.
    """
    return float(cross_entropy(A2, Y))


@checked(check_backward_propagation)
def backward_propagation(parameters, cache, X, Y):
    """Gradients of J (the module docstring derives them).

    Returns {"dW1", "db1", "dW2", "db2"}, each shaped like its parameter.
    """
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * np.dot(dZ2, A1.T)
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - A1 ** 2)
    dW1 = (1 / m) * np.dot(dZ1, X.T)
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


@checked(check_update_parameters)
def update_parameters(parameters, grads, learning_rate=1.2):
    """W := W - alpha dW, b := b - alpha db; returns a new dict."""
    return {k: parameters[k] - learning_rate * grads["d" + k]
            for k in ("W1", "b1", "W2", "b2")}


@checked(check_gradient_descent)
def gradient_descent(X, Y, parameters, num_iterations=10000, learning_rate=1.2,
                     print_cost=False, callback=None):
    """Run num_iterations steps of batch gradient descent from ``parameters``.

    Returns (parameters, costs) with costs[i] the cost at iteration i (before
    that iteration's update). ``callback(i, cost, parameters)``, if given, is
    called after each update (the CLI's progress bar).
    """
    costs = []
    for i in range(num_iterations):
        A2, cache = forward_propagation.unchecked(X, parameters)
        cost = compute_cost.unchecked(A2, Y)
        grads = backward_propagation.unchecked(parameters, cache, X, Y)
        parameters = update_parameters.unchecked(parameters, grads, learning_rate)
        costs.append(cost)
        if print_cost and i % 1000 == 0:
            print(f"Cost after iteration {i}: {cost:f}")
        if callback is not None:
            callback(i, cost, parameters)
    return parameters, costs


@checked(check_nn_model)
def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    """The week-3 model: ``np.random.seed(3)``, initialise, then gradient descent at lr 1.2.

    Returns the learnt parameters.
    """
    np.random.seed(3)
    n_x, n_y = X.shape[0], Y.shape[0]
    parameters = initialize_parameters(n_x, n_h, n_y)
    parameters, _ = gradient_descent(X, Y, parameters, num_iterations, 1.2, print_cost)
    return parameters


def predict(parameters, X):
    """Predictions (1, m) of 0./1.: 1 where A2 > 0.5."""
    A2, _ = forward_propagation(X, parameters)
    return (A2 > 0.5).astype(np.float64)
