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

from ._validate import checked
from ._validate_deep_nn import (
    check_compute_cost,
    check_gradient_descent,
    check_initialize_parameters,
    check_initialize_parameters_deep,
    check_initialize_parameters_scaled,
    check_L_model_backward,
    check_L_model_forward,
    check_linear_backward,
    check_linear_forward,
    check_two_layer_model,
    check_update_parameters,
)
from .activations import (  # noqa: F401  (re-exported: the course's week-4 names)
    get_activation,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
)
from .cost import cross_entropy


# ----------------------------------------------------------------------------- initialisation
@checked(check_initialize_parameters)
def initialize_parameters(n_x, n_h, n_y):
    """Two-layer initialisation: ``np.random.seed(1)``; W = randn * 0.01 (W1 then W2); b = 0.

    Returns {"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}.
    """
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


@checked(check_initialize_parameters_deep)
def initialize_parameters_deep(layer_dims):
    """``np.random.seed(3)``; for l = 1..L: W[l] = randn(n[l], n[l-1]) * 0.01, b[l] = 0.

    Returns {"W1", "b1", ..., "WL", "bL"} with L = len(layer_dims) - 1.
    """
    dims = layer_dims
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) * 0.01
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


@checked(check_initialize_parameters_scaled)
def initialize_parameters_scaled(layer_dims, seed=1):
    """The application's initialisation (used by :func:`L_layer_model`).

    ``np.random.seed(seed)``; for l = 1..L: W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1]),
    b[l] = 0. Dividing by sqrt(n[l-1]) keeps Var(Z[l]) near Var(A[l-1]) however
    wide the layer, where * 0.01 makes a 12288-input network start almost dead.
    """
    dims = layer_dims
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


# ----------------------------------------------------------------------------- forward
@checked(check_linear_forward)
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


@checked(check_L_model_forward)
def L_model_forward(X, parameters, hidden_activation="relu"):
    """[LINEAR -> g] x (L-1) -> LINEAR -> SIGMOID, with g = ReLU by default.

    Args:
        X: (n_x, m).  parameters: {"W1", "b1", ..., "WL", "bL"}.
        hidden_activation: "relu" (the course's), "tanh", "sigmoid" or "leaky_relu".
    Returns:
        (AL, caches): AL (1, m) (or (n[L], m)); caches a list of L caches from
        :func:`linear_activation_forward`, layer 1 first.
    """
    forward, _ = get_activation(hidden_activation)
    caches = []
    A = X
    L = len(parameters) // 2                  # number of layers in the neural network
    for l in range(1, L):
        A_prev = A
        Z, linear_cache = linear_forward.unchecked(A_prev, parameters[f"W{l}"], parameters[f"b{l}"])
        A, activation_cache = forward(Z)
        caches.append((linear_cache, activation_cache))
    Z, linear_cache = linear_forward.unchecked(A, parameters[f"W{L}"], parameters[f"b{L}"])
    AL, activation_cache = sigmoid(Z)
    caches.append((linear_cache, activation_cache))
    return AL, caches


@checked(check_compute_cost)
def compute_cost(AL, Y):
    """J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL)), as a 0-d ndarray.

    AL and Y: (1, m). Logs are clamped at -100 like nn.BCELoss (see
    :mod:`scratch.cost`), so a saturated AL gives a finite cost.
    """
    return cross_entropy(AL, Y)


# ----------------------------------------------------------------------------- backward
@checked(check_linear_backward)
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


def linear_activation_backward(dA, cache, activation):
    """dZ = dA * g'(Z), then :func:`linear_backward`.

    Returns (dA_prev, dW, db).
    """
    _, backward = get_activation(activation)
    linear_cache, activation_cache = cache
    dZ = backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def _backward_from_dZL(dZL, caches, hidden_activation):
    """From dZ[L] down: layer L's linear backward, then for l = L-1..1
    dZ[l] = dA[l] * g'(Z[l]) and linear backward. Shared with scratch.multiclass,
    whose softmax output starts from dZ[L] = AL - Y."""
    _, backward = get_activation(hidden_activation)
    grads = {}
    L = len(caches)
    linear_cache, _ = caches[L - 1]
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = linear_backward.unchecked(
        dZL, linear_cache)
    for l in reversed(range(1, L)):
        linear_cache, activation_cache = caches[l - 1]
        dZ = backward(grads[f"dA{l}"], activation_cache)
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = linear_backward.unchecked(
            dZ, linear_cache)
    return grads


@checked(check_L_model_backward)
def L_model_backward(AL, Y, caches, hidden_activation="relu"):
    """Backward pass of :func:`L_model_forward`.

    dA[L] = -(Y / AL - (1 - Y) / (1 - AL)); then for l = L..1:
    dZ[l] = dA[l] * g[l]'(Z[l]); dW[l], db[l], dA[l-1] from :func:`linear_backward`.

    Returns:
        grads: {"dA0", ..., "dA(L-1)", "dW1", ..., "dWL", "db1", ..., "dbL"}.
    """
    Y = Y.reshape(AL.shape)
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    _, activation_cache = caches[-1]
    dZL = sigmoid_backward(dAL, activation_cache)              # = AL - Y
    return _backward_from_dZL(dZL, caches, hidden_activation)


@checked(check_update_parameters)
def update_parameters(params, grads, learning_rate):
    """W[l] := W[l] - alpha dW[l]; b[l] := b[l] - alpha db[l].

    Returns a NEW dict; the input dict and its arrays are left unchanged.
    """
    L = len(params) // 2  # number of layers in the neural network
    new = {}
    for l in range(1, L + 1):
        new[f"W{l}"] = params[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        new[f"b{l}"] = params[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return new


# ----------------------------------------------------------------------------- training
@checked(check_gradient_descent)
def gradient_descent(X, Y, parameters, learning_rate=0.0075, num_iterations=3000,
                     hidden_activation="relu", print_cost=False, callback=None):
    """Batch gradient descent on the L-layer model from the given parameters.

    Each iteration: forward, cost, backward, update. Returns (parameters,
    costs) with costs[i] the cost at iteration i (before that iteration's
    update), a 0-d ndarray. ``callback(i, cost, parameters)`` is called after
    each update; return True from it to stop early.
    """
    costs = []
    for i in range(num_iterations):
        AL, caches = L_model_forward.unchecked(X, parameters, hidden_activation)
        cost = compute_cost.unchecked(AL, Y)
        grads = L_model_backward.unchecked(AL, Y, caches, hidden_activation)
        parameters = update_parameters.unchecked(parameters, grads, learning_rate)
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


@checked(check_two_layer_model)
def two_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                    print_cost=False):
    """LINEAR -> RELU -> LINEAR -> SIGMOID, initialised by :func:`initialize_parameters`.

    Returns (parameters, costs): costs at iterations 0, 100, 200, ... (i % 100 == 0), each a
    0-d ndarray; not the last iteration unless it is a multiple of 100 (the course's rule).
    """
    n_x, n_h, n_y = layers_dims
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
