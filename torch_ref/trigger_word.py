r"""Course 5, week 3, trigger word detection: the model's first layer, ``nn.Conv1d``.

.. math:: Z[i, t, c] = b_c + \sum_{k < f} \sum_{c'} X[i, t\,s + k, c']\, W[k, c', c]

The course (Keras ``Conv1D``) is channels last: X (m, T_x, n_C_prev), W (f, n_C_prev, n_C).
PyTorch's ``nn.Conv1d`` is channels first: input (m, n_C_prev, T_x), weight
(n_C, n_C_prev, f). Both compute the same cross-correlation (no kernel flip); the layouts
are converted in one place each:

    X  (m, T_x, n_C_prev)   -> input  = X.permute(0, 2, 1)       (:func:`to_torch_layout`)
    Z  (m, T_out, n_C)      <- output.permute(0, 2, 1)           (:func:`to_course_layout`)
    W  (f, n_C_prev, n_C)   -> weight = W.permute(2, 1, 0)        (:data:`WEIGHT_TO_TORCH`)
    b  (n_C,)               -> bias

``padding`` is ``nn.Conv1d``'s own (zeros at both ends), "valid" being 0.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

#: the permutation from the course's W (f, n_C_prev, n_C) to nn.Conv1d's (n_C, n_C_prev, f)
WEIGHT_TO_TORCH = (2, 1, 0)


def to_torch_layout(X: torch.Tensor) -> torch.Tensor:
    """(m, T, channels) -> (m, channels, T)."""
    return X.permute(0, 2, 1)


def to_course_layout(Z: torch.Tensor) -> torch.Tensor:
    """(m, channels, T) -> (m, T, channels)."""
    return Z.permute(0, 2, 1)


def conv1d(W, b, stride: int = 1, pad: int = 0, device=None, dtype=None) -> nn.Conv1d:
    """``nn.Conv1d(n_C_prev, n_C, f, stride, padding=pad)`` holding the course's W and b."""
    W = torch.as_tensor(np.asarray(W))
    f, n_C_prev, n_C = W.shape
    if tuple(np.shape(b)) != (n_C,):
        raise ValueError(f"b: expected shape ({n_C},), got {tuple(np.shape(b))}")
    layer = nn.Conv1d(n_C_prev, n_C, f, stride=stride, padding=pad, device=device, dtype=dtype)
    with torch.no_grad():
        layer.weight.copy_(W.permute(*WEIGHT_TO_TORCH))
        layer.bias.copy_(torch.as_tensor(np.asarray(b)))
    return layer


def course_gradients(layer: nn.Conv1d) -> dict[str, np.ndarray]:
    """{"dW": (f, n_C_prev, n_C), "db": (n_C,)} from the layer's ``.grad``."""
    return {"dW": layer.weight.grad.permute(*WEIGHT_TO_TORCH).detach().cpu().numpy().copy(),
            "db": layer.bias.grad.detach().cpu().numpy().copy()}
