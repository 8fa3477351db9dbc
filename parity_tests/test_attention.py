"""Course 5, week 4, the transformer: scratch.attention's hand-derived forward and backward
passes against torch_ref.attention (F.scaled_dot_product_attention, nn.MultiheadAttention,
nn.LayerNorm, nn.TransformerEncoderLayer and autograd): same weights in, the same outputs,
attention weights and gradients out, on each device, in float64 and float32; and each hand
backward against centred finite differences (float64) as a third witness.

Layouts: both sides (m, n, d_model). The course's kernels W (d_in, d_out) act as x W; torch's
weights are their transposes, and nn.MultiheadAttention packs [Wq^T; Wk^T; Wv^T] into one
in_proj_weight: torch_ref.attention maps them once (load_course_parameters /
course_gradients). Upstream gradients: each test draws d_out and feeds the same one to the
hand backward and to ``out.backward(d_out)``, so the gradients compare as they are (no 1/m).

Masks: the course's 1 = attend / 0 = masked, added to the scores as (1 - mask) * -1e9;
torch_ref maps it once to a boolean mask (F.sdpa: True = attend; nn.MultiheadAttention and
nn.TransformerEncoderLayer: True = MASKED), which torch turns into -inf. exp(-1e9 - max)
and exp(-inf) are both exactly 0, so the weights agree wherever a row keeps at least one
position (every drawn mask keeps one); test_fully_masked_row shows where they part.

Tolerances (see ``_tolerances``): 2 gamma_n, n the rounding steps along the longest chain
of forward + backward, counted at each helper below (dot products over d_k, the softmax's
sum over n_k, the weighted sum over n_k, projections over d_model, sums over positions,
ELEMENTWISE_OPS per exp / sqrt / division). Data are drawn O(1): q and k entries in
[-1, 1] * d_k^(-1/4), so that sum |q_i k_i| / sqrt(d_k) <= 1; W ~ N(0, 1) / sqrt(d_in);
b, beta ~ N(0, 1/4); gamma ~ 1 + N(0, 1/100). Layer norm divides by sqrt(sigma^2 + eps):
an error in its input is multiplied by kappa = max|x| / sqrt(sigma^2 + eps) (its condition
number, computed from the data of the row, never from the measured error), so its step
counts are multiplied by kappa.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from parity_tests._arrays import assert_allclose
from parity_tests._tolerances import ELEMENTWISE_OPS as E, tolerance
from scratch import attention as A
from torch_ref import attention as T

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
MASKS = ["none", "padding", "look_ahead", "random"]

#: finite differences: centred, float64 (the course's gradient-check threshold)
EPSILON = 1e-7
THRESHOLD = 1e-7


# ----------------------------------------------------------------------------- step counts
def attention_steps(n_q, n_k, d_k, d_v):
    """Forward: q k^T over d_k, the softmax (a sum over n_k, exp and division), the weighted
    sum over n_k. Backward: dA = dO V^T over d_v, the softmax's sum over n_k, dQ = dS K over
    n_k, dK = dS^T Q and dV = A^T dO over n_q."""
    return (d_k + n_k + E + n_k) + (d_v + n_k + E + max(n_q, n_k))


def mha_steps(m, n_q, n_k, d_model, depth):
    """The three input projections and the output projection (dot products over d_model)
    around the attention of each head, forward and back, and dW's sums over the m * n
    positions."""
    return 2 * d_model + attention_steps(n_q, n_k, depth, depth) + 2 * d_model + m * max(n_q, n_k)


def layer_norm_steps(m, n, d):
    """Mean and variance (sums over d), sqrt and division; backward: two sums over d, the
    division; dgamma and dbeta sum over the m * n positions."""
    return (2 * d + E) + (2 * d + E) + m * n


def ffn_steps(m, n, d_model, dff):
    """x W1 over d_model, A1 W2 over dff, forward and back, and dW's sums over positions."""
    return 2 * (d_model + dff) + m * n + E


def kappa(x, eps):
    """Layer norm's condition number on these rows: max |x| / sqrt(sigma^2 + eps) (>= 1)."""
    spread = np.sqrt(np.var(x.astype(np.float64), axis=-1) + eps)
    return max(1.0, float(np.max(np.max(np.abs(x), axis=-1) / spread)))


# ----------------------------------------------------------------------------- data
def t(a, device, requires_grad=False):
    return torch.tensor(np.asarray(a), device=device, requires_grad=requires_grad)


def course_mask(rng, kind, m, n_q, n_k, dtype):
    """A course mask (1 = attend) that keeps at least one position in every row."""
    if kind == "none":
        return None
    if kind == "padding":
        ids = rng.integers(0, 3, size=(m, n_k))
        ids[:, 0] = 1                                    # the first token is never padding
        return A.create_padding_mask(ids, dtype)         # (m, 1, n_k)
    if kind == "look_ahead":
        return A.create_look_ahead_mask(n_q, dtype)      # (1, n, n)
    mask = (rng.uniform(size=(m, n_q, n_k)) < 0.6).astype(dtype)
    mask[np.arange(m)[:, None], np.arange(n_q)[None, :], rng.integers(0, n_k, (m, n_q))] = 1
    return mask


@st.composite
def attention_problem(draw, dtype):
    """(q, k, v, mask, d_out): batch (m,) or (m, heads), n_q, n_k in 1..6, d_k, d_v in 1..8."""
    m = draw(st.integers(1, 3), label="m")
    heads = draw(st.sampled_from([0, 1, 2]), label="extra head axis")
    kind = draw(st.sampled_from(MASKS), label="mask")
    n_q = draw(st.integers(1, 6), label="n_q")
    n_k = n_q if kind == "look_ahead" else draw(st.integers(1, 6), label="n_k")
    d_k, d_v = draw(st.integers(1, 8), label="d_k"), draw(st.integers(1, 8), label="d_v")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    batch = (m, heads) if heads else (m,)
    q = (rng.uniform(-1, 1, batch + (n_q, d_k)) * d_k ** -0.25).astype(dtype)
    k = (rng.uniform(-1, 1, batch + (n_k, d_k)) * d_k ** -0.25).astype(dtype)
    v = rng.uniform(-1, 1, batch + (n_k, d_v)).astype(dtype)
    mask = course_mask(rng, kind, m, n_q, n_k, dtype)
    if mask is not None and heads:
        mask = mask[:, np.newaxis]                       # the same mask for every head
    d_out = rng.standard_normal(batch + (n_q, d_v)).astype(dtype)
    return q, k, v, mask, d_out


def mha_parameters(rng, d_model, dtype):
    return {key: (rng.standard_normal((d_model, d_model)) / np.sqrt(d_model) if key[0] == "W"
                  else 0.5 * rng.standard_normal(d_model)).astype(dtype) for key in A.MHA_KEYS}


def ffn_parameters(rng, d_model, dff, dtype):
    return {"W1": (rng.standard_normal((d_model, dff)) / np.sqrt(d_model)).astype(dtype),
            "b1": (0.5 * rng.standard_normal(dff)).astype(dtype),
            "W2": (rng.standard_normal((dff, d_model)) / np.sqrt(dff)).astype(dtype),
            "b2": (0.5 * rng.standard_normal(d_model)).astype(dtype)}


def norm_parameters(rng, d, dtype, suffix=""):
    return {f"gamma{suffix}": (1 + 0.1 * rng.standard_normal(d)).astype(dtype),
            f"beta{suffix}": (0.5 * rng.standard_normal(d)).astype(dtype)}


@st.composite
def mha_problem(draw, dtype):
    """(q, k, v, parameters, num_heads, mask, d_out, kind): kind "self" (q = k = v = x),
    "cross" (k = v), "distinct"; m in 1..3, n in 1..5, h in 1..3, depth in 1..4."""
    m, h, depth = (draw(st.integers(1, 3), label="m"), draw(st.integers(1, 3), label="h"),
                   draw(st.integers(1, 4), label="depth"))
    attention = draw(st.sampled_from(["self", "cross", "distinct"]), label="attention")
    kind = draw(st.sampled_from(MASKS), label="mask")
    n_q = draw(st.integers(1, 5), label="n_q")
    n_k = n_q if attention == "self" or kind == "look_ahead" else draw(st.integers(1, 5))
    d_model = h * depth
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    q = rng.uniform(-1, 1, (m, n_q, d_model)).astype(dtype)
    k = q if attention == "self" else rng.uniform(-1, 1, (m, n_k, d_model)).astype(dtype)
    v = k if attention != "distinct" else rng.uniform(-1, 1, (m, n_k, d_model)).astype(dtype)
    mask = course_mask(rng, kind, m, n_q, n_k, dtype)
    d_out = rng.standard_normal((m, n_q, d_model)).astype(dtype)
    return q, k, v, mha_parameters(rng, d_model, dtype), h, mask, d_out, attention


@st.composite
def encoder_problem(draw, dtype):
    """(x, parameters, num_heads, mask, d_out, mask kind): m in 1..3, n in 1..5, h in 1..3,
    depth in 1..4 (d_model >= 2), dff in 1..8."""
    m, n, h = (draw(st.integers(1, 3), label="m"), draw(st.integers(1, 5), label="n"),
               draw(st.integers(1, 3), label="h"))
    depth = draw(st.integers(2 if h == 1 else 1, 4), label="depth")
    dff = draw(st.integers(1, 8), label="dff")
    kind = draw(st.sampled_from(MASKS), label="mask")
    d_model = h * depth
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = {**mha_parameters(rng, d_model, dtype), **ffn_parameters(rng, d_model, dff, dtype),
                  **norm_parameters(rng, d_model, dtype, "1"), **norm_parameters(rng, d_model, dtype, "2")}
    x = rng.uniform(-1, 1, (m, n, d_model)).astype(dtype)
    mask = course_mask(rng, kind, m, n, n, dtype)
    d_out = rng.standard_normal((m, n, d_model)).astype(dtype)
    return x, parameters, h, mask, d_out, kind


def gradient_check(f, arrays, grads):
    """The course's relative difference ||g - g_approx|| / (||g|| + ||g_approx||) between the
    hand gradients ``grads[name]`` and centred differences of the scalar ``f(arrays)``."""
    g, g_approx = [], []
    for name, value in arrays.items():
        for index in np.ndindex(value.shape):
            plus = {**arrays, name: value.copy()}
            minus = {**arrays, name: value.copy()}
            plus[name][index] += EPSILON
            minus[name][index] -= EPSILON
            g_approx.append((f(plus) - f(minus)) / (2 * EPSILON))
            g.append(grads[name][index])
    g, g_approx = np.array(g), np.array(g_approx)
    return np.linalg.norm(g - g_approx) / (np.linalg.norm(g) + np.linalg.norm(g_approx))


# ============================================================================ positional encoding
@pytest.mark.parametrize("dtype", DTYPES)
@given(positions=st.integers(1, 60), d=st.integers(1, 64))
def test_positional_encoding_parity(device, parity, dtype, positions, d):
    pe = A.positional_encoding(positions, d, dtype=dtype)
    pe_t = T.positional_encoding(positions, d, dtype=TORCH_DTYPE[dtype], device=device)
    assert pe.shape == (1, positions, d) and pe.dtype == dtype
    # the angle pos / 10000^(2i/d) (a power, a division) carries a relative error of a few u,
    # so an absolute error of a few u * pos that sin and cos pass on: n = E * positions
    parity.close("PE(pos, k)", pe_t, pe, **tolerance(dtype, E * positions),
                 formula="c5.positional_encoding")


def test_get_angles_and_the_course_checks():
    # 10000^(2 * 1 / 8) = 10: angle(pos=2, k=2 or 3, d=8) = 0.2; k = 0, 1 give pos itself
    assert_allclose(A.get_angles(2, np.array([0, 1, 2, 3]), 8), [2, 2, 0.2, 0.2],
                    rtol=1e-15)
    # the course's unit test: (1, positions, d), float32, sin^2 + cos^2 = 1 per pair, and the
    # angle recovered from (sin, cos) is get_angles' (mod 2 pi)
    position, d_model = 8, 16
    pe = A.positional_encoding(position, d_model)
    assert pe.shape == (1, position, d_model) and pe.dtype == np.float32
    sin_part, cos_part = pe[:, :, 0::2], pe[:, :, 1::2]
    close = dict(rtol=1e-5, atol=1e-8)       # np.allclose's defaults, the course's test's
    assert_allclose(sin_part ** 2 + cos_part ** 2, np.ones((1, position, d_model // 2)), **close)
    angs = np.arctan(sin_part / cos_part)
    angs[angs < 0] += np.pi
    angs[sin_part < 0] += np.pi
    angs = angs % (2 * np.pi)
    true_angs = A.get_angles(np.arange(position)[:, None], np.arange(d_model)[None, :],
                             d_model)[:, 0::2] % (2 * np.pi)
    assert_allclose(angs[0], true_angs, **close)


# ============================================================================ masks
@given(m=st.integers(1, 4), n=st.integers(1, 8), seed=st.integers(0, 2 ** 32 - 1))
def test_masks_parity(device, parity, m, n, seed):
    ids = np.random.default_rng(seed).integers(0, 4, size=(m, n))
    mask = A.create_padding_mask(ids)
    assert mask.shape == (m, 1, n) and mask.dtype == np.float32
    parity.close("padding mask 1 - (seq == 0)", T.padding_mask(t(ids, device)), mask,
                 rtol=0, atol=0, formula="c5.masks")
    look_ahead = A.create_look_ahead_mask(n)
    assert look_ahead.shape == (1, n, n)
    parity.close("look-ahead mask tril(ones)", T.look_ahead_mask(n, device=device), look_ahead,
                 rtol=0, atol=0, formula="c5.masks")
    # PyTorch's own causal mask is the same mask, additive: 0 = attend, -inf = masked
    causal = nn.Transformer.generate_square_subsequent_mask(n, device=device)
    parity.close("generate_square_subsequent_mask == 0", (causal == 0).float()[None],
                 look_ahead, rtol=0, atol=0, formula="c5.masks")
    # the conversions: F.sdpa's True = attend (same sense); nn.MultiheadAttention's True =
    # masked (opposite sense), one slice per (example, head), example-major
    mask_t = t(mask, device)
    assert torch.equal(T.sdpa_mask(mask_t), mask_t != 0)
    h = 3
    attn_mask = T.attn_mask_from_course(mask_t, h, m, n_q=2, n_k=n)
    assert attn_mask.shape == (m * h, 2, n) and attn_mask.dtype == torch.bool
    for b in range(m):
        for j in range(h):
            assert torch.equal(attn_mask[b * h + j], (mask_t[b] == 0).expand(2, n))
    assert torch.equal(T.key_padding_mask_from_course(mask_t), t(ids == 0, device))


# ============================================================================ attention
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_scaled_dot_product_attention_parity(device, parity, dtype, data):
    q, k, v, mask, d_out = data.draw(attention_problem(dtype))
    output, weights = A.scaled_dot_product_attention(q, k, v, mask)
    dq, dk, dv = A.scaled_dot_product_attention_backward(d_out, (q, k, v, weights))
    q_t, k_t, v_t = (t(a, device, requires_grad=True) for a in (q, k, v))
    output_t, weights_t = T.scaled_dot_product_attention(
        q_t, k_t, v_t, None if mask is None else t(mask, device))
    output_t.backward(t(d_out, device))
    tol = tolerance(dtype, attention_steps(q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1]))
    assert output.dtype == dtype and weights.dtype == dtype
    parity.close("attention weights softmax(q k^T / sqrt(d_k) + mask)", weights_t, weights,
                 **tol, formula="c5.attention")
    parity.close("output = weights v", output_t, output, **tol, formula="c5.attention")
    parity.close("dq", q_t.grad, dq, **tol, formula="c5.attention_backward")
    parity.close("dk", k_t.grad, dk, **tol, formula="c5.attention_backward")
    parity.close("dv", v_t.grad, dv, **tol, formula="c5.attention_backward")
    if mask is not None:                       # masked positions get exactly 0 on both sides
        masked = np.broadcast_to(mask == 0, weights.shape)
        assert (weights[masked] == 0).all() and (weights_t.detach().cpu().numpy()[masked] == 0).all()


def test_scaled_dot_product_attention_course_values():
    """The course's unit test (scaled_dot_product_attention_test): rank-2 q, k, v, float32."""
    q = np.array([[1, 0, 1, 1], [0, 1, 1, 1], [1, 0, 0, 1]]).astype(np.float32)
    k = np.array([[1, 1, 0, 1], [1, 0, 1, 1], [0, 1, 1, 0], [0, 0, 0, 1]]).astype(np.float32)
    v = np.array([[0, 0], [1, 0], [1, 0], [1, 1]]).astype(np.float32)
    attention, weights = A.scaled_dot_product_attention(q, k, v, None)
    assert weights.shape == (q.shape[0], k.shape[1]) and attention.shape == (q.shape[0], v.shape[1])
    close = dict(rtol=1e-5, atol=1e-8)       # np.allclose's defaults, the course's test's
    assert_allclose(weights, [[0.2589478, 0.42693272, 0.15705977, 0.15705977],
                              [0.2772748, 0.2772748, 0.2772748, 0.16817567],
                              [0.33620113, 0.33620113, 0.12368149, 0.2039163]], **close)
    assert_allclose(attention, [[0.74105227, 0.15705977], [0.7227253, 0.16817567],
                                [0.6637989, 0.2039163]], **close)
    mask = np.array([[[1, 1, 0, 1], [1, 1, 0, 1], [1, 1, 0, 1]]])
    attention, weights = A.scaled_dot_product_attention(q, k, v, mask)
    assert_allclose(weights, [[[0.30719590187072754, 0.5064803957939148, 0.0, 0.18632373213768005],
                               [0.3836517333984375, 0.3836517333984375, 0.0, 0.2326965481042862],
                               [0.3836517333984375, 0.3836517333984375, 0.0, 0.2326965481042862]]],
                    **close)
    assert_allclose(attention, [[[0.6928040981292725, 0.18632373213768005],
                                 [0.6163482666015625, 0.2326965481042862],
                                 [0.6163482666015625, 0.2326965481042862]]], **close)


def test_fully_masked_row(device, parity):
    """Where -1e9 and -inf part: a row whose every position is masked.

    The course adds the same -1e9 to every score of the row, a shift softmax ignores: in
    float64 (ulp(1e9) = 1.2e-7) the row keeps the UNMASKED weights softmax(s) to ~1e-7; in
    float32 -1e9 + s rounds to -1e9 (ulp(1e9) = 64), so the row is uniform, 1/n_k. PyTorch's
    boolean masks put -inf there: nn.MultiheadAttention's softmax gives NaN (-inf - -inf);
    F.scaled_dot_product_attention gives zeros (a "safe" softmax, torch >= 2.5; NaN before).
    PyTorch with the course's additive float mask (1 - mask) * -1e9 reproduces the course.
    """
    rng = np.random.default_rng(0)
    n_q, n_k, d = 2, 3, 4
    q, k, v = (rng.uniform(-1, 1, (1, n, d)) for n in (n_q, n_k, n_k))
    mask = np.array([[[0, 0, 0], [1, 0, 1]]], dtype=np.float64)   # row 0 fully masked
    _, unmasked_weights = A.scaled_dot_product_attention(q, k, v, None)
    out64, w64 = A.scaled_dot_product_attention(q, k, v, mask)
    assert_allclose(w64[0, 0], unmasked_weights[0, 0], rtol=1e-6)
    _, w32 = A.scaled_dot_product_attention(*(a.astype(np.float32) for a in (q, k, v, mask)))
    assert_allclose(w32[0, 0], np.full(n_k, 1 / n_k, np.float32), rtol=1e-7)

    q_t, k_t, v_t, mask_t = (t(a, device) for a in (q, k, v, mask))
    out_sdpa = F.scaled_dot_product_attention(q_t, k_t, v_t, attn_mask=T.sdpa_mask(mask_t))
    row = out_sdpa[0, 0]
    assert bool((row == 0).all()) or bool(torch.isnan(row).all())
    # the course's additive mask given to F.sdpa as a float attn_mask: the course's result
    out_float = F.scaled_dot_product_attention(q_t, k_t, v_t, attn_mask=(1 - mask_t) * -1e9)
    parity.close("F.sdpa with the course's float mask (1 - mask) * -1e9", out_float, out64,
                 **tolerance(np.float64, attention_steps(n_q, n_k, d, d)),
                 formula="c5.attention")
    # rows that keep a position agree between -inf and -1e9
    _, w_t = T.scaled_dot_product_attention(q_t, k_t, v_t, mask_t)
    parity.close("partly masked row, -inf vs -1e9", w_t[0, 1], w64[0, 1],
                 **tolerance(np.float64, attention_steps(n_q, n_k, d, d)), formula="c5.attention")
    # nn.MultiheadAttention: NaN in the fully masked row
    mha = T.MultiHeadAttention(d, 1, device=device, dtype=torch.float64)
    _, w_mha = mha(q_t, k_t, v_t, mask_t)
    assert torch.isnan(w_mha[0, 0, 0]).all() and not torch.isnan(w_mha[0, 0, 1]).any()


@pytest.mark.parametrize("kv_lead", [(1,), ()], ids=["leading axis 1", "no leading axis"])
def test_attention_backward_sums_over_broadcast_axes(device, parity, kv_lead):
    # keys and values shared by the m = 2 examples (a leading axis of 1, or none), broadcast
    # against q's: dk and dv are summed over the examples, as autograd of the expanded tensors
    rng = np.random.default_rng(5)
    q = rng.standard_normal((2, 4, 2))
    k, v = rng.standard_normal(kv_lead + (5, 2)), rng.standard_normal(kv_lead + (5, 3))
    output, weights = A.scaled_dot_product_attention(q, k, v, None)
    d_out = rng.standard_normal(output.shape)
    dq, dk, dv = A.scaled_dot_product_attention_backward(d_out, (q, k, v, weights))
    q_t, k_t, v_t = (t(a, device, requires_grad=True) for a in (q, k, v))
    output_t, _ = T.scaled_dot_product_attention(q_t, k_t.expand(2, 5, 2), v_t.expand(2, 5, 3))
    output_t.backward(t(d_out, device))
    tol = tolerance(np.float64, 2 * attention_steps(4, 5, 2, 3))   # summed over 2 examples
    assert dk.shape == k.shape and dv.shape == v.shape
    for name, grad_t, grad in (("dq", q_t.grad, dq), ("dk", k_t.grad, dk), ("dv", v_t.grad, dv)):
        parity.close(f"{name}, summed over the broadcast axis", grad_t, grad, **tol,
                     formula="c5.attention_backward")


@settings(max_examples=10)
@given(data=st.data())
def test_attention_gradient_check(data):
    q, k, v, mask, d_out = data.draw(attention_problem(np.float64))
    output, weights = A.scaled_dot_product_attention(q, k, v, mask)
    dq, dk, dv = A.scaled_dot_product_attention_backward(d_out, (q, k, v, weights))

    def f(a):
        return float(np.sum(d_out * A.scaled_dot_product_attention(a["q"], a["k"], a["v"], mask)[0]))

    difference = gradient_check(f, {"q": q, "k": k, "v": v}, {"q": dq, "k": dk, "v": dv})
    assert difference < THRESHOLD, difference


# ============================================================================ multi-head attention
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_multi_head_attention_parity(device, parity, dtype, data):
    q, k, v, parameters, h, mask, d_out, attention = data.draw(mha_problem(dtype))
    output, weights, cache = A.multi_head_attention_forward(q, k, v, parameters, h, mask)
    dq, dk, dv, grads = A.multi_head_attention_backward(d_out, cache)
    m, n_q, d_model = q.shape
    mha = T.MultiHeadAttention(d_model, h, device=device, dtype=TORCH_DTYPE[dtype])
    mha.load_course_parameters(parameters)
    q_t = t(q, device, requires_grad=True)
    k_t = q_t if attention == "self" else t(k, device, requires_grad=True)
    v_t = k_t if attention != "distinct" else t(v, device, requires_grad=True)
    mask_t = None if mask is None else t(mask, device)
    output_t, weights_t = mha(q_t, k_t, v_t, mask_t)
    output_t.backward(t(d_out, device))
    tol = tolerance(dtype, mha_steps(m, n_q, k.shape[1], d_model, d_model // h))
    assert weights.shape == (m, h, n_q, k.shape[1])
    parity.close("MHA output concat(heads) Wo + bo", output_t, output, **tol, formula="c5.mha")
    parity.close("attention weights per head", weights_t, weights, **tol, formula="c5.mha")
    _, averaged_t = mha(q_t, k_t, v_t, mask_t, average_attn_weights=True)
    parity.close("attention weights averaged over heads", averaged_t, weights.mean(axis=1),
                 **tol, formula="c5.mha")
    # inputs: a tensor used as several of q, k, v collects their gradients
    if attention == "self":
        parity.close("dx = dq + dk + dv", q_t.grad, dq + dk + dv, **tol, formula="c5.mha_backward")
    elif attention == "cross":
        parity.close("dq", q_t.grad, dq, **tol, formula="c5.mha_backward")
        parity.close("d(k = v) = dk + dv", k_t.grad, dk + dv, **tol, formula="c5.mha_backward")
    else:
        for name, tensor, grad in (("dq", q_t, dq), ("dk", k_t, dk), ("dv", v_t, dv)):
            parity.close(name, tensor.grad, grad, **tol, formula="c5.mha_backward")
    torch_grads = mha.course_gradients()
    for key in grads:
        parity.close(key, torch_grads[key], grads[key], **tol, formula="c5.mha_backward")


@settings(max_examples=10)
@given(data=st.data())
def test_multi_head_attention_gradient_check(data):
    q, k, v, parameters, h, mask, d_out, _ = data.draw(mha_problem(np.float64))
    _, _, cache = A.multi_head_attention_forward(q, k, v, parameters, h, mask)
    dq, dk, dv, grads = A.multi_head_attention_backward(d_out, cache)

    def f(a):
        out, _, _ = A.multi_head_attention_forward(a["q"], a["k"], a["v"],
                                                   {key: a[key] for key in A.MHA_KEYS}, h, mask)
        return float(np.sum(d_out * out))

    arrays = {"q": q.copy(), "k": k.copy(), "v": v.copy(), **parameters}
    difference = gradient_check(f, arrays, {"q": dq, "k": dk, "v": dv,
                                            **{key: grads["d" + key] for key in parameters}})
    assert difference < THRESHOLD, difference


def test_mha_parameters_round_trip(device, parity):
    parameters = mha_parameters(np.random.default_rng(1), 6, np.float64)
    mha = T.MultiHeadAttention(6, 2, device=device, dtype=torch.float64)
    back = mha.load_course_parameters(parameters).course_parameters()
    assert set(back) == set(parameters)
    in_proj, _ = T.pack_in_projection(*(torch.as_tensor(parameters[key]) for key in
                                        ("Wq", "Wk", "Wv", "bq", "bk", "bv")))
    assert in_proj.shape == (18, 6)
    for key in parameters:
        parity.close(f"{key} round trip", back[key], parameters[key], rtol=0, atol=0,
                     formula="c5.mha")


# ============================================================================ layer norm
@pytest.mark.parametrize("eps", [A.COURSE_LAYER_NORM_EPS, A.TORCH_LAYER_NORM_EPS])
@pytest.mark.parametrize("dtype", DTYPES)
@given(m=st.integers(1, 3), n=st.integers(1, 5), d=st.integers(2, 16),
       seed=st.integers(0, 2 ** 32 - 1))
def test_layer_norm_parity(device, parity, dtype, eps, m, n, d, seed):
    rng = np.random.default_rng(seed)
    # each position's features: mean in [-1, 1], standard deviation in [0.5, 2]
    z = rng.standard_normal((m, n, d))
    z = (z - z.mean(-1, keepdims=True)) / (z.std(-1, keepdims=True) + 1e-12)
    x = (rng.uniform(-1, 1, (m, n, 1)) + rng.uniform(0.5, 2, (m, n, 1)) * z).astype(dtype)
    gamma, beta = norm_parameters(rng, d, dtype).values()
    d_out = rng.standard_normal((m, n, d)).astype(dtype)
    out, cache = A.layer_norm_forward(x, gamma, beta, eps)
    dx, dgamma, dbeta = A.layer_norm_backward(d_out, cache)
    norm = T.layer_norm(gamma, beta, eps, device=device, dtype=TORCH_DTYPE[dtype])
    x_t = t(x, device, requires_grad=True)
    out_t = norm(x_t)
    out_t.backward(t(d_out, device))
    tol = tolerance(dtype, math.ceil(kappa(x, eps) * layer_norm_steps(m, n, d)))
    parity.close("LN(x) = gamma x_hat + beta", out_t, out, **tol, formula="c5.layer_norm")
    parity.close("dx", x_t.grad, dx, **tol, formula="c5.layer_norm_backward")
    parity.close("dgamma", norm.weight.grad, dgamma, **tol, formula="c5.layer_norm_backward")
    parity.close("dbeta", norm.bias.grad, dbeta, **tol, formula="c5.layer_norm_backward")


@settings(max_examples=10)
@given(m=st.integers(1, 3), n=st.integers(1, 4), d=st.integers(2, 8),
       seed=st.integers(0, 2 ** 32 - 1))
def test_layer_norm_gradient_check(m, n, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (m, n, d))
    gamma, beta = norm_parameters(rng, d, np.float64).values()
    d_out = rng.standard_normal((m, n, d))
    _, cache = A.layer_norm_forward(x, gamma, beta)
    dx, dgamma, dbeta = A.layer_norm_backward(d_out, cache)

    def f(a):
        return float(np.sum(d_out * A.layer_norm_forward(a["x"], a["gamma"], a["beta"])[0]))

    difference = gradient_check(f, {"x": x, "gamma": gamma, "beta": beta},
                                {"x": dx, "gamma": dgamma, "beta": dbeta})
    assert difference < THRESHOLD, difference


# ============================================================================ feed-forward
@pytest.mark.parametrize("dtype", DTYPES)
@given(m=st.integers(1, 3), n=st.integers(1, 5), d_model=st.integers(1, 8),
       dff=st.integers(1, 8), seed=st.integers(0, 2 ** 32 - 1))
def test_ffn_parity(device, parity, dtype, m, n, d_model, dff, seed):
    rng = np.random.default_rng(seed)
    parameters = ffn_parameters(rng, d_model, dff, dtype)
    x = rng.uniform(-1, 1, (m, n, d_model)).astype(dtype)
    d_out = rng.standard_normal((m, n, d_model)).astype(dtype)
    out, cache = A.ffn_forward(x, parameters)
    dx, grads = A.ffn_backward(d_out, cache)
    ffn = T.FeedForward(d_model, dff, device=device, dtype=TORCH_DTYPE[dtype])
    ffn.load_course_parameters(parameters)
    x_t = t(x, device, requires_grad=True)
    out_t = ffn(x_t)
    out_t.backward(t(d_out, device))
    tol = tolerance(dtype, ffn_steps(m, n, d_model, dff))
    parity.close("FFN(x) = ReLU(x W1 + b1) W2 + b2", out_t, out, **tol, formula="c5.ffn")
    parity.close("dx", x_t.grad, dx, **tol, formula="c5.ffn")
    torch_grads = ffn.course_gradients()
    for key in grads:
        parity.close(key, torch_grads[key], grads[key], **tol, formula="c5.ffn")
    back = ffn.course_parameters()
    for key in parameters:
        parity.close(f"{key} round trip", back[key], parameters[key], rtol=0, atol=0,
                     formula="c5.ffn")


@settings(max_examples=10)
@given(m=st.integers(1, 3), n=st.integers(1, 4), d_model=st.integers(1, 6),
       dff=st.integers(1, 6), seed=st.integers(0, 2 ** 32 - 1))
def test_ffn_gradient_check(m, n, d_model, dff, seed):
    rng = np.random.default_rng(seed)
    parameters = ffn_parameters(rng, d_model, dff, np.float64)
    x, d_out = rng.uniform(-1, 1, (m, n, d_model)), rng.standard_normal((m, n, d_model))
    _, cache = A.ffn_forward(x, parameters)
    dx, grads = A.ffn_backward(d_out, cache)

    def f(a):
        return float(np.sum(d_out * A.ffn_forward(a["x"], a)[0]))

    difference = gradient_check(f, {"x": x, **parameters},
                                {"x": dx, **{key: grads["d" + key] for key in parameters}})
    assert difference < THRESHOLD, difference


# ============================================================================ encoder layer
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_encoder_layer_parity(device, parity, dtype, data):
    x, parameters, h, mask, d_out, kind = data.draw(encoder_problem(dtype))
    eps = A.COURSE_LAYER_NORM_EPS
    out, cache = A.encoder_layer_forward(x, parameters, h, mask, eps)
    dx, grads = A.encoder_layer_backward(d_out, cache)
    m, n, d_model = x.shape
    dff = parameters["W1"].shape[1]
    layer = T.EncoderLayer(d_model, h, dff, layer_norm_eps=eps, device=device,
                           dtype=TORCH_DTYPE[dtype]).load_course_parameters(parameters)
    x_t = t(x, device, requires_grad=True)
    out_t = layer(x_t, None if mask is None else t(mask, device))
    out_t.backward(t(d_out, device))

    # the layer norms' inputs, for their condition numbers: x + MHA(x) and x1 + FFN(x1)
    attn_output, _, _ = A.multi_head_attention_forward(x, x, x, parameters, h, mask)
    x1, _ = A.layer_norm_forward(x + attn_output, parameters["gamma1"], parameters["beta1"], eps)
    ffn_output, _ = A.ffn_forward(x1, parameters)
    steps = (mha_steps(m, n, n, d_model, d_model // h) + ffn_steps(m, n, d_model, dff)
             + 2 * layer_norm_steps(m, n, d_model))
    # an error entering LN1 is multiplied by kappa1 and, through the FFN, by kappa2 at LN2
    condition = kappa(x + attn_output, eps) * kappa(x1 + ffn_output, eps)
    tol = tolerance(dtype, math.ceil(condition * steps))
    parity.close("encoder layer output", out_t, out, **tol, formula="c5.encoder_layer")
    parity.close("dx", x_t.grad, dx, **tol, formula="c5.encoder_layer_backward")
    torch_grads = layer.course_gradients()
    assert set(torch_grads) == set(grads) == {"d" + key for key in A.ENCODER_LAYER_KEYS}
    for key in grads:
        parity.close(key, torch_grads[key], grads[key], **tol, formula="c5.encoder_layer_backward")
    if kind == "padding":
        # PyTorch's own padding mask (m, n), True = padding, gives the same layer output
        key_padding_mask = T.key_padding_mask_from_course(t(mask, device))
        parity.close("output with src_key_padding_mask", layer(t(x, device),
                     key_padding_mask=key_padding_mask), out, **tol, formula="c5.encoder_layer")


@settings(max_examples=5)
@given(data=st.data())
def test_encoder_layer_gradient_check(data):
    x, parameters, h, mask, d_out, _ = data.draw(encoder_problem(np.float64))
    _, cache = A.encoder_layer_forward(x, parameters, h, mask)
    dx, grads = A.encoder_layer_backward(d_out, cache)

    def f(a):
        return float(np.sum(d_out * A.encoder_layer_forward(a["x"], a, h, mask)[0]))

    difference = gradient_check(f, {"x": x, **parameters},
                                {"x": dx, **{key: grads["d" + key] for key in parameters}})
    assert difference < THRESHOLD, difference


def test_encoder_layer_parameters_round_trip(device, parity):
    rng = np.random.default_rng(2)
    parameters = {**mha_parameters(rng, 4, np.float64), **ffn_parameters(rng, 4, 5, np.float64),
                  **norm_parameters(rng, 4, np.float64, "1"), **norm_parameters(rng, 4, np.float64, "2")}
    layer = T.EncoderLayer(4, 2, 5, device=device, dtype=torch.float64)
    back = layer.load_course_parameters(parameters).course_parameters()
    assert set(back) == set(A.ENCODER_LAYER_KEYS)
    for key in parameters:
        parity.close(f"{key} round trip", back[key], parameters[key], rtol=0, atol=0,
                     formula="c5.encoder_layer")
    # the wrapped module is the course's configuration
    inner = layer.layer
    assert inner.norm_first is False and inner.self_attn.batch_first
    assert inner.norm1.eps == A.COURSE_LAYER_NORM_EPS and inner.dropout.p == 0.0


# ============================================================================ bad input
def _bad_inputs():
    rng = np.random.default_rng(0)
    q, k, v = rng.uniform(size=(2, 3, 4)), rng.uniform(size=(2, 5, 4)), rng.uniform(size=(2, 5, 4))
    P6 = mha_parameters(rng, 6, np.float64)
    P4 = mha_parameters(rng, 4, np.float64)
    enc = {**P4, **ffn_parameters(rng, 4, 3, np.float64), **norm_parameters(rng, 4, np.float64, "1"),
           **norm_parameters(rng, 4, np.float64, "2")}
    x6 = rng.uniform(size=(2, 3, 6))
    _, weights = A.scaled_dot_product_attention(q, k, v, None)
    return {
        "mask not broadcastable to (m, n_q, n_k)":
            (lambda: A.scaled_dot_product_attention(q, k, v, np.ones((2, 1, 4))), "mask"),
        "MHA mask with the wrong batch":
            (lambda: A.multi_head_attention_forward(x6, x6, x6, P6, 2, np.ones((3, 1, 3))), "mask"),
        "mask in torch's additive convention":
            (lambda: A.scaled_dot_product_attention(q, k, v, np.full((2, 1, 5), -np.inf)),
             "1 = attend"),
        "d_model not divisible by num_heads":
            (lambda: A.multi_head_attention_forward(x6, x6, x6, P6, 4), "divisible"),
        "q and k depths differ":
            (lambda: A.scaled_dot_product_attention(q, k[..., :3], v, None), "same depth"),
        "k and v lengths differ":
            (lambda: A.scaled_dot_product_attention(q, k, v[:, :4], None), "same length"),
        "MHA q and k d_model differ":
            (lambda: A.multi_head_attention_forward(x6, q, q, P6, 2), "same d_model"),
        "sequence of length 0":
            (lambda: A.scaled_dot_product_attention(q[:, :0], k, v, None), "length >= 1"),
        "MHA sequence of length 0":
            (lambda: A.multi_head_attention_forward(x6[:, :0], x6, x6, P6, 2), "length >= 1"),
        "missing encoder parameter":
            (lambda: A.encoder_layer_forward(rng.uniform(size=(2, 3, 4)),
                                             {k_: v_ for k_, v_ in enc.items() if k_ != "beta2"},
                                             2), "beta2"),
        "layer norm gamma of the wrong shape":
            (lambda: A.layer_norm_forward(x6, np.ones(5), np.zeros(6)), "gamma"),
        "FFN W2 of the wrong shape":
            (lambda: A.ffn_forward(x6, {**ffn_parameters(rng, 6, 3, np.float64),
                                        "W2": np.ones((3, 5))}), "W2"),
        "positional encoding of 0 positions":
            (lambda: A.positional_encoding(0, 4), "positive integer"),
        "padding mask from a rank-1 array":
            (lambda: A.create_padding_mask(np.array([1, 2, 0])), "rank >= 2"),
        "upstream gradient of the wrong shape":
            (lambda: A.scaled_dot_product_attention_backward(np.ones((2, 3, 3)),
                                                             (q, k, v, weights)), "d_output"),
        "torch_ref: W1 of the wrong shape":
            (lambda: T.EncoderLayer(4, 2, 3, dtype=torch.float64).load_course_parameters(
                {**enc, "W1": np.ones((3, 4))}), "W1"),
    }


BAD_INPUTS = _bad_inputs()


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input(case):
    call, match = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=match):
        call()
