"""Course 2, week 2 (optimization): scratch.optimization against torch.optim.

Same W[l], b[l] and the same gradients in, the same parameters (and optimizer state) out
of the course's update_parameters_with_gd / _momentum / _adam and of one
``optimizer.step()`` of the torch.optim optimizer that torch_ref.optim maps each to; the
same learning rate every epoch from update_lr / schedule_lr_decay and from ``LambdaLR``;
the same costs and parameters along whole mini-batch trajectories (the engine runs both
sides), the optimizer state carried from step to step on each side.

Tolerances (see ``_tolerances``): 2 gamma_n, n the rounding steps counted at each
comparison; float64 rtol 1e-10, float32 derived. Data are O(1): W ~ N(0, 1)/sqrt(n[l-1]),
gradients ~ N(0, 1), Adam's moments drawn so that |v_hat| / sqrt(s_hat) stays O(1) (as in
a real run), so relative and absolute bounds coincide.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_parity.engine import MiniBatches, run
from parity_tests._arrays import assert_allclose, assert_array_equal
from parity_tests._tolerances import ELEMENTWISE_OPS, steps_of_layers, tolerance
from scratch import optimization as opt
from scratch.multiclass import random_mini_batches as multiclass_mini_batches
from torch_ref.models import DeepNet
from torch_ref.optim import (
    course_adam_state,
    course_lr_lambda,
    course_velocity,
    load_adam_state_,
    load_velocity_,
    make_optimizer,
    make_scheduler,
    mini_batch_loader,
    momentum_as_scaled_lr,
)
from torch_ref.train import train_step

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


# ============================================================================ problems
@st.composite
def network(draw, dtype):
    """(parameters, rng): L in 1..4, n[l] in 1..5, n[L] = 1; W ~ N(0, 1)/sqrt(n[l-1]), b ~ N(0, 1/4)."""
    L = draw(st.integers(1, 4), label="L")
    dims = draw(st.lists(st.integers(1, 5), min_size=L, max_size=L), label="n[0..L-1]") + [1]
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = {}
    for l in range(1, L + 1):
        parameters[f"W{l}"] = (rng.standard_normal((dims[l], dims[l - 1]))
                               / np.sqrt(dims[l - 1])).astype(dtype)
        parameters[f"b{l}"] = (0.5 * rng.standard_normal((dims[l], 1))).astype(dtype)
    return parameters, rng


def like(parameters, rng, scale=1.0, positive=False):
    """A dict {"dW1", "db1", ...} of N(0, scale^2) draws (|.| if positive) shaped like the parameters."""
    out = {}
    for k, p in parameters.items():
        a = scale * rng.standard_normal(p.shape)
        out[f"d{k}"] = (np.abs(a) if positive else a).astype(p.dtype)
    return out


def torch_net(parameters, device):
    return DeepNet.from_course_parameters(parameters, device=device)


def set_grads(net, grads):
    """The course's gradients as .grad of the module's tensors (bias (n, 1) -> (n,))."""
    for l, linear in enumerate(net.linears, start=1):
        linear.weight.grad = torch.as_tensor(grads[f"dW{l}"], device=linear.weight.device).clone()
        linear.bias.grad = torch.as_tensor(grads[f"db{l}"].reshape(-1),
                                           device=linear.bias.device).clone()


def moons(m, seed=3, noise=0.2):
    """The course's moons, drawn as the course draws them (np.random.seed, then make_moons)."""
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    np.random.seed(seed)
    X, Y = sklearn_datasets.make_moons(n_samples=m, noise=noise)
    return X.T, Y.reshape(1, -1).astype(np.float64)


# ============================================================================ single updates
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_gd_update_parity(device, parity, dtype, data):
    # W := W - alpha dW by scratch; one torch.optim.SGD(lr=alpha) step with .grad = dW by torch
    parameters, rng = data.draw(network(dtype))
    learning_rate = data.draw(st.sampled_from([0.0007, 0.1, 1.0]), label="learning_rate")
    grads = like(parameters, rng)
    updated = opt.update_parameters_with_gd(parameters, grads, learning_rate)
    net = torch_net(parameters, device)
    set_grads(net, grads)
    make_optimizer(net, "gd", learning_rate).step()
    # a product and a difference, each side: 2 rounding steps (4 for headroom on fma)
    tol = tolerance(dtype, 4)
    for key, value in net.course_parameters().items():
        parity.close(f"{key} := {key} - alpha d{key}", value, updated[key], **tol,
                     formula="c2w2.gd")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_momentum_update_parity(device, parity, dtype, data):
    # v = beta v + (1 - beta) dW; W := W - alpha v, from a drawn velocity (and from v = 0);
    # torch: SGD(momentum=beta, dampening=beta) whose buffer holds the same v
    parameters, rng = data.draw(network(dtype))
    beta = data.draw(st.sampled_from([0.0, 0.5, 0.9, 0.99]), label="beta")
    learning_rate = data.draw(st.sampled_from([0.0007, 0.1]), label="learning_rate")
    first_step = data.draw(st.booleans(), label="v = 0 (first step)")
    grads = like(parameters, rng)
    v = opt.initialize_velocity(parameters) if first_step else like(parameters, rng)
    updated, v_new = opt.update_parameters_with_momentum(parameters, grads, v, beta,
                                                         learning_rate)
    net = torch_net(parameters, device)
    set_grads(net, grads)
    optimizer = make_optimizer(net, "momentum", learning_rate, beta=beta)
    if not first_step and beta > 0:
        load_velocity_(optimizer, net, v)
    optimizer.step()
    # v: two products and a sum (3 steps); W: a product and a difference on top (5); 8 for fma
    tol = tolerance(dtype, 8)
    for key, value in net.course_parameters().items():
        parity.close(f"{key} after a momentum step", value, updated[key], **tol,
                     formula="c2w2.momentum")
    if beta > 0:
        for key, value in course_velocity(optimizer, net).items():
            parity.close(f"v_{key} (momentum_buffer)", value, v_new[key], **tol,
                         formula="c2w2.momentum")


def test_momentum_first_step_needs_the_zero_buffer(device, parity):
    # The reason for zero_momentum_buffers_: torch's SGD left alone sets buf = grad at its
    # first step (no dampening), the course v_1 = (1 - beta) grad. Measured, then mapped.
    parameters = {"W1": np.array([[0.5, -1.0]]), "b1": np.array([[0.25]])}
    grads = {"dW1": np.array([[1.0, 2.0]]), "db1": np.array([[-4.0]])}
    beta, alpha = 0.9, 0.1
    updated, v = opt.update_parameters_with_momentum(
        parameters, grads, opt.initialize_velocity(parameters), beta, alpha)
    assert_allclose(v["dW1"], [[0.1, 0.2]], rtol=1e-15)          # (1 - beta) g, by hand

    net = torch_net(parameters, device)
    set_grads(net, grads)
    plain = torch.optim.SGD(net.parameters(), lr=alpha, momentum=beta, dampening=beta)
    plain.step()
    assert_allclose(net.course_parameters()["W1"], [[0.4, -1.2]], rtol=1e-15)  # W - alpha g
    assert not np.allclose(net.course_parameters()["W1"], updated["W1"])

    net = torch_net(parameters, device)
    set_grads(net, grads)
    make_optimizer(net, "momentum", alpha, beta=beta).step()
    parity.close("W1 with zeroed buffers", net.course_parameters()["W1"], updated["W1"],
                 **tolerance(np.float64, 8), formula="c2w2.momentum")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_adam_update_parity(device, parity, dtype, data):
    # The course's Adam step t vs torch.optim.Adam whose state holds the course's v, s and
    # t - 1 steps; epsilon up to 0.1 so that eps inside the square root would be caught
    parameters, rng = data.draw(network(dtype))
    t = data.draw(st.integers(1, 2000), label="t")
    learning_rate = data.draw(st.sampled_from([0.0007, 0.01, 0.1]), label="learning_rate")
    beta1 = data.draw(st.sampled_from([0.0, 0.5, 0.9]), label="beta1")
    beta2 = data.draw(st.sampled_from([0.9, 0.999]), label="beta2")
    epsilon = data.draw(st.sampled_from([1e-8, 1e-3, 0.1]), label="epsilon")
    grads = like(parameters, rng)
    if t == 1:
        v, s = opt.initialize_adam(parameters)
    else:
        # a state a real run could hold: |v| <= sqrt(s) (Cauchy-Schwarz on the averages)
        v = like(parameters, rng, 0.3)
        s = {k: (a ** 2 + like(parameters, rng, 0.3, positive=True)[k]).astype(dtype)
             for k, a in v.items()}
    out = opt.update_parameters_with_adam(parameters, grads, v, s, t, learning_rate, beta1,
                                          beta2, epsilon)
    updated, v_new, s_new, v_corrected, s_corrected = out
    net = torch_net(parameters, device)
    set_grads(net, grads)
    optimizer = make_optimizer(net, "adam", learning_rate, beta1=beta1, beta2=beta2,
                               epsilon=epsilon)
    load_adam_state_(optimizer, net, v, s, t - 1)
    optimizer.step()
    # v: 3 steps; s: 4 (the square); each correction 2; sqrt 1, + eps 1, division 1, times
    # alpha 1, difference 1; torch folds alpha / (1 - beta1^t) and divides by
    # sqrt(1 - beta2^t) (3 more): 2 * ELEMENTWISE_OPS covers the chain
    tol = tolerance(dtype, 2 * ELEMENTWISE_OPS)
    for key, value in net.course_parameters().items():
        parity.close(f"{key} after Adam step {t}", value, updated[key], **tol,
                     formula="c2w2.adam")
    v_t, s_t, steps = course_adam_state(optimizer, net)
    assert steps == t
    for key in v_new:
        parity.close(f"v_{key} (exp_avg)", v_t[key], v_new[key], **tol, formula="c2w2.adam")
        parity.close(f"s_{key} (exp_avg_sq)", s_t[key], s_new[key], **tol, formula="c2w2.adam")
    # the fourth and fifth return values are the bias-corrected moments, by hand
    for key in v_new:
        assert_allclose(v_corrected[key], v_new[key] / (1 - beta1 ** t), rtol=1e-6)
        assert_allclose(s_corrected[key], s_new[key] / (1 - beta2 ** t), rtol=1e-6)


# ============================================================================ learning-rate decay
@pytest.mark.parametrize("decay", ["update_lr", "schedule_lr_decay"])
@given(learning_rate0=st.sampled_from([0.0007, 0.01, 0.1, 0.5]),
       decay_rate=st.sampled_from([0.0, 0.3, 1.0, 2.5]),
       time_interval=st.integers(1, 5), epochs=st.integers(1, 30))
def test_lr_schedule_parity(parity, decay, learning_rate0, decay_rate, time_interval, epochs):
    # The rate each epoch trains with: the course's model (lr0 at epoch 0, then after
    # epoch i: decay(lr0, i, decay_rate)) vs LambdaLR stepped after every epoch
    if decay == "update_lr":
        course = lambda i: opt.update_lr(learning_rate0, i, decay_rate)  # noqa: E731
    else:
        course = lambda i: opt.schedule_lr_decay(learning_rate0, i, decay_rate,  # noqa: E731
                                                 time_interval)
    expected, learning_rate = [], learning_rate0
    for i in range(epochs):
        expected.append(learning_rate)          # epoch i trains with this rate
        learning_rate = course(i)               # the course's line after epoch i
    w = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    w.grad = torch.zeros(1, dtype=torch.float64)
    optimizer = torch.optim.SGD([w], lr=learning_rate0)
    scheduler = make_scheduler(optimizer, decay, decay_rate, time_interval)
    rates = []
    for _ in range(epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()                        # the epoch's updates (a zero gradient here)
        scheduler.step()                        # then the schedule, once per epoch
    # lr0 / d (the course) vs lr0 * (1 / d) (torch): 2 roundings against 1
    parity.close(f"learning rate per epoch ({decay})", np.array(rates), np.array(expected),
                 **tolerance(np.float64, 3), formula="c2w2.lr_decay")


def test_lr_decay_course_values():
    # the course's own checks (update_lr_test, schedule_lr_decay_test)
    assert opt.update_lr(0.5, 2, 1) == pytest.approx(0.5 / 3, rel=1e-15)
    assert opt.schedule_lr_decay(0.5, 100, 0.3) == 0.5
    assert opt.schedule_lr_decay(0.5, 1000, 0.3) == pytest.approx(0.5 / 1.3, rel=1e-15)
    assert opt.schedule_lr_decay(0.3, 3000, 1) == pytest.approx(0.3 / 4, rel=1e-15)
    # the lag: a plain lambda e: 1 / (1 + e) would decay one epoch earlier than the course
    lam = course_lr_lambda("update_lr", 1.0)
    assert [lam(k) for k in range(4)] == [1.0, 1.0, 0.5, 1 / 3]


# ============================================================================ the week's network
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_week_network_parity(device, parity, dtype, data):
    # forward_propagation, the SUM cost and backward_propagation (1/m in dz[L]) vs DeepNet,
    # nn.BCELoss(reduction="sum") and autograd of the mean BCELoss
    parameters, rng = data.draw(network(dtype))
    m = data.draw(st.integers(1, 16), label="m")
    n_x = parameters["W1"].shape[1]
    X = rng.uniform(-1, 1, (n_x, m)).astype(dtype)
    Y = (rng.random((1, m)) < 0.5).astype(dtype)
    a3, cache = opt.forward_propagation(X, parameters)
    cost_total = opt.compute_cost(a3, Y)
    grads = opt.backward_propagation(X, Y, cache)

    net = torch_net(parameters, device)
    Xt, Yt = torch.as_tensor(X.T, device=device), torch.as_tensor(Y.T, device=device)
    AL_t = net(Xt)
    L = net.L
    dims = net.layer_dims
    tol = tolerance(dtype, steps_of_layers(dims, m))
    parity.close("a[L]", AL_t.T, a3, **tol, formula="c2w2.network")
    parity.close("cost_total (a sum over the batch)",
                 torch.nn.BCELoss(reduction="sum")(AL_t, Yt), np.array(cost_total, dtype),
                 **tolerance(dtype, steps_of_layers(dims, m) + m), formula="c2w2.network")
    torch.nn.BCELoss()(AL_t, Yt).backward()
    for l, linear in enumerate(net.linears, start=1):
        parity.close(f"dW{l}", linear.weight.grad, grads[f"dW{l}"], **tol, formula="c2w2.network")
        parity.close(f"db{l}", linear.bias.grad.reshape(-1, 1), grads[f"db{l}"], **tol,
                     formula="c2w2.network")
    assert len(cache) == 4 * L


def test_week_network_course_cache_and_keys():
    parameters = opt.initialize_parameters([2, 5, 2, 1])
    X, Y = moons(20)
    a3, cache = opt.forward_propagation(X, parameters)
    z1, a1, W1, b1, z2, a2, W2, b2, z3, a3_, W3, b3 = cache      # the course's 12-tuple
    assert a3_ is a3 and W3 is parameters["W3"] and z1.shape == (5, 20)
    grads = opt.backward_propagation(X, Y, cache)
    assert set(grads) == {"dz3", "dW3", "db3", "da2", "dz2", "dW2", "db2", "da1", "dz1",
                          "dW1", "db1"}
    assert_allclose(grads["dz3"], (a3 - Y) / 20, rtol=1e-15)


def test_random_mini_batches_course_rules():
    # m = 148, size 64: two full batches and one of 20; scratch.multiclass's is this one
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12288 // 1024, 148))
    Y = (rng.random((1, 148)) < 0.5).astype(float)
    batches = opt.random_mini_batches(X, Y, 64, seed=0)
    assert [b[0].shape for b in batches] == [(12, 64), (12, 64), (12, 20)]
    assert [b[1].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]
    np.random.seed(0)
    permutation = list(np.random.permutation(148))
    assert_array_equal(np.hstack([b[0] for b in batches]), X[:, permutation])
    assert_array_equal(np.hstack([b[1] for b in batches]), Y[:, permutation])
    assert multiclass_mini_batches is opt.random_mini_batches        # written once
    assert len(opt.random_mini_batches(X, Y, 74, seed=1)) == 2      # m divisible: no remainder


@given(m=st.integers(1, 40), size=st.integers(1, 16), seed=st.integers(0, 2 ** 31 - 1))
def test_mini_batches_parity(device, parity, m, size, seed):
    # the course's batches vs a DataLoader over the same permutation (sampler), last one partial
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((3, m)), (rng.random((2, m)) < 0.5).astype(float)
    batches = opt.random_mini_batches(X, Y, size, seed)
    np.random.seed(seed)
    permutation = list(np.random.permutation(m))
    loader = mini_batch_loader(torch.as_tensor(X.T, device=device),
                               torch.as_tensor(Y.T, device=device), size, permutation)
    loaded = list(loader)
    assert len(loaded) == len(batches) == -(-m // size)
    for t, ((Xb, Yb), (Xt, Yt)) in enumerate(zip(batches, loaded)):
        parity.close(f"X of batch {t}", Xt.T, Xb, rtol=0, atol=0, formula="c2w2.mini_batches")
        parity.close(f"Y of batch {t}", Yt.T, Yb, rtol=0, atol=0, formula="c2w2.mini_batches")


def test_initialize_parameters_he_seed_3():
    p = opt.initialize_parameters([2, 5, 2, 1])
    np.random.seed(3)
    assert_array_equal(p["W1"], np.random.randn(5, 2) * np.sqrt(2 / 2))
    assert_array_equal(p["W2"], np.random.randn(2, 5) * np.sqrt(2 / 5))
    assert p["b3"].shape == (1, 1) and not p["b3"].any()


# ============================================================================ trajectories
class NumpySide:
    """The course's per-batch lines (forward, cost, backward, update) and its decay rule."""
    name = "numpy"

    def __init__(self, parameters, optimizer, learning_rate, decay=None, decay_rate=1,
                 time_interval=1000, beta=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.p, self.optimizer, self.lr, self.lr0 = dict(parameters), optimizer, learning_rate, \
            learning_rate
        self.decay, self.decay_rate, self.time_interval = decay, decay_rate, time_interval
        self.beta, self.beta1, self.beta2, self.epsilon = beta, beta1, beta2, epsilon
        self.v = opt.initialize_velocity(self.p)          # momentum's v = 0
        if optimizer == "adam":
            self.v, self.s = opt.initialize_adam(self.p)  # Adam's v = s = 0
        self.t = 0

    def prepare(self, X, Y, extra):
        return X.astype(self.p["W1"].dtype), Y.astype(self.p["W1"].dtype)

    def step(self, batch):
        X, Y = batch
        a3, cache = opt.forward_propagation(X, self.p)
        cost = opt.compute_cost(a3, Y) / X.shape[1]        # the batch's mean, as BCELoss
        grads = opt.backward_propagation(X, Y, cache)
        if self.optimizer == "gd":
            self.p = opt.update_parameters_with_gd(self.p, grads, self.lr)
        elif self.optimizer == "momentum":
            self.p, self.v = opt.update_parameters_with_momentum(self.p, grads, self.v,
                                                                 self.beta, self.lr)
        else:
            self.t += 1
            self.p, self.v, self.s, _, _ = opt.update_parameters_with_adam(
                self.p, grads, self.v, self.s, self.t, self.lr, self.beta1, self.beta2,
                self.epsilon)
        return cost

    def end_epoch(self, epoch):
        if self.decay == "update_lr":
            self.lr = opt.update_lr(self.lr0, epoch, self.decay_rate)
        elif self.decay == "schedule_lr_decay":
            self.lr = opt.schedule_lr_decay(self.lr0, epoch, self.decay_rate, self.time_interval)

    def course_parameters(self):
        return self.p


class TorchSide:
    """DeepNet, nn.BCELoss, the mapped torch.optim optimizer and LambdaLR (after each epoch)."""
    name = "torch"

    def __init__(self, parameters, device, optimizer, learning_rate, decay=None, decay_rate=1,
                 time_interval=1000, **hyper):
        self.net = DeepNet.from_course_parameters(parameters, device=device)
        self.optimizer = make_optimizer(self.net, optimizer, learning_rate, **hyper)
        self.scheduler = make_scheduler(self.optimizer, decay, decay_rate, time_interval)
        self.device, self.dtype = device, self.net.linears[0].weight.dtype

    def prepare(self, X, Y, extra):
        return (torch.as_tensor(X.T, device=self.device, dtype=self.dtype),
                torch.as_tensor(Y.T, device=self.device, dtype=self.dtype))

    def step(self, batch):
        return train_step(self.net, self.optimizer, *batch).item()

    def end_epoch(self, epoch):
        self.scheduler.step()

    def course_parameters(self):
        return self.net.course_parameters()


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=12)
@given(data=st.data())
def test_optimizer_trajectory_parity(device, parity, dtype, data):
    # Several epochs of the course's mini-batches from the same dict: every step's cost and
    # the final parameters, gd / momentum / Adam, with and without a decay of the rate
    parameters, rng = data.draw(network(dtype))
    n_x = parameters["W1"].shape[1]
    m = data.draw(st.integers(4, 24), label="m")
    batch_size = data.draw(st.integers(2, 8), label="mini_batch_size")
    epochs = data.draw(st.integers(1, 4), label="epochs")
    optimizer = data.draw(st.sampled_from(["gd", "momentum", "adam"]), label="optimizer")
    decay = data.draw(st.sampled_from([None, "update_lr", "schedule_lr_decay"]), label="decay")
    learning_rate = {"gd": 0.1, "momentum": 0.1, "adam": 0.01}[optimizer]
    X = rng.uniform(-1, 1, (n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    schedule = dict(decay=decay, decay_rate=1.0, time_interval=2)
    sides = [NumpySide(parameters, optimizer, learning_rate, **schedule),
             TorchSide(parameters, device, optimizer, learning_rate, **schedule)]
    history = run(sides, MiniBatches(X, Y, batch_size, epochs, seed=11, seed_step=1))
    steps = len(history.costs["numpy"])
    # each step: a forward and backward pass (steps_of_layers) and the update (2 ELEMENTWISE_OPS);
    # errors made at one step are carried by the next ones: n adds up over the steps
    n = steps * (steps_of_layers(sides[1].net.layer_dims, batch_size) + 2 * ELEMENTWISE_OPS)
    tol = tolerance(dtype, n)
    parity.close(f"cost at every step ({optimizer}, decay {decay})",
                 np.array(history.costs["torch"], dtype), np.array(history.costs["numpy"], dtype),
                 **tol, formula="c2w2.trajectory")
    for key, value in history.parameters["numpy"].items():
        parity.close(f"{key} after {steps} steps", history.parameters["torch"][key], value, **tol,
                     formula="c2w2.trajectory")


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_model_is_the_courses_loop(device, parity, optimizer, capsys):
    # A few epochs of the week's model: He init with seed 3, the mini-batches of seeds 11, 12, ...
    # (seed 10, + 1 before every epoch), one update per batch (Adam's t counts batches): the
    # parameters torch.optim reaches through the engine from the same dict and batches; and the
    # one cost it prints (epoch 0): the epoch's mean cost, sum_t m_t J_t / m, to its 6 decimals
    X, Y = moons(40)
    learning_rate = {"gd": 0.1, "momentum": 0.1, "adam": 0.01}[optimizer]
    parameters = opt.model(X, Y, [2, 5, 2, 1], optimizer, learning_rate=learning_rate,
                           mini_batch_size=16, num_epochs=3, print_cost=True)
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Cost")]
    side = TorchSide(opt.initialize_parameters([2, 5, 2, 1]), device, optimizer, learning_rate)
    history = run([side], MiniBatches(X, Y, 16, 3, seed=11))
    n = len(history.costs["torch"]) * (steps_of_layers([2, 5, 2, 1], 16) + 2 * ELEMENTWISE_OPS)
    for key, value in parameters.items():
        parity.close(f"{key} after 3 epochs of model({optimizer!r})",
                     history.parameters["torch"][key], value, **tolerance(np.float64, n),
                     formula="c2w2.trajectory")
    assert len(printed) == 1 and printed[0].startswith("Cost after epoch 0: ")
    assert abs(float(printed[0].split(": ")[1]) - history.epoch_costs["torch"][0]) <= 5e-7


def test_model_prints_the_cost_every_1000_epochs(capsys):
    X, Y = moons(8)
    opt.model(X, Y, [2, 3, 1], "gd", mini_batch_size=8, num_epochs=1001, print_cost=True)
    printed = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()]
    assert printed == ["Cost after epoch 0", "Cost after epoch 1000"]


def test_momentum_scaled_lr_is_the_same_trajectory(device, parity):
    # The other exact mapping: SGD(lr=(1 - beta) alpha, momentum=beta), no state touched
    X, Y = moons(40)
    parameters = opt.initialize_parameters([2, 5, 2, 1])
    side = TorchSide(parameters, device, "gd", 0.1)
    side.optimizer = momentum_as_scaled_lr(side.net, 0.1, 0.9)
    side.scheduler = make_scheduler(side.optimizer)
    history = run([NumpySide(parameters, "momentum", 0.1), side],
                  MiniBatches(X, Y, 16, 5, seed=11))
    n = len(history.costs["numpy"]) * (steps_of_layers([2, 5, 2, 1], 16) + 2 * ELEMENTWISE_OPS)
    parity.close("cost at every step (momentum as a scaled rate)",
                 np.array(history.costs["torch"]), np.array(history.costs["numpy"]),
                 **tolerance(np.float64, n), formula="c2w2.momentum")


# ============================================================================ bad input
def _problem():
    parameters = opt.initialize_parameters([2, 3, 1])
    grads = {f"d{k}": np.ones_like(v) for k, v in parameters.items()}
    return parameters, grads


def _unchanged(before, after):
    for k in before:
        assert_array_equal(before[k], after[k])


@pytest.mark.parametrize("kwargs, message", [
    (dict(beta=1.0), r"beta: expected a number in \[0, 1\), got 1.0"),
    (dict(beta=-0.1), r"beta: expected a number in \[0, 1\)"),
    (dict(learning_rate=0.0), r"learning_rate: expected a number in \(0, inf\), got 0.0"),
    (dict(learning_rate=-1), r"learning_rate"),
])
def test_momentum_rejects_bad_hyperparameters(kwargs, message):
    parameters, grads = _problem()
    v = opt.initialize_velocity(parameters)
    saved = {k: a.copy() for k, a in parameters.items()}
    args = dict(beta=0.9, learning_rate=0.1) | kwargs
    with pytest.raises(ValueError, match=message):
        opt.update_parameters_with_momentum(parameters, grads, v, **args)
    _unchanged(saved, parameters)


@pytest.mark.parametrize("kwargs, message", [
    (dict(epsilon=0.0), r"epsilon: expected a number in \(0, inf\), got 0.0"),
    (dict(epsilon=-1e-8), r"epsilon"),
    (dict(beta1=1.0), r"beta1: expected a number in \[0, 1\)"),
    (dict(beta2=1.5), r"beta2"),
    (dict(learning_rate=0), r"learning_rate"),
    (dict(t=0), r"t: expected Adam's step count, an integer >= 1, got 0"),
])
def test_adam_rejects_bad_hyperparameters(kwargs, message):
    parameters, grads = _problem()
    v, s = opt.initialize_adam(parameters)
    saved = {k: a.copy() for k, a in parameters.items()}
    args = dict(t=1, learning_rate=0.01) | kwargs
    with pytest.raises(ValueError, match=message):
        opt.update_parameters_with_adam(parameters, grads, v, s, **args)
    _unchanged(saved, parameters)


def test_state_whose_keys_or_shapes_do_not_match():
    parameters, grads = _problem()
    v = opt.initialize_velocity(parameters)
    saved = {k: a.copy() for k, a in parameters.items()}
    missing = {k: a for k, a in v.items() if k != "db2"}
    with pytest.raises(ValueError, match=r"v: missing key 'db2'"):
        opt.update_parameters_with_momentum(parameters, grads, missing, 0.9, 0.1)
    wrong = dict(v, dW1=np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"v: dW1 must have the shape of W1 \(3, 2\), got an "
                                         r"array of shape \(2, 3\)"):
        opt.update_parameters_with_momentum(parameters, grads, wrong, 0.9, 0.1)
    v, s = opt.initialize_adam(parameters)
    with pytest.raises(ValueError, match=r"s: db1 must have the shape of b1 \(3, 1\)"):
        opt.update_parameters_with_adam(parameters, grads, v, dict(s, db1=np.zeros(3)), 1)
    with pytest.raises(ValueError, match=r"grads: missing key 'db1'"):
        opt.update_parameters_with_gd(parameters, {"dW1": grads["dW1"]}, 0.1)
    _unchanged(saved, parameters)


def test_updates_return_new_dicts():
    parameters, grads = _problem()
    v, s = opt.initialize_adam(parameters)
    saved_p = {k: a.copy() for k, a in parameters.items()}
    new, v2, s2, _, _ = opt.update_parameters_with_adam(parameters, grads, v, s, 1)
    _unchanged(saved_p, parameters)
    assert not v["dW1"].any() and v2["dW1"].any()


def test_decay_and_batches_reject_bad_input():
    with pytest.raises(ValueError, match=r"epoch_num: expected an integer >= 0, got -1"):
        opt.update_lr(0.1, -1, 1)
    with pytest.raises(ValueError, match=r"learning_rate0"):
        opt.schedule_lr_decay(0.0, 3, 1)
    with pytest.raises(ValueError, match=r"time_interval: expected a positive integer, got 0"):
        opt.schedule_lr_decay(0.1, 3, 1, time_interval=0)
    with pytest.raises(ValueError, match=r"mini_batch_size: expected a positive integer"):
        opt.random_mini_batches(np.zeros((2, 4)), np.zeros((1, 4)), 0)
    with pytest.raises(ValueError, match=r"optimizer: expected 'gd', 'momentum' or 'adam'"):
        opt.model(np.zeros((2, 4)), np.zeros((1, 4)), [2, 3, 1], "rmsprop", print_cost=False)


def test_torch_ref_optim_rejects_bad_input():
    net = DeepNet([2, 3, 1], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"optimizer: expected one of"):
        make_optimizer(net, "rmsprop")
    with pytest.raises(ValueError, match=r"beta: expected a number in \[0, 1\)"):
        make_optimizer(net, "momentum", 0.1, beta=1.0)
    with pytest.raises(ValueError, match=r"epsilon"):
        make_optimizer(net, "adam", 0.1, epsilon=0.0)
    with pytest.raises(ValueError, match=r"decay: expected one of"):
        course_lr_lambda("step")
    optimizer = make_optimizer(net, "momentum", 0.1)
    with pytest.raises(ValueError, match=r"v: missing \['db2'\]"):
        load_velocity_(optimizer, net, {"dW1": np.zeros((3, 2)), "db1": np.zeros((3, 1)),
                                        "dW2": np.zeros((1, 3))})
    with pytest.raises(ValueError, match=r"expected an array of \(3, 2\) values"):
        load_velocity_(optimizer, net, {"dW1": np.zeros((2, 3)), "db1": np.zeros((3, 1)),
                                        "dW2": np.zeros((1, 3)), "db2": np.zeros((1, 1))})


# ============================================================================ the course's own dicts
def _course_test_case():
    """The course's update test cases (np.random.seed(2)): W1 (2, 3), W2 (3, 3), whose
    layers do NOT chain (W2 takes 3 inputs, W1 gives 2). An update is per layer."""
    rng = np.random.default_rng(2)
    parameters = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal((2, 1)),
                  "W2": rng.standard_normal((3, 3)), "b2": rng.standard_normal((3, 1))}
    grads = {f"d{k}": rng.standard_normal(v.shape) for k, v in parameters.items()}
    return parameters, grads


def test_updates_accept_layers_that_do_not_chain():
    """Issue 15, item 1: the course's functions work layer by layer; its own tests pass
    W1 (2, 3), W2 (3, 3). Each update must take them and compute each layer's formula."""
    parameters, grads = _course_test_case()
    new = opt.update_parameters_with_gd(parameters, grads, 0.01)
    for k in parameters:                                         # W := W - alpha dW, exactly
        assert_array_equal(new[k], parameters[k] - 0.01 * grads[f"d{k}"])
    v = opt.initialize_velocity(parameters)
    assert {k: a.shape for k, a in v.items()} == {f"d{k}": a.shape for k, a in parameters.items()}
    new, v = opt.update_parameters_with_momentum(parameters, grads, v, 0.9, 0.01)
    for k in parameters:                                         # v = 0.1 dW from v = 0
        assert_array_equal(v[f"d{k}"], (1 - 0.9) * grads[f"d{k}"])
        assert_array_equal(new[k], parameters[k] - 0.01 * v[f"d{k}"])
    v, s = opt.initialize_adam(parameters)
    assert all(not a.any() for a in (*v.values(), *s.values()))
    new, v, s, v_c, s_c = opt.update_parameters_with_adam(parameters, grads, v, s, 2, 0.02,
                                                          0.8, 0.888, 1e-2)
    for k in parameters:                                         # the course's Adam test values
        g = grads[f"d{k}"]
        assert_array_equal(v[f"d{k}"], (1 - 0.8) * g)
        assert_array_equal(s[f"d{k}"], (1 - 0.888) * np.power(g, 2))
        assert_array_equal(v_c[f"d{k}"], v[f"d{k}"] / (1 - 0.8 ** 2))
        assert_array_equal(s_c[f"d{k}"], s[f"d{k}"] / (1 - 0.888 ** 2))
        assert_array_equal(
            new[k], parameters[k] - 0.02 * v_c[f"d{k}"] / (np.sqrt(s_c[f"d{k}"]) + 1e-2))


def test_updates_still_check_each_layer():
    """What an update needs is still checked, layer by layer: b[l] (n[l], 1) beside W[l]."""
    parameters, grads = _course_test_case()
    bad = dict(parameters, b2=np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"b2 must have shape \(3, 1\) to match W2 \(3, 3\)"):
        opt.update_parameters_with_gd(bad, grads, 0.01)
    with pytest.raises(ValueError, match=r"b2 must have shape \(3, 1\)"):
        opt.initialize_velocity(bad)
    with pytest.raises(ValueError, match=r"missing key 'W2'"):
        opt.initialize_adam({k: a for k, a in parameters.items() if k != "W2"})
