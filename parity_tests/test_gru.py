"""Course 5, week 1: the GRU in its two forms.

- PyTorch's form (``scratch.rnn.gru_*_torch_form``): the relevance gate multiplies the hidden
  PRODUCT, c~ = tanh(Wcx x + bc + Gamma_r * (Wch c_prev)). Same weights in (mapped once by
  torch_ref.rnn: r, z, n blocks, z = -Wu so that nn.GRU's z = 1 - Gamma_u, bias_hh = 0), the
  same c<t>, y<t> and every gradient out as nn.GRU / nn.GRUCell with autograd.
- The lectures' form (``scratch.rnn.gru_*``): c~ = tanh(Wc [Gamma_r * c_prev; x] + bc).
  torch.nn has no such cell: its autograd twin is torch_ref.rnn.LecturesGRUCell (three
  nn.Linear on the concatenation, weights = the course's Wr, Wu, Wc unchanged).
- :func:`test_gru_forms_differ` shows with numbers that the two forms are different functions
  of the same weights, and that they coincide when Gamma_r = 1 (where the gate has no effect).

Both forms' hand-derived backward passes are also checked against centred finite
differences (float64, eps 1e-7, relative difference < 1e-7). Tolerances as in test_rnn.py
(``steps_through_time(..., "gru")``, absolute part scaled by the largest entry).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from parity_tests.test_rnn import (
    DTYPES,
    THRESHOLD,
    TORCH_DTYPE,
    leaf,
    random_parameters,
    recurrent_gradients,
    sequence_gradient_check,
    sequences,
    sizes,
    steps_through_time,
    tol,
)
from scratch import rnn
from torch_ref.rnn import (
    CourseGRU,
    CourseGRUCell,
    LecturesGRU,
    LecturesGRUCell,
    sequence_to_course,
    sequence_to_torch,
    state_to_course,
    state_to_torch,
)

GRADIENTS = ("dWr", "dbr", "dWu", "dbu", "dWc", "dbc")


def lectures_gradients(cell):
    """dW, db of the lectures' GRU from the grads of LecturesGRUCell's nn.Linear layers."""
    out = {}
    for W, b, name in cell.LAYERS[:3]:
        layer = getattr(cell, name)
        out["d" + W] = layer.weight.grad.detach().cpu().numpy()
        out["d" + b] = layer.bias.grad.detach().cpu().numpy().reshape(-1, 1)
    return out


# ============================================================================ PyTorch's form
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_gru_torch_form_cell_parity(device, parity, dtype, data):
    parameters, x, c0, dc, _ = data.draw(sequences("gru", dtype, max_T=1))
    xt, c_prev, dc_next = x[:, :, 0], c0, dc[:, :, 0]
    c_next, yt, cache = rnn.gru_cell_forward_torch_form(xt, c_prev, parameters)
    gradients = rnn.gru_cell_backward_torch_form(dc_next, cache)

    cell = CourseGRUCell(*sizes(parameters, x)[:3], device=device, dtype=TORCH_DTYPE[dtype])
    cell.load_course_parameters(parameters)
    xt_t, c_prev_t = leaf(state_to_torch(xt, device)), leaf(state_to_torch(c_prev, device))
    c_next_t, yt_t = cell(xt_t, c_prev_t)
    (c_next_t * state_to_torch(dc_next, device)).sum().backward()

    n = steps_through_time(*sizes(parameters, x), "gru")
    parity.close("c_next (nn.GRUCell)", state_to_course(c_next_t), c_next,
                 **tol(dtype, n, c_next), formula="c5.gru_torch_form")
    parity.close("yt_pred", state_to_course(yt_t), yt, **tol(dtype, n, yt),
                 formula="c5.gru_torch_form")
    # nn.GRU's update gate z, from its own stacked weights (rows n_a..2 n_a), is 1 - Gamma_u
    n_a = c_prev.shape[0]
    with torch.no_grad():
        rows = slice(n_a, 2 * n_a)
        z = torch.sigmoid(xt_t @ cell.rnn.weight_ih[rows].T + c_prev_t @ cell.rnn.weight_hh[rows].T
                          + cell.rnn.bias_ih[rows])
    ut = cache[3]
    parity.close("nn.GRU's z = 1 - Gamma_u", state_to_course(z), 1 - ut,
                 **tol(dtype, n, ut), formula="c5.gru_torch_form")
    torch_grads = {"dxt": state_to_course(xt_t.grad), "dc_prev": state_to_course(c_prev_t.grad),
                   **recurrent_gradients(cell, "gru")}
    for key in ("dxt", "dc_prev") + GRADIENTS:
        parity.close(key, torch_grads[key], gradients[key], **tol(dtype, n, gradients[key]),
                     formula="c5.gru_torch_form")


@pytest.mark.cudnn_float32_off
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_gru_torch_form_through_time_parity(device, parity, dtype, data):
    parameters, x, c0, dc, _ = data.draw(sequences("gru", dtype))
    c, y, caches = rnn.gru_forward_torch_form(x, c0, parameters)
    gradients = rnn.gru_backward_torch_form(dc, caches)

    net = CourseGRU(*sizes(parameters, x)[:3], device=device, dtype=TORCH_DTYPE[dtype])
    net.load_course_parameters(parameters)
    x_t, c0_t = leaf(sequence_to_torch(x, device)), leaf(state_to_torch(c0, device))
    c_t, y_t = net(x_t, c0_t)
    (c_t * sequence_to_torch(dc, device)).sum().backward()

    n = steps_through_time(*sizes(parameters, x), "gru")
    parity.close("c<t> (nn.GRU), every step", sequence_to_course(c_t), c, **tol(dtype, n, c),
                 formula="c5.gru_torch_form_through_time")
    parity.close("y<t>, every step", sequence_to_course(y_t), y, **tol(dtype, n, y),
                 formula="c5.gru_torch_form_through_time")
    torch_grads = {"dx": sequence_to_course(x_t.grad), "dc0": state_to_course(c0_t.grad),
                   **recurrent_gradients(net, "gru")}
    for key in ("dx", "dc0") + GRADIENTS:
        parity.close(key, torch_grads[key], gradients[key], **tol(dtype, n, gradients[key]),
                     formula="c5.gru_torch_form_through_time")


# ============================================================================ the lectures' form
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_gru_lectures_cell_parity(device, parity, dtype, data):
    parameters, x, c0, dc, _ = data.draw(sequences("gru", dtype, max_T=1))
    xt, c_prev, dc_next = x[:, :, 0], c0, dc[:, :, 0]
    c_next, yt, cache = rnn.gru_cell_forward(xt, c_prev, parameters)
    gradients = rnn.gru_cell_backward(dc_next, cache)
    assert len(cache) == 7 and cache[1] is c_prev and cache[5] is xt

    cell = LecturesGRUCell(*sizes(parameters, x)[:3], device=device, dtype=TORCH_DTYPE[dtype])
    cell.load_course_parameters(parameters)
    xt_t, c_prev_t = leaf(state_to_torch(xt, device)), leaf(state_to_torch(c_prev, device))
    c_next_t, yt_t = cell(xt_t, c_prev_t)
    (c_next_t * state_to_torch(dc_next, device)).sum().backward()

    n = steps_through_time(*sizes(parameters, x), "gru")
    parity.close("c_next = Gamma_u * c~ + (1 - Gamma_u) * c_prev", state_to_course(c_next_t),
                 c_next, **tol(dtype, n, c_next), formula="c5.gru_lectures")
    parity.close("yt_pred", state_to_course(yt_t), yt, **tol(dtype, n, yt),
                 formula="c5.gru_lectures")
    torch_grads = {"dxt": state_to_course(xt_t.grad), "dc_prev": state_to_course(c_prev_t.grad),
                   **lectures_gradients(cell)}
    for key in ("dxt", "dc_prev") + GRADIENTS:
        parity.close(key, torch_grads[key], gradients[key], **tol(dtype, n, gradients[key]),
                     formula="c5.gru_lectures")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_gru_lectures_through_time_parity(device, parity, dtype, data):
    parameters, x, c0, dc, _ = data.draw(sequences("gru", dtype))
    c, y, caches = rnn.gru_forward(x, c0, parameters)
    gradients = rnn.gru_backward(dc, caches)

    net = LecturesGRU(*sizes(parameters, x)[:3], device=device, dtype=TORCH_DTYPE[dtype])
    net.load_course_parameters(parameters)
    x_t, c0_t = leaf(sequence_to_torch(x, device)), leaf(state_to_torch(c0, device))
    c_t, y_t = net(x_t, c0_t)
    (c_t * sequence_to_torch(dc, device)).sum().backward()

    n = steps_through_time(*sizes(parameters, x), "gru")
    parity.close("c<t>, every step", sequence_to_course(c_t), c, **tol(dtype, n, c),
                 formula="c5.gru_lectures_through_time")
    parity.close("y<t>, every step", sequence_to_course(y_t), y, **tol(dtype, n, y),
                 formula="c5.gru_lectures_through_time")
    torch_grads = {"dx": sequence_to_course(x_t.grad), "dc0": state_to_course(c0_t.grad),
                   **lectures_gradients(net.cell)}
    for key in ("dx", "dc0") + GRADIENTS:
        parity.close(key, torch_grads[key], gradients[key], **tol(dtype, n, gradients[key]),
                     formula="c5.gru_lectures_through_time")


# ============================================================================ two functions
def test_gru_forms_differ(device, parity):
    """Same weights, mapped into nn.GRU once: the torch form matches it to rounding, the
    lectures' form differs by O(0.1); with Gamma_r = 1 (Wr = 0, br = 40: sigma(40) rounds to
    1 in float64) Wch (Gamma_r * c) = Gamma_r * (Wch c) and the two forms agree again."""
    rng = np.random.default_rng(5)
    n_x, n_a, n_y, m, T_x = 3, 4, 2, 5, 6
    parameters = random_parameters(rng, "gru", n_x, n_a, n_y)
    x, c0 = rng.standard_normal((n_x, m, T_x)), rng.standard_normal((n_a, m))
    net = CourseGRU(n_x, n_a, n_y, device=device, dtype=torch.float64)
    n = steps_through_time(n_x, n_a, n_y, m, T_x, "gru")

    def compare(parameters):
        net.load_course_parameters(parameters)
        with torch.no_grad():
            c_torch = sequence_to_course(net(sequence_to_torch(x, device),
                                             state_to_torch(c0, device))[0])
        return (c_torch, rnn.gru_forward_torch_form(x, c0, parameters)[0],
                rnn.gru_forward(x, c0, parameters)[0])

    c_torch, c_torch_form, c_lectures = compare(parameters)
    parity.close("nn.GRU vs the torch form", c_torch, c_torch_form, **tol(np.float64, n, c_torch_form),
                 formula="c5.gru_forms")
    gap = np.abs(c_torch - c_lectures)
    # measured (seed 5): 0.165 at worst, 0.025 on average over the 120 entries of c, where
    # nn.GRU and the torch form differ by 2e-16 (the tolerance here is ~1e-13)
    assert gap.max() > 0.1 and gap.mean() > 0.01, f"the forms should differ, gap {gap.max():.3g}"

    saturated = {**parameters, "Wr": np.zeros_like(parameters["Wr"]),
                 "br": np.full_like(parameters["br"], 40.0)}
    c_torch, c_torch_form, c_lectures = compare(saturated)
    parity.close("nn.GRU vs the lectures' form, Gamma_r = 1", c_torch, c_lectures,
                 **tol(np.float64, n, c_lectures), formula="c5.gru_forms")
    parity.close("nn.GRU vs the torch form, Gamma_r = 1", c_torch, c_torch_form,
                 **tol(np.float64, n, c_torch_form), formula="c5.gru_forms")


# ============================================================================ finite differences
@settings(max_examples=8)
@given(data=st.data())
def test_gru_lectures_gradcheck(data):
    parameters, x, c0, dc, _ = data.draw(sequences("gru", np.float64, max_T=4))
    difference = sequence_gradient_check(rnn.gru_forward, rnn.gru_backward, "gru",
                                         parameters, x, c0, dc, first="c0")
    assert difference < THRESHOLD, f"c5.gru_lectures: difference {difference:.3e}"


@settings(max_examples=8)
@given(data=st.data())
def test_gru_torch_form_gradcheck(data):
    parameters, x, c0, dc, _ = data.draw(sequences("gru", np.float64, max_T=4))
    difference = sequence_gradient_check(rnn.gru_forward_torch_form, rnn.gru_backward_torch_form,
                                         "gru", parameters, x, c0, dc, first="c0")
    assert difference < THRESHOLD, f"c5.gru_torch_form: difference {difference:.3e}"
