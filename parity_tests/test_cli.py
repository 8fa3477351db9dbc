"""The command line: `dl-parity train` and `dl-parity evaluate`, run as a user runs them.

Each test calls ``dl_parity.cli.main([...])`` in-process and reads what it prints (one
test runs the installed console script instead). The printed costs carry 12 significant
digits, so a printed value is within 5e-13 (relative) of the computed one: comparisons of
printed costs at rtol 1e-10 (the project's float64 ceiling) test the runs, not the printing.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from dl_parity.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from dl_parity.cli import main
from dl_parity.models.mlp import MLP

from ._tolerances import FLOAT64_RTOL, steps_of_layers, tolerance

ROOT = Path(__file__).resolve().parents[1]
PLANAR = MLP((2, 4, 1), "tanh")


def cli(capsys, *argv):
    """Run ``dl-parity argv`` in-process: (exit status, stdout, stderr)."""
    try:
        status = main(list(argv))
    except SystemExit as exc:       # argparse's own usage errors
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def rows(out: str) -> dict[int, list[float]]:
    """The log lines: step -> [cost numpy, cost torch, ...] as printed."""
    table = {}
    for line in out.splitlines():
        m = re.match(r"^\s*(\d+)\s+([-+0-9.e]+)\s+([-+0-9.e]+)(?:\s|$)", line)
        if m:
            table[int(m.group(1))] = [float(m.group(2)), float(m.group(3))]
    return table


def accuracies(out: str, which: str) -> list[float]:
    """[numpy %, torch %] from the summary line "train accuracy  90.75 %  90.50 %"."""
    line = next(l for l in out.splitlines() if l.startswith(f"{which} accuracy"))
    return [float(x) for x in re.findall(r"([\d.]+) %", line)]


# ----------------------------------------------------------------------------- planar
def test_planar_both_short_run_agrees(capsys):
    """2000 iterations of the demo's model: both costs, every 250 iterations, equal to rtol 1e-10.

    Planar gradient descent is stable up to about iteration 7700 (see
    test_course_results.py::test_course_planar), so here the two routes differ only by
    rounding: measured |Δ cost| <= 2e-16 and max |Δ param| <= 3e-14.
    """
    status, out, err = cli(capsys, "train", "--impl", "both", "--dataset", "planar",
                           "--iterations", "2000", "--log-every", "250", "--quiet")
    assert status == 0, err
    table = rows(out)
    assert sorted(table) == [0, 250, 500, 750, 1000, 1250, 1500, 1750, 1999]
    # J(0) published in COURSE_RESULTS.md; 5e-13 printing + one forward pass
    assert table[0][0] == pytest.approx(0.6930480201239823, abs=1e-12)
    for step, (c_numpy, c_torch) in table.items():
        assert c_torch == pytest.approx(c_numpy, rel=FLOAT64_RTOL), f"iteration {step}"
    assert "final max |numpy - torch|" in out


@pytest.mark.slow
def test_demo_planar(capsys):
    """Exactly what `make demo` runs: >= 90 % for both, costs every 1000 iterations.

    The curves agree to rtol 1e-10 through iteration 7000; past ~7700 lr 1.2 is beyond
    gradient descent's stability limit and each run's last-bit rounding picks its own
    oscillation (measured in test_course_planar), which the command says in a note.
    """
    status, out, err = cli(capsys, "train", "--impl", "both", "--dataset", "planar")
    assert status == 0, err
    table = rows(out)
    assert sorted(table) == [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 9999]
    for step in range(0, 7001, 1000):
        assert table[step][1] == pytest.approx(table[step][0], rel=FLOAT64_RTOL), step
    # the oscillating end: COURSE_RESULTS' J(9000) = 0.2185604 within the 2e-4 that
    # one-ulp perturbations of the start reach (test_course_planar)
    assert table[9000] == pytest.approx([0.2185604, 0.2185604], abs=2e-4)
    train = accuracies(out, "train")
    assert len(train) == 2 and min(train) >= 90.0, out
    assert "note: the two runs agreed" in out


# ----------------------------------------------------------------------------- checkpoints
def test_checkpoint_torch_to_numpy_same_predictions(capsys, tmp_path):
    """Train with PyTorch only, save; NumPy and torch predict the same labels from the file."""
    from dl_parity.commands.evaluate import load_model
    from dl_parity.data import load_data

    path = tmp_path / "planar.npz"
    status, out, err = cli(capsys, "train", "--impl", "torch", "--dataset", "planar",
                           "--iterations", "1500", "--log-every", "500", "--save", str(path))
    assert status == 0, err
    assert sorted(os.listdir(tmp_path)) == ["planar.npz"]        # no temporary files left
    with np.load(path, allow_pickle=False) as npz:               # plain arrays, no pickle
        assert sorted(npz.files) == sorted(["W1", "b1", "W2", "b2", "model", "config",
                                            "dataset", "dtype", "impl", "step"])
        assert str(npz["impl"]) == "torch" and int(npz["step"]) == 1500
        config = json.loads(str(npz["config"]))
        assert str(npz["model"]) == "mlp" and config["layer_dims"] == [2, 4, 1]
        assert config["hidden_activation"] == "tanh"

    data = load_data("planar")
    *_, numpy_net = load_model(path, None, "numpy")
    *_, torch_net = load_model(path, None, "torch")
    A_numpy, A_torch = numpy_net.output(data.X_train), torch_net.output(data.X_train)
    # one forward pass through 2 -> 4 -> 1 in float64: rounding ~1e-16; no output sits within
    # 1e-9 of the 0.5 threshold, so equal labels are implied and checked exactly below
    np.testing.assert_allclose(A_torch, A_numpy, rtol=FLOAT64_RTOL)
    assert np.min(np.abs(A_numpy - 0.5)) > 1e-9
    np.testing.assert_array_equal(numpy_net.predict(data.X_train),
                                  torch_net.predict(data.X_train))

    outs = {}
    for impl in ("numpy", "torch"):
        status, out, err = cli(capsys, "evaluate", "--checkpoint", str(path), "--impl", impl)
        assert status == 0, err
        outs[impl] = [l for l in out.splitlines() if "accuracy" in l]
    assert outs["numpy"] == outs["torch"] and len(outs["numpy"]) == 2


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    """A write that fails half-way leaves the old checkpoint byte for byte, and no stray file."""
    good = {"W1": np.ones((4, 2)), "b1": np.zeros((4, 1)), "W2": np.ones((1, 4)),
            "b2": np.zeros((1, 1))}
    path = tmp_path / "model.npz"
    save_checkpoint(path, Checkpoint(PLANAR, good, "planar", "float64"))
    before = path.read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="simulated"):
        save_checkpoint(path, Checkpoint(PLANAR, {k: v * 2 for k, v in good.items()}, "planar",
                                         "float64"))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]

    bad = dict(good, W2=np.full((1, 4), np.nan))
    monkeypatch.undo()
    with pytest.raises(CheckpointError, match="NaN or inf"):
        save_checkpoint(path, Checkpoint(PLANAR, bad, "planar", "float64"))
    assert path.read_bytes() == before


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("argv, message", [
    (["train", "--dataset", "imagenet"], "invalid choice: 'imagenet'"),
    (["train", "--dataset", "planar", "--impl", "jax"], "invalid choice: 'jax'"),
    (["train", "--dataset", "planar", "--device", "tpu"], "invalid choice: 'tpu'"),
    (["evaluate", "--checkpoint", "x.npz", "--impl", "both"], "invalid choice: 'both'"),
])
def test_unknown_choice_is_a_usage_error(capsys, argv, message):
    status, out, err = cli(capsys, *argv)
    assert status == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["--layers", "3,4,1"], "--layers: the first size must be the input size of planar, n_x = 2; "
                            "got 3"),
    (["--layers", "2,4,2"], "--layers: the last size must be 1 for planar"),
    (["--layers", "2,four,1"], "--layers: expected comma-separated positive integers"),
    (["--layers", "2,0,1"], "--layers: expected at least two positive sizes"),
    (["--lr", "-1"], "--lr: expected a positive number, got -1.0"),
    (["--epochs", "3"], "--epochs: planar trains full batch"),
    (["--save", "/nonexistent-folder/m.npz"], "--save /nonexistent-folder/m.npz: the folder"),
])
def test_bad_train_options(capsys, argv, message):
    status, out, err = cli(capsys, "train", "--dataset", "planar", *argv)
    assert status == 2, out
    assert err.startswith("dl-parity: error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1


def test_iterations_with_mini_batches(capsys):
    status, _, err = cli(capsys, "train", "--dataset", "mnist", "--iterations", "5")
    assert status == 2 and "with mini-batches (batch size 64) training is counted in epochs" in err


def test_cuda_without_cuda(capsys):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here: the error cannot happen")
    status, _, err = cli(capsys, "train", "--dataset", "planar", "--device", "cuda")
    assert status == 2 and "--device cuda: CUDA is not available" in err


def test_missing_data_is_a_usage_error(capsys, tmp_path):
    status, _, err = cli(capsys, "train", "--dataset", "cat", "--data-dir", str(tmp_path))
    assert status == 2 and "the cat vs non-cat data set is not in" in err
    assert len(err.strip().splitlines()) == 1



def test_missing_mnist_is_downloaded_by_torchvision_and_offline_is_a_usage_error(
        capsys, tmp_path, monkeypatch):
    # With the files absent, the CLI asks torchvision to download them (the user's
    # route to MNIST). Here torchvision's download is made to fail as it does offline,
    # whatever this machine's network: the user gets one clear error, exit 2, no traceback.
    from torchvision.datasets import MNIST

    calls = []

    def offline(self):
        calls.append(self.root)
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: no network")

    monkeypatch.setattr(MNIST, "download", offline)
    status, out, err = cli(capsys, "train", "--dataset", "mnist", "--impl", "torch",
                           "--epochs", "1", "--data-dir", str(tmp_path))
    assert calls, "torchvision's download was not attempted"
    assert "downloading it with torchvision" in out
    assert status == 2 and "MNIST is not in" in err and "Download failed" in err
    assert "Traceback" not in err

def _planar_checkpoint(tmp_path) -> Path:
    params = {"W1": np.ones((4, 2)), "b1": np.zeros((4, 1)), "W2": np.ones((1, 4)),
              "b2": np.zeros((1, 1))}
    return save_checkpoint(tmp_path / "ok.npz", Checkpoint(PLANAR, params, "planar", "float64"))


def test_bad_checkpoints(capsys, tmp_path):
    ok = _planar_checkpoint(tmp_path)
    text = tmp_path / "notes.npz"
    text.write_text("not a checkpoint\n")
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, W1=np.array([{"evil": 1}], dtype=object))
    one_array = tmp_path / "array.npy"
    np.save(one_array, np.ones(3))
    wrong_shape = tmp_path / "wrong.npz"
    with np.load(ok) as npz:
        arrays = dict(npz)
    arrays["W2"] = np.ones((1, 5))
    np.savez(wrong_shape, **arrays)

    cases = [
        ([str(ok), "--layers", "2,8,1"], "the checkpoint's arrays are for layers 2,4,1, but "
                                         "--layers asks for 2,8,1"),
        ([str(ok), "--dataset", "mnist"], "does not fit mnist"),
        ([str(text)], "not a dl-parity checkpoint"),
        ([str(pickled)], "not a dl-parity checkpoint"),
        ([str(one_array)], "not a checkpoint: expected an .npz archive"),
        ([str(wrong_shape)], "W2 should be (1, 4) for layer_dims [2, 4, 1], got (1, 5)"),
        ([str(tmp_path / "absent.npz")], "checkpoint not found"),
    ]
    for argv, message in cases:
        status, _, err = cli(capsys, "evaluate", "--checkpoint", *argv)
        assert status == 2 and message in err, (argv, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_divergence_stops_and_keeps_the_last_good_checkpoint(capsys, tmp_path):
    """lr 1e6 on a deeper planar net: the NumPy cost becomes nan (its dA[L] = -(Y/A - (1-Y)/(1-A))
    divides by a saturated A = 1); the run stops naming the step, exits 1, and the checkpoint
    from the last log line (iteration 0, checked finite) is what stays on disk."""
    path = tmp_path / "run.npz"
    status, out, err = cli(capsys, "train", "--dataset", "planar", "--layers", "2,4,4,1",
                           "--lr", "1e6", "--iterations", "300", "--log-every", "100",
                           "--save", str(path))
    assert status == 1
    assert re.search(r"training diverged: numpy: the cost became nan at iteration \d+", err), err
    assert f"{path} holds the last good state (iteration 0)" in err
    ckpt = load_checkpoint(path)                     # loads: finite and complete
    assert ckpt.step == 1
    assert os.listdir(tmp_path) == ["run.npz"]

    # diverging before the first log line (mini-batches log once an epoch): the file
    # from the run above stays byte for byte
    before = path.read_bytes()
    status, _, err = cli(capsys, "train", "--dataset", "planar", "--layers", "2,4,4,1",
                         "--lr", "1e6", "--batch-size", "50", "--epochs", "3",
                         "--impl", "numpy", "--save", str(path))
    assert status == 1, err
    assert re.search(r"the cost became nan at epoch 1, batch \d+ of 8", err), err
    assert f"nothing was written to {path}" in err
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["run.npz"]


# ----------------------------------------------------------------------------- output
def test_progress_bar_on_a_terminal(capsys, monkeypatch):
    """stderr a terminal: a tqdm bar with the cost in its postfix; --quiet: none."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    status, out, err = cli(capsys, "train", "--impl", "numpy", "--dataset", "planar",
                           "--iterations", "400", "--log-every", "200")
    assert status == 0 and "J numpy=" in err and "400/400" in err
    assert re.search(r"^\s+200\s+0\.\d+", out, re.M)      # the log lines still go to stdout
    status, out, err = cli(capsys, "train", "--impl", "numpy", "--dataset", "planar",
                           "--iterations", "400", "--log-every", "200", "--quiet")
    assert status == 0 and err == ""
    assert re.search(r"^\s+200\s+0\.\d+", out, re.M)


def test_plots(capsys, tmp_path):
    path = tmp_path / "planar.png"
    status, out, err = cli(capsys, "train", "--dataset", "planar", "--iterations", "300",
                           "--log-every", "100", "--plot", str(path))
    assert status == 0, err
    for p in (path, tmp_path / "planar-boundary.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"plot: {p}" in out
    assert sorted(os.listdir(tmp_path)) == ["planar-boundary.png", "planar.png"]


def test_console_script(tmp_path):
    """The installed entry point, as `make demo` calls it (not a terminal: log lines, no bar)."""
    exe = Path(sys.executable).parent / "dl-parity"
    if not exe.exists():
        pytest.skip(f"{exe} is not installed (pip install -e .)")
    proc = subprocess.run([str(exe), "train", "--impl", "both", "--dataset", "planar",
                           "--iterations", "300", "--log-every", "100"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(rows(proc.stdout)) == [0, 100, 200, 299]
    assert proc.stderr == ""
    assert len(accuracies(proc.stdout, "train")) == 2


# ----------------------------------------------------------------------------- real data
@pytest.mark.course
def test_cat_course_numbers(capsys, cat_root, tmp_path):
    """The week-4 L-layer model via the CLI, both routes: COURSE_RESULTS.md's numbers.

    J(0) to 1e-12 (one forward pass; printed to 12 digits), J(2499) to 1e-6 (the
    document's own bound), accuracies exactly (from the saved checkpoint, both routes).
    """
    from dl_parity.commands.evaluate import load_model
    from dl_parity.data import load_data
    from dl_parity.training import accuracy

    path = tmp_path / "cat.npz"
    status, out, err = cli(capsys, "train", "--impl", "both", "--dataset", "cat",
                           "--data-dir", str(cat_root), "--save", str(path), "--quiet")
    assert status == 0, err
    table = rows(out)
    assert table[0] == pytest.approx([0.7717493284237686] * 2, abs=1e-12)
    assert table[2499] == pytest.approx([0.088439943441702] * 2, abs=1e-6)
    for step, (c_numpy, c_torch) in table.items():
        assert c_torch == pytest.approx(c_numpy, rel=FLOAT64_RTOL), step
    data = load_data("cat", cat_root)
    for impl in ("numpy", "torch"):
        *_, net = load_model(path, "cat", impl)
        assert accuracy(net, data.X_train, data.y_train) == 0.9856459330143541
        assert accuracy(net, data.X_test, data.y_test) == 0.8
    assert accuracies(out, "train") == [98.56, 98.56]
    assert accuracies(out, "test") == [80.0, 80.0]


@pytest.mark.slow
def test_mnist_both_same_batches(capsys, mnist_root, tmp_path):
    """The default MNIST run: 784 -> 256 -> 128 -> 10, He init, SGD batch 64, lr 0.2 then
    0.02 from epoch 7, 10 epochs, float64, both routes fed the same
    random_mini_batches(seed + epoch): every epoch's cost equal to rtol 1e-10, the final
    parameters within the derived float64 bound 2 gamma_n over all 9380 steps (measured:
    3.4e-15 against a bound of ~4e-9), >= 98.0 % test accuracy for both (measured 98.33 %);
    evaluating the checkpoint gives a confusion matrix that adds up."""
    path = tmp_path / "mnist.npz"
    status, out, err = cli(capsys, "train", "--impl", "both", "--dataset", "mnist",
                           "--data-dir", str(mnist_root), "--save", str(path), "--quiet")
    assert status == 0, err
    table = rows(out)
    assert sorted(table) == list(range(1, 11))
    for epoch, (c_numpy, c_torch) in table.items():
        assert c_torch == pytest.approx(c_numpy, rel=FLOAT64_RTOL), f"epoch {epoch}"
    test = accuracies(out, "test")
    assert len(test) == 2 and min(test) >= 98.0, out
    final = float(re.search(r"final max \|numpy - torch\| over the parameters: ([-+.e\d]+)",
                            out).group(1))
    steps = 10 * -(-60000 // 64)
    bound = tolerance(np.float64, steps_of_layers([784, 256, 128, 10], 64) * steps)["atol"]
    assert final <= bound, f"parameters differ by {final} after {steps} steps (bound {bound})"

    status, out, err = cli(capsys, "evaluate", "--checkpoint", str(path), "--impl", "torch",
                           "--data-dir", str(mnist_root))
    assert status == 0, err
    matrix = np.array([[int(n) for n in line.split()[1:]] for line in out.splitlines()
                       if re.match(r"^\s+\d\s+(\d+\s+){9}\d+$", line)])
    assert matrix.shape == (10, 10) and matrix.sum() == 10000
    printed = float(re.search(r"test accuracy\s+([\d.]+) %", out).group(1))
    assert 100 * np.trace(matrix) / 10000 == pytest.approx(printed, abs=0.005)
