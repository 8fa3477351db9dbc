"""Optimizer settings shared by every model: one description, two implementations.

The NumPy side applies the course's update rule, the torch side builds the
``torch.optim`` optimizer (and ``lr_scheduler``) that computes the same thing; the
learning rate of epoch e (0-based) is ``learning_rate * schedule(e)``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


def constant(epoch: int) -> float:
    return 1.0


def step_drop(drop_epoch: int | None, factor: float = 0.1) -> Callable[[int], float]:
    """x ``factor`` from epoch ``drop_epoch`` on (1-based, as the CLI's --lr-drop-epoch)."""
    if not drop_epoch:
        return constant

    def schedule(epoch: int) -> float:
        return factor if epoch + 1 >= drop_epoch else 1.0
    schedule.__doc__ = f"x {factor:g} from epoch {drop_epoch} on"
    return schedule


@dataclass(frozen=True)
class Optim:
    """Plain gradient descent at ``learning_rate * schedule(epoch)``."""
    learning_rate: float
    schedule: Callable[[int], float] = constant

    def __post_init__(self):
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate: expected a positive number, got {self.learning_rate}")

    def rate(self, epoch: int) -> float:
        return self.learning_rate * self.schedule(epoch)

    def torch_optimizer(self, params) -> tuple[torch.optim.Optimizer, object]:
        """``torch.optim.SGD(lr)`` and a ``LambdaLR`` that applies the same schedule."""
        optimizer = torch.optim.SGD(params, lr=self.learning_rate)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, self.schedule)
        return optimizer, scheduler
