"""Course 5, week 4 (the transformer) in idiomatic PyTorch.

- :func:`positional_encoding`: the course's sinusoids computed with torch ops.
- :func:`padding_mask`, :func:`look_ahead_mask`: the course's masks (1 = attend, 0 = masked),
  and the conversions to PyTorch's mask conventions, each written once:
  :func:`sdpa_mask` (``F.scaled_dot_product_attention``: boolean True = attend, the
  course's sense), :func:`attn_mask_from_course` and :func:`key_padding_mask_from_course`
  (``nn.MultiheadAttention`` / ``nn.TransformerEncoderLayer``: boolean True = MASKED,
  the opposite sense).
- :func:`scaled_dot_product_attention`: ``F.scaled_dot_product_attention``.
- :class:`MultiHeadAttention`: ``nn.MultiheadAttention(batch_first=True, dropout=0)``.
- :class:`FeedForward`: Linear -> ReLU -> Linear.
- :func:`layer_norm`: ``nn.LayerNorm`` loaded with the course's gamma, beta.
- :class:`EncoderLayer`: ``nn.TransformerEncoderLayer(..., dropout=0, activation="relu",
  batch_first=True, norm_first=False)``, the course's post-norm order.

Layout: (m, n, d_model), batch first, as the course (``batch_first=True`` everywhere).

The course's parameter dict (Keras layout: y = x W + b, kernel W (d_in, d_out), bias
(d_out,)) against PyTorch's (y = x W^T + b, weight (d_out, d_in)); the conversion is
:data:`ENCODER_LAYER_NAMES` plus :func:`pack_in_projection` / :func:`unpack_in_projection`:

    course                      nn.TransformerEncoderLayer
    Wq, Wk, Wv (d, d) kernels   self_attn.in_proj_weight (3d, d) = [Wq^T; Wk^T; Wv^T]
    bq, bk, bv (d,)             self_attn.in_proj_bias (3d,) = [bq; bk; bv]
    Wo (d, d), bo               self_attn.out_proj.weight = Wo^T, .bias = bo
    W1 (d, dff), b1             linear1.weight = W1^T (dff, d), linear1.bias = b1
    W2 (dff, d), b2             linear2.weight = W2^T (d, dff), linear2.bias = b2
    gamma1, beta1, gamma2, beta2  norm1.weight, norm1.bias, norm2.weight, norm2.bias

Heads: ``nn.MultiheadAttention`` gives each head depth = d_model / num_heads features
(head j: rows j*depth..(j+1)*depth-1 of each projection). The course's Keras
``MultiHeadAttention(num_heads, key_dim=d_model)`` makes each head d_model wide instead;
the two agree for one head.

Masks: a boolean mask in PyTorch puts -inf on masked scores where the course adds -1e9.
The weights agree wherever a row keeps one position (exp(-1e9 - max) is 0 in both
float32 and float64). A row with EVERY position masked differs: -inf - (-inf) is NaN, so
``nn.MultiheadAttention`` returns NaN (``F.scaled_dot_product_attention`` returns zeros
there since torch 2.5); the course's -1e9 shifts the whole row equally, which softmax
ignores (float64: the row gets the unmasked weights), or, in float32 where
-1e9 + s rounds to -1e9, the uniform weights 1/n_k.

Fast paths: ``nn.MultiheadAttention`` and ``nn.TransformerEncoderLayer`` switch to fused
inference kernels only in eval mode without autograd; the modules here stay in train
mode (dropout is 0, so it computes the same function) so autograd sees the plain path.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

#: the course's ``LayerNormalization(epsilon=1e-6)``; ``nn.LayerNorm``'s default is 1e-5
COURSE_LAYER_NORM_EPS = 1e-6

#: course key -> (parameter name in ``nn.TransformerEncoderLayer``, stored transposed?);
#: Wq, Wk, Wv, bq, bk, bv go into self_attn.in_proj_* by :func:`pack_in_projection`
ENCODER_LAYER_NAMES = {
    "Wo": ("self_attn.out_proj.weight", True), "bo": ("self_attn.out_proj.bias", False),
    "W1": ("linear1.weight", True), "b1": ("linear1.bias", False),
    "W2": ("linear2.weight", True), "b2": ("linear2.bias", False),
    "gamma1": ("norm1.weight", False), "beta1": ("norm1.bias", False),
    "gamma2": ("norm2.weight", False), "beta2": ("norm2.bias", False),
}


# ----------------------------------------------------------------------------- positional encoding
def positional_encoding(positions: int, d: int, *, dtype=torch.float32, device=None) -> torch.Tensor:
    """PE(pos, k) = sin(pos / 10000^(2 (k // 2) / d)) for even k, cos(...) for odd k.

    Computed in float64 and cast to ``dtype`` (float32 by default, as the course).

    Shape:
        - Output: (1, positions, d).
    """
    pos = torch.arange(positions, dtype=torch.float64, device=device)[:, None]
    k = torch.arange(d, device=device)[None, :]
    angles = pos / torch.pow(10000.0, (2 * (k // 2)).to(torch.float64) / d)
    encoding = torch.where(k % 2 == 0, torch.sin(angles), torch.cos(angles))
    return encoding[None].to(dtype)


# ----------------------------------------------------------------------------- masks
def padding_mask(token_ids: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
    """The course's padding mask, 1 where a token is and 0 where the padding id 0 is.

    Shape: input (m, n) -> output (m, 1, n).
    """
    return (token_ids != 0).to(dtype)[:, None, :]


def look_ahead_mask(sequence_length: int, dtype=torch.float32, device=None) -> torch.Tensor:
    """The course's look-ahead mask: ``torch.tril`` of ones, 1 = attend.

    (``nn.Transformer.generate_square_subsequent_mask(n)`` is the same mask in PyTorch's
    additive form: 0 where this is 1, -inf where it is 0.)

    Shape: output (1, n, n).
    """
    return torch.tril(torch.ones(1, sequence_length, sequence_length, dtype=dtype, device=device))


def sdpa_mask(course_mask: torch.Tensor) -> torch.Tensor:
    """Course mask (1 = attend) -> ``F.scaled_dot_product_attention``'s boolean attn_mask,
    whose True also means "attend": the same sense, only the type changes."""
    return course_mask != 0


def attn_mask_from_course(course_mask: torch.Tensor, num_heads: int, m: int, n_q: int,
                          n_k: int) -> torch.Tensor:
    """Course mask (1 = attend, broadcastable to (m, n_q, n_k)) -> the boolean ``attn_mask``
    of ``nn.MultiheadAttention`` / ``src_mask`` of ``nn.TransformerEncoderLayer``, whose
    True means MASKED (the opposite sense), one (n_q, n_k) slice per example and head.

    Shape: output (m * num_heads, n_q, n_k), row b * num_heads + j for example b, head j
    (the order ``nn.MultiheadAttention`` folds heads into the batch).
    """
    mask = course_mask.reshape((1,) * (3 - course_mask.ndim) + tuple(course_mask.shape))
    masked = (mask == 0).expand(m, n_q, n_k)
    return masked.repeat_interleave(num_heads, dim=0)


def key_padding_mask_from_course(course_padding_mask: torch.Tensor) -> torch.Tensor:
    """The course's padding mask (m, 1, n_k), 1 = token -> ``key_padding_mask`` (m, n_k),
    True = padding (masked), the opposite sense."""
    return course_padding_mask[:, 0, :] == 0


# ----------------------------------------------------------------------------- attention
def scaled_dot_product_attention(q, k, v, mask=None):
    r"""softmax(q k^T / sqrt(d_k)) v with masked scores at -inf.

    ``output`` is ``F.scaled_dot_product_attention`` (gradients flow through it). That op
    does not return its weights; ``attention_weights`` computes them by the reference
    formula in its documentation (``softmax((q k^T) * scale masked_fill -inf)``).

    Args:
        mask: None or the course's 1/0 mask (mapped once by :func:`sdpa_mask`).

    Shape:
        - q (..., n_q, d_k), k (..., n_k, d_k), v (..., n_k, d_v), mask broadcastable to
          (..., n_q, n_k).
        - Output: (output (..., n_q, d_v), attention_weights (..., n_q, n_k)).
    """
    attn_mask = None if mask is None else sdpa_mask(mask)
    output = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
    return output, attention_weights(q, k, attn_mask)


def attention_weights(q, k, attn_mask=None):
    """The reference formula of F.scaled_dot_product_attention's weights (boolean
    ``attn_mask``, True = attend)."""
    scores = q @ k.transpose(-2, -1) * (1 / math.sqrt(q.shape[-1]))
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float("-inf"))
    return torch.softmax(scores, dim=-1)


# ----------------------------------------------------------------------------- parameters
def _tensor(value, like: torch.Tensor, name: str, shape) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(value))
    if tuple(t.shape) != tuple(shape):
        raise ValueError(f"parameters: {name} must have shape {tuple(shape)}, got {tuple(t.shape)}")
    return t.to(dtype=like.dtype, device=like.device)


def pack_in_projection(Wq, Wk, Wv, bq, bk, bv):
    """The course's three kernels (d, d) (x W) and biases (d,) -> ``nn.MultiheadAttention``'s
    packed ``in_proj_weight`` (3d, d) = [Wq^T; Wk^T; Wv^T] and ``in_proj_bias`` = [bq; bk; bv]."""
    return torch.cat([Wq.T, Wk.T, Wv.T], dim=0), torch.cat([bq, bk, bv])


def unpack_in_projection(in_proj_weight, in_proj_bias) -> dict[str, torch.Tensor]:
    """The inverse of :func:`pack_in_projection` (also maps gradients: ``.grad`` of the
    packed tensors -> dWq, dWk, dWv, dbq, dbk, dbv)."""
    Wq_t, Wk_t, Wv_t = in_proj_weight.chunk(3, dim=0)
    bq, bk, bv = in_proj_bias.chunk(3)
    return {"Wq": Wq_t.T, "Wk": Wk_t.T, "Wv": Wv_t.T, "bq": bq, "bk": bk, "bv": bv}


@torch.no_grad()
def _load(module: nn.Module, parameters: Mapping, names: Mapping, attention: str) -> None:
    """Copy the course dict into ``module``: ``names`` maps course keys to (parameter,
    transposed); ``attention`` is the path of the nn.MultiheadAttention."""
    keys = ["Wq", "Wk", "Wv", "bq", "bk", "bv", *names]
    missing = [key for key in keys if key not in parameters]
    if missing:
        raise ValueError(f"parameters: missing {missing}; expected {', '.join(keys)}")
    mha = module.get_submodule(attention)
    d = mha.embed_dim
    values = {}
    for key in ("Wq", "Wk", "Wv"):
        values[key] = _tensor(parameters[key], mha.in_proj_weight, key, (d, d))
    for key in ("bq", "bk", "bv"):
        values[key] = _tensor(parameters[key], mha.in_proj_bias, key, (d,))
    targets = {}
    for key, (name, transposed) in names.items():
        target = module.get_parameter(name)
        shape = tuple(reversed(target.shape)) if transposed else tuple(target.shape)
        value = _tensor(parameters[key], target, key, shape)
        targets[name] = (target, value.T if transposed else value)
    # every shape checked before the first copy: a bad dict leaves the module as it was
    weight, bias = pack_in_projection(values["Wq"], values["Wk"], values["Wv"],
                                      values["bq"], values["bk"], values["bv"])
    mha.in_proj_weight.copy_(weight)
    mha.in_proj_bias.copy_(bias)
    for target, value in targets.values():
        target.copy_(value)


def _export(module: nn.Module, names: Mapping, attention: str, grad: bool = False):
    """The course dict (or, with grad=True, "d" + key -> gradient) of ``module``."""
    mha = module.get_submodule(attention)

    def read(t):
        return (t.grad if grad else t).detach()

    out = unpack_in_projection(read(mha.in_proj_weight), read(mha.in_proj_bias))
    for key, (name, transposed) in names.items():
        value = read(module.get_parameter(name))
        out[key] = value.T if transposed else value
    prefix = "d" if grad else ""
    return {prefix + key: value.cpu().numpy().copy() for key, value in out.items()}


# ----------------------------------------------------------------------------- multi-head attention
#: course key -> parameter of nn.MultiheadAttention (besides the packed in-projection)
MHA_NAMES = {"Wo": ("out_proj.weight", True), "bo": ("out_proj.bias", False)}


class MultiHeadAttention(nn.Module):
    r"""``nn.MultiheadAttention(d_model, num_heads, dropout=0, batch_first=True)`` that
    takes the course's mask and exchanges the course's parameter dict.

    .. math:: \mathrm{MHA}(q, k, v) = \mathrm{concat}(head_1, \dots, head_h) W_o + b_o

    Shape:
        - q (m, n_q, d_model), k and v (m, n_k, d_model), mask (course's, 1 = attend)
          broadcastable to (m, n_q, n_k).
        - Output: (output (m, n_q, d_model), weights (m, h, n_q, n_k) per head, or
          (m, n_q, n_k) averaged over the heads with ``average_attn_weights=True``).
    """

    def __init__(self, d_model: int, num_heads: int, device=None, dtype=None):
        super().__init__()
        self.attention = nn.MultiheadAttention(d_model, num_heads, dropout=0.0, bias=True,
                                               batch_first=True, device=device, dtype=dtype)

    def forward(self, q, k, v, mask=None, average_attn_weights: bool = False):
        attn_mask = None if mask is None else attn_mask_from_course(
            mask, self.attention.num_heads, q.shape[0], q.shape[1], k.shape[1])
        return self.attention(q, k, v, attn_mask=attn_mask, need_weights=True,
                              average_attn_weights=average_attn_weights)

    def load_course_parameters(self, parameters: Mapping[str, np.ndarray]) -> "MultiHeadAttention":
        """Copy {"Wq", "bq", "Wk", "bk", "Wv", "bv", "Wo", "bo"} (Keras layout) in."""
        _load(self, parameters, {k: ("attention." + n, t) for k, (n, t) in MHA_NAMES.items()},
              "attention")
        return self

    def course_parameters(self) -> dict[str, np.ndarray]:
        return _export(self, {k: ("attention." + n, t) for k, (n, t) in MHA_NAMES.items()},
                       "attention")

    def course_gradients(self) -> dict[str, np.ndarray]:
        """The parameters' ``.grad`` in the course's layout: {"dWq", ..., "dbo"}."""
        return _export(self, {k: ("attention." + n, t) for k, (n, t) in MHA_NAMES.items()},
                       "attention", grad=True)


# ----------------------------------------------------------------------------- layer norm, FFN
def layer_norm(gamma, beta, eps: float = COURSE_LAYER_NORM_EPS, device=None, dtype=None) -> nn.LayerNorm:
    r"""``nn.LayerNorm(d, eps)`` holding the course's gamma (weight) and beta (bias).

    .. math:: y = \gamma \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} + \beta

    eps: 1e-6 the course's, 1e-5 ``nn.LayerNorm``'s default. Shape: (..., d) -> (..., d).
    """
    gamma = np.asarray(gamma)
    norm = nn.LayerNorm(gamma.shape[-1], eps=eps, device=device, dtype=dtype)
    with torch.no_grad():
        norm.weight.copy_(_tensor(gamma, norm.weight, "gamma", norm.weight.shape))
        norm.bias.copy_(_tensor(beta, norm.bias, "beta", norm.bias.shape))
    return norm


class FeedForward(nn.Sequential):
    """Linear(d_model, dff) -> ReLU -> Linear(dff, d_model), at every position.

    Shape: (..., d_model) -> (..., d_model).
    """

    def __init__(self, d_model: int, dff: int, device=None, dtype=None):
        super().__init__(nn.Linear(d_model, dff, device=device, dtype=dtype), nn.ReLU(),
                         nn.Linear(dff, d_model, device=device, dtype=dtype))

    @torch.no_grad()
    def load_course_parameters(self, parameters: Mapping[str, np.ndarray]) -> "FeedForward":
        """Copy {"W1": (d_model, dff), "b1", "W2": (dff, d_model), "b2"} in (weights transposed)."""
        missing = [key for key in ("W1", "b1", "W2", "b2") if key not in parameters]
        if missing:
            raise ValueError(f"parameters: missing {missing}; expected W1, b1, W2, b2")
        values = [(linear, _tensor(parameters[f"W{l}"], linear.weight, f"W{l}",
                                   tuple(reversed(linear.weight.shape))),
                   _tensor(parameters[f"b{l}"], linear.bias, f"b{l}", linear.bias.shape))
                  for l, linear in ((1, self[0]), (2, self[2]))]
        for linear, W, b in values:
            linear.weight.copy_(W.T)
            linear.bias.copy_(b)
        return self

    def course_parameters(self) -> dict[str, np.ndarray]:
        return {"W1": self[0].weight.detach().T.cpu().numpy().copy(),
                "b1": self[0].bias.detach().cpu().numpy().copy(),
                "W2": self[2].weight.detach().T.cpu().numpy().copy(),
                "b2": self[2].bias.detach().cpu().numpy().copy()}

    def course_gradients(self) -> dict[str, np.ndarray]:
        return {"dW1": self[0].weight.grad.T.cpu().numpy(), "db1": self[0].bias.grad.cpu().numpy(),
                "dW2": self[2].weight.grad.T.cpu().numpy(), "db2": self[2].bias.grad.cpu().numpy()}


# ----------------------------------------------------------------------------- encoder layer
class EncoderLayer(nn.Module):
    r"""``nn.TransformerEncoderLayer`` in the course's configuration: post-norm
    (``norm_first=False``), ReLU, dropout 0, batch first, layer-norm epsilon 1e-6.

    .. math:: x_1 = \mathrm{LN}_1(x + \mathrm{MHA}(x, x, x)), \quad
              \mathrm{out} = \mathrm{LN}_2(x_1 + \mathrm{FFN}(x_1))

    ``forward(x, mask)`` takes the course's mask (1 = attend) as ``src_mask`` through
    :func:`attn_mask_from_course`; ``forward(x, key_padding_mask=...)`` passes PyTorch's
    own (m, n) padding mask (True = padding).

    Shape:
        - x (m, n, d_model); mask broadcastable to (m, n, n).
        - Output: (m, n, d_model).
    """

    def __init__(self, d_model: int, num_heads: int, dim_feedforward: int,
                 layer_norm_eps: float = COURSE_LAYER_NORM_EPS, device=None, dtype=None):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(
            d_model, num_heads, dim_feedforward, dropout=0.0, activation="relu",
            layer_norm_eps=layer_norm_eps, batch_first=True, norm_first=False,
            device=device, dtype=dtype)

    def forward(self, x, mask=None, key_padding_mask=None):
        m, n = x.shape[0], x.shape[1]
        src_mask = None if mask is None else attn_mask_from_course(
            mask, self.layer.self_attn.num_heads, m, n, n)
        return self.layer(x, src_mask=src_mask, src_key_padding_mask=key_padding_mask)

    def load_course_parameters(self, parameters: Mapping[str, np.ndarray]) -> "EncoderLayer":
        """Copy the course's dict (MHA, FFN and the two layer norms, see the module
        docstring's table) into the wrapped ``nn.TransformerEncoderLayer``."""
        _load(self.layer, parameters, ENCODER_LAYER_NAMES, "self_attn")
        return self

    def course_parameters(self) -> dict[str, np.ndarray]:
        return _export(self.layer, ENCODER_LAYER_NAMES, "self_attn")

    def course_gradients(self) -> dict[str, np.ndarray]:
        """Every parameter's ``.grad`` in the course's layout, keys "d" + course key."""
        return _export(self.layer, ENCODER_LAYER_NAMES, "self_attn", grad=True)
