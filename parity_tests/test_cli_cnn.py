"""CNN checkpoints and `dl-parity evaluate` of them, with either implementation.

The data is a small MNIST written in the original IDX gzip format (the first 512 training
and 256 test images of the real files) so that `evaluate` runs end to end in seconds; the
checkpoint is a CNN trained for one epoch on it (8 steps of 64, torch side, float32)
through the engine and saved with the train command's hook,
:func:`dl_parity.checkpoint.save_run_checkpoint` (the one checkpoint format: the arrays,
``model = "cnn"`` and its config as JSON).
"""
from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from dl_parity.checkpoint import (META_KEYS, Checkpoint, CheckpointError, checkpoint_model,
                                  load_checkpoint, save_checkpoint, save_run_checkpoint)
from dl_parity.cli import main
from dl_parity.models.cnn import CNN

from ._tolerances import ELEMENTWISE_OPS, tolerance

M_TRAIN, M_TEST = 512, 256
MNIST_CNN = {"image_shape": (28, 28, 1), "channels": (8, 16), "f": 5, "n_y": 10}
PARAMETER_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")


def cnn_checkpoint(parameters, **meta) -> Checkpoint:
    """The MNIST CNN's checkpoint record (float32, numpy's parameters, step 0 unless given)."""
    return Checkpoint(CNN(), parameters, **{"dataset": "mnist", "dtype": "float32", **meta})


def cli(capsys, *argv):
    """Run ``dl-parity argv`` in-process: (exit status, stdout, stderr)."""
    try:
        status = main(list(argv))
    except SystemExit as exc:       # argparse's own usage errors
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def _write_idx(path: Path, magic: int, array: np.ndarray) -> None:
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def small_mnist(tmp_path_factory, mnist_root):
    """A data root whose MNIST/raw holds the first 512 training and 256 test images."""
    from scratch.datasets import MNIST_IMAGES_MAGIC, MNIST_LABELS_MAGIC, load_mnist

    X_train, y_train, X_test, y_test = load_mnist(mnist_root, np.float64)
    root = tmp_path_factory.mktemp("small_mnist")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for split, X, y, m in (("train", X_train, y_train, M_TRAIN),
                           ("t10k", X_test, y_test, M_TEST)):
        images = np.rint(X[:, :m].T * 255).reshape(m, 28, 28)
        _write_idx(raw / f"{split}-images-idx3-ubyte.gz", MNIST_IMAGES_MAGIC, images)
        _write_idx(raw / f"{split}-labels-idx1-ubyte.gz", MNIST_LABELS_MAGIC, y[:m])
    return root


def _cnn_plan(impl="torch"):
    from dl_parity.training import course_plan

    return course_plan("mnist", [impl], model=CNN(), dtype="float32", epochs=1, batch_size=64,
                       learning_rate=0.1, lr_drop_epoch=None, seed=1)


@pytest.fixture(scope="module")
def trained(small_mnist, tmp_path_factory):
    """(checkpoint path, the torch side's dict): one epoch on the small MNIST, then saved."""
    from dl_parity.data import load_data
    from dl_parity.engine import run

    data = load_data("mnist", small_mnist).astype("float32")
    plan = _cnn_plan()
    side, = plan.sides(plan.model.initial_parameters(plan.seed))
    hist = run([side], plan.source(data.X_train, data.Y_train))
    path = tmp_path_factory.mktemp("ckpt") / "cnn.npz"
    save_run_checkpoint(path, plan, side, hist.steps_done)
    return path, side.course_parameters()


# ----------------------------------------------------------------------------- the file
def test_cnn_checkpoint_holds_the_course_dict_and_a_model_tag(trained):
    path, parameters = trained
    assert os.listdir(path.parent) == ["cnn.npz"]                 # no temporary file left
    with np.load(path, allow_pickle=False) as npz:                # plain arrays, no pickle
        assert sorted(npz.files) == sorted(PARAMETER_KEYS + META_KEYS)
        assert str(npz["model"]) == "cnn" and str(npz["impl"]) == "torch"
        assert int(npz["step"]) == M_TRAIN // 64 and str(npz["dtype"]) == "float32"
        assert json.loads(str(npz["config"])) == {
            "image_shape": [28, 28, 1], "channels": [8, 16], "f": 5, "n_y": 10}
        assert str(npz["dataset"]) == "mnist"
    assert checkpoint_model(path) == "cnn"
    ckpt = load_checkpoint(path)
    shapes = {"W1": (5, 5, 1, 8), "b1": (1, 1, 1, 8), "W2": (5, 5, 8, 16), "b2": (1, 1, 1, 16),
              "W3": (10, 784), "b3": (10, 1)}
    for key, value in parameters.items():                         # exact, dtype kept
        assert ckpt.parameters[key].shape == shapes[key] and value.dtype == np.float32
        np.testing.assert_array_equal(ckpt.parameters[key], value)
        assert ckpt.parameters[key].dtype == np.float32
    model = ckpt.model
    assert (model.image_shape, model.channels, model.f, model.n_y) == tuple(MNIST_CNN.values())


def test_run_hook_writes_mlp_checkpoints_in_the_same_format(tmp_path):
    """save_run_checkpoint on an MLP plan writes the same format: W1..WL, model "mlp", its
    config."""
    from dl_parity.training import course_plan

    plan = course_plan("planar", ["numpy"])
    side, = plan.sides(plan.model.initial_parameters(plan.seed))
    path = save_run_checkpoint(tmp_path / "planar.npz", plan, side, 7)
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(["W1", "b1", "W2", "b2", *META_KEYS])
    assert checkpoint_model(path) == "mlp" and load_checkpoint(path).step == 7


def test_cnn_checkpoint_write_is_atomic(trained, tmp_path, monkeypatch):
    """A write that fails half-way leaves the old checkpoint byte for byte, and no stray
    file; a diverged model (NaN) is refused before anything is written."""
    _, parameters = trained
    path = tmp_path / "cnn.npz"
    save_checkpoint(path, cnn_checkpoint(parameters))
    before = path.read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="simulated"):
        save_checkpoint(path, cnn_checkpoint({k: 2 * v for k, v in parameters.items()}))
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["cnn.npz"]
    monkeypatch.undo()
    bad = dict(parameters, W2=np.full_like(parameters["W2"], np.nan))
    with pytest.raises(CheckpointError, match="refusing to save W2: it holds NaN or inf"):
        save_checkpoint(path, cnn_checkpoint(bad))
    assert path.read_bytes() == before


# ----------------------------------------------------------------------------- evaluate
def _forward_steps() -> int:
    """Rounding steps along the longest chain of one CNN forward pass (test_fast_conv's
    count, forward half): conv 1 (f f n_C0 + 1 terms), conv 2 (f f n_C1 + 1), the FC
    product (n_flat) and the softmax's sum (n_y), plus 4 element-wise functions."""
    (n_H, n_W, n_C0), (c1, c2), f, n_y = MNIST_CNN.values()
    return (f * f * n_C0 + 1) + (f * f * c1 + 1) + (n_H // 4) * (n_W // 4) * c2 + n_y \
        + 4 * ELEMENTWISE_OPS


def test_cnn_checkpoint_same_probabilities_both_sides(trained, small_mnist, parity):
    """The saved dict loaded by scratch.fast_conv.CNN and by torch_ref.cnn.CNN: the same
    softmax on the test images within float32's 2 gamma_n (n = one forward pass), and the
    same labels wherever the top two classes are further apart than that."""
    import torch

    from dl_parity.commands.evaluate import load_model
    from dl_parity.data import load_data

    path, _ = trained
    X = load_data("mnist", small_mnist).astype("float32").X_test
    *_, numpy_net = load_model(path, None, "numpy")
    ckpt, dataset, model, torch_net = load_model(path, None, "torch")
    assert dataset == "mnist" and ckpt.dtype == "float32" and model.name == "cnn"
    A_numpy = numpy_net.net.forward(X).copy()                           # (10, m)
    with torch.no_grad():
        A_torch = torch_net.net(torch_net.rows(X)).numpy().T            # (m, 10) -> (10, m)
    t = tolerance(np.float32, _forward_steps())
    parity.close("A3 from a CNN checkpoint, torch vs numpy", A_torch, A_numpy, **t,
                 formula="c4.cnn")
    top2 = np.sort(A_numpy, axis=0)[-2:]
    clear = top2[1] - top2[0] > 2 * (t["atol"] + t["rtol"])
    assert clear.mean() > 0.9
    np.testing.assert_array_equal(numpy_net.predict(X)[clear], torch_net.predict(X)[clear])


def _matrix(out: str) -> np.ndarray:
    return np.array([[int(n) for n in line.split()[1:]] for line in out.splitlines()
                     if re.match(r"^\s+\d\s+(\d+\s+){9}\d+$", line)])


def test_evaluate_cnn_checkpoint_with_either_implementation(capsys, trained, small_mnist,
                                                            tmp_path):
    path, _ = trained
    outs = {}
    for impl in ("numpy", "torch"):
        plot = tmp_path / f"wrong-{impl}.png"
        status, out, err = cli(capsys, "evaluate", "--checkpoint", str(path), "--impl", impl,
                               "--data-dir", str(small_mnist), "--plot", str(plot),
                               "--threads", "1")
        assert status == 0, err
        assert f"(torch's parameters after {M_TRAIN // 64} steps, float32) with {impl}" in out
        assert "conv 5x5x8 relu maxpool 2 -> conv 5x5x16 relu maxpool 2 -> 10 (softmax)" in out
        M = _matrix(out)
        assert M.shape == (10, 10) and M.sum() == M_TEST
        printed = float(re.search(r"test accuracy\s+([\d.]+) %", out).group(1))
        assert 100 * np.trace(M) / M_TEST == pytest.approx(printed, abs=0.005)
        assert printed > 25, out          # 8 steps of SGD already beat chance (10 %): 46 %
        assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        outs[impl] = [line for line in out.splitlines() if "accuracy" in line]
    assert outs["numpy"] == outs["torch"] and len(outs["numpy"]) == 2


def test_train_save_with_the_cnn_writes_a_cnn_checkpoint(capsys, small_mnist, tmp_path):
    """`dl-parity train --model cnn --save` writes a CNN checkpoint (one epoch of 512 images
    in batches of 64: 8 steps)."""
    path = tmp_path / "cnn.npz"
    status, out, err = cli(capsys, "train", "--impl", "numpy", "--dataset", "mnist", "--model",
                           "cnn", "--epochs", "1", "--batch-size", "64", "--lr", "0.1",
                           "--data-dir", str(small_mnist), "--save", str(path), "--quiet",
                           "--threads", "1")
    assert status == 0, err
    ckpt = load_checkpoint(path)
    assert ckpt.model == CNN() and ckpt.impl == "numpy" and ckpt.step == M_TRAIN // 64
    assert ckpt.dtype == "float32"


# ----------------------------------------------------------------------------- bad input
def _saved(tmp_path, name, parameters, cfg=None, **changes) -> Path:
    """A CNN checkpoint written by hand: ``cfg`` its config (a dict, or the raw text),
    ``changes`` to its entries (None: left out)."""
    path = tmp_path / name
    arrays = {k: np.asarray(v) for k, v in parameters.items()}
    text = cfg if isinstance(cfg, str) else json.dumps(cfg or CNN().config())
    arrays.update(model=np.str_("cnn"), config=np.str_(text),
                  dataset=np.str_("mnist"), dtype=np.str_("float32"), impl=np.str_("numpy"),
                  step=np.int64(0))
    arrays.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del arrays[key]
    np.savez(path, **arrays)
    return path


def test_bad_cnn_checkpoints_are_one_line_errors(capsys, trained, tmp_path):
    path, p = trained
    the_cnn = "for the CNN 28x28x1 -> conv 5x5x8 relu maxpool 2 -> conv 5x5x16 relu maxpool 2"
    first_format = dict(config=None, image_shape=np.array([28, 28, 1]))
    cases = [
        ([str(_saved(tmp_path, "w3.npz", p, W3=np.ones((10, 785), np.float32)))],
         f"W3 should be (10, 784) {the_cnn} -> 10 (softmax), got (10, 785)"),
        ([str(_saved(tmp_path, "w2.npz", p, W2=np.ones((5, 5, 4, 16), np.float32)))],
         "W2 should be (5, 5, 8, 16) for the CNN 28x28x1", "got (5, 5, 4, 16)"),
        ([str(_saved(tmp_path, "w1.npz", p, W1=np.ones((5, 5, 3, 8), np.float32)))],
         "W1 should be (5, 5, 1, 8) for the CNN 28x28x1", "got (5, 5, 3, 8)"),
        ([str(_saved(tmp_path, "b2.npz", p, b2=np.ones((16, 1), np.float32)))],
         "b2 should be (1, 1, 1, 16)", "got (16, 1)"),
        ([str(_saved(tmp_path, "nob3.npz", p, b3=None))], f"missing b3 {the_cnn}"),
        ([str(_saved(tmp_path, "extra.npz", p, W4=np.ones(3)))], "unexpected arrays W4"),
        ([str(_saved(tmp_path, "shape.npz", p, cfg={**CNN().config(),
                                                    "image_shape": [28, 28]}))],
         "image_shape, channels, f, n_y: expected (n_H, n_W, n_C0)"),
        ([str(_saved(tmp_path, "field.npz", p, cfg={**CNN().config(), "pool": 3}))],
         "the cnn model has no field pool"),
        ([str(_saved(tmp_path, "json.npz", p, cfg="{not json"))], "its config: JSONDecode"),
        ([str(_saved(tmp_path, "nan.npz", p, b1=np.full((1, 1, 1, 8), np.inf, np.float32)))],
         "b1 holds NaN or inf"),
        ([str(_saved(tmp_path, "int.npz", p, W1=np.ones((5, 5, 1, 8), np.int64)))],
         "W1 should be floating point, got int64"),
        ([str(_saved(tmp_path, "f16.npz", p, dtype=np.str_("float16")))],
         "dtype should be one of float64, float32, got 'float16'"),
        ([str(_saved(tmp_path, "old.npz", p, W3=np.ones((10, 785), np.float32),
                     **first_format))], "W3 should be (10, 784)", "got (10, 785)"),
        ([str(_saved(tmp_path, "model.npz", p, model=np.str_("resnet")))],
         "it holds a model 'resnet' that this dl-parity does not know (models: "),
        ([str(tmp_path)], f"{tmp_path} is a folder; expected a checkpoint file (.npz)"),
        ([str(path), "--layers", "784,10"], "--layers: "),
        ([str(path), "--dataset", "planar"], "which does not fit planar (input n_x = 2"),
    ]
    for argv, *messages in cases:
        status, _, err = cli(capsys, "evaluate", "--checkpoint", *argv)
        assert status == 2 and all(m in err for m in messages), (argv, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "absent.npz")
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, model=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="not a dl-parity checkpoint: it holds object "
                                              "arrays") as info:
        load_checkpoint(pickled)
    assert "allow_pickle" not in str(info.value)       # no advice to load it unsafely
