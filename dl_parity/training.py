"""One training run, decided: which model, which sides, which batches, which optimizer.

``dl-parity train`` and ``evaluate``, the study page's curves, the bench and the
course-result tests build their runs here, from a recipe (:mod:`dl_parity.recipes`), and
hand them to the one engine (:func:`dl_parity.engine.run`).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from dl_parity.engine import FullBatch, MiniBatches
from dl_parity.models.base import Model
from dl_parity.models.classifier import confusion_matrix, separation_note  # noqa: F401
from dl_parity.models.optim import Optim, step_drop
from dl_parity.recipes import Recipe, recipe_for
from dl_parity.settings import Settings

IMPLS = ("numpy", "torch")


@dataclass(frozen=True)
class Plan:
    """Everything a run needs besides the data: its settings, decided once."""
    dataset: str
    model: Model
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
    data: str | None = None            # what the model's load_data reads (None: dataset)

    @property
    def full_batch(self) -> bool:
        return self.batch_size is None

    @property
    def shuffle_seed(self) -> int:
        return self.seed if self.batch_seed is None else self.batch_seed

    def source(self, X, Y):
        """The classifiers' batch source: the course's full batch, or its mini-batches
        drawn by ``random_mini_batches(X, Y, batch_size, seed + epoch)``, with the model's
        shared randomness (dropout masks) when it has some."""
        extra = getattr(self.model, "extra", None)
        kw = {"extra": extra} if extra is not None else {}
        if self.full_batch:
            return FullBatch(X, Y, self.iterations, **kw)
        return MiniBatches(X, Y, self.batch_size, self.epochs, seed=self.shuffle_seed, **kw)

    def load_data(self, data_dir=None, download: bool = True):
        """The model's data for this run, in the run's float type."""
        return self.model.load_data(self.data or self.dataset, data_dir, download).astype(
            self.dtype)

    def batches(self, data):
        """The engine's batch source over ``data`` (the model's own)."""
        return self.model.source(self, data)

    def sides(self, parameters) -> list:
        """The sides named by ``impls``, each loaded with the same initial dict."""
        return [self.model.side(impl, parameters, self.dtype, self.device, self.optim)
                for impl in self.impls]

    def describe_training(self, source) -> str:
        """lr, optimizer, batches, schedule and float type, on one line."""
        optim = "" if self.optim.is_plain_sgd else f", {self.optim.describe()}"
        drop = getattr(self.optim.schedule, "drop_epoch", None)
        schedule = (f", lr {self.optim.schedule.__doc__}"
                    if drop and self.epochs and drop <= self.epochs else "")
        return (f"lr {self.optim.learning_rate:g}{optim}, {source.describe()}{schedule}, "
                f"{self.dtype}" + (f", torch on {self.device}" if "torch" in self.impls else ""))


def _schedule(settings: Settings, decay=None):
    """The step drop of a mini-batch run (none for full batch, or beside a course decay)."""
    return step_drop(None if settings.full_batch or decay else settings.lr_drop_epoch)


def plan_for(recipe: Recipe, impls=IMPLS, device: str = "cpu", *, given: Mapping = (),
             model: Model | None = None) -> Plan:
    """The run of ``recipe`` with the user's options ``given`` (field -> value: the
    model's fields, :class:`~dl_parity.settings.Settings`' and
    :class:`~dl_parity.models.optim.Optim`'s) on top. ValueError naming the field for a
    value or a combination the model, the settings or the optimizer refuse."""
    given = dict(given)
    settings_fields = {f.name for f in dataclasses.fields(Settings)}
    optim_fields = {f.name for f in dataclasses.fields(Optim)}
    settings = recipe.settings.overridden(
        {k: v for k, v in given.items() if k in settings_fields}, recipe.dataset)
    if model is None:
        model = recipe.build(**{k: v for k, v in given.items()
                                if k not in settings_fields | optim_fields})
    model = model.for_settings(settings)
    kw = {**recipe.optim, **{k: v for k, v in given.items() if k in optim_fields}}
    user_drop = "lr_drop_epoch" in given
    optim = Optim(**kw, schedule=_schedule(settings, kw.get("decay") and not user_drop))
    return Plan(recipe.dataset, model, tuple(impls), settings.dtype, device, settings.seed,
                optim, settings.iterations, settings.epochs, settings.batch_size,
                settings.log_every, settings.batch_seed, recipe.data_spec)


def course_plan(dataset: str, impls=IMPLS, **overrides) -> Plan:
    """The data set's course run (its recipe: :func:`dl_parity.recipes.recipe_for`, the
    model's when ``model`` is given), with any field overridden: ``model``, ``optim``,
    ``device``, ``learning_rate``, ``layer_dims`` or any :class:`Settings` field."""
    model = overrides.pop("model", None)
    recipe = recipe_for(dataset, model.name if model is not None else None)
    optim = overrides.pop("optim", None)
    learning_rate = overrides.pop("learning_rate", None)
    device = overrides.pop("device", "cpu")
    layer_dims = overrides.pop("layer_dims", None)
    settings = dataclasses.replace(recipe.settings, **overrides)
    if model is None:
        model = recipe.build(**({} if layer_dims is None else {"layer_dims": tuple(layer_dims)}))
    if optim is None:
        kw = dict(recipe.optim, **({} if learning_rate is None
                                   else {"learning_rate": learning_rate}))
        optim = Optim(**kw, schedule=_schedule(settings, kw.get("decay")))
    return Plan(dataset, model, tuple(impls), settings.dtype, device, settings.seed, optim,
                settings.iterations, settings.epochs, settings.batch_size, settings.log_every,
                settings.batch_seed, recipe.data_spec)


def accuracy(side, X, y) -> float:
    """Fraction of examples whose predicted label equals y."""
    return float(np.mean(side.predict(X) == y))
