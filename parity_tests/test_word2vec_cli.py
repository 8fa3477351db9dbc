"""`dl-parity train --dataset sonnets` as a user runs it: the word vectors in lockstep through
the engine, one line per epoch, the neighbours and analogies at the end; options that mean
nothing for it refused with one line."""
from __future__ import annotations

import re

import pytest

from dl_parity.cli import main


def test_sonnets_trains_both_sides_in_lockstep(capsys):
    """One epoch at batch 4096 (35 steps): both costs printed, equal to the printed digits;
    the parameters within 1e-12 (measured here: ~1e-16); the report's sections."""
    status = main(["train", "--dataset", "sonnets", "--impl", "both", "--epochs", "1",
                   "--batch-size", "4096", "--lr", "16", "--quiet"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "numpy and torch in lockstep on sonnets (17672 words, 3174 distinct" in out
    row = re.search(r"^\s+1\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+) \((E|Theta)\)$", out, re.M)
    assert row, out
    assert row.group(1) == row.group(2)
    assert float(row.group(4)) <= 1e-12
    assert "nearest words by cosine similarity" in out and "thou : thy :: i :" in out


@pytest.mark.parametrize("argv, message", [
    (["--save", "v.npz"], "--save: not available for sonnets"),
    (["--layers", "3,2"], "--layers"),
    (["--iterations", "5"], "--iterations: the word vectors train in epochs"),
    (["--model", "cnn"], "--model cnn: not available with --dataset sonnets"),
    (["--optimizer", "adam"], "course-2 options"),
    (["--epochs", "0"], "--epochs: expected a positive integer"),
    (["--data-dir", "/nonexistent"], "no sonnets.txt there"),
])
def test_sonnets_refuses_what_does_not_apply(argv, message, capsys):
    assert main(["train", "--dataset", "sonnets", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
