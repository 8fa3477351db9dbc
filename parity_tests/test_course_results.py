"""The course's published results (``COURSE_RESULTS.md``), reproduced by BOTH routes.

Each course model is trained twice from the same initial weights, float64 on the
CPU: once by ``scratch`` (the course's own API), once by ``torch_ref`` (``nn.Module``,
``nn.BCELoss``, autograd, ``torch.optim.SGD``), the weights handed over with
``load_course_parameters``. The torch route (and, for the week-3 and week-4 models, the
NumPy route step by step beside it) runs in the project's one engine
(:mod:`dl_parity.engine`), as ``dl-parity train`` does. For each route:

- the cost at iteration 0 matches the published value within 1e-12 (only the
  rounding of one forward pass separates them: about 1e-16);
- the final cost matches within 1e-6 (``COURSE_RESULTS.md``: published notebooks
  differ in the last digits of late costs, by their summation order);
- the accuracies match exactly (counts of correct predictions);
- the two routes agree with each other along the whole recorded trajectory.

The planar model is the exception to the 1e-6 rule, measured and explained in
:func:`test_course_planar`.
"""
from __future__ import annotations

import numpy as np
import pytest

from dl_parity.engine import FullBatch, run
from dl_parity.models.mlp import MLP
from dl_parity.models.optim import Optim
from parity_tests._arrays import assert_array_equal
from scratch import deep_nn, logistic_regression, shallow_nn
from scratch.datasets import load_cat
from scratch.planar import load_planar_dataset

from ._tolerances import FLOAT64_RTOL

#: |J(iteration 0) - published|: one forward pass in float64, measured <= 2e-16 here.
COST0_ATOL = 1e-12
#: |J(end) - published|: COURSE_RESULTS.md, "match ... the end to about 1e-6".
COST_END_ATOL = 1e-6


# ----------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def cat(cat_root):
    """The cat vs non-cat set via scratch.datasets.load_cat. The conftest's cat_root skips
    (with the reason) when the files are absent, and fails under DL_PARITY_REQUIRE_DATA=1,
    as CI sets it, so a missing data set can never pass as a skip."""
    return load_cat(cat_root)


def _sides(model: MLP, parameters, learning_rate, impls=("numpy", "torch")):
    """The model's sides, float64 on the CPU, loaded with the same dict."""
    return [model.side(impl, parameters, "float64", "cpu", Optim(learning_rate))
            for impl in impls]


def _n_correct_torch(side, X, Y) -> int:
    """How many of the m examples the torch side classifies right (1 where yhat > 0.5)."""
    return int(np.sum(side.predict(X) == Y.reshape(-1)))


def _n_correct(prediction, Y) -> int:
    return int(np.sum(prediction == Y))


def _every_100(costs):
    """The course's record: iterations 0, 100, 200, ... (i % 100 == 0)."""
    return [c for i, c in enumerate(costs) if i % 100 == 0]


# ----------------------------------------------------------------------------- week 2
@pytest.mark.course
def test_course_logistic_regression(cat, parity):
    """w = 0, b = 0; lr 0.005; 2000 iterations on the cat set.

    Published: J(0) = 0.6931471805599453 (= log 2), J(1900) = 0.1408720757031016,
    train 99.04306220095694 % (207 of 209), test 70.0 % (35 of 50).
    """
    X_train, Y_train, X_test, Y_test, _ = cat
    d = logistic_regression.model(X_train, Y_train, X_test, Y_test, num_iterations=2000,
                                  learning_rate=0.005)
    costs_np = [float(c) for c in d["costs"]]          # iterations 0, 100, ..., 1900
    assert len(costs_np) == 20
    assert costs_np[0] == pytest.approx(0.6931471805599453, abs=COST0_ATOL)
    assert costs_np[19] == pytest.approx(0.1408720757031016, abs=COST_END_ATOL)
    assert _n_correct(d["Y_prediction_train"], Y_train) == 207      # 99.04306220095694 %
    assert _n_correct(d["Y_prediction_test"], Y_test) == 35         # 70.0 %
    assert 100 * 207 / 209 == pytest.approx(99.04306220095694, rel=1e-15)

    # torch: a network with no hidden layer (W1 = w^T, b1 = b), alone in the engine
    w, b = logistic_regression.initialize_with_zeros(X_train.shape[0])
    [side] = _sides(MLP((X_train.shape[0], 1)), {"W1": w.T, "b1": np.full((1, 1), b)}, 0.005,
                    impls=("torch",))
    costs_t = run([side], FullBatch(X_train, Y_train, 2000)).costs["torch"]
    assert costs_t[0] == pytest.approx(0.6931471805599453, abs=COST0_ATOL)
    assert costs_t[1900] == pytest.approx(0.1408720757031016, abs=COST_END_ATOL)
    assert _n_correct_torch(side, X_train, Y_train) == 207
    assert _n_correct_torch(side, X_test, Y_test) == 35

    # The problem is convex and the step small: the routes stay together all the way.
    # Measured: costs 3.9e-16 relative, w 1.5e-16 absolute, b 2.4e-15 relative; the
    # ceiling is the project's float64 rtol (see _tolerances.py). The absolute part,
    # rtol * max|w|, covers entries of w near 0 (sums of cancelling terms), where only
    # the absolute error is small.
    parity.close("cost every 100 iterations", costs_t[::100], costs_np, rtol=FLOAT64_RTOL,
                 formula="w2.training", device="cpu")
    p = side.course_parameters()
    parity.close("w after 2000 iterations", p["W1"].T, d["w"], rtol=FLOAT64_RTOL,
                 atol=FLOAT64_RTOL * np.abs(d["w"]).max(), formula="w2.training", device="cpu")
    parity.close("b after 2000 iterations", p["b1"][0, 0], d["b"], rtol=FLOAT64_RTOL,
                 formula="w2.training", device="cpu")


# ----------------------------------------------------------------------------- week 3
PLANAR_COST0 = 0.6930480201239823
PLANAR_COST9000 = 0.2185604
#: iterations [0, PLANAR_STABLE) lie before the instability described below
PLANAR_STABLE = 7500
#: |J(9000) - published| allowed for either route once the oscillation has set in:
#: twice the largest deviation measured over 24 one-ulp perturbations (1.02e-4).
PLANAR_LATE_ATOL = 2e-4


@pytest.mark.course
def test_course_planar(parity):
    """2 -> 4 tanh -> 1 sigmoid on the flower set; ``np.random.seed(2)``; lr 1.2; 10000 its.

    Published: J(0) = 0.6930480201239823, J(9000) = 0.2185604, accuracy 90.75 %.

    What was measured (this machine, numpy 2.4, torch 2.14, float64):

    - Iterations 0..7700: the NumPy and torch costs agree to 1.8e-15 (max |diff|),
      and 24 runs each started from a one-ulp change of one entry of W1 or W2
      stay within 7.2e-15 of the unperturbed run; the parameters at iteration 7500
      agree to 5.3e-12 (relative to the largest entry), torch and perturbed alike.
    - Near iteration 7700 lr 1.2 exceeds the stability limit of gradient descent at
      that point of the loss surface (2 / the largest Hessian eigenvalue): the cost
      stops decreasing monotonically (first increase at iteration 7842) and settles
      into a period-2 oscillation, J alternating between two values 5.6e-5 apart at
      iteration 9000. In the transition any difference grows by x1.16 per iteration:
      torch - numpy is 1.1e-14 at 7708, 1.0e-6 at 7830, 1e-4 by 7859. So after ~7800
      each run's costs depend on its last-bit rounding, not on its formula.
    - At iteration 9000: numpy 0.2185587 (published - 1.7e-6), torch 0.2186120
      (+5.2e-5; it is one step out of phase: its J(9001) = 0.2185546); the 24
      perturbed runs span [0.2185479, 0.2186626], at most 1.02e-4 from the published
      value. The published 7th digit is therefore not reproducible by any route whose
      rounding differs from the course's by one ulp; the bound asserted at 9000 is
      twice that measured deviation, 2e-4, and the tight checks are made before 7500,
      where they mean something.
    - Accuracy also alternates with the oscillation, 90.75 % and 90.50 % (363 and 362
      of 400) on successive iterations. numpy has 90.75 % after 10000 updates, torch
      90.50 % (and 90.75 % after 9999). All 24 perturbed runs show the same pair
      {362, 363} on the last two iterates, 9 of them in torch's phase. So each route
      must show the published 363 on one of its last two iterates and 362 on the other.

    Asserted: J(0) to 1e-12 on both routes; the torch and numpy costs agree at every
    iteration before 7500 within the float64 rtol, and the parameters at 7500 too;
    the predictions at 7500 are identical; J(9000) within 2e-4 of the published value
    on both routes; the pair of last accuracies is {363, 362} of 400 on both routes.
    """
    X, Y = load_planar_dataset()
    np.random.seed(2)
    parameters = shallow_nn.initialize_parameters(2, 4, 1)
    sides = _sides(MLP((2, 4, 1), "tanh"), parameters, 1.2)
    snap, correct = {}, {}

    class Record:                          # an engine callback, after update i + 1
        def on_step(self, info):
            i = info.step + 1
            if i == PLANAR_STABLE:
                snap.update({s.name: s.course_parameters() for s in info.sides})
            if i >= 9999:
                correct[i] = {s.name: _n_correct(s.predict(X), Y) for s in info.sides}

    costs = run(sides, FullBatch(X, Y, 10000), [Record()]).costs
    costs_np, costs_t = costs["numpy"], costs["torch"]
    snap_np, snap_t = snap["numpy"], snap["torch"]
    correct_np = {i: c["numpy"] for i, c in correct.items()}
    correct_t = {i: c["torch"] for i, c in correct.items()}
    # the engine's NumPy side is the course's gradient_descent, step for step
    _, costs_course = shallow_nn.gradient_descent(X, Y, parameters, 200, 1.2)
    assert [float(c) for c in costs_course] == costs_np[:200]

    for costs in (costs_np, costs_t):
        assert costs[0] == pytest.approx(PLANAR_COST0, abs=COST0_ATOL)
        assert costs[9000] == pytest.approx(PLANAR_COST9000, abs=PLANAR_LATE_ATOL)
    # the stable phase: the two routes are the same computation up to rounding
    parity.close(f"cost, iterations 0..{PLANAR_STABLE - 1}", costs_t[:PLANAR_STABLE],
                 costs_np[:PLANAR_STABLE], rtol=FLOAT64_RTOL, formula="w3.training",
                 device="cpu")
    for k in ("W1", "b1", "W2", "b2"):
        # b starts at 0 and moves O(1): absolute part scaled by the largest entry
        parity.close(f"{k} after {PLANAR_STABLE} iterations", snap_t[k], snap_np[k],
                     rtol=FLOAT64_RTOL, atol=FLOAT64_RTOL * np.abs(snap_np[k]).max(),
                     formula="w3.training", device="cpu")
    A_np = shallow_nn.predict(snap_np, X)
    A_t = shallow_nn.predict(snap_t, X)
    assert_array_equal(A_t, A_np)
    # the oscillating phase: 90.75 % (363 / 400) on one of the last two iterates
    assert sorted(correct_np.values()) == [362, 363], correct_np
    assert sorted(correct_t.values()) == [362, 363], correct_t
    assert 100 * 363 / 400 == 90.75


# ----------------------------------------------------------------------------- week 4
def _train_deep_both(X, Y, parameters, learning_rate, num_iterations):
    """Both sides from ``parameters`` in the engine; returns (history, torch side)."""
    sides = _sides(MLP(_dims_of(parameters)), parameters, learning_rate)
    return run(sides, FullBatch(X, Y, num_iterations)), sides[1]


def _dims_of(parameters) -> tuple[int, ...]:
    L = len(parameters) // 2
    return (parameters["W1"].shape[1],) + tuple(parameters[f"W{l}"].shape[0]
                                                for l in range(1, L + 1))


def _check_deep(cat, parity, parameters, course_model, hist, net, published):
    """The engine's run of both sides against the published numbers, and the course's
    own function (its API: costs at i % 100 == 0, 0-d arrays) against the engine's
    NumPy side on the first 201 iterations (the same building blocks, bit for bit)."""
    X_train, Y_train, X_test, Y_test, _ = cat
    cost0, cost_end, train_correct, test_correct = published
    costs_np, costs_t = hist.costs["numpy"], hist.costs["torch"]
    params_np = hist.parameters["numpy"]
    for costs in (costs_np, costs_t):
        assert len(costs) == 2500
        assert costs[0] == pytest.approx(cost0, abs=COST0_ATOL)
        assert costs[-1] == pytest.approx(cost_end, abs=COST_END_ATOL)
    _, course_costs = course_model(X_train, Y_train, _dims_of(parameters), 0.0075, 201)
    assert [float(c) for c in course_costs] == [costs_np[0], costs_np[100], costs_np[200]]
    assert _n_correct(deep_nn.predict_labels(X_train, params_np), Y_train) == train_correct
    assert _n_correct(deep_nn.predict_labels(X_test, params_np), Y_test) == test_correct
    assert _n_correct_torch(net, X_train, Y_train) == train_correct
    assert _n_correct_torch(net, X_test, Y_test) == test_correct
    parity.close("cost at every iteration", costs_t, costs_np,
                 rtol=FLOAT64_RTOL, formula="w4.training", device="cpu")
    # Measured on the cat runs: costs <= 1.9e-13 relative, parameters <= 3.3e-15
    # absolute. rtol is the project's float64 ceiling; the absolute part, rtol * max|W|,
    # covers the many entries of W1 that end near 0 (relative error up to 2e-10 there
    # on 2e-16 absolute).
    p_t = hist.parameters["torch"]
    for k in parameters:
        parity.close(f"{k} after 2500 iterations", p_t[k], params_np[k], rtol=FLOAT64_RTOL,
                     atol=FLOAT64_RTOL * np.abs(params_np[k]).max(), formula="w4.training",
                     device="cpu")


@pytest.mark.course
def test_course_two_layer(cat, parity):
    """12288 -> 7 ReLU -> 1 sigmoid; seed 1, W = randn * 0.01; lr 0.0075; 2500 iterations.

    Published: J(0) = 0.6930497356599891, J(2499) = 0.04421498215868951, train 1.0
    (209 of 209), test 0.72 (36 of 50).
    """
    X_train, Y_train = cat[0], cat[1]
    parameters = deep_nn.initialize_parameters(12288, 7, 1)   # two_layer_model's seed-1 draw
    hist, net = _train_deep_both(X_train, Y_train, parameters, 0.0075, 2500)
    _check_deep(cat, parity, parameters, deep_nn.two_layer_model, hist, net,
                (0.6930497356599891, 0.04421498215868951, 209, 36))


@pytest.mark.course
def test_course_L_layer(cat, parity):
    """[12288, 20, 7, 5, 1], ReLU x 3 -> sigmoid; seed 1, W = randn / sqrt(n[l-1]);
    lr 0.0075; 2500 iterations.

    Published: J(0) = 0.7717493284237686, J(2499) = 0.088439943441702, train
    0.9856459330143541 (206 of 209), test 0.8 (40 of 50).
    """
    X_train, Y_train = cat[0], cat[1]
    parameters = deep_nn.initialize_parameters_scaled([12288, 20, 7, 5, 1], seed=1)
    hist, net = _train_deep_both(X_train, Y_train, parameters, 0.0075, 2500)
    _check_deep(cat, parity, parameters, deep_nn.L_layer_model, hist, net,
                (0.7717493284237686, 0.088439943441702, 206, 40))
