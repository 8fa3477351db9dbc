"""Course 5: the RNN and LSTM step by step (week 1), gradient clipping (Dinosaurus Island),
positional encodings, masks and scaled dot-product attention (week 4)."""
from __future__ import annotations

import numpy as np

from .base import ELEMENTWISE_OPS, Case, Spec, copy_tree, np64, numerical_gradient, rng_for, t64

#: (n_x, n_a, n_y, m, T_x): m = 1, n_a != n_x, one step
SEQ_SHAPES = [(3, 5, 2, 1, 3), (2, 4, 3, 6, 4), (4, 2, 2, 3, 1), (3, 3, 4, 2, 5)]


def _label(n_x, n_a, n_y, m, T_x, cell=False):
    return f"n_x = {n_x}, n_a = {n_a}, n_y = {n_y}, m = {m}" + ("" if cell else f", T_x = {T_x}")


def _rnn_parameters(rng, n_x, n_a, n_y):
    return {"Wax": rng.standard_normal((n_a, n_x)) / np.sqrt(n_x),
            "Waa": rng.standard_normal((n_a, n_a)) / np.sqrt(n_a),
            "Wya": rng.standard_normal((n_y, n_a)) / np.sqrt(n_a),
            "ba": 0.5 * rng.standard_normal((n_a, 1)), "by": 0.5 * rng.standard_normal((n_y, 1))}


def _lstm_parameters(rng, n_x, n_a, n_y):
    p = {}
    for g in ("f", "i", "c", "o"):
        p["W" + g] = rng.standard_normal((n_a, n_a + n_x)) / np.sqrt(n_a + n_x)
        p["b" + g] = 0.5 * rng.standard_normal((n_a, 1))
    p["Wy"] = rng.standard_normal((n_y, n_a)) / np.sqrt(n_a)
    p["by"] = 0.5 * rng.standard_normal((n_y, 1))
    return p


def _steps(n_x, n_a, n_y, m, T_x, gates=1):
    return T_x * (gates * (n_x + n_a) + n_y + m + 4 * ELEMENTWISE_OPS)


def _draw(seed, i, lstm):
    n_x, n_a, n_y, m, T_x = SEQ_SHAPES[i]
    rng = rng_for(seed, i)
    p = (_lstm_parameters if lstm else _rnn_parameters)(rng, n_x, n_a, n_y)
    x = rng.uniform(-1, 1, (n_x, m, T_x))
    a0 = rng.uniform(-1, 1, (n_a, m))
    return rng, p, x, a0


# ============================================================================ RNN
def _rnn_cell_cases():
    cases = []
    for i, shape in enumerate(SEQ_SHAPES):
        _, p, x, a0 = _draw(91, i, False)
        cases.append(Case(_label(*shape, cell=True), (x[:, :, 0], a0, p), _steps(*shape[:4], 1),
                          shape[3]))
    return cases


def _module(cls, p, cell):
    import torch
    import torch_ref.rnn as tr

    n_a = p["Waa" if cell == "rnn" else "Wf"].shape[0]
    n_y = p["Wya" if cell == "rnn" else "Wy"].shape[0]
    n_x = (p["Wax"].shape[1] if cell == "rnn" else p["Wf"].shape[1] - n_a)
    return getattr(tr, cls)(n_x, n_a, n_y, dtype=torch.float64).load_course_parameters(p)


def _state(a, grad=False):
    return t64(np.asarray(a).T, requires_grad=grad)


def _rnn_cell_torch(args):
    import torch

    xt, a_prev, p = args
    with torch.no_grad():
        a, y = _module("CourseRNNCell", p, "rnn")(_state(xt), _state(a_prev))
    return {(0,): np64(a.T), (1,): np64(y.T)}


def _rnn_forward_cases():
    cases = []
    for i, shape in enumerate(SEQ_SHAPES):
        _, p, x, a0 = _draw(92, i, False)
        cases.append(Case(_label(*shape), (x, a0, p), _steps(*shape), shape[3]))
    return cases


def _seq(x, grad=False):
    return t64(np.transpose(np.asarray(x), (2, 1, 0)), requires_grad=grad)


def _unseq(t):
    return np.transpose(np64(t), (2, 1, 0))


def _rnn_forward_torch(args):
    import torch

    x, a0, p = args
    with torch.no_grad():
        a, y = _module("CourseRNN", p, "rnn")(_seq(x), _state(a0))
    return {(0,): _unseq(a), (1,): _unseq(y)}


def _weight_grads(module, cell):
    """The gradients of weight_ih, weight_hh, bias_ih (of the cell, or of nn.RNN's layer 0)
    in the course's names: torch_to_course_weights is linear, so it maps gradients too."""
    import torch
    from torch_ref.rnn import torch_to_course_weights

    suffix = "" if isinstance(module.rnn, torch.nn.RNNCellBase) else "_l0"
    grads = {k: np64(getattr(module.rnn, k + suffix).grad)
             for k in ("weight_ih", "weight_hh", "bias_ih")}
    return {(f"d{k}",): v for k, v in torch_to_course_weights(grads, cell).items()}


def _rnn_cell_backward_cases():
    from scratch import rnn

    cases = []
    for c in _rnn_cell_cases():
        a_next, _, cache = rnn.rnn_cell_forward(*c.args)
        da = rng_for(93, *a_next.shape).standard_normal(a_next.shape)
        cases.append(Case(c.label, (da, cache), c.steps, c.m))
    return cases


def _rnn_cell_backward_torch(args):
    da, (_, a_prev, xt, p) = args
    cell = _module("CourseRNNCell", p, "rnn")
    x_t, a_t = _state(xt, True), _state(a_prev, True)
    cell.rnn(x_t, a_t).backward(_state(da))
    out = _weight_grads(cell, "rnn")
    out[("dxt",)], out[("da_prev",)] = np64(x_t.grad.T), np64(a_t.grad.T)
    return out


def _rnn_cell_backward_fd(args):
    da, (_, a_prev, xt, p) = copy_tree(args)

    def J():
        return np.sum(da * np.tanh(np.dot(p["Wax"], xt) + np.dot(p["Waa"], a_prev) + p["ba"]))
    return {("dxt",): numerical_gradient(J, xt), ("da_prev",): numerical_gradient(J, a_prev),
            ("dWax",): numerical_gradient(J, p["Wax"]), ("dWaa",): numerical_gradient(J, p["Waa"]),
            ("dba",): numerical_gradient(J, p["ba"])}


def _rnn_backward_cases():
    from scratch import rnn

    cases = []
    for c in _rnn_forward_cases():
        a, _, caches = rnn.rnn_forward(*c.args)
        da = rng_for(94, *a.shape).standard_normal(a.shape)
        cases.append(Case(c.label, (da, caches), c.steps, c.m))
    return cases


def _rnn_backward_torch(args):
    da, (caches, x) = args
    _, a0, _, p = caches[0]
    module = _module("CourseRNN", p, "rnn")
    x_t, a_t = _seq(x, True), _state(a0, True)
    a, _ = module.rnn(x_t, a_t.unsqueeze(0))
    a.backward(_seq(da))
    out = _weight_grads(module, "rnn")
    out[("dx",)], out[("da0",)] = _unseq(x_t.grad), np64(a_t.grad.T)
    return out


def _rnn_backward_fd(args):
    from scratch import rnn

    da, (caches, x) = args
    _, a0, _, p = caches[0]
    x, a0, p = x.copy(), a0.copy(), copy_tree(p)

    def J():
        return np.sum(da * rnn.rnn_forward(x, a0, p)[0])
    out = {(f"d{k}",): numerical_gradient(J, p[k]) for k in ("Wax", "Waa", "ba")}
    out[("dx",)], out[("da0",)] = numerical_gradient(J, x), numerical_gradient(J, a0)
    return out


# ============================================================================ LSTM
def _lstm_cell_cases():
    cases = []
    for i, shape in enumerate(SEQ_SHAPES):
        rng, p, x, a0 = _draw(95, i, True)
        c0 = rng.uniform(-1, 1, a0.shape)
        cases.append(Case(_label(*shape, cell=True), (x[:, :, 0], a0, c0, p),
                          _steps(*shape[:4], 1, gates=4), shape[3]))
    return cases


def _lstm_cell_torch(args):
    import torch

    xt, a_prev, c_prev, p = args
    with torch.no_grad():
        a, c, y = _module("CourseLSTMCell", p, "lstm")(_state(xt), _state(a_prev), _state(c_prev))
    return {(0,): np64(a.T), (1,): np64(c.T), (2,): np64(y.T)}


def _lstm_forward_cases():
    cases = []
    for i, shape in enumerate(SEQ_SHAPES):
        _, p, x, a0 = _draw(96, i, True)
        cases.append(Case(_label(*shape), (x, a0, p), _steps(*shape, gates=4), shape[3]))
    return cases


def _lstm_forward_torch(args):
    import torch

    x, a0, p = args
    with torch.no_grad():
        a, y, c_last = _module("CourseLSTM", p, "lstm")(_seq(x), _state(a0))
    return {(0,): _unseq(a), (1,): _unseq(y), (2, (None, None, -1)): np64(c_last.T)}


def _lstm_cell_backward_cases():
    from scratch import rnn

    cases = []
    for c in _lstm_cell_cases():
        a_next, c_next, _, cache = rnn.lstm_cell_forward(*c.args)
        rng = rng_for(97, *a_next.shape)
        cases.append(Case(c.label, (rng.standard_normal(a_next.shape),
                                    rng.standard_normal(c_next.shape), cache), c.steps, c.m))
    return cases


def _lstm_cell_backward_torch(args):
    import torch

    da, dc, cache = args
    a_prev, c_prev, xt, p = cache[2], cache[3], cache[8], cache[9]
    cell = _module("CourseLSTMCell", p, "lstm")
    x_t, a_t, c_t = _state(xt, True), _state(a_prev, True), _state(c_prev, True)
    a, c = cell.rnn(x_t, (a_t, c_t))
    torch.autograd.backward([a, c], [_state(da), _state(dc)])
    out = _weight_grads(cell, "lstm")
    out[("dxt",)], out[("da_prev",)] = np64(x_t.grad.T), np64(a_t.grad.T)
    out[("dc_prev",)] = np64(c_t.grad.T)
    return out


def _lstm_cell_backward_fd(args):
    from scratch import rnn

    da, dc, cache = args
    a_prev, c_prev, xt, p = copy_tree((cache[2], cache[3], cache[8], cache[9]))

    def J():
        a, c, _, _ = rnn.lstm_cell_forward(xt, a_prev, c_prev, p)
        return np.sum(da * a) + np.sum(dc * c)
    out = {(f"d{k}",): numerical_gradient(J, p[k])
           for k in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo")}
    out[("dxt",)], out[("da_prev",)] = numerical_gradient(J, xt), numerical_gradient(J, a_prev)
    out[("dc_prev",)] = numerical_gradient(J, c_prev)
    return out


def _lstm_backward_cases():
    from scratch import rnn

    cases = []
    for c in _lstm_forward_cases():
        a, _, _, caches = rnn.lstm_forward(*c.args)
        da = rng_for(98, *a.shape).standard_normal(a.shape)
        cases.append(Case(c.label, (da, caches), c.steps, c.m))
    return cases


def _lstm_backward_torch(args):
    import torch

    da, (caches, x) = args
    a0, p = caches[0][2], caches[0][9]
    module = _module("CourseLSTM", p, "lstm")
    x_t, a_t = _seq(x, True), _state(a0, True)
    a, _ = module.rnn(x_t, (a_t.unsqueeze(0), torch.zeros_like(a_t).unsqueeze(0)))
    a.backward(_seq(da))
    out = _weight_grads(module, "lstm")
    out[("dx",)], out[("da0",)] = _unseq(x_t.grad), np64(a_t.grad.T)
    return out


# ============================================================================ the course's values
def _course_rnn_parameters():
    return {"Waa": np.random.randn(5, 5), "Wax": np.random.randn(5, 3),
            "Wya": np.random.randn(2, 5), "ba": np.random.randn(5, 1), "by": np.random.randn(2, 1)}


def _course_lstm_parameters():
    p = {}
    for W in ("f", "i", "o", "c"):      # the notebook's draw order
        p["W" + W], p["b" + W] = np.random.randn(5, 5 + 3), np.random.randn(5, 1)
    p["Wy"], p["by"] = np.random.randn(2, 5), np.random.randn(2, 1)
    return p


PRINTED = 5e-9       # the notebook prints 8 decimals


def _rnn_cell_published(fn):
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    a_next, yt_pred, _ = fn(xt, a_prev, _course_rnn_parameters())
    return [("a_next[4]", a_next[4], [0.59584544, 0.18141802, 0.61311866, 0.99808218, 0.85016201,
                                      0.99980978, -0.18887155, 0.99815551, 0.6531151,
                                      0.82872037], PRINTED),
            ("yt_pred[1]", yt_pred[1], [0.9888161, 0.01682021, 0.21140899, 0.36817467,
                                        0.98988387, 0.88945212, 0.36920224, 0.9966312,
                                        0.9982559, 0.17746526], PRINTED)]


def _rnn_forward_published(fn):
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
    a, y_pred, _ = fn(x, a0, _course_rnn_parameters())
    return [("a[4][1]", a[4][1], [-0.99999375, 0.77911235, -0.99861469, -0.99833267], PRINTED),
            ("y_pred[1][3]", y_pred[1][3], [0.79560373, 0.86224861, 0.11118257, 0.81515947],
             PRINTED)]


def _course_rnn_p2():
    return dict(zip(("Wax", "Waa", "Wya", "ba", "by"),
                    (np.random.randn(5, 3), np.random.randn(5, 5), np.random.randn(2, 5),
                     np.random.randn(5, 1), np.random.randn(2, 1))))


def _rnn_cell_backward_published(fn):
    from scratch import rnn

    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    _, _, cache = rnn.rnn_cell_forward(xt, a_prev, _course_rnn_p2())
    g = fn(np.random.randn(5, 10), cache)
    return [("dxt[1][2], da_prev[2][3], dWax[3][1], dWaa[1][2], dba[4][0]",
             [g["dxt"][1][2], g["da_prev"][2][3], g["dWax"][3][1], g["dWaa"][1][2],
              g["dba"][4][0]],
             [-1.3872130506020925, -0.15239949377395495, 0.41077282493545836,
              1.1503450668497135, 0.20023491], PRINTED)]


def _rnn_backward_published(fn):
    from scratch import rnn

    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
    _, _, caches = rnn.rnn_forward(x, a0, _course_rnn_p2())
    g = fn(np.random.randn(5, 10, 4), caches)
    return [("dx[1][2]", g["dx"][1][2], [-2.07101689, -0.59255627, 0.02466855, 0.01483317],
             PRINTED),
            ("da0[2][3], dWax[3][1], dWaa[1][2], dba[4][0]",
             [g["da0"][2][3], g["dWax"][3][1], g["dWaa"][1][2], g["dba"][4][0]],
             [-0.314942375127, 11.2641044965, 2.30333312658, -0.74747722], PRINTED)]


def _lstm_cell_published(fn):
    np.random.seed(1)
    xt, a_prev, c_prev = np.random.randn(3, 10), np.random.randn(5, 10), np.random.randn(5, 10)
    a_next, c_next, yt, _ = fn(xt, a_prev, c_prev, _course_lstm_parameters())
    return [("a_next[4]", a_next[4], [-0.66408471, 0.0036921, 0.02088357, 0.22834167, -0.85575339,
                                      0.00138482, 0.76566531, 0.34631421, -0.00215674,
                                      0.43827275], PRINTED),
            ("c_next[2]", c_next[2], [0.63267805, 1.00570849, 0.35504474, 0.20690913, -1.64566718,
                                      0.11832942, 0.76449811, -0.0981561, -0.74348425,
                                      -0.26810932], PRINTED),
            ("yt[1]", yt[1], [0.79913913, 0.15986619, 0.22412122, 0.15606108, 0.97057211,
                              0.31146381, 0.00943007, 0.12666353, 0.39380172, 0.07828381],
             PRINTED)]


def _lstm_cell_backward_published(fn):
    from scratch import rnn

    np.random.seed(1)
    xt, a_prev, c_prev = np.random.randn(3, 10), np.random.randn(5, 10), np.random.randn(5, 10)
    _, _, _, cache = rnn.lstm_cell_forward(xt, a_prev, c_prev, _course_lstm_parameters())
    g = fn(np.random.randn(5, 10), np.random.randn(5, 10), cache)
    keys = [("dxt", 1, 2), ("da_prev", 2, 3), ("dc_prev", 2, 3), ("dWf", 3, 1), ("dWi", 1, 2),
            ("dWc", 3, 1), ("dWo", 1, 2), ("dbf", 4, 0), ("dbi", 4, 0), ("dbc", 4, 0),
            ("dbo", 4, 0)]
    return [(", ".join(f"{k}[{i}][{j}]" for k, i, j in keys), [g[k][i][j] for k, i, j in keys],
             [3.23055911511, -0.0639621419711, 0.797522038797, -0.147954838164, 1.05749805523,
              2.30456216369, 0.331311595289, 0.18864637, -0.40142491, 0.25587763, 0.13893342],
             PRINTED)]


def _lstm_forward_published(fn):
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 7), np.random.randn(5, 10)
    a, y, c, _ = fn(x, a0, _course_lstm_parameters())
    return [("a[4][3][6], y[1][4][3], c[1][2][1]", [a[4][3][6], y[1][4][3], c[1][2][1]],
             [0.172117767533, 0.95087346185, -0.855544916718], 5e-12)]


# ============================================================================ clip
def _clip_cases():
    cases = []
    for i, (n_a, n_x, maxValue) in enumerate([(5, 3, 10), (4, 27, 5), (2, 2, 0.5)]):
        rng = rng_for(99, i)
        g = {"dWaa": 8 * rng.standard_normal((n_a, n_a)), "dWax": 8 * rng.standard_normal((n_a, n_x)),
             "dWya": 8 * rng.standard_normal((n_x, n_a)), "db": 8 * rng.standard_normal((n_a, 1)),
             "dby": 8 * rng.standard_normal((n_x, 1))}
        cases.append(Case(f"n_a = {n_a}, vocab = {n_x}, maxValue = {maxValue}", (g, maxValue), 1))
    return cases


def _clip_torch(args):
    import torch

    g, maxValue = args
    tensors = {k: t64(v, requires_grad=True) for k, v in g.items()}
    for k, t in tensors.items():
        t.grad = t64(g[k])
    torch.nn.utils.clip_grad_value_(list(tensors.values()), maxValue)
    return {(k,): np64(t.grad) for k, t in tensors.items()}


# ============================================================================ attention
def _angles_cases():
    return [Case(f"positions {p}, d = {d}", (np.arange(p)[:, None], np.arange(d)[None, :], d),
                 ELEMENTWISE_OPS) for p, d in ((4, 8), (1, 5), (10, 16))]


def _pe_cases():
    return [Case(f"positions = {p}, d = {d}", (p, d), ELEMENTWISE_OPS)
            for p, d in ((4, 8), (1, 6), (50, 16), (7, 5))]


def _pe_torch(args):
    from torch_ref.attention import positional_encoding

    return {(): positional_encoding(*args).numpy()}


def _padding_cases():
    rng = rng_for(101)
    cases = []
    for m, n in ((3, 5), (1, 4), (2, 1)):
        ids = rng.integers(0, 4, (m, n))
        cases.append(Case(f"decoder_token_ids ({m}, {n})", (ids,), 1))
    return cases


def _padding_torch(args):
    import torch
    from torch_ref.attention import padding_mask

    return {(): padding_mask(torch.as_tensor(args[0])).numpy()}


def _look_ahead_cases():
    return [Case(f"sequence_length = {n}", (n,), 1) for n in (1, 3, 6)]


def _look_ahead_torch(args):
    from torch_ref.attention import look_ahead_mask

    return {(): look_ahead_mask(args[0]).numpy()}


def _attention_cases():
    cases = []
    for i, (m, n_q, n_k, d_k, d_v, mask) in enumerate([(1, 3, 4, 2, 3, None),
                                                       (2, 4, 4, 3, 2, "look_ahead"),
                                                       (3, 2, 5, 4, 4, "padding"),
                                                       (2, 5, 3, 1, 2, "padding")]):
        rng = rng_for(102, i)
        q, k, v = (rng.standard_normal(s) for s in ((m, n_q, d_k), (m, n_k, d_k), (m, n_k, d_v)))
        if mask == "padding":
            M = (rng.uniform(size=(m, 1, n_k)) < 0.7).astype(np.float64)
            M[:, :, 0] = 1.0          # every query attends to something
        elif mask == "look_ahead":
            M = np.tril(np.ones((1, n_q, n_k)))
        else:
            M = None
        cases.append(Case(f"q ({m}, {n_q}, {d_k}), k ({m}, {n_k}, {d_k}), v ({m}, {n_k}, {d_v}), "
                          f"mask {mask}", (q, k, v, M), d_k + n_k + 3 * ELEMENTWISE_OPS, m))
    return cases


def _attention_torch(args):
    import torch
    from torch_ref.attention import scaled_dot_product_attention

    q, k, v, mask = args
    with torch.no_grad():
        out, weights = scaled_dot_product_attention(t64(q), t64(k), t64(v),
                                                    None if mask is None else t64(mask))
    return {(0,): np64(out), (1,): np64(weights)}


SPECS = [
    Spec("rnn_cell_forward", "rnn", "scratch.rnn.rnn_cell_forward", "c5.rnn_cell",
         ("xt", "a_prev", "parameters"), _rnn_cell_cases, outputs=("a_next", "yt_pred", "cache"),
         torch=_rnn_cell_torch, published=_rnn_cell_published),
    Spec("rnn_forward", "rnn", "scratch.rnn.rnn_forward", "c5.rnn_forward",
         ("x", "a0", "parameters"), _rnn_forward_cases, outputs=("a", "y_pred", "caches"),
         torch=_rnn_forward_torch, published=_rnn_forward_published),
    Spec("rnn_cell_backward", "rnn", "scratch.rnn.rnn_cell_backward", "c5.rnn_cell_backward",
         ("da_next", "cache"), _rnn_cell_backward_cases, torch=_rnn_cell_backward_torch,
         fd=_rnn_cell_backward_fd, published=_rnn_cell_backward_published),
    Spec("rnn_backward", "rnn", "scratch.rnn.rnn_backward", "c5.rnn_backward",
         ("da", "caches"), _rnn_backward_cases, torch=_rnn_backward_torch, fd=_rnn_backward_fd,
         published=_rnn_backward_published),
    Spec("lstm_cell_forward", "rnn", "scratch.rnn.lstm_cell_forward", "c5.lstm_cell",
         ("xt", "a_prev", "c_prev", "parameters"), _lstm_cell_cases,
         outputs=("a_next", "c_next", "yt_pred", "cache"), torch=_lstm_cell_torch,
         published=_lstm_cell_published),
    Spec("lstm_forward", "rnn", "scratch.rnn.lstm_forward", "c5.lstm_forward",
         ("x", "a0", "parameters"), _lstm_forward_cases, outputs=("a", "y", "c", "caches"),
         torch=_lstm_forward_torch, published=_lstm_forward_published),
    Spec("lstm_cell_backward", "rnn", "scratch.rnn.lstm_cell_backward", "c5.lstm_cell_backward",
         ("da_next", "dc_next", "cache"), _lstm_cell_backward_cases,
         torch=_lstm_cell_backward_torch, fd=_lstm_cell_backward_fd,
         published=_lstm_cell_backward_published),
    Spec("lstm_backward", "rnn", "scratch.rnn.lstm_backward", "c5.lstm_backward",
         ("da", "caches"), _lstm_backward_cases, torch=_lstm_backward_torch),
    Spec("clip", "char_rnn", "scratch.char_rnn.clip", "c5.clip", ("gradients", "maxValue"),
         _clip_cases, torch=_clip_torch),
    Spec("get_angles", "attention", "scratch.attention.get_angles", "c5.positional_encoding",
         ("pos", "k", "d"), _angles_cases),
    Spec("positional_encoding", "attention", "scratch.attention.positional_encoding",
         "c5.positional_encoding", ("positions", "d"), _pe_cases, torch=_pe_torch),
    Spec("create_padding_mask", "attention", "scratch.attention.create_padding_mask",
         "c5.masks", ("decoder_token_ids",), _padding_cases, torch=_padding_torch),
    Spec("create_look_ahead_mask", "attention", "scratch.attention.create_look_ahead_mask",
         "c5.masks", ("sequence_length",), _look_ahead_cases, torch=_look_ahead_torch),
    Spec("scaled_dot_product_attention", "attention",
         "scratch.attention.scaled_dot_product_attention", "c5.attention",
         ("q", "k", "v", "mask"), _attention_cases, outputs=("output", "attention_weights"),
         torch=_attention_torch),
]
