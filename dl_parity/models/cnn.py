"""The course-4 CNN (CONV-RELU-MAXPOOL x 2 -> FC softmax) as a model.

NumPy side: ``scratch.fast_conv.CNN`` (im2col forward, hand-derived backward, the course's
update). Torch side: ``torch_ref.cnn.CNN`` (nn.Conv2d, nn.MaxPool2d, nn.Linear),
``nn.CrossEntropyLoss`` on the logits, ``torch.optim.SGD``.

Layouts, converted here for batches and in torch_ref.cnn for weights: the course's MNIST
X (784, m) (one image per column, pixels in (h, w, c) order) becomes torch's NCHW
(m, 1, 28, 28) with ``torch_ref.cnn.columns_to_nchw``; one-hot Y (10, m) becomes class
indices (m,). Max-pool ties go to the first maximum on both sides (PyTorch's rule; see
the catalog entry c4.pool_backward_max).

The course's dict (a checkpoint's arrays): W1 (f, f, n_C0, n_C1), b1 (1, 1, 1, n_C1),
W2 (f, f, n_C1, n_C2), b2 (1, 1, 1, n_C2), W3 (n_y, n_flat), b3 (n_y, 1), the FC
columns in (h, w, c) order; the convolutions are "same" (stride 1, pad (f - 1) // 2),
each followed by a 2 x 2 max pool, so n_flat = (n_H / 4)(n_W / 4) n_C2.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scratch.fast_conv import CNN as NumpyNet, initialize_parameters_cnn

from .base import NumpySide, TorchSide, optim_or_default, register
from .classifier import Classifier

POOL = 2


@register
@dataclass(frozen=True)
class CNN(Classifier):
    image_shape: tuple[int, int, int] = (28, 28, 1)
    channels: tuple[int, int] = (8, 16)
    f: int = 5
    n_y: int = 10

    name = "cnn"
    output_activation = "softmax"
    takes = ("learning_rate", "epochs", "batch_size", "lr_drop_epoch")
    cuda_graphs = True

    def __post_init__(self):
        super().__post_init__()
        sizes = (*self.image_shape, *self.channels, self.f, self.n_y)
        if len(self.image_shape) != 3 or len(self.channels) != 2 or not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1
                for n in sizes):
            raise ValueError(f"image_shape, channels, f, n_y: expected (n_H, n_W, n_C0), "
                             f"(n_C1, n_C2), f and n_y positive integers, got "
                             f"{self.image_shape}, {self.channels}, {self.f}, {self.n_y}")
        if min(self.feature_shape()[:2]) < 1:
            raise ValueError(f"image_shape: images {self.image_shape} are too small for two "
                             f"conv {self.f}x{self.f} + max pool {POOL} blocks")

    def describe(self) -> str:
        c1, c2 = self.channels
        return (f"{'x'.join(map(str, self.image_shape))} -> conv {self.f}x{self.f}x{c1} relu "
                f"maxpool 2 -> conv {self.f}x{self.f}x{c2} relu maxpool 2 -> {self.n_y} (softmax)")

    def io_sizes(self) -> tuple[int, int]:
        return int(np.prod(self.image_shape)), self.n_y

    def io_text(self) -> str:
        return (f"the CNN reads {'x'.join(map(str, self.image_shape))} images into "
                f"{self.n_y} classes")

    def feature_shape(self) -> tuple[int, int, int]:
        """(h, w, n_C2) of P2, what the FC layer flattens: each block is a "same" conv
        (stride 1, pad (f - 1) // 2) then a 2 x 2 max pool."""
        h, w, _ = self.image_shape
        pad = (self.f - 1) // 2
        for _ in range(2):
            h = (h + 2 * pad - self.f + 1 - POOL) // POOL + 1
            w = (w + 2 * pad - self.f + 1 - POOL) // POOL + 1
        return h, w, self.channels[1]

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        (c1, c2), f, n_C0 = self.channels, self.f, self.image_shape[2]
        return {"W1": (f, f, n_C0, c1), "b1": (1, 1, 1, c1), "W2": (f, f, c1, c2),
                "b2": (1, 1, 1, c2), "W3": (self.n_y, int(np.prod(self.feature_shape()))),
                "b3": (self.n_y, 1)}

    def shapes_note(self) -> str:
        return f"the CNN {self.describe()}"

    @classmethod
    def from_legacy(cls, data) -> tuple["CNN", tuple[str, ...]]:
        """The first CNN checkpoints: ``model = "cnn"`` and ``image_shape`` (int64 (3,)), the
        other sizes read off the arrays."""
        cls.legacy_entries(data, ("image_shape", "W1", "W2", "W3"))
        return cls.from_arrays(np.asarray(data["image_shape"]).ravel(), data), ("image_shape",)

    @classmethod
    def from_arrays(cls, image_shape, parameters) -> "CNN":
        """The CNN whose sizes are read off its arrays (f, n_C1, n_C2, n_y) for images of
        ``image_shape``: how a checkpoint of the first format is read."""
        f, _, _, c1 = np.shape(parameters["W1"])
        return cls(tuple(int(n) for n in image_shape), (int(c1), int(np.shape(parameters["W2"])[3])),
                   int(f), int(np.shape(parameters["W3"])[0]))

    def initial_parameters(self, seed: int) -> dict[str, np.ndarray]:
        return initialize_parameters_cnn(self.image_shape, self.channels, self.f, self.n_y,
                                         seed=seed)

    def init_description(self, seed: int) -> str:
        return (f"np.random.seed({seed}); He: W = randn * sqrt(2 / fan_in), b = 0 "
                f"(scratch.fast_conv.initialize_parameters_cnn)")

    def side(self, impl: str, parameters, dtype="float64", device="cpu", optim=None):
        optim = optim_or_default(optim)
        if impl == "numpy":
            return NumpyCNN(self, parameters, dtype, optim)
        return TorchCNN(self, parameters, dtype, device, optim)

    # ------------------------------------------------------------ bench
    def fast_path(self, parameters, dtype):
        """scratch.fast_conv.CNN itself: the NumPy side is already the im2col fast path."""
        return NumpyNet({k: np.asarray(v, dtype) for k, v in parameters.items()},
                        self.image_shape, pool=POOL, dtype=np.dtype(dtype))

    def products(self) -> list[tuple[int, int, int]]:
        """(rows, inner, cols) of the three forward GEMMs, per example: conv l is
        (n_H n_W) x (f f c_prev) x c_l (im2col), the FC layer 1 x n_flat x n_y."""
        n_H, n_W, c = self.image_shape
        out = []
        for c_next in self.channels:              # "same" conv (stride 1), then the pool
            out.append((n_H * n_W, self.f * self.f * c, c_next))
            n_H, n_W, c = n_H // POOL, n_W // POOL, c_next
        out.append((1, n_H * n_W * c, self.n_y))
        return out

    def flops(self, m: int, needed: bool = False) -> int:
        """Each forward GEMM, 2 m rows inner cols, three times: the forward product, the
        weight gradient (dW = cols^T dZ) and the input gradient (dcols = dZ W^T); ``needed``
        leaves out conv 1's input gradient (nothing uses dA[0] = dX). ReLU, pooling, im2col
        and the softmax are not counted (memory traffic, no GEMM)."""
        total = 3 * 2 * m * sum(r * k * c for r, k, c in self.products())
        rows, inner, cols = self.products()[0]
        return total - 2 * m * rows * inner * cols if needed else total

    def bench_note(self, name: str, m: int) -> str:
        (p1, k1, c1), (p2, k2, c2), (_, k3, c3) = self.products()
        return (f"{name}: {self.describe()}, m = {m}; NumPy scratch.fast_conv.CNN.step (im2col "
                f"GEMMs) vs torch_ref.cnn.CNN + CrossEntropyLoss + SGD (train_step). GFLOP/s from "
                f"the GEMMs only, 3 x forward = 3 x 2 m ({p1}x{k1}x{c1} + {p2}x{k2}x{c2} + "
                f"{k3}x{c3}) = {self.flops(m) / 1e6:.1f} MFLOP a step; needed (no dA[0] of conv "
                f"1): {self.flops(m, True) / 1e6:.1f} MFLOP. Min mem: CNN.theoretical_memory "
                f"(parameters + gradients + X, A1, P1, A2, P2, A3, Y; not the im2col matrices).")

    def minimum_memory(self, m: int, dtype) -> int:
        """scratch.fast_conv.CNN.theoretical_memory: parameters + gradients + X, A1, P1, A2,
        P2, A3, Y (not the im2col matrices)."""
        return self.fast_path(self.initial_parameters(1), dtype).theoretical_memory(m)


class NumpyCNN(NumpySide):
    chunk = 1000          # im2col of 10000 images at once would take gigabytes

    def __init__(self, model: CNN, parameters, dtype, optim):
        super().__init__(model, parameters, dtype, optim)
        self.net = NumpyNet(self.parameters, model.image_shape, dtype=self.dtype)

    def step(self, batch) -> float:
        X, Y = batch
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return float(self.net.step(X, Y, self.learning_rate))

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.net.course_parameters()

    def output(self, X) -> np.ndarray:
        """A3 (n_y, m), the softmax (a copy: the net reuses its buffers)."""
        return np.array(self.net.forward(X))


class TorchCNN(TorchSide):
    chunk = 1000

    def __init__(self, model: CNN, parameters, dtype, device, optim):
        import torch
        from torch_ref.cnn import CNN as TorchNet

        super().__init__(model, dtype, device, optim)
        self.net = TorchNet(model.image_shape, model.channels, model.f, n_classes=model.n_y,
                            device=self.device, dtype=self.dtype)
        self.net.load_course_parameters(parameters)
        self.make_optimizer(self.net.parameters())
        self.criterion = torch.nn.CrossEntropyLoss()

    def rows(self, X):
        """The course's columns (784, m) as NCHW images (m, 1, 28, 28)."""
        from torch_ref.cnn import columns_to_nchw

        return columns_to_nchw(np.ascontiguousarray(X), self.model.image_shape).to(
            self.device, self.dtype)

    def step(self, batch) -> float:
        X, y = batch
        return self.train_step(X, y).item()
