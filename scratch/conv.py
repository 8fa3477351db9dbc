"""Course 4, week 1: convolution and pooling, step by step, with the course's loops.

Layout (the course's): channels last.
    A (m, n_H, n_W, n_C)             m examples, n_H x n_W pixels, n_C channels
    W (f, f, n_C_prev, n_C)          one f x f x n_C_prev filter per output channel
    b (1, 1, 1, n_C)                 one bias per output channel
    conv hparameters {"stride", "pad"};  pool hparameters {"f", "stride"} (no padding)
    output size  n = int((n_prev + 2 pad - f) / stride) + 1

Forward, one output value (a cross-correlation: the filter is NOT flipped):
    Z[i, h, w, c] = sum(a_prev_pad[i, h s : h s + f, w s : w s + f, :] * W[:, :, :, c]) + b[c]
Max pool:      A[i, h, w, c] = max(A_prev[i, h s : h s + f, w s : w s + f, c])
Average pool:  A[i, h, w, c] = mean(A_prev[i, h s : h s + f, w s : w s + f, c])

Backward (dZ = dJ/dZ from above; no 1/m here: a mean cost puts it in dZ):
    dA_prev_pad[i, window(h, w), :] += W[:, :, :, c] dZ[i, h, w, c]
    dW[:, :, :, c]                  += a_slice dZ[i, h, w, c]
    db[:, :, :, c]                  += dZ[i, h, w, c]
Max pool:      dA_prev[i, window, c] += mask dA[i, h, w, c], mask = (a_slice == max(a_slice))
Average pool:  dA_prev[i, window, c] += dA[i, h, w, c] / (f f)

Every loop is the course's (i over examples, h and w over output pixels, c over
channels), written so a student can follow one value at a time.
:mod:`scratch.fast_conv` computes the same with one matrix product per layer.

Ties in max pooling: the course's mask sends dA to EVERY tied maximum of a window;
PyTorch (``nn.MaxPool2d``) sends it to one (the first in the window's row-major order).
Both agree whenever a window's maximum is unique.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_conv import (
    check_conv_backward_call,
    check_conv_forward,
    check_conv_single_step,
    check_create_mask_from_window,
    check_distribute_value,
    check_pool_backward_call,
    check_pool_forward,
    check_zero_pad,
)


def _float_dtype(*arrays):
    """The float type of the result: float64 for float64 (or integer) inputs, float32 for float32."""
    return np.result_type(*[np.asarray(a).dtype for a in arrays], np.float32)


@checked(check_zero_pad)
def zero_pad(X, pad):
    """Pad the height and width of every image with ``pad`` zeros on each side.

    Args:
        X: (m, n_H, n_W, n_C).  pad: integer >= 0.
    Returns:
        X_pad (m, n_H + 2 pad, n_W + 2 pad, n_C); the examples and channels are not padded.
    """
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant",
                   constant_values=(0, 0))
    return X_pad


@checked(check_conv_single_step)
def conv_single_step(a_slice_prev, W, b):
    """One output value: Z = sum(a_slice_prev * W) + b.

    Args:
        a_slice_prev: one window of the input, (f, f, n_C_prev).
        W: one filter, (f, f, n_C_prev).  b: its bias, (1, 1, 1) (or a float).
    Returns:
        Z, a NumPy scalar (np.float64 for float64 inputs, as the course asserts).
    """
    s = np.multiply(a_slice_prev, W)
    Z = np.sum(s)
    Z = Z + np.asarray(b).item()     # the course's float(b): NumPy 2 deprecates float() of (1, 1, 1)
    return Z


@checked(check_conv_forward)
def conv_forward(A_prev, W, b, hparameters):
    """Convolution (cross-correlation) forward:
    Z[i, h, w, c] = sum(a_prev_pad[i, vert, horiz, :] * W[:, :, :, c]) + b[:, :, :, c]

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev).
        W: (f, f, n_C_prev, n_C).  b: (1, 1, 1, n_C).
        hparameters: {"stride": s >= 1, "pad": p >= 0}.
    Returns:
        (Z, cache): Z (m, n_H, n_W, n_C), n_H = int((n_H_prev + 2 p - f) / s) + 1 (n_W alike);
        cache = (A_prev, W, b, hparameters) for :func:`conv_backward`.
    """
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    n_H = int((n_H_prev + 2 * pad - f) / stride) + 1
    n_W = int((n_W_prev + 2 * pad - f) / stride) + 1
    Z = np.zeros((m, n_H, n_W, n_C), dtype=_float_dtype(A_prev, W, b))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):                               # loop over the batch of examples
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):                         # loop over the output's rows
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):                     # loop over the output's columns
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):                 # loop over the filters (output channels)
                    a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    weights = W[:, :, :, c]
                    biases = b[:, :, :, c]
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, weights, biases)
    cache = (A_prev, W, b, hparameters)
    return Z, cache


@checked(check_pool_forward)
def pool_forward(A_prev, hparameters, mode="max"):
    """Pooling forward, channel by channel (no padding):
    A[i, h, w, c] = max (or mean) of A_prev[i, vert, horiz, c]

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C).
        hparameters: {"f": window size, "stride": s}.  mode: "max" or "average".
    Returns:
        (A, cache): A (m, n_H, n_W, n_C), n_H = int(1 + (n_H_prev - f) / s) (n_W alike);
        cache = (A_prev, hparameters) for :func:`pool_backward`.
    """
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    f = hparameters["f"]
    stride = hparameters["stride"]
    n_H = int(1 + (n_H_prev - f) / stride)
    n_W = int(1 + (n_W_prev - f) / stride)
    n_C = n_C_prev
    A = np.zeros((m, n_H, n_W, n_C), dtype=_float_dtype(A_prev))
    for i in range(m):
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    elif mode == "average":
                        A[i, h, w, c] = np.mean(a_prev_slice)
    cache = (A_prev, hparameters)
    return A, cache


@checked(check_conv_backward_call)
def conv_backward(dZ, cache):
    """Convolution backward: every output value Z[i, h, w, c] sends dZ[i, h, w, c] back
    through the window and the filter that made it.

        da_prev_pad[vert, horiz, :] += W[:, :, :, c] * dZ[i, h, w, c]
        dW[:, :, :, c]              += a_slice * dZ[i, h, w, c]
        db[:, :, :, c]              += dZ[i, h, w, c]

    Args:
        dZ: dJ/dZ, (m, n_H, n_W, n_C).
        cache: (A_prev, W, b, hparameters) from :func:`conv_forward`.
    Returns:
        (dA_prev, dW, db): shaped like A_prev (m, n_H_prev, n_W_prev, n_C_prev),
        W (f, f, n_C_prev, n_C) and b (1, 1, 1, n_C). The padding is cut off dA_prev by
        [pad : pad + n_H_prev], which works for pad = 0 too (the notebook's [pad:-pad] does not).
    """
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape
    dtype = _float_dtype(dZ, A_prev, W, b)
    dA_prev = np.zeros(A_prev.shape, dtype=dtype)
    dW = np.zeros(W.shape, dtype=dtype)
    db = np.zeros(b.shape, dtype=dtype)
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        dA_prev[i, :, :, :] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return dA_prev, dW, db


@checked(check_create_mask_from_window)
def create_mask_from_window(x):
    """mask = (x == max(x)): True at the window's maximum, at EVERY tied maximum.

    Args:
        x: one window, (f, f).
    Returns:
        mask, a boolean array shaped like x.
    """
    mask = (x == np.max(x))
    return mask


@checked(check_distribute_value)
def distribute_value(dz, shape):
    """Spread dz evenly over a window: every entry dz / (n_H n_W).

    Args:
        dz: a scalar.  shape: (n_H, n_W), the window's.
    Returns:
        a (n_H, n_W) array, each value dz / (n_H n_W) (they sum to dz).
    """
    (n_H, n_W) = shape
    average = dz / (n_H * n_W)
    a = np.ones(shape, dtype=_float_dtype(dz)) * average
    return a


@checked(check_pool_backward_call)
def pool_backward(dA, cache, mode="max"):
    """Pooling backward: each dA[i, h, w, c] goes back to the window that made it,
    added (+=) where windows overlap.

        max:      dA_prev[i, vert, horiz, c] += mask * dA[i, h, w, c]
        average:  dA_prev[i, vert, horiz, c] += dA[i, h, w, c] / (f f)

    Args:
        dA: dJ/dA of the pooled output, (m, n_H, n_W, n_C).
        cache: (A_prev, hparameters) from :func:`pool_forward`.  mode: "max" or "average".
    Returns:
        dA_prev, shaped like A_prev (m, n_H_prev, n_W_prev, n_C).
    """
    (A_prev, hparameters) = cache
    stride = hparameters["stride"]
    f = hparameters["f"]
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape, dtype=_float_dtype(dA, A_prev))
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    if mode == "max":
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += np.multiply(mask, dA[i, h, w, c])
                    elif mode == "average":
                        da = dA[i, h, w, c]
                        shape = (f, f)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(da, shape)
    return dA_prev