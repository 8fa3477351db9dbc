"""Bad input gets a ValueError that says what was expected and what was given.

Both routes: ``scratch`` (course layout, X (n_x, m)) and ``torch_ref`` (X (m, n_x)).
Each test matches the message on the words that name the expectation and on the
given shape or value, so a message that stops saying either fails.

Also here: what the course's own unit tests rely on and must keep working (no
label validation in the application models or in L_model_backward), and the
return types COURSE_API.md lists.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from parity_tests._arrays import assert_array_equal
from scratch import deep_nn, logistic_regression, shallow_nn
from scratch.activations import get_activation
from dl_parity.engine import FullBatch
from torch_ref import DeepNet, train_step

rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, (3, 5))                  # n_x = 3, m = 5
Y = np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
w0 = np.zeros((3, 1))


def deep_params(dims=(3, 4, 1)):
    return deep_nn.initialize_parameters_deep(list(dims))


def raises(*words):
    """pytest.raises(ValueError) whose message contains every word (literally)."""
    return pytest.raises(ValueError, match="(?s)" + "".join(f"(?=.*{re.escape(w)})" for w in words))


# ----------------------------------------------------------------------------- rank of X
@pytest.mark.parametrize("bad", [np.ones(5), np.ones((3, 5, 1)), np.float64(1.0)],
                         ids=["rank1", "rank3", "rank0"])
def test_X_of_the_wrong_rank(bad):
    given = str(np.shape(bad))
    with raises("expected a 2-D array", given):
        logistic_regression.propagate(w0, 0.0, bad, Y)
    with raises("expected a 2-D array", given):
        shallow_nn.forward_propagation(bad, shallow_nn.initialize_parameters(3, 4, 1))
    with raises("expected a 2-D array", given):
        deep_nn.L_model_forward(bad, deep_params())


def test_rank1_X_names_the_reshape():
    with raises("expected a 2-D array", "(5,)", "reshape it to (5, 1) or (1, 5)"):
        deep_nn.L_model_forward(np.ones(5), deep_params())


@pytest.mark.parametrize("bad", [torch.ones(5), torch.ones(5, 3, 1), torch.ones(5, 4)],
                         ids=["rank1", "rank3", "wrong_n_x"])
def test_torch_X_of_the_wrong_shape(bad):
    net = DeepNet([3, 4, 1], dtype=torch.float64)
    with raises("expected X of shape (m, 3)", str(tuple(bad.shape))):
        net(bad.double())


# ----------------------------------------------------------------------------- rank-1 vectors
def test_rank1_w():
    with raises("w: expected shape (3, 1)", "(3,)", "rank-1"):
        logistic_regression.propagate(np.zeros(3), 0.0, X, Y)
    with raises("w: expected shape (3, 1)", "(3,)"):
        logistic_regression.predict(np.zeros(3), 0.0, X)


def test_array_b_in_logistic_regression():
    with raises("b: expected a scalar", "(1, 1)"):
        logistic_regression.propagate(w0, np.zeros((1, 1)), X, Y)


def test_rank1_b_in_a_parameters_dict():
    p = deep_params()
    p["b1"] = np.zeros(4)
    with raises("b1 must have shape (4, 1)", "(4,)"):
        deep_nn.L_model_forward(X, p)
    p = shallow_nn.initialize_parameters(3, 4, 1)
    p["b2"] = np.zeros(1)
    with raises("b2 must have shape (1, 1)", "(1,)"):
        shallow_nn.forward_propagation(X, p)
    with raises("expected b of shape (4, 1)", "(4,)"):
        deep_nn.linear_forward(X, np.ones((4, 3)), np.zeros(4))


def test_torch_rank1_b_in_a_parameters_dict():
    p = deep_params()
    p["b1"] = np.zeros(4)
    with raises("b1 must be (4, 1)", "(4,)"):
        DeepNet([3, 4, 1], dtype=torch.float64).load_course_parameters(p)


# ----------------------------------------------------------------------------- m
def test_mismatched_m():
    Y4 = Y[:, :4]
    with raises("same number of examples", "m = 5", "m = 4"):
        logistic_regression.propagate(w0, 0.0, X, Y4)
    with raises("same number of examples", "m = 5", "m = 4"):
        shallow_nn.gradient_descent(X, Y4, shallow_nn.initialize_parameters(3, 4, 1), 1)
    with raises("same number of examples", "m = 5", "m = 4"):
        deep_nn.gradient_descent(X, Y4, deep_params(), 0.1, 1)
    with raises("same number of examples", "m = 5", "m = 4"):
        logistic_regression.model(X, Y4, X, Y, num_iterations=1)
    net = DeepNet([3, 4, 1], dtype=torch.float64)
    with raises("same m", "(5, 3)", "(4, 1)"):
        train_step(net, torch.optim.SGD(net.parameters(), lr=0.1),
                   torch.ones(5, 3, dtype=torch.float64), torch.ones(4, 1, dtype=torch.float64))
    with raises("same number of examples", "(3, 5)", "(1, 4)"):
        FullBatch(X, Y4, 1)


def test_m_zero():
    X0, Y0 = np.zeros((3, 0)), np.zeros((1, 0))
    with raises("at least one example", "m = 0", "(3, 0)"):
        logistic_regression.propagate(w0, 0.0, X0, Y0)
    with raises("at least one example", "m = 0"):
        shallow_nn.gradient_descent(X0, Y0, shallow_nn.initialize_parameters(3, 4, 1), 1)
    with raises("at least one example", "m = 0"):
        deep_nn.L_model_forward(X0, deep_params())
    net = DeepNet([3, 4, 1], dtype=torch.float64)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with raises("at least one example", "(0, 3)"):
        train_step(net, torch.optim.SGD(net.parameters(), lr=0.1),
                   torch.zeros(0, 3, dtype=torch.float64), torch.zeros(0, 1, dtype=torch.float64))
    with raises("at least one example", "(3, 0)"):
        FullBatch(X0, Y0, 1)
    # nothing done half-way: the module is untouched
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_X(value):
    Xb = X.copy()
    Xb[1, 2] = value
    with raises("expected finite values", "1 NaN or inf entry", "(3, 5)"):
        logistic_regression.propagate(w0, 0.0, Xb, Y)
    with raises("expected finite values", "1 NaN or inf entry"):
        shallow_nn.gradient_descent(Xb, Y, shallow_nn.initialize_parameters(3, 4, 1), 1)
    with raises("expected finite values", "1 NaN or inf entry"):
        deep_nn.L_model_forward(Xb, deep_params())
    with raises("expected finite values", "1 NaN or inf entry"):
        deep_nn.L_layer_model(Xb, Y, [3, 4, 1], 0.01, 1)
    # the torch side is fed by the engine, whose batch sources check the data once
    with raises("expected finite values", "1 NaN or inf entry", "(3, 5)"):
        FullBatch(Xb, Y, 1)


# ----------------------------------------------------------------------------- parameter dicts
@pytest.mark.parametrize("key", ["W1", "b1", "W2", "b2"])
def test_parameters_missing_a_key(key):
    p = deep_params()
    del p[key]
    with raises("missing key", repr(key)):
        deep_nn.L_model_forward(X, p)
    with raises("missing key", repr(key)):
        deep_nn.update_parameters(p, {f"d{k}": v for k, v in deep_params().items()}, 0.1)
    q = shallow_nn.initialize_parameters(3, 4, 1)
    del q[key]
    with raises("missing key", repr(key)):
        shallow_nn.forward_propagation(X, q)


def test_missing_last_layer_bias_is_not_read_as_a_shallower_network():
    # A dict {W1, b1, W2} once passed as a 1-layer network (L = 3 // 2 = 1),
    # ignoring W2 and returning A[1] (4, m) as "AL". It must name the missing b2.
    p = deep_params()
    del p["b2"]
    with raises("missing key 'b2'", "W2, b2"):
        deep_nn.L_model_forward(X, p)
    with raises("missing key 'b2'"):
        deep_nn.gradient_descent(X, Y, p, 0.1, 1)


def test_parameters_whose_shapes_do_not_chain():
    p = deep_params((3, 4, 1))
    p["W2"] = np.ones((1, 5))
    with raises("shapes don't chain", "W2 is (1, 5)", "W1 (4, 3)", "gives 4"):
        deep_nn.L_model_forward(X, p)
    q = shallow_nn.initialize_parameters(3, 4, 1)
    q["W1"] = np.ones((4, 2))               # expects n_x = 2, X has 3 rows
    with raises("expected 2 rows", "(3, 5)"):
        shallow_nn.forward_propagation(X, q)


def test_grads_missing_a_key():
    grads = {f"d{k}": v for k, v in deep_params().items()}
    del grads["db2"]
    with raises("grads is missing 'db2'"):
        deep_nn.update_parameters(deep_params(), grads, 0.1)


# ----------------------------------------------------------------------------- activations
def test_unknown_activation_scratch():
    expected = ("unknown activation 'swish'", "'relu'", "'tanh'", "'sigmoid'", "'leaky_relu'")
    with raises(*expected):
        get_activation("swish")
    with raises(*expected):
        deep_nn.linear_activation_forward(X, np.ones((4, 3)), np.zeros((4, 1)), "swish")
    with raises(*expected):
        deep_nn.L_model_forward(X, deep_params(), hidden_activation="swish")
    with raises(*expected):
        deep_nn.gradient_descent(X, Y, deep_params(), 0.1, 1, hidden_activation="swish")
    AL, caches = deep_nn.L_model_forward(X, deep_params())
    with raises(*expected):
        deep_nn.L_model_backward(AL, Y, caches, hidden_activation="swish")


def test_unknown_activation_torch_ref():
    with raises("unknown activation 'swish'", "'relu'", "'tanh'", "'sigmoid'", "'leaky_relu'"):
        DeepNet([3, 4, 1], hidden_activation="swish")


# ----------------------------------------------------------------------------- what the course's tests pass
def test_application_models_accept_non_binary_Y():
    # The course's tests call both positionally with random float labels.
    Y_float = rng.uniform(0, 1, (1, 5))
    p, costs = deep_nn.two_layer_model(X, Y_float, (3, 4, 1), 0.0075, 3)
    assert set(p) == {"W1", "b1", "W2", "b2"} and len(costs) == 1      # iteration 0 only
    p, costs = deep_nn.L_layer_model(X, Y_float, [3, 4, 2, 1], 0.0075, 3)
    assert set(p) == {"W1", "b1", "W2", "b2", "W3", "b3"} and len(costs) == 1
    assert all(np.isfinite(c) for c in costs)


@pytest.mark.parametrize("model", ["two_layer_model", "L_layer_model"])
@pytest.mark.parametrize("num_iterations, recorded", [(1, [0]), (2, [0]), (100, [0]),
                                                      (101, [0, 100]), (201, [0, 100, 200])])
def test_application_models_record_costs_as_the_course(model, num_iterations, recorded):
    """The course appends a cost when ``i % 100 == 0 or i == num_iterations`` inside
    ``for i in range(num_iterations)``: the second condition never holds, so the last
    iteration is not recorded (2 iterations give one cost; the course's unit tests count
    on it). Each recorded cost is a 0-d ndarray, the cost of iteration i before its update."""
    dims = (3, 4, 1) if model == "two_layer_model" else [3, 4, 2, 1]
    _, costs = getattr(deep_nn, model)(X, Y, dims, 0.0075, num_iterations)
    assert len(costs) == len(recorded)
    assert all(isinstance(c, np.ndarray) and c.shape == () for c in costs)
    # the same costs as the building blocks give at those iterations
    init = deep_nn.initialize_parameters(*dims) if model == "two_layer_model" \
        else deep_nn.initialize_parameters_scaled(dims, seed=1)
    _, every = deep_nn.gradient_descent(X, Y, init, 0.0075, num_iterations)
    assert [float(c) for c in costs] == [float(every[i]) for i in recorded]


def test_update_parameters_works_layer_by_layer():
    # Issue 15, item 1: an update needs each layer's W, b and dW, db, not layers that chain
    # (the course-2 test cases pass W1 (2, 3) beside W2 (3, 3)).
    params = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal((2, 1)),
              "W2": rng.standard_normal((3, 3)), "b2": rng.standard_normal((3, 1))}
    grads = {f"d{k}": rng.standard_normal(v.shape) for k, v in params.items()}
    new = deep_nn.update_parameters(params, grads, 0.01)
    for k in params:
        assert_array_equal(new[k], params[k] - 0.01 * grads[f"d{k}"])
    with raises("b2 must have shape (3, 1)", "(2, 1)"):
        deep_nn.update_parameters(dict(params, b2=np.zeros((2, 1))), grads, 0.01)


def test_L_model_backward_accepts_random_AL_and_Y():
    # The course's test feeds random AL and labels, not the forward pass's output.
    AL = rng.uniform(0.1, 0.9, (1, 5))
    Y_float = rng.uniform(0, 1, (1, 5))
    _, caches = deep_nn.L_model_forward(X, deep_params((3, 4, 2, 1)))
    grads = deep_nn.L_model_backward(AL, Y_float, caches)
    assert all(np.isfinite(v).all() for v in grads.values())


# ----------------------------------------------------------------------------- COURSE_API.md return types
def test_initialize_with_zeros_b_is_a_python_float():
    w, b = logistic_regression.initialize_with_zeros(4)
    assert type(b) is float and b == 0.0
    assert w.shape == (4, 1) and not w.any()


def test_shallow_compute_cost_is_a_python_float():
    c = shallow_nn.compute_cost(np.array([[0.8, 0.9]]), np.array([[True, False]]))
    assert type(c) is float
    assert c == pytest.approx(-(np.log(0.8) + np.log(0.1)) / 2, rel=1e-15)


def test_deep_compute_cost_is_a_0d_ndarray():
    c = deep_nn.compute_cost(np.array([[0.8, 0.9]]), np.array([[1.0, 0.0]]))
    assert type(c) is np.ndarray and c.shape == ()
    assert float(c) == pytest.approx(-(np.log(0.8) + np.log(0.1)) / 2, rel=1e-15)


def _is_numpy_scalar(x):
    return type(x) is np.float64 and x.shape == ()


def test_course2_costs_and_differences_are_numpy_scalars():
    """Issue 15, item 2: the course's course-2 functions return NumPy scalars (np.float64,
    ``.shape == ()``): its test of compute_cost_with_regularization checks the shape, which a
    Python float does not have. The same for the costs, the gradient checks' differences
    and schedule_lr_decay (np.floor)."""
    from scratch import gradient_checking as gc
    from scratch import initialization as ini
    from scratch import optimization as opt
    from scratch import regularization as reg

    rng3 = np.random.default_rng(3)
    p = {"W1": rng3.standard_normal((4, 3)), "b1": np.zeros((4, 1)),
         "W2": rng3.standard_normal((2, 4)), "b2": np.zeros((2, 1)),
         "W3": rng3.standard_normal((1, 2)), "b3": np.zeros((1, 1))}
    A3 = np.array([[0.4, 0.2, 0.7, 0.9, 0.1]])
    assert _is_numpy_scalar(reg.compute_cost_with_regularization(A3, Y, p, 0.1))
    assert _is_numpy_scalar(reg.compute_cost(A3, Y))
    assert _is_numpy_scalar(ini.compute_loss(A3, Y))
    assert _is_numpy_scalar(opt.compute_cost(A3, Y))
    assert _is_numpy_scalar(opt.schedule_lr_decay(0.5, 100, 0.3))
    assert _is_numpy_scalar(gc.gradient_check(3, 4))
    cost, cache = gc.forward_propagation_n(X, Y, p)
    assert _is_numpy_scalar(cost)
    grads = gc.backward_propagation_n(X, Y, cache)
    assert _is_numpy_scalar(gc.gradient_check_n(p, grads, X, Y))
    # update_lr is the course's one line: Python numbers in, a Python float out
    assert type(opt.update_lr(0.5, 2, 1)) is float


def test_update_parameters_returns_a_new_dict_and_leaves_the_input_untouched():
    params = deep_params()
    copies = {k: v.copy() for k, v in params.items()}
    grads = {f"d{k}": np.ones_like(v) for k, v in params.items()}
    new = deep_nn.update_parameters(params, grads, 0.1)
    assert new is not params
    assert all(new[k] is not params[k] for k in params)
    for k in params:
        assert_array_equal(params[k], copies[k])          # input unchanged
        assert_array_equal(new[k], copies[k] - 0.1)       # the update happened


def test_L_model_backward_keys():
    L = 3
    _, caches = deep_nn.L_model_forward(X, deep_params((3, 4, 2, 1)))
    grads = deep_nn.L_model_backward(rng.uniform(0.1, 0.9, (1, 5)), Y, caches)
    expected = ({f"dA{l}" for l in range(L)} | {f"dW{l}" for l in range(1, L + 1)}
                | {f"db{l}" for l in range(1, L + 1)})
    assert set(grads) == expected        # dA0..dA2, dW1..dW3, db1..db3; no dA3


def test_model_accepts_rank1_Y():
    d1 = logistic_regression.model(X, Y.ravel(), X, Y.ravel(), num_iterations=3,
                                   learning_rate=0.1)
    d2 = logistic_regression.model(X, Y, X, Y, num_iterations=3, learning_rate=0.1)
    assert d1["Y_prediction_train"].shape == (1, 5)
    assert_array_equal(d1["w"], d2["w"])
    assert set(d1) == {"costs", "Y_prediction_test", "Y_prediction_train", "w", "b",
                       "learning_rate", "num_iterations"}


def test_optimize_records_a_cost_every_100_iterations():
    _, grads, costs = logistic_regression.optimize(w0, 0.0, X, Y, num_iterations=250,
                                                   learning_rate=0.1)
    assert len(costs) == 3                                   # iterations 0, 100, 200
    # each recorded cost is the cost of that iteration: recompute iteration 100's
    params, _, _ = logistic_regression.optimize(w0, 0.0, X, Y, num_iterations=100,
                                                learning_rate=0.1)
    _, cost100 = logistic_regression.propagate(params["w"], params["b"], X, Y)
    assert float(costs[1]) == float(cost100)
    assert set(grads) == {"dw", "db"}


# ----------------------------------------------------------------------------- predictions at 0.5
def _predictors():
    """Each scratch predict of a sigmoid output, as ``predict(z)``: the network of X (3, 5)
    whose output layer computes z for every example (zero weights, bias z), so that A = sigma(z)
    exactly; sigma(0) = 1 / (1 + e^0) is exactly 0.5."""
    from scratch import initialization, optimization, regularization

    def deep(z, L=3, dims=(3, 4, 2, 1)):
        p = deep_nn.initialize_parameters_deep(list(dims))
        p[f"W{L}"], p[f"b{L}"] = np.zeros_like(p[f"W{L}"]), np.full((1, 1), z)
        return p

    return {
        "logistic_regression.predict":
            lambda z: logistic_regression.predict(w0, z, X),
        "shallow_nn.predict":
            lambda z: shallow_nn.predict(deep(z, 2, (3, 4, 1)), X),
        "deep_nn.predict_labels": lambda z: deep_nn.predict_labels(X, deep(z)),
        "deep_nn.predict": lambda z: deep_nn.predict(X, Y, deep(z)),
        "initialization.predict": lambda z: initialization.predict(X, Y, deep(z)),
        "initialization.predict_dec": lambda z: initialization.predict_dec(deep(z), X),
        "regularization.predict": lambda z: regularization.predict(X, Y, deep(z)),
        "optimization.predict": lambda z: optimization.predict(X, Y, deep(z)),
    }


@pytest.mark.parametrize("name", list(_predictors()))
def test_predictions_at_exactly_one_half(name, capsys):
    """Issue 15, item 17: the course predicts 1 only where A > 0.5; A = 0.5 exactly is a 0,
    and the smallest step above it (z = 1e-12) a 1."""
    predict = _predictors()[name]
    at_half, above = np.asarray(predict(0.0)), np.asarray(predict(1e-12))
    assert at_half.shape == above.shape == (1, 5)
    assert_array_equal(at_half.astype(np.float64), np.zeros((1, 5)))
    assert_array_equal(above.astype(np.float64), np.ones((1, 5)))
    assert_array_equal(np.asarray(predict(-1e-12)).astype(np.float64), np.zeros((1, 5)))


# ----------------------------------------------------------------------------- one validator
@pytest.mark.parametrize("key", ["W1", "b1", "W2", "b2"])
def test_every_numpy_model_refuses_a_dict_missing_a_key(key):
    """Issue 8: scratch.fast_nn.MLP counted layers as len(parameters) // 2, so a dict missing
    b2 built a one-layer network without a word. Every NumPy model now uses the one
    validator (scratch._validate.check_parameters) and names the missing key."""
    from scratch import fast_nn, multiclass

    p = deep_params()
    del p[key]
    calls = [lambda: fast_nn.MLP(p), lambda: deep_nn.L_model_forward(X, p),
             lambda: multiclass.L_model_forward_multiclass(X, p)]
    for call in calls:
        with raises(f"missing key {key!r}"):
            call()
