"""Word vectors (course 5, week 2): skip-gram with negative sampling on Shakespeare's
sonnets (registered as "word2vec"), its data (a corpus: the words and their vocabulary),
its batch source and its evaluation (nearest words, analogies). Its config holds the
vocabulary (the words in index order, row w of E being the word w's vector), so a
checkpoint is evaluated by itself.

NumPy side: ``scratch.word2vec``'s ``negative_sampling_forward`` / ``_backward`` /
``update_parameters`` (plain SGD). Torch side: ``torch_ref.word2vec.SkipGram`` (two
``nn.Embedding``) and its ``train_step`` (``BCEWithLogitsLoss(reduction="sum") / m``,
autograd, ``torch.optim.SGD``). The bench's NumPy fast path: ``scratch.fast_word2vec.SkipGram``
(the same step, bit for bit; the course form is timed beside it).

Batches: :class:`SkipGramBatches` draws each epoch's order and negatives ONCE with NumPy
(``scratch.word2vec.negative_sampling_batches(..., seed + epoch)``), so both sides see the
same pairs and the same negatives. A batch is the course's (c (B,), t (B, 1 + k)): the
context words, then each pair's true target and its k negatives; the engine counts the
examples (pairs) in the last axis of c.

Evaluation: :func:`neighbours` (the nearest words by cosine similarity) and
:func:`analogies` (``scratch.word_vectors.complete_analogy``) on the rows of E.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dl_parity.errors import UsageError
from scratch import word2vec as course
from scratch import word_vectors

from ..flags import option
from .base import (Evaluation, Model, NumpySide, TorchSide, data_file, optim_or_default,
                   register)

#: the model's defaults (the recipe's row, dl_parity.recipes, gives the schedule: batches
#: of 256 pairs, 10 epochs, seed 1; all chosen by measurement, said there)
EMB_DIM = 50
WINDOW = 4
NEGATIVES = 10
#: the learning rate of a side built without an optimizer (the recipe's)
LEARNING_RATE = 4.0
SEED = 1

#: queries of the evaluation: words frequent in the sonnets
QUERIES = ("thou", "love", "beauty", "day", "eyes", "time", "sweet", "death")
#: analogies of the evaluation (a is to b as c is to ?): the course's kind, in the sonnets'
#: words
ANALOGIES = (("thou", "thy", "i"), ("thee", "thou", "me"), ("day", "night", "sun"),
             ("he", "his", "she"), ("man", "woman", "king"))


@functools.lru_cache(maxsize=1)
def sonnets_vocabulary() -> tuple[str, ...]:
    """The shipped sonnets' words in index order (``build_vocabulary``: most frequent first)."""
    _, index_to_word, _ = course.build_vocabulary(course.load_sonnets())
    return tuple(index_to_word[i] for i in range(len(index_to_word)))


@register
@dataclass(frozen=True)
class Word2Vec(Model):
    """Skip-gram with k negatives: E (V, n) the word vectors, Theta (V, n) the targets';
    pairs (c, t) within +-window words; SGD at a constant rate (the optimizer's).
    ``vocabulary``: the words in index order (default: the shipped sonnets')."""
    vocabulary: tuple[str, ...] = field(default_factory=sonnets_vocabulary)
    emb_dim: int = option(EMB_DIM, "dimensions n of the word vectors (default 50)",
                          kind="int", metavar="N", low=1, expect="a positive integer")
    window: int = option(WINDOW, "a target t is within +-W words of its context "
                                 "word c (default 4)", kind="int", metavar="W", low=1,
                         expect="a positive integer")
    negatives: int = option(NEGATIVES, "k negative words drawn per pair from "
                                       "P(w) ~ f(w)^(3/4) (default 10)", kind="int",
                            metavar="K", low=1, expect="a positive integer")

    name = "word2vec"
    takes = ("learning_rate", "epochs", "batch_size")
    prints_evaluation = True
    bench_course_form = True

    def __post_init__(self):
        super().__post_init__()
        v = self.vocabulary
        if not isinstance(v, tuple) or not v or not all(isinstance(w, str) and w for w in v) \
                or len(set(v)) != len(v):
            shown = v if not isinstance(v, tuple) or len(v) < 6 else f"{v[:5]}... ({len(v)})"
            raise ValueError(f"vocabulary: expected distinct non-empty words (a tuple of at "
                             f"least one), got {shown!r}")

    @property
    def vocab_size(self) -> int:
        return len(self.vocabulary)

    @property
    def index_to_word(self) -> dict[int, str]:
        return dict(enumerate(self.vocabulary))

    def describe(self) -> str:
        return (f"skip-gram with negative sampling: {self.vocab_size} words, vectors of "
                f"{self.emb_dim}, pairs within +-{self.window} words, {self.negatives} "
                f"negatives each, P(y = 1 | c, t) = sigmoid(theta_t . e_c)")

    def cost_description(self) -> str:
        return ("J = (1/m) sum_i sum_j [log(1 + e^z_ij) - y_ij z_ij], z_ij = theta_t_ij . e_c_i "
                "(y = 1 for the true target, 0 for the k negatives)")

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """E (V, n) and Theta (V, n)."""
        return {"E": (self.vocab_size, self.emb_dim), "Theta": (self.vocab_size, self.emb_dim)}

    def shapes_note(self) -> str:
        return f"a vocabulary of {self.vocab_size} words and vectors of {self.emb_dim}"

    def initial_parameters(self, seed: int = SEED) -> dict[str, np.ndarray]:
        return course.initialize_parameters(self.vocab_size, self.emb_dim, seed)

    def init_description(self, seed: int = SEED) -> str:
        return (f"RandomState({seed}); E uniform in [-0.5/{self.emb_dim}, 0.5/{self.emb_dim}), "
                f"Theta = 0 (scratch.word2vec.initialize_parameters, word2vec's own)")

    # ------------------------------------------------------------ the two sides
    def side(self, impl: str, parameters, dtype="float64", device="cpu", optim=None):
        optim = optim_or_default(optim, LEARNING_RATE)
        if not optim.is_plain_sgd or optim.schedule.__name__ != "constant":
            raise ValueError(f"optimizer: the word vectors take SGD steps at a constant rate "
                             f"(scratch.word2vec.update_parameters), got {optim.describe()}")
        if impl == "numpy":
            return NumpyWord2Vec(self, parameters, dtype, optim)
        if impl == "torch":
            return TorchWord2Vec(self, parameters, dtype, device, optim)
        raise ValueError(f"impl: expected 'numpy' or 'torch', got {impl!r}")

    # ------------------------------------------------------------ data, batches, evaluation
    @classmethod
    def load_data(cls, spec, data_dir=None, download: bool = True) -> "Corpus":
        """The corpus ``spec`` (a path under scratch/data, "shakespeare/sonnets.txt"), or
        with ``data_dir`` DIR/<its name> or DIR/<spec>; lower-cased words (``load_sonnets``)."""
        path = _corpus_path(spec, data_dir)
        try:
            words = course.load_sonnets(path)
            word_to_index, index_to_word, counts = course.build_vocabulary(words)
        except ValueError as exc:
            raise UsageError(f"the corpus: {exc}") from None
        return Corpus(Path(spec).stem, words, word_to_index, index_to_word, counts, path)

    def check_dataset(self, dataset: str) -> None:
        """Only a text (a data set of the word2vec recipes) holds words to evaluate."""
        from dl_parity.recipes import datasets_of

        texts = datasets_of(self.name)
        if dataset not in texts:
            raise ValueError(f"dataset: the {self.name} model reads a text ({', '.join(texts)}), "
                             f"got {dataset!r}")

    def fit_data(self, data: "Corpus") -> "Word2Vec":
        """The model over the corpus's words (its vocabulary)."""
        return dataclasses.replace(self, vocabulary=data.vocabulary)

    def source(self, plan, data: "Corpus") -> "SkipGramBatches":
        """The corpus's pairs within +-window (the first ``data.limit`` of them when it is
        set), P = counts^(3/4) normalised, the plan's batches, epochs and seed."""
        return SkipGramBatches.from_corpus(data, self.window, self.negatives, plan.batch_size,
                                           plan.epochs, plan.shuffle_seed)

    def evaluate(self, side, data) -> Evaluation:
        """The nearest words of :data:`QUERIES` by cosine similarity and the analogies of
        :data:`ANALOGIES`, on the rows of E (the words of the queries the vocabulary has)."""
        vectors = course.word_vectors(side.course_parameters(), self.index_to_word)
        lines = ["nearest words by cosine similarity (the rows of E):"]
        for word in (q for q in QUERIES if q in vectors):
            near = ", ".join(f"{w} {s:.2f}" for w, s in neighbours(vectors, word))
            lines.append(f"  {word:>8}: {near}")
        lines.append("analogies, a : b :: c : complete_analogy(a, b, c):")
        lines += [f"  {a} : {b} :: {c} : {d}" for a, b, c, d in analogies(vectors)]
        count = len(getattr(data, "words", ()))
        lines.append(f"({count:,} words are far too few for reliable analogies: see the README, "
                     f"'Word vectors')")
        return Evaluation(lines=lines)

    # ------------------------------------------------------------ bench
    def bench_batch(self, m: int, dtype, seed: int = 0) -> tuple:
        """m pairs of random words: c (m,), t (m, 1 + k), indices into the vocabulary."""
        rng = np.random.default_rng(seed)
        return (rng.integers(0, self.vocab_size, m),
                rng.integers(0, self.vocab_size, (m, 1 + self.negatives)))

    def fast_path(self, parameters, dtype):
        """scratch.fast_word2vec.SkipGram: the rows gathered once, summed per word after one
        sort, only the touched rows updated (bit for bit the course form's step)."""
        from scratch.fast_word2vec import SkipGram

        return SkipGram({k: np.asarray(parameters[k], dtype) for k in ("E", "Theta")}, dtype)

    def bench_note(self, name: str, m: int) -> str:
        return (f"{name}: {self.describe()}, m = {m}; NumPy scratch.fast_word2vec.SkipGram.step "
                f"(the {m} rows of E and {m} x {1 + self.negatives} of Theta gathered, sums "
                f"per word after one sort, only touched rows updated; the course form, "
                f"scratch.word2vec with np.add.at and whole V x n updates, is timed as the "
                f"numpy-course row without --quick) vs torch_ref.word2vec.SkipGram + "
                f"train_step (two nn.Embedding, BCEWithLogitsLoss, SGD); FLOPs not counted.")


@dataclass
class Corpus:
    """A text as the skip-gram reads it: its words, the vocabulary (``word_to_index`` /
    ``index_to_word``, most frequent first) and the words' counts. ``limit``: only the
    first ``limit`` skip-gram pairs are trained on (an example is a pair; :meth:`head`)."""
    name: str
    words: list[str]
    word_to_index: dict
    index_to_word: dict
    counts: np.ndarray
    path: Path | None = None
    limit: int | None = None

    @property
    def vocabulary(self) -> tuple[str, ...]:
        return tuple(self.index_to_word[i] for i in range(len(self.index_to_word)))

    @property
    def indices(self) -> np.ndarray:
        return np.array([self.word_to_index[w] for w in self.words], dtype=np.int64)

    def describe(self) -> str:
        return (f"{len(self.words)} words, {len(self.word_to_index)} distinct"
                + ("" if self.limit is None else f"; the first {self.limit} pairs"))

    def head(self, m: int) -> "Corpus":
        """The corpus trained on its first m skip-gram pairs (the vocabulary as it is)."""
        return dataclasses.replace(self, limit=m)

    def astype(self, dtype) -> "Corpus":
        return self


def _corpus_path(spec, data_dir) -> Path:
    return data_file(Path(course.__file__).resolve().parent / "data", spec, data_dir, "sonnets")


class NumpyWord2Vec(NumpySide):
    """scratch's side: forward, backward, SGD on the course dict {"E", "Theta"}."""

    def __init__(self, model: Word2Vec, parameters, dtype="float64", optim=None):
        super().__init__(model, {k: parameters[k] for k in ("E", "Theta")}, dtype,
                         optim_or_default(optim, LEARNING_RATE))

    def prepare(self, c, t, extra=None):
        return c, t

    def step(self, batch) -> float:
        c, t = batch
        cost, cache = course.negative_sampling_forward.unchecked(c, t, self.parameters)
        grads = course.negative_sampling_backward.unchecked(cache)
        self.parameters = course.update_parameters.unchecked(self.parameters, grads,
                                                             self.learning_rate)
        return cost


class TorchWord2Vec(TorchSide):
    """torch_ref's side: ``SkipGram`` loaded with the same dict, ``train_step`` with
    ``torch.optim.SGD``."""

    def __init__(self, model: Word2Vec, parameters, dtype="float64", device="cpu", optim=None):
        from torch_ref import word2vec as tr

        super().__init__(model, dtype, device, optim_or_default(optim, LEARNING_RATE))
        self.tr = tr
        self.net = tr.SkipGram(model.vocab_size, model.emb_dim, device=self.device,
                               dtype=self.dtype).load_course_parameters(parameters)
        self.optimizer = tr.sgd(self.net, self.optim.learning_rate)

    def prepare(self, c, t, extra=None):
        import torch

        return (torch.as_tensor(np.asarray(c), dtype=torch.long, device=self.device),
                torch.as_tensor(np.ascontiguousarray(t), dtype=torch.long, device=self.device))

    def step(self, batch) -> float:
        return self.tr.train_step(self.net, self.optimizer, *batch).item()


# ----------------------------------------------------------------------------- the batches
def _no_extra(step, c, t) -> dict:
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
    window: int | None = None

    def __post_init__(self):
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 1:
            raise ValueError(f"epochs: expected a positive integer, got {self.epochs!r}")
        # epoch 0's draw, with the checks of every argument, before any side steps
        self._first = course.negative_sampling_batches(self.c, self.t, self.P, self.k,
                                                       self.batch_size, self.seed)

    @classmethod
    def from_corpus(cls, corpus: Corpus, window: int, k: int, batch_size: int, epochs: int,
                    seed: int = SEED) -> "SkipGramBatches":
        """The corpus's skip-gram pairs (every word kept: min_count 1) within +-window, the
        first ``corpus.limit`` of them when it is set; P = counts^(3/4) normalised."""
        c, t = course.skipgram_pairs(corpus.indices, window)
        if corpus.limit is not None:
            c, t = c[:corpus.limit], t[:corpus.limit]
        P = course.negative_sampling_distribution(corpus.counts)
        return cls(c, t, P, k, batch_size, epochs, seed, window=window)

    @property
    def m(self) -> int:
        return len(self.c)

    @property
    def vocab_size(self) -> int:
        return len(self.P)

    def batches(self, epoch: int):
        if epoch == 0:
            return self._first
        return course.negative_sampling_batches.unchecked(self.c, self.t, self.P, self.k,
                                                          self.batch_size, self.seed + epoch)

    def describe(self) -> str:
        n = -(-self.m // self.batch_size)
        within = "" if self.window is None else f" within +-{self.window} words"
        return (f"{self.epochs} epoch{'s' if self.epochs != 1 else ''} of {n} batch"
                f"{'es' if n != 1 else ''} of {self.batch_size} pairs ({self.m} skip-gram "
                f"pairs{within}, shuffled with seed {self.seed} + epoch), {self.k} negatives "
                f"each (drawn by NumPy, the same for both sides)")


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
