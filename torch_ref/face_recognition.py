"""Course 4, week 4 (face recognition): the course's triplet loss in PyTorch, gradients by
autograd, and PyTorch's own triplet losses beside it.

The course's loss uses the SQUARED Euclidean distance and sums over the batch:

    J = sum_i max(||a_i - p_i||^2 - ||a_i - n_i||^2 + alpha, 0)

- :func:`triplet_loss`: that formula in torch ops (any alpha, as the course's unit tests use
  0 and negative margins too).
- :func:`course_triplet_criterion`: the same loss as a PyTorch criterion,
  ``nn.TripletMarginWithDistanceLoss(distance_function=squared_euclidean, margin=alpha,
  reduction="sum")`` (which requires alpha > 0).
- ``nn.TripletMarginLoss(margin, p=2, eps=1e-6)`` is a different loss: the distance itself,
  ||a - p + eps||_p, not its square, and a mean over the batch. The parity tests show by how
  much they differ, and that no setting of it gives the course's loss.

At basic_loss = 0, ``clamp(min=0)`` (used here and inside both nn losses) has gradient 0;
TensorFlow's ``tf.maximum``, which the course uses, has gradient 1 there.
"""
from __future__ import annotations

import torch
from torch import nn


def squared_euclidean(x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
    """||x1 - x2||^2 over the last dimension: (m, n), (m, n) -> (m,)."""
    return (x1 - x2).pow(2).sum(dim=-1)


def triplet_loss(y_true, y_pred, alpha: float = 0.2) -> torch.Tensor:
    """The course's triplet loss (y_true unused, Keras' signature).

    Shape:
        - y_pred: (anchor, positive, negative), each (m, n) (the course: (m, 128)) or (n,).
        - Output: a scalar.
    """
    anchor, positive, negative = y_pred
    basic_loss = squared_euclidean(anchor, positive) - squared_euclidean(anchor, negative) + alpha
    return torch.clamp(basic_loss, min=0).sum()


def course_triplet_criterion(alpha: float = 0.2) -> nn.TripletMarginWithDistanceLoss:
    """The course's triplet loss as an ``nn`` criterion: call it as ``loss(anchor, positive,
    negative)``. Needs alpha > 0 (PyTorch refuses other margins)."""
    return nn.TripletMarginWithDistanceLoss(distance_function=squared_euclidean, margin=alpha,
                                            reduction="sum")
