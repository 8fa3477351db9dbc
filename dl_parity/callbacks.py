"""The engine's callbacks for the command line: log rows, progress bar, checkpoints.

Each is an object with some of ``on_step(info)``, ``on_epoch_end(info)``, ``on_end(history)``
(see :mod:`dl_parity.engine`).
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dl_parity.engine import Diverged, max_parameter_difference


@dataclass
class LogRow:
    """One line of the report: the step, each side's cost, the largest parameter difference.

    Full batch: ``step`` is the iteration and the costs are that iteration's (before its
    update). Mini-batch: ``step`` is the epoch (1-based) and the costs are the epoch's
    average, sum_t m_t J{t} / m. ``max_diff`` = (value, key) after the step's update.
    """
    step: int
    costs: dict[str, float]
    max_diff: tuple[float, str] | None


class Logger:
    """Makes a :class:`LogRow` every ``every`` iterations (and at the last) of a full-batch
    run, or at the end of every epoch of a mini-batch run, and hands it to ``listeners``.

    At each row it checks every side's parameters: NaN or inf stops the run
    (:class:`dl_parity.engine.Diverged`) before anything is written for that row.
    """

    def __init__(self, full_batch: bool, every: int = 1, listeners=()):
        self.full_batch, self.every = full_batch, max(1, every)
        self.listeners: list[Callable[[LogRow], None]] = list(listeners)
        self.rows: list[LogRow] = []

    def on_step(self, info) -> None:
        i = info.epoch
        if self.full_batch and (i % self.every == 0 or i == info.epochs - 1):
            self._row(i, info, f"iteration {i}")

    def on_epoch_end(self, info) -> None:
        if not self.full_batch:
            self._row(info.epoch + 1, info, f"epoch {info.epoch + 1}")

    def _row(self, step: int, info, where: str) -> None:
        params = [side.course_parameters() for side in info.sides]
        for side, p in zip(info.sides, params):
            for key, value in p.items():
                if not np.isfinite(value).all():
                    raise Diverged(f"{side.name}: {key} holds NaN or inf after {where}",
                                   info.history)
        diff = max_parameter_difference(*params) if len(params) == 2 else None
        row = LogRow(step, dict(info.costs), diff)
        self.rows.append(row)
        for listener in self.listeners:
            listener(row)


class Progress:
    """A tqdm bar on stderr when it is a terminal (and not ``quiet``); log lines go to
    stdout either way (through ``tqdm.write`` while a bar is shown, so they do not tear it)."""

    def __init__(self, total: float, unit: str, quiet: bool):
        self.bar = None
        self.unit = unit
        self.every = max(1, int(total) // 200) if unit == "it" else 1
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True,
                            leave=False, bar_format=None if unit == "it" else
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

    def write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=sys.stdout)
        else:
            print(line, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
