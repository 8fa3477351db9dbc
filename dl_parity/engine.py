"""The one training engine: either side alone, or both in lockstep from one initial dict.

Every training of the project outside the course's own functions (``dl-parity train``,
the study page's curves, the bench, the course-result tests, the trajectory tests) goes
through :func:`run`. It knows nothing about layers, losses or optimizers: a model's two
*sides* do (see :mod:`dl_parity.models`). A side is any object with

    name: str                                   "numpy" or "torch"
    prepare(X, Y, extra) -> batch               the batch in the side's own layout
    step(batch) -> float                        one update; the cost BEFORE the update
    end_epoch(epoch) -> None                    after each epoch (0-based): lr schedules
    course_parameters() -> dict[str, ndarray]   the course's dict, in the course's layout

and the engine runs, for every epoch and every batch of that epoch,

    for side in sides:  cost[side] = side.step(side.prepare(X_t, Y_t, extra_t))

then ``side.end_epoch(epoch)``. Data is in the course's layout (examples in the last
axis for the MLPs); a side converts its batch itself, in ``prepare``. ``extra_t`` is the
randomness both sides must share (dropout masks, ...), drawn once per step by the batch
source's ``extra(step, X_t, Y_t)`` callable, in the course's layout.

A batch is whatever tuple the source yields: (X, Y) for the classifiers, the course's
index lists for the char-RNN, (center, context, negatives) for a skip-gram model; the
engine hands it to ``side.prepare(*batch, extra)`` and ``source.extra(step, *batch)``
and never looks inside, except to count its examples for the epoch's mean cost:
``source.count(batch)`` when the source has it, else the last axis of its first array.

Batch sources: :class:`FullBatch` (the course's full-batch gradient descent: one epoch
is one iteration on all the data) and :class:`MiniBatches` (the course's
``random_mini_batches(X, Y, size, seed + epoch * seed_step)``, drawn by NumPy, the very
same batches for both sides).

Callbacks (any object with some of ``on_step(info)``, ``on_epoch_end(info)``,
``on_end(history)``) do the logging, progress bars, checkpoints and early stops; a
callback stops the run by raising :class:`StopTraining`. A cost that is NaN or inf
stops the run with :class:`Diverged`, naming the side and the step.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


class Side(Protocol):
    name: str

    def prepare(self, X, Y, extra: dict) -> Any: ...

    def step(self, batch) -> float: ...

    def end_epoch(self, epoch: int) -> None: ...

    def course_parameters(self) -> dict[str, np.ndarray]: ...


Extra = Callable[[int, np.ndarray, np.ndarray], dict]


def _no_extra(step, X, Y) -> dict:
    return {}


def check_data(X, Y) -> None:
    """The data of a batch source: the same number of examples m >= 1 (the last axis) and
    finite X, checked once before any side takes a step (nothing trained on garbage)."""
    X, Y = np.asarray(X), np.asarray(Y)
    if X.shape[-1:] != Y.shape[-1:]:
        raise ValueError(f"X and Y must hold the same number of examples m (last axis), got "
                         f"X {X.shape} and Y {Y.shape}")
    if X.shape[-1] == 0:
        raise ValueError(f"expected at least one example (m >= 1), got X {X.shape}")
    if np.issubdtype(X.dtype, np.floating) and not np.isfinite(X).all():
        bad = int(X.size - np.isfinite(X).sum())
        raise ValueError(f"expected finite values in X, got {bad} NaN or inf "
                         f"entr{'y' if bad == 1 else 'ies'} in X {X.shape}")


@dataclass
class FullBatch:
    """``iterations`` steps on all of (X, Y); each step is an epoch (end_epoch after it)."""
    X: np.ndarray
    Y: np.ndarray
    iterations: int
    extra: Extra = _no_extra

    def __post_init__(self):
        check_data(self.X, self.Y)

    @property
    def epochs(self) -> int:
        return self.iterations

    @property
    def m(self) -> int:
        return self.X.shape[-1]

    def batches(self, epoch: int):
        return [(self.X, self.Y)]

    def describe(self) -> str:
        return f"{self.iterations} iterations, full batch (m = {self.m})"


@dataclass
class MiniBatches:
    """The course's mini-batches: epoch e is ``random_mini_batches(X, Y, batch_size,
    seed + e * seed_step)``. ``seed_step=1`` is both MNIST's and the course-2 model's rule
    (its ``seed += 1`` before every epoch, from ``seed = 10``: pass seed=11)."""
    X: np.ndarray
    Y: np.ndarray
    batch_size: int
    epochs: int
    seed: int = 0
    seed_step: int = 1
    extra: Extra = _no_extra

    def __post_init__(self):
        check_data(self.X, self.Y)

    @property
    def m(self) -> int:
        return self.X.shape[-1]

    def batches(self, epoch: int):
        from scratch.optimization import random_mini_batches

        return random_mini_batches(self.X, self.Y, self.batch_size,
                                   self.seed + epoch * self.seed_step)

    def describe(self) -> str:
        n = -(-self.m // self.batch_size)
        return (f"{self.epochs} epoch{'s' if self.epochs != 1 else ''} x {n} mini-batch"
                f"{'es' if n != 1 else ''} of {self.batch_size} (m = {self.m}; course's "
                f"random_mini_batches, seed {self.seed} + epoch)")


@dataclass
class StepInfo:
    """What a callback sees after each step (``on_step``) or epoch (``on_epoch_end``)."""
    step: int                      # global step, 0-based
    epoch: int                     # 0-based
    batch: int                     # index of the batch in its epoch
    batches: int                   # batches in this epoch
    epochs: int
    costs: dict[str, float]        # this step's cost (on_step) or the epoch's mean (on_epoch_end)
    sides: Sequence[Side]
    history: "History"

    @property
    def progress(self) -> float:
        """Epochs done, as a float (e.g. 2.5 = half-way through the third)."""
        return self.epoch + (self.batch + 1) / self.batches


@dataclass
class History:
    costs: dict[str, list[float]] = field(default_factory=dict)        # every step
    epoch_costs: dict[str, list[float]] = field(default_factory=dict)  # sum_t m_t J_t / m
    seconds: dict[str, float] = field(default_factory=dict)            # time inside step()
    parameters: dict[str, dict] = field(default_factory=dict)          # at the end
    steps_done: int = 0
    stopped: str | None = None                                         # why it stopped early


class StopTraining(Exception):
    """Raised by a callback to end the run cleanly after the current step."""


class Diverged(Exception):
    """A side's cost became NaN or inf; ``history`` holds every step before it."""

    def __init__(self, message: str, history: History):
        super().__init__(message)
        self.history = history


def _call(callbacks, hook: str, arg) -> None:
    for cb in callbacks:
        fn = getattr(cb, hook, None)
        if fn is not None:
            fn(arg)


def run(sides: Sequence[Side], source, callbacks: Sequence[object] = ()) -> History:
    """Train every side on the batches of ``source``, one step each in turn; see the module doc."""
    names = [s.name for s in sides]
    if len(set(names)) != len(names):
        raise ValueError(f"sides must have distinct names, got {names}")
    hist = History(costs={n: [] for n in names}, epoch_costs={n: [] for n in names},
                   seconds={n: 0.0 for n in names})
    try:
        for epoch in range(source.epochs):
            _run_epoch(sides, source, epoch, callbacks, hist)
    except StopTraining as stop:
        hist.stopped = str(stop) or "stopped by a callback"
    hist.parameters = {s.name: s.course_parameters() for s in sides}
    _call(callbacks, "on_end", hist)
    return hist


def _count(source, batch) -> int:
    """The examples in a batch: ``source.count(batch)``, else the last axis of its first array."""
    count = getattr(source, "count", None)
    return count(batch) if count is not None else np.shape(batch[0])[-1]


def _run_epoch(sides, source, epoch, callbacks, hist) -> None:
    batches = source.batches(epoch)
    totals = dict.fromkeys(hist.costs, 0.0)
    for t, batch in enumerate(batches):
        extra = source.extra(hist.steps_done, *batch)
        costs = {side.name: _timed_step(side, batch, extra, hist, epoch, t, len(batches))
                 for side in sides}
        m_t = _count(source, batch)
        for name, cost in costs.items():
            hist.costs[name].append(cost)
            totals[name] += cost * m_t
        info = StepInfo(hist.steps_done, epoch, t, len(batches), source.epochs, costs, sides, hist)
        hist.steps_done += 1
        _call(callbacks, "on_step", info)
    for side in sides:
        side.end_epoch(epoch)
    means = {name: total / source.m for name, total in totals.items()}
    for name, mean in means.items():
        hist.epoch_costs[name].append(mean)
    _call(callbacks, "on_epoch_end", StepInfo(hist.steps_done - 1, epoch, len(batches) - 1,
                                              len(batches), source.epochs, means, sides, hist))


def _timed_step(side, batch, extra, hist, epoch, t, n) -> float:
    t0 = time.perf_counter()
    cost = float(side.step(side.prepare(*batch, extra)))
    hist.seconds[side.name] += time.perf_counter() - t0
    if not np.isfinite(cost):
        where = f"iteration {epoch}" if n == 1 else f"epoch {epoch + 1}, batch {t + 1} of {n}"
        raise Diverged(f"{side.name}: the cost became {cost} at {where} (learning rate too "
                       f"large?)", hist)
    return cost


# ------------------------------------------------------------------ comparing the sides
def max_parameter_difference(a: dict, b: dict) -> tuple[float, str]:
    """max over the keys of max |a[k] - b[k]|, and the key where it is (NaN wins)."""
    best, where = 0.0, next(iter(a))
    for key in a:
        d = float(np.max(np.abs(np.asarray(a[key], dtype=np.float64)
                                - np.asarray(b[key], dtype=np.float64)), initial=0.0))
        if d > best or np.isnan(d):
            best, where = d, key
    return best, where
