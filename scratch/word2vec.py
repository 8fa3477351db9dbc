"""Course 5, week 2 (lectures "Word2Vec" and "Negative Sampling"): skip-gram word vectors
with negative sampling, trained here because the course's GloVe file is not available
offline. The corpus is Shakespeare's sonnets, shipped in ``data/shakespeare/sonnets.txt``
(source and sha256: ``data/SOURCES.md``).

The lecture's notation: a context word c (the word in the middle) and a target word t
picked within +-window words of it. e_c = E o_c is c's embedding (here E is stored one row
per word, e_c = E[c], see :mod:`scratch.embedding`); theta_t is t's parameter vector
(a second matrix Theta, one row per word).

    P(y = 1 | c, t) = sigma(theta_t^T e_c)
    for each (c, t) pair: y = 1 for the true target, and k negative words drawn from
    P(w) = f(w)^(3/4) / sum_j f(j)^(3/4)  (f the words' frequencies) with y = 0:
    k + 1 binary logistic-regression problems instead of a softmax over the vocabulary.

For a batch of m pairs, z_ij = theta_{t_ij}^T e_{c_i} (j = 0 the true target, 1..k the
negatives) and the cost is the binary cross-entropy summed over the k + 1 problems and
averaged over the m pairs:

    J = (1/m) sum_i sum_j [ log(1 + e^{z_ij}) - y_ij z_ij ]
      = -(1/m) sum_i [ log sigma(z_i0) + sum_{j>=1} log(1 - sigma(z_ij)) ]

(``log(1 + e^z)`` is computed as ``np.logaddexp(0, z)``: no overflow). Backward:

    dz_ij = (sigma(z_ij) - y_ij) / m
    d theta_{t_ij} += dz_ij e_{c_i};   d e_{c_i} += sum_j dz_ij theta_{t_ij}
    dE = the rows d e_c added into the rows c (a word met twice gets both);  dTheta likewise

Update: plain SGD, E := E - alpha dE, Theta := Theta - alpha dTheta. The word vectors are
the rows of E.

Left out on purpose (word2vec's tools, not the lecture's formulas): the subsampling of
frequent words and the random window width; negatives are drawn with replacement and may
equal the true target, as the lecture's sampling does not exclude it.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

from ._validate import checked
from ._validate_c5 import (check_build_vocabulary, check_initialize_word2vec,
                           check_negative_sampling_backward, check_negative_sampling_batches,
                           check_negative_sampling_forward, check_sampling_distribution,
                           check_skipgram_pairs, check_update_word2vec, check_path,
                           check_word_vectors)

#: the sonnets, shipped with the package (source and sha256: data/SOURCES.md)
SONNETS_PATH = Path(__file__).resolve().parent / "data" / "shakespeare" / "sonnets.txt"

#: a word: letters, with inner apostrophes kept ("feed'st", "beauty's")
WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


@checked(check_path)
def load_sonnets(path=None):
    """The corpus as a list of words: the text lower-cased, words as :data:`WORD` finds them
    (punctuation and line breaks dropped). Default: the shipped sonnets (17,672 words)."""
    path = SONNETS_PATH if path is None else Path(path)
    text = path.read_text()
    return WORD.findall(text.lower())


@checked(check_build_vocabulary)
def build_vocabulary(words, min_count=1):
    """Index the words that occur at least ``min_count`` times, most frequent first (ties in
    alphabetical order).

    Returns:
        (word_to_index, index_to_word, counts): dict word -> 0..V-1, the inverse dict, and
        counts (V,) the number of occurrences of each index.
    """
    frequency = Counter(words)
    kept = sorted((w for w, n in frequency.items() if n >= min_count),
                  key=lambda w: (-frequency[w], w))
    word_to_index = {w: i for i, w in enumerate(kept)}
    index_to_word = {i: w for i, w in enumerate(kept)}
    counts = np.array([frequency[w] for w in kept], dtype=np.int64)
    return word_to_index, index_to_word, counts


@checked(check_skipgram_pairs)
def skipgram_pairs(indices, window):
    """Every (context c, target t) pair with t within +-window positions of c (t != c's
    position), in corpus order.

    Args:
        indices: (N,) the corpus as word indices (words outside the vocabulary removed).
        window: a positive integer.
    Returns:
        (c, t): two (n_pairs,) integer arrays.
    """
    contexts, targets = [], []
    N = len(indices)
    for i in range(N):
        for j in range(max(0, i - window), min(N, i + window + 1)):
            if j != i:
                contexts.append(indices[i])
                targets.append(indices[j])
    return np.array(contexts, dtype=np.int64), np.array(targets, dtype=np.int64)


@checked(check_sampling_distribution)
def negative_sampling_distribution(counts, power=0.75):
    """P(w) = f(w)^(3/4) / sum_j f(j)^(3/4): between the frequencies (power 1) and the
    uniform distribution (power 0), the lecture's heuristic.

    Returns:
        P (V,), float64, summing to 1.
    """
    weights = np.asarray(counts, dtype=np.float64) ** power
    P = weights / np.sum(weights)
    return P


@checked(check_negative_sampling_batches)
def negative_sampling_batches(c, t, P, k, batch_size, seed):
    """One epoch of skip-gram mini-batches with their negatives, drawn by NumPy:
    ``rng = np.random.RandomState(seed)``, the pairs shuffled by ``rng.permutation``, then
    k negatives per pair from P (``rng.choice``, with replacement), cut into batches of
    ``batch_size`` pairs (the last one smaller if the pairs do not divide).

    Returns:
        a list of (c_batch (B,), t_batch (B, 1 + k)): column 0 of t_batch is the true target
        (y = 1), columns 1..k the negatives (y = 0).
    """
    rng = np.random.RandomState(seed)
    permutation = rng.permutation(len(c))
    negatives = rng.choice(len(P), size=(len(c), k), p=P)
    c_shuffled = c[permutation]
    targets = np.concatenate([t[permutation][:, np.newaxis], negatives], axis=1)
    return [(c_shuffled[s:s + batch_size], targets[s:s + batch_size])
            for s in range(0, len(c), batch_size)]


@checked(check_initialize_word2vec)
def initialize_parameters(vocab_size, emb_dim, seed=1):
    """word2vec's own initialisation: E uniform in [-0.5/emb_dim, 0.5/emb_dim), Theta = 0
    (``RandomState(seed)``).

    Returns:
        {"E": (vocab_size, emb_dim), "Theta": (vocab_size, emb_dim)}.
    """
    rng = np.random.RandomState(seed)
    E = (rng.rand(vocab_size, emb_dim) - 0.5) / emb_dim
    Theta = np.zeros((vocab_size, emb_dim))
    return {"E": E, "Theta": Theta}


@checked(check_negative_sampling_forward)
def negative_sampling_forward(c, t, parameters):
    """z_ij = theta_{t_ij}^T e_{c_i};  J = (1/m) sum_ij [log(1 + e^{z_ij}) - y_ij z_ij].

    Args:
        c: (m,) context words.  t: (m, 1 + k) target words, the true one in column 0.
        parameters: {"E": (V, n), "Theta": (V, n)}.
    Returns:
        (cost, cache): cost a float; cache = (c, t, e_c (m, n), theta_t (m, 1 + k, n), z
        (m, 1 + k), y (m, 1 + k), the matrices' shape).
    """
    E, Theta = parameters["E"], parameters["Theta"]
    m = c.shape[0]
    # the embeddings of the context words and the parameters of the targets (lookups)
    e_c = E[c]
    theta_t = Theta[t]
    # z_ij = theta_t^T e_c: one logistic unit per (pair, target)
    z = np.matmul(theta_t, e_c[:, :, np.newaxis])[:, :, 0]
    # y = 1 for the true target, 0 for the k negatives
    y = np.zeros_like(z)
    y[:, 0] = 1
    # binary cross-entropy of sigma(z) against y, summed over k + 1, averaged over m
    cost = np.sum(np.logaddexp(0, z) - y * z) / m
    cache = (c, t, e_c, theta_t, z, y, E.shape)
    return float(cost), cache


@checked(check_negative_sampling_backward)
def negative_sampling_backward(cache):
    """dz = (sigma(z) - y) / m;  d theta_t = dz e_c;  d e_c = sum_j dz_j theta_tj;
    the rows added into dE and dTheta (repeated words accumulate).

    Returns:
        grads {"dE": (V, n), "dTheta": (V, n)}.
    """
    c, t, e_c, theta_t, z, y, shape = cache
    m = c.shape[0]
    # J = (1/m) sum [log(1 + e^z) - y z]:  dJ/dz = (sigma(z) - y) / m
    # (sigma(z) = exp(-log(1 + e^-z)): no overflow for large |z|)
    dz = (np.exp(-np.logaddexp(0, -z)) - y) / m
    # z_ij = theta_tij^T e_ci
    d_theta_t = dz[:, :, np.newaxis] * e_c[:, np.newaxis, :]
    d_e_c = np.matmul(dz[:, np.newaxis, :], theta_t)[:, 0, :]
    # the lookups e_c = E[c], theta_t = Theta[t]: rows add up
    dE = np.zeros(shape, dtype=e_c.dtype)
    np.add.at(dE, c, d_e_c)
    dTheta = np.zeros(shape, dtype=e_c.dtype)
    np.add.at(dTheta, t, d_theta_t)
    return {"dE": dE, "dTheta": dTheta}


@checked(check_update_word2vec)
def update_parameters(parameters, grads, learning_rate):
    """E := E - alpha dE;  Theta := Theta - alpha dTheta (a new dict)."""
    return {"E": parameters["E"] - learning_rate * grads["dE"],
            "Theta": parameters["Theta"] - learning_rate * grads["dTheta"]}


@checked(check_word_vectors)
def word_vectors(parameters, index_to_word):
    """word_to_vec_map {word: E[index]} (copies), for :mod:`scratch.word_vectors`."""
    E = np.asarray(parameters["E"])
    return {index_to_word[i]: E[i].copy() for i in range(E.shape[0])}
