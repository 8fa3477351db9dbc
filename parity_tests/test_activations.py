"""Activations: the same A = g(Z) and dZ = dA * g'(Z) from scratch's hand-written
derivatives and from autograd through torch's modules, on each device, in float64
and float32.

The torch side is ``torch_ref.models.ACTIVATIONS[name]()`` (nn.Sigmoid, nn.Tanh,
nn.ReLU, nn.LeakyReLU(0.01)); its dZ is ``Z.grad`` after ``A.backward(dA)``.

Convention at z = 0, where ReLU and leaky ReLU have no derivative: both sides take
the left derivative, g'(0) = 0 for ReLU and g'(0) = 0.01 (the slope) for leaky
ReLU. That is what torch's autograd returns, and what scratch's docstring states;
the edge-case tests below check it at exact zeros (+0.0 and -0.0).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from parity_tests._arrays import assert_array_equal
from parity_tests._tolerances import ELEMENTWISE_OPS, tolerance
from scratch import activations as scratch_activations
from torch_ref.models import ACTIVATIONS as TORCH_ACTIVATIONS

DTYPES = [np.float64, np.float32]


def Z_and_dA(dtype):
    """Hypothesis: Z of shape (n, m) with n, m in 1..6, |z| <= 40, and dA like Z, |dA| <= 1."""
    width = 64 if dtype == np.float64 else 32
    shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6)

    @st.composite
    def draw(draw_):
        shape = draw_(shapes)
        Z = draw_(hnp.arrays(dtype, shape, elements=st.floats(-40, 40, width=width)))
        dA = draw_(hnp.arrays(dtype, shape, elements=st.floats(-1, 1, width=width)))
        return Z, dA
    return draw()


def torch_forward_backward(name, Z, dA, device):
    """A = g(Z) by the torch module, and dZ = Z.grad after A.backward(dA)."""
    g = TORCH_ACTIVATIONS[name]()
    Z_t = torch.tensor(Z, device=device, requires_grad=True)
    A_t = g(Z_t)
    A_t.backward(torch.tensor(dA, device=device))
    return A_t, Z_t.grad


def assert_activation_parity(parity, name, Z, dA, device, formula):
    """Same Z in, the same A and dZ out of scratch and of autograd."""
    forward, backward = scratch_activations.get_activation(name)
    A, cache = forward(Z)
    dZ = backward(dA, cache)
    A_t, dZ_t = torch_forward_backward(name, Z, dA, device)
    # Element-wise only: each side rounds a handful of ops (exp, a division, a
    # product), ELEMENTWISE_OPS steps. dZ's absolute part scales with |dA|: the
    # derivatives sigma(1 - sigma) and 1 - tanh^2 lose their relative accuracy
    # where they are tiny (1 - A cancels for A near 1), but the absolute error of
    # g'(z) stays within a few u, since g'(z) is a smooth function of A with slope <= 1.
    tol = tolerance(Z.dtype, ELEMENTWISE_OPS)
    dA_scale = max(1.0, float(np.max(np.abs(dA))))
    parity.close(f"A = {name}(Z)", A_t, A, **tol, formula=formula)
    parity.close(f"dZ = dA * {name}'(Z)", dZ_t, dZ, rtol=tol["rtol"],
                 atol=tol["atol"] * dA_scale, formula=formula)
    return A, dZ


def edge_Z(dtype):
    """The edge cases: |z| = 1e3 (far into saturation), +-1, and exact zeros of both signs."""
    return np.array([[-1e3, -1.0, -0.0, 0.0, 1.0, 1e3]], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_sigmoid_parity(device, parity, dtype, data):
    Z, dA = data.draw(Z_and_dA(dtype))
    assert_activation_parity(parity, "sigmoid", Z, dA, device, "act.sigmoid")


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_parity_far_into_saturation(device, parity, dtype):
    # sigma(+-1e3) must neither overflow nor warn: e^{1e3} overflows both float types,
    # so an overflow or any warning (both turned into errors here) means scratch
    # exponentiated it. Underflow of e^{-1e3} to 0 is the intended, exact-enough result.
    Z = edge_Z(dtype)
    dA = np.ones_like(Z)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        A, dZ = assert_activation_parity(parity, "sigmoid", Z, dA, device, "act.sigmoid")
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(dZ))
    # sigma(-1e3) = e^{-1e3} / (1 + e^{-1e3}) underflows to 0 and sigma(1e3) rounds to 1
    # in both float types; sigma(0) = 1/2 and sigma'(0) = 1/4 exactly.
    assert A[0, 0] == 0 and A[0, -1] == 1
    assert A[0, 3] == 0.5 and dZ[0, 3] == 0.25


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_tanh_parity(device, parity, dtype, data):
    Z, dA = data.draw(Z_and_dA(dtype))
    assert_activation_parity(parity, "tanh", Z, dA, device, "act.tanh")
    Z = edge_Z(dtype)
    A, dZ = assert_activation_parity(parity, "tanh", Z, np.ones_like(Z), device, "act.tanh")
    assert A[0, 0] == -1 and A[0, -1] == 1 and dZ[0, 0] == 0 and dZ[0, 3] == 1


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_relu_parity(device, parity, dtype, data):
    Z, dA = data.draw(Z_and_dA(dtype))
    assert_activation_parity(parity, "relu", Z, dA, device, "act.relu")


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_parity_at_zero(device, parity, dtype):
    # At z = 0 (and -0.0) both sides use ReLU'(0) = 0, torch's autograd convention.
    Z = edge_Z(dtype)
    A, dZ = assert_activation_parity(parity, "relu", Z, np.ones_like(Z), device, "act.relu")
    assert_array_equal(A, [[0, 0, 0, 0, 1, 1e3]])
    assert_array_equal(dZ, [[0, 0, 0, 0, 1, 1]])


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_leaky_relu_parity(device, parity, dtype, data):
    Z, dA = data.draw(Z_and_dA(dtype))
    assert_activation_parity(parity, "leaky_relu", Z, dA, device, "act.leaky_relu")


@pytest.mark.parametrize("dtype", DTYPES)
def test_leaky_relu_parity_at_zero(device, parity, dtype):
    # At z = 0 (and -0.0) both sides use the slope, g'(0) = 0.01, torch's autograd convention.
    Z = edge_Z(dtype)
    A, dZ = assert_activation_parity(parity, "leaky_relu", Z, np.ones_like(Z), device,
                                     "act.leaky_relu")
    slope = dtype(0.01)
    assert_array_equal(A, np.array([[-1e3 * slope, -slope, 0, 0, 1, 1e3]], dtype))
    assert_array_equal(dZ, np.array([[slope, slope, slope, slope, 1, 1]], dtype))
