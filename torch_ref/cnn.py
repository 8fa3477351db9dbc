"""Course 4, week 1 in PyTorch: ``nn.Conv2d``, ``nn.MaxPool2d``, ``nn.AvgPool2d`` and the
MNIST CNN, with the course's channels-last layout converted ONCE, here.

PyTorch is channels first (NCHW); the course is channels last (NHWC):

==========================  =============================  ==============================
what                        the course                     PyTorch
==========================  =============================  ==============================
activations A               (m, n_H, n_W, n_C)             (m, n_C, n_H, n_W)
conv filters W              (f, f, n_C_prev, n_C)          Conv2d.weight (n_C, n_C_prev, f, f)
conv bias b                 (1, 1, 1, n_C)                 Conv2d.bias (n_C,)
flatten of A (m, H, W, C)   column (h W + w) C + c         column (c H + h) W + w (nn.Flatten)
FC weight W3, bias b3       (n_y, H W C) in (h, w, c)      Linear.weight (n_y, C H W) in (c, h, w);
                            order; (n_y, 1)                Linear.bias (n_y,)
MNIST input X               (784, m), one image a column   (m, 1, 28, 28)
==========================  =============================  ==============================

Both sides flatten in their own natural order (no transpose of the activations
anywhere): the FC weight's columns are permuted instead, in :func:`course_fc_to_torch`
and its inverse :func:`torch_fc_to_course`. The conversions are exact (permutations
and reshapes only), so ``load_course_parameters`` then ``course_parameters`` gives
back the very same numbers.

Both compute a cross-correlation (no kernel flip): ``nn.Conv2d`` does what the course's
``conv_forward`` does. Pooling has no padding and rounds the output size down
(``ceil_mode=False``), the course's int((n - f) / s) + 1.

Max-pool ties: ``nn.MaxPool2d`` sends the gradient to ONE maximum per window (the
first in the window's row-major order), the course's ``pool_backward`` to every tied
maximum.

Memory layout: the NCHW tensors made here have the standard contiguous strides, also when
n_C = 1. A permuted NHWC array with one channel counts as contiguous for ``.contiguous()``
(size-1 dimensions' strides are ignored) yet keeps channels-last strides, and PyTorch then
picks its channels-last kernels: on CUDA in float64 its channels-last max-pool kernel
stopped with "misaligned address" (torch 2.11, H200; ``torch_ref.cnn._nchw`` fixes the
strides, ``parity_tests/test_conv.py::test_layout_has_standard_strides`` checks them).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn


# ----------------------------------------------------------------------------- layout, once
def _nchw(T: torch.Tensor) -> torch.Tensor:
    """A copy with the standard NCHW strides (what ``.contiguous()`` skips when n_C = 1)."""
    return T.clone(memory_format=torch.contiguous_format)


def nhwc_to_nchw(A) -> torch.Tensor:
    """Activations: the course's (m, n_H, n_W, n_C) -> PyTorch's (m, n_C, n_H, n_W) (contiguous,
    standard strides)."""
    return _nchw(torch.as_tensor(A).permute(0, 3, 1, 2))


def nchw_to_nhwc(A) -> torch.Tensor:
    """Activations: PyTorch's (m, n_C, n_H, n_W) -> the course's (m, n_H, n_W, n_C)."""
    return torch.as_tensor(A).permute(0, 2, 3, 1).contiguous()


def course_filter_to_torch(W) -> torch.Tensor:
    """Conv filters: the course's W (f, f, n_C_prev, n_C) -> Conv2d.weight (n_C, n_C_prev, f, f)."""
    return torch.as_tensor(W).permute(3, 2, 0, 1).contiguous()


def torch_filter_to_course(weight) -> torch.Tensor:
    """Conv2d.weight (n_C, n_C_prev, f, f) -> the course's W (f, f, n_C_prev, n_C)."""
    return torch.as_tensor(weight).permute(2, 3, 1, 0).contiguous()


def course_bias_to_torch(b) -> torch.Tensor:
    """Conv bias: the course's b (1, 1, 1, n_C) -> Conv2d.bias (n_C,)."""
    return torch.as_tensor(b).reshape(-1)


def torch_bias_to_course(bias) -> torch.Tensor:
    """Conv2d.bias (n_C,) -> the course's b (1, 1, 1, n_C)."""
    return torch.as_tensor(bias).reshape(1, 1, 1, -1)


def course_fc_to_torch(W, feature_shape) -> torch.Tensor:
    """FC weight after a flatten: the course's W (n_y, n_H n_W n_C), columns in (h, w, c)
    order (the flatten of an NHWC array), -> Linear.weight (n_y, n_C n_H n_W), columns in
    (c, h, w) order (``nn.Flatten`` of an NCHW tensor). feature_shape = (n_H, n_W, n_C)."""
    n_H, n_W, n_C = feature_shape
    W = torch.as_tensor(W)
    return W.reshape(-1, n_H, n_W, n_C).permute(0, 3, 1, 2).reshape(W.shape[0], -1).contiguous()


def torch_fc_to_course(weight, feature_shape) -> torch.Tensor:
    """The inverse of :func:`course_fc_to_torch`: columns (c, h, w) -> (h, w, c)."""
    n_H, n_W, n_C = feature_shape
    weight = torch.as_tensor(weight)
    return weight.reshape(-1, n_C, n_H, n_W).permute(0, 2, 3, 1).reshape(weight.shape[0], -1).contiguous()


def columns_to_nchw(X, image_shape) -> torch.Tensor:
    """Images stored one per column (the course's MNIST X, (n_H n_W n_C, m), pixels in
    (h, w, c) order) -> PyTorch's (m, n_C, n_H, n_W). image_shape = (n_H, n_W, n_C)."""
    n_H, n_W, n_C = image_shape
    X = torch.as_tensor(X)
    return _nchw(X.T.reshape(-1, n_H, n_W, n_C).permute(0, 3, 1, 2))


@torch.no_grad()
def conv2d_from_course(W, b, hparameters, device=None, dtype=None) -> nn.Conv2d:
    """An ``nn.Conv2d`` holding the course's filters W (f, f, n_C_prev, n_C) and bias
    b (1, 1, 1, n_C), with stride = hparameters["stride"] and padding = hparameters["pad"]
    (zero padding, as ``zero_pad``). Its weight and bias are leaves: read their ``.grad``."""
    f, _, n_C_prev, n_C = np.shape(W)
    conv = nn.Conv2d(n_C_prev, n_C, f, stride=hparameters["stride"], padding=hparameters["pad"],
                     device=device, dtype=dtype)
    conv.weight.copy_(course_filter_to_torch(W))
    conv.bias.copy_(course_bias_to_torch(b))
    return conv


# ----------------------------------------------------------------------------- the model
class CNN(nn.Module):
    r"""CONV -> ReLU -> MAXPOOL -> CONV -> ReLU -> MAXPOOL -> FLATTEN -> Linear -> softmax.

    .. math:: Z^{[1]} = W^{[1]} \star X + b^{[1]},\ A^{[1]} = \mathrm{ReLU}(Z^{[1]}),\
              P^{[1]} = \mathrm{maxpool}(A^{[1]}),\ \dots,\ Z^{[3]} = W^{[3]} \mathrm{flat}(P^{[2]}) + b^{[3]}

    Args:
        image_shape: (n_H, n_W, n_C) of one input image (MNIST: (28, 28, 1)).
        channels: (n_C of conv 1, n_C of conv 2).
        f: filter size of both convolutions (stride 1, zero padding ``pad``).
        pad: default (f - 1) // 2 (a "same" convolution for odd f).
        pool: window and stride of both max pools.
        n_classes: outputs of the last layer.

    Shape:
        - Input: (m, n_C, n_H, n_W), NCHW (``columns_to_nchw`` turns the course's MNIST
          columns into it).
        - Output: (m, n_classes), softmax probabilities (rows sum to 1).
        - ``logits(X)``: (m, n_classes), what ``nn.CrossEntropyLoss`` takes (the loss a
          PyTorch user trains it with: log-sum-exp of the logits, mean over the batch).

    Example::

        >>> net = CNN()
        >>> cost = nn.CrossEntropyLoss()(net.logits(torch.rand(64, 1, 28, 28)), y)
    """

    def __init__(self, image_shape=(28, 28, 1), channels=(8, 16), f=5, pad=None, pool=2,
                 n_classes=10, device=None, dtype=None):
        super().__init__()
        n_H, n_W, n_C = (int(n) for n in image_shape)
        pad = (f - 1) // 2 if pad is None else pad
        self.image_shape, self.channels, self.f, self.pad, self.pool = \
            (n_H, n_W, n_C), tuple(channels), f, pad, pool
        kw = {"device": device, "dtype": dtype}
        self.conv1 = nn.Conv2d(n_C, channels[0], f, stride=1, padding=pad, **kw)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(pool, stride=pool)
        self.conv2 = nn.Conv2d(channels[0], channels[1], f, stride=1, padding=pad, **kw)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(pool, stride=pool)
        self.flatten = nn.Flatten()
        for _ in range(2):                               # conv (stride 1) then pool, twice
            n_H = (n_H + 2 * pad - f + 1 - pool) // pool + 1
            n_W = (n_W + 2 * pad - f + 1 - pool) // pool + 1
        if n_H < 1 or n_W < 1:
            raise ValueError(f"image_shape {image_shape} is too small for two conv {f}x{f} "
                             f"(pad {pad}) + max pool {pool} blocks")
        #: (n_H, n_W, n_C) of the last pooled activation, what the FC layer flattens
        self.feature_shape = (n_H, n_W, channels[1])
        self.fc = nn.Linear(n_H * n_W * channels[1], n_classes, **kw)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, X: torch.Tensor, return_intermediates: bool = False):
        """Softmax probabilities (m, n_classes); with ``return_intermediates`` also a dict
        Z1, A1, P1, Z2, A2, P2 (NCHW) and Z3 (logits), still in the autograd graph."""
        n_H, n_W, n_C = self.image_shape
        if X.ndim != 4 or tuple(X.shape[1:]) != (n_C, n_H, n_W):
            raise ValueError(f"expected X of shape (m, {n_C}, {n_H}, {n_W}) (NCHW), "
                             f"got {tuple(X.shape)}")
        cache = {}
        cache["Z1"] = Z1 = self.conv1(X)
        cache["A1"] = A1 = self.relu1(Z1)
        cache["P1"] = P1 = self.pool1(A1)
        cache["Z2"] = Z2 = self.conv2(P1)
        cache["A2"] = A2 = self.relu2(Z2)
        cache["P2"] = P2 = self.pool2(A2)
        cache["Z3"] = Z3 = self.fc(self.flatten(P2))
        A3 = self.softmax(Z3)
        return (A3, cache) if return_intermediates else A3

    def logits(self, X: torch.Tensor) -> torch.Tensor:
        """Z3 (m, n_classes), before the softmax: the input of ``nn.CrossEntropyLoss``."""
        return self.forward(X, return_intermediates=True)[1]["Z3"]

    def extra_repr(self) -> str:
        return (f"image_shape={self.image_shape}, channels={self.channels}, f={self.f}, "
                f"pad={self.pad}, pool={self.pool}")

    # ------------------------------------------------------------ the course's parameter dict
    def _course_shapes(self):
        f, (n_C0), (c1, c2) = self.f, self.image_shape[2], self.channels
        n_y, n_flat = self.fc.weight.shape
        return {"W1": (f, f, n_C0, c1), "b1": (1, 1, 1, c1), "W2": (f, f, c1, c2),
                "b2": (1, 1, 1, c2), "W3": (n_y, n_flat), "b3": (n_y, 1)}

    @torch.no_grad()
    def load_course_parameters(self, parameters: Mapping[str, np.ndarray]) -> "CNN":
        """Copy the course's dict W1 (f, f, n_C0, n_C1), b1 (1, 1, 1, n_C1), W2, b2 (conv 2),
        W3 (n_y, n_flat) with columns in NHWC flatten order, b3 (n_y, 1) into the layers,
        through the conversions above. Exact; every shape is checked before the first copy."""
        shapes = self._course_shapes()
        missing = sorted(set(shapes) - set(parameters))
        if missing:
            raise ValueError(f"parameters: missing {missing}; expected {sorted(shapes)}")
        values = {}
        for key, shape in shapes.items():
            value = torch.as_tensor(np.asarray(parameters[key]))
            if tuple(value.shape) != shape:
                raise ValueError(f"parameters: {key} must have shape {shape}, got "
                                 f"{tuple(value.shape)}")
            values[key] = value
        self.conv1.weight.copy_(course_filter_to_torch(values["W1"]))
        self.conv1.bias.copy_(course_bias_to_torch(values["b1"]))
        self.conv2.weight.copy_(course_filter_to_torch(values["W2"]))
        self.conv2.bias.copy_(course_bias_to_torch(values["b2"]))
        self.fc.weight.copy_(course_fc_to_torch(values["W3"], self.feature_shape))
        self.fc.bias.copy_(values["b3"].reshape(-1))
        return self

    @torch.no_grad()
    def course_parameters(self) -> dict[str, np.ndarray]:
        """Export the course's dict W1, b1, W2, b2, W3, b3 (NumPy, the course's shapes)."""
        return {key: value.detach().cpu().numpy().copy() for key, value in self._as_course(
            lambda p: p).items()}

    def course_gradients(self) -> dict[str, np.ndarray]:
        """The ``.grad`` of every parameter in the course's layout: dW1, db1, ..., dW3, db3."""
        return {f"d{key}": value.detach().cpu().numpy().copy() for key, value in self._as_course(
            lambda p: p.grad).items()}

    def _as_course(self, read):
        return {"W1": torch_filter_to_course(read(self.conv1.weight)),
                "b1": torch_bias_to_course(read(self.conv1.bias)),
                "W2": torch_filter_to_course(read(self.conv2.weight)),
                "b2": torch_bias_to_course(read(self.conv2.bias)),
                "W3": torch_fc_to_course(read(self.fc.weight), self.feature_shape),
                "b3": read(self.fc.bias).reshape(-1, 1)}

    @classmethod
    def from_course_parameters(cls, parameters: Mapping[str, np.ndarray], image_shape=(28, 28, 1),
                               pad=None, pool=2, device=None, dtype=None) -> "CNN":
        """Build a CNN whose sizes are read off W1, W2, W3, and load the values."""
        W1, W2, W3 = (np.shape(parameters[k]) for k in ("W1", "W2", "W3"))
        if dtype is None:
            dtype = torch.float64 if np.asarray(parameters["W1"]).dtype == np.float64 else None
        net = cls(image_shape, (W1[3], W2[3]), W1[0], pad, pool, W3[0], device=device, dtype=dtype)
        return net.load_course_parameters(parameters)
