"""torch_ref modules take the course's parameter dict in and give it back bit for bit.

The course stores W[l] (n[l], n[l-1]) and b[l] (n[l], 1); ``nn.Linear`` stores
weight (n[l], n[l-1]) and bias (n[l],). ``load_course_parameters`` then
``course_parameters`` must be the identity on float64 values (compared as their
64-bit patterns, so -0.0, subnormals and the largest doubles count too), on each
device; the exported arrays are the module's values, not views of its storage.
Wrong shapes and missing keys raise ValueError naming the key and both shapes.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from torch_ref import DeepNet, LogisticRegression, PlanarNet

#: float64 values whose bits a careless cast or reshape would change
AWKWARD = np.array([-0.0, 5e-324, -2.2250738585072014e-308, 1.7976931348623157e308,
                    1 / 3, -np.pi, 1e-300, 0.1])


def course_dict(dims, seed=0):
    rng = np.random.default_rng(seed)
    p = {}
    for l in range(1, len(dims)):
        W = rng.standard_normal((dims[l], dims[l - 1]))
        b = rng.standard_normal((dims[l], 1))
        W.flat[: min(W.size, AWKWARD.size)] = AWKWARD[: W.size]
        b.flat[0] = AWKWARD[(l - 1) % AWKWARD.size]
        p[f"W{l}"], p[f"b{l}"] = W, b
    return p


def assert_bit_identical(actual: dict, expected: dict):
    assert set(actual) == set(expected)
    for k, e in expected.items():
        a = actual[k]
        if isinstance(e, float):
            assert type(a) is float
            assert np.float64(a).view(np.uint64) == np.float64(e).view(np.uint64), k
            continue
        assert isinstance(a, np.ndarray) and a.dtype == np.float64, (k, type(a), a.dtype)
        assert a.shape == e.shape, (k, a.shape, e.shape)
        np.testing.assert_array_equal(a.view(np.uint64), e.view(np.uint64), err_msg=k)


@pytest.mark.parametrize("dims", [[3, 1], [4, 5, 1], [12, 20, 7, 5, 1]],
                         ids=["L1", "L2", "L4"])
def test_deepnet_round_trip(dims, device):
    p = course_dict(dims)
    net = DeepNet(dims, device=device, dtype=torch.float64).load_course_parameters(p)
    assert all(q.device.type == device.type for q in net.parameters())
    out = net.course_parameters()
    assert_bit_identical(out, p)
    # the export is a copy: writing into it leaves the module alone
    out["W1"][...] = 7.0
    assert_bit_identical(net.course_parameters(), p)


def test_planarnet_round_trip(device):
    p = course_dict([2, 4, 1], seed=1)
    net = PlanarNet(2, 4, 1, device=device, dtype=torch.float64).load_course_parameters(p)
    assert_bit_identical(net.course_parameters(), p)


@pytest.mark.parametrize("b", [0.0, -0.0, 1 / 3, 5e-324], ids=["zero", "minus_zero", "third",
                                                               "subnormal"])
def test_logistic_regression_round_trip(b, device):
    w = course_dict([6, 1], seed=2)["W1"].T.copy()             # (n_x, 1)
    net = LogisticRegression(6, device=device, dtype=torch.float64)
    net.load_course_parameters({"w": w, "b": b})
    assert_bit_identical(net.course_parameters(), {"w": w, "b": b})


def test_logistic_regression_reads_W1_b1_too(device):
    p = course_dict([6, 1], seed=3)
    net = LogisticRegression(6, device=device, dtype=torch.float64).load_course_parameters(p)
    assert_bit_identical(net.course_parameters(), {"w": p["W1"].T.copy(), "b": float(p["b1"][0, 0])})


@pytest.mark.parametrize("dims", [[3, 1], [12288, 7, 1], [12288, 20, 7, 5, 1]],
                         ids=["L1", "two_layer", "L_layer"])
def test_from_course_parameters_reads_layer_dims(dims, device):
    p = course_dict(dims, seed=4)
    net = DeepNet.from_course_parameters(p, device=device)
    assert net.layer_dims == dims
    assert net.L == len(dims) - 1
    # dtype follows the dict: float64 in, float64 parameters (no silent float32 round)
    assert all(q.dtype == torch.float64 for q in net.parameters())
    assert_bit_identical(net.course_parameters(), p)


def test_from_course_parameters_hidden_activation(device):
    net = DeepNet.from_course_parameters(course_dict([3, 4, 1]), "tanh", device=device)
    assert isinstance(net.activations[0], torch.nn.Tanh)
    assert isinstance(net.activations[-1], torch.nn.Sigmoid)


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("key", ["W1", "b1", "W2", "b2"])
def test_load_missing_key(key, device):
    p = course_dict([3, 4, 1])
    del p[key]
    net = DeepNet([3, 4, 1], device=device, dtype=torch.float64)
    with pytest.raises(ValueError, match=rf"missing \['{key}'\].*W2, b2.*\[3, 4, 1\]"):
        net.load_course_parameters(p)


def test_load_wrong_W_shape(device):
    p = course_dict([3, 4, 1])
    p["W2"] = np.ones((1, 5))
    net = DeepNet([3, 4, 1], device=device, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"W2 must be \(1, 4\).*\[3, 4, 1\].*got \(1, 5\)"):
        net.load_course_parameters(p)


def test_load_transposed_W(device):
    # torch's (in, out) habit: W1 given as (3, 4) instead of the course's (4, 3)
    p = course_dict([3, 4, 1])
    p["W1"] = p["W1"].T
    with pytest.raises(ValueError, match=r"W1 must be \(4, 3\).*got \(3, 4\)"):
        DeepNet([3, 4, 1], device=device, dtype=torch.float64).load_course_parameters(p)


@pytest.mark.parametrize("bad", [(4,), (1, 4), (4, 2)], ids=["rank1", "row", "wide"])
def test_load_wrong_b_shape(bad, device):
    p = course_dict([3, 4, 1])
    p["b1"] = np.zeros(bad)
    with pytest.raises(ValueError, match=rf"b1 must be \(4, 1\), got {re_shape(bad)}"):
        DeepNet([3, 4, 1], device=device, dtype=torch.float64).load_course_parameters(p)


def re_shape(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


def test_failed_load_changes_nothing(device):
    # b2 is checked after layer 1 has been copied: the module must still be as before
    net = DeepNet([3, 4, 1], device=device, dtype=torch.float64)
    before = net.course_parameters()
    p = course_dict([3, 4, 1])
    p["b2"] = np.zeros((2, 1))
    with pytest.raises(ValueError, match=r"b2 must be \(1, 1\), got \(2, 1\)"):
        net.load_course_parameters(p)
    assert_bit_identical(net.course_parameters(), before)


def test_from_course_parameters_shapes_that_do_not_chain():
    p = course_dict([3, 4, 1])
    p["W2"] = np.ones((1, 5))         # W1 gives n[1] = 4, W2 expects 5 inputs
    with pytest.raises(ValueError, match=r"W2 must be \(1, 4\).*got \(1, 5\)"):
        DeepNet.from_course_parameters(p)


def test_from_course_parameters_missing_keys():
    p = course_dict([3, 4, 2, 1])
    del p["W2"]                        # W1, W3 present: no contiguous W1..WL
    with pytest.raises(ValueError, match=r"W1, b1, .*got \['W1', 'W3', 'b1', 'b2', 'b3'\]"):
        DeepNet.from_course_parameters(p)
    p = course_dict([3, 4, 1])
    del p["b2"]
    with pytest.raises(ValueError, match=r"missing \['b2'\]"):
        DeepNet.from_course_parameters(p)
    with pytest.raises(ValueError, match=r"W1, b1, .*got \[\]"):
        DeepNet.from_course_parameters({})


def test_logistic_regression_b_not_a_scalar():
    net = LogisticRegression(3, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"b must be a scalar, got shape \(2,\)"):
        net.load_course_parameters({"w": np.zeros((3, 1)), "b": np.zeros(2)})
    with pytest.raises(ValueError, match=r"W1 must be \(1, 3\).*got \(1, 4\)"):
        net.load_course_parameters({"w": np.zeros((4, 1)), "b": 0.0})
