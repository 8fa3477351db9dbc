"""Course 5 ("Sequence Models"), week 4, continued: the decoder layer, the encoder and decoder
stacks and the full transformer (scratch.transformer beside torch_ref.transformer), after
course5_attention's pieces. Gathered by dl_parity/catalog/__init__.py."""
from __future__ import annotations

from .base import Formula

#: week 4's heading is course5_attention's ("c5w4")
WEEKS: dict[str, str] = {}

T_TR = "parity_tests/test_transformer.py"

ENTRIES: tuple[Formula, ...] = (
    Formula(
        "c5.decoder_layer", "c5w4", "Transformer", "Decoder layer (post-norm)",
        "A₁ = MHA₁(x, x, x, look-ahead mask), Q₁ = LN₁(A₁ + x)\n"
        "A₂ = MHA₂(Q₁, enc_output, enc_output, padding mask), A₂ₙ = LN₂(A₂ + Q₁)\n"
        "out = LN₃(FFN(A₂ₙ) + A₂ₙ)",
        r"Q_1 = \mathrm{LN}_1\big(x + \mathrm{MHA}_1(x, x, x)\big), \quad "
        r"A = \mathrm{LN}_2\big(Q_1 + \mathrm{MHA}_2(Q_1, h, h)\big), \quad "
        r"\mathrm{out} = \mathrm{LN}_3\big(A + \mathrm{FFN}(A)\big)",
        ("scratch.transformer.decoder_layer_forward",),
        ("torch_ref.transformer.DecoderLayer", "torch_ref.transformer.DecoderLayer.attention_weights"),
        (f"{T_TR}::test_decoder_layer_parity",),
        torch_ops=("torch.nn.TransformerDecoderLayer",),
        note="nn.TransformerDecoderLayer(dropout=0, norm_first=False, batch_first=True, "
             "layer_norm_eps=1e-6): self_attn is block 1, multihead_attn block 2 (their packed "
             "in_proj_weight mapped once). The look-ahead mask goes in as tgt_mask, the input's "
             "padding mask as memory_mask, both converted once to True = masked.",
        marks=("Q1, ln1_cache = layer_norm_forward.unchecked(mult_attn_out1 + x",
               "Q1, enc_output, enc_output, _block(parameters, \"2\"), num_heads, padding_mask)",
               "ffn_output + mult_attn_out2, parameters[\"gamma3\"]")),
    Formula(
        "c5.decoder_layer_backward", "c5w4", "Transformer", "Decoder layer backward",
        "d_sum₃ = LN₃ backward(dout), dA₂ₙ = d_sum₃ + FFN backward(d_sum₃)\n"
        "d_sum₂ = LN₂ backward(dA₂ₙ), dQ₁ = d_sum₂ + dq of MHA₂, d enc_output = dk + dv of MHA₂\n"
        "d_sum₁ = LN₁ backward(dQ₁), dx = d_sum₁ + dq + dk + dv of MHA₁",
        r"dQ_1 = \delta_2 + \partial_q \mathrm{MHA}_2^T\delta_2, \quad "
        r"d h = (\partial_k + \partial_v)\mathrm{MHA}_2^T\delta_2, \quad "
        r"dx = \delta_1 + (\partial_q + \partial_k + \partial_v)\mathrm{MHA}_1^T\delta_1",
        ("scratch.transformer.decoder_layer_backward",),
        ("torch_ref.transformer.DecoderLayer.course_gradients",),
        (f"{T_TR}::test_decoder_layer_parity", f"{T_TR}::test_decoder_layer_gradient_check"),
        torch_ops=("torch.nn.TransformerDecoderLayer",),
        marks=("dA2n = d_sum3 + dA2n_ffn", "d_enc_output = d_enc_k + d_enc_v",
               "dx = d_sum1 + dq + dk + dv")),
    Formula(
        "c5.encoder", "c5w4", "Transformer", "Encoder stack",
        "x = E[ids] √d_model + PE[:n]\n"
        "x = EncoderLayer_l(x, mask), l = 1..N",
        r"x^{(0)} = E_{\mathrm{ids}}\sqrt{d_{model}} + PE, \qquad x^{(l)} = \mathrm{Enc}_l(x^{(l-1)})",
        ("scratch.transformer.encoder_forward", "scratch.transformer.encoder_backward"),
        ("torch_ref.transformer.Encoder",),
        (f"{T_TR}::test_encoder_parity",),
        torch_ops=("torch.nn.TransformerEncoder", "torch.nn.Embedding"),
        note="nn.TransformerEncoder(layer, N, norm=None): the course's Encoder has no final layer "
             "norm. Backward: dE = lookup backward(dx √d_model); the positional encoding is a "
             "constant.",
        marks=("x = x * math.sqrt(d_model)", "x = x + positional_encoding(n, d_model",
               "x, layer_cache = encoder_layer_forward.unchecked(x, layer, num_heads, mask, eps)")),
    Formula(
        "c5.decoder", "c5w4", "Transformer", "Decoder stack",
        "y = E[ids] √d_model + PE[:n]\n"
        "y = DecoderLayer_l(y, enc_output, look-ahead mask, padding mask), l = 1..N\n"
        "d enc_output = Σ_l (dk + dv of layer l's cross attention)",
        r"y^{(0)} = E_{\mathrm{ids}}\sqrt{d_{model}} + PE, \qquad y^{(l)} = \mathrm{Dec}_l(y^{(l-1)}, h)",
        ("scratch.transformer.decoder_forward", "scratch.transformer.decoder_backward"),
        ("torch_ref.transformer.Decoder",),
        (f"{T_TR}::test_decoder_parity",),
        torch_ops=("torch.nn.TransformerDecoder", "torch.nn.Embedding"),
        note="The course's attention_weights dict: decoder_layer{i}_block1_self_att and "
             "decoder_layer{i}_block2_decenc_att. nn.TransformerDecoder(layer, N, norm=None).",
        marks=("d_enc_output = d_enc_output + d_enc",
               'attention_weights[f"decoder_layer{i + 1}_block1_self_att"] = block1')),
    Formula(
        "c5.transformer", "c5w4", "Transformer", "The transformer",
        "enc_output = Encoder(input_sentence, enc_padding_mask)\n"
        "dec_output = Decoder(output_sentence, enc_output, look_ahead_mask, dec_padding_mask)\n"
        "final_output = softmax(dec_output W + b)",
        r"\hat{y} = \mathrm{softmax}\big(\mathrm{Dec}(y, \mathrm{Enc}(x))\,W + b\big)",
        ("scratch.transformer.transformer_forward",),
        ("torch_ref.transformer.Transformer", "torch_ref.transformer.transformer_names",
         "torch_ref.transformer.load", "torch_ref.transformer.export"),
        (f"{T_TR}::test_transformer_parity",
         f"{T_TR}::test_transformer_parameters_round_trip_and_configuration"),
        torch_ops=("torch.nn.Transformer", "torch.softmax"),
        note="nn.Transformer with custom_encoder / custom_decoder built with norm=None: its own "
             "stacks end in a layer norm, which the course's do not (a test shows both). "
             "Embeddings, √d_model and the positional encoding sit outside nn.Transformer; the "
             "three course masks are converted once per forward (src_mask, tgt_mask, "
             "memory_mask). Dropout 0: the course's call with training=False.",
        marks=("final_output = _softmax(logits)",
               "output_sentence, enc_output, parameters[\"decoder\"], num_heads, look_ahead_mask,")),
    Formula(
        "c5.transformer_backward", "c5w4", "Transformer", "The transformer backward",
        "d_logits = p ⊙ (d_out − Σ d_out ⊙ p); dW = Σ dec_outputᵀ d_logits; db = Σ d_logits\n"
        "d dec_output = d_logits Wᵀ → decoder backward → d enc_output → encoder backward",
        r"d_{\mathrm{logits}} = p \odot \big(d\hat{y} - \textstyle\sum d\hat{y} \odot p\big), \quad "
        r"dW = \textstyle\sum \mathrm{dec}^T d_{\mathrm{logits}}",
        ("scratch.transformer.transformer_backward",),
        ("torch_ref.transformer.Transformer.course_gradients",),
        (f"{T_TR}::test_transformer_parity", f"{T_TR}::test_transformer_gradient_check"),
        torch_ops=("torch.nn.Transformer",),
        marks=("d_logits = p * (d_final_output - np.sum(d_final_output * p, axis=-1, keepdims=True))",
               "encoder_grads = encoder_backward.unchecked(d_enc_output, enc_cache)")),
)

#: scratch modules whose public functions must all appear in the catalog
MODULES: tuple[str, ...] = ("scratch.transformer",)
