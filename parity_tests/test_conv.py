"""Course 4, week 1, the course's loops (scratch.conv) against PyTorch: the same A_prev, W,
b in, the same Z, pooled A, dA_prev, dW, db out as ``nn.Conv2d``, ``nn.MaxPool2d``,
``nn.AvgPool2d`` and autograd, on random shapes (stride > 1, pad 0 and > 0, non-square
images, several channels), on each device, in float64 and float32.

Layouts: the course is channels last (m, n_H, n_W, n_C), PyTorch channels first; the
conversions are torch_ref.cnn's (``nhwc_to_nchw``, ``course_filter_to_torch``, ...).
The upstream gradient dZ (or dA) enters both sides as the same numbers: autograd gets it
through ``Z.backward(dZ)``.

Tolerances (``_tolerances``): each compared value is a sum of K terms (conv forward:
f f n_C_prev products + the bias; dA_prev: at most f f n_C; dW, db: m n_H n_W), and
rounding is bounded by gamma_K * sum|terms|. sum|terms| is computed exactly, by running
the same (bilinear) map on |A_prev|, |W|, |b|, |dZ| (``_abs_scale``): the count charged is
n = K * ceil(max sum|terms|), so 2 gamma_n bounds the two routes' difference, both
absolute and relative. Max pooling only selects (n = 1); average pooling sums f f
values and divides (n = f f + ELEMENTWISE_OPS).

Max pooling is compared on tie-free data (distinct values); the tie difference (the
course's mask sends dA to EVERY tied maximum, PyTorch to one) has its own test.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from parity_tests._arrays import assert_allclose, assert_array_equal
from parity_tests._tolerances import ELEMENTWISE_OPS, tolerance
from scratch import conv
from scratch.fast_conv import conv_backward_fast, conv_forward_fast
from torch_ref.cnn import conv2d_from_course, nchw_to_nhwc, nhwc_to_nchw, torch_bias_to_course, \
    torch_filter_to_course

DTYPES = {np.float64: torch.float64, np.float32: torch.float32}


# ----------------------------------------------------------------------------- problems
@st.composite
def conv_problems(draw):
    """(seed, m, n_H_prev, n_W_prev, n_C_prev, n_C, f, stride, pad), the filter fitting."""
    f = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    pad = draw(st.integers(0, 2))
    n_H = max(f - 2 * pad, 1) + draw(st.integers(0, 5))
    n_W = max(f - 2 * pad, 1) + draw(st.integers(0, 5))
    return (draw(st.integers(0, 2**32 - 1)), draw(st.integers(1, 3)), n_H, n_W,
            draw(st.integers(1, 4)), draw(st.integers(1, 4)), f, stride, pad)


@st.composite
def pool_problems(draw):
    f = draw(st.integers(1, 4))
    return (draw(st.integers(0, 2**32 - 1)), draw(st.integers(1, 3)),
            f + draw(st.integers(0, 5)), f + draw(st.integers(0, 5)), draw(st.integers(1, 4)),
            f, draw(st.integers(1, 3)))


def conv_data(problem, dtype):
    seed, m, n_H, n_W, n_C_prev, n_C, f, stride, pad = problem
    rng = np.random.default_rng(seed)
    A_prev = rng.uniform(-1, 1, (m, n_H, n_W, n_C_prev)).astype(dtype)
    W = (rng.standard_normal((f, f, n_C_prev, n_C)) / math.sqrt(f * f * n_C_prev)).astype(dtype)
    b = (0.5 * rng.standard_normal((1, 1, 1, n_C))).astype(dtype)
    return rng, A_prev, W, b, {"stride": stride, "pad": pad}


def tie_free(rng, shape, dtype):
    """Distinct values in [-1, 1): no window can hold two equal maxima."""
    size = int(np.prod(shape))
    return (rng.permutation(size).reshape(shape) * (2.0 / size) - 1).astype(dtype)


def _abs_scale(A_prev, W, b, hparameters, dZ=None):
    """max sum|terms| of Z (and, given dZ, of dA_prev, dW, db): the same bilinear maps
    applied to absolute values (float64)."""
    a, w, bb = (np.abs(x).astype(np.float64) for x in (A_prev, W, b))
    if dZ is None:
        return float(conv_forward_fast(a, w, bb, hparameters)[0].max())
    grads = conv_backward_fast(np.abs(dZ).astype(np.float64), (a, w, bb, hparameters))
    return tuple(float(g.max()) for g in grads)


def steps(K, scale):
    return K * max(1, math.ceil(scale))


def _t(a, device):
    return nhwc_to_nchw(np.ascontiguousarray(a)).to(device)


# ----------------------------------------------------------------------------- zero_pad
@given(problem=conv_problems(), dtype=st.sampled_from(list(DTYPES)))
def test_zero_pad_parity(device, parity, problem, dtype):
    _, A_prev, _, _, hp = conv_data(problem, dtype)
    pad = hp["pad"]
    X_pad = conv.zero_pad(A_prev, pad)
    assert X_pad.shape == (A_prev.shape[0], A_prev.shape[1] + 2 * pad,
                           A_prev.shape[2] + 2 * pad, A_prev.shape[3])
    expected = torch.nn.functional.pad(_t(A_prev, device), (pad, pad, pad, pad))
    # copies only: exact
    parity.close("zero_pad(X)", nchw_to_nhwc(expected), X_pad, rtol=0, atol=0,
                 formula="c4.zero_pad")


# ----------------------------------------------------------------------------- conv forward
@given(problem=conv_problems(), dtype=st.sampled_from(list(DTYPES)))
def test_conv_forward_parity(device, parity, problem, dtype):
    _, A_prev, W, b, hp = conv_data(problem, dtype)
    Z, cache = conv.conv_forward(A_prev, W, b, hp)
    assert Z.dtype == dtype and cache[0] is A_prev and cache[3] is hp
    layer = conv2d_from_course(W, b, hp, device=device, dtype=DTYPES[dtype])
    with torch.no_grad():
        Z_t = layer(_t(A_prev, device))
    f, _, n_C_prev, _ = W.shape
    n = steps(f * f * n_C_prev + 1, _abs_scale(A_prev, W, b, hp))
    parity.close("Z = conv(A_prev, W) + b", nchw_to_nhwc(Z_t), Z, **tolerance(dtype, n),
                 formula="c4.conv_forward")


@given(seed=st.integers(0, 2**32 - 1), f=st.integers(1, 5), n_C_prev=st.integers(1, 8))
def test_conv_single_step_parity(device, parity, seed, f, n_C_prev):
    rng = np.random.default_rng(seed)
    a_slice = rng.uniform(-1, 1, (f, f, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev)) / math.sqrt(f * f * n_C_prev)
    b = rng.standard_normal((1, 1, 1))
    Z = conv.conv_single_step(a_slice, W, b)
    assert type(Z) is np.float64                     # the course asserts the type
    Z_t = (torch.as_tensor(a_slice, device=device) * torch.as_tensor(W, device=device)).sum() \
        + float(b[0, 0, 0])
    K = f * f * n_C_prev + 1
    scale = float(np.sum(np.abs(a_slice * W)) + abs(b[0, 0, 0]))
    parity.close("conv_single_step", Z_t, np.asarray(Z), **tolerance(np.float64, steps(K, scale)),
                 formula="c4.conv_forward")


# ----------------------------------------------------------------------------- conv backward
@given(problem=conv_problems(), dtype=st.sampled_from(list(DTYPES)))
def test_conv_backward_parity(device, parity, problem, dtype):
    rng, A_prev, W, b, hp = conv_data(problem, dtype)
    Z, cache = conv.conv_forward(A_prev, W, b, hp)
    m, n_H, n_W, n_C = Z.shape
    M = m * n_H * n_W
    dZ = (rng.uniform(-1, 1, Z.shape) / M).astype(dtype)    # a mean cost's 1/m, per output pixel
    dA_prev, dW, db = conv.conv_backward(dZ, cache)
    assert dA_prev.shape == A_prev.shape and dW.shape == W.shape and db.shape == b.shape
    assert dA_prev.dtype == dW.dtype == db.dtype == dtype

    layer = conv2d_from_course(W, b, hp, device=device, dtype=DTYPES[dtype])
    A_t = _t(A_prev, device).requires_grad_(True)
    layer(A_t).backward(_t(dZ, device))
    f = W.shape[0]
    s_dA, s_dW, s_db = _abs_scale(A_prev, W, b, hp, dZ)
    parity.close("dA_prev", nchw_to_nhwc(A_t.grad), dA_prev,
                 **tolerance(dtype, steps(f * f * n_C, s_dA)), formula="c4.conv_backward")
    parity.close("dW", torch_filter_to_course(layer.weight.grad), dW,
                 **tolerance(dtype, steps(M, s_dW)), formula="c4.conv_backward")
    parity.close("db", torch_bias_to_course(layer.bias.grad), db,
                 **tolerance(dtype, steps(M, s_db)), formula="c4.conv_backward")


def _relative_difference(numeric, analytic):
    return np.linalg.norm(numeric - analytic) / (np.linalg.norm(numeric) + np.linalg.norm(analytic))


@pytest.mark.parametrize("hp", [{"stride": 1, "pad": 0}, {"stride": 2, "pad": 1},
                                {"stride": 3, "pad": 2}])
def test_conv_backward_finite_differences(parity, hp):
    # J = sum(Z * G) for a fixed G, so dJ/dZ = G; central differences, epsilon 1e-7
    rng, A_prev, W, b, _ = conv_data((7, 2, 5, 4, 3, 2, 3, 1, 0), np.float64)
    G = rng.standard_normal(conv.conv_forward(A_prev, W, b, hp)[0].shape)
    _, cache = conv.conv_forward(A_prev, W, b, hp)
    analytic = conv.conv_backward(G, cache)
    eps = 1e-7
    for k, x in enumerate((A_prev, W, b)):
        numeric = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            old = x[idx]
            x[idx] = old + eps
            plus = np.sum(conv.conv_forward(A_prev, W, b, hp)[0] * G)
            x[idx] = old - eps
            minus = np.sum(conv.conv_forward(A_prev, W, b, hp)[0] * G)
            x[idx] = old
            numeric[idx] = (plus - minus) / (2 * eps)
        name = ("dA_prev", "dW", "db")[k]
        assert _relative_difference(numeric, analytic[k]) < 1e-7, name
        # J is bilinear: central differences are exact up to rounding of J (~1e-16 |J| / eps)
        parity.close(f"{name} finite differences", numeric, analytic[k], rtol=1e-6, atol=1e-6,
                     formula="c4.conv_backward")


# ----------------------------------------------------------------------------- pooling
@pytest.mark.parametrize("n_C", [1, 3])
def test_layout_has_standard_strides(device, n_C):
    """The NCHW tensors torch_ref.cnn makes have the standard strides, one channel or more.

    With n_C = 1 a permuted NHWC array passes ``.contiguous()`` unchanged (size-1 strides do not
    count) but keeps channels-last strides, and nn.MaxPool2d then runs its channels-last
    kernel (its output comes out channels-last): on CUDA in float64 that kernel stopped with
    "misaligned address" (torch 2.11, H200), poisoning the process for every later test."""
    from torch_ref.cnn import columns_to_nchw

    standard = (n_C * 4 * 5, 4 * 5, 5, 1)
    A = nhwc_to_nchw(np.arange(2 * 4 * 5 * n_C, dtype=np.float64).reshape(2, 4, 5, n_C))
    X = columns_to_nchw(np.zeros((4 * 5 * n_C, 2)), (4, 5, n_C))
    assert A.stride() == standard and X.stride() == standard
    pooled = torch.nn.MaxPool2d(2)(A.to(device))
    assert pooled.stride() == (n_C * 2 * 2, 2 * 2, 2, 1)       # the NCHW kernel's output
    np.testing.assert_array_equal(nchw_to_nhwc(A).numpy(),
                                  np.arange(2 * 4 * 5 * n_C).reshape(2, 4, 5, n_C))


def _pool_layer(mode, hp):
    if mode == "max":
        return torch.nn.MaxPool2d(hp["f"], stride=hp["stride"])
    return torch.nn.AvgPool2d(hp["f"], stride=hp["stride"])


def _pool_pair(device, problem, dtype, mode):
    seed, m, n_H, n_W, n_C, f, stride = problem
    rng = np.random.default_rng(seed)
    A_prev = tie_free(rng, (m, n_H, n_W, n_C), dtype)
    hp = {"f": f, "stride": stride}
    A, cache = conv.pool_forward(A_prev, hp, mode)
    dA = rng.uniform(-1, 1, A.shape).astype(dtype)
    dA_prev = conv.pool_backward(dA, cache, mode)
    A_t_in = _t(A_prev, device).requires_grad_(True)
    A_t = _pool_layer(mode, hp)(A_t_in)
    A_t.backward(_t(dA, device))
    assert A.dtype == dA_prev.dtype == dtype and dA_prev.shape == A_prev.shape
    return A, dA_prev, nchw_to_nhwc(A_t.detach()), nchw_to_nhwc(A_t_in.grad), f


@given(problem=pool_problems(), dtype=st.sampled_from(list(DTYPES)))
def test_pool_forward_parity(device, parity, problem, dtype):
    for mode in ("max", "average"):
        A, _, A_t, _, f = _pool_pair(device, problem, dtype, mode)
        n = 1 if mode == "max" else f * f + ELEMENTWISE_OPS    # max selects; mean sums f f values
        parity.close(f"{mode} pool A", A_t, A, **tolerance(dtype, n), formula="c4.pool_forward")


@given(problem=pool_problems(), dtype=st.sampled_from(list(DTYPES)))
def test_max_pool_backward_parity(device, parity, problem, dtype):
    _, dA_prev, _, dA_prev_t, f = _pool_pair(device, problem, dtype, "max")
    # each entry adds dA of the windows it is the maximum of: up to f f terms of |dA| <= 1
    parity.close("max pool dA_prev", dA_prev_t, dA_prev, **tolerance(dtype, f * f * f * f),
                 formula="c4.pool_backward_max")


@given(problem=pool_problems(), dtype=st.sampled_from(list(DTYPES)))
def test_average_pool_backward_parity(device, parity, problem, dtype):
    _, dA_prev, _, dA_prev_t, f = _pool_pair(device, problem, dtype, "average")
    # up to f f overlapping shares dA / (f f), each one division: sum|terms| <= 1
    parity.close("average pool dA_prev", dA_prev_t, dA_prev,
                 **tolerance(dtype, f * f + ELEMENTWISE_OPS), formula="c4.pool_backward_average")


def test_max_pool_ties_course_vs_torch(device, parity):
    """The one place the two sides differ ON PURPOSE: a window with tied maxima.

    The course's mask (x == max(x)) sends dA to every tied maximum; nn.MaxPool2d sends
    it to one, the first in the window's row-major order. Forward values agree."""
    A_prev = np.array([[1.0, 1.0, 0.0, 2.0],
                       [1.0, 0.5, 2.0, 2.0]]).reshape(1, 2, 4, 1)
    hp = {"f": 2, "stride": 2}
    A, cache = conv.pool_forward(A_prev, hp, "max")
    dA = np.array([3.0, 5.0]).reshape(1, 1, 2, 1)
    dA_prev = conv.pool_backward(dA, cache, "max")
    A_in = _t(A_prev, device).requires_grad_(True)
    A_t = torch.nn.MaxPool2d(2)(A_in)
    A_t.backward(_t(dA, device))
    parity.close("max pool A with ties", nchw_to_nhwc(A_t.detach()), A, rtol=0, atol=0,
                 formula="c4.pool_backward_max")
    # course: the three tied 1.0s each get 3, the three tied 2.0s each get 5
    assert_array_equal(dA_prev[0, :, :, 0], [[3, 3, 0, 5], [3, 0, 5, 5]])
    # torch: the first maximum of each window only
    assert_array_equal(nchw_to_nhwc(A_in.grad).cpu().numpy()[0, :, :, 0],
                       [[3, 0, 0, 5], [0, 0, 0, 0]])
    # what both conserve differs too: the course's window sums are (number of ties) x dA
    assert dA_prev[0, :, :2, 0].sum() == 3 * 3 and A_in.grad[0, 0, :, :2].sum() == 3


# ----------------------------------------------------------------------------- the course's values
def test_course_unit_values():
    """The notebook's published test values (each reproduced here by this code)."""
    np.random.seed(1)
    x = np.random.randn(4, 3, 3, 2)
    x_pad = conv.zero_pad(x, 3)
    assert x_pad.shape == (4, 9, 9, 2)
    assert_array_equal(x_pad[1, 1], np.zeros((9, 2)))

    np.random.seed(1)
    a_slice_prev, W, b = np.random.randn(4, 4, 3), np.random.randn(4, 4, 3), np.random.randn(1, 1, 1)
    Z = conv.conv_single_step(a_slice_prev, W, b)
    assert type(Z) is np.float64
    assert_allclose(Z, -6.999089450680221, rtol=1e-13)

    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 7, 4)
    W = np.random.randn(3, 3, 4, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, cache_conv = conv.conv_forward(A_prev, W, b, {"pad": 1, "stride": 2})
    assert Z.shape == (2, 3, 4, 8)
    assert_allclose(np.mean(Z), 0.5511276474566768, rtol=1e-13)
    assert_allclose(Z[0, 2, 1], [-2.17796037, 8.07171329, -0.5772704, 3.36286738,
                                 4.48113645, -2.89198428, 10.99288867, 3.03171932],
                    atol=1e-8)
    assert_allclose(cache_conv[0][1][2][3],
                    [-1.1191154, 1.9560789, -0.3264995, -1.34267579], atol=1e-8)

    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 5, 3)
    A, _ = conv.pool_forward(A_prev, {"stride": 1, "f": 3}, mode="max")
    assert A.shape == (2, 3, 3, 3)
    assert_allclose(A[1, 1], [[1.96710175, 0.84616065, 1.27375593],
                              [1.96710175, 0.84616065, 1.23616403],
                              [1.62765075, 1.12141771, 1.2245077]], atol=1e-8)
    A, _ = conv.pool_forward(A_prev, {"stride": 1, "f": 3}, mode="average")
    assert_allclose(A[1, 1], [[0.44497696, -0.00261695, -0.31040307],
                              [0.50811474, -0.23493734, -0.23961183],
                              [0.11872677, 0.17255229, -0.22112197]], atol=1e-8)

    np.random.seed(1)
    A_prev = np.random.randn(10, 4, 4, 3)
    W = np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, cache_conv = conv.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    dA, dW, db = conv.conv_backward(Z, cache_conv)
    assert_allclose([np.mean(dA), np.mean(dW), np.mean(db)],
                    [1.4524377775388075, 1.7269914583139097, 7.839232564616838],
                    rtol=1e-12)

    np.random.seed(1)
    x = np.random.randn(2, 3)
    assert_array_equal(conv.create_mask_from_window(x),
                       [[True, False, False], [False, False, False]])
    assert_array_equal(conv.distribute_value(2, (2, 2)), [[0.5, 0.5], [0.5, 0.5]])

    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    hparameters = {"stride": 1, "f": 2}
    A, cache = conv.pool_forward(A_prev, hparameters)
    dA = np.random.randn(5, 4, 2, 2)
    dA_prev = conv.pool_backward(dA, cache, mode="max")
    assert_allclose(dA_prev[1, 1], [[0, 0], [5.05844394, -1.68282702], [0, 0]],
                    atol=1e-8)
    dA_prev = conv.pool_backward(dA, cache, mode="average")
    assert_allclose(dA_prev[1, 1], [[0.08485462, 0.2787552],
                                    [1.26461098, -0.25749373],
                                    [1.17975636, -0.53624893]], atol=1e-8)


# ----------------------------------------------------------------------------- bad input
def test_conv_bad_input():
    A = np.zeros((2, 5, 5, 3))
    W = np.zeros((3, 3, 3, 4))
    b = np.zeros((1, 1, 1, 4))
    with pytest.raises(ValueError, match=r"stride'\]: expected an integer >= 1, got 0"):
        conv.conv_forward(A, W, b, {"stride": 0, "pad": 0})
    with pytest.raises(ValueError, match=r"stride'\]: expected an integer >= 1, got -1"):
        conv.conv_forward(A, W, b, {"stride": -1, "pad": 0})
    with pytest.raises(ValueError, match="pad: expected an integer >= 0, got -1"):
        conv.conv_forward(A, W, b, {"stride": 1, "pad": -1})
    with pytest.raises(ValueError, match="does not fit the padded input 5 x 5"):
        conv.conv_forward(A, np.zeros((6, 6, 3, 4)), b, {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match="n_C_prev = 3 input channels .* n_C_prev = 2"):
        conv.conv_forward(A, np.zeros((3, 3, 2, 4)), b, {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match=r"b: expected shape \(1, 1, 1, 4\)"):
        conv.conv_forward(A, W, np.zeros((4,)), {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match="square filter"):
        conv.conv_forward(A, np.zeros((3, 2, 3, 4)), b, {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match="4-D array"):
        conv.conv_forward(A[0], W, b, {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match="keys 'stride' and 'pad'"):
        conv.conv_forward(A, W, b, {"stride": 1})
    _, cache = conv.conv_forward(A, W, b, {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match=r"dZ: expected shape \(2, 3, 3, 4\)"):
        conv.conv_backward(np.zeros((2, 3, 3, 3)), cache)
    with pytest.raises(ValueError, match="cache: expected the tuple"):
        conv.conv_backward(np.zeros((2, 3, 3, 4)), cache[:3])
    with pytest.raises(ValueError, match="same shape"):
        conv.conv_single_step(np.zeros((3, 3, 2)), np.zeros((3, 3, 3)), np.zeros((1, 1, 1)))
    with pytest.raises(ValueError, match="pad: expected an integer >= 0"):
        conv.zero_pad(A, -2)


def test_pool_bad_input():
    A = np.zeros((2, 5, 4, 3))
    with pytest.raises(ValueError, match="mode: expected 'max' or 'average', got 'min'"):
        conv.pool_forward(A, {"f": 2, "stride": 2}, mode="min")
    with pytest.raises(ValueError, match=r"stride'\]: expected an integer >= 1, got 0"):
        conv.pool_forward(A, {"f": 2, "stride": 0})
    with pytest.raises(ValueError, match="a 5 x 5 filter does not fit the padded input 5 x 4"):
        conv.pool_forward(A, {"f": 5, "stride": 1})
    with pytest.raises(ValueError, match=r"'f'\]: expected an integer >= 1"):
        conv.pool_forward(A, {"f": 0, "stride": 1})
    _, cache = conv.pool_forward(A, {"f": 2, "stride": 2})
    with pytest.raises(ValueError, match=r"dA: expected shape \(2, 2, 2, 3\)"):
        conv.pool_backward(np.zeros((2, 2, 2, 2)), cache)
    with pytest.raises(ValueError, match="mode: expected 'max' or 'average'"):
        conv.pool_backward(np.zeros((2, 2, 2, 3)), cache, mode="sum")
    with pytest.raises(ValueError, match="non-empty 2-D window"):
        conv.create_mask_from_window(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"shape: expected a tuple \(n_H, n_W\)"):
        conv.distribute_value(1.0, (2, 0))
