"""Week 4: a deep L-layer network, step by step, and the application models.

Shapes: A[0] = X (n[0], m); W[l] (n[l], n[l-1]); b[l] (n[l], 1); Z[l], A[l] (n[l], m).

Forward, layer l:   Z[l] = W[l] A[l-1] + b[l];  A[l] = g[l](Z[l])
                    g = ReLU (or another hidden activation) for l < L, sigmoid for l = L
Cost:               J = -(1/m) sum(Y log A[L] + (1 - Y) log(1 - A[L]))
Start of backprop:  dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L]))
Backward, layer l:  dZ[l] = dA[l] * g[l]'(Z[l])
                    dW[l] = (1/m) dZ[l] A[l-1]^T
                    db[l] = (1/m) sum(dZ[l], axis=1, keepdims=True)
                    dA[l-1] = W[l]^T dZ[l]
Update:             W[l] := W[l] - alpha dW[l];  b[l] := b[l] - alpha db[l]

Where 1/m sits: dA[l] here is the derivative of the *per-example* loss (no 1/m);
the 1/m enters in dW and db. A mean-reduced PyTorch loss puts 1/m into the
upstream gradient instead, so autograd's dJ/dA[l-1] equals dA[l-1] / m.
"""
from __future__ import annotations

import numpy as np

from ._validate import (as_matrix, check_layers, check_parameters, check_same_shape, check_X,
                        check_XY, checked)
from .activations import (  # noqa: F401  (re-exported: the course's week-4 names)
    get_activation,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
)
from .cost import cross_entropy


# ----------------------------------------------------------------------------- initialisation
def _check_dims(layer_dims):
    dims = list(layer_dims)
    if len(dims) < 2 or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                                and n >= 1 for n in dims):
        raise ValueError(f"layer_dims: expected at least two positive integers "
                         f"[n_x, ..., n_y], got {layer_dims!r}")
    return [int(n) for n in dims]


def initialize_parameters(n_x, n_h, n_y):
    """Two-layer initialisation: ``np.random.seed(1)``; W = randn * 0.01 (W1 then W2); b = 0.

    Returns {"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}.
    """
    n_x, n_h, n_y = _check_dims([n_x, n_h, n_y])
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def initialize_parameters_deep(layer_dims):
    """``np.random.seed(3)``; for l = 1..L: W[l] = randn(n[l], n[l-1]) * 0.01, b[l] = 0.

    Returns {"W1", "b1", ..., "WL", "bL"} with L = len(layer_dims) - 1.
    """
    dims = _check_dims(layer_dims)
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) * 0.01
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def initialize_parameters_scaled(layer_dims, seed=1):
    """The application's initialisation (used by :func:`L_layer_model`).

    ``np.random.seed(seed)``; for l = 1..L: W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1]),
    b[l] = 0. Dividing by sqrt(n[l-1]) keeps Var(Z[l]) near Var(A[l-1]) however
    wide the layer, where * 0.01 makes a 12288-input network start almost dead.
    """
    dims = _check_dims(layer_dims)
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


# ----------------------------------------------------------------------------- forward
def _check_linear_forward(A, W, b):
    A = as_matrix("A", A, finite=False)
    W = as_matrix("W", W, finite=False)
    if A.shape[0] != W.shape[1]:
        raise ValueError(f"linear_forward: W {W.shape} expects A with {W.shape[1]} rows, "
                         f"got A {A.shape}")
    b = np.asarray(b)
    if b.shape != (W.shape[0], 1):
        raise ValueError(f"linear_forward: expected b of shape ({W.shape[0]}, 1), got {b.shape}")
    return A, W, b


@checked(_check_linear_forward)
def linear_forward(A, W, b):
    """Z = W A + b.

    Args:
        A: activations of the previous layer, (n[l-1], m).
        W: (n[l], n[l-1]).  b: (n[l], 1).
    Returns:
        (Z, cache): Z (n[l], m); cache = (A, W, b) for the backward pass.
    """
    Z = np.dot(W, A) + b
    return Z, (A, W, b)


_linear_forward = linear_forward.unchecked     # for the loops, whose inputs are checked once


def linear_activation_forward(A_prev, W, b, activation):
    """A = g(W A_prev + b) for g = "sigmoid", "relu", "tanh" or "leaky_relu".

    Returns:
        (A, cache): A (n[l], m); cache = (linear_cache, activation_cache)
        = ((A_prev, W, b), Z).
    """
    forward, _ = get_activation(activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = forward(Z)
    return A, (linear_cache, activation_cache)


def _L_model_forward(X, parameters, L, hidden_activation, output_forward=sigmoid):
    """The forward loop; ``output_forward(Z) -> (AL, cache)`` is sigmoid here, softmax in
    scratch.multiclass."""
    forward, _ = get_activation(hidden_activation)
    caches = []
    A = X
    for l in range(1, L):
        Z, linear_cache = _linear_forward(A, parameters[f"W{l}"], parameters[f"b{l}"])
        A, activation_cache = forward(Z)
        caches.append((linear_cache, activation_cache))
    Z, linear_cache = _linear_forward(A, parameters[f"W{L}"], parameters[f"b{L}"])
    AL, activation_cache = output_forward(Z)
    caches.append((linear_cache, activation_cache))
    return AL, caches


def _check_L_model_forward(X, parameters, hidden_activation):
    get_activation(hidden_activation)
    check_parameters(parameters)
    return check_X(X, parameters["W1"].shape[1]), parameters, hidden_activation


@checked(_check_L_model_forward)
def L_model_forward(X, parameters, hidden_activation="relu"):
    """[LINEAR -> g] x (L-1) -> LINEAR -> SIGMOID, with g = ReLU by default.

    Args:
        X: (n_x, m).  parameters: {"W1", "b1", ..., "WL", "bL"}.
        hidden_activation: "relu" (the course's), "tanh", "sigmoid" or "leaky_relu".
    Returns:
        (AL, caches): AL (1, m) (or (n[L], m)); caches a list of L caches from
        :func:`linear_activation_forward`, layer 1 first.
    """
    L = len(parameters) // 2
    return _L_model_forward(X, parameters, L, hidden_activation)


def _check_cost(AL, Y):
    AL = as_matrix("AL", AL, finite=False)
    Y = as_matrix("Y", Y, finite=False)
    check_same_shape("AL", AL, "Y", Y)
    return AL, Y


@checked(_check_cost)
def compute_cost(AL, Y):
    """J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL)), as a 0-d ndarray.

    AL and Y: (1, m). Logs are clamped at -100 like nn.BCELoss (see
    :mod:`scratch.cost`), so a saturated AL gives a finite cost.
    """
    return cross_entropy(AL, Y)


# ----------------------------------------------------------------------------- backward
def _check_linear_backward(dZ, cache):
    A_prev, W, b = cache
    dZ = np.asarray(dZ)
    if dZ.ndim != 2 or dZ.shape != (W.shape[0], A_prev.shape[1]):
        raise ValueError(f"linear_backward: expected dZ of shape {(W.shape[0], A_prev.shape[1])} "
                         f"(n[l], m), got {dZ.shape}")
    return dZ, cache


@checked(_check_linear_backward)
def linear_backward(dZ, cache):
    """Backward through Z = W A_prev + b.

    dW = (1/m) dZ A_prev^T;  db = (1/m) sum(dZ, axis=1, keepdims=True);  dA_prev = W^T dZ

    Args:
        dZ: (n[l], m).  cache: (A_prev, W, b) from :func:`linear_forward`.
    Returns:
        (dA_prev, dW, db): (n[l-1], m), (n[l], n[l-1]), (n[l], 1).
    """
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = (1 / m) * np.dot(dZ, A_prev.T)
    db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


_linear_backward = linear_backward.unchecked


def linear_activation_backward(dA, cache, activation):
    """dZ = dA * g'(Z), then :func:`linear_backward`.

    Returns (dA_prev, dW, db).
    """
    _, backward = get_activation(activation)
    linear_cache, activation_cache = cache
    dZ = backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def _L_model_backward(AL, Y, caches, hidden_activation):
    Y = Y.reshape(AL.shape)
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    _, activation_cache = caches[-1]
    dZL = sigmoid_backward(dAL, activation_cache)              # = AL - Y
    return _backward_from_dZL(dZL, caches, hidden_activation)


def _backward_from_dZL(dZL, caches, hidden_activation):
    """From dZ[L] down: layer L's linear backward, then for l = L-1..1
    dZ[l] = dA[l] * g'(Z[l]) and linear backward. Shared with scratch.multiclass,
    whose softmax output starts from dZ[L] = AL - Y."""
    _, backward = get_activation(hidden_activation)
    grads = {}
    L = len(caches)
    linear_cache, _ = caches[L - 1]
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = _linear_backward(dZL, linear_cache)
    for l in reversed(range(1, L)):
        linear_cache, activation_cache = caches[l - 1]
        dZ = backward(grads[f"dA{l}"], activation_cache)
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = _linear_backward(dZ, linear_cache)
    return grads


def _check_L_model_backward(AL, Y, caches, hidden_activation):
    get_activation(hidden_activation)
    AL = as_matrix("AL", AL, finite=False)
    Y = np.asarray(Y)
    if Y.size != AL.size:
        raise ValueError(f"L_model_backward: Y must have the shape of AL {AL.shape}, got {Y.shape}")
    if not isinstance(caches, (list, tuple)) or not caches:
        raise ValueError(f"L_model_backward: expected the list of caches from L_model_forward, "
                         f"got {type(caches).__name__}")
    return AL, Y, caches, hidden_activation


@checked(_check_L_model_backward)
def L_model_backward(AL, Y, caches, hidden_activation="relu"):
    """Backward pass of :func:`L_model_forward`.

    dA[L] = -(Y / AL - (1 - Y) / (1 - AL)); then for l = L..1:
    dZ[l] = dA[l] * g[l]'(Z[l]); dW[l], db[l], dA[l-1] from :func:`linear_backward`.

    Returns:
        grads: {"dA0", ..., "dA(L-1)", "dW1", ..., "dWL", "db1", ..., "dbL"}.
    """
    return _L_model_backward(AL, Y, caches, hidden_activation)


def _check_update(params, grads, learning_rate):
    L = check_layers(params)          # layer by layer: the update needs no chaining
    for l in range(1, L + 1):
        for key in (f"dW{l}", f"db{l}"):
            if key not in grads:
                raise ValueError(f"update_parameters: grads is missing {key!r}; got {sorted(grads)}")
    return None


@checked(_check_update)
def update_parameters(params, grads, learning_rate):
    """W[l] := W[l] - alpha dW[l]; b[l] := b[l] - alpha db[l].

    Returns a NEW dict; the input dict and its arrays are left unchanged.
    """
    return _update_parameters(params, grads, learning_rate, len(params) // 2)


def _update_parameters(params, grads, learning_rate, L):
    new = {}
    for l in range(1, L + 1):
        new[f"W{l}"] = params[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        new[f"b{l}"] = params[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return new


# ----------------------------------------------------------------------------- training
def gradient_descent(X, Y, parameters, learning_rate=0.0075, num_iterations=3000,
                     hidden_activation="relu", print_cost=False, callback=None):
    """Batch gradient descent on the L-layer model from the given parameters.

    Each iteration: forward, cost, backward, update. Returns (parameters,
    costs) with costs[i] the cost at iteration i (before that iteration's
    update), a 0-d ndarray. ``callback(i, cost, parameters)`` is called after
    each update; return True from it to stop early.
    """
    get_activation(hidden_activation)
    L = check_parameters(parameters)
    X, Y = check_XY(X, Y, n_x=parameters["W1"].shape[1], n_y=parameters[f"W{L}"].shape[0])
    costs = []
    for i in range(num_iterations):
        AL, caches = _L_model_forward(X, parameters, L, hidden_activation)
        cost = cross_entropy(AL, Y)
        grads = _L_model_backward(AL, Y, caches, hidden_activation)
        parameters = _update_parameters(parameters, grads, learning_rate, L)
        costs.append(cost)
        if print_cost and (i % 100 == 0 or i == num_iterations - 1):
            print(f"Cost after iteration {i}: {float(cost)}")
        if callback is not None and callback(i, cost, parameters):
            break
    return parameters, costs


def _every_100(costs):
    """The course's record: the cost at every iteration i with i % 100 == 0.

    The course writes ``if i % 100 == 0 or i == num_iterations: costs.append(cost)``
    inside ``for i in range(num_iterations)``, where i never reaches num_iterations: the
    last iteration is printed (with print_cost) but not recorded, and 2 iterations give
    one cost. The course's unit tests count on it.
    """
    return [c for i, c in enumerate(costs) if i % 100 == 0]


def two_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                    print_cost=False):
    """LINEAR -> RELU -> LINEAR -> SIGMOID, initialised by :func:`initialize_parameters`.

    Returns (parameters, costs): costs at iterations 0, 100, 200, ... (i % 100 == 0), each a
    0-d ndarray; not the last iteration unless it is a multiple of 100 (the course's rule).
    """
    n_x, n_h, n_y = _check_dims(layers_dims)
    parameters = initialize_parameters(n_x, n_h, n_y)
    parameters, costs = gradient_descent(X, Y, parameters, learning_rate, num_iterations,
                                         "relu", print_cost)
    return parameters, _every_100(costs)


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                  print_cost=False):
    """[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID, initialised like the course's
    application (:func:`initialize_parameters_scaled`, seed 1).

    Returns (parameters, costs): costs at iterations 0, 100, 200, ... (i % 100 == 0), each a
    0-d ndarray; not the last iteration unless it is a multiple of 100 (the course's rule).
    """
    parameters = initialize_parameters_scaled(layers_dims, seed=1)
    parameters, costs = gradient_descent(X, Y, parameters, learning_rate, num_iterations,
                                         "relu", print_cost)
    return parameters, _every_100(costs)


def predict_labels(X, parameters, hidden_activation="relu"):
    """Predictions (1, m) of 0./1.: 1 where A[L] > 0.5."""
    AL, _ = L_model_forward(X, parameters, hidden_activation)
    return (AL > 0.5).astype(np.float64)


def predict(X, y, parameters):
    """The course's ``predict(X, y, parameters)``: prints the accuracy, returns p (1, m) of 0./1."""
    p = predict_labels(X, parameters)
    y = np.asarray(y).reshape(p.shape)
    print(f"Accuracy: {np.sum(p == y) / p.shape[1]}")
    return p
