"""The command line of course 5's Dinosaurus Island model: ``dl-parity train --dataset dinos``
(the char_rnn model's recipe) and ``dl-parity sample``, run in-process.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from dl_parity.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from dl_parity.cli import main
from dl_parity.models.char_rnn import CharRNN
from dl_parity.models.mlp import MLP
from parity_tests.test_char_rnn_course import PUBLISHED_NAMES, PUBLISHED_TRACE
from scratch import char_rnn

VOCABULARY = "\n" + "abcdefghijklmnopqrstuvwxyz"


def cli(capsys, *argv):
    """``dl-parity argv`` in-process: (exit status, stdout, stderr)."""
    try:
        status = main(list(argv))
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def train(capsys, *argv):
    """``dl-parity train --dataset dinos argv``: (exit status, stdout, stderr)."""
    return cli(capsys, "train", "--dataset", "dinos", *argv)


def report_rows(out: str) -> dict[int, list[str]]:
    """iteration -> [smoothed losses as printed] from the log lines."""
    table = {}
    for line in out.splitlines():
        m = re.match(r"^\s*(\d+)\s+(\d+\.\d{6})(?:\s+(\d+\.\d{6}))?(?:\s|$)", line)
        if m:
            table[int(m.group(1))] = [g for g in m.groups()[1:] if g]
    return table


def names_after(out: str, iteration: int, count: int = 7) -> list[list[str]]:
    """The name lines printed after the log line of ``iteration``, split into columns."""
    lines = out.split("\n")
    i = next(k for k, line in enumerate(lines) if re.match(rf"^\s*{iteration}\s+\d", line))
    return [line.split() for line in lines[i + 2:i + 2 + count]]


# ----------------------------------------------------------------------------- train
def test_train_both_prints_the_course_report(capsys, tmp_path):
    """1001 iterations in lockstep: both smoothed losses are the published ones at 0 and
    1000, the names the course's, the parameter difference printed; --save writes the
    NumPy side's dict with the vocabulary, and it is the course model's dict."""
    path = tmp_path / "dinos.npz"
    status, out, err = train(capsys, "--impl", "both", "--iterations", "1001", "--quiet",
                             "--save", str(path))
    assert status == 0, err
    rows = report_rows(out)
    assert rows == {0: [PUBLISHED_TRACE[0]] * 2, 1000: [PUBLISHED_TRACE[1000]] * 2}
    assert names_after(out, 0) == [[n, n] for n in PUBLISHED_NAMES[0]]
    diffs = [float(x) for x in re.findall(r"\d+\.\d{6}\s+(\d\.\de[-+]\d+) \(", out)]
    assert len(diffs) == 2 and max(diffs) < 1e-12
    assert "final max |numpy - torch|" in out
    ckpt = load_checkpoint(path)
    assert (ckpt.model.vocabulary, ckpt.impl, ckpt.step, ckpt.dtype) == (VOCABULARY, "numpy",
                                                                         1001, "float64")
    examples, char_to_ix, ix_to_char = char_rnn.load_dinos()
    expected, _ = char_rnn.model(examples, ix_to_char, char_to_ix, 1001)
    capsys.readouterr()
    for key in expected:
        np.testing.assert_array_equal(ckpt.parameters[key], expected[key])


@pytest.mark.parametrize("impl", ["numpy", "torch"])
def test_train_one_side(capsys, impl):
    status, out, err = train(capsys, "--impl", impl, "--iterations", "3", "--log-every", "2",
                             "--names", "2", "--quiet")
    assert status == 0, err
    assert report_rows(out) == {0: [PUBLISHED_TRACE[0]], 2: [report_rows(out)[2][0]]}
    assert names_after(out, 0, 2) == [[n] for n in PUBLISHED_NAMES[0][:2]]
    assert "max |Δ param|" not in out


@pytest.mark.parametrize("argv, message", [
    (["--iterations", "0"], "--iterations: expected a positive integer, got 0"),
    (["--lr", "-1"], "--lr: expected a positive number, got -1.0"),
    (["--names", "0"], "--names: expected a positive integer, got 0"),
    (["--epochs", "2"], "--epochs: the char_rnn model has no such option"),
    (["--layers", "27,50,27"], "--layers: the char_rnn model has no such option"),
    # issue 15, item 7: the course-2 options were silently ignored here
    (["--optimizer", "adam"], "--optimizer: the char_rnn model has no such option"),
    (["--lambd", "0.1"], "--lambd: the char_rnn model has no such option"),
    (["--keep-prob", "0.5"], "--keep-prob: the char_rnn model has no such option"),
    (["--batch-norm"], "--batch-norm: the char_rnn model has no such option"),
    (["--init", "he"], "--init: the char_rnn model has no such option"),
    (["--batch-size", "8"], "--batch-size: the char_rnn model has no such option"),
    (["--model", "cnn"], "--model cnn: not available with --dataset dinos"),
    (["--save", "/no/such/folder/x.npz"], "--save /no/such/folder/x.npz: the folder"),
    (["--data-dir", "/no/such/folder"], "--data-dir /no/such/folder: no dinos.txt there"),
])
def test_train_bad_input(capsys, argv, message):
    status, out, err = train(capsys, *argv)
    assert status == 2
    assert err.strip().splitlines() == [f"dl-parity: error: {err.strip()[18:]}"]
    assert message in err


def test_train_data_dir(capsys, tmp_path):
    (tmp_path / "dinos.txt").write_text("Abc\nbac\ncab")
    status, out, err = train(capsys, "--impl", "both", "--iterations", "4", "--quiet",
                             "--data-dir", str(tmp_path), "--names", "1")
    assert status == 0, err
    assert "on dinos (3 names, 4 characters, data loaded in" in out
    assert "4 (one-hot) -> 50 (tanh, recurrent) -> 4 (softmax)" in out


# ----------------------------------------------------------------------------- sample
@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """The course's initial weights, saved as a char-RNN checkpoint."""
    path = tmp_path_factory.mktemp("dinos") / "initial.npz"
    save_checkpoint(path, Checkpoint(CharRNN(), CharRNN().initial_parameters(), "dinos",
                                     "float64"))
    return path


@pytest.mark.parametrize("impl", ["numpy", "torch"])
def test_sample_gives_the_courses_names(capsys, checkpoint, impl):
    status, out, err = cli(capsys, "sample", "--checkpoint", str(checkpoint), "--impl", impl)
    assert status == 0, err
    assert out.splitlines() == PUBLISHED_NAMES[0]
    status, out, _ = cli(capsys, "sample", "--checkpoint", str(checkpoint), "--impl", impl,
                         "--names", "3", "--seed", "4")
    assert out.splitlines() == PUBLISHED_NAMES[0][4:7]


def test_sample_bad_input(capsys, checkpoint, tmp_path):
    mlp = tmp_path / "mlp.npz"
    save_checkpoint(mlp, Checkpoint(MLP((2, 1)), {"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))},
                                    "planar", "float64"))
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip file")
    bad_vocab = tmp_path / "bad.npz"
    entries = dict(np.load(checkpoint))
    config = dict(json.loads(str(entries["config"])), vocabulary="abc\n")
    np.savez(bad_vocab, **{**entries, "config": np.str_(json.dumps(config))})
    cases = [
        (["--checkpoint", str(tmp_path / "missing.npz")], "checkpoint not found"),
        (["--checkpoint", str(mlp)], "the mlp model does not sample (models that do: char_rnn)"),
        (["--checkpoint", str(junk)], "not a dl-parity checkpoint"),
        (["--checkpoint", str(bad_vocab)], "Wax should be (50, 4) for n_a = 50 and a vocabulary "
                                           "of 4 characters, got (50, 27)"),
        (["--checkpoint", str(checkpoint), "--names", "0"],
         "--names: expected a positive integer, got 0"),
    ]
    for argv, message in cases:
        status, out, err = cli(capsys, "sample", *argv)
        assert status == 2, argv
        assert len(err.strip().splitlines()) == 1 and message in err, err


def test_checkpoint_refuses_nan(tmp_path):
    from dl_parity.checkpoint import CheckpointError

    parameters = CharRNN().initial_parameters()
    parameters["by"][0, 0] = np.nan
    with pytest.raises(CheckpointError, match="refusing to save by: it holds NaN or inf"):
        save_checkpoint(tmp_path / "x.npz", Checkpoint(CharRNN(), parameters, "dinos",
                                                       "float64"))
    assert list(tmp_path.iterdir()) == []


def test_evaluate_a_char_rnn_checkpoint_samples_its_names(capsys, checkpoint, tmp_path):
    """evaluate reads every model: the character model's evaluation is the names it samples
    (the course's seeds 0..6), the same from either implementation; it has no figure, and
    --plot is refused before anything is printed."""
    outs = {}
    for impl in ("numpy", "torch"):
        status, out, err = cli(capsys, "evaluate", "--checkpoint", str(checkpoint), "--impl", impl)
        assert status == 0, err
        outs[impl] = out.splitlines()[3:]
    assert outs["numpy"] == outs["torch"] == [f"    {n}" for n in PUBLISHED_NAMES[0]]
    status, out, err = cli(capsys, "evaluate", "--checkpoint", str(checkpoint), "--plot",
                           str(tmp_path / "x.png"))
    assert status == 2 and out == "" and "--plot: the char_rnn model has no evaluation figure" in err
