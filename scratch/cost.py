"""The cross-entropy cost, shared by weeks 2-4.

J = -(1/m) * sum_i ( y_i log a_i + (1 - y_i) log(1 - a_i) )

Saturation: at a = 0 or a = 1 exactly (a sigmoid in float64 reaches 1.0 for
z > ~37), log(0) = -inf would make J inf or nan (0 * -inf). Like PyTorch's
``nn.BCELoss``, we clamp each log at -100, so a saturated wrong prediction costs
100 and a saturated right one costs 0, and J stays finite. The clamp changes
nothing for a > e^-100 (about 3.7e-44), so the course's published costs are
reproduced exactly; the parity suite checks the saturated case against BCELoss.
"""
from __future__ import annotations

import numpy as np

LOG_CLAMP = -100.0


def clamped_log(A) -> np.ndarray:
    """log(A), clamped below at -100 (as nn.BCELoss does); no warning at A = 0."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(A), A.dtype.type(LOG_CLAMP))


def cross_entropy(A, Y) -> np.ndarray:
    """J = -(1/m) sum(Y log A + (1 - Y) log(1 - A)) over all entries, as a 0-d array.

    A and Y: (1, m); Y may be boolean or integer (cast to A's dtype). The (1/m) and the sums run along m.
    """
    A = np.asarray(A)
    Y = np.asarray(Y)
    if Y.dtype != A.dtype and np.issubdtype(A.dtype, np.floating):
        Y = Y.astype(A.dtype)  # labels (bool, int or float) in A's precision: no upcast
    m = A.shape[1]
    logprobs = Y * clamped_log(A) + (1 - Y) * clamped_log(1 - A)
    return np.asarray(-np.sum(logprobs) / m)
