"""``dl-parity mutants``: the mutation check's machinery, and (marked slow, run by CI through
``make test``) its quick mode: every catalogued mistake must be caught by the parity tests and
at least 97 % of the sampled operator mutants.

The machinery tests show each part can tell a caught mutant from a surviving one: a catalogued
mistake and an operator mutant of ``linear_backward``'s 1/m are caught by that formula's parity
test, while a comment appended to the module survives it.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dl_parity.check import mutants as M
from dl_parity.check.equivalent import EQUIVALENT

ROOT = Path(__file__).resolve().parents[1]


def test_operator_sites_are_formula_lines_only():
    sites = M.operator_sites("scratch.deep_nn")
    source = (ROOT / "scratch" / "deep_nn.py").read_text()
    tree = ast.parse(source)
    check_lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_check"):
            check_lines.update(range(node.lineno, node.end_lineno + 1))
        if isinstance(node, ast.Raise):
            check_lines.update(range(node.lineno, node.end_lineno + 1))
    assert sites and not [m for m in sites if m.line in check_lines]
    descriptions = {(m.function, m.description) for m in sites}
    assert ("linear_backward", "operator: `1 / m` -> `(1 * m)`") in descriptions
    assert ("linear_backward", "keepdims: `True` -> `False`") in descriptions
    assert ("linear_backward", "transpose: `A_prev.T` -> `(A_prev)`") in descriptions


def test_a_mutant_changes_one_expression_and_still_parses():
    for module in M.formula_modules():
        original = (ROOT / (module.replace(".", "/") + ".py")).read_bytes()
        for m in M.operator_sites(module)[::25]:
            mutated = M.mutated_source(m).encode()
            assert mutated[:m.start] == original[:m.start], m.key
            assert mutated[m.start + len(m.replacement.encode()):] == original[m.end:], m.key
            ast.parse(mutated)


def test_mutant_keys_are_unique_and_the_sample_is_seeded():
    sites = [m for module in M.formula_modules() for m in M.operator_sites(module)]
    assert len({m.key for m in sites}) == len(sites)
    a = M.sample_operators(M.formula_modules(), 30, 17)
    assert [m.key for m in a] == [m.key for m in M.sample_operators(M.formula_modules(), 30, 17)]
    assert len(a) == 30 and [m.key for m in a] != \
        [m.key for m in M.sample_operators(M.formula_modules(), 30, 18)]


def test_every_equivalent_mutant_names_a_current_site():
    keys = {m.key for module in M.formula_modules() for m in M.operator_sites(module)}
    stale = [k for k in EQUIVALENT if k not in keys]
    assert not stale, f"judge these again (their line changed): {stale}"
    assert all(reason.strip() for reason in EQUIVALENT.values())


def test_a_mutant_runs_its_formulas_tests_first():
    mistake = next(m for m in M.mistake_mutants() if m.key == "linear_backward.no_1_over_m")
    stages = M.stages_for(mistake, transitive=True)
    assert stages[0] == ["parity_tests/test_deep_nn.py::test_linear_backward_parity"]
    assert "parity_tests/test_deep_nn.py" in stages[1]
    assert "parity_tests/test_multiclass.py" in stages[2]          # built on deep_nn
    every = [t for s in stages for t in s]
    assert not [t for t in every if Path(t.split("::")[0]).name in M.META_TESTS]


def test_caught_and_surviving_mutants_are_told_apart(tmp_path):
    mistake = next(m for m in M.mistake_mutants() if m.key == "linear_backward.no_1_over_m")
    operator = next(m for m in M.operator_sites("scratch.deep_nn")
                    if m.function == "linear_backward" and m.description.endswith("`(1 * m)`"))
    end = len((ROOT / "scratch" / "deep_nn.py").read_bytes())
    comment = M.Mutant("operator", "scratch.deep_nn", "linear_backward", 0, "a comment",
                       "a comment appended", end, end, "\n# nothing computed here\n")
    result = M.run("quick", mutants=[mistake, operator, comment], log=lambda msg: None,
                   stages_of=lambda m: [["parity_tests/test_deep_nn.py::test_linear_backward_parity"]],
                   workdir=str(tmp_path))
    assert [r.status for r in result.results] == ["killed", "killed", "survived"]
    assert result.results[0].caught_by.startswith(
        "parity_tests/test_deep_nn.py::test_linear_backward_parity[cpu-float64]")
    assert not list(tmp_path.iterdir())                        # the copies are gone
    text = M.render(result)
    assert "catalogued mistakes caught: 1/1 (100.0 %)" in text
    assert "operator mutants caught:    1/2 (50.0 %; target 97 %)" in text
    assert "survived operator scratch/deep_nn.py in linear_backward: a comment appended" in text


def test_bad_options_get_one_clear_error(capsys):
    from dl_parity import cli

    assert cli.main(["mutants", "--module", "deep_net"]) == 2
    assert "--module: expected scratch modules of the catalog" in capsys.readouterr().err
    assert cli.main(["mutants", "--jobs", "0"]) == 2
    assert "--jobs: expected a positive number of processes, got 0" in capsys.readouterr().err


def test_list_shows_the_quick_sample(capsys):
    from dl_parity import cli

    assert cli.main(["mutants", "--list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == f"{len(M.mistake_mutants()) + M.QUICK_OPERATORS} mutants"


@pytest.mark.slow
def test_quick_mutation_score(tmp_path):
    """CI's mutation check: every catalogued mistake caught, >= 97 % of the operator sample."""
    report = tmp_path / "mutants.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "dl_parity.cli", "mutants", "--quick",
                           "--jobs", "2", "--quiet", "--json", str(report)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    data = json.loads(report.read_text())
    assert data["mistakes"]["caught"] == data["mistakes"]["total"], proc.stdout
    assert data["operators"]["caught"] >= M.TARGET_OPERATORS * data["operators"]["total"], \
        proc.stdout
    assert proc.returncode == 0, proc.stdout + proc.stderr
