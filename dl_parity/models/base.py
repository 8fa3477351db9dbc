"""The model protocol: what every trainable model says about itself, and the registry.

A model is a frozen dataclass deriving from :class:`Model`, registered with
:func:`register`. Its fields are its *config*: what it is (layer sizes, activations,
the course's regularization), saved as JSON in every checkpoint and read back by
``from_config``. A field a user may set carries a :class:`dl_parity.flags.Flag`
(``option(...)``): the command line is built from it. The glue (``dl-parity train``,
``evaluate``, ``sample``, checkpoints, the bench, the study page) reads what a model
declares and names no model.

What a model provides (see each method):

=======================  ===============================================================
``name``                 registry key = the ``--model`` value = the checkpoint's tag
``config``               the fields as JSON-able values; ``from_config`` back
                         (``from_legacy``: from a checkpoint of a first format)
``takes``                the run settings it accepts (:mod:`dl_parity.settings`, the
                         optimizer of :class:`~dl_parity.models.optim.Optim`)
``initial_parameters``   the course's dict, drawn by scratch's initialiser
``side``                 ``side(impl, parameters, dtype, device, optim)``: the engine's
                         NumPy or torch side, loaded with the dict (ONE signature)
``load_data``            the model's data (its own kind); ``fit_data`` / ``check_data``:
                         the model fitted to it (training), or checked against it
``source``               the engine's batch source over that data (full batch,
                         mini-batches, the course's name order, ...)
``report``               the engine callback that makes its log rows
``evaluate``             accuracy and confusion matrix, sampled names, nearest words
``parameter_shapes``     what a checkpoint's arrays must be (checked once, on load)
bench hooks (optional)   ``bench_batch``, ``fast_path``, ``flops``, ``minimum_memory``
=======================  ===============================================================

Sides derive from :class:`NumpySide` or :class:`TorchSide`, which carry the plumbing
every side needs (dtype and device, the optimizer and its schedule, predictions in
chunks, the course's columns to torch's rows, one-hot targets to class indices).
"""
from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from dl_parity.flags import Flag, check_declared, declared

#: model name -> class (filled by :func:`register`; :mod:`dl_parity.models` imports every
#: model module so that all of them are here)
REGISTRY: dict[str, type["Model"]] = {}

#: run settings every model takes (seed, float type, log lines)
UNIVERSAL = ("seed", "dtype", "log_every")


def register(cls):
    """Class decorator: put a model class in :data:`REGISTRY` under ``cls.name``."""
    if not getattr(cls, "name", None):
        raise TypeError(f"{cls.__name__}: a registered model needs a name")
    if cls.name in REGISTRY and REGISTRY[cls.name] is not cls:
        raise ValueError(f"model name {cls.name!r} registered twice ({REGISTRY[cls.name]} "
                         f"and {cls})")
    REGISTRY[cls.name] = cls
    return cls


@dataclass
class Evaluation:
    """What ``model.evaluate(side, data)`` found.

    ``columns``: the summary table of ``dl-parity train`` (label -> this side's value as
    printed, None where it does not exist, ``notes[label]`` saying why); ``lines``: the
    report of ``dl-parity evaluate`` (accuracies with their m, a confusion matrix, names).
    """
    columns: dict[str, str | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


class Model:
    """Base of every model (see the module doc); subclasses are frozen dataclasses."""

    name: ClassVar[str] = ""
    #: run settings beyond :data:`UNIVERSAL` this model accepts (Settings / Optim fields)
    takes: ClassVar[tuple[str, ...]] = ("learning_rate", "iterations", "epochs", "batch_size",
                                        "lr_drop_epoch")
    #: whether ``dl-parity sample`` draws from it (then it has ``sample(side, data, n, seed)``)
    samples: ClassVar[bool] = False
    #: the word its report uses for the training cost ("cost", "loss")
    cost_word: ClassVar[str] = "cost"
    #: whether the bench times its NumPy side (the course form) beside its fast path
    bench_course_form: ClassVar[bool] = False
    #: whether ``evaluate --plot`` has a figure of it (``evaluation_plot``)
    plots_evaluation: ClassVar[bool] = False
    #: whether ``train --cuda-graphs`` can replay its torch step from a CUDA graph (a side
    #: with ``net``, ``optimizer`` and ``criterion`` whose step is :meth:`TorchSide.train_step`)
    cuda_graphs: ClassVar[bool] = False
    #: whether ``dl-parity train`` prints the evaluation's ``lines`` after its summary (a
    #: model whose evaluation is words, not numbers in the summary's columns)
    prints_evaluation: ClassVar[bool] = False

    def __post_init__(self):
        check_declared(self)

    # ------------------------------------------------------------ config
    def config(self) -> dict[str, Any]:
        """The fields as JSON-able values (tuples become lists)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Model":
        """The model these fields describe (lists become the fields' tuples); a field this
        class does not have is a ValueError, as is any value its checks refuse."""
        if not isinstance(config, Mapping):
            raise ValueError(f"config: expected the {cls.name} model's fields as a JSON "
                             f"object, got {type(config).__name__}")
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(config) - set(names))
        if unknown:
            raise ValueError(f"config: the {cls.name} model has no field "
                             f"{', '.join(unknown)} (its fields: {', '.join(names)})")
        hints = typing.get_type_hints(cls)
        return cls(**{k: _from_json(v, hints.get(k)) for k, v in config.items()})

    def to_json(self) -> str:
        return json.dumps(self.config(), sort_keys=True)

    @classmethod
    def from_legacy(cls, data: Mapping[str, np.ndarray]) -> tuple["Model", tuple[str, ...]]:
        """The model of a checkpoint of a first format (no ``config`` entry), and the
        entries that described it there; ValueError when ``data`` is not one."""
        raise ValueError(f"the {cls.name} model has no checkpoint format without a config")

    @staticmethod
    def legacy_entries(data: Mapping[str, np.ndarray], keys: tuple[str, ...]) -> None:
        """ValueError unless every entry ``keys`` of a first-format checkpoint is there."""
        missing = [k for k in keys if k not in data]
        if missing:
            raise ValueError(f"missing {', '.join(missing)} (found keys "
                             f"{', '.join(sorted(data))})")

    @classmethod
    def flags(cls) -> dict[str, Flag]:
        """The fields a user sets from the command line, with their flags."""
        return declared(cls)

    # ------------------------------------------------------------ what it is
    def describe(self) -> str:
        return f"{self.name} {self.config()}"

    def initial_parameters(self, seed: int) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def init_description(self, seed: int) -> str:
        return f"seed {seed}"

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """{key: shape} of the course's dict (default: the shapes of a fresh draw)."""
        return {k: np.shape(v) for k, v in self.initial_parameters(1).items()}

    def shapes_note(self) -> str:
        """What fixes the shapes, for messages ("layer_dims [2, 4, 1]")."""
        return f"the {self.name} model {self.config()}"

    def check_parameters(self, parameters: Mapping[str, np.ndarray]) -> None:
        """ValueError unless ``parameters`` has exactly the keys and shapes of
        :meth:`parameter_shapes` (what a checkpoint must hold)."""
        shapes = self.parameter_shapes()
        missing = [k for k in shapes if k not in parameters]
        if missing:
            raise ValueError(f"missing {', '.join(missing)} for {self.shapes_note()} (expected "
                             f"{', '.join(shapes)})")
        extra = sorted(k for k in parameters if k not in shapes)
        if extra:
            raise ValueError(f"unexpected arrays {', '.join(extra)} for {self.shapes_note()} "
                             f"(expected {', '.join(shapes)})")
        for key, shape in shapes.items():
            got = np.shape(parameters[key])
            if got != tuple(shape):
                raise ValueError(f"{key} should be {tuple(shape)} for {self.shapes_note()}, "
                                 f"got {got}")

    # ------------------------------------------------------------ training
    def side(self, impl: str, parameters, dtype="float64", device="cpu", optim=None):
        """The engine's side ``impl`` ("numpy" or "torch"), loaded with ``parameters``."""
        raise NotImplementedError

    def for_settings(self, settings) -> "Model":
        """The model to train with ``settings`` (:class:`dl_parity.settings.Settings`):
        itself, or a ValueError naming the field that cannot go with them."""
        return self

    def fit_data(self, data) -> "Model":
        """The model to train on ``data``: itself fitted to it (e.g. the vocabulary it
        reads), or a ValueError saying why ``data`` cannot fit (default: :meth:`check_data`)."""
        self.check_data(data)
        return self

    def check_data(self, data) -> None:
        """A ValueError unless this model (e.g. a checkpoint's) reads ``data`` as it is."""

    def check_dataset(self, dataset: str) -> None:
        """A ValueError if the data set ``dataset`` cannot fit, known before loading it."""

    @classmethod
    def load_data(cls, spec, data_dir=None, download: bool = True):
        """The model's data, as its ``source`` and ``evaluate`` read it (``spec``: what the
        recipe names; ``data_dir``: --data-dir; ``download``: whether a public data set that
        is absent may be fetched). Raises UsageError when files are missing. The data
        object has ``name``, ``describe()`` (for the run's first line) and ``astype(dtype)``."""
        raise NotImplementedError

    def source(self, plan, data):
        """The engine's batch source over ``data`` for ``plan`` (:class:`dl_parity.training.Plan`)."""
        raise NotImplementedError

    def report(self, plan, data, listeners=()):
        """The engine callback making this model's log rows (:class:`dl_parity.callbacks.Report`)."""
        from dl_parity.callbacks import CostReport

        return CostReport(plan.full_batch, plan.log_every, listeners, self.cost_word)

    def evaluate(self, side, data) -> Evaluation:
        return Evaluation()

    def plots(self, stem: str, suffix: str, plan, data, sides) -> list:
        """Figures beyond the learning curves that ``train --plot`` draws (paths written)."""
        return []

    def evaluation_plot(self, path, side, data, dataset: str):
        """The figure ``evaluate --plot`` draws; ValueError if the model has none."""
        raise ValueError(f"plot: the {self.name} model has no evaluation figure")

    def lockstep_note(self, plan, report, history, sides) -> str:
        """A closing remark on the two sides' agreement (e.g. where they parted)."""
        return ""

    # ------------------------------------------------------------ bench (optional)
    def bench_batch(self, m: int, dtype, seed: int = 0) -> tuple:
        """A synthetic batch of m examples in the course's layout (what ``prepare`` takes)."""
        raise NotImplementedError

    def fast_path(self, parameters, dtype):
        """The NumPy fast path (``step(*batch, learning_rate)``), or None: the bench then
        times the course form (this model's NumPy side). A model whose fast path has its
        own optimizer takes ``optim`` too (``fast_path(parameters, dtype, optim=None)``; the
        bench passes the workload's); a fast path with ``takes_masks`` is handed the step's
        shared randomness (``extra``) after the batch."""
        return None

    def flops(self, m: int, needed: bool = False) -> int | None:
        """GEMM FLOPs of one training step on m examples (``needed``: without products
        nothing uses), or None when not counted."""
        return None

    def minimum_memory(self, m: int, dtype) -> int | None:
        """Bytes one training step needs at least, or None when not derived."""
        return None

    def bench_note(self, name: str, m: int) -> str:
        """A line under the bench's table saying what the workload ``name`` times."""
        flops = self.flops(m)
        return (f"{name}: {self.describe()}, m = {m}; NumPy: the engine's NumPy side (the "
                f"course form); FLOPs not counted." if flops is None else "")


# ----------------------------------------------------------------------------- the sides
class NumpySide:
    """Plumbing of a NumPy side: the course's dict in ``dtype``, the optimizer's rate of
    the current epoch, contiguous batches, predictions in chunks of examples."""

    name = "numpy"
    chunk = 10000

    def __init__(self, model, parameters, dtype, optim):
        self.model, self.optim, self.epoch = model, optim, 0
        self.dtype = np.dtype(dtype)
        self.parameters = {k: np.array(v, dtype=self.dtype) for k, v in parameters.items()}

    @property
    def learning_rate(self) -> float:
        """alpha of the current epoch (the optimizer's schedule or decay)."""
        return self.optim.rate(self.epoch)

    def prepare(self, X, Y, extra=None):
        """The batch as is, copied into contiguous memory if it is a slice (same values;
        BLAS reads contiguous columns about twice as fast)."""
        return np.ascontiguousarray(X), np.ascontiguousarray(Y)

    def end_epoch(self, epoch: int) -> None:
        self.epoch = epoch + 1

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.parameters

    def output(self, X) -> np.ndarray:
        """A[L] (n_y, m) for examples in columns."""
        raise NotImplementedError

    def predict(self, X) -> np.ndarray:
        """Labels (m,), computed ``chunk`` examples at a time (the last axis)."""
        out = [self.output(np.ascontiguousarray(X[..., i:i + self.chunk]))
               for i in range(0, X.shape[-1], self.chunk)]
        return self.model.labels(np.concatenate(out, axis=-1))


class TorchSide:
    """Plumbing of a torch side: device and dtype, the optimizer and its per-epoch
    schedule from one :class:`~dl_parity.models.optim.Optim`, the course's columns as
    torch's rows, targets as the loss takes them, predictions in chunks."""

    name = "torch"
    chunk = 10000

    def __init__(self, model, dtype, device, optim):
        import torch

        self.model, self.optim = model, optim
        self.device = torch.device(device)
        self.dtype = getattr(torch, np.dtype(dtype).name)
        self.optimizer = self.scheduler = None
        self.graphed = None

    def use_cuda_graphs(self) -> None:
        """Replay each training step from a CUDA graph (:class:`torch_ref.graphs.GraphedStep`:
        the same kernels as the eager step; plain SGD on CUDA only, else ValueError)."""
        from torch_ref.graphs import GraphedStep

        self.graphed = GraphedStep(self.net, self.optimizer, self.criterion)

    def train_step(self, X, y):
        """zero_grad, forward, loss, backward, optimizer step: the cost (0-d tensor), eager
        (``torch_ref.train.train_step``) or replayed from the side's CUDA graph."""
        if self.graphed is not None:
            return self.graphed(X, y)
        from torch_ref.train import train_step

        return train_step(self.net, self.optimizer, X, y, self.criterion)

    def make_optimizer(self, params) -> None:
        """``optim``'s torch.optim optimizer over ``params`` and its LambdaLR schedule."""
        self.optimizer, self.scheduler = self.optim.torch_optimizer(params)

    def end_epoch(self, epoch: int) -> None:
        if self.scheduler is not None:
            self.scheduler.step()

    def rows(self, X):
        """The course's X (n_x, m) as torch's (m, n_x) on the side's device and dtype."""
        import torch

        return torch.from_numpy(np.ascontiguousarray(X.T)).to(self.device, self.dtype)

    def target(self, Y):
        """What the loss takes: Y.T (m, n_y) floats for a sigmoid output, class indices
        argmax(Y) (m,) for one-hot (C, m) softmax labels (nn.CrossEntropyLoss)."""
        import torch

        if self.model.output_activation == "sigmoid":
            return torch.from_numpy(np.ascontiguousarray(Y.T)).to(self.device, self.dtype)
        return torch.from_numpy(np.argmax(Y, axis=0)).to(self.device)

    def prepare(self, X, Y, extra=None):
        return self.rows(X), self.target(Y)

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.net.course_parameters()

    def output(self, X) -> np.ndarray:
        """A[L] (n_y, m): the network in evaluation mode, without gradients."""
        import torch

        self.net.eval()
        try:
            with torch.no_grad():
                return self.net(self.rows(X)).cpu().numpy().T
        finally:
            self.net.train()

    def predict(self, X) -> np.ndarray:
        out = [self.output(X[..., i:i + self.chunk]) for i in range(0, X.shape[-1], self.chunk)]
        return self.model.labels(np.concatenate(out, axis=-1))


# ----------------------------------------------------------------------------- JSON
def _jsonable(value):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def _from_json(value, hint):
    """Lists back to tuples where the field is a tuple."""
    if isinstance(value, list) and hint is not None and (
            typing.get_origin(hint) is tuple or hint is tuple):
        return tuple(_from_json(v, None) for v in value)
    return value


def optim_or_default(optim, learning_rate: float = 1.0):
    """``optim``, or plain gradient descent at ``learning_rate`` (a side built without one)."""
    if optim is not None:
        return optim
    from dl_parity.models.optim import Optim

    return Optim(learning_rate)


def data_file(shipped_root, spec, data_dir, what: str) -> Path:
    """A text file a model reads: ``shipped_root/spec`` (shipped with the project), or with
    ``--data-dir DIR`` DIR/<its name> or DIR/<spec>; ``what`` names it in the error."""
    from dl_parity.errors import UsageError

    if data_dir is None:
        return Path(shipped_root) / spec
    for candidate in (Path(data_dir) / Path(spec).name, Path(data_dir) / spec):
        if candidate.is_file():
            return candidate
    raise UsageError(f"--data-dir {data_dir}: no {Path(spec).name} there (nor {spec}); leave "
                     f"--data-dir out to use the shipped {what}")
