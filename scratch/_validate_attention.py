"""Input checks of :mod:`scratch.attention` (course 5, week 4: the transformer's formulas).

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`: each raises ValueError saying what was expected and what was
given, and returns the arguments to use (arrays in one float dtype: float32 stays float32,
integers become float; a course mask (1 = attend, 0 = masked) in that dtype).
"""
from __future__ import annotations

import numbers

import numpy as np

from ._validate import _describe

MHA_KEYS = ("Wq", "bq", "Wk", "bk", "Wv", "bv", "Wo", "bo")
FFN_KEYS = ("W1", "b1", "W2", "b2")
ENCODER_LAYER_KEYS = MHA_KEYS + FFN_KEYS + ("gamma1", "beta1", "gamma2", "beta2")


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def _check_array(name, a, min_ndim=1):
    arr = np.asarray(a)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if arr.ndim < min_ndim:
        raise ValueError(f"{name}: expected an array of rank >= {min_ndim}, got {_describe(arr)}")
    if 0 in arr.shape:
        raise ValueError(f"{name}: expected no empty axis (sequences of length >= 1), "
                         f"got {_describe(arr)}")
    return arr


def _check_mask(mask, scores_shape, dtype):
    """A course mask (1 = attend, 0 = masked) broadcastable to the scores (..., n_q, n_k)."""
    if mask is None:
        return None
    mask = np.asarray(mask)
    n_q, n_k = scores_shape[-2:]
    target = "(" + ", ".join(map(str, scores_shape)) + ")"
    if mask.ndim < 2 or mask.shape[-2] not in (1, n_q) or mask.shape[-1] not in (1, n_k):
        raise ValueError(f"mask: expected a shape broadcastable to the scores {target} "
                         f"(..., n_q, n_k), e.g. (m, 1, n_k) or (1, n_q, n_k); got {_describe(mask)}")
    try:
        np.broadcast_shapes(mask.shape, tuple(scores_shape))
    except ValueError:
        raise ValueError(f"mask: expected a shape broadcastable to the scores {target}, "
                         f"got {_describe(mask)}") from None
    if not np.isin(mask, (0, 1)).all():
        raise ValueError("mask: expected the course's convention, 1 = attend and 0 = masked "
                         f"(values 0 or 1), got values {np.unique(mask)[:5]}")
    return mask.astype(dtype)


def _check_attention(q, k, v, mask):
    q = _check_array("q", q, min_ndim=2)
    k = _check_array("k", k, min_ndim=2)
    v = _check_array("v", v, min_ndim=2)
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q and k must have the same depth d_k (last axis): q {q.shape}, "
                         f"k {k.shape}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"k and v must have the same length n_k (second-last axis): "
                         f"k {k.shape}, v {v.shape}")
    try:
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(f"q, k, v: leading (batch) axes must broadcast, got q {q.shape}, "
                         f"k {k.shape}, v {v.shape}") from None
    dtype = np.result_type(q, k, v, np.float32)   # float32 stays float32, integers become float
    q, k, v = q.astype(dtype, copy=False), k.astype(dtype, copy=False), v.astype(dtype, copy=False)
    mask = _check_mask(mask, batch + (q.shape[-2], k.shape[-2]), dtype)
    return q, k, v, mask


def _check_weights(parameters, keys, shapes):
    if not isinstance(parameters, dict):
        raise ValueError(f"parameters: expected a dict with keys {', '.join(keys)}, got "
                         f"{type(parameters).__name__}")
    missing = [key for key in keys if key not in parameters]
    if missing:
        raise ValueError(f"parameters: missing {missing}; expected {', '.join(keys)}, got "
                         f"{sorted(parameters)}")
    for key in keys:
        value = np.asarray(parameters[key])
        if value.shape != shapes[key]:
            raise ValueError(f"parameters: {key} must have shape {shapes[key]}, got {_describe(value)}")


def _mha_shapes(d_model):
    square, row = (d_model, d_model), (d_model,)
    return {key: square if key.startswith("W") else row for key in MHA_KEYS}


def _check_mha(q, k, v, parameters, num_heads, mask):
    num_heads = _check_positive_int("num_heads", num_heads)
    for name, a in (("q", q), ("k", k), ("v", v)):
        a = np.asarray(a)
        if a.ndim != 3:
            raise ValueError(f"{name}: expected (m, n, d_model), got {_describe(a)}")
    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    d_model = q.shape[-1]
    if d_model % num_heads:
        raise ValueError(f"d_model must be divisible by num_heads (depth = d_model / num_heads), "
                         f"got d_model = {d_model}, num_heads = {num_heads}")
    if k.shape[-1] != d_model or v.shape[-1] != d_model:
        raise ValueError(f"q, k, v must have the same d_model (last axis): q {q.shape}, "
                         f"k {k.shape}, v {v.shape}")
    if not q.shape[0] == k.shape[0] == v.shape[0]:
        raise ValueError(f"q, k, v must hold the same number of examples m: q {q.shape}, "
                         f"k {k.shape}, v {v.shape}")
    _check_weights(parameters, MHA_KEYS, _mha_shapes(d_model))
    q, k, v, _ = _check_attention(q, k, v, None)
    m, n_q, n_k = q.shape[0], q.shape[1], k.shape[1]
    if mask is not None and np.ndim(mask) > 3:
        raise ValueError(f"mask: expected a shape broadcastable to (m, n_q, n_k) = "
                         f"{(m, n_q, n_k)}, got {_describe(mask)}")
    mask = _check_mask(mask, (m, n_q, n_k), q.dtype)
    if mask is not None:                       # rank 3, (m or 1, n_q or 1, n_k or 1)
        mask = mask.reshape((1,) * (3 - mask.ndim) + mask.shape)
    return q, k, v, mask, num_heads


def _check_layer_norm(x, gamma, beta, eps):
    x = _check_array("x", x)
    d = x.shape[-1]
    for name, a in (("gamma", gamma), ("beta", beta)):
        if np.shape(a) != (d,):
            raise ValueError(f"{name}: expected shape ({d},) (the last axis of x {x.shape}), "
                             f"got {_describe(a)}")
    if not (isinstance(eps, numbers.Real) and eps >= 0):
        raise ValueError(f"eps: expected a non-negative number (1e-6 the course's, 1e-5 "
                         f"PyTorch's), got {eps!r}")
    return x


def _check_ffn(x, parameters):
    x = _check_array("x", x)
    if not isinstance(parameters, dict) or not all(key in parameters for key in FFN_KEYS):
        got = sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__
        raise ValueError(f"parameters: expected a dict with keys {', '.join(FFN_KEYS)}, got {got}")
    d_model, dff = x.shape[-1], np.shape(parameters["W1"])[-1]
    _check_weights(parameters, FFN_KEYS, {"W1": (d_model, dff), "b1": (dff,),
                                          "W2": (dff, d_model), "b2": (d_model,)})
    return x


def _check_encoder_layer(x, parameters, num_heads, mask, eps):
    x, _, _, mask, num_heads = _check_mha(x, x, x, parameters, num_heads, mask)
    _check_ffn(x, parameters)
    for gamma, beta in (("gamma1", "beta1"), ("gamma2", "beta2")):
        if gamma not in parameters or beta not in parameters:
            raise ValueError(f"parameters: missing {gamma!r} or {beta!r}; expected "
                             f"{', '.join(ENCODER_LAYER_KEYS)}, got {sorted(parameters)}")
        _check_layer_norm(x, parameters[gamma], parameters[beta], eps)
    return x, mask, num_heads


def _check_upstream(name, d_out, shape):
    d_out = np.asarray(d_out)
    if d_out.shape != tuple(shape):
        raise ValueError(f"{name}: expected the shape of the forward output {tuple(shape)}, "
                         f"got {_describe(d_out)}")
    return d_out


# ----------------------------------------------------------------------------- one check per function
def check_get_angles(pos, k, d):
    return pos, k, _check_positive_int("d", d)


def check_positional_encoding(positions, d, dtype):
    return _check_positive_int("positions", positions), _check_positive_int("d", d), dtype


def check_create_padding_mask(decoder_token_ids, dtype):
    decoder_token_ids = _check_array("decoder_token_ids", decoder_token_ids, min_ndim=2)
    if decoder_token_ids.ndim != 2:
        raise ValueError(f"decoder_token_ids: expected (m, n), got {_describe(decoder_token_ids)}")
    return decoder_token_ids, dtype


def check_create_look_ahead_mask(sequence_length, dtype):
    return _check_positive_int("sequence_length", sequence_length), dtype


def check_scaled_dot_product_attention(q, k, v, mask):
    return _check_attention(q, k, v, mask)


def check_scaled_dot_product_attention_backward(d_output, cache):
    q, k, v, attention_weights = cache
    d_output = _check_upstream("d_output", d_output,
                               attention_weights.shape[:-1] + (v.shape[-1],))
    return d_output, cache


def check_multi_head_attention_forward(q, k, v, parameters, num_heads, mask):
    q, k, v, mask, num_heads = _check_mha(q, k, v, parameters, num_heads, mask)
    return q, k, v, parameters, num_heads, mask


def check_multi_head_attention_backward(d_output, cache):
    return _check_upstream("d_output", d_output, cache[0].shape), cache


def check_layer_norm_forward(x, gamma, beta, eps):
    return _check_layer_norm(x, gamma, beta, eps), gamma, beta, eps


def check_layer_norm_backward(d_out, cache):
    return _check_upstream("d_out", d_out, cache[0].shape), cache


def check_ffn_forward(x, parameters):
    return _check_ffn(x, parameters), parameters


def check_ffn_backward(d_out, cache):
    return _check_upstream("d_out", d_out, cache[0].shape), cache


def check_encoder_layer_forward(x, parameters, num_heads, mask, eps):
    x, mask, num_heads = _check_encoder_layer(x, parameters, num_heads, mask, eps)
    return x, parameters, num_heads, mask, eps


def check_encoder_layer_backward(d_out, cache):
    return _check_upstream("d_out", d_out, cache[0][0].shape), cache
