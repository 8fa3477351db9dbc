"""The fast path (:class:`scratch.fast_nn.MLP`: preallocated buffers, in-place ops)
computes what the course form computes: same W[l], b[l], X, Y in, the same A[L],
cost, dW[l], db[l] and updated parameters out as

- the course form, :mod:`scratch.deep_nn` (sigmoid output) and :mod:`scratch.multiclass`
  (softmax output), both in NumPy; and
- autograd through ``torch_ref.DeepNet`` with ``nn.BCELoss`` / ``nn.CrossEntropyLoss``
  and ``torch.optim.SGD``, on each device;

in float64 and float32, for each hidden activation it supports. It also keeps the
dtype (a float32 model never makes a float64 array) and allocates nothing the size
of a batch once its buffers exist.

Tolerance (see ``_tolerances``): 2 gamma_n with n = ``steps_of_layers(layer_dims, m)``
(plus C + ELEMENTWISE_OPS for the softmax), data O(1): X in [-1, 1],
W[l] ~ N(0, 1/n[l-1]), b[l] ~ N(0, 1/4). The fast path differs from the course form in
the order of rounding only (1/m applied to dZ[L] instead of to dW, g'(Z) read off A,
sigmoid computed as 1 / (1 + e^{-Z}) in place), so the same bound covers it.
"""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch
from torch import nn

from parity_tests._arrays import assert_array_equal
from parity_tests._tolerances import ELEMENTWISE_OPS, steps_of_layers, tolerance
from scratch import deep_nn, multiclass
from scratch.cost import cross_entropy
from scratch.fast_nn import MLP, theoretical_memory
from torch_ref import DeepNet

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
HIDDEN = ["relu", "tanh", "sigmoid"]
NETS = {"sigmoid": [6, 5, 4, 1], "softmax": [6, 5, 4, 3]}
M = 7


def problem(output, dtype, seed=0, m=M):
    """(parameters, X, Y, labels) with the course's shapes, in ``dtype``."""
    rng = np.random.default_rng(seed)
    dims = NETS[output]
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = (rng.standard_normal((dims[l], dims[l - 1]))
                               / np.sqrt(dims[l - 1])).astype(dtype)
        parameters[f"b{l}"] = (rng.standard_normal((dims[l], 1)) * 0.5).astype(dtype)
    X = rng.uniform(-1, 1, (dims[0], m)).astype(dtype)
    if output == "softmax":
        labels = rng.integers(0, dims[-1], m)
        Y = multiclass.one_hot(labels, dims[-1], dtype=dtype)
    else:
        labels = None
        Y = (rng.random((1, m)) < 0.5).astype(dtype)
    return parameters, X, Y, labels


def tol(output, dtype, steps=1):
    n = steps_of_layers(NETS[output], M)
    if output == "softmax":
        n += NETS[output][-1] + ELEMENTWISE_OPS
    return tolerance(dtype, n * steps)


def course_pass(parameters, X, Y, hidden, output):
    """AL, cost, grads of the course form."""
    if output == "softmax":
        AL, caches = multiclass.L_model_forward_multiclass(X, parameters, hidden)
        return (AL, multiclass.compute_cost_multiclass(AL, Y),
                multiclass.L_model_backward_multiclass(AL, Y, caches, hidden))
    AL, caches = deep_nn.L_model_forward(X, parameters, hidden)
    return AL, deep_nn.compute_cost(AL, Y), deep_nn.L_model_backward(AL, Y, caches, hidden)


def ids(output):
    """Every comparison of the fast path is recorded under its own catalog entry,
    "fast.mlp", so the study guide shows its evidence beside the course form's."""
    return dict.fromkeys(("forward", "cost", "backward", "training"), "fast.mlp")


# ----------------------------------------------------------------------------- vs the course form
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_fast_path_matches_course_form(parity, output, hidden, dtype):
    parameters, X, Y, _ = problem(output, dtype)
    AL, cost, grads = course_pass(parameters, X, Y, hidden, output)
    net = MLP(parameters, hidden, output)
    AL_fast = net.forward(X).copy()
    cost_fast = net.cost(Y)
    net.backward(Y)
    t, f = tol(output, dtype), ids(output)
    parity.close("A[L] fast vs course", AL_fast, AL, **t, formula=f["forward"])
    parity.close("cost fast vs course", np.asarray(cost_fast), cost, **t, formula=f["cost"])
    for l in range(1, net.L + 1):
        parity.close(f"dW{l} fast vs course", net.dW[l], grads[f"dW{l}"], **t, formula=f["backward"])
        parity.close(f"db{l} fast vs course", net.db[l], grads[f"db{l}"], **t, formula=f["backward"])
        assert net.dW[l].dtype == dtype and net.db[l].dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_fast_training_matches_course_gradient_descent(parity, hidden, dtype):
    steps, alpha = 5, 0.5
    parameters, X, Y, _ = problem("sigmoid", dtype)
    expected, costs = deep_nn.gradient_descent(X, Y, parameters, alpha, steps, hidden)
    net = MLP(parameters, hidden)
    fast_costs = [net.step(X, Y, alpha) for _ in range(steps)]
    t = tol("sigmoid", dtype, steps)
    parity.close("costs fast vs course", np.array(fast_costs), np.array(costs, dtype=np.float64),
                 **t, formula="fast.mlp")
    for key, value in net.course_parameters().items():
        parity.close(f"{key} after {steps} steps", value, expected[key], **t, formula="fast.mlp")
    assert parameters["W1"] is not net.W[1]          # the caller's dict is copied, not trained


# ----------------------------------------------------------------------------- vs torch autograd
def torch_pass(parameters, X, labels, Y, hidden, output, dtype, device, alpha):
    """(A[L] (m, n[L]), cost, {dW, db}, parameters after one SGD step) from autograd."""
    extra = {"output": "softmax"} if output == "softmax" else {}
    net = DeepNet.from_course_parameters(parameters, hidden, device=device,
                                         dtype=TORCH_DTYPE[dtype], **extra)
    Xt = torch.from_numpy(X.T.copy()).to(device)
    AL, cache = net(Xt, return_intermediates=True)
    if output == "softmax":
        cost = nn.CrossEntropyLoss()(cache[f"Z{net.L}"], torch.from_numpy(labels).to(device))
    else:
        cost = nn.BCELoss()(AL, torch.from_numpy(Y.T.copy()).to(device))
    optimizer = torch.optim.SGD(net.parameters(), lr=alpha)
    optimizer.zero_grad()
    cost.backward()
    grads = {}
    for l, linear in enumerate(net.linears, start=1):
        grads[f"dW{l}"] = linear.weight.grad.detach().clone()
        grads[f"db{l}"] = linear.bias.grad.detach().clone().reshape(-1, 1)
    optimizer.step()
    return AL.detach(), cost.detach(), grads, net.course_parameters()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_fast_path_matches_torch_autograd(device, parity, output, hidden, dtype):
    alpha = 0.5
    parameters, X, Y, labels = problem(output, dtype)
    AL_t, cost_t, grads_t, updated_t = torch_pass(parameters, X, labels, Y, hidden, output,
                                                  dtype, device, alpha)
    net = MLP(parameters, hidden, output)
    AL = net.forward(X).copy()
    cost = net.cost(Y)
    net.backward(Y)
    grads = net.gradients()
    net.update(alpha)
    t, f = tol(output, dtype), ids(output)
    parity.close("A[L] torch vs fast", AL_t.T, AL, **t, formula=f["forward"])
    parity.close("cost torch vs fast", cost_t, np.asarray(cost), **t, formula=f["cost"])
    for key in grads:
        parity.close(f"{key} torch vs fast", grads_t[key], grads[key], **t, formula=f["backward"])
    for key, value in net.course_parameters().items():
        parity.close(f"{key} after one SGD step", updated_t[key], value, **t, formula=f["training"])


# ----------------------------------------------------------------------------- what makes it fast
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_float32_stays_float32(output):
    parameters, X, Y, _ = problem(output, np.float32)
    net = MLP(parameters, "relu", output)
    cost = net.step(X, Y, 0.1)
    arrays = net.W[1:] + net.b[1:] + net.dW[1:] + net.db[1:] + net.A[1:] + [net._dA, net._log]
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}
    assert np.isfinite(cost)


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_steady_state_step_allocates_no_batch_sized_array(output):
    # NumPy reports its data buffers to tracemalloc. What a step may allocate: scalars,
    # views, and the ufunc machinery's iteration buffer for the broadcast bias add
    # (np.getbufsize() = 8192 elements, 32 KiB in float32, whatever m is). With
    # m = 32768 the smallest batch-sized array, the (n[L], m) output, is 128 KiB:
    # any batch-sized temporary would exceed the bound.
    m = 32768
    parameters, X, Y, _ = problem(output, np.float32, m=m)
    net = MLP(parameters, "relu", output)
    net.step(X, Y, 0.1)                               # makes the buffers
    smallest = NETS[output][-1] * m * 4
    assert np.getbufsize() * 4 < smallest // 2
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        net.step(X, Y, 0.1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - base < smallest // 2, f"a step allocated {peak - base} bytes at its peak"
    # the same step really does allocate when a batch-sized temporary is made: the probe works
    tracemalloc.start()
    try:
        np.exp(net.A[net.L])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak >= smallest


def test_rejects_bad_input():
    parameters, X, Y, _ = problem("sigmoid", np.float64)
    net = MLP(parameters, "relu")
    with pytest.raises(ValueError, match="float64 array of shape \\(6, m\\)"):
        net.forward(X.astype(np.float32))             # no silent copy to another dtype
    with pytest.raises(ValueError, match="shape \\(6, m\\)"):
        net.forward(X[:5])
    net.forward(X)
    with pytest.raises(ValueError, match="m = 7 columns"):
        net.backward(Y[:, :3])
    with pytest.raises(ValueError, match="hidden_activation"):
        MLP(parameters, "leaky_relu")
    with pytest.raises(ValueError, match="output"):
        MLP(parameters, output="linear")
    bad = dict(parameters, W2=parameters["W2"][:, :3])
    with pytest.raises(ValueError, match="(do not|don't) chain"):
        MLP(bad)


def test_theoretical_memory_counts_parameters_gradients_activations_and_labels():
    # [2, 4, 1], m = 400, float64, by hand: parameters 2*4 + 4 + 4*1 + 1 = 17, twice
    # (with the gradients) 34; A[0..2] = 400 * (2 + 4 + 1) = 2800; Y 400; 3234 * 8 bytes.
    assert theoretical_memory([2, 4, 1], 400, np.float64) == 3234 * 8
    assert theoretical_memory([2, 4, 1], 400, np.float32) == 3234 * 4


def test_course_cost_of_fast_pass_agrees_on_saturated_output(parity):
    # a saturated sigmoid (A[L] = 1.0 exactly in float64 for z > ~37): both clamp log at -100
    parameters, X, _, _ = problem("sigmoid", np.float64)
    parameters["b3"] = np.array([[60.0]])
    Y = np.zeros((1, M))
    net = MLP(parameters, "relu")
    AL = net.forward(X).copy()
    parity.close("saturated cost fast vs course", np.asarray(net.cost(Y)), cross_entropy(AL, Y),
                 rtol=1e-10, formula="fast.mlp")  # 100 exactly on both sides, up to rounding


#: logits 1000 apart, one column per case: a clear winner (e^{-1000} underflows to 0), a
#: three-way tie at -1000 (a maximum far from the others' columns), a two-way tie
HUGE_LOGITS = np.array([[1000.0, -1000.0, 1000.0], [0.0, -1000.0, 1000.0],
                        [-1000.0, -1000.0, 0.0]])
HUGE_SOFTMAX = np.array([[1.0, 1 / 3, 0.5], [0.0, 1 / 3, 0.5], [0.0, 1 / 3, 0.0]])


def test_softmax_output_with_logits_1000_apart():
    """Issue 15, item 20: the fast softmax subtracts each COLUMN's maximum before e^Z. Without
    the shift e^1000 overflows (inf / inf = nan); with one maximum for the whole array the
    middle column becomes e^{-2000} / 3 e^{-2000} = 0 / 0. Hand-computed values, exactly:
    Z = W1 X + b1 with X = I and b1 = 0 is the logits themselves (products by 1 and 0 and
    sums of zeros are exact), e^0 = 1 and e^{-1000} = 0 in float64."""
    net = MLP({"W1": HUGE_LOGITS.copy(), "b1": np.zeros((3, 1))}, output="softmax")
    A = net.forward(np.eye(3)).copy()
    assert_array_equal(A, HUGE_SOFTMAX)
    # the cost of that pass stays finite: log 0 is clamped at -100, as scratch.cost's
    assert np.isfinite(net.cost(np.eye(3)))
