"""Course 5's "Dinosaurus Island" character model (registered as "char_rnn"), its data (a
names file, one name a line: the course's dinos.txt, or another text by a recipe's ``data``),
its batch source and its report (the smoothed loss and the sampled names). Its config holds
the vocabulary (the characters in index order), so a checkpoint samples by itself.

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

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dl_parity.callbacks import Report
from dl_parity.errors import UsageError
from scratch import char_rnn as course

from ..flags import option
from .base import (Evaluation, Model, NumpySide, TorchSide, data_file, optim_or_default,
                   register)

#: the course's settings of ``model(...)``: lr 0.01, n_a 50, 7 names every 1000 iterations
COURSE_LEARNING_RATE = 0.01
COURSE_N_A = 50
COURSE_NAMES = 7
COURSE_EVERY = 1000
COURSE_WEIGHT_SEED = 1        # initialize_parameters' own np.random.seed(1)
COURSE_SHUFFLE_SEED = 0       # model's np.random.seed(0) before the shuffle
#: the dinosaur names' characters in index order ("\n" = 0, "a" = 1, ...)
DINOS_VOCABULARY = "\n" + "abcdefghijklmnopqrstuvwxyz"


@register
@dataclass(frozen=True)
class CharRNN(Model):
    """The course's character-level RNN: one-hot inputs over ``vocabulary`` (the
    characters in index order, the newline among them), n_a tanh units, a softmax over the
    vocabulary; SGD with the gradients clipped at 5 (the optimizer's learning rate, the
    course's 0.01 by default). ``names``: how many names the report samples."""
    vocabulary: str = DINOS_VOCABULARY
    n_a: int = option(COURSE_N_A, "hidden units n_a of the recurrent layer (default 50, the "
                                  "course's)", kind="int", metavar="N", low=1,
                      expect="a positive integer")
    names: int = option(COURSE_NAMES, "names sampled from each side at every log line "
                        "(default 7, the course's; the smoothed loss starts from the course's "
                        "-log(1/27) x 7 whatever N is)", kind="int", metavar="N", low=1,
                        expect="a positive integer")

    name = "char_rnn"
    takes = ("learning_rate", "iterations")
    samples = True
    cost_word = "loss"
    output_activation = "softmax"

    def __post_init__(self):
        super().__post_init__()
        if not isinstance(self.vocabulary, str) or "\n" not in self.vocabulary \
                or len(set(self.vocabulary)) != len(self.vocabulary):
            raise ValueError(f"vocabulary: expected distinct characters, the newline among "
                             f"them, got {self.vocabulary!r}")

    @property
    def vocab_size(self) -> int:
        return len(self.vocabulary)

    @property
    def char_to_ix(self) -> dict[str, int]:
        return {ch: i for i, ch in enumerate(self.vocabulary)}

    @property
    def ix_to_char(self) -> dict[int, str]:
        return dict(enumerate(self.vocabulary))

    def describe(self) -> str:
        v, n = self.vocab_size, self.n_a
        return (f"{v} (one-hot) -> {n} (tanh, recurrent) -> {v} (softmax), one name per step, "
                f"gradients clipped at 5")

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """Wax (n_a, n_x), Waa (n_a, n_a), Wya (n_y, n_a), b (n_a, 1), by (n_y, 1), n_y = n_x."""
        n_a, n_x = self.n_a, self.vocab_size
        return {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "Wya": (n_x, n_a), "b": (n_a, 1),
                "by": (n_x, 1)}

    def shapes_note(self) -> str:
        return f"n_a = {self.n_a} and a vocabulary of {self.vocab_size} characters"

    @classmethod
    def from_legacy(cls, data) -> tuple["CharRNN", tuple[str, ...]]:
        """The first char-RNN checkpoints: ``model = "char_rnn"`` and ``vocabulary`` (0-d
        string, the characters in index order), n_a read off Wax."""
        cls.legacy_entries(data, ("vocabulary", "Wax"))
        return (cls(vocabulary=str(data["vocabulary"]), n_a=int(np.shape(data["Wax"])[0])),
                ("vocabulary",))

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
    def side(self, impl: str, parameters, dtype="float64", device="cpu", optim=None):
        optim = optim_or_default(optim, COURSE_LEARNING_RATE)
        if not optim.is_plain_sgd or optim.schedule.__name__ != "constant":
            raise ValueError(f"optimizer: the course's character model takes SGD steps at a "
                             f"constant rate (gradients clipped at 5), got {optim.describe()}")
        if impl == "numpy":
            return NumpyCharRNN(self, parameters, dtype, optim)
        if impl == "torch":
            return TorchCharRNN(self, parameters, dtype, device, optim)
        raise ValueError(f"impl: expected 'numpy' or 'torch', got {impl!r}")

    # ------------------------------------------------------------ data, batches, report
    @classmethod
    def load_data(cls, spec, data_dir=None, download: bool = True) -> "Names":
        """The names file ``spec`` (a path under scratch/data, e.g. "dinos/dinos.txt"), or
        with ``data_dir`` DIR/<its name> or DIR/<spec>; one name a line, lower-cased."""
        path = _names_path(spec, data_dir)
        try:
            examples, char_to_ix, ix_to_char = course.load_dinos(path)
        except ValueError as exc:
            raise UsageError(f"the names file: {exc}") from None
        return Names(Path(spec).stem, examples, char_to_ix, ix_to_char, path)

    def fit_data(self, data: "Names") -> "CharRNN":
        """The model over the data's characters (its vocabulary)."""
        return dataclasses.replace(self, vocabulary=data.vocabulary)

    def check_data(self, data: "Names") -> None:
        missing = sorted(set(data.vocabulary) - set(self.vocabulary))
        if missing:
            raise ValueError(f"vocabulary: {data.name} has characters the model does not "
                             f"know: {''.join(missing)!r}")

    def source(self, plan, data: "Names") -> "CourseNames":
        return CourseNames.from_examples(data.examples, self.char_to_ix, plan.iterations)

    def report(self, plan, data, listeners=()) -> "SmoothedLoss":
        return SmoothedLoss(self.char_to_ix, self.ix_to_char, plan.log_every, self.names,
                            listeners, seq_length=COURSE_NAMES)

    def sample(self, side, count: int, seed: int = 0) -> list[str]:
        """``count`` names drawn from ``side`` with the course's seeds seed, seed + 1, ..."""
        return sample_names(side, self.char_to_ix, self.ix_to_char, count, seed)

    def evaluate(self, side, data) -> Evaluation:
        """The names the model samples (the course's seeds 0, 1, ...)."""
        names = self.sample(side, self.names)
        return Evaluation(lines=[f"names sampled (seeds 0..{self.names - 1}):"]
                          + [f"  {n}" for n in names])

    def lockstep_note(self, plan, report, history, sides) -> str:
        if plan.dtype != "float64" or plan.dataset != "dinos":     # measured on the names
            return ""
        return ("(measured, float64 on CPU: the two stay within 1e-12 of each other until "
                "iteration 11400, 1e-10 until 12320, 1e-8 until 13167; then the chaotic "
                "dynamics amplify the last-bit differences and they part, as two NumPy runs "
                "from weights one ulp apart do: parity_tests/test_char_rnn_engine.py)")

    # ------------------------------------------------------------ bench
    def bench_batch(self, m: int, dtype, seed: int = 0) -> tuple:
        """One name of ``m`` random letters (m = 9: about a dinosaur name's length)."""
        rng = np.random.default_rng(seed)
        letters = [ch for ch in self.vocabulary if ch != "\n"]
        name = "".join(rng.choice(letters, size=m))
        X, Y = course.build_example(name, self.char_to_ix)
        return _one(X), _one(Y)


@dataclass
class Names:
    """A names file as the course's ``model`` reads it: ``examples`` (its lines), and the
    vocabulary (``char_to_ix`` / ``ix_to_char``, "\n" = 0, then the sorted characters)."""
    name: str
    examples: list[str]
    char_to_ix: dict
    ix_to_char: dict
    path: Path | None = None

    @property
    def vocabulary(self) -> str:
        return "".join(self.ix_to_char[i] for i in range(len(self.ix_to_char)))

    def describe(self) -> str:
        return f"{len(self.examples)} names, {len(self.char_to_ix)} characters"

    def astype(self, dtype) -> "Names":
        return self


def _names_path(spec, data_dir) -> Path:
    return data_file(Path(course.__file__).resolve().parent / "data", spec, data_dir, "names")


def _unwrap(batch) -> list:
    """The course's index list out of the batch's one-element object array."""
    return list(batch[0]) if isinstance(batch, np.ndarray) else list(batch)


class NumpyCharRNN(NumpySide):
    """scratch's side: the course's dict, updated in place by ``optimize``; a_prev carried."""

    def __init__(self, model: CharRNN, parameters, dtype="float64", optim=None):
        super().__init__(model, {k: parameters[k] for k in course.PARAMETER_KEYS}, dtype,
                         optim_or_default(optim, COURSE_LEARNING_RATE))
        self.a_prev = np.zeros((model.n_a, 1), dtype=self.dtype)

    def prepare(self, X, Y, extra=None):
        return _unwrap(X), _unwrap(Y)

    def step(self, batch) -> float:
        """The course's ``optimize`` on one name; a<T> becomes the next name's a_prev."""
        X, Y = batch
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            loss, _, self.a_prev = course.optimize(X, Y, self.a_prev, self.parameters,
                                                   self.learning_rate)
        return float(loss)

    def hidden_state(self) -> np.ndarray:
        """a_prev, the course's (n_a, 1) column carried into the next name."""
        return self.a_prev

    def sample(self, char_to_ix, seed: int) -> list[int]:
        """The course's ``sample``: indices of one name, ending with the newline's."""
        return [int(i) for i in course.sample(self.parameters, char_to_ix, seed)]


class TorchCharRNN(TorchSide):
    """torch_ref's side: ``CharRNN`` loaded with the same dict, ``train_step`` with
    ``torch.optim.SGD``; its a<T> (1, 1, n_a) carried into the next name."""

    def __init__(self, model: CharRNN, parameters, dtype="float64", device="cpu", optim=None):
        from torch_ref import char_rnn as tr

        super().__init__(model, dtype, device, optim_or_default(optim, COURSE_LEARNING_RATE))
        self.tr = tr
        self.net = tr.CharRNN(model.vocab_size, model.n_a, device=self.device, dtype=self.dtype)
        self.net.load_course_parameters(parameters)
        self.optimizer = tr.sgd(self.net, self.optim.learning_rate)
        self.a_prev = tr.hidden_from_course(np.zeros((model.n_a, 1)), self.device, self.dtype)

    def prepare(self, X, Y, extra=None):
        return _unwrap(X), _unwrap(Y)

    def step(self, batch) -> float:
        X, Y = batch
        loss, self.a_prev = self.tr.train_step(self.net, self.optimizer, X, Y, self.a_prev)
        return loss.item()

    def hidden_state(self) -> np.ndarray:
        return self.tr.hidden_to_course(self.a_prev)

    def sample(self, char_to_ix, seed: int) -> list[int]:
        return sample_torch(self.net, char_to_ix, seed)


def sample_torch(net, char_to_ix, seed: int) -> list[int]:
    """The course's ``sample`` with torch's probabilities: x<1> = 0, a<0> = 0; at each step
    ŷ<t> = next_char_probabilities(...), ``np.random.seed(counter + seed)``, idx drawn by
    ``np.random.choice(range(vocab_size), p=ŷ<t>)``, seed and counter both + 1; stop after
    the newline or 50 characters (then the newline's index is appended).

    Returns the indices (ints), ending with char_to_ix["\\n"]. Reseeds NumPy's global
    generator, as the course's does. ``net``: a ``torch_ref.char_rnn.CharRNN``.
    """
    import torch
    from torch_ref import char_rnn as tr

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
        """The course's order over ``load_dinos(path)``'s names (see :meth:`from_examples`)."""
        examples, char_to_ix, _ = course.load_dinos(path)
        return cls.from_examples(examples, char_to_ix, iterations, shuffle_seed)

    @classmethod
    def from_examples(cls, examples, char_to_ix, iterations: int,
                      shuffle_seed: int = COURSE_SHUFFLE_SEED) -> "CourseNames":
        """The course's order: names stripped, ``np.random.seed(0)``, ``np.random.shuffle``."""
        examples = [x.strip() for x in examples]
        np.random.seed(shuffle_seed)
        np.random.shuffle(examples)
        return cls(examples, char_to_ix, iterations)

    def describe(self) -> str:
        return (f"{self.iterations} iterations, one name each (the names shuffled once after "
                f"np.random.seed({COURSE_SHUFFLE_SEED}))")

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
    each side, and max |numpy - torch| over the parameters (value, key) when both run;
    ``steps_done``: the iterations trained by then (j + 1)."""
    iteration: int
    losses: dict[str, float]
    names: dict[str, list[str]]
    max_diff: tuple[float, str] | None
    steps_done: int = 0

    @property
    def step(self) -> int:
        return self.iteration

    @property
    def label(self) -> str:
        return f"iteration {self.iteration}"


class SmoothedLoss(Report):
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
        super().__init__(listeners)
        self.char_to_ix, self.ix_to_char = char_to_ix, ix_to_char
        self.every, self.dino_names = max(1, every), dino_names
        self.initial = float(course.get_initial_loss(
            len(char_to_ix), dino_names if seq_length is None else seq_length))
        self.loss: dict[str, float] = {}
        self.smoothed: dict[str, list[float]] = {}

    def on_step(self, info) -> None:
        for name, cost in info.costs.items():
            self.loss[name] = course.smooth(self.loss.get(name, self.initial), cost)
            self.smoothed.setdefault(name, []).append(self.loss[name])
        if info.step % self.every == 0:
            self._row(info.step, info)

    def _row(self, j: int, info) -> None:
        from dl_parity.engine import max_parameter_difference

        params = self.checked_parameters(info, f"iteration {j}")
        names = {side.name: sample_names(side, self.char_to_ix, self.ix_to_char,
                                         self.dino_names) for side in info.sides}
        diff = max_parameter_difference(*params) if len(params) == 2 else None
        self.emit(DinoRow(j, {s.name: self.loss[s.name] for s in info.sides}, names, diff,
                          info.history.steps_done))

    # ------------------------------------------------------------ printing
    def header(self, impls) -> str:
        cells = [f"{'iteration':>9}"] + [f"{'loss ' + name:>12}" for name in impls]
        if len(impls) == 2:
            cells.append("max |Δ param|")
        return "  ".join(cells)

    def lines(self, row: DinoRow, impls) -> list[str]:
        """The course's "Iteration: %d, Loss: %f" of each side on one line, then the
        sampled names, one column per side (the course prints them one a line)."""
        cells = [f"{row.iteration:>9d}"] + [f"{row.losses[name]:>12f}" for name in impls]
        if row.max_diff is not None:
            cells.append(f"{row.max_diff[0]:.1e} ({row.max_diff[1]})")
        columns = [row.names[name] for name in impls]
        width = max(len(n) for col in columns for n in col) + 2
        lines = ([""] if self.rows and row is not self.rows[0] else []) + [
            "  ".join(cells),
            "           " + "".join(f"{name:<{width}}" for name in impls).rstrip()]
        for names in zip(*columns):
            lines.append("           " + "".join(f"{n:<{width}}" for n in names).rstrip())
        return lines

    def summary(self) -> dict[str, dict[str, str]]:
        return {"smoothed loss": {name: f"{loss:f}" for name, loss in self.loss.items()}}
