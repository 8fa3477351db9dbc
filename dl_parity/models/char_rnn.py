"""Course 5's "Dinosaurus Island" character model as a model description, its batch source
and its report (the smoothed loss and the sampled names).

NumPy side: the course's ``scratch.char_rnn.optimize`` (forward through the name,
backpropagation through time by hand, clip at 5, SGD in place), carrying the last hidden
state a<T> of one name into the next as the course's ``model`` does. Torch side:
``torch_ref.char_rnn.CharRNN`` (``nn.RNN`` + ``nn.Linear``) and its ``train_step``
(``nn.CrossEntropyLoss(reduction="sum")``, autograd, ``clip_grad_value_``,
``torch.optim.SGD``), carrying its own a<T> (1, 1, n_a) the same way.

Batches: :class:`CourseNames` gives the engine one name per step, in the course's order
(the names stripped and shuffled once after ``np.random.seed(0)``, iteration j reading
examples[j % len(examples)]), each step an epoch as in ``FullBatch``. The engine counts
examples in the last axis of X (``X.shape[-1]``), so a batch is the course's index lists
X = [None] + indices, Y = X[1:] + [newline] each wrapped in a one-element object array
(shape (1,): m = 1, one example); the sides unwrap them in ``prepare``.

Report: :class:`SmoothedLoss`, an engine callback, keeps each side's printed loss
(``loss := 0.999 loss + 0.001 L`` from ``get_initial_loss(vocab_size, dino_names)``) and,
every ``every`` iterations (j % every == 0, the course's rule), samples ``dino_names``
names from each side with seeds 0, 1, ... The draw is NumPy's on both sides (the course's
``np.random.seed(counter + seed)`` then ``np.random.choice``): the NumPy side with the
course's ``sample``, the torch side with :func:`sample_torch`, the same loop over
``torch_ref.char_rnn.next_char_probabilities``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from scratch import char_rnn as course
from torch_ref import char_rnn as tr

#: the course's settings of ``model(...)``: lr 0.01, n_a 50, 7 names every 1000 iterations
COURSE_LEARNING_RATE = 0.01
COURSE_N_A = 50
COURSE_NAMES = 7
COURSE_EVERY = 1000
COURSE_WEIGHT_SEED = 1        # initialize_parameters' own np.random.seed(1)
COURSE_SHUFFLE_SEED = 0       # model's np.random.seed(0) before the shuffle


@dataclass(frozen=True)
class CharRNN:
    """The course's character-level RNN: vocab_size one-hot inputs, n_a tanh units, a
    softmax over the vocabulary; SGD at ``learning_rate`` with the gradients clipped at 5."""
    vocab_size: int = 27
    n_a: int = COURSE_N_A
    learning_rate: float = COURSE_LEARNING_RATE

    name = "char_rnn"

    def __post_init__(self):
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate: expected a positive number, got "
                             f"{self.learning_rate}")

    def describe(self) -> str:
        v, n = self.vocab_size, self.n_a
        return (f"{v} (one-hot) -> {n} (tanh, recurrent) -> {v} (softmax), one name per step, "
                f"gradients clipped at 5")

    # ------------------------------------------------------------ initial weights
    def initial_parameters(self, seed: int = COURSE_WEIGHT_SEED) -> dict[str, np.ndarray]:
        """The course's ``initialize_parameters(n_a, n_x, n_y)`` (which seeds NumPy with 1
        itself: Wax, Waa, Wya = randn * 0.01 in that order, b = by = 0). Another seed draws
        the same three matrices, in the same order, from ``RandomState(seed)`` (for seed 1
        the very same numbers; a test checks it)."""
        parameters = course.initialize_parameters(self.n_a, self.vocab_size, self.vocab_size)
        if seed != COURSE_WEIGHT_SEED:
            rng = np.random.RandomState(seed)
            for key in ("Wax", "Waa", "Wya"):
                parameters[key] = rng.randn(*parameters[key].shape) * 0.01
        return parameters

    def init_description(self, seed: int = COURSE_WEIGHT_SEED) -> str:
        return (f"np.random.seed({seed}); Wax, Waa, Wya = randn * 0.01, b = by = 0 "
                f"(scratch.char_rnn.initialize_parameters"
                + (")" if seed == COURSE_WEIGHT_SEED else "'s draws, another seed)"))

    # ------------------------------------------------------------ the two sides
    def side(self, impl: str, parameters, dtype="float64", device="cpu"):
        if impl == "numpy":
            return NumpyCharRNN(self, parameters, dtype)
        if impl == "torch":
            return TorchCharRNN(self, parameters, dtype, device)
        raise ValueError(f"impl: expected 'numpy' or 'torch', got {impl!r}")


def _unwrap(batch) -> list:
    """The course's index list out of the batch's one-element object array."""
    return list(batch[0]) if isinstance(batch, np.ndarray) else list(batch)


class NumpyCharRNN:
    """scratch's side: the course's dict, updated in place by ``optimize``; a_prev carried."""

    name = "numpy"

    def __init__(self, model: CharRNN, parameters, dtype="float64"):
        self.model = model
        self.dtype = np.dtype(dtype)
        self.parameters = {k: np.array(parameters[k], dtype=self.dtype)
                           for k in course.PARAMETER_KEYS}
        self.a_prev = np.zeros((model.n_a, 1), dtype=self.dtype)

    def prepare(self, X, Y, extra=None):
        return _unwrap(X), _unwrap(Y)

    def step(self, batch) -> float:
        """The course's ``optimize`` on one name; a<T> becomes the next name's a_prev."""
        X, Y = batch
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            loss, _, self.a_prev = course.optimize(X, Y, self.a_prev, self.parameters,
                                                   self.model.learning_rate)
        return float(loss)

    def end_epoch(self, epoch: int) -> None:
        pass

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.parameters

    def hidden_state(self) -> np.ndarray:
        """a_prev, the course's (n_a, 1) column carried into the next name."""
        return self.a_prev

    def sample(self, char_to_ix, seed: int) -> list[int]:
        """The course's ``sample``: indices of one name, ending with the newline's."""
        return [int(i) for i in course.sample(self.parameters, char_to_ix, seed)]


class TorchCharRNN:
    """torch_ref's side: ``CharRNN`` loaded with the same dict, ``train_step`` with
    ``torch.optim.SGD``; its a<T> (1, 1, n_a) carried into the next name."""

    name = "torch"

    def __init__(self, model: CharRNN, parameters, dtype="float64", device="cpu"):
        self.model = model
        self.device = torch.device(device)
        self.dtype = getattr(torch, np.dtype(dtype).name)
        self.net = tr.CharRNN(model.vocab_size, model.n_a, device=self.device, dtype=self.dtype)
        self.net.load_course_parameters(parameters)
        self.optimizer = tr.sgd(self.net, model.learning_rate)
        self.a_prev = tr.hidden_from_course(np.zeros((model.n_a, 1)), self.device, self.dtype)

    def prepare(self, X, Y, extra=None):
        return _unwrap(X), _unwrap(Y)

    def step(self, batch) -> float:
        X, Y = batch
        loss, self.a_prev = tr.train_step(self.net, self.optimizer, X, Y, self.a_prev)
        return loss.item()

    def end_epoch(self, epoch: int) -> None:
        pass

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.net.course_parameters()

    def hidden_state(self) -> np.ndarray:
        return tr.hidden_to_course(self.a_prev)

    def sample(self, char_to_ix, seed: int) -> list[int]:
        return sample_torch(self.net, char_to_ix, seed)


def sample_torch(net: tr.CharRNN, char_to_ix, seed: int) -> list[int]:
    """The course's ``sample`` with torch's probabilities: x<1> = 0, a<0> = 0; at each step
    ŷ<t> = next_char_probabilities(...), ``np.random.seed(counter + seed)``, idx drawn by
    ``np.random.choice(range(vocab_size), p=ŷ<t>)``, seed and counter both + 1; stop after
    the newline or 50 characters (then the newline's index is appended).

    Returns the indices (ints), ending with char_to_ix["\\n"]. Reseeds NumPy's global
    generator, as the course's does.
    """
    vocab_size = net.vocab_size
    weight = net.linear.weight
    a_prev = torch.zeros(1, 1, net.n_a, device=weight.device, dtype=weight.dtype)
    newline = char_to_ix["\n"]
    indices, idx, counter, x_index = [], -1, 0, None
    while idx != newline and counter != 50:
        probabilities, a_prev = tr.next_char_probabilities(net, x_index, a_prev)
        np.random.seed(counter + seed)
        # p in the parameters' float type, as the course's y.ravel(): choice's check that
        # p sums to 1 is sqrt(eps) of that type
        idx = int(np.random.choice(range(vocab_size), p=probabilities.cpu().numpy()))
        indices.append(idx)
        x_index = idx
        seed += 1
        counter += 1
    if counter == 50:
        indices.append(newline)
    return indices


def sample_names(side, char_to_ix, ix_to_char, count: int = COURSE_NAMES,
                 seed: int = 0) -> list[str]:
    """``count`` names from a side, with seeds seed, seed + 1, ... (the course's loop),
    as ``get_sample`` writes them, without the final newline."""
    return [course.get_sample(side.sample(char_to_ix, seed + i), ix_to_char).replace("\n", "")
            for i in range(count)]


# ----------------------------------------------------------------------------- the batches
def _no_extra(step, X, Y) -> dict:
    return {}


def _one(indices: list) -> np.ndarray:
    """One example for the engine: the index list in an object array of shape (1,)."""
    batch = np.empty(1, dtype=object)
    batch[0] = indices
    return batch


@dataclass
class CourseNames:
    """``iterations`` steps, one name each: step j trains on examples[j % len(examples)]
    (each step is an epoch, as in ``FullBatch``). Every name is checked against the
    vocabulary and turned into (X, Y) once, before any side steps."""
    examples: list[str]
    char_to_ix: dict
    iterations: int
    extra: Callable = _no_extra
    pairs: list = field(init=False, repr=False)

    def __post_init__(self):
        if not self.examples:
            raise ValueError("examples: expected at least one name, got none")
        if isinstance(self.iterations, bool) or not isinstance(self.iterations, int) \
                or self.iterations < 1:
            raise ValueError(f"iterations: expected a positive integer, got {self.iterations!r}")
        self.pairs = [course.build_example(name, self.char_to_ix) for name in self.examples]

    @classmethod
    def course(cls, iterations: int, path=None,
               shuffle_seed: int = COURSE_SHUFFLE_SEED) -> "CourseNames":
        """The course's order: ``load_dinos(path)``, names stripped, ``np.random.seed(0)``,
        ``np.random.shuffle``."""
        examples, char_to_ix, _ = course.load_dinos(path)
        examples = [x.strip() for x in examples]
        np.random.seed(shuffle_seed)
        np.random.shuffle(examples)
        return cls(examples, char_to_ix, iterations)

    @property
    def epochs(self) -> int:
        return self.iterations

    @property
    def m(self) -> int:
        return 1

    def batches(self, epoch: int):
        X, Y = self.pairs[epoch % len(self.pairs)]
        return [(_one(X), _one(Y))]


# ----------------------------------------------------------------------------- the report
@dataclass
class DinoRow:
    """The course's report at iteration j: each side's smoothed loss, the names sampled from
    each side, and max |numpy - torch| over the parameters (value, key) when both run."""
    iteration: int
    losses: dict[str, float]
    names: dict[str, list[str]]
    max_diff: tuple[float, str] | None


class SmoothedLoss:
    """Engine callback: the course's smoothed loss of every side, and every ``every``
    iterations (j % every == 0) a :class:`DinoRow` with ``dino_names`` sampled names per
    side, handed to ``listeners``.

    ``smoothed[side][j]`` is the loss the course would print at iteration j. The course
    starts it from ``get_initial_loss(vocab_size, dino_names)``, so the number of names
    sampled moves the printed loss; ``seq_length`` (default: ``dino_names``, the course's
    rule) sets that start alone (the CLI keeps the course's 7 whatever --names says).
    """

    def __init__(self, char_to_ix, ix_to_char, every: int = COURSE_EVERY,
                 dino_names: int = COURSE_NAMES, listeners=(), seq_length: int | None = None):
        self.char_to_ix, self.ix_to_char = char_to_ix, ix_to_char
        self.every, self.dino_names = max(1, every), dino_names
        self.initial = float(course.get_initial_loss(
            len(char_to_ix), dino_names if seq_length is None else seq_length))
        self.loss: dict[str, float] = {}
        self.smoothed: dict[str, list[float]] = {}
        self.listeners = list(listeners)
        self.rows: list[DinoRow] = []

    def on_step(self, info) -> None:
        for name, cost in info.costs.items():
            self.loss[name] = course.smooth(self.loss.get(name, self.initial), cost)
            self.smoothed.setdefault(name, []).append(self.loss[name])
        if info.step % self.every == 0:
            self._row(info.step, info.sides, info.history)

    def _row(self, j: int, sides, history=None) -> None:
        from dl_parity.engine import Diverged, max_parameter_difference

        params = [side.course_parameters() for side in sides]
        for side, p in zip(sides, params):
            for key, value in p.items():
                if not np.isfinite(value).all():
                    raise Diverged(f"{side.name}: {key} holds NaN or inf after iteration {j}",
                                   history)
        names = {side.name: sample_names(side, self.char_to_ix, self.ix_to_char,
                                         self.dino_names) for side in sides}
        diff = max_parameter_difference(*params) if len(params) == 2 else None
        row = DinoRow(j, {s.name: self.loss[s.name] for s in sides}, names, diff)
        self.rows.append(row)
        for listener in self.listeners:
            listener(row)
