"""Gradient checking: scratch's hand-derived backward passes against centred finite
differences of scratch's own cost, in float64. A third witness beside the parity
tests, one that owes nothing to torch (this file does not import it).

For every parameter entry theta_i (every W[l][j, k], b[l][j], w_j, b):

    g_approx_i = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)

and the course's relative difference

    difference = ||g - g_approx||_2 / (||g||_2 + ||g_approx||_2)

must be below 1e-7 (the course's threshold for "backprop is right").

Why it can pass and how it fails: the centred difference is off by at most
eps^2 |J'''| / 6 (truncation) plus about u |J| / eps (rounding, u = 2^-53). With
eps = 1e-6 and O(1) data both are near 1e-12 per entry, five orders below the
threshold; a wrong formula (a missing 1/m, a wrong g'(Z)) gives a difference of
order 0.1 to 1. ReLU and leaky ReLU have a kink at 0: the data are drawn from a
continuous distribution, so a Z[l] within eps of 0 has probability ~1e-6 per entry.
"""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from scratch import deep_nn, logistic_regression, shallow_nn

EPSILON = 1e-6
THRESHOLD = 1e-7
HIDDEN_ACTIVATIONS = ["relu", "tanh", "sigmoid", "leaky_relu"]


def gradient_check(cost, parameters, grads):
    """The course's relative difference between ``grads`` (key "d" + name) and the
    centred differences of ``cost(parameters)``, over every entry of every parameter."""
    g, g_approx = [], []
    for name, value in parameters.items():
        value = np.asarray(value, dtype=np.float64)
        for index in np.ndindex(value.shape):
            plus = {**parameters, name: value.copy()}
            minus = {**parameters, name: value.copy()}
            plus[name][index] += EPSILON
            minus[name][index] -= EPSILON
            g_approx.append((float(cost(plus)) - float(cost(minus))) / (2 * EPSILON))
            g.append(float(np.asarray(grads["d" + name])[index]))
    g, g_approx = np.array(g), np.array(g_approx)
    return np.linalg.norm(g - g_approx) / (np.linalg.norm(g) + np.linalg.norm(g_approx))


def X_and_Y(rng, n_x, m):
    """X in [-1, 1] (n_x, m), labels Y 0/1 (1, m)."""
    return rng.uniform(-1, 1, (n_x, m)), (rng.uniform(size=(1, m)) < 0.5).astype(np.float64)


def random_parameters(rng, layer_dims):
    """W[l] ~ N(0, 1) / sqrt(n[l-1]), b[l] ~ N(0, 1/4): Z[l] stays O(1)."""
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) \
            / np.sqrt(layer_dims[l - 1])
        parameters[f"b{l}"] = rng.standard_normal((layer_dims[l], 1)) * 0.5
    return parameters


@given(n_x=st.integers(1, 6), m=st.integers(1, 12), seed=st.integers(0, 2 ** 32 - 1))
def test_gradcheck_logistic_regression(n_x, m, seed):
    rng = np.random.default_rng(seed)
    X, Y = X_and_Y(rng, n_x, m)
    parameters = {"w": rng.standard_normal((n_x, 1)) / np.sqrt(n_x),
                  "b": np.array(rng.standard_normal() * 0.5)}

    def cost(p):
        return logistic_regression.propagate(p["w"], p["b"], X, Y)[1]

    grads, _ = logistic_regression.propagate(parameters["w"], parameters["b"], X, Y)
    difference = gradient_check(cost, parameters, grads)
    assert difference < THRESHOLD, f"dw, db disagree with finite differences: {difference:.2e}"


@given(n_x=st.integers(1, 5), n_h=st.integers(1, 5), m=st.integers(1, 12),
       seed=st.integers(0, 2 ** 32 - 1))
def test_gradcheck_shallow_nn(n_x, n_h, m, seed):
    rng = np.random.default_rng(seed)
    X, Y = X_and_Y(rng, n_x, m)
    parameters = random_parameters(rng, [n_x, n_h, 1])

    def cost(p):
        return shallow_nn.compute_cost(shallow_nn.forward_propagation(X, p)[0], Y)

    _, cache = shallow_nn.forward_propagation(X, parameters)
    grads = shallow_nn.backward_propagation(parameters, cache, X, Y)
    difference = gradient_check(cost, parameters, grads)
    assert difference < THRESHOLD, f"dW1..db2 disagree with finite differences: {difference:.2e}"


@given(layer_dims=st.lists(st.integers(1, 5), min_size=1, max_size=5),
       m=st.integers(1, 12), hidden_activation=st.sampled_from(HIDDEN_ACTIVATIONS),
       seed=st.integers(0, 2 ** 32 - 1))
def test_gradcheck_deep_nn(layer_dims, m, hidden_activation, seed):
    layer_dims = layer_dims + [1]                 # depth L = 1..5, one sigmoid output unit
    rng = np.random.default_rng(seed)
    X, Y = X_and_Y(rng, layer_dims[0], m)
    parameters = random_parameters(rng, layer_dims)

    def cost(p):
        return deep_nn.compute_cost(deep_nn.L_model_forward(X, p, hidden_activation)[0], Y)

    AL, caches = deep_nn.L_model_forward(X, parameters, hidden_activation)
    grads = deep_nn.L_model_backward(AL, Y, caches, hidden_activation)
    difference = gradient_check(cost, parameters, grads)
    assert difference < THRESHOLD, (f"dW[l], db[l] disagree with finite differences "
                                    f"({hidden_activation}, layer_dims {layer_dims}): "
                                    f"{difference:.2e}")
