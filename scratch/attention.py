"""Course 5, week 4: the transformer's formulas, forward and backward by hand.

Layout (the course's, Keras'): a batch of sequences x is (m, n, d_model), examples
first, positions second, features last; a projection is x W + b with a Keras-style
kernel W (d_in, d_out) and bias b (d_out,).

Positional encoding:  PE(pos, 2i) = sin(pos / 10000^(2i/d)),  PE(pos, 2i+1) = cos(same)
Masks (the course's convention: 1 = attend, 0 = masked):
    padding mask     1 - (seq == 0), shape (m, 1, n)
    look-ahead mask  lower-triangular ones, shape (1, n, n)
Attention:  Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k) + (1 - mask) * -1e9) V
Multi-head: Q = q Wq + bq, K = k Wk + bk, V = v Wv + bv, split into h heads of
            depth = d_model / h; head_j = Attention(Q_j, K_j, V_j);
            MHA = concat(head_1, ..., head_h) Wo + bo
Layer norm: LN(x) = gamma * (x - mu) / sqrt(sigma^2 + eps) + beta, over the last axis
FFN:        FFN(x) = ReLU(x W1 + b1) W2 + b2, at every position
Encoder layer (post-norm, the course's order, dropout 0):
            x1 = LN1(x + MHA(x, x, x, mask));  out = LN2(x1 + FFN(x1))

Each ``*_forward`` returns a cache; each ``*_backward(d_out, cache)`` walks the forward
lines back, one formula a line. Upstream gradients are plain vector-Jacobian products
(d_out = dL/d(out) for any scalar L): no 1/m anywhere, and dW sums over every example
and position.

Where this differs from the course's Keras code:
- The course builds ``tf.keras.layers.MultiHeadAttention(num_heads, key_dim=d_model)``, so
  each of its heads is d_model wide (h * d_model in all). Here, as in "Attention Is All
  You Need" and torch's ``nn.MultiheadAttention``, each head is depth = d_model / h wide;
  with h = 1 the two are the same layer.
- Layer norm's epsilon: the course's ``LayerNormalization(epsilon=1e-6)``
  (:data:`COURSE_LAYER_NORM_EPS`, the default here) or PyTorch's ``nn.LayerNorm`` default
  1e-5 (:data:`TORCH_LAYER_NORM_EPS`): an argument everywhere.
- Dropout is left out (rate 0); the course's layers drop out only when training.
"""
from __future__ import annotations

import math

import numpy as np

from ._validate import checked
from ._validate_attention import (  # noqa: F401  (the key lists: re-exported)
    ENCODER_LAYER_KEYS,
    FFN_KEYS,
    MHA_KEYS,
    check_create_look_ahead_mask,
    check_create_padding_mask,
    check_encoder_layer_backward,
    check_encoder_layer_forward,
    check_ffn_backward,
    check_ffn_forward,
    check_get_angles,
    check_layer_norm_backward,
    check_layer_norm_forward,
    check_multi_head_attention_backward,
    check_multi_head_attention_forward,
    check_positional_encoding,
    check_scaled_dot_product_attention,
    check_scaled_dot_product_attention_backward,
)

#: what the course adds to a masked score: (1 - mask) * -1e9
MASK_VALUE = -1e9
#: the course's ``LayerNormalization(epsilon=1e-6)``
COURSE_LAYER_NORM_EPS = 1e-6
#: ``nn.LayerNorm``'s default epsilon
TORCH_LAYER_NORM_EPS = 1e-5


# ----------------------------------------------------------------------------- small pieces
def _softmax(z):
    """softmax over the last axis, shifted by the row's max (no overflow)."""
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _unbroadcast(grad, shape):
    """Sum a gradient over the axes the forward pass broadcast, back to ``shape``."""
    grad = np.sum(grad, axis=tuple(range(grad.ndim - len(shape))))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return np.sum(grad, axis=axes, keepdims=True) if axes else grad


def _sum_over_positions(a, b):
    """sum over every example and position of a^T b: (..., d_in), (..., d_out) -> (d_in, d_out)."""
    return np.dot(a.reshape(-1, a.shape[-1]).T, b.reshape(-1, b.shape[-1]))


def _split_heads(x, num_heads):
    """(m, n, d_model) -> (m, num_heads, n, depth): head j holds features j*depth..(j+1)*depth-1."""
    m, n, d_model = x.shape
    return x.reshape(m, n, num_heads, d_model // num_heads).transpose(0, 2, 1, 3)


def _merge_heads(x):
    """(m, num_heads, n, depth) -> (m, n, d_model): concat(head_1, ..., head_h)."""
    m, num_heads, n, depth = x.shape
    return x.transpose(0, 2, 1, 3).reshape(m, n, num_heads * depth)


# ----------------------------------------------------------------------------- positional encoding
@checked(check_get_angles)
def get_angles(pos, k, d):
    """angle(pos, k) = pos / 10000^(2 i / d), with i = k // 2.

    Args:
        pos: positions, e.g. a column (positions, 1).  k: feature indices, e.g. a row
            (1, d).  d: the encoding size (a positive integer).
    Returns:
        the angles, pos and k broadcast together (positions, d), float64.
    """
    i = np.asarray(k) // 2
    angles = np.asarray(pos) / np.power(10000, 2 * i / d)
    return angles


@checked(check_positional_encoding)
def positional_encoding(positions, d, dtype=np.float32):
    """PE(pos, 2i) = sin(pos / 10000^(2i/d)),  PE(pos, 2i+1) = cos(pos / 10000^(2i/d)).

    Args:
        positions: the number of positions (a positive integer).  d: the encoding size.
        dtype: the course casts to float32 (the default); pass np.float64 to keep the
            float64 it computes in.
    Returns:
        pos_encoding (1, positions, d).
    """
    angle_rads = get_angles.unchecked(np.arange(positions)[:, np.newaxis],
                                      np.arange(d)[np.newaxis, :], d)
    angle_rads[:, 0::2] = np.sin(angle_rads[:, 0::2])
    angle_rads[:, 1::2] = np.cos(angle_rads[:, 1::2])
    pos_encoding = angle_rads[np.newaxis, ...]
    return pos_encoding.astype(dtype)


# ----------------------------------------------------------------------------- masks
@checked(check_create_padding_mask)
def create_padding_mask(decoder_token_ids, dtype=np.float32):
    """mask = 1 - (seq == 0): 1 where a token is, 0 where the padding id 0 is.

    Args:
        decoder_token_ids: (m, n) integer token ids, 0 = padding.
    Returns:
        mask (m, 1, n), float32 as the course's: it broadcasts over the n_q queries.
    """
    seq = 1 - (decoder_token_ids == 0).astype(dtype)
    return seq[:, np.newaxis, :]


@checked(check_create_look_ahead_mask)
def create_look_ahead_mask(sequence_length, dtype=np.float32):
    """mask[i, j] = 1 if j <= i else 0: position i attends to positions 0..i only.

    Returns:
        mask (1, n, n), lower-triangular ones (float32 as the course's).
    """
    mask = np.tril(np.ones((1, sequence_length, sequence_length), dtype=dtype))
    return mask


# ----------------------------------------------------------------------------- attention
@checked(check_scaled_dot_product_attention)
def scaled_dot_product_attention(q, k, v, mask):
    """Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k) + (1 - mask) * -1e9) V.

    Args:
        q: queries (..., n_q, d_k).  k: keys (..., n_k, d_k).  v: values (..., n_k, d_v).
        mask: None (nothing masked) or the course's 1 = attend / 0 = masked, broadcastable
            to the scores (..., n_q, n_k): a padding mask (m, 1, n_k), a look-ahead mask
            (1, n_q, n_k).
    Returns:
        (output, attention_weights): (..., n_q, d_v) and (..., n_q, n_k), each row of the
        weights summing to 1. ``(q, k, v, attention_weights)`` is the cache that
        :func:`scaled_dot_product_attention_backward` takes.
    """
    matmul_qk = np.matmul(q, np.swapaxes(k, -1, -2))
    dk = k.shape[-1]
    scaled_attention_logits = matmul_qk / math.sqrt(dk)
    if mask is not None:
        scaled_attention_logits = scaled_attention_logits + (1. - mask) * MASK_VALUE
    attention_weights = _softmax(scaled_attention_logits)
    output = np.matmul(attention_weights, v)
    return output, attention_weights


@checked(check_scaled_dot_product_attention_backward)
def scaled_dot_product_attention_backward(d_output, cache):
    """Backward through output = softmax(S) V, S = Q K^T / sqrt(d_k) (+ the constant mask).

    dV = A^T dO;  dA = dO V^T;  dS = A * (dA - sum(dA * A, last axis));
    dQ = dS K / sqrt(d_k);  dK = dS^T Q / sqrt(d_k)    (A = attention_weights)

    Args:
        d_output: dL/d(output), (..., n_q, d_v).
        cache: (q, k, v, attention_weights): the inputs and the weights that
            :func:`scaled_dot_product_attention` returned.
    Returns:
        (dq, dk, dv), shaped like q, k, v (summed over any axis the forward broadcast).
    """
    q, k, v, attention_weights = cache
    dk = k.shape[-1]
    # output = attention_weights v
    dv = np.matmul(np.swapaxes(attention_weights, -1, -2), d_output)
    d_weights = np.matmul(d_output, np.swapaxes(v, -1, -2))
    # attention_weights = softmax(scaled_attention_logits); the mask term is a constant
    d_logits = attention_weights * (d_weights - np.sum(d_weights * attention_weights,
                                                       axis=-1, keepdims=True))
    # scaled_attention_logits = q k^T / sqrt(d_k)
    d_matmul_qk = d_logits / math.sqrt(dk)
    dq = np.matmul(d_matmul_qk, k)
    dk_ = np.matmul(np.swapaxes(d_matmul_qk, -1, -2), q)
    return _unbroadcast(dq, q.shape), _unbroadcast(dk_, k.shape), _unbroadcast(dv, v.shape)


# ----------------------------------------------------------------------------- multi-head attention
@checked(check_multi_head_attention_forward)
def multi_head_attention_forward(q, k, v, parameters, num_heads, mask=None):
    """MHA(q, k, v) = concat(head_1, ..., head_h) Wo + bo,
    head_j = Attention(q Wq_j + bq_j, k Wk_j + bk_j, v Wv_j + bv_j).

    The projections are split into h heads of depth = d_model / h features each
    (head j: columns j*depth .. (j+1)*depth - 1 of Q = q Wq + bq).

    Args:
        q: (m, n_q, d_model).  k, v: (m, n_k, d_model) (self-attention: q = k = v = x).
        parameters: {"Wq", "Wk", "Wv", "Wo": (d_model, d_model) kernels (x W),
            "bq", "bk", "bv", "bo": (d_model,)}.
        num_heads: h, dividing d_model.
        mask: None or the course's 1/0 mask broadcastable to (m, n_q, n_k); the same
            mask for every head.
    Returns:
        (output, attention_weights, cache): output (m, n_q, d_model); weights per head
        (m, h, n_q, n_k); cache = (q, k, v, parameters, num_heads, attention cache
        (Q, K, V split into heads, weights), concat (m, n_q, d_model)).
    """
    Q = np.matmul(q, parameters["Wq"]) + parameters["bq"]
    K = np.matmul(k, parameters["Wk"]) + parameters["bk"]
    V = np.matmul(v, parameters["Wv"]) + parameters["bv"]
    Q, K, V = (_split_heads(a, num_heads) for a in (Q, K, V))
    head_mask = None if mask is None else mask[:, np.newaxis]      # the same mask for every head
    attention, attention_weights = scaled_dot_product_attention.unchecked(Q, K, V, head_mask)
    concat = _merge_heads(attention)
    output = np.matmul(concat, parameters["Wo"]) + parameters["bo"]
    cache = (q, k, v, parameters, num_heads, (Q, K, V, attention_weights), concat)
    return output, attention_weights, cache


@checked(check_multi_head_attention_backward)
def multi_head_attention_backward(d_output, cache):
    """Backward through MHA = concat(heads) Wo + bo and the three projections.

    dWo = sum concat^T dO;  dbo = sum dO;  d concat = dO Wo^T;
    split d concat into heads, then the attention backward of each head gives dQ, dK, dV;
    dWq = sum q^T dQ;  dbq = sum dQ;  dq = dQ Wq^T  (the same for k and v)
    (sum = over every example and position.)

    Args:
        d_output: dL/d(output), (m, n_q, d_model).
        cache: from :func:`multi_head_attention_forward`.
    Returns:
        (dq, dk, dv, grads): dq (m, n_q, d_model), dk, dv (m, n_k, d_model) (for
        self-attention dx = dq + dk + dv); grads {"dWq", "dbq", "dWk", "dbk", "dWv", "dbv",
        "dWo", "dbo"} shaped like the parameters.
    """
    q, k, v, parameters, num_heads, attention_cache, concat = cache
    grads = {}
    # output = concat Wo + bo
    grads["dWo"] = _sum_over_positions(concat, d_output)
    grads["dbo"] = np.sum(d_output, axis=(0, 1))
    d_concat = np.matmul(d_output, parameters["Wo"].T)
    # concat = merge_heads(attention);  attention = Attention(Q, K, V) per head
    d_attention = _split_heads(d_concat, num_heads)
    dQ, dK, dV = (_merge_heads(g) for g in scaled_dot_product_attention_backward.unchecked(
        d_attention, attention_cache))
    # Q = q Wq + bq, K = k Wk + bk, V = v Wv + bv
    for name, x, dX in (("q", q, dQ), ("k", k, dK), ("v", v, dV)):
        grads[f"dW{name}"] = _sum_over_positions(x, dX)
        grads[f"db{name}"] = np.sum(dX, axis=(0, 1))
    dq = np.matmul(dQ, parameters["Wq"].T)
    dk = np.matmul(dK, parameters["Wk"].T)
    dv = np.matmul(dV, parameters["Wv"].T)
    return dq, dk, dv, grads


# ----------------------------------------------------------------------------- layer normalisation
@checked(check_layer_norm_forward)
def layer_norm_forward(x, gamma, beta, eps=COURSE_LAYER_NORM_EPS):
    """LN(x) = gamma * (x - mu) / sqrt(sigma^2 + eps) + beta, mu and sigma^2 (biased) over
    the last axis of each position.

    Args:
        x: (..., d), e.g. (m, n, d_model).  gamma, beta: (d,).
        eps: 1e-6 the course's (Keras ``LayerNormalization(epsilon=1e-6)``, the default
            here), 1e-5 PyTorch's ``nn.LayerNorm`` default.
    Returns:
        (out, cache): out like x; cache = (x_hat, gamma, inv_std), x_hat = (x - mu) * inv_std,
        inv_std = 1 / sqrt(sigma^2 + eps) (..., 1).
    """
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.mean((x - mu) ** 2, axis=-1, keepdims=True)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std)


@checked(check_layer_norm_backward)
def layer_norm_backward(d_out, cache):
    """Backward through LN, each position's d features together (N = d):

    dbeta = sum dout;  dgamma = sum dout * x_hat  (over every example and position);
    dx_hat = dout * gamma;
    dx = inv_std / N * (N dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))  (sums over d)

    Returns:
        (dx, dgamma, dbeta): like x, (d,), (d,).
    """
    x_hat, gamma, inv_std = cache
    N = x_hat.shape[-1]
    # out = gamma * x_hat + beta
    dbeta = d_out.reshape(-1, N).sum(axis=0)
    dgamma = (d_out * x_hat).reshape(-1, N).sum(axis=0)
    dx_hat = d_out * gamma
    # x_hat = (x - mu) * inv_std, mu and inv_std depending on every x of the position
    dx = inv_std / N * (N * dx_hat - np.sum(dx_hat, axis=-1, keepdims=True)
                        - x_hat * np.sum(dx_hat * x_hat, axis=-1, keepdims=True))
    return dx, dgamma, dbeta


# ----------------------------------------------------------------------------- feed-forward
@checked(check_ffn_forward)
def ffn_forward(x, parameters):
    """FFN(x) = ReLU(x W1 + b1) W2 + b2, the same two layers at every position.

    Args:
        x: (..., d_model).  parameters: {"W1": (d_model, dff), "b1": (dff,),
            "W2": (dff, d_model), "b2": (d_model,)} (Keras kernels: x W).
    Returns:
        (out, cache): out like x; cache = (x, Z1, A1, parameters).
    """
    Z1 = np.matmul(x, parameters["W1"]) + parameters["b1"]
    A1 = np.maximum(0, Z1)
    out = np.matmul(A1, parameters["W2"]) + parameters["b2"]
    return out, (x, Z1, A1, parameters)


@checked(check_ffn_backward)
def ffn_backward(d_out, cache):
    """dW2 = sum A1^T dout;  db2 = sum dout;  dA1 = dout W2^T;  dZ1 = dA1 * 1[Z1 > 0];
    dW1 = sum x^T dZ1;  db1 = sum dZ1;  dx = dZ1 W1^T   (sums over examples and positions;
    ReLU'(0) = 0, PyTorch's convention).

    Returns:
        (dx, grads): dx like x; grads {"dW1", "db1", "dW2", "db2"}.
    """
    x, Z1, A1, parameters = cache
    grads = {}
    grads["dW2"] = _sum_over_positions(A1, d_out)
    grads["db2"] = d_out.reshape(-1, d_out.shape[-1]).sum(axis=0)
    dA1 = np.matmul(d_out, parameters["W2"].T)
    dZ1 = dA1 * (Z1 > 0)
    grads["dW1"] = _sum_over_positions(x, dZ1)
    grads["db1"] = dZ1.reshape(-1, dZ1.shape[-1]).sum(axis=0)
    dx = np.matmul(dZ1, parameters["W1"].T)
    return dx, grads


# ----------------------------------------------------------------------------- encoder layer
@checked(check_encoder_layer_forward)
def encoder_layer_forward(x, parameters, num_heads, mask=None, eps=COURSE_LAYER_NORM_EPS):
    """One encoder layer, post-norm as the course's ``EncoderLayer`` (dropout 0):

    x1 = LN1(x + MHA(x, x, x, mask));  out = LN2(x1 + FFN(x1))

    Args:
        x: (m, n, d_model).  parameters: MHA's {"Wq", "bq", ..., "Wo", "bo"}, FFN's
            {"W1", "b1", "W2", "b2"}, {"gamma1", "beta1", "gamma2", "beta2"} (d_model,).
        num_heads: h, dividing d_model.  mask: None or the course's 1/0 mask
            broadcastable to (m, n, n).  eps: layer norm's (1e-6 the course's).
    Returns:
        (out, cache): out (m, n, d_model); cache = (MHA cache, LN1 cache, FFN cache,
        LN2 cache); the attention weights (m, h, n, n) are cache[0][5][3].
    """
    attn_output, _, mha_cache = multi_head_attention_forward.unchecked(x, x, x, parameters,
                                                                       num_heads, mask)
    x1, ln1_cache = layer_norm_forward.unchecked(x + attn_output, parameters["gamma1"],
                                                 parameters["beta1"], eps)
    ffn_output, ffn_cache = ffn_forward.unchecked(x1, parameters)
    out, ln2_cache = layer_norm_forward.unchecked(x1 + ffn_output, parameters["gamma2"],
                                                  parameters["beta2"], eps)
    return out, (mha_cache, ln1_cache, ffn_cache, ln2_cache)


@checked(check_encoder_layer_backward)
def encoder_layer_backward(d_out, cache):
    """Backward through the encoder layer, last line first:

    d(x1 + FFN(x1)), dgamma2, dbeta2 = LN2 backward(dout)
    dx1 = d(x1 + FFN(x1)) + FFN backward(d(x1 + FFN(x1)))       (x1 feeds the skip and FFN)
    d(x + MHA(x)), dgamma1, dbeta1 = LN1 backward(dx1)
    dx = d(x + MHA(x)) + dq + dk + dv of MHA backward(d(x + MHA(x)))  (x is skip, q, k and v)

    Returns:
        (dx, grads): dx (m, n, d_model); grads with "d" + every parameter key.
    """
    mha_cache, ln1_cache, ffn_cache, ln2_cache = cache
    # out = LN2(x1 + ffn_output)
    d_skip2, dgamma2, dbeta2 = layer_norm_backward.unchecked(d_out, ln2_cache)
    # ffn_output = FFN(x1); x1 also goes straight into the sum
    dx1_ffn, ffn_grads = ffn_backward.unchecked(d_skip2, ffn_cache)
    dx1 = d_skip2 + dx1_ffn
    # x1 = LN1(x + attn_output)
    d_skip1, dgamma1, dbeta1 = layer_norm_backward.unchecked(dx1, ln1_cache)
    # attn_output = MHA(x, x, x); x also goes straight into the sum
    dq, dk, dv, mha_grads = multi_head_attention_backward.unchecked(d_skip1, mha_cache)
    dx = d_skip1 + dq + dk + dv
    grads = {**mha_grads, **ffn_grads, "dgamma1": dgamma1, "dbeta1": dbeta1,
             "dgamma2": dgamma2, "dbeta2": dbeta2}
    return dx, grads