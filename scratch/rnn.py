"""Course 5, week 1: recurrent neural networks step by step (RNN, LSTM, GRU), forward and
backward through time, derived by hand.

Layout (the course's): x (n_x, m, T_x), one (n_x, m) slice x<t> = x[:, :, t] per time step;
hidden states a (n_a, m, T_x), a0 (n_a, m); outputs y (n_y, m, T_x); softmax over axis 0
(the classes), column by column.

Basic RNN cell, parameters Wax (n_a, n_x), Waa (n_a, n_a), ba (n_a, 1), Wya (n_y, n_a), by (n_y, 1):
    a<t> = tanh(Wax x<t> + Waa a<t-1> + ba)
    y<t> = softmax(Wya a<t> + by)

LSTM cell, gate weights Wf, Wi, Wc, Wo (n_a, n_a + n_x) acting on concat = [a<t-1>; x<t>]
(hidden state FIRST), biases bf, bi, bc, bo (n_a, 1), output Wy (n_y, n_a), by (n_y, 1):
    Gamma_f = sigma(Wf concat + bf)          forget gate    (ft)
    Gamma_i = sigma(Wi concat + bi)          update gate    (it)
    c~<t>   = tanh(Wc concat + bc)           candidate      (cct)
    c<t>    = Gamma_f * c<t-1> + Gamma_i * c~<t>
    Gamma_o = sigma(Wo concat + bo)          output gate    (ot)
    a<t>    = Gamma_o * tanh(c<t>)
    y<t>    = softmax(Wy a<t> + by)

GRU, two forms, the same parameter dict: Wr, Wu, Wc (n_a, n_a + n_x), br, bu, bc (n_a, 1),
Wy (n_y, n_a), by (n_y, 1); in a GRU the hidden state is the memory cell, a<t> = c<t>.
  The lectures' (full GRU, with the relevance gate):
    Gamma_r = sigma(Wr [c<t-1>; x<t>] + br)                        (rt)
    Gamma_u = sigma(Wu [c<t-1>; x<t>] + bu)                        (ut)
    c~<t>   = tanh(Wc [Gamma_r * c<t-1>; x<t>] + bc)               (cct)
    c<t>    = Gamma_u * c~<t> + (1 - Gamma_u) * c<t-1>
  PyTorch's nn.GRU (``*_torch_form``): the relevance gate multiplies the hidden PRODUCT,
  not the hidden state. With Wc = [Wch | Wcx] (hidden columns first):
    c~<t>   = tanh(Wcx x<t> + bc + Gamma_r * (Wch c<t-1>))
  and the rest as above. nn.GRU writes h' = (1 - z) * n + z * h: its z is 1 - Gamma_u, and it
  has a second bias b_hn inside Gamma_r * (...), held at 0 here (see torch_ref.rnn).
  Wch (Gamma_r * c) is not Gamma_r * (Wch c): the two forms are different functions.

Backward: every ``*_backward`` takes the upstream gradient of the hidden states (the output
layer excluded, no 1/m): ``da`` (n_a, m, T_x) is dJ/da<t> coming from outside the recurrence
(e.g. from y<t>), and the functions add the gradient flowing back from step t+1 themselves.
The returned dW are SUMS over the m examples and the T_x steps. As the course's
(``n_a, m, T_x = da.shape``), T_x is read off ``da``, not off the caches: the backward pass
runs through the FIRST T_x steps of the caches (t = T_x - 1 down to 0), as if the sequence
ended there, and dx is (n_x, m, T_x). The course's notebook calls ``lstm_backward`` with da
(5, 10, 4) and caches of 7 steps (docs/course_results.md has its printed gradients).
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_rnn import (  # noqa: F401  (the key lists: re-exported, the course's names)
    GRU_KEYS,
    LSTM_KEYS,
    RNN_KEYS,
    check_gru_backward,
    check_gru_backward_torch_form,
    check_gru_cell_backward,
    check_gru_cell_backward_torch_form,
    check_gru_cell_forward,
    check_gru_forward,
    check_lstm_backward,
    check_lstm_cell_backward,
    check_lstm_cell_forward,
    check_lstm_forward,
    check_rnn_backward,
    check_rnn_cell_backward,
    check_rnn_cell_forward,
    check_rnn_forward,
)
from .activations import sigmoid_value as sigmoid


def _softmax(z):
    """softmax over axis 0 (the classes), one column per example; the column's maximum
    is subtracted first so no exponent is positive (nothing overflows)."""
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


# ============================================================================ basic RNN
@checked(check_rnn_cell_forward)
def rnn_cell_forward(xt, a_prev, parameters):
    """One step of the basic RNN.

        a_next = tanh(Wax xt + Waa a_prev + ba)
        yt_pred = softmax(Wya a_next + by)

    Args:
        xt: input at step t, (n_x, m).  a_prev: hidden state at t-1, (n_a, m).
        parameters: Wax (n_a, n_x), Waa (n_a, n_a), Wya (n_y, n_a), ba (n_a, 1), by (n_y, 1).
    Returns:
        (a_next, yt_pred, cache): (n_a, m), (n_y, m); cache = (a_next, a_prev, xt, parameters).
    """
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    a_next = np.tanh(np.dot(Wax, xt) + np.dot(Waa, a_prev) + ba)
    yt_pred = _softmax(np.dot(Wya, a_next) + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


@checked(check_rnn_forward)
def rnn_forward(x, a0, parameters):
    """The basic RNN over T_x steps: a<t>, y<t> = rnn_cell_forward(x<t>, a<t-1>), a<0> = a0.

    Args:
        x: (n_x, m, T_x).  a0: (n_a, m).  parameters: as :func:`rnn_cell_forward`.
    Returns:
        (a, y_pred, caches): a (n_a, m, T_x), y_pred (n_y, m, T_x);
        caches = (list of the T_x cell caches, x).
    """
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    dtype = np.result_type(x, a0, parameters["Waa"], 1.0)
    a = np.zeros((n_a, m, T_x), dtype=dtype)
    y_pred = np.zeros((n_y, m, T_x), dtype=dtype)
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward.unchecked(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    caches = (caches, x)
    return a, y_pred, caches


@checked(check_rnn_cell_backward)
def rnn_cell_backward(da_next, cache):
    """Backward through one RNN step (tanh'(z) = 1 - tanh(z)^2 = 1 - a_next^2).

        dtanh = (1 - a_next^2) * da_next
        dxt = Wax^T dtanh;   dWax = dtanh xt^T
        da_prev = Waa^T dtanh;   dWaa = dtanh a_prev^T
        dba = sum(dtanh, axis=1, keepdims=True)

    Args:
        da_next: dJ/da_next, (n_a, m) (everything that reaches a_next).
        cache: from :func:`rnn_cell_forward`.
    Returns:
        dict dxt (n_x, m), da_prev (n_a, m), dWax (n_a, n_x), dWaa (n_a, n_a), dba (n_a, 1).
    """
    (a_next, a_prev, xt, parameters) = cache
    Wax, Waa = parameters["Wax"], parameters["Waa"]
    dtanh = (1 - a_next ** 2) * da_next
    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)
    dba = np.sum(dtanh, axis=1, keepdims=True)
    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}


@checked(check_rnn_backward)
def rnn_backward(da, caches):
    """Backpropagation through time for the basic RNN.

    From t = T_x down to 1, the gradient reaching a<t> is the upstream da<t> plus what
    step t+1 sends back (da_prev); the weight gradients add up over the steps:

        g = rnn_cell_backward(da<t> + da_prev<t+1>, cache<t>)
        dx<t> = g.dxt;  dWax += g.dWax;  dWaa += g.dWaa;  dba += g.dba
        da0 = da_prev<1>

    Args:
        da: (n_a, m, T_x), the upstream gradient of every hidden state (output layer
            excluded, no 1/m).  caches: from :func:`rnn_forward`, of T_x steps or more:
            T_x is da's, and the first T_x steps are backpropagated (the course's rule).
    Returns:
        dict dx (n_x, m, T_x), da0 (n_a, m), dWax (n_a, n_x), dWaa (n_a, n_a), dba (n_a, 1).
    """
    (caches, x) = caches
    (a1, a0, x1, parameters) = caches[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    dtype = np.result_type(da, a1)
    dx = np.zeros((n_x, m, T_x), dtype=dtype)
    dWax = np.zeros((n_a, n_x), dtype=dtype)
    dWaa = np.zeros((n_a, n_a), dtype=dtype)
    dba = np.zeros((n_a, 1), dtype=dtype)
    da_prevt = np.zeros((n_a, m), dtype=dtype)
    for t in reversed(range(T_x)):
        gradients = rnn_cell_backward.unchecked(da[:, :, t] + da_prevt, caches[t])
        dxt, da_prevt = gradients["dxt"], gradients["da_prev"]
        dx[:, :, t] = dxt
        dWax += gradients["dWax"]
        dWaa += gradients["dWaa"]
        dba += gradients["dba"]
    da0 = da_prevt
    return {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}


# ============================================================================ LSTM
@checked(check_lstm_cell_forward)
def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """One LSTM step; the gates act on concat = [a_prev; xt] (hidden state first).

        ft = sigma(Wf concat + bf);  it = sigma(Wi concat + bi);  cct = tanh(Wc concat + bc)
        c_next = ft * c_prev + it * cct
        ot = sigma(Wo concat + bo);  a_next = ot * tanh(c_next)
        yt_pred = softmax(Wy a_next + by)

    Args:
        xt: (n_x, m).  a_prev, c_prev: (n_a, m).
        parameters: Wf, Wi, Wc, Wo (n_a, n_a + n_x); bf, bi, bc, bo (n_a, 1);
            Wy (n_y, n_a); by (n_y, 1).
    Returns:
        (a_next, c_next, yt_pred, cache): (n_a, m), (n_a, m), (n_y, m);
        cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters).
    """
    Wf, bf, Wi, bi = parameters["Wf"], parameters["bf"], parameters["Wi"], parameters["bi"]
    Wc, bc, Wo, bo = parameters["Wc"], parameters["bc"], parameters["Wo"], parameters["bo"]
    Wy, by = parameters["Wy"], parameters["by"]
    concat = np.concatenate((a_prev, xt), axis=0)
    ft = sigmoid(np.dot(Wf, concat) + bf)
    it = sigmoid(np.dot(Wi, concat) + bi)
    cct = np.tanh(np.dot(Wc, concat) + bc)
    c_next = ft * c_prev + it * cct
    ot = sigmoid(np.dot(Wo, concat) + bo)
    a_next = ot * np.tanh(c_next)
    yt_pred = _softmax(np.dot(Wy, a_next) + by)
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


@checked(check_lstm_forward)
def lstm_forward(x, a0, parameters):
    """The LSTM over T_x steps, from a<0> = a0 and c<0> = 0.

    Args:
        x: (n_x, m, T_x).  a0: (n_a, m).  parameters: as :func:`lstm_cell_forward`.
    Returns:
        (a, y, c, caches) (this order): a (n_a, m, T_x), y (n_y, m, T_x), c (n_a, m, T_x);
        caches = (list of the T_x cell caches, x).
    """
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    dtype = np.result_type(x, a0, parameters["Wf"], 1.0)
    a = np.zeros((n_a, m, T_x), dtype=dtype)
    c = np.zeros((n_a, m, T_x), dtype=dtype)
    y = np.zeros((n_y, m, T_x), dtype=dtype)
    a_next = a0
    c_next = np.zeros((n_a, m), dtype=dtype)
    for t in range(T_x):
        a_next, c_next, yt, cache = lstm_cell_forward.unchecked(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)
    caches = (caches, x)
    return a, y, c, caches


@checked(check_lstm_cell_backward)
def lstm_cell_backward(da_next, dc_next, cache):
    """Backward through one LSTM step, in the order of the forward lines it reverses.

    All the gradient reaching c_next, from c<t+1> (dc_next) and through a_next = ot tanh(c_next):
        dc = dc_next + da_next * ot * (1 - tanh(c_next)^2)
    The gates, as gradients of their pre-activations (sigma' = s (1 - s), tanh' = 1 - t^2):
        dot = da_next * tanh(c_next) * ot * (1 - ot)
        dcct = dc * it * (1 - cct^2)
        dit = dc * cct * it * (1 - it)
        dft = dc * c_prev * ft * (1 - ft)
    (the course writes dc expanded in each line: dcct = (dc_next * it + ot * (1 - tanh(c_next)^2)
    * it * da_next) * (1 - cct^2), and so on.) Then, with concat = [a_prev; xt]:
        dW_gate = d_gate concat^T;   db_gate = sum(d_gate, axis=1, keepdims=True)
        dconcat = Wf^T dft + Wi^T dit + Wc^T dcct + Wo^T dot
        da_prev = dconcat[:n_a];   dxt = dconcat[n_a:]
        dc_prev = dc * ft

    Args:
        da_next, dc_next: (n_a, m).  cache: from :func:`lstm_cell_forward`.
    Returns:
        dict dxt (n_x, m), da_prev, dc_prev (n_a, m), dWf, dWi, dWc, dWo (n_a, n_a + n_x),
        dbf, dbi, dbc, dbo (n_a, 1).
    """
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache
    n_a, m = a_next.shape
    dc = dc_next + da_next * ot * (1 - np.tanh(c_next) ** 2)
    dot = da_next * np.tanh(c_next) * ot * (1 - ot)
    dcct = dc * it * (1 - cct ** 2)
    dit = dc * cct * it * (1 - it)
    dft = dc * c_prev * ft * (1 - ft)
    concat = np.concatenate((a_prev, xt), axis=0)
    dWf = np.dot(dft, concat.T)
    dWi = np.dot(dit, concat.T)
    dWc = np.dot(dcct, concat.T)
    dWo = np.dot(dot, concat.T)
    dbf = np.sum(dft, axis=1, keepdims=True)
    dbi = np.sum(dit, axis=1, keepdims=True)
    dbc = np.sum(dcct, axis=1, keepdims=True)
    dbo = np.sum(dot, axis=1, keepdims=True)
    dconcat = (np.dot(parameters["Wf"].T, dft) + np.dot(parameters["Wi"].T, dit)
               + np.dot(parameters["Wc"].T, dcct) + np.dot(parameters["Wo"].T, dot))
    da_prev = dconcat[:n_a]
    dxt = dconcat[n_a:]
    dc_prev = dc * ft
    return {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc_prev, "dWf": dWf, "dbf": dbf,
            "dWi": dWi, "dbi": dbi, "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}


@checked(check_lstm_backward)
def lstm_backward(da, caches):
    """Backpropagation through time for the LSTM (c<0> = 0 is a constant: no dc0).

        from t = T_x down to 1, with da_prev = dc_prev = 0 at t = T_x:
        g = lstm_cell_backward(da<t> + da_prev, dc_prev, cache<t>)
        dx<t> = g.dxt;  dW_gate += g.dW_gate;  db_gate += g.db_gate
        da0 = da_prev<1>

    Args:
        da: (n_a, m, T_x), the upstream gradient of every hidden state (output layer
            excluded, no 1/m).  caches: from :func:`lstm_forward`, of T_x steps or more:
            T_x is da's, and the first T_x steps are backpropagated (the course's rule; its
            notebook passes da (5, 10, 4) with caches of 7 steps).
    Returns:
        dict dx (n_x, m, T_x), da0 (n_a, m), dWf, dWi, dWc, dWo (n_a, n_a + n_x),
        dbf, dbi, dbc, dbo (n_a, 1).
    """
    (caches, x) = caches
    (a1, c1, a0, c0, f1, i1, cc1, o1, x1, parameters) = caches[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    dtype = np.result_type(da, a1)
    dx = np.zeros((n_x, m, T_x), dtype=dtype)
    da_prevt = np.zeros((n_a, m), dtype=dtype)
    dc_prevt = np.zeros((n_a, m), dtype=dtype)
    grads = {k: np.zeros((n_a, n_a + n_x), dtype=dtype) for k in ("dWf", "dWi", "dWc", "dWo")}
    grads.update({k: np.zeros((n_a, 1), dtype=dtype) for k in ("dbf", "dbi", "dbc", "dbo")})
    for t in reversed(range(T_x)):
        gradients = lstm_cell_backward.unchecked(da[:, :, t] + da_prevt, dc_prevt, caches[t])
        da_prevt, dc_prevt = gradients["da_prev"], gradients["dc_prev"]
        dx[:, :, t] = gradients["dxt"]
        for k in grads:
            grads[k] += gradients[k]
    da0 = da_prevt
    return {"dx": dx, "da0": da0, "dWf": grads["dWf"], "dbf": grads["dbf"],
            "dWi": grads["dWi"], "dbi": grads["dbi"], "dWc": grads["dWc"], "dbc": grads["dbc"],
            "dWo": grads["dWo"], "dbo": grads["dbo"]}


# ============================================================================ GRU, the lectures' form
@checked(check_gru_cell_forward)
def gru_cell_forward(xt, c_prev, parameters):
    """One GRU step, the lectures' full GRU (a = c).

        rt = Gamma_r = sigma(Wr [c_prev; xt] + br)
        ut = Gamma_u = sigma(Wu [c_prev; xt] + bu)
        cct = c~ = tanh(Wc [Gamma_r * c_prev; xt] + bc)
        c_next = Gamma_u * c~ + (1 - Gamma_u) * c_prev
        yt_pred = softmax(Wy c_next + by)

    Args:
        xt: (n_x, m).  c_prev: (n_a, m).
        parameters: Wr, Wu, Wc (n_a, n_a + n_x), hidden columns first; br, bu, bc (n_a, 1);
            Wy (n_y, n_a); by (n_y, 1).
    Returns:
        (c_next, yt_pred, cache): (n_a, m), (n_y, m);
        cache = (c_next, c_prev, rt, ut, cct, xt, parameters).
    """
    Wr, br, Wu, bu = parameters["Wr"], parameters["br"], parameters["Wu"], parameters["bu"]
    Wc, bc, Wy, by = parameters["Wc"], parameters["bc"], parameters["Wy"], parameters["by"]
    concat = np.concatenate((c_prev, xt), axis=0)
    rt = sigmoid(np.dot(Wr, concat) + br)
    ut = sigmoid(np.dot(Wu, concat) + bu)
    cct = np.tanh(np.dot(Wc, np.concatenate((rt * c_prev, xt), axis=0)) + bc)
    c_next = ut * cct + (1 - ut) * c_prev
    yt_pred = _softmax(np.dot(Wy, c_next) + by)
    cache = (c_next, c_prev, rt, ut, cct, xt, parameters)
    return c_next, yt_pred, cache


@checked(check_gru_cell_backward)
def gru_cell_backward(dc_next, cache):
    """Backward through one step of the lectures' GRU, forward lines reversed.

    c_next = Gamma_u * c~ + (1 - Gamma_u) * c_prev:
        dcct = dc_next * ut * (1 - cct^2)                 (pre-activation of c~)
        dut = dc_next * (cct - c_prev) * ut * (1 - ut)     (pre-activation of Gamma_u)
        dc_prev = dc_next * (1 - ut)
    c~ = tanh(Wc [Gamma_r * c_prev; xt] + bc):
        dWc = dcct [rt * c_prev; xt]^T;  dbc = sum(dcct, axis=1, keepdims=True)
        [drc; dxt] = Wc^T dcct                            (drc: gradient of Gamma_r * c_prev)
        drt = drc * c_prev * rt * (1 - rt);   dc_prev += drc * rt
    The gates on concat = [c_prev; xt]:
        dWr = drt concat^T;  dWu = dut concat^T;  dbr, dbu = row sums
        [dc; dx] = Wr^T drt + Wu^T dut:  dc_prev += dc;  dxt += dx

    Args:
        dc_next: (n_a, m).  cache: from :func:`gru_cell_forward`.
    Returns:
        dict dxt (n_x, m), dc_prev (n_a, m), dWr, dWu, dWc (n_a, n_a + n_x), dbr, dbu, dbc (n_a, 1).
    """
    (c_next, c_prev, rt, ut, cct, xt, parameters) = cache
    n_a = c_next.shape[0]
    dcct = dc_next * ut * (1 - cct ** 2)
    dut = dc_next * (cct - c_prev) * ut * (1 - ut)
    dc_prev = dc_next * (1 - ut)
    dWc = np.dot(dcct, np.concatenate((rt * c_prev, xt), axis=0).T)
    dbc = np.sum(dcct, axis=1, keepdims=True)
    dconcat_r = np.dot(parameters["Wc"].T, dcct)
    drc, dxt = dconcat_r[:n_a], dconcat_r[n_a:]
    drt = drc * c_prev * rt * (1 - rt)
    dc_prev = dc_prev + drc * rt
    concat = np.concatenate((c_prev, xt), axis=0)
    dWr = np.dot(drt, concat.T)
    dWu = np.dot(dut, concat.T)
    dbr = np.sum(drt, axis=1, keepdims=True)
    dbu = np.sum(dut, axis=1, keepdims=True)
    dconcat = np.dot(parameters["Wr"].T, drt) + np.dot(parameters["Wu"].T, dut)
    dc_prev = dc_prev + dconcat[:n_a]
    dxt = dxt + dconcat[n_a:]
    return {"dxt": dxt, "dc_prev": dc_prev, "dWr": dWr, "dbr": dbr, "dWu": dWu, "dbu": dbu,
            "dWc": dWc, "dbc": dbc}


# ============================================================================ GRU, PyTorch's form
@checked(check_gru_cell_forward)
def gru_cell_forward_torch_form(xt, c_prev, parameters):
    """One GRU step in nn.GRU's form: Gamma_r multiplies the hidden product Wch c_prev.

    With Wc = [Wch | Wcx] (Wch = Wc[:, :n_a] on c_prev, Wcx = Wc[:, n_a:] on xt):
        rt = sigma(Wr [c_prev; xt] + br);   ut = sigma(Wu [c_prev; xt] + bu)
        hc = Wch c_prev
        cct = tanh(Wcx xt + bc + rt * hc)
        c_next = ut * cct + (1 - ut) * c_prev
        yt_pred = softmax(Wy c_next + by)
    (nn.GRU: r = rt, n = cct, z = 1 - ut, h' = (1 - z) * n + z * h; its b_hn, a bias
    inside r * (W_hn h + b_hn), is 0 here.)

    Args and shapes: as :func:`gru_cell_forward`.
    Returns:
        (c_next, yt_pred, cache): cache = (c_next, c_prev, rt, ut, cct, hc, xt, parameters).
    """
    Wr, br, Wu, bu = parameters["Wr"], parameters["br"], parameters["Wu"], parameters["bu"]
    Wc, bc, Wy, by = parameters["Wc"], parameters["bc"], parameters["Wy"], parameters["by"]
    n_a = c_prev.shape[0]
    concat = np.concatenate((c_prev, xt), axis=0)
    rt = sigmoid(np.dot(Wr, concat) + br)
    ut = sigmoid(np.dot(Wu, concat) + bu)
    hc = np.dot(Wc[:, :n_a], c_prev)
    cct = np.tanh(np.dot(Wc[:, n_a:], xt) + bc + rt * hc)
    c_next = ut * cct + (1 - ut) * c_prev
    yt_pred = _softmax(np.dot(Wy, c_next) + by)
    cache = (c_next, c_prev, rt, ut, cct, hc, xt, parameters)
    return c_next, yt_pred, cache


@checked(check_gru_cell_backward_torch_form)
def gru_cell_backward_torch_form(dc_next, cache):
    """Backward through one step of nn.GRU's form, forward lines reversed.

        dcct = dc_next * ut * (1 - cct^2);   dut = dc_next * (cct - c_prev) * ut * (1 - ut)
        dc_prev = dc_next * (1 - ut)
    cct = tanh(Wcx xt + bc + rt * hc), hc = Wch c_prev:
        dhc = dcct * rt;   drt = dcct * hc * rt * (1 - rt)
        dWc = [dhc c_prev^T | dcct xt^T];   dbc = sum(dcct, axis=1, keepdims=True)
        dxt = Wcx^T dcct;   dc_prev += Wch^T dhc
    The gates on concat = [c_prev; xt], as in :func:`gru_cell_backward`:
        dWr = drt concat^T;  dWu = dut concat^T;  [dc; dx] = Wr^T drt + Wu^T dut

    Returns:
        dict dxt, dc_prev, dWr, dbr, dWu, dbu, dWc, dbc (shapes as :func:`gru_cell_backward`).
    """
    (c_next, c_prev, rt, ut, cct, hc, xt, parameters) = cache
    Wc = parameters["Wc"]
    n_a = c_next.shape[0]
    dcct = dc_next * ut * (1 - cct ** 2)
    dut = dc_next * (cct - c_prev) * ut * (1 - ut)
    dc_prev = dc_next * (1 - ut)
    dhc = dcct * rt
    drt = dcct * hc * rt * (1 - rt)
    dWc = np.concatenate((np.dot(dhc, c_prev.T), np.dot(dcct, xt.T)), axis=1)
    dbc = np.sum(dcct, axis=1, keepdims=True)
    dxt = np.dot(Wc[:, n_a:].T, dcct)
    dc_prev = dc_prev + np.dot(Wc[:, :n_a].T, dhc)
    concat = np.concatenate((c_prev, xt), axis=0)
    dWr = np.dot(drt, concat.T)
    dWu = np.dot(dut, concat.T)
    dbr = np.sum(drt, axis=1, keepdims=True)
    dbu = np.sum(dut, axis=1, keepdims=True)
    dconcat = np.dot(parameters["Wr"].T, drt) + np.dot(parameters["Wu"].T, dut)
    dc_prev = dc_prev + dconcat[:n_a]
    dxt = dxt + dconcat[n_a:]
    return {"dxt": dxt, "dc_prev": dc_prev, "dWr": dWr, "dbr": dbr, "dWu": dWu, "dbu": dbu,
            "dWc": dWc, "dbc": dbc}


# ============================================================================ GRU through time
def _gru_loop_forward(cell_forward, x, c0, parameters):
    """The loop both GRU forms share: c<t>, y<t> = cell_forward(x<t>, c<t-1>), c<0> = c0."""
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    dtype = np.result_type(x, c0, parameters["Wr"], 1.0)
    c = np.zeros((n_a, m, T_x), dtype=dtype)
    y = np.zeros((n_y, m, T_x), dtype=dtype)
    c_next = c0
    for t in range(T_x):
        c_next, yt, cache = cell_forward(x[:, :, t], c_next, parameters)
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)
    return c, y, (caches, x)


def _gru_loop_backward(cell_backward, dc, caches):
    """The loop both GRU forms share: g = cell_backward(dc<t> + dc_prev<t+1>, cache<t>)."""
    (caches, x) = caches
    n_a, m, T_x = dc.shape
    n_x = x.shape[0]
    dtype = np.result_type(dc, caches[0][0])
    dx = np.zeros((n_x, m, T_x), dtype=dtype)
    dc_prevt = np.zeros((n_a, m), dtype=dtype)
    grads = {k: np.zeros((n_a, n_a + n_x), dtype=dtype) for k in ("dWr", "dWu", "dWc")}
    grads.update({k: np.zeros((n_a, 1), dtype=dtype) for k in ("dbr", "dbu", "dbc")})
    for t in reversed(range(T_x)):
        gradients = cell_backward(dc[:, :, t] + dc_prevt, caches[t])
        dc_prevt = gradients["dc_prev"]
        dx[:, :, t] = gradients["dxt"]
        for k in grads:
            grads[k] += gradients[k]
    return {"dx": dx, "dc0": dc_prevt, **grads}


@checked(check_gru_forward)
def gru_forward(x, c0, parameters):
    """The lectures' GRU over T_x steps, from c<0> = c0 (:func:`gru_cell_forward` each step).

    Args:
        x: (n_x, m, T_x).  c0: (n_a, m).  parameters: as :func:`gru_cell_forward`.
    Returns:
        (c, y, caches): c (n_a, m, T_x) (= the hidden states a), y (n_y, m, T_x);
        caches = (list of the T_x cell caches, x).
    """
    return _gru_loop_forward(gru_cell_forward.unchecked, x, c0, parameters)


@checked(check_gru_backward)
def gru_backward(dc, caches):
    """Backpropagation through time for the lectures' GRU.

        from t = T_x down to 1:  g = gru_cell_backward(dc<t> + dc_prev<t+1>, cache<t>)
        dx<t> = g.dxt;  dW_gate += g.dW_gate;  db_gate += g.db_gate;  dc0 = dc_prev<1>

    Args:
        dc: (n_a, m, T_x), the upstream gradient of every hidden state (output layer
            excluded, no 1/m).  caches: from :func:`gru_forward`, of T_x steps or more:
            T_x is dc's, and the first T_x steps are backpropagated (the course's rule).
    Returns:
        dict dx (n_x, m, T_x), dc0 (n_a, m), dWr, dWu, dWc (n_a, n_a + n_x), dbr, dbu, dbc (n_a, 1).
    """
    return _gru_loop_backward(gru_cell_backward.unchecked, dc, caches)


@checked(check_gru_forward)
def gru_forward_torch_form(x, c0, parameters):
    """nn.GRU's form over T_x steps (:func:`gru_cell_forward_torch_form` each step).

    Args, returns: as :func:`gru_forward`; the cell caches are the torch form's.
    """
    return _gru_loop_forward(gru_cell_forward_torch_form.unchecked, x, c0, parameters)


@checked(check_gru_backward_torch_form)
def gru_backward_torch_form(dc, caches):
    """Backpropagation through time for nn.GRU's form (:func:`gru_cell_backward_torch_form`
    each step, the same loop as :func:`gru_backward`; T_x is dc's, as there).

    Returns:
        dict dx, dc0, dWr, dbr, dWu, dbu, dWc, dbc (shapes as :func:`gru_backward`).
    """
    return _gru_loop_backward(gru_cell_backward_torch_form.unchecked, dc, caches)