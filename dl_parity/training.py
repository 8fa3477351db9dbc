"""One training run, decided: which model, which sides, which batches, which optimizer.

``dl-parity train`` and ``evaluate``, the study page's curves and the course-result tests
build their runs here and hand them to the one engine (:func:`dl_parity.engine.run`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dl_parity.engine import FullBatch, MiniBatches
from dl_parity.models.mlp import MLP
from dl_parity.models.optim import Optim, step_drop
from dl_parity.settings import DEFAULTS

IMPLS = ("numpy", "torch")


@dataclass(frozen=True)
class Plan:
    """Everything a run needs besides the data: its settings, decided once."""
    dataset: str
    model: MLP                      # or any description with .side() (CNN, Course2Net)
    impls: tuple[str, ...]
    dtype: str
    device: str
    seed: int
    optim: Optim
    iterations: int | None = None      # full batch
    epochs: int | None = None          # mini-batch
    batch_size: int | None = None
    log_every: int = 1
    batch_seed: int | None = None      # mini-batch shuffles: batch_seed + epoch (None: seed)

    @property
    def full_batch(self) -> bool:
        return self.batch_size is None

    def source(self, X, Y):
        """The engine's batch source: the course's full batch, or its mini-batches drawn by
        ``random_mini_batches(X, Y, batch_size, seed + epoch)``."""
        extra = getattr(self.model, "extra", None)      # shared randomness (dropout masks)
        kw = {"extra": extra} if extra is not None else {}
        if self.full_batch:
            return FullBatch(X, Y, self.iterations, **kw)
        return MiniBatches(X, Y, self.batch_size, self.epochs, seed=self.shuffle_seed, **kw)

    @property
    def shuffle_seed(self) -> int:
        return self.seed if self.batch_seed is None else self.batch_seed

    def sides(self, parameters) -> list:
        """The sides named by ``impls``, each loaded with the same initial dict."""
        return [self.model.side(impl, parameters, self.dtype, self.device, self.optim)
                for impl in self.impls]

    def describe_schedule(self, m: int) -> str:
        if self.full_batch:
            return f"{self.iterations} iterations, full batch (m = {m})"
        n_batches = -(-m // self.batch_size)
        text = (f"{self.epochs} epochs x {n_batches} mini-batches of {self.batch_size} "
                f"(m = {m}; course's random_mini_batches, seed {self.shuffle_seed} + epoch)")
        doc = self.optim.schedule.__doc__
        if self.optim.schedule.__name__ != "constant" and doc:
            text += f", lr {doc}"
        return text


def course_plan(dataset: str, impls=IMPLS, **overrides) -> Plan:
    """The data set's course run (``settings.DEFAULTS``), with any field overridden."""
    d = DEFAULTS[dataset]
    dims = overrides.pop("layer_dims", d.layer_dims)
    model = overrides.pop("model", None) or default_model(d, dims)
    lr = overrides.pop("learning_rate", d.learning_rate)
    drop = overrides.pop("lr_drop_epoch", d.lr_drop_epoch)
    fields = dict(dataset=dataset, model=model, impls=tuple(impls), dtype=d.dtype,
                  device="cpu", seed=d.seed, optim=Optim(lr, step_drop(drop)),
                  iterations=d.iterations, epochs=d.epochs, batch_size=d.batch_size,
                  log_every=d.log_every, batch_seed=d.batch_seed)
    fields.update(overrides)
    return Plan(**fields)


def default_model(d, dims):
    """The data set's course network: course 1's MLP, or course 2's Course2Net."""
    if d.model == "course2":
        from dl_parity.models.course2 import Course2Net

        return Course2Net(tuple(dims), init=d.init, cost=d.cost,
                          output_activation=d.output_activation)
    return MLP(tuple(dims), d.hidden_activation, d.output_activation)


def accuracy(side, X, y) -> float:
    """Fraction of examples whose predicted label equals y."""
    return float(np.mean(side.predict(X) == y))


def confusion_matrix(y_true, y_pred, C: int) -> np.ndarray:
    """M[i, j] = number of examples of class i predicted as class j."""
    M = np.zeros((C, C), dtype=np.int64)
    np.add.at(M, (y_true, y_pred), 1)
    return M


def separation_note(rows, costs, plan: Plan) -> str:
    """Say where the two runs separated, when a float64 run ends far apart.

    Gradient descent past its stability limit (the learning rate above 2 / the largest
    Hessian eigenvalue) amplifies any difference step after step, so two routes whose
    roundings differ in the last bit drift apart from there on, as do two NumPy runs one
    ulp apart (measured in parity_tests/test_course_results.py::test_course_planar).
    """
    if plan.dtype != "float64" or not rows or rows[-1].max_diff is None \
            or rows[-1].max_diff[0] <= 1e-6:
        return ""
    close = [r for r in rows if r.max_diff[0] <= 1e-9]
    if not close or close[-1] is rows[-1]:
        return ""
    unit = "iteration" if plan.full_batch else "epoch"
    text = (f"note: the two runs agreed to {max(r.max_diff[0] for r in close):.0e} through "
            f"{unit} {close[-1].step}, then separated.")
    rises = np.flatnonzero(np.diff(np.asarray(costs["numpy"])) > 0)
    if plan.full_batch and rises.size:
        text += (f" The cost first rises at iteration {rises[0] + 1}: at lr "
                 f"{plan.optim.learning_rate:g} gradient descent is past its stability limit "
                 f"there, which amplifies the last-bit rounding differences of any two "
                 f"routes (two NumPy runs one ulp apart as well), so from then on neither "
                 f"run is the reference for the other.")
    return text
