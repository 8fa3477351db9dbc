"""Course 2, week 1, initialization: the three initialisations and the three-layer network.

- NumPy: each rule reproduces the course's seeded draws exactly (``np.random.seed(3)``,
  W1 then W2 ...), and the course's unit-test values.
- torch: ``nn.init`` draws from torch's generator, so it is compared in distribution:
  the sample mean and standard deviation of a large layer against the rule's
  (zeros exactly; N(0, sigma^2): |mean| <= 5 sigma / sqrt(N) and
  |s / sigma - 1| <= 5 / sqrt(2 (N - 1)), five standard errors of each statistic,
  a false alarm about once in 3 million runs).
- The network: same W[l], b[l] in (the course's dict loaded into ``DeepNet``), the
  same Z[l], A[l], cost, and dW[l], db[l] from the course's backward (dz3 = (1/m)(a3 - Y))
  and from autograd of ``nn.BCEWithLogitsLoss`` on the logits, including the * 10
  initialisation's saturated sigmoids, where ``nn.BCELoss`` on the probabilities
  gives no gradient at all (shown below).

Layouts: course (n, m), torch (m, n): every comparison transposes. Where 1/m sits:
the course puts it in dz3, so its dz[l] are autograd's Z[l].grad of the mean cost as
they are (no factor m to put back, unlike course 1's dA[l]).

Tolerance: ``tolerance(dtype, steps_of_layers(layer_dims, m))`` (see ``_tolerances``).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from parity_tests._arrays import assert_allclose, assert_array_equal
from parity_tests._tolerances import ELEMENTWISE_OPS, steps_of_layers, tolerance
from scratch import initialization as ini
from torch_ref.models import DeepNet
from torch_ref.regularization import initialize_, make_optimizer, train_step

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def dims_strategy():
    return st.lists(st.integers(1, 6), min_size=2, max_size=5)


@st.composite
def three_layer_problem(draw, dtype, scale=None):
    """(parameters, X, Y): net [n_x, n1, n2, 1] with n in 1..6, m in 1..12; W[l] ~ N(0, 1/n[l-1])
    (or N(0, scale^2) when scale is given), b[l] ~ N(0, 1/4), X in [-1, 1]."""
    dims = draw(st.lists(st.integers(1, 6), min_size=3, max_size=3), label="n_x, n1, n2") + [1]
    m = draw(st.integers(1, 12), label="m")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = {}
    for l in range(1, 4):
        std = scale if scale is not None else 1 / np.sqrt(dims[l - 1])
        parameters[f"W{l}"] = (rng.standard_normal((dims[l], dims[l - 1])) * std).astype(dtype)
        parameters[f"b{l}"] = (rng.standard_normal((dims[l], 1)) * 0.5).astype(dtype)
    X = rng.uniform(-1, 1, (dims[0], m)).astype(dtype)
    Y = (rng.uniform(size=(1, m)) < 0.5).astype(dtype)
    return parameters, X, Y


def dims_of(parameters):
    return [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0] for l in (1, 2, 3)]


def net_of(parameters, device):
    return DeepNet.from_course_parameters(parameters, device=device,
                                          dtype=TORCH_DTYPE[parameters["W1"].dtype.type])


def to_torch(array, device):
    return torch.tensor(np.ascontiguousarray(array.T), device=device)


# ----------------------------------------------------------------------------- NumPy rules
def test_course_unit_values():
    # the assignment's own expected outputs (initialize_parameters_*_test)
    zeros = ini.initialize_parameters_zeros([3, 2, 1])
    assert set(zeros) == {"W1", "b1", "W2", "b2"}
    assert all(not v.any() for v in zeros.values())
    assert zeros["W1"].shape == (2, 3) and zeros["b2"].shape == (1, 1)
    # the week's three layers at zero: every a3 is sigma(0) = 0.5 exactly, and the course's
    # rule a3 > 0.5 predicts 0 for every example
    zeros3, X = ini.initialize_parameters_zeros([3, 2, 2, 1]), np.random.default_rng(0).uniform(-1, 1, (3, 5))
    assert not ini.predict_dec(zeros3, X).any()
    assert not ini.predict(X, np.ones((1, 5)), zeros3).any()
    random = ini.initialize_parameters_random([3, 2, 1])
    assert_allclose(random["W1"], [[17.88628473, 4.36509851, 0.96497468],
                                   [-18.63492703, -2.77388203, -3.54758979]], atol=1e-8)
    assert_allclose(random["W2"], [[-0.82741481, -6.27000677]], atol=1e-8)
    he = ini.initialize_parameters_he([2, 4, 1])
    assert_allclose(he["W1"], [[1.78862847, 0.43650985], [0.09649747, -1.8634927],
                               [-0.2773882, -0.35475898], [-0.08274148, -0.62700068]],
                    atol=1e-8)
    assert_allclose(he["W2"], [[-0.03098412, -0.33744411, -0.92904268, 0.62552248]],
                    atol=1e-8)
    assert not he["b1"].any() and he["b1"].shape == (4, 1)


@pytest.mark.parametrize("name, factor", [
    ("random", lambda n_prev: 10),
    ("he", lambda n_prev: np.sqrt(2. / n_prev)),
])
@given(dims=dims_strategy())
def test_seeded_rule_is_exact(name, factor, dims):
    # the formula, re-drawn here from the same seed in the same order: bit for bit
    parameters = getattr(ini, f"initialize_parameters_{name}")(dims)
    np.random.seed(3)
    for l in range(1, len(dims)):
        W = np.random.randn(dims[l], dims[l - 1]) * factor(dims[l - 1])
        assert_array_equal(parameters[f"W{l}"], W)
        assert_array_equal(parameters[f"b{l}"], np.zeros((dims[l], 1)))
    assert list(parameters) == [f"{k}{l}" for l in range(1, len(dims)) for k in "Wb"]


# ----------------------------------------------------------------------------- torch nn.init
N_OUT, N_IN = 400, 300          # N = 120000 weights


@pytest.mark.parametrize("initialization, sigma", [
    ("random", 10.0),
    ("he", math.sqrt(2 / N_IN)),
    ("scaled", math.sqrt(1 / N_IN)),
])
def test_torch_init_statistics(device, parity, initialization, sigma):
    torch.manual_seed(0)
    net = initialize_(DeepNet([N_IN, N_OUT, 1], device=device, dtype=torch.float64),
                      initialization)
    W = net.linears[0].weight.detach()
    N = W.numel()
    formula = {"random": "c2.init_random", "he": "c2.init_he", "scaled": "c2.reg_init"}
    # five standard errors of the sample mean and of the sample standard deviation
    parity.close("mean of W (nn.init) vs 0", W.mean().reshape(1), np.zeros(1), rtol=0,
                 atol=5 * sigma / math.sqrt(N), formula=formula[initialization])
    parity.close("std of W (nn.init) vs the rule's sigma", W.std().reshape(1), np.array([sigma]),
                 rtol=5 / math.sqrt(2 * (N - 1)), formula=formula[initialization])
    for linear in net.linears:
        assert not linear.bias.any()
    # the NumPy rule, by the same statistics (its draws are the course's; here their spread)
    numpy_W = {"random": ini.initialize_parameters_random, "he": ini.initialize_parameters_he}
    if initialization in numpy_W:
        W_np = numpy_W[initialization]([N_IN, N_OUT])["W1"]
        assert abs(W_np.std(ddof=1) / sigma - 1) <= 5 / math.sqrt(2 * (N - 1))


def test_torch_init_zeros(device, parity):
    net = initialize_(DeepNet([2, 10, 5, 1], device=device, dtype=torch.float64), "zeros")
    course = ini.initialize_parameters_zeros([2, 10, 5, 1])
    for key, value in net.course_parameters().items():
        parity.close(f"{key} = 0", value, course[key], rtol=0, atol=0, formula="c2.init_zeros")


# ----------------------------------------------------------------------------- the network
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_forward_and_cost_parity(device, parity, dtype, data):
    parameters, X, Y = data.draw(three_layer_problem(dtype))
    a3, cache = ini.forward_propagation(X, parameters)
    cost = ini.compute_loss(a3, Y)
    A3_t, inter = net_of(parameters, device)(to_torch(X, device), return_intermediates=True)
    tol = tolerance(dtype, steps_of_layers(dims_of(parameters), X.shape[1]))
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, _, W3, b3) = cache
    for name, value in (("Z1", z1), ("A1", a1), ("Z2", z2), ("A2", a2), ("Z3", z3)):
        parity.close(name, inter[name].detach().T, value, **tol, formula="c2.three_layer_forward")
    parity.close("a3", A3_t.detach().T, a3, **tol, formula="c2.three_layer_forward")
    cost_t = nn.BCELoss()(A3_t, to_torch(Y, device))
    parity.close("J (nansum) vs BCELoss", cost_t, np.array(cost, dtype=dtype), **tol,
                 formula="c2.nansum_cost")
    assert cache[2] is parameters["W1"] and cache[11] is parameters["b3"]
    # predict and predict_dec (what the decision-boundary plot draws) are torch's output > 0.5,
    # wherever a3 is farther from 0.5 than the tolerance
    clear = np.abs(a3 - 0.5) > tol["atol"] + tol["rtol"] * 0.5
    above = (A3_t.detach().cpu().numpy().T > 0.5)[clear]
    np.testing.assert_array_equal(ini.predict_dec(parameters, X)[clear], above)
    np.testing.assert_array_equal(ini.predict(X, Y, parameters)[clear], above)


def _backward_parity(parity, parameters, X, Y, device, tol, formula):
    grads = ini.backward_propagation(X, Y, ini.forward_propagation(X, parameters)[1])
    net = net_of(parameters, device)
    _, inter = net(to_torch(X, device), return_intermediates=True)
    for name in ("Z1", "Z2", "Z3"):
        inter[name].retain_grad()
    nn.BCEWithLogitsLoss()(inter["Z3"], to_torch(Y, device)).backward()
    for l, linear in enumerate(net.linears, start=1):
        parity.close(f"dz{l} = Z{l}.grad", inter[f"Z{l}"].grad.T, grads[f"dz{l}"], **tol,
                     formula=formula)
        parity.close(f"dW{l}", linear.weight.grad, grads[f"dW{l}"], **tol, formula=formula)
        parity.close(f"db{l}", linear.bias.grad.reshape(-1, 1), grads[f"db{l}"], **tol,
                     formula=formula)
    return grads


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_backward_parity(device, parity, dtype, data):
    parameters, X, Y = data.draw(three_layer_problem(dtype))
    tol = tolerance(dtype, steps_of_layers(dims_of(parameters), X.shape[1]))
    grads = _backward_parity(parity, parameters, X, Y, device, tol, formula="c2.backward_dz3")
    assert set(grads) == {"dz3", "dW3", "db3", "da2", "dz2", "dW2", "db2", "da1", "dz1",
                          "dW1", "db1"}


@settings(max_examples=10)
@given(data=st.data())
def test_saturated_backward_needs_logits(device, parity, data):
    # W ~ N(0, 10^2): Z3 in the hundreds or thousands, sigmoid(Z3) exactly 0.0 or 1.0.
    # The course's dz3 = (1/m)(a3 - Y) stays right; BCEWithLogitsLoss's gradient is
    # the same; BCELoss (which divides by a3 (1 - a3) = 0) loses it.
    parameters, X, Y = data.draw(three_layer_problem(np.float64, scale=10.0))
    a3, _ = ini.forward_propagation(X, parameters)
    tol = tolerance(np.float64, steps_of_layers(dims_of(parameters), X.shape[1]))
    # relative to |Z| in the thousands: the absolute part of the bound scales with it
    scale = max(1.0, float(np.abs(ini.forward_propagation(X, parameters)[1][8]).max()))
    grads = _backward_parity(parity, parameters, X, Y, device,
                             {"rtol": tol["rtol"], "atol": tol["atol"] * scale},
                             formula="c2.backward_dz3")
    saturated_wrong = ((a3 == 1.0) & (Y == 0)) | ((a3 == 0.0) & (Y == 1))
    if saturated_wrong.any():
        net = net_of(parameters, device)
        Z3 = net.logits(to_torch(X, device))
        Z3.retain_grad()
        nn.BCELoss()(torch.sigmoid(Z3), to_torch(Y, device)).backward()
        lost = Z3.grad.T.cpu().numpy()[saturated_wrong]
        assert np.all(lost == 0) and np.all(grads["dz3"][saturated_wrong] != 0)


def test_compute_loss_course_quirks():
    # nansum: 0 * log(0) = nan is dropped; a saturated wrong prediction costs inf
    assert ini.compute_loss(np.array([[1.0, 0.0]]), np.array([[1, 0]])) == 0.0
    assert ini.compute_loss(np.array([[1.0, 0.5]]), np.array([[0, 1]])) == math.inf
    assert isinstance(ini.compute_loss(np.array([[0.3]]), np.array([[1]])), float)


# ----------------------------------------------------------------------------- one step
@pytest.mark.parametrize("initialization", ["zeros", "random", "he"])
def test_model_first_step_parity(device, parity, initialization):
    # ini.model with one iteration = the seeded init and one update; torch: the same dict
    # loaded into DeepNet, one train_step (BCEWithLogitsLoss, SGD from make_optimizer)
    from scratch.datasets_course2 import load_circles

    train_X, train_Y, _, _ = load_circles()
    after = ini.model(train_X, train_Y, num_iterations=1, print_cost=False,
                      initialization=initialization)
    start = getattr(ini, f"initialize_parameters_{initialization}")([2, 10, 5, 1])
    net = DeepNet.from_course_parameters(start, device=device)
    assert net.course_parameters().keys() == start.keys()
    optimizer = make_optimizer(net, learning_rate=0.01)
    train_step(net, optimizer, to_torch(train_X, device), to_torch(train_Y.astype(np.float64), device))
    # random init: |W| ~ 10, Z in the thousands: the bound scales with the largest |W|
    scale = max(1.0, max(float(np.abs(v).max()) for v in start.values()))
    tol = tolerance(np.float64, steps_of_layers([2, 10, 5, 1], 300) + ELEMENTWISE_OPS)
    for key, value in net.course_parameters().items():
        parity.close(f"{key} after one step", value, after[key], rtol=tol["rtol"],
                     atol=tol["atol"] * scale, formula="c2.init_model")


def test_course2_generated_data():
    from scratch.datasets_course2 import load_circles, load_moons

    train_X, train_Y, test_X, test_Y = load_circles()
    assert (train_X.shape, train_Y.shape, test_X.shape, test_Y.shape) == \
        ((2, 300), (1, 300), (2, 100), (1, 100))
    assert set(np.unique(train_Y)) == {0, 1}
    again = load_circles()
    assert_array_equal(again[0], train_X)        # seeded: the same points each call
    moons_X, moons_Y = load_moons()
    assert moons_X.shape == (2, 300) and moons_Y.shape == (1, 300)
