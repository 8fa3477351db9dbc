"""Multiclass (softmax) output, He initialisation and mini-batches: scratch.multiclass
against torch_ref's DeepNet(output="softmax"), nn.CrossEntropyLoss and autograd.

Same weights in, the same A[L], cost, dZ[L], dW[l], db[l], dA[l] out, on each device;
the same batches in, the same costs and parameters after every step.

Tolerances (see ``_tolerances``): 2 gamma_n, n the rounding steps along the longest
chain: ``steps_of_layers(layer_dims, m)`` for the network, plus C + ELEMENTWISE_OPS for
the softmax (a sum of C exponentials and a division) and the cost's log. float64:
rtol = 1e-10, atol = 2 gamma_n; float32: rtol = atol = 2 gamma_n (u = 2^-24). The data
are drawn O(1) (X ~ N(0, 1), He weights, b ~ 0.1 N(0, 1)); where a compared value is
larger than 1 by design (logits to 1e3, dA ~ N(0, 1), the cost of a wide spread of
logits), the count or the absolute part grows with it, as said at each comparison.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.data import DataLoader, TensorDataset

from dl_parity.engine import MiniBatches
from dl_parity.models.mlp import MLP
from parity_tests._arrays import assert_allclose, assert_array_equal
from parity_tests._sensitivity import close_along, sensitivity_bound, torch_trajectory
from parity_tests._tolerances import ELEMENTWISE_OPS, steps_of_layers, tolerance

from scratch.multiclass import (
    L_model_backward_multiclass,
    L_model_forward_multiclass,
    compute_cost_multiclass,
    initialize_parameters_he,
    one_hot,
    predict_multiclass,
    random_mini_batches,
    softmax,
    softmax_backward,
    train_epoch,
)
from torch_ref.models import DeepNet
from torch_ref.train import criterion_for, he_init_

DTYPES = {np.float64: torch.float64, np.float32: torch.float32}
ACTS = ["relu", "tanh", "sigmoid", "leaky_relu"]


def _t(a, device, dtype=None):
    """A NumPy array in the course's layout (n, m) -> a torch tensor in torch's (m, n)."""
    return torch.as_tensor(np.ascontiguousarray(np.asarray(a).T), device=device, dtype=dtype)


def _labels(rng, C, m):
    return rng.integers(0, C, size=m)


# ============================================================================ softmax
@given(seed=st.integers(0, 2**32 - 1), C=st.integers(1, 10), m=st.integers(1, 20),
       scale=st.sampled_from([0.1, 1.0, 10.0, 1e3]),
       dtype=st.sampled_from([np.float64, np.float32]))
def test_softmax_parity(device, parity, seed, C, m, scale, dtype):
    rng = np.random.default_rng(seed)
    Z = (scale * rng.standard_normal((C, m))).astype(dtype)
    A, cache = softmax(Z)   # RuntimeWarning is an error in this suite: no overflow, no 0/0

    # columns are probability distributions, even with logits of 1e3
    assert A.dtype == dtype and A.shape == (C, m)
    assert np.isfinite(A).all() and (A >= 0).all()
    # a column sum adds C terms, each with the softmax's own roundings
    assert_allclose(A.sum(axis=0), np.ones(A.shape[1]), rtol=0,
                    atol=tolerance(dtype, C + ELEMENTWISE_OPS)["atol"])

    Zt = _t(Z, device).requires_grad_(True)
    At = torch.softmax(Zt, dim=1)
    # exp, a sum of C terms and a division: C + ELEMENTWISE_OPS steps; A is in [0, 1]
    parity.close("softmax(Z)", At.T, A, **tolerance(dtype, C + ELEMENTWISE_OPS),
                 formula="c2.softmax")

    # vector-Jacobian product: dZ = A * (dA - sum(A * dA)) vs autograd
    dA = rng.standard_normal((C, m)).astype(dtype)
    dZ = softmax_backward(dA, cache)
    At.backward(_t(dA, device))
    # A (C + ELEMENTWISE_OPS steps) times dA minus a sum of C products: 2 (C + ELEMENTWISE_OPS);
    # the difference can cancel, and |dA| reaches ~4, so the absolute part scales with max |dA|
    tol = tolerance(dtype, 2 * (C + ELEMENTWISE_OPS))
    tol["atol"] *= max(1.0, float(np.abs(dA).max()))
    parity.close("softmax VJP dZ", Zt.grad.T, dZ, **tol, formula="c2.softmax")


def test_softmax_huge_logits():
    """Hand-computed values: e^{-1000} underflows to 0, nothing overflows, no nan."""
    Z = np.array([[1000.0, -1000.0, 1000.0], [0.0, -1000.0, 1000.0], [-1000.0, -1000.0, 0.0]])
    A, _ = softmax(Z)
    expected = np.array([[1.0, 1 / 3, 0.5], [0.0, 1 / 3, 0.5], [0.0, 1 / 3, 0.0]])
    assert_array_equal(A, expected)
    with pytest.raises(ValueError, match="finite"):
        softmax(np.array([[np.inf], [0.0]]))
    with pytest.raises(ValueError, match="2-D"):
        softmax(np.zeros(3))


# ============================================================================ labels and cost
def test_one_hot_parity(device):
    labels = np.array([3, 0, 2, 2, 1, 0])
    Y = one_hot(labels, 4)
    expected = np.array([[0, 1, 0, 0, 0, 1],
                         [0, 0, 0, 0, 1, 0],
                         [0, 0, 1, 1, 0, 0],
                         [1, 0, 0, 0, 0, 0]], dtype=np.float64)
    assert_array_equal(Y, expected)
    # torch's own one_hot, transposed to the course's (C, m)
    Yt = F.one_hot(torch.as_tensor(labels, device=device), 4).T
    assert_array_equal(Yt.cpu().numpy(), Y)
    # (1, m) labels, integral floats, m = 1, float32
    assert_array_equal(one_hot(labels.reshape(1, -1).astype(float), 4), Y)
    assert_array_equal(one_hot([2], 3), [[0.0], [0.0], [1.0]])
    assert one_hot(labels, 4, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("labels, C, bad", [
    ([0, 1, 10, 2, -1], 10, r"2 bad label\(s\): -1, 10"),
    ([0.0, 1.5, 2.0], 3, r"1 bad label\(s\): 1.5"),
    ([0.0, 3.0, 2.0], 3, r"1 bad label\(s\): 3.0"),          # a float label equal to C
    ([0.0, np.nan], 3, r"nan"),
])
def test_one_hot_rejects_bad_labels(labels, C, bad):
    with pytest.raises(ValueError, match=bad):
        one_hot(labels, C)


def test_one_hot_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"\(m,\) or \(1, m\)"):
        one_hot(np.zeros((2, 3), dtype=int), 3)
    with pytest.raises(ValueError, match="positive integer"):
        one_hot([0, 1], 0)
    with pytest.raises(ValueError, match="integer labels"):
        one_hot(np.array(["a", "b"]), 2)


@given(seed=st.integers(0, 2**32 - 1), C=st.integers(1, 10), m=st.integers(1, 20),
       scale=st.sampled_from([0.1, 1.0, 10.0]), dtype=st.sampled_from([np.float64, np.float32]))
def test_multiclass_cost_parity(device, parity, seed, C, m, scale, dtype):
    """J = -(1/m) sum(Y log softmax(Z)) against F.cross_entropy on the same logits.

    Comparable while every labelled probability exceeds e^-100 (the clamp): with
    scale <= 10 the spread of a column stays well below 100.
    """
    rng = np.random.default_rng(seed)
    Z = (scale * rng.standard_normal((C, m))).astype(dtype)
    labels = _labels(rng, C, m)
    spread = float((Z.max(axis=0) - Z.min(axis=0)).max())
    assert spread < 90, "test set-up: keep the labelled probabilities above e^-100"
    AL, _ = softmax(Z)
    J = compute_cost_multiclass(AL, one_hot(labels, C, dtype=dtype))
    assert isinstance(J, np.ndarray) and J.shape == () and J.dtype == dtype

    Jt = F.cross_entropy(_t(Z, device), torch.as_tensor(labels, device=device))
    # log of a probability (C + ELEMENTWISE_OPS steps) vs z - logsumexp(z), whose rounding
    # grows with the exponents' size (the spread, up to ~80 units of u); then a mean of m terms
    tol = tolerance(dtype, C + m + ELEMENTWISE_OPS + math.ceil(spread))
    parity.close("cost J", Jt, J, **tol, formula="c2.cross_entropy")


def test_multiclass_cost_saturated(device, parity):
    """What is and is not comparable when a probability underflows to 0.

    Logits (1000, 0, -5): softmax gives exactly (1, 0, 0) in float64 (e^-1000 = 0).
    - label 0 (right, saturated): both give 0; the zeros with Y = 0 add 0, not nan.
    - label 1 (wrong, saturated): scratch clamps log(0) at -100 and gives 100;
      F.cross_entropy works on the logits and gives the exact 1000 - 0 = 1000.
    - logits (90, 0), label 1: e^-90 > e^-100, inside the clamp: both give 90.
    """
    Z = np.array([[1000.0, 1000.0], [0.0, 0.0], [-5.0, -5.0]])
    AL, _ = softmax(Z)
    assert_array_equal(AL, [[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]])

    right = compute_cost_multiclass(AL[:, :1], one_hot([0], 3))
    parity.close("saturated, right label", F.cross_entropy(_t(Z[:, :1], device),
                 torch.tensor([0], device=device)), right, rtol=0, atol=0,
                 formula="c2.cross_entropy")
    assert right == 0.0

    wrong = compute_cost_multiclass(AL, one_hot([0, 1], 3))
    assert wrong == (0 + 100) / 2                    # the clamp, by hand
    wrong_t = F.cross_entropy(_t(Z, device), torch.tensor([0, 1], device=device))
    assert wrong_t.item() == (0 + 1000) / 2          # log-sum-exp, exact, by hand

    Z90 = np.array([[90.0], [0.0]])
    inside = compute_cost_multiclass(softmax(Z90)[0], one_hot([1], 2))
    # -log(e^-90 / (1 + e^-90)) = 90 + log1p(e^-90) = 90 in float64: the project's
    # float64 rtol (the rounding of an exponent of 90 is ~90 u, far below it)
    parity.close("just inside the clamp", F.cross_entropy(_t(Z90, device),
                 torch.tensor([1], device=device)), inside,
                 **tolerance(np.float64, 2 + ELEMENTWISE_OPS + 90), formula="c2.cross_entropy")
    assert abs(float(inside) - 90) < 1e-12


def test_cost_rejects_bad_shapes():
    with pytest.raises(ValueError, match="same shape"):
        compute_cost_multiclass(np.full((3, 2), 1 / 3), one_hot([0, 1], 2))


# ============================================================================ forward and backward
@st.composite
def networks(draw):
    """layer_dims [n_x, n[1], ..., C] with L = 1..5, m = 1..12, and a hidden activation."""
    L = draw(st.integers(1, 5))
    dims = [draw(st.integers(1, 8))] + [draw(st.integers(1, 8)) for _ in range(L - 1)]
    dims.append(draw(st.integers(2, 6)))
    return dims, draw(st.integers(1, 12)), draw(st.sampled_from(ACTS))


def _course_parameters(dims, rng, dtype):
    """He-initialised weights and non-zero biases (so that db[l] is exercised)."""
    parameters = initialize_parameters_he(dims, seed=int(rng.integers(0, 2**31)))
    for l in range(1, len(dims)):
        parameters[f"b{l}"] = 0.1 * rng.standard_normal((dims[l], 1))
    return {k: v.astype(dtype) for k, v in parameters.items()}


@given(net=networks(), seed=st.integers(0, 2**32 - 1),
       dtype=st.sampled_from([np.float64, np.float32]))
def test_multiclass_backward_parity(device, parity, net, seed, dtype):
    dims, m, act = net
    L, C = len(dims) - 1, dims[-1]
    rng = np.random.default_rng(seed)
    parameters = _course_parameters(dims, rng, dtype)
    X = rng.standard_normal((dims[0], m)).astype(dtype)
    labels = _labels(rng, C, m)
    Y = one_hot(labels, C, dtype=dtype)

    # scratch: by hand
    AL, caches = L_model_forward_multiclass(X, parameters, act)
    J = compute_cost_multiclass(AL, Y)
    grads = L_model_backward_multiclass(AL, Y, caches, act)
    assert set(grads) == ({f"dA{l}" for l in range(L)} | {f"dW{l}" for l in range(1, L + 1)}
                          | {f"db{l}" for l in range(1, L + 1)})

    # torch: autograd through nn.Linear, the activations and nn.CrossEntropyLoss on the logits
    model = DeepNet.from_course_parameters(parameters, act, device=device,
                                           dtype=DTYPES[dtype], output="softmax")
    Xt = _t(X, device).requires_grad_(True)
    ALt, cache = model(Xt, return_intermediates=True)
    for l in range(1, L):
        cache[f"A{l}"].retain_grad()
    cache[f"Z{L}"].retain_grad()
    Jt = criterion_for("softmax")(cache[f"Z{L}"], torch.as_tensor(labels, device=device))
    Jt.backward()

    # the network's chain, plus the softmax's sum of C exponentials and the cost's log
    tol = tolerance(dtype, steps_of_layers(dims, m) + C + ELEMENTWISE_OPS)

    def close(what, t, n, formula="c2.backward"):
        parity.close(what, t, n, **tol, formula=formula)

    close("A[L] (softmax)", ALt.T, AL, formula="c2.forward")
    for l in range(1, L):  # A[l] is the A_prev cached by layer l + 1
        close(f"A{l}", cache[f"A{l}"].T, caches[l][0][0], formula="c2.forward")
    close("cost J", Jt, J, formula="c2.cross_entropy")
    # the mean over m puts 1/m into autograd's dJ/dZ[L] and dJ/dA[l]; the course's
    # dZ[L] = A[L] - Y and dA[l] are per-example derivatives
    close("dZ[L] = A[L] - Y", m * cache[f"Z{L}"].grad.T, AL - Y)
    for l in range(1, L + 1):
        linear = model.linears[l - 1]
        close(f"dW{l}", linear.weight.grad, grads[f"dW{l}"])
        close(f"db{l}", linear.bias.grad.reshape(-1, 1), grads[f"db{l}"])
    close("dA0", m * Xt.grad.T, grads["dA0"])
    for l in range(1, L):
        close(f"dA{l}", m * cache[f"A{l}"].grad.T, grads[f"dA{l}"])

    # predictions: the same argmax (ties would be ambiguous; random logits have none)
    assert_array_equal(predict_multiclass(X, parameters, act),
                       ALt.argmax(dim=1).cpu().numpy())


def test_multiclass_backward_rejects_bad_labels():
    parameters = initialize_parameters_he([3, 4, 2])
    AL, caches = L_model_forward_multiclass(np.ones((3, 2)), parameters)
    with pytest.raises(ValueError, match="one-hot"):
        L_model_backward_multiclass(AL, np.array([[1.0, 1.0], [1.0, 0.0]]), caches)
    with pytest.raises(ValueError, match="same shape"):
        L_model_backward_multiclass(AL, np.array([[1.0, 0.0]]), caches)


# ============================================================================ He initialisation
def test_he_initialisation(device, parity):
    # the course's formula, exactly: one seed, then W1, W2, ... in order
    dims = [5, 4, 3]
    parameters = initialize_parameters_he(dims, seed=3)
    np.random.seed(3)
    W1 = np.random.randn(4, 5) * np.sqrt(2 / 5)
    W2 = np.random.randn(3, 4) * np.sqrt(2 / 4)
    assert_array_equal(parameters["W1"], W1)
    assert_array_equal(parameters["W2"], W2)
    assert_array_equal(parameters["b1"], np.zeros((4, 1)))
    assert_array_equal(parameters["b2"], np.zeros((3, 1)))
    assert sorted(parameters) == ["W1", "W2", "b1", "b2"]

    # torch's kaiming_normal_(fan_in, relu) draws from the same distribution,
    # N(0, 2 / n[l-1]), with its own generator: compare the sample statistics of both
    # with the formula. For N samples the sample std's relative standard error is
    # 1 / sqrt(2N) and the mean's standard error std / sqrt(N); 5 standard errors
    # (seeds fixed, so the test is deterministic). fan_out would give std sqrt(2 / n[l]),
    # 26 % and 15 % off here, far outside.
    dims = [1000, 400, 300]
    torch.manual_seed(0)
    model = he_init_(DeepNet(dims, device=device, dtype=torch.float64))
    scratch = initialize_parameters_he(dims, seed=0)
    for l in range(1, len(dims)):
        std = math.sqrt(2 / dims[l - 1])
        N = dims[l] * dims[l - 1]
        W_torch = model.linears[l - 1].weight.detach().cpu().numpy()
        assert not model.linears[l - 1].bias.detach().any()
        for side, W in (("torch", W_torch), ("scratch", scratch[f"W{l}"])):
            assert W.shape == (dims[l], dims[l - 1])
            assert abs(W.std() / std - 1) < 5 / math.sqrt(2 * N), (side, l, W.std(), std)
            assert abs(W.mean()) < 5 * std / math.sqrt(N), (side, l, W.mean())
        # the two sample stds, independent estimates: their difference has relative
        # standard error sqrt(2) / sqrt(2N); 5 of them
        parity.close(f"sample std of W{l}", W_torch.std(), scratch[f"W{l}"].std(),
                     rtol=5 * math.sqrt(2) / math.sqrt(2 * N), formula="c2.he_init")


# ============================================================================ mini-batches
@pytest.mark.parametrize("m, size, seed", [
    (148, 64, 0), (128, 64, 1), (1, 64, 0), (5, 1, 2), (7, 7, 3), (10, 3, 4), (2, 64, 5)])
def test_random_mini_batches(parity, m, size, seed):
    C = 3
    rng = np.random.default_rng(seed)
    # row 0: the example's id
    X = np.vstack([np.arange(m, dtype=float), rng.standard_normal((2, m))])
    labels = np.arange(m) % C
    Y = one_hot(labels, C)
    batches = random_mini_batches(X, Y, mini_batch_size=size, seed=seed)

    # the course's partition: np.random.seed(seed); a permutation of m; cut in order
    np.random.seed(seed)
    permutation = list(np.random.permutation(m))
    n_complete = m // size
    assert len(batches) == n_complete + (m % size != 0) == math.ceil(m / size)
    for k, (X_k, Y_k) in enumerate(batches):
        cols = permutation[k * size:(k + 1) * size]
        expected = size if k < n_complete else m % size     # the last batch is partial
        assert X_k.shape == (3, expected) and Y_k.shape == (C, expected)
        assert_array_equal(X_k, X[:, cols])
        assert_array_equal(Y_k, Y[:, cols])      # X and Y stay paired

    # each example exactly once
    ids = np.concatenate([X_k[0] for X_k, _ in batches])
    assert_array_equal(np.sort(ids), np.arange(m))

    # a DataLoader (batch_size, drop_last=False) over the shuffled examples cuts the same batches
    loader = DataLoader(TensorDataset(torch.as_tensor(X.T[permutation])), batch_size=size)
    for k, ((X_k, _), (Xt_k,)) in enumerate(zip(batches, loader, strict=True)):
        # the same numbers moved, not computed: exactly equal
        parity.close(f"batch {k}", Xt_k.T, X_k, rtol=0, atol=0, formula="c2.mini_batches")


def test_random_mini_batches_rejects_bad_input():
    X, Y = np.zeros((2, 5)), np.zeros((1, 5))
    for bad in (0, -1, 2.5, True, "64"):
        with pytest.raises(ValueError, match="mini_batch_size"):
            random_mini_batches(X, Y, mini_batch_size=bad)
    with pytest.raises(ValueError, match="same number of examples"):
        random_mini_batches(X, np.zeros((1, 4)))


# ============================================================================ training
@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_minibatch_training_parity(device, parity, output, dtype):
    """Three epochs of mini-batch gradient descent, seeds 0, 1, 2 (the course adds 1 per
    epoch), batches of 16 from m = 50 (three full, one of 2): the same cost for every
    batch and the same parameters after every update."""
    C = 4 if output == "softmax" else 1
    dims, m, size, alpha, epochs = [6, 5, 4, C], 50, 16, 0.1, 3
    rng = np.random.default_rng(7)
    X = rng.standard_normal((6, m)).astype(dtype)
    labels = rng.integers(0, 4 if output == "softmax" else 2, size=m)
    Y = (one_hot(labels, C, dtype=dtype) if output == "softmax"
         else labels.reshape(1, m).astype(dtype))
    parameters = {k: v.astype(dtype) for k, v in initialize_parameters_he(dims, seed=1).items()}

    # per step: the forward/backward chain of the backward test on a batch; errors
    # made in earlier steps are carried in the parameters: n grows with the step number
    steps_per_epoch = math.ceil(m / size)
    per_step = steps_of_layers(dims, size) + C + ELEMENTWISE_OPS

    def numpy_run(start):
        """scratch's train_epoch, seeds 0, 1, 2: (costs per epoch, dicts after every step)."""
        after, costs = [], []
        for epoch in range(epochs):
            def keep(t, cost, p):
                after.append(p)
            start, epoch_costs = train_epoch(X, Y, start, alpha, size, seed=epoch,
                                             hidden_activation="relu", output=output,
                                             callback=keep)
            costs.append(epoch_costs)
        return costs, after

    costs, scratch_after = numpy_run(parameters)
    # torch: the torch side of MLP(dims, "relu", output) (DeepNet, criterion_for(output),
    # torch.optim.SGD) in dl_parity.engine, on the very same batches:
    # random_mini_batches(X, Y, size, 0 + epoch), as train_epoch's seed=epoch
    costs_t, torch_after = torch_trajectory(
        MLP(tuple(dims), "relu", output), parameters, dtype, device, alpha,
        MiniBatches(X, Y, size, epochs, seed=0, seed_step=1))
    # G'_t, t = 0..epochs * steps_per_epoch: 1 unless the dynamics measurably amplify a
    # one-ulp change of the initial weights (parity_tests/_sensitivity.py)
    G = sensitivity_bound(lambda p: numpy_run(p)[1], parameters)

    assert len(costs_t) == epochs * steps_per_epoch
    for epoch in range(epochs):
        assert len(costs[epoch]) == steps_per_epoch
        steps = slice(epoch * steps_per_epoch, (epoch + 1) * steps_per_epoch)
        close_along(parity, f"costs, epoch {epoch}", np.array(costs_t[steps]),
                    np.array(costs[epoch], dtype=float), G[:-1][steps],
                    **tolerance(dtype, per_step * (epoch + 1) * steps_per_epoch),
                    formula="c2.training")

    assert len(scratch_after) == len(torch_after) == epochs * steps_per_epoch
    for step, (p, p_t) in enumerate(zip(scratch_after, torch_after)):
        tol = tolerance(dtype, per_step * (step + 1))
        for key in p:
            close_along(parity, f"{key} after step {step}", p_t[key][None], p[key][None],
                        G[step + 1:step + 2], **tol, formula="c2.training")


def test_train_epoch_rejects_bad_input():
    parameters = initialize_parameters_he([3, 4, 2])
    X = np.zeros((3, 4))
    with pytest.raises(ValueError, match="output"):
        train_epoch(X, one_hot([0, 1, 0, 1], 2), parameters, 0.1, output="tanh")
    with pytest.raises(ValueError, match="one-hot"):
        train_epoch(X, np.ones((2, 4)), parameters, 0.1)
    with pytest.raises(ValueError, match="2 rows"):
        train_epoch(X, one_hot([0, 1, 2, 1], 3), parameters, 0.1)


# ============================================================================ gradient check
@pytest.mark.parametrize("hidden_activation", ["relu", "tanh", "leaky_relu"])
def test_gradcheck_multiclass(hidden_activation):
    """Central differences of J against the hand-derived dW[l], db[l] (float64).

    gradapprox_i = (J(theta + h e_i) - J(theta - h e_i)) / (2h), h = 1e-6: truncation
    error ~ h^2 = 1e-12, rounding ~ eps J / h ~ 1e-10, both far below the threshold
    of the course's check, ||grad - gradapprox|| / (||grad|| + ||gradapprox||) < 1e-7.
    """
    rng = np.random.default_rng(11)
    dims, m, h = [5, 4, 3, 3], 6, 1e-6
    parameters = _course_parameters(dims, rng, np.float64)
    X = rng.standard_normal((dims[0], m))
    Y = one_hot(rng.integers(0, 3, size=m), 3)
    L = len(dims) - 1
    keys = [f"{k}{l}" for l in range(1, L + 1) for k in "Wb"]

    AL, caches = L_model_forward_multiclass(X, parameters, hidden_activation)
    # no hidden Z[l] within h of the ReLU kink, else the difference straddles it
    Z_hidden = [W @ A_prev + b for (A_prev, W, b), _ in caches[:-1]]
    assert min(np.abs(Z).min() for Z in Z_hidden) > 100 * h
    grads = L_model_backward_multiclass(AL, Y, caches, hidden_activation)
    grad = np.concatenate([grads[f"d{k}"].ravel() for k in keys])

    def J(p):
        AL, _ = L_model_forward_multiclass(X, p, hidden_activation)
        return float(compute_cost_multiclass(AL, Y))

    gradapprox = np.empty_like(grad)
    i = 0
    for key in keys:
        for idx in np.ndindex(parameters[key].shape):
            plus = {k: v.copy() for k, v in parameters.items()}
            minus = {k: v.copy() for k, v in parameters.items()}
            plus[key][idx] += h
            minus[key][idx] -= h
            gradapprox[i] = (J(plus) - J(minus)) / (2 * h)
            i += 1
    difference = (np.linalg.norm(grad - gradapprox)
                  / (np.linalg.norm(grad) + np.linalg.norm(gradapprox)))
    print(f"gradcheck {hidden_activation}: difference = {difference:.2e}")
    assert difference < 1e-7, difference
