"""`dl-parity bench` runs end to end and writes a JSON report a machine can read.

Smoke tests only: no timing is asserted (the machine is shared, timings are noise
here); what is checked is that the command finishes, the report has its keys and
its numbers are the right kind, and a user's mistake is a one-line error (exit 2).
"""
from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys

import pytest

from dl_parity.cli import main
from dl_parity.commands.bench import parse_threads

ROW_KEYS = {"workload", "implementation", "device", "dtype", "layer_dims", "m", "step_s",
            "samples_per_s", "epoch_s", "flops_per_step", "gflops", "peak_fraction",
            "memory_bytes", "memory_min_bytes", "gflops_needed", "peak_fraction_needed"}


@pytest.mark.slow
def test_bench_quick_writes_json(tmp_path):
    path = tmp_path / "bench.json"
    # two workloads keep the test short: one sigmoid (planar) and one softmax (MNIST) output
    proc = subprocess.run(
        [sys.executable, "-m", "dl_parity.cli", "bench", "--quick", "--threads", "1",
         "--workload", "planar", "--workload", "mnist-64", "--json", str(path)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| workload | impl |" in proc.stdout and "NumPy / PyTorch CPU step time" in proc.stdout

    report = json.loads(path.read_text())
    assert set(report) >= {"meta", "peak_gemm", "results", "ratios", "cuda"}
    assert report["meta"]["threads"] == 1 and report["meta"]["quick"] is True
    assert report["meta"]["thread_counts"] == [1]
    assert report["meta"]["numpy_blas"] and report["meta"]["torch_blas"]
    assert set(report["peak_gemm"]) == {"float32", "float64"}
    cpu = [r for r in report["results"] if r["device"] == "cpu"]
    combos = {(r["workload"], r["implementation"], r["dtype"]) for r in cpu}
    assert combos == {(w, i, d) for w in ("planar", "mnist-64") for i in ("numpy", "torch")
                      for d in ("float32", "float64")}
    for r in cpu:
        assert ROW_KEYS <= set(r)
        assert r["step_s"] > 0 and math.isfinite(r["gflops"]) and r["peak_fraction"] > 0
        assert (r["epoch_s"] is not None) == r["workload"].startswith("mnist")
        if r["implementation"] == "numpy":
            assert r["memory_min_bytes"] > 0 and r["memory_bytes"] is not None
    assert {(q["workload"], q["dtype"]) for q in report["ratios"]} == \
        {(w, d) for w in ("planar", "mnist-64") for d in ("float32", "float64")}
    assert all(q["numpy_over_torch"] > 0 for q in report["ratios"])


@pytest.mark.slow
def test_bench_quick_with_a_list_of_thread_counts(tmp_path):
    """--threads 1,all: one pass per count, a ratio table per count, every row and
    ratio tagged with its count."""
    path = tmp_path / "bench.json"
    counts = parse_threads("1,all")                     # [1] on a 1-CPU machine
    proc = subprocess.run(
        [sys.executable, "-m", "dl_parity.cli", "bench", "--quick", "--threads", "1,all",
         "--workload", "planar", "--json", str(path)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for n in counts:
        table = proc.stdout.split(f"NumPy / PyTorch CPU step time, {n} thread")[1]
        rows = table.splitlines()[2:4]
        assert [re.fullmatch(r"\| planar \| (float32|float64) \| \d+\.\d\d \|", row)[1]
                for row in rows] == ["float32", "float64"], table
    report = json.loads(path.read_text())
    assert report["meta"]["thread_counts"] == counts
    assert sorted(report["peak_gemm_by_threads"]) == sorted(map(str, counts))
    assert [(q["threads"], q["dtype"]) for q in report["ratios"]] == \
        [(n, d) for n in counts for d in ("float32", "float64")]
    assert all(q["numpy_over_torch"] > 0 for q in report["ratios"])
    assert {(r["threads"], r["implementation"]) for r in report["results"]
            if r["device"] == "cpu"} == {(n, i) for n in counts for i in ("numpy", "torch")}


def test_parse_threads():
    cpus = os.cpu_count()
    assert parse_threads("2") == [2]
    assert parse_threads("1,2,all") == list(dict.fromkeys([1, 2, cpus]))   # a repeat runs once
    assert parse_threads(" 4 , ALL") == list(dict.fromkeys([4, cpus]))
    assert parse_threads("all") == [cpus]


BAD_THREADS = "--threads: expected a positive integer or 'all', or a comma-separated list " \
              "of them (e.g. 1,2,all), got "


@pytest.mark.parametrize("argv, message", [
    (["--threads", "0"], BAD_THREADS + "'0'"),
    (["--threads", "two"], BAD_THREADS + "'two'"),
    (["--threads", "x"], BAD_THREADS + "'x'"),
    (["--threads", "1,,2"], BAD_THREADS + "'1,,2'"),
    (["--threads", "1,2,"], BAD_THREADS + "'1,2,'"),
    (["--threads", "-1"], BAD_THREADS + "'-1'"),
    (["--threads", "1.5"], BAD_THREADS + "'1.5'"),
    (["--workload", "imagenet"], "--workload: expected one of planar, cat, mnist-64"),
])
def test_bench_bad_arguments_are_one_line_errors(capsys, argv, message):
    assert main(["bench", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dl-parity: error: ") and message in err and err.count("\n") == 1


def test_bench_json_in_missing_folder_is_refused_before_running(tmp_path, capsys):
    path = tmp_path / "no" / "such" / "bench.json"
    assert main(["bench", "--quick", "--json", str(path)]) == 2
    assert "--json: expected a path in an existing folder" in capsys.readouterr().err
    assert not path.exists() and not (tmp_path / "no").exists()


# ----------------------------------------------------------------------------- the CNN
def test_cnn_workload_flops_and_first_step_agree():
    """The CNN workload's analytic count, and its two step closures start from the same
    dict on the same batch: the first step's cost (before any update) agrees."""
    from dl_parity import bench
    w = bench.WORKLOADS["mnist-cnn-64"]
    # per image: conv 1 784 x 25 x 8, conv 2 196 x 200 x 16, FC 784 x 10 = 791840 products
    assert w.model.products() == [(784, 25, 8), (196, 200, 16), (1, 784, 10)]
    assert w.flops() == 3 * 2 * 64 * 791840 == 304_066_560
    assert w.flops_needed() == w.flops() - 2 * 64 * 784 * 25 * 8 == 283_996_160
    assert bench.minimum_memory(w, "float32") == \
        4 * (2 * (200 + 8 + 3200 + 16 + 7840 + 10)
             + 64 * (784 + 28 * 28 * 8 + 14 * 14 * 8 + 14 * 14 * 16 + 7 * 7 * 16 + 10) + 64 * 10)
    costs = {impl: float(step(w, "float64")()) for impl, step in
             (("numpy", bench.numpy_step), ("torch", bench.torch_step))}
    # float64, one forward pass of a few thousand rounding steps: far inside 1e-10
    assert costs["torch"] == pytest.approx(costs["numpy"], rel=1e-10)
    assert 1.0 < costs["numpy"] < 10.0


@pytest.mark.slow
def test_bench_quick_cnn_row_and_ratio(tmp_path):
    """`dl-parity bench --quick --workload mnist-cnn-64`: four rows (numpy and torch,
    float32 and float64), the NumPy row's memory beside the minimum, a ratio per dtype,
    and the note stating the CNN's flop count."""
    path = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "dl_parity.cli", "bench", "--quick", "--threads", "1",
         "--workload", "mnist-cnn-64", "--json", str(path)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    for impl in ("numpy", "torch"):
        for dtype in ("float32", "float64"):
            assert re.search(rf"^\| mnist-cnn-64 \| {impl} \| cpu \| 1 \| {dtype} \| [\d.]+ \|",
                             out, re.M), out
    table = out.split("NumPy / PyTorch CPU step time, 1 thread")[1]
    assert [re.fullmatch(r"\| mnist-cnn-64 \| (float32|float64) \| \d+\.\d\d \|", row)[1]
            for row in table.splitlines()[2:4]] == ["float32", "float64"], table
    assert "304.1 MFLOP a step" in out and "284.0 MFLOP" in out
    report = json.loads(path.read_text())
    rows = [r for r in report["results"] if r["device"] == "cpu"]
    assert len(rows) == 4 and all(ROW_KEYS <= set(r) for r in rows)
    for r in rows:
        assert r["flops_per_step"] == 304_066_560 and r["peak_fraction"] > 0
        assert r["epoch_s"] == pytest.approx(60000 * r["step_s"] / 64)
        if r["implementation"] == "numpy":
            assert r["memory_bytes"] is not None and r["memory_min_bytes"] > 0
    assert all(q["numpy_over_torch"] > 0 for q in report["ratios"])


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux's /proc")
def test_memory_probe_counts_the_shard_workers():
    """On 2 threads the CNN's second shard runs in a worker process: the probe adds what
    the worker took, so the step's memory is at least the theoretical minimum, as on one
    thread (this process alone holds about half the shards' buffers: 2.6 MB of the 3.3 MB
    minimum in float32)."""
    from dl_parity import bench
    w = bench.WORKLOADS["mnist-cnn-64"]
    minimum = bench.minimum_memory(w, "float32")
    one, two = (bench.numpy_memory("mnist-cnn-64", "float32", t, steps=2) for t in (1, 2))
    assert "worker" not in one["how"] and "plus 1 shard worker" in two["how"], (one, two)
    assert one["growth_bytes"] >= minimum and two["growth_bytes"] >= minimum, (one, two, minimum)


# ----------------------------------------------------------------------------- issue 18's workloads
@pytest.mark.parametrize("name", ["char-rnn", "char-rnn-64", "char-lstm-64", "encoder-32"])
def test_sequence_workloads_first_step_agrees(name):
    """The NumPy fast path, the course form and the torch step of each sequence or
    attention workload start from the same dict on the same batch: the first step's cost
    (before any update) agrees (float64: a forward pass of at most a few thousand rounding
    steps on O(1) values, far inside 1e-10)."""
    from dl_parity import bench
    w = bench.WORKLOADS[name]
    costs = {impl: float(step(w, "float64")()) for impl, step in
             (("numpy", bench.numpy_step), ("course", bench.course_step),
              ("torch", bench.torch_step))}
    assert costs["torch"] == pytest.approx(costs["numpy"], rel=1e-10)
    assert costs["course"] == pytest.approx(costs["numpy"], rel=1e-10)
    assert 0.1 < costs["numpy"] < 100
    assert w.flops() >= w.flops_needed() > 0 and bench.minimum_memory(w, "float32") > 0


def test_sequence_workload_flop_counts():
    from dl_parity import bench
    rnn, lstm = bench.WORKLOADS["char-rnn-64"], bench.WORKLOADS["char-lstm-64"]
    # per step: 2 products over [a; 1; x] (2 m n_a 156 each), da_prev (2 m n_a n_a), the
    # output layer three times (2 m 27 129 each)
    assert rnn.flops() == 32 * (4 * 64 * 128 * 156 + 2 * 64 * 128 * 128 + 6 * 64 * 27 * 129)
    assert lstm.flops() == 32 * (4 * 64 * 512 * 156 + 2 * 64 * 512 * 128 + 6 * 64 * 27 * 129)
    enc = bench.WORKLOADS["encoder-32"]
    per_token = 4 * 128 * 128 + 2 * 128 * 512 + 2 * 64 * 128
    assert enc.flops() == 3 * 2 * 32 * 64 * per_token
    assert enc.flops_needed() == enc.flops() - 2 * 32 * 64 * 3 * 128 * 128
