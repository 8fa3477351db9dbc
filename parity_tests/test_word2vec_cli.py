"""`dl-parity train --dataset sonnets` as a user runs it: the word vectors (the registered
"word2vec" model, dl_parity.models.word2vec, and its recipe row) in lockstep through the
engine, one line per epoch, the nearest words and analogies at the end; its own flags
(--emb-dim, --window, --negatives); --save writes the one checkpoint format, which
`dl-parity evaluate` reads with either implementation; options that mean nothing for it
refused with one line."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from dl_parity.checkpoint import load_checkpoint
from dl_parity.cli import main
from dl_parity.models.word2vec import Word2Vec


def test_sonnets_trains_both_sides_in_lockstep(capsys):
    """One epoch at batch 4096 (35 steps): both costs printed, equal to the printed digits;
    the parameters within 1e-12 (measured here: ~2e-16); the evaluation's sections."""
    status = main(["train", "--dataset", "sonnets", "--impl", "both", "--epochs", "1",
                   "--batch-size", "4096", "--lr", "16", "--quiet"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "numpy and torch in lockstep on sonnets (17672 words, 3174 distinct" in out
    assert "1 epoch of 35 batches of 4096 pairs (141356 skip-gram pairs within +-4 words" in out
    row = re.search(r"^\s+1\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+) \((E|Theta)\)$", out, re.M)
    assert row, out
    assert row.group(1) == row.group(2)
    assert float(row.group(4)) <= 1e-12
    assert "numpy's parameters (the same lines with torch's):" in out
    assert "nearest words by cosine similarity" in out and "thou : thy :: i :" in out
    assert "(17,672 words are far too few" in out


def test_sonnets_saves_and_evaluates_with_either_implementation(capsys, tmp_path):
    """--save writes E, Theta and the model's config (the vocabulary in index order, the
    sizes the flags set); `evaluate` rebuilds the model from it and prints, with either
    implementation, the very lines training printed; --plot draws the learning curves."""
    path, plot = tmp_path / "vectors.npz", tmp_path / "curves.png"
    status = main(["train", "--dataset", "sonnets", "--impl", "torch", "--epochs", "1",
                   "--batch-size", "8192", "--lr", "16", "--emb-dim", "8", "--window", "2",
                   "--negatives", "3", "--save", str(path), "--plot", str(plot), "--quiet"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "vectors of 8, pairs within +-2 words, 3 negatives each" in out
    trained = out.split("torch's parameters:\n", 1)[1].split("\ncheckpoint:", 1)[0]
    assert "nearest words" in trained and plot.is_file()
    ckpt = load_checkpoint(path)
    assert (ckpt.impl, ckpt.dataset, ckpt.step) == ("torch", "sonnets", 9)
    assert ckpt.model == Word2Vec(emb_dim=8, window=2, negatives=3)
    assert ckpt.parameters["E"].shape == ckpt.parameters["Theta"].shape == (3174, 8)
    with np.load(path, allow_pickle=False) as npz:
        config = json.loads(str(npz["config"]))
    assert config["vocabulary"][:4] == ["and", "the", "to", "my"]
    for impl in ("numpy", "torch"):
        assert main(["evaluate", "--checkpoint", str(path), "--impl", impl]) == 0
        out = capsys.readouterr().out
        assert f"with {impl} on sonnets" in out
        assert out.split("\n", 2)[2].strip("\n") == trained.strip("\n")


@pytest.mark.parametrize("argv, message", [
    (["--layers", "3,2"], "--layers: the word2vec model has no such option"),
    (["--model", "word2vec", "--iterations", "5"],
         "--iterations: the word2vec model has no such option"),
    (["--lr-drop-epoch", "3"], "--lr-drop-epoch: the word2vec model has no such option"),
    (["--model", "word2vec", "--names", "3"],
         "--names: the word2vec model has no such option"),
    (["--model", "cnn"], "--model cnn: not available with --dataset sonnets"),
    (["--optimizer", "adam"], "--optimizer: the word2vec model has no such option"),
    (["--epochs", "0"], "--epochs: expected a positive integer"),
    (["--window", "0"], "--window: expected a positive integer, got 0"),
    (["--negatives", "0"], "--negatives: expected a positive integer, got 0"),
    (["--emb-dim", "0"], "--emb-dim: expected a positive integer, got 0"),
    (["--lr", "0"], "--lr: expected a positive number"),
    (["--data-dir", "/nonexistent"], "no sonnets.txt there"),
])
def test_sonnets_refuses_what_does_not_apply(argv, message, capsys, tmp_path):
    save = tmp_path / "v.npz"
    assert main(["train", "--dataset", "sonnets", "--save", str(save), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not save.exists()


def test_a_word2vec_checkpoint_is_evaluated_on_a_text_only(capsys, tmp_path):
    """evaluate --dataset with a data set of no word2vec recipe: one line, nothing read."""
    path = tmp_path / "v.npz"
    assert main(["train", "--dataset", "sonnets", "--impl", "numpy", "--epochs", "1",
                 "--batch-size", "65536", "--emb-dim", "2", "--save", str(path),
                 "--quiet"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(path), "--dataset", "dinos"]) == 2
    err = capsys.readouterr().err
    assert "the word2vec model reads a text (sonnets), got 'dinos'" in err
    assert len(err.strip().splitlines()) == 1
