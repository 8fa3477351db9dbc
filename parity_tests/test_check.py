"""``dl-parity check PATH.py``: a learner's module written in the course's own solution style
passes; modules with classic mistakes planted on purpose get the right verdict and the mistake
named, with the formula to read; every other failure (raising, a wrong type or shape, an
in-place change, a wrong signature, a hang) gets its own verdict instead of a traceback; bad
input gets one clear error and exit status 2.

The fixtures are in parity_tests/check_fixtures/ (solution_*.py, planted_*.py): standalone
modules that import nothing from this project. Each comparison's tolerance is the one
``dl_parity.check.compare.tolerance`` derives (float64: rtol 1e-10, atol 2 gamma_n), the
finite-difference criterion the course's (1e-7): both come from the checker, and the tests
below show each witness can fail.
"""
from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from dl_parity import cli
from dl_parity.check import runner
from dl_parity.check.runner import check_function, check_module
from dl_parity.check.specs import SPECS, resolve

FIXTURES = Path(__file__).parent / "check_fixtures"

#: planted fixture -> function -> (verdict, the catalogued mistake it must be diagnosed with)
PLANTED = {
    "planted_c1w4.py": {
        "relu_backward": ("wrong values", "relu_backward.mask_from_dA"),
        "linear_backward": ("wrong values", "linear_backward.no_1_over_m"),
        "linear_activation_backward": ("wrong values",
                                       "linear_activation_backward.no_activation_derivative"),
        "L_model_backward": ("wrong type", "L_model_backward.loop_misses_layer_1"),
        "L_model_forward": ("wrong type", "L_model_forward.output_cache_missing"),
        "compute_cost": ("wrong values", "compute_cost.cost_no_1_over_m"),
        "update_parameters": ("modifies its input", "update_parameters.update_ascent"),
        "linear_forward": ("pass", None), "relu": ("pass", None), "sigmoid": ("pass", None),
        "sigmoid_backward": ("pass", None),
    },
    "planted_c2w2.py": {
        "update_parameters_with_momentum": ("wrong values",
                                            "update_parameters_with_momentum.momentum_no_1_minus_beta"),
        "update_parameters_with_adam": ("wrong values", "update_parameters_with_adam.betas_swapped"),
        "schedule_lr_decay": ("wrong values", "schedule_lr_decay.no_floor"),
        "random_mini_batches": ("wrong type", "random_mini_batches.last_batch_dropped"),
        "initialize_adam": ("wrong type", None),
    },
    "planted_c4w1.py": {
        "conv_forward": ("wrong values", "conv_forward.stride_ignored"),
        "pool_backward": ("wrong values", "pool_backward.average_pool_not_divided"),
        "zero_pad": ("pass", None),
    },
    "planted_c5.py": {
        "lstm_cell_forward": ("wrong values", "lstm_cell_forward.forget_update_swapped"),
        "rnn_cell_backward": ("wrong values", "rnn_cell_backward.tanh_derivative_at_a_prev"),
        "scaled_dot_product_attention": ("wrong values", "scaled_dot_product_attention.scaled_by_dk"),
        "create_look_ahead_mask": ("wrong values", "create_look_ahead_mask.look_ahead_transposed"),
        "clip": ("modifies its input", None),
    },
}


def learner(tmp_path, source: str, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text("import numpy as np\n\n" + textwrap.dedent(source))
    return path


def verdicts(report) -> dict:
    return {r.spec.name: (r.verdict, r.mistake.key if r.mistake else None) for r in report.results}


# ----------------------------------------------------------------------------- planted mistakes
@pytest.mark.parametrize("fixture", sorted(PLANTED))
def test_planted_mistakes_are_named(fixture):
    report = check_module(FIXTURES / fixture)
    got = verdicts(report)
    for function, expected in PLANTED[fixture].items():
        assert got[function] == expected, f"{fixture}: {function}"
    assert not report.ok


def test_the_table_names_function_mistake_and_formula(capsys):
    status = cli.main(["check", str(FIXTURES / "planted_c1w4.py")])
    out = capsys.readouterr().out
    assert status == 1
    line = next(x for x in out.splitlines() if x.startswith("linear_backward "))
    assert "WRONG VALUES" in line and "the 1/m is missing" in line
    assert line.rstrip().endswith("dl-parity show w4.linear_backward")
    line = next(x for x in out.splitlines() if x.startswith("L_model_backward "))
    assert "one layer early" in line and line.rstrip().endswith("dl-parity show w4.L_model_backward")
    assert "initialize_parameters_deep  not defined" in out
    assert "4 of 11 defined functions pass; 7 fail; 3 not defined" in out


def test_the_where_to_look_is_the_broken_formula():
    # pool_backward computes two formulas; the mistake planted breaks the average one
    report = check_module(FIXTURES / "planted_c4w1.py", only=["pool_backward"])
    assert report.results[0].where == "dl-parity show c4.pool_backward_average"


def test_a_solution_module_passes_and_exits_0(capsys):
    assert cli.main(["check", str(FIXTURES / "solution_c1w2.py")]) == 0
    out = capsys.readouterr().out
    assert "5 of 5 defined functions pass; 0 fail; 0 not defined" in out
    assert "course 1, week 2: logistic regression" in out


def test_verbose_lists_every_witness(capsys):
    cli.main(["check", str(FIXTURES / "solution_c1w4.py"), "--function", "linear_backward", "-v"])
    out = capsys.readouterr().out
    case = next(x for x in out.splitlines() if "n[l-1] = 3, n[l] = 2, m = 1:" in x)
    assert "scratch" in case and "PyTorch" in case and "finite differences" in case


# ----------------------------------------------------------------------------- every other verdict
LINEAR_BACKWARD_OK = """
    def linear_backward(dZ, cache):
        A_prev, W, b = cache
        m = A_prev.shape[1]
        return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1, keepdims=True) / m
"""


def only(tmp_path, source, function):
    report = check_module(learner(tmp_path, source), only=[function])
    (result,) = report.results
    return result


def test_raises_only_at_m_equal_1(tmp_path):
    r = only(tmp_path, """
        def linear_backward(dZ, cache):
            A_prev, W, b = cache
            m = A_prev.shape[1]
            if m == 1:
                raise IndexError("no second example")
            return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1, keepdims=True) / m
        """, "linear_backward")
    assert r.verdict == "raises"
    assert r.diagnosis.startswith("IndexError: no second example on n[l-1] = 3, n[l] = 2, m = 1")
    assert "(3 of 5 cases ran)" in r.diagnosis


def test_raises_where_a_mistake_raises_too(tmp_path):
    # W not transposed: a shape error on non-square layers, W dZ on the square one
    r = only(tmp_path, """
        def linear_backward(dZ, cache):
            A_prev, W, b = cache
            m = A_prev.shape[1]
            return np.dot(W, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1, keepdims=True) / m
        """, "linear_backward")
    assert r.verdict == "raises"
    assert r.mistake.key == "linear_backward.W_not_transposed"
    assert "W is not transposed in dA_prev" in r.diagnosis


def test_wrong_type(tmp_path):
    r = only(tmp_path, """
        def linear_backward(dZ, cache):
            A_prev, W, b = cache
            m = A_prev.shape[1]
            return {"dA_prev": np.dot(W.T, dZ), "dW": np.dot(dZ, A_prev.T) / m}
        """, "linear_backward")
    assert r.verdict == "wrong type"
    assert "expected a tuple of 3 items, got a dict with keys dA_prev, dW" in r.diagnosis


def test_wrong_shape_is_diagnosed(tmp_path):
    r = only(tmp_path, """
        def linear_backward(dZ, cache):
            A_prev, W, b = cache
            m = A_prev.shape[1]
            return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1) / m
        """, "linear_backward")
    assert r.verdict == "wrong shape"
    assert r.mistake.key == "linear_backward.db_no_keepdims"


def test_a_factor_outside_the_catalog_is_still_named(tmp_path):
    r = only(tmp_path, """
        def linear_backward(dZ, cache):
            A_prev, W, b = cache
            m = A_prev.shape[1]
            return np.dot(W.T, dZ), 2 * np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1, keepdims=True) / m
        """, "linear_backward")
    assert r.verdict == "wrong values" and r.mistake is None
    assert r.diagnosis.startswith("dW is twice the expected value (dA_prev, db right)")


def test_in_place_change_of_an_input(tmp_path):
    r = only(tmp_path, """
        def relu_backward(dA, cache):
            dA[cache <= 0] = 0
            return dA
        """, "relu_backward")
    assert r.verdict == "modifies its input"
    assert r.diagnosis.startswith("changes dA in place")


def test_wrong_signature(tmp_path):
    r = only(tmp_path, """
        def linear_backward(dZ, cache, m):
            return None
        """, "linear_backward")
    assert r.verdict == "wrong signature"
    assert "takes (dZ, cache, m); the course's linear_backward takes (dZ, cache)" in r.diagnosis


def test_a_function_that_hangs_times_out(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "CALL_TIMEOUT", 0.3)
    r = only(tmp_path, """
        import time

        def linear_backward(dZ, cache):
            time.sleep(5)
        """, "linear_backward")
    assert r.verdict == "timed out"
    assert r.diagnosis.startswith("took more than 0.3 s on n[l-1] = 3")


def test_not_defined_is_not_a_failure(tmp_path, capsys):
    path = learner(tmp_path, LINEAR_BACKWARD_OK + """
    def print_everything():
        print("noise")
    """)
    assert cli.main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 of 1 defined functions pass; 0 fail; 13 not defined" in out
    assert "not checked (no check for them here): print_everything" in out
    assert "noise" not in out


def test_prints_of_the_learner_are_swallowed(tmp_path, capsys):
    path = learner(tmp_path, """
        print("imported")

        def linear_forward(A, W, b):
            print("computing")
            return np.dot(W, A) + b, (A, W, b)
        """)
    assert cli.main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "imported" not in out and "computing" not in out


# ----------------------------------------------------------------------------- each witness can fail
def _spec(name, assignment="deep_nn"):
    return next(s for s in SPECS if s.name == name and s.assignment == assignment)


def _solution(name):
    module = runner.load_module(FIXTURES / "solution_c1w4.py")
    return getattr(module, name)


def test_a_disagreeing_torch_witness_fails_the_check():
    spec = _spec("linear_backward")

    def wrong_torch(args):
        out = spec.torch(args)
        out[(1,)] = out[(1,)] * (1 + 1e-6)
        return out
    r = check_function(dataclasses.replace(spec, torch=wrong_torch), _solution("linear_backward"))
    assert r.verdict == "wrong values" and r.worst_witness == "PyTorch"


def test_disagreeing_finite_differences_fail_the_check():
    spec = _spec("linear_backward")

    def wrong_fd(args):
        out = spec.fd(args)
        out[(2,)] = out[(2,)] * 1.001
        return out
    r = check_function(dataclasses.replace(spec, fd=wrong_fd), _solution("linear_backward"))
    assert r.verdict == "wrong values"
    assert r.diagnosis.startswith("db disagrees with finite differences: difference 5.0e-04")


def test_the_course_values_are_checked():
    spec = next(s for s in SPECS if s.name == "conv_single_step")
    conv = runner.load_module(FIXTURES / "solution_c4w1.py")

    def shifted(fn):
        return [(w, a, np.asarray(e) + 1e-6, tol) for w, a, e, tol in spec.published(fn)]
    r = check_function(dataclasses.replace(spec, published=shifted), conv.conv_single_step)
    assert r.verdict == "wrong values"
    assert r.diagnosis.startswith("differs from the course's published values: Z: off by 1e-06")


# ----------------------------------------------------------------------------- names and modules
def test_the_assignment_is_read_off_the_names():
    assert resolve({"linear_backward": 2, "compute_cost": 2}) == (["deep_nn"], [])
    assignments, extra = resolve({"layer_sizes": 2, "compute_cost": 2, "sigmoid": 1})
    assert assignments == ["shallow_nn"]
    assert [(s.assignment, s.name) for s in extra] == [("logistic_regression", "sigmoid")]
    assert resolve({"compute_cost": 2}, "shallow_nn") == (["shallow_nn"], [])


def test_json_report(tmp_path, capsys):
    out = tmp_path / "report.json"
    assert cli.main(["check", str(FIXTURES / "planted_c4w1.py"), "--json", str(out)]) == 1
    data = json.loads(out.read_text())
    row = next(f for f in data["functions"] if f["function"] == "conv_forward")
    assert row["verdict"] == "wrong values" and row["mistake"] == "conv_forward.stride_ignored"
    assert row["worst_error"] > row["tolerance"] and data["ok"] is False


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("source, name, message", [
    (None, "missing.py", "missing.py: no such file (expected a Python module, PATH.py)"),
    ("x = 1\n", "notes.txt", "notes.txt: expected a Python module ending in .py, got '.txt'"),
    ("def f(:\n", "broken.py", "broken.py: cannot be imported: SyntaxError at line 1"),
    ("raise RuntimeError('data file missing')\n", "fails.py",
     "fails.py: cannot be imported: RuntimeError: data file missing"),
    ("def helper(x):\n    return x\n", "unrelated.py",
     "unrelated.py: expected a module that defines some of the course's functions"),
])
def test_bad_paths_get_one_clear_error(tmp_path, capsys, source, name, message):
    path = tmp_path / name
    if source is not None:
        path.write_text(source)
    assert cli.main(["check", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("dl-parity: error: ") and message in captured.err
    assert "Traceback" not in captured.err


def test_bad_options_get_one_clear_error(tmp_path, capsys):
    path = learner(tmp_path, LINEAR_BACKWARD_OK)
    assert cli.main(["check", str(path), "--assignment", "week4"]) == 2
    assert "unknown assignment 'week4'; expected one of logistic_regression" in capsys.readouterr().err
    assert cli.main(["check", str(path), "--function", "L_model_backward"]) == 2
    assert "defines no course function L_model_backward; it defines linear_backward" in \
        capsys.readouterr().err
    assert cli.main(["check", str(path), "--json", str(tmp_path / "no" / "r.json")]) == 2
    assert "--json: expected a file in an existing folder" in capsys.readouterr().err


def test_pytest_impl_runs_the_checks_as_tests():
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "pytest", "--impl", str(FIXTURES / "planted_c4w1.py"),
                           "-q", "-p", "no:cacheprovider", "-rf"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2 failed, 1 passed" in proc.stdout
    assert ("FAILED parity_tests/test_check_impl.py::test_learner_function[planted_c4w1.py::"
            "conv_forward]" in proc.stdout)
    assert "conv_forward: wrong values: the window's corner ignores the stride" in proc.stdout
