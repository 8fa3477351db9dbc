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

from parity_tests._tolerances import steps_of_layers, tolerance
from scratch import shallow_nn
from torch_ref import PlanarNet, fit

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


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_training_parity(device, parity, dtype, data):
    # 100 steps of gradient descent from the same parameters: the same cost before,
    # and the same W1, b1, W2, b2 after, every step. scratch: gradient_descent;
    # torch: torch_ref.fit (autograd + torch.optim.SGD). Both report through a callback.
    parameters, X, Y = data.draw(planar_problem(dtype))
    learning_rate = data.draw(st.sampled_from([0.05, 0.5, 1.2]), label="learning_rate")
    after_scratch, after_torch = [], []
    _, costs = shallow_nn.gradient_descent(
        X, Y, parameters, NUM_STEPS, learning_rate,
        callback=lambda i, cost, params: after_scratch.append(params))
    costs_t = fit(planar_net(parameters, device), torch.tensor(X.T, device=device),
                  torch.tensor(Y.T, device=device), learning_rate, NUM_STEPS,
                  callback=lambda i, cost, net: after_torch.append(net.course_parameters()))
    tol = tolerance_for(parameters, X, steps=NUM_STEPS)
    parity.close("cost at every step", np.array(costs_t, dtype), np.array(costs, dtype), **tol,
                 formula="w3.training")
    for key in ("W1", "b1", "W2", "b2"):
        parity.close(f"{key} after every step", np.array([p[key] for p in after_torch]),
                     np.array([p[key] for p in after_scratch]), **tol, formula="w3.training")
