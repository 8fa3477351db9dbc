"""Input checks of :mod:`scratch.regularization` (course 2, week 1: L2 and dropout).

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`, built from the week's shared checks in
:mod:`scratch._validate_c2w1`: each raises ValueError saying what was expected and what
was given. The L2 cost reads W1, W2, W3 only (no forward pass happens there).
"""
from __future__ import annotations

import numpy as np

from ._validate_c2w1 import (
    DROPOUT_CACHE_NAMES,
    check_backward_inputs,
    check_cost_inputs,
    check_keep_prob,
    check_lambd,
    check_layers_dims,
    check_masks,
    check_model_inputs,
    check_weights,
    check_X_parameters,
)


def check_initialize_parameters(layer_dims):
    return (check_layers_dims(layer_dims),)


def check_compute_cost_with_regularization(A3, Y, parameters, lambd):
    check_cost_inputs(A3, Y)
    check_weights(parameters)
    check_lambd(lambd)


def check_backward_propagation_with_regularization(X, Y, cache, lambd):
    check_backward_inputs(X, Y, cache)
    check_lambd(lambd)


def check_forward_propagation_with_dropout(X, parameters, keep_prob, *, masks):
    check_X_parameters(X, parameters)
    check_keep_prob(keep_prob)
    if masks is not None:
        check_masks(masks, [np.shape(parameters["W1"])[0], np.shape(parameters["W2"])[0]],
                    np.shape(X)[1])


def check_backward_propagation_with_dropout(X, Y, cache, keep_prob):
    check_backward_inputs(X, Y, cache, DROPOUT_CACHE_NAMES)
    check_keep_prob(keep_prob)


def check_model(X, Y, learning_rate, num_iterations, print_cost, lambd, keep_prob, *, costs):
    check_model_inputs(X, Y, learning_rate, num_iterations)
    check_lambd(lambd)
    check_keep_prob(keep_prob)
    if lambd != 0 and keep_prob != 1:
        raise ValueError(f"model: expected L2 (lambd > 0) or dropout (keep_prob < 1), not both "
                         f"(the course's model does one at a time), got lambd={lambd!r} and "
                         f"keep_prob={keep_prob!r}")
