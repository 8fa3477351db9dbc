"""How close the NumPy route and the PyTorch route must agree, and why.

Both routes compute the same formula in floating point, but in a different order
(NumPy's BLAS and pairwise sums against torch's kernels), so each rounds
differently. Standard error analysis bounds how far each can be from the exact
value (Higham, *Accuracy and Stability of Numerical Algorithms*, section 3.1):

    a sum or dot product of n terms, in any order:  |fl(s) - s| <= gamma_n * sum|terms|,
    gamma_n = n u / (1 - n u),  u = the unit roundoff (2^-53 float64, 2^-24 float32)

and each element-wise step (exp, log, tanh, a division) adds a few u more. Two
routes that each obey the bound differ by at most twice it: ``2 gamma_n``, where n
counts the rounding steps along the longest chain of the computation. The tests
draw their data so that values and sum|terms| are of order 1 (X in [-1, 1],
W[l] ~ N(0, 1) / sqrt(n[l-1]), so Z[l] = W[l] A[l-1] + b[l] stays O(1)); the same
bound is then both the relative and the absolute tolerance. The absolute part is
needed because an entry such as db = (1/m) sum(dZ) can be a near-zero result of
cancelling O(1) terms, where only the absolute error is small.

float64: the bound is about 1e-14 for the sizes drawn here; we state the project's
ceiling rtol = 1e-10 (four orders of headroom and still ten orders below what any
wrong formula gives) and the absolute tolerance ``2 gamma_n`` with u = 2^-53.

float32: rtol = atol = ``2 gamma_n`` with u = 2^-24 and n from the sizes of the
test; derived, never tuned to the measured error.
"""
from __future__ import annotations

import numpy as np

#: unit roundoff u = eps / 2 of each float type
UNIT_ROUNDOFF = {np.dtype(np.float64): 2.0 ** -53, np.dtype(np.float32): 2.0 ** -24}

#: the project's ceiling for float64 relative error
FLOAT64_RTOL = 1e-10

#: rounding steps charged to one element-wise function (exp, log, tanh, a division
#: and the products around it): each correctly rounded op costs <= u, and libm /
#: SLEEF implementations of exp, log and tanh are within 1-4 ulp.
ELEMENTWISE_OPS = 8


def gamma(n: int, dtype) -> float:
    """gamma_n = n u / (1 - n u): the relative error bound of an n-term sum."""
    u = UNIT_ROUNDOFF[np.dtype(dtype)]
    if n * u >= 1:
        raise ValueError(f"gamma: n u must be < 1, got n = {n} for {np.dtype(dtype)}")
    return n * u / (1 - n * u)


def tolerance(dtype, n: int) -> dict[str, float]:
    """{"rtol", "atol"} for two routes that each take at most n rounding steps on O(1) values.

    float64: rtol = 1e-10 (the ceiling), atol = 2 gamma_n;
    float32: rtol = atol = 2 gamma_n.
    """
    bound = 2 * gamma(n, dtype)
    if np.dtype(dtype) == np.float64:
        return {"rtol": FLOAT64_RTOL, "atol": bound}
    return {"rtol": bound, "atol": bound}


def steps_of_layers(layer_dims, m: int) -> int:
    """Rounding steps along the longest chain of one forward + backward pass.

    Per layer l: the forward dot product over n[l-1], the backward ones over n[l]
    (dA[l-1] = W[l]^T dZ[l]) and over m (dW[l], db[l]), and the element-wise
    activation, its derivative and the cost's log: ELEMENTWISE_OPS each.
    Errors made in layer l travel through all the later (and, backwards, earlier)
    layers, so the per-layer counts add up.
    """
    dims = list(layer_dims)
    n = 0
    for n_prev, n_l in zip(dims[:-1], dims[1:]):
        n += n_prev + n_l + m + 3 * ELEMENTWISE_OPS
    return n
