"""The course's planar "flower" data set (week 3), generated exactly as the course does.

m = 400 points, 200 per class, 2 features. For class j in {0, 1}:
    t = linspace(3.12 j, 3.12 (j + 1), N) + 0.2 randn(N)      (angle)
    r = 4 sin(4 t) + 0.2 randn(N)                             (radius: an 8-petal rose)
    x = (r sin t, r cos t), label j
"""
from __future__ import annotations

import numpy as np


def load_planar_dataset(seed: int = 1):
    """Return X (2, 400) float64 and Y (1, 400) uint8, with the course's seed 1.

    Draws from ``np.random.RandomState(seed)``, the same stream as the course's
    ``np.random.seed(1)`` followed by ``np.random.randn``, without touching the
    global random state.
    """
    rng = np.random.RandomState(seed)
    m = 400
    N = m // 2
    D = 2
    a = 4
    X = np.zeros((m, D))
    Y = np.zeros((m, 1), dtype="uint8")
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * 0.2
        r = a * np.sin(4 * t) + rng.randn(N) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T
