"""Course 1, week 2, the first assignment: "Python basics with NumPy".

The course's functions, with its names, signatures and return types:

    basic_sigmoid(x)       s = 1 / (1 + math.exp(-x))        one Python number -> a float
    sigmoid(x)             s = 1 / (1 + np.exp(-x))          element-wise, any array
    sigmoid_derivative(x)  ds = s (1 - s)                    element-wise
    image2vector(image)    (length, height, depth) -> (length * height * depth, 1)
    normalize_rows(x)      x / ||x||, each ROW divided by its L2 norm
    softmax(x)             e^x / sum_j e^x_j, ROW by ROW (each row sums to 1)
    L1(yhat, y)            sum_i |y(i) - yhat(i)|
    L2(yhat, y)            sum_i (y(i) - yhat(i))^2          (no 1/m, no 1/2)

Note the axis: this notebook's ``softmax`` and ``normalize_rows`` work on ROWS, x (m, n),
one example a row. Week 4's networks and ``scratch.multiclass.softmax`` put examples in
columns and normalise each column.

The notebook computes the derivative of the sigmoid only. The backward passes of the other
differentiable functions, ``*_backward`` below, take the gradient of a cost with respect to the
function's output and return it with respect to the input, derived by hand:

    softmax:         s = softmax(x);  dx = s * (ds - sum_j ds_j s_j)        (row by row)
    normalize_rows:  y = x / r, r = ||x||;  dx = (dy - y sum_j dy_j y_j) / r  (row by row)
    L1:              dL1/dyhat = sign(yhat - y)      (0 where yhat = y, as torch.sign)
    L2:              dL2/dyhat = 2 (yhat - y)
"""
from __future__ import annotations

import math

import numpy as np

from ._validate import checked
from ._validate_basics import (
    check_basic_sigmoid,
    check_elementwise,
    check_image,
    check_loss,
    check_normalize_rows,
    check_normalize_rows_backward,
    check_rows,
    check_softmax_backward,
)


def basic_sigmoid(x):
    """s = 1 / (1 + e^{-x}) of ONE real number, with the ``math`` module (not NumPy).

    Args:
        x: a Python (or NumPy) real number. ``math.exp`` takes no array: use
            :func:`sigmoid` for arrays (the notebook's point).
    Returns:
        s, a Python float.
    """
    x = check_basic_sigmoid(x)
    s = 1 / (1 + math.exp(-x))
    return s


@checked(check_elementwise)
def sigmoid(x):
    """s = 1 / (1 + e^{-x}), element-wise with ``np.exp``.

    Args:
        x: a real number or an array of any shape.
    Returns:
        s, an array shaped like x (floats in (0, 1)).
    """
    s = 1 / (1 + np.exp(-x))
    return s


@checked(check_elementwise)
def sigmoid_derivative(x):
    """sigma'(x) = s (1 - s), s = sigmoid(x), element-wise.

    Args:
        x: a real number or an array of any shape.
    Returns:
        ds, shaped like x.
    """
    s = sigmoid.unchecked(x)
    ds = s * (1 - s)
    return ds


@checked(check_image)
def image2vector(image):
    """Unroll an image (length, height, depth) into a column (length * height * depth, 1).

    The entries keep NumPy's row-major order: v[(i height + j) depth + k] = image[i, j, k].
    Returns a view of ``image`` where NumPy can (as the course's ``reshape``).
    """
    v = image.reshape(image.shape[0] * image.shape[1] * image.shape[2], 1)
    return v


@checked(check_normalize_rows)
def normalize_rows(x):
    """Each row divided by its Euclidean norm: x[i] / ||x[i]||, so every row has norm 1.

    Args:
        x: (n, m), no row of zeros (its direction is undefined).
    Returns:
        x normalised, (n, m).
    """
    x_norm = np.linalg.norm(x, ord=2, axis=1, keepdims=True)
    x = x / x_norm
    return x


@checked(check_normalize_rows_backward)
def normalize_rows_backward(dy, x):
    """Backward of :func:`normalize_rows`, row by row (r = ||x||, y = x / r):

        dy/dx = (I - y y^T) / r,  so  dx = (dy - y sum_j dy_j y_j) / r

    Args:
        dy: dJ/dy, (n, m).  x: the input of normalize_rows, (n, m).
    Returns:
        dx, (n, m).
    """
    r = np.linalg.norm(x, ord=2, axis=1, keepdims=True)
    y = x / r
    dx = (dy - y * np.sum(dy * y, axis=1, keepdims=True)) / r
    return dx


@checked(check_rows)
def softmax(x):
    """Row-wise softmax: s[i, j] = e^{x[i, j]} / sum_k e^{x[i, k]}; each row sums to 1.

    The row's maximum is subtracted before the exponential (e^{x - c} / sum e^{x - c} is
    the same function for any c): the notebook's plain ``np.exp(x)`` overflows to inf (and
    nan) for entries above ~709, this does not. The two differ by rounding only.

    Args:
        x: (m, n), one row per example.
    Returns:
        s, (m, n).
    """
    x_exp = np.exp(x - np.max(x, axis=1, keepdims=True))
    x_sum = np.sum(x_exp, axis=1, keepdims=True)
    s = x_exp / x_sum
    return s


@checked(check_softmax_backward)
def softmax_backward(ds, x):
    """Backward of :func:`softmax`, row by row: ds_i/dx_j = s_i (delta_ij - s_j), so

        dx = s * (ds - sum_j ds_j s_j)

    Args:
        ds: dJ/ds, (m, n).  x: the input of softmax, (m, n).
    Returns:
        dx, (m, n).
    """
    s = softmax.unchecked(x)
    dx = s * (ds - np.sum(ds * s, axis=1, keepdims=True))
    return dx


@checked(check_loss)
def L1(yhat, y):
    """L1 loss: sum_i |y(i) - yhat(i)|.

    Args:
        yhat: predictions, any shape (the notebook's: (m,)).  y: the labels, same shape.
    Returns:
        loss, a NumPy scalar of the inputs' float type (np.float64, a Python float, for
        float64 or integer inputs).
    """
    loss = np.sum(np.abs(y - yhat))
    return loss


@checked(check_loss)
def L1_backward(yhat, y):
    """dL1/dyhat = sign(yhat - y), element-wise; 0 where yhat = y (|.| has no derivative
    there; 0 is the subgradient torch's autograd returns too).

    Args and shapes as :func:`L1`. Returns dyhat, shaped like yhat.
    """
    dyhat = np.sign(yhat - y)
    return dyhat


@checked(check_loss)
def L2(yhat, y):
    """L2 loss: sum_i (y(i) - yhat(i))^2 (a sum: no 1/m and no 1/2).

    Args:
        yhat: predictions, any shape (the notebook's: (m,)).  y: the labels, same shape.
    Returns:
        loss, a NumPy scalar of the inputs' float type (as :func:`L1`).
    """
    loss = np.sum((y - yhat) ** 2)
    return loss


@checked(check_loss)
def L2_backward(yhat, y):
    """dL2/dyhat = 2 (yhat - y), element-wise.

    Args and shapes as :func:`L2`. Returns dyhat, shaped like yhat.
    """
    dyhat = 2 * (yhat - y)
    return dyhat
