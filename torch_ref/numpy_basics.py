"""Course 1, week 2, "Python basics with NumPy", in PyTorch: each of the notebook's functions
is one torch call. Gradients come from autograd (``Tensor.backward``), never written here.

==========================  ===============================================================
the notebook                PyTorch
==========================  ===============================================================
basic_sigmoid(x), math.exp  ``torch.sigmoid`` of a 0-d tensor, ``.item()``
sigmoid(x)                  ``torch.sigmoid``
sigmoid_derivative(x)       autograd of ``torch.sigmoid`` (:func:`sigmoid_derivative`)
image2vector(image)         ``image.reshape(-1, 1)`` (row-major in both libraries)
normalize_rows(x)           ``F.normalize(x, p=2, dim=1)``: x / max(||x||, eps), eps = 1e-12
softmax(x), row-wise        ``torch.softmax(x, dim=1)``
L1(yhat, y)                 ``nn.L1Loss(reduction="sum")(yhat, y)``
L2(yhat, y)                 ``nn.MSELoss(reduction="sum")(yhat, y)``
==========================  ===============================================================

Where they part: ``F.normalize`` divides by max(||x||, eps), so a row of zeros comes back as
zeros where the notebook divides 0 by 0 (scratch refuses that row); ``L1Loss`` and ``MSELoss``
default to the MEAN over the entries, the notebook sums (hence ``reduction="sum"``).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def basic_sigmoid(x: float) -> float:
    """sigma(x) of one number: ``torch.sigmoid`` on a float64 0-d tensor, as a Python float."""
    return torch.sigmoid(torch.tensor(x, dtype=torch.float64)).item()


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """sigma(x), element-wise. Shape: any; output like x."""
    return torch.sigmoid(x)


def sigmoid_derivative(x: torch.Tensor) -> torch.Tensor:
    """sigma'(x), element-wise, by autograd: the gradient of sum(sigma(x)) with respect to x
    (each output depends on its own input only, so the sum's gradient is the derivative)."""
    x = x.detach().requires_grad_(True)
    (ds,) = torch.autograd.grad(torch.sigmoid(x).sum(), x)
    return ds


def image2vector(image: torch.Tensor) -> torch.Tensor:
    """(length, height, depth) -> (length * height * depth, 1), row-major as NumPy's reshape."""
    return image.reshape(-1, 1)


def normalize_rows(x: torch.Tensor) -> torch.Tensor:
    """Each row over its L2 norm. Shape: (n, m) -> (n, m)."""
    return F.normalize(x, p=2, dim=1)


def softmax(x: torch.Tensor) -> torch.Tensor:
    """Softmax of each ROW (dim=1), the notebook's axis. Shape: (m, n) -> (m, n)."""
    return torch.softmax(x, dim=1)


def L1(yhat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """sum |y - yhat|: ``nn.L1Loss`` with ``reduction="sum"`` (its default is the mean).
    Output: a 0-d tensor."""
    return nn.L1Loss(reduction="sum")(yhat, y)


def L2(yhat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """sum (y - yhat)^2: ``nn.MSELoss`` with ``reduction="sum"`` (its default is the mean).
    Output: a 0-d tensor."""
    return nn.MSELoss(reduction="sum")(yhat, y)
