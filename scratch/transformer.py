"""Course 5, week 4: the rest of the transformer, forward and backward by hand: the decoder
layer, the encoder and decoder stacks (embeddings scaled by sqrt(d_model) plus the
positional encoding) and the full model, built on :mod:`scratch.attention`'s pieces
(multi-head attention, layer norm, the feed-forward network, the encoder layer).

Layout, as :mod:`scratch.attention`: (m, n, d_model), Keras kernels (x W + b). Token ids
(m, n) are integers in [0, vocab_size). Dropout 0 (the course's layers drop out only when
training); layer norm's epsilon 1e-6, the course's (``eps`` everywhere).

Decoder layer (post-norm, the course's ``DecoderLayer``):
    A1, attn_weights_block1 = MHA1(x, x, x, look_ahead_mask)       masked self-attention
    Q1 = LN1(A1 + x)
    A2, attn_weights_block2 = MHA2(Q1, enc_output, enc_output, padding_mask)   cross attention
    A2n = LN2(A2 + Q1)
    out3 = LN3(FFN(A2n) + A2n)
Encoder (``Encoder``):  x = E_in[ids] sqrt(d_model) + PE[:n];  x = EncoderLayer_l(x, mask), l = 1..N
Decoder (``Decoder``):  y = E_out[ids] sqrt(d_model) + PE[:n];
                        y = DecoderLayer_l(y, enc_output, ...), l = 1..N
Transformer:  enc_output = Encoder(input_sentence, enc_padding_mask)
              dec_output = Decoder(output_sentence, enc_output, look_ahead_mask, dec_padding_mask)
              final_output = softmax(dec_output W + b)      (Dense(target_vocab_size, "softmax"))

Parameters. A decoder layer's dict is flat: the self-attention's "Wq1", "bq1", ..., "bo1",
the cross attention's "Wq2", ..., "bo2", the FFN's "W1", "b1", "W2", "b2" and the three
norms' "gamma1", "beta1", ..., "gamma3", "beta3". A stack is {"embedding": (vocab, d_model),
"layers": [layer dict, ...]} (N = len(layers)); the model is {"encoder": stack, "decoder":
stack, "final_layer": {"W": (d_model, target_vocab), "b": (target_vocab,)}}. Gradients mirror
the structure with "d" before every array's key ({"encoder": {"dembedding": ..., "layers":
[{"dWq": ...}, ...]}, ..., "final_layer": {"dW", "db"}}).

Backward functions take the upstream gradient of the output (no 1/m; sums run over every
example and position) and walk the forward lines back; every skip connection adds its
gradient to the branch's, and the encoder output, read by every decoder layer's cross
attention (as its keys and values), collects all their gradients.
"""
from __future__ import annotations

import math

import numpy as np

from ._validate import checked
from ._validate_c5 import (check_decoder_backward, check_decoder_forward,
                           check_decoder_layer_backward, check_decoder_layer_forward,
                           check_encoder_backward, check_encoder_forward,
                           check_transformer_backward, check_transformer_forward)
from .attention import (COURSE_LAYER_NORM_EPS, FFN_KEYS, MHA_KEYS, _softmax,
                        _sum_over_positions, encoder_layer_backward, encoder_layer_forward,
                        ffn_backward, ffn_forward, layer_norm_backward, layer_norm_forward,
                        multi_head_attention_backward, multi_head_attention_forward,
                        positional_encoding)
from .embedding import embedding_backward, embedding_forward

DECODER_LAYER_KEYS = (tuple(k + "1" for k in MHA_KEYS) + tuple(k + "2" for k in MHA_KEYS)
                      + FFN_KEYS + ("gamma1", "beta1", "gamma2", "beta2", "gamma3", "beta3"))


def _block(parameters, suffix):
    """One attention block's weights, under MHA's own keys (Wq, bq, ..., bo)."""
    return {key: parameters[key + suffix] for key in MHA_KEYS}


# ----------------------------------------------------------------------------- decoder layer
@checked(check_decoder_layer_forward)
def decoder_layer_forward(x, enc_output, parameters, num_heads, look_ahead_mask=None,
                          padding_mask=None, eps=COURSE_LAYER_NORM_EPS):
    """One decoder layer (see the module doc), dropout 0.

    Args:
        x: (m, n_out, d_model).  enc_output: (m, n_in, d_model).
        parameters: the flat dict of :data:`DECODER_LAYER_KEYS`.
        num_heads: h, dividing d_model.
        look_ahead_mask: None or the course's 1/0 mask broadcastable to (m, n_out, n_out),
            e.g. ``create_look_ahead_mask(n_out)`` (1, n_out, n_out).
        padding_mask: None or a mask broadcastable to (m, n_out, n_in), e.g. the input's
            ``create_padding_mask`` (m, 1, n_in).
        eps: layer norm's (1e-6 the course's).
    Returns:
        (out3, attn_weights_block1, attn_weights_block2, cache): out3 (m, n_out, d_model);
        the weights (m, h, n_out, n_out) and (m, h, n_out, n_in); cache = the six blocks'
        caches (MHA1, LN1, MHA2, LN2, FFN, LN3).
    """
    # BLOCK 1: masked self-attention, skip connection, layer norm
    mult_attn_out1, attn_weights_block1, mha1_cache = multi_head_attention_forward.unchecked(
        x, x, x, _block(parameters, "1"), num_heads, look_ahead_mask)
    Q1, ln1_cache = layer_norm_forward.unchecked(mult_attn_out1 + x, parameters["gamma1"],
                                                 parameters["beta1"], eps)
    # BLOCK 2: attention on the encoder output, queries from Q1, skip connection, layer norm
    mult_attn_out2, attn_weights_block2, mha2_cache = multi_head_attention_forward.unchecked(
        Q1, enc_output, enc_output, _block(parameters, "2"), num_heads, padding_mask)
    mult_attn_out2, ln2_cache = layer_norm_forward.unchecked(
        mult_attn_out2 + Q1, parameters["gamma2"], parameters["beta2"], eps)
    # BLOCK 3: feed-forward, skip connection, layer norm
    ffn_output, ffn_cache = ffn_forward.unchecked(mult_attn_out2, parameters)
    out3, ln3_cache = layer_norm_forward.unchecked(
        ffn_output + mult_attn_out2, parameters["gamma3"], parameters["beta3"], eps)
    cache = (mha1_cache, ln1_cache, mha2_cache, ln2_cache, ffn_cache, ln3_cache)
    return out3, attn_weights_block1, attn_weights_block2, cache


@checked(check_decoder_layer_backward)
def decoder_layer_backward(d_out, cache):
    """Backward through the decoder layer, block 3 first:

    d_sum3 = LN3 backward(dout);  dA2n = d_sum3 + FFN backward(d_sum3)
    d_sum2 = LN2 backward(dA2n);  dQ1 = d_sum2 + dq of MHA2 backward(d_sum2)
    d_enc_output = dk + dv of MHA2 backward(d_sum2)     (the encoder output is keys and values)
    d_sum1 = LN1 backward(dQ1);   dx = d_sum1 + dq + dk + dv of MHA1 backward(d_sum1)

    Returns:
        (dx, d_enc_output, grads): (m, n_out, d_model), (m, n_in, d_model), "d" + every key
        of :data:`DECODER_LAYER_KEYS`.
    """
    mha1_cache, ln1_cache, mha2_cache, ln2_cache, ffn_cache, ln3_cache = cache
    # out3 = LN3(ffn_output + A2n);  ffn_output = FFN(A2n)
    d_sum3, dgamma3, dbeta3 = layer_norm_backward.unchecked(d_out, ln3_cache)
    dA2n_ffn, ffn_grads = ffn_backward.unchecked(d_sum3, ffn_cache)
    dA2n = d_sum3 + dA2n_ffn
    # A2n = LN2(MHA2(Q1, enc_output, enc_output) + Q1)
    d_sum2, dgamma2, dbeta2 = layer_norm_backward.unchecked(dA2n, ln2_cache)
    dQ1_attn, d_enc_k, d_enc_v, mha2_grads = multi_head_attention_backward.unchecked(
        d_sum2, mha2_cache)
    dQ1 = d_sum2 + dQ1_attn
    d_enc_output = d_enc_k + d_enc_v
    # Q1 = LN1(MHA1(x, x, x) + x)
    d_sum1, dgamma1, dbeta1 = layer_norm_backward.unchecked(dQ1, ln1_cache)
    dq, dk, dv, mha1_grads = multi_head_attention_backward.unchecked(d_sum1, mha1_cache)
    dx = d_sum1 + dq + dk + dv
    grads = {**{key + "1": value for key, value in mha1_grads.items()},
             **{key + "2": value for key, value in mha2_grads.items()}, **ffn_grads,
             "dgamma1": dgamma1, "dbeta1": dbeta1, "dgamma2": dgamma2, "dbeta2": dbeta2,
             "dgamma3": dgamma3, "dbeta3": dbeta3}
    return dx, d_enc_output, grads


# ----------------------------------------------------------------------------- the stacks
def _embed(ids, embedding):
    """E[ids] sqrt(d_model) + PE[:n]: the scaled lookup and the positional encoding."""
    m, n = ids.shape
    d_model = embedding.shape[1]
    x, embedding_cache = embedding_forward.unchecked(ids, embedding)
    x = x * math.sqrt(d_model)
    x = x + positional_encoding(n, d_model, dtype=embedding.dtype)
    return x, embedding_cache


def _embed_backward(dx, embedding_cache):
    """x = E[ids] sqrt(d_model) + PE (a constant): dE = lookup backward(dx sqrt(d_model))."""
    d_model = embedding_cache[1][1]
    return embedding_backward.unchecked(dx * math.sqrt(d_model), embedding_cache)


@checked(check_encoder_forward)
def encoder_forward(x, parameters, num_heads, mask=None, eps=COURSE_LAYER_NORM_EPS):
    """The course's ``Encoder``: x = E[x] sqrt(d_model) + PE, then N encoder layers.

    Args:
        x: (m, n) token ids.  parameters: {"embedding": (vocab, d_model), "layers": [N
            encoder-layer dicts of scratch.attention.ENCODER_LAYER_KEYS]}.
        num_heads: h.  mask: None or the course's mask broadcastable to (m, n, n), e.g.
            ``create_padding_mask(x)``.  eps: layer norm's.
    Returns:
        (out, cache): out (m, n, d_model); cache = (embedding cache, the layers' caches).
    """
    # the embedding, scaled by sqrt(d_model), plus the positional encoding
    x, embedding_cache = _embed(x, parameters["embedding"])
    # the N encoder layers
    caches = []
    for layer in parameters["layers"]:
        x, layer_cache = encoder_layer_forward.unchecked(x, layer, num_heads, mask, eps)
        caches.append(layer_cache)
    return x, (embedding_cache, caches)


@checked(check_encoder_backward)
def encoder_backward(d_out, cache):
    """The layers backward, last first, then the scaled embedding.

    Returns:
        grads {"dembedding": (vocab, d_model), "layers": [the layers' grads]}.
    """
    embedding_cache, caches = cache
    layer_grads = []
    for layer_cache in reversed(caches):
        d_out, grads = encoder_layer_backward.unchecked(d_out, layer_cache)
        layer_grads.insert(0, grads)
    return {"dembedding": _embed_backward(d_out, embedding_cache), "layers": layer_grads}


@checked(check_decoder_forward)
def decoder_forward(x, enc_output, parameters, num_heads, look_ahead_mask=None,
                    padding_mask=None, eps=COURSE_LAYER_NORM_EPS):
    """The course's ``Decoder``: y = E[x] sqrt(d_model) + PE, then N decoder layers, each
    attending to ``enc_output``.

    Args:
        x: (m, n_out) token ids.  enc_output: (m, n_in, d_model).
        parameters: {"embedding": (target_vocab, d_model), "layers": [N decoder-layer dicts]}.
        look_ahead_mask, padding_mask, eps: as :func:`decoder_layer_forward`'s.
    Returns:
        (out, attention_weights, cache): out (m, n_out, d_model); attention_weights the
        course's dict {"decoder_layer{i}_block1_self_att", "decoder_layer{i}_block2_decenc_att"}
        (i from 1); cache = (embedding cache, the layers' caches).
    """
    attention_weights = {}
    # the embedding, scaled by sqrt(d_model), plus the positional encoding
    x, embedding_cache = _embed(x, parameters["embedding"])
    # the N decoder layers
    caches = []
    for i, layer in enumerate(parameters["layers"]):
        x, block1, block2, layer_cache = decoder_layer_forward.unchecked(
            x, enc_output, layer, num_heads, look_ahead_mask, padding_mask, eps)
        attention_weights[f"decoder_layer{i + 1}_block1_self_att"] = block1
        attention_weights[f"decoder_layer{i + 1}_block2_decenc_att"] = block2
        caches.append(layer_cache)
    return x, attention_weights, (embedding_cache, caches)


@checked(check_decoder_backward)
def decoder_backward(d_out, cache):
    """The layers backward, last first (each adds its share of d_enc_output), then the
    scaled embedding.

    Returns:
        (d_enc_output, grads): (m, n_in, d_model); {"dembedding", "layers": [...]}.
    """
    embedding_cache, caches = cache
    d_enc_output, layer_grads = 0, []
    for layer_cache in reversed(caches):
        d_out, d_enc, grads = decoder_layer_backward.unchecked(d_out, layer_cache)
        d_enc_output = d_enc_output + d_enc
        layer_grads.insert(0, grads)
    return d_enc_output, {"dembedding": _embed_backward(d_out, embedding_cache),
                          "layers": layer_grads}


# ----------------------------------------------------------------------------- the transformer
@checked(check_transformer_forward)
def transformer_forward(input_sentence, output_sentence, parameters, num_heads,
                        enc_padding_mask=None, look_ahead_mask=None, dec_padding_mask=None,
                        eps=COURSE_LAYER_NORM_EPS):
    """The course's ``Transformer.call`` (training=False, i.e. no dropout).

    Args:
        input_sentence: (m, n_in) ids.  output_sentence: (m, n_out) ids.
        parameters: {"encoder", "decoder", "final_layer": {"W", "b"}} (module doc).
        enc_padding_mask: for the encoder's self-attention, broadcastable to (m, n_in, n_in).
        look_ahead_mask: the decoder's self-attention's, to (m, n_out, n_out).
        dec_padding_mask: the cross attention's, to (m, n_out, n_in).
    Returns:
        (final_output, attention_weights, cache): final_output (m, n_out, target_vocab) the
        softmax probabilities; the decoder's attention weights.
    """
    # the encoder on the input sentence
    enc_output, enc_cache = encoder_forward.unchecked(input_sentence, parameters["encoder"],
                                                      num_heads, enc_padding_mask, eps)
    # the decoder on the output sentence, attending to the encoder output
    dec_output, attention_weights, dec_cache = decoder_forward.unchecked(
        output_sentence, enc_output, parameters["decoder"], num_heads, look_ahead_mask,
        dec_padding_mask, eps)
    # final_layer: Dense(target_vocab_size, activation="softmax")
    logits = np.matmul(dec_output, parameters["final_layer"]["W"]) + parameters["final_layer"]["b"]
    final_output = _softmax(logits)
    cache = (enc_cache, dec_cache, dec_output, final_output, parameters["final_layer"]["W"])
    return final_output, attention_weights, cache


@checked(check_transformer_backward)
def transformer_backward(d_final_output, cache):
    """Backward through the softmax, the final layer, the decoder, then the encoder (whose
    output gets the gradients of every cross attention):

    d_logits = p (d_final - sum(d_final p));  dW = sum dec_output^T d_logits;  db = sum d_logits
    d_dec_output = d_logits W^T;  (d_enc_output, decoder grads) = decoder backward;
    encoder grads = encoder backward(d_enc_output)

    Returns:
        grads {"encoder": ..., "decoder": ..., "final_layer": {"dW", "db"}}.
    """
    enc_cache, dec_cache, dec_output, p, W = cache
    # final_output = softmax(logits) over the target vocabulary
    d_logits = p * (d_final_output - np.sum(d_final_output * p, axis=-1, keepdims=True))
    # logits = dec_output W + b
    final_grads = {"dW": _sum_over_positions(dec_output, d_logits),
                   "db": d_logits.reshape(-1, d_logits.shape[-1]).sum(axis=0)}
    d_dec_output = np.matmul(d_logits, W.T)
    # the decoder, then the encoder whose output it read
    d_enc_output, decoder_grads = decoder_backward.unchecked(d_dec_output, dec_cache)
    encoder_grads = encoder_backward.unchecked(d_enc_output, enc_cache)
    return {"encoder": encoder_grads, "decoder": decoder_grads, "final_layer": final_grads}
