"""Every command form the README documents for choosing the device parses and selects.

Run in a subprocess from the project root, as a user types them (pytest 9 reads the
options of a conftest in a `testpaths` folder too late: they must be registered in the
root conftest.py). ``--collect-only`` keeps each run to the collection.
"""
from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ONE_FILE = "parity_tests/test_cost.py"


def collect(*args: str) -> list[str]:
    """Node ids that ``python -m pytest ARGS --collect-only -q`` selects (asserting rc 0)."""
    proc = subprocess.run([sys.executable, "-m", "pytest", *args, "--collect-only", "-q",
                           "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, f"{args}: rc {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return [line for line in proc.stdout.splitlines() if "::" in line]


def test_device_option_without_a_path():
    """`make test PYTEST_ARGS="--device cpu"`: no path, the folder comes from testpaths
    (this collects the whole suite once, about 10 s)."""
    ids = [i for i in collect("--device", "cpu", "-k", "test_cost_parity") if ONE_FILE in i]
    assert ids, "no cost parity test collected"
    assert all("cpu" in i and "cuda" not in i for i in ids), ids


@pytest.mark.parametrize("args", [[ONE_FILE, "--device", "cuda"], [ONE_FILE, "--device", "all"]],
                         ids=["cuda", "all"])
def test_device_option_with_a_path(args):
    ids = collect(*args, "-k", "test_cost_parity")
    devices = {d for d in ("cpu", "cuda") if any(f"{d}-" in i or f"-{d}" in i or f"[{d}]" in i
                                                  for i in ids)}
    assert devices == ({"cuda"} if args[-1] == "cuda" else {"cpu", "cuda"}), ids


def test_make_test_runs_pytest_with_the_arguments():
    """The Makefile's test target hands PYTEST_ARGS to `python -m pytest` unchanged."""
    # --no-print-directory: under `make test` itself this is a recursive make, which would
    # print "make[1]: Entering directory ..." lines around the commands
    proc = subprocess.run(["make", "--no-print-directory", "-n", "test",
                           "PYTEST_ARGS=--device cpu"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    commands = [shlex.split(line) for line in proc.stdout.splitlines() if "pytest" in line]
    assert commands and commands[-1][-4:] == ["-m", "pytest", "--device", "cpu"], proc.stdout


def test_unknown_device_is_refused():
    proc = subprocess.run([sys.executable, "-m", "pytest", "--device", "tpu", "--collect-only",
                           "-q", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 4 and "invalid choice: 'tpu'" in proc.stderr, proc.stderr
