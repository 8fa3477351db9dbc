"""Word vectors by skip-gram with negative sampling (course 5, week 2's lectures):
scratch.word2vec (forward, backward and SGD by hand) against torch_ref.word2vec (two
nn.Embedding tables, BCEWithLogitsLoss, autograd, torch.optim.SGD), on random draws and on
Shakespeare's sonnets through the engine in lockstep (the registered "word2vec" model,
dl_parity.models.word2vec, with its recipe row's settings).

Tolerances (``_tolerances``), for a batch of m pairs with k negatives and vectors of n:
- forward: z = theta_t . e_c (n terms), log(1 + e^z) (E), the sum over the m (k + 1)
  problems;
- backward: sigma(z) (E), d theta = dz e_c (1), d e_c = sum over the k + 1 targets, and the
  rows added into dE, dTheta: as many terms as the word's occurrences in the batch (at
  most m (k + 1)).
- lockstep: t + 1 steps' roundings, times the amplification G'_t that K = 4 NumPy reruns
  from parameters moved by 1024 ulps measure (``_sensitivity``; 1 while training is stable).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_parity.engine import StopTraining, run
from dl_parity.models import word2vec as model_w2v
from dl_parity.models.optim import Optim
from dl_parity.options import cpu_threads
from dl_parity.training import course_plan
from parity_tests._sensitivity import (K_PERTURBATIONS, PERTURBATION_SEED, UNRECORDED,
                                       _distance, close_along, growth, perturb, rounded_up)
from parity_tests._tolerances import ELEMENTWISE_OPS as E, tolerance
from scratch import word2vec as W
from torch_ref import word2vec as T

DTYPES = [np.float64, np.float32]
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def forward_steps(m, k, n):
    return n + E + m * (k + 1)


def backward_steps(m, k, n, count):
    return forward_steps(m, k, n) + E + 1 + (k + 1) + count


# ============================================================================ the corpus
def test_sonnets_corpus():
    """The shipped file (sha256 in scratch/data/SOURCES.md) as words, its vocabulary and pairs."""
    words = W.load_sonnets()
    assert len(words) == 17672 and words[:5] == ["the", "sonnets", "by", "william", "shakespeare"]
    assert "feed'st" in words and "beauty's" in words                     # inner apostrophes kept
    word_to_index, index_to_word, counts = W.build_vocabulary(words)
    assert len(word_to_index) == 3174 and counts.sum() == 17672
    assert [index_to_word[i] for i in range(4)] == ["and", "the", "to", "my"]
    assert counts[:4].tolist() == [490, 432, 414, 393]
    indices = np.array([word_to_index[w] for w in words])
    c, t = W.skipgram_pairs(indices, 4)
    # every position pairs with up to 4 on each side, fewer at the two ends
    assert len(c) == 8 * 17672 - 2 * (4 + 3 + 2 + 1)
    assert (c[:4] == word_to_index["the"]).all()
    assert [index_to_word[i] for i in t[:4]] == ["sonnets", "by", "william", "shakespeare"]
    P = W.negative_sampling_distribution(counts)
    np.testing.assert_allclose(P, counts ** 0.75 / np.sum(counts ** 0.75), rtol=1e-15)


def test_negative_sampling_batches():
    c, t = np.arange(10), np.arange(10)[::-1].copy()
    P = np.full(10, 0.1)
    batches = W.negative_sampling_batches(c, t, P, 3, 4, seed=7)
    assert [b[0].shape for b in batches] == [(4,), (4,), (2,)]
    assert all(b[1].shape == (len(b[0]), 4) for b in batches)
    got_c = np.concatenate([b[0] for b in batches])
    got_t = np.concatenate([b[1][:, 0] for b in batches])
    assert sorted(got_c) == list(range(10)) and (got_t == 9 - got_c).all()   # pairs kept together
    again = W.negative_sampling_batches(c, t, P, 3, 4, seed=7)
    assert all((a[1] == b[1]).all() for a, b in zip(batches, again))          # seeded
    assert np.concatenate([b[1][:, 1:] for b in batches]).max() < 10


# ============================================================================ one step
@st.composite
def problem(draw, dtype, distinct=False):
    """(c, t, parameters): V in 2..12 words, vectors of n in 1..8, m in 1..6 pairs, k in 1..5
    negatives, words repeating across and within rows. ``distinct``: no word twice in a row
    of t (V >= 6 + k), for the finite differences: a word that is both a pair's target
    (y = 1) and one of its negatives (y = 0) gets sigma(z) - 1 + sigma(z), which cancels to
    O(|z|), below what centred differences resolve relative to it."""
    n, m, k = (draw(st.integers(1, 8), label="n"), draw(st.integers(1, 6), label="m"),
               draw(st.integers(1, 5), label="k"))
    V = draw(st.integers(6 + k if distinct else 2, 12), label="V")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = {key: (rng.standard_normal((V, n)) / math.sqrt(n)).astype(dtype)
                  for key in ("E", "Theta")}
    c = rng.integers(0, V, m)
    t = (np.array([rng.choice(V, 1 + k, replace=False) for _ in range(m)]) if distinct
         else rng.integers(0, V, (m, 1 + k)))
    return c, t, parameters


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_negative_sampling_parity(device, parity, dtype, data):
    """The cost and dE, dTheta from the same E, Theta and batch: by hand and by autograd
    through nn.Embedding and BCEWithLogitsLoss; then one SGD step each."""
    c, t, parameters = data.draw(problem(dtype))
    m, k, n = len(c), t.shape[1] - 1, parameters["E"].shape[1]
    cost, cache = W.negative_sampling_forward(c, t, parameters)
    grads = W.negative_sampling_backward(cache)
    net = T.SkipGram(*parameters["E"].shape, device=device, dtype=TORCH_DTYPE[dtype])
    net.load_course_parameters(parameters)
    c_t = torch.as_tensor(c, device=device)
    t_t = torch.as_tensor(t, device=device)
    loss = T.cost(net, c_t, t_t)
    loss.backward()
    count = int(max(np.bincount(c).max(), np.bincount(t.ravel()).max()))
    parity.close("J = (1/m) sum BCE(sigmoid(theta_t . e_c), y)", loss, np.asarray(cost),
                 **tolerance(dtype, forward_steps(m, k, n)), formula="c5.word2vec")
    tol = tolerance(dtype, backward_steps(m, k, n, count))
    torch_grads = net.course_gradients()
    for key in ("dE", "dTheta"):
        parity.close(key, torch_grads[key], grads[key], **tol, formula="c5.word2vec_backward")
    updated = W.update_parameters(parameters, grads, 0.5)
    optimizer = T.sgd(net, 0.5)
    optimizer.step()
    after = net.course_parameters()
    for key in ("E", "Theta"):
        parity.close(f"{key} := {key} - alpha d{key}", after[key], updated[key], **tol,
                     formula="c5.word2vec_backward")


@settings(max_examples=10)
@given(data=st.data())
def test_negative_sampling_gradient_check(data):
    c, t, parameters = data.draw(problem(np.float64, distinct=True))
    _, cache = W.negative_sampling_forward(c, t, parameters)
    grads = W.negative_sampling_backward(cache)
    eps, g, approx = 1e-7, [], []
    for key in ("E", "Theta"):
        for index in np.ndindex(parameters[key].shape):
            plus = {k_: v.copy() for k_, v in parameters.items()}
            minus = {k_: v.copy() for k_, v in parameters.items()}
            plus[key][index] += eps
            minus[key][index] -= eps
            approx.append((W.negative_sampling_forward(c, t, plus)[0]
                           - W.negative_sampling_forward(c, t, minus)[0]) / (2 * eps))
            g.append(grads["d" + key][index])
    g, approx = np.array(g), np.array(approx)
    difference = np.linalg.norm(g - approx) / (np.linalg.norm(g) + np.linalg.norm(approx))
    assert difference < 1e-7, difference


def test_large_logits_stay_finite():
    """log(1 + e^z) and sigma(z) at |z| = 1000: no overflow (np.logaddexp), the gradient of a
    confidently right pair is 0, of a confidently wrong one (sigma - y) / m = +-1."""
    parameters = {"E": np.array([[10.0], [-10.0]]), "Theta": np.array([[100.0], [-100.0]])}
    cost, cache = W.negative_sampling_forward(np.array([0]), np.array([[0, 1]]), parameters)
    assert cost == 0.0
    cost, cache = W.negative_sampling_forward(np.array([0]), np.array([[1, 0]]), parameters)
    assert cost == 2000.0
    grads = W.negative_sampling_backward(cache)
    np.testing.assert_array_equal(grads["dTheta"], [[10.0], [-10.0]])


# ============================================================================ lockstep (engine)
LOCKSTEP = 300
#: states are kept after steps 0, STRIDE, 2 STRIDE, ... (copies of E and Theta: 2.5 MB each)
STRIDE = 10


class Record:
    """Each side's {E, Theta} after steps 0, STRIDE, ...; stops the run after ``stop`` steps."""

    def __init__(self, stop=LOCKSTEP):
        self.stop, self.states, self.steps = stop, {}, []

    def on_step(self, info):
        if info.step % STRIDE == 0:
            self.steps.append(info.step)
            self._keep(info)
        if info.step + 1 == self.stop:
            if info.step % STRIDE:
                self.steps.append(info.step)
                self._keep(info)
            raise StopTraining(f"{self.stop} steps")

    def _keep(self, info):
        for side in info.sides:
            self.states.setdefault(side.name, []).append(
                {k: np.array(v) for k, v in side.course_parameters().items()})


class Sonnets:
    """The recipe's run of one epoch (`dl-parity train --dataset sonnets --epochs 1`): the
    plan, its model fitted to the corpus, the corpus and the engine's batch source."""

    def __init__(self):
        plan = course_plan("sonnets", epochs=1)
        self.data = plan.load_data()
        self.plan = dataclasses.replace(plan, model=plan.model.fit_data(self.data))
        self.model = self.plan.model
        self.source = self.plan.batches(self.data)


@pytest.fixture(scope="module")
def sonnets():
    return Sonnets()


def test_the_recipe_is_the_old_commands_run(sonnets):
    """The recipe row keeps what `train --dataset sonnets` trained before the protocol:
    50 dimensions, window 4, 10 negatives, batches of 256, lr 4, 10 epochs, seed 1; the
    model's vocabulary is the corpus's, in its index order."""
    plan = course_plan("sonnets")
    assert plan.model == model_w2v.Word2Vec(emb_dim=50, window=4, negatives=10)
    assert (plan.batch_size, plan.epochs, plan.seed, plan.optim.learning_rate) == (256, 10, 1,
                                                                                   4.0)
    assert sonnets.model.vocabulary[:4] == ("and", "the", "to", "my")
    assert sonnets.source.m == 8 * 17672 - 2 * (4 + 3 + 2 + 1) and sonnets.source.k == 10


def lockstep(sonnets, device, torch_learning_rate=None, stop=LOCKSTEP, perturbed=0):
    model, plan = sonnets.model, sonnets.plan
    parameters = model.initial_parameters(plan.seed)
    sides = [model.side("numpy", parameters, optim=plan.optim)]
    if torch_learning_rate is not False:
        optim = plan.optim if torch_learning_rate is None else Optim(torch_learning_rate)
        sides.append(model.side("torch", parameters, device=device, optim=optim))
    rng = np.random.default_rng(PERTURBATION_SEED)
    starts = [perturb(parameters, rng) for _ in range(perturbed)]
    for j, start in enumerate(starts):
        sides.append(model.side("numpy", start, optim=plan.optim))
        sides[-1].name = f"perturbed {j}"
    record = Record(stop)
    # one thread, as `dl-parity train --impl both` runs: with two, torch's index_select
    # took 71 ms a step instead of 1.5 ms on this loaded 2-core machine (measured)
    with cpu_threads(1):
        history = run(sides, sonnets.source, [record])
    return parameters, starts, history, record


@pytest.fixture(scope="module")
def amplification_factors(sonnets):
    """G'_t at the recorded states (after steps 0, STRIDE, ...), from K = 4 perturbed NumPy
    reruns."""
    parameters, starts, _, record = lockstep(sonnets, "cpu", torch_learning_rate=False,
                                             perturbed=K_PERTURBATIONS)
    reference = [parameters] + record.states["numpy"]
    d = np.zeros(len(reference))
    for j, start in enumerate(starts):
        states = [start] + record.states[f"perturbed {j}"]
        d = np.maximum(d, [_distance(p, q) for p, q in zip(states, reference)])
    return rounded_up(growth(d / d[0]))[1:]


def step_count(sonnets):
    """One step's roundings on the sonnets' batches: m = the batch size, a word's occurrences
    at most m (k + 1)."""
    m, k = sonnets.source.batch_size, sonnets.source.k
    return backward_steps(m, k, sonnets.model.emb_dim, m * (k + 1))


@pytest.mark.slow
def test_lockstep_parity(device, parity, sonnets, amplification_factors):
    """300 steps of 256 pairs (10 negatives each) on the sonnets, both sides in the engine:
    the cost before every step and E, Theta after it, within t + 1 steps' tolerance times
    G'_t; and the measured separation (float64) below 1e-12."""
    _, _, history, record = lockstep(sonnets, device)
    n_step = step_count(sonnets)
    assert len(history.costs["numpy"]) == LOCKSTEP
    parity.close("cost of every batch", np.array(history.costs["torch"]),
                 np.array(history.costs["numpy"]), **tolerance(np.float64, LOCKSTEP * n_step),
                 formula="c5.word2vec_model")
    worst = 0.0
    steps = np.array(record.steps)
    for key in ("E", "Theta"):
        a = np.array([s[key] for s in record.states["torch"]])
        b = np.array([s[key] for s in record.states["numpy"]])
        for i, step in enumerate(steps):
            factor = amplification_factors[i]
            UNRECORDED.close(f"{key} after step {step}", a[i], b[i],
                             **{k_: v * factor for k_, v in
                                tolerance(np.float64, (step + 1) * n_step).items()},
                             formula="c5.word2vec_model")
        close_along(parity, f"{key} after step {steps[-1]}", a[-1:], b[-1:],
                    amplification_factors[-1:], **tolerance(np.float64, LOCKSTEP * n_step),
                    formula="c5.word2vec_model")
        worst = max(worst, float(np.max(np.abs(a - b))))
    assert worst <= 1e-12, worst


def test_lockstep_catches_a_wrong_learning_rate(sonnets):
    learning_rate = sonnets.plan.optim.learning_rate * (1 + 1e-6)
    _, _, _, record = lockstep(sonnets, "cpu", learning_rate, stop=50)
    with pytest.raises(AssertionError):
        UNRECORDED.close("E", record.states["torch"][-1]["E"], record.states["numpy"][-1]["E"],
                         **tolerance(np.float64, 50 * step_count(sonnets)),
                         formula="c5.word2vec_model")


def test_report_on_a_short_run(sonnets):
    """The evaluation's pieces work on the trained vectors: neighbours by cosine similarity
    (best first) and the analogies whose words exist."""
    _, _, _, record = lockstep(sonnets, "cpu", torch_learning_rate=False, stop=20)
    word_to_vec_map = W.word_vectors(record.states["numpy"][-1], sonnets.model.index_to_word)
    near = model_w2v.neighbours(word_to_vec_map, "love", 3)
    assert len(near) == 3 and near[0][1] >= near[1][1] >= near[2][1]
    assert all(w != "love" for w, _ in near)
    found = model_w2v.analogies(word_to_vec_map, (("thou", "thy", "i"), ("zz", "thy", "i")))
    assert len(found) == 1 and found[0][:3] == ("thou", "thy", "i")


# ============================================================================ bad input
def _bad_inputs():
    parameters = {"E": np.zeros((4, 2)), "Theta": np.zeros((4, 2))}
    return {
        "a target word outside the vocabulary":
            (lambda: W.negative_sampling_forward(np.array([0]), np.array([[1, 7]]), parameters),
             r"t: expected word indices in \[0, 4\)"),
        "targets without a batch axis":
            (lambda: W.negative_sampling_forward(np.array([0, 1]), np.array([1, 2]), parameters),
             r"t \(m, 1 \+ k\)"),
        "E and Theta of different shapes":
            (lambda: W.negative_sampling_forward(np.array([0]), np.array([[1]]),
                                                 {"E": np.zeros((4, 2)),
                                                  "Theta": np.zeros((4, 3))}),
             "same shape"),
        "a distribution that does not sum to 1":
            (lambda: W.negative_sampling_batches(np.array([0]), np.array([1]), np.ones(4), 2, 2, 0),
             "summing to 1"),
        "pairs of different lengths":
            (lambda: W.negative_sampling_batches(np.array([0, 1]), np.array([1]),
                                                 np.full(4, .25), 2, 2, 0), "same length"),
        "zero negatives":
            (lambda: W.negative_sampling_batches(np.array([0]), np.array([1]), np.full(4, .25),
                                                 0, 2, 0), "k: expected a positive integer"),
        "the text instead of its words":
            (lambda: W.build_vocabulary("shall i compare thee"), "split it into words"),
        "a window of 0":
            (lambda: W.skipgram_pairs(np.array([0, 1, 2]), 0), "window"),
        "a corpus file that is not there":
            (lambda: W.load_sonnets("/nonexistent/sonnets.txt"), "not a file"),
        "a gradient of the wrong shape":
            (lambda: W.update_parameters(parameters, {"dE": np.zeros((3, 2)),
                                                      "dTheta": np.zeros((4, 2))}, 0.1), "dE"),
        "torch: E of the wrong shape":
            (lambda: T.SkipGram(4, 2).load_course_parameters({"E": np.zeros((4, 3)),
                                                               "Theta": np.zeros((4, 2))}),
             "E must have shape"),
        "model: vectors of 0 dimensions":
            (lambda: model_w2v.Word2Vec(emb_dim=0), "emb_dim: expected a positive integer"),
        "model: a word twice in the vocabulary":
            (lambda: model_w2v.Word2Vec(vocabulary=("thou", "art", "thou")), "distinct"),
        "model: a side with Adam":
            (lambda: model_w2v.Word2Vec(vocabulary=("a", "b")).side(
                "numpy", {"E": np.zeros((2, 50)), "Theta": np.zeros((2, 50))},
                optim=Optim(0.1, name="adam")), "constant rate"),
        "source: zero epochs":
            (lambda: model_w2v.SkipGramBatches(np.array([0]), np.array([1]), np.full(2, .5), 1, 1,
                                               0), "epochs"),
    }


BAD_INPUTS = _bad_inputs()


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input(case):
    call, match = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=match):
        call()
