"""The batch-norm fast path (:class:`scratch.fast_bn.BatchNormNet`: preallocated buffers,
in-place ops, the update on flat vectors) computes what the course form computes: same
dict, X, Y and dropout masks in, the same A[L], cost, dW[l], dgamma[l], dbeta[l], db[L],
running statistics and updated parameters out as

- the course form: scratch.batch_norm's L_model_forward_bn / compute_cost_bn /
  L_model_backward_bn / update_running_stats_bn (unbiased, PyTorch's running_var), then
  the engine's update (dl_parity.models.optim.CourseUpdate: scratch.optimization's Adam,
  momentum or gradient descent per array) -- the engine's NumPy side,
  ``Course2Net.side("numpy")``, which the bench times as "numpy-course";
- autograd through ``torch_ref.batch_norm.BatchNormNet`` (nn.BatchNorm1d, MaskedDropout
  with the same masks, nn.CrossEntropyLoss / nn.BCELoss, torch.optim.Adam), the engine's
  torch side, on each device;

in float64 and float32, for one pass (activations, cost, gradients) and for several
steps in lockstep (the cost at every step, every parameter and running statistic after).
Then the bench's own workload (mnist-bn-64: its fast path beside its course form) and the
refusals of bad input.

Tolerances (see ``_tolerances``): 2 gamma_n, n the rounding steps of the longest chain,
counted as test_batch_norm counts the network: per layer the forward and backward dot
products (n[l-1] + n[l]) plus batch norm's backward, kappa (4 m + 2 ELEMENTWISE_OPS)
(its forward's mean and variance over m and the backward's two sums over m, each
amplified by the centring's condition number kappa = KAPPA = 4 for Z[l] = W[l] A[l-1]
drawn O(1), as there), plus ``steps_of_layers`` of the output layer; a softmax adds
C + ELEMENTWISE_OPS (its sum over C classes, an exp, a division), as in test_fast_nn.
float64: rtol = 1e-10 (the project's ceiling), atol = 2 gamma_n; float32: rtol = atol =
2 gamma_n with u = 2^-24. A lockstep of k steps charges k passes (errors made at one step
are carried into the next one's parameters): n x k. The update adds no factor: Adam's step
alpha v^/(sqrt(s^) + eps) moves by at most alpha r/4 for a relative error r in g (its
derivative in g is alpha eps / (|g| + eps)^2 at the first step), momentum and gradient
descent by alpha r |g|. The fast path differs from the course form in the order of
rounding only (sums over the batch as products with a column of ones, 1/m and
1/keep_prob applied as multiplications, the ReLU and dropout as one mask), so one bound
covers both comparisons. Data O(1): X in [-1, 1]; W[l] He (N(0, 2/n[l-1])); gamma in
[0.5, 2]; beta, b ~ N(0, 1/4); running statistics drawn away from their start (so the
running update is checked as an average, not as a copy).
"""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_parity.models.course2 import Course2Net
from dl_parity.models.optim import Optim
from parity_tests._tolerances import ELEMENTWISE_OPS, steps_of_layers, tolerance
from scratch import batch_norm as bn
from scratch.fast_bn import BatchNormNet
from scratch.multiclass import one_hot

DTYPES = [np.float64, np.float32]
NETS = {"sigmoid": (6, 5, 4, 1), "softmax": (6, 5, 4, 3)}
M = 8
KAPPA = 4


def pass_steps(dims, m, output):
    """Rounding steps of one training pass of the batch-norm network (module doc)."""
    dims = list(dims)
    n = sum(KAPPA * (4 * m + 2 * ELEMENTWISE_OPS) + n_prev + n_l
            for n_prev, n_l in zip(dims[:-1], dims[1:])) + steps_of_layers(dims[-2:], m)
    if output == "softmax":
        n += dims[-1] + ELEMENTWISE_OPS
    return n


def tol(dims, m, output, dtype, steps=1):
    return tolerance(dtype, pass_steps(dims, m, output) * steps)


def model_of(dims, output, keep_prob):
    return Course2Net(tuple(dims), batch_norm=True, keep_prob=keep_prob,
                      output_activation=output, masks="fresh", mask_seed=5)


def problem(dims, output, dtype, m=M, seed=0):
    """(parameters, X, Y, labels) in the course's shapes, in ``dtype`` (module doc's draws)."""
    rng = np.random.default_rng(seed)
    parameters = bn.initialize_parameters_bn(list(dims), seed=seed + 1)
    L = len(dims) - 1
    for l in range(1, L):
        n = dims[l]
        parameters[f"gamma{l}"] = rng.uniform(0.5, 2, (n, 1))
        parameters[f"beta{l}"] = rng.standard_normal((n, 1)) * 0.5
        parameters[f"running_mean{l}"] = rng.standard_normal((n, 1)) * 0.5
        parameters[f"running_var{l}"] = rng.uniform(0.5, 2, (n, 1))
    parameters[f"b{L}"] = rng.standard_normal((dims[-1], 1)) * 0.5
    parameters = {k: v.astype(dtype) for k, v in parameters.items()}
    X = rng.uniform(-1, 1, (dims[0], m)).astype(dtype)
    if output == "softmax":
        labels = rng.integers(0, dims[-1], m)
        Y = one_hot(labels, dims[-1], dtype=dtype)
    else:
        labels = None
        Y = (rng.random((1, m)) < 0.5).astype(dtype)
    return parameters, X, Y, labels


def fast_net(dims, output, keep_prob, parameters, dtype, optim=None):
    return model_of(dims, output, keep_prob).fast_path(parameters, dtype, optim)


def course_pass(parameters, X, Y, output, keep_prob, masks):
    """A[L], cost, grads and the running statistics after one pass, the course form's."""
    AL, caches = bn.L_model_forward_bn(X, parameters, True, output, keep_prob=keep_prob,
                                       masks=masks)
    cost = bn.compute_cost_bn(AL, Y, output)
    grads = bn.L_model_backward_bn(AL, Y, caches)
    after = bn.update_running_stats_bn(parameters, caches, beta=0.9, unbiased=True)
    return AL, cost, grads, after


# ============================================================================ one pass
@pytest.mark.parametrize("keep_prob", [1.0, 0.8])
@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_fast_bn_forward_matches_course_form(parity, dtype, output, keep_prob):
    # A[L], the cost and the running statistics one training pass leaves
    dims = NETS[output]
    parameters, X, Y, _ = problem(dims, output, dtype)
    masks = model_of(dims, output, keep_prob).extra(0, X, Y)
    AL, cost, _, after = course_pass(parameters, X, Y, output, keep_prob, masks)
    net = fast_net(dims, output, keep_prob, parameters, dtype)
    t = tol(dims, M, output, dtype)
    parity.close("A[L]", net.forward(X, masks), AL, **t, formula="c2w3.fast_bn")
    got = net.cost(Y)
    assert isinstance(got, float)
    parity.close("cost", got, cost, **t, formula="c2w3.fast_bn")
    mine = net.course_parameters()
    for key in after:
        if key.startswith("running"):
            parity.close(key, mine[key], after[key], **t, formula="c2w3.fast_bn")
            assert mine[key].dtype == dtype


@pytest.mark.parametrize("keep_prob", [1.0, 0.8])
@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_fast_bn_gradients_match_course_form(parity, dtype, output, keep_prob):
    # every dW[l], dgamma[l], dbeta[l] and db[L] of one pass
    dims = NETS[output]
    parameters, X, Y, _ = problem(dims, output, dtype, seed=3)
    masks = model_of(dims, output, keep_prob).extra(0, X, Y)
    _, _, grads, _ = course_pass(parameters, X, Y, output, keep_prob, masks)
    net = fast_net(dims, output, keep_prob, parameters, dtype)
    net.forward(X, masks)
    net.backward(Y)
    mine = net.gradients()
    t = tol(dims, M, output, dtype)
    assert sorted(mine) == sorted(k for k in grads if not k.startswith("dA"))
    for key, g in mine.items():
        assert g.dtype == dtype
        parity.close(key, g, grads[key], **t, formula="c2w3.fast_bn")


@st.composite
def bn_case(draw):
    L = draw(st.integers(2, 4), label="L")
    output = draw(st.sampled_from(["softmax", "sigmoid"]), label="output")
    dims = [draw(st.integers(1, 7)) for _ in range(L)] + \
        [draw(st.integers(2, 4)) if output == "softmax" else 1]
    m = draw(st.integers(2, 16), label="m")
    keep_prob = draw(st.sampled_from([1.0, 0.5, 0.8]), label="keep_prob")
    seed = draw(st.integers(0, 2 ** 16), label="seed")
    return tuple(dims), output, m, keep_prob, seed


@settings(max_examples=40, deadline=None)
@given(case=bn_case())
def test_fast_bn_pass_matches_course_form_any_shape(parity, case):
    # float64, any depth, width, batch and keep_prob: A[L], cost, every gradient and the
    # running statistics
    dims, output, m, keep_prob, seed = case
    parameters, X, Y, _ = problem(dims, output, np.float64, m=m, seed=seed)
    masks = model_of(dims, output, keep_prob).extra(seed, X, Y)
    AL, cost, grads, after = course_pass(parameters, X, Y, output, keep_prob, masks)
    net = fast_net(dims, output, keep_prob, parameters, np.float64)
    t = tol(dims, m, output, np.float64)
    parity.close("A[L]", net.forward(X, masks), AL, **t, formula="c2w3.fast_bn")
    parity.close("cost", net.cost(Y), cost, **t, formula="c2w3.fast_bn")
    net.backward(Y)
    for key, g in net.gradients().items():
        parity.close(key, g, grads[key], **t, formula="c2w3.fast_bn")
    mine = net.course_parameters()
    for key in ("running_mean1", "running_var1"):
        parity.close(key, mine[key], after[key], **t, formula="c2w3.fast_bn")


# ============================================================================ lockstep
def lockstep(dims, output, keep_prob, dtype, optim, other, steps=4, m=M, device="cpu"):
    """``steps`` steps of the fast path beside the engine's side ``other`` ("numpy": the
    course form, "torch": autograd), fresh masks at each step (the engine's extra): the
    two cost lists and the two dicts after."""
    model = model_of(dims, output, keep_prob)
    parameters, X, Y, _ = problem(dims, output, dtype, m=m, seed=11)
    side = model.side(other, parameters, dtype, device, optim)
    net = model.fast_path(parameters, dtype, optim)
    mine, theirs = [], []
    for step in range(steps):
        masks = model.extra(step, X, Y)
        mine.append(net.step(X, Y, masks, optim.rate(0)))
        theirs.append(side.step(side.prepare(X, Y, masks)))
    return np.array(mine), np.array(theirs), net.course_parameters(), side.course_parameters()


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "gd"])
@pytest.mark.parametrize("keep_prob", [1.0, 0.8])
@pytest.mark.parametrize("dtype", DTYPES)
def test_fast_bn_steps_match_course_form(parity, dtype, keep_prob, optimizer):
    # several steps in lockstep with the engine's NumPy side (the course form and
    # CourseUpdate): the cost at every step, every parameter and running statistic after
    dims, output, steps = NETS["softmax"], "softmax", 4
    optim = Optim(0.01, name=optimizer, beta1=0.8, beta2=0.99, epsilon=1e-7)
    mine, theirs, p_mine, p_theirs = lockstep(dims, output, keep_prob, dtype, optim, "numpy",
                                              steps)
    t = tol(dims, M, output, dtype, steps)
    parity.close("cost at every step", mine, theirs, **t, formula="c2w3.fast_bn")
    assert sorted(p_mine) == sorted(p_theirs)
    for key, value in p_theirs.items():
        assert p_mine[key].dtype == dtype
        parity.close(f"{key} after {steps} steps", p_mine[key], value, **t, formula="c2w3.fast_bn")


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_fast_bn_matches_autograd(parity, device, dtype, output):
    # one pass against autograd through torch_ref's BatchNormNet (same masks): A[L], cost,
    # every gradient
    from torch import nn

    from torch_ref.batch_norm import BatchNormNet as TorchBN

    dims, keep_prob = NETS[output], 0.8
    parameters, X, Y, labels = problem(dims, output, dtype, seed=5)
    masks = model_of(dims, output, keep_prob).extra(0, X, Y)
    tnet = TorchBN(list(dims), output, keep_prob=keep_prob, device=device,
                   dtype=torch.float64 if dtype == np.float64 else torch.float32)
    tnet.load_course_parameters(parameters).train()
    tnet.set_course_masks(masks)
    Xt = torch.as_tensor(np.ascontiguousarray(X.T), device=device)
    if output == "softmax":
        logits = tnet.logits(Xt)
        loss = nn.CrossEntropyLoss()(logits, torch.as_tensor(labels, device=device))
        AL_t = torch.softmax(logits, dim=1)
    else:
        AL_t = tnet(Xt)
        loss = nn.BCELoss()(AL_t, torch.as_tensor(np.ascontiguousarray(Y.T), device=device))
    loss.backward()
    net = fast_net(dims, output, keep_prob, parameters, dtype)
    t = tol(dims, M, output, dtype)
    parity.close("A[L]", AL_t.T, net.forward(X, masks), **t, formula="c2w3.fast_bn")
    parity.close("cost", loss, net.cost(Y), **t, formula="c2w3.fast_bn")
    net.backward(Y)
    grads = net.gradients()
    for key, p in tnet.course_named_parameters().items():
        g = p.grad.reshape(-1, 1) if p.ndim == 1 else p.grad
        parity.close(f"d{key}", g, grads[f"d{key}"], **t, formula="c2w3.fast_bn")


@pytest.mark.parametrize("dtype", DTYPES)
def test_fast_bn_adam_steps_match_torch(parity, device, dtype):
    # several Adam steps beside the engine's torch side (torch.optim.Adam, BatchNorm1d's
    # running statistics, MaskedDropout with the same fresh masks)
    dims, output, steps = NETS["softmax"], "softmax", 4
    optim = Optim(0.01, name="adam")
    mine, theirs, p_mine, p_theirs = lockstep(dims, output, 0.8, dtype, optim, "torch", steps,
                                              device=str(device))
    t = tol(dims, M, output, dtype, steps)
    parity.close("cost at every step", theirs, mine, **t, formula="c2w3.fast_bn")
    assert sorted(p_mine) == sorted(p_theirs)
    for key, value in p_theirs.items():
        parity.close(f"{key} after {steps} steps", value, p_mine[key], **t, formula="c2w3.fast_bn")


def test_fast_bn_bench_workload_matches_course_form(parity):
    # the bench's mnist-bn-64 (784-256-128-10, softmax, dropout 0.8, Adam, m = 64): the
    # fast path it times and the course form it times beside it take the same steps
    # (float64, 3 steps of the workload's own batch, masks and optimizer)
    from dl_parity import bench

    w = bench.WORKLOADS["mnist-bn-64"]
    net = bench.numpy_net(w, "float64")
    assert isinstance(net, BatchNormNet) and net.optimizer == "adam" and net.keep_prob == 0.8
    assert bench.course_form_row(w)
    fast, course = bench.numpy_step(w, "float64"), bench.course_step(w, "float64")
    steps = 3
    costs = np.array([(fast(), course()) for _ in range(steps)])
    t = tol(w.model.layer_dims, w.m, "softmax", np.float64, steps)
    parity.close("cost at every step", costs[:, 0], costs[:, 1], **t, formula="c2w3.fast_bn")


def test_fast_path_only_for_batch_norm():
    plain = Course2Net((4, 3, 1))
    assert plain.fast_path(plain.initial_parameters(1), "float64") is None
    model = model_of((4, 3, 2), "softmax", 0.8)
    net = model.fast_path(model.initial_parameters(1), "float32",
                          Optim(0.1, name="adam", beta1=0.8, beta2=0.95, epsilon=1e-6))
    assert (net.optimizer, net.beta1, net.beta2, net.adam_epsilon) == ("adam", 0.8, 0.95, 1e-6)
    assert net.dtype == np.float32 and net.output == "softmax"
    assert model.fast_path(model.initial_parameters(1), "float64").optimizer == "gd"


# ============================================================================ speed promises
def test_fast_bn_keeps_float32_and_allocates_nothing_batch_sized():
    # NumPy reports its data buffers to tracemalloc. What a step may allocate: scalars,
    # views, (n[l], 1) columns, and the ufunc machinery's iteration buffer for a broadcast
    # or a cast (the bool masks; np.getbufsize() = 8192 elements, 32 KiB in float32,
    # whatever m is). With m = 16384 the smallest batch-sized array, the (3, m) output, is
    # 192 KiB: any batch-sized temporary would exceed the bound.
    dims, output, m = (6, 5, 4, 3), "softmax", 16384
    parameters, X, Y, _ = problem(dims, output, np.float32, m=m)
    model = model_of(dims, output, 0.8)
    masks = model.extra(0, X, Y)
    net = model.fast_path(parameters, "float32", Optim(0.01, name="adam"))
    for _ in range(2):
        net.step(X, Y, masks, 0.01)
    smallest = dims[-1] * m * 4
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        net.step(X, Y, masks, 0.01)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - base < smallest // 2, f"a step allocated {peak - base} bytes at its peak"
    # the probe works: a batch-sized temporary is seen
    tracemalloc.start()
    try:
        np.exp(net.A[net.L])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak >= smallest
    assert all(v.dtype == np.float32 for v in net.course_parameters().values())


# ============================================================================ bad input
def _net(keep_prob=0.8, dtype=np.float64):
    dims = NETS["softmax"]
    parameters, X, Y, _ = problem(dims, "softmax", dtype)
    masks = model_of(dims, "softmax", keep_prob).extra(0, X, Y)
    return BatchNormNet(parameters, "softmax", keep_prob, optimizer="adam"), parameters, X, Y, \
        masks


@pytest.mark.parametrize("change, message", [
    (lambda X, Y, masks: (X[:5], Y, masks), r"X: expected a float64 array of shape \(6, m\), "
                                            r"got shape \(5, 8\), dtype float64"),
    (lambda X, Y, masks: (X.astype(np.float32), Y, masks),
     r"X: expected a float64 array of shape \(6, m\), got shape \(6, 8\), dtype float32"),
    (lambda X, Y, masks: (X.T, Y, masks), r"X: expected a float64 array of shape \(6, m\)"),
    (lambda X, Y, masks: (list(X), Y, masks), r"X: expected a float64 array .* got list"),
    (lambda X, Y, masks: (X[:, :1], Y[:, :1], {k: v[:, :1] for k, v in masks.items()}),
     r"X: batch norm in training mode needs at least 2 examples .* got X \(6, 1\) \(m = 1\)"),
    (lambda X, Y, masks: (X, Y, None), r"masks: dropout \(keep_prob 0.8\) needs the step's "
                                       r"masks \{'D1', \.\.\., 'D2'\}, got NoneType"),
    (lambda X, Y, masks: (X, Y, {"D1": masks["D1"]}), r"masks: D2 expected a bool \(or 0/1\) "
                                                      r"array of shape \(4, 8\), got missing"),
    (lambda X, Y, masks: (X, Y, dict(masks, D1=masks["D1"][:, :4])),
     r"masks: D1 expected a bool \(or 0/1\) array of shape \(5, 8\), got shape \(5, 4\)"),
    (lambda X, Y, masks: (X, Y[:2], masks), r"Y: expected a float64 array of shape \(3, m\), "
                                            r"got shape \(2, 8\)"),
    (lambda X, Y, masks: (X, Y[:, :4], masks), r"Y: expected m = 8 columns like the last X, "
                                               r"got \(3, 4\)"),
    (lambda X, Y, masks: (X, Y.astype(np.float32), masks),
     r"Y: expected a float64 array of shape \(3, m\), got shape \(3, 8\), dtype float32"),
])
def test_fast_bn_bad_batch_is_refused(change, message):
    net, _, X, Y, masks = _net()
    X, Y, masks = change(X, Y, masks)
    with pytest.raises(ValueError, match=message):
        net.step(X, Y, masks, 0.01)


def test_fast_bn_no_masks_needed_without_dropout_and_bad_rate():
    net, _, X, Y, _ = _net(keep_prob=1.0)
    assert np.isfinite(net.step(X, Y, None, 0.01))
    with pytest.raises(ValueError, match=r"learning_rate: expected a number in \(0, inf\), "
                                         r"got -0.1"):
        net.step(X, Y, None, -0.1)
    fresh = _net(keep_prob=1.0)[0]
    with pytest.raises(ValueError, match=r"Y: no forward pass yet"):
        fresh.backward(Y)


@pytest.mark.parametrize("change, kwargs, message", [
    (lambda p: {k: v for k, v in p.items() if k != "gamma1"}, {},
     r"parameters: missing \['gamma1'\]"),
    (lambda p: dict(p, beta2=p["beta2"].ravel()), {},
     r"parameters: beta2 must have shape \(4, 1\) like W2's rows, got \(4,\)"),
    (lambda p: dict(p, W2=p["W2"][:, :3]), {},
     r"parameters: W2 must have shape \(n\[2\], 5\) to follow W1, got \(4, 3\)"),
    (lambda p: {"W1": p["W1"], "b1": p["b3"]}, {}, r"parameters: expected at least two layers"),
    (lambda p: p, dict(output="tanh"), r"output: expected one of 'sigmoid', 'softmax', "
                                       r"got 'tanh'"),
    (lambda p: p, dict(optimizer="rmsprop"), r"optimizer: expected one of gd, momentum, adam, "
                                             r"got 'rmsprop'"),
    (lambda p: p, dict(keep_prob=0.0), r"keep_prob: expected a number in \(0, 1\], got 0.0"),
    (lambda p: p, dict(beta1=1.0), r"beta1: expected a number in \[0, 1\), got 1.0"),
    (lambda p: p, dict(epsilon=0), r"epsilon: expected a number in \(0, inf\), got 0"),
    (lambda p: p, dict(dtype=np.int32), r"dtype: expected float32 or float64, got int32"),
    (lambda p: p, dict(thread_policy=4), r"thread_policy: expected a scratch._blas.ThreadPolicy"),
    (lambda p: [1, 2], {}, r"parameters: expected the batch-norm network's dict .* got list"),
])
def test_fast_bn_bad_construction_is_refused(change, kwargs, message):
    parameters = problem(NETS["softmax"], "softmax", np.float64)[0]
    kwargs = dict(dict(output="softmax"), **kwargs)
    with pytest.raises(ValueError, match=message):
        BatchNormNet(change(parameters), **kwargs)
