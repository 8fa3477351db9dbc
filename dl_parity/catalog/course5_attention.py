"""Course 5 ("Sequence Models"), week 4: the transformer's formulas (scratch.attention
beside torch_ref.attention). Gathered by dl_parity/catalog/__init__.py."""
from __future__ import annotations

from .base import Formula

#: week key -> heading (shown in this order, after the earlier weeks')
WEEKS: dict[str, str] = {"c5w4": "Course 5, week 4: transformers"}

T_ATT = "parity_tests/test_attention.py"

ATTENTION_ENTRIES: tuple[Formula, ...] = (
    Formula(
        "c5.positional_encoding", "c5w4", "Transformer", "Positional encoding",
        "angle(pos, k) = pos / 10000^(2⌊k/2⌋ / d)\nPE(pos, 2i) = sin(angle)\n"
        "PE(pos, 2i+1) = cos(angle)",
        r"PE_{(pos, 2i)} = \sin\!\Big(\frac{pos}{10000^{2i/d}}\Big), \qquad "
        r"PE_{(pos, 2i+1)} = \cos\!\Big(\frac{pos}{10000^{2i/d}}\Big)",
        ("scratch.attention.get_angles", "scratch.attention.positional_encoding"),
        ("torch_ref.attention.positional_encoding",),
        (f"{T_ATT}::test_positional_encoding_parity",
         f"{T_ATT}::test_get_angles_and_the_course_checks"),
        torch_ops=("torch.sin", "torch.cos", "torch.pow"),
        note="Both sides compute the angles in float64 and cast to float32 (the course's "
             "tf.cast) unless asked for float64. Shape (1, positions, d).",
        marks=("angles = np.asarray(pos) / np.power(10000, 2 * i / d)",
               "angle_rads[:, 0::2] = np.sin(angle_rads[:, 0::2])",
               "angle_rads[:, 1::2] = np.cos(angle_rads[:, 1::2])")),
    Formula(
        "c5.masks", "c5w4", "Transformer", "Padding and look-ahead masks",
        "padding mask = 1 − (seq = 0), shape (m, 1, n)\n"
        "look-ahead mask[i, j] = 1 if j ≤ i else 0, shape (1, n, n)",
        r"M^{\text{pad}}_{b,1,j} = 1 - [\,x_{b,j} = 0\,], \qquad M^{\text{ahead}}_{1,i,j} = [\,j \le i\,]",
        ("scratch.attention.create_padding_mask", "scratch.attention.create_look_ahead_mask"),
        ("torch_ref.attention.padding_mask", "torch_ref.attention.look_ahead_mask",
         "torch_ref.attention.sdpa_mask", "torch_ref.attention.attn_mask_from_course",
         "torch_ref.attention.key_padding_mask_from_course"),
        (f"{T_ATT}::test_masks_parity",),
        torch_ops=("torch.tril", "torch.nn.Transformer.generate_square_subsequent_mask"),
        note="The course's masks say 1 = attend, 0 = masked. F.scaled_dot_product_attention's "
             "boolean mask has the same sense (True = attend); nn.MultiheadAttention's and "
             "nn.TransformerEncoderLayer's boolean attn_mask / key_padding_mask have the "
             "OPPOSITE sense (True = masked): torch_ref maps them once (sdpa_mask, "
             "attn_mask_from_course, key_padding_mask_from_course). "
             "generate_square_subsequent_mask is the look-ahead mask in additive form "
             "(0 / −inf).",
        marks=("seq = 1 - (decoder_token_ids == 0).astype(dtype)",
               "mask = np.tril(np.ones((1, sequence_length, sequence_length), dtype=dtype))")),
    Formula(
        "c5.attention", "c5w4", "Transformer", "Scaled dot-product attention",
        "Attention(Q, K, V) = softmax(Q Kᵀ / √d_k + (1 − mask) · (−10⁹)) V",
        r"\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\Big(\frac{Q K^{T}}{\sqrt{d_k}} "
        r"+ (1 - M)(-10^{9})\Big) V",
        ("scratch.attention.scaled_dot_product_attention",),
        ("torch_ref.attention.scaled_dot_product_attention",
         "torch_ref.attention.attention_weights"),
        (f"{T_ATT}::test_scaled_dot_product_attention_parity",
         f"{T_ATT}::test_fully_masked_row",
         f"{T_ATT}::test_scaled_dot_product_attention_course_values"),
        torch_ops=("torch.nn.functional.scaled_dot_product_attention", "torch.softmax"),
        note="The course adds −10⁹ to masked scores; PyTorch's boolean masks put −inf there. "
             "Both give weight exactly 0 wherever a row keeps one position. A fully masked "
             "row differs: the course's equal shift leaves softmax(s) (float64) or uniform "
             "1/n_k (float32, where −10⁹ + s rounds to −10⁹); nn.MultiheadAttention gives NaN, "
             "F.scaled_dot_product_attention zeros. F.sdpa returns no weights: torch_ref "
             "computes them by its documented reference formula.",
        marks=("scaled_attention_logits = matmul_qk / math.sqrt(dk)",
               "scaled_attention_logits + (1. - mask) * MASK_VALUE",
               "output = np.matmul(attention_weights, v)")),
    Formula(
        "c5.attention_backward", "c5w4", "Transformer", "Attention backward",
        "dV = Aᵀ dO\ndA = dO Vᵀ\ndS = A ⊙ (dA − Σⱼ (dA ⊙ A))\n"
        "dQ = dS K / √d_k\ndK = dSᵀ Q / √d_k",
        r"dV = A^{T} dO, \quad dA = dO\,V^{T}, \quad dS = A \odot \big(dA - \textstyle\sum_j dA \odot A\big), "
        r"\quad dQ = \frac{dS\,K}{\sqrt{d_k}}, \quad dK = \frac{dS^{T} Q}{\sqrt{d_k}}",
        ("scratch.attention.scaled_dot_product_attention_backward",),
        ("torch_ref.attention.scaled_dot_product_attention",),
        (f"{T_ATT}::test_scaled_dot_product_attention_parity",
         f"{T_ATT}::test_attention_gradient_check"),
        torch_ops=("torch.nn.functional.scaled_dot_product_attention",),
        note="Autograd through F.scaled_dot_product_attention's output with the same upstream "
             "dO; the mask is a constant and gets no gradient.",
        marks=("d_logits = attention_weights * (d_weights - np.sum(d_weights",
               "dq = np.matmul(d_matmul_qk, k)")),
    Formula(
        "c5.mha", "c5w4", "Transformer", "Multi-head attention",
        "Q = q W_Q + b_Q, K = k W_K + b_K, V = v W_V + b_V\n"
        "headⱼ = Attention(Qⱼ, Kⱼ, Vⱼ), each of depth d_model / h\n"
        "MHA(q, k, v) = concat(head₁, …, head_h) W_O + b_O",
        r"\mathrm{head}_j = \mathrm{Attention}(Q_j, K_j, V_j), \qquad "
        r"\mathrm{MHA}(q, k, v) = \mathrm{concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\,W_O + b_O",
        ("scratch.attention.multi_head_attention_forward",),
        ("torch_ref.attention.MultiHeadAttention", "torch_ref.attention.pack_in_projection",
         "torch_ref.attention.unpack_in_projection"),
        (f"{T_ATT}::test_multi_head_attention_parity",
         f"{T_ATT}::test_mha_parameters_round_trip"),
        torch_ops=("torch.nn.MultiheadAttention",),
        note="The course's kernels act as x W (Keras, (d_in, d_out)); nn.MultiheadAttention "
             "packs [W_Qᵀ; W_Kᵀ; W_Vᵀ] into in_proj_weight (3d, d) and [b_Q; b_K; b_V] into "
             "in_proj_bias, out_proj.weight = W_Oᵀ: pack_in_projection maps them once. Each "
             "head is d_model / h wide as in torch (the course's Keras layer uses key_dim = "
             "d_model per head; the same for h = 1). nn.MultiheadAttention returns the weights "
             "per head (average_attn_weights=False) or their mean over heads (the default).",
        marks=('Q = np.matmul(q, parameters["Wq"]) + parameters["bq"]',
               "x.reshape(m, n, num_heads, d_model // num_heads).transpose(0, 2, 1, 3)",
               'output = np.matmul(concat, parameters["Wo"]) + parameters["bo"]')),
    Formula(
        "c5.mha_backward", "c5w4", "Transformer", "Multi-head attention backward",
        "dW_O = Σ concatᵀ dO, db_O = Σ dO, d concat = dO W_Oᵀ\n"
        "split d concat into heads, attention backward → dQ, dK, dV\n"
        "dW_Q = Σ qᵀ dQ, db_Q = Σ dQ, dq = dQ W_Qᵀ (the same for k, v)",
        r"dW_O = \textstyle\sum \mathrm{concat}^{T} dO, \quad dq = dQ\,W_Q^{T}, \quad "
        r"dW_Q = \textstyle\sum q^{T} dQ, \quad db_Q = \textstyle\sum dQ",
        ("scratch.attention.multi_head_attention_backward",),
        ("torch_ref.attention.MultiHeadAttention.course_gradients",),
        (f"{T_ATT}::test_multi_head_attention_parity",
         f"{T_ATT}::test_multi_head_attention_gradient_check"),
        torch_ops=("torch.nn.MultiheadAttention",),
        note="Sums run over every example and position (no 1/m: the upstream dO is given). "
             "db_K is 0 in exact arithmetic (a key bias shifts a row's scores equally), so "
             "only its absolute error is meaningful. For self-attention dx = dq + dk + dv, "
             "as autograd accumulates into the one tensor.",
        marks=('grads["dWo"] = _sum_over_positions(concat, d_output)',
               'dq = np.matmul(dQ, parameters["Wq"].T)')),
    Formula(
        "c5.layer_norm", "c5w4", "Transformer", "Layer normalisation",
        "μ = mean(x), σ² = mean((x − μ)²) over the last axis\n"
        "LN(x) = γ (x − μ) / √(σ² + ε) + β",
        r"\mathrm{LN}(x) = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta",
        ("scratch.attention.layer_norm_forward",),
        ("torch_ref.attention.layer_norm",),
        (f"{T_ATT}::test_layer_norm_parity",),
        torch_ops=("torch.nn.LayerNorm",),
        note="ε is an argument: 1e-6 the course's (Keras LayerNormalization(epsilon=1e-6)), "
             "1e-5 nn.LayerNorm's default; the tests run both. Biased variance on both sides.",
        marks=("inv_std = 1 / np.sqrt(var + eps)",
               "out = gamma * x_hat + beta")),
    Formula(
        "c5.layer_norm_backward", "c5w4", "Transformer", "Layer normalisation backward",
        "dβ = Σ dout, dγ = Σ dout ⊙ x̂, dx̂ = dout ⊙ γ\n"
        "dx = (1 / (N √(σ² + ε))) (N dx̂ − Σ dx̂ − x̂ Σ (dx̂ ⊙ x̂))",
        r"dx = \frac{1}{N\sqrt{\sigma^2 + \epsilon}}\Big(N\,d\hat{x} - \textstyle\sum d\hat{x} "
        r"- \hat{x} \sum d\hat{x} \odot \hat{x}\Big)",
        ("scratch.attention.layer_norm_backward",),
        ("torch_ref.attention.layer_norm",),
        (f"{T_ATT}::test_layer_norm_parity", f"{T_ATT}::test_layer_norm_gradient_check"),
        torch_ops=("torch.nn.LayerNorm",),
        note="N = d, the features of one position; dγ and dβ sum over every example and position.",
        marks=("dx = inv_std / N * (N * dx_hat - np.sum(dx_hat, axis=-1, keepdims=True)",)),
    Formula(
        "c5.ffn", "c5w4", "Transformer", "Position-wise feed-forward network",
        "FFN(x) = ReLU(x W₁ + b₁) W₂ + b₂\n"
        "dZ₁ = (dout W₂ᵀ) ⊙ 1[Z₁ > 0], dW₁ = Σ xᵀ dZ₁, dx = dZ₁ W₁ᵀ",
        r"\mathrm{FFN}(x) = \max(0, x W_1 + b_1)\,W_2 + b_2",
        ("scratch.attention.ffn_forward", "scratch.attention.ffn_backward"),
        ("torch_ref.attention.FeedForward",),
        (f"{T_ATT}::test_ffn_parity", f"{T_ATT}::test_ffn_gradient_check"),
        torch_ops=("torch.nn.Linear", "torch.nn.ReLU"),
        note="nn.Linear's weight is the course's kernel transposed (linear1.weight = W₁ᵀ).",
        marks=("A1 = np.maximum(0, Z1)",
               "dZ1 = dA1 * (Z1 > 0)")),
    Formula(
        "c5.encoder_layer", "c5w4", "Transformer", "Encoder layer (post-norm)",
        "x₁ = LN₁(x + MHA(x, x, x, mask))\nout = LN₂(x₁ + FFN(x₁))",
        r"x_1 = \mathrm{LN}_1\big(x + \mathrm{MHA}(x, x, x)\big), \qquad "
        r"\mathrm{out} = \mathrm{LN}_2\big(x_1 + \mathrm{FFN}(x_1)\big)",
        ("scratch.attention.encoder_layer_forward",),
        ("torch_ref.attention.EncoderLayer",),
        (f"{T_ATT}::test_encoder_layer_parity", f"{T_ATT}::test_encoder_layer_parameters_round_trip"),
        torch_ops=("torch.nn.TransformerEncoderLayer",),
        note="nn.TransformerEncoderLayer(dropout=0, activation='relu', batch_first=True, "
             "norm_first=False, layer_norm_eps=1e-6) is the course's order. The course's mask "
             "goes in as src_mask (True = masked); a padding mask may instead go in as "
             "src_key_padding_mask (m, n), same result. Kept in train mode (dropout 0) so "
             "PyTorch never takes its fused inference path.",
        marks=("layer_norm_forward.unchecked(x + attn_output",
               "layer_norm_forward.unchecked(x1 + ffn_output")),
    Formula(
        "c5.encoder_layer_backward", "c5w4", "Transformer", "Encoder layer backward",
        "d(x₁ + FFN(x₁)) = LN₂ backward(dout)\n"
        "dx₁ = d(x₁ + FFN(x₁)) + FFN backward(d(x₁ + FFN(x₁)))\n"
        "d(x + MHA) = LN₁ backward(dx₁)\n"
        "dx = d(x + MHA) + dq + dk + dv",
        r"dx_1 = \delta_2 + \mathrm{FFN}'^{T}\delta_2, \qquad dx = \delta_1 + dq + dk + dv",
        ("scratch.attention.encoder_layer_backward",),
        ("torch_ref.attention.EncoderLayer.course_gradients",),
        (f"{T_ATT}::test_encoder_layer_parity", f"{T_ATT}::test_encoder_layer_gradient_check"),
        torch_ops=("torch.nn.TransformerEncoderLayer",),
        note="Each skip connection adds its gradient to the branch's: x₁ feeds both the sum "
             "and the FFN, x is the skip and q, k and v of self-attention.",
        marks=("dx1 = d_skip2 + dx1_ffn",
               "dx = d_skip1 + dq + dk + dv")),
)

ENTRIES: tuple[Formula, ...] = ATTENTION_ENTRIES

#: scratch modules whose public functions must all appear in the catalog
MODULES: tuple[str, ...] = ("scratch.attention",)
