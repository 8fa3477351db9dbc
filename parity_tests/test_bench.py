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
    (["--workload", "imagenet"], "--workload: expected one of cat, mnist-64"),
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
