"""Course 4, weeks 2 and 3: the Keras layers the ResNet and U-Net assignments build with, by hand.

Layout, the course's (week 1): channels last.
    A (m, n_H, n_W, n_C)
    Conv2D           kernel W (f, f, n_C_prev, n_C), bias b (1, 1, 1, n_C)
    Conv2DTranspose  kernel W (f, f, n_C, n_C_prev) (Keras's order: OUTPUT channels first)
    BatchNormalization(axis=3): gamma, beta, running_mean, running_var (1, 1, 1, n_C)

Conv2D, one matrix product per filter tap (p, q): week 1's ``conv_forward`` computes the same
numbers one output value at a time; here each tap multiplies every pixel of every example at
once by W[p, q], a (n_C_prev, n_C) matrix:
    A_tap = A_pad[:, p : p + s (n_H - 1) + 1 : s, q : q + s (n_W - 1) + 1 : s, :]
    Z = b + sum_{p, q} A_tap W[p, q]
    dW[p, q] = sum_{i, h, w} A_tap^T dZ;  db = sum_{i, h, w} dZ;  dA_pad[tap] += dZ W[p, q]^T
Padding: "valid" (none), "same" (stride 1 only: (f - 1) // 2 zeros before, the rest after, as
Keras and PyTorch's padding="same" do), or an integer p on every side (PyTorch's padding=p).
Output size: n = (n_prev + pad_before + pad_after - f) // s + 1.

BatchNormalization over channels: every pixel of every example is one sample of its channel,
so it is course 2's batch norm (:mod:`scratch.batch_norm`) on Z reshaped to (n_C, m n_H n_W):
    mu_c = mean over (i, h, w) of Z[..., c];  sigma2_c = the biased variance
    Z_tilde = gamma (Z - mu) / sqrt(sigma2 + epsilon) + beta
In inference mode the running statistics replace mu and sigma2, and the backward pass is that
of an affine map: dZ = dZ_tilde gamma / sqrt(running_var + epsilon). Keras's defaults: epsilon
0.001 and momentum 0.99, the course's beta of the running averages.

Conv2DTranspose (U-Net's up-sampling): each input pixel spreads its filter over the output,
stride s apart; it is the transpose of Conv2D's linear map (Conv2D's backward pass w.r.t. its
input), no kernel flip:
    Z_full[:, s h + p, s w + q, :] += A_prev[:, h, w, :] W[p, q]^T,   (n - 1) s + f rows
    Z = Z_full cropped (before, after) + b
    dA_prev[:, h, w, :] = sum_{p, q} dZ_full[:, s h + p, s w + q, :] W[p, q]
    dW[p, q] = sum_{i, h, w} dZ_full_tap^T A_prev;  db = sum dZ
Crops: PyTorch's (pad, output_padding) removes pad rows before and pad - output_padding after;
Keras's "same" gives n s rows: it removes max(f - s, 0) // 2 before and the rest after (the
row TensorFlow's strided "same" convolution pads at the end); "valid" removes nothing (for
f < s it appends s - f rows that only the bias reaches). Keras "same" with f = 3, s = 2 is
therefore PyTorch's padding=0 with the last row and column dropped, NOT padding=1,
output_padding=1, which keeps the same number of rows shifted by one.

MaxPooling2D(pool_size=p) (strides = pool_size, Keras's default): the maximum of each p x p
window; its backward sends dA to ONE maximum of the window, the first in row-major order, as
PyTorch's max pool does (TensorFlow's gradient too goes to a single position per window). Week 1's ``pool_backward`` (the course's NumPy) sends
it to every tied maximum instead; the two differ only where a window ties, which a ReLU
network makes common: a pixel whose inputs are all zero (dead ReLUs) outputs its bias alone,
so a whole window can be one positive constant.
"""
from __future__ import annotations

import numpy as np

from . import batch_norm
from ._validate import checked
from ._validate_layers import (
    check_batch_normalization,
    check_batch_normalization_backward,
    check_batch_normalization_test,
    check_conv2d,
    check_conv2d_backward,
    check_conv2d_transpose,
    check_conv2d_transpose_backward,
    check_max_pooling2d,
    check_max_pooling2d_backward,
    check_running_stats,
    pads,
    transpose_crops,
)


def _taps(f, stride, n_H, n_W):
    """(p, q, index): the window of A_pad (or Z_full) that tap (p, q) meets, for an
    n_H x n_W grid of output (or input) pixels, stride apart."""
    for p in range(f):
        for q in range(f):
            yield p, q, (slice(None), slice(p, p + stride * (n_H - 1) + 1, stride),
                         slice(q, q + stride * (n_W - 1) + 1, stride), slice(None))


def _pad(A, before, after):
    """Zero rows and columns: ``before`` at the top and left, ``after`` at the bottom and right."""
    return np.pad(A, ((0, 0), (before, after), (before, after), (0, 0)))


# ----------------------------------------------------------------------------- Conv2D
@checked(check_conv2d)
def conv2d_forward(A_prev, W, b, stride=1, padding="valid"):
    """Keras ``Conv2D(n_C, f, strides=stride, padding=padding)`` (cross-correlation):
    Z = b + sum_{p, q} A_tap W[p, q].

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev).  W: (f, f, n_C_prev, n_C).  b: (1, 1, 1, n_C).
        stride: integer >= 1.  padding: "valid", "same" (stride 1) or an integer >= 0.
    Returns:
        (Z, cache): Z (m, n_H, n_W, n_C); cache = (A_prev, W, b, stride, padding).
    """
    f, n_C = W.shape[0], W.shape[3]
    before, after = pads(f, padding)
    A_pad = _pad(A_prev, before, after)
    n_H = (A_pad.shape[1] - f) // stride + 1
    n_W = (A_pad.shape[2] - f) // stride + 1
    Z = np.zeros((A_prev.shape[0], n_H, n_W, n_C), dtype=A_prev.dtype) + b
    for p, q, tap in _taps(f, stride, n_H, n_W):
        Z += A_pad[tap] @ W[p, q]
    cache = (A_prev, W, b, stride, padding)
    return Z, cache


@checked(check_conv2d_backward)
def conv2d_backward(dZ, cache):
    """Backward pass of :func:`conv2d_forward`, tap by tap:
    dW[p, q] = sum A_tap^T dZ;  db = sum dZ;  dA_pad[tap] += dZ W[p, q]^T.

    Args:
        dZ: dJ/dZ, (m, n_H, n_W, n_C).  cache: from :func:`conv2d_forward`.
    Returns:
        (dA_prev, dW, db), shaped like A_prev, W and b. No 1/m: dZ carries it.
    """
    A_prev, W, b, stride, padding = cache
    f = W.shape[0]
    n_H, n_W = dZ.shape[1:3]
    before, after = pads(f, padding)
    A_pad = _pad(A_prev, before, after)
    dA_pad = np.zeros_like(A_pad, dtype=dZ.dtype)
    dW = np.zeros_like(W, dtype=dZ.dtype)
    for p, q, tap in _taps(f, stride, n_H, n_W):
        dW[p, q] = np.tensordot(A_pad[tap], dZ, axes=([0, 1, 2], [0, 1, 2]))
        dA_pad[tap] += dZ @ W[p, q].T
    db = np.sum(dZ, axis=(0, 1, 2), keepdims=True)
    dA_prev = dA_pad[:, before:before + A_prev.shape[1], before:before + A_prev.shape[2], :]
    return dA_prev, dW, db


# ----------------------------------------------------------------------------- BatchNormalization
def _columns(a):
    """(m, n_H, n_W, n_C) -> (n_C, m n_H n_W): one column per pixel, course 2's layout."""
    return a.reshape(-1, a.shape[-1]).T


def _channels(a, shape):
    """(n_C, m n_H n_W) or (n_C, 1) -> back to ``shape`` (the second: (1, 1, 1, n_C))."""
    return a.T.reshape(shape)


@checked(check_batch_normalization)
def batch_normalization_forward(Z, gamma, beta, epsilon=0.001):
    """Keras ``BatchNormalization(axis=3)`` in training mode: the batch's statistics per
    channel, over the m n_H n_W values of that channel (course 2's batch norm on the columns).

    Args:
        Z: (m, n_H, n_W, n_C), m n_H n_W >= 2.  gamma, beta: (1, 1, 1, n_C).
        epsilon: > 0 (Keras's default 0.001; PyTorch's 1e-5).
    Returns:
        (Z_tilde, cache): Z_tilde like Z; cache = ("training", Z.shape, the cache of
        :func:`scratch.batch_norm.batchnorm_forward`, which holds mu and sigma2).
    """
    n_C = Z.shape[3]
    Z_tilde, bn_cache = batch_norm.batchnorm_forward(_columns(Z), gamma.reshape(n_C, 1),
                                                     beta.reshape(n_C, 1), epsilon)
    return _channels(Z_tilde, Z.shape), ("training", Z.shape, bn_cache)


@checked(check_batch_normalization_test)
def batch_normalization_forward_test(Z, gamma, beta, running_mean, running_var, epsilon=0.001):
    """Inference mode (Keras ``training=False``, PyTorch ``eval()``):
    Z_tilde = gamma (Z - running_mean) / sqrt(running_var + epsilon) + beta.

    Args:
        Z: (m, n_H, n_W, n_C), any m.  gamma, beta, running_mean, running_var: (1, 1, 1, n_C).
    Returns:
        (Z_tilde, cache): cache = ("test", Z.shape, (Z_norm, gamma, sqrt(running_var + epsilon))).
    """
    std = np.sqrt(running_var + epsilon)
    Z_norm = (Z - running_mean) / std
    Z_tilde = gamma * Z_norm + beta
    return Z_tilde, ("test", Z.shape, (Z_norm, gamma, std))


@checked(check_batch_normalization_backward)
def batch_normalization_backward(dZ_tilde, cache):
    """Backward pass of either forward.

    training:  course 2's compact form per channel,
               dZ = gamma / (N sqrt(sigma2 + epsilon)) (N dZ_tilde - dbeta - Z_norm dgamma),
               N = m n_H n_W
    test:      dZ = dZ_tilde gamma / sqrt(running_var + epsilon) (the statistics are constants)
    both:      dbeta = sum_{i, h, w} dZ_tilde;  dgamma = sum_{i, h, w} dZ_tilde Z_norm

    Returns:
        (dZ, dgamma, dbeta): like Z, and (1, 1, 1, n_C) twice.
    """
    mode, shape, inner = cache
    if mode == "training":
        dZ, dgamma, dbeta = batch_norm.batchnorm_backward_compact(_columns(dZ_tilde), inner)
        return _channels(dZ, shape), _channels(dgamma, (1, 1, 1, -1)), _channels(dbeta, (1, 1, 1, -1))
    Z_norm, gamma, std = inner
    dbeta = np.sum(dZ_tilde, axis=(0, 1, 2), keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=(0, 1, 2), keepdims=True)
    dZ = dZ_tilde * gamma / std
    return dZ, dgamma, dbeta


@checked(check_running_stats)
def update_running_stats(running_mean, running_var, cache, momentum=0.99, unbiased=False):
    """The moving averages a training-mode forward updates (Keras's momentum = the course's beta):

        running_mean = momentum running_mean + (1 - momentum) mu
        running_var  = momentum running_var  + (1 - momentum) sigma2
                       (unbiased=True: N/(N-1) sigma2, what nn.BatchNorm2d stores, N = m n_H n_W)

    ``nn.BatchNorm2d(momentum=1 - momentum)`` computes the ``unbiased=True`` form.
    Returns (running_mean, running_var), new arrays (1, 1, 1, n_C).
    """
    mode, shape, bn_cache = cache
    n_C = shape[3]
    mean, var = batch_norm.update_running_stats(
        np.reshape(running_mean, (n_C, 1)), np.reshape(running_var, (n_C, 1)), bn_cache,
        momentum, unbiased)
    return _channels(mean, (1, 1, 1, n_C)), _channels(var, (1, 1, 1, n_C))


# ----------------------------------------------------------------------------- MaxPooling2D
def _windows(A, p):
    """(m, n_H, n_W, n_C) -> (m, n_H // p, n_W // p, n_C, p p): each p x p window's values in
    row-major order (the last rows and columns that fill no window are left out)."""
    m, n_H, n_W, n_C = A.shape
    A = A[:, :n_H // p * p, :n_W // p * p, :]
    return A.reshape(m, n_H // p, p, n_W // p, p, n_C).transpose(0, 1, 3, 5, 2, 4) \
        .reshape(m, n_H // p, n_W // p, n_C, p * p)


@checked(check_max_pooling2d)
def max_pooling2d_forward(A_prev, pool_size=2):
    """Keras ``MaxPooling2D(pool_size)`` (stride = pool_size, no padding):
    A[i, h, w, c] = max of the window A_prev[i, p h : p h + p, p w : p w + p, c].

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C).  pool_size: p >= 1.
    Returns:
        (A, cache): A (m, n_H_prev // p, n_W_prev // p, n_C); cache = (A_prev, p, the index of
        each window's first maximum).
    """
    windows = _windows(A_prev, pool_size)
    first_max = np.argmax(windows, axis=-1)          # the first maximum in row-major order
    A = np.max(windows, axis=-1)
    cache = (A_prev, pool_size, first_max)
    return A, cache


@checked(check_max_pooling2d_backward)
def max_pooling2d_backward(dA, cache):
    """Backward pass of :func:`max_pooling2d_forward`: dA[i, h, w, c] goes to the window's
    first maximum, every other entry gets 0 (the windows do not overlap).

    Returns:
        dA_prev, shaped like A_prev.
    """
    A_prev, p, first_max = cache
    m, n_H, n_W, n_C = dA.shape
    d_windows = np.zeros((m, n_H, n_W, n_C, p * p), dtype=dA.dtype)
    np.put_along_axis(d_windows, first_max[..., None], dA[..., None], axis=-1)
    dA_prev = np.zeros_like(A_prev, dtype=dA.dtype)
    dA_prev[:, :n_H * p, :n_W * p, :] = d_windows.reshape(m, n_H, n_W, n_C, p, p) \
        .transpose(0, 1, 4, 2, 5, 3).reshape(m, n_H * p, n_W * p, n_C)
    return dA_prev


# ----------------------------------------------------------------------------- Conv2DTranspose
@checked(check_conv2d_transpose)
def conv2d_transpose_forward(A_prev, W, b, hparameters):
    """Keras ``Conv2DTranspose(n_C, f, strides=s, padding=...)`` or PyTorch's
    ``ConvTranspose2d(n_C_prev, n_C, f, stride=s, padding=pad, output_padding=...)``:
    Z_full[:, s h + p, s w + q, :] += A_prev[:, h, w, :] W[p, q]^T;  Z = crop(Z_full) + b.

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev).  W: (f, f, n_C, n_C_prev).  b: (1, 1, 1, n_C).
        hparameters: {"stride": s, "padding": "same" | "valid"} (Keras) or
            {"stride": s, "pad": p >= 0, "output_padding": 0 <= op < s} (PyTorch).
    Returns:
        (Z, cache): Z (m, n_H, n_W, n_C), n_H = (n_H_prev - 1) s + f - crops ("same": n_H_prev s;
        PyTorch: (n_H_prev - 1) s - 2 p + f + op); cache = (A_prev, W, b, hparameters).
    """
    f, stride = W.shape[0], hparameters["stride"]
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    before, after = transpose_crops(f, stride, hparameters)
    extra = max(-after, 0)                       # rows appended beyond the full output
    Z_full = np.zeros((m, (n_H_prev - 1) * stride + f + extra, (n_W_prev - 1) * stride + f + extra,
                       W.shape[2]), dtype=A_prev.dtype)
    for p, q, tap in _taps(f, stride, n_H_prev, n_W_prev):
        Z_full[tap] += A_prev @ W[p, q].T
    n_H = (n_H_prev - 1) * stride + f - before - after
    n_W = (n_W_prev - 1) * stride + f - before - after
    Z = Z_full[:, before:before + n_H, before:before + n_W, :] + b
    cache = (A_prev, W, b, hparameters)
    return Z, cache


@checked(check_conv2d_transpose_backward)
def conv2d_transpose_backward(dZ, cache):
    """Backward pass of :func:`conv2d_transpose_forward`: put dZ back where the crop took Z
    from (dZ_full, zeros elsewhere), then tap by tap
    dA_prev += dZ_full[tap] W[p, q];  dW[p, q] = sum dZ_full[tap]^T A_prev;  db = sum dZ.

    Returns:
        (dA_prev, dW, db), shaped like A_prev, W and b.
    """
    A_prev, W, b, hparameters = cache
    f, stride = W.shape[0], hparameters["stride"]
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    before, after = transpose_crops(f, stride, hparameters)
    extra = max(-after, 0)
    dZ_full = np.zeros((m, (n_H_prev - 1) * stride + f + extra, (n_W_prev - 1) * stride + f + extra,
                        W.shape[2]), dtype=dZ.dtype)
    dZ_full[:, before:before + dZ.shape[1], before:before + dZ.shape[2], :] = dZ
    dA_prev = np.zeros_like(A_prev, dtype=dZ.dtype)
    dW = np.zeros_like(W, dtype=dZ.dtype)
    for p, q, tap in _taps(f, stride, n_H_prev, n_W_prev):
        dA_prev += dZ_full[tap] @ W[p, q]
        dW[p, q] = np.tensordot(dZ_full[tap], A_prev, axes=([0, 1, 2], [0, 1, 2]))
    db = np.sum(dZ, axis=(0, 1, 2), keepdims=True)
    return dA_prev, dW, db
