"""The course-1 networks (logistic regression, planar, cat, MNIST's softmax MLP) as one model.

NumPy side: the course's four lines per step (scratch's forward, cost, backward,
update). Torch side: ``DeepNet`` (or ``PlanarNet``), ``nn.BCELoss`` on the sigmoid's
probabilities or ``nn.CrossEntropyLoss`` on the logits, ``torch.optim.SGD``.

Layouts, converted here and nowhere else: the course's X (n_x, m), Y (n_y, m) (one-hot
(C, m) for softmax) become torch's X (m, n_x) and the loss's target, Y.T for BCELoss,
class indices argmax(Y) (m,) for CrossEntropyLoss (:class:`~dl_parity.models.base.TorchSide`).
The parameter dict is the course's on both sides (``DeepNet.load_course_parameters`` /
``course_parameters``). torch and torch_ref are imported where the torch side is built
(as in every model module), so NumPy-only work never loads them.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from scratch import deep_nn, logistic_regression, multiclass, shallow_nn

from ..flags import option
from .base import NumpySide, TorchSide, optim_or_default, register
from .classifier import Classifier

#: the flag of the layer sizes (the MLP's and the course-2 network's)
LAYERS = dict(kind="ints", name="--layers", metavar="N0,N1,...,NL", low=2,
              expect="at least two positive sizes (input, ..., output)")


@register
@dataclass(frozen=True)
class MLP(Classifier):
    """What a network is: sizes and activations; ``init="zeros"`` starts a one-layer net
    (logistic regression) from w = 0, b = 0, as the week-2 assignment does."""
    layer_dims: tuple[int, ...] = option(
        dataclasses.MISSING, "layer sizes, input first (default: the data set's course "
                             "model, e.g. 12288,20,7,5,1 for cat)", **LAYERS)
    hidden_activation: str = "relu"
    output_activation: str = "sigmoid"    # "sigmoid" (binary) or "softmax" (C classes)
    init: str = "course"                  # "course" (see initial_parameters) or "zeros"

    name = "mlp"
    bench_course_form = True
    cuda_graphs = True

    def __post_init__(self):
        super().__post_init__()
        if self.output_activation not in ("sigmoid", "softmax"):
            raise ValueError(f"output_activation: expected 'sigmoid' or 'softmax', got "
                             f"{self.output_activation!r}")
        if self.init not in ("course", "zeros") or (self.init == "zeros" and self.L != 1):
            raise ValueError(f"init: expected 'course', or 'zeros' for a network without a "
                             f"hidden layer (logistic regression), got {self.init!r} with "
                             f"layer_dims {list(self.layer_dims)}")

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

    def io_sizes(self) -> tuple[int, int]:
        return self.layer_dims[0], self.layer_dims[-1]

    def io_text(self) -> str:
        return f"layer_dims: the layers {','.join(map(str, self.layer_dims))}"

    def check_sizes(self, n_x: int, n_y: int, dataset: str) -> None:
        """The first size must be the data's n_x, the last its number of output units."""
        dims = self.layer_dims
        if dims[0] != n_x:
            raise ValueError(f"layer_dims: the first size must be the input size of {dataset}, "
                             f"n_x = {n_x}; got {dims[0]} (layers {','.join(map(str, dims))})")
        if dims[-1] != n_y:
            what = "one sigmoid unit" if n_y == 1 else f"{n_y} softmax units, one per class"
            raise ValueError(f"layer_dims: the last size must be {n_y} for {dataset} ({what}); "
                             f"got {dims[-1]} (layers {','.join(map(str, dims))})")

    def shapes_note(self) -> str:
        return f"layer_dims {list(self.layer_dims)}"

    @classmethod
    def from_legacy(cls, data) -> tuple["MLP", tuple[str, ...]]:
        """The first MLP checkpoints: no ``model`` entry, ``layer_dims`` (int64 (L + 1,)) and
        the two activations (0-d strings) beside W1, b1, ..., WL, bL."""
        keys = ("layer_dims", "hidden_activation", "output_activation")
        cls.legacy_entries(data, keys)
        dims = tuple(int(n) for n in np.asarray(data["layer_dims"]).ravel())
        return cls(dims, str(data["hidden_activation"]), str(data["output_activation"])), keys

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """W[l] (n[l], n[l-1]), b[l] (n[l], 1) for l = 1..L."""
        dims = self.layer_dims
        return {key: shape for l in range(1, len(dims))
                for key, shape in ((f"W{l}", (dims[l], dims[l - 1])), (f"b{l}", (dims[l], 1)))}

    # ------------------------------------------------------------ initial weights
    def initial_parameters(self, seed: int) -> dict[str, np.ndarray]:
        """scratch's initialiser (the torch side loads the same dict).

        planar (2 layers, tanh): ``np.random.seed(seed)``, ``shallow_nn.initialize_parameters``
        (randn * 0.01, the week-3 notebook); other sigmoid nets:
        ``deep_nn.initialize_parameters_scaled`` (randn / sqrt(n[l-1])); softmax:
        ``multiclass.initialize_parameters_he`` (randn * sqrt(2 / n[l-1])); ``init="zeros"``:
        ``logistic_regression.initialize_with_zeros`` (W1 = w^T, b1 = [[b]]).
        """
        dims = list(self.layer_dims)
        if self.init == "zeros":
            w, b = logistic_regression.initialize_with_zeros(dims[0])
            return {"W1": w.T.copy(), "b1": np.full((1, 1), b)}
        if self.output_activation == "softmax":
            return multiclass.initialize_parameters_he(dims, seed=seed)
        if self.is_course_shallow:
            np.random.seed(seed)
            return shallow_nn.initialize_parameters(*dims)
        return deep_nn.initialize_parameters_scaled(dims, seed=seed)

    def init_description(self, seed: int) -> str:
        if self.init == "zeros":
            return "w = 0, b = 0 (scratch.logistic_regression.initialize_with_zeros)"
        if self.output_activation == "softmax":
            return (f"np.random.seed({seed}); W[l] = randn * sqrt(2 / n[l-1]), b = 0 "
                    f"(scratch.multiclass.initialize_parameters_he)")
        if self.is_course_shallow:
            return (f"np.random.seed({seed}); W = randn * 0.01, b = 0 "
                    f"(scratch.shallow_nn.initialize_parameters)")
        return (f"np.random.seed({seed}); W[l] = randn / sqrt(n[l-1]), b = 0 "
                f"(scratch.deep_nn.initialize_parameters_scaled)")

    # ------------------------------------------------------------ the two sides
    def side(self, impl: str, parameters, dtype="float64", device="cpu", optim=None):
        optim = optim_or_default(optim)
        if impl == "numpy":
            return NumpyMLP(self, parameters, dtype, optim)
        return TorchMLP(self, parameters, dtype, device, optim)

    # ------------------------------------------------------------ bench
    def fast_path(self, parameters, dtype):
        """scratch.fast_nn.MLP: preallocated buffers, GEMMs with out=, in-place activations."""
        from scratch.fast_nn import MLP as FastMLP

        return FastMLP({k: np.asarray(v, dtype) for k, v in parameters.items()},
                       self.hidden_activation, self.output_activation)

    def flops(self, m: int, needed: bool = False) -> int:
        """2 m n[l] n[l-1] per layer forward, twice that backward: 6 m sum n[l] n[l-1];
        ``needed``: less dA[0] = W[1]^T dZ[1] (2 m n[1] n[0]), which neither side computes."""
        dims = self.layer_dims
        total = 6 * m * sum(a * b for a, b in zip(dims[:-1], dims[1:]))
        return total - 2 * m * dims[0] * dims[1] if needed else total

    def minimum_memory(self, m: int, dtype) -> int:
        """Parameters + gradients + A[0..L] + Y of one batch (scratch.fast_nn)."""
        from scratch.fast_nn import theoretical_memory

        return theoretical_memory(self.layer_dims, m, dtype)


class NumpyMLP(NumpySide):
    """scratch's side: the course's parameter dict, one hand-derived gradient step at a time."""

    def step(self, batch) -> float:
        """forward, cost, backward, update (the course's four lines); returns the cost."""
        X, Y = batch
        p, model = self.parameters, self.model
        # NaN and inf are caught by the engine (it checks every cost); no warnings here
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            if model.is_course_shallow:
                A2, cache = shallow_nn.forward_propagation(X, p)
                cost = shallow_nn.compute_cost(A2, Y)
                grads = shallow_nn.backward_propagation(p, cache, X, Y)
            elif model.output_activation == "sigmoid":
                AL, caches = deep_nn.L_model_forward(X, p, model.hidden_activation)
                cost = deep_nn.compute_cost(AL, Y)
                grads = deep_nn.L_model_backward(AL, Y, caches, model.hidden_activation)
            else:
                AL, caches = multiclass.L_model_forward_multiclass(X, p, model.hidden_activation)
                cost = multiclass.compute_cost_multiclass(AL, Y)
                grads = multiclass.L_model_backward_multiclass(AL, Y, caches,
                                                               model.hidden_activation)
            self.parameters = deep_nn.update_parameters(p, grads, self.learning_rate)
        return float(cost)

    def output(self, X) -> np.ndarray:
        """A[L], (n_y, m): the sigmoid's or the softmax's probabilities."""
        p, model = self.parameters, self.model
        if model.is_course_shallow:
            return shallow_nn.forward_propagation(X, p)[0]
        if model.output_activation == "sigmoid":
            return deep_nn.L_model_forward(X, p, model.hidden_activation)[0]
        return multiclass.L_model_forward_multiclass(X, p, model.hidden_activation)[0]


class TorchMLP(TorchSide):
    """torch_ref's side: an nn.Module loaded with the same dict, autograd and torch.optim."""

    def __init__(self, model: MLP, parameters, dtype, device, optim):
        from torch_ref.models import DeepNet, PlanarNet
        from torch_ref.train import criterion_for

        super().__init__(model, dtype, device, optim)
        if model.is_course_shallow:
            self.net = PlanarNet(*model.layer_dims, device=self.device, dtype=self.dtype)
        else:
            self.net = DeepNet(model.layer_dims, model.hidden_activation, device=self.device,
                               dtype=self.dtype, output=model.output_activation)
        self.net.load_course_parameters(parameters)
        self.make_optimizer(self.net.parameters())
        self.criterion = criterion_for(model.output_activation)

    def step(self, batch) -> float:
        X, target = batch
        return self.train_step(X, target).item()

