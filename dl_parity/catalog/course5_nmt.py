"""Course 5 ("Sequence Models"), week 3: the attention step of neural machine translation and
the trigger-word model's 1-D convolution (scratch.nmt_attention, scratch.trigger_word beside
torch_ref). Gathered by dl_parity/catalog/__init__.py."""
from __future__ import annotations

from .base import Formula

#: week key -> heading (shown in this order, after week 2's)
WEEKS: dict[str, str] = {"c5w3": "Course 5, week 3: attention and trigger word detection"}

T_NMT = "parity_tests/test_nmt_attention.py"
T_TW = "parity_tests/test_trigger_word.py"

ENTRIES: tuple[Formula, ...] = (
    Formula(
        "c5.one_step_attention", "c5w3", "Neural machine translation", "One step of attention",
        "e⟨t'⟩ = tanh([a⟨t'⟩; s⟨t−1⟩] W₁ + b₁)\n"
        "energies⟨t'⟩ = ReLU(e⟨t'⟩ W₂ + b₂)\n"
        "α⟨t,t'⟩ = softmax over t' of the energies\n"
        "context⟨t⟩ = Σ_t' α⟨t,t'⟩ a⟨t'⟩",
        r"\alpha^{\langle t,t'\rangle} = \frac{\exp(e^{\langle t,t'\rangle})}{\sum_{t''}"
        r"\exp(e^{\langle t,t''\rangle})}, \qquad "
        r"\mathrm{context}^{\langle t\rangle} = \sum_{t'} \alpha^{\langle t,t'\rangle} a^{\langle t'\rangle}",
        ("scratch.nmt_attention.one_step_attention", "scratch.nmt_attention.softmax"),
        ("torch_ref.nmt_attention.OneStepAttention",),
        (f"{T_NMT}::test_one_step_attention_parity",
         f"{T_NMT}::test_all_energies_zero_gives_uniform_weights"),
        torch_ops=("torch.nn.Linear", "torch.softmax", "torch.bmm"),
        note="The course's RepeatVector, Concatenate, Dense(10, tanh), Dense(1, relu), softmax "
             "over axis 1 and Dot(axes=1). Its shared layers densor1, densor2 are global in the "
             "notebook; here their weights are one_step_attention's third argument. In PyTorch "
             "the repeat is expand (a view), the weighted sum one bmm.",
        marks=("concat = np.concatenate([a, s_prev], axis=-1)",
               'e = np.tanh(np.matmul(concat, parameters["W1"]) + parameters["b1"])',
               "alphas = softmax(energies, axis=1)",
               "context = np.matmul(np.swapaxes(alphas, 1, 2), a)")),
    Formula(
        "c5.one_step_attention_backward", "c5w3", "Neural machine translation",
        "One step of attention, backward",
        "da = α d_context + d_concat[:, :, :2nₐ]; dα = a d_contextᵀ\n"
        "d_energies = α ⊙ (dα − Σ_t' α ⊙ dα); dz₂ = d_energies ⊙ 1[z₂ > 0]\n"
        "dz₁ = (dz₂ W₂ᵀ) ⊙ (1 − e²); d_concat = dz₁ W₁ᵀ\n"
        "ds_prev = Σ_t' d_concat[:, t', 2nₐ:]  (the repeat's backward)",
        r"d\alpha = a\, d\mathrm{ctx}^T, \quad dE = \alpha \odot \big(d\alpha - \textstyle\sum_{t'} "
        r"\alpha \odot d\alpha\big), \quad ds_{prev} = \textstyle\sum_{t'} d\mathrm{concat}_{t', 2n_a:}",
        ("scratch.nmt_attention.one_step_attention_backward",),
        ("torch_ref.nmt_attention.OneStepAttention.course_gradients",),
        (f"{T_NMT}::test_one_step_attention_parity",
         f"{T_NMT}::test_one_step_attention_gradient_check"),
        torch_ops=("torch.nn.Linear",),
        note="The weights' gradients sum over the examples and the T_x steps (the layers are "
             "shared by every step); ReLU'(0) = 0, PyTorch's convention.",
        marks=("d_energies = alphas * (d_alphas - np.sum(alphas * d_alphas, axis=1, keepdims=True))",
               "dz1 = de * (1 - e ** 2)",
               "ds_prev = np.sum(d_concat[..., two_n_a:], axis=1)")),
    Formula(
        "c5.conv1d", "c5w3", "Trigger word detection", "1-D convolution (Conv1D)",
        "Z[i, t, c] = b[c] + Σ_{k<f} Σ_c' X_pad[i, t·s + k, c'] W[k, c', c]\n"
        "T_out = ⌊(T_x + 2 pad − f) / s⌋ + 1",
        r"Z_{i,t,c} = b_c + \sum_{k<f}\sum_{c'} X_{i,\,ts+k,\,c'}\, W_{k,c',c}",
        ("scratch.trigger_word.conv1d_forward",),
        ("torch_ref.trigger_word.conv1d", "torch_ref.trigger_word.to_torch_layout",
         "torch_ref.trigger_word.to_course_layout"),
        (f"{T_TW}::test_conv1d_parity", f"{T_TW}::test_trigger_word_first_layer"),
        torch_ops=("torch.nn.Conv1d",),
        note="Keras' Conv1D is channels last (m, T, C) with W (f, C_prev, C); nn.Conv1d is "
             "channels first (m, C, T) with weight (C, C_prev, f) = W.permute(2, 1, 0). The "
             "course's first layer, Conv1D(196, 15, strides=4) on 5511 × 101, gives 1375 × 196.",
        marks=("Z += np.matmul(X_pad[:, k:k + stride * (T_out - 1) + 1:stride, :], W[k])",)),
    Formula(
        "c5.conv1d_backward", "c5w3", "Trigger word detection", "1-D convolution backward",
        "db = Σ_{i,t} dZ[i, t]\n"
        "dW[k] = Σ_{i,t} X_pad[i, t·s + k]ᵀ dZ[i, t]\n"
        "dX_pad[i, t·s + k] += dZ[i, t] W[k]ᵀ  (overlapping windows add)",
        r"dW_k = \sum_{i,t} X_{i,\,ts+k}^T\, dZ_{i,t}, \qquad "
        r"dX_{i,\,ts+k} \mathrel{+}= dZ_{i,t}\, W_k^T",
        ("scratch.trigger_word.conv1d_backward",),
        ("torch_ref.trigger_word.course_gradients",),
        (f"{T_TW}::test_conv1d_parity", f"{T_TW}::test_conv1d_gradient_check"),
        torch_ops=("torch.nn.Conv1d",),
        marks=("dW[k] = np.matmul(X_pad[:, window, :].reshape(-1, X_pad.shape[-1]).T, dZ_rows)",
               "dX_pad[:, window, :] += np.matmul(dZ, W[k].T)")),
)

#: scratch modules whose public functions must all appear in the catalog
MODULES: tuple[str, ...] = ("scratch.nmt_attention", "scratch.trigger_word")
