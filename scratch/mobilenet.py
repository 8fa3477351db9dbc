"""Course 4, week 2, "Transfer learning with MobileNet": the depthwise separable convolution.

The course builds MobileNetV2 in Keras; the lectures derive its building block. A normal
convolution mixes space and channels in one f x f x n_C_prev filter per output channel
(f f n_C_prev n_C multiplications per output pixel). A depthwise separable convolution splits it:

    depthwise: each input channel c convolved with its own d filters (no sum over channels)
        Z_dw[:, :, :, c d + j] = sum_{p, q} A_tap[:, :, :, c] W_dw[p, q, c, j]
    pointwise: a 1 x 1 convolution mixes the n_C_prev d channels into n_C
        Z = Z_dw W_pw[0, 0] + b
    (f f n_C_prev d + n_C_prev d n_C multiplications per output pixel)

Keras's layers: ``DepthwiseConv2D(f, strides, padding, depth_multiplier=d)`` (kernel
(f, f, n_C_prev, d), bias (n_C_prev d,)) and ``SeparableConv2D(n_C, f, ...)`` (depthwise
kernel (f, f, n_C_prev, d) WITHOUT bias, then pointwise kernel (1, 1, n_C_prev d, n_C) and
bias (n_C,)). Output channel c d + j is filter j of input channel c, the order of both
TensorFlow and PyTorch's grouped ``nn.Conv2d(groups=n_C_prev)``.

Backward, tap by tap (as :func:`scratch.conv_layers.conv2d_backward`, without the sum over
input channels):
    dW_dw[p, q, c, j] = sum_{i, h, w} A_tap[..., c] dZ_dw[..., c d + j]
    dA_pad[tap][..., c] += sum_j dZ_dw[..., c d + j] W_dw[p, q, c, j];   db = sum dZ_dw
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_layers import (
    check_depthwise_conv2d,
    check_depthwise_conv2d_backward,
    check_separable_conv2d,
    check_separable_conv2d_backward,
    pads,
)
from .conv_layers import _pad, _taps, conv2d_backward, conv2d_forward


@checked(check_depthwise_conv2d)
def depthwise_conv2d_forward(A_prev, W, b, stride=1, padding="valid"):
    """Keras ``DepthwiseConv2D(f, strides=stride, padding=padding, depth_multiplier=d)``:
    Z[..., c d + j] = sum_{p, q} A_tap[..., c] W[p, q, c, j] + b.

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev).  W: (f, f, n_C_prev, d).
        b: (1, 1, 1, n_C_prev d).  stride, padding: as :func:`scratch.conv_layers.conv2d_forward`.
    Returns:
        (Z, cache): Z (m, n_H, n_W, n_C_prev d); cache = (A_prev, W, b, stride, padding).
    """
    f, _, n_C_prev, d = W.shape
    before, after = pads(f, padding)
    A_pad = _pad(A_prev, before, after)
    n_H = (A_pad.shape[1] - f) // stride + 1
    n_W = (A_pad.shape[2] - f) // stride + 1
    Z = np.zeros((A_prev.shape[0], n_H, n_W, n_C_prev, d), dtype=A_prev.dtype)
    for p, q, tap in _taps(f, stride, n_H, n_W):
        Z += A_pad[tap][..., None] * W[p, q]
    Z = Z.reshape(A_prev.shape[0], n_H, n_W, n_C_prev * d) + b
    cache = (A_prev, W, b, stride, padding)
    return Z, cache


@checked(check_depthwise_conv2d_backward)
def depthwise_conv2d_backward(dZ, cache):
    """Backward pass of :func:`depthwise_conv2d_forward`:
    dW[p, q, c, j] = sum A_tap[..., c] dZ[..., c d + j];  dA_pad[tap] += sum_j dZ W[p, q];
    db = sum dZ.

    Returns:
        (dA_prev, dW, db), shaped like A_prev, W and b.
    """
    A_prev, W, b, stride, padding = cache
    f, _, n_C_prev, d = W.shape
    m, n_H, n_W, _ = dZ.shape
    before, after = pads(f, padding)
    A_pad = _pad(A_prev, before, after)
    dZ_channels = dZ.reshape(m, n_H, n_W, n_C_prev, d)
    dA_pad = np.zeros_like(A_pad, dtype=dZ.dtype)
    dW = np.zeros_like(W, dtype=dZ.dtype)
    for p, q, tap in _taps(f, stride, n_H, n_W):
        dW[p, q] = np.sum(A_pad[tap][..., None] * dZ_channels, axis=(0, 1, 2))
        dA_pad[tap] += np.sum(dZ_channels * W[p, q], axis=-1)
    db = np.sum(dZ, axis=(0, 1, 2), keepdims=True)
    dA_prev = dA_pad[:, before:before + A_prev.shape[1], before:before + A_prev.shape[2], :]
    return dA_prev, dW, db


@checked(check_separable_conv2d)
def separable_conv2d_forward(A_prev, W_depthwise, W_pointwise, b, stride=1, padding="valid"):
    """Keras ``SeparableConv2D(n_C, f, strides=stride, padding=padding)``: the depthwise
    convolution (no bias), then a 1 x 1 convolution with bias.

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev).  W_depthwise: (f, f, n_C_prev, d).
        W_pointwise: (1, 1, n_C_prev d, n_C).  b: (1, 1, 1, n_C).
    Returns:
        (Z, cache): Z (m, n_H, n_W, n_C); cache = (depthwise cache, pointwise cache).
    """
    no_bias = np.zeros((1, 1, 1, W_depthwise.shape[2] * W_depthwise.shape[3]), A_prev.dtype)
    Z_depthwise, cache_depthwise = depthwise_conv2d_forward.unchecked(A_prev, W_depthwise,
                                                                      no_bias, stride, padding)
    Z, cache_pointwise = conv2d_forward.unchecked(Z_depthwise, W_pointwise, b, 1, "valid")
    cache = (cache_depthwise, cache_pointwise)
    return Z, cache


@checked(check_separable_conv2d_backward)
def separable_conv2d_backward(dZ, cache):
    """Backward pass of :func:`separable_conv2d_forward`: the pointwise convolution's, then
    the depthwise one's.

    Returns:
        (dA_prev, dW_depthwise, dW_pointwise, db).
    """
    cache_depthwise, cache_pointwise = cache
    dZ_depthwise, dW_pointwise, db = conv2d_backward.unchecked(dZ, cache_pointwise)
    dA_prev, dW_depthwise, _ = depthwise_conv2d_backward.unchecked(dZ_depthwise, cache_depthwise)
    return dA_prev, dW_depthwise, dW_pointwise, db
