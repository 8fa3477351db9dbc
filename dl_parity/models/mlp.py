"""The course-1 networks (planar, cat, MNIST's softmax MLP) as one model description.

NumPy side: the course's four lines per step (scratch's forward, cost, backward,
update). Torch side: ``DeepNet`` (or ``PlanarNet``), ``nn.BCELoss`` on the sigmoid's
probabilities or ``nn.CrossEntropyLoss`` on the logits, ``torch.optim.SGD``.

Layouts, converted here and nowhere else: the course's X (n_x, m), Y (n_y, m) (one-hot
(C, m) for softmax) become torch's X (m, n_x) and the loss's target, Y.T for BCELoss,
class indices argmax(Y) (m,) for CrossEntropyLoss. The parameter dict is the course's on
both sides (``DeepNet.load_course_parameters`` / ``course_parameters``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from scratch import deep_nn, multiclass, shallow_nn
from torch_ref.models import DeepNet, PlanarNet
from torch_ref.train import criterion_for, train_step

from .optim import Optim


@dataclass(frozen=True)
class MLP:
    """What a network is: sizes and activations (the engine's model description)."""
    layer_dims: tuple[int, ...]
    hidden_activation: str = "relu"
    output_activation: str = "sigmoid"    # "sigmoid" (binary) or "softmax" (C classes)

    name = "mlp"

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

    # ------------------------------------------------------------ initial weights
    def initial_parameters(self, seed: int) -> dict[str, np.ndarray]:
        """scratch's initialiser (the torch side loads the same dict).

        planar (2 layers, tanh): ``np.random.seed(seed)``, ``shallow_nn.initialize_parameters``
        (randn * 0.01, the week-3 notebook); other sigmoid nets:
        ``deep_nn.initialize_parameters_scaled`` (randn / sqrt(n[l-1])); softmax:
        ``multiclass.initialize_parameters_he`` (randn * sqrt(2 / n[l-1])).
        """
        dims = list(self.layer_dims)
        if self.output_activation == "softmax":
            return multiclass.initialize_parameters_he(dims, seed=seed)
        if self.is_course_shallow:
            np.random.seed(seed)
            return shallow_nn.initialize_parameters(*dims)
        return deep_nn.initialize_parameters_scaled(dims, seed=seed)

    def init_description(self, seed: int) -> str:
        if self.output_activation == "softmax":
            return (f"np.random.seed({seed}); W[l] = randn * sqrt(2 / n[l-1]), b = 0 "
                    f"(scratch.multiclass.initialize_parameters_he)")
        if self.is_course_shallow:
            return (f"np.random.seed({seed}); W = randn * 0.01, b = 0 "
                    f"(scratch.shallow_nn.initialize_parameters)")
        return (f"np.random.seed({seed}); W[l] = randn / sqrt(n[l-1]), b = 0 "
                f"(scratch.deep_nn.initialize_parameters_scaled)")

    # ------------------------------------------------------------ the two sides
    def numpy_side(self, parameters, dtype, optim: Optim) -> "NumpyMLP":
        return NumpyMLP(self, parameters, dtype, optim)

    def torch_side(self, parameters, dtype, device, optim: Optim) -> "TorchMLP":
        return TorchMLP(self, parameters, dtype, device, optim)

    def side(self, impl: str, parameters, dtype, device="cpu", optim: Optim | None = None):
        optim = optim or Optim(1.0)
        if impl == "numpy":
            return self.numpy_side(parameters, dtype, optim)
        return self.torch_side(parameters, dtype, device, optim)


class NumpyMLP:
    """scratch's side: the course's parameter dict, one hand-derived gradient step at a time."""

    name = "numpy"

    def __init__(self, model: MLP, parameters, dtype, optim: Optim):
        self.model, self.optim, self.epoch = model, optim, 0
        self.parameters = {k: np.array(v, dtype=dtype) for k, v in parameters.items()}

    def prepare(self, X, Y, extra=None):
        """The batch as is, copied into contiguous memory if it is a slice (same values;
        BLAS reads contiguous columns about twice as fast)."""
        return np.ascontiguousarray(X), np.ascontiguousarray(Y)

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
            self.parameters = deep_nn.update_parameters(p, grads, self.optim.rate(self.epoch))
        return float(cost)

    def end_epoch(self, epoch: int) -> None:
        self.epoch = epoch + 1

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.parameters

    def output(self, X) -> np.ndarray:
        """A[L], (n_y, m): the sigmoid's or the softmax's probabilities."""
        p, model = self.parameters, self.model
        if model.is_course_shallow:
            return shallow_nn.forward_propagation(X, p)[0]
        if model.output_activation == "sigmoid":
            return deep_nn.L_model_forward(X, p, model.hidden_activation)[0]
        return multiclass.L_model_forward_multiclass(X, p, model.hidden_activation)[0]

    def predict(self, X) -> np.ndarray:
        """Labels (m,): 1 where A[L] > 0.5 (binary), argmax_k A[L]_k (softmax)."""
        A = self.output(X)
        if self.model.output_activation == "sigmoid":
            return (A > 0.5).reshape(-1).astype(np.int64)
        return np.argmax(A, axis=0).astype(np.int64)


class TorchMLP:
    """torch_ref's side: an nn.Module loaded with the same dict, autograd and torch.optim."""

    name = "torch"

    def __init__(self, model: MLP, parameters, dtype, device, optim: Optim):
        self.model = model
        self.device = torch.device(device)
        self.dtype = getattr(torch, np.dtype(dtype).name)
        if model.is_course_shallow:
            self.net = PlanarNet(*model.layer_dims, device=self.device, dtype=self.dtype)
        else:
            self.net = DeepNet(model.layer_dims, model.hidden_activation, device=self.device,
                               dtype=self.dtype, output=model.output_activation)
        self.net.load_course_parameters(parameters)
        self.optimizer, self.scheduler = optim.torch_optimizer(self.net.parameters())
        self.criterion = criterion_for(model.output_activation)

    def _X(self, X) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(X.T)).to(self.device, self.dtype)

    def prepare(self, X, Y, extra=None):
        """The course's (n_x, m), (n_y, m) as torch's (m, n_x) and the loss's target."""
        if self.model.output_activation == "sigmoid":
            target = torch.from_numpy(np.ascontiguousarray(Y.T)).to(self.device, self.dtype)
        else:   # one-hot (C, m) -> class indices (m,), what nn.CrossEntropyLoss takes
            target = torch.from_numpy(np.argmax(Y, axis=0)).to(self.device)
        return self._X(X), target

    def step(self, batch) -> float:
        X, target = batch
        return train_step(self.net, self.optimizer, X, target, self.criterion).item()

    def end_epoch(self, epoch: int) -> None:
        self.scheduler.step()

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.net.course_parameters()

    @torch.no_grad()
    def output(self, X) -> np.ndarray:
        return self.net(self._X(X)).cpu().numpy().T

    @torch.no_grad()
    def predict(self, X) -> np.ndarray:
        A = self.net(self._X(X))
        if self.model.output_activation == "sigmoid":
            return (A > 0.5).to(torch.int64).reshape(-1).cpu().numpy()
        return torch.argmax(A, dim=1).cpu().numpy()
