"""Word vectors (course 5, week 2): skip-gram with negative sampling on Shakespeare's
sonnets, as a model description for the engine, its batch source and its report.

A self-contained unit in today's style (as :mod:`dl_parity.models.char_rnn`), to be ported
onto the model protocol of issue 16 when it lands.

NumPy side: ``scratch.word2vec``'s ``negative_sampling_forward`` / ``_backward`` /
``update_parameters`` (plain SGD). Torch side: ``torch_ref.word2vec.SkipGram`` (two
``nn.Embedding``) with ``BCEWithLogitsLoss(reduction="sum") / m`` and ``torch.optim.SGD``.

Batches: :class:`SkipGramBatches` draws each epoch's order and negatives ONCE with NumPy
(``scratch.word2vec.negative_sampling_batches(..., seed + epoch)``), so both sides see the
same pairs and the same negatives. The engine counts examples in the last axis, so a batch
is X = c[np.newaxis] (1, B) (context words) and Y = t.T (1 + k, B) (true target, then the
k negatives); each side turns them back in ``prepare``.

Report: :func:`neighbours` (the nearest words by cosine similarity) and
:func:`analogies` (``scratch.word_vectors.complete_analogy``) on the rows of E.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from scratch import word2vec as course
from scratch import word_vectors
from torch_ref import word2vec as tr

#: what ``dl-parity train --dataset sonnets`` does with no options (chosen by measurement:
#: see README, "Word vectors")
#: Measured (NumPy side alone, seed 1): window 2, k 5, 5 epochs left every cosine near 1 (no
#: structure); window 4, k 10, 10 epochs gave thou -> art, dost, wilt and day -> night;
#: batch 256 at lr 4 took the same path as batch 64 at lr 1 (the cost is a mean over the
#: batch) in 17.8 s instead of 43.6 s.
EMB_DIM = 50
WINDOW = 4
NEGATIVES = 10
BATCH_SIZE = 256
LEARNING_RATE = 4.0
EPOCHS = 10
SEED = 1

#: queries of the report: words frequent in the sonnets
QUERIES = ("thou", "love", "beauty", "day", "eyes", "time", "sweet", "death")
#: analogies of the report (a is to b as c is to ?): the course's kind, in the sonnets' words
ANALOGIES = (("thou", "thy", "i"), ("thee", "thou", "me"), ("day", "night", "sun"),
             ("he", "his", "she"), ("man", "woman", "king"))


@dataclass(frozen=True)
class Word2Vec:
    """Skip-gram with k negatives: E (V, n) the word vectors, Theta (V, n) the targets'."""
    vocab_size: int
    emb_dim: int = EMB_DIM
    learning_rate: float = LEARNING_RATE

    name = "word2vec"

    def __post_init__(self):
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate: expected a positive number, got "
                             f"{self.learning_rate}")

    def describe(self) -> str:
        return (f"skip-gram with negative sampling: {self.vocab_size} words, vectors of "
                f"{self.emb_dim}, P(y = 1 | c, t) = sigmoid(theta_t . e_c)")

    def initial_parameters(self, seed: int = SEED) -> dict[str, np.ndarray]:
        return course.initialize_parameters(self.vocab_size, self.emb_dim, seed)

    def init_description(self, seed: int = SEED) -> str:
        return (f"RandomState({seed}); E uniform in [-0.5/{self.emb_dim}, 0.5/{self.emb_dim}), "
                f"Theta = 0 (scratch.word2vec.initialize_parameters, word2vec's own)")

    def side(self, impl: str, parameters, dtype="float64", device="cpu"):
        if impl == "numpy":
            return NumpyWord2Vec(self, parameters, dtype)
        if impl == "torch":
            return TorchWord2Vec(self, parameters, dtype, device)
        raise ValueError(f"impl: expected 'numpy' or 'torch', got {impl!r}")


def _unpack(X, Y):
    """The engine's (1, B) and (1 + k, B) back to c (B,) and t (B, 1 + k)."""
    return np.asarray(X)[0], np.asarray(Y).T


class NumpyWord2Vec:
    """scratch's side: forward, backward, SGD on the course dict {"E", "Theta"}."""

    name = "numpy"

    def __init__(self, model: Word2Vec, parameters, dtype="float64"):
        self.model = model
        self.dtype = np.dtype(dtype)
        self.parameters = {k: np.array(parameters[k], dtype=self.dtype) for k in ("E", "Theta")}

    def prepare(self, X, Y, extra=None):
        return _unpack(X, Y)

    def step(self, batch) -> float:
        c, t = batch
        cost, cache = course.negative_sampling_forward.unchecked(c, t, self.parameters)
        grads = course.negative_sampling_backward.unchecked(cache)
        self.parameters = course.update_parameters.unchecked(self.parameters, grads,
                                                             self.model.learning_rate)
        return cost

    def end_epoch(self, epoch: int) -> None:
        pass

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.parameters


class TorchWord2Vec:
    """torch_ref's side: ``SkipGram`` loaded with the same dict, ``train_step`` with SGD."""

    name = "torch"

    def __init__(self, model: Word2Vec, parameters, dtype="float64", device="cpu"):
        self.model = model
        self.device = torch.device(device)
        self.dtype = getattr(torch, np.dtype(dtype).name)
        self.net = tr.SkipGram(model.vocab_size, model.emb_dim, device=self.device,
                               dtype=self.dtype).load_course_parameters(parameters)
        self.optimizer = tr.sgd(self.net, model.learning_rate)

    def prepare(self, X, Y, extra=None):
        c, t = _unpack(X, Y)
        return (torch.as_tensor(c, dtype=torch.long, device=self.device),
                torch.as_tensor(np.ascontiguousarray(t), dtype=torch.long, device=self.device))

    def step(self, batch) -> float:
        return tr.train_step(self.net, self.optimizer, *batch).item()

    def end_epoch(self, epoch: int) -> None:
        pass

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.net.course_parameters()


# ----------------------------------------------------------------------------- the batches
def _no_extra(step, X, Y) -> dict:
    return {}


@dataclass
class SkipGramBatches:
    """``epochs`` passes over the (c, t) pairs; epoch e is
    ``negative_sampling_batches(c, t, P, k, batch_size, seed + e)``, drawn by NumPy once and
    handed to both sides. The pairs and P are checked by that function before any step."""
    c: np.ndarray
    t: np.ndarray
    P: np.ndarray
    k: int
    batch_size: int
    epochs: int
    seed: int = SEED
    extra: Callable = _no_extra
    vocabulary: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 1:
            raise ValueError(f"epochs: expected a positive integer, got {self.epochs!r}")
        # epoch 0's draw, with the checks of every argument, before any side steps
        self._first = course.negative_sampling_batches(self.c, self.t, self.P, self.k,
                                                       self.batch_size, self.seed)

    @classmethod
    def sonnets(cls, window: int = WINDOW, k: int = NEGATIVES, batch_size: int = BATCH_SIZE,
                epochs: int = EPOCHS, seed: int = SEED, path=None) -> "SkipGramBatches":
        """The sonnets' skip-gram pairs: every word kept (min_count 1), pairs within
        +-window, P = counts^(3/4) normalised."""
        words = course.load_sonnets(path)
        word_to_index, index_to_word, counts = course.build_vocabulary(words)
        indices = np.array([word_to_index[w] for w in words])
        c, t = course.skipgram_pairs(indices, window)
        P = course.negative_sampling_distribution(counts)
        return cls(c, t, P, k, batch_size, epochs, seed,
                   vocabulary={"word_to_index": word_to_index, "index_to_word": index_to_word,
                               "counts": counts, "words": len(words), "window": window})

    @property
    def m(self) -> int:
        return len(self.c)

    @property
    def vocab_size(self) -> int:
        return len(self.P)

    def batches(self, epoch: int):
        draws = self._first if epoch == 0 else course.negative_sampling_batches.unchecked(
            self.c, self.t, self.P, self.k, self.batch_size, self.seed + epoch)
        return [(c[np.newaxis, :], t.T) for c, t in draws]


# ----------------------------------------------------------------------------- the report
def neighbours(word_to_vec_map: dict, word: str, n: int = 5) -> list[tuple[str, float]]:
    """The n words (other than ``word``) of largest cosine similarity with it."""
    e = word_to_vec_map[word]
    scores = [(w, float(word_vectors.cosine_similarity(e, v)))
              for w, v in word_to_vec_map.items() if w != word]
    return sorted(scores, key=lambda item: -item[1])[:n]


def analogies(word_to_vec_map: dict, triads=ANALOGIES) -> list[tuple[str, str, str, str]]:
    """(a, b, c, d) with d = complete_analogy(a, b, c) for each triad whose words all exist."""
    return [(a, b, c, word_vectors.complete_analogy(a, b, c, word_to_vec_map))
            for a, b, c in triads if all(w in word_to_vec_map for w in (a, b, c))]
