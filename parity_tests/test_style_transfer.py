"""Course 4, week 4 (neural style transfer): scratch.style_transfer's costs and hand-derived
gradients against torch_ref.style_transfer (F.mse_loss, autograd), on each device, float64
and float32, and against finite differences (float64).

Layouts: scratch takes the course's activations (1, n_H, n_W, n_C); torch_ref takes
PyTorch's (1, n_C, n_H, n_W), converted once by ``nhwc_to_nchw``. Autograd's gradient with
respect to the NHWC leaf is then in the course's layout, compared as it is.

Tolerances (see ``_tolerances``): 2 gamma_n, n the rounding steps along the longest chain,
with the absolute part scaled by the size of the terms (the costs are sums of squares of
differences, which can cancel):
- content cost: a sum of N = n_H n_W n_C squares and a division: n = N + ELEMENTWISE_OPS,
  absolute part times J itself (all terms are positive); its gradient, a subtraction and a
  division per entry: n = ELEMENTWISE_OPS, times max |a_G - a_C| / (2 N);
- Gram matrix: a dot product of length P = n_H n_W: n = P, times the Gram matrix of |A|;
- style cost: Gram entries (P), a sum of n_C^2 squares and a division:
  n = P + n_C^2 + ELEMENTWISE_OPS, times the same cost computed from |G_S| + |G_G|
  (G of |A|), which bounds every term; its gradient adds a dot product of length n_C:
  n = P + n_C + ELEMENTWISE_OPS, times (|G_S| + |G_G|) |A_G| / (n_C^2 P^2).
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from parity_tests._arrays import assert_allclose, assert_array_equal
from parity_tests._tolerances import ELEMENTWISE_OPS, tolerance
from scratch import style_transfer as st_np
from torch_ref import style_transfer as st_torch

DTYPES = {np.float64: torch.float64, np.float32: torch.float32}
#: the course's style layers and weights
STYLE_LAYERS = [("block1_conv1", 0.2), ("block2_conv1", 0.2), ("block3_conv1", 0.2),
                ("block4_conv1", 0.2), ("block5_conv1", 0.2)]


def raises(*words):
    return pytest.raises(ValueError, match="(?s)" + "".join(f"(?=.*{re.escape(w)})" for w in words))


def scaled(tol, scale):
    """The tolerance with its absolute part times the size of the terms."""
    return {"rtol": tol["rtol"], "atol": tol["atol"] * float(scale)}


def leaf(a, device):
    """A course-layout activation as a leaf tensor that autograd differentiates."""
    return torch.as_tensor(a, device=device).clone().requires_grad_(True)


def unroll(a):
    n_C = a.shape[-1]
    return a.reshape(-1, n_C).T


def style_scales(a_S, a_G):
    """Bounds of the terms of the style cost and of its gradient (see the module docstring)."""
    _, n_H, n_W, n_C = a_G.shape
    P = n_H * n_W
    A_S, A_G = np.abs(unroll(a_S)).astype(np.float64), np.abs(unroll(a_G)).astype(np.float64)
    bound = A_S @ A_S.T + A_G @ A_G.T
    cost = np.sum(bound ** 2) / (4 * n_C ** 2 * P ** 2)
    grad = np.max(bound @ A_G) / (n_C ** 2 * P ** 2)
    return cost, grad


@st.composite
def activations(draw, dtype, count=2, relu=True):
    """count activations (1, n_H, n_W, n_C) of one shape; relu: as a VGG layer's outputs,
    nonnegative and about half of them zero (else standard normal)."""
    n_H, n_W, n_C = (draw(st.integers(1, 6), label=k) for k in ("n_H", "n_W", "n_C"))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    draws = [rng.standard_normal((1, n_H, n_W, n_C)) for _ in range(count)]
    return [(np.maximum(a, 0) if relu else a).astype(dtype) for a in draws]


# ============================================================================ content cost
@given(data=st.data(), dtype=st.sampled_from(list(DTYPES)))
def test_content_cost_parity(device, parity, data, dtype):
    a_C, a_G = data.draw(activations(dtype))
    N = a_G.size
    J = st_np.compute_content_cost(a_C, a_G)
    da_G = st_np.compute_content_cost_backward(a_C, a_G)
    assert np.ndim(J) == 0 and J.dtype == dtype and da_G.shape == a_G.shape

    t_G = leaf(a_G, device)
    J_t = st_torch.ContentLoss(st_torch.nhwc_to_nchw(torch.as_tensor(a_C, device=device)))(
        st_torch.nhwc_to_nchw(t_G))
    J_t.backward()
    parity.close("J_content", J_t, J, **scaled(tolerance(dtype, N + ELEMENTWISE_OPS), J),
                 formula="c4.content_cost")
    grad_scale = np.max(np.abs(a_G.astype(np.float64) - a_C)) / (2 * N)
    parity.close("dJ_content/da_G", t_G.grad, da_G,
                 **scaled(tolerance(dtype, ELEMENTWISE_OPS), grad_scale),
                 formula="c4.content_cost")


# ============================================================================ Gram matrix
@given(data=st.data(), dtype=st.sampled_from(list(DTYPES)))
def test_gram_matrix_parity(device, parity, data, dtype):
    """The course's unrolling (reshape to (n_H n_W, n_C), transpose) gives the Gram matrix of
    PyTorch's NCHW features reshaped to (n_C, n_H n_W)."""
    (a,) = data.draw(activations(dtype, count=1))
    _, n_H, n_W, n_C = a.shape
    A = a.reshape(-1, n_C).T
    G = st_np.gram_matrix(A)
    assert G.shape == (n_C, n_C)
    G_t = st_torch.gram_matrix(st_torch.nhwc_to_nchw(torch.as_tensor(a, device=device)))
    A_abs = np.abs(A).astype(np.float64)
    tol = scaled(tolerance(dtype, n_H * n_W), np.max(A_abs @ A_abs.T))
    parity.close("gram_matrix", G_t, G, **tol, formula="c4.gram_matrix")
    assert_allclose(G, G.T, **tol)            # symmetric (to rounding: BLAS order)


def test_gram_matrix_by_hand():
    """a[0, h, w, c] = 10 c + (h n_W + w): A's row c is channel c. Reshaping the NHWC array
    straight to (n_C, n_H n_W), the mistake the course warns of, mixes the channels."""
    a = np.zeros((1, 2, 2, 2))
    for h in range(2):
        for w in range(2):
            for c in range(2):
                a[0, h, w, c] = 10 * c + 2 * h + w
    A = st_np._unroll(a)
    assert_array_equal(A, [[0, 1, 2, 3], [10, 11, 12, 13]])
    assert_array_equal(st_np.gram_matrix(A), [[14, 74], [74, 534]])
    wrong = a.reshape(2, 4)
    assert_array_equal(wrong, [[0, 10, 1, 11], [2, 12, 3, 13]])
    assert not np.array_equal(st_np.gram_matrix(wrong), st_np.gram_matrix(A))


# ============================================================================ style cost
@given(data=st.data(), dtype=st.sampled_from(list(DTYPES)))
def test_layer_style_cost_parity(device, parity, data, dtype):
    a_S, a_G = data.draw(activations(dtype))
    _, n_H, n_W, n_C = a_G.shape
    P = n_H * n_W
    J = st_np.compute_layer_style_cost(a_S, a_G)
    da_G = st_np.compute_layer_style_cost_backward(a_S, a_G)
    assert np.ndim(J) == 0 and J.dtype == dtype and da_G.shape == a_G.shape

    t_G = leaf(a_G, device)
    J_t = st_torch.StyleLoss(st_torch.nhwc_to_nchw(torch.as_tensor(a_S, device=device)))(
        st_torch.nhwc_to_nchw(t_G))
    J_t.backward()
    cost_scale, grad_scale = style_scales(a_S, a_G)
    parity.close("J_style_layer", J_t, J,
                 **scaled(tolerance(dtype, P + n_C ** 2 + ELEMENTWISE_OPS), cost_scale),
                 formula="c4.layer_style_cost")
    parity.close("dJ_style_layer/da_G", t_G.grad, da_G,
                 **scaled(tolerance(dtype, P + n_C + ELEMENTWISE_OPS), grad_scale),
                 formula="c4.layer_style_cost")


@given(seed=st.integers(0, 2 ** 32 - 1), n_layers=st.integers(1, 5),
       dtype=st.sampled_from(list(DTYPES)))
def test_style_cost_parity(device, parity, seed, n_layers, dtype):
    """Several layers of different sizes, the course's weights (0.2) or random ones."""
    rng = np.random.default_rng(seed)
    layers = STYLE_LAYERS[:n_layers] if seed % 2 else [
        (name, float(rng.uniform(0, 1))) for name, _ in STYLE_LAYERS[:n_layers]]
    shapes = [(1, *rng.integers(1, 6, 3)) for _ in layers]
    style = [np.maximum(rng.standard_normal(s), 0).astype(dtype) for s in shapes]
    generated = [np.maximum(rng.standard_normal(s), 0).astype(dtype) for s in shapes]
    J = st_np.compute_style_cost(style, generated, layers)
    grads = st_np.compute_style_cost_backward(style, generated, layers)

    leaves = [leaf(a, device) for a in generated]
    losses = [st_torch.StyleLoss(st_torch.nhwc_to_nchw(torch.as_tensor(a, device=device)))
              for a in style]
    J_t = st_torch.style_cost(losses, [st_torch.nhwc_to_nchw(t) for t in leaves],
                              [w for _, w in layers])
    J_t.backward()
    steps = max(s[1] * s[2] + s[3] ** 2 for s in shapes) + ELEMENTWISE_OPS + n_layers
    cost_scale = sum(w * style_scales(a_S, a_G)[0]
                     for (_, w), a_S, a_G in zip(layers, style, generated))
    parity.close("J_style", J_t, np.asarray(J), **scaled(tolerance(dtype, steps), cost_scale),
                 formula="c4.style_cost")
    for l, ((_, w), a_S, a_G, t, g) in enumerate(zip(layers, style, generated, leaves, grads)):
        _, n_H, n_W, n_C = a_G.shape
        parity.close(f"dJ_style/da_G[{l}]", t.grad, g,
                     **scaled(tolerance(dtype, n_H * n_W + n_C + ELEMENTWISE_OPS),
                              w * style_scales(a_S, a_G)[1]),
                     formula="c4.style_cost")


def test_style_cost_takes_the_course_model_outputs():
    """Issue 15, item 1: the course's compute_style_cost receives the model's outputs, the
    style layers then the content layer, and drops the last (``a_S = style_image_output[:-1]``).
    Given one activation more than STYLE_LAYERS, the cost and its gradient are those of the
    style layers alone."""
    rng = np.random.default_rng(7)
    shapes = [(1, 4, 4, 3), (1, 3, 3, 5), (1, 2, 2, 6)]
    style = [rng.standard_normal(s) for s in shapes]
    generated = [rng.standard_normal(s) for s in shapes]
    content_S, content_G = rng.standard_normal((1, 2, 2, 4)), rng.standard_normal((1, 2, 2, 4))
    layers = STYLE_LAYERS[:3]
    J = st_np.compute_style_cost(style, generated, layers)
    assert st_np.compute_style_cost(style + [content_S], generated + [content_G], layers) == J
    grads = st_np.compute_style_cost_backward(style + [content_S], generated + [content_G],
                                              layers)
    assert len(grads) == 3
    for g, expected in zip(grads, st_np.compute_style_cost_backward(style, generated, layers)):
        assert_array_equal(g, expected)
    with raises("one style and one generated", "(3)", "5 style"):
        st_np.compute_style_cost(style + [content_S] * 2, generated + [content_G] * 2, layers)


# ============================================================================ total cost
def test_total_cost_course_value():
    """The course's test: np.random.seed(3); J_content = np.random.randn();
    J_style = np.random.randn(); total_cost(J_content, J_style) = 35.34667875478276
    (10 * 1.7886284734303186 + 40 * 0.43650985051198943)."""
    np.random.seed(3)
    J_content = np.random.randn()
    J_style = np.random.randn()
    J = st_np.total_cost(J_content, J_style)
    assert J == pytest.approx(35.34667875478276, rel=1e-15)
    assert st_np.total_cost(0.2, 0.8) == pytest.approx(34.0, rel=1e-15)        # 2 + 32
    assert st_np.total_cost(1.0, 1.0, alpha=1, beta=0) == 1.0


@pytest.mark.parametrize("content_is_style_layer", [False, True])
@pytest.mark.parametrize("dtype", list(DTYPES))
def test_total_cost_parity(device, parity, dtype, content_is_style_layer):
    """J = alpha J_content + beta J_style and dJ/da_G at every layer against autograd. With
    content_is_style_layer the content layer is also the last style layer: autograd adds the
    two terms, as the docstring of total_cost_backward tells the caller to."""
    rng = np.random.default_rng(4)
    alpha, beta = 10, 40
    shapes = [(1, 4, 4, 3), (1, 3, 3, 5), (1, 2, 2, 6)]
    layers = STYLE_LAYERS[:3]
    style = [np.maximum(rng.standard_normal(s), 0).astype(dtype) for s in shapes]
    generated = [np.maximum(rng.standard_normal(s), 0).astype(dtype) for s in shapes]
    content_shape = shapes[-1] if content_is_style_layer else (1, 5, 4, 3)
    a_C = np.maximum(rng.standard_normal(content_shape), 0).astype(dtype)
    a_G = generated[-1] if content_is_style_layer else \
        np.maximum(rng.standard_normal(content_shape), 0).astype(dtype)

    J = st_np.total_cost(st_np.compute_content_cost(a_C, a_G),
                         st_np.compute_style_cost(style, generated, layers), alpha, beta)
    da_content, da_style = st_np.total_cost_backward(a_C, a_G, style, generated, layers,
                                                     alpha, beta)

    leaves = [leaf(a, device) for a in generated]
    content_leaf = leaves[-1] if content_is_style_layer else leaf(a_G, device)
    content = st_torch.ContentLoss(st_torch.nhwc_to_nchw(torch.as_tensor(a_C, device=device)))
    losses = [st_torch.StyleLoss(st_torch.nhwc_to_nchw(torch.as_tensor(a, device=device)))
              for a in style]
    J_t = st_torch.total_cost(content(st_torch.nhwc_to_nchw(content_leaf)),
                              st_torch.style_cost(losses,
                                                  [st_torch.nhwc_to_nchw(t) for t in leaves],
                                                  [w for _, w in layers]), alpha, beta)
    J_t.backward()

    steps = max(s[1] * s[2] + s[3] ** 2 for s in shapes + [content_shape]) + 2 * ELEMENTWISE_OPS
    scale = alpha * float(st_np.compute_content_cost(a_C, a_G)) + beta * sum(
        w * style_scales(a_S, g)[0] for (_, w), a_S, g in zip(layers, style, generated))
    parity.close("J total", J_t, np.asarray(J), **scaled(tolerance(dtype, steps), scale),
                 formula="c4.total_cost")
    grad_scales = [beta * w * style_scales(a_S, g)[1]
                   for (_, w), a_S, g in zip(layers, style, generated)]
    content_scale = alpha * np.max(np.abs(a_G.astype(np.float64) - a_C)) / (2 * a_G.size)
    if content_is_style_layer:
        da_style[-1] = da_style[-1] + da_content
        grad_scales[-1] += content_scale
    else:
        parity.close("dJ/da_G content layer", content_leaf.grad, da_content,
                     **scaled(tolerance(dtype, ELEMENTWISE_OPS), content_scale),
                     formula="c4.total_cost")
    for l, (t, g, s) in enumerate(zip(leaves, da_style, grad_scales)):
        n = shapes[l][1] * shapes[l][2] + shapes[l][3] + 2 * ELEMENTWISE_OPS
        parity.close(f"dJ/da_G style layer {l}", t.grad, g, **scaled(tolerance(dtype, n), s),
                     formula="c4.total_cost")


# ============================================================================ finite differences
def _relative_difference(grad, approx):
    return np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx))


def _numerical_gradient(f, a, epsilon=1e-7):
    approx = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        plus, minus = a.copy(), a.copy()
        plus[i] += epsilon
        minus[i] -= epsilon
        approx[i] = (f(plus) - f(minus)) / (2 * epsilon)
    return approx


@given(data=st.data())
def test_style_transfer_gradients_by_finite_differences(data):
    """A third witness (float64, epsilon 1e-7): the hand-derived gradients of the content cost
    and of a layer's style cost agree with central differences to a relative 1e-7."""
    a_X, a_G = data.draw(activations(np.float64, relu=False))
    approx = _numerical_gradient(lambda g: st_np.compute_content_cost(a_X, g), a_G)
    assert _relative_difference(st_np.compute_content_cost_backward(a_X, a_G), approx) < 1e-7
    approx = _numerical_gradient(lambda g: st_np.compute_layer_style_cost(a_X, g), a_G)
    grad = st_np.compute_layer_style_cost_backward(a_X, a_G)
    assert _relative_difference(grad, approx) < 1e-7


# ============================================================================ bad input
def test_style_transfer_bad_input():
    a = np.ones((1, 2, 3, 4))
    with raises("a_C", "(1, n_H, n_W, n_C)", "(2, 3, 4)"):
        st_np.compute_content_cost(np.ones((2, 3, 4)), a)
    with raises("a_G", "(1, n_H, n_W, n_C)", "(2, 2, 3, 4)"):
        st_np.compute_layer_style_cost(a, np.ones((2, 2, 3, 4)))
    with raises("same shape", "(1, 3, 2, 4)"):
        st_np.compute_layer_style_cost(a, np.ones((1, 3, 2, 4)))
    with raises("finite", "NaN"):
        st_np.compute_content_cost_backward(a, np.full((1, 2, 3, 4), np.nan))
    with raises("A", "2-D", "(1, 2, 3, 4)"):
        st_np.gram_matrix(a)
    with raises("STYLE_LAYERS", "(layer_name, weight)"):
        st_np.compute_style_cost([a], [a], [0.2])
    with raises("one style and one generated", "(2)", "1 style"):
        st_np.compute_style_cost([a], [a, a], STYLE_LAYERS[:2])
    with raises("J_style", "finite number"):
        st_np.total_cost(1.0, np.array([1.0, 2.0]))
    with raises("alpha", "finite number", "nan"):
        st_np.total_cost(1.0, 1.0, alpha=float("nan"))
