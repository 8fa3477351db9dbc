r"""Course 5, week 1, "Dinosaurus Island" in idiomatic PyTorch: ``nn.RNN`` + ``nn.Linear``.

.. math::
    a^{\langle t\rangle} = \tanh(x^{\langle t\rangle} W_{ih}^T + b_{ih} + a^{\langle t-1\rangle} W_{hh}^T + b_{hh}),
    \qquad z^{\langle t\rangle} = a^{\langle t\rangle} W^T + b

The loss is ``nn.CrossEntropyLoss(reduction="sum")`` on the logits z<t> with the target
indices: L = -sum_t log softmax(z<t>)[y<t>], the course's SUMMED loss (one log-sum-exp
per step, where the course takes the log of a softmax). One step of training:
zero_grad, loss, backward (autograd through time), ``nn.utils.clip_grad_value_`` at 5
(the course's element-wise clip), ``torch.optim.SGD`` (W -= lr grad).

The course's parameters and PyTorch's, written once (:data:`COURSE_TO_TORCH`):

    Wax (n_a, n_x) = rnn.weight_ih_l0     (PyTorch's (hidden, input): the same matrix)
    Waa (n_a, n_a) = rnn.weight_hh_l0
    b   (n_a, 1)   = rnn.bias_ih_l0 + rnn.bias_hh_l0   (flattened to (n_a,))
    Wya (n_y, n_a) = linear.weight
    by  (n_y, 1)   = linear.bias          (flattened)

PyTorch's RNN has two hidden biases (cuDNN's convention) where the course has one, b.
Both receive the same gradient dL/db, so training both would move their sum, the
course's b, at twice the learning rate. Here ``bias_ih_l0`` holds b and ``bias_hh_l0``
is fixed at 0 (``requires_grad`` False: it gets no gradient and SGD never moves it);
adding that 0 is exact, so the forward pass is the course's formula. Exporting adds the
two (b = b_ih + b_hh), which is right for any nn.RNN.

Layout: seq-first, batch of one. The course's column a<t> (n_a, 1) is PyTorch's hidden
state (num_layers = 1, batch = 1, n_a) (:func:`hidden_from_course`, :func:`hidden_to_course`);
the course's index lists X (None = a zero input) and Y become a one-hot tensor
(T, 1, n_x) (:func:`one_hot_inputs`) and a target tensor (T,).

Nothing here imports ``scratch``; nothing here draws random numbers: sampling draws its
indices with NumPy (the course's ``np.random.seed(counter + seed)`` quirk) in the glue,
from :func:`next_char_probabilities`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

#: the course's dict key -> (submodule, PyTorch parameter); b also gets bias_hh_l0 = 0
COURSE_TO_TORCH = {
    "Wax": ("rnn", "weight_ih_l0"),
    "Waa": ("rnn", "weight_hh_l0"),
    "b": ("rnn", "bias_ih_l0"),
    "Wya": ("linear", "weight"),
    "by": ("linear", "bias"),
}
COURSE_KEYS = ("Wax", "Waa", "Wya", "b", "by")


class CharRNN(nn.Module):
    r"""A one-layer tanh RNN and a linear read-out: the course's character model.

    .. math:: a^{\langle t\rangle} = \tanh(W_{ax} x^{\langle t\rangle} + W_{aa} a^{\langle t-1\rangle} + b),
              \quad z^{\langle t\rangle} = W_{ya} a^{\langle t\rangle} + b_y

    Args:
        vocab_size: n_x = n_y (27: "\n" and a-z).
        n_a: hidden units (50 in the course).
        device, dtype: where the parameters live and their float type.

    Shape:
        - Input x: (T, 1, n_x), one-hot rows (a zero row for the course's None);
          a_prev: (1, 1, n_a).
        - Output: (logits, a_all): logits (T, 1, n_y), z<t> before the softmax;
          a_all (T, 1, n_a), every a<t> (a_all[-1] is a<T>).

    Example::

        >>> net = CharRNN(27, 50)
        >>> logits, a = net(one_hot_inputs([None, 20, 21], 27), torch.zeros(1, 1, 50))
    """

    def __init__(self, vocab_size: int = 27, n_a: int = 50, device=None, dtype=None):
        super().__init__()
        self.rnn = nn.RNN(vocab_size, n_a, nonlinearity="tanh", device=device, dtype=dtype)
        self.linear = nn.Linear(n_a, vocab_size, device=device, dtype=dtype)
        # the course's one hidden bias is bias_ih_l0; bias_hh_l0 stays 0 (see the module doc)
        with torch.no_grad():
            self.rnn.bias_hh_l0.zero_()
        self.rnn.bias_hh_l0.requires_grad_(False)

    @property
    def vocab_size(self) -> int:
        return self.rnn.input_size

    @property
    def n_a(self) -> int:
        return self.rnn.hidden_size

    def forward(self, x: torch.Tensor, a_prev: torch.Tensor):
        a_all, _ = self.rnn(x, a_prev)
        return self.linear(a_all), a_all

    def extra_repr(self) -> str:
        return f"vocab_size={self.vocab_size}, n_a={self.n_a}"

    # ------------------------------------------------------------ the course's parameter dict
    @torch.no_grad()
    def load_course_parameters(self, parameters: Mapping[str, np.ndarray]) -> "CharRNN":
        """Copy {"Wax", "Waa", "Wya", "b", "by"} in (exactly, cast to this module's dtype);
        bias_hh_l0 is set to 0. Raises ValueError on a missing key or a wrong shape,
        before anything is copied."""
        missing = [k for k in COURSE_KEYS if k not in parameters]
        if missing:
            raise ValueError(f"parameters: missing key{'s' if len(missing) > 1 else ''} "
                             f"{', '.join(repr(k) for k in missing)}; expected "
                             f"{', '.join(COURSE_KEYS)}, got {sorted(parameters)}")
        values = {}
        for key, (module, name) in COURSE_TO_TORCH.items():
            target = getattr(getattr(self, module), name)
            value = torch.as_tensor(np.asarray(parameters[key]))
            course_shape = tuple(target.shape) if target.ndim == 2 else (target.shape[0], 1)
            if tuple(value.shape) != course_shape:
                raise ValueError(f"parameters: {key} must have shape {course_shape} for "
                                 f"vocab_size {self.vocab_size}, n_a {self.n_a}, got "
                                 f"{tuple(value.shape)}")
            values[key] = value.reshape(target.shape)
        for key, (module, name) in COURSE_TO_TORCH.items():
            getattr(getattr(self, module), name).copy_(values[key])
        self.rnn.bias_hh_l0.zero_()
        return self

    @torch.no_grad()
    def course_parameters(self) -> dict[str, np.ndarray]:
        """Export {"Wax", "Waa", "Wya", "b", "by"} as NumPy arrays in the course's shapes
        (b = bias_ih_l0 + bias_hh_l0)."""
        out = {}
        for key, (module, name) in COURSE_TO_TORCH.items():
            value = getattr(getattr(self, module), name)
            if key == "b":
                value = value + self.rnn.bias_hh_l0
            out[key] = _to_course(value)
        return {k: out[k] for k in COURSE_KEYS}

    @torch.no_grad()
    def course_gradients(self) -> dict[str, np.ndarray]:
        """The ``.grad`` of each parameter under the course's names dWax, dWaa, dWya, db, dby
        (whatever the last backward left there: clipped after :func:`train_step`)."""
        out = {}
        for key, (module, name) in COURSE_TO_TORCH.items():
            grad = getattr(getattr(self, module), name).grad
            if grad is None:
                raise ValueError(f"d{key}: no gradient yet; run a backward pass first")
            out["d" + key] = _to_course(grad)
        return {"d" + k: out["d" + k] for k in COURSE_KEYS}

    @classmethod
    def from_course_parameters(cls, parameters: Mapping[str, np.ndarray], device=None,
                               dtype=None) -> "CharRNN":
        """Build a CharRNN whose sizes are read off Wax (n_a, n_x), and load the values;
        float64 when Wax is float64 and no dtype is given."""
        if "Wax" not in parameters:
            raise ValueError(f"parameters: missing key 'Wax'; expected {', '.join(COURSE_KEYS)}, "
                             f"got {sorted(parameters)}")
        n_a, n_x = np.shape(parameters["Wax"])
        if dtype is None and np.asarray(parameters["Wax"]).dtype == np.float64:
            dtype = torch.float64
        return cls(n_x, n_a, device=device, dtype=dtype).load_course_parameters(parameters)


def _to_course(t: torch.Tensor) -> np.ndarray:
    """A parameter (or its gradient) in the course's shape: matrices as they are,
    bias vectors (n,) as columns (n, 1)."""
    a = t.detach().cpu().numpy().copy()
    return a if a.ndim == 2 else a.reshape(-1, 1)


# ----------------------------------------------------------------------------- layouts
def hidden_from_course(a: np.ndarray, device=None, dtype=None) -> torch.Tensor:
    """The course's hidden state a (n_a, 1) as PyTorch's h (num_layers = 1, batch = 1, n_a)."""
    a = np.asarray(a)
    if a.ndim != 2 or a.shape[1] != 1:
        raise ValueError(f"a: expected the course's hidden state (n_a, 1), got {a.shape}")
    return torch.as_tensor(a, device=device, dtype=dtype).reshape(1, 1, -1)


def hidden_to_course(h: torch.Tensor) -> np.ndarray:
    """PyTorch's hidden state (1, 1, n_a) (or (1, n_a)) as the course's column (n_a, 1)."""
    return h.detach().cpu().numpy().reshape(-1, 1).copy()


def one_hot_inputs(X_indices: Sequence[int | None], vocab_size: int, device=None,
                   dtype=None) -> torch.Tensor:
    """The course's X (indices, None = a zero input) as one-hot rows (T, 1, vocab_size)."""
    _check_indices("X_indices", X_indices, vocab_size, allow_none=True)
    present = [t for t, i in enumerate(X_indices) if i is not None]
    x = torch.zeros(len(X_indices), 1, vocab_size, device=device, dtype=dtype)
    if present:
        rows = torch.tensor(present, device=device)
        cols = torch.tensor([int(X_indices[t]) for t in present], device=device)
        x[rows, 0] = nn.functional.one_hot(cols, vocab_size).to(x.dtype)
    return x


def _check_indices(name: str, indices, vocab_size: int, allow_none: bool) -> None:
    if not isinstance(indices, (list, tuple)) or len(indices) == 0:
        raise ValueError(f"{name}: expected a non-empty list of character indices, got "
                         f"{indices!r}")
    for t, i in enumerate(indices):
        if i is None and allow_none:
            continue
        ok = isinstance(i, (int, np.integer)) and not isinstance(i, bool) and 0 <= i < vocab_size
        if not ok:
            raise ValueError(f"{name}[{t}]: expected {'None or ' if allow_none else ''}an index "
                             f"in [0, {vocab_size}), got {i!r}")


def _check_hidden(model: CharRNN, a_prev) -> None:
    if not isinstance(a_prev, torch.Tensor) or tuple(a_prev.shape) != (1, 1, model.n_a):
        raise ValueError(f"a_prev: expected a tensor (1, 1, {model.n_a}) (hidden_from_course "
                         f"converts the course's (n_a, 1)), got {type(a_prev).__name__} "
                         f"{tuple(getattr(a_prev, 'shape', ()))}")


# ----------------------------------------------------------------------------- loss, one step
def sequence_loss(model: CharRNN, X_indices, Y_indices, a_prev: torch.Tensor):
    """The summed loss of one name: L = -sum_t log softmax(z<t>)[Y[t]].

    Args:
        model: a :class:`CharRNN`.
        X_indices: T indices, None for a zero input.  Y_indices: T target indices.
        a_prev: the hidden state carried in, (1, 1, n_a).
    Returns:
        (loss, a_all): loss a 0-d tensor, attached to the graph; a_all (T, 1, n_a).
    """
    _check_sequence_inputs(model, X_indices, Y_indices, a_prev)
    weight = model.linear.weight
    x = one_hot_inputs(X_indices, model.vocab_size, device=weight.device, dtype=weight.dtype)
    y = torch.tensor([int(i) for i in Y_indices], device=weight.device)
    logits, a_all = model(x, a_prev)
    loss = nn.CrossEntropyLoss(reduction="sum")(logits.reshape(len(Y_indices), -1), y)
    return loss, a_all


def _check_sequence_inputs(model: CharRNN, X_indices, Y_indices, a_prev) -> None:
    _check_indices("X_indices", X_indices, model.vocab_size, allow_none=True)
    _check_indices("Y_indices", Y_indices, model.vocab_size, allow_none=False)
    if len(X_indices) != len(Y_indices):
        raise ValueError(f"X_indices and Y_indices: expected the same length, got "
                         f"{len(X_indices)} and {len(Y_indices)}")
    _check_hidden(model, a_prev)


def train_step(model: CharRNN, optimizer: torch.optim.Optimizer, X_indices, Y_indices,
               a_prev: torch.Tensor, max_value: float = 5.0):
    """One step on one name: zero_grad, summed loss, backward, clip_grad_value_(max_value),
    optimizer.step(). The course's ``optimize`` with ``optimizer = SGD(lr)``.

    Returns:
        (loss, a_last): the loss before the update (0-d tensor) and the last hidden
        state a<T> (1, 1, n_a), both detached; the parameters' ``.grad`` hold the
        clipped gradients (``model.course_gradients()``).
    """
    optimizer.zero_grad(set_to_none=True)
    loss, a_all = sequence_loss(model, X_indices, Y_indices, a_prev)
    loss.backward()
    nn.utils.clip_grad_value_(model.parameters(), max_value)
    optimizer.step()
    return loss.detach(), a_all[-1:].detach()


def sgd(model: CharRNN, learning_rate: float = 0.01) -> torch.optim.SGD:
    """``torch.optim.SGD`` over the trainable parameters (all but the fixed bias_hh_l0)."""
    return torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=learning_rate)


@torch.no_grad()
def next_char_probabilities(model: CharRNN, x_index, a_prev: torch.Tensor):
    """One step of sampling, without drawing: ŷ<t> = softmax(z<t>) after input x_index.

    Args:
        x_index: the previous character's index, or None for the first step (x<1> = 0).
        a_prev: (1, 1, n_a).
    Returns:
        (probabilities, a_next): probabilities (n_y,) summing to 1 (``torch.softmax``);
        a_next (1, 1, n_a).
    """
    _check_hidden(model, a_prev)
    weight = model.linear.weight
    x = one_hot_inputs([x_index], model.vocab_size, device=weight.device, dtype=weight.dtype)
    logits, a_all = model(x, a_prev)
    return torch.softmax(logits.reshape(-1), dim=0), a_all[-1:]
