"""The course-4 CNN (CONV-RELU-MAXPOOL x 2 -> FC softmax) as a model description.

NumPy side: ``scratch.fast_conv.CNN`` (im2col forward, hand-derived backward, the course's
update). Torch side: ``torch_ref.cnn.CNN`` (nn.Conv2d, nn.MaxPool2d, nn.Linear),
``nn.CrossEntropyLoss`` on the logits, ``torch.optim.SGD``.

Layouts, converted here for batches and in torch_ref.cnn for weights: the course's MNIST
X (784, m) (one image per column, pixels in (h, w, c) order) becomes torch's NCHW
(m, 1, 28, 28) with ``torch_ref.cnn.columns_to_nchw``; one-hot Y (10, m) becomes class
indices (m,). Max-pool ties go to the first maximum on both sides (PyTorch's rule; see
the catalog entry c4.pool_backward_max).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from scratch.fast_conv import CNN as NumpyNet, initialize_parameters_cnn
from torch_ref.cnn import CNN as TorchNet, columns_to_nchw
from torch_ref.train import train_step

from .optim import Optim


@dataclass(frozen=True)
class CNN:
    image_shape: tuple[int, int, int] = (28, 28, 1)
    channels: tuple[int, int] = (8, 16)
    f: int = 5
    n_y: int = 10

    name = "cnn"
    output_activation = "softmax"

    def describe(self) -> str:
        c1, c2 = self.channels
        return (f"{'x'.join(map(str, self.image_shape))} -> conv {self.f}x{self.f}x{c1} relu "
                f"maxpool 2 -> conv {self.f}x{self.f}x{c2} relu maxpool 2 -> {self.n_y} (softmax)")

    def initial_parameters(self, seed: int) -> dict[str, np.ndarray]:
        return initialize_parameters_cnn(self.image_shape, self.channels, self.f, self.n_y,
                                         seed=seed)

    def init_description(self, seed: int) -> str:
        return (f"np.random.seed({seed}); He: W = randn * sqrt(2 / fan_in), b = 0 "
                f"(scratch.fast_conv.initialize_parameters_cnn)")

    def side(self, impl: str, parameters, dtype, device="cpu", optim: Optim | None = None):
        optim = optim or Optim(1.0)
        if impl == "numpy":
            return NumpyCNN(self, parameters, dtype, optim)
        return TorchCNN(self, parameters, dtype, device, optim)


class NumpyCNN:
    name = "numpy"

    def __init__(self, model: CNN, parameters, dtype, optim: Optim):
        self.model, self.optim, self.epoch = model, optim, 0
        self.net = NumpyNet(parameters, model.image_shape, dtype=np.dtype(dtype))

    def prepare(self, X, Y, extra=None):
        return np.ascontiguousarray(X), np.ascontiguousarray(Y)

    def step(self, batch) -> float:
        X, Y = batch
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return float(self.net.step(X, Y, self.optim.rate(self.epoch)))

    def end_epoch(self, epoch: int) -> None:
        self.epoch = epoch + 1

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.net.course_parameters()

    def predict(self, X) -> np.ndarray:
        out = [self.net.predict(np.ascontiguousarray(X[:, i:i + 1000]))
               for i in range(0, X.shape[1], 1000)]
        return np.concatenate(out).astype(np.int64)


class TorchCNN:
    name = "torch"

    def __init__(self, model: CNN, parameters, dtype, device, optim: Optim):
        self.model = model
        self.device = torch.device(device)
        self.dtype = getattr(torch, np.dtype(dtype).name)
        self.net = TorchNet(model.image_shape, model.channels, model.f, n_classes=model.n_y,
                            device=self.device, dtype=self.dtype)
        self.net.load_course_parameters(parameters)
        self.optimizer, self.scheduler = optim.torch_optimizer(self.net.parameters())
        self.criterion = torch.nn.CrossEntropyLoss()

    def _X(self, X) -> torch.Tensor:
        return columns_to_nchw(np.ascontiguousarray(X), self.model.image_shape).to(
            self.device, self.dtype)

    def prepare(self, X, Y, extra=None):
        return self._X(X), torch.from_numpy(np.argmax(Y, axis=0)).to(self.device)

    def step(self, batch) -> float:
        X, y = batch
        return train_step(self.net, self.optimizer, X, y, self.criterion).item()

    def end_epoch(self, epoch: int) -> None:
        self.scheduler.step()

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.net.course_parameters()

    @torch.no_grad()
    def predict(self, X) -> np.ndarray:
        out = [torch.argmax(self.net.logits(self._X(X[:, i:i + 1000])), dim=1).cpu().numpy()
               for i in range(0, X.shape[1], 1000)]
        return np.concatenate(out)
