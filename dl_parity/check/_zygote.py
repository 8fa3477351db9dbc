"""The mutation check's worker: imports the heavy libraries once, then forks one child per
mutant, in which pytest runs the parity tests against a mutated COPY of scratch/.

Run as ``python -m dl_parity.check._zygote``; it reads one job per line (JSON) on stdin and
answers one result per line on stdout. A job::

    {"id": 3, "root": "/tmp/.../job3",
     "stages": [["parity_tests/test_deep_nn.py::test_linear_backward_parity"],
                ["parity_tests/test_deep_nn.py", "parity_tests/test_cost.py"]],
     "mistake": "linear_backward.no_1_over_m" | null, "timeout": 60, "markers": "not slow",
     "log": "/tmp/.../job3.log", "first_failure": "/tmp/.../job3.fail"}

``root`` holds the copy ``root/scratch`` (already mutated for an operator mutant); the child
puts ``root`` first on sys.path, so ``import scratch`` (by the tests and by dl_parity alike)
finds the copy. For a catalogued mistake, the child replaces the function in the copy's
modules by ``Mistake.apply()`` before pytest starts. Each stage runs in its own child, the next
only if every test of this one passed (the first stage is the tests of the mutated formula,
which catch most mutants in a second). The answer::

    {"id": 3, "exit": 1, "status": "killed", "seconds": 2.1, "stage": 0}

This process never imports scratch or dl_parity's glue (which imports scratch): each child
imports them fresh, from the copy. pytest's exit status: 0 every test passed (the mutant
survived), 1 a test failed or 2 collection failed (killed), anything else an error.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time


def _preimport() -> None:
    """What every child needs and nothing of the project's NumPy side: torch_ref never
    imports scratch, so it may be imported once here."""
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import scipy.special  # noqa: F401
    import torch  # noqa: F401
    from hypothesis import given, settings, strategies  # noqa: F401

    import torch_ref  # noqa: F401
    import torch_ref.attention  # noqa: F401
    import torch_ref.cnn  # noqa: F401
    import torch_ref.optim  # noqa: F401
    import torch_ref.regularization  # noqa: F401
    import torch_ref.rnn  # noqa: F401


class _FirstFailure:
    """A pytest plugin: the hypothesis profile without shrinking (a failing example is enough
    here), and the node id of the first failing test written to a file."""

    def __init__(self, path: str):
        self.path = path
        self.written = False

    def pytest_sessionstart(self, session):
        from hypothesis import HealthCheck, Phase, settings

        base = settings.get_profile("parity") if "parity" in settings._profiles else settings()
        settings.register_profile(
            "parity-mutants", parent=base, database=None,
            phases=(Phase.explicit, Phase.reuse, Phase.generate),
            suppress_health_check=list(HealthCheck))
        settings.load_profile("parity-mutants")

    def pytest_runtest_logreport(self, report):
        if report.failed and not self.written:
            self.written = True
            with open(self.path, "w") as f:
                f.write(report.nodeid)

    def pytest_collectreport(self, report):
        if report.failed and not self.written:
            self.written = True
            with open(self.path, "w") as f:
                f.write(f"collecting {report.nodeid}")


def _patch_mistake(key: str) -> None:
    """Put the catalogued mistake ``key`` in place of its function, in every scratch module
    (re-exports included) and in module-level tables such as ACTIVATIONS."""
    import importlib
    import pkgutil

    import scratch
    from dl_parity.check.mistakes import by_key

    for info in pkgutil.iter_modules(scratch.__path__):
        importlib.import_module(f"scratch.{info.name}")
    mistake = by_key()[key]
    original = getattr(importlib.import_module(mistake.module), mistake.name)
    wrong = mistake.apply(original)
    for name, module in list(sys.modules.items()):
        if name != "scratch" and not name.startswith("scratch."):
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                setattr(module, attr, wrong)
            elif isinstance(value, dict):
                for k, v in list(value.items()):
                    if v is original:
                        value[k] = wrong
                    elif isinstance(v, tuple) and any(x is original for x in v):
                        value[k] = tuple(wrong if x is original else x for x in v)


def _child(job: dict) -> int:
    fd = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.path.insert(0, job["root"])
    for name in [n for n in sys.modules if n == "scratch" or n.startswith("scratch.")]:
        del sys.modules[name]
    import pytest

    import scratch
    where = os.path.dirname(os.path.abspath(scratch.__file__))
    if not where.startswith(os.path.abspath(job["root"])):
        print(f"dl-parity mutants: scratch was imported from {where}, not from the copy "
              f"{job['root']}", flush=True)
        return 4
    if job.get("mistake"):
        _patch_mistake(job["mistake"])
    args = ["-x", "-q", "-p", "no:cacheprovider", "--device", "cpu", "--no-header",
            "-m", job["markers"], *job["tests"]]
    sys.stdout.flush()
    return int(pytest.main(args, plugins=[_FirstFailure(job["first_failure"])]))


def _run(job: dict) -> dict:
    """Run the job's stages in turn (each a list of test files or ids, in its own child) until
    one catches the mutant; the answer is the last stage's."""
    total = 0.0
    answer = {"id": job["id"], "exit": 5, "status": "survived", "seconds": 0.0, "stage": 0}
    for i, tests in enumerate(job["stages"]):
        answer = _run_stage(dict(job, tests=tests))
        total += answer["seconds"]
        answer.update(seconds=round(total, 2), stage=i)
        if answer["status"] != "survived" and not (answer["exit"] == 5 and i + 1 < len(job["stages"])):
            break
    if answer["exit"] == 5:
        answer["status"] = "error"        # no test ran at all: nothing was checked
    return answer


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _run_stage(job: dict) -> dict:
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            os.setpgid(0, 0)          # its own process group: a time-out kills what it started
            code = _child(job)
        except BaseException as exc:     # noqa: BLE001 - report anything as an error
            print(f"dl-parity mutants: the child failed: {exc!r}", flush=True)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    try:
        os.setpgid(pid, pid)          # as the child does: whichever runs first
    except OSError:
        pass
    deadline = start + float(job["timeout"])
    status = None
    try:
        while True:
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(raw)
                break
            if time.monotonic() > deadline:
                _kill(pid)
                break
            time.sleep(0.02)
    except BaseException:            # interrupted: take the child (and what it started) along
        _kill(pid)
        raise
    seconds = time.monotonic() - start
    collect_failed = False
    try:
        with open(job["first_failure"]) as f:
            collect_failed = f.read().startswith("collecting")
    except OSError:
        pass
    if status is None:
        verdict = "timeout"
    elif status in (0, 5):
        verdict = "survived"
    elif status in (1, 2) or (status == 4 and collect_failed):
        # 4: the test ids asked for were not found because their module no longer imports
        verdict = "killed"
    else:
        verdict = "error"
    return {"id": job["id"], "exit": status, "status": verdict, "seconds": round(seconds, 2)}


def main() -> None:
    # terminated: leave through SystemExit, so the running child is killed on the way out
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    _preimport()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        print(json.dumps(_run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
