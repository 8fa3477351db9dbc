"""Week 2: logistic regression as a neural network.

Shapes: X (n_x, m), Y (1, m), w (n_x, 1), b a scalar.

    Z = w^T X + b          A = sigma(Z)
    J = -(1/m) sum(Y log A + (1 - Y) log(1 - A))
    dZ = A - Y             dw = (1/m) X dZ^T         db = (1/m) sum(dZ)
    w := w - alpha dw      b := b - alpha db
"""
from __future__ import annotations

import copy

import numpy as np

from ._validate import checked
from ._validate_logistic_regression import (
    check_initialize_with_zeros,
    check_model,
    check_optimize,
    check_predict,
    check_propagate,
)
from .activations import sigmoid_value
from .cost import cross_entropy


def sigmoid(z):
    """s = 1 / (1 + e^{-z}) for a scalar or an array of any shape; returns an ndarray."""
    return sigmoid_value(np.asarray(z))


@checked(check_initialize_with_zeros)
def initialize_with_zeros(dim):
    """w = zeros((dim, 1)), b = 0.0 (a Python float).

    Zeros are fine for logistic regression: there is no hidden layer, hence no
    symmetry to break.
    """
    return np.zeros((dim, 1)), 0.0


@checked(check_propagate)
def propagate(w, b, X, Y):
    """Forward and backward pass, vectorised over the m examples.

    A = sigma(w^T X + b)                                   (1, m)
    cost = -(1/m) sum(Y log A + (1 - Y) log(1 - A))        scalar
    dw = (1/m) X (A - Y)^T                                 (n_x, 1)
    db = (1/m) sum(A - Y)                                  scalar

    Returns:
        (grads, cost): grads = {"dw": dw, "db": db}; cost a 0-d ndarray.
    """
    m = X.shape[1]
    A = sigmoid_value(np.dot(w.T, X) + b)
    cost = cross_entropy(A, Y)
    dZ = A - Y
    dw = (1 / m) * np.dot(X, dZ.T)
    db = (1 / m) * np.sum(dZ)
    return {"dw": dw, "db": db}, np.squeeze(np.array(cost))


@checked(check_propagate)
def propagate_loops(w, b, X, Y):
    """The notes' explicit-loop version of :func:`propagate` (same returns).

    J = 0, dw = 0, db = 0
    for i = 1..m:                       (first loop: over examples)
        z = w^T x(i) + b;  a = sigma(z)
        J += -(y(i) log a + (1 - y(i)) log(1 - a))
        dz = a - y(i)
        for j = 1..n_x:                 (second loop: over features)
            dw_j += x_j(i) dz
        db += dz
    J /= m;  dw /= m;  db /= m

    Slow on purpose: it is the derivation one example at a time, kept to show
    (and test) that vectorisation changes nothing but speed.
    """
    n_x, m = X.shape
    dtype = np.result_type(w, X)
    if not np.issubdtype(dtype, np.floating):
        dtype = np.dtype(np.float64)
    J = dtype.type(0)
    dw = np.zeros((n_x, 1), dtype=dtype)
    db = dtype.type(0)
    for i in range(m):
        z = b
        for j in range(n_x):
            z = z + w[j, 0] * X[j, i]
        a = sigmoid_value(np.asarray(z, dtype=dtype))
        y = Y[0, i]
        J += np.squeeze(cross_entropy(a.reshape(1, 1), np.asarray(y).reshape(1, 1)))
        dz = a - y
        for j in range(n_x):
            dw[j, 0] += X[j, i] * dz
        db += dz
    J /= m
    dw /= m
    db /= m
    return {"dw": dw, "db": db}, np.squeeze(np.array(J))


@checked(check_optimize)
def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    """Gradient descent: repeat num_iterations times { w := w - alpha dw; b := b - alpha db }.

    Returns:
        (params, grads, costs): params {"w", "b"}; grads of the last iteration
        (computed before its update); costs recorded every 100 iterations.
    """
    w = copy.deepcopy(w)
    b = copy.deepcopy(b)
    costs = []
    grads = None
    for i in range(num_iterations):
        grads, cost = propagate.unchecked(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {float(cost):f}")
    return {"w": w, "b": b}, grads, costs


@checked(check_predict)
def predict(w, b, X):
    """Y_prediction (1, m) of 0./1.: 1 where sigma(w^T X + b) > 0.5."""
    A = sigmoid_value(np.dot(w.T, X) + b)
    return (A > 0.5).astype(np.float64)


@checked(check_model)
def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5,
          print_cost=False):
    """Initialise with zeros, run :func:`optimize`, predict on both sets.

    Y_train and Y_test may be rank-1 arrays of shape (m,).

    Returns a dict with "costs", "Y_prediction_test", "Y_prediction_train", "w",
    "b", "learning_rate" and "num_iterations".
    """
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate,
                                    print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    if print_cost:
        print(f"train accuracy: {100 - np.mean(np.abs(Y_prediction_train - Y_train)) * 100} %")
        print(f"test accuracy: {100 - np.mean(np.abs(Y_prediction_test - Y_test)) * 100} %")
    return {"costs": costs, "Y_prediction_test": Y_prediction_test,
            "Y_prediction_train": Y_prediction_train, "w": w, "b": b,
            "learning_rate": learning_rate, "num_iterations": num_iterations}