"""Time the torch side's MNIST steps on a GPU, eager against a CUDA graph, and check the
graph computes what eager does (run on a machine with CUDA; prints a table).

    python tools/cuda_graphs_probe.py [--json PATH]

For each model (the MNIST MLPs, the course-4 CNN), dtype and batch: the median step time
of eager ``torch_ref.train.train_step`` and of ``torch_ref.graphs.GraphedStep`` (data
resident on the GPU, 60000 examples, each step's cost read back with ``.item()`` as the
engine does), the epoch time (937 full batches and the partial one), and the largest
parameter difference after the same 60 steps (with a learning-rate change at step 30 and a
partial batch at step 45) taken eagerly and through the graph.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from torch_ref.cnn import CNN  # noqa: E402
from torch_ref.graphs import GraphedStep  # noqa: E402
from torch_ref.models import DeepNet  # noqa: E402
from torch_ref.train import criterion_for, train_step  # noqa: E402

M = 60000


def build(kind, dtype, seed=0):
    torch.manual_seed(seed)
    if kind == "cnn":
        net = CNN(device="cuda", dtype=dtype)
    else:
        dims = (784, 128, 64, 10) if kind == "mlp-small" else (784, 256, 128, 10)
        net = DeepNet(dims, "relu", device="cuda", dtype=dtype, output="softmax")
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    return net, opt, criterion_for("softmax")


def data(kind, dtype):
    g = torch.Generator(device="cuda").manual_seed(1)
    shape = (M, 1, 28, 28) if kind == "cnn" else (M, 784)
    X = torch.rand(shape, device="cuda", dtype=dtype, generator=g)
    y = torch.randint(0, 10, (M,), device="cuda", generator=g)
    return X, y


def time_steps(step, X, y, batch, n=300):
    times = []
    for i in range(n):
        s = (i * batch) % (M - batch)
        t0 = time.perf_counter()
        step(X[s:s + batch], y[s:s + batch]).item()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[20:])


def time_epoch(step, X, y, batch, item=True):
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for s in range(0, M, batch):
        c = step(X[s:s + batch], y[s:s + batch])
        if item:
            c.item()
    torch.cuda.synchronize()
    return time.perf_counter() - t0


def equality(kind, dtype, batch):
    torch.use_deterministic_algorithms(True)     # the same kernels in both runs
    X, y = data(kind, dtype)
    nets = []
    for graphed in (False, True):
        net, opt, crit = build(kind, dtype, seed=3)
        step = GraphedStep(net, opt, crit) if graphed else \
            (lambda a, b, net=net, opt=opt, crit=crit: train_step(net, opt, a, b, crit))
        for i in range(60):
            if i == 30:
                for g in opt.param_groups:
                    g["lr"] = 0.005
            bsz = batch // 2 if i == 45 else batch
            s = i * batch
            step(X[s:s + bsz], y[s:s + bsz])
        nets.append(net)
    torch.use_deterministic_algorithms(False)
    diffs = [(a - b).abs().max().item() for a, b in zip(nets[0].parameters(), nets[1].parameters())]
    return max(diffs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    rows = []
    print(f"# {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    print("| model | dtype | batch | eager step | graph step | eager epoch | graph epoch "
          "| graph epoch (no .item) | max |param diff| graph vs eager |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind, batch in (("mlp-small", 64), ("mlp", 64), ("mlp", 512), ("cnn", 32), ("cnn", 64)):
        for dtype in (torch.float32, torch.float64):
            X, y = data(kind, dtype)
            net, opt, crit = build(kind, dtype)
            eager = lambda a, b: train_step(net, opt, a, b, crit)  # noqa: E731
            e_step = time_steps(eager, X, y, batch)
            e_epoch = time_epoch(eager, X, y, batch)
            net, opt, crit = build(kind, dtype)
            graphed = GraphedStep(net, opt, crit)
            g_step = time_steps(graphed, X, y, batch)
            g_epoch = time_epoch(graphed, X, y, batch)
            g_epoch_noitem = time_epoch(graphed, X, y, batch, item=False)
            diff = equality(kind, dtype, batch)
            row = dict(model=kind, dtype=str(dtype).split(".")[1], batch=batch,
                       eager_step_us=e_step * 1e6, graph_step_us=g_step * 1e6,
                       eager_epoch_s=e_epoch, graph_epoch_s=g_epoch,
                       graph_epoch_noitem_s=g_epoch_noitem, max_param_diff=diff,
                       captures=graphed.captures, eager_steps=graphed.eager_steps)
            rows.append(row)
            print(f"| {kind} | {row['dtype']} | {batch} | {e_step*1e6:.0f} us | "
                  f"{g_step*1e6:.0f} us | {e_epoch:.3f} s | {g_epoch:.3f} s | "
                  f"{g_epoch_noitem:.3f} s | {diff:.1e} |", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
