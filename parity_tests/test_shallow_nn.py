"""Week 3, one tanh hidden layer: same W1, b1, W2, b2 in, the same Z1, A1, Z2, A2,
cost, dW1, db1, dW2, db2 out of scratch's hand-derived passes and of autograd
through ``torch_ref.PlanarNet`` with ``nn.BCELoss``, on each device, in float64
and float32.

Layouts: scratch X (n_x, m), Z[l], A[l] (n[l], m), b[l] (n[l], 1); torch X (m, n_x),
intermediates (m, n[l]), ``linears[l-1].weight`` = W[l], ``.bias`` = b[l] flattened.
One output unit (n_y = 1), the course's binary classifier: for n_y > 1 the course's
J divides the sum of all losses by m, BCELoss's mean by m * n_y.

Tolerance (see ``_tolerances``): 2 gamma_n with n = ``steps_of_layers([n_x, n_h, 1], m)``;
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

from parity_tests._arrays import assert_array_equal
from parity_tests._tolerances import steps_of_layers, tolerance
from dl_parity.engine import FullBatch
from dl_parity.models.mlp import MLP
from parity_tests._sensitivity import (UNRECORDED, close_along, sensitivity_bound,
                                       torch_trajectory)
from scratch import shallow_nn
from torch_ref import PlanarNet

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
NUM_STEPS = 100


@st.composite
def planar_problem(draw, dtype):
    """(parameters, X, Y): n_x, n_h in 1..6, n_y = 1, m in 1..16, values from a drawn seed."""
    n_x = draw(st.integers(1, 6), label="n_x")
    n_h = draw(st.integers(1, 6), label="n_h")
    m = draw(st.integers(1, 16), label="m")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = {
        "W1": rng.standard_normal((n_h, n_x)) / np.sqrt(n_x),
        "b1": rng.standard_normal((n_h, 1)) * 0.5,
        "W2": rng.standard_normal((1, n_h)) / np.sqrt(n_h),
        "b2": rng.standard_normal((1, 1)) * 0.5,
    }
    parameters = {k: v.astype(dtype) for k, v in parameters.items()}
    X = rng.uniform(-1, 1, (n_x, m)).astype(dtype)
    Y = (rng.uniform(size=(1, m)) < 0.5).astype(dtype)
    return parameters, X, Y


def planar_net(parameters, device):
    """torch_ref.PlanarNet holding the same W1, b1, W2, b2."""
    n_h, n_x = parameters["W1"].shape
    return PlanarNet(n_x, n_h, 1, device=device, dtype=TORCH_DTYPE[parameters["W1"].dtype.type]) \
        .load_course_parameters(parameters)


def tolerance_for(parameters, X, steps=1):
    n_h, n_x = parameters["W1"].shape
    return tolerance(X.dtype, steps * steps_of_layers([n_x, n_h, 1], X.shape[1]))


def test_initialize_parameters_course_values():
    # the notebook's test: np.random.seed(2), then initialize_parameters(2, 4, 1): randn * 0.01
    np.random.seed(2)
    p = shallow_nn.initialize_parameters(2, 4, 1)
    np.testing.assert_allclose(p["W1"], [[-0.00416758, -0.00056267], [-0.02136196, 0.01640271],
                                         [-0.01793436, -0.00841747], [0.00502881, -0.01245288]],
                               atol=5e-9)
    np.testing.assert_allclose(p["W2"], [[-0.01057952, -0.00909008, 0.00551454, 0.02292208]],
                               atol=5e-9)
    assert p["b1"].shape == (4, 1) and p["b2"].shape == (1, 1)
    assert not p["b1"].any() and not p["b2"].any()


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_forward_propagation_parity(device, parity, dtype, data):
    parameters, X, Y = data.draw(planar_problem(dtype))
    A2, cache = shallow_nn.forward_propagation(X, parameters)
    _, intermediates = planar_net(parameters, device)(torch.tensor(X.T, device=device),
                                                      return_intermediates=True)
    tol = tolerance_for(parameters, X)
    for name in ("Z1", "A1", "Z2", "A2"):
        parity.close(name, intermediates[name].detach().T, cache[name], **tol,
                     formula="w3.forward")
    parity.close("A2 returned", intermediates["A2"].detach().T, A2, **tol, formula="w3.forward")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_compute_cost_parity(device, parity, dtype, data):
    parameters, X, Y = data.draw(planar_problem(dtype))
    A2, _ = shallow_nn.forward_propagation(X, parameters)
    A2_t = planar_net(parameters, device)(torch.tensor(X.T, device=device))
    cost_t = nn.BCELoss()(A2_t, torch.tensor(Y.T, device=device))
    parity.close("J", cost_t, shallow_nn.compute_cost(A2, Y), **tolerance_for(parameters, X),
                 formula="w3.cost")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_backward_propagation_parity(device, parity, dtype, data):
    parameters, X, Y = data.draw(planar_problem(dtype))
    _, cache = shallow_nn.forward_propagation(X, parameters)
    grads = shallow_nn.backward_propagation(parameters, cache, X, Y)
    net = planar_net(parameters, device)
    nn.BCELoss()(net(torch.tensor(X.T, device=device)), torch.tensor(Y.T, device=device)).backward()
    tol = tolerance_for(parameters, X)
    for l, linear in enumerate(net.linears, start=1):
        parity.close(f"dW{l}", linear.weight.grad, grads[f"dW{l}"], **tol, formula="w3.backward")
        parity.close(f"db{l}", linear.bias.grad.reshape(-1, 1), grads[f"db{l}"], **tol,
                     formula="w3.backward")


def numpy_trajectory(X, Y, learning_rate, num_steps=NUM_STEPS):
    """``numpy_run(parameters) -> (costs, after)``: scratch's gradient_descent, the course
    dict after every update kept by its callback."""
    def numpy_run(parameters):
        after = []
        _, costs = shallow_nn.gradient_descent(
            X, Y, parameters, num_steps, learning_rate,
            callback=lambda i, cost, params: after.append(params))
        return costs, after
    return numpy_run


def check_training(parity, parameters, X, Y, learning_rate, device, torch_learning_rate=None):
    """100 steps from ``parameters`` by both routes, compared at every step within the
    existing tolerance times the measured amplification G'_t (``_sensitivity``).
    Returns (G', costs_t, costs, after_torch, after_scratch)."""
    dtype = X.dtype.type
    numpy_run = numpy_trajectory(X, Y, learning_rate)
    costs, after_scratch = numpy_run(parameters)
    n_h, n_x = parameters["W1"].shape
    costs_t, after_torch = torch_trajectory(
        MLP((n_x, n_h, 1), "tanh", "sigmoid"), parameters, dtype, device,
        torch_learning_rate or learning_rate, FullBatch(X, Y, NUM_STEPS))
    # G'_t, t = 0..NUM_STEPS: 1 while the dynamics do not amplify a last-bit change
    G = sensitivity_bound(lambda p: numpy_run(p)[1], parameters)
    tol = tolerance_for(parameters, X, steps=NUM_STEPS)
    close_along(parity, "cost at every step", np.array(costs_t, dtype), np.array(costs, dtype),
                G[:-1], **tol, formula="w3.training")
    for key in ("W1", "b1", "W2", "b2"):
        close_along(parity, f"{key} after every step", np.array([p[key] for p in after_torch]),
                    np.array([p[key] for p in after_scratch]), G[1:], **tol,
                    formula="w3.training")
    return G, costs_t, costs, after_torch, after_scratch


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_training_parity(device, parity, dtype, data):
    # 100 steps of gradient descent from the same parameters: the same cost before,
    # and the same W1, b1, W2, b2 after, every step. scratch: gradient_descent;
    # torch: the torch side of MLP (n_x, n_h tanh, 1 sigmoid) in dl_parity.engine
    # (PlanarNet, nn.BCELoss, autograd + torch.optim.SGD). Tolerance: the existing one,
    # times G'_t where the dynamics measurably amplify a one-ulp change (_sensitivity).
    parameters, X, Y = data.draw(planar_problem(dtype))
    learning_rate = data.draw(st.sampled_from([0.05, 0.5, 1.2]), label="learning_rate")
    check_training(parity, parameters, X, Y, learning_rate, device)


# ------------------------------------------------------------------ issue 8: a chaotic draw
def chaotic_draw():
    """The draw that failed on CUDA (GPU_NOTES.md), as hypothesis printed it (8 digits):
    one hidden unit, W2 = -1.7, lr 1.2; float64."""
    parameters = {"W1": np.array([[-0.12876979]]), "b1": np.array([[-0.26668689]]),
                  "W2": np.array([[-1.70556928]]), "b2": np.array([[-0.29253413]])}
    X = np.array([[0.36605963, 0.87255069, 0.09930204, -0.30051871, -0.4706018,
                   0.75828232, 0.69872101, -0.55971916]])
    Y = np.array([[1.0, 0, 1, 1, 1, 1, 1, 1]])
    return parameters, X, Y, 1.2


def stable_draw():
    """A draw of the same shape in the stable regime (lr 0.5, W2 = +0.8)."""
    parameters = {"W1": np.array([[0.9]]), "b1": np.array([[0.1]]),
                  "W2": np.array([[0.8]]), "b2": np.array([[-0.2]])}
    X = np.array([[0.36605963, 0.87255069, 0.09930204, -0.30051871, -0.4706018,
                   0.75828232, 0.69872101, -0.55971916]])
    Y = np.array([[1.0, 0, 1, 0, 0, 1, 1, 0]])
    return parameters, X, Y, 0.5


def test_chaotic_draw_fails_plain_tolerance_within_sensitivity_bound(device, parity):
    # The plain check (rtol 1e-10 at every step) fails on this draw, on CPU as on CUDA:
    # the dynamics amplify the routes' last-bit differences ~4x a step after step ~85.
    # The measured bound holds, and it is the plain tolerance (G' = 1) for the first 60
    # steps (measured: G' first exceeds 1 at step 68, then doubles a step, 1e9 at step 99).
    parameters, X, Y, learning_rate = chaotic_draw()
    G, costs_t, costs, after_torch, after_scratch = check_training(
        parity, parameters, X, Y, learning_rate, device)
    tol = tolerance_for(parameters, X, steps=NUM_STEPS)
    plain = np.abs(np.array(costs_t) - np.array(costs)) <= tol["atol"] + tol["rtol"] * np.abs(costs)
    for key in ("W1", "b1", "W2", "b2"):
        t = np.array([p[key] for p in after_torch])
        n = np.array([p[key] for p in after_scratch])
        plain &= np.all(np.abs(t - n) <= tol["atol"] + tol["rtol"] * np.abs(n), axis=(1, 2))
    assert not plain.all(), "the plain tolerance was expected to fail on the chaotic draw"
    assert (G[:60] == 1).all(), f"G' > 1 in the first 60 steps: {G[:60]}"
    assert G[-1] > 1e8, f"expected a large measured amplification at the end, got {G[-1]:g}"


def test_stable_draw_keeps_plain_tolerance(device, parity):
    # The same shape in the stable regime: nothing amplified (G' = 1 at every step), so the
    # check is exactly the plain one.
    parameters, X, Y, learning_rate = stable_draw()
    G = check_training(parity, parameters, X, Y, learning_rate, device)[0]
    assert (G == 1).all(), f"G' > 1 on a stable draw: {G}"


@pytest.mark.parametrize("draw", [chaotic_draw, stable_draw])
def test_sensitivity_bound_catches_a_wrong_learning_rate(device, parity, draw):
    # A mutation on the torch side only (lr x (1 + 1e-6)): the bound must reject it, on
    # the chaotic draw as on the stable one (the early steps keep the plain tolerance).
    parameters, X, Y, learning_rate = draw()
    with pytest.raises(AssertionError):     # not recorded: this failure is the expected one
        check_training(UNRECORDED, parameters, X, Y, learning_rate, device,
                       torch_learning_rate=learning_rate * (1 + 1e-6))


# ------------------------------------------------------------------ issue 15, item 16: nn_model
def _seeded_init(n_x, n_h, n_y):
    """The course's nn_model start, written out: np.random.seed(3), then W1 = randn(n_h, n_x)
    * 0.01, b1 = 0, W2 = randn(n_y, n_h) * 0.01, b2 = 0 (W1 drawn first)."""
    np.random.seed(3)
    W1 = np.random.randn(n_h, n_x) * 0.01
    W2 = np.random.randn(n_y, n_h) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}


def test_nn_model_starts_from_seed_3():
    """nn_model itself: seed 3 inside, n_h hidden units, the course's init; with no
    iteration it returns exactly that start, whatever the global generator held before."""
    rng = np.random.default_rng(16)
    X, Y = rng.uniform(-1, 1, (2, 8)), (rng.uniform(size=(1, 8)) < 0.5).astype(np.float64)
    np.random.seed(12345)
    start = shallow_nn.nn_model(X, Y, 5, num_iterations=0)
    expected = _seeded_init(2, 5, 1)
    assert set(start) == set(expected)
    for key, value in expected.items():
        assert_array_equal(start[key], value)


def test_nn_model_trains_at_1_2(device, parity, capsys):
    """nn_model's wiring: num_iterations steps of gradient descent at the course's lr 1.2 from
    the seeded start, the same parameters as the torch side trained alone in the engine
    (nn.BCELoss, autograd, torch.optim.SGD(lr=1.2)) from that start; it prints the cost of
    iteration 0 when asked."""
    rng = np.random.default_rng(16)
    X, Y = rng.uniform(-1, 1, (2, 8)), (rng.uniform(size=(1, 8)) < 0.5).astype(np.float64)
    steps = 5
    trained = shallow_nn.nn_model(X, Y, 5, num_iterations=steps, print_cost=True)
    assert capsys.readouterr().out.startswith("Cost after iteration 0: ")
    start = _seeded_init(2, 5, 1)
    _, after_torch = torch_trajectory(MLP((2, 5, 1), "tanh", "sigmoid"), start, np.float64,
                                      device, 1.2, FullBatch(X, Y, steps))
    tol = tolerance_for(start, X, steps=steps)
    for key in ("W1", "b1", "W2", "b2"):
        parity.close(f"nn_model's {key} after {steps} steps", after_torch[-1][key], trained[key],
                     **tol, formula="w3.training")
