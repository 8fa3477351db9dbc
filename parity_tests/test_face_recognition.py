"""Course 4, week 4 (face recognition): the course's triplet loss and its hand-derived gradient
(scratch.face_recognition) against torch_ref (torch ops and nn.TripletMarginWithDistanceLoss,
autograd), on each device, float64 and float32, and against finite differences (float64).
Then how the course's loss differs from nn.TripletMarginLoss, with numbers.

The course's own test case draws its encodings with tf.random (seed 1): TensorFlow's RNG,
not reproducible here, so its value is not used; the cases below are computed by hand.

Tolerances (see ``_tolerances``): 2 gamma_n, n the rounding steps along the longest chain.
The loss: each distance sums n_e squares, then pos - neg + alpha, then a sum over m
triplets: n = n_e + m + ELEMENTWISE_OPS, the absolute part times sum_i (pos_i + neg_i + |alpha|)
(pos - neg can cancel). The gradient: 2 (n - p) by hand, 2 (a - p) - 2 (a - n) by autograd:
n = ELEMENTWISE_OPS, the absolute part times 2 max(|a| + |p| + |n|). Draws whose basic_loss
is within 1e-3 of 0 are skipped: there float32 rounding could put the max(., 0) on different
sides for the two routes (the tie itself has its own test).
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from torch import nn

from parity_tests._arrays import assert_array_equal
from parity_tests._tolerances import ELEMENTWISE_OPS, tolerance
from scratch import face_recognition as fr
from torch_ref import face_recognition as torch_fr

DTYPES = {np.float64: torch.float64, np.float32: torch.float32}


def raises(*words):
    return pytest.raises(ValueError, match="(?s)" + "".join(f"(?=.*{re.escape(w)})" for w in words))


def leaves(arrays, device):
    return [torch.as_tensor(a, device=device).clone().requires_grad_(True) for a in arrays]


# ============================================================================ values by hand
@pytest.mark.parametrize("anchor, positive, negative, alpha, expected", [
    ([1.0, 1.0], [1.0, 1.0], [1.0, 1.0], 5, 5.0),           # 0 - 0 + 5
    ([1.0, 1.0], [1.0, 1.0], [0.0, 0.0], 3, 1.0),           # 0 - 2 + 3
    ([1.0, 1.0], [0.0, 0.0], [1.0, 1.0], 0, 2.0),           # 2 - 0 + 0
    ([0.0, 0.0], [0.0, 0.0], [0.0, 0.0], -2, 0.0),          # max(-2, 0)
    ([[1.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]], 3, 4.0),
    ([[0.0, 0.0], [0.0, 0.0]], [[3.0, 0.0], [0.5, 0.0]], [[0.0, 4.0], [0.6, 0.0]], 0.2, 0.09),
])                                                           # 2 + 2;  max(9 - 16 + .2, 0) + .09
def test_triplet_loss_by_hand(parity, anchor, positive, negative, alpha, expected):
    """One triplet (n,) or a batch (m, n), margins 0, negative and positive."""
    loss = fr.triplet_loss(None, (anchor, positive, negative), alpha)
    assert loss == pytest.approx(expected, rel=1e-15, abs=1e-15)
    t = [torch.tensor(x, dtype=torch.float64) for x in (anchor, positive, negative)]
    parity.close("triplet loss by hand", torch_fr.triplet_loss(None, t, alpha), loss,
                 **tolerance(np.float64, 4 + ELEMENTWISE_OPS), formula="c4.triplet_loss")


# ============================================================================ parity
@given(seed=st.integers(0, 2 ** 32 - 1), m=st.integers(1, 8),
       n_e=st.sampled_from([1, 2, 5, 16, 128]), alpha=st.sampled_from([0.2, 0.5, 1.0, 0.0, -0.1]),
       dtype=st.sampled_from(list(DTYPES)))
def test_triplet_loss_parity(device, parity, seed, m, n_e, alpha, dtype):
    rng = np.random.default_rng(seed)
    # encodings of about unit norm, as FaceNet's (which are L2-normalised)
    a, p, n = (rng.standard_normal((m, n_e)) / np.sqrt(n_e) for _ in range(3))
    pos, neg = np.sum((a - p) ** 2, axis=1), np.sum((a - n) ** 2, axis=1)
    assume(np.min(np.abs(pos - neg + alpha)) > 1e-3)
    a, p, n = (x.astype(dtype) for x in (a, p, n))

    loss = fr.triplet_loss(None, (a, p, n), alpha)
    grads = fr.triplet_loss_backward(None, (a, p, n), alpha)
    assert np.ndim(loss) == 0 and loss.dtype == dtype
    assert all(g.shape == (m, n_e) and g.dtype == dtype for g in grads)

    t = leaves((a, p, n), device)
    loss_t = torch_fr.triplet_loss(None, t, alpha)
    loss_t.backward()
    loss_tol = tolerance(dtype, n_e + m + ELEMENTWISE_OPS)
    loss_tol["atol"] *= float(np.sum(pos + neg + abs(alpha)))
    parity.close("triplet loss", loss_t, loss, **loss_tol, formula="c4.triplet_loss")
    grad_tol = tolerance(dtype, ELEMENTWISE_OPS)
    grad_tol["atol"] *= 2 * float(np.max(np.abs(a) + np.abs(p) + np.abs(n)))
    for name, tensor, g in zip(("anchor", "positive", "negative"), t, grads):
        parity.close(f"dJ/d{name}", tensor.grad, g, **grad_tol, formula="c4.triplet_loss")

    if alpha > 0:   # nn.TripletMarginWithDistanceLoss refuses margins <= 0
        t2 = leaves((a, p, n), device)
        loss_nn = torch_fr.course_triplet_criterion(alpha)(*t2)
        loss_nn.backward()
        parity.close("TripletMarginWithDistanceLoss(squared, sum)", loss_nn, loss, **loss_tol,
                     formula="c4.triplet_loss")
        for name, tensor, g in zip(("anchor", "positive", "negative"), t2, grads):
            parity.close(f"dJ/d{name} (nn criterion)", tensor.grad, g, **grad_tol,
                         formula="c4.triplet_loss")


def test_triplet_gradient_at_the_kink(device):
    """basic_loss = 0 exactly: a = (1, 0), p = (0, 0), n = (2, 0), alpha = 0 gives
    pos = neg = 1. The course's tf.maximum passes the gradient there (grad * (x >= y)), and so
    does scratch: dJ/da = 2 (n - p) = (4, 0), dJ/dp = 2 (p - a) = (-2, 0),
    dJ/dn = 2 (a - n) = (-2, 0). relu gives 0; torch.maximum gives half; torch.where(x >= 0,
    x, 0) gives it all. torch.clamp(min=0) (torch_ref's, and inside nn's triplet losses) gives
    what clamp's own derivative at the bound is in the installed torch: 0 here (torch 2.14),
    all of it on the GPU machine's torch 2.11 (its derivatives.yaml: where(self >= min, grad,
    0)); the test reads that convention off a one-number probe and holds the triplet loss to
    it."""
    a, p, n = np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]]), np.array([[2.0, 0.0]])
    d_a, d_p, d_n = fr.triplet_loss_backward(None, (a, p, n), 0.0)
    assert_array_equal(d_a, [[4.0, 0.0]])
    assert_array_equal(d_p, [[-2.0, 0.0]])
    assert_array_equal(d_n, [[-2.0, 0.0]])

    def grad_of_anchor(hinge):
        ta, tp, tn = leaves((a, p, n), device)
        basic = torch_fr.squared_euclidean(ta, tp) - torch_fr.squared_euclidean(ta, tn) + 0.0
        hinge(basic).sum().backward()
        return ta.grad.cpu().numpy()

    probe = torch.zeros(1, dtype=torch.float64, device=device, requires_grad=True)
    torch.clamp(probe, min=0).sum().backward()
    passes = probe.grad.item()                       # 0.0 or 1.0: clamp's slope at its bound
    assert passes in (0.0, 1.0)
    ta, tp, tn = leaves((a, p, n), device)
    torch_fr.triplet_loss(None, (ta, tp, tn), 0.0).backward()
    assert_array_equal(ta.grad.cpu().numpy(), passes * d_a)
    assert_array_equal(grad_of_anchor(torch.relu), [[0.0, 0.0]])
    assert_array_equal(grad_of_anchor(lambda x: torch.maximum(x, torch.zeros_like(x))),
                       [[2.0, 0.0]])
    assert_array_equal(
        grad_of_anchor(lambda x: torch.where(x >= 0, x, torch.zeros_like(x))), d_a)


# ============================================================================ nn.TripletMarginLoss
def test_triplet_margin_loss_is_another_loss(device):
    """nn.TripletMarginLoss(margin, p=2, eps=1e-6, reduction="mean") computes
    mean_i max(||a_i - p_i + eps|| - ||a_i - n_i + eps|| + margin, 0): the distance, not its
    square; eps added to the difference; a mean, not a sum. The square changes which triplets
    count, so no setting of it gives the course's loss (numbers below); it agrees only by
    coincidence (both zero, or d_p + d_n = 1 with eps = 0, where d_p - d_n = d_p^2 - d_n^2).
    nn.TripletMarginWithDistanceLoss with the squared distance and reduction="sum" does give it
    (test_triplet_loss_parity)."""
    def both(anchor, positive, negative, alpha, **kwargs):
        triplet = tuple(np.array(x) for x in (anchor, positive, negative))
        course = float(fr.triplet_loss(None, triplet, alpha))
        t = [torch.tensor(x, dtype=torch.float64, device=device) for x in triplet]
        return course, nn.TripletMarginLoss(margin=alpha, **kwargs)(*t).item()

    origin = [[0.0, 0.0]]
    # d_p = 2, d_n = 2.1: the distances are within the margin 0.2 (0.1 left),
    # the squares are not (4 - 4.41 + 0.2 < 0)
    course, torch_loss = both(origin, [[2.0, 0.0]], [[0.0, 2.1]], 0.2)
    assert course == 0.0
    assert torch_loss == pytest.approx(0.1, abs=1e-5)           # eps moves it by ~1e-6
    # both active, different values: 0.25 - 0.36 + 0.2 = 0.09 against 0.5 - 0.6 + 0.2 = 0.1
    for p_norm in (1, 2, 3):                                     # one axis: every p-norm alike
        course, torch_loss = both(origin, [[0.5, 0.0]], [[0.6, 0.0]], 0.2, p=p_norm, eps=0.0,
                                  reduction="sum")
        assert course == pytest.approx(0.09, rel=1e-12)
        assert torch_loss == pytest.approx(0.1, rel=1e-12)
    # the mean: two copies of that triplet, course 0.18 (a sum), torch's default 0.1 (a mean)
    course, torch_loss = both(origin * 2, [[0.5, 0.0]] * 2, [[0.6, 0.0]] * 2, 0.2)
    assert course == pytest.approx(0.18, rel=1e-12)
    assert torch_loss == pytest.approx(0.1, abs=1e-5)
    # eps: an anchor equal to its positive is at distance eps sqrt(n), not 0
    _, torch_loss = both([[1.0, 1.0]], [[1.0, 1.0]], [[1.0, 1.0]], 0.2, reduction="sum")
    assert torch_loss == pytest.approx(0.2, abs=1e-12)          # eps sqrt(2) - eps sqrt(2)
    # the coincidence: d_p = 0.3, d_n = 0.7 (sum 1), alpha 0.5: 0.09 - 0.49 + 0.5 = 0.1 both
    course, torch_loss = both(origin, [[0.3, 0.0]], [[0.7, 0.0]], 0.5, eps=0.0, reduction="sum")
    assert course == pytest.approx(0.1, rel=1e-12) and torch_loss == pytest.approx(0.1, rel=1e-12)


# ============================================================================ finite differences
@given(seed=st.integers(0, 2 ** 32 - 1), m=st.integers(1, 5), n_e=st.integers(1, 8),
       alpha=st.sampled_from([0.2, 1.0]))
def test_triplet_gradient_by_finite_differences(seed, m, n_e, alpha):
    """Float64, epsilon 1e-7, relative difference < 1e-7, away from the kink."""
    rng = np.random.default_rng(seed)
    y_pred = [rng.standard_normal((m, n_e)) / np.sqrt(n_e) for _ in range(3)]
    basic = np.sum((y_pred[0] - y_pred[1]) ** 2, 1) - np.sum((y_pred[0] - y_pred[2]) ** 2, 1)
    assume(np.min(np.abs(basic + alpha)) > 1e-3)
    grads = fr.triplet_loss_backward(None, y_pred, alpha)
    epsilon = 1e-7
    for k in range(3):
        approx = np.zeros_like(y_pred[k])
        for i in np.ndindex(approx.shape):
            plus = [x.copy() for x in y_pred]
            minus = [x.copy() for x in y_pred]
            plus[k][i] += epsilon
            minus[k][i] -= epsilon
            approx[i] = (fr.triplet_loss(None, plus, alpha)
                         - fr.triplet_loss(None, minus, alpha)) / (2 * epsilon)
        norm = np.linalg.norm(grads[k]) + np.linalg.norm(approx)
        assert norm == 0 or np.linalg.norm(grads[k] - approx) / norm < 1e-7


# ============================================================================ bad input
def test_triplet_loss_bad_input():
    x = np.zeros((2, 4))
    with raises("y_pred", "(anchor, positive, negative)", "length 2"):
        fr.triplet_loss(None, (x, x))
    with raises("anchor, positive and negative", "same shape", "(2, 3)"):
        fr.triplet_loss(None, (x, x, np.zeros((2, 3))))
    with raises("negative", "(m, n)", "(2, 4, 1)"):
        fr.triplet_loss_backward(None, (x, x, np.zeros((2, 4, 1))))
    with raises("positive", "finite", "NaN"):
        fr.triplet_loss(None, (x, np.full((2, 4), np.nan), x))
    with raises("alpha", "finite number", "None"):
        fr.triplet_loss(None, (x, x, x), None)
