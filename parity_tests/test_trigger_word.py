"""Course 5, week 3, trigger word detection's first layer: scratch.trigger_word's 1-D
convolution (channels last, as Keras' Conv1D), forward and backward by hand, against
nn.Conv1d (channels first; torch_ref.trigger_word converts the layouts once) and centred
finite differences; then at the course's size, (m, 5511, 101) -> (m, 1375, 196).

Data: X in [-1, 1], W ~ N(0, 1) / sqrt(f n_C_prev), b ~ N(0, 1/4): Z is O(1).

Tolerance (2 gamma_n): forward, each Z sums f n_C_prev products and the bias; backward,
db and dW sum over the m T_out positions, dX over the ceil(f / stride) taps that overlap a
position, n_C channels each.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from parity_tests._tolerances import tolerance
from scratch import trigger_word as C
from torch_ref import trigger_word as T

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def steps(m, T_out, f, stride, n_C_prev, n_C):
    return f * n_C_prev + 1 + m * T_out + math.ceil(f / stride) * n_C


def draw_layer(rng, m, T_x, n_C_prev, f, n_C, dtype):
    X = rng.uniform(-1, 1, (m, T_x, n_C_prev)).astype(dtype)
    W = (rng.standard_normal((f, n_C_prev, n_C)) / math.sqrt(f * n_C_prev)).astype(dtype)
    b = (0.5 * rng.standard_normal(n_C)).astype(dtype)
    return X, W, b


def compare(device, parity, X, W, b, stride, pad, dZ, dtype, forward, backward):
    """Both sides from the same X, W, b and dZ; records under the formulas ``forward`` and
    ``backward``."""
    Z, cache = C.conv1d_forward(X, W, b, stride, pad)
    dX, dW, db = C.conv1d_backward(dZ, cache)
    layer = T.conv1d(W, b, stride, pad, device=device, dtype=TORCH_DTYPE[dtype])
    X_t = torch.tensor(X, device=device, requires_grad=True)
    Z_t = T.to_course_layout(layer(T.to_torch_layout(X_t)))
    Z_t.backward(torch.tensor(dZ, device=device))
    tol = tolerance(dtype, steps(X.shape[0], Z.shape[1], W.shape[0], stride, *W.shape[1:]))
    parity.close("Z = conv1d(X, W) + b", Z_t, Z, **tol, formula=forward)
    parity.close("dX", X_t.grad, dX, **tol, formula=backward)
    torch_grads = T.course_gradients(layer)
    parity.close("dW", torch_grads["dW"], dW, **tol, formula=backward)
    parity.close("db", torch_grads["db"], db, **tol, formula=backward)
    return Z


@pytest.mark.parametrize("dtype", DTYPES)
@given(m=st.integers(1, 3), T_x=st.integers(1, 20), n_C_prev=st.integers(1, 5),
       n_C=st.integers(1, 5), f=st.integers(1, 6), stride=st.integers(1, 4),
       pad=st.integers(0, 3), seed=st.integers(0, 2 ** 32 - 1))
def test_conv1d_parity(device, parity, dtype, m, T_x, n_C_prev, n_C, f, stride, pad, seed):
    f = min(f, T_x + 2 * pad)
    rng = np.random.default_rng(seed)
    X, W, b = draw_layer(rng, m, T_x, n_C_prev, f, n_C, dtype)
    T_out = (T_x + 2 * pad - f) // stride + 1
    dZ = rng.standard_normal((m, T_out, n_C)).astype(dtype)
    Z = compare(device, parity, X, W, b, stride, pad, dZ, dtype, forward="c5.conv1d",
                backward="c5.conv1d_backward")
    assert Z.shape == (m, T_out, n_C) and Z.dtype == dtype


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES)
def test_trigger_word_first_layer(device, parity, dtype):
    """The course's Conv1D(filters=196, kernel_size=15, strides=4) on one spectrogram of
    5511 steps x 101 frequencies: 1375 output steps, as the course's Ty."""
    rng = np.random.default_rng(0)
    X, W, b = draw_layer(rng, 1, 5511, 101, 15, 196, dtype)
    dZ = rng.standard_normal((1, 1375, 196)).astype(dtype)
    Z = compare(device, parity, X, W, b, 4, 0, dZ, dtype, forward="c5.conv1d",
                backward="c5.conv1d_backward")
    assert Z.shape == (1, 1375, 196)


@settings(max_examples=10)
@given(T_x=st.integers(2, 9), f=st.integers(1, 4), stride=st.integers(1, 3),
       pad=st.integers(0, 2), seed=st.integers(0, 2 ** 32 - 1))
def test_conv1d_gradient_check(T_x, f, stride, pad, seed):
    f = min(f, T_x + 2 * pad)
    rng = np.random.default_rng(seed)
    X, W, b = draw_layer(rng, 2, T_x, 2, f, 3, np.float64)
    T_out = (T_x + 2 * pad - f) // stride + 1
    dZ = rng.standard_normal((2, T_out, 3))
    dX, dW, db = C.conv1d_backward(dZ, C.conv1d_forward(X, W, b, stride, pad)[1])
    arrays, wanted = {"X": X, "W": W, "b": b}, {"X": dX, "W": dW, "b": db}

    def f_(x):
        return float(np.sum(dZ * C.conv1d_forward(x["X"], x["W"], x["b"], stride, pad)[0]))

    eps, g, approx = 1e-7, [], []
    for name, value in arrays.items():
        for index in np.ndindex(value.shape):
            plus = {**arrays, name: value.copy()}
            minus = {**arrays, name: value.copy()}
            plus[name][index] += eps
            minus[name][index] -= eps
            approx.append((f_(plus) - f_(minus)) / (2 * eps))
            g.append(wanted[name][index])
    g, approx = np.array(g), np.array(approx)
    difference = np.linalg.norm(g - approx) / (np.linalg.norm(g) + np.linalg.norm(approx))
    assert difference < 1e-7, difference


def _bad_inputs():
    X, W, b = np.ones((2, 10, 3)), np.ones((4, 3, 5)), np.zeros(5)
    return {
        "stride 0": (lambda: C.conv1d_forward(X, W, b, 0), "stride: expected a positive integer"),
        "negative pad": (lambda: C.conv1d_forward(X, W, b, 1, -1), "pad: expected an integer >= 0"),
        "channels that do not agree": (lambda: C.conv1d_forward(X, np.ones((4, 2, 5)), b),
                                       "channels must agree"),
        "a filter longer than the input": (lambda: C.conv1d_forward(X, np.ones((11, 3, 5)), b),
                                           "longer than the padded input"),
        "a bias per position": (lambda: C.conv1d_forward(X, W, np.zeros((10, 5))),
                                "b: expected shape"),
        "X without a channel axis": (lambda: C.conv1d_forward(X[..., 0], W, b), "rank 3"),
        "dZ of the wrong length": (lambda: C.conv1d_backward(
            np.ones((2, 6, 5)), C.conv1d_forward(X, W, b)[1]), "dZ: expected shape"),
        "torch: b of the wrong shape": (lambda: T.conv1d(W, np.zeros(4)), "b: expected shape"),
    }


BAD_INPUTS = _bad_inputs()


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input(case):
    call, match = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=match):
        call()
