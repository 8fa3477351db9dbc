r"""Course 4, week 2: the ResNet identity and convolutional blocks as ``nn.Module``\ s
(``nn.Conv2d`` + ``nn.BatchNorm2d`` + ``nn.ReLU``), the course's Keras blocks layer for layer.

.. math:: A = \mathrm{ReLU}\big(\mathrm{BN}_3(W_3 \star \mathrm{ReLU}(\mathrm{BN}_2(W_2 \star
          \mathrm{ReLU}(\mathrm{BN}_1(W_1 \star X))))) + \text{shortcut}(X)\big)

Identity block: shortcut(X) = X. Convolutional block: the first 1x1 convolution has stride s,
and shortcut(X) = BN(1x1 conv with stride s (X)).

``train()`` normalises with the batch's statistics and updates the running ones (Keras's
``training=True``); ``eval()`` uses the running statistics (``training=False``). Against the
course: BatchNorm2d's ``momentum`` = 1 − Keras's momentum (0.99 -> 0.01), ``eps`` = Keras's
epsilon 0.001 (PyTorch's default is 1e-5), and ``running_var`` stores the unbiased
N/(N − 1) σ² with N = m n_H n_W (scratch's ``unbiased=True``). The convolutions keep their
bias, as the course's ``Conv2D`` layers do.

The course's dict (:meth:`load_course_parameters`, :meth:`course_parameters`,
:meth:`course_gradients`), for layer l in "1", "2", "3" (and "_shortcut")::

    W{l}             (f, f, n_C_in, F)   conv{l}.weight (F, n_C_in, f, f)
    b{l}             (1, 1, 1, F)        conv{l}.bias (F,)
    gamma{l}, beta{l}                    bn{l}.weight, bn{l}.bias
    running_mean{l}, running_var{l}      bn{l}.running_mean, bn{l}.running_var (buffers)
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from .cnn import course_bias_to_torch, course_filter_to_torch, torch_bias_to_course, \
    torch_filter_to_course

#: the course's names of a layer's tensors -> (module attribute, tensor name), and the
#: conversion of each kind between the course's layout and PyTorch's
_TENSORS = {"W": ("conv", "weight"), "b": ("conv", "bias"), "gamma": ("bn", "weight"),
            "beta": ("bn", "bias"), "running_mean": ("bn", "running_mean"),
            "running_var": ("bn", "running_var")}
_TO_TORCH = {"W": course_filter_to_torch}
_TO_COURSE = {"W": torch_filter_to_course}


class _Block(nn.Module):
    """The course's dict in and out, for the layers named in ``self.layers``."""

    layers: tuple[str, ...] = ()

    def _conv_bn(self, n_C_in, n_C, f, stride, padding, epsilon, beta, kw):
        return (nn.Conv2d(n_C_in, n_C, f, stride=stride, padding=padding, **kw),
                nn.BatchNorm2d(n_C, eps=epsilon, momentum=1 - beta, **kw))

    def _tensor(self, key: str, layer: str) -> torch.Tensor:
        module, name = _TENSORS[key]
        return getattr(getattr(self, f"{module}{layer}"), name)

    def _course_tensors(self):
        return {(key, layer): self._tensor(key, layer) for layer in self.layers for key in _TENSORS}

    @torch.no_grad()
    def load_course_parameters(self, parameters: Mapping[str, np.ndarray]):
        """Copy the course's dict in, exactly; every key and shape is checked first."""
        values = {}
        for (key, layer), t in self._course_tensors().items():
            name = f"{key}{layer}"
            if name not in parameters:
                raise ValueError(f"parameters: missing {name!r}; expected "
                                 f"{sorted(k + l for k, l in self._course_tensors())}")
            value = _TO_TORCH.get(key, course_bias_to_torch)(torch.as_tensor(
                np.asarray(parameters[name])))
            if value.shape != t.shape:
                raise ValueError(f"parameters: {name} does not fit this block: it maps to "
                                 f"{tuple(value.shape)}, the layer's is {tuple(t.shape)}")
            values[(key, layer)] = value
        for k, t in self._course_tensors().items():
            t.copy_(values[k])
        return self

    def _as_course(self, read) -> dict[str, np.ndarray]:
        out = {}
        for (key, layer), t in self._course_tensors().items():
            value = read(t)
            if value is None:
                continue
            out[f"{key}{layer}"] = _TO_COURSE.get(key, torch_bias_to_course)(
                value.detach()).cpu().numpy().copy()
        return out

    def course_parameters(self) -> dict[str, np.ndarray]:
        """The course's dict (NumPy, the course's shapes), running statistics included."""
        return self._as_course(lambda t: t)

    def course_gradients(self) -> dict[str, np.ndarray]:
        """``.grad`` of every trained tensor as the course's dW{l}, db{l}, dgamma{l}, dbeta{l}."""
        return {f"d{k}": v for k, v in self._as_course(lambda t: t.grad).items()
                if not k.startswith("running")}


class IdentityBlock(_Block):
    r"""The identity block: three Conv2d + BatchNorm2d (ReLU after the first two), the input
    added before the last ReLU.

    Args:
        n_C_prev: input channels (= F3).  f: the middle convolution's size (padding "same").
        filters: (F1, F2, F3).  epsilon: BatchNorm2d's eps (Keras's 0.001).
        beta: Keras's BN momentum (0.99); BatchNorm2d's momentum is 1 − beta.

    Shape:
        - Input: (m, n_C_prev, n_H, n_W), NCHW.
        - Output: (m, F3, n_H, n_W).
    """

    layers = ("1", "2", "3")

    def __init__(self, n_C_prev: int, f: int, filters: Sequence[int], epsilon: float = 0.001,
                 beta: float = 0.99, device=None, dtype=None):
        super().__init__()
        F1, F2, F3 = filters
        if F3 != n_C_prev:
            raise ValueError(f"filters: F3 must equal n_C_prev = {n_C_prev} (the input is added "
                             f"to the last convolution's output), got {tuple(filters)}")
        kw = {"device": device, "dtype": dtype}
        self.conv1, self.bn1 = self._conv_bn(n_C_prev, F1, 1, 1, "valid", epsilon, beta, kw)
        self.conv2, self.bn2 = self._conv_bn(F1, F2, f, 1, "same", epsilon, beta, kw)
        self.conv3, self.bn3 = self._conv_bn(F2, F3, 1, 1, "valid", epsilon, beta, kw)
        self.relu = nn.ReLU()

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        X_shortcut = X
        X = self.relu(self.bn1(self.conv1(X)))
        X = self.relu(self.bn2(self.conv2(X)))
        X = self.bn3(self.conv3(X))
        return self.relu(X + X_shortcut)


class ConvolutionalBlock(_Block):
    r"""The convolutional block: the identity block's layers with stride s in the first 1x1
    convolution, and Conv2d(1x1, stride s) + BatchNorm2d on the shortcut.

    Args: as :class:`IdentityBlock` (F3 free), and s, the stride.

    Shape:
        - Input: (m, n_C_prev, n_H_prev, n_W_prev).
        - Output: (m, F3, (n_H_prev − 1) // s + 1, (n_W_prev − 1) // s + 1).
    """

    layers = ("1", "2", "3", "_shortcut")

    def __init__(self, n_C_prev: int, f: int, filters: Sequence[int], s: int = 2,
                 epsilon: float = 0.001, beta: float = 0.99, device=None, dtype=None):
        super().__init__()
        F1, F2, F3 = filters
        kw = {"device": device, "dtype": dtype}
        self.conv1, self.bn1 = self._conv_bn(n_C_prev, F1, 1, s, "valid", epsilon, beta, kw)
        self.conv2, self.bn2 = self._conv_bn(F1, F2, f, 1, "same", epsilon, beta, kw)
        self.conv3, self.bn3 = self._conv_bn(F2, F3, 1, 1, "valid", epsilon, beta, kw)
        self.conv_shortcut, self.bn_shortcut = self._conv_bn(n_C_prev, F3, 1, s, "valid",
                                                             epsilon, beta, kw)
        self.relu = nn.ReLU()

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        X_shortcut = self.bn_shortcut(self.conv_shortcut(X))
        X = self.relu(self.bn1(self.conv1(X)))
        X = self.relu(self.bn2(self.conv2(X)))
        X = self.bn3(self.conv3(X))
        return self.relu(X + X_shortcut)
