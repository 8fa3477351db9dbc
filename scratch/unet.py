"""Course 4, week 3, "Image segmentation with U-Net": the encoder's conv block and the decoder's
up-sampling block, forward and backward by hand (the course builds them with Keras layers; the
NumPy functions are named after its ``conv_block(inputs, n_filters=32, dropout_prob=0,
max_pooling=True)`` and ``upsampling_block(expansive_input, contractive_input, n_filters=32)``;
n_filters is read off the parameters' shapes).

conv_block (the contracting path):
    A1 = ReLU(Conv_3x3,same(inputs; W1, b1))
    A2 = ReLU(Conv_3x3,same(A1; W2, b2))
    A2 = A2 * D / (1 - dropout_prob)          (only when dropout_prob > 0: inverted dropout,
                                               D the keep-mask, Keras's Dropout(dropout_prob))
    skip_connection = A2
    next_layer = MaxPool_2x2(A2)              (or A2 itself when max_pooling is False)
upsampling_block (the expanding path):
    up = Conv2DTranspose_3x3,stride 2,same(expansive_input; W_up, b_up)   (n_H, n_W doubled)
    merge = concatenate([up, contractive_input], axis=3)                  (the skip connection)
    A1 = ReLU(Conv_3x3,same(merge; W1, b1));  conv = ReLU(Conv_3x3,same(A1; W2, b2))

Backward, last line first. The skip connection's gradient is added to the max pool's:
dA2 = pool_backward(d_next_layer) + d_skip_connection; the concatenation's gradient is split
along the channels: d_up = dmerge[..., :n_filters], d_contractive_input = dmerge[..., n_filters:].

The max pool is Keras's MaxPooling2D (:func:`scratch.conv_layers.max_pooling2d_forward`): its
backward sends the gradient to ONE maximum of a window, the first, as PyTorch's max pool
(TensorFlow's gradient too goes to a single position per window), not to every tied maximum
as week 1's ``pool_backward``. The blocks make ties: when a pixel's 3x3
inputs are all zero (dead ReLUs), the second convolution outputs its bias there, and a window
of such pixels is one constant.

Parameters: conv_block {"W1": (3, 3, n_C_prev, n_filters), "b1": (1, 1, 1, n_filters), "W2":
(3, 3, n_filters, n_filters), "b2"}; upsampling_block {"W_up": (3, 3, n_filters, n_C_exp)
(Conv2DTranspose's kernel, output channels first), "b_up", "W1": (3, 3, n_filters + n_C_con,
n_filters), "b1", "W2", "b2"}.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_layers import (
    check_conv_block,
    check_conv_block_backward,
    check_upsampling_block,
    check_upsampling_block_backward,
)
from .conv_layers import (
    conv2d_backward,
    conv2d_forward,
    conv2d_transpose_backward,
    conv2d_transpose_forward,
    max_pooling2d_backward,
    max_pooling2d_forward,
)

#: Conv2DTranspose(n_filters, 3, strides=(2, 2), padding="same")
UP = {"stride": 2, "padding": "same"}


@checked(check_conv_block)
def conv_block_forward(inputs, parameters, dropout_prob=0, max_pooling=True, mask=None):
    """The contracting path's block: two 3x3 "same" convolutions with ReLU, optional dropout,
    optional 2x2 max pooling.

    Args:
        inputs: (m, n_H, n_W, n_C_prev).  parameters: W1, b1, W2, b2 (module doc).
        dropout_prob: in [0, 1).  max_pooling: pool (the encoder) or not (the bottleneck).
        mask: the keep-mask D (m, n_H, n_W, n_filters), True = keep; drawn with
            ``np.random.rand(...) < 1 - dropout_prob`` (course 2's draw) when dropout_prob > 0
            and no mask is given.
    Returns:
        (next_layer, skip_connection, cache): next_layer (m, n_H // 2, n_W // 2, n_filters)
        (or skip_connection's shape without pooling), skip_connection (m, n_H, n_W, n_filters).
    """
    Z1, cache1 = conv2d_forward.unchecked(inputs, parameters["W1"], parameters["b1"], 1, "same")
    A1 = np.maximum(0, Z1)
    Z2, cache2 = conv2d_forward.unchecked(A1, parameters["W2"], parameters["b2"], 1, "same")
    A2 = np.maximum(0, Z2)
    D = None
    if dropout_prob > 0:
        D = mask if mask is not None else np.random.rand(*A2.shape) < 1 - dropout_prob
        A2 = A2 * D / (1 - dropout_prob)
    skip_connection = A2
    if max_pooling:
        next_layer, pool_cache = max_pooling2d_forward.unchecked(A2, 2)
    else:
        next_layer, pool_cache = A2, None
    cache = {"conv1": cache1, "conv2": cache2, "Z1": Z1, "Z2": Z2, "D": D,
             "dropout_prob": dropout_prob, "pool": pool_cache, "next_shape": next_layer.shape,
             "skip_shape": skip_connection.shape}
    return next_layer, skip_connection, cache


@checked(check_conv_block_backward)
def conv_block_backward(d_next_layer, d_skip_connection, cache):
    """Backward pass of :func:`conv_block_forward`.

    Args:
        d_next_layer: dJ/dnext_layer.  d_skip_connection: dJ/dskip_connection (the up-sampling
            block's d_contractive_input), or None when the skip connection is not used.
        cache: from the forward.
    Returns:
        (dinputs, grads): dinputs like inputs; grads {"dW1", "db1", "dW2", "db2"}.
    """
    if cache["pool"] is not None:
        dA2 = max_pooling2d_backward.unchecked(d_next_layer, cache["pool"])
    else:
        dA2 = d_next_layer
    if d_skip_connection is not None:
        dA2 = dA2 + d_skip_connection
    if cache["D"] is not None:
        dA2 = dA2 * cache["D"] / (1 - cache["dropout_prob"])
    dZ2 = dA2 * (cache["Z2"] > 0)
    dA1, dW2, db2 = conv2d_backward.unchecked(dZ2, cache["conv2"])
    dZ1 = dA1 * (cache["Z1"] > 0)
    dinputs, dW1, db1 = conv2d_backward.unchecked(dZ1, cache["conv1"])
    return dinputs, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


@checked(check_upsampling_block)
def upsampling_block_forward(expansive_input, contractive_input, parameters):
    """The expanding path's block: a 3x3 stride-2 "same" transposed convolution, the skip
    connection concatenated along the channels, two 3x3 "same" convolutions with ReLU.

    Args:
        expansive_input: (m, n_H, n_W, n_C_exp), from the block below.
        contractive_input: (m, 2 n_H, 2 n_W, n_C_con), the skip connection of the conv block
            at this level.  parameters: W_up, b_up, W1, b1, W2, b2 (module doc).
    Returns:
        (conv, cache): conv (m, 2 n_H, 2 n_W, n_filters).
    """
    up, cache_up = conv2d_transpose_forward.unchecked(expansive_input, parameters["W_up"],
                                                      parameters["b_up"], UP)
    merge = np.concatenate([up, contractive_input], axis=3)
    Z1, cache1 = conv2d_forward.unchecked(merge, parameters["W1"], parameters["b1"], 1, "same")
    A1 = np.maximum(0, Z1)
    Z2, cache2 = conv2d_forward.unchecked(A1, parameters["W2"], parameters["b2"], 1, "same")
    conv = np.maximum(0, Z2)
    cache = {"up": cache_up, "conv1": cache1, "conv2": cache2, "Z1": Z1, "Z2": Z2,
             "n_filters": up.shape[3], "A_shape": conv.shape}
    return conv, cache


@checked(check_upsampling_block_backward)
def upsampling_block_backward(dconv, cache):
    """Backward pass of :func:`upsampling_block_forward`; the concatenation's gradient splits
    along the channels.

    Returns:
        (dexpansive_input, dcontractive_input, grads): grads {"dW_up", "db_up", "dW1", "db1",
        "dW2", "db2"}.
    """
    dZ2 = dconv * (cache["Z2"] > 0)
    dA1, dW2, db2 = conv2d_backward.unchecked(dZ2, cache["conv2"])
    dZ1 = dA1 * (cache["Z1"] > 0)
    dmerge, dW1, db1 = conv2d_backward.unchecked(dZ1, cache["conv1"])
    n_filters = cache["n_filters"]
    dup, dcontractive_input = dmerge[..., :n_filters], dmerge[..., n_filters:]
    dexpansive_input, dW_up, db_up = conv2d_transpose_backward.unchecked(dup, cache["up"])
    grads = {"dW_up": dW_up, "db_up": db_up, "dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    return dexpansive_input, dcontractive_input, grads
