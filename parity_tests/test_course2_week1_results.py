"""Course 2, week 1: the course's published runs (``COURSE_RESULTS.md``), by the NumPy
course functions (``scratch.initialization.model``, ``scratch.regularization.model``).

- Initialization, circles, net [2, 10, 5, 1], lr 0.01, 15000 iterations: costs at 0,
  1000 and 14000, train and test accuracy. The * 10 run: its first cost is inf (a
  saturated sigmoid); its later costs depend on rounding in the 4th digit
  (COURSE_RESULTS.md), so only its accuracies are matched (and its cost must be
  finite and falling after the first iteration).
- Regularization, football, net [2, 20, 3, 1], lr 0.3, 30000 iterations: costs at 0,
  10000 and 20000, train and test accuracy.

Tolerances: the cost at 0 (one forward pass) within 1e-12 relative; iteration 1000
of the initialization runs too (measured 0 to 2e-16 here); later costs within 1e-6
relative (COURSE_RESULTS.md: published versions differ in late digits by summation
order; measured here: at most 1.1e-12). Accuracies exactly.

Run times (OMP_NUM_THREADS=1, the 2-core dev machine): each initialization run about
1.2 s, each regularization run about 3.3 s (dropout 3.7 s).
The PyTorch side of these runs goes through the engine (dl_parity.engine) later.
"""
from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pytest

from scratch import initialization as ini
from scratch import regularization as reg
from scratch.datasets_course2 import load_2D_dataset, load_circles

pytestmark = pytest.mark.course

EARLY_RTOL = 1e-12
LATE_RTOL = 1e-6


def accuracy(predict, X, Y, parameters) -> float:
    with contextlib.redirect_stdout(io.StringIO()):
        p = predict(X, Y, parameters)
    return float(np.mean(p == Y))


@pytest.mark.parametrize("initialization, costs, train_acc, test_acc", [
    ("zeros", {0: 0.6931471805599453, 1000: 0.6931471805599453, 14000: 0.6931471805599453},
     0.5, 0.5),
    ("random", {0: math.inf}, 0.83, 0.86),
    ("he", {0: 0.8830537463419761, 1000: 0.6879825919728063, 14000: 0.07357895962677366},
     0.9933333333333333, 0.96),
])
def test_course_initialization(initialization, costs, train_acc, test_acc):
    train_X, train_Y, test_X, test_Y = load_circles()
    recorded = []
    parameters = ini.model(train_X, train_Y, print_cost=False, initialization=initialization,
                           costs=recorded)
    assert len(recorded) == 15                      # iterations 0, 1000, ..., 14000
    for iteration, published in costs.items():
        rtol = EARLY_RTOL if iteration <= 1000 else LATE_RTOL
        assert recorded[iteration // 1000] == pytest.approx(published, rel=rtol), iteration
    if initialization == "random":
        assert all(math.isfinite(c) for c in recorded[1:]) and recorded[-1] < recorded[1]
    assert accuracy(ini.predict, train_X, train_Y, parameters) == train_acc
    assert accuracy(ini.predict, test_X, test_Y, parameters) == test_acc


@pytest.mark.parametrize("lambd, keep_prob, costs, train_acc, test_acc", [
    (0, 1, (0.6557412523481002, 0.16329987525724204, 0.13851642423234922),
     0.9478672985781991, 0.915),
    (0.7, 1, (0.6974484493131264, 0.2684918873282238, 0.26809163371273004),
     0.9383886255924171, 0.93),
    (0, 0.86, (0.6543912405149825, 0.061016986574905605, 0.0605824357985131),
     0.9289099526066351, 0.95),
], ids=["none", "L2", "dropout"])
def test_course_regularization(lambd, keep_prob, costs, train_acc, test_acc):
    train_X, train_Y, test_X, test_Y = load_2D_dataset()
    recorded = []
    parameters = reg.model(train_X, train_Y, print_cost=False, lambd=lambd, keep_prob=keep_prob,
                           costs=recorded)
    assert len(recorded) == 30
    for (iteration, rtol), published in zip(((0, EARLY_RTOL), (10000, LATE_RTOL),
                                             (20000, LATE_RTOL)), costs):
        assert recorded[iteration // 1000] == pytest.approx(published, rel=rtol), iteration
    assert accuracy(reg.predict, train_X, train_Y, parameters) == train_acc
    assert accuracy(reg.predict, test_X, test_Y, parameters) == test_acc


def test_model_prints_as_the_course(capsys):
    train_X, train_Y, _, _ = load_circles()
    ini.model(train_X, train_Y, num_iterations=1001)
    out = capsys.readouterr().out
    assert out.splitlines() == ["Cost after iteration 0: 0.8830537463419761",
                                "Cost after iteration 1000: 0.6879825919728063"]
