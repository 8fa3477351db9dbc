"""Week 2, logistic regression: same w, b in, the same A, cost, dw, db out of scratch's
hand-derived ``propagate`` and of autograd through ``torch_ref.LogisticRegression``
with ``nn.BCELoss``, on each device, in float64 and float32.

Layouts: scratch X (n_x, m), Y (1, m), w (n_x, 1), b a scalar; torch X (m, n_x),
Y (m, 1), ``linear.weight`` = w^T (1, n_x), ``linear.bias`` = [b].

Tolerance (see ``_tolerances``): 2 gamma_n with n = ``steps_of_layers([n_x, 1], m)``,
the dot product over n_x, the sums over m and the element-wise sigmoid and log;
data are O(1) (X in [-1, 1], w ~ N(0, 1/n_x)). Training: the error of each of
the 100 steps adds up (a gradient step with alpha below 2 / (largest curvature)
does not amplify a difference in w, b: logistic regression's cost is convex), so
n is multiplied by the number of steps.
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
from parity_tests._arrays import assert_array_equal
from parity_tests._sensitivity import torch_trajectory
from parity_tests._tolerances import steps_of_layers, tolerance
from scratch import logistic_regression as lr
from torch_ref import LogisticRegression

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
NUM_STEPS = 100


@st.composite
def logistic_problem(draw, dtype):
    """(w, b, X, Y): n_x in 1..8, m in 1..16 (m = 1 included), values from a drawn seed."""
    n_x = draw(st.integers(1, 8), label="n_x")
    m = draw(st.integers(1, 16), label="m")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    w = (rng.standard_normal((n_x, 1)) / np.sqrt(n_x)).astype(dtype)
    b = dtype(rng.standard_normal() * 0.5)
    X = rng.uniform(-1, 1, (n_x, m)).astype(dtype)
    Y = (rng.uniform(size=(1, m)) < 0.5).astype(dtype)
    return w, b, X, Y


def torch_model(w, b, device):
    """torch_ref.LogisticRegression holding the same w, b."""
    return LogisticRegression(w.shape[0], device=device, dtype=TORCH_DTYPE[w.dtype.type]) \
        .load_course_parameters({"w": w, "b": b})


def autograd_propagate(w, b, X, Y, device):
    """A (1, m), cost, dw (n_x, 1), db (1,) by autograd of BCELoss(model(X), Y)."""
    model = torch_model(w, b, device)
    A = model(torch.tensor(X.T, device=device))
    cost = nn.BCELoss()(A, torch.tensor(Y.T, device=device))
    cost.backward()
    linear = model.linears[0]
    return A.detach().T, cost.detach(), linear.weight.grad.T, linear.bias.grad


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_propagate_parity(device, parity, dtype, data):
    w, b, X, Y = data.draw(logistic_problem(dtype))
    A_t, cost_t, dw_t, db_t = autograd_propagate(w, b, X, Y, device)
    grads, cost = lr.propagate(w, b, X, Y)
    A = lr.sigmoid(np.dot(w.T, X) + b)          # propagate's forward pass, Z = w^T X + b
    tol = tolerance(dtype, steps_of_layers([X.shape[0], 1], X.shape[1]))
    parity.close("A = sigma(w^T X + b)", A_t, A, **tol, formula="w2.forward")
    parity.close("cost", cost_t, cost, **tol, formula="w2.cost")
    parity.close("dw = (1/m) X (A - Y)^T", dw_t, grads["dw"], **tol, formula="w2.gradients")
    parity.close("db = (1/m) sum(A - Y)", db_t, np.reshape(grads["db"], (1,)), **tol,
                 formula="w2.gradients")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_propagate_loops_parity(device, parity, dtype, data):
    # The explicit loops (one example, one feature at a time) give what the
    # vectorised propagate gives, and what autograd gives.
    w, b, X, Y = data.draw(logistic_problem(dtype))
    grads_loops, cost_loops = lr.propagate_loops(w, b, X, Y)
    grads, cost = lr.propagate(w, b, X, Y)
    _, cost_t, dw_t, db_t = autograd_propagate(w, b, X, Y, device)
    tol = tolerance(dtype, steps_of_layers([X.shape[0], 1], X.shape[1]))
    assert grads_loops["dw"].dtype == dtype  # the loops keep the input's precision
    parity.close("cost: vectorised vs loops", cost, cost_loops, **tol, formula="w2.loops")
    parity.close("dw: vectorised vs loops", grads["dw"], grads_loops["dw"], **tol,
                 formula="w2.loops")
    parity.close("db: vectorised vs loops", grads["db"], grads_loops["db"], **tol,
                 formula="w2.loops")
    parity.close("cost: autograd vs loops", cost_t, cost_loops, **tol, formula="w2.loops")
    parity.close("dw: autograd vs loops", dw_t, grads_loops["dw"], **tol, formula="w2.loops")
    parity.close("db: autograd vs loops", db_t, np.reshape(grads_loops["db"], (1,)), **tol,
                 formula="w2.loops")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_training_parity(device, parity, dtype, data):
    # 100 gradient-descent steps from the same w, b: the same cost before, and the
    # same w, b after, every step. scratch: propagate then w := w - alpha dw,
    # b := b - alpha db, as optimize does (one course step at a time, to read every w, b);
    # torch: a one-layer network (W1 = w^T, b1 = b) alone in the engine, train_step + SGD.
    w0, b0, X, Y = data.draw(logistic_problem(dtype))
    learning_rate = data.draw(st.sampled_from([0.01, 0.1, 0.5]), label="learning_rate")
    w, b = w0, b0
    costs, ws, bs = [], [], []
    for _ in range(NUM_STEPS):
        grads, cost = lr.propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        costs.append(cost), ws.append(w), bs.append(b)
    costs_t, after_t = torch_trajectory(
        MLP((X.shape[0], 1)), {"W1": w0.T, "b1": np.full((1, 1), b0, dtype=np.dtype(dtype))},
        dtype, device, learning_rate, FullBatch(X, Y, NUM_STEPS))
    ws_t = [p["W1"].T for p in after_t]
    bs_t = [p["b1"][0, 0] for p in after_t]
    # the loop above is optimize's loop: the same final w, b, bit for bit
    params, _, _ = lr.optimize(w0, b0, X, Y, NUM_STEPS, learning_rate)
    assert_array_equal(params["w"], w)
    assert_array_equal(params["b"], b)

    tol = tolerance(dtype, NUM_STEPS * steps_of_layers([X.shape[0], 1], X.shape[1]))
    parity.close("cost at every step", np.array(costs_t, dtype), np.array(costs, dtype), **tol,
                 formula="w2.training")
    parity.close("w after every step", np.array(ws_t), np.array(ws), **tol,
                 formula="w2.training")
    parity.close("b after every step", np.array(bs_t, dtype), np.array(bs, dtype), **tol,
                 formula="w2.training")
