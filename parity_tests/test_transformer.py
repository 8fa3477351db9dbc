"""Course 5, week 4, the rest of the transformer: scratch.transformer's decoder layer, encoder
and decoder stacks and full model, forward and backward by hand, against torch_ref.transformer
(nn.TransformerDecoderLayer, nn.TransformerEncoder / nn.TransformerDecoder, nn.Transformer,
nn.Embedding, nn.Linear + softmax, autograd) and against centred finite differences.

Same conventions as test_attention.py: layout (m, n, d_model), the course's kernels mapped
once by torch_ref, one upstream gradient drawn and fed to both backward passes, masks in the
course's 1 = attend convention converted once by torch_ref. Data: token ids drawn in the
vocabularies (the first token of every input never the padding id 0, so no row is fully
masked), embeddings N(0, 1/d_model) (so E[x] sqrt(d_model) is O(1)), the rest as
test_attention.py draws it.

Tolerances: 2 gamma_n with n the rounding steps of every block on the path (test_attention's
counts: ``mha_steps``, ``ffn_steps``, ``layer_norm_steps``; the embedding adds 2, the final
softmax n_vocab + d_model + E), times the product of the condition numbers kappa of every
layer norm on the path (an error entering a layer norm is multiplied by its kappa, computed
from that layer norm's input in the data, never from the measured error).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from parity_tests._tolerances import ELEMENTWISE_OPS as E, tolerance
from parity_tests.test_attention import (ffn_parameters, ffn_steps, gradient_check, kappa,
                                         layer_norm_steps, mha_parameters, mha_steps,
                                         norm_parameters)
from scratch import attention as A
from scratch import transformer as S
from torch_ref import transformer as T

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
EPS = A.COURSE_LAYER_NORM_EPS
THRESHOLD = 1e-7


def t(a, device, requires_grad=False, dtype=None):
    return torch.tensor(np.asarray(a), device=device, requires_grad=requires_grad, dtype=dtype)


# ----------------------------------------------------------------------------- parameters
def encoder_layer(rng, d_model, dff, dtype):
    return {**mha_parameters(rng, d_model, dtype), **ffn_parameters(rng, d_model, dff, dtype),
            **norm_parameters(rng, d_model, dtype, "1"),
            **norm_parameters(rng, d_model, dtype, "2")}


def decoder_layer(rng, d_model, dff, dtype):
    return {**{k + "1": v for k, v in mha_parameters(rng, d_model, dtype).items()},
            **{k + "2": v for k, v in mha_parameters(rng, d_model, dtype).items()},
            **ffn_parameters(rng, d_model, dff, dtype),
            **{k: v for i in "123" for k, v in norm_parameters(rng, d_model, dtype, i).items()}}


def stack(rng, vocab, d_model, dff, layers, layer, dtype):
    return {"embedding": (rng.standard_normal((vocab, d_model)) / math.sqrt(d_model)).astype(dtype),
            "layers": [layer(rng, d_model, dff, dtype) for _ in range(layers)]}


def token_ids(rng, m, n, vocab):
    ids = rng.integers(0, vocab, (m, n))
    ids[:, 0] = rng.integers(1, vocab, m)            # a real token first: no fully masked row
    return ids


# ----------------------------------------------------------------------------- the conditions
def ln_inputs_of_encoder_layer(cache):
    """The inputs of an encoder layer's two layer norms, x + MHA(x) and x1 + FFN(x1), read
    back from its forward cache."""
    mha_cache, _, ffn_cache, _ = cache
    q, _, _, p, _, _, concat = mha_cache
    x1, _, A1, fp = ffn_cache
    return [q + concat @ p["Wo"] + p["bo"], x1 + A1 @ fp["W2"] + fp["b2"]]


def ln_inputs_of_decoder_layer(cache):
    mha1, _, mha2, _, ffn_cache, _ = cache
    inputs = []
    for mha_cache in (mha1, mha2):
        q, _, _, p, _, _, concat = mha_cache
        inputs.append(q + concat @ p["Wo"] + p["bo"])
    x, _, A1, fp = ffn_cache
    return inputs + [x + A1 @ fp["W2"] + fp["b2"]]


def condition(inputs):
    return math.prod(kappa(x, EPS) for x in inputs)


def decoder_layer_steps(m, n_out, n_in, d_model, h, dff):
    depth = d_model // h
    return (mha_steps(m, n_out, n_out, d_model, depth) + mha_steps(m, n_out, n_in, d_model, depth)
            + ffn_steps(m, n_out, d_model, dff) + 3 * layer_norm_steps(m, n_out, d_model))


def encoder_layer_steps(m, n, d_model, h, dff):
    return (mha_steps(m, n, n, d_model, d_model // h) + ffn_steps(m, n, d_model, dff)
            + 2 * layer_norm_steps(m, n, d_model))


# ============================================================================ decoder layer
@st.composite
def decoder_layer_problem(draw, dtype):
    """m in 1..3, n_out, n_in in 1..5, h in 1..3, depth in 1..3 (d_model >= 2), dff in 1..6;
    masks: the look-ahead mask or none, the input's padding mask or none."""
    m, h = draw(st.integers(1, 3), label="m"), draw(st.integers(1, 3), label="h")
    depth = draw(st.integers(2 if h == 1 else 1, 3), label="depth")
    n_out, n_in = draw(st.integers(1, 5), label="n_out"), draw(st.integers(1, 5), label="n_in")
    dff = draw(st.integers(1, 6), label="dff")
    look, pad = draw(st.booleans(), label="look-ahead"), draw(st.booleans(), label="padding")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    d_model = h * depth
    x = rng.uniform(-1, 1, (m, n_out, d_model)).astype(dtype)
    enc_output = rng.uniform(-1, 1, (m, n_in, d_model)).astype(dtype)
    look_ahead = A.create_look_ahead_mask(n_out, dtype) if look else None
    padding = A.create_padding_mask(token_ids(rng, m, n_in, 4), dtype) if pad else None
    d_out = rng.standard_normal((m, n_out, d_model)).astype(dtype)
    return x, enc_output, decoder_layer(rng, d_model, dff, dtype), h, look_ahead, padding, d_out


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_decoder_layer_parity(device, parity, dtype, data):
    x, enc, parameters, h, look, pad, d_out = data.draw(decoder_layer_problem(dtype))
    out, block1, block2, cache = S.decoder_layer_forward(x, enc, parameters, h, look, pad)
    dx, d_enc, grads = S.decoder_layer_backward(d_out, cache)
    (m, n_out, d_model), n_in, dff = x.shape, enc.shape[1], parameters["W1"].shape[1]
    layer = T.DecoderLayer(d_model, h, dff, device=device, dtype=TORCH_DTYPE[dtype])
    layer.load_course_parameters(parameters)
    x_t, enc_t = t(x, device, True), t(enc, device, True)
    look_t, pad_t = (None if a is None else t(a, device) for a in (look, pad))
    out_t = layer(x_t, enc_t, look_t, pad_t)
    out_t.backward(t(d_out, device))
    n = decoder_layer_steps(m, n_out, n_in, d_model, h, dff)
    tol = tolerance(dtype, math.ceil(condition(ln_inputs_of_decoder_layer(cache)) * n))
    parity.close("decoder layer output out3", out_t, out, **tol, formula="c5.decoder_layer")
    w1_t, w2_t = layer.attention_weights(x_t, enc_t, look_t, pad_t)
    parity.close("block 1 (masked self-attention) weights", w1_t, block1, **tol,
                 formula="c5.decoder_layer")
    parity.close("block 2 (cross attention) weights", w2_t, block2, **tol,
                 formula="c5.decoder_layer")
    parity.close("dx", x_t.grad, dx, **tol, formula="c5.decoder_layer_backward")
    parity.close("d enc_output (keys and values of block 2)", enc_t.grad, d_enc, **tol,
                 formula="c5.decoder_layer_backward")
    torch_grads = layer.course_gradients()
    assert set(torch_grads) == set(grads) == {"d" + k for k in S.DECODER_LAYER_KEYS}
    for key in grads:
        parity.close(key, torch_grads[key], grads[key], **tol, formula="c5.decoder_layer_backward")
    if look is not None:                         # position i never attends to j > i
        assert (block1[..., np.triu_indices(n_out, 1)[0], np.triu_indices(n_out, 1)[1]] == 0).all()


@settings(max_examples=5)
@given(data=st.data())
def test_decoder_layer_gradient_check(data):
    x, enc, parameters, h, look, pad, d_out = data.draw(decoder_layer_problem(np.float64))
    _, _, _, cache = S.decoder_layer_forward(x, enc, parameters, h, look, pad)
    dx, d_enc, grads = S.decoder_layer_backward(d_out, cache)

    def f(a):
        out = S.decoder_layer_forward(a["x"], a["enc"], {k: a[k] for k in parameters}, h, look,
                                      pad)[0]
        return float(np.sum(d_out * out))

    difference = gradient_check(f, {"x": x, "enc": enc, **parameters},
                                {"x": dx, "enc": d_enc, **{k: grads["d" + k] for k in parameters}})
    assert difference < THRESHOLD, difference


# ============================================================================ the stacks
@st.composite
def stack_problem(draw, dtype, max_layers=2):
    """The encoder's or decoder's data: m in 1..2, n in 1..4, d_model 4 to 6 (h = 1 or 2),
    dff in 1..5, vocabularies of 2..6 tokens; N = 1 or 2 layers in float64, 1 in float32.

    Why these limits: the tolerance multiplies the condition numbers kappa of every layer
    norm on the path. Over d_model = 2 features a layer norm is degenerate (x_hat = +-1 for
    any input, kappa up to 60 measured on these draws). With d_model >= 4, kappa is about 2
    per layer norm (1.4 to 3.7 measured), so two layers a side (10 layer norms) give a
    product of 800 to 4500: n u about 0.5 in float32, no bound at all, while in float64 the
    same bound stays below 1e-9. Float32 is therefore tested on one layer a side (5 layer
    norms), float64 on one or two."""
    m, h = draw(st.integers(1, 2), label="m"), draw(st.integers(1, 2), label="h")
    depth = draw(st.integers(4, 6) if h == 1 else st.integers(2, 3), label="depth")
    n_in, n_out = draw(st.integers(1, 4), label="n_in"), draw(st.integers(1, 4), label="n_out")
    dff = draw(st.integers(1, 5), label="dff")
    N = draw(st.integers(1, max_layers if np.dtype(dtype) == np.float64 else 1), label="N")
    v_in, v_out = draw(st.integers(2, 6), label="input vocab"), draw(st.integers(2, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    d_model = h * depth
    parameters = {"encoder": stack(rng, v_in, d_model, dff, N, encoder_layer, dtype),
                  "decoder": stack(rng, v_out, d_model, dff, N, decoder_layer, dtype),
                  "final_layer": {"W": (rng.standard_normal((d_model, v_out))
                                        / math.sqrt(d_model)).astype(dtype),
                                  "b": (0.5 * rng.standard_normal(v_out)).astype(dtype)}}
    inputs, outputs = token_ids(rng, m, n_in, v_in), token_ids(rng, m, n_out, v_out)
    return parameters, h, inputs, outputs, rng


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=10)
@given(data=st.data())
def test_encoder_parity(device, parity, dtype, data):
    """E[x] sqrt(d_model) + PE and N encoder layers beside nn.Embedding + nn.TransformerEncoder
    (norm=None), with the input's padding mask."""
    parameters, h, ids, _, rng = data.draw(stack_problem(dtype))
    p = parameters["encoder"]
    mask = A.create_padding_mask(ids, dtype)
    out, cache = S.encoder_forward(ids, p, h, mask)
    d_out = rng.standard_normal(out.shape).astype(dtype)
    grads = S.encoder_backward(d_out, cache)
    (m, n), (vocab, d_model), dff = ids.shape, p["embedding"].shape, p["layers"][0]["W1"].shape[1]
    encoder = T.Encoder(len(p["layers"]), d_model, h, dff, vocab, device=device,
                        dtype=TORCH_DTYPE[dtype]).load_course_parameters(p)
    out_t = encoder(t(ids, device), t(mask, device))
    out_t.backward(t(d_out, device))
    n_steps = 2 + len(p["layers"]) * encoder_layer_steps(m, n, d_model, h, dff)
    ln = [x for c in cache[1] for x in ln_inputs_of_encoder_layer(c)]
    tol = tolerance(dtype, math.ceil(condition(ln) * n_steps))
    parity.close("encoder output", out_t, out, **tol, formula="c5.encoder")
    torch_grads = encoder.course_gradients()
    parity.close("dembedding", torch_grads["dembedding"], grads["dembedding"], **tol,
                 formula="c5.encoder")
    for i, (g_t, g) in enumerate(zip(torch_grads["layers"], grads["layers"])):
        for key in g:
            parity.close(f"layer {i + 1} {key}", g_t[key], g[key], **tol, formula="c5.encoder")


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=10)
@given(data=st.data())
def test_decoder_parity(device, parity, dtype, data):
    """E[y] sqrt(d_model) + PE and N decoder layers beside nn.Embedding + nn.TransformerDecoder
    (norm=None), with the look-ahead mask and the input's padding mask; the encoder output
    collects every layer's cross-attention gradient."""
    parameters, h, ids_in, ids, rng = data.draw(stack_problem(dtype))
    p = parameters["decoder"]
    (m, n_out), (vocab, d_model) = ids.shape, p["embedding"].shape
    dff = p["layers"][0]["W1"].shape[1]
    enc = rng.uniform(-1, 1, ids_in.shape + (d_model,)).astype(dtype)
    look, pad = A.create_look_ahead_mask(n_out, dtype), A.create_padding_mask(ids_in, dtype)
    out, weights, cache = S.decoder_forward(ids, enc, p, h, look, pad)
    d_out = rng.standard_normal(out.shape).astype(dtype)
    d_enc, grads = S.decoder_backward(d_out, cache)
    assert list(weights) == [f"decoder_layer{i}_block{b}" for i in range(1, len(p["layers"]) + 1)
                             for b in ("1_self_att", "2_decenc_att")]
    decoder = T.Decoder(len(p["layers"]), d_model, h, dff, vocab, device=device,
                        dtype=TORCH_DTYPE[dtype]).load_course_parameters(p)
    enc_t = t(enc, device, True)
    out_t = decoder(t(ids, device), enc_t, t(look, device), t(pad, device))
    out_t.backward(t(d_out, device))
    n_steps = 2 + len(p["layers"]) * decoder_layer_steps(m, n_out, ids_in.shape[1], d_model, h, dff)
    ln = [x for c in cache[1] for x in ln_inputs_of_decoder_layer(c)]
    tol = tolerance(dtype, math.ceil(condition(ln) * n_steps))
    parity.close("decoder output", out_t, out, **tol, formula="c5.decoder")
    parity.close("d enc_output, summed over the layers", enc_t.grad, d_enc, **tol,
                 formula="c5.decoder")
    torch_grads = decoder.course_gradients()
    parity.close("dembedding", torch_grads["dembedding"], grads["dembedding"], **tol,
                 formula="c5.decoder")
    for i, (g_t, g) in enumerate(zip(torch_grads["layers"], grads["layers"])):
        for key in g:
            parity.close(f"layer {i + 1} {key}", g_t[key], g[key], **tol, formula="c5.decoder")


# ============================================================================ the transformer
def transformer_tolerance(dtype, parameters, h, ids_in, ids_out, cache):
    (m, n_in), n_out = ids_in.shape, ids_out.shape[1]
    d_model = parameters["encoder"]["embedding"].shape[1]
    dff, N = parameters["encoder"]["layers"][0]["W1"].shape[1], len(parameters["encoder"]["layers"])
    vocab = parameters["final_layer"]["b"].shape[0]
    n_steps = (4 + N * encoder_layer_steps(m, n_in, d_model, h, dff)
               + N * decoder_layer_steps(m, n_out, n_in, d_model, h, dff)
               + 2 * (vocab + d_model + E) + m * n_out)
    enc_cache, dec_cache = cache[0], cache[1]
    ln = ([x for c in enc_cache[1] for x in ln_inputs_of_encoder_layer(c)]
          + [x for c in dec_cache[1] for x in ln_inputs_of_decoder_layer(c)])
    return tolerance(dtype, math.ceil(condition(ln) * n_steps))


def flat(grads, prefix=""):
    """(path, array) of a nested gradient dict, for comparing."""
    for key, value in grads.items():
        if isinstance(value, dict):
            yield from flat(value, f"{prefix}{key}/")
        elif isinstance(value, list):
            for i, layer in enumerate(value):
                yield from flat(layer, f"{prefix}{key}[{i}]/")
        else:
            yield prefix + key, value


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=10)
@given(data=st.data())
def test_transformer_parity(device, parity, dtype, data):
    """The whole model beside nn.Transformer (custom stacks without final norms, the course's
    masks converted once) + two nn.Embedding + nn.Linear + softmax: the probabilities and
    every gradient, from the same dict and the same upstream gradient."""
    parameters, h, ids_in, ids_out, rng = data.draw(stack_problem(dtype))
    masks = (A.create_padding_mask(ids_in, dtype),
             A.create_look_ahead_mask(ids_out.shape[1], dtype),
             A.create_padding_mask(ids_in, dtype))
    out, _, cache = S.transformer_forward(ids_in, ids_out, parameters, h, *masks)
    d_out = rng.standard_normal(out.shape).astype(dtype)
    grads = S.transformer_backward(d_out, cache)
    d_model = parameters["encoder"]["embedding"].shape[1]
    dff = parameters["encoder"]["layers"][0]["W1"].shape[1]
    model = T.Transformer(len(parameters["encoder"]["layers"]), d_model, h, dff,
                          parameters["encoder"]["embedding"].shape[0],
                          parameters["decoder"]["embedding"].shape[0], device=device,
                          dtype=TORCH_DTYPE[dtype]).load_course_parameters(parameters)
    out_t = model(t(ids_in, device), t(ids_out, device), *(t(mask, device) for mask in masks))
    out_t.backward(t(d_out, device))
    tol = transformer_tolerance(dtype, parameters, h, ids_in, ids_out, cache)
    parity.close("final_output = softmax(dec_output W + b)", out_t, out, **tol,
                 formula="c5.transformer")
    np.testing.assert_allclose(out.sum(axis=-1), 1, rtol=tol["rtol"] * 10)
    torch_grads = dict(flat(model.course_gradients()))
    ours = dict(flat(grads))
    assert set(torch_grads) == set(ours)
    for path, value in ours.items():
        parity.close(path, torch_grads[path], value, **tol, formula="c5.transformer_backward")


@settings(max_examples=3)
@given(data=st.data())
def test_transformer_gradient_check(data):
    """One layer a side (two would be 1,500 parameters, 15 s a draw here)."""
    parameters, h, ids_in, ids_out, rng = data.draw(stack_problem(np.float64, max_layers=1))
    masks = (A.create_padding_mask(ids_in, np.float64),
             A.create_look_ahead_mask(ids_out.shape[1], np.float64),
             A.create_padding_mask(ids_in, np.float64))
    out, _, cache = S.transformer_forward(ids_in, ids_out, parameters, h, *masks)
    d_out = rng.standard_normal(out.shape)
    grads = dict(flat(S.transformer_backward(d_out, cache)))
    arrays = dict(flat(parameters))

    def rebuild(values):
        def put(node, prefix=""):
            if isinstance(node, dict):
                return {k: put(v, f"{prefix}{k}/" if isinstance(v, (dict, list)) else prefix + k)
                        for k, v in node.items()}
            if isinstance(node, list):
                return [put(v, f"{prefix[:-1]}[{i}]/") for i, v in enumerate(node)]
            return values[prefix]
        return put(parameters)

    def f(values):
        return float(np.sum(d_out * S.transformer_forward(ids_in, ids_out, rebuild(values), h,
                                                          *masks)[0]))

    wanted = {path: grads["/".join(path.split("/")[:-1] + ["d" + path.split("/")[-1]])]
              for path in arrays}
    difference = gradient_check(f, arrays, wanted)
    assert difference < THRESHOLD, difference


def test_transformer_parameters_round_trip_and_configuration(device, parity):
    rng = np.random.default_rng(3)
    parameters = {"encoder": stack(rng, 5, 4, 3, 2, encoder_layer, np.float64),
                  "decoder": stack(rng, 6, 4, 3, 2, decoder_layer, np.float64),
                  "final_layer": {"W": rng.standard_normal((4, 6)), "b": rng.standard_normal(6)}}
    model = T.Transformer(2, 4, 2, 3, 5, 6, device=device, dtype=torch.float64)
    back = dict(flat(model.load_course_parameters(parameters).course_parameters()))
    for path, value in flat(parameters):
        parity.close(f"{path} round trip", back[path], value, rtol=0, atol=0,
                     formula="c5.transformer")
    # the course's configuration: no final norms, post-norm, dropout 0, eps 1e-6
    inner = model.transformer
    assert inner.encoder.norm is None and inner.decoder.norm is None
    layer = inner.decoder.layers[0]
    assert layer.norm_first is False and layer.dropout.p == 0.0 and layer.norm3.eps == EPS
    # nn.Transformer's own stacks end in a layer norm: a different function
    default = torch.nn.Transformer(4, 2, 2, 2, 3, dropout=0.0, batch_first=True,
                                   layer_norm_eps=EPS, device=device, dtype=torch.float64)
    assert default.encoder.norm is not None and default.decoder.norm is not None


# ============================================================================ bad input
def _bad_inputs():
    rng = np.random.default_rng(0)
    layer = decoder_layer(rng, 4, 3, np.float64)
    x, enc = rng.uniform(size=(2, 3, 4)), rng.uniform(size=(2, 5, 4))
    parameters = {"encoder": stack(rng, 5, 4, 3, 1, encoder_layer, np.float64),
                  "decoder": stack(rng, 6, 4, 3, 1, decoder_layer, np.float64),
                  "final_layer": {"W": np.ones((4, 6)), "b": np.zeros(6)}}
    ids_in, ids_out = np.array([[1, 2, 0]]), np.array([[3, 1]])
    return {
        "cross-attention mask that does not broadcast to (m, n_out, n_in)":
            (lambda: S.decoder_layer_forward(x, enc, layer, 2, None, np.ones((2, 1, 4))), "mask"),
        "look-ahead mask of another length":
            (lambda: S.decoder_layer_forward(x, enc, layer, 2, A.create_look_ahead_mask(4)),
             "mask"),
        "encoder output of another d_model":
            (lambda: S.decoder_layer_forward(x, enc[..., :3], layer, 2), "same d_model"),
        "encoder output of another m":
            (lambda: S.decoder_layer_forward(x, enc[:1], layer, 2), "number of examples"),
        "a decoder layer without its third norm":
            (lambda: S.decoder_layer_forward(x, enc, {k: v for k, v in layer.items()
                                                      if k != "gamma3"}, 2), "gamma3"),
        "a token id outside the vocabulary":
            (lambda: S.transformer_forward(np.array([[1, 7]]), ids_out, parameters, 2),
             r"token indices in \[0, 5\)"),
        "token ids without a batch axis":
            (lambda: S.encoder_forward(np.array([1, 2]), parameters["encoder"], 2), r"\(m, n\)"),
        "a stack without layers":
            (lambda: S.encoder_forward(ids_in, {**parameters["encoder"], "layers": []}, 2),
             "non-empty list"),
        "d_model not divisible by the heads":
            (lambda: S.transformer_forward(ids_in, ids_out, parameters, 3), "divisible"),
        "a final layer of the wrong width":
            (lambda: S.transformer_forward(ids_in, ids_out, {**parameters, "final_layer": {
                "W": np.ones((3, 6)), "b": np.zeros(6)}}, 2), "final_layer: W"),
        "an upstream gradient of the wrong shape":
            (lambda: S.transformer_backward(np.ones((1, 2, 5)), S.transformer_forward(
                ids_in, ids_out, parameters, 2)[2]), "d_final_output"),
        "torch: a decoder layer's W1 of the wrong shape":
            (lambda: T.DecoderLayer(4, 2, 3, dtype=torch.float64).load_course_parameters(
                {**layer, "W1": np.ones((3, 4))}), "W1 must have shape"),
    }


BAD_INPUTS = _bad_inputs()


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input(case):
    call, match = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=match):
        call()
