"""Training with autograd and ``torch.optim.SGD``: the usual PyTorch loop.

    optimizer.zero_grad(); cost = criterion(model(X), Y); cost.backward(); optimizer.step()

``nn.BCELoss`` (mean reduction) is the course's cost J = (1/m) sum of losses, so
autograd's gradients are dJ/dW[l], dJ/db[l]: the course's dW[l], db[l].
"""
from __future__ import annotations

import torch
from torch import nn


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor,
               Y: torch.Tensor, criterion: nn.Module | None = None) -> torch.Tensor:
    """One gradient-descent step; returns the cost before the update (a 0-d tensor)."""
    criterion = criterion or nn.BCELoss()
    optimizer.zero_grad(set_to_none=True)
    cost = criterion(model(X), Y)
    cost.backward()
    optimizer.step()
    return cost.detach()


def fit(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, learning_rate: float,
        num_iterations: int, callback=None) -> list[float]:
    """Full-batch gradient descent; returns the cost at every iteration (before its update).

    ``callback(i, cost, model)`` is called after each step; return True to stop.
    """
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(f"expected X (m, n_x) and Y (m, n_y) with the same m, got "
                         f"X {tuple(X.shape)} and Y {tuple(Y.shape)}")
    if X.shape[0] == 0:
        raise ValueError(f"expected at least one example (m >= 1), got X {tuple(X.shape)}")
    if X.is_floating_point() and not torch.isfinite(X).all():
        bad = int((~torch.isfinite(X)).sum())
        raise ValueError(f"expected finite values in X, got {bad} NaN or inf "
                         f"entr{'y' if bad == 1 else 'ies'} in X {tuple(X.shape)}")
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    criterion = nn.BCELoss()
    costs = []
    for i in range(num_iterations):
        cost = train_step(model, optimizer, X, Y, criterion)
        costs.append(cost.item())
        if callback is not None and callback(i, costs[-1], model):
            break
    return costs


# ------------------------------------------------------------------ multiclass, mini-batches
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


def _loss_input(model: nn.Module, X: torch.Tensor, criterion: nn.Module) -> torch.Tensor:
    # nn.CrossEntropyLoss applies log_softmax itself: give it the logits, not probabilities
    if isinstance(criterion, nn.CrossEntropyLoss):
        return model.logits(X)
    return model(X)


def train_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, batches, criterion: nn.Module,
                callback=None) -> list[float]:
    """One epoch of mini-batch training: one optimizer step per (X, y) batch, in order.

        for X, y in batches:
            optimizer.zero_grad()
            cost = criterion(model.logits(X) or model(X), y)   # logits for CrossEntropyLoss
            cost.backward()
            optimizer.step()

    Args:
        model: e.g. ``DeepNet(..., output="softmax")``; with ``nn.CrossEntropyLoss``
            its ``logits(X)`` are fed to the loss, with any other criterion ``model(X)``.
        optimizer: e.g. ``torch.optim.SGD(model.parameters(), lr=alpha)``.
        batches: any iterable of (X (m_t, n_x), y) pairs: a ``DataLoader``, or a list
            built from the course's ``random_mini_batches`` so both routes see the
            same batches in the same order. y: class indices (m_t,) (long) for
            ``nn.CrossEntropyLoss``, (m_t, n[L]) floats for ``nn.BCELoss``.
        criterion: from :func:`criterion_for`.
        callback: ``callback(t, cost, model)`` after step t; return True to stop.
    Returns:
        the cost of each batch before its update (floats).
    """
    costs = []
    for t, (X, y) in enumerate(batches):
        optimizer.zero_grad(set_to_none=True)
        cost = criterion(_loss_input(model, X, criterion), y)
        cost.backward()
        optimizer.step()
        costs.append(cost.item())
        if callback is not None and callback(t, costs[-1], model):
            break
    return costs


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
