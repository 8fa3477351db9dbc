"""Course 2, week 1, gradient checking: the course's numbers, and ``gradient_check_n``
beside ``torch.autograd.gradcheck`` on the same function.

The function: the three-layer network's cost J(theta) with theta every parameter in
one vector. The course unrolls W1, b1, W2, b2, W3, b3 row-major
(``dictionary_to_vector``); ``torch.nn.utils.parameters_to_vector(net.parameters())``
gives the same order for a ``DeepNet`` (nn.Linear's weight is the course's W[l],
its bias b[l] flattened), checked exactly below. On the torch side J(theta) is
``torch_ref.regularization.cost_of_theta`` (``torch.func.functional_call`` with
``nn.BCELoss``).

Witnesses, float64:
- ``torch.autograd.gradcheck`` passes on J(theta) (autograd against torch's own
  finite differences);
- autograd's dJ/dtheta equals the course's ``backward_propagation_n`` (parity,
  2 gamma_n) and the costs equal ``forward_propagation_n``'s;
- ``gradient_check_n`` (NumPy finite differences) accepts autograd's gradient too;
- the course's published differences: 1.1890913024229996e-07 with the correct
  backward, 0.2850931567761623 with the course's two planted bugs (dW2 * 2, db1
  with 4/m), reproduced here in the test only.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.utils import parameters_to_vector

from parity_tests._arrays import assert_array_equal
from parity_tests._tolerances import steps_of_layers, tolerance
from scratch import gradient_checking as gc
from torch_ref.models import DeepNet
from torch_ref.regularization import cost_of_theta

#: the course's message threshold
THRESHOLD = 2e-7


def course_test_case():
    """gradient_check_n_test_case, as the notebook writes it (y rank-1, as the course passes it)."""
    np.random.seed(1)
    x = np.random.randn(4, 3)
    y = np.array([1, 1, 0])
    W1 = np.random.randn(5, 4)
    b1 = np.random.randn(5, 1)
    W2 = np.random.randn(3, 5)
    b2 = np.random.randn(3, 1)
    W3 = np.random.randn(1, 3)
    b3 = np.random.randn(1, 1)
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}
    return x, y, parameters


def backward_propagation_n_with_the_course_bugs(X, Y, cache):
    """The notebook's backward_propagation_n, its two planted bugs included."""
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T)
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T) * 2
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = 4. / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2,
            "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


# ----------------------------------------------------------------------------- the course's numbers
def test_course_one_dimension(capsys):
    assert gc.forward_propagation(2, 4) == 8
    assert gc.backward_propagation(3, 4) == 3
    difference = gc.gradient_check(3, 4, print_msg=True)
    assert type(difference) is np.float64 and difference.shape == ()
    assert difference == pytest.approx(7.814075313343006e-11, rel=1e-9)
    assert "works perfectly fine" in capsys.readouterr().out


def test_course_gradient_check_n(capsys):
    X, Y, parameters = course_test_case()
    cost, cache = gc.forward_propagation_n(X, Y, parameters)
    gradients = gc.backward_propagation_n(X, Y, cache)
    difference = gc.gradient_check_n(parameters, gradients, X, Y, 1e-7, True)
    # a NumPy scalar as the course's (norm / norm), not an ndarray (the notebook asserts it)
    assert type(difference) is np.float64 and difference.shape == ()
    # reproduced to every printed digit here; the centred difference's rounding
    # (u |J| / eps ~ 1e-9) can move the last digits on another BLAS
    assert difference == pytest.approx(1.1890913024229996e-07, rel=1e-6)
    assert "works perfectly fine" in capsys.readouterr().out
    buggy = backward_propagation_n_with_the_course_bugs(X, Y, cache)
    difference = gc.gradient_check_n(parameters, buggy, X, Y, 1e-7, True)
    # measured 0.2850931567761624 here: the last digit is the norms' summation order
    assert difference == pytest.approx(0.2850931567761623, rel=1e-12)
    assert "There is a mistake" in capsys.readouterr().out


def test_course_vector_layout():
    X, Y, parameters = course_test_case()
    theta, keys = gc.dictionary_to_vector(parameters)
    assert theta.shape == (47, 1)
    assert keys == ["W1"] * 20 + ["b1"] * 5 + ["W2"] * 15 + ["b2"] * 3 + ["W3"] * 3 + ["b3"]
    back = gc.vector_to_dictionary(theta)         # the course's hard-coded shapes
    for key, value in parameters.items():
        assert_array_equal(back[key], value)
    assert_array_equal(theta[:4, 0], parameters["W1"][0])   # row-major


def test_vectors_of_layers_that_do_not_chain():
    """Issue 15, item 1: flattening a dict reads each layer, not how layers connect: a dict
    whose layers do not chain (W1 (2, 3), W2 (3, 3), as the course's course-2 test cases)
    unrolls and rolls back, with b[l] still checked against W[l]."""
    rng = np.random.default_rng(2)
    parameters = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal((2, 1)),
                  "W2": rng.standard_normal((3, 3)), "b2": rng.standard_normal((3, 1))}
    theta, keys = gc.dictionary_to_vector(parameters)
    assert theta.shape == (20, 1) and keys == ["W1"] * 6 + ["b1"] * 2 + ["W2"] * 9 + ["b2"] * 3
    assert_array_equal(
        theta, np.concatenate([parameters[k].reshape(-1, 1) for k in ("W1", "b1", "W2", "b2")]))
    grad = gc.gradients_to_vector({f"d{k}": v for k, v in parameters.items()})
    assert_array_equal(grad, theta)
    with raises("b2 must have shape (3, 1)", "(2, 1)"):
        gc.dictionary_to_vector(dict(parameters, b2=np.zeros((2, 1))))


# ----------------------------------------------------------------------------- against torch
@st.composite
def problem(draw):
    """(parameters, X, Y): net [n_x, n1, n2, 1] with n in 1..5, m in 1..8, float64."""
    dims = draw(st.lists(st.integers(1, 5), min_size=3, max_size=3), label="n_x, n1, n2") + [1]
    m = draw(st.integers(1, 8), label="m")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = {}
    for l in range(1, 4):
        parameters[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) / np.sqrt(dims[l - 1])
        parameters[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.5
    X = rng.uniform(-1, 1, (dims[0], m))
    Y = (rng.uniform(size=(1, m)) < 0.5).astype(np.float64)
    return parameters, X, Y


def _torch_problem(parameters, X, Y, device):
    net = DeepNet.from_course_parameters(parameters, device=device, dtype=torch.float64)
    X_t = torch.tensor(X.T.copy(), device=device)
    Y_t = torch.tensor(Y.T.copy(), device=device)
    theta = parameters_to_vector(net.parameters()).detach().clone().requires_grad_(True)
    return net, X_t, Y_t, theta


@settings(max_examples=15)
@given(data=st.data())
def test_gradient_check_n_beside_autograd_gradcheck(device, parity, data):
    parameters, X, Y = data.draw(problem())
    net, X_t, Y_t, theta = _torch_problem(parameters, X, Y, device)
    theta_np, _ = gc.dictionary_to_vector(parameters)
    parity.close("theta: parameters_to_vector vs dictionary_to_vector", theta.detach(),
                 theta_np.ravel(), rtol=0, atol=0, formula="c2.theta_vector")

    def J(th):
        return cost_of_theta(net, th, X_t, Y_t)

    # torch's own check: autograd against its finite differences
    assert torch.autograd.gradcheck(J, (theta,), eps=1e-6, atol=1e-7, rtol=1e-5)
    cost_t = J(theta)
    (grad_t,) = torch.autograd.grad(cost_t, theta)

    cost, cache = gc.forward_propagation_n(X, Y, parameters)
    gradients = gc.backward_propagation_n(X, Y, cache)
    tol = tolerance(np.float64, steps_of_layers([X.shape[0]] + [parameters[f"W{l}"].shape[0]
                                                                for l in (1, 2, 3)], X.shape[1]))
    parity.close("J(theta)", cost_t, np.array(cost), **tol, formula="c2.grad_check_n")
    parity.close("dJ/dtheta: autograd vs backward_propagation_n", grad_t,
                 gc.gradients_to_vector(gradients).ravel(), **tol, formula="c2.grad_check_n")

    # the course's check accepts both gradients, and would not accept a wrong one
    assert gc.gradient_check_n(parameters, gradients, X, Y) < THRESHOLD
    dims = [X.shape[0]] + [parameters[f"W{l}"].shape[0] for l in (1, 2, 3)]
    grad_dict = gc.vector_to_dictionary(grad_t.detach().cpu().numpy().reshape(-1, 1), dims)
    assert gc.gradient_check_n(parameters, {f"d{k}": v for k, v in grad_dict.items()}, X, Y) \
        < THRESHOLD


def test_gradient_check_1d_beside_gradcheck(device, parity):
    from torch_ref.gradient_checking import forward_1d, gradcheck_1d, gradient_1d

    x = torch.tensor(3.0, dtype=torch.float64, device=device)
    theta = torch.tensor(4.0, dtype=torch.float64, device=device)
    assert gradcheck_1d(theta, x)
    parity.close("dJ/dtheta = x", gradient_1d(theta, x),
                 np.array(float(gc.backward_propagation(3.0, 4.0))),
                 rtol=0, atol=0, formula="c2.grad_check_1d")
    parity.close("J = theta x", forward_1d(theta, x),
                 np.array(float(gc.forward_propagation(3.0, 4.0))),
                 rtol=0, atol=0, formula="c2.grad_check_1d")


@given(dims=st.lists(st.integers(1, 6), min_size=2, max_size=5))
def test_vector_round_trip_general(dims):
    rng = np.random.default_rng(sum(dims))
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1]))
        parameters[f"b{l}"] = rng.standard_normal((dims[l], 1))
    theta, keys = gc.dictionary_to_vector(parameters)
    back = gc.vector_to_dictionary(theta, dims)
    assert list(back) == list(parameters)
    for key in parameters:
        assert_array_equal(back[key], parameters[key])
    grads = {f"d{k}": v for k, v in parameters.items()}
    assert_array_equal(gc.gradients_to_vector(grads), theta)


# ----------------------------------------------------------------------------- bad input
def raises(*words):
    return pytest.raises(ValueError, match="(?s)" + "".join(f"(?=.*{re.escape(w)})" for w in words))


def test_bad_input():
    X, Y, parameters = course_test_case()
    with raises("theta", "47", "(46, 1)"):
        gc.vector_to_dictionary(np.zeros((46, 1)))
    with raises("theta", "(17, 1)", "[2, 3, 2]", "(47, 1)"):
        gc.vector_to_dictionary(np.zeros((47, 1)), [2, 3, 2])
    _, cache = gc.forward_propagation_n(X, Y, parameters)
    gradients = gc.backward_propagation_n(X, Y, cache)
    with raises("gradients", "missing key 'db2'"):
        gc.gradient_check_n(parameters, {k: v for k, v in gradients.items() if k != "db2"}, X, Y)
    with raises("dW1", "(5, 4)", "(4, 5)"):
        gc.gradient_check_n(parameters, dict(gradients, dW1=gradients["dW1"].T), X, Y)
    with raises("Y", "(1, 3)", "(3, 1)"):
        gc.forward_propagation_n(X, Y.reshape(3, 1), parameters)
    with raises("missing key", "'W3'"):
        gc.forward_propagation_n(X, Y, {k: v for k, v in parameters.items() if k != "W3"})
    with raises("epsilon", "1e-7", "0"):
        gc.gradient_check(3, 4, epsilon=0)
    with raises("x", "finite real number"):
        gc.gradient_check(np.ones(2), 4)
    net = DeepNet([4, 5, 3, 1], dtype=torch.float64)
    with raises("theta", "47", "(46,)"):
        cost_of_theta(net, torch.zeros(46, dtype=torch.float64), torch.zeros(3, 4), torch.zeros(3, 1))
