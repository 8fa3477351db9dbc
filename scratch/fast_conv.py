"""Course 4, week 1 again, written for speed, and the CNN that trains on MNIST.

:mod:`scratch.conv` is the reference: one output value at a time, the course's loops.
This module computes the same numbers (the parity suite ties the two, and both to
PyTorch) with the loops over examples and pixels turned into array operations:

- im2col: the f x f x n_C_prev window under every output pixel, for every example, is
  copied into one row of a matrix ``cols`` (M, f f n_C_prev), M = m n_H n_W, with f f
  strided copies (one per filter offset (p, q)); the convolution is then ONE matrix
  product:    Z = cols W_col + b,  W_col = W.reshape(f f n_C_prev, n_C)   (a view)
- backward: dW = cols^T dZ (one matrix product), db = sum of dZ's rows, and dA_prev
  (col2im of dZ W_col^T) as f f small products, one per filter offset (p, q), each
  added into a strided view:
      dA_prev_pad[:, p + s h, q + s w, :] += dZ W[p, q]^T      (M, n_C) (n_C, n_C_prev)
  (the same sums as forming dcols = dZ W_col^T and scattering it, about 5x faster:
  each product lands contiguous, where dcols' (p, q) slices are 8-float strided chunks)
- pooling: f f passes over strided views, one per window offset (p, q), each the
  size of the output, instead of one Python iteration per output value.

Rows of ``cols`` and of W_col are in (p, q, c) order, the order of W (f, f, n_C_prev, n_C)
in memory, so W_col is a free reshape. The dtype is kept: float32 in, float32 out.

Max-pool ties: :func:`pool_backward_fast` takes ``ties="all"`` (the course's mask
x == max(x): dA goes to every tied maximum) or ``ties="first"`` (PyTorch's: to the
first maximum in the window's row-major order). :class:`CNN` uses "first" by default,
because MNIST makes real ties (see its docstring).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate_conv import (
    check_array,
    check_conv,
    check_conv_backward,
    check_pool,
    check_pool_backward,
)
from .cost import LOG_CLAMP

TIES = ("all", "first")


# ----------------------------------------------------------------------------- im2col / col2im
def _im2col(A_pad, f, stride, n_H, n_W, out=None):
    """cols (m, n_H, n_W, f, f, n_C_prev): cols[i, h, w, p, q, :] = A_pad[i, s h + p, s w + q, :].

    One copy of a strided view of every f x f window (sliding_window_view), rather than f f
    copies of strided slices: 5x faster for MNIST's second conv (64 x 18 x 18 x 8, f = 5),
    the same for the first (one channel)."""
    m, _, _, n_C_prev = A_pad.shape
    if out is None:
        out = np.empty((m, n_H, n_W, f, f, n_C_prev), dtype=A_pad.dtype)
    windows = sliding_window_view(A_pad, (f, f), axis=(1, 2))    # (m, H', W', n_C_prev, f, f)
    windows = windows[:, :stride * n_H:stride, :stride * n_W:stride]
    np.copyto(out, windows.transpose(0, 1, 2, 4, 5, 3))
    return out


def _col2im_product_add(dZ_rows, W, dA_pad, stride, n_H, n_W):
    """col2im(dZ W_col^T), the adjoint of :func:`_im2col` applied to dcols = dZ W_col^T,
    one filter offset at a time: dA_pad[i, s h + p, s w + q, :] += (dZ W[p, q]^T)[(i, h, w), :]."""
    m = dA_pad.shape[0]
    f, _, n_C_prev, _ = W.shape
    for p in range(f):
        for q in range(f):
            dcols_pq = np.dot(dZ_rows, W[p, q].T)                      # dcols[:, (p, q, :)]
            dA_pad[:, p:p + stride * n_H:stride, q:q + stride * n_W:stride, :] += dcols_pq.reshape(m, n_H, n_W, n_C_prev)
    return dA_pad


def _conv_forward(A_prev, W, b, stride, pad):
    """(Z, cols); cols (M, f f n_C_prev) is what the backward pass needs (dW = cols^T dZ)."""
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, _, _, n_C = W.shape
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0))) if pad else A_prev
    cols = _im2col(A_pad, f, stride, n_H, n_W).reshape(m * n_H * n_W, f * f * n_C_prev)
    Z = np.dot(cols, W.reshape(f * f * n_C_prev, n_C))       # Z = cols W_col
    Z += b.reshape(n_C)                                      #     + b
    return Z.reshape(m, n_H, n_W, n_C), cols


def _conv_backward(dZ, cols, A_prev_shape, W, stride, pad, need_dA_prev=True):
    """(dA_prev or None, dW, db) from dZ (m, n_H, n_W, n_C) and the forward pass's cols."""
    m, n_H, n_W, n_C = dZ.shape
    f, _, n_C_prev, _ = W.shape
    _, n_H_prev, n_W_prev, _ = A_prev_shape
    dZ_rows = dZ.reshape(m * n_H * n_W, n_C)
    dW = np.dot(cols.T, dZ_rows).reshape(W.shape)            # dW = cols^T dZ
    db = dZ_rows.sum(axis=0).reshape(1, 1, 1, n_C)           # db = sum over m, h, w of dZ
    if not need_dA_prev:
        return None, dW, db
    dA_pad = np.zeros((m, n_H_prev + 2 * pad, n_W_prev + 2 * pad, n_C_prev),
                      dtype=np.result_type(dZ.dtype, W.dtype))
    _col2im_product_add(dZ_rows, W, dA_pad, stride, n_H, n_W)   # dA_pad = col2im(dZ W_col^T)
    dA_prev = dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return (np.ascontiguousarray(dA_prev) if pad else dA_prev), dW, db


# ----------------------------------------------------------------------------- public: conv
def conv_forward_fast(A_prev, W, b, hparameters):
    """:func:`scratch.conv.conv_forward` as one matrix product:
    Z = im2col(zero_pad(A_prev, pad)) W_col + b.

    Args and returns as the course's: A_prev (m, n_H_prev, n_W_prev, n_C_prev),
    W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C), hparameters {"stride", "pad"};
    returns (Z (m, n_H, n_W, n_C), cache = (A_prev, W, b, hparameters)).
    """
    A_prev, W, b = check_conv(A_prev, W, b, hparameters)
    dtype = np.result_type(A_prev.dtype, W.dtype, b.dtype, np.float32)
    Z, _ = _conv_forward(A_prev.astype(dtype, copy=False), W.astype(dtype, copy=False),
                         b.astype(dtype, copy=False), hparameters["stride"], hparameters["pad"])
    return Z, (A_prev, W, b, hparameters)


def conv_backward_fast(dZ, cache):
    """:func:`scratch.conv.conv_backward` with matrix products:
    dW = cols^T dZ,  db = sum(dZ),  dA_prev = col2im(dZ W_col^T) without the padding
    (col2im as f f products dZ W[p, q]^T added into strided views).

    Args: dZ (m, n_H, n_W, n_C); cache = (A_prev, W, b, hparameters) from either forward.
    Returns: (dA_prev, dW, db) shaped like A_prev, W, b.
    """
    dZ = check_conv_backward(dZ, cache)
    A_prev, W, b, hparameters = (np.asarray(cache[0]), np.asarray(cache[1]),
                                 np.asarray(cache[2]), cache[3])
    dtype = np.result_type(dZ.dtype, A_prev.dtype, W.dtype, b.dtype, np.float32)
    stride, pad = hparameters["stride"], hparameters["pad"]
    _, n_H, n_W, _ = dZ.shape
    f, _, n_C_prev, _ = W.shape
    A_pad = np.pad(A_prev.astype(dtype, copy=False), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    cols = _im2col(A_pad, f, stride, n_H, n_W).reshape(-1, f * f * n_C_prev)
    return _conv_backward(dZ.astype(dtype, copy=False), cols, A_prev.shape,
                          W.astype(dtype, copy=False), stride, pad)


# ----------------------------------------------------------------------------- public: pooling
def _window(A_prev, p, q, f, stride, n_H, n_W):
    """The (p, q) entry of every window: A_prev[:, s h + p, s w + q, :] for all h, w (a view)."""
    return A_prev[:, p:p + stride * n_H:stride, q:q + stride * n_W:stride, :]


def _pool_forward(A_prev, f, stride, mode):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = _window(A_prev, 0, 0, f, stride, n_H, n_W).copy()
    for p in range(f):
        for q in range(f):
            if p == q == 0:
                continue
            if mode == "max":
                np.maximum(A, _window(A_prev, p, q, f, stride, n_H, n_W), out=A)
            else:
                A += _window(A_prev, p, q, f, stride, n_H, n_W)
    if mode == "average":
        A /= f * f
    return A


def _pool_backward(dA, A_prev, A, f, stride, mode, ties):
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape, dtype=np.result_type(dA.dtype, A_prev.dtype))
    if mode == "average":
        share = dA / (f * f)                                 # distribute_value
        for p in range(f):
            for q in range(f):
                _window(dA_prev, p, q, f, stride, n_H, n_W)[...] += share
        return dA_prev
    taken = np.zeros(dA.shape, dtype=bool) if ties == "first" else None
    for p in range(f):                                       # row-major order in the window
        for q in range(f):
            mask = _window(A_prev, p, q, f, stride, n_H, n_W) == A   # the course's x == max(x)
            if ties == "first":
                mask &= ~taken                               # only the first maximum
                taken |= mask
            _window(dA_prev, p, q, f, stride, n_H, n_W)[...] += mask * dA
    return dA_prev


def pool_forward_fast(A_prev, hparameters, mode="max"):
    """:func:`scratch.conv.pool_forward` with f f array operations, one per window offset:
    A = max (or mean) over (p, q) of A_prev[:, s h + p, s w + q, :].

    Returns (A (m, n_H, n_W, n_C), cache = (A_prev, hparameters)).
    """
    A_prev = check_pool(A_prev, hparameters, mode)
    A_prev = A_prev.astype(np.result_type(A_prev.dtype, np.float32), copy=False)
    A = _pool_forward(A_prev, hparameters["f"], hparameters["stride"], mode)
    return A, (A_prev, hparameters)


def pool_backward_fast(dA, cache, mode="max", ties="all"):
    """:func:`scratch.conv.pool_backward` with f f array operations (+= where windows overlap).

    max:      dA_prev[:, s h + p, s w + q, :] += mask_pq dA,  mask_pq = (A_prev at (p, q) == A)
    average:  dA_prev[:, s h + p, s w + q, :] += dA / (f f)

    Args:
        dA (m, n_H, n_W, n_C); cache = (A_prev, hparameters); mode "max" or "average".
        ties: "all" (the course's: every tied maximum gets dA) or "first" (PyTorch's: the
            first maximum in the window's row-major order gets it, the others nothing).
    Returns:
        dA_prev, shaped like A_prev.
    """
    dA = check_pool_backward(dA, cache, mode)
    if ties not in TIES:
        raise ValueError(f"ties: expected 'all' or 'first', got {ties!r}")
    A_prev, hparameters = cache
    A_prev = np.asarray(A_prev)
    f, stride = hparameters["f"], hparameters["stride"]
    A = _pool_forward(A_prev, f, stride, "max") if mode == "max" else None
    return _pool_backward(dA, A_prev, A, f, stride, mode, ties)


# ----------------------------------------------------------------------------- the CNN
def columns_to_images(X, image_shape):
    """The course's MNIST layout -> the conv layout: X (n_H n_W n_C, m), one image per
    column (pixels in row-major (h, w, c) order) -> (m, n_H, n_W, n_C) (a copy).

    Args:
        X: (n_H n_W n_C, m).  image_shape: (n_H, n_W, n_C), e.g. (28, 28, 1).
    """
    X = check_array("X", X, 2, "(n_H n_W n_C, m)")
    n_H, n_W, n_C = image_shape
    if X.shape[0] != n_H * n_W * n_C:
        raise ValueError(f"X: expected {n_H * n_W * n_C} rows (one {n_H} x {n_W} x {n_C} image "
                         f"per column), got {X.shape}")
    return np.ascontiguousarray(X.T).reshape(X.shape[1], n_H, n_W, n_C)


def initialize_parameters_cnn(image_shape=(28, 28, 1), channels=(8, 16), f=5, n_y=10, pool=2,
                              seed=1):
    """He initialisation of the CNN: ``np.random.seed(seed)``, then
    W1 = randn(f, f, n_C0, n_C1) sqrt(2 / (f f n_C0)),  b1 = zeros((1, 1, 1, n_C1));
    W2 = randn(f, f, n_C1, n_C2) sqrt(2 / (f f n_C1)),  b2 = zeros((1, 1, 1, n_C2));
    W3 = randn(n_y, n_flat) sqrt(2 / n_flat),            b3 = zeros((n_y, 1)),
    with n_flat = (n_H / pool^2)(n_W / pool^2) n_C2 ("same" convolutions, then two pools).
    The fan-in of a conv unit is its window, f f n_C_prev.

    Returns {"W1", "b1", "W2", "b2", "W3", "b3"} in float64.
    """
    n_H, n_W, n_C0 = image_shape
    n_C1, n_C2 = channels
    n_flat = (n_H // pool // pool) * (n_W // pool // pool) * n_C2
    np.random.seed(seed)
    return {
        "W1": np.random.randn(f, f, n_C0, n_C1) * np.sqrt(2 / (f * f * n_C0)),
        "b1": np.zeros((1, 1, 1, n_C1)),
        "W2": np.random.randn(f, f, n_C1, n_C2) * np.sqrt(2 / (f * f * n_C1)),
        "b2": np.zeros((1, 1, 1, n_C2)),
        "W3": np.random.randn(n_y, n_flat) * np.sqrt(2 / n_flat),
        "b3": np.zeros((n_y, 1)),
    }


class CNN:
    """CONV -> RELU -> MAXPOOL -> CONV -> RELU -> MAXPOOL -> FLATTEN -> FC -> SOFTMAX.

        Z1 = conv(X, W1, b1; stride 1, pad)      A1 = ReLU(Z1)    P1 = maxpool(A1; pool, pool)
        Z2 = conv(P1, W2, b2; stride 1, pad)     A2 = ReLU(Z2)    P2 = maxpool(A2; pool, pool)
        F = flatten(P2) (n_flat, m)              Z3 = W3 F + b3   A3 = softmax(Z3) (n_y, m)
        J = -(1/m) sum_i sum_k Y_ki log A3_ki

    Flatten order (defined here, once): F[:, i] = P2[i].reshape(-1), the course's
    channels-last order, index (h n_W + w) n_C + c. PyTorch's ``nn.Flatten`` of NCHW is
    (c, h, w); ``torch_ref.cnn`` permutes W3's columns between the two
    (``course_fc_to_torch``), so both sides compute the same Z3 from the same dict.

    Max-pool ties: MNIST's background is exactly 0, so every window of background pixels
    has the same Z1 = b1 (and, later, the same Z2): real ties, with a positive value
    whenever the bias is positive. The course's mask gives dA to all tied entries, so
    db1 and dW2 differ from PyTorch's, which gives it to one. ``max_pool_ties="first"``
    (the default here) is PyTorch's rule (a valid subgradient), so the NumPy and PyTorch
    training runs stay comparable; ``"all"`` is the course's.

    Args:
        parameters: {"W1", "b1", "W2", "b2", "W3", "b3"} (course shapes; copied).
        image_shape: (n_H, n_W, n_C) of one image.  pad: of both convs (default (f - 1) // 2).
        pool: window and stride of both max pools.  dtype: default W1's.

    Input X: the course's columns (n_H n_W n_C, m) (MNIST (784, m)) or images
    (m, n_H, n_W, n_C); Y: one-hot (n_y, m).

    Example::

        >>> net = CNN(initialize_parameters_cnn(), dtype=np.float32)
        >>> cost = net.step(X, Y, learning_rate=0.05)      # forward, cost, backward, update
    """

    def __init__(self, parameters, image_shape=(28, 28, 1), pad=None, pool=2, dtype=None,
                 max_pool_ties="first"):
        keys = ("W1", "b1", "W2", "b2", "W3", "b3")
        if not isinstance(parameters, dict) or any(k not in parameters for k in keys):
            got = sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__
            raise ValueError(f"parameters: expected the dict {', '.join(keys)}, got {got}")
        if max_pool_ties not in TIES:
            raise ValueError(f"max_pool_ties: expected 'all' or 'first', got {max_pool_ties!r}")
        dtype = np.dtype(dtype if dtype is not None else np.asarray(parameters["W1"]).dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
        p = {k: np.array(parameters[k], dtype=dtype, order="C") for k in keys}
        f = p["W1"].shape[0]
        pad = (f - 1) // 2 if pad is None else pad
        n_H, n_W, n_C = image_shape
        check_conv(np.empty((1, n_H, n_W, n_C)), p["W1"], p["b1"], {"stride": 1, "pad": pad})
        n_H, n_W = (n_H + 2 * pad - f + 1 - pool) // pool + 1, (n_W + 2 * pad - f + 1 - pool) // pool + 1
        check_conv(np.empty((1, n_H, n_W, p["W1"].shape[3])), p["W2"], p["b2"],
                   {"stride": 1, "pad": pad})
        f2 = p["W2"].shape[0]
        n_H, n_W = (n_H + 2 * pad - f2 + 1 - pool) // pool + 1, (n_W + 2 * pad - f2 + 1 - pool) // pool + 1
        self.feature_shape = (n_H, n_W, p["W2"].shape[3])
        n_flat = n_H * n_W * p["W2"].shape[3]
        n_y = p["W3"].shape[0]
        if p["W3"].shape != (n_y, n_flat) or p["b3"].shape != (n_y, 1):
            raise ValueError(f"parameters: expected W3 (n_y, {n_flat}) (the flattened "
                             f"{self.feature_shape} of P2) and b3 (n_y, 1), got W3 "
                             f"{p['W3'].shape} and b3 {p['b3'].shape}")
        self.parameters = p
        self.image_shape, self.pad, self.pool, self.dtype = tuple(image_shape), pad, pool, dtype
        self.max_pool_ties = max_pool_ties
        self.grads = {}

    def __repr__(self):
        W1, W2, W3 = (self.parameters[k].shape for k in ("W1", "W2", "W3"))
        return (f"CNN(image_shape={self.image_shape}, conv1={W1}, conv2={W2}, fc={W3}, "
                f"pad={self.pad}, pool={self.pool}, dtype={self.dtype})")

    # ------------------------------------------------------------------ forward
    def _images(self, X):
        if not isinstance(X, np.ndarray) or X.dtype != self.dtype:
            raise ValueError(f"X: expected a {self.dtype} array, got "
                             f"{getattr(X, 'dtype', type(X).__name__)}")
        if X.ndim == 2:
            return columns_to_images(X, self.image_shape)
        if X.ndim != 4 or X.shape[1:] != self.image_shape or X.shape[0] == 0:
            raise ValueError(f"X: expected columns ({int(np.prod(self.image_shape))}, m) or "
                             f"images (m, {', '.join(map(str, self.image_shape))}), got {X.shape}")
        return X

    def forward(self, X):
        """A3 = softmax(Z3), (n_y, m); the activations stay in ``self.cache`` for backward."""
        p, pad, pool = self.parameters, self.pad, self.pool
        A0 = self._images(X)
        Z1, cols1 = _conv_forward(A0, p["W1"], p["b1"], 1, pad)
        A1 = np.maximum(Z1, 0, out=Z1)                       # A1 = ReLU(Z1), in place
        P1 = _pool_forward(A1, pool, pool, "max")
        Z2, cols2 = _conv_forward(P1, p["W2"], p["b2"], 1, pad)
        A2 = np.maximum(Z2, 0, out=Z2)
        P2 = _pool_forward(A2, pool, pool, "max")
        F = P2.reshape(P2.shape[0], -1)                      # flatten: (m, n_flat), row i = F[:, i]
        Z3 = np.dot(p["W3"], F.T)                            # Z3 = W3 F + b3
        Z3 += p["b3"]
        A3 = Z3                                              # softmax, column by column, in place
        A3 -= A3.max(axis=0, keepdims=True)
        np.exp(A3, out=A3)
        A3 /= A3.sum(axis=0, keepdims=True)
        self.cache = {"cols1": cols1, "A1": A1, "P1": P1, "cols2": cols2, "A2": A2, "P2": P2,
                      "A3": A3, "A0_shape": A0.shape}
        return A3

    def cost(self, Y):
        """J = -(1/m) sum(Y log A3), each log clamped at -100 (as :mod:`scratch.cost`)."""
        A3 = self.cache["A3"]
        self._check_Y(Y)
        with np.errstate(divide="ignore"):
            log_A3 = np.maximum(np.log(A3), LOG_CLAMP)
        return float(-np.vdot(Y, log_A3) / A3.shape[1])

    def _check_Y(self, Y):
        A3 = self.cache["A3"]
        if not isinstance(Y, np.ndarray) or Y.shape != A3.shape:
            raise ValueError(f"Y: expected one-hot labels of shape {A3.shape} (n_y, m), got "
                             f"{getattr(Y, 'shape', type(Y).__name__)}")

    # ------------------------------------------------------------------ backward
    def backward(self, Y):
        """Gradients of the last forward pass, into ``self.grads`` (dW1, db1, ..., dW3, db3):

            dZ3 = (1/m) (A3 - Y);   dW3 = dZ3 F^T;   db3 = sum(dZ3, axis=1);   dF = W3^T dZ3
            dP2 = unflatten(dF);    dA2 = maxpool_backward(dP2);   dZ2 = dA2 * (A2 > 0)
            dW2, db2, dP1 = conv_backward(dZ2)
            dA1 = maxpool_backward(dP1);   dZ1 = dA1 * (A1 > 0);   dW1, db1 = conv_backward(dZ1)

        (dX is not formed: nothing uses it.) Overwrites the cached A3.
        """
        p, c, pad, pool, ties = self.parameters, self.cache, self.pad, self.pool, self.max_pool_ties
        self._check_Y(Y)
        m = c["A3"].shape[1]
        dZ3 = c["A3"]
        dZ3 -= Y                                             # dZ3 = A3 - Y
        dZ3 *= 1 / m                                         #   with the cost's 1/m
        F = c["P2"].reshape(m, -1)
        g = self.grads
        g["dW3"] = np.dot(dZ3, F)                            # dW3 = dZ3 F^T
        g["db3"] = dZ3.sum(axis=1, keepdims=True)            # db3 = sum(dZ3, axis=1)
        dP2 = np.dot(dZ3.T, p["W3"]).reshape(c["P2"].shape)  # dF = W3^T dZ3, as (m, n_H, n_W, n_C)
        dA2 = _pool_backward(dP2, c["A2"], c["P2"], pool, pool, "max", ties)
        dZ2 = np.multiply(dA2, c["A2"] > 0, out=dA2)         # dZ2 = dA2 * ReLU'(Z2)
        dP1, g["dW2"], g["db2"] = _conv_backward(dZ2, c["cols2"], c["P1"].shape, p["W2"], 1, pad)
        dA1 = _pool_backward(dP1, c["A1"], c["P1"], pool, pool, "max", ties)
        dZ1 = np.multiply(dA1, c["A1"] > 0, out=dA1)         # dZ1 = dA1 * ReLU'(Z1)
        _, g["dW1"], g["db1"] = _conv_backward(dZ1, c["cols1"], c["A0_shape"], p["W1"], 1, pad,
                                               need_dA_prev=False)
        return g

    # ------------------------------------------------------------------ update
    def update(self, learning_rate):
        """W := W - alpha dW;  b := b - alpha db, for every parameter, in place."""
        for key, value in self.parameters.items():
            value -= learning_rate * self.grads[f"d{key}"]

    def step(self, X, Y, learning_rate):
        """One gradient-descent step: forward, cost, backward, update. Returns the cost
        before the update (a Python float)."""
        self.forward(X)
        cost = self.cost(Y)
        self.backward(Y)
        self.update(learning_rate)
        return cost

    def predict(self, X):
        """Class indices (m,): argmax of A3 over the classes."""
        return np.argmax(self.forward(X), axis=0)

    # ------------------------------------------------------------------ the course's dicts
    def course_parameters(self):
        """{"W1", "b1", "W2", "b2", "W3", "b3"}: copies in the course's shapes."""
        return {k: v.copy() for k, v in self.parameters.items()}

    def gradients(self):
        """{"dW1", ..., "db3"} of the last :meth:`backward`: copies."""
        return {k: v.copy() for k, v in self.grads.items()}

    def theoretical_memory(self, m):
        """Bytes one training step cannot do without: parameters + gradients + the
        activations backward reads (X, A1, P1, A2, P2, A3) + the labels Y, for a batch of m."""
        n_H, n_W, n_C = self.image_shape
        f1, _, _, c1 = self.parameters["W1"].shape
        f2, _, _, c2 = self.parameters["W2"].shape
        pad, pool = self.pad, self.pool
        h1, w1 = n_H + 2 * pad - f1 + 1, n_W + 2 * pad - f1 + 1
        hp1, wp1 = (h1 - pool) // pool + 1, (w1 - pool) // pool + 1
        h2, w2 = hp1 + 2 * pad - f2 + 1, wp1 + 2 * pad - f2 + 1
        n_y = self.parameters["W3"].shape[0]
        params = sum(v.size for v in self.parameters.values())
        activations = (n_H * n_W * n_C + h1 * w1 * c1 + hp1 * wp1 * c1 + h2 * w2 * c2
                       + int(np.prod(self.feature_shape)) + n_y)
        return self.dtype.itemsize * (2 * params + m * activations + m * n_y)
