"""Input checks of course 5's week-2, week-3 and week-4 additions (scratch.embedding,
word_vectors, emojify, word2vec, nmt_attention, trigger_word, transformer).

Each ``check_*`` takes the arguments of the function of the same name (as the
``@checked`` decorator of :mod:`scratch._validate` binds them), raises ``ValueError``
saying what was expected and what was given, and returns the arguments to use (arrays
converted) or None. Nothing is computed before they pass.
"""
from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np

from ._validate import _describe


# ----------------------------------------------------------------------------- small pieces
def positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def _non_negative_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name}: expected an integer >= 0, got {value!r}")
    return int(value)


def _positive_number(name, value):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a finite positive number, got {value!r}")


def _numeric(name, a, ndim=None):
    arr = np.asarray(a)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected an array of rank {ndim}, got {_describe(arr)}")
    if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got NaN or inf in {_describe(arr)}")
    return arr


def _shape(name, a, shape, meaning=""):
    arr = np.asarray(a)
    if arr.shape != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)}{meaning}, got {_describe(arr)}")
    return arr


def integer_indices(name, a, size, what="word"):
    """Integer indices in [0, size) (floats holding integers, as the course's
    ``sentences_to_indices`` returns, are accepted), as np.intp."""
    arr = np.asarray(a)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer)
                                     or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"{name}: expected integer {what} indices, got {_describe(arr)}")
    if np.issubdtype(arr.dtype, np.floating) and not (np.isfinite(arr).all()
                                                      and (arr == np.round(arr)).all()):
        raise ValueError(f"{name}: expected integer {what} indices, got non-integer values in "
                         f"{_describe(arr)}")
    if arr.size and (arr.min() < 0 or arr.max() >= size):
        bad = arr[(arr < 0) | (arr >= size)].flat[0]
        raise ValueError(f"{name}: expected {what} indices in [0, {size}) (the vocabulary has "
                         f"{size} rows), got {bad!r}")
    return arr.astype(np.intp)


def _word_map(word_to_vec_map, name="word_to_vec_map"):
    """A non-empty dict word -> vector (n,), every vector the same shape; returns n."""
    if not isinstance(word_to_vec_map, dict) or not word_to_vec_map:
        got = type(word_to_vec_map).__name__ if not isinstance(word_to_vec_map, dict) \
            else "an empty dict"
        raise ValueError(f"{name}: expected a non-empty dict word -> vector (n,), got {got}")
    shape = None
    for word, vector in word_to_vec_map.items():
        v = np.asarray(vector)
        if v.ndim != 1 or v.size == 0 or not np.issubdtype(v.dtype, np.number):
            raise ValueError(f"{name}[{word!r}]: expected a numeric vector of shape (n,), got "
                             f"{_describe(v)}")
        if shape is None:
            shape = v.shape
        elif v.shape != shape:
            raise ValueError(f"{name}: every vector must have the same shape; {word!r} has "
                             f"{v.shape}, the first word {shape}")
    return shape[0]


def word_in(name, word, word_to_vec_map, map_name="word_to_vec_map"):
    """``word`` must be a string and a key of the map (the course's KeyError, said clearly)."""
    if not isinstance(word, str):
        raise ValueError(f"{name}: expected a word (str), got {type(word).__name__} {word!r}")
    if word not in word_to_vec_map:
        raise ValueError(f"{name}: {word!r} is not in the vocabulary ({map_name} has "
                         f"{len(word_to_vec_map)} words); pick a word it holds")


def _axis(name, g, n):
    g = _numeric(name, g)
    _shape(name, g, (n,), " (the size of the word vectors)")
    if not np.any(g):
        raise ValueError(f"{name}: expected a non-zero bias axis (its squared norm divides), "
                         f"got a zero vector")
    return g


def _sentences(name, X):
    arr = np.asarray(X)
    if arr.ndim != 1 or arr.size == 0 or not all(isinstance(s, str) for s in arr.tolist()):
        raise ValueError(f"{name}: expected a non-empty array of sentences (strings) of shape "
                         f"(m,), got {_describe(arr)}")
    return arr


def _labels(name, Y, m):
    Y = np.asarray(Y)
    if Y.shape != (m,) or not np.issubdtype(Y.dtype, np.integer) or Y.min() < 0:
        raise ValueError(f"{name}: expected integer labels >= 0 of shape ({m},) (one per "
                         f"sentence), got {_describe(Y)}")
    return Y


# ----------------------------------------------------------------------------- embedding
def check_embedding_forward(indices, E):
    E = _numeric("E", E, ndim=2)
    return integer_indices("indices", indices, E.shape[0]), E


def check_embedding_backward(d_out, cache):
    if not (isinstance(cache, tuple) and len(cache) == 2):
        raise ValueError("cache: expected (indices, E.shape) from embedding_forward")
    indices, shape = cache
    _shape("d_out", d_out, np.shape(indices) + (shape[1],), " (the forward output's)")
    return np.asarray(d_out), cache


# ----------------------------------------------------------------------------- word vectors
def check_cosine_similarity(u, v):
    u, v = _numeric("u", u, ndim=1), _numeric("v", v, ndim=1)
    if u.shape != v.shape:
        raise ValueError(f"u and v must have the same shape, got u {u.shape} and v {v.shape}")
    return u, v


def check_complete_analogy(word_a, word_b, word_c, word_to_vec_map):
    _word_map(word_to_vec_map)
    for name, word in (("word_a", word_a), ("word_b", word_b), ("word_c", word_c)):
        if not isinstance(word, str):
            raise ValueError(f"{name}: expected a word (str), got {type(word).__name__}")
        word_in(name, word.lower(), word_to_vec_map)


def check_neutralize(word, g, word_to_vec_map):
    n = _word_map(word_to_vec_map)
    word_in("word", word, word_to_vec_map)
    return word, _axis("g", g, n), word_to_vec_map


def check_equalize(pair, bias_axis, word_to_vec_map):
    n = _word_map(word_to_vec_map)
    if isinstance(pair, str) or not hasattr(pair, "__len__") or len(pair) != 2:
        raise ValueError(f"pair: expected two words, e.g. ('actress', 'actor'), got {pair!r}")
    for i, word in enumerate(pair):
        word_in(f"pair[{i}]", word, word_to_vec_map)
    if np.array_equal(word_to_vec_map[pair[0]], word_to_vec_map[pair[1]]):
        raise ValueError(f"pair: {pair[0]!r} and {pair[1]!r} have the same vector, so "
                         f"||e_w1 - mu|| = 0 divides; expected two different vectors")
    return pair, _axis("bias_axis", bias_axis, n), word_to_vec_map


# ----------------------------------------------------------------------------- emojify
def check_convert_to_one_hot(Y, C):
    C = positive_int("C", C)
    Y = np.asarray(Y)
    if not np.issubdtype(Y.dtype, np.integer) or (Y.size and (Y.min() < 0 or Y.max() >= C)):
        raise ValueError(f"Y: expected integer labels in [0, {C}), got {_describe(Y)}"
                         + (f" with values {np.unique(Y)[:6]}" if Y.size else ""))
    return Y, C


def check_sentence_to_avg(sentence, word_to_vec_map):
    if not isinstance(sentence, str):
        raise ValueError(f"sentence: expected a string, got {type(sentence).__name__}")
    _word_map(word_to_vec_map)


def check_model_step(avg, Y_oh_i, W, b, learning_rate):
    W = _numeric("W", W, ndim=2)
    n_y, n_h = W.shape
    avg = _shape("avg", _numeric("avg", avg), (n_h,), " (n_h, read off W)")
    b = _shape("b", _numeric("b", b), (n_y,), " (n_y, read off W)")
    Y_oh_i = _shape("Y_oh_i", _numeric("Y_oh_i", Y_oh_i), (n_y,), " (one-hot, n_y)")
    if not (np.isin(Y_oh_i, (0, 1)).all() and Y_oh_i.sum() == 1):
        raise ValueError(f"Y_oh_i: expected a one-hot label (a single 1), got {Y_oh_i}")
    _positive_number("learning_rate", learning_rate)
    return avg, Y_oh_i, W, b, learning_rate


def check_predict(X, Y, W, b, word_to_vec_map):
    X = _sentences("X", X)
    Y = _labels("Y", Y, X.shape[0])
    n_h = _word_map(word_to_vec_map)
    W = _numeric("W", W, ndim=2)
    _shape("W", W, (W.shape[0], n_h), " (n_y, n_h), n_h the word vectors' size")
    b = _shape("b", _numeric("b", b), (W.shape[0],), " (n_y,)")
    return X, Y, W, b, word_to_vec_map


def check_emojify_model(X, Y, word_to_vec_map, learning_rate, num_iterations):
    X = _sentences("X", X)
    Y = _labels("Y", Y, X.shape[0])
    n_y = len(np.unique(Y))
    if set(np.unique(Y).tolist()) != set(range(n_y)):
        raise ValueError(f"Y: the course counts the classes as len(np.unique(Y)) = {n_y}, so the "
                         f"labels must be exactly 0..{n_y - 1}; got {np.unique(Y).tolist()}")
    _word_map(word_to_vec_map)
    _positive_number("learning_rate", learning_rate)
    positive_int("num_iterations", num_iterations)
    return X, Y, word_to_vec_map, learning_rate, num_iterations


def _word_to_index(word_to_index, lowest):
    if not isinstance(word_to_index, dict) or not word_to_index:
        raise ValueError("word_to_index: expected a non-empty dict word -> index")
    for word, index in word_to_index.items():
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) or index < lowest:
            raise ValueError(f"word_to_index[{word!r}]: expected an integer index >= {lowest}"
                             + (" (0 is the padding index)" if lowest else "")
                             + f", got {index!r}")


def check_sentences_to_indices(X, word_to_index, max_len):
    X = _sentences("X", X)
    _word_to_index(word_to_index, 1)
    max_len = positive_int("max_len", max_len)
    for i, sentence in enumerate(X):
        known = sum(w in word_to_index for w in sentence.lower().split())
        if known > max_len:
            raise ValueError(f"X[{i}]: {sentence!r} has {known} words of the vocabulary, more "
                             f"than max_len = {max_len}")
    return X, word_to_index, max_len


def check_pretrained_embedding_layer(word_to_vec_map, word_to_index):
    _word_map(word_to_vec_map)
    _word_to_index(word_to_index, 0)
    top = len(word_to_index)
    for word, index in word_to_index.items():
        word_in(f"word_to_index's word {word!r}", word, word_to_vec_map)
        if index > top:
            raise ValueError(f"word_to_index[{word!r}] = {index}: expected an index <= "
                             f"len(word_to_index) = {top} (the matrix has {top + 1} rows)")


# ----------------------------------------------------------------------------- word2vec
def check_path(path=None):
    if path is not None and not Path(path).is_file():
        raise ValueError(f"path: expected a text file, got {str(path)!r} (not a file)")


def check_build_vocabulary(words, min_count=1):
    if isinstance(words, str) or not all(isinstance(w, str) for w in words) or not len(words):
        raise ValueError("words: expected a non-empty list of words (strings)"
                         + ("; got one string: split it into words first"
                            if isinstance(words, str) else ""))
    min_count = positive_int("min_count", min_count)
    if max(np.unique(np.asarray(words), return_counts=True)[1]) < min_count:
        raise ValueError(f"min_count = {min_count}: no word occurs that often, the vocabulary "
                         f"would be empty")
    return list(words), min_count


def check_skipgram_pairs(indices, window):
    indices = np.asarray(indices)
    if indices.ndim != 1 or indices.size < 2 or not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"indices: expected the corpus as integer word indices (N,), N >= 2, "
                         f"got {_describe(indices)}")
    return indices, positive_int("window", window)


def check_sampling_distribution(counts, power=0.75):
    counts = _numeric("counts", counts, ndim=1)
    if counts.size == 0 or counts.min() < 0 or counts.sum() <= 0:
        raise ValueError(f"counts: expected non-negative word counts with a positive sum, got "
                         f"{_describe(counts)}")
    if not isinstance(power, numbers.Real) or not np.isfinite(power):
        raise ValueError(f"power: expected a finite number (3/4 the lecture's), got {power!r}")
    return counts, power


def check_negative_sampling_batches(c, t, P, k, batch_size, seed):
    P = _numeric("P", P, ndim=1)
    if P.size == 0 or P.min() < 0 or not np.isclose(P.sum(), 1):
        raise ValueError(f"P: expected a probability distribution over the vocabulary (V,), "
                         f"non-negative, summing to 1; got {_describe(P)} summing to {P.sum()}")
    c = integer_indices("c", c, P.size)
    t = integer_indices("t", t, P.size)
    if c.ndim != 1 or c.shape != t.shape or c.size == 0:
        raise ValueError(f"c and t: expected two (n_pairs,) arrays of the same length >= 1, got "
                         f"c {c.shape} and t {t.shape}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed: expected an integer, got {seed!r}")
    return c, t, P, positive_int("k", k), positive_int("batch_size", batch_size), seed


def check_initialize_word2vec(vocab_size, emb_dim, seed=1):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed: expected an integer, got {seed!r}")
    return positive_int("vocab_size", vocab_size), positive_int("emb_dim", emb_dim), seed


def _word2vec_parameters(parameters):
    if not isinstance(parameters, dict) or "E" not in parameters or "Theta" not in parameters:
        got = sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__
        raise ValueError(f"parameters: expected a dict with keys E, Theta, got {got}")
    E = _numeric("parameters: E", parameters["E"], ndim=2)
    Theta = _numeric("parameters: Theta", parameters["Theta"], ndim=2)
    if E.shape != Theta.shape:
        raise ValueError(f"parameters: E and Theta must have the same shape (V, n), got E "
                         f"{E.shape} and Theta {Theta.shape}")
    return E


def check_negative_sampling_forward(c, t, parameters):
    V = _word2vec_parameters(parameters).shape[0]
    c = integer_indices("c", c, V)
    t = integer_indices("t", t, V)
    if c.ndim != 1 or c.size == 0 or t.ndim != 2 or t.shape[0] != c.shape[0]:
        raise ValueError(f"c (m,) and t (m, 1 + k): expected m >= 1 context words and, for "
                         f"each, its true target then k negatives; got c {c.shape} and "
                         f"t {t.shape}")
    return c, t, parameters


def check_negative_sampling_backward(cache):
    if not (isinstance(cache, tuple) and len(cache) == 7):
        raise ValueError("cache: expected the cache negative_sampling_forward returns")


def check_update_word2vec(parameters, grads, learning_rate):
    E = _word2vec_parameters(parameters)
    if not isinstance(grads, dict) or "dE" not in grads or "dTheta" not in grads:
        raise ValueError("grads: expected a dict with keys dE, dTheta")
    for key in ("dE", "dTheta"):
        _shape(f"grads: {key}", grads[key], E.shape, " (the shape of E and Theta)")
    _positive_number("learning_rate", learning_rate)


def check_word_vectors(parameters, index_to_word):
    E = _word2vec_parameters(parameters)
    if not isinstance(index_to_word, dict) or set(index_to_word) != set(range(E.shape[0])):
        raise ValueError(f"index_to_word: expected a dict with the keys 0..{E.shape[0] - 1}, "
                         f"one per row of E")


# ----------------------------------------------------------------------------- attention step
def _kernel_dict(parameters, shapes):
    keys = ", ".join(shapes)
    if not isinstance(parameters, dict):
        raise ValueError(f"parameters: expected a dict with keys {keys}, got "
                         f"{type(parameters).__name__}")
    missing = [key for key in shapes if key not in parameters]
    if missing:
        raise ValueError(f"parameters: missing {missing}; expected {keys}, got "
                         f"{sorted(parameters)}")
    for key, shape in shapes.items():
        _shape(f"parameters: {key}", _numeric(f"parameters: {key}", parameters[key]), shape)


def check_one_step_attention(a, s_prev, parameters):
    a = _numeric("a", a, ndim=3)
    s_prev = _numeric("s_prev", s_prev, ndim=2)
    if 0 in a.shape or 0 in s_prev.shape:
        raise ValueError(f"a (m, T_x, 2 n_a) and s_prev (m, n_s): expected no empty axis, got "
                         f"a {a.shape} and s_prev {s_prev.shape}")
    if s_prev.shape[0] != a.shape[0]:
        raise ValueError(f"a and s_prev must hold the same number of examples m: a {a.shape}, "
                         f"s_prev {s_prev.shape}")
    W1 = np.asarray(parameters.get("W1")) if isinstance(parameters, dict) else None
    n_e = W1.shape[-1] if W1 is not None and W1.ndim == 2 else 10
    _kernel_dict(parameters, {"W1": (a.shape[2] + s_prev.shape[1], n_e), "b1": (n_e,),
                              "W2": (n_e, 1), "b2": (1,)})
    dtype = np.result_type(a, s_prev, np.float32)
    return a.astype(dtype, copy=False), s_prev.astype(dtype, copy=False), parameters


def check_one_step_attention_backward(d_context, cache):
    if not (isinstance(cache, tuple) and len(cache) == 6):
        raise ValueError("cache: expected the cache one_step_attention returns")
    a = cache[0]
    return _shape("d_context", d_context, (a.shape[0], 1, a.shape[2]),
                  " (m, 1, 2 n_a), the context's"), cache


# ----------------------------------------------------------------------------- 1-D convolution
def check_conv1d_forward(X, W, b, stride=1, pad=0):
    X = _numeric("X", X, ndim=3)
    W = _numeric("W", W, ndim=3)
    stride = positive_int("stride", stride)
    pad = _non_negative_int("pad", pad)
    if W.shape[1] != X.shape[2]:
        raise ValueError(f"W (f, n_C_prev, n_C) and X (m, T_x, n_C_prev): the channels must "
                         f"agree, got W {W.shape} and X {X.shape}")
    b = _shape("b", _numeric("b", b), (W.shape[2],), " (n_C,)")
    if X.shape[0] == 0 or W.shape[0] == 0:
        raise ValueError(f"X and W: expected m >= 1 and f >= 1, got X {X.shape}, W {W.shape}")
    if W.shape[0] > X.shape[1] + 2 * pad:
        raise ValueError(f"W: the filter (f = {W.shape[0]}) is longer than the padded input "
                         f"(T_x + 2 pad = {X.shape[1]} + 2 * {pad} = {X.shape[1] + 2 * pad})")
    return X, W, b, stride, pad


def check_conv1d_backward(dZ, cache):
    if not (isinstance(cache, tuple) and len(cache) == 4):
        raise ValueError("cache: expected (X_pad, W, stride, pad) from conv1d_forward")
    X_pad, W, stride, _ = cache
    T_out = (X_pad.shape[1] - W.shape[0]) // stride + 1
    return _shape("dZ", dZ, (X_pad.shape[0], T_out, W.shape[2]),
                  " (m, T_out, n_C), the forward output's"), cache


# ----------------------------------------------------------------------------- transformer
def _attention_checks():
    from . import _validate_attention
    return _validate_attention


def _decoder_keys():
    from .attention import MHA_KEYS, FFN_KEYS
    return (tuple(k + "1" for k in MHA_KEYS) + tuple(k + "2" for k in MHA_KEYS) + FFN_KEYS
            + ("gamma1", "beta1", "gamma2", "beta2", "gamma3", "beta3"))


def check_decoder_layer_forward(x, enc_output, parameters, num_heads, look_ahead_mask=None,
                                padding_mask=None, eps=1e-6):
    A = _attention_checks()
    keys = _decoder_keys()
    if not isinstance(parameters, dict):
        raise ValueError(f"parameters: expected a dict with keys {', '.join(keys)}, got "
                         f"{type(parameters).__name__}")
    missing = [key for key in keys if key not in parameters]
    if missing:
        raise ValueError(f"parameters: missing {missing}; expected {', '.join(keys)}, got "
                         f"{sorted(parameters)}")
    block = {k: parameters[k + "1"] for k in A.MHA_KEYS}
    x, _, _, look_ahead_mask, num_heads = A._check_mha(x, x, x, block, num_heads, look_ahead_mask)
    enc_output = np.asarray(enc_output)
    if enc_output.ndim != 3:
        raise ValueError(f"enc_output: expected (m, n_in, d_model), got {_describe(enc_output)}")
    block = {k: parameters[k + "2"] for k in A.MHA_KEYS}
    _, enc_output, _, padding_mask, _ = A._check_mha(x, enc_output, enc_output, block, num_heads,
                                                     padding_mask)
    A._check_ffn(x, parameters)
    for i in (1, 2, 3):
        A._check_layer_norm(x, parameters[f"gamma{i}"], parameters[f"beta{i}"], eps)
    return x, enc_output, parameters, num_heads, look_ahead_mask, padding_mask, eps


def check_decoder_layer_backward(d_out, cache):
    if not (isinstance(cache, tuple) and len(cache) == 6):
        raise ValueError("cache: expected the cache decoder_layer_forward returns")
    return _shape("d_out", d_out, cache[0][0].shape, " (the layer output's)"), cache


def _stack(name, parameters):
    """{"embedding": (vocab, d_model), "layers": [dict, ...]}; returns the embedding."""
    if not isinstance(parameters, dict) or "embedding" not in parameters \
            or "layers" not in parameters:
        got = sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__
        raise ValueError(f"{name}: expected a dict with keys embedding (vocab, d_model) and "
                         f"layers (a list of layer dicts), got {got}")
    embedding = _numeric(f"{name}: embedding", parameters["embedding"], ndim=2)
    layers = parameters["layers"]
    if not isinstance(layers, (list, tuple)) or not layers \
            or not all(isinstance(layer, dict) for layer in layers):
        raise ValueError(f"{name}: layers must be a non-empty list of layer dicts, got "
                         f"{type(layers).__name__}")
    return embedding


def _ids(name, ids, vocab):
    ids = integer_indices(name, ids, vocab, what="token")
    if ids.ndim != 2 or 0 in ids.shape:
        raise ValueError(f"{name}: expected token ids (m, n) with m, n >= 1, got "
                         f"{_describe(ids)}")
    return ids


def check_encoder_forward(x, parameters, num_heads, mask=None, eps=1e-6):
    A = _attention_checks()
    embedding = _stack("parameters", parameters)
    ids = _ids("x", x, embedding.shape[0])
    dummy = np.zeros(ids.shape + (embedding.shape[1],), dtype=embedding.dtype)
    checked_mask = mask
    for i, layer in enumerate(parameters["layers"]):
        try:
            _, checked_mask, num_heads = A._check_encoder_layer(dummy, layer, num_heads, mask, eps)
        except ValueError as error:
            raise ValueError(f"layers[{i}]: {error}") from None
    return ids, parameters, num_heads, checked_mask, eps


def check_encoder_backward(d_out, cache):
    if not (isinstance(cache, tuple) and len(cache) == 2):
        raise ValueError("cache: expected the cache encoder_forward returns")
    return _shape("d_out", d_out, cache[1][-1][0][0].shape, " (the encoder output's)"), cache


def check_decoder_forward(x, enc_output, parameters, num_heads, look_ahead_mask=None,
                          padding_mask=None, eps=1e-6):
    embedding = _stack("parameters", parameters)
    ids = _ids("x", x, embedding.shape[0])
    dummy = np.zeros(ids.shape + (embedding.shape[1],), dtype=embedding.dtype)
    masks = (look_ahead_mask, padding_mask)
    for i, layer in enumerate(parameters["layers"]):
        try:
            _, enc, _, num_heads, *masks, _ = check_decoder_layer_forward(
                dummy, enc_output, layer, num_heads, look_ahead_mask, padding_mask, eps)
        except ValueError as error:
            raise ValueError(f"layers[{i}]: {error}") from None
    return (ids, enc, parameters, num_heads, *masks, eps)


def check_decoder_backward(d_out, cache):
    if not (isinstance(cache, tuple) and len(cache) == 2):
        raise ValueError("cache: expected the cache decoder_forward returns")
    return _shape("d_out", d_out, cache[1][-1][0][0].shape, " (the decoder output's)"), cache


def check_transformer_forward(input_sentence, output_sentence, parameters, num_heads,
                              enc_padding_mask=None, look_ahead_mask=None, dec_padding_mask=None,
                              eps=1e-6):
    keys = ("encoder", "decoder", "final_layer")
    if not isinstance(parameters, dict) or any(key not in parameters for key in keys):
        got = sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__
        raise ValueError(f"parameters: expected a dict with keys {', '.join(keys)}, got {got}")
    try:
        ids_in, _, num_heads, enc_padding_mask, _ = check_encoder_forward(
            input_sentence, parameters["encoder"], num_heads, enc_padding_mask, eps)
    except ValueError as error:
        raise ValueError(f"encoder (input_sentence, enc_padding_mask): {error}") from None
    d_model = np.shape(parameters["encoder"]["embedding"])[1]
    dummy = np.zeros(ids_in.shape + (d_model,),
                     dtype=np.asarray(parameters["encoder"]["embedding"]).dtype)
    try:
        ids_out, _, _, _, look_ahead_mask, dec_padding_mask, _ = check_decoder_forward(
            output_sentence, dummy, parameters["decoder"], num_heads, look_ahead_mask,
            dec_padding_mask, eps)
    except ValueError as error:
        raise ValueError(f"decoder (output_sentence, look_ahead_mask, dec_padding_mask): "
                         f"{error}") from None
    final = parameters["final_layer"]
    if not isinstance(final, dict) or "W" not in final or "b" not in final:
        raise ValueError("parameters: final_layer must be a dict with keys W "
                         "(d_model, target_vocab) and b (target_vocab,)")
    W = _numeric("final_layer: W", final["W"], ndim=2)
    _shape("final_layer: W", W, (d_model, W.shape[1]), " (d_model, target_vocab)")
    _shape("final_layer: b", final["b"], (W.shape[1],), " (target_vocab,)")
    return (ids_in, ids_out, parameters, num_heads, enc_padding_mask, look_ahead_mask,
            dec_padding_mask, eps)


def check_transformer_backward(d_final_output, cache):
    if not (isinstance(cache, tuple) and len(cache) == 5):
        raise ValueError("cache: expected the cache transformer_forward returns")
    return _shape("d_final_output", d_final_output, cache[3].shape,
                  " (the final output's)"), cache
