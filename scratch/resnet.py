"""Course 4, week 2, "Residual Networks": the identity block and the convolutional block, forward
and backward by hand (the course builds them with Keras layers; the NumPy functions are named
after its ``identity_block(X, f, filters, training=True)`` and
``convolutional_block(X, f, filters, s=2, training=True)``).

Identity block (F3 = n_C_prev, so the input can be added as it is):
    Z1 = BN1(Conv_1x1(X));          A1 = ReLU(Z1)           F1 channels
    Z2 = BN2(Conv_fxf,same(A1));    A2 = ReLU(Z2)           F2 channels
    Z3 = BN3(Conv_1x1(A2))                                  F3 channels
    A  = ReLU(Z3 + X)                                       the shortcut: X itself
Convolutional block: the same with stride s in the first 1x1 convolution, and a shortcut that
matches the new size and channels:
    Z1 = BN1(Conv_1x1,stride s(X)) ...  A = ReLU(Z3 + BN_shortcut(Conv_1x1,stride s(X)))

Backward (dA from above; each line reverses one forward line, last first):
    dZ = dA * 1(Z3 + shortcut > 0)          both branches receive dZ
    (identity)      dX = dX_main + dZ
    (convolutional) dX = dX_main + the shortcut conv + BN backward of dZ
    dZ3 = dZ -> BN3, conv3 backward -> dA2;  dZ2 = dA2 * 1(Z2 > 0) -> BN2, conv2 -> dA1;
    dZ1 = dA1 * 1(Z1 > 0) -> BN1, conv1 -> dX_main

Each "BN" is :func:`scratch.conv_layers.batch_normalization_forward` (training: the batch's
statistics over m n_H n_W per channel) or its ``_test`` form (training=False: the running
statistics), with Keras's epsilon 0.001. Each conv has a bias, as the course's Keras layers do
(``Conv2D`` defaults to use_bias=True); in training mode it does nothing (BN subtracts the
mean right back) and its gradient is 0 up to rounding: torchvision's ResNet drops it.

The parameter dict, one entry per layer l in "1", "2", "3" (and "_shortcut"):
    W{l} (f_l, f_l, n_C_in, F_l)   b{l}, gamma{l}, beta{l}, running_mean{l}, running_var{l} (1, 1, 1, F_l)
The running statistics are updated by :func:`update_block_running_stats` (Keras's momentum
0.99 = the course's beta).
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_layers import (
    check_block_running_stats,
    check_convolutional_block,
    check_convolutional_block_backward,
    check_identity_block,
    check_identity_block_backward,
)
from .conv_layers import (
    batch_normalization_backward,
    batch_normalization_forward,
    batch_normalization_forward_test,
    conv2d_backward,
    conv2d_forward,
    update_running_stats,
)


def _conv_bn(A, parameters, layer, stride, padding, training, epsilon):
    """Z_tilde = BN(Conv(A)) of one layer; cache (conv cache, BN cache)."""
    Z, conv_cache = conv2d_forward.unchecked(A, parameters[f"W{layer}"], parameters[f"b{layer}"],
                                             stride, padding)
    gamma, beta = parameters[f"gamma{layer}"], parameters[f"beta{layer}"]
    if training:
        Z_tilde, bn_cache = batch_normalization_forward.unchecked(Z, gamma, beta, epsilon)
    else:
        Z_tilde, bn_cache = batch_normalization_forward_test.unchecked(
            Z, gamma, beta, parameters[f"running_mean{layer}"], parameters[f"running_var{layer}"],
            epsilon)
    return Z_tilde, (conv_cache, bn_cache)


def _conv_bn_backward(dZ_tilde, cache, layer, grads):
    """dA of one layer's input; its dW, db, dgamma, dbeta go into ``grads``."""
    conv_cache, bn_cache = cache
    dZ, grads[f"dgamma{layer}"], grads[f"dbeta{layer}"] = batch_normalization_backward.unchecked(
        dZ_tilde, bn_cache)
    dA, grads[f"dW{layer}"], grads[f"db{layer}"] = conv2d_backward.unchecked(dZ, conv_cache)
    return dA


@checked(check_identity_block)
def identity_block_forward(X, f, filters, parameters, training=True, epsilon=0.001):
    """The identity block: A = ReLU(BN3(Conv3(ReLU(BN2(Conv2(ReLU(BN1(Conv1(X)))))))) + X).

    Args:
        X: (m, n_H, n_W, n_C_prev).  f: the middle convolution's size ("same" padding).
        filters: (F1, F2, F3), F3 = n_C_prev.  parameters: W1..W3, b1..b3, gamma1..3, beta1..3,
            running_mean1..3, running_var1..3 (see the module doc).
        training: True: batch statistics (Keras ``training=True``, PyTorch ``train()``);
            False: the running statistics (``eval()``).  epsilon: BN's (Keras's 0.001).
    Returns:
        (A, cache): A (m, n_H, n_W, F3); cache: the layers' caches and pre-activations.
    """
    X_shortcut = X
    Z1, cache1 = _conv_bn(X, parameters, "1", 1, "valid", training, epsilon)
    A1 = np.maximum(0, Z1)
    Z2, cache2 = _conv_bn(A1, parameters, "2", 1, "same", training, epsilon)
    A2 = np.maximum(0, Z2)
    Z3, cache3 = _conv_bn(A2, parameters, "3", 1, "valid", training, epsilon)
    Z = Z3 + X_shortcut
    A = np.maximum(0, Z)
    cache = {"1": cache1, "2": cache2, "3": cache3, "Z1": Z1, "Z2": Z2, "Z": Z,
             "training": training, "bn_layers": ("1", "2", "3"), "A_shape": A.shape}
    return A, cache


@checked(check_identity_block_backward)
def identity_block_backward(dA, cache):
    """Backward pass of :func:`identity_block_forward` (either mode).

    Args:
        dA: dJ/dA, (m, n_H, n_W, F3).  cache: from the forward.
    Returns:
        (dX, grads): dX like X; grads dW1, db1, dgamma1, dbeta1, ... for layers 1, 2, 3.
    """
    grads = {}
    dZ = dA * (cache["Z"] > 0)
    dX_shortcut = dZ
    dA2 = _conv_bn_backward(dZ, cache["3"], "3", grads)
    dZ2 = dA2 * (cache["Z2"] > 0)
    dA1 = _conv_bn_backward(dZ2, cache["2"], "2", grads)
    dZ1 = dA1 * (cache["Z1"] > 0)
    dX = _conv_bn_backward(dZ1, cache["1"], "1", grads) + dX_shortcut
    return dX, grads


@checked(check_convolutional_block)
def convolutional_block_forward(X, f, filters, parameters, s=2, training=True, epsilon=0.001):
    """The convolutional block: the identity block's main path with stride s in its first 1x1
    convolution, and a 1x1 stride-s convolution + BN on the shortcut:
    A = ReLU(BN3(Conv3(...(BN1(Conv1_s(X))))) + BN_shortcut(Conv_shortcut_s(X))).

    Args:
        X: (m, n_H_prev, n_W_prev, n_C_prev).  f, filters (F1, F2, F3), training, epsilon: as
            :func:`identity_block_forward` (F3 free).  parameters: layers 1, 2, 3 and
            "_shortcut" (W_shortcut (1, 1, n_C_prev, F3), b_shortcut, gamma_shortcut, ...).
        s: the stride of the first and of the shortcut convolution.
    Returns:
        (A, cache): A (m, n_H, n_W, F3), n_H = (n_H_prev - 1) // s + 1.
    """
    X_shortcut = X
    Z1, cache1 = _conv_bn(X, parameters, "1", s, "valid", training, epsilon)
    A1 = np.maximum(0, Z1)
    Z2, cache2 = _conv_bn(A1, parameters, "2", 1, "same", training, epsilon)
    A2 = np.maximum(0, Z2)
    Z3, cache3 = _conv_bn(A2, parameters, "3", 1, "valid", training, epsilon)
    Z_shortcut, cache_shortcut = _conv_bn(X_shortcut, parameters, "_shortcut", s, "valid",
                                          training, epsilon)
    Z = Z3 + Z_shortcut
    A = np.maximum(0, Z)
    cache = {"1": cache1, "2": cache2, "3": cache3, "_shortcut": cache_shortcut, "Z1": Z1,
             "Z2": Z2, "Z": Z, "training": training, "bn_layers": ("1", "2", "3", "_shortcut"),
             "A_shape": A.shape}
    return A, cache


@checked(check_convolutional_block_backward)
def convolutional_block_backward(dA, cache):
    """Backward pass of :func:`convolutional_block_forward` (either mode).

    Returns:
        (dX, grads): grads for layers 1, 2, 3 and "_shortcut" (dW_shortcut, db_shortcut, ...).
    """
    grads = {}
    dZ = dA * (cache["Z"] > 0)
    dX_shortcut = _conv_bn_backward(dZ, cache["_shortcut"], "_shortcut", grads)
    dA2 = _conv_bn_backward(dZ, cache["3"], "3", grads)
    dZ2 = dA2 * (cache["Z2"] > 0)
    dA1 = _conv_bn_backward(dZ2, cache["2"], "2", grads)
    dZ1 = dA1 * (cache["Z1"] > 0)
    dX = _conv_bn_backward(dZ1, cache["1"], "1", grads) + dX_shortcut
    return dX, grads


@checked(check_block_running_stats)
def update_block_running_stats(parameters, cache, momentum=0.99, unbiased=False):
    """After a training-mode forward: every BN layer's moving averages,
    running = momentum running + (1 - momentum) batch statistic (see
    :func:`scratch.conv_layers.update_running_stats`; unbiased=True is nn.BatchNorm2d's).

    Returns a new dict (the other entries shared, unchanged).
    """
    new = dict(parameters)
    for layer in cache["bn_layers"]:
        bn_cache = cache[layer][1]
        new[f"running_mean{layer}"], new[f"running_var{layer}"] = update_running_stats.unchecked(
            parameters[f"running_mean{layer}"], parameters[f"running_var{layer}"], bn_cache,
            momentum, unbiased)
    return new
