"""The fast path (scratch.fast_conv: im2col + one matrix product per layer, pooling by
window offsets) computes what the course's loops compute and what PyTorch computes; the
NumPy CNN computes the forward pass, cost and gradients of torch_ref's CNN + autograd
from the same course dict, and takes the same SGD step.

Tolerances (``_tolerances``): as in test_conv.py, n = K * ceil(max sum|terms|) for each
conv quantity (sum|terms| computed exactly on absolute values). For the CNN, n is the
sum of the sums along the longest chain (``cnn_steps``): each conv's window K = f f n_C_prev
+ 1, the FC's n_flat, the softmax's n_y + ELEMENTWISE_OPS, and backwards the sums over
examples and pixels of dW (m n_H n_W) and the dA sums (f f n_C, n_y), plus
ELEMENTWISE_OPS per element-wise step (ReLU, log); data O(1) (X in [0, 1], He weights,
b ~ 0.1 N(0, 1)).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from parity_tests._tolerances import ELEMENTWISE_OPS, tolerance
from parity_tests.test_conv import DTYPES, _abs_scale, _t, conv_data, conv_problems, \
    pool_problems, steps, tie_free
from scratch import conv
from scratch.fast_conv import CNN, columns_to_images, conv_backward_fast, conv_forward_fast, \
    initialize_parameters_cnn, pool_backward_fast, pool_forward_fast
from torch_ref.cnn import CNN as TorchCNN
from torch_ref.cnn import columns_to_nchw, course_fc_to_torch, nchw_to_nhwc, \
    torch_bias_to_course, torch_filter_to_course, torch_fc_to_course
from torch_ref.cnn import conv2d_from_course


# ----------------------------------------------------------------------------- conv
def _conv_tolerances(A_prev, W, b, hp, dZ, dtype):
    f, _, n_C_prev, n_C = W.shape
    M = dZ.shape[0] * dZ.shape[1] * dZ.shape[2]
    s_Z = _abs_scale(A_prev, W, b, hp)
    s_dA, s_dW, s_db = _abs_scale(A_prev, W, b, hp, dZ)
    return {"Z": tolerance(dtype, steps(f * f * n_C_prev + 1, s_Z)),
            "dA_prev": tolerance(dtype, steps(f * f * n_C, s_dA)),
            "dW": tolerance(dtype, steps(M, s_dW)), "db": tolerance(dtype, steps(M, s_db))}


@given(problem=conv_problems(), dtype=st.sampled_from(list(DTYPES)))
def test_fast_conv_matches_loop_form(parity, problem, dtype):
    rng, A_prev, W, b, hp = conv_data(problem, dtype)
    Z, cache = conv.conv_forward(A_prev, W, b, hp)
    Z_fast, cache_fast = conv_forward_fast(A_prev, W, b, hp)
    dZ = (rng.uniform(-1, 1, Z.shape) / Z[..., 0].size).astype(dtype)
    grads = conv.conv_backward(dZ, cache)
    grads_fast = conv_backward_fast(dZ, cache_fast)
    tol = _conv_tolerances(A_prev, W, b, hp, dZ, dtype)
    parity.close("Z fast vs loops", Z_fast, Z, **tol["Z"], formula="c4.fast_conv")
    for name, fast, loop in zip(("dA_prev", "dW", "db"), grads_fast, grads):
        assert fast.dtype == dtype and fast.shape == loop.shape
        parity.close(f"{name} fast vs loops", fast, loop, **tol[name], formula="c4.fast_conv")


@given(problem=conv_problems(), dtype=st.sampled_from(list(DTYPES)))
def test_fast_conv_matches_torch(device, parity, problem, dtype):
    rng, A_prev, W, b, hp = conv_data(problem, dtype)
    Z, cache = conv_forward_fast(A_prev, W, b, hp)
    dZ = (rng.uniform(-1, 1, Z.shape) / Z[..., 0].size).astype(dtype)
    dA_prev, dW, db = conv_backward_fast(dZ, cache)
    layer = conv2d_from_course(W, b, hp, device=device, dtype=DTYPES[dtype])
    A_t = _t(A_prev, device).requires_grad_(True)
    Z_t = layer(A_t)
    Z_t.backward(_t(dZ, device))
    tol = _conv_tolerances(A_prev, W, b, hp, dZ, dtype)
    parity.close("Z torch vs fast", nchw_to_nhwc(Z_t.detach()), Z, **tol["Z"], formula="c4.fast_conv")
    parity.close("dA_prev torch vs fast", nchw_to_nhwc(A_t.grad), dA_prev, **tol["dA_prev"],
                 formula="c4.fast_conv")
    parity.close("dW torch vs fast", torch_filter_to_course(layer.weight.grad), dW, **tol["dW"],
                 formula="c4.fast_conv")
    parity.close("db torch vs fast", torch_bias_to_course(layer.bias.grad), db, **tol["db"],
                 formula="c4.fast_conv")


# ----------------------------------------------------------------------------- pooling
@given(problem=pool_problems(), dtype=st.sampled_from(list(DTYPES)),
       with_ties=st.booleans())
def test_fast_pool_matches_loop_form(parity, problem, dtype, with_ties):
    """ties="all" is the course's rule: equal to the loops even where a window has ties
    (with_ties: values rounded to a few levels, so many windows do)."""
    seed, m, n_H, n_W, n_C, f, stride = problem
    rng = np.random.default_rng(seed)
    A_prev = tie_free(rng, (m, n_H, n_W, n_C), dtype)
    if with_ties:
        A_prev = np.round(A_prev * 2).astype(dtype)
    hp = {"f": f, "stride": stride}
    for mode in ("max", "average"):
        A, cache = conv.pool_forward(A_prev, hp, mode)
        A_fast, cache_fast = pool_forward_fast(A_prev, hp, mode)
        dA = rng.uniform(-1, 1, A.shape).astype(dtype)
        n = 1 if mode == "max" else f * f + ELEMENTWISE_OPS
        parity.close(f"{mode} pool A fast vs loops", A_fast, A, **tolerance(dtype, n),
                     formula="c4.fast_pool")
        dA_prev = conv.pool_backward(dA, cache, mode)
        dA_prev_fast = pool_backward_fast(dA, cache_fast, mode, ties="all")
        assert dA_prev_fast.dtype == dtype
        n = f * f * f * f if mode == "max" else f * f + ELEMENTWISE_OPS
        parity.close(f"{mode} pool dA_prev fast vs loops", dA_prev_fast, dA_prev,
                     **tolerance(dtype, n), formula="c4.fast_pool")


@given(problem=pool_problems(), dtype=st.sampled_from(list(DTYPES)), with_ties=st.booleans())
def test_fast_pool_matches_torch(device, parity, problem, dtype, with_ties):
    """ties="first" is PyTorch's rule: equal to nn.MaxPool2d's gradient, ties or not."""
    seed, m, n_H, n_W, n_C, f, stride = problem
    rng = np.random.default_rng(seed)
    A_prev = tie_free(rng, (m, n_H, n_W, n_C), dtype)
    if with_ties:
        A_prev = np.round(A_prev * 2).astype(dtype)
    hp = {"f": f, "stride": stride}
    layers = {"max": nn.MaxPool2d(f, stride=stride), "average": nn.AvgPool2d(f, stride=stride)}
    for mode, layer in layers.items():
        A, cache = pool_forward_fast(A_prev, hp, mode)
        dA = rng.uniform(-1, 1, A.shape).astype(dtype)
        dA_prev = pool_backward_fast(dA, cache, mode, ties="first")
        A_in = _t(A_prev, device).requires_grad_(True)
        A_t = layer(A_in)
        A_t.backward(_t(dA, device))
        n = 1 if mode == "max" else f * f + ELEMENTWISE_OPS
        parity.close(f"{mode} pool A torch vs fast", nchw_to_nhwc(A_t.detach()), A,
                     **tolerance(dtype, n), formula="c4.fast_pool")
        n = f * f * f * f if mode == "max" else f * f + ELEMENTWISE_OPS
        parity.close(f"{mode} pool dA_prev torch vs fast", nchw_to_nhwc(A_in.grad), dA_prev,
                     **tolerance(dtype, n), formula="c4.fast_pool")


# ----------------------------------------------------------------------------- the CNN
SMALL = {"image_shape": (8, 6, 2), "channels": (3, 4), "f": 3, "n_y": 5}
MNIST = {"image_shape": (28, 28, 1), "channels": (8, 16), "f": 5, "n_y": 10}


def cnn_problem(config, dtype, m, seed=0, background=False):
    rng = np.random.default_rng(seed)
    parameters = initialize_parameters_cnn(config["image_shape"], config["channels"],
                                           config["f"], config["n_y"], seed=seed)
    for key in ("b1", "b2", "b3"):
        parameters[key] = 0.1 * rng.standard_normal(parameters[key].shape)
    parameters = {k: v.astype(dtype) for k, v in parameters.items()}
    n_x = int(np.prod(config["image_shape"]))
    X = rng.random((n_x, m))
    if background:                                   # MNIST-like: most pixels exactly 0
        X[rng.random((n_x, m)) < 0.8] = 0.0
        parameters["b1"] = np.abs(parameters["b1"])  # Z1 = b1 > 0 over the background: ties
    labels = rng.integers(0, config["n_y"], m)
    Y = np.eye(config["n_y"], dtype=dtype)[:, labels]
    return parameters, X.astype(dtype), Y, labels


def cnn_steps(config, m):
    """Rounding steps along the longest chain of the CNN's forward + backward pass."""
    (n_H, n_W, n_C0), (c1, c2), f, n_y = (config[k] for k in ("image_shape", "channels", "f", "n_y"))
    n_flat = (n_H // 4) * (n_W // 4) * c2
    forward = (f * f * n_C0 + 1) + (f * f * c1 + 1) + n_flat + n_y + 4 * ELEMENTWISE_OPS
    backward = (n_y + m                              # dF = W3^T dZ3, dW3 over m
                + f * f * c2 + m * (n_H // 2) * (n_W // 2)   # dP1, dW2 over m n_H n_W
                + m * n_H * n_W                      # dW1
                + 3 * ELEMENTWISE_OPS)
    return forward + backward


def torch_cnn_pass(parameters, X, labels, config, dtype, device, alpha):
    net = TorchCNN.from_course_parameters(parameters, config["image_shape"], device=device,
                                          dtype=DTYPES[dtype])
    A3, cache = net(columns_to_nchw(X, config["image_shape"]).to(device), return_intermediates=True)
    cost = nn.CrossEntropyLoss()(cache["Z3"], torch.as_tensor(labels, device=device))
    optimizer = torch.optim.SGD(net.parameters(), lr=alpha)
    optimizer.zero_grad()
    cost.backward()
    grads = net.course_gradients()
    optimizer.step()
    return A3.detach(), cost.detach(), grads, net.course_parameters()


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("config", [SMALL, MNIST], ids=["small", "mnist"])
def test_cnn_matches_torch_autograd(device, parity, config, dtype):
    m, alpha = 3, 0.1
    parameters, X, Y, labels = cnn_problem(config, dtype, m)
    A3_t, cost_t, grads_t, updated_t = torch_cnn_pass(parameters, X, labels, config, dtype,
                                                      device, alpha)
    net = CNN(parameters, config["image_shape"])
    # predict: the class of torch's largest probability, one per example
    np.testing.assert_array_equal(net.predict(X), A3_t.argmax(dim=1).cpu().numpy())
    A3 = net.forward(X).copy()
    cost = net.cost(Y)
    net.backward(Y)
    grads = net.gradients()
    net.update(alpha)
    t = tolerance(dtype, cnn_steps(config, m))
    parity.close("A3 torch vs numpy CNN", A3_t.T, A3, **t, formula="c4.cnn")
    parity.close("cost torch vs numpy CNN", cost_t, np.asarray(cost), **t, formula="c4.cnn")
    assert sorted(grads) == sorted(grads_t)
    for key in grads:
        assert grads[key].dtype == dtype
        parity.close(f"{key} torch vs numpy CNN", grads_t[key], grads[key], **t, formula="c4.cnn")
    for key, value in net.course_parameters().items():
        parity.close(f"{key} after one SGD step", updated_t[key], value, **t, formula="c4.cnn")


def test_cnn_max_pool_ties_on_mnist_like_data(parity):
    """A zero background makes tied maxima (Z1 = b1 everywhere the window sees only 0):
    with PyTorch's rule ("first", the default) the gradients match autograd; with the
    course's ("all") db1 gets the gradient once per tied entry and differs."""
    config, dtype, m = SMALL, np.float64, 3
    parameters, X, Y, labels = cnn_problem(config, dtype, m, background=True)
    _, _, grads_t, _ = torch_cnn_pass(parameters, X, labels, config, dtype, "cpu", 0.1)
    t = tolerance(dtype, cnn_steps(config, m))
    first = CNN(parameters, config["image_shape"], max_pool_ties="first")
    first.forward(X)
    grads = first.backward(Y)
    for key in grads:
        parity.close(f"{key} with ties, 'first' vs torch", grads_t[key], grads[key], **t,
                     formula="c4.cnn")
    course = CNN(parameters, config["image_shape"], max_pool_ties="all")
    course.forward(X)
    grads_all = course.backward(Y)
    assert not np.allclose(grads_all["db1"], grads_t["db1"], **t)
    np.testing.assert_array_equal(grads_all["dW3"], grads["dW3"])   # above the pools: the same


def test_cnn_flatten_order_and_round_trip():
    config = MNIST
    parameters, _, _, _ = cnn_problem(config, np.float64, 2)
    net = TorchCNN.from_course_parameters(parameters)
    back = net.course_parameters()
    for key, value in parameters.items():                           # exact round trip
        np.testing.assert_array_equal(back[key], value)
        assert back[key].shape == value.shape
    H, W, C = net.feature_shape
    W3 = parameters["W3"]
    W3_t = course_fc_to_torch(torch.as_tensor(W3), (H, W, C)).numpy()
    for h, w, c in [(0, 0, 0), (1, 2, 3), (H - 1, W - 1, C - 1), (3, 0, 5)]:
        # course column (h W + w) C + c (NHWC flatten) = torch column (c H + h) W + w (NCHW)
        np.testing.assert_array_equal(W3_t[:, (c * H + h) * W + w], W3[:, (h * W + w) * C + c])
    np.testing.assert_array_equal(torch_fc_to_course(torch.as_tensor(W3_t), (H, W, C)).numpy(), W3)
    # the input layouts agree: the course's MNIST columns -> NHWC (numpy) and NCHW (torch)
    X = np.arange(2 * 28 * 28, dtype=np.float64).reshape(784, 2)
    np.testing.assert_array_equal(nchw_to_nhwc(columns_to_nchw(X, (28, 28, 1))).numpy(),
                                  columns_to_images(X, (28, 28, 1)))


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_cnn_keeps_dtype_and_learns(dtype):
    parameters, X, Y, _ = cnn_problem(SMALL, dtype, 8)
    net = CNN(parameters, SMALL["image_shape"])
    costs = [net.step(X, Y, 0.5) for _ in range(20)]
    assert all(v.dtype == dtype for v in net.course_parameters().values())
    assert all(v.dtype == dtype for v in net.gradients().values())
    assert costs[-1] < 0.5 * costs[0]
    assert net.theoretical_memory(8) > 0


def test_fast_bad_input():
    A = np.zeros((2, 5, 5, 3))
    with pytest.raises(ValueError, match="stride'\\]: expected an integer >= 1"):
        conv_forward_fast(A, np.zeros((3, 3, 3, 4)), np.zeros((1, 1, 1, 4)), {"stride": 0, "pad": 0})
    with pytest.raises(ValueError, match="n_C_prev = 3 input channels"):
        conv_forward_fast(A, np.zeros((3, 3, 1, 4)), np.zeros((1, 1, 1, 4)), {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match="mode: expected 'max' or 'average'"):
        pool_forward_fast(A, {"f": 2, "stride": 2}, mode="median")
    _, cache = pool_forward_fast(A, {"f": 2, "stride": 2})
    with pytest.raises(ValueError, match="ties: expected 'all' or 'first', got 'last'"):
        pool_backward_fast(np.zeros((2, 2, 2, 3)), cache, ties="last")
    with pytest.raises(ValueError, match="expected 784 rows"):
        columns_to_images(np.zeros((783, 2)), (28, 28, 1))
    parameters = initialize_parameters_cnn()
    with pytest.raises(ValueError, match="max_pool_ties"):
        CNN(parameters, max_pool_ties="random")
    with pytest.raises(ValueError, match="expected the dict W1, b1"):
        CNN({k: v for k, v in parameters.items() if k != "b3"})
    with pytest.raises(ValueError, match=r"W3 \(n_y, 784\)"):
        CNN(dict(parameters, W3=parameters["W3"][:, :700]))
    net = CNN(parameters)
    with pytest.raises(ValueError, match="expected a float64 array"):
        net.forward(np.zeros((784, 2), dtype=np.float32))
    net.forward(np.zeros((784, 2)))
    with pytest.raises(ValueError, match=r"Y: expected one-hot labels of shape \(10, 2\)"):
        net.cost(np.zeros((10, 3)))


@pytest.mark.parametrize("workers", ["threads", "processes"])
@pytest.mark.parametrize("dtype", list(DTYPES))
def test_cnn_in_shards_trains_like_one_thread(parity, dtype, workers):
    """The batch split in three shards (shards 1 and 2 run by two threads, or by two worker
    processes; each shard with its own buffers and one BLAS thread; the minimum shard
    lowered to 2 examples for the test), their gradient sums added, against the whole batch
    on one thread: the same cost at every one of five SGD steps and the same gradients and
    parameters after, on MNIST-like data with ties."""
    from scratch._blas import ThreadPolicy
    config, m, steps = MNIST, 7, 5
    parameters, X, Y, _ = cnn_problem(config, dtype, m, background=True)
    nets = {k: CNN(parameters, config["image_shape"],
                   thread_policy=ThreadPolicy(max_threads=k, min_shard=2, shard_workers=workers))
            for k in (1, 3)}
    costs = {k: [net.step(X, Y, 0.1) for _ in range(steps)] for k, net in nets.items()}
    assert [len(net._s) for net in nets.values()] == [1, 3]
    t = tolerance(dtype, steps * cnn_steps(config, m))
    parity.close("cost, every step (3 shards vs 1)", np.array(costs[3]), np.array(costs[1]), **t,
                 formula="c4.cnn")
    for key, value in nets[1].gradients().items():
        parity.close(f"{key} (3 shards vs 1)", nets[3].gradients()[key], value, **t,
                     formula="c4.cnn")
    for key, value in nets[1].course_parameters().items():
        parity.close(f"{key} after {steps} steps (3 shards vs 1)",
                     nets[3].course_parameters()[key], value, **t, formula="c4.cnn")


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_cnn_shards_in_processes_equal_threads_bit_for_bit(dtype):
    """Shards in worker processes compute what the same shards in threads compute, to the
    last bit: the same products on one BLAS thread, the shards' sums added in the same
    order; the worker sees every update of the caller's parameters (5 SGD steps, then a
    partial batch of another size, then parameters changed by hand)."""
    from scratch._blas import ThreadPolicy
    config, m = MNIST, 8
    parameters, X, Y, _ = cnn_problem(config, dtype, m, background=True)
    nets = {w: CNN(parameters, config["image_shape"],
                   thread_policy=ThreadPolicy(max_threads=2, min_shard=2, shard_workers=w))
            for w in ("threads", "processes")}
    for net in nets.values():
        for _ in range(5):
            net.step(X, Y, 0.1)
        net.step(X[:, :5], Y[:, :5], 0.1)                # shards of 2 and 3
        net.parameters["W2"] *= 0.5
        net.forward(X)
        net.backward(Y)
    assert len(nets["processes"]._workers) == 1 and nets["threads"]._workers == []
    a, b = (nets[w].gradients() for w in ("threads", "processes"))
    for key in a:
        np.testing.assert_array_equal(b[key], a[key], err_msg=key)
    for key, value in nets["threads"].course_parameters().items():
        np.testing.assert_array_equal(nets["processes"].course_parameters()[key], value,
                                      err_msg=key)
