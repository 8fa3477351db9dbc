"""Course 5 ("Sequence Models"), week 2: word embeddings (scratch.embedding, word_vectors,
emojify, word2vec beside their torch_ref twins). Gathered by dl_parity/catalog/__init__.py."""
from __future__ import annotations

from .base import Formula

#: week key -> heading (shown in this order, after week 1's)
WEEKS: dict[str, str] = {"c5w2": "Course 5, week 2: word embeddings"}

T_WV = "parity_tests/test_word_vectors.py"
T_EM = "parity_tests/test_emojify.py"
T_W2V = "parity_tests/test_word2vec.py"

ENTRIES: tuple[Formula, ...] = (
    Formula(
        "c5.embedding", "c5w2", "Word embeddings", "The embedding lookup",
        "e_w = E o_w = E[w]  (one row of E per word)\n"
        "dE[w] = Σ over the positions p with indices[p] = w of d_out[p]",
        r"e_w = E\,o_w = E_{w,:}, \qquad dE_{w,:} = \textstyle\sum_{p:\,i_p = w} d\mathrm{out}_{p,:}",
        ("scratch.embedding.embedding_forward", "scratch.embedding.embedding_backward"),
        ("torch_ref.emojify.pretrained_embedding",),
        (f"{T_WV}::test_embedding_parity", f"{T_WV}::test_embedding_gradient_check"),
        torch_ops=("torch.nn.Embedding",),
        note="The lectures write E (emb_dim, vocab) and e_w = E o_w; multiplying by a one-hot "
             "vector picks a column, so every framework stores E one ROW per word (vocab, "
             "emb_dim) and looks it up: nn.Embedding.weight is that matrix as it is. The "
             "backward adds the rows of repeated words (np.add.at; dE[indices] += d_out would "
             "keep one of them).",
        marks=("out = E[indices]", "np.add.at(dE, indices, d_out)")),
    Formula(
        "c5.cosine_similarity", "c5w2", "Word vectors", "Cosine similarity",
        "CosineSimilarity(u, v) = u · v / (‖u‖₂ ‖v‖₂) = cos θ",
        r"\mathrm{CosineSimilarity}(u, v) = \frac{u \cdot v}{\lVert u\rVert_2 \lVert v\rVert_2} = \cos\theta",
        ("scratch.word_vectors.cosine_similarity",),
        ("torch_ref.word_vectors.cosine_similarity",),
        (f"{T_WV}::test_cosine_similarity_parity", f"{T_WV}::test_cosine_similarity_course_cases"),
        torch_ops=("torch.nn.functional.cosine_similarity",),
        note="The course's special cases: 1 when u == v (two zero vectors included), 0 when a "
             "norm is 0. F.cosine_similarity divides by max(‖u‖ ‖v‖, 1e-8) instead: the same "
             "number wherever both norms are clearly non-zero.",
        marks=("dot = np.dot(u, v)", "cosine_similarity = dot / (norm_u * norm_v)")),
    Formula(
        "c5.complete_analogy", "c5w2", "Word vectors", "Word analogies",
        "a : b :: c : d with d = argmax_w CosineSimilarity(e_b − e_a, e_w − e_c), w ≠ c",
        r"d = \arg\max_{w \ne c} \cos(e_b - e_a,\; e_w - e_c)",
        ("scratch.word_vectors.complete_analogy",),
        ("torch_ref.word_vectors.complete_analogy", "torch_ref.word_vectors.vectors_from_map"),
        (f"{T_WV}::test_complete_analogy_parity", f"{T_WV}::test_complete_analogy_course_cases"),
        torch_ops=("torch.nn.functional.cosine_similarity", "torch.argmax"),
        note="The course loops over the dict; PyTorch keeps the vocabulary as one matrix (the "
             "dict's order is the rows' order) and takes every cosine at once, word_c's set to "
             "−inf; argmax returns the first maximum, as the course's strict >.",
        marks=("cosine_sim = cosine_similarity.unchecked(e_b - e_a, word_to_vec_map[w] - e_c)",
               "if cosine_sim > max_cosine_sim:")),
    Formula(
        "c5.debiasing", "c5w2", "Word vectors", "Debiasing: neutralize and equalize",
        "e_bias = (e · g / ‖g‖₂²) g, e_debiased = e − e_bias\n"
        "μ = (e_w1 + e_w2) / 2, μ_B = (μ · b / ‖b‖₂²) b, μ⊥ = μ − μ_B\n"
        "e_w1B,corr = √|1 − ‖μ⊥‖₂²| (e_w1B − μ_B) / ‖(e_w1 − μ⊥) − μ_B‖₂\n"
        "e1 = e_w1B,corr + μ⊥ (the same for e2)",
        r"e^{debiased} = e - \frac{e\cdot g}{\lVert g\rVert_2^2} g, \qquad "
        r"e_1 = \sqrt{|1 - \lVert\mu_\perp\rVert_2^2|}\,\frac{e_{w1B} - \mu_B}"
        r"{\lVert (e_{w1} - \mu_\perp) - \mu_B\rVert_2} + \mu_\perp",
        ("scratch.word_vectors.neutralize", "scratch.word_vectors.equalize"),
        ("torch_ref.word_vectors.neutralize", "torch_ref.word_vectors.equalize"),
        (f"{T_WV}::test_neutralize_parity", f"{T_WV}::test_equalize_parity",
         f"{T_WV}::test_equalize_makes_the_pair_symmetric"),
        note="Bolukbasi et al. (2016) as the notebook's equations (4)-(12). On word vectors "
             "trained on the sonnets these operations run but show little: see the README.",
        marks=("e_biascomponent = np.dot(e, g) / np.sum(g * g) * g",
               "mu_orth = mu - mu_B", "e1 = corrected_e_w1B + mu_orth")),
    Formula(
        "c5.emojify_v1", "c5w2", "Emojify", "Emojifier-V1: averaged word vectors into a softmax",
        "avg = (1/count) Σ e_w over the sentence's known words\n"
        "z = W avg + b, a = softmax(z), L = −Σₖ Y_oh,k log aₖ\n"
        "dz = a − Y_oh, dW = dz avgᵀ, db = dz; W −= α dW, b −= α db (one sentence a step)",
        r"z = W\,\mathrm{avg} + b, \quad a = \mathrm{softmax}(z), \quad "
        r"\mathcal{L} = -\textstyle\sum_k Y_{oh,k}\log a_k, \quad dW = (a - Y_{oh})\,\mathrm{avg}^T",
        ("scratch.emojify.sentence_to_avg", "scratch.emojify.model_step", "scratch.emojify.model",
         "scratch.emojify.predict", "scratch.emojify.softmax", "scratch.emojify.convert_to_one_hot"),
        ("torch_ref.emojify.EmojifyV1", "torch_ref.emojify.train_step", "torch_ref.emojify.sgd"),
        (f"{T_EM}::test_sentence_average_parity", f"{T_EM}::test_model_step_parity",
         f"{T_EM}::test_lockstep_parity", f"{T_EM}::test_model_course_case",
         f"{T_EM}::test_sentence_to_avg_course_cases"),
        torch_ops=("torch.nn.EmbeddingBag", "torch.nn.Linear", "torch.nn.CrossEntropyLoss",
                   "torch.optim.SGD"),
        note="nn.EmbeddingBag(mode='mean') over the frozen vectors is the average (an empty bag "
             "gives 0, as the course's sentence of unknown words); nn.Linear holds W, b as they "
             "are; CrossEntropyLoss takes the logits (log-softmax inside). The course's model "
             "prints its published costs (0.05105772513207823 at epoch 0 of its unit test); the "
             "two sides train in lockstep through the engine on a generated emoji set.",
        marks=("avg += word_to_vec_map[w]", "z = np.dot(W, avg) + b",
               "dW = np.dot(dz.reshape(n_y, 1), avg.reshape(1, n_h))",
               "W = W - learning_rate * dW")),
    Formula(
        "c5.emojify_v2_inputs", "c5w2", "Emojify", "Emojifier-V2's inputs: indices and the "
        "pretrained embedding",
        "X_indices[i, j] = word_to_index[j-th known word of sentence i], zero-padded\n"
        "emb_matrix[word_to_index[w]] = e_w, row 0 (padding) = 0",
        r"X_{ij} = \mathrm{index}(w_{ij}), \qquad E_{\mathrm{index}(w),:} = e_w",
        ("scratch.emojify.sentences_to_indices", "scratch.emojify.pretrained_embedding_layer"),
        ("torch_ref.emojify.pretrained_embedding", "torch_ref.emojify.EmojifyV1.bags"),
        (f"{T_WV}::test_pretrained_embedding_matches_the_course_layer",
         f"{T_EM}::test_sentences_to_indices_course_case"),
        torch_ops=("torch.nn.Embedding.from_pretrained",),
        note="The course's Keras Embedding(vocab_size, emb_dim, trainable=False) holds one "
             "matrix: in NumPy the layer is that matrix, in PyTorch "
             "nn.Embedding.from_pretrained(emb_matrix, freeze=True).",
        marks=("X_indices[i, j] = word_to_index[w]", "emb_matrix[idx, :] = word_to_vec_map[word]")),
    Formula(
        "c5.word2vec", "c5w2", "Word2Vec", "Skip-gram with negative sampling",
        "P(y = 1 | c, t) = σ(θ_tᵀ e_c); k negatives drawn from P(w) ∝ f(w)^¾\n"
        "J = (1/m) Σᵢ Σⱼ [log(1 + e^{zᵢⱼ}) − yᵢⱼ zᵢⱼ], zᵢⱼ = θ_{tᵢⱼ}ᵀ e_{cᵢ}",
        r"P(y = 1 \mid c, t) = \sigma(\theta_t^T e_c), \qquad "
        r"J = \frac{1}{m}\sum_i \sum_{j=0}^{k} \big[\log(1 + e^{z_{ij}}) - y_{ij} z_{ij}\big]",
        ("scratch.word2vec.negative_sampling_forward", "scratch.word2vec.load_sonnets",
         "scratch.word2vec.build_vocabulary", "scratch.word2vec.skipgram_pairs",
         "scratch.word2vec.negative_sampling_distribution", "scratch.word2vec.word_vectors"),
        ("torch_ref.word2vec.SkipGram", "torch_ref.word2vec.cost", "torch_ref.word2vec.labels_for"),
        (f"{T_W2V}::test_negative_sampling_parity", f"{T_W2V}::test_sonnets_corpus",
         f"{T_W2V}::test_large_logits_stay_finite"),
        torch_ops=("torch.nn.Embedding", "torch.nn.BCEWithLogitsLoss", "torch.bmm"),
        note="The lecture's notation: a context word c and a target t within ±window; E holds "
             "the e_c (the word vectors), Θ the θ_t, two nn.Embedding tables in PyTorch. The "
             "k + 1 logistic problems per pair are BCEWithLogitsLoss(reduction='sum') / m. "
             "Trained on Shakespeare's sonnets (GloVe is not available offline).",
        marks=("z = np.matmul(theta_t, e_c[:, :, np.newaxis])[:, :, 0]",
               "cost = np.sum(np.logaddexp(0, z) - y * z) / m",
               "P = weights / np.sum(weights)")),
    Formula(
        "c5.word2vec_backward", "c5w2", "Word2Vec", "Skip-gram backward and SGD",
        "dzᵢⱼ = (σ(zᵢⱼ) − yᵢⱼ) / m\n"
        "dθ_{tᵢⱼ} += dzᵢⱼ e_{cᵢ}, de_{cᵢ} += Σⱼ dzᵢⱼ θ_{tᵢⱼ} (rows of repeated words add)\n"
        "E −= α dE, Θ −= α dΘ",
        r"dz_{ij} = \frac{\sigma(z_{ij}) - y_{ij}}{m}, \quad d\theta_{t_{ij}} \mathrel{+}= dz_{ij} e_{c_i}, "
        r"\quad de_{c_i} \mathrel{+}= \textstyle\sum_j dz_{ij}\theta_{t_{ij}}",
        ("scratch.word2vec.negative_sampling_backward", "scratch.word2vec.update_parameters"),
        ("torch_ref.word2vec.SkipGram.course_gradients", "torch_ref.word2vec.sgd"),
        (f"{T_W2V}::test_negative_sampling_parity", f"{T_W2V}::test_negative_sampling_gradient_check"),
        torch_ops=("torch.nn.Embedding", "torch.optim.SGD"),
        note="nn.Embedding's dense gradient is 0 in the rows a batch does not use, so SGD leaves "
             "them where they are, as the NumPy side's np.add.at.",
        marks=("dz = (np.exp(-np.logaddexp(0, -z)) - y) / m", "np.add.at(dTheta, t, d_theta_t)")),
    Formula(
        "c5.word2vec_model", "c5w2", "Word2Vec", "Training the word vectors in lockstep",
        "each epoch: the pairs shuffled and k negatives per pair drawn ONCE by NumPy\n"
        "both sides: forward, backward, SGD on the same batch, one step each in turn",
        r"\theta^{(s+1)} = \theta^{(s)} - \alpha \nabla J_{B_s}(\theta^{(s)}) \text{ on both sides}",
        ("scratch.word2vec.negative_sampling_batches", "scratch.word2vec.initialize_parameters"),
        ("torch_ref.word2vec.train_step",),
        (f"{T_W2V}::test_lockstep_parity", f"{T_W2V}::test_lockstep_catches_a_wrong_learning_rate"),
        torch_ops=("torch.optim.SGD",),
        note="dl-parity train --dataset sonnets (dl_parity.models.word2vec) runs it through the "
             "engine; the README says what the vectors can and cannot show on 17,672 words.",
        marks=("negatives = rng.choice(len(P), size=(len(c), k), p=P)",
               "E = (rng.rand(vocab_size, emb_dim) - 0.5) / emb_dim")),
)

#: scratch modules whose public functions must all appear in the catalog
MODULES: tuple[str, ...] = ("scratch.embedding", "scratch.word_vectors", "scratch.emojify",
                            "scratch.word2vec")
