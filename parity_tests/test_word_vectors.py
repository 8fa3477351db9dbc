"""Course 5, week 2, "Operations on word vectors" and the embedding lookup: scratch's course
functions (a dict word -> vector, a loop over it) against torch_ref's (the vocabulary as one
matrix, F.cosine_similarity over every row at once) and nn.Embedding.

Data: V words "w0".."w{V-1}" with vectors drawn N(0, 1/n) (norms about 1), so every dot
product and norm is O(1) and the tolerances of ``_tolerances`` apply as they are.

Tolerances (2 gamma_n, n the rounding steps of the longest chain):
- cosine similarity: the dot product and the two squared norms (n terms each), a square
  root and a division (ELEMENTWISE_OPS each): 2 n + 2 E.
- analogy: the differences e_b - e_a and e_w - e_c (one rounding each) before the cosine.
- neutralize: two dot products over n, a division, a product, a difference: 2 n + E.
- equalize: its dot products, norms and square roots (4 n + 4 E steps), times the
  condition numbers of its two cancellations, computed from the data (never from the
  measured error): 1 / |1 - ||mu_orth||^2| under the square root, and
  ||e_w1|| / ||e_w1 - mu|| in the denominator (a pair of close vectors divides by a small
  difference).
- the embedding lookup copies rows: exactly equal (0 tolerance); its backward sums, for
  each word, the upstream rows of its occurrences: n = the largest count.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from parity_tests._tolerances import ELEMENTWISE_OPS as E, tolerance
from scratch import embedding as Em
from scratch import word_vectors as W
from torch_ref import emojify as TE
from torch_ref import word_vectors as T

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def t(a, device, dtype=None):
    return torch.as_tensor(np.asarray(a), device=device, dtype=dtype)


def word_map(rng, V, n, dtype=np.float64):
    return {f"w{i}": (rng.standard_normal(n) / math.sqrt(n)).astype(dtype) for i in range(V)}


# ============================================================================ cosine similarity
@pytest.mark.parametrize("dtype", DTYPES)
@given(n=st.integers(1, 64), seed=st.integers(0, 2 ** 32 - 1))
def test_cosine_similarity_parity(device, parity, dtype, n, seed):
    rng = np.random.default_rng(seed)
    u, v = (rng.standard_normal(n) / math.sqrt(n) for _ in range(2))
    u, v = u.astype(dtype), v.astype(dtype)
    cos = W.cosine_similarity(u, v)
    cos_t = T.cosine_similarity(t(u, device), t(v, device))
    parity.close("u . v / (||u|| ||v||)", cos_t, np.asarray(cos), **tolerance(dtype, 2 * n + 2 * E),
                 formula="c5.cosine_similarity")


def test_cosine_similarity_course_cases():
    """The notebook's public test, and its two special cases (u == v -> 1, a zero norm -> 0)."""
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-10, 10, 10), rng.uniform(-10, 10, 10)
    c = rng.uniform(-1, 1, 23)
    assert np.isclose(W.cosine_similarity(a, a), 1)
    assert np.isclose(W.cosine_similarity((c >= 0) * 1, (c < 0) * 1), 0)
    assert np.isclose(W.cosine_similarity(a, -a), -1)
    assert np.isclose(W.cosine_similarity(a, b), W.cosine_similarity(a * 2, b * 4))
    assert W.cosine_similarity(np.zeros(3), np.zeros(3)) == 1
    assert W.cosine_similarity(np.zeros(3), np.ones(3)) == 0


# ============================================================================ analogy
#: the notebook's controlled map (complete_analogy_test)
COURSE_MAP = {"a": [3, 3], "synonym_of_a": [3, 3], "a_nw": [2, 4], "a_s": [3, 2], "c": [-2, 1],
              "c_n": [-2, 2], "c_ne": [-1, 2], "c_e": [-1, 1], "c_se": [-1, 0], "c_s": [-2, 0],
              "c_sw": [-3, 0], "c_w": [-3, 1], "c_nw": [-3, 2]}


def test_complete_analogy_course_cases(device):
    word_to_vec_map = {k: np.array(v) for k, v in COURSE_MAP.items()}
    assert W.complete_analogy("a", "a_nw", "c", word_to_vec_map) == "c_nw"
    assert W.complete_analogy("a", "a_s", "c", word_to_vec_map) == "c_s"
    assert W.complete_analogy("a", "synonym_of_a", "c", word_to_vec_map) != "c"
    assert W.complete_analogy("a", "c", "a", word_to_vec_map) == "c"
    assert W.complete_analogy("A", "A_NW", "C", word_to_vec_map) == "c_nw"     # lower-cased
    words, vectors = T.vectors_from_map(word_to_vec_map, device=device)
    assert T.complete_analogy("a", "a_nw", "c", words, vectors)[0] == "c_nw"
    assert T.complete_analogy("a", "a_s", "c", words, vectors)[0] == "c_s"


@pytest.mark.parametrize("dtype", DTYPES)
@given(V=st.integers(4, 40), n=st.integers(2, 32), seed=st.integers(0, 2 ** 32 - 1))
def test_complete_analogy_parity(device, parity, dtype, V, n, seed):
    """The same best word from the loop over the dict and from one argmax over the matrix,
    whenever the two largest similarities are further apart than the tolerance (else either
    is right), and the same similarity for it."""
    rng = np.random.default_rng(seed)
    word_to_vec_map = word_map(rng, V, n, dtype)
    a, b, c = (f"w{i}" for i in rng.choice(V, 3, replace=False))
    best = W.complete_analogy(a, b, c, word_to_vec_map)
    words, vectors = T.vectors_from_map(word_to_vec_map, TORCH_DTYPE[dtype], device)
    best_t, similarities = T.complete_analogy(a, b, c, words, vectors)
    tol = tolerance(dtype, 2 * n + 2 * E + 2)
    e = word_to_vec_map
    parity.close("max_w cos(e_b - e_a, e_w - e_c)", similarities[words.index(best)],
                 np.asarray(W.cosine_similarity(e[b] - e[a], e[best] - e[c])), **tol,
                 formula="c5.complete_analogy")
    top2 = torch.topk(similarities, 2).values.cpu().numpy()
    if top2[0] - top2[1] > 2 * (tol["atol"] + tol["rtol"]):
        assert best_t == best


# ============================================================================ debiasing
@pytest.mark.parametrize("dtype", DTYPES)
@given(n=st.integers(2, 64), seed=st.integers(0, 2 ** 32 - 1))
def test_neutralize_parity(device, parity, dtype, n, seed):
    rng = np.random.default_rng(seed)
    word_to_vec_map = word_map(rng, 3, n, dtype)
    g = word_to_vec_map["w1"] - word_to_vec_map["w2"]            # e.g. e_woman - e_man
    e_debiased = W.neutralize("w0", g, word_to_vec_map)
    e_t = T.neutralize(t(word_to_vec_map["w0"], device), t(g, device))
    tol = tolerance(dtype, 2 * n + E)
    parity.close("e - (e . g / ||g||^2) g", e_t, e_debiased, **tol, formula="c5.debiasing")
    # what neutralizing is for: no component along g is left (to the rounding of the dot product)
    assert abs(np.dot(e_debiased, g)) <= tol["atol"] * np.linalg.norm(g) * 4


@pytest.mark.parametrize("dtype", DTYPES)
@given(n=st.integers(2, 64), seed=st.integers(0, 2 ** 32 - 1))
def test_equalize_parity(device, parity, dtype, n, seed):
    rng = np.random.default_rng(seed)
    word_to_vec_map = {w: (0.6 * v).astype(dtype)
                       for w, v in word_map(rng, 4, n).items()}          # norms about 0.6
    bias_axis = word_to_vec_map["w2"] - word_to_vec_map["w3"]
    e1, e2 = W.equalize(("w0", "w1"), bias_axis, word_to_vec_map)
    e_w1, e_w2 = (t(word_to_vec_map[w], device) for w in ("w0", "w1"))
    e1_t, e2_t = T.equalize(e_w1, e_w2, t(bias_axis, device))
    # the condition numbers of the two cancellations, from the data
    x = {w: v.astype(np.float64) for w, v in word_to_vec_map.items()}
    b = bias_axis.astype(np.float64)
    mu = (x["w0"] + x["w1"]) / 2
    mu_orth = mu - np.dot(mu, b) / np.dot(b, b) * b
    under_sqrt = 1 / abs(1 - np.dot(mu_orth, mu_orth))
    denominator = max(np.linalg.norm(x[w]) / np.linalg.norm(x[w] - mu) for w in ("w0", "w1"))
    condition = max(1.0, under_sqrt) * max(1.0, denominator)
    tol = tolerance(dtype, math.ceil((4 * n + 4 * E) * condition))
    parity.close("e1 = e_w1B_corrected + mu_orth", e1_t, e1, **tol, formula="c5.debiasing")
    parity.close("e2 = e_w2B_corrected + mu_orth", e2_t, e2, **tol, formula="c5.debiasing")


def test_equalize_makes_the_pair_symmetric():
    """After equalizing, the pair differs only along the bias axis, by opposite amounts, and is
    equally far from any neutralized word."""
    rng = np.random.default_rng(3)
    word_to_vec_map = {w: 0.6 * v for w, v in word_map(rng, 5, 16).items()}
    g = word_to_vec_map["w2"] - word_to_vec_map["w3"]
    e1, e2 = W.equalize(("w0", "w1"), g, word_to_vec_map)
    along = lambda v: np.dot(v, g) / np.dot(g, g) * g              # noqa: E731
    np.testing.assert_allclose((e1 - along(e1)), (e2 - along(e2)), atol=1e-15)
    np.testing.assert_allclose(along(e1), -along(e2), atol=1e-15)
    neutral = W.neutralize("w4", g, word_to_vec_map)
    assert np.isclose(np.linalg.norm(e1 - neutral), np.linalg.norm(e2 - neutral), rtol=1e-12)


# ============================================================================ embedding lookup
@pytest.mark.parametrize("dtype", DTYPES)
@given(V=st.integers(1, 12), n=st.integers(1, 8), m=st.integers(1, 4), T_x=st.integers(1, 6),
       seed=st.integers(0, 2 ** 32 - 1))
def test_embedding_parity(device, parity, dtype, V, n, m, T_x, seed):
    """e_w = E[w] beside nn.Embedding: the same rows out (exactly); dE with every occurrence
    of a word added (V <= 12 rows for m T_x <= 24 positions: words repeat)."""
    rng = np.random.default_rng(seed)
    E_ = rng.standard_normal((V, n)).astype(dtype)
    indices = rng.integers(0, V, size=(m, T_x))
    d_out = rng.standard_normal((m, T_x, n)).astype(dtype)
    out, cache = Em.embedding_forward(indices, E_)
    dE = Em.embedding_backward(d_out, cache)
    embedding = torch.nn.Embedding(V, n, device=device, dtype=TORCH_DTYPE[dtype])
    with torch.no_grad():
        embedding.weight.copy_(t(E_, device))
    out_t = embedding(t(indices, device, torch.long))
    out_t.backward(t(d_out, device))
    parity.close("e_w = E[w]", out_t, out, rtol=0, atol=0, formula="c5.embedding")
    count = int(np.bincount(indices.ravel()).max())
    parity.close("dE[w] = sum of d_out over w's positions", embedding.weight.grad, dE,
                 **tolerance(dtype, count), formula="c5.embedding")


def test_embedding_gradient_check():
    rng = np.random.default_rng(4)
    E_ = rng.standard_normal((5, 3))
    indices = np.array([[0, 2, 2, 4], [2, 1, 0, 0]])               # repeated words
    d_out = rng.standard_normal((2, 4, 3))
    dE = Em.embedding_backward(d_out, Em.embedding_forward(indices, E_)[1])
    eps, approx = 1e-7, np.zeros_like(E_)
    for index in np.ndindex(E_.shape):
        plus, minus = E_.copy(), E_.copy()
        plus[index] += eps
        minus[index] -= eps
        approx[index] = (np.sum(d_out * Em.embedding_forward(indices, plus)[0])
                         - np.sum(d_out * Em.embedding_forward(indices, minus)[0])) / (2 * eps)
    difference = np.linalg.norm(dE - approx) / (np.linalg.norm(dE) + np.linalg.norm(approx))
    assert difference < 1e-7, difference
    assert np.all(dE[3] == 0)                                      # a word never looked up


def test_pretrained_embedding_matches_the_course_layer(device, parity):
    """The course's pretrained_embedding_layer test: the matrix it builds, then the layer
    (nn.Embedding.from_pretrained, frozen) applied to sentences_to_indices' output."""
    from scratch import emojify

    word_to_vec_map = {k: np.array(v) for k, v in {**COURSE_MAP, "a_n": [3, 4]}.items()}
    keys = ["a", "synonym_of_a", "a_nw", "a_s", "a_n", "c", "c_n", "c_ne", "c_e", "c_se", "c_s",
            "c_sw", "c_w", "c_nw"]
    word_to_vec_map = {k: word_to_vec_map[k] for k in keys}
    word_to_index = {w: i for i, w in enumerate(keys)}
    emb_matrix = emojify.pretrained_embedding_layer(word_to_vec_map, word_to_index)
    np.testing.assert_array_equal(emb_matrix, [[3, 3], [3, 3], [2, 4], [3, 2], [3, 4], [-2, 1],
                                               [-2, 2], [-1, 2], [-1, 1], [-1, 0], [-2, 0],
                                               [-3, 0], [-3, 1], [-3, 2], [0, 0]])
    X_indices = emojify.sentences_to_indices(np.array(["a c_nw", "c_e c_e c_e"]),
                                             {w: i + 1 for i, w in enumerate(keys)}, 4)
    out, _ = Em.embedding_forward(X_indices, np.vstack([np.zeros(2), emb_matrix[:-1]]))
    layer = TE.pretrained_embedding(np.vstack([np.zeros(2), emb_matrix[:-1]]), device=device)
    assert not layer.weight.requires_grad
    parity.close("Embedding(X_indices)", layer(t(X_indices, device, torch.long)), out, rtol=0,
                 atol=0, formula="c5.emojify_v2_inputs")


# ============================================================================ bad input
def _bad_inputs():
    word_to_vec_map = {k: np.array(v, dtype=np.float64) for k, v in COURSE_MAP.items()}
    return {
        "cosine of vectors of different sizes":
            (lambda: W.cosine_similarity(np.ones(3), np.ones(4)), "same shape"),
        "cosine of a matrix":
            (lambda: W.cosine_similarity(np.ones((2, 3)), np.ones((2, 3))), "rank 1"),
        "analogy with a word not in the vocabulary":
            (lambda: W.complete_analogy("a", "queen", "c", word_to_vec_map),
             "word_b: 'queen' is not in the vocabulary"),
        "analogy with a number for a word":
            (lambda: W.complete_analogy("a", 3, "c", word_to_vec_map), "word_b: expected a word"),
        "neutralize a word not in the vocabulary":
            (lambda: W.neutralize("receptionist", np.ones(2), word_to_vec_map),
             "'receptionist' is not in the vocabulary"),
        "neutralize along an axis of the wrong size":
            (lambda: W.neutralize("a", np.ones(3), word_to_vec_map), "g: expected shape"),
        "neutralize along a zero axis":
            (lambda: W.neutralize("a", np.zeros(2), word_to_vec_map), "non-zero bias axis"),
        "equalize three words":
            (lambda: W.equalize(("a", "c", "c_n"), np.ones(2), word_to_vec_map), "two words"),
        "equalize a pair with the same vector":
            (lambda: W.equalize(("a", "synonym_of_a"), np.ones(2), word_to_vec_map),
             "same vector"),
        "word vectors of different sizes":
            (lambda: W.neutralize("a", np.ones(2), {**word_to_vec_map, "x": np.ones(3)}),
             "same shape"),
        "embedding index out of the vocabulary":
            (lambda: Em.embedding_forward(np.array([[0, 5]]), np.ones((5, 2))), r"\[0, 5\)"),
        "embedding indices that are not integers":
            (lambda: Em.embedding_forward(np.array([0.5]), np.ones((5, 2))), "integer"),
        "embedding upstream gradient of the wrong shape":
            (lambda: Em.embedding_backward(np.ones((2, 3)),
                                           Em.embedding_forward(np.array([0, 1]),
                                                                np.ones((5, 2)))[1]), "d_out"),
        "torch analogy with an unknown word":
            (lambda: T.complete_analogy("a", "zz", "c", *T.vectors_from_map(word_to_vec_map)),
             "'zz' is not in the vocabulary"),
    }


BAD_INPUTS = _bad_inputs()


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input(case):
    call, match = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=match):
        call()
