"""Input checks of :mod:`scratch.gradient_checking` (course 2, week 1: gradient checking).

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`, built from the week's shared checks in
:mod:`scratch._validate_c2w1`: each raises ValueError saying what was expected and what
was given. Flattening and unflattening read each layer, not how the layers chain.
"""
from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_matrix, check_layers
from ._validate_c2w1 import check_backward_inputs, check_gradients, check_X_labels

#: the course's hard-coded network of ``vector_to_dictionary``: [n_x, n1, n2, n3]
COURSE_LAYERS_DIMS = (4, 5, 3, 1)


def _check_scalars(**values):
    for name, value in values.items():
        if np.ndim(value) != 0 or not np.isfinite(value) or isinstance(value, bool):
            raise ValueError(f"{name}: expected a finite real number, got {value!r}")


def _check_epsilon(epsilon):
    if not isinstance(epsilon, numbers.Real) or not 0 < epsilon < 1:
        raise ValueError(f"epsilon: expected a small positive number (the course uses 1e-7), "
                         f"got {epsilon!r}")


def check_gradient_check(x, theta, epsilon, print_msg):
    _check_scalars(x=x, theta=theta)
    _check_epsilon(epsilon)


def check_vector_to_dictionary(theta, layers_dims):
    theta = as_matrix("theta", theta, finite=False)
    dims = list(COURSE_LAYERS_DIMS if layers_dims is None else layers_dims)
    if (len(dims) < 2 or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool)
                                 and n >= 1 for n in dims)):
        raise ValueError(f"layers_dims: expected at least two positive integers, got {layers_dims!r}")
    n = sum(dims[l] * dims[l - 1] + dims[l] for l in range(1, len(dims)))
    if theta.shape != (n, 1):
        raise ValueError(f"theta: expected a column of {n} values ({n}, 1) for layers_dims "
                         f"{dims}, got shape {theta.shape}")


def check_gradient_check_n(parameters, gradients, X, Y, epsilon, print_msg):
    check_X_labels(X, Y, parameters)
    check_gradients(gradients, parameters)
    _check_epsilon(epsilon)


def check_x_theta(x, theta):
    """The one-dimensional J(theta) = theta x and its derivative: two finite real numbers."""
    _check_scalars(x=x, theta=theta)


def check_dictionary_to_vector(parameters):
    check_layers(parameters)


def check_gradients_to_vector(gradients):
    check_layers({k[1:]: v for k, v in gradients.items()
                  if isinstance(k, str) and k[:2] in ("dW", "db")})


def check_forward_propagation_n(X, Y, parameters):
    check_X_labels(X, Y, parameters)


def check_backward_propagation_n(X, Y, cache):
    check_backward_inputs(X, Y, cache)
