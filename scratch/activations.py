"""Activation functions g(Z) and their backward passes, in the course's form.

Forward:  ``A, cache = g(Z)``        (cache = Z, or (Z, slope) for leaky ReLU)
Backward: ``dZ = g_backward(dA, cache)``, i.e. dZ = dA * g'(Z) element-wise.

All work element-wise on arrays of any shape and keep the input's float dtype.

Convention at z = 0 (ReLU and leaky ReLU are not differentiable there): we take
the left derivative, g'(0) = 0 for ReLU and g'(0) = slope for leaky ReLU. This is
also what PyTorch's autograd returns for ``torch.relu`` and
``torch.nn.functional.leaky_relu``, and the parity suite checks it at exact zeros.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_activations import (
    check_backward,
    check_leaky_relu,
    check_leaky_relu_backward,
    check_Z,
)


@checked(check_Z)
def sigmoid_value(Z) -> np.ndarray:
    """sigma(z) = 1 / (1 + e^{-z}), computed without overflow for any finite z.

    With e = e^{-|z|} (always in (0, 1]): sigma(z) = 1 / (1 + e) for z >= 0 and
    e / (1 + e) for z < 0. Both forms are the same function; choosing by sign
    never exponentiates a large positive number, so |z| = 1e3 neither overflows
    nor warns.
    """
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


@checked(check_Z)
def sigmoid(Z):
    """A = sigma(Z) = 1 / (1 + e^{-Z}).

    Args:
        Z: pre-activation, any shape, e.g. (n[l], m).
    Returns:
        (A, cache): A like Z; cache = Z.
    """
    return sigmoid_value.unchecked(Z), Z


@checked(check_backward)
def sigmoid_backward(dA, cache):
    """dZ = dA * g'(Z), with g'(Z) = sigma(Z) (1 - sigma(Z)).

    Args:
        dA: gradient of the cost with respect to A, like Z.
        cache: Z from :func:`sigmoid`.
    Returns:
        dZ, like Z.
    """
    Z = cache
    s = sigmoid_value.unchecked(Z)
    return dA * s * (1 - s)


@checked(check_Z)
def tanh(Z):
    """A = tanh(Z) = (e^Z - e^{-Z}) / (e^Z + e^{-Z}).

    Returns (A, cache) with cache = Z.
    """
    return np.tanh(Z), Z


@checked(check_backward)
def tanh_backward(dA, cache):
    """dZ = dA * (1 - tanh(Z)^2)."""
    Z = cache
    A = np.tanh(Z)
    return dA * (1 - A ** 2)


@checked(check_Z)
def relu(Z):
    """A = max(0, Z). Returns (A, cache) with cache = Z."""
    return np.maximum(Z, 0), Z


@checked(check_backward)
def relu_backward(dA, cache):
    """dZ = dA * g'(Z), with g'(z) = 1 if z > 0 else 0 (0 at z = 0).

    Equivalently: dZ = dA, then dZ[Z <= 0] = 0 (the course's form).
    """
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


@checked(check_leaky_relu)
def leaky_relu(Z, negative_slope: float = 0.01):
    """A = max(slope * Z, Z) for 0 <= slope < 1 (default slope 0.01).

    Returns (A, cache) with cache = (Z, negative_slope), so the backward pass uses
    the slope of the forward pass.
    """
    A = np.where(Z > 0, Z, Z * Z.dtype.type(negative_slope))
    return A, (Z, negative_slope)


@checked(check_leaky_relu_backward)
def leaky_relu_backward(dA, cache):
    """dZ = dA * g'(Z), with g'(z) = 1 if z > 0 else slope (slope at z = 0)."""
    Z, negative_slope = cache
    return np.where(Z > 0, dA, dA * dA.dtype.type(negative_slope))


#: name -> (forward, backward); the names accepted wherever an activation is chosen.
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_backward),
    "tanh": (tanh, tanh_backward),
    "relu": (relu, relu_backward),
    "leaky_relu": (leaky_relu, leaky_relu_backward),
}


def get_activation(name: str):
    """Return (forward, backward) for an activation name, or raise ValueError."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {name!r}; expected one of "
                         f"{', '.join(repr(k) for k in ACTIVATIONS)}") from None
