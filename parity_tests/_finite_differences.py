"""Central differences, the third witness of a hand-derived gradient (float64).

The course's gradient check: approx_i = (J(theta + h e_i) - J(theta - h e_i)) / (2 h), and
the relative difference ||grad - approx|| / (||grad|| + ||approx||) must be small. With
h = 1e-7 on values of order 1, the truncation error is ~h^2 = 1e-14 and the rounding error
~u / h ~ 1e-9 of |J|, so a correct gradient lands near 1e-9 and a wrong one near 1; the
course passes below 2e-7 and this suite asks for 1e-7.
"""
from __future__ import annotations

import numpy as np

#: the step and the pass mark
H = 1e-7
THRESHOLD = 1e-7


def numerical_gradient(J, a, h=H):
    """dJ/da by central differences, one entry of ``a`` at a time (a is not modified)."""
    a = np.asarray(a, dtype=np.float64)
    approx = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        plus, minus = a.copy(), a.copy()
        plus[i] += h
        minus[i] -= h
        approx[i] = (J(plus) - J(minus)) / (2 * h)
    return approx


def relative_difference(grad, approx):
    """||grad - approx|| / (||grad|| + ||approx||); 0 when both are 0."""
    grad, approx = np.asarray(grad, dtype=np.float64), np.asarray(approx, dtype=np.float64)
    denominator = np.linalg.norm(grad) + np.linalg.norm(approx)
    return 0.0 if denominator == 0 else float(np.linalg.norm(grad - approx) / denominator)


def assert_gradient(name, grad, J, a, threshold=THRESHOLD):
    """The hand-derived ``grad`` of J at ``a`` agrees with central differences."""
    diff = relative_difference(grad, numerical_gradient(J, a))
    assert diff < threshold, f"{name}: relative difference to central differences {diff:.2e}"
    return diff


def assert_gradients(grads, J, values, threshold=THRESHOLD):
    """Several inputs at once, as the course's gradient_check_n: every ``values[name]`` is
    perturbed in turn (J takes the dict of values), and ONE relative difference is taken over
    all the entries stacked. A gradient that is small by construction (a weight batch norm
    makes nearly irrelevant) is then judged against the others' size, not against the
    differences' noise alone."""
    names = sorted(values)
    approx = [numerical_gradient(lambda v, name=name: J({**values, name: v}), values[name])
              for name in names]
    grad = np.concatenate([np.ravel(grads[name]) for name in names])
    diff = relative_difference(grad, np.concatenate([a.ravel() for a in approx]))
    assert diff < threshold, (f"{', '.join(names)}: relative difference to central differences "
                              f"{diff:.2e}")
    return diff
