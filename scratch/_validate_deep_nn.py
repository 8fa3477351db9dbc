"""Input checks of :mod:`scratch.deep_nn` (course 1, week 4: the L-layer network).

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`: each raises ValueError saying what was expected and what was
given, and returns the arguments to use. What the course's own tests pass is accepted:
random AL and non-binary Y in L_model_backward and the application models, parameter
dicts whose layers do not chain in update_parameters (an update works layer by layer).
"""
from __future__ import annotations

import numpy as np

from ._validate import (as_matrix, check_layers, check_parameters, check_same_shape, check_X,
                        check_XY)
from .activations import get_activation


def check_dims(layer_dims) -> list[int]:
    """[n_x, n[1], ..., n[L]]: at least two positive integers."""
    dims = list(layer_dims)
    if len(dims) < 2 or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                                and n >= 1 for n in dims):
        raise ValueError(f"layer_dims: expected at least two positive integers "
                         f"[n_x, ..., n_y], got {layer_dims!r}")
    return [int(n) for n in dims]


def check_initialize_parameters(n_x, n_h, n_y):
    return tuple(check_dims([n_x, n_h, n_y]))


def check_initialize_parameters_deep(layer_dims):
    return (check_dims(layer_dims),)


def check_initialize_parameters_scaled(layer_dims, seed):
    return check_dims(layer_dims), seed


def check_linear_forward(A, W, b):
    A = as_matrix("A", A, finite=False)
    W = as_matrix("W", W, finite=False)
    if A.shape[0] != W.shape[1]:
        raise ValueError(f"linear_forward: W {W.shape} expects A with {W.shape[1]} rows, "
                         f"got A {A.shape}")
    b = np.asarray(b)
    if b.shape != (W.shape[0], 1):
        raise ValueError(f"linear_forward: expected b of shape ({W.shape[0]}, 1), got {b.shape}")
    return A, W, b


def check_L_model_forward(X, parameters, hidden_activation):
    get_activation(hidden_activation)
    check_parameters(parameters)
    return check_X(X, parameters["W1"].shape[1]), parameters, hidden_activation


def check_compute_cost(AL, Y):
    AL = as_matrix("AL", AL, finite=False)
    Y = as_matrix("Y", Y, finite=False)
    check_same_shape("AL", AL, "Y", Y)
    return AL, Y


def check_linear_backward(dZ, cache):
    A_prev, W, b = cache
    dZ = np.asarray(dZ)
    if dZ.ndim != 2 or dZ.shape != (W.shape[0], A_prev.shape[1]):
        raise ValueError(f"linear_backward: expected dZ of shape {(W.shape[0], A_prev.shape[1])} "
                         f"(n[l], m), got {dZ.shape}")
    return dZ, cache


def check_L_model_backward(AL, Y, caches, hidden_activation):
    get_activation(hidden_activation)
    AL = as_matrix("AL", AL, finite=False)
    Y = np.asarray(Y)
    if Y.size != AL.size:
        raise ValueError(f"L_model_backward: Y must have the shape of AL {AL.shape}, got {Y.shape}")
    if not isinstance(caches, (list, tuple)) or not caches:
        raise ValueError(f"L_model_backward: expected the list of caches from L_model_forward, "
                         f"got {type(caches).__name__}")
    return AL, Y, caches, hidden_activation


def check_update_parameters(params, grads, learning_rate):
    L = check_layers(params)          # layer by layer: the update needs no chaining
    for l in range(1, L + 1):
        for key in (f"dW{l}", f"db{l}"):
            if key not in grads:
                raise ValueError(f"update_parameters: grads is missing {key!r}; got {sorted(grads)}")


def check_gradient_descent(X, Y, parameters, learning_rate, num_iterations, hidden_activation,
                           print_cost, callback):
    get_activation(hidden_activation)
    L = check_parameters(parameters)
    X, Y = check_XY(X, Y, n_x=parameters["W1"].shape[1], n_y=parameters[f"W{L}"].shape[0])
    return (X, Y, parameters, learning_rate, num_iterations, hidden_activation, print_cost,
            callback)


def check_two_layer_model(X, Y, layers_dims, learning_rate, num_iterations, print_cost):
    """The dimensions; the data are checked by gradient_descent against the parameters."""
    return X, Y, check_dims(layers_dims), learning_rate, num_iterations, print_cost
