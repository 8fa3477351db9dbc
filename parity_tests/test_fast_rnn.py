"""The recurrent fast path (scratch.fast_rnn) computes what the course's forms compute and
what PyTorch computes.

- RNN and LSTM, trained on batches with a softmax output at every step and the cost
  J = -(1/(m T_x)) sum Y log ŷ: the same ŷ<t>, cost and gradients as scratch.rnn's
  rnn_forward / rnn_backward (lstm_*) with the output layer written out in the test
  (dz_y = (ŷ - Y) / (m T_x), dWy = sum dz_y a^T, the upstream da = Wy^T dz_y), and as
  autograd through torch_ref.rnn's CourseRNN / CourseLSTM (nn.RNN / nn.LSTM, nn.Linear,
  F.cross_entropy on the logits); then a few SGD steps in lockstep with the course form;
- the dinosaur model (fast_rnn.CharRNN.optimize) against the course's char_rnn.optimize
  over several names with a_prev carried and the clip active, and against
  torch_ref.char_rnn.train_step.

Tolerances: ``steps_through_time`` of test_rnn (the longest chain of rounding steps
through time), 2 gamma_n: float64 rtol 1e-10 and atol 2 gamma_n, float32 rtol = atol =
2 gamma_n, the absolute part scaled by the compared array's largest entry where that
exceeds 1 (``tol``). Over k training steps each step carries the earlier errors forward:
k times the count. The dinosaur model's loss is a sum over T_x steps (no 1/T_x): its
gradients and loss are sums of T_x terms of O(1), which ``tol`` scales for.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from parity_tests._tolerances import tolerance
from parity_tests.test_rnn import random_parameters, steps_through_time, tol
from scratch import char_rnn, fast_rnn, rnn
from scratch._blas import ThreadPolicy
from torch_ref import char_rnn as torch_char_rnn
from torch_ref.rnn import (
    CourseLSTM,
    CourseRNN,
    _recurrent_parameters,
    sequence_to_torch,
    state_to_torch,
    torch_to_course_weights,
)

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
FAST = {"rnn": fast_rnn.RNN, "lstm": fast_rnn.LSTM}
OUTPUT = {"rnn": "Wya", "lstm": "Wy"}


@st.composite
def batches(draw, cell, dtype):
    """(parameters, x, a0, Y): n_x, n_a in 1..6, n_y in 2..5, m in 1..6, T_x in 1..7."""
    n_x, n_a = draw(st.integers(1, 6), label="n_x"), draw(st.integers(1, 6), label="n_a")
    n_y, m = draw(st.integers(2, 5), label="n_y"), draw(st.integers(1, 6), label="m")
    T_x = draw(st.integers(1, 7), label="T_x")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = random_parameters(rng, cell, n_x, n_a, n_y, dtype)
    x = rng.standard_normal((n_x, m, T_x)).astype(dtype)
    a0 = rng.standard_normal((n_a, m)).astype(dtype)
    Y = np.eye(n_y, dtype=dtype)[:, rng.integers(0, n_y, size=(m, T_x))]   # (n_y, m, T_x)
    return parameters, x, a0, Y


def course_step(cell, parameters, x, a0, Y):
    """The course form: scratch.rnn's forward and backward through time, the output layer
    and the cost J = -(1/(m T_x)) sum Y log ŷ written out. Returns (ŷ, J, gradients)."""
    n_x, m, T_x = x.shape
    if cell == "rnn":
        a, y_hat, caches = rnn.rnn_forward(x, a0, parameters)
    else:
        a, y_hat, _, caches = rnn.lstm_forward(x, a0, parameters)
    Wy = parameters[OUTPUT[cell]]
    cost = -np.sum(Y * np.log(y_hat)) / (m * T_x)
    dz = (y_hat - Y) / (m * T_x)                       # softmax + cross-entropy, every step
    da = np.einsum("ya,ymt->amt", Wy, dz)              # the output layer's share of da<t>
    grads = (rnn.rnn_backward if cell == "rnn" else rnn.lstm_backward)(da, caches)
    grads["d" + OUTPUT[cell]] = np.einsum("ymt,amt->ya", dz, a)
    grads["dby"] = dz.sum(axis=(1, 2)).reshape(-1, 1)
    return y_hat, cost, {k: v for k, v in grads.items() if k not in ("dx", "da0")}


def torch_step(cell, parameters, x, a0, Y, device, dtype):
    """autograd through CourseRNN / CourseLSTM and F.cross_entropy on the logits (mean over
    the m T_x predictions). Returns (ŷ in the course's layout, J, gradients)."""
    n_x, m, T_x = x.shape
    n_y, n_a = parameters[OUTPUT[cell]].shape
    net = (CourseRNN if cell == "rnn" else CourseLSTM)(n_x, n_a, n_y, device=device,
                                                      dtype=TORCH_DTYPE[dtype])
    net.load_course_parameters(parameters)
    x_t, a0_t = sequence_to_torch(x, device), state_to_torch(a0, device)
    labels = sequence_to_torch(Y, device).argmax(-1)   # (T_x, m)
    logits = net.logits(x_t, a0_t)
    cost = torch.nn.functional.cross_entropy(logits.reshape(-1, n_y), labels.reshape(-1))
    cost.backward()
    grads = {k: p.grad.detach().cpu().numpy()
             for k, p in _recurrent_parameters(net.rnn).items() if k != "bias_hh"}
    grads = {"d" + k: v for k, v in torch_to_course_weights(grads, cell).items()}
    grads["d" + OUTPUT[cell]] = net.output.weight.grad.cpu().numpy()
    grads["dby"] = net.output.bias.grad.cpu().numpy().reshape(-1, 1)
    y_hat = torch.softmax(logits.detach(), dim=-1).cpu().numpy().transpose(2, 1, 0)
    return y_hat, cost.item(), grads


# ============================================================================ batches
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_fast_recurrent_matches_course_form(parity, cell, dtype, data):
    parameters, x, a0, Y = data.draw(batches(cell, dtype))
    y_hat, cost, grads = course_step(cell, parameters, x, a0, Y)
    net = FAST[cell](parameters)
    y_fast = net.forward(x, a0).copy()
    cost_fast = net.cost(Y)
    net.backward(Y)
    fast = net.gradients()
    n = steps_through_time(*x.shape[:1], parameters[OUTPUT[cell]].shape[1],
                           parameters[OUTPUT[cell]].shape[0], *x.shape[1:], cell)
    formula = {"rnn": "c5.fast_rnn", "lstm": "c5.fast_lstm"}[cell]
    assert y_fast.dtype == dtype and y_fast.shape == y_hat.shape
    parity.close("ŷ<t> fast vs course form", y_fast, y_hat, **tol(dtype, n, y_hat),
                 formula=formula)
    parity.close("J fast vs course form", np.asarray(cost_fast), np.asarray(cost),
                 **tol(dtype, n, cost), formula=formula)
    assert sorted(fast) == sorted(grads)
    for key, value in grads.items():
        assert fast[key].dtype == dtype and fast[key].shape == value.shape
        parity.close(f"{key} fast vs course form", fast[key], value, **tol(dtype, n, value),
                     formula=formula)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_fast_recurrent_matches_torch(device, parity, cell, dtype, data):
    parameters, x, a0, Y = data.draw(batches(cell, dtype))
    y_t, cost_t, grads_t = torch_step(cell, parameters, x, a0, Y, device, dtype)
    net = FAST[cell](parameters)
    y_fast = net.forward(x, a0).copy()
    cost = net.cost(Y)
    net.backward(Y)
    fast = net.gradients()
    n = steps_through_time(x.shape[0], parameters[OUTPUT[cell]].shape[1],
                           parameters[OUTPUT[cell]].shape[0], *x.shape[1:], cell)
    formula = {"rnn": "c5.fast_rnn", "lstm": "c5.fast_lstm"}[cell]
    parity.close("ŷ<t> torch vs fast", y_t, y_fast, **tol(dtype, n, y_fast), formula=formula)
    parity.close("J torch vs fast", np.asarray(cost_t), np.asarray(cost), **tol(dtype, n, cost),
                 formula=formula)
    for key, value in fast.items():
        parity.close(f"{key} torch vs fast", grads_t[key], value, **tol(dtype, n, value),
                     formula=formula)


@pytest.mark.parametrize("chunk, T_x", [(1, 4), (3, 7), (None, 2 * fast_rnn.FACTOR_STEPS + 3)])
def test_lstm_gate_factors_in_chunks_of_steps(parity, monkeypatch, chunk, T_x):
    """The LSTM's backward forms its gate factors and its weight gradient a chunk of
    FACTOR_STEPS time steps at a time (the hypothesis tests draw T_x <= 7, one chunk):
    chunks of 1 and of 3 steps (the last one short), and the default's with two full
    chunks and a short one, give the course form's gradients."""
    if chunk is not None:
        monkeypatch.setattr(fast_rnn, "FACTOR_STEPS", chunk)
    rng = np.random.default_rng(11)
    n_x, n_a, n_y, m = 3, 5, 4, 3
    parameters = random_parameters(rng, "lstm", n_x, n_a, n_y)
    x = rng.standard_normal((n_x, m, T_x))
    Y = np.eye(n_y)[:, rng.integers(0, n_y, size=(m, T_x))]
    a0 = rng.standard_normal((n_a, m))
    _, cost, grads = course_step("lstm", parameters, x, a0, Y)
    net = fast_rnn.LSTM(parameters)
    net.forward(x, a0)
    net.backward(Y)
    assert len(net._shards[0][2].Qc) == min(T_x, fast_rnn.FACTOR_STEPS)
    fast = net.gradients()
    n = steps_through_time(n_x, n_a, n_y, m, T_x, "lstm")
    for key, value in grads.items():
        parity.close(f"{key}, factors in chunks of {chunk or fast_rnn.FACTOR_STEPS} of "
                     f"{T_x} steps", fast[key], value, **tol(np.float64, n, value),
                     formula="c5.fast_lstm")


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_fast_recurrent_summed_loss(parity, cell):
    """loss="sum" (the dinosaur model's form, no 1/(m T_x)): the cost, step()'s returned
    cost and the gradients are the course form's mean-loss ones times m T_x."""
    rng = np.random.default_rng(5)
    n_x, n_a, n_y, m, T_x = 4, 5, 3, 6, 4
    parameters = random_parameters(rng, cell, n_x, n_a, n_y)
    x = rng.standard_normal((n_x, m, T_x))
    Y = np.eye(n_y)[:, rng.integers(0, n_y, size=(m, T_x))]
    a0 = np.zeros((n_a, m))
    _, cost, grads = course_step(cell, parameters, x, a0, Y)
    net = FAST[cell](parameters, loss="sum")
    net.forward(x, a0)
    total = net.cost(Y)
    net.backward(Y)
    fast = net.gradients()
    t = tolerance(np.float64, steps_through_time(n_x, n_a, n_y, m, T_x, cell))
    formula = {"rnn": "c5.fast_rnn", "lstm": "c5.fast_lstm"}[cell]
    assert total > 0
    parity.close("summed J", np.asarray(total), np.asarray(cost * m * T_x), **t, formula=formula)
    for key, value in grads.items():
        parity.close(f"{key}, summed loss", fast[key], value * (m * T_x), **t, formula=formula)
    stepped = FAST[cell](parameters, loss="sum").step(x, Y, 0.0)
    parity.close("step()'s summed J", np.asarray(stepped), np.asarray(cost * m * T_x), **t,
                 formula=formula)


@pytest.mark.parametrize("shards, workers", [(1, "threads"), (3, "threads"), (3, "processes")])
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_fast_recurrent_trains_like_course_form(parity, cell, shards, workers):
    """Five SGD steps (learning rate 0.5) of the fast path and of the course form in
    lockstep from the same dict: the same cost at every step and the same parameters after;
    the fast path's batch whole, or in three shards (the minimum shard lowered to 2
    examples for the test; shards 1 and 2 run by threads or by worker processes) whose
    gradient sums are added."""
    rng = np.random.default_rng(3)
    n_x, n_a, n_y, m, T_x, steps, alpha = 4, 6, 5, 7, 5, 5, 0.5
    parameters = random_parameters(rng, cell, n_x, n_a, n_y)
    x = rng.standard_normal((n_x, m, T_x))
    Y = np.eye(n_y)[:, rng.integers(0, n_y, size=(m, T_x))]
    a0 = np.zeros((n_a, m))
    net = FAST[cell](parameters, thread_policy=ThreadPolicy(max_threads=shards, min_shard=2,
                                                            shard_workers=workers))
    course = {k: v.copy() for k, v in parameters.items()}
    costs, costs_fast = [], []
    for _ in range(steps):
        _, cost, grads = course_step(cell, course, x, a0, Y)
        course = {k: v - alpha * grads["d" + k] for k, v in course.items()}
        costs.append(cost)
        costs_fast.append(net.step(x, Y, alpha))
    if workers == "processes":
        assert len(net._workers) == shards - 1 and net._shards is None
        with pytest.raises(ValueError, match="no forward pass kept"):
            net.hidden_states()
    else:
        assert len(net._shards) == shards
    assert costs[-1] < costs[0]
    t = tolerance(np.float64, steps * steps_through_time(n_x, n_a, n_y, m, T_x, cell))
    formula = {"rnn": "c5.fast_rnn", "lstm": "c5.fast_lstm"}[cell]
    # a forward pass with the trained parameters (the shards in threads): ŷ and the kept
    # states, the shards put back in batch order
    y_fast = net.forward(x, a0).copy()
    if cell == "rnn":
        a, y_hat, _ = rnn.rnn_forward(x, a0, course)
        expected, states = {"a": a}, {"a": net.hidden_states()}
    else:
        a, y_hat, c, _ = rnn.lstm_forward(x, a0, course)
        expected, states = {"a": a, "c": c}, dict(zip("ac", net.hidden_states()))
    assert y_fast.shape == y_hat.shape == (n_y, m, T_x)
    parity.close(f"ŷ<t> after {steps} steps", y_fast, y_hat, **t, formula=formula)
    for key, value in expected.items():
        assert states[key].shape == value.shape == (n_a, m, T_x)
        parity.close(f"{key}<t> after {steps} steps", states[key], value, **t, formula=formula)
    parity.close("cost, every step", np.array(costs_fast), np.array(costs), **t, formula=formula)
    for key, value in net.course_parameters().items():
        parity.close(f"{key} after {steps} steps", value, course[key], **t, formula=formula)


def test_fast_recurrent_bad_input():
    rng = np.random.default_rng(0)
    parameters = random_parameters(rng, "rnn", 3, 4, 2)
    with pytest.raises(ValueError, match="parameters"):
        fast_rnn.RNN({k: v for k, v in parameters.items() if k != "Waa"})
    with pytest.raises(ValueError, match="loss: expected 'mean' or 'sum', got 'max'"):
        fast_rnn.RNN(parameters, loss="max")
    with pytest.raises(ValueError, match="clip: expected None or a positive number, got -1"):
        fast_rnn.RNN(parameters, clip=-1)
    with pytest.raises(ValueError, match="dtype: expected float32 or float64, got int64"):
        fast_rnn.RNN(parameters, dtype=np.int64)
    net = fast_rnn.RNN(parameters)
    with pytest.raises(ValueError, match=r"x: expected a float64 array \(n_x, m, T_x\) with "
                                         r"n_x = 3 and m, T_x >= 1, got shape \(2, 4, 5\)"):
        net.forward(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match="x: expected a float64 array"):
        net.forward(np.zeros((3, 4, 5), dtype=np.float32))
    with pytest.raises(ValueError, match=r"Y: no forward pass yet"):
        net.cost(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"a0: expected shape \(4, 4\) \(n_a, m\), got \(4, 3\)"):
        net.forward(np.zeros((3, 4, 5)), np.zeros((4, 3)))
    net.forward(np.zeros((3, 4, 5)))
    with pytest.raises(ValueError, match=r"Y: expected one-hot labels \(n_y, m, T_x\) = "
                                         r"\(2, 4, 5\), got \(2, 5, 4\)"):
        net.backward(np.zeros((2, 5, 4)))


# ============================================================================ the dinosaurs
def names(rng, count, letters=26):
    """(X, Y) index lists of ``count`` names, as the course builds them (X[0] = None), of
    2 to 14 letters drawn from the first ``letters`` (few letters: each repeats often)."""
    out = []
    for _ in range(count):
        name = [int(i) for i in rng.integers(1, letters + 1, rng.integers(2, 15))]
        out.append(([None] + name, name + [0]))
    return out


@pytest.mark.parametrize("dtype", DTYPES)
def test_char_rnn_optimize_matches_course(parity, dtype):
    """Ten names through the course's optimize and the fast one, a_prev carried from name
    to name: the same loss, clipped gradients, a<T> and parameters after every step. The
    names use two letters, so a letter's count in a name often exceeds 5 and the summed
    gradient of its bias, dby = sum_t (ŷ<t> - onehot(y<t>)), is clipped at -5."""
    rng = np.random.default_rng(1)
    parameters = char_rnn.initialize_parameters(50, 27, 27)
    parameters = {k: (v + 0.1 * rng.standard_normal(v.shape) / np.sqrt(v.shape[-1]))
                  .astype(dtype) for k, v in parameters.items()}
    course = copy.deepcopy(parameters)
    net = fast_rnn.CharRNN(parameters)
    a_prev = a_fast = np.zeros((50, 1), dtype)
    clipped = 0
    for k, (X, Y) in enumerate(names(rng, 10, letters=2)):
        loss, grads, a_prev = char_rnn.optimize(X, Y, a_prev, course, 0.01)
        loss_f, grads_f, a_fast = net.optimize(X, Y, a_fast, 0.01)
        clipped += sum(int(np.sum(np.abs(g) == 5)) for g in grads.values())
        n = (k + 1) * steps_through_time(27, 50, 27, 1, len(X), "rnn")
        parity.close(f"loss, name {k}", np.asarray(loss_f), np.asarray(loss),
                     **tol(dtype, n, loss), formula="c5.fast_char_rnn")
        parity.close(f"a<T>, name {k}", a_fast, a_prev, **tol(dtype, n, a_prev),
                     formula="c5.fast_char_rnn")
        assert sorted(grads_f) == sorted(grads)
        for key, value in grads.items():
            assert grads_f[key].dtype == dtype
            parity.close(f"{key}, name {k}", grads_f[key], value, **tol(dtype, n, value),
                         formula="c5.fast_char_rnn")
    assert clipped > 0, "the clip at 5 should have been active"
    for key, value in net.course_parameters().items():
        parity.close(f"{key} after 10 names", value, course[key], **tol(dtype, n, course[key]),
                     formula="c5.fast_char_rnn")


def test_char_rnn_optimize_matches_torch(device, parity):
    rng = np.random.default_rng(2)
    parameters = char_rnn.initialize_parameters(20, 27, 27)
    net = fast_rnn.CharRNN(parameters)
    model = torch_char_rnn.CharRNN.from_course_parameters(parameters, device=device)
    optimizer = torch_char_rnn.sgd(model, 0.01)
    a_prev, a_t = np.zeros((20, 1)), torch_char_rnn.hidden_from_course(np.zeros((20, 1)),
                                                                        device=device,
                                                                        dtype=torch.float64)
    for k, (X, Y) in enumerate(names(rng, 3)):
        loss, grads, a_prev = net.optimize(X, Y, a_prev, 0.01)
        loss_t, a_t = torch_char_rnn.train_step(model, optimizer, X, Y, a_t)
        n = (k + 1) * steps_through_time(27, 20, 27, 1, len(X), "rnn")
        parity.close(f"loss, name {k}", np.asarray(loss_t.item()), np.asarray(loss),
                     **tol(np.float64, n, loss), formula="c5.fast_char_rnn")
        for key, value in model.course_gradients().items():
            parity.close(f"{key}, name {k}", value, grads[key], **tol(np.float64, n, value),
                         formula="c5.fast_char_rnn")
    for key, value in model.course_parameters().items():
        parity.close(f"{key} after 3 names", value, net.course_parameters()[key],
                     **tol(np.float64, n, value), formula="c5.fast_char_rnn")


def test_char_rnn_bad_input():
    net = fast_rnn.CharRNN(char_rnn.initialize_parameters(5, 27, 27))
    with pytest.raises(ValueError, match="a_prev"):
        net.optimize([None, 3], [3, 0], np.zeros((4, 1)))
    with pytest.raises(ValueError):
        net.optimize([None, 3], [3], np.zeros((5, 1)))
    with pytest.raises(ValueError, match="learning_rate"):
        net.optimize([None, 3], [3, 0], np.zeros((5, 1)), learning_rate="fast")


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_fast_recurrent_step_in_processes_equals_threads_bit_for_bit(cell):
    """step() with shards 1 .. k-1 in worker processes computes what the same shards in
    threads compute, to the last bit (the same products on one BLAS thread, the shards'
    sums added in the same order), with a0 given, clipping on, and the worker following the
    caller's updates over four steps and a batch of another size."""
    rng = np.random.default_rng(5)
    n_x, n_a, n_y, m, T_x = 4, 6, 5, 9, 4
    parameters = random_parameters(rng, cell, n_x, n_a, n_y)
    x = rng.standard_normal((n_x, m, T_x))
    Y = np.eye(n_y)[:, rng.integers(0, n_y, size=(m, T_x))]
    a0 = rng.standard_normal((n_a, m))
    costs, nets = {}, {}
    for workers in ("threads", "processes"):
        net = nets[workers] = FAST[cell](
            parameters, clip=0.5,
            thread_policy=ThreadPolicy(max_threads=3, min_shard=2, shard_workers=workers))
        costs[workers] = [net.step(x, Y, 0.3, a0) for _ in range(4)]
        costs[workers].append(net.step(x[:, :5], Y[:, :5], 0.3, a0[:, :5]))
    assert len(nets["processes"]._workers) == 2
    assert costs["processes"] == costs["threads"]
    for key, value in nets["threads"].course_parameters().items():
        np.testing.assert_array_equal(nets["processes"].course_parameters()[key], value,
                                      err_msg=key)
