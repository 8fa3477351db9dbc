"""Course 2, week 3 (batch normalization): scratch.batch_norm against nn.BatchNorm1d + autograd.

Same Z, gamma, beta in, the same Z_tilde out (training mode, batch statistics), the same
dZ, dgamma, dbeta from the step-by-step and the compact backward as from autograd, the
same running statistics after several batches (scratch's ``unbiased=True``: PyTorch keeps
the unbiased variance; the course's biased form is checked against it through the factor
m/(m-1)), the same test-mode output; finite differences as a third witness. Then the
network (LINEAR (no bias) -> BN -> RELU) x (L-1) -> LINEAR -> SIGMOID / softmax against
torch_ref.batch_norm.BatchNormNet, one pass and a short trajectory.

Layouts: scratch Z (n, m), gamma (n, 1); torch (m, n) and weight (n,): a transpose on
every comparison.

Tolerances (see ``_tolerances``): 2 gamma_n. Batch norm's forward takes a mean and a
variance over m (m steps each), a square root and a division (ELEMENTWISE_OPS); its
backward two more sums over m. The centring z - mu loses relative accuracy when the mean
is large against the spread: the error of z - mu is ~ m u max|z|, and z_norm divides it by
sigma. So each count is multiplied by the draw's condition number
kappa = max(KAPPA, max|z| / min sigma), computed from the data: with |offset| <= 1 and
spread in [1, 2] (Z = offset + spread N(0, 1)) it is about 4 (KAPPA) unless a small batch
happens to have a small spread; in the network, where Z[l] = W[l] A[l-1] is not drawn
directly, KAPPA is used.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dl_parity.engine import MiniBatches, run
from parity_tests._arrays import assert_allclose, assert_array_equal
from parity_tests._tolerances import ELEMENTWISE_OPS, steps_of_layers, tolerance
from scratch import batch_norm as bn
from scratch.multiclass import initialize_parameters_he, one_hot
from torch_ref.batch_norm import BatchNormNet, train_step_bn

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
KAPPA = 4


def _t(a, device):
    """(n, m) course layout -> (m, n) torch layout."""
    return torch.as_tensor(np.ascontiguousarray(np.asarray(a).T), device=device)


def kappa(Z):
    """max|z| / min sigma over the rows of Z (at least KAPPA): how much centring amplifies."""
    Z = np.asarray(Z, dtype=np.float64)
    return max(KAPPA, int(np.ceil(np.abs(Z).max() / Z.std(axis=1).min())))


def forward_steps(m, k=KAPPA):
    return k * (2 * m + ELEMENTWISE_OPS)


def backward_steps(m, k=KAPPA):
    return k * (4 * m + 2 * ELEMENTWISE_OPS)


@st.composite
def bn_problem(draw, dtype, min_m=2):
    n = draw(st.integers(1, 6), label="n")
    m = draw(st.integers(min_m, 16), label="m")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    offset = rng.uniform(-1, 1, (n, 1))
    spread = rng.uniform(1, 2, (n, 1))
    Z = (offset + spread * rng.standard_normal((n, m))).astype(dtype)
    gamma = rng.uniform(0.5, 2, (n, 1)).astype(dtype)
    beta = rng.standard_normal((n, 1)).astype(dtype)
    dZ_tilde = rng.standard_normal((n, m)).astype(dtype)
    return Z, gamma, beta, dZ_tilde, rng


def torch_bn(gamma, beta, device, epsilon, beta_avg=0.9):
    n = gamma.shape[0]
    layer = nn.BatchNorm1d(n, eps=epsilon, momentum=1 - beta_avg, device=device,
                           dtype=TORCH_DTYPE[gamma.dtype.type])
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(gamma.reshape(-1)))
        layer.bias.copy_(torch.as_tensor(beta.reshape(-1)))
    return layer


# ============================================================================ one layer
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_batchnorm_forward_backward_parity(device, parity, dtype, data):
    # Z_tilde, then dZ, dgamma, dbeta (step by step and compact) vs BatchNorm1d + autograd,
    # and the running statistics after this one batch (PyTorch's unbiased form)
    Z, gamma, beta, dZ_tilde, _ = data.draw(bn_problem(dtype))
    epsilon = data.draw(st.sampled_from([1e-5, 1e-3, 0.1]), label="epsilon")
    beta_avg = data.draw(st.sampled_from([0.9, 0.5, 0.0]), label="beta (running average)")
    n, m = Z.shape
    Z_tilde, cache = bn.batchnorm_forward(Z, gamma, beta, epsilon)
    dZ, dgamma, dbeta = bn.batchnorm_backward(dZ_tilde, cache)
    dZ_c, dgamma_c, dbeta_c = bn.batchnorm_backward_compact(dZ_tilde, cache)

    layer = torch_bn(gamma, beta, device, epsilon, beta_avg).train()
    Zt = _t(Z, device).requires_grad_(True)
    out = layer(Zt)
    out.backward(_t(dZ_tilde, device))
    k = kappa(Z)
    tol_f = tolerance(dtype, forward_steps(m, k))
    tol_b = tolerance(dtype, backward_steps(m, k))
    parity.close("Z_tilde = gamma z_norm + beta", out.T, Z_tilde, **tol_f, formula="c2w3.bn_forward")
    for label, (a, b, c) in {"step by step": (dZ, dgamma, dbeta),
                             "compact": (dZ_c, dgamma_c, dbeta_c)}.items():
        parity.close(f"dZ ({label})", Zt.grad.T, a, **tol_b, formula="c2w3.bn_backward")
        parity.close(f"dgamma ({label})", layer.weight.grad.reshape(-1, 1), b, **tol_b,
                     formula="c2w3.bn_backward")
        parity.close(f"dbeta ({label})", layer.bias.grad.reshape(-1, 1), c, **tol_b,
                     formula="c2w3.bn_backward")

    # running statistics: from running_mean = 0, running_var = 1 (PyTorch's start)
    zeros, ones = np.zeros((n, 1), dtype), np.ones((n, 1), dtype)
    mean_u, var_u = bn.update_running_stats(zeros, ones, cache, beta_avg, unbiased=True)
    parity.close("running_mean", layer.running_mean.reshape(-1, 1), mean_u, **tol_f,
                 formula="c2w3.bn_running")
    parity.close("running_var (unbiased, m/(m-1) sigma^2)", layer.running_var.reshape(-1, 1),
                 var_u, **tol_f, formula="c2w3.bn_running")
    # the course's biased form: (running_var - beta) scales by m/(m-1) between the two
    _, var_b = bn.update_running_stats(zeros, ones, cache, beta_avg)
    parity.close("running_var (course's biased form, mapped)",
                 (layer.running_var.reshape(-1, 1) - beta_avg) * (m - 1) / m,
                 var_b - beta_avg, **tolerance(dtype, forward_steps(m, k) + 4),
                 formula="c2w3.bn_running")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_running_statistics_and_test_mode_parity(device, parity, dtype, data):
    # Several training batches (of varying sizes), then test mode on a new batch (m may be 1)
    Z, gamma, beta, _, rng = data.draw(bn_problem(dtype))
    n = Z.shape[0]
    epsilon = data.draw(st.sampled_from([1e-5, 1e-3]), label="epsilon")
    beta_avg = data.draw(st.sampled_from([0.9, 0.99, 0.5]), label="beta (running average)")
    sizes = data.draw(st.lists(st.integers(2, 12), min_size=1, max_size=6), label="batch sizes")
    layer = torch_bn(gamma, beta, device, epsilon, beta_avg).train()
    running_mean, running_var = np.zeros((n, 1), dtype), np.ones((n, 1), dtype)
    k = KAPPA
    for m in sizes:
        Zb = (rng.uniform(-1, 1, (n, 1)) + rng.uniform(1, 2, (n, 1))
              * rng.standard_normal((n, m))).astype(dtype)
        k = max(k, kappa(Zb))
        _, cache = bn.batchnorm_forward(Zb, gamma, beta, epsilon)
        running_mean, running_var = bn.update_running_stats(running_mean, running_var, cache,
                                                            beta_avg, unbiased=True)
        with torch.no_grad():
            layer(_t(Zb, device))
    # each batch adds its own statistic's error, averaged in with weight 1 - beta <= 1
    tol = tolerance(dtype, len(sizes) * forward_steps(max(sizes), k))
    parity.close(f"running_mean after {len(sizes)} batches", layer.running_mean.reshape(-1, 1),
                 running_mean, **tol, formula="c2w3.bn_running")
    parity.close(f"running_var after {len(sizes)} batches", layer.running_var.reshape(-1, 1),
                 running_var, **tol, formula="c2w3.bn_running")

    m_test = data.draw(st.integers(1, 5), label="m (test)")
    Z_test = rng.standard_normal((n, m_test)).astype(dtype)
    expected = bn.batchnorm_forward_test(Z_test, gamma, beta, running_mean, running_var, epsilon)
    layer.eval()
    with torch.no_grad():
        got = layer(_t(Z_test, device))
    parity.close("test-mode Z_tilde (running statistics)", got.T, expected,
                 **tolerance(dtype, len(sizes) * forward_steps(max(sizes), k) + ELEMENTWISE_OPS),
                 formula="c2w3.bn_running")


@settings(max_examples=10)
@given(data=st.data())
def test_batchnorm_backward_finite_differences(data):
    # Third witness: J = sum(dZ_tilde * Z_tilde), central differences in float64, epsilon 1e-7.
    # m >= 3: with m = 2 the normalised pair is (-1, 1) whatever Z, up to epsilon, so dZ is of
    # order epsilon / spread^3 (~1e-5), at the differences' noise floor (u / h ~ 1e-9 on J ~ 1)
    Z, gamma, beta, dZ_tilde, _ = data.draw(bn_problem(np.float64, min_m=3))
    _, cache = bn.batchnorm_forward(Z, gamma, beta)
    analytic = dict(zip(("Z", "gamma", "beta"), bn.batchnorm_backward(dZ_tilde, cache)))
    compact = dict(zip(("Z", "gamma", "beta"), bn.batchnorm_backward_compact(dZ_tilde, cache)))
    inputs = {"Z": Z, "gamma": gamma, "beta": beta}

    def J(values):
        out, _ = bn.batchnorm_forward(values["Z"], values["gamma"], values["beta"])
        return float(np.sum(dZ_tilde * out))

    h = 1e-7
    for name, x in inputs.items():
        numeric = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            plus, minus = x.copy(), x.copy()
            plus[idx] += h
            minus[idx] -= h
            numeric[idx] = (J({**inputs, name: plus}) - J({**inputs, name: minus})) / (2 * h)
        for label, grad in (("step by step", analytic[name]), ("compact", compact[name])):
            diff = np.linalg.norm(grad - numeric) / (np.linalg.norm(grad) + np.linalg.norm(numeric))
            assert diff < 1e-7, f"d{name} ({label}): relative difference {diff:.2e}"


def test_batchnorm_by_hand():
    # Z = [[1, 3]]: mu = 2, sigma^2 = 1 (biased), z_norm = [-1, 1] / sqrt(1 + eps)
    Z = np.array([[1.0, 3.0]])
    out, cache = bn.batchnorm_forward(Z, np.array([[2.0]]), np.array([[0.5]]), epsilon=0.0 + 1e-12)
    assert_allclose(out, [[-1.5, 2.5]], rtol=1e-11)
    mean, var = bn.update_running_stats(np.zeros((1, 1)), np.ones((1, 1)), cache, 0.9)
    assert_allclose([mean[0, 0], var[0, 0]], [0.2, 1.0], rtol=1e-15)
    _, var_u = bn.update_running_stats(np.zeros((1, 1)), np.ones((1, 1)), cache, 0.9,
                                       unbiased=True)
    assert_allclose(var_u, [[0.9 + 0.1 * 2.0]], rtol=1e-15)    # m/(m-1) = 2


# ============================================================================ the network
def test_initialization_is_he():
    # W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1]), drawn W1, W2, ... after np.random.seed(seed):
    # the very weights of scratch.multiclass's He initialisation (tested against
    # torch.nn.init.kaiming_normal_ in test_multiclass.py); gamma 1, beta 0, b[L] 0
    dims = [5, 4, 3, 2]
    parameters = bn.initialize_parameters_bn(dims, seed=7)
    he = initialize_parameters_he(dims, seed=7)
    for l in (1, 2, 3):
        np.testing.assert_array_equal(parameters[f"W{l}"], he[f"W{l}"])
    for l in (1, 2):
        np.testing.assert_array_equal(parameters[f"gamma{l}"], np.ones((dims[l], 1)))
        np.testing.assert_array_equal(parameters[f"beta{l}"], np.zeros((dims[l], 1)))
    np.testing.assert_array_equal(parameters["b3"], np.zeros((2, 1)))


@st.composite
def bn_network(draw, dtype, output):
    L = draw(st.integers(2, 4), label="L")
    C = 1 if output == "sigmoid" else draw(st.integers(2, 4), label="C")
    dims = draw(st.lists(st.integers(1, 5), min_size=L, max_size=L), label="n[0..L-1]") + [C]
    seed = draw(st.integers(0, 1000), label="init seed")
    parameters = bn.initialize_parameters_bn(dims, seed=seed)
    rng = np.random.default_rng(seed)
    for l in range(1, L):       # move gamma, beta and the running statistics off their start
        parameters[f"gamma{l}"] = rng.uniform(0.5, 2, (dims[l], 1))
        parameters[f"beta{l}"] = 0.5 * rng.standard_normal((dims[l], 1))
        parameters[f"running_mean{l}"] = 0.5 * rng.standard_normal((dims[l], 1))
        parameters[f"running_var{l}"] = rng.uniform(0.5, 2, (dims[l], 1))
    parameters[f"b{L}"] = 0.5 * rng.standard_normal((C, 1))
    parameters = {k: v.astype(dtype) for k, v in parameters.items()}
    m = draw(st.integers(2, 12), label="m")
    X = rng.uniform(-1, 1, (dims[0], m)).astype(dtype)
    labels = rng.integers(0, C, m) if C > 1 else (rng.random(m) < 0.5).astype(int)
    Y = one_hot(labels, C, dtype=dtype) if output == "softmax" else labels.reshape(1, -1).astype(dtype)
    return parameters, X, Y, labels, dims


def torch_target(Y, labels, output, device):
    if output == "softmax":
        return torch.as_tensor(labels, device=device)
    return _t(Y, device)


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_bn_network_parity(device, parity, dtype, output, data):
    # Training mode: A[L], cost, every dW, dgamma, dbeta, db[L], and the running statistics
    # the pass leaves; then test mode with them
    parameters, X, Y, labels, dims = data.draw(bn_network(dtype, output))
    m = X.shape[1]
    AL, caches = bn.L_model_forward_bn(X, parameters, output=output)
    cost = bn.compute_cost_bn(AL, Y, output)
    grads = bn.L_model_backward_bn(AL, Y, caches)
    after = bn.update_running_stats_bn(parameters, caches, beta=0.9, unbiased=True)

    net = BatchNormNet.from_course_parameters(parameters, output=output, beta=0.9,
                                              device=device).train()
    Xt = _t(X, device)
    if output == "softmax":
        logits = net.logits(Xt)         # one training pass (each pass moves the running stats)
        loss = nn.CrossEntropyLoss()(logits, torch_target(Y, labels, output, device))
        AL_t = torch.softmax(logits, dim=1)
    else:
        AL_t = net(Xt)
        loss = nn.BCELoss()(AL_t, torch_target(Y, labels, output, device))
    loss.backward()
    n = sum(backward_steps(m) + n_prev + n_l for n_prev, n_l in zip(dims[:-1], dims[1:])) \
        + steps_of_layers(dims[-2:], m)
    tol = tolerance(dtype, n)
    parity.close("A[L]", AL_t.T, AL, **tol, formula="c2w3.bn_network")
    parity.close("cost", loss, cost, **tol, formula="c2w3.bn_network")
    for key, p in net.course_named_parameters().items():
        g = p.grad.reshape(-1, 1) if p.ndim == 1 else p.grad
        parity.close(f"d{key}", g, grads[f"d{key}"], **tol, formula="c2w3.bn_network")

    exported = net.course_parameters()  # one training pass: the running statistics match
    for key in exported:
        if key.startswith("running"):
            parity.close(key, exported[key], after[key], **tol, formula="c2w3.bn_network")
    # test mode, from the dict's running statistics
    net = BatchNormNet.from_course_parameters(parameters, output=output, device=device).eval()
    AL_test, _ = bn.L_model_forward_bn(X[:, :1], parameters, training=False, output=output)
    with torch.no_grad():
        parity.close("A[L] in test mode (m = 1)", net(Xt[:1]).T, AL_test, **tol,
                     formula="c2w3.bn_network")


def test_bn_course_dict_round_trip():
    parameters = bn.initialize_parameters_bn([3, 4, 2, 1], seed=1)
    net = BatchNormNet.from_course_parameters(parameters)
    back = net.course_parameters()
    assert set(back) == set(parameters)
    for key in parameters:
        assert_array_equal(back[key], parameters[key])
    assert net.linears[0].bias is None and net.linears[-1].bias is not None
    assert net.norms[0].momentum == pytest.approx(0.1)


class NumpyBNSide:
    name = "numpy"

    def __init__(self, parameters, learning_rate, output, beta=0.9):
        self.p, self.lr, self.output, self.beta = dict(parameters), learning_rate, output, beta

    def prepare(self, X, Y, extra):
        return X, Y

    def step(self, batch):
        X, Y = batch
        AL, caches = bn.L_model_forward_bn(X, self.p, output=self.output)
        cost = bn.compute_cost_bn(AL, Y, self.output)
        grads = bn.L_model_backward_bn(AL, Y, caches)
        self.p = bn.update_parameters_bn(self.p, grads, self.lr)
        self.p = bn.update_running_stats_bn(self.p, caches, self.beta, unbiased=True)
        return float(cost)

    def end_epoch(self, epoch):
        pass

    def course_parameters(self):
        return self.p


class TorchBNSide:
    name = "torch"

    def __init__(self, parameters, learning_rate, output, device, beta=0.9):
        self.net = BatchNormNet.from_course_parameters(parameters, output=output, beta=beta,
                                                       device=device)
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=learning_rate)
        self.device, self.output = device, output

    def prepare(self, X, Y, extra):
        X = _t(X, self.device)
        y = torch.as_tensor(Y.argmax(axis=0), device=self.device) if self.output == "softmax" \
            else _t(Y, self.device)
        return X, y

    def step(self, batch):
        return train_step_bn(self.net, self.optimizer, *batch).item()

    def end_epoch(self, epoch):
        pass

    def course_parameters(self):
        return self.net.course_parameters()


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_bn_network_trajectory_parity(device, parity, output):
    # 3 epochs of mini-batches of 8 (m = 30: batches 8, 8, 8, 6), gradient descent: every
    # cost, and the whole dict at the end, running statistics included
    rng = np.random.default_rng(7)
    C = 1 if output == "sigmoid" else 3
    X = rng.uniform(-1, 1, (4, 30))
    labels = rng.integers(0, max(C, 2), 30)
    Y = one_hot(labels, C) if output == "softmax" else labels.reshape(1, -1).astype(float)
    parameters = bn.initialize_parameters_bn([4, 6, 5, C], seed=2)
    sides = [NumpyBNSide(parameters, 0.1, output), TorchBNSide(parameters, 0.1, output, device)]
    history = run(sides, MiniBatches(X, Y, 8, 3, seed=11))
    steps = len(history.costs["numpy"])
    n = steps * (3 * backward_steps(8) + steps_of_layers([4, 6, 5, C], 8))
    tol = tolerance(np.float64, n)
    parity.close("cost at every step", np.array(history.costs["torch"]),
                 np.array(history.costs["numpy"]), **tol, formula="c2w3.bn_network")
    for key, value in history.parameters["numpy"].items():
        parity.close(f"{key} after {steps} steps", history.parameters["torch"][key], value, **tol,
                     formula="c2w3.bn_network")


# ============================================================================ bad input
def test_batch_of_one_in_training_mode_is_refused(device):
    gamma, beta = np.ones((3, 1)), np.zeros((3, 1))
    with pytest.raises(ValueError, match=r"at least 2 examples.*got Z \(3, 1\) \(m = 1\)"):
        bn.batchnorm_forward(np.ones((3, 1)), gamma, beta)
    parameters = bn.initialize_parameters_bn([3, 4, 1])
    with pytest.raises(ValueError, match=r"at least 2 examples"):
        bn.L_model_forward_bn(np.ones((3, 1)), parameters)
    # PyTorch refuses too
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        BatchNormNet([3, 4, 1], device=device).train()(torch.ones(1, 3, device=device))
    # test mode accepts one example
    assert bn.batchnorm_forward_test(np.ones((3, 1)), gamma, beta, np.zeros((3, 1)),
                                     np.ones((3, 1))).shape == (3, 1)


def test_gamma_beta_shape_mismatch():
    Z = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"gamma: expected shape \(3, 1\) to match Z \(3, 4\)"):
        bn.batchnorm_forward(Z, np.ones((1, 3)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"beta: expected shape \(3, 1\).*shape \(3,\)"):
        bn.batchnorm_forward(Z, np.ones((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match=r"epsilon: expected a number > 0, got 0"):
        bn.batchnorm_forward(Z, np.ones((3, 1)), np.zeros((3, 1)), epsilon=0)
    with pytest.raises(ValueError, match=r"running_var: expected shape \(3, 1\)"):
        bn.batchnorm_forward_test(Z, np.ones((3, 1)), np.zeros((3, 1)), np.zeros((3, 1)),
                                  np.ones((1, 3)))
    _, cache = bn.batchnorm_forward(Z + np.arange(4), np.ones((3, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"dZ_tilde and Z_norm \(cache\) must have the same shape"):
        bn.batchnorm_backward(np.ones((4, 3)), cache)
    with pytest.raises(ValueError, match=r"beta: expected the averaging weight in \[0, 1\)"):
        bn.update_running_stats(np.zeros((3, 1)), np.ones((3, 1)), cache, beta=1.0)


def test_network_dict_errors():
    parameters = bn.initialize_parameters_bn([3, 4, 1])
    broken = {k: v for k, v in parameters.items() if k != "gamma1"}
    with pytest.raises(ValueError, match=r"missing key 'gamma1'"):
        bn.L_model_forward_bn(np.ones((3, 4)), broken)
    with pytest.raises(ValueError, match=r"beta1 must have shape \(4, 1\)"):
        bn.L_model_forward_bn(np.ones((3, 4)), dict(parameters, beta1=np.zeros((1, 4))))
    with pytest.raises(ValueError, match=r"missing \['gamma1'\]"):
        BatchNormNet([3, 4, 1]).load_course_parameters(broken)
    with pytest.raises(ValueError, match=r"beta1 must have shape \(4, 1\)"):
        BatchNormNet([3, 4, 1]).load_course_parameters(dict(parameters, beta1=np.zeros(3)))
    _, caches = bn.L_model_forward_bn(np.ones((3, 2)), parameters, training=False)
    with pytest.raises(ValueError, match=r"test mode"):
        bn.L_model_backward_bn(np.full((1, 2), 0.5), np.ones((1, 2)), caches)
