"""Course 1, week 2, "Python basics with NumPy": scratch.numpy_basics against torch_ref's one-liners
(``torch.sigmoid``, ``F.normalize``, ``torch.softmax(dim=1)``, ``nn.L1Loss``/``nn.MSELoss`` with
``reduction="sum"``) and autograd, on each device, in float64 and float32; the hand-derived
backward passes against central differences; the notebook's return types and axes; bad input.

Tolerances (``_tolerances``): each value is an element-wise function (ELEMENTWISE_OPS rounding
steps) or a sum over a row of n entries (n steps) followed by element-wise steps; L1 and L2 sum
N = size non-negative terms, so their relative error is gamma_N directly. normalize_rows divides
by the row norm r: an absolute error of the backward's cancellation (dy - y (y . dy)) is divided
by r too, so its count is multiplied by ceil(1 / min r) (at least 1).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from parity_tests._finite_differences import assert_gradient
from parity_tests._tolerances import ELEMENTWISE_OPS, tolerance
from scratch import numpy_basics as nb
from torch_ref import numpy_basics as tb

DTYPES = [np.float64, np.float32]


def raises(*words):
    import re
    return pytest.raises(ValueError, match="(?s)" + "".join(f"(?=.*{re.escape(w)})" for w in words))


@st.composite
def matrices(draw, dtype, low=-3.0, high=3.0):
    """(x, dy, rng): x (m, n) uniform in [low, high], dy standard normal, m, n in 1..6."""
    m, n = draw(st.integers(1, 6), label="m"), draw(st.integers(1, 6), label="n")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    x = rng.uniform(low, high, (m, n)).astype(dtype)
    dy = rng.standard_normal((m, n)).astype(dtype)
    return x, dy, rng


def _t(a, device, grad=False):
    return torch.tensor(np.asarray(a), device=device, requires_grad=grad)


# ============================================================================ the notebook's cases
def test_notebook_cases_by_hand():
    """The notebook's examples, each value computed here from its definition (math module,
    exact arithmetic): the functions return what the formulas say, with the notebook's types."""
    s = nb.basic_sigmoid(1)
    assert type(s) is float and s == 1 / (1 + math.exp(-1))
    x = np.array([1, 2, 3])
    expected = np.array([1 / (1 + math.exp(-k)) for k in (1, 2, 3)])
    np.testing.assert_allclose(nb.sigmoid(x), expected, rtol=1e-15)
    np.testing.assert_allclose(nb.sigmoid_derivative(x), expected * (1 - expected), rtol=1e-15)

    image = np.arange(18, dtype=np.float64).reshape(3, 3, 2)
    v = nb.image2vector(image)
    assert v.shape == (18, 1) and v[5, 0] == image[0, 2, 1]     # (0 * 3 + 2) * 2 + 1 = 5

    rows = nb.normalize_rows(np.array([[0, 3, 4], [1, 6, 4]]))
    np.testing.assert_allclose(rows, [[0, 0.6, 0.8], [1 / math.sqrt(53), 6 / math.sqrt(53),
                                                      4 / math.sqrt(53)]], rtol=1e-15)
    s = nb.softmax(np.array([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]]))
    for row, values in zip(s, ([9, 2, 5, 0, 0], [7, 5, 0, 0, 0])):
        total = sum(math.exp(k) for k in values)
        np.testing.assert_allclose(row, [math.exp(k) / total for k in values], rtol=1e-14)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-15)   # ROWS sum to 1, not columns

    yhat, y = np.array([.9, 0.2, 0.1, .4, .9]), np.array([1, 0, 0, 1, 1])
    l1, l2 = nb.L1(yhat, y), nb.L2(yhat, y)
    assert isinstance(l1, float) and isinstance(l2, float)        # np.float64 is a float
    assert l1 == pytest.approx(1.1, rel=1e-15) and l2 == pytest.approx(0.43, rel=1e-15)


# ============================================================================ parity
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_sigmoid_parity(device, parity, dtype, data):
    x, dy, _ = data.draw(matrices(dtype, -8, 8))
    tol = tolerance(dtype, ELEMENTWISE_OPS)
    parity.close("s = sigmoid(x)", tb.sigmoid(_t(x, device)), nb.sigmoid(x), **tol,
                 formula="basics.sigmoid")
    parity.close("ds = s (1 - s)", tb.sigmoid_derivative(_t(x, device)), nb.sigmoid_derivative(x),
                 **tolerance(dtype, 2 * ELEMENTWISE_OPS), formula="basics.sigmoid")
    value = float(x.flat[0])
    parity.close("basic_sigmoid(x), math.exp", np.float64(tb.basic_sigmoid(value)),
                 np.float64(nb.basic_sigmoid(value)), **tolerance(np.float64, ELEMENTWISE_OPS),
                 formula="basics.sigmoid")


@given(data=st.data())
def test_image2vector_parity(device, parity, data):
    shape = data.draw(st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4)))
    image = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1))).standard_normal(shape)
    v = nb.image2vector(image)
    assert v.shape == (shape[0] * shape[1] * shape[2], 1)
    # a reshape moves no value: exact
    parity.close("v = image.reshape(l h d, 1)", tb.image2vector(_t(image, device)), v, rtol=0,
                 atol=0, formula="basics.image2vector")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_normalize_rows_parity(device, parity, dtype, data):
    x, dy, _ = data.draw(matrices(dtype))
    n = x.shape[1]
    r_min = float(np.linalg.norm(x.astype(np.float64), axis=1).min())
    k = max(1, math.ceil(1 / r_min))
    xt = _t(x, device, grad=True)
    y_t = tb.normalize_rows(xt)
    y_t.backward(_t(dy, device))
    parity.close("x / ||x|| (rows)", y_t, nb.normalize_rows(x),
                 **tolerance(dtype, n + ELEMENTWISE_OPS), formula="basics.normalize_rows")
    parity.close("dx = (dy - y (y . dy)) / ||x||", xt.grad, nb.normalize_rows_backward(dy, x),
                 **tolerance(dtype, k * (3 * n + 3 * ELEMENTWISE_OPS)),
                 formula="basics.normalize_rows")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_softmax_parity(device, parity, dtype, data):
    x, ds, _ = data.draw(matrices(dtype, -5, 5))
    n = x.shape[1]
    xt = _t(x, device, grad=True)
    s_t = tb.softmax(xt)
    s_t.backward(_t(ds, device))
    s = nb.softmax(x)
    parity.close("s = softmax(x), row by row", s_t, s, **tolerance(dtype, n + 2 * ELEMENTWISE_OPS),
                 formula="basics.softmax")
    parity.close("dx = s (ds - sum ds s)", xt.grad, nb.softmax_backward(ds, x),
                 **tolerance(dtype, 2 * n + 3 * ELEMENTWISE_OPS), formula="basics.softmax")
    np.testing.assert_allclose(s.sum(axis=1), 1, rtol=2 * n * np.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_L1_L2_parity(device, parity, dtype, data):
    yhat, _, rng = data.draw(matrices(dtype, 0, 1))
    y = rng.integers(0, 2, yhat.shape).astype(dtype)
    if data.draw(st.booleans(), label="rank 1, as the notebook"):
        yhat, y = yhat.ravel(), y.ravel()
    N = yhat.size
    for name, np_loss, np_grad, t_loss, formula in (
            ("L1 = sum |y - yhat|", nb.L1, nb.L1_backward, tb.L1, "basics.L1"),
            ("L2 = sum (y - yhat)^2", nb.L2, nb.L2_backward, tb.L2, "basics.L2")):
        yt = _t(yhat, device, grad=True)
        loss_t = t_loss(yt, _t(y, device))
        loss_t.backward()
        loss = np_loss(yhat, y)
        assert np.asarray(loss).dtype == dtype and np.ndim(loss) == 0
        # N non-negative terms, each from 2 rounded ops: relative error gamma_(N + 2)
        parity.close(name, loss_t, np.asarray(loss), **tolerance(dtype, N + 2), formula=formula)
        # sign(yhat - y) is exact; 2 (yhat - y) is one rounded subtraction, doubled exactly
        parity.close(f"d{name.split()[0]}/dyhat", yt.grad, np_grad(yhat, y),
                     **tolerance(dtype, 2), formula=formula)


def test_L1_gradient_where_yhat_equals_y(device, parity):
    """|.| has no derivative at 0: both sides take 0 (torch's sign(0) = 0)."""
    yhat = np.array([0.5, 1.0, 0.0])
    y = np.array([0.5, 0.0, 1.0])
    yt = _t(yhat, device, grad=True)
    tb.L1(yt, _t(y, device)).backward()
    np.testing.assert_array_equal(nb.L1_backward(yhat, y), [0.0, 1.0, -1.0])
    parity.close("dL1/dyhat at yhat = y", yt.grad, nb.L1_backward(yhat, y), rtol=0, atol=0,
                 formula="basics.L1")


def test_softmax_is_row_wise_not_column_wise():
    """The notebook's axis: (m, n) rows sum to 1; scratch.multiclass's columns do."""
    from scratch.multiclass import softmax as column_softmax

    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]])
    np.testing.assert_allclose(nb.softmax(x), column_softmax(x.T)[0].T, rtol=1e-15)
    assert not np.allclose(nb.softmax(x).sum(axis=0), 1)


def test_large_entries_do_not_overflow():
    """The row maximum is subtracted first: e^1000 would overflow (the notebook's np.exp(x))."""
    s = nb.softmax(np.array([[1000.0, 999.0]]))
    np.testing.assert_allclose(s, [[1 / (1 + math.exp(-1)), 1 / (1 + math.exp(1))]], rtol=1e-15)


# ============================================================================ finite differences
@given(data=st.data())
def test_backward_passes_by_finite_differences(data):
    x, dy, rng = data.draw(matrices(np.float64))
    assert_gradient("sigmoid_derivative", nb.sigmoid_derivative(x) * dy,
                    lambda a: np.sum(dy * nb.sigmoid(a)), x)
    assert_gradient("normalize_rows_backward", nb.normalize_rows_backward(dy, x),
                    lambda a: np.sum(dy * nb.normalize_rows(a)), x)
    assert_gradient("softmax_backward", nb.softmax_backward(dy, x),
                    lambda a: np.sum(dy * nb.softmax(a)), x)
    y = rng.integers(0, 2, x.shape).astype(np.float64)
    yhat = y + rng.choice([-1, 1], x.shape) * rng.uniform(0.1, 1, x.shape)  # away from |.|'s kink
    assert_gradient("L1_backward", nb.L1_backward(yhat, y), lambda a: nb.L1(a, y), yhat)
    assert_gradient("L2_backward", nb.L2_backward(yhat, y), lambda a: nb.L2(a, y), yhat)


# ============================================================================ bad input
def test_bad_input():
    with raises("x", "one real number", "use sigmoid(x) for arrays", "list"):
        nb.basic_sigmoid([1, 2, 3])
    with raises("x", "one real number", "ndarray"):
        nb.basic_sigmoid(np.array([1.0, 2.0]))
    with raises("x", "overflows", "-1000"):
        nb.basic_sigmoid(-1000)
    with raises("x", "NaN"):
        nb.sigmoid(np.array([0.0, np.nan]))
    with raises("x", "real numbers", "<U1"):
        nb.sigmoid(np.array(["a"]))
    with raises("image", "3-D", "(length, height, depth)", "(4, 4)"):
        nb.image2vector(np.ones((4, 4)))
    with raises("x", "2-D", "(m, n)", "(3,)"):
        nb.normalize_rows(np.ones(3))
    with raises("row 1", "all zeros", "0/0"):
        nb.normalize_rows(np.array([[1.0, 2.0], [0.0, 0.0]]))
    with raises("x", "finite", "inf"):
        nb.softmax(np.array([[1.0, np.inf]]))
    with raises("ds and x", "same shape", "(2, 3)", "(3, 2)"):
        nb.softmax_backward(np.ones((2, 3)), np.ones((3, 2)))
    with raises("dy and x", "same shape"):
        nb.normalize_rows_backward(np.ones((1, 2)), np.ones((1, 3)))
    with raises("yhat and y", "same shape", "(5,)", "(5, 1)"):
        nb.L1(np.ones(5), np.ones((5, 1)))
    with raises("yhat and y", "same shape"):
        nb.L2_backward(np.ones(5), np.ones(4))
    with raises("y", "finite"):
        nb.L2(np.ones(2), np.array([1.0, np.inf]))


def test_dtypes_are_kept():
    x32 = np.ones((2, 3), np.float32)
    assert nb.softmax(x32).dtype == np.float32 and nb.normalize_rows(x32).dtype == np.float32
    assert nb.sigmoid(np.array([1, 2])).dtype == np.float64          # integers -> float64
    assert nb.L1(x32, x32).dtype == np.float32
