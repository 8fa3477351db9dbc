"""How a run trains, beside what the model is: the steps (full-batch iterations or epochs
of mini-batches), the learning-rate drop, the seed, the float type, the log lines.

Each field declares its flag once (:mod:`dl_parity.flags`); the learning rate and the
optimizer are :class:`dl_parity.models.optim.Optim`'s. A recipe
(:mod:`dl_parity.recipes`) gives every field's course value for a (data set, model);
:meth:`Settings.overridden` puts what the user gave on top and says, in one line, what
cannot go together.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from dl_parity.flags import check_declared, option

DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class Settings:
    """A run's schedule: ``iterations`` full-batch steps (``batch_size`` None), or
    ``epochs`` passes over mini-batches of ``batch_size`` shuffled by the course's
    ``random_mini_batches(seed + epoch)`` (from ``batch_seed`` when the course seeds them
    apart from the weights)."""
    iterations: int | None = option(
        None, "full-batch gradient-descent steps (one per iteration)", kind="int",
        metavar="N", low=1, expect="a positive integer")
    epochs: int | None = option(
        None, "passes over the data with mini-batches (with --batch-size, or a data set "
              "trained in mini-batches such as MNIST)", kind="int", metavar="N", low=1,
        expect="a positive integer")
    batch_size: int | None = option(
        None, "mini-batch size (default: the recipe's: full batch for planar and cat, 64 for "
              "MNIST)", kind="int", metavar="B", low=1, expect="a positive integer")
    lr_drop_epoch: int | None = option(
        None, "mini-batch training: multiply the learning rate by 0.1 from epoch E on (step "
              "decay; default 7 for MNIST: 0.2 for six epochs, then 0.02; 0 for a constant "
              "rate)", kind="int", metavar="E", low=0, expect="an epoch >= 1 (or 0 for none)")
    seed: int = option(
        1, "seed of the initial weights (and of the mini-batch shuffles: seed + epoch)",
        kind="int", low=0, high=2 ** 32 - 1, high_closed=True)
    dtype: str = option("float64", "float type of both sides (default: the recipe's)",
                        kind="str", choices=DTYPES)
    log_every: int = option(
        1, "iterations (full batch) or epochs (mini-batches) between log lines (default: "
           "the recipe's, e.g. 1000 planar, 100 cat, every epoch for MNIST)", kind="int",
        metavar="N", low=1, expect="a positive integer")
    batch_seed: int | None = None          # mini-batch shuffles: batch_seed + epoch

    def __post_init__(self):
        check_declared(self)

    @property
    def full_batch(self) -> bool:
        return self.batch_size is None

    @property
    def shuffle_seed(self) -> int:
        return self.seed if self.batch_seed is None else self.batch_seed

    def overridden(self, given: dict, dataset: str) -> "Settings":
        """These settings with the user's values ``given`` (field -> value) on top: full
        batch counts iterations, mini-batches count epochs; a schedule needs mini-batches.
        ValueError (naming the field) for what cannot go together."""
        batch_size = given.get("batch_size", self.batch_size)
        if batch_size is None and "epochs" in given:
            raise ValueError(f"epochs: {dataset} trains full batch (one step per iteration); "
                             f"use --iterations N, or give --batch-size B for mini-batches")
        if batch_size is not None and "iterations" in given:
            raise ValueError(f"iterations: with mini-batches (batch size {batch_size}) "
                             f"training is counted in epochs; use --epochs N")
        if batch_size is None and "lr_drop_epoch" in given:
            raise ValueError("lr_drop_epoch: only mini-batch training (counted in epochs) has "
                             "a learning-rate schedule; give --batch-size B too")
        fields = {**dataclasses.asdict(self), **given, "batch_size": batch_size}
        if batch_size is None:
            fields.update(epochs=None, lr_drop_epoch=None,
                          iterations=given.get("iterations", self.iterations))
        else:
            fields.update(iterations=None, epochs=given.get("epochs", self.epochs or 10))
        return Settings(**fields)
