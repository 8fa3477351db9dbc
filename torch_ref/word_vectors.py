r"""Course 5, week 2, "Operations on word vectors" in PyTorch: the vocabulary as one matrix.

The course keeps a dict word -> vector and loops over it; PyTorch keeps the vectors as the
rows of one tensor (what ``nn.Embedding.weight`` holds) and compares a query with every row
at once. The conversion is written once, :func:`vectors_from_map` (the dict's order is the
rows' order, so "the first word with the largest similarity" means the same row).

- :func:`cosine_similarity`: ``F.cosine_similarity`` (dim=-1), which divides by
  max(||u|| ||v||, eps) with eps = 1e-8 instead of the course's special cases (1 when
  u == v; 0 when a norm is 0): the same number wherever both norms are clearly non-zero.
- :func:`complete_analogy`: the cosine of (e_b - e_a) with every row minus e_c in one call,
  word_c's row set to -inf, ``argmax`` (the first maximum, as the course's strict >).
- :func:`neutralize`, :func:`equalize`: the projections as tensor expressions.

.. math:: \cos(u, v) = \frac{u \cdot v}{\lVert u\rVert_2 \lVert v\rVert_2}, \qquad
          e^{debiased} = e - \frac{e \cdot g}{\lVert g\rVert_2^2}\, g
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
import torch.nn.functional as F


def vectors_from_map(word_to_vec_map: Mapping, dtype=torch.float64, device=None):
    """The course's dict -> (words, vectors): the words in the dict's order and a
    (V, n) tensor whose row i is word i's vector."""
    words = list(word_to_vec_map)
    vectors = torch.as_tensor(np.stack([np.asarray(word_to_vec_map[w]) for w in words]),
                              dtype=dtype, device=device)
    return words, vectors


def _row(words: list, word: str) -> int:
    try:
        return words.index(word)
    except ValueError:
        raise ValueError(f"{word!r} is not in the vocabulary ({len(words)} words)") from None


def cosine_similarity(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``F.cosine_similarity(u, v, dim=-1)``. Shape: (..., n), (..., n) -> (...)."""
    return F.cosine_similarity(u, v, dim=-1)


def complete_analogy(word_a: str, word_b: str, word_c: str, words: list,
                     vectors: torch.Tensor) -> tuple[str, torch.Tensor]:
    """a is to b as c is to the word whose row maximises cos(e_b - e_a, e_w - e_c).

    Returns:
        (best_word, similarities): the word, and the (V,) similarities (word_c's = -inf).
    """
    word_a, word_b, word_c = word_a.lower(), word_b.lower(), word_c.lower()
    e_a, e_b, e_c = (vectors[_row(words, w)] for w in (word_a, word_b, word_c))
    similarities = cosine_similarity(e_b - e_a, vectors - e_c)
    similarities[_row(words, word_c)] = float("-inf")
    return words[int(torch.argmax(similarities))], similarities


def neutralize(e: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """e - (e . g / ||g||^2) g: e without its component along g."""
    return e - (e @ g) / (g @ g) * g


def equalize(e_w1: torch.Tensor, e_w2: torch.Tensor, bias_axis: torch.Tensor):
    """The course's equalization of a pair (its equations (4)-(12)), on tensors.

    Returns:
        (e1, e2).
    """
    def along(x):                      # the projection of x on the bias axis
        return (x @ bias_axis) / (bias_axis @ bias_axis) * bias_axis

    mu = (e_w1 + e_w2) / 2
    mu_B = along(mu)
    mu_orth = mu - mu_B
    scale = torch.sqrt(torch.abs(1 - mu_orth @ mu_orth))
    e1 = scale * (along(e_w1) - mu_B) / torch.linalg.vector_norm(e_w1 - mu_orth - mu_B) + mu_orth
    e2 = scale * (along(e_w2) - mu_B) / torch.linalg.vector_norm(e_w2 - mu_orth - mu_B) + mu_orth
    return e1, e2
