"""Course 2, week 1: gradient checking, in one dimension and for the three-layer network.

Centred difference of the cost J(theta) in each coordinate i:

    gradapprox_i = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)

and the relative difference between it and backprop's gradient:

    difference = ||grad - gradapprox||_2 / (||grad||_2 + ||gradapprox||_2)

below ~2e-7 (the course's message threshold, eps = 1e-7): backprop is right; of
order 1e-1 or more: a formula is wrong. theta is the parameters unrolled into one
column: W1, b1, W2, b2, W3, b3, each flattened row-major (:func:`dictionary_to_vector`).

1-D:      J(theta) = theta x,  dJ/dtheta = x.
Network:  LINEAR-RELU-LINEAR-RELU-LINEAR-SIGMOID and the cross-entropy cost
          J = (1/m) sum(-Y log A3 - (1 - Y) log(1 - A3))  (np.sum, not nansum, here);
          backward from dZ3 = A3 - Y with the 1/m in each dW, db.

The course's ``backward_propagation_n`` carries two planted bugs (dW2 doubled, db1
with 4/m) for the student to find; this one is correct, and
``gradient_check_n`` on the course's test case gives 1.1890913024229996e-07 (the
buggy version gives 0.2850931567761623; the test file reproduces both).
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_gradient_checking import (  # noqa: F401  (COURSE_LAYERS_DIMS: re-exported)
    COURSE_LAYERS_DIMS,
    check_backward_propagation_n,
    check_dictionary_to_vector,
    check_forward_propagation_n,
    check_gradient_check,
    check_gradient_check_n,
    check_gradients_to_vector,
    check_vector_to_dictionary,
    check_x_theta,
)
from .initialization import _relu, _sigmoid


# ----------------------------------------------------------------------------- one dimension
@checked(check_x_theta)
def forward_propagation(x, theta):
    """J = theta x (x, theta real numbers)."""
    J = np.dot(theta, x)
    return J


@checked(check_x_theta)
def backward_propagation(x, theta):
    """dJ/dtheta = x."""
    dtheta = x
    return dtheta


@checked(check_gradient_check)
def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
    """difference between dJ/dtheta = x and (J(theta + eps) - J(theta - eps)) / (2 eps).

    Perturbs theta (the parameter), not x. Returns a NumPy scalar, as the course's
    (norm / norm: np.float64, shape ()), not an ndarray.
    """
    theta_plus = theta + epsilon
    theta_minus = theta - epsilon
    J_plus = forward_propagation(x, theta_plus)
    J_minus = forward_propagation(x, theta_minus)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)

    grad = backward_propagation(x, theta)

    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = numerator / denominator

    if print_msg:
        _print_verdict(difference)
    return difference


def _print_verdict(difference):
    if difference > 2e-7:
        print("\033[93m" + "There is a mistake in the backward propagation! difference = "
              + str(difference) + "\033[0m")
    else:
        print("\033[92m" + "Your backward propagation works perfectly fine! difference = "
              + str(difference) + "\033[0m")


# ----------------------------------------------------------------------------- theta <-> dict
def _layers_dims_of(parameters):
    L = len(parameters) // 2
    return [np.shape(parameters["W1"])[1]] + [np.shape(parameters[f"W{l}"])[0]
                                              for l in range(1, L + 1)]


@checked(check_dictionary_to_vector)
def dictionary_to_vector(parameters):
    """theta (n, 1): W1, b1, W2, b2, ..., WL, bL, each flattened row-major, stacked.

    Returns:
        (theta, keys): keys lists, for each row of theta, the name it came from
        (so "W1" 20 times for a (5, 4) W1).
    """
    L = len([k for k in parameters if k.startswith("W")])
    keys = []
    count = 0
    for key in [f"{k}{l}" for l in range(1, L + 1) for k in "Wb"]:
        new_vector = np.reshape(parameters[key], (-1, 1))
        keys = keys + [key] * new_vector.shape[0]
        if count == 0:
            theta = new_vector
        else:
            theta = np.concatenate((theta, new_vector), axis=0)
        count = count + 1
    return theta, keys


@checked(check_vector_to_dictionary)
def vector_to_dictionary(theta, layers_dims=None):
    """The inverse of :func:`dictionary_to_vector`.

    Args:
        theta: (n, 1).
        layers_dims: [n_x, n[1], ..., n[L]]; default the course's hard-coded network
            [4, 5, 3, 1]: W1 (5, 4), b1 (5, 1), W2 (3, 5), b2 (3, 1), W3 (1, 3), b3 (1, 1),
            47 values.
    Returns:
        {"W1", "b1", ..., "WL", "bL"}: views into theta (reshape copies nothing).
    """
    dims = COURSE_LAYERS_DIMS if layers_dims is None else layers_dims
    parameters = {}
    start = 0
    for l in range(1, len(dims)):
        end = start + dims[l] * dims[l - 1]
        parameters["W" + str(l)] = theta[start:end].reshape((dims[l], dims[l - 1]))
        start, end = end, end + dims[l]
        parameters["b" + str(l)] = theta[start:end].reshape((dims[l], 1))
        start = end
    return parameters


@checked(check_gradients_to_vector)
def gradients_to_vector(gradients):
    """grad (n, 1): dW1, db1, ..., dWL, dbL flattened row-major and stacked (theta's order)."""
    L = len([k for k in gradients if k.startswith("dW")])
    count = 0
    for key in [f"d{k}{l}" for l in range(1, L + 1) for k in "Wb"]:
        new_vector = np.reshape(gradients[key], (-1, 1))
        if count == 0:
            theta = new_vector
        else:
            theta = np.concatenate((theta, new_vector), axis=0)
        count = count + 1
    return theta


# ----------------------------------------------------------------------------- the network
@checked(check_forward_propagation_n)
def forward_propagation_n(X, Y, parameters):
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID and its cost.

    J = (1/m) sum(-Y log A3 - (1 - Y) log(1 - A3)).

    Args:
        X: (n_x, m).  Y: (1, m) (or the rank-1 (m,) of the course's test case).
        parameters: {"W1", "b1", "W2", "b2", "W3", "b3"}.
    Returns:
        (cost, cache): cost a NumPy scalar (np.float64, shape (), as the course's np.sum);
        cache = (Z1, A1, W1, b1, Z2, A2, W2, b2,
        Z3, A3, W3, b3).
    """
    m = X.shape[1]
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    W3 = parameters["W3"]
    b3 = parameters["b3"]

    Z1 = np.dot(W1, X) + b1
    A1 = _relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = _relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = _sigmoid(Z3)

    log_probs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cost = 1. / m * np.sum(log_probs)

    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return cost, cache


@checked(check_backward_propagation_n)
def backward_propagation_n(X, Y, cache):
    """Backward pass of :func:`forward_propagation_n` (correct: without the course's bugs).

    dZ3 = A3 - Y;  dW3 = (1/m) dZ3 A2^T;  db3 = (1/m) sum(dZ3, axis=1, keepdims=True)
    dA2 = W3^T dZ3;  dZ2 = dA2 * 1[A2 > 0];  dW2 = (1/m) dZ2 A1^T;  db2 = (1/m) sum(dZ2, ...)
    dA1 = W2^T dZ2;  dZ1 = dA1 * 1[A1 > 0];  dW1 = (1/m) dZ1 X^T;   db1 = (1/m) sum(dZ1, ...)

    Returns:
        {"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"}.
    """
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T)
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)

    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T)
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)

    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)

    gradients = {"dZ3": dZ3, "dW3": dW3, "db3": db3,
                 "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
                 "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
    return gradients


@checked(check_gradient_check_n)
def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    """difference between ``gradients`` and the centred differences of
    :func:`forward_propagation_n`'s cost, over every entry of theta.

    Args:
        parameters: {"W1", ..., "b3"}.  gradients: {"dW1", ..., "db3"} (more keys ignored).
        X: (n_x, m).  Y: (1, m) or (m,).  epsilon: the step, 1e-7 in the course.
    Returns:
        difference, a NumPy scalar as the course's (np.float64, shape ()), not an ndarray.
    """
    layers_dims = _layers_dims_of(parameters)
    parameters_values, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    num_parameters = parameters_values.shape[0]
    J_plus = np.zeros((num_parameters, 1))
    J_minus = np.zeros((num_parameters, 1))
    gradapprox = np.zeros((num_parameters, 1))

    for i in range(num_parameters):
        theta_plus = np.copy(parameters_values)
        theta_plus[i][0] = theta_plus[i][0] + epsilon
        J_plus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_plus, layers_dims))

        theta_minus = np.copy(parameters_values)
        theta_minus[i][0] = theta_minus[i][0] - epsilon
        J_minus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_minus, layers_dims))

        gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)

    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = numerator / denominator

    if print_msg:
        _print_verdict(difference)
    return difference