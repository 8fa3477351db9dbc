"""Input checks of :mod:`scratch.conv_layers`, :mod:`scratch.resnet`, :mod:`scratch.mobilenet`
and :mod:`scratch.unet` (each public function names ONE of these with ``@checked``).

Every check raises ``ValueError`` saying what was expected and what was given, BEFORE anything
is computed, and returns the arguments converted to one float type (float32 when every float
input is float32, else float64; integers become float64). Layout: channels last.
"""
from __future__ import annotations

import numpy as np

from ._validate import _describe

PADDINGS = ("valid", "same")


# ----------------------------------------------------------------------------- pieces
def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def float_type(*arrays):
    floats = [np.asarray(a).dtype for a in arrays if np.issubdtype(np.asarray(a).dtype, np.floating)]
    return np.result_type(*floats) if floats else np.dtype(np.float64)


def _array(name, a, ndim, layout, *, finite=True):
    arr = np.asarray(a)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.floating)
                                     or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name}: expected a numeric array {layout}, got {_describe(arr)}")
    if arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array {layout}, got {_describe(arr)}")
    if 0 in arr.shape:
        raise ValueError(f"{name}: expected no empty axis {layout}, got {_describe(arr)}")
    if finite and np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got NaN or inf in {_describe(arr)}")
    return arr


def _as(dtype, *arrays):
    return tuple(np.asarray(a).astype(dtype, copy=False) for a in arrays)


def activations(name, A):
    """A (m, n_H, n_W, n_C), numeric, finite."""
    return _array(name, A, 4, "(m, n_H, n_W, n_C)")


def channel_vector(name, a, n_C, what):
    a = np.asarray(a)
    if a.shape != (1, 1, 1, n_C):
        raise ValueError(f"{name}: expected shape (1, 1, 1, {n_C}) (one per channel of {what}), "
                         f"got {_describe(a)}")
    return _array(name, a, 4, "(1, 1, 1, n_C)")


def check_stride(stride, name="stride"):
    if not _is_int(stride) or stride < 1:
        raise ValueError(f"{name}: expected an integer >= 1, got {stride!r}")


def pads(f, padding):
    """(before, after) zero rows (and columns) of Conv2D's padding."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        return (f - 1) // 2, f - 1 - (f - 1) // 2
    return padding, padding


def check_padding(padding, stride, f):
    if isinstance(padding, str):
        if padding not in PADDINGS:
            raise ValueError(f"padding: expected 'valid', 'same' or an integer >= 0, got "
                             f"{padding!r}")
        if padding == "same" and stride != 1:
            raise ValueError(f"padding: 'same' is supported with stride 1 only (as PyTorch's "
                             f"padding='same'; TensorFlow pads a strided 'same' unevenly), got "
                             f"stride {stride}; give an integer padding instead")
    elif not _is_int(padding) or padding < 0:
        raise ValueError(f"padding: expected 'valid', 'same' or an integer >= 0, got {padding!r}")


def _fits(f, A_shape, padding, what):
    before, after = pads(f, padding)
    n_H, n_W = A_shape[1] + before + after, A_shape[2] + before + after
    if f > n_H or f > n_W:
        raise ValueError(f"{what}: a {f} x {f} filter does not fit the padded input {n_H} x {n_W} "
                         f"(A_prev {A_shape}, padding {padding!r}); expected f <= both")


def conv_output_hw(n, f, stride, padding):
    before, after = pads(f, padding)
    return (n + before + after - f) // stride + 1


def _square(name, W, layout):
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"{name}: expected a square filter {layout}, got {W.shape}")


def _cache(cache, length, what):
    if not isinstance(cache, tuple) or len(cache) != length:
        got = type(cache).__name__ + (f" of length {len(cache)}" if isinstance(cache, tuple) else "")
        raise ValueError(f"cache: expected the {length}-tuple that {what} returns, got {got}")
    return cache


def _gradient(name, g, expected, what):
    g = _array(name, g, len(expected), f"shaped like {what}")
    if g.shape != tuple(expected):
        raise ValueError(f"{name}: expected shape {tuple(expected)} (the shape of {what}), got "
                         f"{_describe(g)}")
    return g


# ----------------------------------------------------------------------------- Conv2D
def check_conv2d(A_prev, W, b, stride=1, padding="valid"):
    """A_prev (m, n_H_prev, n_W_prev, n_C_prev), W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C),
    stride >= 1, padding 'valid' | 'same' (stride 1) | int >= 0, and the filter fits."""
    A_prev = activations("A_prev", A_prev)
    W = _array("W", W, 4, "(f, f, n_C_prev, n_C)")
    _square("W", W, "(f, f, n_C_prev, n_C)")
    if W.shape[2] != A_prev.shape[3]:
        raise ValueError(f"W: expected n_C_prev = {A_prev.shape[3]} input channels (A_prev "
                         f"{A_prev.shape}), got W {W.shape} with n_C_prev = {W.shape[2]}")
    b = channel_vector("b", b, W.shape[3], f"W {W.shape}")
    check_stride(stride)
    check_padding(padding, stride, W.shape[0])
    _fits(W.shape[0], A_prev.shape, padding, "Conv2D")
    return (*_as(float_type(A_prev, W, b), A_prev, W, b), stride, padding)


def check_conv2d_backward(dZ, cache):
    A_prev, W, b, stride, padding = _cache(cache, 5, "conv2d_forward")
    m, n_H_prev, n_W_prev, _ = np.shape(A_prev)
    f, n_C = np.shape(W)[0], np.shape(W)[3]
    shape = (m, conv_output_hw(n_H_prev, f, stride, padding),
             conv_output_hw(n_W_prev, f, stride, padding), n_C)
    dZ = _gradient("dZ", dZ, shape, "conv2d_forward's Z")
    return dZ.astype(float_type(dZ, A_prev), copy=False), cache


# ----------------------------------------------------------------------------- BatchNormalization
def _epsilon(epsilon):
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.floating)) \
            or not epsilon > 0:
        raise ValueError(f"epsilon: expected a number > 0, got {epsilon!r}")


def check_batch_normalization(Z, gamma, beta, epsilon=0.001):
    """Z (m, n_H, n_W, n_C) with m n_H n_W >= 2 (a variance needs two samples), gamma and
    beta (1, 1, 1, n_C), epsilon > 0."""
    Z = activations("Z", Z)
    n_C = Z.shape[3]
    gamma = channel_vector("gamma", gamma, n_C, f"Z {Z.shape}")
    beta = channel_vector("beta", beta, n_C, f"Z {Z.shape}")
    _epsilon(epsilon)
    if Z.shape[0] * Z.shape[1] * Z.shape[2] < 2:
        raise ValueError(f"batch normalization in training mode needs at least 2 values per "
                         f"channel (m n_H n_W >= 2): the variance of one value is 0; got Z "
                         f"{Z.shape}. Use the running statistics (training=False) instead")
    return (*_as(float_type(Z, gamma, beta), Z, gamma, beta), epsilon)


def check_batch_normalization_test(Z, gamma, beta, running_mean, running_var, epsilon=0.001):
    """As :func:`check_batch_normalization` (any m), with running statistics (1, 1, 1, n_C),
    running_var >= 0."""
    Z = activations("Z", Z)
    n_C = Z.shape[3]
    arrays = [channel_vector(name, a, n_C, f"Z {Z.shape}") for name, a in
              (("gamma", gamma), ("beta", beta), ("running_mean", running_mean),
               ("running_var", running_var))]
    if (arrays[3] < 0).any():
        raise ValueError(f"running_var: expected values >= 0 (a variance), got "
                         f"{arrays[3].ravel().tolist()}")
    _epsilon(epsilon)
    return (*_as(float_type(Z, *arrays), Z, *arrays), epsilon)


def check_batch_normalization_backward(dZ_tilde, cache):
    mode, shape = _cache(cache, 3, "batch_normalization_forward")[:2]
    if mode not in ("training", "test"):
        raise ValueError(f"cache: expected the cache of batch_normalization_forward or "
                         f"batch_normalization_forward_test, got mode {mode!r}")
    dZ_tilde = _gradient("dZ_tilde", dZ_tilde, shape, "the forward's Z_tilde")
    return dZ_tilde, cache


def check_running_stats(running_mean, running_var, cache, momentum=0.99, unbiased=False):
    mode, shape = _cache(cache, 3, "batch_normalization_forward")[:2]
    if mode != "training":
        raise ValueError("cache: the running statistics are updated from a training-mode "
                         "forward (batch_normalization_forward); got a test-mode cache")
    for name, a in (("running_mean", running_mean), ("running_var", running_var)):
        channel_vector(name, a, shape[3], f"Z {shape}")
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float, np.floating)) \
            or not 0 <= momentum < 1:
        raise ValueError(f"momentum: expected the moving average's weight in [0, 1) (Keras's "
                         f"momentum, default 0.99), got {momentum!r}")
    return running_mean, running_var, cache, momentum, bool(unbiased)


# ----------------------------------------------------------------------------- depthwise
def check_depthwise_conv2d(A_prev, W, b, stride=1, padding="valid"):
    """A_prev (m, n_H_prev, n_W_prev, n_C_prev), W (f, f, n_C_prev, d) (d: the depth
    multiplier), b (1, 1, 1, n_C_prev d)."""
    A_prev = activations("A_prev", A_prev)
    W = _array("W", W, 4, "(f, f, n_C_prev, depth_multiplier)")
    _square("W", W, "(f, f, n_C_prev, depth_multiplier)")
    if W.shape[2] != A_prev.shape[3]:
        raise ValueError(f"W: a depthwise kernel has one filter per input channel: expected "
                         f"n_C_prev = {A_prev.shape[3]} (A_prev {A_prev.shape}), got W {W.shape}")
    b = channel_vector("b", b, W.shape[2] * W.shape[3], f"the output, n_C_prev d = "
                       f"{W.shape[2]} * {W.shape[3]}")
    check_stride(stride)
    check_padding(padding, stride, W.shape[0])
    _fits(W.shape[0], A_prev.shape, padding, "DepthwiseConv2D")
    return (*_as(float_type(A_prev, W, b), A_prev, W, b), stride, padding)


def check_depthwise_conv2d_backward(dZ, cache):
    A_prev, W, b, stride, padding = _cache(cache, 5, "depthwise_conv2d_forward")
    m, n_H_prev, n_W_prev, n_C_prev = np.shape(A_prev)
    f, d = np.shape(W)[0], np.shape(W)[3]
    shape = (m, conv_output_hw(n_H_prev, f, stride, padding),
             conv_output_hw(n_W_prev, f, stride, padding), n_C_prev * d)
    dZ = _gradient("dZ", dZ, shape, "depthwise_conv2d_forward's Z")
    return dZ.astype(float_type(dZ, A_prev), copy=False), cache


def check_separable_conv2d(A_prev, W_depthwise, W_pointwise, b, stride=1, padding="valid"):
    """W_depthwise (f, f, n_C_prev, d), W_pointwise (1, 1, n_C_prev d, n_C), b (1, 1, 1, n_C)."""
    A_prev = activations("A_prev", A_prev)
    W_depthwise = _array("W_depthwise", W_depthwise, 4, "(f, f, n_C_prev, depth_multiplier)")
    W_pointwise = _array("W_pointwise", W_pointwise, 4, "(1, 1, n_C_prev d, n_C)")
    n_C_prev, d = A_prev.shape[3], W_depthwise.shape[3]
    check_depthwise_conv2d(A_prev, W_depthwise, np.zeros((1, 1, 1, n_C_prev * d)), stride, padding)
    if W_depthwise.shape[2] != n_C_prev:
        raise ValueError(f"W_depthwise: expected n_C_prev = {n_C_prev} (A_prev {A_prev.shape}), "
                         f"got {W_depthwise.shape}")
    if W_pointwise.shape[:3] != (1, 1, n_C_prev * d):
        raise ValueError(f"W_pointwise: expected shape (1, 1, {n_C_prev * d}, n_C) (a 1x1 filter "
                         f"over the n_C_prev d = {n_C_prev} * {d} depthwise outputs), got "
                         f"{W_pointwise.shape}")
    b = channel_vector("b", b, W_pointwise.shape[3], f"W_pointwise {W_pointwise.shape}")
    dtype = float_type(A_prev, W_depthwise, W_pointwise, b)
    return (*_as(dtype, A_prev, W_depthwise, W_pointwise, b), stride, padding)


def check_separable_conv2d_backward(dZ, cache):
    cache_depthwise, cache_pointwise = _cache(cache, 2, "separable_conv2d_forward")
    dZ, _ = check_conv2d_backward(dZ, cache_pointwise)
    return dZ, cache


# ----------------------------------------------------------------------------- MaxPooling2D
def check_max_pooling2d(A_prev, pool_size=2):
    """A_prev (m, n_H_prev, n_W_prev, n_C) with n_H_prev, n_W_prev >= pool_size >= 1."""
    A_prev = activations("A_prev", A_prev)
    check_stride(pool_size, "pool_size")
    if min(A_prev.shape[1:3]) < pool_size:
        raise ValueError(f"pool_size: a {pool_size} x {pool_size} window needs n_H, n_W >= "
                         f"{pool_size}, got A_prev {A_prev.shape}")
    return A_prev.astype(float_type(A_prev), copy=False), pool_size


def check_max_pooling2d_backward(dA, cache):
    A_prev, p, _ = _cache(cache, 3, "max_pooling2d_forward")
    m, n_H, n_W, n_C = np.shape(A_prev)
    dA = _gradient("dA", dA, (m, n_H // p, n_W // p, n_C), "max_pooling2d_forward's A")
    return dA, cache


# ----------------------------------------------------------------------------- Conv2DTranspose
def transpose_crops(f, stride, hparameters):
    """(before, after): rows cropped off the full transposed output ((n - 1) s + f rows) at
    each end; a negative ``after`` appends that many rows instead."""
    if "padding" in hparameters:
        total = f - stride                                  # (n - 1) s + f - n s
        before = max(total, 0) // 2 if hparameters["padding"] == "same" else 0
        return (before, total - before) if hparameters["padding"] == "same" else (0, min(total, 0))
    return hparameters["pad"], hparameters["pad"] - hparameters["output_padding"]


def transpose_output_hw(n, f, stride, hparameters):
    before, after = transpose_crops(f, stride, hparameters)
    return (n - 1) * stride + f - before - after


def _check_transpose_hparameters(hparameters, f, A_shape):
    keras, torch_keys = {"stride", "padding"}, {"stride", "pad", "output_padding"}
    if not isinstance(hparameters, dict) or set(hparameters) not in (keras, torch_keys):
        got = sorted(hparameters) if isinstance(hparameters, dict) else type(hparameters).__name__
        raise ValueError(f"hparameters: expected {{'stride', 'padding'}} (Keras: 'same' or "
                         f"'valid') or {{'stride', 'pad', 'output_padding'}} (PyTorch's "
                         f"ConvTranspose2d), got {got}")
    stride = hparameters["stride"]
    check_stride(stride, "hparameters['stride']")
    if "padding" in hparameters:
        if hparameters["padding"] not in PADDINGS:
            raise ValueError(f"hparameters['padding']: expected 'same' or 'valid', got "
                             f"{hparameters['padding']!r}")
    else:
        pad, output_padding = hparameters["pad"], hparameters["output_padding"]
        if not _is_int(pad) or pad < 0:
            raise ValueError(f"hparameters['pad']: expected an integer >= 0, got {pad!r}")
        if not _is_int(output_padding) or not 0 <= output_padding < stride:
            raise ValueError(f"hparameters['output_padding']: expected an integer in [0, stride) "
                             f"= [0, {stride}) (it adds at most stride - 1 rows, which choose "
                             f"among the input sizes a stride-{stride} convolution maps to the "
                             f"same size), got {output_padding!r}")
    for axis, n in (("n_H", A_shape[1]), ("n_W", A_shape[2])):
        out = transpose_output_hw(n, f, stride, hparameters)
        if out < 1:
            raise ValueError(f"hparameters: the output would have {axis} = (n - 1) s + f - "
                             f"crops = {out} < 1 rows (A_prev {A_shape}, f = {f}, {hparameters}); "
                             f"expected a smaller pad")


def check_conv2d_transpose(A_prev, W, b, hparameters):
    """A_prev (m, n_H_prev, n_W_prev, n_C_prev), W (f, f, n_C, n_C_prev) (Keras's order),
    b (1, 1, 1, n_C), hparameters (see :func:`_check_transpose_hparameters`)."""
    A_prev = activations("A_prev", A_prev)
    W = _array("W", W, 4, "(f, f, n_C, n_C_prev)")
    _square("W", W, "(f, f, n_C, n_C_prev)")
    if W.shape[3] != A_prev.shape[3]:
        raise ValueError(f"W: a Conv2DTranspose kernel is (f, f, n_C, n_C_prev), output channels "
                         f"first: expected n_C_prev = {A_prev.shape[3]} in its last axis "
                         f"(A_prev {A_prev.shape}), got W {W.shape}")
    b = channel_vector("b", b, W.shape[2], f"W {W.shape} (n_C = W.shape[2])")
    _check_transpose_hparameters(hparameters, W.shape[0], A_prev.shape)
    return (*_as(float_type(A_prev, W, b), A_prev, W, b), hparameters)


def check_conv2d_transpose_backward(dZ, cache):
    A_prev, W, b, hparameters = _cache(cache, 4, "conv2d_transpose_forward")
    m, n_H_prev, n_W_prev, _ = np.shape(A_prev)
    f, stride = np.shape(W)[0], hparameters["stride"]
    shape = (m, transpose_output_hw(n_H_prev, f, stride, hparameters),
             transpose_output_hw(n_W_prev, f, stride, hparameters), np.shape(W)[2])
    dZ = _gradient("dZ", dZ, shape, "conv2d_transpose_forward's Z")
    return dZ.astype(float_type(dZ, A_prev), copy=False), cache


# ----------------------------------------------------------------------------- blocks' parameters
def layer_shapes(n_C_prev, f, n_C, suffix, *, batch_norm=True):
    """{key: shape} of one conv layer (W, b) and, with batch_norm, its BN (gamma, beta,
    running_mean, running_var)."""
    shapes = {f"W{suffix}": (f, f, n_C_prev, n_C), f"b{suffix}": (1, 1, 1, n_C)}
    if batch_norm:
        shapes.update({f"{k}{suffix}": (1, 1, 1, n_C)
                       for k in ("gamma", "beta", "running_mean", "running_var")})
    return shapes


def check_parameters(parameters, shapes, what):
    """Every key of ``shapes`` present with its shape, finite; running_var >= 0. Returns a new
    dict of arrays (the other keys are ignored) and their common float type."""
    if not isinstance(parameters, dict):
        raise ValueError(f"parameters: expected a dict with keys {sorted(shapes)} ({what}), "
                         f"got {type(parameters).__name__}")
    missing = sorted(set(shapes) - set(parameters))
    if missing:
        raise ValueError(f"parameters: missing {missing} ({what}); got {sorted(parameters)}")
    out = {}
    for key, shape in shapes.items():
        a = np.asarray(parameters[key])
        if a.shape != shape:
            raise ValueError(f"parameters: {key} must have shape {shape} ({what}), got "
                             f"{_describe(a)}")
        out[key] = _array(f"parameters['{key}']", a, len(shape), str(shape))
        if key.startswith("running_var") and (a < 0).any():
            raise ValueError(f"parameters: {key} must be >= 0 (a variance), got {a.ravel().tolist()}")
    return out


def _filters(filters, count):
    if not isinstance(filters, (list, tuple)) or len(filters) != count \
            or not all(_is_int(F) and F >= 1 for F in filters):
        raise ValueError(f"filters: expected {count} positive integers (F1, ..., F{count}), got "
                         f"{filters!r}")
    return tuple(int(F) for F in filters)


def _block_common(X, f, filters, training, epsilon):
    X = activations("X", X)
    if not _is_int(f) or f < 1:
        raise ValueError(f"f: expected the middle convolution's filter size, an integer >= 1, "
                         f"got {f!r}")
    if not isinstance(training, (bool, np.bool_)):
        raise ValueError(f"training: expected True (batch statistics) or False (running "
                         f"statistics), got {training!r}")
    _epsilon(epsilon)
    return X, _filters(filters, 3)


def _convert(X, params):
    dtype = float_type(X, *params.values())
    return X.astype(dtype, copy=False), {k: v.astype(dtype, copy=False) for k, v in params.items()}


def _check_batch_statistics(X, training, s=1):
    m, n_H, n_W = X.shape[0], (X.shape[1] - 1) // s + 1, (X.shape[2] - 1) // s + 1
    if training and m * n_H * n_W < 2:
        raise ValueError(f"training=True needs at least 2 values per channel for the batch "
                         f"statistics (m n_H n_W >= 2 after the stride), got X {X.shape}; use "
                         f"training=False (running statistics)")


def identity_block_shapes(n_C_prev, f, filters):
    F1, F2, F3 = filters
    return {**layer_shapes(n_C_prev, 1, F1, "1"), **layer_shapes(F1, f, F2, "2"),
            **layer_shapes(F2, 1, F3, "3")}


def convolutional_block_shapes(n_C_prev, f, filters):
    return {**identity_block_shapes(n_C_prev, f, filters),
            **layer_shapes(n_C_prev, 1, filters[2], "_shortcut")}


def check_identity_block(X, f, filters, parameters, training=True, epsilon=0.001):
    """X (m, n_H, n_W, n_C_prev) with F3 = n_C_prev (the shortcut is added as it is), the
    block's parameters (:func:`identity_block_shapes`)."""
    X, filters = _block_common(X, f, filters, training, epsilon)
    if filters[2] != X.shape[3]:
        raise ValueError(f"filters: the identity block adds X to the last convolution's output, "
                         f"so F3 must equal X's n_C = {X.shape[3]} (X {X.shape}); got filters "
                         f"{filters}. Use the convolutional block to change the channels")
    params = check_parameters(parameters, identity_block_shapes(X.shape[3], f, filters),
                              f"identity block, f = {f}, filters = {filters}, X {X.shape}")
    _check_batch_statistics(X, training)
    X, params = _convert(X, params)
    return X, f, filters, params, training, epsilon


def check_convolutional_block(X, f, filters, parameters, s=2, training=True, epsilon=0.001):
    """X (m, n_H, n_W, n_C_prev), stride s >= 1, the block's parameters with the shortcut's
    (:func:`convolutional_block_shapes`)."""
    X, filters = _block_common(X, f, filters, training, epsilon)
    check_stride(s, "s")
    params = check_parameters(parameters, convolutional_block_shapes(X.shape[3], f, filters),
                              f"convolutional block, f = {f}, filters = {filters}, X {X.shape}")
    _check_batch_statistics(X, training, s)
    X, params = _convert(X, params)
    return X, f, filters, params, s, training, epsilon


def check_block_backward(dA, cache, what):
    if not isinstance(cache, dict) or "A_shape" not in cache:
        raise ValueError(f"cache: expected the dict that {what} returns, got "
                         f"{type(cache).__name__}")
    dA = _gradient("dA", dA, cache["A_shape"], f"{what}'s output")
    return dA, cache


def check_identity_block_backward(dA, cache):
    return check_block_backward(dA, cache, "identity_block_forward")


def check_convolutional_block_backward(dA, cache):
    return check_block_backward(dA, cache, "convolutional_block_forward")


def check_block_running_stats(parameters, cache, momentum=0.99, unbiased=False):
    if not isinstance(cache, dict) or "bn_layers" not in cache:
        raise ValueError(f"cache: expected the dict of identity_block_forward or "
                         f"convolutional_block_forward, got {type(cache).__name__}")
    if not cache["training"]:
        raise ValueError("cache: the running statistics are updated from a training-mode "
                         "forward (training=True); got a training=False cache")
    if not isinstance(parameters, dict):
        raise ValueError(f"parameters: expected the block's dict, got {type(parameters).__name__}")
    for layer in cache["bn_layers"]:
        for key in (f"running_mean{layer}", f"running_var{layer}"):
            if key not in parameters:
                raise ValueError(f"parameters: missing {key!r}, got {sorted(parameters)}")
    return parameters, cache, momentum, unbiased


# ----------------------------------------------------------------------------- U-Net blocks
def conv_block_shapes(n_C_prev, n_filters):
    return {**layer_shapes(n_C_prev, 3, n_filters, "1", batch_norm=False),
            **layer_shapes(n_filters, 3, n_filters, "2", batch_norm=False)}


def upsampling_block_shapes(n_C_expansive, n_C_contractive, n_filters):
    return {"W_up": (3, 3, n_filters, n_C_expansive), "b_up": (1, 1, 1, n_filters),
            **layer_shapes(n_filters + n_C_contractive, 3, n_filters, "1", batch_norm=False),
            **layer_shapes(n_filters, 3, n_filters, "2", batch_norm=False)}


def _n_filters(parameters, key):
    W = np.asarray(parameters[key]) if isinstance(parameters, dict) and key in parameters else None
    if W is None or W.ndim != 4:
        got = sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__
        raise ValueError(f"parameters: expected a dict with a 4-D {key}, got {got}")
    return W.shape[2] if key == "W_up" else W.shape[3]


def check_conv_block(inputs, parameters, dropout_prob=0, max_pooling=True, mask=None):
    """inputs (m, n_H, n_W, n_C_prev); W1 (3, 3, n_C_prev, n_filters), b1, W2 (3, 3, n_filters,
    n_filters), b2; dropout_prob in [0, 1); mask, when given, a boolean array of the second
    convolution's output shape (True = keep); max_pooling needs n_H, n_W >= 2."""
    inputs = activations("inputs", inputs)
    n_filters = _n_filters(parameters, "W1")
    params = check_parameters(parameters, conv_block_shapes(inputs.shape[3], n_filters),
                              f"conv_block, inputs {inputs.shape}, n_filters = {n_filters}")
    if isinstance(dropout_prob, bool) or not isinstance(dropout_prob, (int, float, np.floating)) \
            or not 0 <= dropout_prob < 1:
        raise ValueError(f"dropout_prob: expected a drop probability in [0, 1), got "
                         f"{dropout_prob!r}")
    if not isinstance(max_pooling, (bool, np.bool_)):
        raise ValueError(f"max_pooling: expected True or False, got {max_pooling!r}")
    if max_pooling and min(inputs.shape[1:3]) < 2:
        raise ValueError(f"max_pooling: a 2 x 2 max pool needs n_H, n_W >= 2, got inputs "
                         f"{inputs.shape}")
    shape = inputs.shape[:3] + (n_filters,)
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != shape or not (mask.dtype == np.bool_ or np.isin(mask, (0, 1)).all()):
            raise ValueError(f"mask: expected a boolean (or 0/1) array of shape {shape} (True = "
                             f"keep), got {_describe(mask)}")
        mask = mask.astype(bool)
        if dropout_prob == 0:
            raise ValueError("mask: given with dropout_prob = 0 (no dropout); expected "
                             "dropout_prob > 0 or no mask")
    inputs, params = _convert(inputs, params)
    return inputs, params, dropout_prob, bool(max_pooling), mask


def check_conv_block_backward(d_next_layer, d_skip_connection, cache):
    if not isinstance(cache, dict) or "next_shape" not in cache:
        raise ValueError(f"cache: expected the dict that conv_block_forward returns, got "
                         f"{type(cache).__name__}")
    d_next_layer = _gradient("d_next_layer", d_next_layer, cache["next_shape"],
                             "conv_block_forward's next_layer")
    if d_skip_connection is not None:
        d_skip_connection = _gradient("d_skip_connection", d_skip_connection,
                                      cache["skip_shape"], "conv_block_forward's skip_connection")
    return d_next_layer, d_skip_connection, cache


def check_upsampling_block(expansive_input, contractive_input, parameters):
    """expansive_input (m, n_H, n_W, n_C_exp); contractive_input (m, 2 n_H, 2 n_W, n_C_con)
    (the skip connection, the up-sampled size); W_up (3, 3, n_filters, n_C_exp), b_up, W1
    (3, 3, n_filters + n_C_con, n_filters), b1, W2, b2."""
    expansive_input = activations("expansive_input", expansive_input)
    contractive_input = activations("contractive_input", contractive_input)
    m, n_H, n_W, _ = expansive_input.shape
    if contractive_input.shape[:3] != (m, 2 * n_H, 2 * n_W):
        raise ValueError(f"contractive_input: the up-sampled expansive_input {expansive_input.shape} "
                         f"is (m, 2 n_H, 2 n_W) = {(m, 2 * n_H, 2 * n_W)} and is concatenated with "
                         f"it along the channels, so expected shape {(m, 2 * n_H, 2 * n_W)} + "
                         f"(n_C,), got {contractive_input.shape}")
    n_filters = _n_filters(parameters, "W_up")
    params = check_parameters(parameters, upsampling_block_shapes(
        expansive_input.shape[3], contractive_input.shape[3], n_filters),
        f"upsampling_block, n_filters = {n_filters}")
    dtype = float_type(expansive_input, contractive_input, *params.values())
    return (expansive_input.astype(dtype, copy=False), contractive_input.astype(dtype, copy=False),
            {k: v.astype(dtype, copy=False) for k, v in params.items()})


def check_upsampling_block_backward(dconv, cache):
    if not isinstance(cache, dict) or "A_shape" not in cache:
        raise ValueError(f"cache: expected the dict that upsampling_block_forward returns, got "
                         f"{type(cache).__name__}")
    return _gradient("dconv", dconv, cache["A_shape"], "upsampling_block_forward's output"), cache
