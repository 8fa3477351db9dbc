"""The engine's callbacks for the command line: log rows, progress bar, checkpoints.

Each is an object with some of ``on_step(info)``, ``on_epoch_end(info)``, ``on_end(history)``
(see :mod:`dl_parity.engine`). A model's *report* (:class:`Report`: :class:`CostReport`
for the classifiers, the char-RNN's smoothed loss and names) makes the log rows and says
how they print; :class:`Saver` writes a checkpoint at each row; :class:`Progress` draws
the bar.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dl_parity.engine import Diverged, max_parameter_difference


class Report:
    """Base of a model's report: makes rows (each with ``step``, ``label``,
    ``steps_done`` and ``max_diff``), hands each to ``listeners``, and says how a row
    prints (:meth:`header`, :meth:`lines`) and what it adds to the run's summary."""

    unit = "iteration"

    def __init__(self, listeners=()):
        self.listeners: list[Callable] = list(listeners)
        self.rows: list = []

    def emit(self, row) -> None:
        self.rows.append(row)
        for listener in self.listeners:
            listener(row)

    @staticmethod
    def checked_parameters(info, where: str) -> list[dict]:
        """Every side's course dict; NaN or inf stops the run (:class:`Diverged`) before
        anything is written for the row."""
        params = [side.course_parameters() for side in info.sides]
        for side, p in zip(info.sides, params):
            for key, value in p.items():
                if not np.isfinite(value).all():
                    raise Diverged(f"{side.name}: {key} holds NaN or inf after {where}",
                                   info.history)
        return params

    def header(self, impls) -> str:
        raise NotImplementedError

    def lines(self, row, impls) -> list[str]:
        raise NotImplementedError

    def summary(self) -> dict[str, dict[str, str]]:
        """Rows of the closing table: label -> {side: value as printed}."""
        return {}


@dataclass
class LogRow:
    """One line of the report: the step, each side's cost, the largest parameter difference.

    Full batch: ``step`` is the iteration and the costs are that iteration's (before its
    update). Mini-batch: ``step`` is the epoch (1-based) and the costs are the epoch's
    average, sum_t m_t J{t} / m. ``max_diff`` = (value, key) after the step's update;
    ``steps_done``: gradient steps taken by then.
    """
    step: int
    costs: dict[str, float]
    max_diff: tuple[float, str] | None
    steps_done: int = 0
    unit: str = "iteration"

    @property
    def label(self) -> str:
        return f"{self.unit} {self.step}"


class CostReport(Report):
    """A :class:`LogRow` every ``every`` iterations (and at the last) of a full-batch run,
    or every ``every`` epochs (epochs 1, 1 + every, ..., and the last) of a mini-batch
    run, handed to ``listeners``; NaN or inf parameters stop the run."""

    def __init__(self, full_batch: bool, every: int = 1, listeners=(), cost_word="cost"):
        super().__init__(listeners)
        self.full_batch, self.every = full_batch, max(1, every)
        self.unit = "iteration" if full_batch else "epoch"
        self.cost_word = cost_word

    def on_step(self, info) -> None:
        i = info.epoch
        if self.full_batch and (i % self.every == 0 or i == info.epochs - 1):
            self._row(i, info)

    def on_epoch_end(self, info) -> None:
        e = info.epoch
        if not self.full_batch and (e % self.every == 0 or e == info.epochs - 1):
            self._row(e + 1, info)

    def _row(self, step: int, info) -> None:
        params = self.checked_parameters(info, f"{self.unit} {step}")
        diff = max_parameter_difference(*params) if len(params) == 2 else None
        self.emit(LogRow(step, dict(info.costs), diff, info.history.steps_done, self.unit))

    def width(self) -> int:
        return max(len(self.unit), 5)

    def header(self, impls) -> str:
        cells = [f"{self.unit:>{self.width()}}"] + [f"{self.cost_word + ' ' + name:>18}"
                                                     for name in impls]
        if len(impls) == 2:
            cells += [f"{'|Δ ' + self.cost_word + '|':>11}", f"{'max |Δ param|':>11}"]
        return "  ".join(cells)

    def lines(self, row, impls) -> list[str]:
        cells = [f"{row.step:>{self.width()}d}"] + [f"{row.costs[n]:>18.12g}" for n in impls]
        if row.max_diff is not None:
            a, b = (row.costs[n] for n in impls)
            cells += [f"{abs(a - b):>11.1e}", f"{row.max_diff[0]:>11.1e} ({row.max_diff[1]})"]
        return ["  ".join(cells)]


#: the old name of the classifiers' report
Logger = CostReport


class Saver:
    """A report listener that writes the checkpoint of ``save(steps_done)`` at every row,
    and remembers the last row written (for the messages of a run that stops)."""

    def __init__(self, save: Callable[[int], object]):
        self.save = save
        self.last = None                       # the row of the last checkpoint written
        self.steps_saved = -1

    def __call__(self, row) -> None:
        self.save(row.steps_done)
        self.last, self.steps_saved = row, row.steps_done

    def finish(self, steps_done: int, label: str) -> str:
        """A last write when steps were taken after the last row; the label of the state."""
        if steps_done != self.steps_saved:
            self.save(steps_done)
            self.steps_saved = steps_done
            return label
        return self.last.label


class Progress:
    """A tqdm bar on stderr when it is a terminal (and not ``quiet``); log lines go to
    stdout either way (through ``tqdm.write`` while a bar is shown, so they do not tear it)."""

    def __init__(self, total: float, unit: str, quiet: bool, desc: str | None = None):
        self.bar = None
        self.unit = unit
        self.every = max(1, int(total) // 200) if unit == "it" else 1
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True,
                            leave=False, desc=desc, bar_format=None if unit != "epoch" else
                            "{l_bar}{bar}| {n:.2f}/{total} epochs [{elapsed}<{remaining}{postfix}]")
        self._count = 0

    def on_step(self, info) -> None:
        if self.bar is None:
            return
        self._count += 1
        progress = info.step + 1 if self.unit == "it" else info.progress
        if self._count % self.every and progress < self.bar.total:
            return
        self.bar.n = progress
        self.bar.set_postfix({f"J {k}": f"{v:.6f}" for k, v in info.costs.items()}, refresh=False)
        self.bar.refresh()

    def advance(self, desc: str) -> None:
        """One unit of work done, ``desc`` the next one (evaluations: one per side)."""
        if self.bar is not None:
            self.bar.set_description_str(desc, refresh=False)
            self.bar.update(1)

    def write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=sys.stdout)
        else:
            print(line, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
