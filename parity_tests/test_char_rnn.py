"""Course 5, week 1, "Dinosaurus Island": the same course dict in, the same loss, gradients
(before and after clipping), new parameters and last hidden state out of scratch's
hand-derived ``optimize`` and of ``torch_ref.char_rnn.train_step`` (``nn.RNN`` +
``nn.Linear``, ``nn.CrossEntropyLoss(reduction="sum")``, autograd through time,
``clip_grad_value_``, ``torch.optim.SGD``), on each device, float64 and float32.

Layouts: the course's columns a<t> (n_a, 1) are PyTorch's hidden states (1, 1, n_a); its
index lists X (None = a zero input) and Y are fed to both sides as they are (torch_ref
turns them into one-hot rows). Parameters: Wax = weight_ih_l0, Waa = weight_hh_l0,
b = bias_ih_l0 (bias_hh_l0 fixed at 0), Wya = linear.weight, by = linear.bias.

Tolerance (see ``_tolerances``): 2 gamma_n with n = :func:`steps_of_char_rnn`, the
rounding steps along the longest chain of one optimize step; k consecutive steps charge
k times that. Data are O(1): W ~ N(0, 1) / sqrt(fan-in), a_prev in (-0.9, 0.9).
Clipping (min/max) and the one-hot inputs add no rounding.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from parity_tests._arrays import assert_array_equal
from parity_tests._tolerances import ELEMENTWISE_OPS, tolerance
from scratch import char_rnn
from torch_ref import char_rnn as torch_char_rnn
from torch_ref.char_rnn import CharRNN, hidden_from_course, hidden_to_course

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
GRADIENTS = ("dWax", "dWaa", "dWya", "db", "dby")
PARAMETERS = ("Wax", "Waa", "Wya", "b", "by")


def steps_of_char_rnn(n_x: int, n_a: int, n_y: int, T: int) -> int:
    """Rounding steps along the longest chain of one forward + backward + update.

    Per time step: forward, the dot products over n_x (Wax x) and n_a (Waa a<t-1>) and
    over n_a (Wya a<t>); backward, over n_y (Wya^T dy) and n_a (Waa^T daraw); tanh,
    softmax, log, the tanh derivative and the accumulations: 5 ELEMENTWISE_OPS. Errors
    travel along the T steps (forward, then back), so the per-step counts add up; the
    summed loss adds T, the update 2.
    """
    return T * (n_x + 3 * n_a + n_y + 5 * ELEMENTWISE_OPS) + T + 2


def random_parameters(rng, n_x, n_a, dtype, gain=1.0):
    """W ~ N(0, gain^2 / fan-in) (pre-activations O(1)), biases ~ N(0, 1/4)."""
    parameters = {
        "Wax": rng.standard_normal((n_a, n_x)) * gain,           # one-hot input: fan-in 1
        "Waa": rng.standard_normal((n_a, n_a)) * gain / np.sqrt(n_a),
        "Wya": rng.standard_normal((n_x, n_a)) * gain * 2 / np.sqrt(n_a),
        "b": rng.standard_normal((n_a, 1)) * 0.5,
        "by": rng.standard_normal((n_x, 1)) * 0.5,
    }
    return {k: v.astype(dtype) for k, v in parameters.items()}


@st.composite
def char_problem(draw, dtype):
    """(parameters, X, Y, a_prev): vocabulary n_x in 2..8, n_a in 1..8, T in 1..12;
    X = [None] + T-1 indices (the course's form); Y random, or one index repeated (so
    that dby reaches the clip at 5 when T > 5)."""
    n_x = draw(st.integers(2, 8), label="n_x")
    n_a = draw(st.integers(1, 8), label="n_a")
    T = draw(st.integers(1, 12), label="T")
    repeated = draw(st.booleans(), label="repeated target")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = random_parameters(rng, n_x, n_a, dtype)
    X = [None] + [int(i) for i in rng.integers(0, n_x, T - 1)]
    Y = [int(rng.integers(0, n_x))] * T if repeated else [int(i) for i in rng.integers(0, n_x, T)]
    a_prev = rng.uniform(-0.9, 0.9, (n_a, 1)).astype(dtype)
    return parameters, X, Y, a_prev


def torch_model(parameters, device):
    return CharRNN.from_course_parameters(parameters, device=device,
                                          dtype=TORCH_DTYPE[parameters["Wax"].dtype.type])


def sizes(parameters, X):
    n_a, n_x = parameters["Wax"].shape
    return n_x, n_a, parameters["Wya"].shape[0], len(X)


# ----------------------------------------------------------------------------- one time step
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_step_forward_parity(device, parity, dtype, data):
    parameters, X, _, a_prev = data.draw(char_problem(dtype))
    n_x, n_a, _, _ = sizes(parameters, X)
    x_index = data.draw(st.one_of(st.none(), st.integers(0, n_x - 1)), label="x index")
    x = np.zeros((n_x, 1), dtype=dtype)
    if x_index is not None:
        x[x_index] = 1
    a_next, p_t = char_rnn.rnn_step_forward(parameters, a_prev, x)
    net = torch_model(parameters, device)
    p_torch, a_torch = torch_char_rnn.next_char_probabilities(
        net, x_index, hidden_from_course(a_prev, device=device, dtype=net.linear.weight.dtype))
    tol = tolerance(dtype, steps_of_char_rnn(n_x, n_a, n_x, 1))
    parity.close("a<t> = tanh(Wax x + Waa a<t-1> + b)", hidden_to_course(a_torch), a_next, **tol,
                 formula="c5.char_rnn_step")
    parity.close("y<t> = softmax(Wya a<t> + by)", p_torch.reshape(-1, 1), p_t, **tol,
                 formula="c5.char_rnn_step")
    assert a_next.dtype == dtype and p_t.dtype == dtype


# ----------------------------------------------------------------------------- one optimize step
def compare_step(parity, label, tol, numpy_result, torch_result, parameters, net):
    """Loss, clipped gradients, new parameters and a_last of one step on each side."""
    loss, gradients, a_last = numpy_result
    loss_t, a_last_t = torch_result
    parity.close(f"{label}loss = -sum_t log y<t>[Y[t]]", loss_t, np.asarray(loss), **tol,
                 formula="c5.char_rnn_loss")
    clipped = net.course_gradients()
    for k in GRADIENTS:
        parity.close(f"{label}clip({k}, 5)", clipped[k], gradients[k], **tol, formula="c5.clip")
    new = net.course_parameters()
    for k in PARAMETERS:
        parity.close(f"{label}{k} -= lr clip(d{k})", new[k], parameters[k], **tol,
                     formula="c5.char_rnn_update")
    parity.close(f"{label}a_last = a<T>", hidden_to_course(a_last_t), a_last, **tol,
                 formula="c5.char_rnn_step")


@pytest.mark.cudnn_float32_off
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_optimize_parity(device, parity, dtype, data):
    parameters, X, Y, a_prev = data.draw(char_problem(dtype))
    n_x, n_a, n_y, T = sizes(parameters, X)
    learning_rate = data.draw(st.sampled_from([0.01, 0.1, 1.0]), label="learning_rate")
    tol = tolerance(dtype, steps_of_char_rnn(n_x, n_a, n_y, T))

    # the unclipped gradients: scratch's rnn_backward against autograd of the summed loss
    loss0, cache = char_rnn.rnn_forward(X, Y, a_prev, parameters)
    raw, _ = char_rnn.rnn_backward(X, Y, parameters, cache)
    net = torch_model(parameters, device)
    a_prev_t = hidden_from_course(a_prev, device=device, dtype=net.linear.weight.dtype)
    a_prev_t.requires_grad_(True)
    loss_t, _ = torch_char_rnn.sequence_loss(net, X, Y, a_prev_t)
    loss_t.backward()
    unclipped = net.course_gradients()
    for k in GRADIENTS:
        parity.close(f"{k} (before clipping)", unclipped[k], raw[k], **tol,
                     formula="c5.char_rnn_backward")
    parity.close("da_next = dL/da<0>", hidden_to_course(a_prev_t.grad), raw["da_next"], **tol,
                 formula="c5.char_rnn_backward")

    # one step each: optimize (in place) against train_step (SGD)
    numpy_parameters = copy.deepcopy(parameters)
    result = char_rnn.optimize(X, Y, a_prev, numpy_parameters, learning_rate)
    net = torch_model(parameters, device)
    torch_result = torch_char_rnn.train_step(
        net, torch_char_rnn.sgd(net, learning_rate), X, Y,
        hidden_from_course(a_prev, device=device, dtype=net.linear.weight.dtype))
    (loss, gradients, a_last), (loss_t, a_last_t) = result, torch_result
    parity.close("loss = -sum_t log y<t>[Y[t]]", loss_t, np.asarray(loss), **tol,
                 formula="c5.char_rnn_loss")
    clipped = net.course_gradients()
    for k in GRADIENTS:
        parity.close(f"clip({k}, 5)", clipped[k], gradients[k], **tol, formula="c5.clip")
    new = net.course_parameters()
    for k in PARAMETERS:
        parity.close(f"{k} -= lr clip(d{k})", new[k], numpy_parameters[k], **tol,
                     formula="c5.char_rnn_update")
    parity.close("a_last = a<T>", hidden_to_course(a_last_t), a_last, **tol,
                 formula="c5.char_rnn_step")
    assert result[0] == loss0                       # optimize's loss is rnn_forward's
    assert all(numpy_parameters[k].dtype == dtype for k in PARAMETERS)
    assert net.rnn.bias_hh_l0.abs().max().item() == 0   # PyTorch's second bias never moves


def test_optimize_parity_course_case(device, parity):
    """The course's optimize test (n_a 100, N(0, 1) weights: saturated tanh, the clip bites)."""
    np.random.seed(1)
    vocab_size, n_a = 27, 100
    a_prev = np.random.randn(n_a, 1)
    Wax, Waa, Wya = (np.random.randn(n_a, vocab_size), np.random.randn(n_a, n_a),
                     np.random.randn(vocab_size, n_a))
    b, by = np.random.randn(n_a, 1), np.random.randn(vocab_size, 1)
    parameters = {"Wax": Wax, "Waa": Waa, "Wya": Wya, "b": b, "by": by}
    X, Y = [12, 3, 5, 11, 22, 3], [4, 14, 11, 22, 25, 26]
    numpy_parameters = copy.deepcopy(parameters)
    result = char_rnn.optimize(X, Y, a_prev, numpy_parameters, 0.01)
    net = torch_model(parameters, device)
    torch_result = torch_char_rnn.train_step(net, torch_char_rnn.sgd(net, 0.01), X, Y,
                                             hidden_from_course(a_prev, device=device))
    # Not O(1) data: N(0, 1) weights over 100 units give pre-activations ~30 (tanh saturated)
    # and unclipped gradients up to ~330. The rounding bound is gamma_n * sum|terms|, so the
    # absolute part scales with the size of the summed terms: the largest unclipped gradient
    # entry (a property of the data, read off the NumPy side before any comparison).
    _, cache = char_rnn.rnn_forward(X, Y, a_prev, parameters)
    raw, _ = char_rnn.rnn_backward(X, Y, parameters, cache)
    scale = max(1.0, max(float(np.abs(raw[k]).max()) for k in GRADIENTS))
    tol = tolerance(np.float64, steps_of_char_rnn(vocab_size, n_a, vocab_size, len(X)))
    tol["atol"] *= scale
    compare_step(parity, "course case: ", tol, result, torch_result, numpy_parameters, net)
    assert sum(int(np.sum(np.abs(g) == 5)) for g in result[1].values()) > 0   # clipping happened


# ----------------------------------------------------------------------------- clip
@given(data=st.data())
def test_clip_parity(device, parity, data):
    n_x, n_a = data.draw(st.integers(1, 6), label="n_x"), data.draw(st.integers(1, 6), label="n_a")
    max_value = data.draw(st.sampled_from([0.5, 5, 10.0]), label="maxValue")
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    shapes = {"dWax": (n_a, n_x), "dWaa": (n_a, n_a), "dWya": (n_x, n_a), "db": (n_a, 1),
              "dby": (n_x, 1)}
    gradients = {k: rng.standard_normal(s) * 10 for k, s in shapes.items()}
    before = copy.deepcopy(gradients)
    clipped = char_rnn.clip(gradients, max_value)
    tensors = [torch.zeros(s, dtype=torch.float64, device=device, requires_grad=True)
               for s in shapes.values()]
    for t, k in zip(tensors, shapes):
        t.grad = torch.tensor(gradients[k], device=device)
    torch.nn.utils.clip_grad_value_(tensors, max_value)
    for t, k in zip(tensors, shapes):
        # min/max: no rounding at all
        parity.close(f"clip({k}, {max_value})", t.grad, clipped[k], rtol=0, atol=0,
                     formula="c5.clip")
        assert_array_equal(gradients[k], before[k])    # the input is left unchanged
        assert clipped[k] is not gradients[k]


# ----------------------------------------------------------------------------- sampling
def sample_with_torch(net, newline, seed, device):
    """The course's sampling loop, with the probabilities from torch_ref and the draw by
    NumPy exactly as scratch.char_rnn.sample draws (the glue's job, written here)."""
    a = torch.zeros(1, 1, net.n_a, dtype=net.linear.weight.dtype, device=device)
    indices, idx, counter = [], None, 0
    while idx != newline and counter != 50:
        y, a = torch_char_rnn.next_char_probabilities(net, idx, a)
        np.random.seed(counter + seed)
        idx = np.random.choice(range(net.vocab_size), p=y.cpu().numpy())
        indices.append(idx)
        seed += 1
        counter += 1
    if counter == 50:
        indices.append(newline)
    return indices


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_sample_parity(device, parity, dtype, data):
    n_x, n_a = data.draw(st.integers(2, 8), label="n_x"), data.draw(st.integers(1, 8), label="n_a")
    seed = data.draw(st.integers(0, 1000), label="seed")
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="rng"))
    parameters = random_parameters(rng, n_x, n_a, dtype)
    char_to_ix = {"\n": 0} | {chr(ord("a") + i - 1): i for i in range(1, n_x)}
    indices = char_rnn.sample(parameters, char_to_ix, seed)
    assert indices[-1] == 0 and len(indices) <= 51

    # the probabilities of every step of that name, replayed on both sides
    net = torch_model(parameters, device)
    tol = tolerance(dtype, steps_of_char_rnn(n_x, n_a, n_x, len(indices)))
    a_np = np.zeros((n_a, 1), dtype=dtype)
    a_t = torch.zeros(1, 1, n_a, dtype=TORCH_DTYPE[dtype], device=device)
    previous = [None] + indices[:-1]
    for t, x_index in enumerate(previous):
        x = np.zeros((n_x, 1), dtype=dtype)
        if x_index is not None:
            x[x_index] = 1
        a_np, y_np = char_rnn.rnn_step_forward(parameters, a_np, x)
        y_t, a_t = torch_char_rnn.next_char_probabilities(net, x_index, a_t)
        parity.close(f"sampling step {t}: y<t>", y_t.reshape(-1, 1), y_np, **tol,
                     formula="c5.sample")
    if dtype == np.float64:
        # the same draws from torch's probabilities (they agree to ~1e-16: a draw could
        # only differ if NumPy's uniform fell within that of a cumulative boundary)
        assert sample_with_torch(net, 0, seed, device) == indices


# ----------------------------------------------------------------------------- several steps
#: the first three names of the course's shuffled list (np.random.seed(0); shuffle)
NAMES = ("turiasaurus", "pandoravenator", "ilokelesia")


@pytest.mark.parametrize("dtype", DTYPES)
def test_consecutive_steps_parity(device, parity, dtype):
    """Three optimize steps carrying a_prev from one name into the next, from the course's
    initialisation. Written as repeated single steps over a fixed list of three names
    (the engine, dl_parity.engine, runs longer trajectories)."""
    examples, char_to_ix, _ = char_rnn.load_dinos()
    examples = [x.strip() for x in examples]
    np.random.seed(0)
    np.random.shuffle(examples)
    assert tuple(examples[:3]) == NAMES
    numpy_parameters = char_rnn.initialize_parameters(50, 27, 27)
    numpy_parameters = {k: v.astype(dtype) for k, v in numpy_parameters.items()}
    net = torch_model(numpy_parameters, device)
    optimizer = torch_char_rnn.sgd(net, 0.01)
    a_np = np.zeros((50, 1), dtype=dtype)
    a_t = hidden_from_course(a_np, device=device)
    smoothed_np = smoothed_t = char_rnn.get_initial_loss(27, 7)
    n = 0
    for step, name in enumerate(NAMES):
        X, Y = char_rnn.build_example(name, char_to_ix)
        result = char_rnn.optimize(X, Y, a_np, numpy_parameters, 0.01)
        loss_t, a_t = torch_char_rnn.train_step(net, optimizer, X, Y, a_t)
        n += steps_of_char_rnn(27, 50, 27, len(X))     # errors of the earlier steps carry over
        tol = tolerance(dtype, n)
        compare_step(parity, f"step {step}: ", tol, result, (loss_t, a_t), numpy_parameters, net)
        a_np = result[2]
        smoothed_np = char_rnn.smooth(smoothed_np, result[0])
        smoothed_t = char_rnn.smooth(smoothed_t, loss_t.item())
        parity.close(f"step {step}: loss := 0.999 loss + 0.001 L",
                     np.asarray(smoothed_t, dtype=dtype), np.asarray(smoothed_np, dtype=dtype),
                     **tol, formula="c5.char_rnn_model")


# ----------------------------------------------------------------------------- parameters
def test_parameter_round_trip(device, parity):
    parameters = char_rnn.initialize_parameters(50, 27, 27)
    net = CharRNN.from_course_parameters(parameters, device=device)
    out = net.course_parameters()
    assert list(out) == list(parameters)
    for k in PARAMETERS:
        parity.close(f"{k} round trip", out[k], parameters[k], rtol=0, atol=0,
                     formula="c5.char_rnn_params")
    assert net.rnn.weight_ih_l0.shape == (50, 27) and not net.rnn.bias_hh_l0.requires_grad
    assert torch.equal(net.rnn.weight_ih_l0.cpu(), torch.as_tensor(parameters["Wax"]))


# ----------------------------------------------------------------------------- finite differences
EPSILON = 1e-7
THRESHOLD = 1e-7


@settings(max_examples=10)
@given(data=st.data())
def test_gradient_check(data):
    """rnn_backward's gradients (and da_next = dL/da<0>) against centred differences of
    rnn_forward's loss: relative difference ||g - g_approx|| / (||g|| + ||g_approx||)
    below 1e-7 (float64, epsilon 1e-7: truncation ~1e-14, rounding ~u |L| / eps ~ 1e-8)."""
    parameters, X, Y, a_prev = data.draw(char_problem(np.float64))
    _, cache = char_rnn.rnn_forward(X, Y, a_prev, parameters)
    gradients, _ = char_rnn.rnn_backward(X, Y, parameters, cache)
    inputs = dict(parameters, a0=a_prev)
    names = {k: "d" + k for k in PARAMETERS} | {"a0": "da_next"}

    def loss(values):
        p = {k: values[k] for k in PARAMETERS}
        return float(char_rnn.rnn_forward(X, Y, values["a0"], p)[0])

    g, g_approx = [], []
    for name, value in inputs.items():
        for index in np.ndindex(value.shape):
            plus = {**inputs, name: value.copy()}
            minus = {**inputs, name: value.copy()}
            plus[name][index] += EPSILON
            minus[name][index] -= EPSILON
            g_approx.append((loss(plus) - loss(minus)) / (2 * EPSILON))
            g.append(gradients[names[name]][index])
    g, g_approx = np.array(g), np.array(g_approx)
    difference = np.linalg.norm(g - g_approx) / (np.linalg.norm(g) + np.linalg.norm(g_approx))
    assert difference < THRESHOLD, f"gradient check: relative difference {difference:.3g}"


# ----------------------------------------------------------------------------- bad input
def test_softmax_with_logits_1000_apart():
    """Issue 15, item 20: char_rnn's softmax (the course's utils) subtracts the maximum before
    e^x: logits 1000 apart give exact probabilities, not inf / inf. The course calls it on one
    column (n_y, 1); given several columns, each column's maximum is subtracted (one maximum
    for the whole array would leave a column whose logits are all 2000 below it as 0 / 0)."""
    logits = np.array([[1000.0, -1000.0, 1000.0], [0.0, -1000.0, 1000.0],
                       [-1000.0, -1000.0, 0.0]])
    expected = np.array([[1.0, 1 / 3, 0.5], [0.0, 1 / 3, 0.5], [0.0, 1 / 3, 0.0]])
    for j in range(3):                                  # the course's use: one column
        assert_array_equal(char_rnn.softmax(logits[:, j:j + 1]), expected[:, j:j + 1])
    assert_array_equal(char_rnn.softmax(logits), expected)


def test_bad_input_character_outside_vocabulary():
    _, char_to_ix, ix_to_char = char_rnn.load_dinos()
    with pytest.raises(ValueError, match=r"example 'tyrannosaurus rex': character ' '"):
        char_rnn.model(["aachenosaurus", "tyrannosaurus rex"], ix_to_char, char_to_ix, 1)
    with pytest.raises(ValueError, match=r"example 'T-rex': character 'T' \(position 0\)"):
        char_rnn.build_example("T-rex", char_to_ix)


def test_bad_input_empty_example_list():
    _, char_to_ix, ix_to_char = char_rnn.load_dinos()
    with pytest.raises(ValueError, match="data_x: expected at least one name, got an empty list"):
        char_rnn.model([], ix_to_char, char_to_ix, 1)


def test_bad_input_missing_parameter_key(device):
    parameters = char_rnn.initialize_parameters(5, 27, 27)
    del parameters["by"]
    _, char_to_ix, _ = char_rnn.load_dinos()
    with pytest.raises(ValueError, match="parameters: missing key 'by'"):
        char_rnn.optimize([None, 1], [1, 0], np.zeros((5, 1)), parameters)
    with pytest.raises(ValueError, match="parameters: missing key 'by'"):
        char_rnn.sample(parameters, char_to_ix, 0)
    with pytest.raises(ValueError, match="parameters: missing key 'by'"):
        CharRNN(27, 5, device=device).load_course_parameters(parameters)
    with pytest.raises(ValueError, match="gradients: missing key 'dby'"):
        char_rnn.clip({"dWaa": np.ones((2, 2)), "dWax": np.ones((2, 3)), "dWya": np.ones((3, 2)),
                       "db": np.ones((2, 1))}, 5)


def test_bad_input_sequences(device):
    parameters = char_rnn.initialize_parameters(5, 27, 27)
    a0 = np.zeros((5, 1))
    with pytest.raises(ValueError, match="same length"):
        char_rnn.optimize([None, 1, 2], [1, 0], a0, parameters)
    with pytest.raises(ValueError, match=r"X\[1\]: expected None .* index in \[0, 27\), got 27"):
        char_rnn.optimize([None, 27], [1, 0], a0, parameters)
    with pytest.raises(ValueError, match=r"a_prev: expected an ndarray of shape \(5, 1\)"):
        char_rnn.optimize([None, 1], [1, 0], np.zeros((5,)), parameters)
    with pytest.raises(ValueError, match=r"parameters: Waa must have shape \(5, 5\)"):
        char_rnn.optimize([None, 1], [1, 0], a0, dict(parameters, Waa=np.zeros((5, 4))))
    net = CharRNN(27, 5, device=device)
    with pytest.raises(ValueError, match=r"Y_indices\[0\]: expected an index in \[0, 27\)"):
        torch_char_rnn.sequence_loss(net, [None], [None], torch.zeros(1, 1, 5, device=device))
    with pytest.raises(ValueError, match=r"a_prev: expected a tensor \(1, 1, 5\)"):
        torch_char_rnn.sequence_loss(net, [None], [0], torch.zeros(5, 1, device=device))
