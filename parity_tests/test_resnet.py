"""Course 4, week 2, ResNets: scratch.resnet's identity and convolutional blocks against
torch_ref.resnet (nn.Conv2d + nn.BatchNorm2d + nn.ReLU) and autograd, in training mode (batch
statistics; the running statistics the pass leaves) and in inference mode (the running
statistics), on each device, in float64 and float32; the hand-derived backward against central
differences; the course dict in and out; bad input.

Layouts: the course's NHWC and Keras kernels, mapped by torch_ref.cnn / torch_ref.resnet
(permutations and reshapes only). The same upstream gradient dA enters both sides.

Tolerances: the per-layer counts added along the block, as test_batch_norm.py's network:
each convolution's K products forward, K' backward into its input and N = m n_H n_W for dW
and db, each batch norm's (2N + ELEMENTWISE_OPS) forward and (4N + 2 ELEMENTWISE_OPS) backward
steps. Values are not all of order 1 here, so each count is multiplied by the magnitude it
sums (sum|terms| <= K max|a| max|w|, W ~ N(0, 1/K)): S_a, the largest activation, forward; S_g,
the largest gradient inside the block (recorded by backward hooks: batch norm's gamma / sigma
can make it larger than dA), backward; and batch norm's by the draw's conditioning kappa
(max|Z| / min sqrt(sigma^2 + epsilon) of the values it normalises, at least 4).
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from parity_tests._finite_differences import assert_gradients
from parity_tests._tolerances import ELEMENTWISE_OPS, tolerance
from scratch import resnet
from scratch._validate_layers import convolutional_block_shapes, identity_block_shapes
from torch_ref.cnn import nchw_to_nhwc, nhwc_to_nchw
from torch_ref.resnet import ConvolutionalBlock, IdentityBlock

DTYPES = {np.float64: torch.float64, np.float32: torch.float32}
KAPPA = 4

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


def raises(*words):
    return pytest.raises(ValueError, match="(?s)" + "".join(f"(?=.*{re.escape(w)})" for w in words))


def _t(a, device, grad=False):
    return nhwc_to_nchw(torch.as_tensor(np.ascontiguousarray(a))).to(device).requires_grad_(grad)


def random_parameters(rng, shapes, dtype):
    """W ~ N(0, 1/K) (K = f f n_C_in), b ~ N(0, 1/4), gamma ~ U(0.5, 2), beta ~ N(0, 1),
    running_mean ~ N(0, 1/4), running_var ~ U(0.5, 2)."""
    draw = {"W": lambda s: rng.standard_normal(s) / math.sqrt(s[0] * s[1] * s[2]),
            "b": lambda s: 0.5 * rng.standard_normal(s),
            "gamma": lambda s: rng.uniform(0.5, 2, s), "beta": lambda s: rng.standard_normal(s),
            "running_mean": lambda s: 0.5 * rng.standard_normal(s),
            "running_var": lambda s: rng.uniform(0.5, 2, s)}
    # the kind of a key: its name without the layer ("W1" -> "W", "gamma_shortcut" -> "gamma")
    return {key: draw[re.sub(r"(\d+|_shortcut)$", "", key)](shape).astype(dtype)
            for key, shape in shapes.items()}


@st.composite
def block_problems(draw, dtype, convolutional):
    """(rng, X, f, filters, s, parameters) of a block small enough to stay quick."""
    f = draw(st.integers(1, 3), label="f")
    s = draw(st.integers(1, 2), label="s") if convolutional else 1
    m = draw(st.integers(1, 2), label="m")
    # at least 2 pixels per channel after the stride, for the batch statistics
    n_H, n_W = draw(st.integers(s + 1, 4), label="n_H"), draw(st.integers(s + 1, 4), label="n_W")
    channels = st.integers(1, 3)
    n_C_prev = draw(channels, label="n_C_prev")
    F1, F2 = draw(channels, label="F1"), draw(channels, label="F2")
    F3 = draw(channels, label="F3") if convolutional else n_C_prev
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    X = rng.uniform(-1, 1, (m, n_H, n_W, n_C_prev)).astype(dtype)
    shapes = (convolutional_block_shapes if convolutional else identity_block_shapes)(
        n_C_prev, f, (F1, F2, F3))
    return rng, X, f, (F1, F2, F3), s, random_parameters(rng, shapes, dtype)


def forward(convolutional, X, f, filters, s, parameters, training):
    if convolutional:
        return resnet.convolutional_block_forward(X, f, filters, parameters, s, training)
    return resnet.identity_block_forward(X, f, filters, parameters, training)


def backward(convolutional, dA, cache):
    if convolutional:
        return resnet.convolutional_block_backward(dA, cache)
    return resnet.identity_block_backward(dA, cache)


def torch_block(convolutional, X, f, filters, s, parameters, device, dtype):
    cls = ConvolutionalBlock(X.shape[3], f, filters, s, device=device, dtype=DTYPES[dtype]) \
        if convolutional else IdentityBlock(X.shape[3], f, filters, device=device,
                                            dtype=DTYPES[dtype])
    return cls.load_course_parameters(parameters)


def gradient_scale(net):
    """Hooks that record max|dJ/d output| of every Conv2d and BatchNorm2d of ``net`` during
    its backward pass (the gradients inside the block, which batch norm's 1/sigma can make
    larger than dA): call the returned function after ``backward`` for the largest."""
    seen = [0.0]
    for module in net.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.BatchNorm2d)):
            module.register_full_backward_hook(
                lambda mod, grad_in, grad_out: seen.append(float(grad_out[0].abs().max())))
    return lambda: max(seen)


def block_steps(cache, X, f, filters, grad_scale):
    """The rounding steps along the block, forward and backward (module doc): S_a and S_g are
    the largest activation and the largest gradient met in the block (at least 1)."""
    n_C_prev, (F1, F2, F3) = X.shape[3], filters
    K = {"1": (n_C_prev + 1, F1), "2": (f * f * F1 + 1, f * f * F2), "3": (F2 + 1, F3),
         "_shortcut": (n_C_prev + 1, F3)}
    S_a = max(1, math.ceil(max(np.abs(X).max(), np.abs(cache["Z1"]).max(),
                               np.abs(cache["Z2"]).max(), np.abs(cache["Z"]).max())))
    S_g = max(1, math.ceil(grad_scale))
    n = 0
    for layer in cache["bn_layers"]:
        mode, shape, inner = cache[layer][1]            # the layer's batch-norm cache
        N = shape[0] * shape[1] * shape[2]
        k = KAPPA
        if mode == "training":      # course 2's cache: Zmu, ..., mu, sigma2, epsilon
            Zmu, mu, sigma2, epsilon = inner[2], inner[5], inner[6], inner[7]
            # BN divides by sqrt(sigma2 + epsilon): a channel the batch leaves constant (a dead
            # ReLU upstream) amplifies the centring's rounding by up to 1 / sqrt(epsilon)
            k = max(KAPPA, math.ceil(np.abs(Zmu + mu).max() / np.sqrt(sigma2 + epsilon).min()))
        K_forward, K_backward = K[layer]
        n += S_a * K_forward + S_g * (K_backward + N) + k * (2 * N + ELEMENTWISE_OPS) \
            + k * S_g * (4 * N + 2 * ELEMENTWISE_OPS) + 2 * ELEMENTWISE_OPS
    return n


# ============================================================================ parity
@pytest.mark.parametrize("convolutional", [False, True], ids=["identity", "convolutional"])
@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
@pytest.mark.parametrize("dtype", list(DTYPES))
@settings(max_examples=15)
@given(data=st.data())
def test_block_parity(device, parity, dtype, training, convolutional, data):
    rng, X, f, filters, s, parameters = data.draw(block_problems(dtype, convolutional))
    A, cache = forward(convolutional, X, f, filters, s, parameters, training)
    dA = rng.standard_normal(A.shape).astype(dtype)
    dX, grads = backward(convolutional, dA, cache)
    net = torch_block(convolutional, X, f, filters, s, parameters, device, dtype).train(training)
    largest_gradient = gradient_scale(net)
    Xt = _t(X, device, grad=True)
    At = net(Xt)
    At.backward(_t(dA, device))

    formula = "c4.convolutional_block" if convolutional else "c4.identity_block"
    mode = "training" if training else "inference"
    tol = tolerance(dtype, block_steps(cache, X, f, filters, largest_gradient()))
    parity.close(f"A ({mode})", nchw_to_nhwc(At.detach().cpu()), A, **tol, formula=formula)
    parity.close(f"dX ({mode})", nchw_to_nhwc(Xt.grad.cpu()), dX, **tol, formula=formula)
    torch_grads = net.course_gradients()
    assert set(torch_grads) == set(grads)
    for key in sorted(grads):
        parity.close(f"{key} ({mode})", torch_grads[key], grads[key], **tol, formula=formula)
    if training:
        # the pass moved BatchNorm2d's running statistics (momentum 0.01 = 1 - Keras's 0.99,
        # the unbiased variance): scratch's update from the same forward
        after = resnet.update_block_running_stats(parameters, cache, 0.99, unbiased=True)
        exported = net.course_parameters()
        for key in sorted(k for k in after if k.startswith("running")):
            parity.close(f"{key} after the pass", exported[key], after[key], **tol,
                         formula=formula)


def test_conv_bias_has_no_effect_in_training_mode():
    """Batch norm subtracts the batch mean right after each convolution, so in training mode
    the convolutions' biases change nothing and their gradients are 0 up to rounding (why
    torchvision's ResNet has none); in inference mode they matter."""
    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, (2, 4, 4, 3))
    parameters = random_parameters(rng, convolutional_block_shapes(3, 3, (2, 3, 4)), np.float64)
    A, cache = resnet.convolutional_block_forward(X, 3, (2, 3, 4), parameters, 2, True)
    shifted = {k: v + 1.0 if k.startswith("b") and not k.startswith("beta") else v
               for k, v in parameters.items()}
    A_shifted, _ = resnet.convolutional_block_forward(X, 3, (2, 3, 4), shifted, 2, True)
    np.testing.assert_allclose(A_shifted, A, rtol=1e-12, atol=1e-12)
    _, grads = resnet.convolutional_block_backward(rng.standard_normal(A.shape), cache)
    for key in ("db1", "db2", "db3", "db_shortcut"):
        assert np.abs(grads[key]).max() < 1e-12 * np.abs(grads[f"dW{key[2:]}"]).max() + 1e-14
    A_test, _ = resnet.convolutional_block_forward(X, 3, (2, 3, 4), shifted, 2, False)
    assert not np.allclose(A_test, resnet.convolutional_block_forward(X, 3, (2, 3, 4),
                                                                      parameters, 2, False)[0])


def test_running_statistics_over_batches_then_inference(device, parity):
    """Three training passes move the running statistics as BatchNorm2d's momentum 0.01;
    then inference mode with them gives the same block output (float64)."""
    rng = np.random.default_rng(7)
    parameters = random_parameters(rng, identity_block_shapes(3, 3, (2, 2, 3)), np.float64)
    net = IdentityBlock(3, 3, (2, 2, 3), device=device, dtype=torch.float64)
    net.load_course_parameters(parameters).train()
    for _ in range(3):
        X = rng.uniform(-1, 1, (2, 4, 3, 3))
        _, cache = resnet.identity_block_forward(X, 3, (2, 2, 3), parameters, True)
        parameters = resnet.update_block_running_stats(parameters, cache, 0.99, unbiased=True)
        with torch.no_grad():
            net(_t(X, device))
    exported = net.course_parameters()
    tol = tolerance(np.float64, 3 * KAPPA * (2 * 24 + ELEMENTWISE_OPS) * 40)
    for key in sorted(k for k in parameters if k.startswith("running")):
        parity.close(f"{key} after 3 passes", exported[key], parameters[key], **tol,
                     formula="c4.identity_block")
    X = rng.uniform(-1, 1, (1, 4, 3, 3))
    A, _ = resnet.identity_block_forward(X, 3, (2, 2, 3), parameters, False)
    with torch.no_grad():
        At = net.eval()(_t(X, device))
    parity.close("inference-mode A from the running statistics", nchw_to_nhwc(At.cpu()), A,
                 **tol, formula="c4.identity_block")


def test_course_dict_round_trip():
    rng = np.random.default_rng(0)
    parameters = random_parameters(rng, convolutional_block_shapes(3, 3, (2, 3, 4)), np.float64)
    net = ConvolutionalBlock(3, 3, (2, 3, 4), 2, dtype=torch.float64)
    back = net.load_course_parameters(parameters).course_parameters()
    assert set(back) == set(parameters)
    for key in parameters:
        np.testing.assert_array_equal(back[key], parameters[key])
    assert tuple(net.conv2.weight.shape) == (3, 2, 3, 3) and net.bn1.momentum == pytest.approx(0.01)
    assert net.bn1.eps == 0.001


# ============================================================================ finite differences
@pytest.mark.parametrize("convolutional", [False, True], ids=["identity", "convolutional"])
@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
@settings(max_examples=4)
@given(data=st.data())
def test_block_gradients_by_finite_differences(training, convolutional, data):
    """Third witness (float64): J = sum(dA * A) by central differences for X and every
    trained parameter, judged together as the course's gradient_check_n (one relative
    difference over all of them: batch norm can make one weight's gradient tiny, e.g. a
    convolution feeding a single active pixel, below the differences' noise on its own). The
    biases are left out in training mode, where J does not depend on them (see
    test_conv_bias_has_no_effect_in_training_mode)."""
    rng, X, f, filters, s, parameters = data.draw(block_problems(np.float64, convolutional))
    A, cache = forward(convolutional, X, f, filters, s, parameters, training)
    dA = rng.standard_normal(A.shape)
    dX, grads = backward(convolutional, dA, cache)
    values = {"X": X, **{key[1:]: parameters[key[1:]] for key in grads
                         if not (training and key.startswith("db"))}}

    def J(v):
        trained = {**parameters, **{k: a for k, a in v.items() if k != "X"}}
        return np.sum(dA * forward(convolutional, v["X"], f, filters, s, trained, training)[0])
    assert_gradients({"X": dX, **{key[1:]: g for key, g in grads.items()}}, J, values)


# ============================================================================ bad input
def test_bad_input():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (2, 4, 4, 3))
    p_id = random_parameters(rng, identity_block_shapes(3, 3, (2, 2, 3)), np.float64)
    p_conv = random_parameters(rng, convolutional_block_shapes(3, 3, (2, 2, 5)), np.float64)
    with raises("F3 must equal", "n_C = 3", "(2, 2, 5)"):
        resnet.identity_block_forward(X, 3, (2, 2, 5), p_conv)
    with raises("filters", "3 positive integers", "(2, 2)"):
        resnet.identity_block_forward(X, 3, (2, 2), p_id)
    with raises("parameters", "missing", "W_shortcut"):
        resnet.convolutional_block_forward(X, 3, (2, 2, 3), p_id)
    with raises("parameters", "W2", "(3, 3, 2, 2)", "(1, 1, 2, 2)"):
        resnet.identity_block_forward(X, 1, (2, 2, 3), p_id)
    with raises("s", "integer >= 1", "0"):
        resnet.convolutional_block_forward(X, 3, (2, 2, 5), p_conv, 0)
    with raises("X", "4-D", "(4, 4, 3)"):
        resnet.identity_block_forward(X[0], 3, (2, 2, 3), p_id)
    with raises("training", "True", "'yes'"):
        resnet.identity_block_forward(X, 3, (2, 2, 3), p_id, "yes")
    with raises("at least 2 values per channel", "(1, 1, 1, 3)"):
        resnet.identity_block_forward(X[:1, :1, :1], 3, (2, 2, 3), p_id, True)
    with raises("running_var1", ">= 0"):
        resnet.identity_block_forward(X, 3, (2, 2, 3), {**p_id, "running_var1": -p_id["running_var1"]},
                                      False)
    A, cache = resnet.identity_block_forward(X, 3, (2, 2, 3), p_id)
    with raises("dA", "(2, 4, 4, 3)", "(2, 4, 4, 2)"):
        resnet.identity_block_backward(np.ones((2, 4, 4, 2)), cache)
    _, cache_test = resnet.identity_block_forward(X, 3, (2, 2, 3), p_id, False)
    with raises("training-mode", "training=False"):
        resnet.update_block_running_stats(p_id, cache_test)


def test_torch_side_refuses_a_dict_that_does_not_fit():
    """torch_ref's blocks check every key and shape before the first copy: a bad dict leaves
    the module as it was."""
    rng = np.random.default_rng(1)
    parameters = random_parameters(rng, identity_block_shapes(3, 3, (2, 2, 3)), np.float64)
    net = IdentityBlock(3, 3, (2, 2, 3), dtype=torch.float64).load_course_parameters(parameters)
    with raises("W3", "does not fit", "(3, 2, 1, 1)"):
        net.load_course_parameters({**parameters, "W1": 0 * parameters["W1"],
                                    "W3": np.ones((1, 1, 2, 4))})
    with raises("missing", "'gamma2'"):
        net.load_course_parameters({k: v for k, v in parameters.items() if k != "gamma2"})
    for key, value in net.course_parameters().items():
        np.testing.assert_array_equal(value, parameters[key])
    with raises("F3 must equal n_C_prev = 3", "(2, 2, 4)"):
        IdentityBlock(3, 3, (2, 2, 4))
