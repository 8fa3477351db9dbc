"""A training step captured in a CUDA graph (torch_ref.graphs.GraphedStep) computes what the
eager step computes: the same parameters after the same steps, bit for bit.

The graph replays the very kernels of the captured eager step (deterministic algorithms are
on, TF32 off: parity_tests/conftest.py), so the comparison is exact (rtol = atol = 0): a
step that read a stale input buffer, skipped the optimizer, or kept the old learning rate
after a schedule change would differ at the first replay. The run covers what the graph
cannot follow by itself: warm-up steps, a learning-rate change (a new capture), and a
partial batch (an eager step between replays).
"""
from __future__ import annotations

import pytest
import torch

from torch_ref.cnn import CNN
from torch_ref.graphs import GraphedStep
from torch_ref.models import DeepNet
from torch_ref.train import criterion_for, train_step

BATCH = 32


def _net(kind, dtype, device):
    torch.manual_seed(3)
    if kind == "cnn":
        return CNN(image_shape=(12, 12, 1), channels=(4, 6), f=3, device=device, dtype=dtype)
    return DeepNet((144, 32, 16, 10), "relu", device=device, dtype=dtype, output="softmax")


def _data(kind, dtype, device):
    g = torch.Generator().manual_seed(1)
    n = 40 * BATCH
    X = torch.rand((n, 1, 12, 12) if kind == "cnn" else (n, 144), generator=g, dtype=dtype)
    return X.to(device), torch.randint(0, 10, (n,), generator=g).to(device)


def test_graphed_step_refuses_what_it_cannot_capture():
    net = DeepNet((4, 3, 2), "relu", output="softmax")
    for optimizer in (torch.optim.Adam(net.parameters()),
                      torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)):
        with pytest.raises(ValueError, match="expected plain torch.optim.SGD"):
            GraphedStep(net, optimizer, criterion_for("softmax"))
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="need a CUDA device"):
            GraphedStep(net, torch.optim.SGD(net.parameters(), lr=0.1), criterion_for("softmax"))


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_graphed_steps_equal_eager_steps(device, kind, dtype):
    if device.type != "cuda":
        pytest.skip("CUDA graphs run on CUDA only (the CPU case is the refusal test above)")
    X, y = _data(kind, dtype, device)
    runs = {}
    for graphed in (False, True):
        net = _net(kind, dtype, device)
        opt = torch.optim.SGD(net.parameters(), lr=0.05)
        crit = criterion_for("softmax")
        step = GraphedStep(net, opt, crit) if graphed else \
            (lambda a, b, net=net, opt=opt, crit=crit: train_step(net, opt, a, b, crit))
        costs = []
        for i in range(40):
            if i == 20:                                   # a schedule's new rate: re-captured
                for group in opt.param_groups:
                    group["lr"] = 0.005
            size = BATCH // 2 if i == 30 else BATCH       # a partial batch: run eagerly
            costs.append(step(X[i * BATCH:i * BATCH + size], y[i * BATCH:i * BATCH + size]))
        runs[graphed] = (torch.stack(costs), [p.detach().clone() for p in net.parameters()])
        if graphed:
            assert (step.captures, step.eager_steps, step.replays) == (2, 4, 36)
    assert torch.equal(runs[False][0], runs[True][0])
    for eager, graph in zip(runs[False][1], runs[True][1]):
        assert torch.equal(eager, graph)


# ----------------------------------------------------------------------------- the CLI path
def _cli(capsys, *argv):
    from dl_parity.cli import main

    try:
        status = main(list(argv))
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("argv, says", [
    (("--dataset", "planar", "--iterations", "3"), "expected --device cuda"),
    (("--dataset", "planar", "--iterations", "3", "--impl", "numpy", "--device", "cuda"),
     "replays the PyTorch side's step; got --impl numpy"),
    (("--dataset", "dinos", "--iterations", "3", "--device", "cuda"),
     "the char_rnn model's torch step is not captured"),
    (("--dataset", "moons", "--optimizer", "adam", "--epochs", "1", "--device", "cuda"),
     "is not captured"),
])
def test_train_cuda_graphs_refuses_what_it_cannot_replay(capsys, tmp_path, argv, says):
    """One line, exit 2, nothing trained or written: --cuda-graphs needs --device cuda, the
    torch side, and a model whose torch step is one network's plain SGD (mlp, cnn)."""
    save = tmp_path / "never.npz"
    status, out, err = _cli(capsys, "train", *argv, "--cuda-graphs", "--save", str(save),
                            "--quiet")
    assert status == 2 and says in err and "Traceback" not in err, err
    assert out == "" and not save.exists()


def test_train_cuda_graphs_refuses_a_machine_without_cuda(capsys):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA (the GPU case is the equality test below)")
    status, _, err = _cli(capsys, "train", "--dataset", "planar", "--iterations", "3",
                          "--device", "cuda", "--cuda-graphs", "--quiet")
    assert status == 2 and "cuda" in err.lower() and "Traceback" not in err, err


@pytest.mark.parametrize("argv", [
    ("--dataset", "planar", "--iterations", "40"),
    # mini-batches of 64 over planar's 400 examples: a partial last batch (16) runs
    # eagerly, and the learning-rate drop at epoch 2 makes a second capture
    ("--dataset", "planar", "--batch-size", "64", "--epochs", "3", "--lr-drop-epoch", "2"),
])
def test_train_cuda_graphs_equals_eager(capsys, tmp_path, device, argv):
    """`train --cuda-graphs` ends with the very parameters of the eager run (rtol = atol = 0:
    the graph replays the captured eager kernels), and says how many steps it replayed."""
    if device.type != "cuda":
        pytest.skip("CUDA graphs run on CUDA only (the CPU cases are the refusals above)")
    import numpy as np

    from dl_parity.checkpoint import load_checkpoint

    params = {}
    for graphs in (False, True):
        path = tmp_path / f"graphs-{graphs}.npz"
        status, out, err = _cli(capsys, "train", *argv, "--impl", "torch", "--device", "cuda",
                                "--dtype", "float64", "--save", str(path), "--quiet",
                                *(["--cuda-graphs"] if graphs else []))
        assert status == 0, err
        params[graphs] = load_checkpoint(path).parameters
        if graphs:
            assert "steps replayed from" in out
    for key, eager in params[False].items():
        np.testing.assert_array_equal(params[True][key], eager, err_msg=key)
