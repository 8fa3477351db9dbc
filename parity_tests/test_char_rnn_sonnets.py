"""Course 5, week 1, "Writing like Shakespeare" with the dinosaur model: the course's
character-level RNN (scratch.char_rnn, unchanged) trained on the lines of the sonnets
instead of the dinosaur names, beside torch_ref.char_rnn, through the engine.

Nothing new was needed: ``load_dinos(path)`` reads any text, one example a line, and builds
the vocabulary from it (38 characters here: "\\n", space, 10 punctuation marks, a-z);
``CharRNN(vocabulary=...)`` (its 38 characters in index order) and ``CourseNames.course(iterations, path)`` take the course's
order (shuffled once after ``np.random.seed(0)``), weights and seeds.

Tolerance, as test_char_rnn_engine.py's: t + 1 optimize steps' roundings for the longest
line (59 characters, T = 60), times the amplification G'_t that K = 4 NumPy reruns from
weights moved by 1024 ulps measure (1 while training is stable); and the measured
separation, float64, held below 1e-12.
"""
from __future__ import annotations

import numpy as np
import pytest

from dl_parity.engine import run
from dl_parity.options import cpu_threads
from dl_parity.models.char_rnn import CharRNN, CourseNames, sample_names
from parity_tests._sensitivity import (K_PERTURBATIONS, PERTURBATION_SEED, _distance,
                                       close_along, growth, perturb, rounded_up)
from parity_tests._tolerances import tolerance
from parity_tests.test_char_rnn import steps_of_char_rnn
from parity_tests.test_char_rnn_engine import Record
from scratch import char_rnn
from scratch.word2vec import SONNETS_PATH

ITERATIONS = 500
STRIDE = 10


@pytest.fixture(scope="module")
def sonnets():
    return char_rnn.load_dinos(SONNETS_PATH)


def _model() -> CharRNN:
    """The course's model over the sonnets' 38 characters, in the course's index order."""
    _, _, ix_to_char = char_rnn.load_dinos(SONNETS_PATH)
    return CharRNN(vocabulary="".join(ix_to_char[i] for i in range(len(ix_to_char))))


def test_the_sonnets_as_the_course_reads_them(sonnets):
    examples, char_to_ix, ix_to_char = sonnets
    assert len(examples) == 2469 and examples[0] == "the sonnets"        # lower-cased
    assert "".join(sorted(char_to_ix)) == "\n !'(),-.:;?abcdefghijklmnopqrstuvwxyz"
    assert max(len(x.strip()) for x in examples) == 59


def test_engine_numpy_side_is_the_course_model(sonnets, capsys):
    """The course's own ``model`` on the sonnets (vocab_size 38) and the engine's NumPy side
    hold the same parameters, bit for bit, after 301 iterations."""
    examples, char_to_ix, ix_to_char = sonnets
    expected, _ = char_rnn.model(examples, ix_to_char, char_to_ix, 301, vocab_size=38)
    # the smoothed loss starts from -log(1/38) x 7 = 25.463 and takes the first line's loss in
    assert "Iteration: 0, Loss: 25.564959" in capsys.readouterr().out
    model = _model()
    side = model.side("numpy", model.initial_parameters())
    run([side], CourseNames.course(301, SONNETS_PATH))
    for key in char_rnn.PARAMETER_KEYS:
        np.testing.assert_array_equal(side.course_parameters()[key], expected[key], err_msg=key)


@pytest.fixture(scope="module")
def amplification_factors():
    model = _model()
    parameters = model.initial_parameters()
    rng = np.random.default_rng(PERTURBATION_SEED)
    starts = [perturb(parameters, rng) for _ in range(K_PERTURBATIONS)]
    sides = [model.side("numpy", parameters)]
    for k, start in enumerate(starts):
        sides.append(model.side("numpy", start))
        sides[-1].name = f"perturbed {k}"
    record = Record(STRIDE)
    run(sides, CourseNames.course(ITERATIONS, SONNETS_PATH), [record])
    reference = [parameters] + record.states["numpy"]
    d = np.zeros(len(reference))
    for k, start in enumerate(starts):
        states = [start] + record.states[f"perturbed {k}"]
        d = np.maximum(d, [_distance(p, q) for p, q in zip(states, reference)])
    return rounded_up(growth(d / d[0]))[1:]


@pytest.mark.slow
def test_lockstep_on_the_sonnets(device, parity, sonnets, amplification_factors):
    """500 lines in lockstep: every loss and the parameters every 10 iterations within the
    accumulated tolerance; the measured separation below 1e-12; the same 7 lines sampled."""
    _, char_to_ix, ix_to_char = sonnets
    model = _model()
    parameters = model.initial_parameters()
    sides = [model.side("numpy", parameters), model.side("torch", parameters, device=device)]
    record = Record(STRIDE)
    with cpu_threads(1):                 # as `dl-parity train --impl both` runs the two sides
        history = run(sides, CourseNames.course(ITERATIONS, SONNETS_PATH), [record])
    n_step = steps_of_char_rnn(38, 50, 38, 60)
    parity.close("loss of every line", np.array(history.costs["torch"]),
                 np.array(history.costs["numpy"]), **tolerance(np.float64, ITERATIONS * n_step),
                 formula="c5.char_rnn_model")
    steps = np.array(record.steps)
    tol = tolerance(np.float64, (int(steps[-1]) + 1) * n_step)
    worst = 0.0
    for key in char_rnn.PARAMETER_KEYS:
        a = np.array([p[key] for p in record.states["torch"]])
        b = np.array([p[key] for p in record.states["numpy"]])
        close_along(parity, f"{key} every {STRIDE} lines", a, b,
                    amplification_factors[:len(steps)], **tol, formula="c5.char_rnn_model")
        worst = max(worst, float(np.max(np.abs(a - b))))
    assert worst <= 1e-12, worst
    lines = [sample_names(side, char_to_ix, ix_to_char) for side in sides]
    assert lines[0] == lines[1] and len(lines[0]) == 7


def test_train_sonnets_with_the_char_rnn_from_the_command_line(capsys):
    """`dl-parity train --dataset sonnets --model char_rnn` (issue 19 item 7): the recipe
    row trains the dinosaur model on the sonnets' lines, both sides in lockstep, over the
    sonnets' 38 characters (not the names' 27)."""
    from dl_parity.cli import main

    status = main(["train", "--dataset", "sonnets", "--model", "char_rnn", "--iterations", "3",
                   "--quiet"])
    out = capsys.readouterr().out
    assert status == 0
    assert "38 (one-hot) -> 50 (tanh, recurrent) -> 38" in out
    assert "numpy and torch in lockstep on sonnets" in out
    assert "iteration 11400" not in out          # the names' measured note is not the sonnets'
