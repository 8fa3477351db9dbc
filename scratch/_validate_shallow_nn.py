"""Input checks of :mod:`scratch.shallow_nn` (course 1, week 3: one hidden layer).

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`: each raises ValueError saying what was expected and what was
given, and returns the arguments to use (X, Y as 2-D arrays).
"""
from __future__ import annotations

import numpy as np

from ._validate import as_matrix, check_parameters, check_X, check_XY


def check_layer_sizes(X, Y):
    return check_XY(X, Y, n_y=None)


def check_initialize_parameters(n_x, n_h, n_y):
    for name, n in (("n_x", n_x), ("n_h", n_h), ("n_y", n_y)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"initialize_parameters: expected a positive integer {name}, got {n!r}")


def check_forward_propagation(X, parameters):
    check_parameters(parameters, L=2)
    return check_X(X, parameters["W1"].shape[1]), parameters


def check_compute_cost(A2, Y):
    A2 = as_matrix("A2", A2, finite=False)
    Y = as_matrix("Y", Y, finite=False)
    if A2.shape != Y.shape:
        raise ValueError(f"A2 and Y must have the same shape, got A2 {A2.shape} and Y {Y.shape}")
    return A2, Y


def _check_data(X, Y, parameters):
    """X (n_x, m) and Y (n_y, m) fit the two-layer parameters."""
    check_parameters(parameters, L=2)
    return check_XY(X, Y, n_x=parameters["W1"].shape[1], n_y=parameters["W2"].shape[0])


def check_backward_propagation(parameters, cache, X, Y):
    X, Y = _check_data(X, Y, parameters)
    return parameters, cache, X, Y


def check_update_parameters(parameters, grads, learning_rate):
    check_parameters(parameters, L=2)


def check_gradient_descent(X, Y, parameters, num_iterations, learning_rate, print_cost,
                           callback):
    X, Y = _check_data(X, Y, parameters)
    return X, Y, parameters, num_iterations, learning_rate, print_cost, callback


def check_nn_model(X, Y, n_h, num_iterations, print_cost):
    X, Y = check_XY(X, Y, n_y=None)
    return X, Y, n_h, num_iterations, print_cost
