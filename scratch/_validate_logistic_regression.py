"""Input checks of :mod:`scratch.logistic_regression` (course 1, week 2).

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`: each raises ValueError saying what was expected and what was
given, and returns the arguments to use (X, Y as 2-D arrays; a rank-1 Y is accepted where
the course's ``model`` test passes one).
"""
from __future__ import annotations

import numpy as np

from ._validate import check_column, check_X, check_XY


def check_initialize_with_zeros(dim):
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool) or dim < 1:
        raise ValueError(f"initialize_with_zeros: expected a positive integer dim, got {dim!r}")
    return (int(dim),)


def check_propagate(w, b, X, Y):
    """w (n_x, 1), b a scalar, X (n_x, m), Y (1, m)."""
    X, Y = check_XY(X, Y)
    w = check_column("w", w, X.shape[0])
    if np.ndim(b) != 0:
        raise ValueError(f"b: expected a scalar, got an array of shape {np.shape(b)}")
    return w, b, X, Y


def check_optimize(w, b, X, Y, num_iterations, learning_rate, print_cost):
    return (*check_propagate(w, b, X, Y), num_iterations, learning_rate, print_cost)


def check_predict(w, b, X):
    X = check_X(X)
    return check_column("w", w, X.shape[0]), b, X


def check_model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, print_cost):
    X_train, Y_train = check_XY(X_train, Y_train, allow_rank1_Y=True)
    X_test, Y_test = check_XY(X_test, Y_test, n_x=X_train.shape[0], allow_rank1_Y=True)
    return X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, print_cost
