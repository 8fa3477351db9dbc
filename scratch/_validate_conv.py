"""Input checks of the convolution modules (:mod:`scratch.conv`, :mod:`scratch.fast_conv`).

Each public function calls ONE of these at its top; each raises ``ValueError`` saying
what was expected and what was given. Layout: channels last, A (m, n_H, n_W, n_C),
W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C).
"""
from __future__ import annotations

import numpy as np

from ._validate import _describe

MODES = ("max", "average")


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def check_array(name: str, a, ndim: int, layout: str) -> np.ndarray:
    """A numeric array of rank ``ndim`` with no zero-length axis."""
    arr = np.asarray(a)
    if arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array {layout}, got {_describe(arr)}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if 0 in arr.shape:
        raise ValueError(f"{name}: expected no empty axis {layout}, got {_describe(arr)}")
    return arr


def check_pad(pad) -> None:
    if not _is_int(pad) or pad < 0:
        raise ValueError(f"pad: expected an integer >= 0, got {pad!r}")


def _hparameter(hparameters, key: str, keys: str):
    if not isinstance(hparameters, dict) or key not in hparameters:
        got = sorted(hparameters) if isinstance(hparameters, dict) else type(hparameters).__name__
        raise ValueError(f"hparameters: expected a dict with keys {keys}, got {got}")
    return hparameters[key]


def _check_stride(stride) -> None:
    if not _is_int(stride) or stride < 1:
        raise ValueError(f"hparameters['stride']: expected an integer >= 1, got {stride!r}")


def _check_fits(f: int, n_H: int, n_W: int, pad: int, what: str) -> None:
    if f > n_H + 2 * pad or f > n_W + 2 * pad:
        raise ValueError(f"{what}: a {f} x {f} filter does not fit the padded input "
                         f"{n_H + 2 * pad} x {n_W + 2 * pad} (n_H {n_H} + 2 pad, n_W {n_W} "
                         f"+ 2 pad, pad = {pad}); expected f <= both")


def check_conv(A_prev, W, b, hparameters):
    """A_prev (m, n_H_prev, n_W_prev, n_C_prev), W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C),
    hparameters {"stride" >= 1, "pad" >= 0}, and the filter fits the padded input."""
    A_prev = check_array("A_prev", A_prev, 4, "(m, n_H_prev, n_W_prev, n_C_prev)")
    W = check_array("W", W, 4, "(f, f, n_C_prev, n_C)")
    b = np.asarray(b)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"W: expected a square filter (f, f, n_C_prev, n_C), got {W.shape}")
    if W.shape[2] != A_prev.shape[3]:
        raise ValueError(f"W: expected n_C_prev = {A_prev.shape[3]} input channels (A_prev "
                         f"{A_prev.shape} has n_C = {A_prev.shape[3]}), got W {W.shape} with "
                         f"n_C_prev = {W.shape[2]}")
    if b.shape != (1, 1, 1, W.shape[3]):
        raise ValueError(f"b: expected shape (1, 1, 1, {W.shape[3]}) to match W {W.shape}, "
                         f"got {_describe(b)}")
    keys = "'stride' and 'pad'"
    stride, pad = _hparameter(hparameters, "stride", keys), _hparameter(hparameters, "pad", keys)
    _check_stride(stride)
    check_pad(pad)
    _check_fits(W.shape[0], A_prev.shape[1], A_prev.shape[2], pad, "conv")
    return A_prev, W, b


def conv_output_shape(A_prev_shape, W_shape, hparameters):
    """(m, n_H, n_W, n_C) with n = int((n_prev + 2 pad - f) / stride) + 1."""
    m, n_H_prev, n_W_prev, _ = A_prev_shape
    f, _, _, n_C = W_shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    return (m, int((n_H_prev + 2 * pad - f) / stride) + 1,
            int((n_W_prev + 2 * pad - f) / stride) + 1, n_C)


def check_conv_backward(dZ, cache):
    """cache = (A_prev, W, b, hparameters) from conv_forward; dZ shaped like its Z."""
    if not isinstance(cache, tuple) or len(cache) != 4:
        raise ValueError(f"cache: expected the tuple (A_prev, W, b, hparameters) that "
                         f"conv_forward returns, got {type(cache).__name__}"
                         f"{f' of length {len(cache)}' if isinstance(cache, tuple) else ''}")
    A_prev, W, b, hparameters = cache
    check_conv(A_prev, W, b, hparameters)
    dZ = np.asarray(dZ)
    expected = conv_output_shape(np.shape(A_prev), np.shape(W), hparameters)
    if dZ.shape != expected:
        raise ValueError(f"dZ: expected shape {expected} (the shape of conv_forward's Z), "
                         f"got {_describe(dZ)}")
    return dZ


def check_pool(A_prev, hparameters, mode):
    """A_prev (m, n_H_prev, n_W_prev, n_C), hparameters {"f" >= 1, "stride" >= 1},
    f <= n_H_prev and n_W_prev (no padding), mode "max" or "average"."""
    if mode not in MODES:
        raise ValueError(f"mode: expected 'max' or 'average', got {mode!r}")
    A_prev = check_array("A_prev", A_prev, 4, "(m, n_H_prev, n_W_prev, n_C)")
    keys = "'f' and 'stride'"
    f, stride = _hparameter(hparameters, "f", keys), _hparameter(hparameters, "stride", keys)
    if not _is_int(f) or f < 1:
        raise ValueError(f"hparameters['f']: expected an integer >= 1, got {f!r}")
    _check_stride(stride)
    _check_fits(f, A_prev.shape[1], A_prev.shape[2], 0, "pool")
    return A_prev


def pool_output_shape(A_prev_shape, hparameters):
    m, n_H_prev, n_W_prev, n_C = A_prev_shape
    f, stride = hparameters["f"], hparameters["stride"]
    return (m, int(1 + (n_H_prev - f) / stride), int(1 + (n_W_prev - f) / stride), n_C)


def check_pool_backward(dA, cache, mode):
    """cache = (A_prev, hparameters) from pool_forward; dA shaped like its A."""
    if not isinstance(cache, tuple) or len(cache) != 2:
        raise ValueError(f"cache: expected the tuple (A_prev, hparameters) that pool_forward "
                         f"returns, got {type(cache).__name__}"
                         f"{f' of length {len(cache)}' if isinstance(cache, tuple) else ''}")
    A_prev, hparameters = cache
    check_pool(A_prev, hparameters, mode)
    dA = np.asarray(dA)
    expected = pool_output_shape(np.shape(A_prev), hparameters)
    if dA.shape != expected:
        raise ValueError(f"dA: expected shape {expected} (the shape of pool_forward's A), "
                         f"got {_describe(dA)}")
    return dA


def check_single_step(a_slice_prev, W, b):
    a, W, b = np.asarray(a_slice_prev), np.asarray(W), np.asarray(b)
    if a.ndim != 3 or a.shape != W.shape:
        raise ValueError(f"conv_single_step: expected a_slice_prev and W of the same shape "
                         f"(f, f, n_C_prev), got a_slice_prev {a.shape} and W {W.shape}")
    if b.size != 1:
        raise ValueError(f"conv_single_step: expected b with one value (shape (1, 1, 1)), "
                         f"got {_describe(b)}")


def check_window(x):
    x = np.asarray(x)
    if x.ndim != 2 or x.size == 0:
        raise ValueError(f"x: expected a non-empty 2-D window (f, f), got {_describe(x)}")


def check_shape2(shape):
    if (not isinstance(shape, tuple) or len(shape) != 2
            or not all(_is_int(n) and n >= 1 for n in shape)):
        raise ValueError(f"shape: expected a tuple (n_H, n_W) of two positive integers, "
                         f"got {shape!r}")


# ----------------------------------------------------------------------------- for @checked (scratch.conv)
# One check per function of scratch.conv, for the ``@checked`` decorator of scratch._validate:
# each returns None or the call's arguments to use (the checks above return parts of them).
def check_zero_pad(X, pad):
    check_pad(pad)


def check_conv_single_step(a_slice_prev, W, b):
    check_single_step(a_slice_prev, W, b)


def check_conv_forward(A_prev, W, b, hparameters):
    return (*check_conv(A_prev, W, b, hparameters), hparameters)


def check_pool_forward(A_prev, hparameters, mode):
    return check_pool(A_prev, hparameters, mode), hparameters, mode


def check_conv_backward_call(dZ, cache):
    return check_conv_backward(dZ, cache), cache


def check_create_mask_from_window(x):
    check_window(x)


def check_distribute_value(dz, shape):
    check_shape2(shape)


def check_pool_backward_call(dA, cache, mode):
    return check_pool_backward(dA, cache, mode), cache, mode
