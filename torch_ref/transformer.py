r"""Course 5, week 4, the full transformer in idiomatic PyTorch: ``nn.TransformerDecoderLayer``,
``nn.TransformerEncoder`` / ``nn.TransformerDecoder`` stacks and ``nn.Transformer``, in the
course's configuration (post-norm, ReLU, dropout 0, batch first, layer-norm epsilon 1e-6).

.. math:: Q_1 = \mathrm{LN}_1(x + \mathrm{MHA}_1(x, x, x)), \quad
          A = \mathrm{LN}_2(Q_1 + \mathrm{MHA}_2(Q_1, h, h)), \quad
          \mathrm{out} = \mathrm{LN}_3(A + \mathrm{FFN}(A))

Where PyTorch and the course differ, and what is done about it:

- ``nn.Transformer`` (and ``nn.TransformerEncoder`` / ``nn.TransformerDecoder`` when given a
  ``norm``) puts a FINAL layer norm after each stack; the course's Encoder and Decoder have
  none. Here the stacks are built with ``norm=None`` and handed to ``nn.Transformer`` as
  ``custom_encoder`` / ``custom_decoder``.
- Embeddings, sqrt(d_model) and the positional encoding are outside ``nn.Transformer``:
  ``nn.Embedding`` and :func:`torch_ref.attention.positional_encoding`, one per side.
- Masks: the course's 1 = attend (added as (1 - mask) * -1e9) becomes the boolean mask
  that ``nn.MultiheadAttention`` wants, True = MASKED, one (n_q, n_k) slice per example and
  head (:func:`torch_ref.attention.attn_mask_from_course`), converted ONCE per forward and
  given to every layer of a stack: ``src_mask`` (encoder self-attention), ``tgt_mask``
  (decoder self-attention, the look-ahead mask) and ``memory_mask`` (cross attention, the
  input's padding mask).
- The modules stay in train mode (dropout is 0) so that PyTorch never takes its fused
  inference path, whose masked rows differ.

The course's parameter dict (Keras kernels, x W; see :mod:`scratch.transformer`) and
PyTorch's names, written once (:data:`ENCODER_LAYER`, :data:`DECODER_LAYER`,
:func:`transformer_names`); each entry is (parameter, which third of a packed
``in_proj_*`` or None, stored transposed?):

    Wq1 Wk1 Wv1 / bq1 bk1 bv1   self_attn.in_proj_weight rows 0:d, d:2d, 2d:3d (transposed)
                                / self_attn.in_proj_bias
    Wo1, bo1                    self_attn.out_proj.weight (transposed), .bias
    Wq2 ... bo2                 multihead_attn.* (the cross attention), the same way
    W1, b1, W2, b2              linear1, linear2 (weights transposed)
    gamma1..3, beta1..3         norm1..3 .weight, .bias
    embedding                   nn.Embedding.weight (vocab, d_model), as it is
    final_layer W, b            final_layer.weight = W^T, .bias = b
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from torch_ref.attention import COURSE_LAYER_NORM_EPS, attn_mask_from_course, positional_encoding


def _attention_block(module: str, suffix: str) -> dict:
    """One nn.MultiheadAttention's entries under the course's keys with ``suffix``."""
    packed = {f"{w}{suffix}": (f"{module}.in_proj_weight", i, True)
              for i, w in enumerate(("Wq", "Wk", "Wv"))}
    packed.update({f"{b}{suffix}": (f"{module}.in_proj_bias", i, False)
                   for i, b in enumerate(("bq", "bk", "bv"))})
    packed[f"Wo{suffix}"] = (f"{module}.out_proj.weight", None, True)
    packed[f"bo{suffix}"] = (f"{module}.out_proj.bias", None, False)
    return packed


_FFN = {"W1": ("linear1.weight", None, True), "b1": ("linear1.bias", None, False),
        "W2": ("linear2.weight", None, True), "b2": ("linear2.bias", None, False)}


def _norms(count: int) -> dict:
    return {f"{course}{i}": (f"norm{i}.{name}", None, False) for i in range(1, count + 1)
            for course, name in (("gamma", "weight"), ("beta", "bias"))}


#: an nn.TransformerEncoderLayer, under scratch.attention.ENCODER_LAYER_KEYS
ENCODER_LAYER = {**_attention_block("self_attn", ""), **_FFN, **_norms(2)}
#: an nn.TransformerDecoderLayer, under scratch.transformer.DECODER_LAYER_KEYS
DECODER_LAYER = {**_attention_block("self_attn", "1"), **_attention_block("multihead_attn", "2"),
                 **_FFN, **_norms(3)}


def transformer_names(num_layers: int) -> dict:
    """Every course path of :class:`Transformer` -> (parameter, third, transposed)."""
    names = {("encoder", "embedding"): ("src_embedding.weight", None, False),
             ("decoder", "embedding"): ("tgt_embedding.weight", None, False),
             ("final_layer", "W"): ("final_layer.weight", None, True),
             ("final_layer", "b"): ("final_layer.bias", None, False)}
    for i in range(num_layers):
        for key, (name, third, transposed) in ENCODER_LAYER.items():
            names[("encoder", "layers", i, key)] = (f"transformer.encoder.layers.{i}.{name}",
                                                    third, transposed)
        for key, (name, third, transposed) in DECODER_LAYER.items():
            names[("decoder", "layers", i, key)] = (f"transformer.decoder.layers.{i}.{name}",
                                                    third, transposed)
    return names


def stack_names(num_layers: int, layer: dict, stack: str) -> dict:
    """An :class:`Encoder` or :class:`Decoder`'s course paths -> parameters."""
    names = {("embedding",): ("embedding.weight", None, False)}
    for i in range(num_layers):
        for key, (name, third, transposed) in layer.items():
            names[("layers", i, key)] = (f"{stack}.layers.{i}.{name}", third, transposed)
    return names


# ----------------------------------------------------------------------------- the mapping
def _view(module: nn.Module, name: str, third, grad: bool = False) -> torch.Tensor:
    tensor = module.get_parameter(name)
    tensor = tensor.grad if grad else tensor
    return tensor if third is None else tensor.chunk(3, dim=0)[third]


def _lookup(course: Mapping, path: tuple):
    value = course
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"parameters: missing {'/'.join(map(str, path))}") from None
    return value


@torch.no_grad()
def load(module: nn.Module, course: Mapping, names: Mapping) -> None:
    """Copy the course's (nested) dict into ``module`` by ``names``; every shape is checked
    before the first copy, so a bad dict leaves the module as it was."""
    copies = []
    for path, (name, third, transposed) in names.items():
        target = _view(module, name, third)
        value = torch.as_tensor(np.asarray(_lookup(course, path)))
        value = value.T if transposed else value
        if tuple(value.shape) != tuple(target.shape):
            expected = tuple(reversed(target.shape)) if transposed else tuple(target.shape)
            raise ValueError(f"parameters: {'/'.join(map(str, path))} must have shape "
                             f"{expected}, got {tuple(np.shape(_lookup(course, path)))}")
        copies.append((target, value))
    for target, value in copies:
        target.copy_(value)


def export(module: nn.Module, names: Mapping, grad: bool = False) -> dict:
    """The course's nested dict (or, with grad=True, its gradients: "d" before every array's
    key) from ``module``."""
    out: dict = {}
    for path, (name, third, transposed) in names.items():
        value = _view(module, name, third, grad).detach()
        value = (value.T if transposed else value).cpu().numpy().copy()
        node = out
        for step in path[:-1]:
            if isinstance(step, int):
                while len(node) <= step:
                    node.append({})
                node = node[step]
            else:
                node = node.setdefault(step, [] if step == "layers" else {})
        node[("d" if grad else "") + path[-1]] = value
    return out


# ----------------------------------------------------------------------------- decoder layer
def _decoder_layer(d_model, num_heads, dff, eps, device, dtype) -> nn.TransformerDecoderLayer:
    return nn.TransformerDecoderLayer(d_model, num_heads, dff, dropout=0.0, activation="relu",
                                      layer_norm_eps=eps, batch_first=True, norm_first=False,
                                      device=device, dtype=dtype)


def _encoder_layer(d_model, num_heads, dff, eps, device, dtype) -> nn.TransformerEncoderLayer:
    return nn.TransformerEncoderLayer(d_model, num_heads, dff, dropout=0.0, activation="relu",
                                      layer_norm_eps=eps, batch_first=True, norm_first=False,
                                      device=device, dtype=dtype)


def _mask(course_mask, num_heads, m, n_q, n_k):
    return None if course_mask is None else attn_mask_from_course(course_mask, num_heads, m,
                                                                  n_q, n_k)


class DecoderLayer(nn.Module):
    """``nn.TransformerDecoderLayer(dropout=0, norm_first=False, batch_first=True)`` taking
    the course's masks. Shape: x (m, n_out, d), enc_output (m, n_in, d) -> (m, n_out, d)."""

    def __init__(self, d_model: int, num_heads: int, dim_feedforward: int,
                 layer_norm_eps: float = COURSE_LAYER_NORM_EPS, device=None, dtype=None):
        super().__init__()
        self.layer = _decoder_layer(d_model, num_heads, dim_feedforward, layer_norm_eps,
                                    device, dtype)

    def forward(self, x, enc_output, look_ahead_mask=None, padding_mask=None):
        h, (m, n_out), n_in = self.layer.self_attn.num_heads, x.shape[:2], enc_output.shape[1]
        return self.layer(x, enc_output, tgt_mask=_mask(look_ahead_mask, h, m, n_out, n_out),
                          memory_mask=_mask(padding_mask, h, m, n_out, n_in))

    def attention_weights(self, x, enc_output, look_ahead_mask=None, padding_mask=None):
        """The two blocks' weights per head, (m, h, n_out, n_out) and (m, h, n_out, n_in), from
        the layer's own nn.MultiheadAttention modules (the layer's forward returns none)."""
        layer, h = self.layer, self.layer.self_attn.num_heads
        (m, n_out), n_in = x.shape[:2], enc_output.shape[1]
        self_mask = _mask(look_ahead_mask, h, m, n_out, n_out)
        attended, block1 = layer.self_attn(x, x, x, attn_mask=self_mask,
                                           average_attn_weights=False)
        Q1 = layer.norm1(x + attended)
        _, block2 = layer.multihead_attn(Q1, enc_output, enc_output,
                                         attn_mask=_mask(padding_mask, h, m, n_out, n_in),
                                         average_attn_weights=False)
        return block1, block2

    def load_course_parameters(self, parameters: Mapping) -> "DecoderLayer":
        load(self.layer, parameters, {(k,): v for k, v in DECODER_LAYER.items()})
        return self

    def course_parameters(self) -> dict:
        return export(self.layer, {(k,): v for k, v in DECODER_LAYER.items()})

    def course_gradients(self) -> dict:
        return export(self.layer, {(k,): v for k, v in DECODER_LAYER.items()}, grad=True)


# ----------------------------------------------------------------------------- the stacks
def _embed(embedding: nn.Embedding, ids):
    """E[ids] sqrt(d_model) + PE[:n]."""
    d_model = embedding.embedding_dim
    pe = positional_encoding(ids.shape[1], d_model, dtype=embedding.weight.dtype,
                             device=embedding.weight.device)
    return embedding(ids) * math.sqrt(d_model) + pe


class Encoder(nn.Module):
    """``nn.Embedding`` and ``nn.TransformerEncoder(layer, N, norm=None)`` (the course's
    Encoder has no final norm). Shape: ids (m, n) long -> (m, n, d_model)."""

    def __init__(self, num_layers, d_model, num_heads, dim_feedforward, vocab_size,
                 layer_norm_eps=COURSE_LAYER_NORM_EPS, device=None, dtype=None):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model, device=device, dtype=dtype)
        self.stack = nn.TransformerEncoder(
            _encoder_layer(d_model, num_heads, dim_feedforward, layer_norm_eps, device, dtype),
            num_layers, norm=None, enable_nested_tensor=False)
        self.names = stack_names(num_layers, ENCODER_LAYER, "stack")

    def forward(self, ids, mask=None):
        h, (m, n) = self.stack.layers[0].self_attn.num_heads, ids.shape
        return self.stack(_embed(self.embedding, ids), mask=_mask(mask, h, m, n, n))

    def load_course_parameters(self, parameters):
        load(self, parameters, self.names)
        return self

    def course_gradients(self):
        return export(self, self.names, grad=True)


class Decoder(nn.Module):
    """``nn.Embedding`` and ``nn.TransformerDecoder(layer, N, norm=None)``. Shape: ids
    (m, n_out) long, enc_output (m, n_in, d_model) -> (m, n_out, d_model)."""

    def __init__(self, num_layers, d_model, num_heads, dim_feedforward, vocab_size,
                 layer_norm_eps=COURSE_LAYER_NORM_EPS, device=None, dtype=None):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model, device=device, dtype=dtype)
        self.stack = nn.TransformerDecoder(
            _decoder_layer(d_model, num_heads, dim_feedforward, layer_norm_eps, device, dtype),
            num_layers, norm=None)
        self.names = stack_names(num_layers, DECODER_LAYER, "stack")

    def forward(self, ids, enc_output, look_ahead_mask=None, padding_mask=None):
        h, (m, n_out), n_in = (self.stack.layers[0].self_attn.num_heads, ids.shape,
                               enc_output.shape[1])
        return self.stack(_embed(self.embedding, ids), enc_output,
                          tgt_mask=_mask(look_ahead_mask, h, m, n_out, n_out),
                          memory_mask=_mask(padding_mask, h, m, n_out, n_in))

    def load_course_parameters(self, parameters):
        load(self, parameters, self.names)
        return self

    def course_gradients(self):
        return export(self, self.names, grad=True)


# ----------------------------------------------------------------------------- the transformer
class Transformer(nn.Module):
    r"""``nn.Transformer`` with the course's stacks (no final norms), two ``nn.Embedding``
    and a final ``nn.Linear`` + softmax over the target vocabulary.

    Shape:
        - input_sentence (m, n_in) long, output_sentence (m, n_out) long; the course's masks
          broadcastable to (m, n_in, n_in), (m, n_out, n_out), (m, n_out, n_in).
        - Output: probabilities (m, n_out, target_vocab_size).
    """

    def __init__(self, num_layers, d_model, num_heads, dim_feedforward, input_vocab_size,
                 target_vocab_size, layer_norm_eps=COURSE_LAYER_NORM_EPS, device=None,
                 dtype=None):
        super().__init__()
        kwargs = dict(device=device, dtype=dtype)
        self.src_embedding = nn.Embedding(input_vocab_size, d_model, **kwargs)
        self.tgt_embedding = nn.Embedding(target_vocab_size, d_model, **kwargs)
        encoder = nn.TransformerEncoder(
            _encoder_layer(d_model, num_heads, dim_feedforward, layer_norm_eps, device, dtype),
            num_layers, norm=None, enable_nested_tensor=False)
        decoder = nn.TransformerDecoder(
            _decoder_layer(d_model, num_heads, dim_feedforward, layer_norm_eps, device, dtype),
            num_layers, norm=None)
        self.transformer = nn.Transformer(d_model, num_heads, custom_encoder=encoder,
                                          custom_decoder=decoder, dropout=0.0,
                                          batch_first=True, **kwargs)
        self.final_layer = nn.Linear(d_model, target_vocab_size, **kwargs)
        self.names = transformer_names(num_layers)

    def forward(self, input_sentence, output_sentence, enc_padding_mask=None,
                look_ahead_mask=None, dec_padding_mask=None):
        h = self.transformer.nhead
        (m, n_in), n_out = input_sentence.shape, output_sentence.shape[1]
        # the course's masks, converted once for every layer
        dec_output = self.transformer(
            _embed(self.src_embedding, input_sentence), _embed(self.tgt_embedding, output_sentence),
            src_mask=_mask(enc_padding_mask, h, m, n_in, n_in),
            tgt_mask=_mask(look_ahead_mask, h, m, n_out, n_out),
            memory_mask=_mask(dec_padding_mask, h, m, n_out, n_in))
        return torch.softmax(self.final_layer(dec_output), dim=-1)

    def load_course_parameters(self, parameters: Mapping) -> "Transformer":
        load(self, parameters, self.names)
        return self

    def course_parameters(self) -> dict:
        return export(self, self.names)

    def course_gradients(self) -> dict:
        return export(self, self.names, grad=True)
