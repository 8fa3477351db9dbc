"""Training with autograd and ``torch.optim``: the usual PyTorch step.

    optimizer.zero_grad(); cost = criterion(model(X), Y); cost.backward(); optimizer.step()

The loop around it (epochs, batches, logging) is the project's one engine,
``dl_parity.engine``, which runs this step and scratch's side by side.

``nn.BCELoss`` (mean reduction) is the course's cost J = (1/m) sum of losses, so
autograd's gradients are dJ/dW[l], dJ/db[l]: the course's dW[l], db[l].
"""
from __future__ import annotations

import torch
from torch import nn


def check_batch(X: torch.Tensor, Y: torch.Tensor) -> None:
    """X (m, ...) (examples first: (m, n_x), or NCHW images) and Y (m, n_y) or class
    indices (m,) with the same m >= 1, else ValueError (before any update).

    Shapes only: reading the values (NaN, inf) would wait for the GPU at every step, so
    finiteness is checked once, on the whole data set, by whoever feeds the batches.
    """
    if X.ndim < 2 or Y.ndim not in (1, 2) or X.shape[0] != Y.shape[0]:
        raise ValueError(f"expected X (m, n_x) and Y (m, n_y) or class indices (m,) with the "
                         f"same m, got X {tuple(X.shape)} and Y {tuple(Y.shape)}")
    if X.shape[0] == 0:
        raise ValueError(f"expected at least one example (m >= 1), got X {tuple(X.shape)}")


def loss_input(model: nn.Module, X: torch.Tensor, criterion: nn.Module) -> torch.Tensor:
    """What ``criterion`` takes from ``model``: logits or probabilities.

    - ``nn.CrossEntropyLoss`` and ``nn.BCEWithLogitsLoss`` apply (log-)softmax or sigmoid
      themselves: they get the logits Z[L] (``model.logits(X)``), never probabilities.
    - ``nn.BCELoss`` takes probabilities of independent sigmoid outputs: ``model(X)``,
      and only from a sigmoid output layer.

    Any other pairing raises ValueError: a wrong pairing trains on the wrong cost
    without a word (a softmax's probabilities fed to CrossEntropyLoss are softmaxed twice).
    """
    output = getattr(model, "output", "sigmoid")
    if isinstance(criterion, (nn.CrossEntropyLoss, nn.BCEWithLogitsLoss)):
        if not hasattr(model, "logits"):
            raise ValueError(f"{type(criterion).__name__} takes logits, but "
                             f"{type(model).__name__} has no logits(X) method")
        return model.logits(X)
    if isinstance(criterion, nn.BCELoss):
        if output != "sigmoid":
            raise ValueError(f"nn.BCELoss takes the probabilities of sigmoid outputs, but this "
                             f"model's output is {output!r}: use nn.CrossEntropyLoss (on logits)")
        return model(X)
    raise ValueError(f"criterion: expected nn.BCELoss, nn.CrossEntropyLoss or "
                     f"nn.BCEWithLogitsLoss, got {type(criterion).__name__}")


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor,
               Y: torch.Tensor, criterion: nn.Module | None = None) -> torch.Tensor:
    """One optimizer step; returns the cost before the update (a 0-d tensor).

        optimizer.zero_grad(); cost = criterion(input, Y); cost.backward(); optimizer.step()

    ``input`` is what the criterion takes (:func:`loss_input`): the logits for
    ``nn.CrossEntropyLoss``, the sigmoid's probabilities for ``nn.BCELoss`` (the default,
    the course's cost). Y: (m, n_y) floats for BCELoss, class indices (m,) for
    CrossEntropyLoss.
    """
    criterion = criterion or nn.BCELoss()
    check_batch(X, Y)
    optimizer.zero_grad(set_to_none=True)
    cost = criterion(loss_input(model, X, criterion), Y)
    cost.backward()
    optimizer.step()
    return cost.detach()


def criterion_for(output: str) -> nn.Module:
    """The loss a PyTorch user pairs with each output layer (mean over the batch).

    - "sigmoid": ``nn.BCELoss()`` on the probabilities (the course's cost).
    - "softmax": ``nn.CrossEntropyLoss()`` on the logits Z[L] with class indices
      y (m,): J = -(1/m) sum_i log softmax(Z[L])_{y_i}, computed as
      Z_y - logsumexp(Z), so a saturated softmax never gives log(0).
    """
    if output == "sigmoid":
        return nn.BCELoss()
    if output == "softmax":
        return nn.CrossEntropyLoss()
    raise ValueError(f"output: expected 'sigmoid' or 'softmax', got {output!r}")


@torch.no_grad()
def he_init_(model: nn.Module) -> nn.Module:
    """He initialisation of every ``nn.Linear``, in place: W ~ N(0, 2 / n[l-1]), b = 0.

    ``nn.init.kaiming_normal_(W, mode="fan_in", nonlinearity="relu")`` draws with
    std = gain / sqrt(fan_in) = sqrt(2) / sqrt(n[l-1]) (fan_in = in_features, the
    course's n[l-1]): the course's randn(n[l], n[l-1]) * sqrt(2 / n[l-1]) in
    distribution, from torch's generator (so not the same numbers).
    Returns the model.
    """
    for module in model.modules():
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model
