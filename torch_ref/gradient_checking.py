"""Gradient checking the PyTorch way: autograd's gradient checked by ``torch.autograd.gradcheck``.

The course's one-dimensional example J(theta) = theta x, whose gradient dJ/dtheta = x the
course derives by hand and checks with a centred difference (scratch.gradient_checking);
here autograd computes the gradient and gradcheck compares it with its own finite
differences (per entry, atol + rtol, instead of the course's one relative norm). The n-D
check of the course's 3-layer network is ``torch_ref.regularization.cost_of_theta``.
"""
from __future__ import annotations

import torch


def forward_1d(theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """J(theta) = theta x."""
    return theta * x


def gradient_1d(theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """dJ/dtheta by autograd (the course's hand-derived answer is x)."""
    theta = theta.detach().requires_grad_(True)
    (dtheta,) = torch.autograd.grad(forward_1d(theta, x), theta)
    return dtheta


def gradcheck_1d(theta: torch.Tensor, x: torch.Tensor) -> bool:
    """``torch.autograd.gradcheck`` of J at theta (float64): True, or it raises."""
    theta = theta.detach().to(torch.float64).requires_grad_(True)
    return torch.autograd.gradcheck(lambda t: forward_1d(t, x.to(torch.float64)), (theta,))
