r"""Course 2, week 3: a network with batch normalization, ``nn.BatchNorm1d`` between layers.

    (Linear (no bias) -> BatchNorm1d -> ReLU [-> Dropout]) x (L-1) -> Linear -> Sigmoid (or Softmax)

.. math:: \tilde z = \gamma \frac{z - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta

``nn.BatchNorm1d(n, eps=epsilon, momentum=1 - beta)``: in training mode (``net.train()``)
it normalises each feature with the batch's mean and BIASED variance (1/m) and updates
``running_mean = (1 - momentum) running_mean + momentum mean`` and
``running_var = (1 - momentum) running_var + momentum * m/(m-1) var`` (the UNBIASED
variance); in eval mode (``net.eval()``) it normalises with the running statistics.
Against the course's notation: momentum = 1 - beta (PyTorch's default 0.1 is beta = 0.9),
``weight`` = gamma, ``bias`` = beta, and the running variance is the unbiased one
(``scratch``'s ``unbiased=True``). A batch of one in training mode raises (PyTorch:
"Expected more than 1 value per channel when training").

The course's dict, in and out (:meth:`BatchNormNet.load_course_parameters`,
:meth:`BatchNormNet.course_parameters`)::

    W{l}             (n[l], n[l-1])   linears[l-1].weight            l = 1..L
    gamma{l}         (n[l], 1)        norms[l-1].weight  (flattened) l = 1..L-1
    beta{l}          (n[l], 1)        norms[l-1].bias
    running_mean{l}  (n[l], 1)        norms[l-1].running_mean        (a buffer, not trained)
    running_var{l}   (n[l], 1)        norms[l-1].running_var         (unbiased, PyTorch's)
    b{L}             (n[L], 1)        linears[L-1].bias
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from .models import OUTPUTS
from .regularization import DropoutNet, MaskedDropout


class BatchNormNet(nn.Module):
    r"""(Linear (no bias) -> BatchNorm1d -> ReLU) x (L-1) -> Linear -> sigmoid (or softmax).

    Args:
        layer_dims: [n_x, n[1], ..., n[L]].
        output: "sigmoid" (default) or "softmax" (train it with ``nn.CrossEntropyLoss`` on
            ``net.logits(X)``).
        epsilon: BatchNorm1d's eps (the course's epsilon; default 1e-5, PyTorch's).
        beta: the course's averaging weight of the running statistics (default 0.9);
            BatchNorm1d's momentum is 1 - beta.
        keep_prob: keyword-only; < 1 puts a :class:`MaskedDropout` (p = 1 - keep_prob)
            after each hidden ReLU (masks settable with ``set_course_masks``); 1 (the
            default): no dropout module at all.
        device, dtype: where the parameters live and their float type.

    Shape:
        - Input: (m, n_x), m >= 2 in training mode.
        - Output: (m, n[L]).

    Example::

        >>> net = BatchNormNet([2, 5, 2, 1])
        >>> yhat = net(torch.randn(64, 2))        # training mode: batch statistics
        >>> net.eval(); yhat = net(torch.randn(1, 2))   # running statistics
    """

    def __init__(self, layer_dims: Sequence[int], output: str = "sigmoid", epsilon: float = 1e-5,
                 beta: float = 0.9, device=None, dtype=None, *, keep_prob: float = 1.0):
        super().__init__()
        dims = [int(n) for n in layer_dims]
        if len(dims) < 2 or min(dims) < 1:
            raise ValueError(f"layer_dims: expected at least two positive sizes, got {layer_dims!r}")
        if output not in OUTPUTS:
            raise ValueError(f"output: expected one of {', '.join(map(repr, OUTPUTS))}, got {output!r}")
        if not 0 <= beta < 1:
            raise ValueError(f"beta: expected the averaging weight in [0, 1), got {beta!r}")
        self.layer_dims, self.output, self.epsilon, self.beta = dims, output, epsilon, beta
        L = len(dims) - 1
        self.linears = nn.ModuleList(
            nn.Linear(dims[l - 1], dims[l], bias=(l == L), device=device, dtype=dtype)
            for l in range(1, L + 1))
        self.norms = nn.ModuleList(
            nn.BatchNorm1d(dims[l], eps=epsilon, momentum=1 - beta, device=device, dtype=dtype)
            for l in range(1, L))
        self.relu = nn.ReLU()
        self.out = OUTPUTS[output]()
        self.keep_prob = keep_prob
        if keep_prob != 1:      # MaskedDropout checks keep_prob = 1 - p in (0, 1]
            self.dropouts = nn.ModuleList(MaskedDropout(1 - keep_prob) for _ in range(L - 1))

    @property
    def L(self) -> int:
        return len(self.linears)

    def logits(self, X: torch.Tensor) -> torch.Tensor:
        """Z[L], (m, n[L]): the last layer before its sigmoid/softmax."""
        if X.ndim != 2 or X.shape[1] != self.layer_dims[0]:
            raise ValueError(f"expected X of shape (m, {self.layer_dims[0]}) (examples in rows), "
                             f"got {tuple(X.shape)}")
        A = X
        for l, (linear, norm) in enumerate(zip(self.linears[:-1], self.norms)):
            A = self.relu(norm(linear(A)))
            if self.keep_prob != 1:
                A = self.dropouts[l](A)
        return self.linears[-1](A)

    #: the course's masks {"D1": (n[1], m), ...} in (set) and out, as DropoutNet's
    set_course_masks = DropoutNet.set_course_masks
    course_masks = DropoutNet.course_masks

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.out(self.logits(X))

    def extra_repr(self) -> str:
        return (f"layer_dims={self.layer_dims}, output={self.output!r}, epsilon={self.epsilon}, "
                f"beta={self.beta} (momentum={1 - self.beta:g})")

    # ------------------------------------------------------------ the course's dict
    def course_named_parameters(self) -> dict[str, nn.Parameter]:
        """{"W1", "gamma1", "beta1", ..., "WL", "bL"}: the trained tensors by course name."""
        named = {}
        for l, linear in enumerate(self.linears, start=1):
            named[f"W{l}"] = linear.weight
            if l < self.L:
                named[f"gamma{l}"] = self.norms[l - 1].weight
                named[f"beta{l}"] = self.norms[l - 1].bias
        named[f"b{self.L}"] = self.linears[-1].bias
        return named

    def _course_tensors(self) -> dict[str, torch.Tensor]:
        tensors = dict(self.course_named_parameters())
        for l, norm in enumerate(self.norms, start=1):
            tensors[f"running_mean{l}"] = norm.running_mean
            tensors[f"running_var{l}"] = norm.running_var
        return tensors

    @torch.no_grad()
    def load_course_parameters(self, parameters: Mapping[str, np.ndarray]) -> "BatchNormNet":
        """Copy the course's dict (keys in the module doc) in, exactly; every key and shape is
        checked before the first copy, so a bad dict leaves the module as it was."""
        tensors = self._course_tensors()
        missing = sorted(set(tensors) - set(parameters))
        if missing:
            raise ValueError(f"parameters: missing {missing} for layer_dims {self.layer_dims}")
        values = {}
        for key, t in tensors.items():
            a = torch.as_tensor(np.asarray(parameters[key]))
            want = tuple(t.shape) if t.ndim == 2 else (t.shape[0], 1)
            if tuple(a.shape) != want:
                raise ValueError(f"parameters: {key} must have shape {want}, got {tuple(a.shape)}")
            values[key] = a.reshape(t.shape)
        for key, t in tensors.items():
            t.copy_(values[key])
        return self

    @torch.no_grad()
    def course_parameters(self) -> dict[str, np.ndarray]:
        """The course's dict: W (n[l], n[l-1]); gamma, beta, running statistics, b (n, 1)."""
        out = {}
        for key, t in self._course_tensors().items():
            a = t.detach().cpu().numpy().copy()
            out[key] = a.reshape(-1, 1) if a.ndim == 1 else a
        return out

    @classmethod
    def from_course_parameters(cls, parameters: Mapping[str, np.ndarray], output: str = "sigmoid",
                               epsilon: float = 1e-5, beta: float = 0.9, device=None, dtype=None):
        """Build the net whose layer_dims are read off W1..WL, and load the dict."""
        L = sum(1 for k in parameters if k[:1] == "W" and k[1:].isdigit())
        if L < 1 or f"W{L}" not in parameters:
            raise ValueError(f"parameters: expected keys W1, ..., WL, got {sorted(parameters)}")
        dims = [np.shape(parameters["W1"])[1]] + [np.shape(parameters[f"W{l}"])[0]
                                                  for l in range(1, L + 1)]
        if dtype is None:
            dtype = torch.float64 if np.asarray(parameters["W1"]).dtype == np.float64 else None
        net = cls(dims, output, epsilon, beta, device=device, dtype=dtype)
        return net.load_course_parameters(parameters)


def train_step_bn(model: BatchNormNet, optimizer: torch.optim.Optimizer, X: torch.Tensor,
                  y: torch.Tensor) -> torch.Tensor:
    """One step in training mode: zero_grad, loss, backward, step. The loss is
    ``nn.BCELoss`` on the probabilities (sigmoid) or ``nn.CrossEntropyLoss`` on the logits
    with class indices y (softmax), mean over the batch. The forward pass also updates
    the running statistics (once per step, as BatchNorm1d does). Returns the cost before
    the update, a 0-d tensor."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    if model.output == "softmax":
        cost = nn.CrossEntropyLoss()(model.logits(X), y)
    else:
        cost = nn.BCELoss()(model(X), y)
    cost.backward()
    optimizer.step()
    return cost.detach()
