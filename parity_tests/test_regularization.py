"""Course 2, week 1, regularization: L2 and dropout, NumPy against PyTorch.

L2. The course adds lambd / (2m) sum ||W[l]||^2 to the cost and (lambd / m) W[l] to
dW[l]. PyTorch's idiom for the gradient is ``weight_decay = lambd / m`` on the weights'
parameter group (``torch_ref.regularization.make_optimizer``); the cost term is
``l2_cost``. Three witnesses for dW[l] + (lambd / m) W[l]: autograd of the penalised
cost, one SGD step with weight decay (same new weights as the course's update), and
centred finite differences of the course's own regularized cost.

Dropout. Same masks both ways: the course's D1, D2 (drawn by NumPy after
``np.random.seed(1)``) set on ``DropoutNet`` (``set_course_masks``), and the masks
``nn.Dropout`` draws (read with ``course_masks``) replayed by NumPy
(``forward_propagation_with_dropout(..., masks=...)``). Then the same A[l], A3 and
the same dW[l], db[l], dZ[l]. The course's dZ[l] carry no 1/m (dZ3 = A3 - Y), so
they equal m * Z[l].grad of the mean cost.

Tolerance: ``tolerance(dtype, steps_of_layers(layer_dims, m))``, plus
ELEMENTWISE_OPS for the penalty's sums of squares and the mask's scale (the course
divides by keep_prob, torch by 1 - p with p = 1 - keep_prob: the two scales can
differ by one rounding).
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from parity_tests._arrays import assert_allclose, assert_array_equal
from parity_tests._tolerances import ELEMENTWISE_OPS, steps_of_layers, tolerance
from scratch import regularization as reg
from scratch.datasets_course2 import load_2D_dataset
from torch_ref.regularization import (
    DropoutNet,
    MaskedDropout,
    cost_with_regularization,
    initialize_,
    l2_cost,
    l2_param_groups,
    make_optimizer,
    train_step,
)

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


@st.composite
def problem(draw, dtype):
    """(parameters, X, Y, lambd, keep_prob): net [n_x, n1, n2, 1], n in 1..6, m in 1..12."""
    dims = draw(st.lists(st.integers(1, 6), min_size=3, max_size=3), label="n_x, n1, n2") + [1]
    m = draw(st.integers(1, 12), label="m")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = {}
    for l in range(1, 4):
        parameters[f"W{l}"] = (rng.standard_normal((dims[l], dims[l - 1]))
                               / np.sqrt(dims[l - 1])).astype(dtype)
        parameters[f"b{l}"] = (rng.standard_normal((dims[l], 1)) * 0.5).astype(dtype)
    X = rng.uniform(-1, 1, (dims[0], m)).astype(dtype)
    Y = (rng.uniform(size=(1, m)) < 0.5).astype(dtype)
    lambd = draw(st.sampled_from([0.0, 0.1, 0.7, 3.0]), label="lambd")
    keep_prob = draw(st.sampled_from([1.0, 0.86, 0.7, 0.5]), label="keep_prob")
    return parameters, X, Y, lambd, keep_prob


def dims_of(parameters):
    return [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0] for l in (1, 2, 3)]


def tol_of(parameters, X, dtype):
    return tolerance(dtype, steps_of_layers(dims_of(parameters), X.shape[1]) + ELEMENTWISE_OPS)


def to_torch(array, device, dtype=None):
    t = torch.tensor(np.ascontiguousarray(np.asarray(array).T), device=device)
    return t if dtype is None else t.to(dtype)


def net_of(parameters, device, keep_prob=1.0):
    return DropoutNet.from_course_parameters(parameters, device=device, keep_prob=keep_prob,
                                             dtype=TORCH_DTYPE[parameters["W1"].dtype.type])


# ----------------------------------------------------------------------------- L2 cost
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_l2_cost_parity(device, parity, dtype, data):
    parameters, X, Y, lambd, _ = data.draw(problem(dtype))
    A3, _ = reg.forward_propagation(X, parameters)
    cost = reg.compute_cost_with_regularization(A3, Y, parameters, lambd)
    net = net_of(parameters, device)
    cost_t = cost_with_regularization(net, to_torch(X, device), to_torch(Y, device), lambd)
    tol = tol_of(parameters, X, dtype)
    parity.close("J + lambd/(2m) sum ||W||^2", cost_t, np.array(cost, dtype=dtype), **tol,
                 formula="c2.l2_cost")
    m = X.shape[1]
    penalty = lambd / (2 * m) * sum(np.sum(np.square(parameters[f"W{l}"])) for l in (1, 2, 3))
    parity.close("the penalty alone", l2_cost(net, lambd, m), np.array(penalty, dtype=dtype),
                 **tol, formula="c2.l2_cost")


def test_l2_cost_course_value():
    # compute_cost_with_regularization_test_case: expected 1.78648594516
    np.random.seed(1)
    Y = np.array([[1, 1, 0, 1, 0]])
    parameters = {}
    for key, shape in (("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)),
                       ("W3", (1, 3)), ("b3", (1, 1))):
        parameters[key] = np.random.randn(*shape)
    a3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    cost = reg.compute_cost_with_regularization(a3, Y, parameters, lambd=0.1)
    assert type(cost) is np.float64 and cost.shape == ()       # the course's test: the shape
    assert cost == pytest.approx(1.78648594516, abs=1e-11)


def test_l2_cost_reads_only_the_weights():
    """Issue 15, item 1: the L2 term reads W1, W2, W3 and nothing else; the cost does not
    need the biases, nor layers that chain (no forward pass happens here)."""
    rng = np.random.default_rng(1)
    weights = {"W1": rng.standard_normal((2, 3)), "W2": rng.standard_normal((3, 3)),
               "W3": rng.standard_normal((1, 4))}                     # chains nowhere
    Y = np.array([[1, 1, 0, 1, 0]])
    a3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    cost = reg.compute_cost_with_regularization(a3, Y, weights, lambd=0.1)
    penalty = 0.1 / (2 * 5) * sum(np.sum(np.square(W)) for W in weights.values())
    assert cost == pytest.approx(float(reg.compute_cost(a3, Y)) + penalty, rel=1e-15)
    with raises("W2", "2-D", "(3,)"):
        reg.compute_cost_with_regularization(a3, Y, dict(weights, W2=np.ones(3)), 0.1)


# ----------------------------------------------------------------------------- L2 backward
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_l2_backward_parity(device, parity, dtype, data):
    # dW[l] + (lambd/m) W[l] against autograd of the penalised cost
    parameters, X, Y, lambd, _ = data.draw(problem(dtype))
    _, cache = reg.forward_propagation(X, parameters)
    grads = reg.backward_propagation_with_regularization(X, Y, cache, lambd)
    net = net_of(parameters, device)
    X_t, Y_t = to_torch(X, device), to_torch(Y, device)
    _, inter = net(X_t, return_intermediates=True)
    inter["A1"].retain_grad()
    inter["A2"].retain_grad()
    (nn.BCEWithLogitsLoss()(inter["Z3"], Y_t) + l2_cost(net, lambd, X.shape[1])).backward()
    tol = tol_of(parameters, X, dtype)
    for l in (1, 2):                     # dA[l] = W[l+1]^T dZ[l+1]: the penalty plays no part
        parity.close(f"dA{l} (= m * A{l}.grad)", X.shape[1] * inter[f"A{l}"].grad.T,
                     grads[f"dA{l}"], **tol, formula="c2.l2_backward")
    for l, linear in enumerate(net.linears, start=1):
        parity.close(f"dW{l} + (lambd/m) W{l}", linear.weight.grad, grads[f"dW{l}"], **tol,
                     formula="c2.l2_backward")
        parity.close(f"db{l} (no penalty)", linear.bias.grad.reshape(-1, 1), grads[f"db{l}"],
                     **tol, formula="c2.l2_backward")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_l2_weight_decay_step_parity(device, parity, dtype, data):
    # one SGD step with weight_decay = lambd/m on the weights (0 on the biases) from the
    # same weights = the course's W - alpha (dW + (lambd/m) W)
    parameters, X, Y, lambd, _ = data.draw(problem(dtype))
    learning_rate = data.draw(st.sampled_from([0.01, 0.3, 1.0]), label="learning_rate")
    _, cache = reg.forward_propagation(X, parameters)
    grads = reg.backward_propagation_with_regularization(X, Y, cache, lambd)
    updated = reg.update_parameters(parameters, grads, learning_rate)
    net = net_of(parameters, device)
    optimizer = make_optimizer(net, learning_rate, lambd=lambd, m=X.shape[1])
    assert [g["weight_decay"] for g in optimizer.param_groups] == [lambd / X.shape[1], 0.0]
    cost_t = train_step(net, optimizer, to_torch(X, device), to_torch(Y, device), lambd)
    tol = tol_of(parameters, X, dtype)
    A3, _ = reg.forward_propagation(X, parameters)
    parity.close("cost before the step", cost_t,
                 np.array(reg.compute_cost_with_regularization(A3, Y, parameters, lambd), dtype),
                 **tol, formula="c2.l2_backward")
    for key, value in net.course_parameters().items():
        parity.close(f"{key} after one weight-decay step", value, updated[key], **tol,
                     formula="c2.l2_backward")


def _centred_difference_check(cost, parameters, grads, epsilon=1e-7):
    g, approx = [], []
    for name, value in parameters.items():
        for index in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in parameters.items()}
            minus = {k: v.copy() for k, v in parameters.items()}
            plus[name][index] += epsilon
            minus[name][index] -= epsilon
            approx.append((cost(plus) - cost(minus)) / (2 * epsilon))
            g.append(grads["d" + name][index])
    g, approx = np.array(g), np.array(approx)
    return np.linalg.norm(g - approx) / (np.linalg.norm(g) + np.linalg.norm(approx))


@settings(max_examples=15)
@given(data=st.data())
def test_regularized_gradients_finite_differences(data):
    # a third witness, float64, epsilon 1e-7: the course's own costs, centred differences;
    # dropout too: forward_propagation_with_dropout seeds itself, so every call of the
    # cost draws the same masks and J is a function of the parameters alone
    parameters, X, Y, lambd, keep_prob = data.draw(problem(np.float64))

    def l2(p):
        return reg.compute_cost_with_regularization(reg.forward_propagation(X, p)[0], Y, p, lambd)

    _, cache = reg.forward_propagation(X, parameters)
    grads = reg.backward_propagation_with_regularization(X, Y, cache, lambd)
    assert _centred_difference_check(l2, parameters, grads) < 1e-7

    def dropped(p):
        return reg.compute_cost(reg.forward_propagation_with_dropout(X, p, keep_prob)[0], Y)

    _, cache = reg.forward_propagation_with_dropout(X, parameters, keep_prob)
    grads = reg.backward_propagation_with_dropout(X, Y, cache, keep_prob)
    assert _centred_difference_check(dropped, parameters, grads) < 1e-7


# ----------------------------------------------------------------------------- dropout
def _dropout_parity(parity, parameters, X, Y, keep_prob, cache, net, device, dtype, formulas):
    """Forward and backward of the course (its cache) against net's last training pass."""
    grads = reg.backward_propagation_with_dropout(X, Y, cache, keep_prob)
    (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) = cache
    # the ReLU outputs BEFORE dropout, the dropout modules' inputs: the course's dA[l]
    # (dA = W^T dZ, then * D / keep_prob) is m times the gradient of the mean cost there
    kept = []
    hooks = [dropout.register_forward_pre_hook(lambda _, args: kept.append(args[0]))
             for dropout in net.dropouts]
    _, inter = net(to_torch(X, device), return_intermediates=True)
    for hook in hooks:
        hook.remove()
    for a in kept:
        a.retain_grad()
    for name in ("Z1", "Z2", "Z3"):
        inter[name].retain_grad()
    nn.BCEWithLogitsLoss()(inter["Z3"], to_torch(Y, device)).backward()
    tol, m = tol_of(parameters, X, dtype), X.shape[1]
    for name, value in (("Z1", Z1), ("A1", A1), ("Z2", Z2), ("A2", A2), ("A3", A3)):
        parity.close(f"{name} (after dropout)" if name[0] == "A" else name,
                     inter[name].detach().T, value, **tol, formula=formulas[0])
    for l, relu_output in enumerate(kept, start=1):
        parity.close(f"dA{l} (= m * grad of relu(Z{l}), masked and scaled)",
                     m * relu_output.grad.T, grads[f"dA{l}"], **tol, formula=formulas[1])
    for l, linear in enumerate(net.linears, start=1):
        parity.close(f"dZ{l} (= m * Z{l}.grad)", m * inter[f"Z{l}"].grad.T, grads[f"dZ{l}"],
                     **tol, formula=formulas[1])
        parity.close(f"dW{l}", linear.weight.grad, grads[f"dW{l}"], **tol, formula=formulas[1])
        parity.close(f"db{l}", linear.bias.grad.reshape(-1, 1), grads[f"db{l}"], **tol,
                     formula=formulas[1])


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_dropout_numpy_masks_to_torch(device, parity, dtype, data):
    parameters, X, Y, _, keep_prob = data.draw(problem(dtype))
    _, cache = reg.forward_propagation_with_dropout(X, parameters, keep_prob)
    net = net_of(parameters, device, keep_prob).set_course_masks({"D1": cache[1], "D2": cache[6]})
    _dropout_parity(parity, parameters, X, Y, keep_prob, cache, net, device, dtype,
                    formulas=("c2.dropout_forward", "c2.dropout_backward"))
    assert_array_equal(net.course_masks()["D1"], cache[1])


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_dropout_torch_masks_to_numpy(device, parity, dtype, data):
    parameters, X, Y, _, keep_prob = data.draw(problem(dtype))
    net = net_of(parameters, device, keep_prob)
    torch.manual_seed(data.draw(st.integers(0, 2 ** 31), label="torch seed"))
    net(to_torch(X, device))                          # nn.Dropout-style draws
    masks = net.course_masks()
    net.set_course_masks(masks)                        # replayed in the autograd pass below
    _, cache = reg.forward_propagation_with_dropout(X, parameters, keep_prob, masks=masks)
    assert_array_equal(cache[1], masks["D1"])
    _dropout_parity(parity, parameters, X, Y, keep_prob, cache, net, device, dtype,
                    formulas=("c2.dropout_forward", "c2.dropout_backward"))


@pytest.mark.parametrize("p", [0.14, 0.5])
def test_masked_dropout_draws_as_nn_dropout(device, parity, p):
    # without a given mask, MaskedDropout is nn.Dropout: same generator state, same output
    x = torch.rand(7, 5, device=device, dtype=torch.float64) + 0.5
    torch.manual_seed(3)
    expected = nn.Dropout(p)(x)
    torch.manual_seed(3)
    dropout = MaskedDropout(p)
    out = dropout(x)
    parity.close("MaskedDropout vs nn.Dropout", out, expected, rtol=1e-15, atol=0,
                 formula="c2.dropout_forward")
    assert torch.equal(dropout.last_mask, expected != 0)
    dropout.eval()
    assert torch.equal(dropout(x), x) and dropout.last_mask is None


def test_dropout_course_values():
    # forward_propagation_with_dropout_test: expected A3 with keep_prob = 0.7
    np.random.seed(1)
    X = np.random.randn(3, 5)
    parameters = {}
    for key, shape in (("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)),
                       ("W3", (1, 3)), ("b3", (1, 1))):
        parameters[key] = np.random.randn(*shape)
    A3, cache = reg.forward_propagation_with_dropout(X, parameters, keep_prob=0.7)
    assert_allclose(A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389,
                          0.36974721]], atol=1e-8)
    assert len(cache) == 14 and cache[1].dtype == np.bool_
    # the seed inside: a second call draws the same masks
    _, again = reg.forward_propagation_with_dropout(X, parameters, keep_prob=0.7)
    assert_array_equal(cache[1], again[1])
    assert_array_equal(cache[6], again[6])


# ----------------------------------------------------------------------------- one step
@pytest.mark.parametrize("lambd, keep_prob", [(0, 1), (0.7, 1), (0, 0.86)])
def test_model_first_step_parity(device, parity, lambd, keep_prob):
    # reg.model with one iteration against one torch_ref.regularization.train_step from
    # the same dict (initialize_parameters, seed 3), with the course's masks given to torch
    train_X, train_Y, _, _ = load_2D_dataset()
    costs = []
    after = reg.model(train_X, train_Y, num_iterations=1, print_cost=False, lambd=lambd,
                      keep_prob=keep_prob, costs=costs)
    start = reg.initialize_parameters([2, 20, 3, 1])
    net = DropoutNet.from_course_parameters(start, device=device, keep_prob=keep_prob)
    if keep_prob < 1:
        _, cache = reg.forward_propagation_with_dropout(train_X, start, keep_prob)
        net.set_course_masks({"D1": cache[1], "D2": cache[6]})
    m = train_X.shape[1]
    optimizer = make_optimizer(net, learning_rate=0.3, lambd=lambd, m=m)
    cost_t = train_step(net, optimizer, to_torch(train_X, device, torch.float64),
                        to_torch(train_Y, device, torch.float64), lambd)
    tol = tolerance(np.float64, steps_of_layers([2, 20, 3, 1], m) + ELEMENTWISE_OPS)
    assert len(costs) == 1              # iteration 0's cost, recorded (every 1000 iterations)
    parity.close("the cost recorded at iteration 0", cost_t, np.asarray(costs[0]), **tol,
                 formula="c2.reg_model")
    for key, value in net.course_parameters().items():
        parity.close(f"{key} after one step", value, after[key], **tol, formula="c2.reg_model")


def test_initialize_parameters_rule():
    parameters = reg.initialize_parameters([2, 20, 3, 1])
    np.random.seed(3)
    for l, (n, n_prev) in enumerate(((20, 2), (3, 20), (1, 3)), start=1):
        assert_array_equal(parameters[f"W{l}"], np.random.randn(n, n_prev) / np.sqrt(n_prev))
        assert not parameters[f"b{l}"].any()


# ----------------------------------------------------------------------------- bad input
def raises(*words):
    return pytest.raises(ValueError, match="(?s)" + "".join(f"(?=.*{re.escape(w)})" for w in words))


@pytest.fixture
def small():
    rng = np.random.default_rng(0)
    parameters = {"W1": rng.standard_normal((4, 2)), "b1": np.zeros((4, 1)),
                  "W2": rng.standard_normal((3, 4)), "b2": np.zeros((3, 1)),
                  "W3": rng.standard_normal((1, 3)), "b3": np.zeros((1, 1))}
    return parameters, rng.uniform(-1, 1, (2, 5)), np.array([[1, 0, 1, 1, 0]])


@pytest.mark.parametrize("keep_prob", [0, -0.1, 1.5, float("nan"), True])
def test_bad_keep_prob(small, keep_prob):
    parameters, X, Y = small
    with raises("keep_prob", "(0, 1]", repr(keep_prob)):
        reg.forward_propagation_with_dropout(X, parameters, keep_prob)
    _, cache = reg.forward_propagation_with_dropout(X, parameters, 0.5)
    with raises("keep_prob", "(0, 1]"):
        reg.backward_propagation_with_dropout(X, Y, cache, keep_prob)
    with raises("keep_prob"):
        reg.model(X, Y, num_iterations=1, print_cost=False, keep_prob=keep_prob)
    with raises("keep_prob", "(0, 1]"):
        DropoutNet([2, 4, 3, 1], keep_prob=keep_prob)


def test_bad_dropout_p():
    with raises("p", "[0, 1)", "1.0"):
        MaskedDropout(1.0)


@pytest.mark.parametrize("lambd", [-0.1, float("inf"), "0.7"])
def test_bad_lambd(small, lambd):
    parameters, X, Y = small
    A3, cache = reg.forward_propagation(X, parameters)
    with raises("lambd", ">= 0", repr(lambd)):
        reg.compute_cost_with_regularization(A3, Y, parameters, lambd)
    with raises("lambd", ">= 0"):
        reg.backward_propagation_with_regularization(X, Y, cache, lambd)
    with raises("lambd", ">= 0"):
        reg.model(X, Y, num_iterations=1, print_cost=False, lambd=lambd)
    net = DropoutNet([2, 4, 3, 1])
    with raises("lambd", ">= 0"):
        l2_param_groups(net, lambd, 5)
    with raises("lambd", ">= 0"):
        l2_cost(net, lambd, 5)


def test_bad_parameters(small):
    parameters, X, Y = small
    missing = {k: v for k, v in parameters.items() if k != "b2"}
    with raises("missing key", "'b2'"):
        reg.forward_propagation(X, missing)
    with raises("missing key", "'b2'"):
        reg.forward_propagation_with_dropout(X, missing, 0.8)
    with raises("missing key", "'W3'"):
        reg.compute_cost_with_regularization(np.full((1, 5), 0.5), Y,
                                             {k: v for k, v in parameters.items() if k != "W3"},
                                             0.1)
    wrong = dict(parameters, W2=np.ones((3, 5)))
    with raises("W2", "(3, 5)", "n[1] = 5"):
        reg.forward_propagation(X, wrong)
    with raises("X", "expected 2 rows", "(3, 5)"):
        reg.forward_propagation(np.ones((3, 5)), parameters)
    with raises("Y", "(1, 5)", "(5, 1)"):
        reg.compute_cost(np.full((1, 5), 0.5), Y.T)


def test_bad_masks_and_cache(small):
    parameters, X, Y = small
    with raises("masks", "D2", "(3, 5)", "(3, 4)"):
        reg.forward_propagation_with_dropout(X, parameters, 0.8,
                                             masks={"D1": np.ones((4, 5)), "D2": np.ones((3, 4))})
    _, cache = reg.forward_propagation(X, parameters)
    with raises("cache", "Z1, D1, A1", "length 12"):
        reg.backward_propagation_with_dropout(X, Y, cache, 0.8)
    net = DropoutNet([2, 4, 3, 1], keep_prob=0.5)
    with raises("masks", "D1", "(4, m)", "(5, 5)"):
        net.set_course_masks({"D1": np.ones((5, 5)), "D2": np.ones((3, 5))})
    with raises("no mask yet"):
        net.course_masks()


def test_initialize_errors():
    with raises("initialization", "'he'", "'xavier'"):
        initialize_(DropoutNet([2, 3, 1]), "xavier")
    with raises("layers_dims", "positive integers", "[2, 0, 1]"):
        reg.initialize_parameters([2, 0, 1])
    with raises("L2", "dropout", "not both"):
        reg.model(np.zeros((2, 3)), np.zeros((1, 3)), num_iterations=1, lambd=0.7, keep_prob=0.8)


# ----------------------------------------------------------------------------- the data
def test_load_2D_dataset(tmp_path):
    train_X, train_Y, test_X, test_Y = load_2D_dataset()
    assert (train_X.shape, train_Y.shape, test_X.shape, test_Y.shape) == \
        ((2, 211), (1, 211), (2, 200), (1, 200))
    assert set(np.unique(train_Y)) <= {0, 1}
    with pytest.raises(FileNotFoundError, match="no file at"):
        load_2D_dataset(tmp_path / "missing.mat")
    bad = tmp_path / "bad.mat"
    bad.write_bytes(b"not a MATLAB file at all" * 10)
    with raises("not a readable MATLAB .mat file", "bad.mat"):
        load_2D_dataset(bad)
    import scipy.io

    wrong = tmp_path / "wrong.mat"
    scipy.io.savemat(wrong, {"X": np.zeros((4, 2)), "y": np.zeros((4, 1)), "Xval": np.zeros((3, 3)),
                             "yval": np.zeros((3, 1))})
    with raises("'Xval'", "(m, 2)", "(3, 3)"):
        load_2D_dataset(wrong)
