"""Course 5, week 2, "Emojify!": scratch.emojify (the course's functions, the softmax layer
trained by hand) against torch_ref.emojify (nn.EmbeddingBag(mode="mean") over the frozen
vectors, nn.Linear, nn.CrossEntropyLoss, torch.optim.SGD).

Data: the course's own unit-test cases where it has them (its published costs included), and
a generated labelled set (``_emoji_set``: five classes, template sentences, drawn vectors)
for parity and training.

Tolerances (``_tolerances``): the average sums at most w vectors (w the sentence's known
words) and divides once: w + E steps. One SGD step: the average, z = W avg + b (n_h terms),
the softmax (n_y terms, exp, log, division), dW = dz avg^T: w + n_h + n_y + 3 E.

Lockstep (the engine runs both sides one sentence a step, as the course's loop): each step
injects at most one step's rounding, and the per-example loss is convex in (W, b) with
Hessian norm at most ||avg||^2 / 2 (the softmax's Jacobian has norm <= 1/2), so a step at
learning rate alpha maps two nearby parameter sets no further apart when
alpha ||avg||^2 / 2 <= 2 (asserted on the data). The differences then add up at most
linearly: after t steps the tolerance is that of (t + 1) steps.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dl_parity.engine import check_data, run
from parity_tests import _emoji_set
from parity_tests._sensitivity import UNRECORDED
from parity_tests._tolerances import ELEMENTWISE_OPS as E, tolerance
from scratch import emojify
from torch_ref import emojify as T

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}

#: the notebook's controlled map (sentence_to_avg_test, model_test)
COURSE_MAP = {"a": [3, 3], "synonym_of_a": [3, 3], "a_nw": [2, 4], "a_s": [3, 2], "a_n": [3, 4],
              "c": [-2, 1], "c_n": [-2, 2], "c_ne": [-1, 2], "c_e": [-1, 1], "c_se": [-1, 0],
              "c_s": [-2, 0], "c_sw": [-3, 0], "c_w": [-3, 1], "c_nw": [-3, 2]}


def course_map():
    return {k: np.array(v) for k, v in COURSE_MAP.items()}


# ============================================================================ the course's cases
def test_sentence_to_avg_course_cases():
    word_to_vec_map = course_map()
    avg = emojify.sentence_to_avg("a a_nw c_w a_s", word_to_vec_map)
    assert avg.shape == (2,) and np.allclose(avg, [1.25, 2.5])
    assert np.allclose(emojify.sentence_to_avg("love a a_nw c_w a_s", word_to_vec_map), [1.25, 2.5])
    assert np.allclose(emojify.sentence_to_avg("love", word_to_vec_map), [0, 0])
    assert np.allclose(emojify.sentence_to_avg("c_se foo a a_nw c_w a_s deeplearning c_nw",
                                               word_to_vec_map), [0.1666667, 2.0])


def test_model_course_case(capsys):
    """The notebook's model_test, and the two costs it prints at epochs 0 and 100."""
    X = np.asarray(["a a_s synonym_of_a a_n c_sw", "a a_s a_n c_sw", "a_s  a a_n",
                    "synonym_of_a a a_s a_n c_sw", " a_s a_n", " a a_s a_n c ", " a_n  a c c c_e",
                    "c c_nw c_n c c_ne", "c_e c c_se c_s", "c_nw c a_s c_e c_e", "c_e a_nw c_sw",
                    "c_sw c c_ne c_ne"])
    Y = np.asarray([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    np.random.seed(10)
    pred, W, b = emojify.model(X, Y, course_map(), 0.0025, 110)
    assert W.shape == (2, 2)
    assert np.allclose(pred.transpose(), Y)
    assert np.allclose(b[0], -1 * b[1])
    printed = re.findall(r"Epoch: (\d+) --- cost = (\S+)", capsys.readouterr().out)
    assert printed == [("0", "0.05105772513207823"), ("100", "0.00970311068897676")]


def test_model_ignores_words_no_sentence_uses(capsys):
    """Words of the map that no sentence uses change nothing (the model reads n_h from any
    one word's vector): the same W and b, bit for bit, with a map of the one word the
    sentences use and with that map plus another word, whichever comes first."""
    vector = np.array([0.5, -1.0, 2.0])
    X, Y = np.asarray(["love", "love love", "love"]), np.asarray([0, 1, 0])
    results = []
    for word_map in ({"love": vector}, {"love": vector, "hate": -vector},
                     {"hate": -vector, "love": vector}):
        np.random.seed(3)
        _, W, b = emojify.model(X, Y, word_map, 0.1, 2)
        results.append((W, b))
    capsys.readouterr()
    for W, b in results[1:]:
        assert W.shape == (2, 3) and b.shape == (2,)
        np.testing.assert_array_equal(W, results[0][0])
        np.testing.assert_array_equal(b, results[0][1])


def test_sentences_to_indices_course_case():
    word_to_index = {w: i + 1 for i, w in enumerate(["i", "like", "learning", "deep", "machine",
                                                      "love", "smile", "´0.="])}
    sentences = np.array(["I like deep learning", "deep ´0.= love machine",
                          "machine learning smile"])
    indices = emojify.sentences_to_indices(sentences, word_to_index, 4)
    assert type(indices) is np.ndarray and indices.shape == (3, 4)
    np.testing.assert_array_equal(indices, [[1, 2, 4, 3], [4, 8, 6, 5], [5, 3, 7, 0]])


def test_generated_set():
    X, Y = _emoji_set.emoji_set()
    assert X.shape == Y.shape == (40,) and set(Y) == set(range(5))
    again, _ = _emoji_set.emoji_set()
    assert (X == again).all()
    vectors = _emoji_set.word_vectors()
    assert _emoji_set.UNKNOWN in X[0].split() and _emoji_set.UNKNOWN not in vectors
    assert not np.any(emojify.sentence_to_avg(X[-1], vectors))       # no known word: zeros


# ============================================================================ parity
@pytest.mark.parametrize("dtype", DTYPES)
def test_sentence_average_parity(device, parity, dtype):
    """avg = mean of the known words' vectors beside nn.EmbeddingBag(mode="mean")."""
    X, _ = _emoji_set.emoji_set()
    vectors = _emoji_set.word_vectors(dtype=dtype)
    net = T.EmojifyV1.from_word_map(vectors, 5, device=device, dtype=TORCH_DTYPE[dtype])
    avg = np.stack([emojify.sentence_to_avg(s, vectors) for s in X])
    avg_t = net.embedding(*net.bags(X))
    words = max(len(s.split()) for s in X)
    parity.close("avg = (1/count) sum e_w", avg_t, avg.astype(dtype), **tolerance(dtype, words + E),
                 formula="c5.emojify_v1")


def step_steps(words, n_h, n_y):
    return words + n_h + n_y + 3 * E


@pytest.mark.parametrize("dtype", DTYPES)
@given(index=st.integers(0, 39), seed=st.integers(0, 2 ** 32 - 1))
def test_model_step_parity(device, parity, dtype, index, seed):
    """One step from the same W, b: the cost, dW, db (autograd of CrossEntropyLoss through
    nn.Linear) and the updated W, b."""
    X, Y = _emoji_set.emoji_set()
    vectors = _emoji_set.word_vectors(dtype=dtype)
    rng = np.random.default_rng(seed)
    n_h, n_y, lr = 50, 5, 0.3
    W0 = (rng.standard_normal((n_y, n_h)) / np.sqrt(n_h)).astype(dtype)
    b0 = (0.5 * rng.standard_normal(n_y)).astype(dtype)
    avg = emojify.sentence_to_avg(X[index], vectors).astype(dtype)
    Y_oh = emojify.convert_to_one_hot(Y, 5).astype(dtype)
    cost, grads, W, b = emojify.model_step(avg, Y_oh[index], W0, b0, lr)
    net = T.EmojifyV1.from_word_map(vectors, n_y, device=device, dtype=TORCH_DTYPE[dtype])
    net.load_course_parameters(W0, b0)
    optimizer = T.sgd(net, lr)
    input, offsets = net.bags(X[index:index + 1])
    loss = T.criterion(net(input, offsets), torch.tensor([int(Y[index])], device=device))
    loss.backward()
    tol = tolerance(dtype, step_steps(len(X[index].split()), n_h, n_y))
    parity.close("cost = -sum Y_oh log softmax(W avg + b)", loss, np.asarray(cost), **tol,
                 formula="c5.emojify_v1")
    parity.close("dW = (a - Y_oh) avg^T", net.linear.weight.grad, grads["dW"], **tol,
                 formula="c5.emojify_v1")
    parity.close("db = a - Y_oh", net.linear.bias.grad, grads["db"], **tol,
                 formula="c5.emojify_v1")
    optimizer.step()
    after = net.course_parameters()
    parity.close("W := W - alpha dW", after["W"], W, **tol, formula="c5.emojify_v1")
    parity.close("b := b - alpha db", after["b"], b, **tol, formula="c5.emojify_v1")


# ============================================================================ lockstep
@dataclass
class Sentences:
    """The course's loop as a batch source: ``epochs`` passes over the m sentences in order,
    one sentence a step (X[i:i+1], Y[i:i+1])."""
    X: np.ndarray
    Y: np.ndarray
    epochs: int

    def __post_init__(self):
        check_data(self.X, self.Y)

    @property
    def m(self):
        return len(self.X)

    def batches(self, epoch):
        return [(self.X[i:i + 1], self.Y[i:i + 1]) for i in range(self.m)]

    def extra(self, step, X, Y):
        return {}


class NumpyEmojify:
    """The course's step (sentence_to_avg, then model_step) on the course's W, b."""
    name = "numpy"

    def __init__(self, W, b, word_to_vec_map, n_y, learning_rate, dtype):
        self.W, self.b = np.array(W, dtype=dtype), np.array(b, dtype=dtype)
        self.word_to_vec_map, self.learning_rate, self.n_y = word_to_vec_map, learning_rate, n_y

    def prepare(self, X, Y, extra):
        avg = emojify.sentence_to_avg(X[0], self.word_to_vec_map).astype(self.W.dtype)
        return avg, emojify.convert_to_one_hot(Y, self.n_y)[0].astype(self.W.dtype)

    def step(self, batch):
        cost, _, self.W, self.b = emojify.model_step(*batch, self.W, self.b, self.learning_rate)
        return cost

    def end_epoch(self, epoch):
        pass

    def course_parameters(self):
        return {"W": self.W, "b": self.b}


class TorchEmojify:
    """EmojifyV1 loaded with the same W, b; torch_ref's train_step with SGD."""
    name = "torch"

    def __init__(self, W, b, word_to_vec_map, n_y, learning_rate, dtype, device):
        self.net = T.EmojifyV1.from_word_map(word_to_vec_map, n_y, device=device,
                                             dtype=TORCH_DTYPE[dtype]).load_course_parameters(W, b)
        self.optimizer = T.sgd(self.net, learning_rate)

    def prepare(self, X, Y, extra):
        return X, Y

    def step(self, batch):
        return T.train_step(self.net, self.optimizer, *batch).item()

    def end_epoch(self, epoch):
        pass

    def course_parameters(self):
        return self.net.course_parameters()


class Record:
    def __init__(self):
        self.states = {}

    def on_step(self, info):
        for side in info.sides:
            self.states.setdefault(side.name, []).append(
                {k: np.array(v) for k, v in side.course_parameters().items()})


EPOCHS, LEARNING_RATE = 20, 1.0


def lockstep(dtype, device, torch_learning_rate=LEARNING_RATE, epochs=EPOCHS):
    X, Y = _emoji_set.emoji_set()
    vectors = _emoji_set.word_vectors(dtype=dtype)
    np.random.seed(1)
    W0 = np.random.randn(5, 50) / np.sqrt(50)                      # the course's initialisation
    b0 = np.zeros(5)
    sides = [NumpyEmojify(W0, b0, vectors, 5, LEARNING_RATE, dtype),
             TorchEmojify(W0, b0, vectors, 5, torch_learning_rate, dtype, device)]
    record = Record()
    history = run(sides, Sentences(X, Y, epochs), [record])
    return X, Y, vectors, W0, history, record


@pytest.mark.parametrize("dtype", DTYPES)
def test_lockstep_parity(device, parity, dtype):
    """800 steps (20 epochs of 40 sentences) in lockstep: the cost before every step and W, b
    after it within (t + 1) steps' tolerance; the classes learnt (every sentence with a known
    word classified right; the all-unknown one has only b to go by)."""
    X, Y, vectors, _, history, record = lockstep(dtype, device)
    largest = max(np.sum(emojify.sentence_to_avg(s, vectors) ** 2) for s in X)
    assert LEARNING_RATE * largest / 2 <= 2                     # the non-expansive regime
    n_step = step_steps(max(len(s.split()) for s in X), 50, 5)
    T_steps = len(history.costs["numpy"])
    parity.close("cost of every sentence", np.array(history.costs["torch"], dtype=dtype),
                 np.array(history.costs["numpy"], dtype=dtype),
                 **tolerance(dtype, T_steps * n_step),
                 formula="c5.emojify_v1")
    for key in ("W", "b"):
        for t_, (a, b) in enumerate(zip(record.states["torch"], record.states["numpy"])):
            UNRECORDED.close(f"{key} after step {t_}", a[key], b[key],
                             **tolerance(dtype, (t_ + 1) * n_step), formula="c5.emojify_v1")
        parity.close(f"{key} after {T_steps} steps", record.states["torch"][-1][key],
                     record.states["numpy"][-1][key], **tolerance(dtype, T_steps * n_step),
                     formula="c5.emojify_v1")
    W, b = record.states["numpy"][-1]["W"], record.states["numpy"][-1]["b"]
    pred = emojify.predict(X, Y, W, b, vectors)
    assert (pred[:-1, 0] == Y[:-1]).all()


def test_lockstep_numpy_side_is_the_course_model(capsys):
    """The engine's NumPy side takes the course model's very steps: after 3 epochs, W and b
    bit for bit those of ``model(X, Y, ...)`` from the same seed."""
    X, Y, vectors, _, _, record = lockstep(np.float64, "cpu", epochs=3)
    np.random.seed(1)
    _, W, b = emojify.model(X, Y, vectors, LEARNING_RATE, 3)
    np.testing.assert_array_equal(record.states["numpy"][-1]["W"], W)
    np.testing.assert_array_equal(record.states["numpy"][-1]["b"], b)


def test_lockstep_catches_a_wrong_learning_rate():
    """The bound can fail: a torch side at lr x (1 + 1e-6) is out of it after 800 steps."""
    _, _, _, _, history, record = lockstep(np.float64, "cpu", LEARNING_RATE * (1 + 1e-6))
    n_step = step_steps(6, 50, 5)
    with pytest.raises(AssertionError):
        UNRECORDED.close("W", record.states["torch"][-1]["W"], record.states["numpy"][-1]["W"],
                         **tolerance(np.float64, 800 * n_step), formula="c5.emojify_v1")


# ============================================================================ bad input
def _bad_inputs():
    vectors = course_map()
    X = np.array(["a c", "c_n a"])
    return {
        "sentence that is not a string":
            (lambda: emojify.sentence_to_avg(["a", "c"], vectors), "sentence: expected a string"),
        "empty vector map":
            (lambda: emojify.sentence_to_avg("a", {}), "non-empty dict"),
        "labels that skip a class":
            (lambda: emojify.model(X, np.array([0, 2]), vectors), r"exactly 0\.\.1"),
        "one label for two sentences":
            (lambda: emojify.model(X, np.array([0]), vectors), r"shape \(2,\)"),
        "W that does not match the vectors":
            (lambda: emojify.predict(X, np.array([0, 1]), np.ones((2, 3)), np.zeros(2), vectors),
             "W: expected shape"),
        "a step with a label that is not one-hot":
            (lambda: emojify.model_step(np.ones(2), np.array([1., 1.]), np.ones((2, 2)),
                                        np.zeros(2), 0.1), "one-hot"),
        "a step with avg of the wrong size":
            (lambda: emojify.model_step(np.ones(3), np.array([1., 0.]), np.ones((2, 2)),
                                        np.zeros(2), 0.1), "avg: expected shape"),
        "a sentence longer than max_len":
            (lambda: emojify.sentences_to_indices(np.array(["a c a"]), {"a": 1, "c": 2}, 2),
             "more than max_len"),
        "word_to_index using the padding index 0":
            (lambda: emojify.sentences_to_indices(X, {"a": 0, "c": 1}, 2), "padding"),
        "a vocabulary word without a vector":
            (lambda: emojify.pretrained_embedding_layer(vectors, {"a": 1, "queen": 2}),
             "'queen' is not in the vocabulary"),
        "one-hot of a label out of range":
            (lambda: emojify.convert_to_one_hot(np.array([0, 3]), 3), r"\[0, 3\)"),
        "torch: W of the wrong shape":
            (lambda: T.EmojifyV1.from_word_map(vectors, 2).load_course_parameters(np.ones((3, 2)),
                                                                                 np.zeros(2)),
             "W: expected shape"),
    }


BAD_INPUTS = _bad_inputs()


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input(case):
    call, match = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=match):
        call()
