"""The course's three models as ``nn.Module``s.

- :class:`LogisticRegression`: yhat = sigma(x w + b)                       (week 2)
- :class:`PlanarNet`: one tanh hidden layer, sigmoid output                 (week 3)
- :class:`DeepNet`: any ``layer_dims``, ReLU (or other) hidden, sigmoid out (week 4),
  or ``output="softmax"`` for C classes (course 2, MNIST)

Each forward pass is ``nn.Linear`` then an activation module, layer after layer;
``forward(X, return_intermediates=True)`` also returns every Z[l] and A[l] (torch
layout, (m, n[l])), still attached to the autograd graph so a test can read their
gradients. The cost is ``nn.BCELoss`` on the sigmoid output: the course computes
sigma first and then the log, and ``BCELoss`` does the same, clamping each log at
-100 (``nn.BCEWithLogitsLoss`` would fold the sigmoid into a log-sum-exp, which is
more accurate for saturated logits but is not the course's formula).

With ``output="softmax"`` the module still returns probabilities, but the loss
to train it with is ``nn.CrossEntropyLoss`` on the LOGITS Z[L] (``net.logits(X)``):
it computes log softmax(z)_k = z_k - log sum_j e^{z_j} as one log-sum-exp, which
stays exact where softmax's probabilities underflow to 0 and their log would be
-inf (d2l's concise softmax regression makes the same choice).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

#: hidden activation name -> module factory (the names scratch uses too)
ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": lambda: nn.LeakyReLU(negative_slope=0.01),
}


#: output activation name -> module factory (softmax over the classes, dim 1 in torch's layout)
OUTPUTS = {
    "sigmoid": nn.Sigmoid,
    "softmax": lambda: nn.Softmax(dim=1),
}


def _activation(name: str) -> nn.Module:
    try:
        return ACTIVATIONS[name]()
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {name!r}; expected one of "
                         f"{', '.join(repr(k) for k in ACTIVATIONS)}") from None


class DeepNet(nn.Module):
    r"""[Linear -> g] x (L-1) -> Linear -> sigmoid (or softmax).

    .. math:: Z^{[l]} = A^{[l-1]} W^{[l]T} + b^{[l]}, \quad A^{[l]} = g^{[l]}(Z^{[l]})

    Args:
        layer_dims: [n_x, n[1], ..., n[L]].
        hidden_activation: "relu" (default), "tanh", "sigmoid" or "leaky_relu" (slope 0.01).
        device, dtype: where the parameters live and their float type.
        output: "sigmoid" (default, the course's: each output unit a probability) or
            "softmax" (keyword only: n[L] = C classes, each row of the output sums
            to 1, ``nn.Softmax(dim=1)``). Train a softmax net with
            ``nn.CrossEntropyLoss()(net.logits(X), y)``, not with the log of its
            output: the loss's log-sum-exp never takes log(0).

    Shape:
        - Input: (m, n_x).
        - Output: (m, n[L]), probabilities in [0, 1] (rows summing to 1 for softmax).
        - ``logits(X)``: (m, n[L]), Z[L] before the output activation.

    Example::

        >>> net = DeepNet([12288, 20, 7, 5, 1])
        >>> yhat = net(torch.rand(209, 12288))          # (209, 1)
    """

    def __init__(self, layer_dims: Sequence[int], hidden_activation: str = "relu",
                 device=None, dtype=None, *, output: str = "sigmoid"):
        super().__init__()
        if output not in OUTPUTS:
            raise ValueError(f"output: expected one of {', '.join(repr(o) for o in OUTPUTS)}, "
                             f"got {output!r}")
        dims = [int(n) for n in layer_dims]
        if len(dims) < 2 or min(dims) < 1:
            raise ValueError(f"layer_dims: expected at least two positive sizes, got {layer_dims!r}")
        self.layer_dims = dims
        self.hidden_activation = hidden_activation
        self.output = output
        self.linears = nn.ModuleList(
            nn.Linear(n_in, n_out, device=device, dtype=dtype)
            for n_in, n_out in zip(dims[:-1], dims[1:]))
        self.activations = nn.ModuleList(
            [_activation(hidden_activation) for _ in dims[1:-1]] + [OUTPUTS[output]()])

    @property
    def L(self) -> int:
        return len(self.linears)

    def forward(self, X: torch.Tensor, return_intermediates: bool = False):
        self._check_input(X)
        A = X
        cache = {}
        for l, (linear, g) in enumerate(zip(self.linears, self.activations), start=1):
            Z = linear(A)
            A = g(Z)
            cache[f"Z{l}"], cache[f"A{l}"] = Z, A
        return (A, cache) if return_intermediates else A

    def _check_input(self, X: torch.Tensor) -> None:
        if X.ndim != 2 or X.shape[1] != self.layer_dims[0]:
            raise ValueError(f"expected X of shape (m, {self.layer_dims[0]}) (examples in rows), "
                             f"got {tuple(X.shape)}")

    def logits(self, X: torch.Tensor) -> torch.Tensor:
        """Z[L], (m, n[L]): the last layer before its sigmoid/softmax, what
        ``nn.CrossEntropyLoss`` (and ``nn.BCEWithLogitsLoss``) take."""
        _, cache = self.forward(X, return_intermediates=True)
        return cache[f"Z{self.L}"]

    def extra_repr(self) -> str:
        out = f", output={self.output!r}" if self.output != "sigmoid" else ""
        return f"layer_dims={self.layer_dims}, hidden_activation={self.hidden_activation!r}{out}"

    # ------------------------------------------------------------ the course's parameter dict
    @torch.no_grad()
    def load_course_parameters(self, parameters: Mapping[str, np.ndarray]) -> "DeepNet":
        """Copy the course's {"W1": (n[1], n[0]), "b1": (n[1], 1), ...} into the layers.

        Values are copied exactly (cast to this module's dtype); raises ValueError
        if a key is missing or a shape does not match ``layer_dims``.
        """
        expected = {f"{k}{l}" for l in range(1, self.L + 1) for k in "Wb"}
        missing = expected - set(parameters)
        if missing:
            raise ValueError(f"parameters: missing {sorted(missing)}; expected W1, b1, ..., "
                             f"W{self.L}, b{self.L} for layer_dims {self.layer_dims}")
        values = []
        for l, linear in enumerate(self.linears, start=1):
            W = torch.as_tensor(np.asarray(parameters[f"W{l}"]))
            b = torch.as_tensor(np.asarray(parameters[f"b{l}"]))
            n_out, n_in = linear.weight.shape
            if tuple(W.shape) != (n_out, n_in):
                raise ValueError(f"parameters: W{l} must be ({n_out}, {n_in}) for layer_dims "
                                 f"{self.layer_dims}, got {tuple(W.shape)}")
            if tuple(b.shape) != (n_out, 1):
                raise ValueError(f"parameters: b{l} must be ({n_out}, 1), got {tuple(b.shape)}")
            values.append((W, b))
        # every shape checked before the first copy: a bad dict leaves the module as it was
        for linear, (W, b) in zip(self.linears, values):
            linear.weight.copy_(W)
            linear.bias.copy_(b.reshape(-1))
        return self

    @torch.no_grad()
    def course_parameters(self) -> dict[str, np.ndarray]:
        """Export {"W1", "b1", ..., "WL", "bL"} as NumPy arrays in the course's shapes."""
        out = {}
        for l, linear in enumerate(self.linears, start=1):
            out[f"W{l}"] = linear.weight.detach().cpu().numpy().copy()
            out[f"b{l}"] = linear.bias.detach().cpu().numpy().reshape(-1, 1).copy()
        return out

    @classmethod
    def from_course_parameters(cls, parameters: Mapping[str, np.ndarray],
                               hidden_activation: str = "relu", device=None, dtype=None,
                               *, output: str = "sigmoid"):
        """Build a DeepNet whose layer_dims are read off W1..WL, and load the values."""
        L = sum(1 for k in parameters if k.startswith("W"))
        if L < 1 or f"W{L}" not in parameters:
            raise ValueError(f"parameters: expected keys W1, b1, ..., got {sorted(parameters)}")
        dims = [np.shape(parameters["W1"])[1]] + [np.shape(parameters[f"W{l}"])[0]
                                                  for l in range(1, L + 1)]
        if dtype is None:
            dtype = torch.float64 if np.asarray(parameters["W1"]).dtype == np.float64 else None
        extra = {"output": output} if output != "sigmoid" else {}
        net = cls(dims, hidden_activation, device=device, dtype=dtype, **extra)
        return net.load_course_parameters(parameters)


class PlanarNet(DeepNet):
    """The week-3 network: Linear -> tanh -> Linear -> sigmoid (n_x -> n_h -> n_y).

    Shape: input (m, n_x), output (m, n_y).
    """

    def __init__(self, n_x: int = 2, n_h: int = 4, n_y: int = 1, device=None, dtype=None):
        super().__init__([n_x, n_h, n_y], hidden_activation="tanh", device=device, dtype=dtype)


class LogisticRegression(DeepNet):
    """Week 2: yhat = sigma(x w + b), a network with no hidden layer.

    Its course parameters are {"w": (n_x, 1), "b": float} rather than W1, b1.
    Shape: input (m, n_x), output (m, 1).
    """

    def __init__(self, n_x: int, device=None, dtype=None):
        super().__init__([n_x, 1], device=device, dtype=dtype)

    @torch.no_grad()
    def load_course_parameters(self, parameters):
        if "w" in parameters:
            w = np.asarray(parameters["w"])
            b = np.asarray(parameters["b"], dtype=w.dtype if w.dtype.kind == "f" else None)
            if b.size != 1:
                raise ValueError(f"parameters: b must be a scalar, got shape {b.shape}")
            parameters = {"W1": w.T, "b1": b.reshape(1, 1)}
        return super().load_course_parameters(parameters)

    @torch.no_grad()
    def course_parameters(self):
        p = super().course_parameters()
        return {"w": p["W1"].T.copy(), "b": float(p["b1"][0, 0])}
