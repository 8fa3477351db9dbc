"""`dl-parity train` on course 2's data sets and with its options, as a user runs it.

Short runs of each week's network, both implementations in lockstep (their printed costs
equal to rtol 1e-10, the project's float64 ceiling: measured |Δ cost| <= 4e-16), the first
cost the published one (one forward pass; printed to 12 digits, so to 1e-12 absolute),
the decision-boundary plot for the 2-D sets, and every bad option one line on stderr
with exit status 2. The full published runs are in test_course2_engine.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from ._tolerances import FLOAT64_RTOL, steps_of_layers, tolerance
from .test_cli import accuracies, cli, rows

pytest.importorskip("sklearn")


@pytest.mark.parametrize("argv, first", [
    (["--dataset", "circles", "--iterations", "1001", "--log-every", "500"], 0.8830537463419761),
    (["--dataset", "circles", "--init", "zeros", "--iterations", "3"], 0.6931471805599453),
    (["--dataset", "football", "--lambd", "0.7", "--iterations", "501", "--log-every", "250"],
     0.6974484493131264),
    (["--dataset", "football", "--keep-prob", "0.86", "--iterations", "501",
      "--log-every", "250"], 0.6543912405149825),
], ids=["circles-he", "circles-zeros", "football-L2", "football-dropout"])
def test_week1_runs_agree(capsys, argv, first):
    status, out, err = cli(capsys, "train", "--impl", "both", "--quiet", *argv)
    assert status == 0, err
    table = rows(out)
    assert table[0][0] == pytest.approx(first, abs=1e-12)
    for step, (c_numpy, c_torch) in table.items():
        assert c_torch == pytest.approx(c_numpy, rel=FLOAT64_RTOL), f"iteration {step}"
    train = accuracies(out, "train")
    assert len(train) == 2 and train[0] == train[1]


@pytest.mark.parametrize("argv, first_epoch", [
    (["--optimizer", "momentum"], "0.702413"),
    (["--optimizer", "adam"], "0.702166"),
    (["--lr", "0.1", "--decay", "update_lr"], "0.701091"),
    (["--optimizer", "adam", "--lr", "0.01", "--decay", "schedule_lr_decay"], "0.699346"),
    (["--optimizer", "adam", "--lr-drop-epoch", "3"], "0.702166"),
], ids=["momentum", "adam", "update_lr", "adam-schedule", "adam-step-drop"])
def test_week2_runs_agree(capsys, argv, first_epoch):
    """Epoch 1's cost_total / m is the course's epoch-0 print (six decimals)."""
    status, out, err = cli(capsys, "train", "--impl", "both", "--dataset", "moons",
                           "--epochs", "20", "--log-every", "1", "--quiet", *argv)
    assert status == 0, err
    table = rows(out)
    assert sorted(table) == list(range(1, 21))
    assert "%f" % table[1][0] == first_epoch
    for epoch, (c_numpy, c_torch) in table.items():
        assert c_torch == pytest.approx(c_numpy, rel=FLOAT64_RTOL), f"epoch {epoch}"
    assert "seed 11 + epoch" in out and "(moons has no test set)" in out


def test_batch_norm_dropout_adam_agree(capsys):
    status, out, err = cli(capsys, "train", "--impl", "both", "--dataset", "moons",
                           "--epochs", "10", "--quiet", "--optimizer", "adam", "--lr", "0.01",
                           "--batch-norm", "--keep-prob", "0.9", "--layers", "2,8,8,1")
    assert status == 0, err
    table = rows(out)
    for epoch, (c_numpy, c_torch) in table.items():
        assert c_torch == pytest.approx(c_numpy, rel=FLOAT64_RTOL), f"epoch {epoch}"
    assert "batch norm + dropout (keep_prob 0.9)" in out


@pytest.mark.parametrize("dataset", ["circles", "football", "moons"])
def test_decision_boundary_plots(capsys, tmp_path, dataset):
    path = tmp_path / f"{dataset}.png"
    steps = ["--epochs", "2"] if dataset == "moons" else ["--iterations", "20"]
    status, out, err = cli(capsys, "train", "--dataset", dataset, *steps, "--quiet",
                           "--plot", str(path))
    assert status == 0, err
    for p in (path, tmp_path / f"{dataset}-boundary.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"plot: {p}" in out


@pytest.mark.parametrize("argv, message", [
    (["moons", "--optimizer", "momentum", "--beta", "1.5"],
     "--beta: expected a number in [0, 1), got 1.5"),
    (["moons", "--beta", "0.9"], "--beta: only with --optimizer momentum (got --optimizer gd)"),
    (["moons", "--optimizer", "momentum", "--beta1", "0.9"], "--beta1: only with --optimizer adam"),
    (["moons", "--optimizer", "adam", "--beta2", "1"], "--beta2: expected a number in [0, 1)"),
    (["moons", "--optimizer", "adam", "--epsilon", "0"],
     "--epsilon: expected a number in (0, inf), got 0.0"),
    (["moons", "--decay-rate", "2"], "--decay-rate: only with --decay"),
    (["moons", "--decay", "update_lr", "--decay-rate", "-1"],
     "--decay-rate: expected a number in [0, inf), got -1.0"),
    (["moons", "--decay", "update_lr", "--time-interval", "5"],
     "--time-interval: only with --decay schedule_lr_decay"),
    (["moons", "--decay", "update_lr", "--lr-drop-epoch", "3"],
     "--decay: a run has one learning-rate schedule"),
    (["moons", "--lambd", "0.7"], "--lambd: the course's L2 term is lambd / (2 m)"),
    (["football", "--keep-prob", "0"], "--keep-prob: expected a probability in (0, 1], got 0.0"),
    (["football", "--keep-prob", "1.5"], "--keep-prob: expected a probability in (0, 1]"),
    (["football", "--lambd", "-1"], "--lambd: expected a finite number >= 0"),
    (["football", "--lambd", "0.7", "--keep-prob", "0.86"], "--lambd, --keep-prob: L2"),
    (["football", "--keep-prob", "0.8", "--layers", "2,5,5,5,1"],
     "--keep-prob: the course's regularization network has three layers"),
    (["circles", "--layers", "2,5,1"], "--layers: the week-1 nansum cost goes with"),
    (["circles", "--init", "random", "--seed", "4"], "--seed: the course's x 10 initialisation"),
    (["circles", "--batch-norm", "--init", "zeros"],
     "--init: the batch-norm network starts from He"),
    (["planar", "--optimizer", "adam"], "--optimizer: the mlp model has no such option "
                                        "(--dataset planar trains mlp; --optimizer is an option "
                                        "of course2"),
    (["cat", "--keep-prob", "0.5"], "--keep-prob: the mlp model has no such option"),
    (["mnist", "--model", "cnn", "--optimizer", "adam"],
     "--optimizer: the cnn model has no such option (--model cnn;"),
    (["mnist", "--model", "mlp", "--keep-prob", "0.5"],
     "--keep-prob: the mlp model has no such option (--model mlp;"),
    (["moons", "--lr", "0"], "--lr: expected a positive number"),
])
def test_bad_course2_options(capsys, argv, message):
    status, out, err = cli(capsys, "train", "--dataset", *argv)
    assert status == 2, out
    assert err.startswith("dl-parity: error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "moons", "--optimizer", "sgd"], "invalid choice: 'sgd'"),
    (["--dataset", "moons", "--decay", "exp"], "invalid choice: 'exp'"),
    (["--dataset", "circles", "--init", "xavier"], "invalid choice: 'xavier'"),
])
def test_unknown_course2_choice(capsys, argv, message):
    status, out, err = cli(capsys, "train", *argv)
    assert status == 2 and message in err and "Traceback" not in err


@pytest.mark.slow
def test_mnist_adam_dropout_batch_norm_one_epoch(capsys, mnist_root):
    """The issue's command line, one epoch, float32, both sides in lockstep: it runs, both
    sides print the same cost within float32's bound for 938 steps of this net (2 gamma_n,
    n = steps_of_layers x 938: the per-step rounding errors may add up), and both pass 95 %."""
    status, out, err = cli(capsys, "train", "--impl", "both", "--dataset", "mnist",
                           "--data-dir", str(mnist_root), "--optimizer", "adam",
                           "--keep-prob", "0.8", "--batch-norm", "--epochs", "1",
                           "--dtype", "float32", "--quiet")
    assert status == 0, err
    (c_numpy, c_torch), = rows(out).values()
    tol = tolerance(np.float32, steps_of_layers([784, 256, 128, 10], 64) * 938)
    assert abs(c_torch - c_numpy) <= tol["atol"] + tol["rtol"] * abs(c_numpy)
    assert min(accuracies(out, "test")) >= 95.0
