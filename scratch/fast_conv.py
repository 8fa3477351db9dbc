"""Course 4, week 1 again, written for speed, and the CNN that trains on MNIST.

:mod:`scratch.conv` is the reference: one output value at a time, the course's loops.
This module computes the same numbers (the parity suite ties the two, and both to
PyTorch) with the loops over examples and pixels turned into array operations.

The single layers, in the course's layout A (m, n_H, n_W, n_C) (``conv_forward_fast``,
``conv_backward_fast``, ``pool_forward_fast``, ``pool_backward_fast``):

- im2col: the f x f x n_C_prev window under every output pixel, for every example, is
  copied into one row of a matrix ``cols`` (M, f f n_C_prev), M = m n_H n_W (one copy of
  a strided view of every window); the convolution is then ONE matrix product:
      Z = cols W_col + b,  W_col = W.reshape(f f n_C_prev, n_C)   (a view)
- backward: dW = cols^T dZ (one matrix product), db = sum of dZ's rows, and dA_prev
  (col2im of dZ W_col^T) as f f small products, one per filter offset (p, q), each
  added into a strided view:
      dA_prev_pad[:, p + s h, q + s w, :] += dZ W[p, q]^T      (M, n_C) (n_C, n_C_prev)
- pooling: f f passes over strided views, one per window offset (p, q), each the
  size of the output, instead of one Python iteration per output value.

The CNN (:class:`CNN`) computes the same formulas in another layout and order, chosen by
profiling its step (see the class docstring): activations (n_C, n_H, n_W, m), im2col in
blocks that stay in the cache, ReLU after the pool, dA_prev as a convolution, and the
batch split in shards run side by side (worker processes, or threads).

Rows of ``cols`` and of W_col are in (p, q, c) order, the order of W (f, f, n_C_prev, n_C)
in memory, so W_col is a free reshape. The dtype is kept: float32 in, float32 out.

Max-pool ties: :func:`pool_backward_fast` takes ``ties="all"`` (the course's mask
x == max(x): dA goes to every tied maximum) or ``ties="first"`` (PyTorch's: to the
first maximum in the window's row-major order). :class:`CNN` uses "first" by default,
because MNIST makes real ties (see its docstring).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from ._validate_conv import (
    check_array,
    check_conv,
    check_conv_backward,
    check_pool,
    check_pool_backward,
)
from ._blas import ThreadPolicy, one_blas_thread, run_parallel, shard_bounds
from ._shards import ShardProcess, gather
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


# ----------------------------------------------------------------------------- the CNN's layers
# Inside the CNN, activations are (n_C, n_H, n_W, m): the examples last, as the course's
# columns (n, m) are, and the channels first. The MNIST batch X (784, m) is then already
# (1, 28, 28, m) (a free view), and every window offset (p, q) of every channel is a slice
# whose rows are n_W m contiguous numbers, so im2col copies long runs.

#: the bytes of one block of im2col columns: a block is copied and multiplied while it is
#: still in the core's 2 MiB L2 cache. Measured here (MNIST's convs, batch 64 and 256):
#: whole im2col matrices and 1 MiB blocks were up to 2x slower than 512 KiB blocks.
BLOCK_BYTES = 2 ** 19


def _windows(A_pad, f):
    """Every f x f window of a stride-1 conv, a view: [p, q, c, h, w, i] = A_pad[c, h + p, w + q, i],
    shape (f, f, n_C, n_H, n_W, m) with n_H = n_H_pad - f + 1."""
    return sliding_window_view(A_pad, (f, f), axis=(1, 2)).transpose(4, 5, 0, 1, 2, 3)


def _blocks(n_H, n_W, per_position, budget):
    """The output positions (h, w) cut into blocks (h0, h1, w0, w1) of about ``budget``
    im2col numbers: whole rows when a row fits, else equal pieces of one row. A block's
    columns (h, w, i) are then contiguous in the (n_C, n_H n_W m) output."""
    fit = max(1, budget // per_position)
    if fit >= n_W:
        rows = fit // n_W
        return tuple((h, min(n_H, h + rows), 0, n_W) for h in range(0, n_H, rows))
    pieces = -(-n_W // fit)
    width = -(-n_W // pieces)
    return tuple((h, h + 1, w, min(n_W, w + width)) for h in range(n_H) for w in range(0, n_W, width))


def _im2col_blocks(A_pad, f, n_W, blocks, scratch, ones):
    """For each block of output positions (h0, h1, w0, w1) of a stride-1 conv, its im2col
    columns, copied into ``scratch``: yields (c0, n, cols), cols (f f n_C [+ 1], n) with

        cols[(p, q, c), (h, w, i)] = A_pad[c, h + p, w + q, i]   (and a last row of ones)

    for the n = (h1 - h0)(w1 - w0) m columns that start at c0 = (h0 n_W + w0) m of the
    (n_out, n_H n_W m) output. The row of ones (the bias's) is written only when n changes."""
    K = f * f * A_pad.shape[0]
    windows = _windows(A_pad, f)
    m = A_pad.shape[3]
    filled = 0
    for h0, h1, w0, w1 in blocks:
        n = (h1 - h0) * (w1 - w0) * m
        cols = scratch[:(K + ones) * n].reshape(K + ones, n)
        if ones and n != filled:
            cols[K] = 1
            filled = n
        np.copyto(cols[:K].reshape(f, f, -1, h1 - h0, w1 - w0, m), windows[:, :, :, h0:h1, w0:w1])
        yield (h0 * n_W + w0) * m, n, cols


def _conv_blocks(blas, A_pad, W_b, out, f, blocks, scratch):
    """A stride-1 conv as GEMMs, one block of output positions at a time:

        out[:, (h, w, i)] = [W^T, b] [cols; 1]      W_b (n_out, f f n_C + 1)

    with W's rows in (p, q, c) order (W (f, f, n_C, n_out) reshaped, then transposed)."""
    n_out, _, n_W, _ = out.shape
    out2 = out.reshape(n_out, -1)
    for c0, n, cols in _im2col_blocks(A_pad, f, n_W, blocks, scratch, ones=True):
        blas.matmul(W_b, cols, out=out2[:, c0:c0 + n])


def _conv_weight_gradient(blas, A_pad, dZ, dW_b, f, blocks, scratch, partial):
    """[dW; db] of a stride-1 conv from dZ (n_out, n_H, n_W, m):

        [dW; db] = sum over blocks of [cols; 1] dZ(block)^T,   (f f n_C + 1, n_out)

    rows 0 .. f f n_C - 1 are dW (f, f, n_C, n_out) flattened, the course's shape as it is;
    the last row is db = the sum of dZ over (h, w, i). ``partial`` (blocks, f f n_C + 1,
    n_out) holds each block's product, summed at the end. (This orientation of the product
    was 1.5x faster here than dZ [cols; 1]^T.)"""
    n_out, _, n_W, _ = dZ.shape
    dZ2 = dZ.reshape(n_out, -1)
    blocks_cols = _im2col_blocks(A_pad, f, n_W, blocks, scratch, ones=True)
    for j, (c0, n, cols) in enumerate(blocks_cols):
        blas.matmul(cols, dZ2[:, c0:c0 + n].T, out=partial[j])
    np.sum(partial, axis=0, out=dW_b)


def _conv_rows(blas, A_pad, W_rows, out, f, rows, scratch):
    """A stride-1 conv with an im2col over the filter's rows p only, one block of output
    rows at a time (used for dA_prev, where it was 1.5x faster than the full im2col):

        R[(p, c), h, w', i] = A_pad[c, h + p, w', i]        (w' over the padded width)
        G = W_rows R,   W_rows[(q, o), (p, c)] = W[p, q, c, o]
        out[o, h, w, i] = sum over q of G[(q, o), h, w + q, i]

    The product has f n_out rows and f n_C columns instead of n_out and f f n_C (a better
    shape for the BLAS), and R is f times smaller than the full im2col. The sum over q
    reads G through a strided view that steps q and w + q together (one reduction)."""
    n_C, _, W_pad, m = A_pad.shape
    n_out, n_H, n_W, _ = out.shape
    for h0 in range(0, n_H, rows):
        h1 = min(n_H, h0 + rows)
        n = (h1 - h0) * W_pad * m
        R = scratch[:f * n_C * n].reshape(f, n_C, h1 - h0, W_pad, m)
        np.copyto(R, sliding_window_view(A_pad[:, h0:h1 + f - 1], h1 - h0, axis=1)
                  .transpose(1, 0, 4, 2, 3))
        G = scratch[f * n_C * n:(f * n_C + f * n_out) * n].reshape(f, n_out, h1 - h0, W_pad, m)
        blas.matmul(W_rows, R.reshape(f * n_C, n), out=G.reshape(f * n_out, n))
        q_step = G.strides[0] + G.strides[3]             # G[q, o, h, w + q, i]
        shifted = as_strided(G, (f, n_out, h1 - h0, n_W, m), (q_step,) + G.strides[1:],
                             writeable=False)
        np.sum(shifted, axis=0, out=out[:, h0:h1])


def _pool_views(Z, k):
    """The k k entries of every k x k window (stride k), in the window's row-major order:
    Z[:, k h + a, k w + b, :] for (a, b) = (0, 0), (0, 1), ..., each (n_C, n_H // k, n_W // k, m)."""
    n_C, n_H, n_W, m = Z.shape
    Zv = Z[:, :k * (n_H // k), :k * (n_W // k)].reshape(n_C, n_H // k, k, n_W // k, k, m)
    return [Zv[:, :, a, :, b, :] for a in range(k) for b in range(k)]


class _MaxPoolReLU:
    """P = ReLU(maxpool(Z)) and its backward, with the winners of the forward pass kept.

    ReLU then max pool is max pool then ReLU (both are monotone), so ReLU runs on the
    pooled array (k^2 times smaller) and A = ReLU(Z) is never formed. Backward:

        dZ = dP * 1[P > 0] at the window's winner, 0 elsewhere

    (1[P > 0] is ReLU'(Z) at the winner, which is the maximum.) Winners: ties="first",
    the first maximum in the window's row-major order (PyTorch's rule); ties="all", every
    maximum (the course's mask x == max(x)). For k = 2 and "first" the winners are kept
    as three comparisons of a tournament (top row vs bottom row, then within the row):
    six array operations forward, eight backward.
    """

    def __init__(self, shape, k, ties):
        n_C, n_H, n_W, m = shape
        small = (n_C, n_H // k, n_W // k, m)
        self.k, self.ties = k, ties
        self.tournament = k == 2 and ties == "first"
        n_masks = 3 if self.tournament else k * k
        self.masks = [np.empty(small, bool) for _ in range(n_masks)]
        self.positive = np.empty(small, bool)
        self.covers = n_H % k == 0 and n_W % k == 0
        self.small = small

    def forward(self, Z, P, tmp):
        """P (n_C, n_H // k, n_W // k, m) := ReLU(maxpool(Z)); tmp: a scratch array like P."""
        v = _pool_views(Z, self.k)
        if self.tournament:
            left, right, upper = self.masks
            np.greater_equal(v[0], v[1], out=left)       # the winner of the top row is (0, 0)
            np.maximum(v[0], v[1], out=P)
            np.greater_equal(v[2], v[3], out=right)      # ... of the bottom row is (1, 0)
            np.maximum(v[2], v[3], out=tmp)
            np.greater_equal(P, tmp, out=upper)          # the top row wins ties
            np.maximum(P, tmp, out=P)
        else:
            np.copyto(P, v[0])
            for vj in v[1:]:
                np.maximum(P, vj, out=P)
            for j, vj in enumerate(v):
                np.equal(vj, P, out=self.masks[j])       # the course's x == max(x)
                if self.ties == "first":                 # ... less the earlier maxima
                    if j == 0:
                        taken = self.positive            # scratch here; reset below
                        np.copyto(taken, self.masks[0])
                    else:
                        np.greater(self.masks[j], taken, out=self.masks[j])  # a and not b
                        np.logical_or(taken, self.masks[j], out=taken)
        np.maximum(P, 0, out=P)                          # ReLU

    def backward(self, dP, P, dZ, tmp):
        """dZ := the gradient of Z, from dP (overwritten) and the forward's P; tmp like P."""
        np.greater(P, 0, out=self.positive)
        np.multiply(dP, self.positive, out=dP)           # ReLU'(Z) at the winner
        d = _pool_views(dZ, self.k)
        if self.tournament:
            left, right, upper = self.masks
            np.multiply(dP, upper, out=tmp)              # to the top row's winner
            np.subtract(dP, tmp, out=dP)                 # to the bottom row's
            np.multiply(tmp, left, out=d[0])
            np.subtract(tmp, d[0], out=d[1])
            np.multiply(dP, right, out=d[2])
            np.subtract(dP, d[2], out=d[3])
        else:
            for dj, mask in zip(d, self.masks):
                np.multiply(dP, mask, out=dj)
        if not self.covers:                              # rows and columns no window reads
            k = self.k
            dZ[:, k * (dZ.shape[1] // k):] = 0
            dZ[:, :, k * (dZ.shape[2] // k):] = 0


def _view(buffer, shape):
    """The first prod(shape) numbers of a flat buffer, as an array of that shape."""
    return buffer[:int(np.prod(shape))].reshape(shape)


def _zero_border(A, e):
    """A[:, :e], A[:, -e:], A[:, :, :e], A[:, :, -e:] = 0: the padding of a reused buffer."""
    if e:
        A[:, :e] = A[:, -e:] = 0
        A[:, :, :e] = A[:, :, -e:] = 0


class _Step:
    """The buffers of one training step on a batch of m, allocated once and reused.

    Lifetimes let arrays share memory: Z1's buffer holds Z1 (forward), then dZ2 padded
    (for dP1), then dZ1; Z2's holds Z2, then dZ2, then the pool-1 backward's scratch; dP1's
    and dP2's serve as the pools' scratch in the forward pass, and dP1's for the pool-2
    backward. The im2col blocks and the row-im2col of dP1 share one scratch buffer of about
    BLOCK_BYTES. One _Step per shard of the batch."""

    def __init__(self, net, m):
        dtype, pad, k = net.dtype, net.pad, net.pool
        (n_H, n_W, n_C0), (f1, c1), (f2, c2) = net.image_shape, net.conv1, net.conv2
        H1, W1 = n_H + 2 * pad - f1 + 1, n_W + 2 * pad - f1 + 1
        Hp1, Wp1 = H1 // k, W1 // k
        H2, W2 = Hp1 + 2 * pad - f2 + 1, Wp1 + 2 * pad - f2 + 1
        Hp2, Wp2 = H2 // k, W2 // k
        self.m = m
        self.e = e = f2 - 1 - pad                       # dP1 = conv(dZ2 padded by e, W2 flipped)
        dZ2_pad_shape = (c2, H2 + 2 * e, W2 + 2 * e, m)
        self.X_pad = np.zeros((n_C0, n_H + 2 * pad, n_W + 2 * pad, m), dtype)
        big = np.empty(max(c1 * H1 * W1 * m, int(np.prod(dZ2_pad_shape))), dtype)
        self.Z1 = _view(big, (c1, H1, W1, m))           # Z1, then dZ1
        self.dZ2_pad = _view(big, dZ2_pad_shape)         # between the two
        self.P1_pad = np.zeros((c1, Hp1 + 2 * pad, Wp1 + 2 * pad, m), dtype)
        self.P1 = self.P1_pad[:, pad:pad + Hp1, pad:pad + Wp1]
        dP1 = np.empty(max(c1 * Hp1 * Wp1, c2 * Hp2 * Wp2) * m, dtype)
        self.dP1 = _view(dP1, (c1, Hp1, Wp1, m))
        self.dP2_scratch = _view(dP1, (c2, Hp2, Wp2, m))     # the pool-2 backward's, before dP1
        Z2 = np.empty(max(c2 * H2 * W2, c1 * Hp1 * Wp1) * m, dtype)
        self.Z2 = _view(Z2, (c2, H2, W2, m))            # Z2, then dZ2
        self.dP1_scratch = _view(Z2, self.dP1.shape)     # the pool-1 backward's, after dZ2
        self.P2 = np.empty((c2, Hp2, Wp2, m), dtype)    # F = P2 as (n_flat, m), (c, h, w) order
        self.dP2 = np.empty_like(self.P2)
        self.pool1 = _MaxPoolReLU(self.Z1.shape, k, net.max_pool_ties)
        self.pool2 = _MaxPoolReLU(self.Z2.shape, k, net.max_pool_ties)
        K1, K2 = f1 * f1 * n_C0 + 1, f2 * f2 * c1 + 1
        budget = BLOCK_BYTES // np.dtype(dtype).itemsize
        self.blocks1 = _blocks(H1, W1, K1 * m, budget)
        self.blocks2 = _blocks(H2, W2, K2 * m, budget)
        row = f2 * (c2 + c1) * (Wp1 + f2 - 1) * m        # R and G of one row of dP1
        self.rows_dP1 = max(1, budget // row)
        blocks = max(K * (h1 - h0) * (w1 - w0) * m
                     for K, bl in ((K1, self.blocks1), (K2, self.blocks2)) for h0, h1, w0, w1 in bl)
        self.scratch = np.empty(max(blocks, row * min(self.rows_dP1, Hp1)), dtype)
        self.row = np.empty((2, 1, m), dtype)           # softmax: column max, column sum
        self.dW3 = np.empty((net.n_y, c2 * Hp2 * Wp2), dtype)   # (c, h, w) column order
        self.db3 = np.empty((net.n_y, 1), dtype)
        self.blas = net._blas                            # one shard: the model's own session
        self.dW1, self.dW2 = np.empty((K1, c1), dtype), np.empty((K2, c2), dtype)   # [dW; db]
        self.partial1 = np.empty((len(self.blocks1), K1, c1), dtype)
        self.partial2 = np.empty((len(self.blocks2), K2, c2), dtype)


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

    How it is computed (the formulas above, the layers of :mod:`scratch.conv` in another
    order of memory): inside, every activation is (n_C, n_H, n_W, m), the examples last
    like the course's columns, so X (784, m) is already (1, 28, 28, m). Each conv is
    im2col + GEMM block by block (:data:`BLOCK`), with the bias as a row of ones in the
    im2col block: Z = [b, W^T] [1; cols]. ReLU is applied after the max pool
    (:class:`_MaxPoolReLU`: the same numbers, on a 4x smaller array), and the pool keeps
    its winners, so A1 and A2 are never stored. Backward, per conv:

        [db, dW^T] = dZ [1; cols]^T                   (cols made again, block by block)
        dA_prev    = conv(dZ padded by f - 1 - pad, W flipped in (p, q), channels swapped)

    (the second is the adjoint of the first conv, written as a conv so that it too is
    one GEMM per block instead of a scatter-add of f f strided slices). W3's columns are
    permuted once per step to the (c, h, w) order of the flattened (n_C, n_H, n_W, m) P2.
    Every buffer of a step is allocated once per batch size (:class:`_Step`). With k threads
    allowed (the BLAS limit in effect, or ``thread_policy``), the batch is split in k shards
    (:meth:`scratch._blas.ThreadPolicy.shards`) that run the whole step at once, each with its
    own buffers and one BLAS thread; their gradient sums are added. Shard 0 runs in the
    calling thread, shards 1 .. k-1 in worker processes (:mod:`scratch._shards`: in threads,
    the GIL's hand-overs between some 500 NumPy calls a step cost more than the second core
    gave) or, with ``shard_workers="threads"``, in threads; both give the same numbers.

    Where the time went, profiled at batch 64 in float32 on one thread (2-core Xeon, OpenBLAS
    0.3.31), before: im2col copies 20 %, col2im 23 %, max-pool backward 16 %, the GEMMs 22 %;
    after (7.3 ms of CPU time): the GEMMs about 47 %, im2col copies 15 %, pooling 13 %.

    Args:
        parameters: {"W1", "b1", "W2", "b2", "W3", "b3"} (course shapes; copied).
        image_shape: (n_H, n_W, n_C) of one image.  pad: of both convs (default (f - 1) // 2;
            at most f - 1).  pool: window and stride of both max pools.  dtype: default W1's.
        thread_policy: a :class:`scratch._blas.ThreadPolicy`: the threads a step may use
            (shards of the batch) and the BLAS threads of each product.

    Input X: the course's columns (n_H n_W n_C, m) (MNIST (784, m)) or images
    (m, n_H, n_W, n_C); Y: one-hot (n_y, m).

    Example::

        >>> net = CNN(initialize_parameters_cnn(), dtype=np.float32)
        >>> cost = net.step(X, Y, learning_rate=0.05)      # forward, cost, backward, update
    """

    def __init__(self, parameters, image_shape=(28, 28, 1), pad=None, pool=2, dtype=None,
                 max_pool_ties="first", thread_policy=None):
        keys = ("W1", "b1", "W2", "b2", "W3", "b3")
        if not isinstance(parameters, dict) or any(k not in parameters for k in keys):
            got = sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__
            raise ValueError(f"parameters: expected the dict {', '.join(keys)}, got {got}")
        if max_pool_ties not in TIES:
            raise ValueError(f"max_pool_ties: expected 'all' or 'first', got {max_pool_ties!r}")
        dtype = np.dtype(dtype if dtype is not None else np.asarray(parameters["W1"]).dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
        if thread_policy is not None and not isinstance(thread_policy, ThreadPolicy):
            raise ValueError(f"thread_policy: expected a scratch._blas.ThreadPolicy or None, "
                             f"got {type(thread_policy).__name__}")
        p = {k: np.array(parameters[k], dtype=dtype, order="C") for k in keys}
        f = p["W1"].shape[0]
        pad = (f - 1) // 2 if pad is None else pad
        n_H, n_W, n_C = image_shape
        check_conv(np.empty((1, n_H, n_W, n_C)), p["W1"], p["b1"], {"stride": 1, "pad": pad})
        if pad > f - 1 or pad > p["W2"].shape[0] - 1:
            raise ValueError(f"pad: expected at most f - 1 = {min(f, p['W2'].shape[0]) - 1} "
                             f"(a window that sees only padding), got {pad}")
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
        self.conv1, self.conv2 = (f, p["W1"].shape[3]), (f2, p["W2"].shape[3])
        self.n_y = n_y
        self.max_pool_ties = max_pool_ties
        self._blas = (thread_policy if thread_policy is not None else ThreadPolicy()).session()
        self._processes = self._blas.policy.shard_workers == "processes"
        self._workers = []
        self._steps = {}
        self._s = self._A3 = None
        self.grads = {}

    def __repr__(self):
        W1, W2, W3 = (self.parameters[k].shape for k in ("W1", "W2", "W3"))
        return (f"CNN(image_shape={self.image_shape}, conv1={W1}, conv2={W2}, fc={W3}, "
                f"pad={self.pad}, pool={self.pool}, dtype={self.dtype})")

    # ------------------------------------------------------------------ forward
    def _input(self, X):
        """X as (n_C, n_H, n_W, m): a view of the course's columns or of NHWC images."""
        if not isinstance(X, np.ndarray) or X.dtype != self.dtype:
            raise ValueError(f"X: expected a {self.dtype} array, got "
                             f"{getattr(X, 'dtype', type(X).__name__)}")
        n_H, n_W, n_C = self.image_shape
        if X.ndim == 2:
            check_array("X", X, 2, "(n_H n_W n_C, m)")
            if X.shape[0] != n_H * n_W * n_C:
                raise ValueError(f"X: expected {n_H * n_W * n_C} rows (one {n_H} x {n_W} x {n_C} "
                                 f"image per column), got {X.shape}")
            return X.reshape(n_H, n_W, n_C, -1).transpose(2, 0, 1, 3)
        if X.ndim != 4 or X.shape[1:] != self.image_shape or X.shape[0] == 0:
            raise ValueError(f"X: expected columns ({int(np.prod(self.image_shape))}, m) or "
                             f"images (m, {', '.join(map(str, self.image_shape))}), got {X.shape}")
        return X.transpose(3, 1, 2, 0)

    def _shards(self, m):
        """The batch's shards [(i0, i1, buffers), ...] (:func:`scratch._blas.shard_bounds` on
        the threads the policy allows); buffers are kept for the two batch sizes seen last
        (the training batch and the epoch's last, smaller one)."""
        bounds = self._blas.policy.shards(m)
        key = (m, len(bounds))
        shards = self._steps.get(key)
        if shards is None:
            if len(self._steps) >= 2:
                self._steps.pop(next(iter(self._steps)))
            # shards 1 .. k-1 in worker processes: only shard 0's buffers are here
            here = bounds[:1] if len(bounds) > 1 and self._processes else bounds
            shards = self._steps[key] = ([(i0, i1, _Step(self, i1 - i0)) for i0, i1 in here]
                                         + [(i0, i1, None) for i0, i1 in bounds[len(here):]])
            if len(shards) > 1:                          # each thread its own single-thread session
                for _, _, st in shards[:len(here)]:
                    st.blas = ThreadPolicy(max_threads=1).session()
        return shards

    def _worker_processes(self, shards):
        """The worker processes of shards 1 .. k-1 (started on first use, kept for the next
        steps), or [] when the shards run in threads or there is one shard."""
        if len(shards) == 1 or not self._processes:
            return []
        while len(self._workers) < len(shards) - 1:
            state = dict(parameters=self.parameters, image_shape=self.image_shape, pad=self.pad,
                         pool=self.pool, dtype=self.dtype.name, max_pool_ties=self.max_pool_ties)
            self._workers.append(ShardProcess("scratch.fast_conv:_replica", state))
        return self._workers[:len(shards) - 1]

    def _prepare(self, A0):
        """This step's shards for the input A0 (n_C, n_H, n_W, m), the shared A3 (n_y, m) and
        the weights in the layouts the step uses (W with b, W3 in P2's (c, h, w) order)."""
        p = self.parameters
        m = A0.shape[3]
        shards = self._shards(m)
        if self._A3 is None or self._A3.shape[1] != m:
            self._A3, self._log = np.empty((self.n_y, m), self.dtype), np.empty((self.n_y, m), self.dtype)
        (_, c1), (_, c2) = self.conv1, self.conv2
        self._W1_b = np.concatenate([p["W1"].reshape(-1, c1), p["b1"].reshape(1, c1)]).T
        self._W2_b = np.concatenate([p["W2"].reshape(-1, c2), p["b2"].reshape(1, c2)]).T
        H, W, C = self.feature_shape
        self._W3 = p["W3"].reshape(-1, H, W, C).transpose(0, 3, 1, 2).reshape(self.n_y, -1)
        self._s = shards
        return shards

    def forward(self, X):
        """A3 = softmax(Z3), (n_y, m): the model's buffer, overwritten by the next call (copy
        it to keep it); what backward needs stays in the model."""
        A0 = self._input(X)
        shards = self._prepare(A0)
        workers = self._worker_processes(shards)
        if not workers:
            run_parallel([lambda i0=i0, i1=i1, st=st: self._forward(st, A0[..., i0:i1], i0, i1)
                          for i0, i1, st in shards])
            return self._A3
        flat = np.concatenate([v.ravel() for v in self.parameters.values()])   # one array
        for (i0, i1, _), w in zip(shards[1:], workers):                       # pickles fastest
            w.start("_worker_forward", flat, np.ascontiguousarray(A0[..., i0:i1]))
        i0, i1, st = shards[0]
        with gather(workers) as results, one_blas_thread():
            self._forward(st, A0[..., i0:i1], i0, i1)
        for (i0, i1, _), A3 in zip(shards[1:], results):
            self._A3[:, i0:i1] = A3
        return self._A3

    # ------------------------------------------------------------------ a worker process's
    def _worker_forward(self, flat, A0):
        """In a shard's worker process: the forward pass of its examples A0 (n_C, n_H, n_W,
        m_shard) with the caller's current parameters (``flat``: W1, b1, ..., b3 raveled and
        joined); returns its columns of A3."""
        i = 0
        for value in self.parameters.values():
            value.reshape(-1)[...] = flat[i:i + value.size]
            i += value.size
        (_, _, st), = self._prepare(A0)
        self._forward(st, A0, 0, A0.shape[3])
        return self._A3

    def _worker_backward(self, Y, m):
        """In a shard's worker process: the backward pass of its examples (Y its columns, m
        the whole batch's); returns its sums [dW1; db1], [dW2; db2], dW3, db3."""
        self._check_Y(Y)
        (_, _, st), = self._s
        self._backward(st, Y, 0, Y.shape[1], m)
        return np.concatenate([st.dW1.ravel(), st.dW2.ravel(), st.dW3.ravel(), st.db3.ravel()])

    def _forward(self, s, A0, i0, i1):
        """The forward pass of one shard (examples i0..i1 - 1) into its buffers and A3[:, i0:i1]."""
        p, pad = self.parameters, self.pad
        (f1, _), (f2, _) = self.conv1, self.conv2
        n_H, n_W, _ = self.image_shape
        np.copyto(s.X_pad[:, pad:pad + n_H, pad:pad + n_W], A0)
        A3 = self._A3[:, i0:i1]
        with s.blas as blas:
            _conv_blocks(blas, s.X_pad, self._W1_b, s.Z1, f1, s.blocks1, s.scratch)  # Z1 = W1 * X + b1
            s.pool1.forward(s.Z1, s.P1, s.dP1)                               # P1 = maxpool(ReLU(Z1))
            _conv_blocks(blas, s.P1_pad, self._W2_b, s.Z2, f2, s.blocks2, s.scratch)  # Z2 = W2 * P1 + b2
            s.pool2.forward(s.Z2, s.P2, s.dP2)                               # P2 = maxpool(ReLU(Z2))
            Z3 = blas.matmul(self._W3, s.P2.reshape(-1, s.m), out=A3)        # Z3 = W3 F + b3
        Z3 += p["b3"]
        t_max, total = s.row                             # A3 = softmax(Z3), column by column
        np.max(Z3, axis=0, keepdims=True, out=t_max)
        Z3 -= t_max
        np.exp(Z3, out=Z3)
        np.sum(Z3, axis=0, keepdims=True, out=total)
        Z3 /= total

    def cost(self, Y):
        """J = -(1/m) sum(Y log A3), each log clamped at -100 (as :mod:`scratch.cost`)."""
        self._check_Y(Y)
        with np.errstate(divide="ignore"):
            np.log(self._A3, out=self._log)
        np.maximum(self._log, LOG_CLAMP, out=self._log)
        return float(-np.vdot(Y, self._log) / self._A3.shape[1])

    def _check_Y(self, Y):
        if self._s is None:
            raise ValueError("Y: no forward pass yet; call forward(X) first")
        if not isinstance(Y, np.ndarray) or Y.shape != self._A3.shape:
            raise ValueError(f"Y: expected one-hot labels of shape {self._A3.shape} (n_y, m), "
                             f"got {getattr(Y, 'shape', type(Y).__name__)}")

    # ------------------------------------------------------------------ backward
    def backward(self, Y):
        """Gradients of the last forward pass, into ``self.grads`` (dW1, db1, ..., dW3, db3):

            dZ3 = (1/m) (A3 - Y);   dW3 = dZ3 F^T;   db3 = sum(dZ3, axis=1);   dF = W3^T dZ3
            dP2 = unflatten(dF);    dA2 = maxpool_backward(dP2);   dZ2 = dA2 * (A2 > 0)
            dW2, db2, dP1 = conv_backward(dZ2)
            dA1 = maxpool_backward(dP1);   dZ1 = dA1 * (A1 > 0);   dW1, db1 = conv_backward(dZ1)

        (dX is not formed: nothing uses it.) With several shards, each computes the sums over
        its examples and the shards' sums are added. Overwrites the forward pass's A3.
        """
        self._check_Y(Y)
        shards, m = self._s, self._A3.shape[1]
        names = ("dW1", "dW2", "dW3", "db3")
        workers = self._worker_processes(shards)
        first = shards[0][2]
        if workers:
            for (i0, i1, _), w in zip(shards[1:], workers):
                w.start("_worker_backward", np.ascontiguousarray(Y[:, i0:i1]), m)
            i0, i1, _ = shards[0]
            with gather(workers) as results, one_blas_thread():
                self._backward(first, Y[:, i0:i1], i0, i1, m)
            cuts = np.cumsum([getattr(first, name).size for name in names])[:-1]
            sums = [np.split(flat, cuts) for flat in results]
        else:
            run_parallel([lambda i0=i0, i1=i1, st=st: self._backward(st, Y[:, i0:i1], i0, i1, m)
                          for i0, i1, st in shards])
            sums = [[getattr(st, name) for name in names] for _, _, st in shards[1:]]
        for shard in sums:                               # add up the shards' sums
            for name, value in zip(names, shard):
                total = getattr(first, name)
                total += value.reshape(total.shape)
        p, g = self.parameters, self.grads
        H, W, C = self.feature_shape
        g["dW3"] = first.dW3.reshape(-1, C, H, W).transpose(0, 2, 3, 1).reshape(self.n_y, -1)
        g["db3"] = first.db3.copy()
        for l, dW_b in ((1, first.dW1), (2, first.dW2)):
            g[f"dW{l}"] = dW_b[:-1].reshape(p[f"W{l}"].shape).copy()
            g[f"db{l}"] = dW_b[-1].reshape(1, 1, 1, -1).copy()
        return g

    def _backward(self, s, Y, i0, i1, m):
        """The backward pass of one shard: its sums of dW1, [dW; db] of both convs, dW3, db3
        (into its buffers); m is the whole batch's (the cost's 1/m)."""
        p = self.parameters
        (f1, c1), (f2, c2) = self.conv1, self.conv2
        dZ3 = self._A3[:, i0:i1]
        dZ3 -= Y                                         # dZ3 = A3 - Y
        dZ3 *= 1 / m                                     #   with the cost's 1/m
        F = s.P2.reshape(-1, s.m)
        with s.blas as blas:
            blas.matmul(dZ3, F.T, out=s.dW3)                        # dW3 = dZ3 F^T, (c, h, w) order
            np.sum(dZ3, axis=1, keepdims=True, out=s.db3)            # db3 = sum(dZ3, axis=1)
            blas.matmul(self._W3.T, dZ3, out=s.dP2.reshape(-1, s.m))  # dF = W3^T dZ3
            dZ2 = s.Z2
            s.pool2.backward(s.dP2, s.P2, dZ2, s.dP2_scratch)        # dZ2
            _conv_weight_gradient(blas, s.P1_pad, dZ2, s.dW2, f2, s.blocks2, s.scratch, s.partial2)
            e, (H2, W2) = s.e, dZ2.shape[1:3]                        # dP1 = conv(dZ2 padded by e,
            _zero_border(s.dZ2_pad, e)                               #            W2 flipped)
            np.copyto(s.dZ2_pad[:, e:e + H2, e:e + W2], dZ2)
            W_rows = p["W2"][::-1, ::-1].transpose(1, 2, 0, 3).reshape(f2 * c1, f2 * c2)
            _conv_rows(blas, s.dZ2_pad, W_rows, s.dP1, f2, s.rows_dP1, s.scratch)
            dZ1 = s.Z1
            s.pool1.backward(s.dP1, s.P1, dZ1, s.dP1_scratch)        # dZ1
            _conv_weight_gradient(blas, s.X_pad, dZ1, s.dW1, f1, s.blocks1, s.scratch, s.partial1)

    # ------------------------------------------------------------------ update
    def update(self, learning_rate):
        """W := W - alpha dW;  b := b - alpha db, for every parameter, in place."""
        for key, value in self.parameters.items():
            value -= learning_rate * self.grads[f"d{key}"]

    def step(self, X, Y, learning_rate):
        """One gradient-descent step: forward, cost, backward, update. Returns the cost
        before the update (a Python float)."""
        with self._blas:
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
        """{"dW1", ..., "db3"} of the last :meth:`backward`: copies, in the course's shapes."""
        return {k: np.array(v, order="C") for k, v in self.grads.items()}

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


def _replica(state):
    """The CNN a shard's worker process runs (:class:`scratch._shards.ShardProcess`): the
    caller's model, its shard on one thread."""
    net = CNN(thread_policy=ThreadPolicy(max_threads=1, shard_workers="threads"), **state)
    # one step on a single blank image first: the code and BLAS buffers it loads are the
    # interpreter's, not the shards' memory (ShardProcess.memory counts from here)
    net.forward(np.zeros((int(np.prod(net.image_shape)), 1), net.dtype))
    net.backward(np.eye(net.n_y, 1, dtype=net.dtype))
    net._steps.clear()
    net._s = net._A3 = None
    return net
