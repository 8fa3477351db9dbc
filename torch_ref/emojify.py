r"""Course 5, week 2, "Emojify!" in idiomatic PyTorch.

Emojifier-V1 is ``nn.EmbeddingBag(mode="mean")`` over the frozen word vectors (the average
of a sentence's word vectors) and ``nn.Linear(n_h, n_y)``, trained with
``nn.CrossEntropyLoss`` on the logits (log-softmax inside) and ``torch.optim.SGD``, one
sentence a step as the course does.

.. math:: \mathrm{avg} = \frac{1}{|s|}\sum_{w \in s} e_w, \quad z = W\,\mathrm{avg} + b, \quad
          L = -\log \mathrm{softmax}(z)_y

The course's parameters and PyTorch's, written once:

    W (n_y, n_h)  = linear.weight       (nn.Linear computes x W^T + b: the same matrix)
    b (n_y,)      = linear.bias
    word_to_vec_map = embedding.weight  (one row per word, frozen), in the dict's order

A sentence becomes a bag of row indices (:func:`sentence_bag`): lower-cased, split on white
space, words the vocabulary lacks dropped (the course skips them too); an empty bag gives
the zero vector in mean mode, as the course's average of no word.

Emojifier-V2's embedding layer: :func:`pretrained_embedding` is
``nn.Embedding.from_pretrained(emb_matrix, freeze=True)``, the course's
``Embedding(vocab_size, emb_dim, trainable=False)`` with its weights set.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn


def pretrained_embedding(emb_matrix, device=None, dtype=None) -> nn.Embedding:
    """``nn.Embedding.from_pretrained(emb_matrix, freeze=True)``: a frozen lookup table.

    Shape: emb_matrix (vocab_size, emb_dim); input (...) long -> (..., emb_dim).
    """
    weight = torch.as_tensor(np.asarray(emb_matrix), device=device, dtype=dtype)
    return nn.Embedding.from_pretrained(weight, freeze=True)


class EmojifyV1(nn.Module):
    """The average of the word vectors (frozen ``nn.EmbeddingBag``, mode "mean") into a
    linear layer whose logits feed a softmax (in the loss).

    Shape:
        - input (N,) long, the concatenated bags; offsets (B,) long, where each bag starts.
        - Output: logits (B, n_y).
    """

    def __init__(self, words: Sequence[str], vectors, n_y: int, device=None, dtype=None):
        super().__init__()
        weight = torch.as_tensor(np.asarray(vectors), device=device, dtype=dtype)
        self.word_to_row = {w: i for i, w in enumerate(words)}
        self.embedding = nn.EmbeddingBag.from_pretrained(weight, freeze=True, mode="mean")
        self.linear = nn.Linear(weight.shape[1], n_y, device=device, dtype=weight.dtype)

    @classmethod
    def from_word_map(cls, word_to_vec_map: Mapping, n_y: int, device=None, dtype=None):
        """The course's dict -> the frozen table (rows in the dict's order)."""
        words = list(word_to_vec_map)
        vectors = np.stack([np.asarray(word_to_vec_map[w], dtype=np.float64) for w in words])
        return cls(words, vectors, n_y, device=device, dtype=dtype)

    def forward(self, input, offsets):
        return self.linear(self.embedding(input, offsets))

    def sentence_bag(self, sentence: str) -> list[int]:
        """The rows of the sentence's known words (lower-cased, split on white space)."""
        return [self.word_to_row[w] for w in sentence.lower().split() if w in self.word_to_row]

    def bags(self, sentences: Sequence[str]):
        """(input, offsets) of a batch of sentences, on the module's device."""
        rows, offsets = [], []
        for sentence in sentences:
            offsets.append(len(rows))
            rows.extend(self.sentence_bag(sentence))
        device = self.linear.weight.device
        return (torch.tensor(rows, dtype=torch.long, device=device),
                torch.tensor(offsets, dtype=torch.long, device=device))

    @torch.no_grad()
    def load_course_parameters(self, W, b) -> "EmojifyV1":
        """W (n_y, n_h) and b (n_y,) of the course's softmax layer."""
        for name, value, target in (("W", W, self.linear.weight), ("b", b, self.linear.bias)):
            value = torch.as_tensor(np.asarray(value))
            if tuple(value.shape) != tuple(target.shape):
                raise ValueError(f"{name}: expected shape {tuple(target.shape)}, got "
                                 f"{tuple(value.shape)}")
        self.linear.weight.copy_(torch.as_tensor(np.asarray(W)))
        self.linear.bias.copy_(torch.as_tensor(np.asarray(b)))
        return self

    def course_parameters(self) -> dict[str, np.ndarray]:
        return {"W": self.linear.weight.detach().cpu().numpy().copy(),
                "b": self.linear.bias.detach().cpu().numpy().copy()}


def sgd(model: EmojifyV1, learning_rate: float) -> torch.optim.SGD:
    """Plain SGD on the linear layer (the word vectors are frozen)."""
    return torch.optim.SGD(model.linear.parameters(), lr=learning_rate)


#: the course's cost -sum Y_oh log softmax(z), on the logits (mean over a batch)
criterion = nn.CrossEntropyLoss()


def train_step(model: EmojifyV1, optimizer, sentences: Sequence[str], labels) -> torch.Tensor:
    """One SGD step on a batch of sentences (the course: one sentence a step). Returns the
    loss BEFORE the update (mean cross-entropy over the batch, detached)."""
    input, offsets = model.bags(sentences)
    target = torch.as_tensor(np.asarray(labels), dtype=torch.long,
                             device=model.linear.weight.device)
    optimizer.zero_grad()
    loss = criterion(model(input, offsets), target)
    loss.backward()
    optimizer.step()
    return loss.detach()
