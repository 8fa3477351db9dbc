"""Input checks of :mod:`scratch.initialization` (course 2, week 1: initialization).

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`, built from the week's shared checks in
:mod:`scratch._validate_c2w1`: each raises ValueError saying what was expected and what
was given.
"""
from __future__ import annotations

from ._validate_c2w1 import (
    check_backward_inputs,
    check_cost_inputs,
    check_gradients,
    check_layers_dims,
    check_model_inputs,
    check_X_labels,
    check_X_parameters,
)

INITIALIZATIONS = ("zeros", "random", "he")


def check_initialize(layers_dims):
    """Each of the three initialisations: [n_x, n[1], ..., n[L]], positive integers."""
    return (check_layers_dims(layers_dims),)


def check_forward_propagation(X, parameters):
    check_X_parameters(X, parameters)


def check_compute_loss(a3, Y):
    check_cost_inputs(a3, Y)


def check_backward_propagation(X, Y, cache):
    check_backward_inputs(X, Y, cache)


def check_update_parameters(parameters, grads, learning_rate):
    check_gradients(grads, parameters)


def check_predict(X, y, parameters):
    check_X_labels(X, y, parameters, "y")


def check_model(X, Y, learning_rate, num_iterations, print_cost, initialization, *, costs):
    check_model_inputs(X, Y, learning_rate, num_iterations,
                       initialization=(initialization, INITIALIZATIONS))
