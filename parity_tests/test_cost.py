"""The cross-entropy cost: the same J from scratch's formula and from nn.BCELoss.

    J = -(1/m) sum_i ( y_i log a_i + (1 - y_i) log(1 - a_i) )

scratch: ``scratch.cost.cross_entropy(AL, Y)`` and ``scratch.deep_nn.compute_cost(AL, Y)``,
AL and Y of shape (1, m). torch: ``nn.BCELoss()`` (mean reduction) on the same
values in torch's layout, (m, 1).

Tolerance: every loss term is >= 0, so the sum does not cancel and its rounding
error is relative, gamma_n with n = m terms plus the element-wise log, division
and products (ELEMENTWISE_OPS). The absolute part covers one difference between
the routes: BCELoss takes log(1 - a) as log1p(-a), scratch as log(1 - a), which
differ by up to ~u in absolute terms when a is tiny (a term ~a, e.g. 1e-20 against 0).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch import nn

from parity_tests._arrays import assert_allclose
from parity_tests._tolerances import ELEMENTWISE_OPS, tolerance
from scratch import deep_nn
from scratch.cost import cross_entropy

DTYPES = [np.float64, np.float32]


def bce_loss(AL, Y, device):
    """nn.BCELoss on the course's (1, m) arrays, passed in torch's layout (m, 1)."""
    return nn.BCELoss()(torch.tensor(AL.T, device=device), torch.tensor(Y.T, device=device))


@st.composite
def AL_and_Y(draw, dtype):
    """AL of shape (1, m), 0 < a < 1; Y of shape (1, m), labels 0/1; m in 1..64."""
    width = 64 if dtype == np.float64 else 32
    m = draw(st.integers(1, 64))
    AL = draw(hnp.arrays(dtype, (1, m), elements=st.floats(
        0, 1, exclude_min=True, exclude_max=True, width=width)))
    Y = draw(hnp.arrays(np.bool_, (1, m))).astype(dtype)
    return AL, Y


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_cost_parity(device, parity, dtype, data):
    AL, Y = data.draw(AL_and_Y(dtype))
    J_torch = bce_loss(AL, Y, device)
    tol = tolerance(dtype, AL.shape[1] + ELEMENTWISE_OPS)
    parity.close("J = cross_entropy(AL, Y)", J_torch, cross_entropy(AL, Y), **tol,
                 formula="w2.cost")
    parity.close("J = deep_nn.compute_cost(AL, Y)", J_torch, deep_nn.compute_cost(AL, Y), **tol,
                 formula="w2.cost")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_cost_saturated_parity(device, parity, dtype, data):
    # AL exactly 0 or 1, against Y = 0 or 1 both ways. log(0) = -inf would make J
    # inf (or nan from 0 * -inf); both sides clamp each log at -100, so a saturated
    # wrong prediction costs exactly 100, a saturated right one 0, and
    # J = 100 * (number of wrong predictions) / m, finite.
    m = data.draw(st.integers(1, 16), label="m")
    AL = data.draw(hnp.arrays(np.bool_, (1, m)), label="AL").astype(dtype)
    Y = data.draw(hnp.arrays(np.bool_, (1, m)), label="Y").astype(dtype)
    J_expected = 100.0 * np.count_nonzero(AL != Y) / m
    J_torch = bce_loss(AL, Y, device)
    J_scratch = cross_entropy(AL, Y)
    J_course = deep_nn.compute_cost(AL, Y)
    assert np.isfinite(J_scratch) and np.isfinite(J_course) and torch.isfinite(J_torch)
    tol = tolerance(dtype, m + ELEMENTWISE_OPS)
    parity.close("J at saturation: BCELoss vs cross_entropy", J_torch, J_scratch, **tol,
                 formula="w2.cost")
    parity.close("J at saturation: BCELoss vs compute_cost", J_torch, J_course, **tol,
                 formula="w2.cost")
    assert_allclose(J_scratch, J_expected, **tol)
