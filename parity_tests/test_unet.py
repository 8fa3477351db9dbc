"""Course 4, week 3, U-Net: scratch.unet's conv block (with dropout and max pooling) and
up-sampling block (Keras's "same" transposed convolution, the skip concatenation) against
torch_ref.unet (nn.Conv2d, MaskedDropout, nn.MaxPool2d, nn.ConvTranspose2d, torch.cat) and
autograd, on each device, in float64 and float32; a small U-Net (down, bottleneck, up) wired
through both sides; central differences; bad input.

The dropout masks are drawn once and given to both sides (MaskedDropout takes the keep-mask,
True = keep). Max pooling sends the gradient to a window's first maximum on both sides (Keras's
and PyTorch's rule); the blocks do make tied windows (dead ReLUs leave a bias alone), and
test_max_pooling_ties shows where week 1's every-tie rule would differ.

Tolerances: the per-layer counts added along the block, as test_resnet.py (without batch norm):
each convolution's K products forward, K' backward into its input and N = m n_H n_W for dW and
db, times the largest activation S_a (forward) and the largest gradient S_g (backward) met in
the block; the transposed convolution counts as one more convolution.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from parity_tests._finite_differences import assert_gradients
from parity_tests._tolerances import ELEMENTWISE_OPS, tolerance
from scratch import unet
from scratch._validate_layers import conv_block_shapes, upsampling_block_shapes
from torch_ref.cnn import nchw_to_nhwc, nhwc_to_nchw
from torch_ref.unet import ConvBlock, UpsamplingBlock

DTYPES = {np.float64: torch.float64, np.float32: torch.float32}


def raises(*words):
    return pytest.raises(ValueError, match="(?s)" + "".join(f"(?=.*{re.escape(w)})" for w in words))


def _t(a, device, grad=False):
    return nhwc_to_nchw(torch.as_tensor(np.ascontiguousarray(a))).to(device).requires_grad_(grad)


def _np(t):
    return nchw_to_nhwc(t.detach().cpu())


def random_parameters(rng, shapes, dtype):
    """W ~ N(0, 1/K) (K = f f n_C_in, the He-like scale the course's he_normal draws), b ~ N(0, 1/4)."""
    return {k: (rng.standard_normal(s) / math.sqrt(s[0] * s[1] * (s[3] if k == "W_up" else s[2]))
                if k.startswith("W") else 0.5 * rng.standard_normal(s)).astype(dtype)
            for k, s in shapes.items()}


def steps(K_list, N, S_a, S_g):
    """sum over the convolutions (K forward, K' backward) of S_a K + S_g (K' + N), plus the
    ReLUs and the dropout's scale."""
    return sum(S_a * K + S_g * (K_back + N) for K, K_back in K_list) + 4 * ELEMENTWISE_OPS


def gradient_scale(net):
    """Hooks recording max|dJ/d output| of every conv of ``net`` (see test_resnet.py)."""
    seen = [0.0]
    for module in net.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            module.register_full_backward_hook(
                lambda mod, grad_in, grad_out: seen.append(float(grad_out[0].abs().max())))
    return lambda: max(seen)


@st.composite
def conv_block_problems(draw, dtype):
    m = draw(st.integers(1, 2), label="m")
    n_H, n_W = draw(st.integers(2, 5), label="n_H"), draw(st.integers(2, 5), label="n_W")
    n_C_prev, n_filters = draw(st.integers(1, 3), label="n_C_prev"), draw(st.integers(1, 3))
    dropout_prob = draw(st.sampled_from([0, 0.3]), label="dropout_prob")
    max_pooling = draw(st.booleans(), label="max_pooling")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    inputs = rng.uniform(-1, 1, (m, n_H, n_W, n_C_prev)).astype(dtype)
    parameters = random_parameters(rng, conv_block_shapes(n_C_prev, n_filters), dtype)
    mask = rng.random((m, n_H, n_W, n_filters)) >= dropout_prob if dropout_prob else None
    return rng, inputs, parameters, dropout_prob, max_pooling, mask


# ============================================================================ conv block
@pytest.mark.parametrize("dtype", list(DTYPES))
@given(data=st.data())
def test_conv_block_parity(device, parity, dtype, data):
    rng, inputs, parameters, dropout_prob, max_pooling, mask = data.draw(conv_block_problems(dtype))
    next_layer, skip, cache = unet.conv_block_forward(inputs, parameters, dropout_prob,
                                                      max_pooling, mask)
    d_next = rng.standard_normal(next_layer.shape).astype(dtype)
    d_skip = rng.standard_normal(skip.shape).astype(dtype)
    dinputs, grads = unet.conv_block_backward(d_next, d_skip, cache)

    n_C_prev, n_filters = inputs.shape[3], skip.shape[3]
    net = ConvBlock(n_C_prev, n_filters, dropout_prob, max_pooling, device=device,
                    dtype=DTYPES[dtype]).load_course_parameters(parameters)
    if mask is not None:
        net.dropout.mask = _t(mask, device)
    largest_gradient = gradient_scale(net)
    xt = _t(inputs, device, grad=True)
    next_t, skip_t = net(xt)
    torch.autograd.backward([next_t, skip_t], [_t(d_next, device), _t(d_skip, device)])

    N = int(np.prod(skip.shape[:3]))
    S_a = max(1, math.ceil(max(np.abs(cache["Z1"]).max(), np.abs(cache["Z2"]).max(),
                               np.abs(skip).max())))
    S_g = max(1, math.ceil(max(largest_gradient(), np.abs(d_next).max() + np.abs(d_skip).max())))
    tol = tolerance(dtype, steps([(9 * n_C_prev + 1, 9 * n_filters),
                                  (9 * n_filters + 1, 9 * n_filters)], N, S_a, S_g))
    what = f"conv_block (dropout {dropout_prob}, pooling {max_pooling})"
    parity.close(f"{what}: next_layer", _np(next_t), next_layer, **tol, formula="c4.unet_conv_block")
    parity.close(f"{what}: skip_connection", _np(skip_t), skip, **tol,
                 formula="c4.unet_conv_block")
    parity.close(f"{what}: dinputs", _np(xt.grad), dinputs, **tol, formula="c4.unet_conv_block")
    torch_grads = net.course_gradients()
    for key in sorted(grads):
        parity.close(f"{what}: {key}", torch_grads[key], grads[key], **tol,
                     formula="c4.unet_conv_block")


@pytest.mark.parametrize("dtype", list(DTYPES))
@given(data=st.data())
def test_max_pooling2d_parity(device, parity, dtype, data):
    """MaxPooling2D against nn.MaxPool2d, with ties drawn on purpose (values from a small set)."""
    from scratch import conv_layers as cl

    pool_size = data.draw(st.integers(1, 3), label="pool_size")
    shape = (data.draw(st.integers(1, 2)), pool_size + data.draw(st.integers(0, 4)),
             pool_size + data.draw(st.integers(0, 4)), data.draw(st.integers(1, 3)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    A_prev = rng.integers(-2, 3, shape).astype(dtype)          # many tied maxima
    A, cache = cl.max_pooling2d_forward(A_prev, pool_size)
    dA = rng.standard_normal(A.shape).astype(dtype)
    dA_prev = cl.max_pooling2d_backward(dA, cache)
    At_in = _t(A_prev, device, grad=True)
    At = torch.nn.MaxPool2d(pool_size)(At_in)
    At.backward(_t(dA, device))
    # selection and placement only: exact
    parity.close("MaxPooling2D A", _np(At), A, rtol=0, atol=0, formula="c4.unet_conv_block")
    parity.close("MaxPooling2D dA_prev (first maximum)", _np(At_in.grad), dA_prev, rtol=0, atol=0,
                 formula="c4.unet_conv_block")


def test_max_pooling_ties():
    """A window of four equal values: PyTorch's rule (and scratch.conv_layers') sends dA to
    the first, week 1's pool_backward to all four; untied windows agree."""
    from scratch import conv, conv_layers as cl

    A_prev = np.array([[1.0, 1.0, 0.0, 3.0], [1.0, 1.0, 2.0, 1.0]]).reshape(1, 2, 4, 1)
    dA = np.array([5.0, 7.0]).reshape(1, 1, 2, 1)
    first = cl.max_pooling2d_backward(dA, cl.max_pooling2d_forward(A_prev)[1])
    every = conv.pool_backward(dA, conv.pool_forward(A_prev, {"f": 2, "stride": 2})[1])
    np.testing.assert_array_equal(first[0, :, :, 0], [[5, 0, 0, 7], [0, 0, 0, 0]])
    np.testing.assert_array_equal(every[0, :, :, 0], [[5, 5, 0, 7], [5, 5, 0, 0]])


# ============================================================================ up-sampling block
@pytest.mark.parametrize("dtype", list(DTYPES))
@given(data=st.data())
def test_upsampling_block_parity(device, parity, dtype, data):
    m, n_H, n_W = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3)),
                   data.draw(st.integers(1, 3)))
    n_C_exp, n_C_con, n_filters = (data.draw(st.integers(1, 3)) for _ in range(3))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    expansive = rng.uniform(-1, 1, (m, n_H, n_W, n_C_exp)).astype(dtype)
    contractive = rng.uniform(0, 1, (m, 2 * n_H, 2 * n_W, n_C_con)).astype(dtype)
    parameters = random_parameters(rng, upsampling_block_shapes(n_C_exp, n_C_con, n_filters),
                                   dtype)
    conv, cache = unet.upsampling_block_forward(expansive, contractive, parameters)
    assert conv.shape == (m, 2 * n_H, 2 * n_W, n_filters)
    dconv = rng.standard_normal(conv.shape).astype(dtype)
    dexp, dcon, grads = unet.upsampling_block_backward(dconv, cache)

    net = UpsamplingBlock(n_C_exp, n_C_con, n_filters, device=device,
                          dtype=DTYPES[dtype]).load_course_parameters(parameters)
    largest_gradient = gradient_scale(net)
    et, ct = _t(expansive, device, grad=True), _t(contractive, device, grad=True)
    out = net(et, ct)
    out.backward(_t(dconv, device))

    N = m * 4 * n_H * n_W
    S_a = max(1, math.ceil(max(np.abs(cache["Z1"]).max(), np.abs(cache["Z2"]).max(),
                               np.abs(cache["up"][0]).max())))
    S_g = max(1, math.ceil(max(largest_gradient(), np.abs(dconv).max())))
    tol = tolerance(dtype, steps([(9 * n_C_exp + 1, 9 * n_filters),
                                  (9 * (n_filters + n_C_con) + 1, 9 * n_filters),
                                  (9 * n_filters + 1, 9 * n_filters)], N, S_a, S_g))
    f = "c4.unet_upsampling_block"
    parity.close("upsampling_block: conv", _np(out), conv, **tol, formula=f)
    parity.close("upsampling_block: dexpansive_input", _np(et.grad), dexp, **tol, formula=f)
    parity.close("upsampling_block: dcontractive_input", _np(ct.grad), dcon, **tol, formula=f)
    torch_grads = net.course_gradients()
    assert set(torch_grads) == set(grads)
    for key in sorted(grads):
        parity.close(f"upsampling_block: {key}", torch_grads[key], grads[key], **tol, formula=f)


def test_small_unet_through_both_sides(device, parity):
    """down (conv block, pooled) -> bottleneck (conv block, dropout, no pooling) -> up
    (up-sampling block with the first block's skip connection) -> a 1x1 conv: one pass and
    its gradients, float64; the skip's gradient reaches the first block from both paths."""
    from scratch import conv_layers as cl
    from torch_ref.conv_layers import conv2d

    rng = np.random.default_rng(11)
    X = rng.uniform(-1, 1, (2, 6, 4, 3))
    p1 = random_parameters(rng, conv_block_shapes(3, 4), np.float64)
    p2 = random_parameters(rng, conv_block_shapes(4, 5), np.float64)
    p3 = random_parameters(rng, upsampling_block_shapes(5, 4, 4), np.float64)
    W_out, b_out = rng.standard_normal((1, 1, 4, 2)) / 2, np.zeros((1, 1, 1, 2))
    mask = rng.random((2, 3, 2, 5)) >= 0.3

    down, skip, c1 = unet.conv_block_forward(X, p1)
    bottom, _, c2 = unet.conv_block_forward(down, p2, 0.3, False, mask)
    up, c3 = unet.upsampling_block_forward(bottom, skip, p3)
    Y, c4 = cl.conv2d_forward(up, W_out, b_out)
    dY = rng.standard_normal(Y.shape)
    dup, dW_out, _ = cl.conv2d_backward(dY, c4)
    dbottom, dskip, g3 = unet.upsampling_block_backward(dup, c3)
    ddown, g2 = unet.conv_block_backward(dbottom, None, c2)
    dX, g1 = unet.conv_block_backward(ddown, dskip, c1)

    b1 = ConvBlock(3, 4, device=device, dtype=torch.float64).load_course_parameters(p1)
    b2 = ConvBlock(4, 5, 0.3, False, device=device, dtype=torch.float64).load_course_parameters(p2)
    b2.dropout.mask = _t(mask, device)
    b3 = UpsamplingBlock(5, 4, 4, device=device, dtype=torch.float64).load_course_parameters(p3)
    head = conv2d(W_out, b_out, device=device, dtype=torch.float64)
    scales = [gradient_scale(module) for module in (b1, b2, b3, head)]
    Xt = _t(X, device, grad=True)
    down_t, skip_t = b1(Xt)
    bottom_t, _ = b2(down_t)
    Yt = head(b3(bottom_t, skip_t))
    Yt.backward(_t(dY, device))
    # the counts of the tests above, added over the blocks (and the 1x1 head), with the
    # largest activation and gradient of the whole network
    S_a = max(1, math.ceil(max(np.abs(c["Z1"]).max() for c in (c1, c2, c3))))
    S_a = max(S_a, math.ceil(max(np.abs(c["Z2"]).max() for c in (c1, c2, c3))))
    S_g = max(1, math.ceil(max(scale() for scale in scales)))
    N = 2 * 6 * 4
    tol = tolerance(np.float64, steps([(9 * 3 + 1, 9 * 4), (9 * 4 + 1, 9 * 4),      # down
                                       (9 * 4 + 1, 9 * 5), (9 * 5 + 1, 9 * 5),      # bottleneck
                                       (9 * 5 + 1, 9 * 4), (9 * 8 + 1, 9 * 4),      # up
                                       (9 * 4 + 1, 9 * 4), (4 + 1, 2)], N, S_a, S_g))
    parity.close("U-Net output", _np(Yt), Y, **tol, formula="c4.unet_upsampling_block")
    parity.close("U-Net dX (both paths of the skip)", _np(Xt.grad), dX, **tol,
                 formula="c4.unet_upsampling_block")
    for name, block, grads in (("down", b1, g1), ("bottleneck", b2, g2), ("up", b3, g3)):
        tg = block.course_gradients()
        for key in sorted(grads):
            parity.close(f"U-Net {name} {key}", tg[key], grads[key], **tol,
                         formula="c4.unet_upsampling_block")


# ============================================================================ finite differences
@settings(max_examples=6)
@given(data=st.data())
def test_blocks_by_finite_differences(data):
    rng, inputs, parameters, dropout_prob, max_pooling, mask = data.draw(
        conv_block_problems(np.float64))
    nxt, skip, cache = unet.conv_block_forward(inputs, parameters, dropout_prob, max_pooling, mask)
    d_next, d_skip = rng.standard_normal(nxt.shape), rng.standard_normal(skip.shape)
    dinputs, grads = unet.conv_block_backward(d_next, d_skip, cache)

    def J(v):
        n, s, _ = unet.conv_block_forward(v["inputs"], {k: v[k] for k in parameters},
                                          dropout_prob, max_pooling, mask)
        return np.sum(d_next * n) + np.sum(d_skip * s)
    assert_gradients({"inputs": dinputs, **{k[1:]: g for k, g in grads.items()}}, J,
                     {"inputs": inputs, **parameters})

    E, C = rng.uniform(-1, 1, (1, 2, 2, 2)), rng.uniform(0, 1, (1, 4, 4, 3))
    p = random_parameters(rng, upsampling_block_shapes(2, 3, 2), np.float64)
    conv, cache = unet.upsampling_block_forward(E, C, p)
    dconv = rng.standard_normal(conv.shape)
    dE, dC, grads = unet.upsampling_block_backward(dconv, cache)

    def J_up(v):
        return np.sum(dconv * unet.upsampling_block_forward(v["E"], v["C"],
                                                            {k: v[k] for k in p})[0])
    assert_gradients({"E": dE, "C": dC, **{k[1:]: g for k, g in grads.items()}}, J_up,
                     {"E": E, "C": C, **p})


# ============================================================================ bad input
def test_bad_input():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (2, 4, 4, 3))
    p = random_parameters(rng, conv_block_shapes(3, 4), np.float64)
    with raises("parameters", "W2", "(3, 3, 4, 4)", "(3, 3, 4, 5)"):
        unet.conv_block_forward(X, {**p, "W2": np.ones((3, 3, 4, 5))})
    with raises("parameters", "W1", "(3, 3, 3, 4)", "(3, 3, 2, 4)"):
        unet.conv_block_forward(X[..., :2], p)
    with raises("dropout_prob", "[0, 1)", "1.0"):
        unet.conv_block_forward(X, p, 1.0)
    with raises("mask", "(2, 4, 4, 4)", "(2, 4, 4, 3)"):
        unet.conv_block_forward(X, p, 0.5, True, np.ones((2, 4, 4, 3), bool))
    with raises("mask", "dropout_prob = 0"):
        unet.conv_block_forward(X, p, 0, True, np.ones((2, 4, 4, 4), bool))
    with raises("max_pooling", "n_H, n_W >= 2", "(2, 1, 4, 3)"):
        unet.conv_block_forward(X[:, :1], p)
    nxt, skip, cache = unet.conv_block_forward(X, p)
    with raises("d_next_layer", "(2, 2, 2, 4)", "(2, 4, 4, 4)"):
        unet.conv_block_backward(skip, skip, cache)
    with raises("d_skip_connection", "(2, 4, 4, 4)", "(2, 2, 2, 4)"):
        unet.conv_block_backward(nxt, nxt, cache)
    q = random_parameters(rng, upsampling_block_shapes(5, 3, 2), np.float64)
    with raises("contractive_input", "(2, 4, 4)", "(2, 5, 4, 3)"):
        unet.upsampling_block_forward(np.ones((2, 2, 2, 5)), np.ones((2, 5, 4, 3)), q)
    with raises("parameters", "W1", "(3, 3, 5, 2)"):
        unet.upsampling_block_forward(np.ones((2, 2, 2, 5)), np.ones((2, 4, 4, 1)), q)
    with raises("parameters", "W_up"):
        unet.upsampling_block_forward(np.ones((2, 2, 2, 5)), np.ones((2, 4, 4, 3)), p)
