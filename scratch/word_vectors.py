"""Course 5, week 2, assignment 1: "Operations on word vectors".

``word_to_vec_map`` maps each word (a lower-case string) to its vector e_w, a NumPy array
of shape (n,) (the course's GloVe vectors have n = 50; here they come from
:mod:`scratch.word2vec`, trained on Shakespeare's sonnets, or from a test's own draw).

Cosine similarity:   CosineSimilarity(u, v) = u . v / (||u||_2 ||v||_2) = cos(theta)
Analogy:             a is to b as c is to d:  d = argmax_w CosineSimilarity(e_b - e_a, e_w - e_c)
Neutralize:          e_bias_component = (e . g / ||g||_2^2) g;  e_debiased = e - e_bias_component
Equalize (Bolukbasi et al., 2016, as the notebook's equations (4)-(12)):
    mu = (e_w1 + e_w2) / 2
    mu_B = (mu . bias_axis / ||bias_axis||_2^2) bias_axis;  mu_orth = mu - mu_B
    e_w1B = (e_w1 . bias_axis / ||bias_axis||_2^2) bias_axis   (the same for e_w2B)
    e_w1B_corrected = sqrt(|1 - ||mu_orth||_2^2|) (e_w1B - mu_B) / ||(e_w1 - mu_orth) - mu_B||_2
    e1 = e_w1B_corrected + mu_orth;  e2 = e_w2B_corrected + mu_orth

The course's quirks are kept: ``cosine_similarity`` returns exactly 1 when u == v (even two
zero vectors) and 0 when a norm is 0 (the notebook's "Avoid division by 0"); the analogy
lower-cases its three words, skips only word_c, and keeps the FIRST word of the map with the
largest similarity (strict >). A word not in ``word_to_vec_map`` is a ValueError naming it
(the course's KeyError), checked before anything is computed.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_c5 import (check_complete_analogy, check_cosine_similarity, check_equalize,
                           check_neutralize)


@checked(check_cosine_similarity)
def cosine_similarity(u, v):
    """CosineSimilarity(u, v) = u . v / (||u||_2 ||v||_2).

    Args:
        u, v: word vectors of the same shape (n,).
    Returns:
        the cosine similarity (a NumPy float); 1 if u == v element-wise (the course's special
        case, which covers two zero vectors); 0 if either norm is 0.
    """
    # Special case. Consider the case u = [0, 0], v=[0, 0]
    if np.all(u == v):
        return 1
    # the dot product between u and v
    dot = np.dot(u, v)
    # the L2 norms of u and v
    norm_u = np.sqrt(np.sum(u * u))
    norm_v = np.sqrt(np.sum(v * v))
    # Avoid division by 0
    if np.isclose(norm_u * norm_v, 0, atol=1e-32):
        return 0
    # the cosine similarity, formula (1)
    cosine_similarity = dot / (norm_u * norm_v)
    return cosine_similarity


@checked(check_complete_analogy)
def complete_analogy(word_a, word_b, word_c, word_to_vec_map):
    """a is to b as c is to ____: the word w (not word_c) whose e_w - e_c has the largest
    cosine similarity with e_b - e_a.

    Args:
        word_a, word_b, word_c: words (lower-cased here, as the course does).
        word_to_vec_map: dict word -> vector (n,).
    Returns:
        best_word: the first word of the map (in its order) with the largest similarity.
    """
    # convert words to lowercase
    word_a, word_b, word_c = word_a.lower(), word_b.lower(), word_c.lower()
    # the word embeddings e_a, e_b and e_c
    e_a, e_b, e_c = word_to_vec_map[word_a], word_to_vec_map[word_b], word_to_vec_map[word_c]
    words = word_to_vec_map.keys()
    max_cosine_sim = -100              # a large negative number
    best_word = None                   # the word to output
    # loop over the whole word vector set
    for w in words:
        # to avoid best_word being one of the input words, skip the input word_c
        if w == word_c:
            continue
        # cosine similarity between (e_b - e_a) and (e_w - e_c)
        cosine_sim = cosine_similarity.unchecked(e_b - e_a, word_to_vec_map[w] - e_c)
        # keep the largest so far
        if cosine_sim > max_cosine_sim:
            max_cosine_sim = cosine_sim
            best_word = w
    return best_word


@checked(check_neutralize)
def neutralize(word, g, word_to_vec_map):
    """Remove the component of e_word along the bias axis g (project it onto g's orthogonal
    complement): e_biascomponent = (e . g / ||g||_2^2) g;  e_debiased = e - e_biascomponent.

    Args:
        word: the word to debias.  g: the bias axis (n,), e.g. e_woman - e_man.
        word_to_vec_map: dict word -> vector (n,).
    Returns:
        e_debiased (n,): orthogonal to g up to rounding.
    """
    # the word vector of "word"
    e = word_to_vec_map[word]
    # its projection on the bias axis, formula (2)
    e_biascomponent = np.dot(e, g) / np.sum(g * g) * g
    # subtract it, formula (3)
    e_debiased = e - e_biascomponent
    return e_debiased


@checked(check_equalize)
def equalize(pair, bias_axis, word_to_vec_map):
    """Make a gender-specific pair (e.g. ("actress", "actor")) differ only along the bias axis,
    equally far from every neutralized word (the notebook's equations (4)-(12)).

    Args:
        pair: two words.  bias_axis: (n,), e.g. e_woman - e_man.
        word_to_vec_map: dict word -> vector (n,).
    Returns:
        (e1, e2): the equalized vectors of the two words, (n,) each.
    """
    # Step 1: the word vectors of the pair
    w1, w2 = pair
    e_w1, e_w2 = word_to_vec_map[w1], word_to_vec_map[w2]
    # Step 2: their mean, (4)
    mu = (e_w1 + e_w2) / 2
    # Step 3: mu's projections on the bias axis and on its orthogonal complement, (5) and (6)
    mu_B = np.dot(mu, bias_axis) / np.sum(bias_axis * bias_axis) * bias_axis
    mu_orth = mu - mu_B
    # Step 4: the words' projections on the bias axis, (7) and (8)
    e_w1B = np.dot(e_w1, bias_axis) / np.sum(bias_axis * bias_axis) * bias_axis
    e_w2B = np.dot(e_w2, bias_axis) / np.sum(bias_axis * bias_axis) * bias_axis
    # Step 5: adjust the bias parts, (9) and (10)
    corrected_e_w1B = np.sqrt(np.abs(1 - np.sum(mu_orth * mu_orth))) * (e_w1B - mu_B) \
        / np.linalg.norm(e_w1 - mu_orth - mu_B)
    corrected_e_w2B = np.sqrt(np.abs(1 - np.sum(mu_orth * mu_orth))) * (e_w2B - mu_B) \
        / np.linalg.norm(e_w2 - mu_orth - mu_B)
    # Step 6: debias by equalizing e1 and e2 to the sums of their corrected projections, (11), (12)
    e1 = corrected_e_w1B + mu_orth
    e2 = corrected_e_w2B + mu_orth
    return e1, e2
