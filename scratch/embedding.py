"""Course 5, week 2: the embedding matrix and its lookup, forward and backward by hand.

The lectures write the embedding matrix E as (emb_dim, vocab_size) and a word's vector as
e_w = E o_w, o_w the one-hot column of word w. Multiplying by a one-hot vector only picks a
column, so every framework stores E with one ROW per word, (vocab_size, emb_dim) (Keras'
``Embedding`` weights, the course's ``emb_matrix``, ``nn.Embedding.weight``), and looks the
rows up: e_w = E[w]. That is the layout here.

Forward:   out[..., :] = E[indices[...], :]                  (the lookup; E o_w per position)
Backward:  dE[w, :] = sum of d_out[p, :] over every position p with indices[p] = w

The backward adds: a word that occurs twice in a batch gets both positions' gradients
(``np.add.at``; the fancy-indexed ``dE[indices] += d_out`` would keep only one of them).
Rows of words that do not occur get 0.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_c5 import check_embedding_backward, check_embedding_forward


@checked(check_embedding_forward)
def embedding_forward(indices, E):
    """e_w = E[w] at every position: the embedding layer.

    Args:
        indices: integer word indices of any shape (...), each in [0, vocab_size); e.g. the
            (m, max_len) output of ``sentences_to_indices`` (floats holding integers, as the
            course's, are accepted), or the (m,) context words of skip-gram.
        E: the embedding matrix (vocab_size, emb_dim), one row per word.
    Returns:
        (out, cache): out (..., emb_dim) = E[indices]; cache = (indices as integers, E.shape).
    """
    out = E[indices]
    return out, (indices, E.shape)


@checked(check_embedding_backward)
def embedding_backward(d_out, cache):
    """dE = sum over positions of one_hot(indices[p]) d_out[p]: each row of dE collects the
    upstream gradients of every position that looked it up (repeated words add).

    Args:
        d_out: dL/d(out), (..., emb_dim), the shape of the forward output.
        cache: (indices, E.shape) from :func:`embedding_forward`.
    Returns:
        dE (vocab_size, emb_dim), the dtype of d_out.
    """
    indices, shape = cache
    dE = np.zeros(shape, dtype=d_out.dtype)
    np.add.at(dE, indices, d_out)
    return dE
