"""The Keras layers of course 4's ResNet, MobileNet and U-Net assignments as PyTorch modules, with
the course's channels-last kernels converted ONCE, here (activations and Conv2D filters use
:mod:`torch_ref.cnn`'s conversions).

========================================  ==============================  ==========================================
what                                      the course (Keras, NHWC)        PyTorch
========================================  ==============================  ==========================================
Conv2D kernel                             (f, f, n_C_prev, n_C)           Conv2d.weight (n_C, n_C_prev, f, f)
DepthwiseConv2D kernel, multiplier d      (f, f, n_C_prev, d)             Conv2d(groups=n_C_prev).weight
                                                                          (n_C_prev d, 1, f, f); out channel c d + j
Conv2DTranspose kernel                    (f, f, n_C, n_C_prev)           ConvTranspose2d.weight (n_C_prev, n_C, f, f)
biases, BN gamma/beta/running statistics  (1, 1, 1, n_C)                  (n_C,)
BatchNormalization(axis=3, momentum=β,    batch statistics over           BatchNorm2d(eps=ε, momentum=1 − β);
epsilon=ε)                                (m, n_H, n_W) per channel       running_var keeps N/(N−1) σ², N = m n_H n_W
padding "valid" / "same" / p              Keras's (stride 1 for "same")   Conv2d(padding="valid" / "same" / p)
========================================  ==============================  ==========================================

Conv2DTranspose crops: PyTorch's ``padding=p, output_padding=op`` crops p rows before and
p − op after the full output ((n − 1) s + f rows); Keras's "same" gives n s rows by cropping
max(f − s, 0) // 2 before and the rest after, which ``output_padding`` cannot say when f − s is
odd (it would be −1): :class:`KerasConvTranspose2d` is ``nn.ConvTranspose2d`` with the
matching padding followed by dropping those last rows and columns.
"""
from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from .cnn import course_bias_to_torch, course_filter_to_torch


# ----------------------------------------------------------------------------- kernels, once
def depthwise_filter_to_torch(W) -> torch.Tensor:
    """DepthwiseConv2D kernel (f, f, n_C_prev, d) -> grouped Conv2d.weight (n_C_prev d, 1, f, f):
    output channel c d + j is filter j of input channel c (TensorFlow's order and PyTorch's)."""
    W = torch.as_tensor(W)
    f, _, n_C_prev, d = W.shape
    return W.reshape(f, f, n_C_prev * d).permute(2, 0, 1).unsqueeze(1).contiguous()


def torch_depthwise_filter_to_course(weight, depth_multiplier: int = 1) -> torch.Tensor:
    """Grouped Conv2d.weight (n_C_prev d, 1, f, f) -> (f, f, n_C_prev, d)."""
    weight = torch.as_tensor(weight)
    n, _, f, _ = weight.shape
    return weight[:, 0].permute(1, 2, 0).reshape(f, f, n // depth_multiplier,
                                                 depth_multiplier).contiguous()


def transpose_filter_to_torch(W) -> torch.Tensor:
    """Conv2DTranspose kernel (f, f, n_C, n_C_prev) -> ConvTranspose2d.weight (n_C_prev, n_C, f, f)."""
    return torch.as_tensor(W).permute(3, 2, 0, 1).contiguous()


def torch_transpose_filter_to_course(weight) -> torch.Tensor:
    """ConvTranspose2d.weight (n_C_prev, n_C, f, f) -> (f, f, n_C, n_C_prev)."""
    return torch.as_tensor(weight).permute(2, 3, 1, 0).contiguous()


def channels_to_course(v) -> torch.Tensor:
    """A per-channel vector (n_C,) -> the course's (1, 1, 1, n_C)."""
    return torch.as_tensor(v).reshape(1, 1, 1, -1)


# ----------------------------------------------------------------------------- layers
@torch.no_grad()
def conv2d(W, b, stride=1, padding="valid", device=None, dtype=None) -> nn.Conv2d:
    """``nn.Conv2d`` holding the course's W (f, f, n_C_prev, n_C) and b (1, 1, 1, n_C)
    (``b=None``: no bias); padding "valid", "same" (stride 1) or an integer."""
    f, _, n_C_prev, n_C = W.shape
    conv = nn.Conv2d(n_C_prev, n_C, f, stride=stride, padding=padding, bias=b is not None,
                     device=device, dtype=dtype)
    conv.weight.copy_(course_filter_to_torch(W))
    if b is not None:
        conv.bias.copy_(course_bias_to_torch(b))
    return conv


@torch.no_grad()
def depthwise_conv2d(W, b, stride=1, padding="valid", device=None, dtype=None) -> nn.Conv2d:
    """DepthwiseConv2D as ``nn.Conv2d(n_C_prev, n_C_prev d, f, groups=n_C_prev)``: each group
    sees one input channel (``b=None``: no bias, as inside SeparableConv2D)."""
    f, _, n_C_prev, d = W.shape
    conv = nn.Conv2d(n_C_prev, n_C_prev * d, f, stride=stride, padding=padding, groups=n_C_prev,
                     bias=b is not None, device=device, dtype=dtype)
    conv.weight.copy_(depthwise_filter_to_torch(W))
    if b is not None:
        conv.bias.copy_(course_bias_to_torch(b))
    return conv


def separable_conv2d(W_depthwise, W_pointwise, b, stride=1, padding="valid", device=None,
                     dtype=None) -> nn.Sequential:
    """SeparableConv2D: the depthwise ``nn.Conv2d(groups=n_C_prev, bias=False)``, then a 1x1
    ``nn.Conv2d`` with bias. Modules "depthwise" and "pointwise"."""
    return nn.Sequential(OrderedDict(
        depthwise=depthwise_conv2d(W_depthwise, None, stride, padding, device, dtype),
        pointwise=conv2d(W_pointwise, b, 1, "valid", device, dtype)))


class KerasConvTranspose2d(nn.Module):
    r"""Keras's ``Conv2DTranspose(n_C, f, strides=s, padding="same" | "valid")``:
    ``nn.ConvTranspose2d`` then the last ``crop_end`` rows and columns dropped.

    "same": n s rows out of (n − 1) s + f: crop max(f − s, 0) // 2 rows before (the
    ConvTranspose2d's ``padding``) and the rest after (``padding`` + ``crop_end``); for f < s
    ``output_padding`` = s − f appends the missing rows. "valid": nothing cropped for f >= s,
    ``output_padding`` = s − f otherwise.

    Shape: (m, n_C_prev, n_H, n_W) -> (m, n_C, n_H s, n_W s) for "same".
    """

    def __init__(self, n_C_prev: int, n_C: int, f: int, stride: int, padding: str = "same",
                 device=None, dtype=None):
        super().__init__()
        total = f - stride
        before = max(total, 0) // 2 if padding == "same" else 0
        after = total - before if padding == "same" else min(total, 0)
        self.crop_end = max(after - before, 0)
        self.conv = nn.ConvTranspose2d(n_C_prev, n_C, f, stride=stride, padding=before,
                                       output_padding=max(before - after, 0), device=device,
                                       dtype=dtype)
        self.keras_padding = padding

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Z = self.conv(X)
        if self.crop_end:
            Z = Z[..., :Z.shape[-2] - self.crop_end, :Z.shape[-1] - self.crop_end]
        return Z

    def extra_repr(self) -> str:
        return f"keras_padding={self.keras_padding!r}, crop_end={self.crop_end}"


@torch.no_grad()
def conv_transpose2d(W, b, hparameters, device=None, dtype=None) -> nn.Module:
    """The course's Conv2DTranspose W (f, f, n_C, n_C_prev), b (1, 1, 1, n_C) in an
    ``nn.ConvTranspose2d`` ({"stride", "pad", "output_padding"}) or a
    :class:`KerasConvTranspose2d` ({"stride", "padding"}). Its weight and bias are
    ``.weight``/``.bias`` of the ConvTranspose2d (``module.conv`` for the Keras form)."""
    f, _, n_C, n_C_prev = W.shape
    if "padding" in hparameters:
        module = KerasConvTranspose2d(n_C_prev, n_C, f, hparameters["stride"],
                                      hparameters["padding"], device=device, dtype=dtype)
        layer = module.conv
    else:
        module = layer = nn.ConvTranspose2d(
            n_C_prev, n_C, f, stride=hparameters["stride"], padding=hparameters["pad"],
            output_padding=hparameters["output_padding"], device=device, dtype=dtype)
    layer.weight.copy_(transpose_filter_to_torch(W))
    layer.bias.copy_(course_bias_to_torch(b))
    return module


@torch.no_grad()
def batch_norm2d(gamma, beta, running_mean=None, running_var=None, epsilon=0.001, momentum=0.99,
                 device=None, dtype=None) -> nn.BatchNorm2d:
    """Keras's ``BatchNormalization(axis=3, epsilon=ε, momentum=β)`` as
    ``nn.BatchNorm2d(eps=ε, momentum=1 − β)``, holding the course's (1, 1, 1, n_C) gamma, beta
    and (when given) running statistics."""
    n_C = gamma.shape[-1]
    bn = nn.BatchNorm2d(n_C, eps=epsilon, momentum=1 - momentum, device=device, dtype=dtype)
    bn.weight.copy_(course_bias_to_torch(gamma))
    bn.bias.copy_(course_bias_to_torch(beta))
    if running_mean is not None:
        bn.running_mean.copy_(course_bias_to_torch(running_mean))
        bn.running_var.copy_(course_bias_to_torch(running_var))
    return bn
