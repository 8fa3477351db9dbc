r"""Course 2, week 1 the PyTorch way: initialisation with ``nn.init``, L2 as the
optimizer's ``weight_decay``, dropout as an ``nn.Dropout`` whose mask can be read and set.

The networks are :class:`torch_ref.models.DeepNet`'s (``nn.Linear`` + ``nn.ReLU``, a
sigmoid output): [n_x, 10, 5, 1] for the initialization assignment, and
:class:`DropoutNet` ([n_x, 20, 3, 1] with dropout after each hidden ReLU) for the
regularization one. Both load and export the course's dict exactly
(``load_course_parameters`` / ``course_parameters``): the course's seeded runs
start from the NumPy dict (``np.random.seed(3)`` draws), loaded here, because
``nn.init`` draws from torch's generator, whose numbers differ.

**Initialisation** (:func:`initialize_`), the rule and its ``nn.init`` call:

- zeros:  W = 0, b = 0                                ``nn.init.zeros_``
- random: W ~ N(0, 10^2), b = 0                         ``nn.init.normal_(W, std=10)``
- He:     W ~ N(0, 2 / n[l-1]), b = 0                   ``nn.init.kaiming_normal_(W, mode="fan_in",
  nonlinearity="relu")``: std = gain / sqrt(fan_in), gain = sqrt(2), fan_in = n[l-1]
- scaled: W ~ N(0, 1 / n[l-1]), b = 0 (the regularization assignment's randn / sqrt(n[l-1]))
  ``nn.init.kaiming_normal_(W, mode="fan_in", nonlinearity="linear")``: gain 1

**L2 regularization.** The course's cost and gradient are

.. math:: J_{reg} = J + \frac{\lambda}{2m} \sum_l \|W^{[l]}\|_F^2, \qquad
          \frac{\partial J_{reg}}{\partial W^{[l]}} = dW^{[l]} + \frac{\lambda}{m} W^{[l]}

``torch.optim.SGD(..., weight_decay=wd)`` adds ``wd * p`` to each parameter's
gradient before the step, p := p - lr (grad + wd p): exactly the L2 term's gradient
with wd = lambd / m. Biases are not penalised, so the optimizer gets two parameter
groups (:func:`l2_param_groups`): the weights with ``weight_decay = lambd / m``, the
biases with 0. The penalty then never enters the loss that autograd sees;
:func:`l2_cost` states it as a PyTorch user writes it (for reporting the cost, or
for the other idiom: add it to the loss and let autograd differentiate it).

**Dropout.** ``nn.Dropout(p)`` with p = 1 - keep_prob is the course's inverted
dropout: A * D / keep_prob with D ~ Bernoulli(keep_prob) in training, the identity
in ``eval()``. It does not expose D, and the course draws D with NumPy. So
:class:`MaskedDropout` subclasses it: set ``.mask`` (a boolean tensor, the input's
shape) and the forward uses that mask; leave it ``None`` and the forward draws
exactly as ``nn.Dropout`` does (``F.dropout``'s Bernoulli draw, read off a tensor
of ones, same generator, same numbers) and keeps the mask it used in
``.last_mask``. A subclass rather than a forward hook: the mask is the module's
own state, visible in ``repr`` and ``state`` and moved by nothing but the user,
and the forward stays one line of the formula.

**The loss for the course's runs.** The course backpropagates from
dZ3 = (1/m)(A3 - Y), never through log A3. ``nn.BCEWithLogitsLoss`` on the logits Z3
(``net.logits`` or the cache's "Z3") has exactly that gradient for every Z3;
``nn.BCELoss`` on the probabilities divides by A3 (1 - A3), which is 0 where the
sigmoid saturates to 0.0 or 1.0 in floating point (the * 10 initialisation: Z3 in
the thousands), and there its gradient is 0 instead of the course's +-1/m. See
:func:`train_step`.

Layouts: torch's X (m, n_x), A[l] (m, n[l]); the course's (n, m). The masks cross
between the two in one place: :meth:`DropoutNet.set_course_masks` and
:meth:`DropoutNet.course_masks` (D[l] (n[l], m) <-> (m, n[l])).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .models import DeepNet

INITIALIZATIONS = ("zeros", "random", "he", "scaled")


# ----------------------------------------------------------------------------- initialisation
@torch.no_grad()
def initialize_(model: nn.Module, initialization: str = "he", *, scale: float = 10.0) -> nn.Module:
    """Initialise every ``nn.Linear`` of ``model`` in place; biases to 0.

    Args:
        initialization: "zeros" (``nn.init.zeros_``), "random" (``nn.init.normal_``
            with std = ``scale``, 10 as the course), "he" (``nn.init.kaiming_normal_``,
            fan_in, relu: std = sqrt(2 / n[l-1])) or "scaled" (``kaiming_normal_``,
            fan_in, linear: std = 1 / sqrt(n[l-1])).
    Returns:
        the model.
    """
    if initialization not in INITIALIZATIONS:
        raise ValueError(f"initialization: expected one of {', '.join(map(repr, INITIALIZATIONS))}, "
                         f"got {initialization!r}")
    for module in model.modules():
        if isinstance(module, nn.Linear):
            if initialization == "zeros":
                nn.init.zeros_(module.weight)
            elif initialization == "random":
                nn.init.normal_(module.weight, mean=0.0, std=scale)
            elif initialization == "he":
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
            else:
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="linear")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model


# ----------------------------------------------------------------------------- L2
def _check_lambd_m(lambd, m):
    if isinstance(lambd, bool) or not isinstance(lambd, (int, float)) or not math.isfinite(lambd) \
            or lambd < 0:
        raise ValueError(f"lambd: expected a finite number >= 0 (the L2 strength), got {lambd!r}")
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(f"m: expected the number of training examples, an integer >= 1, got {m!r}")


def _weights_and_biases(model: nn.Module):
    weights, biases = [], []
    for module in model.modules():
        if isinstance(module, nn.Linear):
            weights.append(module.weight)
            if module.bias is not None:
                biases.append(module.bias)
    return weights, biases


def l2_param_groups(model: nn.Module, lambd: float, m: int) -> list[dict]:
    """Two optimizer parameter groups: every ``nn.Linear`` weight with
    ``weight_decay = lambd / m``, every bias with ``weight_decay = 0``.

    Why lambd / m: the course's penalty lambd / (2m) sum W^2 has gradient (lambd / m) W,
    and SGD's weight_decay wd adds wd * W to the gradient.
    """
    _check_lambd_m(lambd, m)
    weights, biases = _weights_and_biases(model)
    return [{"params": weights, "weight_decay": lambd / m},
            {"params": biases, "weight_decay": 0.0}]


def make_optimizer(model: nn.Module, learning_rate: float, lambd: float = 0.0,
                   m: int = 1) -> torch.optim.SGD:
    """``torch.optim.SGD`` for the week's runs: plain gradient descent with rate
    ``learning_rate``, and L2 on the weights as ``weight_decay = lambd / m`` (biases 0).
    With lambd = 0 both groups have weight_decay 0: plain SGD."""
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) \
            or not learning_rate > 0 or not math.isfinite(learning_rate):
        raise ValueError(f"learning_rate: expected a finite number > 0, got {learning_rate!r}")
    return torch.optim.SGD(l2_param_groups(model, lambd, m), lr=learning_rate)


def l2_cost(model: nn.Module, lambd: float, m: int) -> torch.Tensor:
    """The L2 penalty as a PyTorch user writes it: lambd / (2m) * sum of W.pow(2).sum()
    over every ``nn.Linear`` weight (biases excluded). A 0-d tensor, on the graph."""
    _check_lambd_m(lambd, m)
    weights, _ = _weights_and_biases(model)
    return lambd / (2 * m) * sum(W.pow(2).sum() for W in weights)


def cost_with_regularization(model: nn.Module, X: torch.Tensor, Y: torch.Tensor,
                             lambd: float) -> torch.Tensor:
    """J_reg = BCE(model(X), Y) + :func:`l2_cost` (m = the rows of X): the course's
    ``compute_cost_with_regularization`` (``nn.BCELoss`` on the probabilities, the
    course's formula; it clamps each log at -100 where the course's nansum gives inf).

    Shape: X (m, n_x), Y (m, 1); returns a 0-d tensor.
    """
    return nn.BCELoss()(model(X), Y) + l2_cost(model, lambd, X.shape[0])


# ----------------------------------------------------------------------------- dropout
class MaskedDropout(nn.Dropout):
    r"""``nn.Dropout`` whose keep-mask can be given, and is always exposed.

    .. math:: \text{out} = \text{input} \odot D / (1 - p), \quad D \sim \text{Bernoulli}(1 - p)

    In training: D = ``self.mask`` when set (a boolean tensor of the input's shape,
    True = keep), otherwise drawn as ``nn.Dropout`` draws it (the same numbers for
    the same generator state; all True for p = 0, drawing nothing); the D used is
    kept in ``self.last_mask``. In ``eval()``: the identity, ``last_mask`` None.

    Shape: input any, output the same.
    """

    def __init__(self, p: float = 0.5):
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
            raise ValueError(f"p: expected a drop probability in [0, 1) (keep_prob = 1 - p in "
                             f"(0, 1]), got {p!r}")
        super().__init__(p)
        self.mask: torch.Tensor | None = None
        self.last_mask: torch.Tensor | None = None

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if not self.training:
            self.last_mask = None
            return input
        D = self.mask if self.mask is not None else self._draw(input)
        if D.shape != input.shape:
            raise ValueError(f"dropout mask: expected the input's shape {tuple(input.shape)}, "
                             f"got {tuple(D.shape)}")
        self.last_mask = D
        return input * D / (1 - self.p)

    def _draw(self, input: torch.Tensor) -> torch.Tensor:
        if self.p == 0:         # keep_prob = 1: keep every unit (and draw nothing)
            return torch.ones_like(input, dtype=torch.bool)
        # nn.Dropout's own draw: F.dropout of ones is D / (1 - p); its non-zeros are D
        return F.dropout(torch.ones_like(input), self.p, training=True) != 0

    def extra_repr(self) -> str:
        return super().extra_repr() + (", mask set" if self.mask is not None else "")


class DropoutNet(DeepNet):
    """[Linear -> ReLU -> MaskedDropout] x (L-1) -> Linear -> sigmoid.

    The regularization assignment's network (layer_dims [n_x, 20, 3, 1]) with inverted
    dropout after each hidden activation, keep_prob = 1 - p; no dropout on the output.
    ``net.train()`` drops, ``net.eval()`` does not (the course predicts with the plain
    forward pass).

    Args:
        layer_dims: [n_x, n[1], ..., n[L]].
        hidden_activation, device, dtype: as :class:`DeepNet`.
        keep_prob: in (0, 1]; 1 means no dropout.

    Shape:
        - Input: (m, n_x).  Output: (m, n[L]).
        - ``forward(X, return_intermediates=True)`` also returns {"Z1", "A1", ...}, A[l]
          the activations after dropout, as the course caches them.
    """

    def __init__(self, layer_dims: Sequence[int] = (2, 20, 3, 1), hidden_activation: str = "relu",
                 device=None, dtype=None, *, keep_prob: float = 1.0):
        if isinstance(keep_prob, bool) or not isinstance(keep_prob, (int, float)) \
                or not 0 < keep_prob <= 1:
            raise ValueError(f"keep_prob: expected a probability in (0, 1], got {keep_prob!r}")
        super().__init__(layer_dims, hidden_activation, device=device, dtype=dtype)
        self.keep_prob = keep_prob
        self.dropouts = nn.ModuleList(MaskedDropout(1 - keep_prob) for _ in range(self.L - 1))

    def forward(self, X: torch.Tensor, return_intermediates: bool = False):
        if X.ndim != 2 or X.shape[1] != self.layer_dims[0]:
            raise ValueError(f"expected X of shape (m, {self.layer_dims[0]}) (examples in rows), "
                             f"got {tuple(X.shape)}")
        A = X
        cache = {}
        for l, (linear, g) in enumerate(zip(self.linears, self.activations), start=1):
            Z = linear(A)
            A = g(Z)
            if l < self.L:
                A = self.dropouts[l - 1](A)
            cache[f"Z{l}"], cache[f"A{l}"] = Z, A
        return (A, cache) if return_intermediates else A

    def extra_repr(self) -> str:
        return super().extra_repr() + f", keep_prob={self.keep_prob}"

    # ------------------------------------------------------------ masks in the course's layout
    def set_course_masks(self, masks: Mapping[str, np.ndarray] | None) -> "DropoutNet":
        """Use the course's masks {"D1": (n[1], m), "D2": (n[2], m), ...} (bool or 0/1)
        in the next training forward passes; None clears them (draw again)."""
        for l, dropout in enumerate(self.dropouts, start=1):
            if masks is None:
                dropout.mask = None
                continue
            if f"D{l}" not in masks:
                raise ValueError(f"masks: missing 'D{l}'; expected D1..D{self.L - 1}, got "
                                 f"{sorted(masks)}")
            D = np.asarray(masks[f"D{l}"])
            n = self.layer_dims[l]
            if D.ndim != 2 or D.shape[0] != n:
                raise ValueError(f"masks: D{l} must be (n[{l}], m) = ({n}, m), got {D.shape}")
            device = self.linears[0].weight.device
            dropout.mask = torch.as_tensor(D.T != 0, device=device)
        return self

    def course_masks(self) -> dict[str, np.ndarray]:
        """The masks the last training forward used, {"D1": (n[1], m) bool, ...}."""
        out = {}
        for l, dropout in enumerate(self.dropouts, start=1):
            if dropout.last_mask is None:
                raise ValueError("no mask yet: run a forward pass in training mode first")
            out[f"D{l}"] = dropout.last_mask.detach().cpu().numpy().T.copy()
        return out

    @classmethod
    def from_course_parameters(cls, parameters: Mapping[str, np.ndarray],
                               hidden_activation: str = "relu", device=None, dtype=None,
                               *, keep_prob: float = 1.0, output: str = "sigmoid"):
        """Build a DropoutNet whose layer_dims are read off W1..WL, and load the values."""
        if output != "sigmoid":
            raise ValueError(f"output: DropoutNet has a sigmoid output, got {output!r}")
        L = sum(1 for k in parameters if k.startswith("W"))
        if L < 1 or f"W{L}" not in parameters:
            raise ValueError(f"parameters: expected keys W1, b1, ..., got {sorted(parameters)}")
        dims = [np.shape(parameters["W1"])[1]] + [np.shape(parameters[f"W{l}"])[0]
                                                  for l in range(1, L + 1)]
        if dtype is None:
            dtype = torch.float64 if np.asarray(parameters["W1"]).dtype == np.float64 else None
        net = cls(dims, hidden_activation, device=device, dtype=dtype, keep_prob=keep_prob)
        return net.load_course_parameters(parameters)


# ----------------------------------------------------------------------------- one step
def train_step(model: DeepNet, optimizer: torch.optim.Optimizer, X: torch.Tensor,
               Y: torch.Tensor, lambd: float = 0.0) -> torch.Tensor:
    """One step of the week's runs; returns the course's cost before the update.

        optimizer.zero_grad()
        A3, cache = model(X, return_intermediates=True)      # dropout masks as set/drawn
        loss = nn.BCEWithLogitsLoss()(cache["Z3"], Y)         # gradient sigma(Z3) - Y, / m
        loss.backward()
        optimizer.step()                                      # + (lambd / m) W via weight_decay

    The L2 gradient comes from the optimizer (build it with :func:`make_optimizer`
    with the same lambd and m); the penalty :func:`l2_cost` is only added to the
    returned cost, computed from the weights before the step.

    The returned cost is the course's, the cross-entropy of A3: ``nn.BCELoss()(A3, Y)``
    (each log clamped at -100, where the course's nansum cost is inf). The gradient comes
    from the logits, which stays sigma(Z3) - Y where A3 rounds to exactly 0 or 1; there
    the logits' loss is larger than the cost of A3 (e.g. 1773.6 against 50 at the first
    step of the x 10 initialisation), so reporting it would not compare with the course.

    Shape: X (m, n_x), Y (m, 1) floats.
    """
    m = X.shape[0]
    optimizer.zero_grad(set_to_none=True)
    A, cache = model(X, return_intermediates=True)
    loss = nn.BCEWithLogitsLoss()(cache[f"Z{model.L}"], Y)
    with torch.no_grad():
        cost = nn.BCELoss()(A, Y) + (l2_cost(model, lambd, m) if lambd else 0.0)
    loss.backward()
    optimizer.step()
    return cost.detach()


# ----------------------------------------------------------------------------- gradient checking
def cost_of_theta(model: DeepNet, theta: torch.Tensor, X: torch.Tensor,
                  Y: torch.Tensor) -> torch.Tensor:
    """The cost BCE(model(X), Y) as a function of one vector theta of all the parameters.

    theta's layout is ``torch.nn.utils.parameters_to_vector(model.parameters())``:
    W1 (row-major), b1, W2, b2, ...: nn.Linear's weight is the course's W[l] (n[l],
    n[l-1]), so this is also the course's ``dictionary_to_vector`` order. The
    parameters are swapped in with ``torch.func.functional_call`` (the module is
    left unchanged), so autograd (and ``torch.autograd.gradcheck``) see a pure
    function of theta.

    Shape: theta (n,), X (m, n_x), Y (m, 1); returns a 0-d tensor.
    """
    names = [name for name, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]
    n = sum(s.numel() for s in shapes)
    if theta.ndim != 1 or theta.numel() != n:
        raise ValueError(f"theta: expected a vector of {n} values ({n},), got {tuple(theta.shape)}")
    chunks = torch.split(theta, [s.numel() for s in shapes])
    params = {name: chunk.reshape(shape) for name, chunk, shape in zip(names, chunks, shapes)}
    return nn.BCELoss()(torch.func.functional_call(model, params, (X,)), Y)
