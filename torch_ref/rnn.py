r"""Course 5, week 1 in idiomatic PyTorch: ``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` (and their
cells) with an ``nn.Linear`` output layer and a softmax over the classes.

The course's models, written as a PyTorch user would: the recurrence is torch's own module
(cuDNN's fused kernels on CUDA), the output layer y<t> = softmax(Wya a<t> + by) is
``nn.Linear`` then ``nn.Softmax``, gradients come from autograd.

Two things differ from the course, and each is converted ONCE, here:

1. Layout. The course stores a sequence as (n_x, m, T_x) (features, examples, time);
   ``nn.RNN`` and friends take (T_x, m, n_x) (time first, ``batch_first=False``). A hidden
   state is (n_a, m) in the course, (m, n_a) here. :func:`sequence_to_torch`,
   :func:`sequence_to_course`, :func:`state_to_torch` and :func:`state_to_course` convert;
   all are transposes, so exact.

2. Weights (:func:`course_to_torch_weights`, :func:`torch_to_course_weights`):

   - RNN: ``weight_ih`` = Wax (n_a, n_x), ``weight_hh`` = Waa (n_a, n_a), ``bias_ih`` = ba.
   - LSTM: PyTorch stacks the gates in the order i, f, g, o: ``weight_ih`` (4 n_a, n_x),
     ``weight_hh`` (4 n_a, n_a). The course has one matrix per gate, Wi, Wf, Wc, Wo
     (n_a, n_a + n_x), acting on [a_prev; x] (hidden state FIRST): W_gate[:, :n_a] is the
     gate's block of ``weight_hh``, W_gate[:, n_a:] its block of ``weight_ih``.
   - GRU: stacked in the order r, z, n, from Wr, Wu, Wc split the same way. nn.GRU writes
     h' = (1 - z) * n + z * h where the course writes c = Gamma_u * c~ + (1 - Gamma_u) * c_prev,
     so z = 1 - Gamma_u = sigma(-(Wu [c_prev; x] + bu)): the z block is -Wu and -bu
     (negation is exact). nn.GRU applies the reset gate after the hidden product,
     n = tanh(W_in x + b_in + r * (W_hn h + b_hn)): this is the course's
     ``gru_cell_forward_torch_form``, NOT the lectures' GRU, whose candidate is
     tanh(Wc [Gamma_r * c_prev; x] + bc) (:class:`LecturesGRUCell` below is that one).
   - Biases: the course has ONE bias per gate, PyTorch two (``bias_ih`` and ``bias_hh``).
     The course's bias goes to ``bias_ih``; ``bias_hh`` is held at 0 and frozen
     (``requires_grad = False``), so training cannot move it (SGD on both would move the
     sum b_ih + b_hh twice as far as the course's single b, and GRU's b_hn is not even a
     plain sum). :meth:`course_parameters` refuses a module whose ``bias_hh`` is not 0.
   - The output layer: ``output.weight`` = Wya (RNN) or Wy (LSTM, GRU), ``output.bias`` = by.

Every module has ``load_course_parameters(dict)`` and ``course_parameters() -> dict``, an
exact round trip of the course's dict (values cast to the module's dtype).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

# ============================================================================ layouts
def sequence_to_torch(x, device=None, dtype=None) -> torch.Tensor:
    """The course's (n_x, m, T_x) sequence -> nn.RNN's (T_x, m, n_x) tensor."""
    return torch.as_tensor(np.ascontiguousarray(np.transpose(np.asarray(x), (2, 1, 0))),
                           device=device, dtype=dtype)


def sequence_to_course(x: torch.Tensor) -> np.ndarray:
    """nn.RNN's (T_x, m, n) tensor (an output, or a gradient) -> the course's (n, m, T_x)."""
    return np.ascontiguousarray(np.transpose(x.detach().cpu().numpy(), (2, 1, 0)))


def state_to_torch(a, device=None, dtype=None) -> torch.Tensor:
    """The course's (n_a, m) hidden (or cell) state -> torch's (m, n_a)."""
    return torch.as_tensor(np.ascontiguousarray(np.asarray(a).T), device=device, dtype=dtype)


def state_to_course(a: torch.Tensor) -> np.ndarray:
    """torch's (m, n_a) state (or a (1, m, n_a) h_n of one layer) -> the course's (n_a, m)."""
    a = a.detach().cpu()
    return np.ascontiguousarray((a[0] if a.ndim == 3 else a).numpy().T)


# ============================================================================ weights
#: PyTorch's stacked gate order -> (the course's weight, its bias, sign): row block k of
#: weight_ih / weight_hh / bias_ih holds gate k, computed from sign * the course's gate.
LSTM_GATES = (("i", "Wi", "bi", 1), ("f", "Wf", "bf", 1), ("g", "Wc", "bc", 1),
              ("o", "Wo", "bo", 1))
GRU_GATES = (("r", "Wr", "br", 1), ("z", "Wu", "bu", -1), ("n", "Wc", "bc", 1))
#: the output layer's weight name in the course's dict
OUTPUT_KEY = {"rnn": "Wya", "lstm": "Wy", "gru": "Wy"}


def course_to_torch_weights(parameters: Mapping[str, np.ndarray], cell: str) -> dict:
    """The course's recurrent weights -> {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}.

    ``cell`` is "rnn", "lstm" or "gru". NumPy arrays in PyTorch's shapes:
    weight_ih (G n_a, n_x), weight_hh (G n_a, n_a), bias_ih and bias_hh (G n_a,), with
    G = 1, 4, 3 gates; bias_hh is zeros (see the module docstring).
    """
    if cell == "rnn":
        weight_ih = np.asarray(parameters["Wax"])
        weight_hh = np.asarray(parameters["Waa"])
        bias_ih = np.asarray(parameters["ba"])[:, 0]
    else:
        gates = LSTM_GATES if cell == "lstm" else GRU_GATES
        n_a = np.shape(parameters[gates[0][1]])[0]
        weight_ih = np.concatenate([sign * np.asarray(parameters[W])[:, n_a:]
                                    for _, W, _, sign in gates])
        weight_hh = np.concatenate([sign * np.asarray(parameters[W])[:, :n_a]
                                    for _, W, _, sign in gates])
        bias_ih = np.concatenate([sign * np.asarray(parameters[b])[:, 0]
                                  for _, _, b, sign in gates])
    return {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih,
            "bias_hh": np.zeros_like(bias_ih)}


def torch_to_course_weights(weights: Mapping[str, np.ndarray], cell: str) -> dict:
    """{"weight_ih", "weight_hh", "bias_ih"} -> the course's recurrent weights (the inverse
    of :func:`course_to_torch_weights`; ``bias_hh`` is not read: it is 0).

    Being linear, the same map takes the GRADIENTS of weight_ih, weight_hh, bias_ih to the
    course's dW_gate, db_gate (prefix the keys with "d" yourself).
    """
    weight_ih = np.asarray(weights["weight_ih"])
    weight_hh = np.asarray(weights["weight_hh"])
    bias_ih = np.asarray(weights["bias_ih"])
    if cell == "rnn":
        return {"Wax": weight_ih.copy(), "Waa": weight_hh.copy(), "ba": bias_ih.reshape(-1, 1).copy()}
    gates = LSTM_GATES if cell == "lstm" else GRU_GATES
    n_a = weight_hh.shape[1]
    out = {}
    for k, (_, W, b, sign) in enumerate(gates):
        rows = slice(k * n_a, (k + 1) * n_a)
        out[W] = sign * np.concatenate((weight_hh[rows], weight_ih[rows]), axis=1)
        out[b] = sign * bias_ih[rows].reshape(-1, 1)
    return out


def _recurrent_parameters(module: nn.Module) -> dict[str, nn.Parameter]:
    """weight_ih, weight_hh, bias_ih, bias_hh of a cell, or of layer 0 of nn.RNN/LSTM/GRU."""
    suffix = "" if isinstance(module, nn.RNNCellBase) else "_l0"
    return {name: getattr(module, name + suffix)
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


class _CourseRecurrent(nn.Module):
    """What every module here shares: the course's single bias, the output layer, and the
    round trip of the course's parameter dict. Subclasses set ``cell`` and ``self.rnn``."""

    cell: str

    def __init__(self, rnn: nn.Module, n_x: int, n_a: int, n_y: int, device=None, dtype=None):
        super().__init__()
        if min(n_x, n_a, n_y) < 1:
            raise ValueError(f"expected positive sizes n_x, n_a, n_y, got {n_x}, {n_a}, {n_y}")
        self.n_x, self.n_a, self.n_y = n_x, n_a, n_y
        self.rnn = rnn
        self.output = nn.Linear(n_a, n_y, device=device, dtype=dtype)
        self.softmax = nn.Softmax(dim=-1)
        bias_hh = _recurrent_parameters(self.rnn)["bias_hh"]
        with torch.no_grad():
            bias_hh.zero_()
        bias_hh.requires_grad_(False)   # the course has one bias: b_hh stays 0

    def extra_repr(self) -> str:
        return f"n_x={self.n_x}, n_a={self.n_a}, n_y={self.n_y}"

    def _expected_shapes(self) -> dict[str, tuple[int, ...]]:
        n_x, n_a, n_y = self.n_x, self.n_a, self.n_y
        if self.cell == "rnn":
            shapes = {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "ba": (n_a, 1)}
        else:
            gates = LSTM_GATES if self.cell == "lstm" else GRU_GATES
            shapes = {key: shape for _, W, b, _ in gates
                      for key, shape in ((W, (n_a, n_a + n_x)), (b, (n_a, 1)))}
        shapes.update({OUTPUT_KEY[self.cell]: (n_y, n_a), "by": (n_y, 1)})
        return shapes

    @torch.no_grad()
    def load_course_parameters(self, parameters: Mapping[str, np.ndarray]):
        """Copy the course's dict (e.g. Wax, Waa, ba, Wya, by) into the modules, exactly.

        Raises ValueError, before copying anything, if a key is missing or a shape is wrong.
        """
        shapes = self._expected_shapes()
        missing = [k for k in shapes if k not in parameters]
        if missing:
            raise ValueError(f"parameters: missing {', '.join(missing)}; expected "
                             f"{', '.join(shapes)} for n_x={self.n_x}, n_a={self.n_a}, n_y={self.n_y}")
        for key, shape in shapes.items():
            if np.shape(parameters[key]) != shape:
                raise ValueError(f"parameters: {key} must have shape {shape}, got "
                                 f"{np.shape(parameters[key])}")
        for name, value in course_to_torch_weights(parameters, self.cell).items():
            target = _recurrent_parameters(self.rnn)[name]
            target.copy_(torch.as_tensor(value))
        self.output.weight.copy_(torch.as_tensor(np.asarray(parameters[OUTPUT_KEY[self.cell]])))
        self.output.bias.copy_(torch.as_tensor(np.asarray(parameters["by"])[:, 0]))
        return self

    @torch.no_grad()
    def course_parameters(self) -> dict[str, np.ndarray]:
        """Export the course's dict (NumPy arrays in the course's shapes)."""
        weights = {k: v.detach().cpu().numpy() for k, v in _recurrent_parameters(self.rnn).items()}
        if np.any(weights["bias_hh"] != 0):
            raise ValueError("bias_hh is not 0: the course's cell has one bias per gate, so this "
                             "module's parameters have no course equivalent")
        out = torch_to_course_weights(weights, self.cell)
        out[OUTPUT_KEY[self.cell]] = self.output.weight.detach().cpu().numpy().copy()
        out["by"] = self.output.bias.detach().cpu().numpy().reshape(-1, 1).copy()
        return out

    def predict(self, a: torch.Tensor) -> torch.Tensor:
        """y = softmax(Wya a + by) over the classes (the last dim), for any leading dims."""
        return self.softmax(self.output(a))


# ============================================================================ basic RNN
class CourseRNN(_CourseRecurrent):
    r"""The course's many-to-many RNN: ``nn.RNN`` (tanh), then ``nn.Linear`` and softmax.

    .. math:: a^{<t>} = \tanh(W_{ax} x^{<t>} + W_{aa} a^{<t-1>} + b_a), \quad
              \hat y^{<t>} = \mathrm{softmax}(W_{ya} a^{<t>} + b_y)

    Shape:
        - x: (T_x, m, n_x) (time first); a0: (m, n_a), or None for zeros.
        - Output: (a, y_pred): a (T_x, m, n_a) every hidden state, y_pred (T_x, m, n_y).
    """

    cell = "rnn"

    def __init__(self, n_x: int, n_a: int, n_y: int, device=None, dtype=None):
        super().__init__(nn.RNN(n_x, n_a, nonlinearity="tanh", device=device, dtype=dtype),
                         n_x, n_a, n_y, device, dtype)

    def forward(self, x: torch.Tensor, a0: torch.Tensor | None = None):
        a, _ = self.rnn(x, None if a0 is None else a0.unsqueeze(0))
        return a, self.predict(a)

    def logits(self, x: torch.Tensor, a0: torch.Tensor | None = None) -> torch.Tensor:
        """Wya a<t> + by, (T_x, m, n_y): what ``nn.CrossEntropyLoss`` takes."""
        a, _ = self.rnn(x, None if a0 is None else a0.unsqueeze(0))
        return self.output(a)


class CourseRNNCell(_CourseRecurrent):
    """One step of the course's RNN: ``nn.RNNCell`` (tanh), ``nn.Linear``, softmax.

    Shape: xt (m, n_x), a_prev (m, n_a) -> (a_next (m, n_a), yt_pred (m, n_y)).
    """

    cell = "rnn"

    def __init__(self, n_x: int, n_a: int, n_y: int, device=None, dtype=None):
        super().__init__(nn.RNNCell(n_x, n_a, nonlinearity="tanh", device=device, dtype=dtype),
                         n_x, n_a, n_y, device, dtype)

    def forward(self, xt: torch.Tensor, a_prev: torch.Tensor):
        a_next = self.rnn(xt, a_prev)
        return a_next, self.predict(a_next)


# ============================================================================ LSTM
class CourseLSTM(_CourseRecurrent):
    r"""The course's LSTM: ``nn.LSTM``, then ``nn.Linear`` and softmax; c<0> = 0.

    Shape:
        - x: (T_x, m, n_x); a0: (m, n_a), or None for zeros.
        - Output: (a, y, c_last): a (T_x, m, n_a), y (T_x, m, n_y), c_last (m, n_a) the
          last cell state (nn.LSTM returns only the last one; :class:`CourseLSTMCell`
          stepped through time gives every c<t>).
    """

    cell = "lstm"

    def __init__(self, n_x: int, n_a: int, n_y: int, device=None, dtype=None):
        super().__init__(nn.LSTM(n_x, n_a, device=device, dtype=dtype), n_x, n_a, n_y,
                         device, dtype)

    def forward(self, x: torch.Tensor, a0: torch.Tensor | None = None):
        hx = None if a0 is None else (a0.unsqueeze(0), torch.zeros_like(a0).unsqueeze(0))
        a, (_, c_last) = self.rnn(x, hx)
        return a, self.predict(a), c_last[0]

    def logits(self, x: torch.Tensor, a0: torch.Tensor | None = None) -> torch.Tensor:
        """Wy a<t> + by, (T_x, m, n_y): what ``nn.CrossEntropyLoss`` takes (so
        :func:`sequence_train_step` trains this model too)."""
        hx = None if a0 is None else (a0.unsqueeze(0), torch.zeros_like(a0).unsqueeze(0))
        a, _ = self.rnn(x, hx)
        return self.output(a)


class CourseLSTMCell(_CourseRecurrent):
    """One LSTM step: ``nn.LSTMCell``, ``nn.Linear``, softmax.

    Shape: xt (m, n_x), a_prev (m, n_a), c_prev (m, n_a) ->
    (a_next (m, n_a), c_next (m, n_a), yt_pred (m, n_y)).
    """

    cell = "lstm"

    def __init__(self, n_x: int, n_a: int, n_y: int, device=None, dtype=None):
        super().__init__(nn.LSTMCell(n_x, n_a, device=device, dtype=dtype), n_x, n_a, n_y,
                         device, dtype)

    def forward(self, xt: torch.Tensor, a_prev: torch.Tensor, c_prev: torch.Tensor):
        a_next, c_next = self.rnn(xt, (a_prev, c_prev))
        return a_next, c_next, self.predict(a_next)


# ============================================================================ GRU
class CourseGRU(_CourseRecurrent):
    r"""``nn.GRU``, then ``nn.Linear`` and softmax: the course's GRU in PyTorch's form.

    .. math:: n = \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h)), \quad
              h' = (1 - z) \odot n + z \odot h, \quad z = 1 - \Gamma_u

    This is ``scratch.rnn.gru_forward_torch_form``; the lectures' GRU (reset gate on h
    before the product) is a different function: :class:`LecturesGRU`.

    Shape:
        - x: (T_x, m, n_x); c0: (m, n_a), or None for zeros.
        - Output: (c, y): c (T_x, m, n_a) every hidden state (= memory cell), y (T_x, m, n_y).
    """

    cell = "gru"

    def __init__(self, n_x: int, n_a: int, n_y: int, device=None, dtype=None):
        super().__init__(nn.GRU(n_x, n_a, device=device, dtype=dtype), n_x, n_a, n_y,
                         device, dtype)

    def forward(self, x: torch.Tensor, c0: torch.Tensor | None = None):
        c, _ = self.rnn(x, None if c0 is None else c0.unsqueeze(0))
        return c, self.predict(c)


class CourseGRUCell(_CourseRecurrent):
    """One step of ``nn.GRUCell`` (PyTorch's form), ``nn.Linear``, softmax.

    Shape: xt (m, n_x), c_prev (m, n_a) -> (c_next (m, n_a), yt_pred (m, n_y)).
    """

    cell = "gru"

    def __init__(self, n_x: int, n_a: int, n_y: int, device=None, dtype=None):
        super().__init__(nn.GRUCell(n_x, n_a, device=device, dtype=dtype), n_x, n_a, n_y,
                         device, dtype)

    def forward(self, xt: torch.Tensor, c_prev: torch.Tensor):
        c_next = self.rnn(xt, c_prev)
        return c_next, self.predict(c_next)


class LecturesGRUCell(nn.Module):
    r"""The lectures' full GRU, which torch.nn does not provide, written with ``nn.Linear``.

    .. math:: \Gamma_r = \sigma(W_r [c^{<t-1>}, x^{<t>}] + b_r), \quad
              \Gamma_u = \sigma(W_u [c^{<t-1>}, x^{<t>}] + b_u)
    .. math:: \tilde c^{<t>} = \tanh(W_c [\Gamma_r * c^{<t-1>}, x^{<t>}] + b_c), \quad
              c^{<t>} = \Gamma_u * \tilde c^{<t>} + (1 - \Gamma_u) * c^{<t-1>}

    Each gate is one ``nn.Linear(n_a + n_x, n_a)`` on the concatenation [c_prev, xt] (hidden
    state first, as the course), so its ``weight`` IS the course's Wr, Wu, Wc unchanged.

    Shape: xt (m, n_x), c_prev (m, n_a) -> (c_next (m, n_a), yt_pred (m, n_y)).
    """

    def __init__(self, n_x: int, n_a: int, n_y: int, device=None, dtype=None):
        super().__init__()
        self.n_x, self.n_a, self.n_y = n_x, n_a, n_y
        kw = {"device": device, "dtype": dtype}
        self.relevance = nn.Linear(n_a + n_x, n_a, **kw)   # Wr, br
        self.update = nn.Linear(n_a + n_x, n_a, **kw)      # Wu, bu
        self.candidate = nn.Linear(n_a + n_x, n_a, **kw)   # Wc, bc
        self.output = nn.Linear(n_a, n_y, **kw)            # Wy, by
        self.softmax = nn.Softmax(dim=-1)

    #: the course's (weight, bias) -> this module's nn.Linear
    LAYERS = (("Wr", "br", "relevance"), ("Wu", "bu", "update"), ("Wc", "bc", "candidate"),
              ("Wy", "by", "output"))

    def forward(self, xt: torch.Tensor, c_prev: torch.Tensor):
        concat = torch.cat([c_prev, xt], dim=1)
        gamma_r = torch.sigmoid(self.relevance(concat))
        gamma_u = torch.sigmoid(self.update(concat))
        c_tilde = torch.tanh(self.candidate(torch.cat([gamma_r * c_prev, xt], dim=1)))
        c_next = gamma_u * c_tilde + (1 - gamma_u) * c_prev
        return c_next, self.softmax(self.output(c_next))

    def extra_repr(self) -> str:
        return f"n_x={self.n_x}, n_a={self.n_a}, n_y={self.n_y}"

    @torch.no_grad()
    def load_course_parameters(self, parameters: Mapping[str, np.ndarray]):
        """Copy Wr, br, Wu, bu, Wc, bc, Wy, by into the four nn.Linear layers, exactly."""
        missing = [k for W, b, _ in self.LAYERS for k in (W, b) if k not in parameters]
        if missing:
            raise ValueError(f"parameters: missing {', '.join(missing)}; expected Wr, br, Wu, bu, "
                             f"Wc, bc, Wy, by")
        for W, b, name in self.LAYERS:
            layer = getattr(self, name)
            if np.shape(parameters[W]) != tuple(layer.weight.shape) or \
                    np.shape(parameters[b]) != (layer.weight.shape[0], 1):
                raise ValueError(f"parameters: {W} must be {tuple(layer.weight.shape)} and {b} "
                                 f"({layer.weight.shape[0]}, 1), got {np.shape(parameters[W])} "
                                 f"and {np.shape(parameters[b])}")
        for W, b, name in self.LAYERS:
            layer = getattr(self, name)
            layer.weight.copy_(torch.as_tensor(np.asarray(parameters[W])))
            layer.bias.copy_(torch.as_tensor(np.asarray(parameters[b])[:, 0]))
        return self

    @torch.no_grad()
    def course_parameters(self) -> dict[str, np.ndarray]:
        out = {}
        for W, b, name in self.LAYERS:
            layer = getattr(self, name)
            out[W] = layer.weight.detach().cpu().numpy().copy()
            out[b] = layer.bias.detach().cpu().numpy().reshape(-1, 1).copy()
        return out


class LecturesGRU(nn.Module):
    """:class:`LecturesGRUCell` stepped through time (torch.nn has no fused kernel for it).

    Shape: x (T_x, m, n_x), c0 (m, n_a) -> (c (T_x, m, n_a), y (T_x, m, n_y)).
    """

    def __init__(self, n_x: int, n_a: int, n_y: int, device=None, dtype=None):
        super().__init__()
        self.cell = LecturesGRUCell(n_x, n_a, n_y, device=device, dtype=dtype)

    def forward(self, x: torch.Tensor, c0: torch.Tensor):
        c_t, cs, ys = c0, [], []
        for xt in x:                         # over time, the first dim
            c_t, yt = self.cell(xt, c_t)
            cs.append(c_t)
            ys.append(yt)
        return torch.stack(cs), torch.stack(ys)

    def load_course_parameters(self, parameters):
        self.cell.load_course_parameters(parameters)
        return self

    def course_parameters(self):
        return self.cell.course_parameters()


# ============================================================================ training
def sequence_train_step(model: CourseRNN, optimizer: torch.optim.Optimizer, x: torch.Tensor,
                        labels: torch.Tensor, a0: torch.Tensor | None = None) -> torch.Tensor:
    """One gradient step of a many-to-many RNN; returns the cost before the update.

    J = -(1 / (m T_x)) sum_t sum_i log y<t>_(label), ``nn.CrossEntropyLoss`` (mean) on the
    logits of every step and example, flattened to (T_x m, n_y). ``labels`` (T_x, m) are class
    indices. Build the optimizer on ``model.parameters()``: the frozen bias_hh gets no grad.
    """
    optimizer.zero_grad(set_to_none=True)
    logits = model.logits(x, a0)
    cost = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
    cost.backward()
    optimizer.step()
    return cost.detach()
