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
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    criterion = nn.BCELoss()
    costs = []
    for i in range(num_iterations):
        cost = train_step(model, optimizer, X, Y, criterion)
        costs.append(cost.item())
        if callback is not None and callback(i, costs[-1], model):
            break
    return costs
