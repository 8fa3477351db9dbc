"""Course 5, week 3, assignment 2: trigger word detection, the model's first layer, a 1-D
convolution, forward and backward by hand (the course's Keras ``Conv1D(filters=196,
kernel_size=15, strides=4)`` on the spectrogram (T_x = 5511, n_freq = 101) -> (1375, 196)).

Layout: channels last, as Keras: X (m, T_x, n_C_prev); W (f, n_C_prev, n_C); b (n_C,).
Padding "valid" (pad = 0, the course's) or ``pad`` zeros at both ends; output length
T_out = (T_x + 2 pad - f) // stride + 1 (a cross-correlation, no kernel flip, as
course 4's conv_forward):

    Z[i, t, c] = b[c] + sum_{k < f} sum_{c'} X_pad[i, t stride + k, c'] W[k, c', c]

Computed as f products, one per kernel tap k: Z = b + sum_k X_pad[:, k : k + stride T_out :
stride, :] W[k] (each a matrix product over the n_C_prev channels).

Backward, given dZ (m, T_out, n_C):

    db[c] = sum_{i, t} dZ[i, t, c]
    dW[k] = sum_{i, t} X_pad[i, t stride + k, :]^T dZ[i, t, :]
    dX_pad[i, t stride + k, :] += dZ[i, t, :] W[k]^T      (overlapping windows add)

and dX is dX_pad without its padding.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_c5 import check_conv1d_backward, check_conv1d_forward


@checked(check_conv1d_forward)
def conv1d_forward(X, W, b, stride=1, pad=0):
    """Z = conv1d(X, W) + b (Keras Conv1D, channels last).

    Args:
        X: (m, T_x, n_C_prev).  W: (f, n_C_prev, n_C).  b: (n_C,).
        stride: a positive integer.  pad: zeros added at both ends (0 = "valid").
    Returns:
        (Z, cache): Z (m, T_out, n_C); cache = (X_pad, W, stride, pad).
    """
    f = W.shape[0]
    X_pad = np.pad(X, ((0, 0), (pad, pad), (0, 0)))
    T_out = (X_pad.shape[1] - f) // stride + 1
    Z = np.zeros((X.shape[0], T_out, W.shape[2]), dtype=np.result_type(X, W)) + b
    for k in range(f):
        # tap k sees X_pad[:, t stride + k] for t = 0..T_out - 1
        Z += np.matmul(X_pad[:, k:k + stride * (T_out - 1) + 1:stride, :], W[k])
    return Z, (X_pad, W, stride, pad)


@checked(check_conv1d_backward)
def conv1d_backward(dZ, cache):
    """dX, dW, db of :func:`conv1d_forward` (see the module doc).

    Returns:
        (dX, dW, db): (m, T_x, n_C_prev), (f, n_C_prev, n_C), (n_C,).
    """
    X_pad, W, stride, pad = cache
    f, T_out = W.shape[0], dZ.shape[1]
    db = np.sum(dZ, axis=(0, 1))
    dW = np.zeros_like(W, dtype=np.result_type(X_pad, dZ))
    dX_pad = np.zeros_like(X_pad, dtype=np.result_type(X_pad, dZ))
    dZ_rows = dZ.reshape(-1, dZ.shape[-1])
    for k in range(f):
        window = slice(k, k + stride * (T_out - 1) + 1, stride)
        dW[k] = np.matmul(X_pad[:, window, :].reshape(-1, X_pad.shape[-1]).T, dZ_rows)
        dX_pad[:, window, :] += np.matmul(dZ, W[k].T)
    dX = dX_pad[:, pad:dX_pad.shape[1] - pad, :]
    return dX, dW, db
