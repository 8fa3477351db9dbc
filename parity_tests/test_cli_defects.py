"""Issue 15, items 4-10: the command line's defects found by running it as a user does. Each
test failed on the code before the fix (run against it: see the commit message) and says
what the user sees now.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from dl_parity.cli import main

from ._tolerances import FLOAT64_RTOL

LEGACY = Path(__file__).resolve().parent / "legacy_checkpoints"


def cli(capsys, *argv):
    try:
        status = main(list(argv))
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("dataset", ["football", "circles"])
def test_item4_evaluate_plots_the_boundary_of_2d_checkpoints(capsys, tmp_path, dataset):
    """evaluate --plot on a football or circles checkpoint draws its decision boundary
    (it raised a TypeError in the misclassified-images grid)."""
    path, plot = tmp_path / "m.npz", tmp_path / "boundary.png"
    status, _, err = cli(capsys, "train", "--dataset", dataset, "--iterations", "5",
                         "--save", str(path), "--quiet")
    assert status == 0, err
    status, out, err = cli(capsys, "evaluate", "--checkpoint", str(path), "--plot", str(plot))
    assert status == 0 and "Traceback" not in err, err
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"plot: {plot}" in out


@pytest.mark.parametrize("seed", ["-1", str(2 ** 32)])
def test_item5_a_seed_out_of_range_is_one_line(capsys, seed):
    status, _, err = cli(capsys, "train", "--dataset", "planar", "--seed", seed,
                         "--iterations", "2")
    assert status == 2 and err.strip() == (f"dl-parity: error: --seed: expected an integer "
                                           f"in [0, 4294967295], got {seed}")


def test_item6_mini_batch_runs_honour_log_every(capsys):
    """--log-every N logs epochs 1, 1 + N, ... and the last; moons logs every 1000 epochs
    by default, as the course prints (its epochs 0, 1000, ...)."""
    status, out, _ = cli(capsys, "train", "--dataset", "moons", "--impl", "numpy",
                         "--epochs", "7", "--log-every", "3", "--quiet")
    assert status == 0 and _epochs(out) == [1, 4, 7]
    status, out, _ = cli(capsys, "train", "--dataset", "moons", "--impl", "numpy",
                         "--epochs", "2001", "--quiet")
    assert status == 0 and _epochs(out) == [1, 1001, 2001]


def _epochs(out: str) -> list[int]:
    return [int(m) for m in re.findall(r"^\s+(\d+)\s+[\d.]+$", out, re.M)]


@pytest.mark.parametrize("option", [["--optimizer", "adam"], ["--lambd", "0.1"],
                                    ["--keep-prob", "0.5"], ["--batch-norm"], ["--init", "he"]])
def test_item7_options_a_model_lacks_are_refused(capsys, option):
    """dinos ignored the course-2 options silently; now the parser refuses them."""
    status, _, err = cli(capsys, "train", "--dataset", "dinos", "--iterations", "2", *option)
    assert status == 2 and f"{option[0]}: the char_rnn model has no such option" in err


def test_item8_plot_formats_and_permissions(capsys, tmp_path):
    """--plot p.pdf writes PDFs (the boundary as p-boundary.pdf), .svg SVGs, another suffix
    is refused; the figures get a normal file's mode, as checkpoints do."""
    import os

    mask = os.umask(0)
    os.umask(mask)
    for suffix, magic in ((".pdf", b"%PDF"), (".svg", b"<?xml")):
        plot = tmp_path / f"p{suffix}"
        status, out, err = cli(capsys, "train", "--dataset", "planar", "--iterations", "3",
                               "--plot", str(plot), "--quiet")
        assert status == 0, err
        for p in (plot, tmp_path / f"p-boundary{suffix}"):
            assert p.read_bytes()[:len(magic)] == magic and f"plot: {p}" in out
            assert p.stat().st_mode & 0o777 == 0o666 & ~mask
    status, _, err = cli(capsys, "train", "--dataset", "planar", "--plot", str(tmp_path / "p.jpg"))
    assert status == 2 and "--plot" in err and "expected a file name ending in .png, .pdf, .svg" \
        in err and not (tmp_path / "p.jpg").exists()


def test_item9_both_columns_show_the_same_cost(capsys):
    """circles --init random: NumPy's clamped cost beside torch's logits loss (50 against
    1773.6) while the parameters agreed; now both are the cross-entropy of A[L] with each
    log clamped at -100, equal to rtol 1e-10 where the parameters agree, and the plan
    says so."""
    status, out, err = cli(capsys, "train", "--dataset", "circles", "--init", "random",
                           "--iterations", "50", "--log-every", "10", "--quiet")
    assert status == 0, err
    assert "  cost    the cross-entropy of A[L] with each log clamped at -100 on both sides" in out
    rows = re.findall(r"^\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s", out, re.M)
    assert [r[0] for r in rows] == ["0", "10", "20", "30", "40", "49"] and rows[0][1] == "50"
    for _, a, b in rows:
        assert float(b) == pytest.approx(float(a), rel=FLOAT64_RTOL)


def test_item9_the_note_names_saturation_not_a_stability_limit():
    """A run whose sigmoid saturated is not said to be past a stability limit."""
    from dl_parity.callbacks import LogRow
    from dl_parity.models.classifier import separation_note
    from dl_parity.training import course_plan

    plan = course_plan("circles")
    rows = [LogRow(0, {}, (1e-15, "W1")), LogRow(1000, {}, (1e-3, "W2"))]
    costs = {"numpy": [1.0, 0.9, 1.1]}
    assert "stability limit" in separation_note(rows, costs, plan)
    note = separation_note(rows, costs, plan, saturated=5)
    assert "saturated at 5 of the steps" in note and "stability limit" not in note


def test_item10_cuda_without_cuda_is_refused_by_every_command(capsys, tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here: the refusal cannot happen")
    for argv in (["sample", "--checkpoint", str(LEGACY / "char_rnn_dinos.npz"),
                  "--device", "cuda"],
                 ["show", "linear_backward", "--check", "--device", "cuda"],
                 ["evaluate", "--checkpoint", str(LEGACY / "mlp_planar.npz"),
                  "--device", "cuda"]):
        status, _, err = cli(capsys, *argv)
        assert status == 2 and "--device cuda: CUDA is not available" in err, argv


def test_item10_one_epoch_and_a_drop_beyond_the_run(capsys):
    status, out, _ = cli(capsys, "train", "--dataset", "moons", "--impl", "numpy",
                         "--epochs", "1", "--lr-drop-epoch", "3", "--quiet")
    assert status == 0 and "1 epoch x 5 mini-batches of 64" in out
    assert "1 epochs" not in out and "from epoch 3" not in out


def test_item10_checkpoint_messages(capsys, tmp_path):
    """A moons checkpoint has no test set of its own name; a corrupted file gets no advice
    to load it unsafely; a folder is a folder."""
    status, out, _ = cli(capsys, "evaluate", "--checkpoint", str(LEGACY / "course2_moons.npz"))
    assert status == 0 and "(moons has no test set)" in out and "planar" not in out
    text = tmp_path / "notes.npz"
    text.write_text("not a checkpoint\n")
    status, _, err = cli(capsys, "evaluate", "--checkpoint", str(text))
    assert status == 2 and "not a dl-parity checkpoint" in err
    assert "allow_pickle" not in err and "unsafely" not in err
    status, _, err = cli(capsys, "evaluate", "--checkpoint", str(tmp_path))
    assert status == 2 and f"{tmp_path} is a folder; expected a checkpoint file" in err


def test_item10_evaluation_shows_progress(capsys, monkeypatch):
    """After the last step the closing evaluation of each side has a bar on a terminal
    (the CNN's took 14 s without a sign)."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    status, out, err = cli(capsys, "train", "--dataset", "planar", "--iterations", "2")
    assert status == 0 and "evaluating numpy" in err



def test_a_reader_that_goes_away_ends_the_command_quietly():
    """`dl-parity train ... | head -1`: when the pipe closes, the command stops with exit
    141 (as a Unix filter killed by SIGPIPE) and no BrokenPipeError traceback."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "dl_parity.cli", "train", "--dataset",
                             "planar", "--iterations", "20000", "--log-every", "1", "--quiet"],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 141, err
    assert first.startswith("dl-parity train") and "Traceback" not in err, err
