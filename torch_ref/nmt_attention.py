r"""Course 5, week 3, neural machine translation: the attention step in idiomatic PyTorch.

.. math:: e = \tanh([a; s_{prev}] W_1 + b_1), \quad
          \alpha = \mathrm{softmax}_{t'}\big(\mathrm{ReLU}(e W_2 + b_2)\big), \quad
          \mathrm{context} = \textstyle\sum_{t'} \alpha^{\langle t'\rangle} a^{\langle t'\rangle}

:class:`OneStepAttention` is two ``nn.Linear`` layers (the course's shared Dense layers
densor1 and densor2), ``torch.softmax(dim=1)`` over the T_x steps and one ``torch.bmm``
(the course's Dot(axes=1)); s_prev is repeated with ``expand`` (a view, no copy).

The course's parameters (Keras kernels, x W) and PyTorch's (x W^T), written once
(:data:`COURSE_TO_TORCH`):

    W1 (2 n_a + n_s, n_e) = densor1.weight^T      b1 (n_e,) = densor1.bias
    W2 (n_e, 1)           = densor2.weight^T      b2 (1,)   = densor2.bias

Shapes are batch first, as the course's: a (m, T_x, 2 n_a), s_prev (m, n_s), context
(m, 1, 2 n_a), alphas (m, T_x, 1).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

#: course key -> (parameter, stored transposed?)
COURSE_TO_TORCH = {"W1": ("densor1.weight", True), "b1": ("densor1.bias", False),
                   "W2": ("densor2.weight", True), "b2": ("densor2.bias", False)}


class OneStepAttention(nn.Module):
    """Shape: a (m, T_x, 2 n_a), s_prev (m, n_s) -> (context (m, 1, 2 n_a), alphas (m, T_x, 1))."""

    def __init__(self, two_n_a: int, n_s: int, n_e: int = 10, device=None, dtype=None):
        super().__init__()
        self.densor1 = nn.Linear(two_n_a + n_s, n_e, device=device, dtype=dtype)
        self.densor2 = nn.Linear(n_e, 1, device=device, dtype=dtype)

    def forward(self, a, s_prev):
        s_prev = s_prev.unsqueeze(1).expand(-1, a.shape[1], -1)      # repeat over T_x
        concat = torch.cat([a, s_prev], dim=-1)
        e = torch.tanh(self.densor1(concat))
        energies = torch.relu(self.densor2(e))
        alphas = torch.softmax(energies, dim=1)                     # over the T_x steps
        context = torch.bmm(alphas.transpose(1, 2), a)
        return context, alphas

    @torch.no_grad()
    def load_course_parameters(self, parameters: Mapping) -> "OneStepAttention":
        """Copy {"W1", "b1", "W2", "b2"} in; every shape checked before the first copy."""
        values = {}
        for key, (name, transposed) in COURSE_TO_TORCH.items():
            if key not in parameters:
                raise ValueError(f"parameters: missing {key!r}; expected W1, b1, W2, b2")
            target = self.get_parameter(name)
            value = torch.as_tensor(np.asarray(parameters[key]))
            value = value.T if transposed else value
            if tuple(value.shape) != tuple(target.shape):
                expected = tuple(reversed(target.shape)) if transposed else tuple(target.shape)
                raise ValueError(f"parameters: {key} must have shape {expected}, got "
                                 f"{tuple(np.shape(parameters[key]))}")
            values[name] = value
        for name, value in values.items():
            self.get_parameter(name).copy_(value)
        return self

    def course_gradients(self) -> dict[str, np.ndarray]:
        """Every parameter's ``.grad`` in the course's layout: {"dW1", "db1", "dW2", "db2"}."""
        out = {}
        for key, (name, transposed) in COURSE_TO_TORCH.items():
            grad = self.get_parameter(name).grad
            out["d" + key] = (grad.T if transposed else grad).detach().cpu().numpy().copy()
        return out
