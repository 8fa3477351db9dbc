"""Course 5, week 1: the basic RNN and the LSTM, step by step and through time.

Same weights in, the same hidden states a<t>, cell states c<t>, outputs y<t> and every
gradient (dx, da0, dW, db) out of scratch.rnn's hand-derived backward passes and of autograd
through nn.RNN / nn.RNNCell / nn.LSTM / nn.LSTMCell (torch_ref.rnn), on each device (cuDNN's
fused RNN kernels on CUDA), in float64 and float32, over random n_x, n_a, n_y, m, T_x.

How the two sides are tied:
- layouts: the course's (n_x, m, T_x) and (n_a, m) vs torch's (T_x, m, n_x) and (m, n_a),
  converted by torch_ref.rnn's ``sequence_to_torch`` / ``state_to_torch`` and back;
- weights: torch_ref.rnn's ``course_to_torch_weights`` (stacked i, f, g, o for the LSTM,
  bias_hh = 0); the SAME map, being linear, takes weight_ih.grad, weight_hh.grad and
  bias_ih.grad to the course's dW_gate, db_gate (``torch_to_course_weights``);
- upstream gradient: the course's backward takes da (n_a, m, T_x), the gradient of every
  hidden state from outside the recurrence. Autograd gets the same vector-Jacobian product
  from loss = sum(a_torch * da_torch): d loss / d a<t> = da<t> (plus dc_next for a cell).

A third witness: centred finite differences of scratch's own forward (float64, eps 1e-7,
the course's relative difference < 1e-7). The course's own unit values close the file.

Tolerances: see :func:`steps_through_time` for the count n; 2 gamma_n (float64 rtol 1e-10,
atol 2 gamma_n; float32 rtol = atol = 2 gamma_n). The data are O(1) (x, a0, da ~ N(0, 1),
W ~ N(0, 1) / sqrt(n_a + n_x), b ~ N(0, 1/4)); values that grow by design (the LSTM's c<t>
adds up to T_x terms, a weight gradient sums m T_x terms) get the absolute part scaled by
their largest entry (:func:`tol`).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from parity_tests._arrays import assert_allclose, assert_array_equal
from parity_tests._tolerances import ELEMENTWISE_OPS, tolerance
from scratch import rnn
from torch_ref.rnn import (
    CourseLSTM,
    CourseLSTMCell,
    CourseRNN,
    CourseRNNCell,
    _recurrent_parameters,
    sequence_to_course,
    sequence_to_torch,
    state_to_course,
    state_to_torch,
    torch_to_course_weights,
)

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
#: element-wise functions per step: tanh (RNN); 3 sigmoids, 2 tanh (LSTM); 2 sigmoids, tanh (GRU)
GATES = {"rnn": 1, "lstm": 5, "gru": 3}
KEYS = {"rnn": rnn.RNN_KEYS, "lstm": rnn.LSTM_KEYS, "gru": rnn.GRU_KEYS}
EPSILON = 1e-7
THRESHOLD = 1e-7


# ============================================================================ problems
def steps_through_time(n_x, n_a, n_y, m, T_x, cell):
    """Rounding steps along the longest chain of a forward and backward pass through time.

    Forward, per step: each gate's pre-activation is a dot product over [a_prev; x] (n_a + n_x
    terms) plus its bias, then ``GATES[cell]`` element-wise functions with the products
    around them (ELEMENTWISE_OPS each). An error made at step t is carried into every later
    step, so the per-step counts add up over T_x. The output layer adds a dot product over
    n_a, the softmax's sum over n_y and its exp and division.
    Backward, per step: the gradient reaching a_prev sums the gates' n_a-term products, the
    weight gradients sum over m, each gate derivative costs ELEMENTWISE_OPS; the weight
    gradients then add up T_x steps.
    """
    g = GATES[cell]
    forward = T_x * (n_a + n_x + 1 + g * ELEMENTWISE_OPS) + n_a + 1 + n_y + ELEMENTWISE_OPS
    backward = T_x * (g * n_a + m + g * ELEMENTWISE_OPS) + T_x
    return forward + backward


def tol(dtype, n, expected):
    """``tolerance(dtype, n)`` with the absolute part scaled by the compared array's largest
    entry where that exceeds 1 (sums of many O(1) terms: c<t>, dW, db)."""
    t = tolerance(dtype, n)
    t["atol"] *= max(1.0, float(np.abs(expected).max()))
    return t


def random_parameters(rng, cell, n_x, n_a, n_y, dtype=np.float64):
    """The course's dict for ``cell``: W ~ N(0, 1) / sqrt(fan-in), b ~ N(0, 1/4)."""
    shapes = {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "Wya": (n_y, n_a), "Wy": (n_y, n_a),
              "by": (n_y, 1)}
    parameters = {}
    for key in KEYS[cell]:
        shape = shapes.get(key, (n_a, n_a + n_x) if key.startswith("W") else (n_a, 1))
        if key.startswith("W"):
            fan_in = n_a if key in ("Wya", "Wy") else n_a + n_x
            parameters[key] = (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(dtype)
        else:
            parameters[key] = (0.5 * rng.standard_normal(shape)).astype(dtype)
    return parameters


@st.composite
def sequences(draw, cell, dtype, max_T=6):
    """(parameters, x, a0, da, dc): n_x, n_a in 1..5, n_y in 1..4, m in 1..6, T_x in 1..max_T."""
    n_x, n_a = draw(st.integers(1, 5), label="n_x"), draw(st.integers(1, 5), label="n_a")
    n_y, m = draw(st.integers(1, 4), label="n_y"), draw(st.integers(1, 6), label="m")
    T_x = draw(st.integers(1, max_T), label="T_x")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = random_parameters(rng, cell, n_x, n_a, n_y, dtype)
    x = rng.standard_normal((n_x, m, T_x)).astype(dtype)
    a0 = rng.standard_normal((n_a, m)).astype(dtype)
    da = rng.standard_normal((n_a, m, T_x)).astype(dtype)
    dc = rng.standard_normal((n_a, m, T_x)).astype(dtype)
    return parameters, x, a0, da, dc


def sizes(parameters, x):
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya" if "Wya" in parameters else "Wy"].shape
    return n_x, n_a, n_y, m, T_x


def leaf(tensor):
    return tensor.detach().clone().requires_grad_(True)


def recurrent_gradients(module, cell):
    """The course's dW_gate, db_gate from autograd's weight_ih, weight_hh, bias_ih grads."""
    grads = {k: p.grad.detach().cpu().numpy()
             for k, p in _recurrent_parameters(module.rnn).items() if k != "bias_hh"}
    assert _recurrent_parameters(module.rnn)["bias_hh"].grad is None   # frozen at 0
    return {"d" + k: v for k, v in torch_to_course_weights(grads, cell).items()}


# ============================================================================ basic RNN
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_rnn_cell_parity(device, parity, dtype, data):
    parameters, x, a0, da, _ = data.draw(sequences("rnn", dtype, max_T=1))
    xt, a_prev, da_next = x[:, :, 0], a0, da[:, :, 0]
    a_next, yt_pred, cache = rnn.rnn_cell_forward(xt, a_prev, parameters)
    gradients = rnn.rnn_cell_backward(da_next, cache)
    assert cache[0] is a_next and cache[1] is a_prev and cache[2] is xt and cache[3] is parameters

    cell = CourseRNNCell(*sizes(parameters, x)[:3], device=device, dtype=TORCH_DTYPE[dtype])
    cell.load_course_parameters(parameters)
    xt_t, a_prev_t = leaf(state_to_torch(xt, device)), leaf(state_to_torch(a_prev, device))
    a_next_t, yt_t = cell(xt_t, a_prev_t)
    (a_next_t * state_to_torch(da_next, device)).sum().backward()

    n = steps_through_time(*sizes(parameters, x), "rnn")
    parity.close("a_next = tanh(Wax xt + Waa a_prev + ba)", state_to_course(a_next_t), a_next,
                 **tol(dtype, n, a_next), formula="c5.rnn_cell")
    parity.close("yt_pred = softmax(Wya a_next + by)", state_to_course(yt_t), yt_pred,
                 **tol(dtype, n, yt_pred), formula="c5.rnn_cell")
    torch_grads = {"dxt": state_to_course(xt_t.grad), "da_prev": state_to_course(a_prev_t.grad),
                   **recurrent_gradients(cell, "rnn")}
    for key in ("dxt", "da_prev", "dWax", "dWaa", "dba"):
        parity.close(key, torch_grads[key], gradients[key], **tol(dtype, n, gradients[key]),
                     formula="c5.rnn_cell_backward")


def test_rnn_cell_softmax_does_not_overflow(device, parity):
    # by near 1000: exp of the logits overflows; the column's maximum subtracted first keeps
    # yt_pred finite and equal to torch's softmax
    rng = np.random.default_rng(3)
    p = {"Wax": rng.standard_normal((4, 3)), "Waa": rng.standard_normal((4, 4)),
         "Wya": rng.standard_normal((2, 4)), "ba": rng.standard_normal((4, 1)),
         "by": np.array([[1000.0], [999.0]])}
    xt, a_prev = rng.standard_normal((3, 5)), rng.standard_normal((4, 5))
    _, yt_pred, _ = rnn.rnn_cell_forward(xt, a_prev, p)
    cell = CourseRNNCell(3, 4, 2, device=device, dtype=torch.float64).load_course_parameters(p)
    _, yt_t = cell(state_to_torch(xt, device), state_to_torch(a_prev, device))
    assert np.isfinite(yt_pred).all()
    parity.close("yt_pred at logits near 1000", state_to_course(yt_t), yt_pred,
                 **tol(np.float64, steps_through_time(3, 4, 2, 5, 1, "rnn"), yt_pred),
                 formula="c5.rnn_cell")


@pytest.mark.cudnn_float32_off
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_rnn_through_time_parity(device, parity, dtype, data):
    parameters, x, a0, da, _ = data.draw(sequences("rnn", dtype))
    a, y_pred, caches = rnn.rnn_forward(x, a0, parameters)
    gradients = rnn.rnn_backward(da, caches)
    assert len(caches) == 2 and caches[1] is x and len(caches[0]) == x.shape[2]

    net = CourseRNN(*sizes(parameters, x)[:3], device=device, dtype=TORCH_DTYPE[dtype])
    net.load_course_parameters(parameters)
    x_t, a0_t = leaf(sequence_to_torch(x, device)), leaf(state_to_torch(a0, device))
    a_t, y_t = net(x_t, a0_t)
    (a_t * sequence_to_torch(da, device)).sum().backward()   # VJP: d loss / d a<t> = da<t>

    n = steps_through_time(*sizes(parameters, x), "rnn")
    parity.close("a<t>, every step", sequence_to_course(a_t), a, **tol(dtype, n, a),
                 formula="c5.rnn_forward")
    parity.close("y_pred<t>, every step", sequence_to_course(y_t), y_pred,
                 **tol(dtype, n, y_pred), formula="c5.rnn_forward")
    torch_grads = {"dx": sequence_to_course(x_t.grad), "da0": state_to_course(a0_t.grad),
                   **recurrent_gradients(net, "rnn")}
    for key in ("dx", "da0", "dWax", "dWaa", "dba"):
        parity.close(key, torch_grads[key], gradients[key], **tol(dtype, n, gradients[key]),
                     formula="c5.rnn_backward")


# ============================================================================ LSTM
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_lstm_cell_parity(device, parity, dtype, data):
    parameters, x, a0, da, dc = data.draw(sequences("lstm", dtype, max_T=1))
    xt, a_prev, da_next, dc_next = x[:, :, 0], a0, da[:, :, 0], dc[:, :, 0]
    c_prev = np.tanh(da[:, :, 0] + 1).astype(dtype)          # any (n_a, m) cell state
    a_next, c_next, yt, cache = rnn.lstm_cell_forward(xt, a_prev, c_prev, parameters)
    gradients = rnn.lstm_cell_backward(da_next, dc_next, cache)
    assert len(cache) == 10 and cache[2] is a_prev and cache[3] is c_prev and cache[8] is xt

    cell = CourseLSTMCell(*sizes(parameters, x)[:3], device=device, dtype=TORCH_DTYPE[dtype])
    cell.load_course_parameters(parameters)
    xt_t, a_prev_t, c_prev_t = (leaf(state_to_torch(v, device)) for v in (xt, a_prev, c_prev))
    a_next_t, c_next_t, yt_t = cell(xt_t, a_prev_t, c_prev_t)
    ((a_next_t * state_to_torch(da_next, device)).sum()
     + (c_next_t * state_to_torch(dc_next, device)).sum()).backward()

    n = steps_through_time(*sizes(parameters, x), "lstm")
    for what, t_value, value in (("a_next = ot * tanh(c_next)", a_next_t, a_next),
                                 ("c_next = ft * c_prev + it * cct", c_next_t, c_next),
                                 ("yt_pred = softmax(Wy a_next + by)", yt_t, yt)):
        parity.close(what, state_to_course(t_value), value, **tol(dtype, n, value),
                     formula="c5.lstm_cell")
    # the gates the cache holds, from the stacked torch weights (i, f, g, o blocks)
    n_a = a_prev.shape[0]
    with torch.no_grad():
        pre = cell.rnn.weight_ih @ xt_t.T + cell.rnn.weight_hh @ a_prev_t.T + cell.rnn.bias_ih[:, None]
    gates_t = {"it": torch.sigmoid(pre[:n_a]), "ft": torch.sigmoid(pre[n_a:2 * n_a]),
               "cct": torch.tanh(pre[2 * n_a:3 * n_a]), "ot": torch.sigmoid(pre[3 * n_a:])}
    for name, index in (("ft", 4), ("it", 5), ("cct", 6), ("ot", 7)):
        parity.close(f"cached {name}", gates_t[name], cache[index],
                     **tol(dtype, n, cache[index]), formula="c5.lstm_cell")
    torch_grads = {"dxt": state_to_course(xt_t.grad), "da_prev": state_to_course(a_prev_t.grad),
                   "dc_prev": state_to_course(c_prev_t.grad), **recurrent_gradients(cell, "lstm")}
    for key in ("dxt", "da_prev", "dc_prev", "dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo"):
        parity.close(key, torch_grads[key], gradients[key], **tol(dtype, n, gradients[key]),
                     formula="c5.lstm_cell_backward")


@pytest.mark.cudnn_float32_off
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_lstm_through_time_parity(device, parity, dtype, data):
    parameters, x, a0, da, _ = data.draw(sequences("lstm", dtype))
    a, y, c, caches = rnn.lstm_forward(x, a0, parameters)
    gradients = rnn.lstm_backward(da, caches)
    assert len(caches) == 2 and caches[1] is x and len(caches[0]) == x.shape[2]
    dims = sizes(parameters, x)

    net = CourseLSTM(*dims[:3], device=device, dtype=TORCH_DTYPE[dtype])
    net.load_course_parameters(parameters)
    x_t, a0_t = leaf(sequence_to_torch(x, device)), leaf(state_to_torch(a0, device))
    a_t, y_t, c_last_t = net(x_t, a0_t)
    (a_t * sequence_to_torch(da, device)).sum().backward()

    n = steps_through_time(*dims, "lstm")
    parity.close("a<t>, every step", sequence_to_course(a_t), a, **tol(dtype, n, a),
                 formula="c5.lstm_forward")
    parity.close("y<t>, every step", sequence_to_course(y_t), y, **tol(dtype, n, y),
                 formula="c5.lstm_forward")
    parity.close("c<T_x> (nn.LSTM's c_n)", state_to_course(c_last_t), c[:, :, -1],
                 **tol(dtype, n, c), formula="c5.lstm_forward")
    # every c<t>: nn.LSTMCell with the same weights, stepped through time from c<0> = 0
    cell = CourseLSTMCell(*dims[:3], device=device, dtype=TORCH_DTYPE[dtype])
    cell.load_course_parameters(parameters)
    with torch.no_grad():
        a_prev_t, c_prev_t = state_to_torch(a0, device), torch.zeros_like(a0_t)
        for t in range(x.shape[2]):
            a_prev_t, c_prev_t, _ = cell(sequence_to_torch(x, device)[t], a_prev_t, c_prev_t)
            parity.close(f"c<{t + 1}> (nn.LSTMCell)", state_to_course(c_prev_t), c[:, :, t],
                         **tol(dtype, n, c), formula="c5.lstm_forward")
    torch_grads = {"dx": sequence_to_course(x_t.grad), "da0": state_to_course(a0_t.grad),
                   **recurrent_gradients(net, "lstm")}
    for key in ("dx", "da0", "dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo"):
        parity.close(key, torch_grads[key], gradients[key], **tol(dtype, n, gradients[key]),
                     formula="c5.lstm_backward")


# ============================================================================ finite differences
def gradient_check(cost, variables, grads):
    """The course's relative difference ||g - g_approx|| / (||g|| + ||g_approx||) between
    ``grads`` ("d" + name) and centred differences of ``cost(variables)`` over every entry."""
    g, g_approx = [], []
    for name, value in variables.items():
        for index in np.ndindex(value.shape):
            plus = {**variables, name: value.copy()}
            minus = {**variables, name: value.copy()}
            plus[name][index] += EPSILON
            minus[name][index] -= EPSILON
            g_approx.append((cost(plus) - cost(minus)) / (2 * EPSILON))
            g.append(grads["d" + name][index])
    g, g_approx = np.array(g), np.array(g_approx)
    return np.linalg.norm(g - g_approx) / (np.linalg.norm(g) + np.linalg.norm(g_approx))


def sequence_gradient_check(forward, backward, cell, parameters, x, a0, da, first="a0"):
    """J = sum(a * da) as a function of x, a0 and the recurrent parameters, checked against
    ``backward(da, caches)`` (whose da0 / dc0 is named after ``first``)."""
    gate_keys = [k for k in KEYS[cell] if k not in ("Wya", "Wy", "by")]

    def cost(v):
        p = {**parameters, **{k: v[k] for k in gate_keys}}
        return float(np.sum(forward(v["x"], v[first], p)[0] * da))

    grads = backward(da, forward(x, a0, parameters)[-1])
    variables = {"x": x, first: a0, **{k: parameters[k] for k in gate_keys}}
    return gradient_check(cost, variables, grads)


@settings(max_examples=8)
@given(data=st.data())
def test_rnn_backward_gradcheck(data):
    parameters, x, a0, da, _ = data.draw(sequences("rnn", np.float64, max_T=4))
    difference = sequence_gradient_check(rnn.rnn_forward, rnn.rnn_backward, "rnn",
                                         parameters, x, a0, da)
    assert difference < THRESHOLD, f"c5.rnn_backward: difference {difference:.3e}"


@settings(max_examples=8)
@given(data=st.data())
def test_lstm_backward_gradcheck(data):
    parameters, x, a0, da, _ = data.draw(sequences("lstm", np.float64, max_T=4))
    difference = sequence_gradient_check(rnn.lstm_forward, rnn.lstm_backward, "lstm",
                                         parameters, x, a0, da)
    assert difference < THRESHOLD, f"c5.lstm_backward: difference {difference:.3e}"


# ============================================================================ the course's values
def _course_rnn_parameters():
    return {"Waa": np.random.randn(5, 5), "Wax": np.random.randn(5, 3),
            "Wya": np.random.randn(2, 5), "ba": np.random.randn(5, 1), "by": np.random.randn(2, 1)}


def _course_lstm_parameters():
    # the notebook's draw order: Wf, bf, Wi, bi, Wo, bo, Wc, bc, Wy, by
    p = {}
    for W in ("f", "i", "o", "c"):
        p["W" + W], p["b" + W] = np.random.randn(5, 5 + 3), np.random.randn(5, 1)
    p["Wy"], p["by"] = np.random.randn(2, 5), np.random.randn(2, 1)
    return p


def test_course_unit_values_rnn():
    """The expected outputs the notebook prints (8 significant digits), from its own draws."""
    close = dict(rtol=0, atol=5e-9)     # printed to 8 decimals
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    a_next, yt_pred, _ = rnn.rnn_cell_forward(xt, a_prev, _course_rnn_parameters())   # c5.rnn_cell
    assert a_next.shape == (5, 10) and yt_pred.shape == (2, 10)
    assert_allclose(a_next[4], [0.59584544, 0.18141802, 0.61311866, 0.99808218,
                    0.85016201, 0.99980978, -0.18887155, 0.99815551, 0.6531151,
                    0.82872037], **close)
    assert_allclose(yt_pred[1], [0.9888161, 0.01682021, 0.21140899, 0.36817467,
                    0.98988387, 0.88945212, 0.36920224, 0.9966312, 0.9982559,
                    0.17746526], **close)

    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
    a, y_pred, caches = rnn.rnn_forward(x, a0, _course_rnn_parameters())   # c5.rnn_forward
    assert a.shape == (5, 10, 4) and y_pred.shape == (2, 10, 4) and len(caches) == 2
    assert_allclose(a[4][1], [-0.99999375, 0.77911235, -0.99861469, -0.99833267], **close)
    assert_allclose(y_pred[1][3], [0.79560373, 0.86224861, 0.11118257, 0.81515947], **close)
    assert_allclose(caches[1][1][3], [-1.1425182, -0.34934272, -0.20889423, 0.58662319],
                    **close)

    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    p = dict(zip(("Wax", "Waa", "Wya", "ba", "by"), (np.random.randn(5, 3), np.random.randn(5, 5),
                 np.random.randn(2, 5), np.random.randn(5, 1), np.random.randn(2, 1))))
    _, _, cache = rnn.rnn_cell_forward(xt, a_prev, p)
    g = rnn.rnn_cell_backward(np.random.randn(5, 10), cache)   # c5.rnn_cell_backward
    assert g["dxt"].shape == (3, 10) and g["dWaa"].shape == (5, 5) and g["dba"].shape == (5, 1)
    assert_allclose([g["dxt"][1][2], g["da_prev"][2][3], g["dWax"][3][1],
                     g["dWaa"][1][2], g["dba"][4][0]],
                    [-1.3872130506020925, -0.15239949377395495, 0.41077282493545836,
                     1.1503450668497135, 0.20023491], rtol=0, atol=5e-9)

    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
    p = dict(zip(("Wax", "Waa", "Wya", "ba", "by"), (np.random.randn(5, 3), np.random.randn(5, 5),
                 np.random.randn(2, 5), np.random.randn(5, 1), np.random.randn(2, 1))))
    _, _, caches = rnn.rnn_forward(x, a0, p)
    g = rnn.rnn_backward(np.random.randn(5, 10, 4), caches)   # c5.rnn_backward
    assert g["dx"].shape == (3, 10, 4) and g["da0"].shape == (5, 10)
    assert_allclose(g["dx"][1][2], [-2.07101689, -0.59255627, 0.02466855, 0.01483317],
                    **close)
    assert_allclose([g["da0"][2][3], g["dWax"][3][1], g["dWaa"][1][2], g["dba"][4][0]],
                    [-0.314942375127, 11.2641044965, 2.30333312658, -0.74747722],
                    rtol=0, atol=5e-9)


def test_course_unit_values_lstm():
    close = dict(rtol=0, atol=5e-9)
    np.random.seed(1)
    xt, a_prev, c_prev = np.random.randn(3, 10), np.random.randn(5, 10), np.random.randn(5, 10)
    a_next, c_next, yt, cache = rnn.lstm_cell_forward(xt, a_prev, c_prev, _course_lstm_parameters())
    assert a_next.shape == c_next.shape == (5, 10) and yt.shape == (2, 10) and len(cache) == 10
    assert_allclose(a_next[4], [-0.66408471, 0.0036921, 0.02088357, 0.22834167,
                    -0.85575339, 0.00138482, 0.76566531, 0.34631421, -0.00215674,
                    0.43827275], **close)                                  # c5.lstm_cell
    assert_allclose(c_next[2], [0.63267805, 1.00570849, 0.35504474, 0.20690913,
                    -1.64566718, 0.11832942, 0.76449811, -0.0981561, -0.74348425,
                    -0.26810932], **close)
    assert_allclose(yt[1], [0.79913913, 0.15986619, 0.22412122, 0.15606108, 0.97057211,
                    0.31146381, 0.00943007, 0.12666353, 0.39380172, 0.07828381], **close)
    assert_allclose(cache[1][3], [-0.16263996, 1.03729328, 0.72938082, -0.54101719,
                    0.02752074, -0.30821874, 0.07651101, -1.03752894, 1.41219977,
                    -0.37647422], **close)
    g = rnn.lstm_cell_backward(np.random.randn(5, 10), np.random.randn(5, 10), cache)
    assert_allclose(                                                 # c5.lstm_cell_backward
        [g["dxt"][1][2], g["da_prev"][2][3], g["dc_prev"][2][3], g["dWf"][3][1], g["dWi"][1][2],
         g["dWc"][3][1], g["dWo"][1][2], g["dbf"][4][0], g["dbi"][4][0], g["dbc"][4][0],
         g["dbo"][4][0]],
        [3.23055911511, -0.0639621419711, 0.797522038797, -0.147954838164, 1.05749805523,
         2.30456216369, 0.331311595289, 0.18864637, -0.40142491, 0.25587763, 0.13893342],
        rtol=0, atol=5e-9)

    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 7), np.random.randn(5, 10)
    a, y, c, caches = rnn.lstm_forward(x, a0, _course_lstm_parameters())          # c5.lstm_forward
    assert a.shape == c.shape == (5, 10, 7) and y.shape == (2, 10, 7) and len(caches) == 2
    assert_allclose([a[4][3][6], y[1][4][3], c[1][2][1]],
                    [0.172117767533, 0.95087346185, -0.855544916718], rtol=0, atol=5e-12)
    assert_allclose(caches[1][1][1], [0.82797464, 0.23009474, 0.76201118, -0.22232814,
                    -0.20075807, 0.18656139, 0.41005165], **close)


def _printed(text):
    """A value as the notebook prints it, and half a unit of its last printed digit: the
    printed value is the notebook's float64 rounded there (the two float64 computations
    themselves differ by a few ulps, far below that)."""
    decimals = len(text.split(".")[1])
    return float(text), 0.5 * 10.0 ** -decimals


def test_course_lstm_backward_takes_T_x_from_da():
    """Issue 15, item 3: the notebook's lstm_backward example passes da (5, 10, 4) with the
    caches of a 7-step forward; the course reads T_x = 4 off da and backpropagates through the
    first 4 steps. Its printed gradients (the current notebook's Expected Output, in
    docs/course_results.md), each to half a unit of its last printed digit."""
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 7), np.random.randn(5, 10)
    p = {}
    for W in ("f", "i", "o", "c"):                 # the notebook's draw order
        p["W" + W], p["b" + W] = np.random.randn(5, 5 + 3), np.random.randn(5, 1)
    p["Wy"], p["by"] = np.zeros((2, 5)), np.zeros((2, 1))       # "unused, but needed"
    _, _, _, caches = rnn.lstm_forward(x, a0, p)
    assert len(caches[0]) == 7
    g = rnn.lstm_backward(np.random.randn(5, 10, 4), caches)    # c5.lstm_backward
    assert g["dx"].shape == (3, 10, 4) and g["da0"].shape == (5, 10)
    assert all(g[k].shape == (5, 8) for k in ("dWf", "dWi", "dWc", "dWo"))
    assert all(g[k].shape == (5, 1) for k in ("dbf", "dbi", "dbc", "dbo"))
    published = [
        (g["dx"][1][2][0], "0.00218254"), (g["dx"][1][2][1], "0.28205375"),
        (g["dx"][1][2][2], "-0.48292508"), (g["dx"][1][2][3], "-0.43281115"),
        (g["da0"][2][3], "0.312770310257"), (g["dWf"][3][1], "-0.0809802310938"),
        (g["dWi"][1][2], "0.40512433093"), (g["dWc"][3][1], "-0.0793746735512"),
        (g["dWo"][1][2], "0.038948775763"), (g["dbf"][4][0], "-0.15745657"),
        (g["dbi"][4][0], "-0.50848333"), (g["dbc"][4][0], "-0.42510818"),
        (g["dbo"][4][0], "-0.17958196")]
    for value, text in published:
        expected, atol = _printed(text)
        assert abs(value - expected) <= atol, (text, value)


BACKWARDS = {"rnn": (rnn.rnn_forward, rnn.rnn_backward, "a0"),
             "lstm": (rnn.lstm_forward, rnn.lstm_backward, "a0"),
             "gru": (rnn.gru_forward, rnn.gru_backward, "c0"),
             "gru_torch": (rnn.gru_forward_torch_form, rnn.gru_backward_torch_form, "c0")}


@pytest.mark.parametrize("name", BACKWARDS)
@pytest.mark.parametrize("T_x", [1, 3, 5])
def test_backward_through_the_first_T_x_steps(name, T_x):
    """Issue 15, item 3: every backward through time reads T_x off da (dc), as the course's,
    and runs through the first T_x steps of longer caches: exactly the gradients of the
    forward pass of x[:, :, :T_x] (the same operations in the same order)."""
    forward, backward, first = BACKWARDS[name]
    rng = np.random.default_rng(T_x)
    parameters = random_parameters(rng, name.split("_")[0], 3, 4, 2)
    x, a0 = rng.standard_normal((3, 5, 5)), rng.standard_normal((4, 5))
    d = rng.standard_normal((4, 5, T_x))
    long = backward(d, forward(x, a0, parameters)[-1])
    short = backward(d, forward(x[:, :, :T_x], a0, parameters)[-1])
    assert set(long) == set(short) and "d" + first in long
    for key in short:
        assert long[key].shape == short[key].shape
        assert_array_equal(long[key], short[key])
    assert long["dx"].shape == (3, 5, T_x)


# ============================================================================ round trip
@pytest.mark.parametrize("module, cell", [(CourseRNN, "rnn"), (CourseRNNCell, "rnn"),
                                          (CourseLSTM, "lstm"), (CourseLSTMCell, "lstm")])
def test_course_parameters_round_trip(device, module, cell):
    """load_course_parameters then course_parameters gives the dict back bit for bit;
    bias_hh stays 0 and frozen; a wrong dict is refused before anything is copied."""
    rng = np.random.default_rng(3)
    parameters = random_parameters(rng, cell, 3, 4, 2)
    net = module(3, 4, 2, device=device, dtype=torch.float64).load_course_parameters(parameters)
    back = net.course_parameters()
    assert back.keys() == parameters.keys()
    for key in parameters:
        assert_array_equal(back[key], parameters[key], err_msg=key)
    bias_hh = _recurrent_parameters(net.rnn)["bias_hh"]
    assert not bias_hh.requires_grad and not bias_hh.any()
    before = {k: v.copy() for k, v in net.course_parameters().items()}
    with pytest.raises(ValueError, match=f"missing {KEYS[cell][0]}"):
        net.load_course_parameters({k: v for k, v in parameters.items() if k != KEYS[cell][0]})
    bad_shape = {**parameters, "by": np.zeros((3, 1))}
    with pytest.raises(ValueError, match=r"by must have shape \(2, 1\), got \(3, 1\)"):
        net.load_course_parameters({**bad_shape, KEYS[cell][0]: 2 * parameters[KEYS[cell][0]]})
    for key, value in net.course_parameters().items():
        assert_array_equal(value, before[key], err_msg=f"{key} changed by a refused dict")
    with torch.no_grad():
        bias_hh.fill_(1.0)
    with pytest.raises(ValueError, match="bias_hh is not 0"):
        net.course_parameters()


# ============================================================================ bad input
def _problem(cell, T_x=3):
    rng = np.random.default_rng(0)
    parameters = random_parameters(rng, cell, 3, 4, 2)
    return parameters, rng.standard_normal((3, 5, T_x)), rng.standard_normal((4, 5))


FORWARDS = {"rnn": rnn.rnn_forward, "lstm": rnn.lstm_forward, "gru": rnn.gru_forward,
            "gru_torch": rnn.gru_forward_torch_form}


@pytest.mark.parametrize("name", FORWARDS)
def test_sequence_of_length_zero(name):
    parameters, x, a0 = _problem(name.split("_")[0], T_x=0)
    with pytest.raises(ValueError, match=r"at least one time step \(T_x >= 1\), got T_x = 0"):
        FORWARDS[name](x, a0, parameters)


@pytest.mark.parametrize("name", FORWARDS)
def test_mismatched_n_x(name):
    parameters, x, a0 = _problem(name.split("_")[0])
    with pytest.raises(ValueError, match=r"x: expected shape \(n_x, m, T_x\) with n_x = 3"):
        FORWARDS[name](x[:2], a0, parameters)
    with pytest.raises(ValueError, match=r"x: expected a 3-D array, got an array of shape \(3, 5\)"):
        FORWARDS[name](x[:, :, 0], a0, parameters)


@pytest.mark.parametrize("name", FORWARDS)
def test_mismatched_n_a(name):
    parameters, x, a0 = _problem(name.split("_")[0])
    first = "c0" if name.startswith("gru") else "a0"
    with pytest.raises(ValueError, match=rf"{first}: expected shape \(4, 5\) \(\(n_a, m\), n_a = 4"):
        FORWARDS[name](x, a0[:3], parameters)
    with pytest.raises(ValueError, match=rf"{first}: expected shape \(4, 5\)"):
        FORWARDS[name](x, a0[:, :4], parameters)               # m differs from x's


@pytest.mark.parametrize("name", FORWARDS)
def test_parameters_missing_a_gate(name):
    cell = name.split("_")[0]
    parameters, x, a0 = _problem(cell)
    gate = {"rnn": "Waa", "lstm": "Wo", "gru": "Wr"}[cell]
    with pytest.raises(ValueError, match=rf"parameters: missing {gate} for the {cell.upper()} cell"):
        FORWARDS[name](x, a0, {k: v for k, v in parameters.items() if k != gate})
    bad = {**parameters, gate: parameters[gate][:, :-1]}
    shape = rf"{gate} \(4, {parameters[gate].shape[1] - 1}\)"
    with pytest.raises(ValueError, match=shape if cell != "rnn" else rf"parameters\['{gate}'\]"):
        FORWARDS[name](x, a0, bad)


def test_cell_functions_bad_input():
    parameters, x, a0 = _problem("rnn")
    with pytest.raises(ValueError, match=r"xt: expected shape \(3, 5\) \(\(n_x, m\) with n_x = 3"):
        rnn.rnn_cell_forward(x[:2, :, 0], a0, parameters)
    with pytest.raises(ValueError, match=r"a_prev: expected shape \(4, 5\)"):
        rnn.rnn_cell_forward(x[:, :, 0], a0[:2], parameters)
    lstm_p, x, a0 = _problem("lstm")
    with pytest.raises(ValueError, match=r"c_prev: expected shape \(4, 5\)"):
        rnn.lstm_cell_forward(x[:, :, 0], a0, a0[:2], lstm_p)
    with pytest.raises(ValueError, match="parameters: missing Wf"):
        rnn.lstm_cell_forward(x[:, :, 0], a0, a0, {k: v for k, v in lstm_p.items() if k != "Wf"})
    gru_p, x, c0 = _problem("gru")
    for forward in (rnn.gru_cell_forward, rnn.gru_cell_forward_torch_form):
        with pytest.raises(ValueError, match=r"c_prev: expected shape \(4, 5\)"):
            forward(x[:, :, 0], c0[:3], gru_p)


def test_backward_functions_bad_input():
    """The upstream gradient must match the caches: (n_a, m, T_x), or (n_a, m) for a step."""
    for cell, forward, backward in (("rnn", rnn.rnn_forward, rnn.rnn_backward),
                                    ("lstm", rnn.lstm_forward, rnn.lstm_backward),
                                    ("gru", rnn.gru_forward, rnn.gru_backward),
                                    ("gru", rnn.gru_forward_torch_form, rnn.gru_backward_torch_form)):
        parameters, x, a0 = _problem(cell)
        caches = forward(x, a0, parameters)[-1]
        with pytest.raises(ValueError, match=r"expected shape \(4, 5, T_x\) \(\(n_a, m, T_x\)"
                                             r".*1 <= T_x <= their 3 steps.*\(4, 5, 4\)"):
            backward(np.ones((4, 5, 4)), caches)                # more steps than the caches
        with pytest.raises(ValueError, match=r"expected shape \(4, 5, T_x\).*\(4, 6, 2\)"):
            backward(np.ones((4, 6, 2)), caches)                # m differs from the caches'
        with pytest.raises(ValueError, match="caches: expected"):
            backward(np.ones((4, 5, 3)), caches[0])
    parameters, x, a0 = _problem("rnn")
    cache = rnn.rnn_cell_forward(x[:, :, 0], a0, parameters)[-1]
    with pytest.raises(ValueError, match=r"da_next: expected shape \(4, 5\)"):
        rnn.rnn_cell_backward(np.ones((5, 4)), cache)
    parameters, x, a0 = _problem("lstm")
    cache = rnn.lstm_cell_forward(x[:, :, 0], a0, a0, parameters)[-1]
    with pytest.raises(ValueError, match=r"dc_next: expected shape \(4, 5\)"):
        rnn.lstm_cell_backward(np.ones((4, 5)), np.ones((4, 1)), cache)
    parameters, x, c0 = _problem("gru")
    for forward, backward in ((rnn.gru_cell_forward, rnn.gru_cell_backward),
                              (rnn.gru_cell_forward_torch_form, rnn.gru_cell_backward_torch_form)):
        cache = forward(x[:, :, 0], c0, parameters)[-1]
        with pytest.raises(ValueError, match=r"dc_next: expected shape \(4, 5\)"):
            backward(np.ones((4, 6)), cache)
