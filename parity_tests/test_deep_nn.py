"""Week 4, the deep L-layer network: same W[l], b[l] in, the same Z[l], A[l], cost,
dW[l], db[l], dA[l-1] out of scratch's hand-derived building blocks and of autograd
through ``torch_ref.DeepNet`` with ``nn.BCELoss``, on each device, in float64 and
float32, for depths L = 1..5 and each hidden activation.

Layouts: scratch A[l] (n[l], m), b[l] (n[l], 1); torch A[l] (m, n[l]) (so a
transpose ``.T`` on every comparison), ``linears[l-1].weight`` = W[l] unchanged,
``.bias`` = b[l] flattened.

Where 1/m sits: the course's dA[l] (and so dZ[l]) is the derivative of the summed
per-example losses, with no 1/m; the 1/m enters in dW[l] and db[l]. Autograd of the
mean-reduced BCELoss gives dJ/dA[l] = dA[l] / m instead. What is truly equal is
therefore m * A[l].grad and the course's dA[l]; dW[l] and db[l] are equal as they are.
The same holds for the single-layer tests below: they feed autograd the upstream
gradient of a mean cost, dZ / m (or dA / m), and compare m * A_prev.grad with dA_prev.

Tolerance (see ``_tolerances``): 2 gamma_n with n = ``steps_of_layers(layer_dims, m)``;
data are O(1) (X in [-1, 1], W[l] ~ N(0, 1/n[l-1]), b[l] ~ N(0, 1/4)). Training
adds one step's error per step, so n is multiplied by the number of steps.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from dl_parity.engine import FullBatch
from dl_parity.models.mlp import MLP
from parity_tests._sensitivity import close_along, sensitivity_bound, torch_trajectory
from parity_tests._tolerances import ELEMENTWISE_OPS, steps_of_layers, tolerance
from scratch import deep_nn
from torch_ref import DeepNet
from torch_ref.models import ACTIVATIONS as TORCH_ACTIVATIONS

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
HIDDEN_ACTIVATIONS = ["relu", "tanh", "sigmoid", "leaky_relu"]
NUM_STEPS = 100


def course_parameters(rng, layer_dims, dtype):
    """W[l] ~ N(0, 1) / sqrt(n[l-1]) (keeps Z[l] O(1) at any width), b[l] ~ N(0, 1/4)."""
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = (rng.standard_normal((layer_dims[l], layer_dims[l - 1]))
                               / np.sqrt(layer_dims[l - 1])).astype(dtype)
        parameters[f"b{l}"] = (rng.standard_normal((layer_dims[l], 1)) * 0.5).astype(dtype)
    return parameters


@st.composite
def deep_problem(draw, dtype, hidden_activation=None):
    """(parameters, X, Y, hidden_activation): L in 1..5, n[l] in 1..5, n[L] = 1, m in 1..12;
    the hidden activation drawn too unless given."""
    L = draw(st.integers(1, 5), label="L")
    layer_dims = draw(st.lists(st.integers(1, 5), min_size=L, max_size=L), label="n[0..L-1]") + [1]
    m = draw(st.integers(1, 12), label="m")
    if hidden_activation is None:
        hidden_activation = draw(st.sampled_from(HIDDEN_ACTIVATIONS), label="hidden_activation")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = course_parameters(rng, layer_dims, dtype)
    X = rng.uniform(-1, 1, (layer_dims[0], m)).astype(dtype)
    Y = (rng.uniform(size=(1, m)) < 0.5).astype(dtype)
    return parameters, X, Y, hidden_activation


@st.composite
def one_layer(draw, dtype):
    """(A_prev, W, b, dZ): n[l-1], n[l] in 1..6, m in 1..12; dZ an upstream gradient like Z."""
    n_prev, n, m = (draw(st.integers(1, 6), label=name) for name in ("n[l-1]", "n[l]", "m"))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = course_parameters(rng, [n_prev, n], dtype)
    A_prev = rng.uniform(-1, 1, (n_prev, m)).astype(dtype)
    dZ = rng.standard_normal((n, m)).astype(dtype)
    return A_prev, parameters["W1"], parameters["b1"], dZ


def layer_dims_of(parameters):
    L = len(parameters) // 2
    return [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]


def deep_net(parameters, hidden_activation, device):
    return DeepNet.from_course_parameters(parameters, hidden_activation, device=device,
                                          dtype=TORCH_DTYPE[parameters["W1"].dtype.type])


def torch_linear(W, b, device):
    """nn.Linear holding W, b (the one layer of a DeepNet built from {"W1": W, "b1": b})."""
    return deep_net({"W1": W, "b1": b}, "relu", device).linears[0]


def leaf(array, device):
    """A torch leaf in torch's layout (transposed), recording its gradient."""
    return torch.tensor(array.T, device=device, requires_grad=True)


def cached_Z(cache):
    """Z[l] from a linear_activation_forward cache (leaky ReLU caches (Z, slope))."""
    activation_cache = cache[1]
    return activation_cache[0] if isinstance(activation_cache, tuple) else activation_cache


# ----------------------------------------------------------------------------- one layer
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_linear_forward_parity(device, parity, dtype, data):
    A_prev, W, b, _ = data.draw(one_layer(dtype))
    Z, cache = deep_nn.linear_forward(A_prev, W, b)
    Z_t = torch_linear(W, b, device)(torch.tensor(A_prev.T, device=device))
    tol = tolerance(dtype, steps_of_layers([W.shape[1], W.shape[0]], A_prev.shape[1]))
    parity.close("Z = W A_prev + b", Z_t.detach().T, Z, **tol, formula="w4.linear_forward")
    assert cache[0] is A_prev and cache[1] is W and cache[2] is b


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_linear_backward_parity(device, parity, dtype, data):
    A_prev, W, b, dZ = data.draw(one_layer(dtype))
    _, cache = deep_nn.linear_forward(A_prev, W, b)
    dA_prev, dW, db = deep_nn.linear_backward(dZ, cache)
    m = A_prev.shape[1]
    linear, A_prev_t = torch_linear(W, b, device), leaf(A_prev, device)
    linear(A_prev_t).backward(torch.tensor(dZ.T, device=device) / m)   # dJ/dZ of a mean cost
    tol = tolerance(dtype, steps_of_layers([W.shape[1], W.shape[0]], m))
    parity.close("dW = (1/m) dZ A_prev^T", linear.weight.grad, dW, **tol,
                 formula="w4.linear_backward")
    parity.close("db = (1/m) sum(dZ)", linear.bias.grad.reshape(-1, 1), db, **tol,
                 formula="w4.linear_backward")
    parity.close("dA_prev = W^T dZ (= m * A_prev.grad)", m * A_prev_t.grad.T, dA_prev, **tol,
                 formula="w4.linear_backward")


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_linear_activation_parity(device, parity, dtype, activation, data):
    A_prev, W, b, dA = data.draw(one_layer(dtype))
    A, cache = deep_nn.linear_activation_forward(A_prev, W, b, activation)
    dA_prev, dW, db = deep_nn.linear_activation_backward(dA, cache, activation)
    m = A_prev.shape[1]
    linear, g = torch_linear(W, b, device), TORCH_ACTIVATIONS[activation]()
    A_prev_t = leaf(A_prev, device)
    A_t = g(linear(A_prev_t))
    A_t.backward(torch.tensor(dA.T, device=device) / m)                 # dJ/dA of a mean cost
    tol = tolerance(dtype, steps_of_layers([W.shape[1], W.shape[0]], m))
    parity.close(f"A = {activation}(W A_prev + b)", A_t.detach().T, A, **tol,
                 formula="w4.activation_forward")
    parity.close("Z cached", linear(torch.tensor(A_prev.T, device=device)).detach().T,
                 cached_Z(cache), **tol, formula="w4.activation_forward")
    parity.close("dW", linear.weight.grad, dW, **tol, formula="w4.activation_backward")
    parity.close("db", linear.bias.grad.reshape(-1, 1), db, **tol,
                 formula="w4.activation_backward")
    parity.close("dA_prev (= m * A_prev.grad)", m * A_prev_t.grad.T, dA_prev, **tol,
                 formula="w4.activation_backward")


# ----------------------------------------------------------------------------- initialisation
def test_initialisations_are_the_courses():
    # the notebook's printed values: initialize_parameters(3, 2, 1) (seed 1 inside, * 0.01)
    # and initialize_parameters_deep([5, 4, 3]) (seed 3 inside, * 0.01), to 8 decimals
    p = deep_nn.initialize_parameters(3, 2, 1)
    np.testing.assert_allclose(p["W1"], [[0.01624345, -0.00611756, -0.00528172],
                                         [-0.01072969, 0.00865408, -0.02301539]], atol=5e-9)
    np.testing.assert_allclose(p["W2"], [[0.01744812, -0.00761207]], atol=5e-9)
    deep = deep_nn.initialize_parameters_deep([5, 4, 3])
    np.testing.assert_allclose(deep["W1"][:, :3], [[0.01788628, 0.0043651, 0.00096497],
                                                   [-0.00354759, -0.00082741, -0.00627001],
                                                   [-0.01313865, 0.00884622, 0.00881318],
                                                   [-0.00404677, -0.0054536, -0.01546477]],
                               atol=5e-9)
    np.testing.assert_allclose(deep["W2"][0], [-0.01185047, -0.0020565, 0.01486148, 0.00236716],
                               atol=5e-9)
    for d in (p, deep):
        assert all(not d[k].any() for k in d if k.startswith("b"))
    # the application's (L_layer_model): after np.random.seed(1), W[l] = randn / sqrt(n[l-1])
    scaled = deep_nn.initialize_parameters_scaled([4, 3, 2])
    draws = np.random.RandomState(1)
    np.testing.assert_array_equal(scaled["W1"], draws.randn(3, 4) / np.sqrt(4))
    np.testing.assert_array_equal(scaled["W2"], draws.randn(2, 3) / np.sqrt(3))


@given(data=st.data())
def test_predict_labels_parity(device, data):
    # 1 where A[L] > 0.5: torch's output > 0.5, wherever A[L] is not within 1e-10 of 0.5
    parameters, X, _, hidden_activation = data.draw(deep_problem(np.float64))
    AL_t = deep_net(parameters, hidden_activation, device)(torch.tensor(X.T, device=device))
    AL_t = AL_t.detach().cpu().numpy().T
    clear = np.abs(AL_t - 0.5) > 1e-10
    labels = deep_nn.predict_labels(X, parameters, hidden_activation)
    np.testing.assert_array_equal(labels[clear], (AL_t > 0.5)[clear].astype(np.float64))


# ----------------------------------------------------------------------------- L layers
@pytest.mark.parametrize("hidden_activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_L_model_forward_parity(device, parity, dtype, hidden_activation, data):
    parameters, X, Y, _ = data.draw(deep_problem(dtype, hidden_activation))
    AL, caches = deep_nn.L_model_forward(X, parameters, hidden_activation)
    AL_t, intermediates = deep_net(parameters, hidden_activation, device)(
        torch.tensor(X.T, device=device), return_intermediates=True)
    L = len(caches)
    tol = tolerance(dtype, steps_of_layers(layer_dims_of(parameters), X.shape[1]))
    for l in range(1, L + 1):
        parity.close(f"Z{l}", intermediates[f"Z{l}"].detach().T, cached_Z(caches[l - 1]), **tol,
                     formula="w4.L_model_forward")
        A_l = AL if l == L else caches[l][0][0]          # A[l] is layer l+1's cached A_prev
        parity.close(f"A{l}", intermediates[f"A{l}"].detach().T, A_l, **tol,
                     formula="w4.L_model_forward")
    parity.close("AL", AL_t.detach().T, AL, **tol, formula="w4.L_model_forward")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_compute_cost_parity(device, parity, dtype, data):
    parameters, X, Y, hidden_activation = data.draw(deep_problem(dtype))
    AL, _ = deep_nn.L_model_forward(X, parameters, hidden_activation)
    AL_t = deep_net(parameters, hidden_activation, device)(torch.tensor(X.T, device=device))
    cost_t = nn.BCELoss()(AL_t, torch.tensor(Y.T, device=device))
    tol = tolerance(dtype, steps_of_layers(layer_dims_of(parameters), X.shape[1]))
    parity.close("J", cost_t, deep_nn.compute_cost(AL, Y), **tol, formula="w4.cost")


@pytest.mark.parametrize("hidden_activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_L_model_backward_parity(device, parity, dtype, hidden_activation, data):
    # Autograd's A[l].grad is dJ/dA[l] of the mean cost, the course's dA[l] / m: we
    # compare m * A[l].grad with dA[l] (see the module docstring).
    parameters, X, Y, _ = data.draw(deep_problem(dtype, hidden_activation))
    AL, caches = deep_nn.L_model_forward(X, parameters, hidden_activation)
    grads = deep_nn.L_model_backward(AL, Y, caches, hidden_activation)
    net, X_t = deep_net(parameters, hidden_activation, device), leaf(X, device)
    AL_t, intermediates = net(X_t, return_intermediates=True)
    L, m = net.L, X.shape[1]
    A_t = {0: X_t}
    for l in range(1, L):
        A_t[l] = intermediates[f"A{l}"]
        A_t[l].retain_grad()
    nn.BCELoss()(AL_t, torch.tensor(Y.T, device=device)).backward()
    tol = tolerance(dtype, steps_of_layers(net.layer_dims, m))
    for l, linear in enumerate(net.linears, start=1):
        parity.close(f"dW{l}", linear.weight.grad, grads[f"dW{l}"], **tol,
                     formula="w4.L_model_backward")
        parity.close(f"db{l}", linear.bias.grad.reshape(-1, 1), grads[f"db{l}"], **tol,
                     formula="w4.L_model_backward")
        parity.close(f"dA{l - 1} (= m * A{l - 1}.grad)", m * A_t[l - 1].grad.T,
                     grads[f"dA{l - 1}"], **tol, formula="w4.L_model_backward")
    assert set(grads) == ({f"dA{l}" for l in range(L)} | {f"dW{l}" for l in range(1, L + 1)}
                          | {f"db{l}" for l in range(1, L + 1)})


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_update_parameters_parity(device, parity, dtype, data):
    # The same gradients handed to both: W[l] := W[l] - alpha dW[l] by scratch, one
    # torch.optim.SGD step with .grad set to dW[l], db[l] by torch.
    parameters, X, _, hidden_activation = data.draw(deep_problem(dtype))
    learning_rate = data.draw(st.sampled_from([0.0075, 0.1, 1.0]), label="learning_rate")
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="grads seed"))
    grads = {f"d{k}": rng.standard_normal(v.shape).astype(dtype) for k, v in parameters.items()}
    updated = deep_nn.update_parameters(parameters, grads, learning_rate)
    net = deep_net(parameters, hidden_activation, device)
    for l, linear in enumerate(net.linears, start=1):
        linear.weight.grad = torch.tensor(grads[f"dW{l}"], device=device)
        linear.bias.grad = torch.tensor(grads[f"db{l}"].reshape(-1), device=device)
    torch.optim.SGD(net.parameters(), lr=learning_rate).step()
    # one product and one difference of values below ~4 (|W|, |alpha dW| for the
    # drawn data): a few roundings each side, ELEMENTWISE_OPS steps cover them.
    tol = tolerance(dtype, ELEMENTWISE_OPS)
    for key, value in net.course_parameters().items():
        parity.close(f"{key} := {key} - alpha d{key}", value, updated[key], **tol,
                     formula="w4.update")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_training_parity(device, parity, dtype, data):
    # 100 steps of gradient descent from the same parameters, random depth and
    # hidden activation: the same cost before, and the same W[l], b[l] after, every
    # step. scratch: gradient_descent; torch: the torch side of MLP(layer_dims,
    # hidden_activation, "sigmoid") in dl_parity.engine (autograd + torch.optim.SGD).
    # Tolerance: the existing one, times G'_t where the dynamics measurably amplify a
    # one-ulp change of the initial weights (parity_tests/_sensitivity.py).
    parameters, X, Y, hidden_activation = data.draw(deep_problem(dtype))
    learning_rate = data.draw(st.sampled_from([0.0075, 0.05, 0.3]), label="learning_rate")

    def numpy_run(start):
        after = []
        _, costs = deep_nn.gradient_descent(
            X, Y, start, learning_rate, NUM_STEPS, hidden_activation,
            callback=lambda i, cost, params: after.append(params))
        return costs, after

    costs, after_scratch = numpy_run(parameters)
    layer_dims = layer_dims_of(parameters)
    costs_t, after_torch = torch_trajectory(
        MLP(tuple(layer_dims), hidden_activation, "sigmoid"), parameters, dtype, device,
        learning_rate, FullBatch(X, Y, NUM_STEPS))
    G = sensitivity_bound(lambda p: numpy_run(p)[1], parameters)    # G'_t, t = 0..NUM_STEPS
    tol = tolerance(dtype, NUM_STEPS * steps_of_layers(layer_dims, X.shape[1]))
    close_along(parity, "cost at every step", np.array(costs_t, dtype), np.array(costs, dtype),
                G[:-1], **tol, formula="w4.training")
    for key in parameters:
        close_along(parity, f"{key} after every step", np.array([p[key] for p in after_torch]),
                    np.array([p[key] for p in after_scratch]), G[1:], **tol,
                    formula="w4.training")
