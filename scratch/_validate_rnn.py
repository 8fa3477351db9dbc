"""Input checks of :mod:`scratch.rnn` (course 5, week 1: RNN, LSTM, GRU step by step).

One check per public function, named after it (``check_<function>``), for the
``@checked`` decorator of :mod:`scratch._validate`: each raises ValueError saying what was
expected and what was given, and returns the arguments to use (arrays as ndarrays).
Layout: x (n_x, m, T_x), a0 / c0 (n_a, m); parameters as :mod:`scratch.rnn` lists them.
"""
from __future__ import annotations

import numpy as np

from ._validate import _describe

#: the course's parameter names for each cell: (gate weights, output weights)
RNN_KEYS = ("Wax", "Waa", "ba", "Wya", "by")
LSTM_KEYS = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by")
GRU_KEYS = ("Wr", "br", "Wu", "bu", "Wc", "bc", "Wy", "by")


def _array(name, a, ndim):
    arr = np.asarray(a)
    if arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got {_describe(arr)}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    return arr


def _expect_shape(name, arr, shape, what):
    if arr.shape != shape:
        raise ValueError(f"{name}: expected shape {shape} ({what}), got {_describe(arr)}")


def _check_parameters(parameters, cell):
    """The dict holds every key of ``cell`` ("rnn", "lstm" or "gru") with consistent shapes.

    Returns (n_x, n_a, n_y), read off the parameters.
    """
    keys = {"rnn": RNN_KEYS, "lstm": LSTM_KEYS, "gru": GRU_KEYS}[cell]
    if not isinstance(parameters, dict):
        raise ValueError(f"parameters: expected a dict with keys {', '.join(keys)}, got "
                         f"{type(parameters).__name__}")
    missing = [k for k in keys if k not in parameters]
    if missing:
        raise ValueError(f"parameters: missing {', '.join(missing)} for the {cell.upper()} cell; "
                         f"expected {', '.join(keys)}, got {', '.join(sorted(parameters))}")
    p = {k: _array(f"parameters[{k!r}]", parameters[k], 2) for k in keys}
    out = "Wya" if cell == "rnn" else "Wy"
    n_y, n_a = p[out].shape
    if cell == "rnn":
        n_x = p["Wax"].shape[1]
        _expect_shape("parameters['Wax']", p["Wax"], (n_a, n_x), f"(n_a, n_x), n_a = {n_a} from Wya")
        _expect_shape("parameters['Waa']", p["Waa"], (n_a, n_a), "(n_a, n_a)")
        _expect_shape("parameters['ba']", p["ba"], (n_a, 1), "(n_a, 1)")
    else:
        gates = [k for k in keys if k.startswith("W") and k != "Wy"]
        if len({p[W].shape for W in gates}) > 1:
            raise ValueError(f"parameters['{gates[0]}'], ...: expected shape (n_a, n_a + n_x) for "
                             f"every gate (acting on [a_prev; xt]), got "
                             f"{', '.join(f'{W} {p[W].shape}' for W in gates)}")
        n_x = p[gates[0]].shape[1] - n_a
        if n_x < 1:
            raise ValueError(f"parameters[{gates[0]!r}]: expected shape (n_a, n_a + n_x) acting on "
                             f"[a_prev; xt], n_a = {n_a} from Wy, got {_describe(p[gates[0]])}")
        for W in gates:
            _expect_shape(f"parameters[{W!r}]", p[W], (n_a, n_a + n_x),
                          f"(n_a, n_a + n_x) = ({n_a}, {n_a} + {n_x}), hidden columns first")
            _expect_shape(f"parameters['b{W[1:]}']", p["b" + W[1:]], (n_a, 1), "(n_a, 1)")
    _expect_shape("parameters['by']", p["by"], (n_y, 1), "(n_y, 1)")
    return n_x, n_a, n_y


def _check_step(xt, a_prev, parameters, cell, c_prev=None, prev="a_prev"):
    """One time step: xt (n_x, m), a_prev (n_a, m) (and c_prev (n_a, m)) fit the parameters."""
    n_x, n_a, _ = _check_parameters(parameters, cell)
    xt = _array("xt", xt, 2)
    _expect_shape("xt", xt, (n_x, xt.shape[1]), f"(n_x, m) with n_x = {n_x} from the parameters")
    if xt.shape[1] == 0:
        raise ValueError(f"xt: expected at least one example (m >= 1), got {_describe(xt)}")
    m = xt.shape[1]
    _expect_shape(prev, _array(prev, a_prev, 2), (n_a, m), f"(n_a, m), n_a = {n_a}, m = {m} from xt")
    if c_prev is not None:
        _expect_shape("c_prev", _array("c_prev", c_prev, 2), (n_a, m), "(n_a, m), like a_prev")


def _check_sequence(x, a0, parameters, cell, first="a0"):
    """A whole sequence: x (n_x, m, T_x) with T_x >= 1 and m >= 1, a0 (n_a, m)."""
    n_x, n_a, _ = _check_parameters(parameters, cell)
    x = _array("x", x, 3)
    n_x_given, m, T_x = x.shape
    if n_x_given != n_x:
        raise ValueError(f"x: expected shape (n_x, m, T_x) with n_x = {n_x} from the parameters, "
                         f"got {_describe(x)}")
    if T_x == 0:
        raise ValueError(f"x: expected a sequence of at least one time step (T_x >= 1), got "
                         f"T_x = 0 ({_describe(x)})")
    if m == 0:
        raise ValueError(f"x: expected at least one example (m >= 1), got m = 0 ({_describe(x)})")
    _expect_shape(first, _array(first, a0, 2), (n_a, m), f"(n_a, m), n_a = {n_a}, m = {m} from x")


def _check_cell_cache(cache, size, name):
    if not isinstance(cache, tuple) or len(cache) != size:
        raise ValueError(f"cache: expected the {size}-tuple returned by {name}, got "
                         f"{type(cache).__name__} of length {len(cache) if hasattr(cache, '__len__') else '?'}")


def _check_upstream(name, d, shape, what):
    _expect_shape(name, _array(name, d, len(shape)), shape, what)


def _check_step_backward(d_next, cache, size, forward, names=("da_next",), extra=()):
    """Upstream gradients of one step have the shape of the step's hidden state."""
    _check_cell_cache(cache, size, forward)
    shape = np.shape(cache[0])
    for name, d in zip(names, (d_next, *extra)):
        _check_upstream(name, d, shape, "(n_a, m), like the step's hidden state")


def _check_caches(d, caches, cell_size, forward, name="da"):
    """caches = (list of cell caches, x) and d (n_a, m, T_x) with 1 <= T_x <= the caches'
    steps: the course takes T_x from d and backpropagates through the first T_x steps."""
    if not (isinstance(caches, tuple) and len(caches) == 2 and isinstance(caches[0], list)):
        raise ValueError(f"caches: expected (list of cell caches, x) as returned by {forward}, "
                         f"got {type(caches).__name__}")
    cell_caches, x = caches
    if len(cell_caches) == 0:
        raise ValueError("caches: expected at least one time step (T_x >= 1), got an empty list")
    _check_cell_cache(cell_caches[0], cell_size, forward)
    n_a, m = np.shape(cell_caches[0][0])
    d = _array(name, d, 3)
    steps = len(cell_caches)
    if d.shape[:2] != (n_a, m) or not 1 <= d.shape[2] <= steps:
        raise ValueError(f"{name}: expected shape ({n_a}, {m}, T_x) ((n_a, m, T_x), n_a and m "
                         f"from the caches, 1 <= T_x <= their {steps} steps: the course "
                         f"backpropagates through the first T_x), got {_describe(d)}")


# ============================================================================ one check per function
def check_rnn_cell_forward(xt, a_prev, parameters):
    _check_step(xt, a_prev, parameters, "rnn")
    return np.asarray(xt), np.asarray(a_prev), parameters


def check_rnn_forward(x, a0, parameters):
    _check_sequence(x, a0, parameters, "rnn")
    return np.asarray(x), np.asarray(a0), parameters


def check_rnn_cell_backward(da_next, cache):
    _check_step_backward(da_next, cache, 4, "rnn_cell_forward")
    return np.asarray(da_next), cache


def check_rnn_backward(da, caches):
    _check_caches(da, caches, 4, "rnn_forward")
    return np.asarray(da), caches


def check_lstm_cell_forward(xt, a_prev, c_prev, parameters):
    _check_step(xt, a_prev, parameters, "lstm", c_prev=c_prev)
    return np.asarray(xt), np.asarray(a_prev), np.asarray(c_prev), parameters


def check_lstm_forward(x, a0, parameters):
    _check_sequence(x, a0, parameters, "lstm")
    return np.asarray(x), np.asarray(a0), parameters


def check_lstm_cell_backward(da_next, dc_next, cache):
    _check_step_backward(da_next, cache, 10, "lstm_cell_forward",
                         names=("da_next", "dc_next"), extra=(dc_next,))
    return np.asarray(da_next), np.asarray(dc_next), cache


def check_lstm_backward(da, caches):
    _check_caches(da, caches, 10, "lstm_forward")
    return np.asarray(da), caches


def check_gru_cell_forward(xt, c_prev, parameters):
    """Either GRU form: the same parameter dict."""
    _check_step(xt, c_prev, parameters, "gru", prev="c_prev")
    return np.asarray(xt), np.asarray(c_prev), parameters


def check_gru_forward(x, c0, parameters):
    """Either GRU form."""
    _check_sequence(x, c0, parameters, "gru", first="c0")
    return np.asarray(x), np.asarray(c0), parameters


def check_gru_cell_backward(dc_next, cache):
    _check_step_backward(dc_next, cache, 7, "gru_cell_forward", names=("dc_next",))
    return np.asarray(dc_next), cache


def check_gru_cell_backward_torch_form(dc_next, cache):
    _check_step_backward(dc_next, cache, 8, "gru_cell_forward_torch_form", names=("dc_next",))
    return np.asarray(dc_next), cache


def check_gru_backward(dc, caches):
    _check_caches(dc, caches, 7, "gru_forward", name="dc")
    return np.asarray(dc), caches


def check_gru_backward_torch_form(dc, caches):
    _check_caches(dc, caches, 8, "gru_forward_torch_form", name="dc")
    return np.asarray(dc), caches
