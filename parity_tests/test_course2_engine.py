"""Course 2's published runs (docs/course_results.md) through the one engine, the NumPy side
(the course's functions, dl_parity.models.course2) beside the torch side (DeepNet /
DropoutNet, torch.optim), both from the same initial dict, in lockstep.

Each run is the data set's course plan (dl_parity.settings, dl_parity.training.course_plan),
at full length, all thirteen published runs:

- initialization, circles, [2, 10, 5, 1], lr 0.01, 15000 iterations: zeros, x 10, He;
- regularization, football, [2, 20, 3, 1], lr 0.3, 30000 iterations: none, L2 (lambd 0.7),
  dropout (keep_prob 0.86, the course's masks: np.random.seed(1) before each draw);
- optimization, moons, [2, 5, 2, 1], batches of 64, 5000 epochs, shuffles seeded 11, 12,
  ... (MiniBatches(seed=11, seed_step=1)): gd, momentum, Adam, gd with update_lr, gd,
  momentum and Adam with schedule_lr_decay (the correct one, with the floor).

What is checked: the NumPy side's costs are the published ones (week 1: within 1e-12
relative at iteration 0, 1e-6 later, the NumPy-only tests' bounds; week 2: the printed
six decimals of cost_total / m, the engine's epoch average); accuracies exactly, for both
sides; and the two sides' agreement at every step (costs) and at the end (parameters).

Agreement tolerance: float64, ``tolerance(np.float64, n)`` with n = the rounding steps of
one forward + backward pass (``steps_of_layers``) times the number of steps: the errors of
each step can add up along the run (the MNIST CLI test's rule). Measured (this machine):
costs within 4e-16 absolute for the runs checked, parameters within 2e-15.

The x 10 run is chaotic in its first iterations (saturated sigmoids; docs/course_results.md:
its costs depend on rounding in the 4th digit), so there only the predictions (all 400) and
accuracies are compared, and its first cost: the course's nansum gives +inf, which the
NumPy side records in ``course_costs`` (the engine stops on an infinite cost, so it is
handed the clamped cost instead).

Run times (OMP_NUM_THREADS=1, the shared 2-core dev machine under load): an
initialization run 10-15 s, a regularization run 15-40 s, a moons run 10-25 s (torch's
per-step overhead is 2-3 x NumPy's on these tiny nets); the whole file about 4 minutes.
"""
from __future__ import annotations

import numpy as np
import pytest

from dl_parity.engine import run
from dl_parity.models.course2 import Course2Net
from dl_parity.models.optim import Optim
from dl_parity.training import accuracy, course_plan

from ._tolerances import steps_of_layers, tolerance

EARLY_RTOL = 1e-12
LATE_RTOL = 1e-6


def _data(name):
    pytest.importorskip("sklearn")
    from dl_parity.data import load_data

    return load_data(name)


def _train(dataset, device, model=None, optim=None):
    """The data set's course plan (settings), both sides from one dict, through the engine."""
    overrides = {k: v for k, v in (("model", model), ("optim", optim)) if v is not None}
    plan = course_plan(dataset, device=device.type, **overrides)
    data = _data(dataset)
    sides = plan.sides(plan.model.initial_parameters(plan.seed))
    history = run(sides, plan.source(data.X_train, data.Y_train))
    return plan, data, sides, history


def _agreement(parity, plan, history, sides, formula, m, costs=True):
    """Every step's cost and the final parameters, torch against NumPy, float64 bound."""
    steps = len(history.costs["numpy"])
    n = steps_of_layers(plan.model.layer_dims, m) * steps
    tol = tolerance(np.float64, n)
    if costs:
        parity.close("cost at every step", np.array(history.costs["torch"]),
                     np.array(history.costs["numpy"]), formula=formula, **tol)
    numpy_p, torch_p = (s.course_parameters() for s in sides)
    for key in numpy_p:
        parity.close(f"{key} after {steps} steps", torch_p[key], numpy_p[key],
                     formula=formula, **tol)


def _accuracies(sides, data):
    return [(accuracy(s, data.X_train, data.y_train),
             None if data.X_test is None else accuracy(s, data.X_test, data.y_test))
            for s in sides]


# ----------------------------------------------------------------------------- week 1
@pytest.mark.course
def test_initialization_he(parity, device):
    plan, data, sides, history = _train("circles", device)
    costs = history.costs["numpy"]
    assert len(costs) == 15000
    assert costs[0] == pytest.approx(0.8830537463419761, rel=EARLY_RTOL)
    assert costs[1000] == pytest.approx(0.6879825919728063, rel=EARLY_RTOL)
    assert costs[14000] == pytest.approx(0.07357895962677366, rel=LATE_RTOL)
    assert _accuracies(sides, data) == [(0.9933333333333333, 0.96)] * 2
    _agreement(parity, plan, history, sides, "c2.init_model", 300)


@pytest.mark.course
def test_initialization_zeros(parity, device):
    """Symmetry: every cost is log 2 and every prediction 0, on both sides."""
    model = Course2Net((2, 10, 5, 1), init="zeros", cost="nansum")
    plan, data, sides, history = _train("circles", device, model=model)
    for i in (0, 1000, 14000):
        assert history.costs["numpy"][i] == pytest.approx(0.6931471805599453, rel=EARLY_RTOL)
    assert _accuracies(sides, data) == [(0.5, 0.5)] * 2
    _agreement(parity, plan, history, sides, "c2.init_model", 300)


@pytest.mark.course
def test_initialization_random_x10(parity, device):
    model = Course2Net((2, 10, 5, 1), init="random", cost="nansum")
    plan, data, sides, history = _train("circles", device, model=model)
    numpy_side, torch_side = sides
    assert numpy_side.course_costs[0] == np.inf          # the course's first cost
    assert all(np.isfinite(history.costs["numpy"][1:]))
    assert _accuracies(sides, data) == [(0.83, 0.86)] * 2
    for X in (data.X_train, data.X_test):                # all 400 predictions
        np.testing.assert_array_equal(torch_side.predict(X), numpy_side.predict(X))


@pytest.mark.course
@pytest.mark.parametrize("lambd, keep_prob, published, accuracies", [
    (0.0, 1.0, (0.6557412523481002, 0.16329987525724204, 0.13851642423234922),
     (0.9478672985781991, 0.915)),
    (0.7, 1.0, (0.6974484493131264, 0.2684918873282238, 0.26809163371273004),
     (0.9383886255924171, 0.93)),
    (0.0, 0.86, (0.6543912405149825, 0.061016986574905605, 0.0605824357985131),
     (0.9289099526066351, 0.95)),
], ids=["none", "L2", "dropout"])
def test_regularization(parity, device, lambd, keep_prob, published, accuracies):
    model = Course2Net((2, 20, 3, 1), init="scaled", cost="nansum", lambd=lambd,
                       keep_prob=keep_prob)
    plan, data, sides, history = _train("football", device, model=model)
    costs = history.costs["numpy"]
    assert len(costs) == 30000
    for (i, rtol), value in zip(((0, EARLY_RTOL), (10000, LATE_RTOL), (20000, LATE_RTOL)),
                                published):
        assert costs[i] == pytest.approx(value, rel=rtol), i
    assert _accuracies(sides, data) == [accuracies] * 2
    _agreement(parity, plan, history, sides, "c2.reg_model", 211)


# ----------------------------------------------------------------------------- week 2
MOONS = {
    "gd": (dict(learning_rate=0.0007),
           "0.702405 0.668101 0.635288 0.600491 0.573367", 0.7166666666666667),
    "momentum": (dict(name="momentum", learning_rate=0.0007, beta=0.9),
                 "0.702413 0.668167 0.635388 0.600591 0.573444", 0.7166666666666667),
    "adam": (dict(name="adam", learning_rate=0.0007),
             "0.702166 0.167845 0.141316 0.138788 0.136066", 0.9433333333333334),
    "gd, update_lr": (dict(learning_rate=0.1, decay="update_lr"),
                      "0.701091 0.661884 0.658620 0.656765 0.655486", 0.6533333333333333),
    "gd, schedule_lr_decay": (dict(learning_rate=0.1, decay="schedule_lr_decay"),
                              "0.701091 0.127161 0.120304 0.117033 0.117512",
                              0.9433333333333334),
    "momentum, schedule_lr_decay": (dict(name="momentum", learning_rate=0.1,
                                         decay="schedule_lr_decay"),
                                    "0.702226 0.128974 0.125965 0.123375 0.123218",
                                    0.9533333333333334),
    "adam, schedule_lr_decay": (dict(name="adam", learning_rate=0.01, decay="schedule_lr_decay"),
                                "0.699346 0.130074 0.129826 0.129282 0.128361", 0.94),
}


@pytest.mark.course
@pytest.mark.parametrize("run_name", list(MOONS))
def test_optimizer_run(parity, device, run_name):
    kwargs, published, train_acc = MOONS[run_name]
    plan, data, sides, history = _train("moons", device, optim=Optim(**kwargs))
    assert plan.source(data.X_train, data.Y_train).seed == 11   # the course's seed 10, += 1
    epoch_costs = history.epoch_costs["numpy"]
    assert len(epoch_costs) == 5000 and len(history.costs["numpy"]) == 5000 * 5
    assert " ".join("%f" % epoch_costs[i] for i in range(0, 5000, 1000)) == published
    assert " ".join("%f" % history.epoch_costs["torch"][i]
                    for i in range(0, 5000, 1000)) == published
    assert _accuracies(sides, data) == [(train_acc, None)] * 2
    _agreement(parity, plan, history, sides, "c2w2.trajectory", 64)


def test_decay_rate_per_epoch():
    """The NumPy side's rate and the torch scheduler's, epoch by epoch: the course's lag."""
    from scratch.optimization import schedule_lr_decay, update_lr

    for decay, fn in (("update_lr", update_lr), ("schedule_lr_decay", schedule_lr_decay)):
        optim = Optim(0.1, name="momentum", decay=decay, decay_rate=1.0, time_interval=2)
        optimizer, scheduler = optim.torch_optimizer([torch_param()])
        for epoch in range(7):
            want = 0.1 if epoch == 0 else (fn(0.1, epoch - 1, 1.0) if decay == "update_lr"
                                           else fn(0.1, epoch - 1, 1.0, 2))
            assert optim.rate(epoch) == want
            assert optimizer.param_groups[0]["lr"] == pytest.approx(want, rel=1e-15)
            optimizer.step()
            scheduler.step()


def torch_param():
    import torch

    p = torch.zeros(2, 1, requires_grad=True)
    p.grad = torch.zeros_like(p)
    return p


# ----------------------------------------------------------------------------- short runs
def _short(parity, device, model, optim, X, Y, batch_size, epochs, formula):
    """A few epochs of both sides from one dict; every step's cost and the end parameters."""
    from dl_parity.engine import MiniBatches

    params = model.initial_parameters(3)
    sides = [model.side(impl, params, "float64", device.type, optim)
             for impl in ("numpy", "torch")]
    history = run(sides, MiniBatches(X, Y, batch_size, epochs, seed=11, extra=model.extra))
    steps = len(history.costs["numpy"])
    tol = tolerance(np.float64, steps_of_layers(model.layer_dims, batch_size) * steps)
    parity.close("cost at every step", np.array(history.costs["torch"]),
                 np.array(history.costs["numpy"]), formula=formula, **tol)
    numpy_p, torch_p = (s.course_parameters() for s in sides)
    assert sorted(numpy_p) == sorted(torch_p)
    for key in numpy_p:
        parity.close(f"{key} after {steps} steps", torch_p[key], numpy_p[key],
                     formula=formula, **tol)
    return history, sides


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("keep_prob", [1.0, 0.8])
def test_batch_norm_net_lockstep(parity, device, optimizer, keep_prob):
    """BatchNormNet (+ MaskedDropout) beside scratch.batch_norm (+ its dropout), every
    optimizer (the NumPy side updates W, gamma, beta, b each as a one-layer course dict),
    30 epochs of moons; the running statistics (not trained) must agree too."""
    X, Y = _data("moons").X_train, _data("moons").Y_train
    model = Course2Net((2, 6, 4, 1), batch_norm=True, keep_prob=keep_prob, masks="fresh")
    optim = Optim(0.01, name=optimizer, decay="schedule_lr_decay", time_interval=10)
    history, sides = _short(parity, device, model, optim, X, Y, 64, 30, "c2w3.bn_network")
    assert "running_var1" in history.parameters["numpy"]


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_softmax_net_lockstep(parity, device, optimizer, batch_norm):
    """The MNIST route on small synthetic data: softmax output (scratch.multiclass or
    scratch.batch_norm beside nn.CrossEntropyLoss), one-hot Y (3, m)."""
    from scratch.multiclass import one_hot

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (5, 150))
    Y = one_hot(np.argmax(X[:3], axis=0), 3)
    model = Course2Net((5, 7, 3), batch_norm=batch_norm, output_activation="softmax")
    _short(parity, device, model, Optim(0.05, name=optimizer), X, Y, 32, 5,
           "c2w3.bn_network" if batch_norm else "c2w2.trajectory")


def test_course_masks_are_the_course_draws():
    """masks="course": what forward_propagation_with_dropout draws after np.random.seed(1)."""
    from scratch import regularization as reg

    model = Course2Net((2, 20, 3, 1), init="scaled", cost="nansum", keep_prob=0.86)
    X = np.random.default_rng(1).normal(size=(2, 9))
    masks = model.extra(5, X, None)
    _, cache = reg.forward_propagation_with_dropout(X, model.initial_parameters(3), 0.86)
    np.testing.assert_array_equal(masks["D1"], cache[1])
    np.testing.assert_array_equal(masks["D2"], cache[6])
    fresh = Course2Net((2, 20, 3, 1), init="scaled", cost="nansum", keep_prob=0.86,
                       masks="fresh")
    assert not np.array_equal(fresh.extra(0, X, None)["D1"], fresh.extra(1, X, None)["D1"])


# ----------------------------------------------------------------------------- bad settings
@pytest.mark.parametrize("kwargs, message", [
    (dict(name="sgd"), "optimizer: expected one of gd, momentum, adam, got 'sgd'"),
    (dict(name="momentum", beta=1.0), "beta: expected a number in [0, 1), got 1.0"),
    (dict(beta=-0.1), "beta: expected a number in [0, 1), got -0.1"),
    (dict(beta1=1), "beta1: expected a number in [0, 1), got 1"),
    (dict(beta2=float("nan")), "beta2: expected a number in [0, 1), got nan"),
    (dict(epsilon=0.0), "epsilon: expected a number in (0, inf), got 0.0"),
    (dict(decay="exp"), "decay: expected None, 'update_lr' or 'schedule_lr_decay', got 'exp'"),
    (dict(decay="update_lr", decay_rate=-1), "decay_rate: expected a number in [0, inf), got -1"),
    (dict(decay="schedule_lr_decay", time_interval=0),
     "time_interval: expected a positive integer, got 0"),
    (dict(decay="update_lr", schedule=lambda e: 0.1), "decay: a run has one learning-rate"),
])
def test_bad_optim_settings(kwargs, message):
    with pytest.raises(ValueError) as info:
        Optim(0.1, **kwargs)
    assert message in str(info.value)


@pytest.mark.parametrize("kwargs, message", [
    (dict(init="xavier"), "init: expected one of zeros, random, he, scaled, got 'xavier'"),
    (dict(keep_prob=0.0), "keep_prob: expected a probability in (0, 1], got 0.0"),
    (dict(lambd=-0.5), "lambd: expected a finite number >= 0"),
    (dict(lambd=0.7, keep_prob=0.8), "not both"),
    (dict(layer_dims=(2, 5, 1), keep_prob=0.8), "keep_prob (dropout): the course's "
                                                "regularization network has three layers"),
    (dict(batch_norm=True, lambd=0.7), "lambd: batch norm here has no L2 term"),
    (dict(batch_norm=True, init="zeros"), "init: the batch-norm network starts from He"),
    (dict(cost="mean"), "cost: expected 'nansum' or 'sum', got 'mean'"),
    (dict(layer_dims=(2, 5, 1), cost="nansum"), "cost: the week-1 nansum cost goes with"),
    (dict(masks="numpy"), "masks: expected 'course' or 'fresh', got 'numpy'"),
])
def test_bad_course2_net(kwargs, message):
    settings = dict(layer_dims=(2, 5, 2, 1)) | kwargs
    with pytest.raises(ValueError) as info:
        Course2Net(**settings)
    assert message in str(info.value)
