"""Course 5, week 3, neural machine translation: scratch.nmt_attention's one_step_attention,
forward and backward by hand, against torch_ref.nmt_attention (two nn.Linear, tanh, ReLU,
softmax over the T_x steps, bmm, autograd), and against centred finite differences.

Data: a, s_prev in [-1, 1]; W ~ N(0, 1) / sqrt(d_in), b ~ N(0, 1/4): every pre-activation
O(1). The same upstream d_context goes to the hand backward and to ``context.backward``.

Tolerance (2 gamma_n, ``_tolerances``), D = 2 n_a + n_s: forward, concat W1 (D terms),
tanh, e W2 (n_e terms), ReLU, the softmax over T_x (a sum, exp, division) and the weighted
sum over T_x; backward, d_alphas over 2 n_a, the softmax's sum over T_x, de and d_concat
(n_e terms), dW sums over the m T_x positions, ds_prev over T_x.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from parity_tests._tolerances import ELEMENTWISE_OPS as E, tolerance
from scratch import nmt_attention as A
from torch_ref import nmt_attention as T

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def steps(m, T_x, two_n_a, n_s, n_e):
    D = two_n_a + n_s
    forward = D + n_e + 2 * T_x + 3 * E
    return forward + two_n_a + T_x + 2 * m * T_x + 2 * n_e + E + T_x


@st.composite
def problem(draw, dtype):
    """(a, s_prev, parameters, d_context): m in 1..4, T_x in 1..8, 2 n_a in 1..8, n_s in 1..6,
    n_e in 1..10 (the course's is 10)."""
    m, T_x = draw(st.integers(1, 4), label="m"), draw(st.integers(1, 8), label="T_x")
    two_n_a, n_s = draw(st.integers(1, 8), label="2 n_a"), draw(st.integers(1, 6), label="n_s")
    n_e = draw(st.integers(1, 10), label="n_e")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    D = two_n_a + n_s
    parameters = {"W1": rng.standard_normal((D, n_e)) / np.sqrt(D),
                  "b1": 0.5 * rng.standard_normal(n_e),
                  "W2": rng.standard_normal((n_e, 1)) / np.sqrt(n_e),
                  "b2": 0.5 * rng.standard_normal(1)}
    parameters = {k: v.astype(dtype) for k, v in parameters.items()}
    a = rng.uniform(-1, 1, (m, T_x, two_n_a)).astype(dtype)
    s_prev = rng.uniform(-1, 1, (m, n_s)).astype(dtype)
    d_context = rng.standard_normal((m, 1, two_n_a)).astype(dtype)
    return a, s_prev, parameters, d_context


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_one_step_attention_parity(device, parity, dtype, data):
    a, s_prev, parameters, d_context = data.draw(problem(dtype))
    context, cache = A.one_step_attention(a, s_prev, parameters)
    da, ds_prev, grads = A.one_step_attention_backward(d_context, cache)
    (m, T_x, two_n_a), n_s, n_e = a.shape, s_prev.shape[1], parameters["b1"].shape[0]
    layer = T.OneStepAttention(two_n_a, n_s, n_e, device=device, dtype=TORCH_DTYPE[dtype])
    layer.load_course_parameters(parameters)
    a_t = torch.tensor(a, device=device, requires_grad=True)
    s_t = torch.tensor(s_prev, device=device, requires_grad=True)
    context_t, alphas_t = layer(a_t, s_t)
    context_t.backward(torch.tensor(d_context, device=device))
    tol = tolerance(dtype, steps(m, T_x, two_n_a, n_s, n_e))
    assert context.shape == (m, 1, two_n_a) and context.dtype == dtype
    parity.close("alphas = softmax over t' of relu(tanh([a; s] W1 + b1) W2 + b2)", alphas_t,
                 cache[4], **tol, formula="c5.one_step_attention")
    parity.close("context = sum_t' alphas a", context_t, context, **tol,
                 formula="c5.one_step_attention")
    parity.close("da", a_t.grad, da, **tol, formula="c5.one_step_attention_backward")
    parity.close("ds_prev", s_t.grad, ds_prev, **tol, formula="c5.one_step_attention_backward")
    torch_grads = layer.course_gradients()
    for key in grads:
        parity.close(key, torch_grads[key], grads[key], **tol,
                     formula="c5.one_step_attention_backward")
    np.testing.assert_allclose(cache[4].sum(axis=1), 1, rtol=10 * tol["rtol"])


@settings(max_examples=10)
@given(data=st.data())
def test_one_step_attention_gradient_check(data):
    a, s_prev, parameters, d_context = data.draw(problem(np.float64))
    _, cache = A.one_step_attention(a, s_prev, parameters)
    assume(np.min(np.abs(cache[3])) > 1e-4)          # no z2 on ReLU's kink
    da, ds_prev, grads = A.one_step_attention_backward(d_context, cache)
    arrays = {"a": a, "s_prev": s_prev, **parameters}
    wanted = {"a": da, "s_prev": ds_prev, **{k: grads["d" + k] for k in parameters}}

    def f(x):
        context, _ = A.one_step_attention(x["a"], x["s_prev"], {k: x[k] for k in parameters})
        return float(np.sum(d_context * context))

    eps, g, approx = 1e-7, [], []
    for name, value in arrays.items():
        for index in np.ndindex(value.shape):
            plus = {**arrays, name: value.copy()}
            minus = {**arrays, name: value.copy()}
            plus[name][index] += eps
            minus[name][index] -= eps
            approx.append((f(plus) - f(minus)) / (2 * eps))
            g.append(wanted[name][index])
    g, approx = np.array(g), np.array(approx)
    difference = np.linalg.norm(g - approx) / (np.linalg.norm(g) + np.linalg.norm(approx))
    assert difference < 1e-7, difference


def test_all_energies_zero_gives_uniform_weights():
    """b2 very negative: every energy is relu(z2) = 0, the alphas are 1 / T_x and the context
    is the mean of the a<t'>; no gradient reaches W1, b1, W2, b2 (ReLU'(z2 < 0) = 0)."""
    rng = np.random.default_rng(0)
    a, s_prev = rng.uniform(-1, 1, (2, 5, 4)), rng.uniform(-1, 1, (2, 3))
    parameters = {"W1": rng.standard_normal((7, 10)), "b1": np.zeros(10),
                  "W2": rng.standard_normal((10, 1)), "b2": np.array([-100.0])}
    context, cache = A.one_step_attention(a, s_prev, parameters)
    np.testing.assert_allclose(cache[4], 0.2)
    np.testing.assert_allclose(context[:, 0], a.mean(axis=1), rtol=1e-15)
    _, ds_prev, grads = A.one_step_attention_backward(np.ones((2, 1, 4)), cache)
    assert not any(np.any(g) for g in grads.values()) and not np.any(ds_prev)


def _bad_inputs():
    rng = np.random.default_rng(0)
    parameters = {"W1": np.ones((7, 10)), "b1": np.zeros(10), "W2": np.ones((10, 1)),
                  "b2": np.zeros(1)}
    a, s_prev = rng.uniform(size=(2, 5, 4)), rng.uniform(size=(2, 3))
    _, cache = A.one_step_attention(a, s_prev, parameters)
    return {
        "a without a time axis": (lambda: A.one_step_attention(a[:, 0], s_prev, parameters),
                                  "a: expected an array of rank 3"),
        "a and s_prev with different m": (lambda: A.one_step_attention(a, s_prev[:1], parameters),
                                          "same number of examples"),
        "W1 that does not take [a; s_prev]":
            (lambda: A.one_step_attention(a, s_prev, {**parameters, "W1": np.ones((6, 10))}),
             r"W1: expected shape \(7, 10\)"),
        "a missing W2": (lambda: A.one_step_attention(
            a, s_prev, {k: v for k, v in parameters.items() if k != "W2"}), "missing"),
        "T_x = 0": (lambda: A.one_step_attention(a[:, :0], s_prev, parameters), "empty axis"),
        "d_context of the wrong shape": (lambda: A.one_step_attention_backward(
            np.ones((2, 5, 4)), cache), "d_context"),
        "torch: W1 of the wrong shape": (lambda: T.OneStepAttention(4, 3).load_course_parameters(
            {**parameters, "W1": np.ones((10, 7))}), "W1 must have shape"),
    }


BAD_INPUTS = _bad_inputs()


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input(case):
    call, match = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=match):
        call()
