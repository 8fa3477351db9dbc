"""The Keras layers of course 4's ResNet, MobileNet and U-Net assignments, by hand
(scratch.conv_layers, scratch.mobilenet) against their PyTorch twins (torch_ref.conv_layers:
nn.Conv2d, grouped nn.Conv2d, nn.ConvTranspose2d, nn.BatchNorm2d) and autograd: the same
activations and the same dA_prev, dW, db, on random shapes (strides, every padding, non-square
images, channels), on each device, in float64 and float32; the backward passes against central
differences; week 1's loops (scratch.conv) as a second NumPy witness of Conv2D; bad input.

Layouts: the course is channels last; ``nhwc_to_nchw`` and the kernel conversions of
torch_ref.conv_layers map every tensor (permutations and reshapes: exact). The upstream
gradient enters both sides as the same numbers (``Z.backward(dZ)``).

Tolerances: bilinear layers, bounded by ``_conv_scales`` (K terms per value, sum|terms|
measured by the twin on absolute values; see that module). Batch norm: as
test_batch_norm.py, (2N + ELEMENTWISE_OPS) forward and (4N + 2 ELEMENTWISE_OPS) backward steps
over the N = m n_H n_W values of a channel, times the draw's conditioning kappa.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from parity_tests._conv_scales import abs_scales, count
from parity_tests._finite_differences import assert_gradient
from parity_tests._tolerances import ELEMENTWISE_OPS, tolerance
from scratch import conv, conv_layers as cl, mobilenet as mn
from scratch._validate_layers import transpose_output_hw
from torch_ref import conv_layers as tl
from torch_ref.cnn import nchw_to_nhwc, nhwc_to_nchw, torch_bias_to_course, \
    torch_filter_to_course

DTYPES = {np.float64: torch.float64, np.float32: torch.float32}
KAPPA = 4

# nn.Conv2d(padding="same") with an even f pads a copy of the input (it pads unevenly): a
# performance note from PyTorch, not a difference
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


def raises(*words):
    return pytest.raises(ValueError, match="(?s)" + "".join(f"(?=.*{re.escape(w)})" for w in words))


def _t(a, device, grad=False):
    return nhwc_to_nchw(torch.as_tensor(np.ascontiguousarray(a))).to(device).requires_grad_(grad)


def _np(t):
    return nchw_to_nhwc(t.detach().cpu())


# ----------------------------------------------------------------------------- problems
@st.composite
def conv_problems(draw, dtype, depthwise=False):
    """(rng, A_prev, W, b, stride, padding): a filter that fits, every kind of padding."""
    f = draw(st.integers(1, 4), label="f")
    stride = draw(st.integers(1, 3), label="stride")
    padding = draw(st.sampled_from(["valid", "same", 0, 1, 2] if stride == 1 else
                                   ["valid", 0, 1, 2]), label="padding")
    # the smallest image the filter fits once padded
    n_min = {"valid": f, "same": 1}[padding] if isinstance(padding, str) else \
        max(f - 2 * padding, 1)
    m = draw(st.integers(1, 3), label="m")
    n_H = n_min + draw(st.integers(0, 4), label="n_H - min")
    n_W = n_min + draw(st.integers(0, 4), label="n_W - min")
    n_C_prev = draw(st.integers(1, 4), label="n_C_prev")
    n_C = draw(st.integers(1, 3 if depthwise else 4), label="n_C (depth multiplier)")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    A_prev = rng.uniform(-1, 1, (m, n_H, n_W, n_C_prev)).astype(dtype)
    K = f * f * (1 if depthwise else n_C_prev)
    W = (rng.standard_normal((f, f, n_C_prev, n_C)) / math.sqrt(K)).astype(dtype)
    b = (0.5 * rng.standard_normal((1, 1, 1, n_C_prev * n_C if depthwise else n_C))).astype(dtype)
    return rng, A_prev, W, b, stride, padding


@st.composite
def transpose_problems(draw, dtype):
    """(rng, A_prev, W (f, f, n_C, n_C_prev), b, hparameters), PyTorch's or Keras's form."""
    f = draw(st.integers(1, 4), label="f")
    stride = draw(st.integers(1, 3), label="stride")
    if draw(st.booleans(), label="Keras's padding"):
        hparameters = {"stride": stride, "padding": draw(st.sampled_from(["same", "valid"]))}
    else:
        pad = draw(st.integers(0, max(0, (f - 1) // 2 + 1)), label="pad")
        hparameters = {"stride": stride, "pad": pad,
                       "output_padding": draw(st.integers(0, stride - 1), label="output_padding")}
    m = draw(st.integers(1, 3), label="m")
    n_H, n_W = draw(st.integers(1, 4), label="n_H"), draw(st.integers(1, 4), label="n_W")
    n_C_prev, n_C = draw(st.integers(1, 4), label="n_C_prev"), draw(st.integers(1, 4), label="n_C")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    A_prev = rng.uniform(-1, 1, (m, n_H, n_W, n_C_prev)).astype(dtype)
    W = (rng.standard_normal((f, f, n_C, n_C_prev)) / math.sqrt(f * f * n_C_prev)).astype(dtype)
    b = (0.5 * rng.standard_normal((1, 1, 1, n_C))).astype(dtype)
    if min(transpose_output_hw(n, f, stride, hparameters) for n in (n_H, n_W)) < 1:
        hparameters = {"stride": stride, "pad": 0, "output_padding": 0}
    return rng, A_prev, W, b, hparameters


def _compare_bilinear(parity, dtype, module, inputs, upstream, out_t, out, grads, K, formula,
                      what):
    """out and every gradient within 2 gamma_n, n = K[name] * ceil(max sum|terms|).
    grads: name -> (torch value, NumPy value, the key of its scale in abs_scales)."""
    scales = abs_scales(module, inputs, upstream)
    parity.close(f"{what}: Z", out_t, out, **tolerance(dtype, count(K["out"], scales["out"])),
                 formula=formula)
    for name, (t_value, np_value, scale_key) in grads.items():
        parity.close(f"{what}: {name}", t_value, np_value,
                     **tolerance(dtype, count(K[name], scales[scale_key])), formula=formula)


# ============================================================================ Conv2D
@pytest.mark.parametrize("dtype", list(DTYPES))
@given(data=st.data())
def test_conv2d_parity(device, parity, dtype, data):
    rng, A_prev, W, b, stride, padding = data.draw(conv_problems(dtype))
    Z, cache = cl.conv2d_forward(A_prev, W, b, stride, padding)
    assert Z.dtype == dtype
    dZ = rng.standard_normal(Z.shape).astype(dtype)
    dA_prev, dW, db = cl.conv2d_backward(dZ, cache)
    layer = tl.conv2d(W, b, stride, padding, device=device, dtype=DTYPES[dtype])
    At = _t(A_prev, device, grad=True)
    Zt = layer(At)
    Zt.backward(_t(dZ, device))
    f, _, n_C_prev, n_C = W.shape
    m, n_H, n_W, _ = Z.shape
    K = {"out": f * f * n_C_prev + 1, "dA_prev": f * f * n_C, "dW": m * n_H * n_W,
         "db": m * n_H * n_W}
    _compare_bilinear(parity, dtype, layer, [A_prev], dZ, _np(Zt), Z,
                      {"dA_prev": (_np(At.grad), dA_prev, "d0"),
                       "dW": (torch_filter_to_course(layer.weight.grad.cpu()), dW, "weight"),
                       "db": (torch_bias_to_course(layer.bias.grad.cpu()), db, "bias")},
                      K, "c4.conv2d", f"Conv2D s={stride} {padding!r}")


@settings(max_examples=10)
@given(data=st.data())
def test_conv2d_is_week_1s_convolution(data):
    """The tap-by-tap Conv2D computes week 1's conv_forward/conv_backward (the course's loops)
    for every integer padding: two NumPy routes, float64."""
    rng, A_prev, W, b, stride, padding = data.draw(conv_problems(np.float64))
    f = W.shape[0]
    assume(padding != "same" or f % 2 == 1)     # an even f's "same" pads unevenly: week 1 cannot
    pad = {"valid": 0, "same": (f - 1) // 2}.get(padding, padding) if isinstance(padding, str) \
        else padding
    Z, cache = cl.conv2d_forward(A_prev, W, b, stride, padding)
    Z1, cache1 = conv.conv_forward(A_prev, W, b, {"stride": stride, "pad": pad})
    np.testing.assert_allclose(Z, Z1, rtol=1e-12, atol=1e-13)
    dZ = rng.standard_normal(Z.shape)
    for mine, loops in zip(cl.conv2d_backward(dZ, cache), conv.conv_backward(dZ, cache1)):
        np.testing.assert_allclose(mine, loops, rtol=1e-12, atol=1e-12)


# ============================================================================ depthwise (MobileNet)
@pytest.mark.parametrize("dtype", list(DTYPES))
@given(data=st.data())
def test_depthwise_conv2d_parity(device, parity, dtype, data):
    rng, A_prev, W, b, stride, padding = data.draw(conv_problems(dtype, depthwise=True))
    Z, cache = mn.depthwise_conv2d_forward(A_prev, W, b, stride, padding)
    dZ = rng.standard_normal(Z.shape).astype(dtype)
    dA_prev, dW, db = mn.depthwise_conv2d_backward(dZ, cache)
    layer = tl.depthwise_conv2d(W, b, stride, padding, device=device, dtype=DTYPES[dtype])
    At = _t(A_prev, device, grad=True)
    Zt = layer(At)
    Zt.backward(_t(dZ, device))
    f, _, n_C_prev, d = W.shape
    m, n_H, n_W, _ = Z.shape
    K = {"out": f * f + 1, "dA_prev": f * f * d, "dW": m * n_H * n_W, "db": m * n_H * n_W}
    _compare_bilinear(parity, dtype, layer, [A_prev], dZ, _np(Zt), Z,
                      {"dA_prev": (_np(At.grad), dA_prev, "d0"),
                       "dW": (tl.torch_depthwise_filter_to_course(layer.weight.grad.cpu(), d),
                              dW, "weight"),
                       "db": (torch_bias_to_course(layer.bias.grad.cpu()), db, "bias")},
                      K, "c4.depthwise_separable",
                      f"DepthwiseConv2D d={d} s={stride} {padding!r}")


@pytest.mark.parametrize("dtype", list(DTYPES))
@given(data=st.data())
def test_separable_conv2d_parity(device, parity, dtype, data):
    rng, A_prev, W_dw, _, stride, padding = data.draw(conv_problems(dtype, depthwise=True))
    n_C_prev, d = W_dw.shape[2:]
    n_C = data.draw(st.integers(1, 4), label="n_C")
    W_pw = (rng.standard_normal((1, 1, n_C_prev * d, n_C)) / math.sqrt(n_C_prev * d)).astype(dtype)
    b = (0.5 * rng.standard_normal((1, 1, 1, n_C))).astype(dtype)
    Z, cache = mn.separable_conv2d_forward(A_prev, W_dw, W_pw, b, stride, padding)
    dZ = rng.standard_normal(Z.shape).astype(dtype)
    dA_prev, dW_dw, dW_pw, db = mn.separable_conv2d_backward(dZ, cache)
    layer = tl.separable_conv2d(W_dw, W_pw, b, stride, padding, device=device,
                                dtype=DTYPES[dtype])
    At = _t(A_prev, device, grad=True)
    Zt = layer(At)
    Zt.backward(_t(dZ, device))
    f = W_dw.shape[0]
    m, n_H, n_W, _ = Z.shape
    N = m * n_H * n_W
    # the two layers in sequence: their counts add (the composed absolute map bounds both)
    K = {"out": f * f + n_C_prev * d + 1, "dA_prev": f * f * d + n_C, "dW_depthwise": N + n_C,
         "dW_pointwise": N, "db": N}
    _compare_bilinear(parity, dtype, layer, [A_prev], dZ, _np(Zt), Z,
                      {"dA_prev": (_np(At.grad), dA_prev, "d0"),
                       "dW_depthwise": (tl.torch_depthwise_filter_to_course(
                           layer.depthwise.weight.grad.cpu(), d), dW_dw, "depthwise.weight"),
                       "dW_pointwise": (torch_filter_to_course(layer.pointwise.weight.grad.cpu()),
                                        dW_pw, "pointwise.weight"),
                       "db": (torch_bias_to_course(layer.pointwise.bias.grad.cpu()), db,
                              "pointwise.bias")},
                      K, "c4.depthwise_separable",
                      f"SeparableConv2D d={d} s={stride} {padding!r}")


def test_separable_is_depthwise_then_pointwise_and_cheaper():
    """SeparableConv2D = DepthwiseConv2D (no bias) then a 1x1 Conv2D; it multiplies
    f f n_C_prev d + n_C_prev d n_C times per output pixel against a Conv2D's f f n_C_prev n_C."""
    rng = np.random.default_rng(0)
    A = rng.uniform(-1, 1, (2, 6, 6, 8))
    W_dw, W_pw = rng.standard_normal((3, 3, 8, 1)), rng.standard_normal((1, 1, 8, 16))
    b = rng.standard_normal((1, 1, 1, 16))
    Z, _ = mn.separable_conv2d_forward(A, W_dw, W_pw, b, 1, "same")
    Z_dw, _ = mn.depthwise_conv2d_forward(A, W_dw, np.zeros((1, 1, 1, 8)), 1, "same")
    Z_pw, _ = cl.conv2d_forward(Z_dw, W_pw, b)
    np.testing.assert_allclose(Z, Z_pw, rtol=1e-15, atol=1e-15)
    # ... and equals a full Conv2D whose kernel is W_dw[p, q, c] W_pw[c, k] (rank one per tap)
    W_full = W_dw[:, :, :, 0, None] * W_pw[0, 0]
    np.testing.assert_allclose(Z, cl.conv2d_forward(A, W_full, b, 1, "same")[0], rtol=1e-12,
                               atol=1e-12)
    assert 3 * 3 * 8 + 8 * 16 < 3 * 3 * 8 * 16


# ============================================================================ Conv2DTranspose
@pytest.mark.parametrize("dtype", list(DTYPES))
@given(data=st.data())
def test_conv2d_transpose_parity(device, parity, dtype, data):
    rng, A_prev, W, b, hp = data.draw(transpose_problems(dtype))
    Z, cache = cl.conv2d_transpose_forward(A_prev, W, b, hp)
    dZ = rng.standard_normal(Z.shape).astype(dtype)
    dA_prev, dW, db = cl.conv2d_transpose_backward(dZ, cache)
    module = tl.conv_transpose2d(W, b, hp, device=device, dtype=DTYPES[dtype])
    layer = module.conv if isinstance(module, tl.KerasConvTranspose2d) else module
    At = _t(A_prev, device, grad=True)
    Zt = module(At)
    assert tuple(Zt.shape) == (Z.shape[0], Z.shape[3], Z.shape[1], Z.shape[2])
    Zt.backward(_t(dZ, device))
    f, _, n_C, n_C_prev = W.shape
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    K = {"out": f * f * n_C_prev + 1, "dA_prev": f * f * n_C, "dW": m * n_H_prev * n_W_prev,
         "db": m * Z.shape[1] * Z.shape[2]}
    prefix = "conv." if isinstance(module, tl.KerasConvTranspose2d) else ""
    _compare_bilinear(parity, dtype, module, [A_prev], dZ, _np(Zt), Z,
                      {"dA_prev": (_np(At.grad), dA_prev, "d0"),
                       "dW": (tl.torch_transpose_filter_to_course(layer.weight.grad.cpu()), dW,
                              f"{prefix}weight"),
                       "db": (torch_bias_to_course(layer.bias.grad.cpu()), db, f"{prefix}bias")},
                      K, "c4.conv2d_transpose", f"Conv2DTranspose {hp}")


def test_conv2d_transpose_is_conv2d_backward():
    """The transposed convolution is Conv2D's backward pass w.r.t. its input: the same kernel
    (Conv2D's (f, f, n_C_prev, n_C) is Conv2DTranspose's (f, f, n_C, n_C_prev) read from the
    other side), and output_padding picks the input size back among those a strided Conv2D
    maps to the same size; so <Conv2D(X), Y> = <X, Conv2DTranspose(Y)>."""
    rng = np.random.default_rng(1)
    for stride, f, pad in [(2, 3, 1), (2, 4, 1), (3, 3, 0), (1, 3, 1), (3, 2, 2)]:
        X = rng.standard_normal((2, 7, 7, 3))
        W = rng.standard_normal((f, f, 3, 5))          # Conv2D: 3 -> 5 channels
        Z, cache = cl.conv2d_forward(X, W, np.zeros((1, 1, 1, 5)), stride, pad)
        Y = rng.standard_normal(Z.shape)
        output_padding = 7 - ((Z.shape[1] - 1) * stride - 2 * pad + f)
        hp = {"stride": stride, "pad": pad, "output_padding": output_padding}
        T, _ = cl.conv2d_transpose_forward(Y, W, np.zeros((1, 1, 1, 3)), hp)
        assert T.shape == X.shape
        np.testing.assert_allclose(T, cl.conv2d_backward(Y, cache)[0], rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(np.sum(Z * Y), np.sum(X * T), rtol=1e-12)


def test_keras_same_is_torch_padding_0_cropped_not_padding_1():
    """Keras's Conv2DTranspose(3, strides=2, padding="same") crops the full (2n + 1)-row output
    at the END (TensorFlow's strided "same" pads the end), PyTorch's usual padding=1,
    output_padding=1 crops the FIRST row: the same size, one pixel apart."""
    rng = np.random.default_rng(2)
    A, W, b = rng.standard_normal((1, 3, 4, 2)), rng.standard_normal((3, 3, 5, 2)), np.zeros((1, 1, 1, 5))
    same, _ = cl.conv2d_transpose_forward(A, W, b, {"stride": 2, "padding": "same"})
    full, _ = cl.conv2d_transpose_forward(A, W, b, {"stride": 2, "pad": 0, "output_padding": 0})
    torch_usual, _ = cl.conv2d_transpose_forward(A, W, b, {"stride": 2, "pad": 1,
                                                           "output_padding": 1})
    assert same.shape == torch_usual.shape == (1, 6, 8, 5) and full.shape == (1, 7, 9, 5)
    np.testing.assert_array_equal(same, full[:, :6, :8])
    np.testing.assert_array_equal(torch_usual, full[:, 1:, 1:])
    assert not np.allclose(same, torch_usual)


# ============================================================================ BatchNormalization
def kappa(Z):
    """max|z| / min sigma over the channels of Z (at least KAPPA), as test_batch_norm.py."""
    cols = np.asarray(Z, dtype=np.float64).reshape(-1, Z.shape[-1])
    return max(KAPPA, int(np.ceil(np.abs(cols).max() / cols.std(axis=0).min())))


@pytest.mark.parametrize("dtype", list(DTYPES))
@given(data=st.data())
def test_batch_normalization_parity(device, parity, dtype, data):
    # training mode: Z_tilde, dZ, dgamma, dbeta, the running statistics; then inference mode
    m, n_H, n_W = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4)),
                   data.draw(st.integers(2, 4)))
    n_C = data.draw(st.integers(1, 4), label="n_C")
    momentum = data.draw(st.sampled_from([0.99, 0.9, 0.0]), label="momentum")
    epsilon = data.draw(st.sampled_from([0.001, 1e-5]), label="epsilon")
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    Z = (rng.uniform(-1, 1, (1, 1, 1, n_C)) + rng.uniform(1, 2, (1, 1, 1, n_C))
         * rng.standard_normal((m, n_H, n_W, n_C))).astype(dtype)
    gamma = rng.uniform(0.5, 2, (1, 1, 1, n_C)).astype(dtype)
    beta = rng.standard_normal((1, 1, 1, n_C)).astype(dtype)
    dZ_tilde = rng.standard_normal(Z.shape).astype(dtype)
    N, k = m * n_H * n_W, kappa(Z)

    Z_tilde, cache = cl.batch_normalization_forward(Z, gamma, beta, epsilon)
    dZ, dgamma, dbeta = cl.batch_normalization_backward(dZ_tilde, cache)
    bn = tl.batch_norm2d(gamma, beta, epsilon=epsilon, momentum=momentum, device=device,
                         dtype=DTYPES[dtype]).train()
    Zt = _t(Z, device, grad=True)
    out = bn(Zt)
    out.backward(_t(dZ_tilde, device))
    tol_f = tolerance(dtype, k * (2 * N + ELEMENTWISE_OPS))
    tol_b = tolerance(dtype, k * (4 * N + 2 * ELEMENTWISE_OPS))
    f = "c4.batch_normalization"
    parity.close("BN: Z_tilde (batch statistics)", _np(out), Z_tilde, **tol_f, formula=f)
    parity.close("BN: dZ", _np(Zt.grad), dZ, **tol_b, formula=f)
    parity.close("BN: dgamma", torch_bias_to_course(bn.weight.grad.cpu()), dgamma, **tol_b,
                 formula=f)
    parity.close("BN: dbeta", torch_bias_to_course(bn.bias.grad.cpu()), dbeta, **tol_b, formula=f)
    zeros, ones = np.zeros((1, 1, 1, n_C), dtype), np.ones((1, 1, 1, n_C), dtype)
    mean, var = cl.update_running_stats(zeros, ones, cache, momentum, unbiased=True)
    parity.close("BN: running_mean", torch_bias_to_course(bn.running_mean.cpu()), mean, **tol_f,
                 formula=f)
    parity.close("BN: running_var (N/(N-1) sigma^2)", torch_bias_to_course(bn.running_var.cpu()),
                 var, **tol_f, formula=f)

    # inference mode with those running statistics: an affine map, and its backward
    Z2 = rng.standard_normal((m, n_H, n_W, n_C)).astype(dtype)
    Z2_tilde, cache2 = cl.batch_normalization_forward_test(Z2, gamma, beta, mean, var, epsilon)
    dZ2, dgamma2, dbeta2 = cl.batch_normalization_backward(dZ_tilde, cache2)
    bn.eval()
    for p in bn.parameters():
        p.grad = None
    Z2t = _t(Z2, device, grad=True)
    out2 = bn(Z2t)
    out2.backward(_t(dZ_tilde, device))
    tol = tolerance(dtype, k * (2 * N + 2 * ELEMENTWISE_OPS))
    parity.close("BN test mode: Z_tilde (running statistics)", _np(out2), Z2_tilde, **tol, formula=f)
    parity.close("BN test mode: dZ", _np(Z2t.grad), dZ2, **tol, formula=f)
    parity.close("BN test mode: dgamma", torch_bias_to_course(bn.weight.grad.cpu()), dgamma2,
                 **tol, formula=f)
    parity.close("BN test mode: dbeta", torch_bias_to_course(bn.bias.grad.cpu()), dbeta2, **tol,
                 formula=f)


def test_batch_normalization_is_course_2s_per_channel():
    """Over channels = course 2's batch norm with every pixel of every example a sample."""
    from scratch import batch_norm

    rng = np.random.default_rng(3)
    Z = rng.standard_normal((2, 3, 4, 5))
    gamma, beta = rng.uniform(0.5, 2, (1, 1, 1, 5)), rng.standard_normal((1, 1, 1, 5))
    Z_tilde, _ = cl.batch_normalization_forward(Z, gamma, beta)
    for c in range(5):
        expected, _ = batch_norm.batchnorm_forward(Z[..., c].reshape(1, -1), gamma[..., c:c + 1]
                                                   .reshape(1, 1), beta[..., c:c + 1].reshape(1, 1),
                                                   0.001)
        np.testing.assert_allclose(Z_tilde[..., c].reshape(1, -1), expected, rtol=1e-13)
    np.testing.assert_allclose(Z_tilde.mean(axis=(0, 1, 2)), beta.ravel(), atol=1e-13)


# ============================================================================ finite differences
@settings(max_examples=10)
@given(data=st.data())
def test_layer_gradients_by_finite_differences(data):
    """Third witness (float64): J = sum(dZ * Z) differentiated by central differences, for each
    layer's every input."""
    rng, A, W, b, stride, padding = data.draw(conv_problems(np.float64))
    Z, cache = cl.conv2d_forward(A, W, b, stride, padding)
    dZ = rng.standard_normal(Z.shape)
    grads = cl.conv2d_backward(dZ, cache)
    for i, (name, x) in enumerate((("dA_prev", A), ("dW", W), ("db", b))):
        args = [A, W, b]

        def J(value, i=i, args=args):
            args = list(args)
            args[i] = value
            return np.sum(dZ * cl.conv2d_forward(*args, stride, padding)[0])
        assert_gradient(f"Conv2D {name}", grads[i], J, x)

    rng, A, W, b, stride, padding = data.draw(conv_problems(np.float64, depthwise=True))
    Z, cache = mn.depthwise_conv2d_forward(A, W, b, stride, padding)
    dZ = rng.standard_normal(Z.shape)
    dA, dW, _ = mn.depthwise_conv2d_backward(dZ, cache)
    assert_gradient("DepthwiseConv2D dA_prev", dA,
                    lambda a: np.sum(dZ * mn.depthwise_conv2d_forward(a, W, b, stride, padding)[0]), A)
    assert_gradient("DepthwiseConv2D dW", dW,
                    lambda w: np.sum(dZ * mn.depthwise_conv2d_forward(A, w, b, stride, padding)[0]), W)

    rng, A, W, b, hp = data.draw(transpose_problems(np.float64))
    Z, cache = cl.conv2d_transpose_forward(A, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    dA, dW, db = cl.conv2d_transpose_backward(dZ, cache)
    assert_gradient("Conv2DTranspose dA_prev", dA,
                    lambda a: np.sum(dZ * cl.conv2d_transpose_forward(a, W, b, hp)[0]), A)
    assert_gradient("Conv2DTranspose dW", dW,
                    lambda w: np.sum(dZ * cl.conv2d_transpose_forward(A, w, b, hp)[0]), W)
    assert_gradient("Conv2DTranspose db", db,
                    lambda c: np.sum(dZ * cl.conv2d_transpose_forward(A, W, c, hp)[0]), b)


@settings(max_examples=10)
@given(seed=st.integers(0, 2 ** 32 - 1), training=st.booleans())
def test_batch_normalization_by_finite_differences(seed, training):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((2, 2, 3, 2)) * rng.uniform(1, 2, (1, 1, 1, 2))
    gamma, beta = rng.uniform(0.5, 2, (1, 1, 1, 2)), rng.standard_normal((1, 1, 1, 2))
    mean, var = rng.standard_normal((1, 1, 1, 2)), rng.uniform(0.5, 2, (1, 1, 1, 2))
    dZ_tilde = rng.standard_normal(Z.shape)

    def forward(z, g, bt):
        if training:
            return cl.batch_normalization_forward(z, g, bt)[0]
        return cl.batch_normalization_forward_test(z, g, bt, mean, var)[0]
    fwd = cl.batch_normalization_forward(Z, gamma, beta) if training else \
        cl.batch_normalization_forward_test(Z, gamma, beta, mean, var)
    dZ, dgamma, dbeta = cl.batch_normalization_backward(dZ_tilde, fwd[1])
    assert_gradient("BN dZ", dZ, lambda z: np.sum(dZ_tilde * forward(z, gamma, beta)), Z)
    assert_gradient("BN dgamma", dgamma, lambda g: np.sum(dZ_tilde * forward(Z, g, beta)), gamma)
    assert_gradient("BN dbeta", dbeta, lambda bt: np.sum(dZ_tilde * forward(Z, gamma, bt)), beta)


# ============================================================================ bad input
def test_bad_input():
    A, W, b = np.ones((1, 4, 4, 2)), np.ones((3, 3, 2, 5)), np.ones((1, 1, 1, 5))
    with raises("W", "n_C_prev = 2", "(3, 3, 3, 5)"):
        cl.conv2d_forward(A, np.ones((3, 3, 3, 5)), b)
    with raises("b", "(1, 1, 1, 5)", "(5,)"):
        cl.conv2d_forward(A, W, np.ones(5))
    with raises("padding", "'same'", "stride 1 only", "stride 2"):
        cl.conv2d_forward(A, W, b, 2, "same")
    with raises("padding", "'valid', 'same' or an integer", "'full'"):
        cl.conv2d_forward(A, W, b, 1, "full")
    with raises("stride", "integer >= 1", "0"):
        cl.conv2d_forward(A, W, b, 0)
    with raises("does not fit", "5 x 5", "4 x 4"):
        cl.conv2d_forward(A, np.ones((5, 5, 2, 5)), b)
    with raises("A_prev", "4-D", "(m, n_H, n_W, n_C)", "(4, 4, 2)"):
        cl.conv2d_forward(np.ones((4, 4, 2)), W, b)
    with raises("A_prev", "finite", "NaN"):
        cl.conv2d_forward(np.full((1, 4, 4, 2), np.nan), W, b)
    _, cache = cl.conv2d_forward(A, W, b)
    with raises("dZ", "(1, 2, 2, 5)", "(1, 4, 4, 5)"):
        cl.conv2d_backward(np.ones((1, 4, 4, 5)), cache)
    with raises("cache", "5-tuple", "conv2d_forward"):
        cl.conv2d_backward(np.ones((1, 2, 2, 5)), (A, W))
    # depthwise and separable
    with raises("W", "one filter per input channel", "n_C_prev = 2"):
        mn.depthwise_conv2d_forward(A, np.ones((3, 3, 3, 1)), np.ones((1, 1, 1, 3)))
    with raises("b", "(1, 1, 1, 4)"):
        mn.depthwise_conv2d_forward(A, np.ones((3, 3, 2, 2)), np.ones((1, 1, 1, 2)))
    with raises("W_pointwise", "(1, 1, 2, n_C)", "(1, 1, 3, 4)"):
        mn.separable_conv2d_forward(A, np.ones((3, 3, 2, 1)), np.ones((1, 1, 3, 4)),
                                    np.ones((1, 1, 1, 4)))
    # transposed
    Wt = np.ones((3, 3, 5, 2))
    with raises("output_padding", "[0, stride)", "[0, 2)", "2"):
        cl.conv2d_transpose_forward(A, Wt, b, {"stride": 2, "pad": 1, "output_padding": 2})
    with raises("hparameters", "'stride', 'padding'", "'stride', 'pad', 'output_padding'"):
        cl.conv2d_transpose_forward(A, Wt, b, {"stride": 2, "pad": 1})
    with raises("n_H", "< 1", "smaller pad"):
        cl.conv2d_transpose_forward(np.ones((1, 1, 1, 2)), Wt, b,
                                    {"stride": 1, "pad": 2, "output_padding": 0})
    with raises("W", "(f, f, n_C, n_C_prev)", "output channels first", "(3, 3, 2, 5)"):
        cl.conv2d_transpose_forward(A, np.ones((3, 3, 2, 5)), b, {"stride": 2, "padding": "same"})
    with raises("hparameters['padding']", "'same' or 'valid'", "'full'"):
        cl.conv2d_transpose_forward(A, Wt, b, {"stride": 2, "padding": "full"})
    # batch normalization
    g = np.ones((1, 1, 1, 2))
    with raises("gamma", "(1, 1, 1, 2)", "(2,)"):
        cl.batch_normalization_forward(A, np.ones(2), g)
    with raises("at least 2 values per channel", "(1, 1, 1, 2)"):
        cl.batch_normalization_forward(np.ones((1, 1, 1, 2)), g, g)
    with raises("running_var", ">= 0"):
        cl.batch_normalization_forward_test(A, g, g, g, -g)
    with raises("epsilon", "> 0", "0"):
        cl.batch_normalization_forward(A, g, g, 0)
    _, cache_test = cl.batch_normalization_forward_test(A, g, g, g, g)
    with raises("training-mode", "test-mode"):
        cl.update_running_stats(g, g, cache_test)
    _, cache_train = cl.batch_normalization_forward(np.arange(8.0).reshape(1, 2, 2, 2), g, g)
    with raises("momentum", "[0, 1)", "1.5"):
        cl.update_running_stats(g, g, cache_train, 1.5)
