"""The command line of course 5's Dinosaurus Island model: ``dl-parity train --dataset dinos``
(``dl_parity.commands.dinos.run_dinos``) and ``dl-parity sample``, run in-process.

Until the train command dispatches ``--dataset dinos`` itself, :func:`train` parses the
options with the train command's own parser (``--dataset planar``, then set to dinos) and
calls ``run_dinos`` as the dispatch will.
"""
from __future__ import annotations

import argparse
import re
import sys

import numpy as np
import pytest

from dl_parity.checkpoint import Checkpoint, save_checkpoint
from dl_parity.checkpoint_char import (CharCheckpoint, load_char_checkpoint,
                                       save_char_checkpoint)
from dl_parity.cli import UsageError, main
from dl_parity.commands import dinos as dinos_command
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


def _dispatch_is_in() -> bool:
    """Whether the train command's --dataset accepts dinos (the lead's dispatch is in)."""
    from dl_parity.commands import train as train_command
    parser = argparse.ArgumentParser()
    p = train_command.add_parser(parser.add_subparsers())
    dataset = next(a for a in p._actions if "--dataset" in a.option_strings)
    return "dinos" in (dataset.choices or ())


def train(capsys, *argv):
    """``dl-parity train --dataset dinos argv``: (exit status, stdout, stderr)."""
    if _dispatch_is_in():
        return cli(capsys, "train", "--dataset", "dinos", *argv)
    from dl_parity.commands import train as train_command
    parser = argparse.ArgumentParser(prog="dl-parity")
    p = train_command.add_parser(parser.add_subparsers())
    dinos_command.add_dinos_arguments(p)
    try:
        args = parser.parse_args(["train", "--dataset", "planar", *argv])
        args.dataset = "dinos"
        status = dinos_command.run_dinos(args)
    except SystemExit as exc:
        status = exc.code
    except UsageError as exc:
        print(f"dl-parity: error: {exc}", file=sys.stderr)
        status = exc.status
    out, err = capsys.readouterr()
    return status, out, err


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
    ckpt = load_char_checkpoint(path)
    assert (ckpt.vocabulary, ckpt.impl, ckpt.step, ckpt.dtype) == (VOCABULARY, "numpy", 1001,
                                                                   "float64")
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
    (["--epochs", "2"], "--epochs: the character model trains one name per iteration"),
    (["--layers", "27,50,27"], "--layers: the character model's sizes are fixed"),
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
    assert "on dinos (3 names, 4 characters)" in out


# ----------------------------------------------------------------------------- sample
@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """The course's initial weights, saved as a char-RNN checkpoint."""
    from dl_parity.models.char_rnn import CharRNN

    path = tmp_path_factory.mktemp("dinos") / "initial.npz"
    save_char_checkpoint(path, CharCheckpoint(CharRNN().initial_parameters(), VOCABULARY))
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
    save_checkpoint(mlp, Checkpoint({"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))}, [2, 1],
                                    "relu", "sigmoid", "planar", "float64"))
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip file")
    bad_vocab = tmp_path / "bad.npz"
    parameters = dict(np.load(checkpoint))
    np.savez(bad_vocab, **{**parameters, "vocabulary": np.str_("abc\n")})
    cases = [
        (["--checkpoint", str(tmp_path / "missing.npz")], "checkpoint not found"),
        (["--checkpoint", str(mlp)], "not a char-RNN checkpoint (dl-parity train --dataset "
                                     "dinos --save): got an MLP checkpoint"),
        (["--checkpoint", str(junk)], "not a dl-parity checkpoint"),
        (["--checkpoint", str(bad_vocab)], "Wax should be (n_a, 4) for a vocabulary of 4"),
        (["--checkpoint", str(checkpoint), "--names", "0"],
         "--names: expected a positive integer, got 0"),
    ]
    for argv, message in cases:
        status, out, err = cli(capsys, "sample", *argv)
        assert status == 2, argv
        assert len(err.strip().splitlines()) == 1 and message in err, err


def test_checkpoint_refuses_nan(tmp_path):
    from dl_parity.checkpoint import CheckpointError
    from dl_parity.models.char_rnn import CharRNN

    parameters = CharRNN().initial_parameters()
    parameters["by"][0, 0] = np.nan
    with pytest.raises(CheckpointError, match="refusing to save by: it holds NaN or inf"):
        save_char_checkpoint(tmp_path / "x.npz", CharCheckpoint(parameters, VOCABULARY))
    assert list(tmp_path.iterdir()) == []
