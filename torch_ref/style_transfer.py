"""Course 4, week 4 (neural style transfer): the content, style and total costs in PyTorch,
gradients by autograd.

PyTorch's feature maps are NCHW, (1, n_C, n_H, n_W): ``nhwc_to_nchw`` (written once, in
``torch_ref.cnn``, and re-exported here) turns the course's (1, n_H, n_W, n_C) into it. In NCHW the course's
unrolling needs no transpose: ``features.reshape(n_C, n_H * n_W)`` puts channel c in row c,
position h n_W + w, which is what the course gets from reshape (n_H n_W, n_C) + transpose.

The costs are written with ``F.mse_loss`` (a mean of squares) and the course's normalisation:

    J_content = 1 / (4 n_H n_W n_C) sum (a_C - a_G)^2 = mse_loss(a_G, a_C) / 4
    J_style^[l] = 1 / (4 n_C^2 (n_H n_W)^2) sum (G_S - G_G)^2 = mse_loss(G_G, G_S) / (4 (n_H n_W)^2)

(PyTorch's neural-style tutorial divides the Gram matrix by the number of its elements
instead; the weights alpha, beta absorb such constants, but the course's cost is this one.)
:class:`ContentLoss` and :class:`StyleLoss` keep the target (a_C, or G_S) as a buffer, detached,
as in that tutorial, and return the cost of the generated activations.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .cnn import nhwc_to_nchw  # the course's layout -> PyTorch's, re-exported

__all__ = ["ContentLoss", "StyleLoss", "gram_matrix", "nhwc_to_nchw", "style_cost", "total_cost"]


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """G = F F^T with F = features unrolled to (n_C, n_H n_W).

    Shape:
        - features: (1, n_C, n_H, n_W).
        - Output: (n_C, n_C).
    """
    _, n_C, n_H, n_W = features.shape
    unrolled = features.reshape(n_C, n_H * n_W)
    return unrolled @ unrolled.T


class ContentLoss(nn.Module):
    r"""J_content(C, G) = mse_loss(a_G, a_C) / 4.

    .. math:: J_{content} = \frac{1}{4 n_H n_W n_C} \sum (a^{(C)} - a^{(G)})^2

    Shape:
        - a_C (constructor), a_G (forward): (1, n_C, n_H, n_W).
        - Output: a scalar.
    """

    def __init__(self, a_C: torch.Tensor):
        super().__init__()
        self.register_buffer("a_C", a_C.detach())

    def forward(self, a_G: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(a_G, self.a_C) / 4


class StyleLoss(nn.Module):
    r"""J_style^[l](S, G) = mse_loss(G_G, G_S) / (4 (n_H n_W)^2).

    .. math::
        J_{style}^{[l]} = \frac{1}{4 n_C^2 (n_H n_W)^2} \sum_{ij} (G^{(S)}_{ij} - G^{(G)}_{ij})^2

    Shape:
        - a_S (constructor), a_G (forward): (1, n_C, n_H, n_W).
        - Output: a scalar.
    """

    def __init__(self, a_S: torch.Tensor):
        super().__init__()
        self.register_buffer("G_S", gram_matrix(a_S.detach()))

    def forward(self, a_G: torch.Tensor) -> torch.Tensor:
        n_H, n_W = a_G.shape[-2:]
        return F.mse_loss(gram_matrix(a_G), self.G_S) / (4 * (n_H * n_W) ** 2)


def style_cost(style_losses: Sequence[StyleLoss], generated: Sequence[torch.Tensor],
               weights: Sequence[float]) -> torch.Tensor:
    """J_style = sum_l lambda^[l] J_style^[l], one StyleLoss per style layer.

    Shape:
        - generated: the layers' a_G, each (1, n_C, n_H, n_W).
        - Output: a scalar.
    """
    return sum(weight * loss(a_G) for loss, a_G, weight in zip(style_losses, generated, weights))


def total_cost(J_content: torch.Tensor, J_style: torch.Tensor, alpha: float = 10,
               beta: float = 40) -> torch.Tensor:
    """J = alpha J_content + beta J_style."""
    return alpha * J_content + beta * J_style
