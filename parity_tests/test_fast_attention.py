"""The encoder layer's fast path (scratch.fast_attention.EncoderLayer) computes what the
course's form computes and what nn.TransformerEncoderLayer computes.

One training step's quantities, from the same dict and the same batch: the layer output,
the cost J = mean((out - target)^2) and every parameter gradient, against

- scratch.attention.encoder_layer_forward / encoder_layer_backward with
  d out = 2 (out - target) / (m n d_model) (the course's form, float64 and float32), on
  the masks test_attention draws (none, padding, look-ahead, random);
- autograd through torch_ref.attention.EncoderLayer and nn.MSELoss;

then a batch split in shards across threads (three single-threaded shards of the batch,
their sums added) against the unsplit step, and a few SGD steps in lockstep.

Tolerances as test_attention's encoder test: the rounding steps of the layer
(``mha_steps + ffn_steps + 2 layer_norm_steps``) times the two layer norms' condition
numbers on these rows (``kappa``), 2 gamma_n (float64 rtol 1e-10 and atol 2 gamma_n;
float32 rtol = atol = 2 gamma_n). The cost and d out add a sum over the m n d_model
entries of the output.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from parity_tests._tolerances import tolerance
from parity_tests.test_attention import (
    DTYPES,
    TORCH_DTYPE,
    encoder_problem,
    ffn_parameters,
    ffn_steps,
    kappa,
    layer_norm_steps,
    mha_parameters,
    mha_steps,
    norm_parameters,
)
from scratch import attention as A
from scratch._blas import ThreadPolicy
from scratch.fast_attention import EncoderLayer
from torch_ref import attention as T


def layer_tolerance(x, parameters, h, mask, dtype):
    """The encoder test's count, with the layer norms' condition numbers on these rows and
    the cost's sum over every output entry."""
    m, n, d_model = x.shape
    attn, _, _ = A.multi_head_attention_forward(x, x, x, parameters, h, mask)
    x1, _ = A.layer_norm_forward(x + attn, parameters["gamma1"], parameters["beta1"])
    f, _ = A.ffn_forward(x1, parameters)
    steps = (mha_steps(m, n, n, d_model, d_model // h) + ffn_steps(m, n, d_model,
                                                                   parameters["W1"].shape[1])
             + 2 * layer_norm_steps(m, n, d_model) + m * n * d_model)
    condition = kappa(x + attn, A.COURSE_LAYER_NORM_EPS) * kappa(x1 + f, A.COURSE_LAYER_NORM_EPS)
    return tolerance(dtype, math.ceil(condition * steps))


def course_step(x, parameters, h, mask, target):
    out, cache = A.encoder_layer_forward(x, parameters, h, mask)
    cost = np.mean((out - target) ** 2)
    _, grads = A.encoder_layer_backward((out - target) * (2 / out.size), cache)
    return out, cost, grads


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_fast_encoder_layer_matches_course_form(parity, dtype, data):
    x, parameters, h, mask, d_out, _ = data.draw(encoder_problem(dtype))
    target = (x + d_out).astype(dtype)
    out, cost, grads = course_step(x, parameters, h, mask, target)
    layer = EncoderLayer(parameters, h, thread_policy=ThreadPolicy(max_threads=1))
    out_fast = layer.forward(x, mask)
    cost_fast = layer.cost(target)
    fast = layer.backward(target)
    tol = layer_tolerance(x, parameters, h, mask, dtype)
    assert out_fast.dtype == dtype and out_fast.shape == out.shape
    parity.close("encoder output fast vs course form", out_fast, out, **tol,
                 formula="c5.fast_encoder_layer")
    parity.close("J fast vs course form", np.asarray(cost_fast), np.asarray(cost), **tol,
                 formula="c5.fast_encoder_layer")
    assert sorted(fast) == sorted(grads)
    for key, value in grads.items():
        assert fast[key].dtype == dtype and fast[key].shape == value.shape
        parity.close(f"{key} fast vs course form", fast[key], value, **tol,
                     formula="c5.fast_encoder_layer")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_fast_encoder_layer_matches_torch(device, parity, dtype, data):
    x, parameters, h, mask, d_out, _ = data.draw(encoder_problem(dtype))
    target = (x + d_out).astype(dtype)
    m, n, d_model = x.shape
    layer_t = T.EncoderLayer(d_model, h, parameters["W1"].shape[1], device=device,
                             dtype=TORCH_DTYPE[dtype]).load_course_parameters(parameters)
    out_t = layer_t(torch.tensor(x, device=device),
                    None if mask is None else torch.tensor(mask, device=device))
    cost_t = torch.nn.MSELoss()(out_t, torch.tensor(target, device=device))
    cost_t.backward()
    layer = EncoderLayer(parameters, h)
    out = layer.forward(x, mask)
    cost = layer.cost(target)
    grads = layer.backward(target)
    tol = layer_tolerance(x, parameters, h, mask, dtype)
    parity.close("encoder output torch vs fast", out_t, out, **tol,
                 formula="c5.fast_encoder_layer")
    parity.close("J torch vs fast", cost_t, np.asarray(cost), **tol,
                 formula="c5.fast_encoder_layer")
    for key, value in layer_t.course_gradients().items():
        parity.close(f"{key} torch vs fast", value, grads[key], **tol,
                     formula="c5.fast_encoder_layer")


@pytest.mark.parametrize("workers", ["threads", "processes"])
def test_fast_encoder_layer_in_shards_trains_like_course_form(parity, workers):
    """A batch of 7 sequences in three shards (shards 1 and 2 in threads or in worker
    processes, one BLAS thread each: the minimum shard is lowered to 2 for the test) and the
    course's form, five SGD steps in lockstep: the same cost at every step and the same
    parameters after."""
    rng = np.random.default_rng(5)
    m, n, d_model, h, dff, steps, alpha = 7, 4, 6, 2, 5, 5, 0.1
    parameters = {**mha_parameters(rng, d_model, np.float64),
                  **ffn_parameters(rng, d_model, dff, np.float64),
                  **norm_parameters(rng, d_model, np.float64, "1"),
                  **norm_parameters(rng, d_model, np.float64, "2")}
    x = rng.uniform(-1, 1, (m, n, d_model))
    target = rng.uniform(-1, 1, (m, n, d_model))
    layer = EncoderLayer(parameters, h, thread_policy=ThreadPolicy(max_threads=3, min_shard=2,
                                                                   shard_workers=workers))
    course = {k: v.copy() for k, v in parameters.items()}
    costs, costs_fast = [], []
    for _ in range(steps):
        _, cost, grads = course_step(x, course, h, None, target)
        course = {k: v - alpha * grads["d" + k] for k, v in course.items()}
        costs.append(cost)
        costs_fast.append(layer.step(x, target, alpha))
    assert len(layer._all) == 3, "the batch should have run in three shards"
    assert len(layer._workers) == (2 if workers == "processes" else 0)
    assert costs[-1] < costs[0]
    tol = layer_tolerance(x, parameters, h, None, np.float64)
    tol = tolerance(np.float64, steps * math.ceil(tol["atol"] / tolerance(np.float64, 1)["atol"]))
    parity.close("J, every step (3 shards)", np.array(costs_fast), np.array(costs), **tol,
                 formula="c5.fast_encoder_layer")
    for key, value in layer.course_parameters().items():
        parity.close(f"{key} after {steps} steps (3 shards)", value, course[key], **tol,
                     formula="c5.fast_encoder_layer")


def test_fast_encoder_layer_bad_input():
    rng = np.random.default_rng(0)
    parameters = {**mha_parameters(rng, 4, np.float64), **ffn_parameters(rng, 4, 3, np.float64),
                  **norm_parameters(rng, 4, np.float64, "1"),
                  **norm_parameters(rng, 4, np.float64, "2")}
    with pytest.raises(ValueError, match="num_heads"):
        EncoderLayer(parameters, 3)
    with pytest.raises(ValueError, match="dtype: expected float32 or float64, got int64"):
        EncoderLayer(parameters, 2, dtype=np.int64)
    layer = EncoderLayer(parameters, 2)
    with pytest.raises(ValueError, match="target: no forward pass yet"):
        layer.cost(np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match="x: expected a float64 array, got float32"):
        layer.forward(np.zeros((1, 2, 4), np.float32))
    layer.forward(np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match=r"target: expected an array of shape \(1, 2, 4\) "
                                         r"\(m, n, d_model\), got \(1, 2, 3\)"):
        layer.backward(np.zeros((1, 2, 3)))


def test_fast_encoder_layer_step_in_processes_equals_threads_bit_for_bit():
    """step() with shards 1 .. k-1 in worker processes computes what the same shards in
    threads compute, to the last bit, with a padding mask, over four steps and a batch of
    another size; after a step in processes, cost() asks for a forward pass first."""
    rng = np.random.default_rng(6)
    m, n, d_model, h, dff = 8, 4, 6, 2, 5
    parameters = {**mha_parameters(rng, d_model, np.float64),
                  **ffn_parameters(rng, d_model, dff, np.float64),
                  **norm_parameters(rng, d_model, np.float64, "1"),
                  **norm_parameters(rng, d_model, np.float64, "2")}
    x = rng.uniform(-1, 1, (m, n, d_model))
    target = rng.uniform(-1, 1, (m, n, d_model))
    mask = (rng.random((m, 1, n)) < 0.8).astype(np.float64)
    costs, layers = {}, {}
    for workers in ("threads", "processes"):
        layer = layers[workers] = EncoderLayer(
            parameters, h, thread_policy=ThreadPolicy(max_threads=3, min_shard=2,
                                                      shard_workers=workers))
        costs[workers] = [layer.step(x, target, 0.1, mask) for _ in range(4)]
        costs[workers].append(layer.step(x[:5], target[:5], 0.1, mask[:5]))
    assert len(layers["processes"]._workers) == 2
    assert costs["processes"] == costs["threads"]
    for key, value in layers["threads"].course_parameters().items():
        np.testing.assert_array_equal(layers["processes"].course_parameters()[key], value,
                                      err_msg=key)
    with pytest.raises(ValueError, match="no forward pass kept"):
        layers["processes"].cost(target[:5])
