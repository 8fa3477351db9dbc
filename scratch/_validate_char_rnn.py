"""Input checks of :mod:`scratch.char_rnn` (course 5, week 1: "Dinosaurus Island").

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`: each raises ValueError saying what was expected and what was
given. They accept what the course's own tests pass (its ``optimize`` test gives an X
without the leading None; indices may be NumPy integers).
"""
from __future__ import annotations

import math

import numpy as np

#: the course's parameter and gradient keys, in the course's order
PARAMETER_KEYS = ("Wax", "Waa", "Wya", "b", "by")
GRADIENT_KEYS = ("dWaa", "dWax", "dWya", "db", "dby")


def _is_index(i) -> bool:
    return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def _check_parameters(parameters) -> tuple[int, int, int]:
    """{"Wax", "Waa", "Wya", "b", "by"} with chaining shapes; returns (n_x, n_a, n_y)."""
    if not isinstance(parameters, dict):
        raise ValueError(f"parameters: expected a dict with keys {', '.join(PARAMETER_KEYS)}, "
                         f"got {type(parameters).__name__}")
    missing = [k for k in PARAMETER_KEYS if k not in parameters]
    if missing:
        raise ValueError(f"parameters: missing key{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(repr(k) for k in missing)}; expected "
                         f"{', '.join(PARAMETER_KEYS)}, got {sorted(parameters)}")
    for k in PARAMETER_KEYS:
        v = parameters[k]
        if not isinstance(v, np.ndarray) or v.ndim != 2 or not np.issubdtype(v.dtype, np.floating):
            raise ValueError(f"parameters: {k} must be a 2-D float ndarray, got "
                             f"{type(v).__name__} {np.shape(v)} "
                             f"{getattr(v, 'dtype', '')}".rstrip())
    n_a, n_x = parameters["Wax"].shape
    n_y = parameters["Wya"].shape[0]
    expected = {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "Wya": (n_y, n_a), "b": (n_a, 1),
                "by": (n_y, 1)}
    for k, shape in expected.items():
        if parameters[k].shape != shape:
            raise ValueError(f"parameters: {k} must have shape {shape} (n_x = {n_x}, n_a = {n_a}, "
                             f"n_y = {n_y}, read off Wax and Wya), got {parameters[k].shape}")
    return n_x, n_a, n_y


def _check_gradients(gradients, keys=GRADIENT_KEYS) -> None:
    if not isinstance(gradients, dict):
        raise ValueError(f"gradients: expected a dict with keys {', '.join(keys)}, "
                         f"got {type(gradients).__name__}")
    missing = [k for k in keys if k not in gradients]
    if missing:
        raise ValueError(f"gradients: missing key{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(repr(k) for k in missing)}; expected {', '.join(keys)}, "
                         f"got {sorted(gradients)}")


def _check_number(name: str, value, positive: bool = True) -> None:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"{name}: expected a finite {'positive ' if positive else ''}number, "
                         f"got {value!r}")


def _check_sequences(X, Y, n_x: int, n_y: int) -> None:
    """X: indices in [0, n_x) or None (a zero input); Y: indices in [0, n_y); same length >= 1."""
    for name, seq in (("X", X), ("Y", Y)):
        if not isinstance(seq, (list, tuple)):
            raise ValueError(f"{name}: expected a list of character indices, got "
                             f"{type(seq).__name__}")
    if len(X) == 0 or len(X) != len(Y):
        raise ValueError(f"X and Y: expected two lists of the same length >= 1 (Y = X shifted "
                         f"by one, then the newline index), got len(X) = {len(X)}, "
                         f"len(Y) = {len(Y)}")
    for t, i in enumerate(X):
        if i is not None and not (_is_index(i) and 0 <= i < n_x):
            raise ValueError(f"X[{t}]: expected None (a zero input) or an index in [0, {n_x}), "
                             f"got {i!r}")
    for t, i in enumerate(Y):
        if not (_is_index(i) and 0 <= i < n_y):
            raise ValueError(f"Y[{t}]: expected an index in [0, {n_y}), got {i!r}")


def _check_hidden(name: str, a, n_a: int) -> None:
    if not isinstance(a, np.ndarray) or a.shape != (n_a, 1):
        raise ValueError(f"{name}: expected an ndarray of shape ({n_a}, 1), got "
                         f"{type(a).__name__} {np.shape(a)}")


def _check_column(name: str, v, n: int) -> None:
    if not isinstance(v, np.ndarray) or v.shape != (n, 1):
        raise ValueError(f"{name}: expected an ndarray of shape ({n}, 1), got "
                         f"{type(v).__name__} {np.shape(v)}")


def _check_cache(cache, T: int) -> None:
    ok = (isinstance(cache, tuple) and len(cache) == 3 and all(isinstance(c, dict) for c in cache)
          and all(t in cache[0] and t in cache[1] and t in cache[2] for t in range(T))
          and -1 in cache[1])
    if not ok:
        raise ValueError(f"cache: expected (y_hat, a, x), the dicts rnn_forward returns for "
                         f"{T} time steps, got {type(cache).__name__}")


def _check_vocabulary(char_to_ix, vocab_size: int | None = None) -> None:
    if not isinstance(char_to_ix, dict) or "\n" not in char_to_ix:
        raise ValueError(f"char_to_ix: expected a dict mapping each character, \"\\n\" included, "
                         f"to an index, got {type(char_to_ix).__name__}"
                         + ("" if not isinstance(char_to_ix, dict) else " without \"\\n\""))
    if vocab_size is not None:
        bad = {c: i for c, i in char_to_ix.items() if not (_is_index(i) and 0 <= i < vocab_size)}
        if bad:
            raise ValueError(f"char_to_ix: expected indices in [0, {vocab_size}) "
                             f"(vocab_size = {vocab_size}), got {bad}")


def _check_example(example, char_to_ix) -> None:
    if not isinstance(example, str):
        raise ValueError(f"example: expected a string (one name), got {type(example).__name__}")
    for position, ch in enumerate(example):
        if ch not in char_to_ix:
            raise ValueError(f"example {example!r}: character {ch!r} (position {position}) is not "
                             f"in the vocabulary {''.join(sorted(char_to_ix))!r}; lower-case the "
                             f"text and build char_to_ix from the same data")


def check_rnn_step_forward(parameters, a_prev, x) -> None:
    n_x, n_a, _ = _check_parameters(parameters)
    _check_hidden("a_prev", a_prev, n_a)
    _check_column("x", x, n_x)


def check_rnn_forward(X, Y, a0, parameters, vocab_size=None, a0_name="a0") -> None:
    n_x, n_a, n_y = _check_parameters(parameters)
    if vocab_size is not None and vocab_size != n_x:
        raise ValueError(f"vocab_size: expected n_x = {n_x} (the columns of Wax), "
                         f"got {vocab_size!r}")
    _check_sequences(X, Y, n_x, n_y)
    _check_hidden(a0_name, a0, n_a)


def check_rnn_step_backward(dy, gradients, parameters, x, a, a_prev) -> None:
    n_x, n_a, n_y = _check_parameters(parameters)
    _check_gradients(gradients, GRADIENT_KEYS + ("da_next",))
    _check_column("dy", dy, n_y)
    _check_column("x", x, n_x)
    _check_hidden("a", a, n_a)
    _check_hidden("a_prev", a_prev, n_a)


def check_rnn_backward(X, Y, parameters, cache) -> None:
    n_x, _, n_y = _check_parameters(parameters)
    _check_sequences(X, Y, n_x, n_y)
    _check_cache(cache, len(X))


def check_clip(gradients, maxValue) -> None:
    _check_gradients(gradients)
    _check_number("maxValue", maxValue)


def check_update_parameters(parameters, gradients, learning_rate) -> None:
    _check_parameters(parameters)
    _check_gradients(gradients)
    _check_number("learning_rate", learning_rate, positive=False)
    for k in PARAMETER_KEYS:
        if np.shape(gradients["d" + k]) != parameters[k].shape:
            raise ValueError(f"gradients: d{k} must have the shape of {k} "
                             f"{parameters[k].shape}, got {np.shape(gradients['d' + k])}")


def check_optimize(X, Y, a_prev, parameters, learning_rate) -> None:
    check_rnn_forward(X, Y, a_prev, parameters, a0_name="a_prev")
    _check_number("learning_rate", learning_rate, positive=False)


def check_sample(parameters, char_to_ix, seed) -> None:
    _, _, n_y = _check_parameters(parameters)
    _check_vocabulary(char_to_ix, n_y)
    if not _is_index(seed):
        raise ValueError(f"seed: expected an integer, got {seed!r}")


def check_model(data_x, ix_to_char, char_to_ix, num_iterations, n_a, dino_names, vocab_size,
                verbose=False):
    for name, n, low in (("num_iterations", num_iterations, 0), ("n_a", n_a, 1),
                         ("dino_names", dino_names, 0), ("vocab_size", vocab_size, 1)):
        if not (_is_index(n) and n >= low):
            raise ValueError(f"{name}: expected an integer >= {low}, got {n!r}")
    if isinstance(data_x, str) or not isinstance(data_x, (list, tuple)):
        raise ValueError(f"data_x: expected a list of names (strings), got "
                         f"{type(data_x).__name__}; split the text at \"\\n\" first")
    if len(data_x) == 0:
        raise ValueError("data_x: expected at least one name, got an empty list")
    _check_vocabulary(char_to_ix, vocab_size)
    if not isinstance(ix_to_char, dict) or any(ix_to_char.get(i) != c
                                               for c, i in char_to_ix.items()):
        raise ValueError("ix_to_char: expected the inverse of char_to_ix (index -> character)")
    for example in data_x:
        if not isinstance(example, str):
            raise ValueError(f"data_x: expected names as strings, got {example!r}")
        _check_example(example.strip(), char_to_ix)


def check_build_example(example, char_to_ix):
    _check_vocabulary(char_to_ix)
    _check_example(example, char_to_ix)


def check_initialize_parameters(n_a, n_x, n_y):
    for name, n in (("n_a", n_a), ("n_x", n_x), ("n_y", n_y)):
        if not (_is_index(n) and n >= 1):
            raise ValueError(f"{name}: expected a positive integer, got {n!r}")
