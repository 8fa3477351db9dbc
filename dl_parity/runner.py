"""The lockstep training engine behind ``dl-parity train`` and ``dl-parity evaluate``.

Both implementations start from the same parameter dict (scratch's initialiser draws
it; the torch model loads it) and take the same gradient-descent steps on the same
batches, one step each in turn:

    for each step:   cost_numpy = numpy.step(X{t}, Y{t});  cost_torch = torch.step(X{t}, Y{t})

Full batch (planar, cat): every step is one iteration on all of (X, Y), as the course
trains. Mini-batch (MNIST): each epoch e cuts (X, Y) with the course's
``random_mini_batches(X, Y, batch_size, seed + e)`` and feeds the same list of batches,
in the same order, to both sides.

Layouts: data here is the course's, one example per column (X (n_x, m), Y (n_y, m));
the torch side transposes each batch to torch's rows-are-examples layout itself.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from scratch import deep_nn, multiclass, shallow_nn
from torch_ref.models import DeepNet, PlanarNet
from torch_ref.train import train_step

DATASETS = ("planar", "cat", "mnist")
IMPLS = ("numpy", "torch")


@dataclass(frozen=True)
class ModelSpec:
    """What a network is: sizes, activations and the data set it was built for."""
    dataset: str
    layer_dims: tuple[int, ...]
    hidden_activation: str
    output_activation: str           # "sigmoid" (binary) or "softmax" (C classes)

    @property
    def L(self) -> int:
        return len(self.layer_dims) - 1

    @property
    def is_course_shallow(self) -> bool:
        """The week-3 network (one tanh hidden layer, sigmoid out): scratch.shallow_nn."""
        return self.L == 2 and self.hidden_activation == "tanh" \
            and self.output_activation == "sigmoid"

    def describe(self) -> str:
        dims = self.layer_dims
        hidden = " -> ".join(f"{n} ({self.hidden_activation})" for n in dims[1:-1])
        return " -> ".join(p for p in (str(dims[0]), hidden,
                                       f"{dims[-1]} ({self.output_activation})") if p)


@dataclass(frozen=True)
class Defaults:
    """A data set's course settings (what ``dl-parity train`` does with no options)."""
    layer_dims: tuple[int, ...]
    hidden_activation: str
    output_activation: str
    learning_rate: float
    iterations: int | None           # full-batch steps, or None for mini-batch training
    epochs: int | None
    batch_size: int | None           # None: full batch
    seed: int
    dtype: str
    log_every: int                   # full batch: iterations between log lines
    lr_drop_epoch: int | None = None  # mini-batch: lr x 0.1 from this epoch (1-based) on


DEFAULTS = {
    # the week-3 assignment: np.random.seed(2), W = randn * 0.01, lr 1.2, 10000 iterations
    "planar": Defaults((2, 4, 1), "tanh", "sigmoid", 1.2, 10000, None, None, 2, "float64", 1000),
    # the week-4 application: L_layer_model's initialisation and rate
    "cat": Defaults((12288, 20, 7, 5, 1), "relu", "sigmoid", 0.0075, 2500, None, None, 1,
                    "float64", 100),
    # beyond course 1: He initialisation, mini-batch SGD (batch 64), learning rate 0.2 for
    # six epochs then 0.02 for four (step decay, course 2); float64 so the two sides can
    # be held to float64's tolerance over all 9380 steps. Measured (10 epochs, test
    # accuracy at the end, seeds 1/2/3): [784, 256, 128, 10] with this schedule 98.29 /
    # 98.24 / 98.19 %; [784, 128, 64, 10] with it 97.80 / 98.10 / 98.02 %, and at a constant
    # lr 0.1 97.85 / - / - % (plain SGD at a constant rate ends where its noise puts it,
    # +-0.3 % from epoch to epoch): the wider net with the drop clears 98 % for every seed.
    "mnist": Defaults((784, 256, 128, 10), "relu", "softmax", 0.2, None, 10, 64, 1, "float64", 0,
                      lr_drop_epoch=7),
}


# ----------------------------------------------------------------------------- data
@dataclass
class Data:
    """A data set in the course's layout, labels both as the cost wants them and as integers.

    X_*: (n_x, m) float; Y_*: (1, m) of 0./1. (binary) or one-hot (C, m) (MNIST);
    y_*: (m,) int64 class labels, for accuracies; X_test is None where there is no test set.
    """
    name: str
    X_train: np.ndarray
    Y_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray | None
    Y_test: np.ndarray | None
    y_test: np.ndarray | None
    classes: tuple[str, ...]
    image_shape: tuple[int, ...] | None   # (64, 64, 3) cat, (28, 28) MNIST, None planar

    @property
    def n_x(self) -> int:
        return self.X_train.shape[0]

    @property
    def n_y(self) -> int:
        return self.Y_train.shape[0]

    def astype(self, dtype) -> "Data":
        cast = (lambda a: None if a is None else a.astype(dtype, copy=False))
        return Data(self.name, cast(self.X_train), cast(self.Y_train), self.y_train,
                    cast(self.X_test), cast(self.Y_test), self.y_test, self.classes,
                    self.image_shape)


def binary_data(name, X_train, Y_train, X_test, Y_test, classes, image_shape) -> Data:
    y_train = np.asarray(Y_train).reshape(-1).astype(np.int64)
    y_test = None if Y_test is None else np.asarray(Y_test).reshape(-1).astype(np.int64)
    return Data(name, X_train, np.asarray(Y_train, dtype=np.float64).reshape(1, -1), y_train,
                X_test, None if Y_test is None else
                np.asarray(Y_test, dtype=np.float64).reshape(1, -1), y_test,
                tuple(classes), image_shape)


def multiclass_data(name, X_train, y_train, X_test, y_test, C, image_shape) -> Data:
    return Data(name, X_train, multiclass.one_hot(y_train, C), np.asarray(y_train),
                X_test, multiclass.one_hot(y_test, C), np.asarray(y_test),
                tuple(str(k) for k in range(C)), image_shape)


#: n_x and n_y of each data set, known without loading it (to check --layers first)
SHAPES = {"planar": (2, 1), "cat": (12288, 1), "mnist": (784, 10)}


def load_data(dataset: str, root=None) -> Data:
    """Load a data set with :func:`dl_parity.data.load_numpy` (float64, the course's layout).

    Raises ``UsageError`` (from dl_parity.data) when its files are missing or unreadable.
    """
    from dl_parity.data import ensure_mnist, load_numpy

    if dataset == "mnist":
        root = ensure_mnist(root)
    loaded = load_numpy(dataset, root)
    if dataset == "planar":
        X, Y = loaded
        return binary_data("planar", X, Y, None, None, ("red", "blue"), None)
    if dataset == "cat":
        X_train, Y_train, X_test, Y_test, classes = loaded
        names = tuple(c.decode() if isinstance(c, bytes) else str(c) for c in classes)
        return binary_data("cat", X_train, Y_train, X_test, Y_test, names, (64, 64, 3))
    X_train, y_train, X_test, y_test = loaded
    return multiclass_data("mnist", X_train, y_train, X_test, y_test, 10, (28, 28))


# ----------------------------------------------------------------------------- initial weights
def initial_parameters(spec: ModelSpec, seed: int) -> dict[str, np.ndarray]:
    """scratch's initialiser for the data set (the torch side loads the same dict).

    planar, 2 layers: ``np.random.seed(seed)`` then ``shallow_nn.initialize_parameters``
    (randn * 0.01, the week-3 notebook); deeper planar nets and cat:
    ``deep_nn.initialize_parameters_scaled`` (randn / sqrt(n[l-1])); MNIST:
    ``multiclass.initialize_parameters_he`` (randn * sqrt(2 / n[l-1])).
    """
    dims = list(spec.layer_dims)
    if spec.output_activation == "softmax":
        return multiclass.initialize_parameters_he(dims, seed=seed)
    if spec.is_course_shallow:
        np.random.seed(seed)
        return shallow_nn.initialize_parameters(*dims)
    return deep_nn.initialize_parameters_scaled(dims, seed=seed)


# ----------------------------------------------------------------------------- the two sides
def init_description(spec: ModelSpec, seed: int) -> str:
    """One line saying how :func:`initial_parameters` draws the weights."""
    if spec.output_activation == "softmax":
        return (f"np.random.seed({seed}); W[l] = randn * sqrt(2 / n[l-1]), b = 0 "
                f"(scratch.multiclass.initialize_parameters_he)")
    if spec.is_course_shallow:
        return (f"np.random.seed({seed}); W = randn * 0.01, b = 0 "
                f"(scratch.shallow_nn.initialize_parameters)")
    return (f"np.random.seed({seed}); W[l] = randn / sqrt(n[l-1]), b = 0 "
            f"(scratch.deep_nn.initialize_parameters_scaled)")


class NumpyNet:
    """scratch's side: the course's parameter dict, one hand-derived gradient step at a time."""

    name = "numpy"

    def __init__(self, spec: ModelSpec, parameters: dict[str, np.ndarray], dtype):
        self.spec = spec
        self.parameters = {k: np.array(v, dtype=dtype) for k, v in parameters.items()}

    def prepare(self, X, Y):
        """The batch as is, copied into contiguous memory if it is a slice (same values;
        BLAS reads contiguous columns about twice as fast)."""
        return np.ascontiguousarray(X), np.ascontiguousarray(Y)

    def step(self, batch, learning_rate: float) -> float:
        """forward, cost, backward, update (the course's four lines); returns the cost."""
        X, Y = batch
        p, spec = self.parameters, self.spec
        # NaN and inf are caught by the engine (it checks every cost); no warnings here
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            if spec.is_course_shallow:
                A2, cache = shallow_nn.forward_propagation(X, p)
                cost = shallow_nn.compute_cost(A2, Y)
                grads = shallow_nn.backward_propagation(p, cache, X, Y)
                self.parameters = shallow_nn.update_parameters(p, grads, learning_rate)
            elif spec.output_activation == "sigmoid":
                AL, caches = deep_nn.L_model_forward(X, p, spec.hidden_activation)
                cost = deep_nn.compute_cost(AL, Y)
                grads = deep_nn.L_model_backward(AL, Y, caches, spec.hidden_activation)
                self.parameters = deep_nn.update_parameters(p, grads, learning_rate)
            else:
                AL, caches = multiclass.L_model_forward_multiclass(X, p, spec.hidden_activation)
                cost = multiclass.compute_cost_multiclass(AL, Y)
                grads = multiclass.L_model_backward_multiclass(AL, Y, caches,
                                                               spec.hidden_activation)
                self.parameters = deep_nn.update_parameters(p, grads, learning_rate)
        return float(cost)

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.parameters

    def output(self, X) -> np.ndarray:
        """A[L], (n_y, m): the sigmoid's or the softmax's probabilities."""
        p, spec = self.parameters, self.spec
        if spec.is_course_shallow:
            return shallow_nn.forward_propagation(X, p)[0]
        if spec.output_activation == "sigmoid":
            return deep_nn.L_model_forward(X, p, spec.hidden_activation)[0]
        return multiclass.L_model_forward_multiclass(X, p, spec.hidden_activation)[0]

    def predict(self, X) -> np.ndarray:
        """Labels (m,): 1 where A[L] > 0.5 (binary), argmax_k A[L]_k (softmax)."""
        p, spec = self.parameters, self.spec
        if spec.is_course_shallow:
            return shallow_nn.predict(p, X).reshape(-1).astype(np.int64)
        if spec.output_activation == "sigmoid":
            return deep_nn.predict_labels(X, p, spec.hidden_activation).reshape(-1).astype(np.int64)
        return multiclass.predict_multiclass(X, p, spec.hidden_activation).astype(np.int64)


class TorchNet:
    """torch_ref's side: an nn.Module loaded with the same dict, autograd and optim.SGD.

    The cost is ``nn.BCELoss`` on the sigmoid output (the course's), or
    ``nn.CrossEntropyLoss`` on the logits for a softmax output.
    """

    name = "torch"

    def __init__(self, spec: ModelSpec, parameters: dict[str, np.ndarray], dtype,
                 device: str = "cpu", learning_rate: float = 0.0):
        self.spec = spec
        self.device = torch.device(device)
        self.dtype = getattr(torch, np.dtype(dtype).name)
        if spec.is_course_shallow:
            n_x, n_h, n_y = spec.layer_dims
            self.model = PlanarNet(n_x, n_h, n_y, device=self.device, dtype=self.dtype)
        else:
            self.model = DeepNet(spec.layer_dims, spec.hidden_activation, device=self.device,
                                 dtype=self.dtype, output=spec.output_activation)
        self.model.load_course_parameters(parameters)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=learning_rate)
        self.criterion = nn.BCELoss() if spec.output_activation == "sigmoid" \
            else nn.CrossEntropyLoss()

    def _X(self, X) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(X.T)).to(self.device, self.dtype)

    def prepare(self, X, Y):
        """The course's (n_x, m), (n_y, m) as torch's (m, n_x) and the loss's target."""
        if self.spec.output_activation == "sigmoid":
            target = torch.from_numpy(np.ascontiguousarray(Y.T)).to(self.device, self.dtype)
        else:   # one-hot (C, m) -> class indices (m,), what nn.CrossEntropyLoss takes
            target = torch.from_numpy(np.argmax(Y, axis=0)).to(self.device)
        return self._X(X), target

    def step(self, batch, learning_rate: float) -> float:
        X, target = batch
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate
        if self.spec.output_activation == "sigmoid":
            return train_step(self.model, self.optimizer, X, target, self.criterion).item()
        self.optimizer.zero_grad(set_to_none=True)
        cost = self.criterion(self.model.logits(X), target)
        cost.backward()
        self.optimizer.step()
        return cost.item()

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.model.course_parameters()

    @torch.no_grad()
    def output(self, X) -> np.ndarray:
        return self.model(self._X(X)).cpu().numpy().T

    @torch.no_grad()
    def predict(self, X) -> np.ndarray:
        A = self.model(self._X(X))
        if self.spec.output_activation == "sigmoid":
            return (A > 0.5).to(torch.int64).reshape(-1).cpu().numpy()
        return torch.argmax(A, dim=1).cpu().numpy()


def build(impl: str, spec: ModelSpec, parameters, dtype, device="cpu"):
    if impl == "numpy":
        return NumpyNet(spec, parameters, dtype)
    return TorchNet(spec, parameters, dtype, device)


# ----------------------------------------------------------------------------- the engine
@dataclass
class TrainConfig:
    learning_rate: float
    iterations: int | None = None    # full batch: number of steps
    epochs: int | None = None        # mini-batch: number of passes over the data
    batch_size: int | None = None
    seed: int = 0
    log_every: int = 1000            # full batch only; mini-batch logs once an epoch
    lr_drop_epoch: int | None = None  # mini-batch: learning rate x 0.1 from this epoch on

    def learning_rate_at(self, epoch: int) -> float:
        """alpha for epoch (1-based): step decay, alpha x 0.1 from ``lr_drop_epoch`` on."""
        if self.lr_drop_epoch is not None and epoch >= self.lr_drop_epoch:
            return self.learning_rate * 0.1
        return self.learning_rate


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


@dataclass
class History:
    costs: dict[str, list[float]] = field(default_factory=dict)   # every step, each side
    rows: list[LogRow] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    steps_done: int = 0


class Diverged(Exception):
    """A cost or parameter became NaN or inf; the message names the side and the step."""

    def __init__(self, message: str, last_good_row: LogRow | None):
        super().__init__(message)
        self.last_good_row = last_good_row


def max_parameter_difference(a: dict, b: dict) -> tuple[float, str]:
    """max over l of max |a[W_l] - b[W_l]|, |a[b_l] - b[b_l]|, and where it is."""
    best, where = 0.0, next(iter(a))
    for key in a:
        d = float(np.max(np.abs(np.asarray(a[key], dtype=np.float64)
                                - np.asarray(b[key], dtype=np.float64))))
        if d > best or np.isnan(d):
            best, where = d, key
    return best, where


def _check_finite_parameters(net, where: str, last_row):
    for key, value in net.course_parameters().items():
        if not np.isfinite(value).all():
            raise Diverged(f"{net.name}: {key} holds NaN or inf after {where}", last_row)


def train(nets: list, data: Data, config: TrainConfig,
          on_step: Callable[[float, dict], None] | None = None,
          on_log: Callable[[LogRow], None] | None = None) -> History:
    """Train every net in ``nets`` in lockstep; returns the history.

    ``on_step(progress, costs)`` after every step (progress in iterations, or in epochs
    as a float); ``on_log(row)`` at every log line, after its step's update (where the
    command saves its checkpoint). Raises :class:`Diverged` at the first NaN or inf.
    """
    hist = History(costs={n.name: [] for n in nets}, seconds={n.name: 0.0 for n in nets})
    last_row: list[LogRow | None] = [None]

    def one_step(prepared, where, learning_rate=config.learning_rate):
        costs = {}
        for net, batch in zip(nets, prepared):
            t0 = time.perf_counter()
            cost = net.step(batch, learning_rate)
            hist.seconds[net.name] += time.perf_counter() - t0
            if not np.isfinite(cost):
                raise Diverged(f"{net.name}: the cost became {cost} at {where} (learning rate "
                               f"{learning_rate:g} too large?)", last_row[0])
            hist.costs[net.name].append(cost)
            costs[net.name] = cost
        hist.steps_done += 1
        return costs

    def log(step, costs, where):
        for net in nets:
            _check_finite_parameters(net, where, last_row[0])
        diff = None
        if len(nets) == 2:
            diff = max_parameter_difference(nets[0].course_parameters(),
                                            nets[1].course_parameters())
        row = LogRow(step, costs, diff)
        hist.rows.append(row)
        if on_log:
            on_log(row)
        last_row[0] = row

    if config.epochs is None:                          # full batch: the course's loop
        prepared = [net.prepare(data.X_train, data.Y_train) for net in nets]
        n = config.iterations
        for i in range(n):
            costs = one_step(prepared, f"iteration {i}")
            if on_step:
                on_step(i + 1, costs)
            if i % config.log_every == 0 or i == n - 1:
                log(i, costs, f"iteration {i}")
        return hist

    m = data.X_train.shape[1]
    for epoch in range(config.epochs):
        batches = multiclass.random_mini_batches(data.X_train, data.Y_train,
                                                 config.batch_size, config.seed + epoch)
        totals = {net.name: 0.0 for net in nets}
        alpha = config.learning_rate_at(epoch + 1)
        for t, (X_t, Y_t) in enumerate(batches):
            prepared = [net.prepare(X_t, Y_t) for net in nets]
            costs = one_step(prepared, f"epoch {epoch + 1}, batch {t + 1} of {len(batches)}",
                             alpha)
            for name, c in costs.items():
                totals[name] += c * X_t.shape[1]
            if on_step:
                on_step(epoch + (t + 1) / len(batches), costs)
        log(epoch + 1, {name: total / m for name, total in totals.items()},
            f"epoch {epoch + 1}")
    return hist


def accuracy(net, X, y) -> float:
    """Fraction of examples whose predicted label equals y."""
    return float(np.mean(net.predict(X) == y))


def confusion_matrix(y_true, y_pred, C: int) -> np.ndarray:
    """M[i, j] = number of examples of class i predicted as class j."""
    M = np.zeros((C, C), dtype=np.int64)
    np.add.at(M, (y_true, y_pred), 1)
    return M
