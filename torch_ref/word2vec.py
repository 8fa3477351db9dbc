r"""Skip-gram with negative sampling (course 5, week 2's lectures) in idiomatic PyTorch:
two ``nn.Embedding`` tables and ``nn.BCEWithLogitsLoss``.

.. math:: P(y = 1 \mid c, t) = \sigma(\theta_t^T e_c), \qquad
          J = \frac{1}{m} \sum_i \sum_{j=0}^{k} \mathrm{BCE}(\sigma(z_{ij}), y_{ij})

``embedding`` holds e_c (the word vectors), ``context`` holds theta_t; the logits are one
batched dot product (``torch.bmm``); the loss is ``BCEWithLogitsLoss(reduction="sum")``
divided by the number of pairs m: the lecture's k + 1 logistic problems per pair, summed,
averaged over the pairs. ``torch.optim.SGD`` updates both tables (dense gradients: rows of
words that do not occur in the batch get 0, so they stay where they are, as the NumPy
side's).

The course's parameters and PyTorch's, written once:

    E (V, n)     = embedding.weight     (row w = e_w)
    Theta (V, n) = context.weight       (row t = theta_t)

Batches come from NumPy (the pairs shuffled and the negatives drawn once, for both sides):
c (m,) context words, t (m, 1 + k) the true target then k negatives; labels are 1 in
column 0 and 0 elsewhere (:func:`labels_for`). Nothing here draws random numbers.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

#: course key -> parameter of :class:`SkipGram`
COURSE_TO_TORCH = {"E": "embedding.weight", "Theta": "context.weight"}


class SkipGram(nn.Module):
    """Two embedding tables; ``forward(c, t)`` returns the logits z = theta_t . e_c.

    Shape:
        - c (m,) long, t (m, 1 + k) long.
        - Output: logits (m, 1 + k).
    """

    def __init__(self, vocab_size: int, emb_dim: int, device=None, dtype=None):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim, device=device, dtype=dtype)
        self.context = nn.Embedding(vocab_size, emb_dim, device=device, dtype=dtype)

    def forward(self, c, t):
        e_c = self.embedding(c)                                  # (m, n)
        theta_t = self.context(t)                                # (m, 1 + k, n)
        return torch.bmm(theta_t, e_c.unsqueeze(2)).squeeze(2)   # (m, 1 + k)

    @torch.no_grad()
    def load_course_parameters(self, parameters: Mapping) -> "SkipGram":
        """Copy {"E", "Theta"} (V, n) in; every shape checked before the first copy."""
        values = {}
        for key, name in COURSE_TO_TORCH.items():
            if key not in parameters:
                raise ValueError(f"parameters: missing {key!r}; expected E, Theta")
            target = self.get_parameter(name)
            value = torch.as_tensor(np.asarray(parameters[key]))
            if tuple(value.shape) != tuple(target.shape):
                raise ValueError(f"parameters: {key} must have shape {tuple(target.shape)}, "
                                 f"got {tuple(value.shape)}")
            values[name] = value
        for name, value in values.items():
            self.get_parameter(name).copy_(value)
        return self

    def course_parameters(self) -> dict[str, np.ndarray]:
        return {key: self.get_parameter(name).detach().cpu().numpy().copy()
                for key, name in COURSE_TO_TORCH.items()}

    def course_gradients(self) -> dict[str, np.ndarray]:
        return {"d" + key: self.get_parameter(name).grad.detach().cpu().numpy().copy()
                for key, name in COURSE_TO_TORCH.items()}


def labels_for(t: torch.Tensor) -> torch.Tensor:
    """y (m, 1 + k): 1 for the true target (column 0), 0 for the negatives."""
    y = torch.zeros(t.shape, dtype=torch.get_default_dtype(), device=t.device)
    y[:, 0] = 1
    return y


#: the k + 1 binary cross-entropies on the logits, summed (divided by m in :func:`cost`)
criterion = nn.BCEWithLogitsLoss(reduction="sum")


def cost(model: SkipGram, c, t) -> torch.Tensor:
    """J = (1/m) sum_ij BCEWithLogits(z_ij, y_ij)."""
    logits = model(c, t)
    return criterion(logits, labels_for(t).to(logits.dtype)) / c.shape[0]


def sgd(model: SkipGram, learning_rate: float) -> torch.optim.SGD:
    return torch.optim.SGD(model.parameters(), lr=learning_rate)


def train_step(model: SkipGram, optimizer, c, t) -> torch.Tensor:
    """One SGD step on a batch of pairs; the cost BEFORE the update (detached)."""
    optimizer.zero_grad()
    loss = cost(model, c, t)
    loss.backward()
    optimizer.step()
    return loss.detach()
