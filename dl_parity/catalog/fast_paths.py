"""Courses 2 and 5 again, written for speed: the batch-norm network's fast path
(scratch.fast_bn), the recurrent models', the encoder layer's and the skip-gram word
vectors' (scratch.fast_rnn, scratch.fast_attention, scratch.fast_word2vec), each tied to
the course's form and to PyTorch by its own parity tests."""
from __future__ import annotations

from .base import Formula

#: one heading for the fast paths of each course (after its weeks)
WEEKS: dict[str, str] = {"c2fast": "Course 2 again, written for speed: batch norm",
                         "c5fast": "Course 5 again, written for speed: recurrent models, "
                                   "attention and word vectors"}

T_RNN = "parity_tests/test_fast_rnn.py"
T_ATT = "parity_tests/test_fast_attention.py"
T_W2V = "parity_tests/test_fast_word2vec.py"
S = "scratch.fast_rnn."

_SHARDS = ("With k threads allowed (the BLAS limit in effect), the batch is split in k shards "
           "that run the whole step at once, each with its own buffers, and their gradient "
           "sums are added (scratch._blas.shard_bounds): NumPy's element-wise work runs on one "
           "core per call, so a step uses k cores only this way. ")

T_BN = "parity_tests/test_fast_bn.py"

ENTRIES: tuple[Formula, ...] = (
    Formula(
        "c2w3.fast_bn", "c2fast", "Fast path",
        "The batch-norm network trained with dropout and Adam, written for speed",
        "μ = (1/m) Z 1;  σ² = (1/m) (Z − μ)² 1;  ẑ = (z − μ)/√(σ² + ε);  z̃ = γ ẑ + β;  "
        "A = z̃ ∗ K,  K = 1(z̃ > 0) D / keep_prob\n"
        "dz̃ = (Wᵀ dZ) ∗ K;  dβ = dz̃ 1;  dγ = (dz̃ ∗ ẑ) 1;  "
        "dz = (1/m) γ/√(σ² + ε) (m dz̃ − dβ − ẑ dγ)\n"
        "Adam on one flat vector of every W, γ, β, b:  θ := θ − α v̂ / (√ŝ + ε)",
        r"dz = \frac{\gamma}{m\sqrt{\sigma^2 + \epsilon}} \Big(m\, d\tilde z - \sum_i d\tilde z^{(i)} "
        r"- \hat z \sum_i d\tilde z^{(i)} \hat z^{(i)}\Big), \quad "
        r"\theta := \theta - \alpha \frac{\hat v}{\sqrt{\hat s} + \epsilon}",
        ("scratch.fast_bn.BatchNormNet", "scratch.fast_bn.BatchNormNet.forward",
         "scratch.fast_bn.BatchNormNet.cost", "scratch.fast_bn.BatchNormNet.backward",
         "scratch.fast_bn.BatchNormNet.update", "scratch.fast_bn.BatchNormNet.step"),
        ("torch_ref.batch_norm.BatchNormNet", "torch_ref.batch_norm.train_step_bn"),
        (f"{T_BN}::test_fast_bn_forward_matches_course_form",
         f"{T_BN}::test_fast_bn_gradients_match_course_form",
         f"{T_BN}::test_fast_bn_pass_matches_course_form_any_shape",
         f"{T_BN}::test_fast_bn_steps_match_course_form",
         f"{T_BN}::test_fast_bn_matches_autograd",
         f"{T_BN}::test_fast_bn_adam_steps_match_torch",
         f"{T_BN}::test_fast_bn_bench_workload_matches_course_form"),
        torch_ops=("torch.nn.BatchNorm1d", "torch.nn.CrossEntropyLoss", "torch.optim.Adam"),
        note=("scratch.batch_norm's L_model_forward_bn / L_model_backward_bn (compact form) / "
              "update_running_stats_bn (unbiased) and the engine's Adam in buffers allocated "
              "once per batch size: the sums over the batch are products with a column of "
              "ones, the ReLU and the dropout one mask K made in the forward pass, dZ[l] "
              "written over A[l], the update a dozen operations on one flat vector of every "
              "trained array. The dropout masks are the course form's (the caller's). "
              "dl-parity bench times it (mnist-bn-64)."),
        marks=("Z *= ivar                                        # Z_norm",
               "dA *= K                                      # dZ_tilde: relu', dropout",
               "np.multiply(dA, m, out=dZ)                   # m dZ_tilde",
               "np.divide(v, 1 - b1 ** t, out=g)                     # v_corrected")),
    Formula(
        "c5.fast_rnn", "c5fast", "Fast path", "The basic RNN trained on batches, written for speed",
        "a⟨t⟩ = tanh(W [a⟨t−1⟩; 1; x⟨t⟩]),  W = [Wₐₐ | bₐ | Wₐₓ]   (one product a step)\n"
        "ŷ⟨t⟩ = softmax(W_ya a⟨t⟩ + b_y);  J = −(1/(m Tₓ)) Σ Y log ŷ\n"
        "dz⟨t⟩ = (W_yaᵀ dz_y⟨t⟩ + Wₐₐᵀ dz⟨t+1⟩) ∗ (1 − a⟨t⟩²)\n"
        "[dWₐₐ | dbₐ | dWₐₓ] = Σₜ dz⟨t⟩ [a⟨t−1⟩; 1; x⟨t⟩]ᵀ   (one product over all steps)",
        r"a^{\langle t \rangle} = \tanh(W [a^{\langle t-1 \rangle}; 1; x^{\langle t \rangle}]), \quad "
        r"dW = \sum_t dz^{\langle t \rangle} [a^{\langle t-1 \rangle}; 1; x^{\langle t \rangle}]^T",
        (S + "RNN",),
        ("torch_ref.rnn.CourseRNN", "torch_ref.rnn.sequence_train_step"),
        (f"{T_RNN}::test_fast_recurrent_matches_course_form",
         f"{T_RNN}::test_fast_recurrent_matches_torch",
         f"{T_RNN}::test_fast_recurrent_trains_like_course_form"),
        torch_ops=("torch.nn.RNN", "torch.nn.functional.cross_entropy", "torch.optim.SGD"),
        note=("scratch.rnn's rnn_forward / rnn_backward with the output layer, in another order "
              "of memory: one contiguous (n, m) block per time step, the bias as a row of "
              "ones, the output layer and the weight gradients as one product over all T_x m "
              "columns each. " + _SHARDS),
        marks=("a = blas.matmul(W, H[t], out=H[t + 1, :n_a])",
               "dz[t] *= dA[t]")),
    Formula(
        "c5.fast_lstm", "c5fast", "Fast path", "The LSTM trained on batches, written for speed",
        "[Γo; Γf; Γi] = σ(W_ofi [a⟨t−1⟩; 1; x⟨t⟩]),  c̃⟨t⟩ = tanh(W_c [a⟨t−1⟩; 1; x⟨t⟩])   "
        "(one product a step; σ(z) = (1 + tanh(z/2))/2)\n"
        "dΓo = da ∗ tanh(c) Γo(1 − Γo);  dΓf = dc ∗ c⟨t−1⟩ Γf(1 − Γf);  dΓi = dc ∗ c̃ Γi(1 − Γi);  "
        "dc̃ = dc ∗ Γi(1 − c̃²)\n"
        "[dW_h | db | dW_x] = Σₜ dΓ⟨t⟩ [a⟨t−1⟩; 1; x⟨t⟩]ᵀ",
        r"\Gamma = \sigma(W [a^{\langle t-1 \rangle}; 1; x^{\langle t \rangle}]), \quad "
        r"\sigma(z) = \tfrac{1}{2}(1 + \tanh \tfrac{z}{2})",
        (S + "LSTM",),
        ("torch_ref.rnn.CourseLSTM", "torch_ref.rnn.CourseLSTM.logits",
         "torch_ref.rnn.sequence_train_step"),
        (f"{T_RNN}::test_fast_recurrent_matches_course_form",
         f"{T_RNN}::test_fast_recurrent_matches_torch",
         f"{T_RNN}::test_fast_recurrent_trains_like_course_form"),
        torch_ops=("torch.nn.LSTM", "torch.nn.functional.cross_entropy", "torch.optim.SGD"),
        note=("scratch.rnn's lstm_forward / lstm_backward with the output layer. The four "
              "gates are stacked (o, f, i, c~) in one W, the sigmoid gates' rows halved (exact "
              "in binary) so one tanh serves all four; each gate's derivative is multiplied by "
              "its partner in the chain rule for all steps at once, so a step back is seven "
              "array operations and one product. On the CPU in float32, nn.LSTM runs oneDNN's "
              "fused RNN kernels (aten::mkldnn_rnn_layer). " + _SHARDS),
        marks=("g = blas.matmul(self._W_half, H[t], out=G[t])",
               "g[n_a:].reshape(3, n_a, -1)[...] *= dc")),
    Formula(
        "c5.fast_char_rnn", "c5fast", "Fast path", "The dinosaur model's step, written for speed",
        "optimize(X, Y, a_prev): forward through one name, L = −Σₜ log ŷ⟨t⟩[y⟨t⟩], backward, "
        "clip at 5, W := W − α dW\n(the basic RNN's fast path with a summed loss and the clip)",
        r"L = -\sum_t \log \hat y^{\langle t \rangle}_{y^{\langle t \rangle}}, \quad "
        r"W := W - \alpha\, \mathrm{clip}(dW, 5)",
        (S + "CharRNN", S + "CharRNN.optimize"),
        ("torch_ref.char_rnn.train_step", "torch_ref.char_rnn.CharRNN"),
        (f"{T_RNN}::test_char_rnn_optimize_matches_course",
         f"{T_RNN}::test_char_rnn_optimize_matches_torch"),
        torch_ops=("torch.nn.utils.clip_grad_value_", "torch.optim.SGD"),
        note=("The course's optimize (scratch.char_rnn) with fast_rnn.RNN's machinery: the "
              "one-hot inputs and targets written straight into the buffers from the index "
              "lists, one product and one tanh a step, the weight gradients as one product."),
        marks=("x[steps, [X[t] for t in steps]] = 1",
               "net._backward(blas, b, 1)")),
    Formula(
        "c5.fast_encoder_layer", "c5fast", "Fast path",
        "The encoder layer trained on a target, written for speed",
        "[Q′ | K | V] = x [Wq/√d_k | Wk | Wv] + [bq/√d_k | bk | bv]   (one product)\n"
        "x₁ = LN₁(x + MHA(x));  out = LN₂(x₁ + FFN(x₁));  J = mean((out − target)²)\n"
        "dW = xᵀ dZ over all m n positions (one product per weight)",
        r"[Q' \,|\, K \,|\, V] = x\,[W_q/\sqrt{d_k} \,|\, W_k \,|\, W_v] + b, \quad "
        r"J = \overline{(\mathrm{out} - \mathrm{target})^2}",
        ("scratch.fast_attention.EncoderLayer",),
        ("torch_ref.attention.EncoderLayer",),
        (f"{T_ATT}::test_fast_encoder_layer_matches_course_form",
         f"{T_ATT}::test_fast_encoder_layer_matches_torch",
         f"{T_ATT}::test_fast_encoder_layer_in_shards_trains_like_course_form"),
        torch_ops=("torch.nn.TransformerEncoderLayer", "torch.nn.MSELoss", "torch.optim.SGD"),
        note=("scratch.attention's encoder_layer_forward / encoder_layer_backward in buffers "
              "allocated once: the heads are strided views of [Q | K | V] and of the "
              "concatenation (never copied), 1/√d_k is folded into Wq and bq (their gradients "
              "scaled back once), softmax and the layer norms in place. " + _SHARDS),
        marks=("QKV = blas.dot(X, self._W_qkv, out=b.QKV)",
               "dS -= A")),
    Formula(
        "c5.fast_word2vec", "c5fast", "Fast path",
        "Skip-gram with negative sampling trained on batches, written for speed",
        "z_ij = θ_{t_ij} · e_{c_i}   (the m rows of E and m(1 + k) of Θ gathered once; one batched product)\n"
        "J = (1/m) Σᵢⱼ [log(1 + e^{z_ij}) − y_ij z_ij];  dz = (σ(z) − y)/m\n"
        "dE[w] = Σ_{i: cᵢ = w} Σⱼ dz_ij θ_{t_ij};  dΘ[w] = Σ_{(i,j): t_ij = w} dz_ij e_{c_i}   "
        "(summed per word after one stable sort)\n"
        "E[u] := E[u] − α dE[u],  Θ[u] := Θ[u] − α dΘ[u]   (the touched rows u only)",
        r"z_{ij} = \theta_{t_{ij}}^T e_{c_i}, \quad dz = \tfrac{1}{m}(\sigma(z) - y), \quad "
        r"E_u := E_u - \alpha \sum_{i: c_i = u} \sum_j dz_{ij} \theta_{t_{ij}}",
        ("scratch.fast_word2vec.SkipGram",),
        ("torch_ref.word2vec.SkipGram", "torch_ref.word2vec.train_step"),
        (f"{T_W2V}::test_fast_word2vec_matches_course_form",
         f"{T_W2V}::test_fast_word2vec_trains_like_course_form",
         f"{T_W2V}::test_fast_word2vec_bench_batches",
         f"{T_W2V}::test_fast_word2vec_matches_torch"),
        torch_ops=("torch.nn.Embedding", "torch.nn.BCEWithLogitsLoss", "torch.optim.SGD"),
        note=("scratch.word2vec's negative_sampling_forward / _backward / update_parameters "
              "without np.add.at and without the dense V x n gradients: the indices sorted "
              "once (a stable radix sort of uint16 keys), each word's rows added in the "
              "batch's order (rank by rank for the words met a few times, a running sum for "
              "the frequent ones), so the sums are np.add.at's bit for bit; only the touched "
              "rows are updated."),
        marks=("np.matmul(theta_t, e_c[:, :, np.newaxis], out=z[:, :, np.newaxis])",
               "sums[heavy:n_r] += rows[order[starts[heavy:n_r] + r]]",
               "matrix[u] -= sums")),
)

#: scratch modules whose public functions must all appear in the catalog (these define
#: classes only; the entries above list them)
MODULES: tuple[str, ...] = ("scratch.fast_bn", "scratch.fast_rnn", "scratch.fast_attention",
                            "scratch.fast_word2vec")
