"""Course 2, week 2: optimization algorithms (the "Optimization Methods" assignment).

Shapes: parameters {"W1": (n[1], n[0]), "b1": (n[1], 1), ...}; grads {"dW1", "db1", ...}
of the same shapes; v and s (the optimizer's state) {"dW1", "db1", ...}, again the same.

Gradient descent:   W[l] := W[l] - alpha dW[l];  b[l] := b[l] - alpha db[l]
Momentum:           v_dW = beta v_dW + (1 - beta) dW;  W := W - alpha v_dW     (v starts at 0)
Adam (step t >= 1): v_dW = beta1 v_dW + (1 - beta1) dW
                    s_dW = beta2 s_dW + (1 - beta2) dW^2
                    v_corrected = v_dW / (1 - beta1^t);  s_corrected = s_dW / (1 - beta2^t)
                    W := W - alpha v_corrected / (sqrt(s_corrected) + epsilon)
Decay of the rate:  alpha = alpha0 / (1 + decay_rate * epoch_num)                   (update_lr)
                    alpha = alpha0 / (1 + decay_rate * floor(epoch_num / interval))
                                                                       (schedule_lr_decay)

The week's network (``forward_propagation`` ...) is the course's fixed
LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID (written here for any depth L, with
the same cache for L = 3). Its quirks, kept so the course's numbers reproduce:
``compute_cost`` returns the SUM of the losses over the batch (the model divides the
epoch's total by m), and ``backward_propagation`` starts from dz[L] = (1/m_batch)(a[L] - Y),
so dW[l] = dz[l] a[l-1]^T with no further 1/m.

The update functions return NEW dicts: the input parameters, v and s are left unchanged
(the course's code rebinds the entries of the dicts it is given; every caller in the
course uses the returned values, so nothing it does can tell the difference). Every check
is made before anything is computed: a bad input raises ValueError and updates nothing.
"""
from __future__ import annotations

import math

import numpy as np

from ._validate import checked
from ._validate_optimization import (
    check_backward_propagation,
    check_compute_cost,
    check_forward_propagation,
    check_initialize_adam,
    check_initialize_parameters,
    check_initialize_velocity,
    check_model,
    check_random_mini_batches,
    check_schedule_lr_decay,
    check_update_lr,
    check_update_parameters_with_adam,
    check_update_parameters_with_gd,
    check_update_parameters_with_momentum,
)
from .activations import relu, sigmoid
from .cost import clamped_log


# ----------------------------------------------------------------------------- gradient descent
@checked(check_update_parameters_with_gd)
def update_parameters_with_gd(parameters, grads, learning_rate):
    """One step of (mini-batch) gradient descent.

    W[l] := W[l] - alpha dW[l];  b[l] := b[l] - alpha db[l],  for l = 1..L.

    Args:
        parameters: {"W1": (n[1], n[0]), "b1": (n[1], 1), ..., "WL", "bL"}.
        grads: {"dW1", "db1", ..., "dWL", "dbL"}, shaped like the parameters.
        learning_rate: alpha > 0.
    Returns:
        parameters, a new dict.
    """
    L = len(parameters) // 2  # number of layers in the neural networks
    new = {}
    for l in range(1, L + 1):
        new["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        new["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return new


# ----------------------------------------------------------------------------- mini-batches
@checked(check_random_mini_batches)
def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """The course's mini-batches: shuffle the columns, then cut.

    ``np.random.seed(seed)``; permutation = list(np.random.permutation(m)); then
    floor(m / mini_batch_size) complete batches of mini_batch_size columns and, if
    m % mini_batch_size != 0, a last one of the m % mini_batch_size left.

    Args:
        X: (n_x, m).  Y: (n_y, m), the same permutation as X.
        mini_batch_size: a positive integer.  seed: the shuffle's seed (the week's
            model adds 1 before each epoch, from 10).
    Returns:
        a list of (mini_batch_X (n_x, size), mini_batch_Y (n_y, size)).
    """
    np.random.seed(seed)
    m = X.shape[1]
    mini_batches = []

    # Step 1: shuffle (X, Y), the same permutation for both
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((Y.shape[0], m))

    # Step 2: partition, complete batches first, then the partial last one
    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(num_complete_minibatches):
        mini_batch_X = shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batch_Y = shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    if m % mini_batch_size != 0:
        mini_batch_X = shuffled_X[:, num_complete_minibatches * mini_batch_size:]
        mini_batch_Y = shuffled_Y[:, num_complete_minibatches * mini_batch_size:]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    return mini_batches


# ----------------------------------------------------------------------------- momentum
@checked(check_initialize_velocity)
def initialize_velocity(parameters):
    """v = 0: {"dW1": zeros like W1, "db1": zeros like b1, ...}."""
    L = len(parameters) // 2  # number of layers in the neural networks
    v = {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = np.zeros_like(parameters["W" + str(l)])
        v["db" + str(l)] = np.zeros_like(parameters["b" + str(l)])
    return v


@checked(check_update_parameters_with_momentum)
def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    """One step of gradient descent with momentum.

    v_dW[l] = beta v_dW[l] + (1 - beta) dW[l];   W[l] := W[l] - alpha v_dW[l]
    v_db[l] = beta v_db[l] + (1 - beta) db[l];   b[l] := b[l] - alpha v_db[l]

    Args:
        parameters, grads: as in :func:`update_parameters_with_gd`.
        v: the velocity {"dW1", "db1", ...} (zeros from :func:`initialize_velocity`).
        beta: the momentum, in [0, 1) (beta = 0 is plain gradient descent).
        learning_rate: alpha > 0.
    Returns:
        (parameters, v), new dicts.
    """
    L = len(parameters) // 2  # number of layers in the neural networks
    parameters, v = dict(parameters), dict(v)
    for l in range(1, L + 1):
        v["dW" + str(l)] = beta * v["dW" + str(l)] + (1 - beta) * grads["dW" + str(l)]
        v["db" + str(l)] = beta * v["db" + str(l)] + (1 - beta) * grads["db" + str(l)]
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * v["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * v["db" + str(l)]
    return parameters, v


# ----------------------------------------------------------------------------- Adam
@checked(check_initialize_adam)
def initialize_adam(parameters):
    """v = 0 and s = 0, each {"dW1": zeros like W1, "db1": zeros like b1, ...}.

    Returns (v, s).
    """
    L = len(parameters) // 2  # number of layers in the neural networks
    v, s = {}, {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = np.zeros_like(parameters["W" + str(l)])
        v["db" + str(l)] = np.zeros_like(parameters["b" + str(l)])
        s["dW" + str(l)] = np.zeros_like(parameters["W" + str(l)])
        s["db" + str(l)] = np.zeros_like(parameters["b" + str(l)])
    return v, s


@checked(check_update_parameters_with_adam)
def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                beta2=0.999, epsilon=1e-8):
    """One step of Adam (the t-th; t counts from 1).

    v_dW = beta1 v_dW + (1 - beta1) dW              (first moment)
    v_corrected = v_dW / (1 - beta1^t)              (bias correction)
    s_dW = beta2 s_dW + (1 - beta2) dW^2            (second moment, element-wise square)
    s_corrected = s_dW / (1 - beta2^t)
    W := W - alpha v_corrected / (sqrt(s_corrected) + epsilon)
    and the same for every W[l], b[l].

    Args:
        parameters, grads: as in :func:`update_parameters_with_gd`.
        v, s: Adam's moments {"dW1", "db1", ...} (zeros from :func:`initialize_adam`).
        t: this step's number, an integer >= 1.
        learning_rate: alpha > 0.  beta1, beta2: in [0, 1).  epsilon: > 0.
    Returns:
        FIVE values, as the course's: (parameters, v, s, v_corrected, s_corrected), new dicts.

    The corrections are written ``1 - beta1 ** t`` where the course writes
    ``1 - np.power(beta1, t)``: the same number, but np.power returns a float64 NumPy
    scalar, which (NumPy 2's promotion rules) would turn float32 parameters into float64.
    """
    L = len(parameters) // 2  # number of layers in the neural networks
    parameters, v, s = dict(parameters), dict(v), dict(s)
    v_corrected, s_corrected = {}, {}
    for l in range(1, L + 1):
        for p in ("W", "b"):
            d = "d" + p + str(l)
            v[d] = beta1 * v[d] + (1 - beta1) * grads[d]
            v_corrected[d] = v[d] / (1 - beta1 ** t)
            s[d] = beta2 * s[d] + (1 - beta2) * np.power(grads[d], 2)
            s_corrected[d] = s[d] / (1 - beta2 ** t)
            parameters[p + str(l)] = parameters[p + str(l)] \
                - learning_rate * v_corrected[d] / (np.sqrt(s_corrected[d]) + epsilon)
    return parameters, v, s, v_corrected, s_corrected


# ----------------------------------------------------------------------------- learning-rate decay
@checked(check_update_lr)
def update_lr(learning_rate0, epoch_num, decay_rate):
    """alpha = alpha0 / (1 + decay_rate * epoch_num)   (decay at every epoch).

    Args: learning_rate0 > 0; epoch_num an integer >= 0; decay_rate >= 0.
    Returns: the learning rate, of the type the course's one line gives (a Python float
    for Python numbers).
    """
    learning_rate = learning_rate0 / (1 + decay_rate * epoch_num)
    return learning_rate


@checked(check_schedule_lr_decay)
def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    """alpha = alpha0 / (1 + decay_rate * floor(epoch_num / time_interval))   (fixed interval).

    The rate drops once every ``time_interval`` epochs, not every epoch: the course's
    own test, ``schedule_lr_decay(0.5, 100, 0.3)``, gives 0.5 (floor(100 / 1000) = 0).

    Args: learning_rate0 > 0; epoch_num an integer >= 0; decay_rate >= 0;
        time_interval a positive integer.
    Returns: the learning rate, a NumPy scalar as the course's (np.floor makes it np.float64).
    """
    learning_rate = learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))
    return learning_rate


# ----------------------------------------------------------------------------- the week's network
@checked(check_initialize_parameters)
def initialize_parameters(layer_dims):
    """He initialisation: ``np.random.seed(3)``; W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1]);
    b[l] = 0. Returns {"W1", "b1", ..., "WL", "bL"}."""
    dims = list(layer_dims)
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(dims)):
        parameters["W" + str(l)] = np.random.randn(dims[l], dims[l - 1]) * np.sqrt(2 / dims[l - 1])
        parameters["b" + str(l)] = np.zeros((dims[l], 1))
    return parameters


@checked(check_forward_propagation)
def forward_propagation(X, parameters):
    """[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID (the course's: L = 3).

    z[l] = W[l] a[l-1] + b[l]; a[l] = relu(z[l]) for l < L, sigmoid(z[L]) for l = L; a[0] = X.

    Args:
        X: (n_x, m).  parameters: {"W1", "b1", ..., "WL", "bL"}.
    Returns:
        (a[L] (1, m), cache); cache = (z1, a1, W1, b1, z2, a2, W2, b2, ..., zL, aL, WL, bL),
        for L = 3 the course's (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3).
    """
    L = len(parameters) // 2
    cache = ()
    a = X
    for l in range(1, L + 1):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        z = np.dot(W, a) + b
        a = relu(z)[0] if l < L else sigmoid(z)[0]
        cache += (z, a, W, b)
    return a, cache


@checked(check_compute_cost)
def compute_cost(a3, Y):
    """The week's cost is a SUM over the batch: cost_total = sum(-Y log a3 - (1 - Y) log(1 - a3)).

    The model adds the batches' totals and divides by m once per epoch. Logs are
    clamped at -100 (as :mod:`scratch.cost`), which changes nothing unless a3 is exactly
    0 or 1. Args: a3, Y (1, m). Returns a NumPy scalar (np.float64 for float64 inputs, shape
    ()), as the course's np.sum.
    """
    logprobs = np.multiply(-clamped_log(a3), Y) + np.multiply(-clamped_log(1 - a3), 1 - Y)
    cost_total = np.sum(logprobs)
    return cost_total


@checked(check_backward_propagation)
def backward_propagation(X, Y, cache):
    """Backward pass of :func:`forward_propagation`, the 1/m in dz[L] (the course's).

    dz[L] = (1/m)(a[L] - Y);  dW[l] = dz[l] a[l-1]^T;  db[l] = sum(dz[l], axis=1, keepdims)
    da[l-1] = W[l]^T dz[l];  dz[l-1] = da[l-1] * 1(a[l-1] > 0)

    Args:
        X: (n_x, m).  Y: (1, m).  cache: from :func:`forward_propagation`.
    Returns:
        gradients {"dz3", "dW3", "db3", "da2", "dz2", "dW2", "db2", "da1", "dz1", "dW1", "db1"}
        for L = 3 (in general dz[l], dW[l], db[l] for l = 1..L and da[l] for l = 1..L-1).
    """
    m = X.shape[1]
    L = len(cache) // 4
    a = lambda l: X if l == 0 else cache[4 * (l - 1) + 1]  # noqa: E731
    W = lambda l: cache[4 * (l - 1) + 2]  # noqa: E731
    gradients = {}
    dz = 1. / m * (a(L) - Y)
    for l in range(L, 0, -1):
        gradients["dz" + str(l)] = dz
        gradients["dW" + str(l)] = np.dot(dz, a(l - 1).T)
        gradients["db" + str(l)] = np.sum(dz, axis=1, keepdims=True)
        if l > 1:
            da = np.dot(W(l).T, dz)
            gradients["da" + str(l - 1)] = da
            dz = np.multiply(da, np.int64(a(l - 1) > 0))
    return gradients


def predict(X, y, parameters):
    """Labels p (1, m) of 0/1 (1 where a[L] > 0.5); prints "Accuracy: <mean(p == y)>"."""
    a3, _ = forward_propagation(X, parameters)
    p = (a3 > 0.5).astype(np.int64)
    y = np.asarray(y).reshape(p.shape)
    print("Accuracy: " + str(np.mean((p[0, :] == y[0, :]))))
    return p


# ----------------------------------------------------------------------------- the week's model
@checked(check_model)
def model(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9,
          beta1=0.9, beta2=0.999, epsilon=1e-8, num_epochs=5000, print_cost=True, decay=None,
          decay_rate=1):
    """The week's 3-layer model trained with "gd", "momentum" or "adam", as the course runs it.

    Each epoch i = 0..num_epochs-1: seed += 1 (from seed = 10, so epoch 0 uses 11);
    mini-batches from random_mini_batches(X, Y, mini_batch_size, seed); for each one,
    forward, cost_total += the batch's SUM of losses, backward (1/m_batch in dz[L]), then
    the update (Adam: t += 1 before it). After the epoch: the reported cost is
    cost_total / m, and with a ``decay``, learning_rate = decay(learning_rate0, i, decay_rate):
    epoch i + 1 trains with decay(alpha0, i, ...), so epochs 0 and 1 both use alpha0.
    Prints "Cost after epoch i: %f" every 1000 epochs (and the rate, with a decay).

    Args:
        X: (n_x, m).  Y: (1, m).  layers_dims: e.g. [2, 5, 2, 1] (init: He, seed 3).
        optimizer: "gd", "momentum" or "adam".  the rest: the course's hyperparameters.
    Returns:
        parameters, the trained dict. (The course also plots the costs; this does not.)
    """
    costs = []
    t = 0
    seed = 10
    m = X.shape[1]
    learning_rate0 = learning_rate

    parameters = initialize_parameters(layers_dims)
    if optimizer == "momentum":
        v = initialize_velocity(parameters)
    elif optimizer == "adam":
        v, s = initialize_adam(parameters)

    for i in range(num_epochs):
        seed = seed + 1
        minibatches = random_mini_batches(X, Y, mini_batch_size, seed)
        cost_total = 0
        for minibatch_X, minibatch_Y in minibatches:
            a3, caches = forward_propagation.unchecked(minibatch_X, parameters)
            cost_total += compute_cost.unchecked(a3, minibatch_Y)
            grads = backward_propagation.unchecked(minibatch_X, minibatch_Y, caches)
            if optimizer == "gd":
                parameters = update_parameters_with_gd(parameters, grads, learning_rate)
            elif optimizer == "momentum":
                parameters, v = update_parameters_with_momentum(parameters, grads, v, beta,
                                                                learning_rate)
            elif optimizer == "adam":
                t = t + 1  # Adam counter
                parameters, v, s, _, _ = update_parameters_with_adam(
                    parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)
        cost_avg = cost_total / m
        if decay:
            learning_rate = decay(learning_rate0, i, decay_rate)
        if print_cost and i % 1000 == 0:
            print("Cost after epoch %i: %f" % (i, cost_avg))
            if decay:
                print("learning rate after epoch %i: %f" % (i, learning_rate))
        if print_cost and i % 100 == 0:
            costs.append(cost_avg)
    return parameters
