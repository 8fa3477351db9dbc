"""``pytest --impl PATH.py``: ``dl-parity check PATH.py`` as pytest tests, one per course
function PATH defines (the root conftest.py registers --impl and, with it, collects only this
file). Each test runs every check of that function (the reference, PyTorch, finite
differences, the course's printed values, in-place changes) and fails with its verdict and
diagnosis. Functions PATH does not define are not tests (not defined is not a failure).

Without --impl, the same tests run on the learner modules written in the course's own solution
style (parity_tests/check_fixtures/solution_*.py): every function of every one must pass, so
the checker never rejects the course's own code.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from dl_parity.check import runner

FIXTURES = Path(__file__).parent / "check_fixtures"


def _modules(config) -> list[Path]:
    impl = config.getoption("--impl")
    if impl is None:
        return sorted(FIXTURES.glob("solution_*.py"))
    path = Path(impl)
    if not path.is_absolute():
        path = Path(config.invocation_params.dir) / path
    return [path]


def pytest_generate_tests(metafunc):
    if "learner_function" not in metafunc.fixturenames:
        return
    params = []
    for path in _modules(metafunc.config):
        try:
            _, todo, _ = runner.plan(path)
        except runner.LearnerModuleError as exc:
            raise pytest.UsageError(f"--impl: {exc}") from None
        for spec, fn in todo:
            if fn is not None:
                params.append(pytest.param((spec, fn), id=f"{path.name}::{spec.name}"))
    metafunc.parametrize("learner_function", params)


def test_learner_function(learner_function):
    spec, fn = learner_function
    result = runner.check_function(spec, fn)
    if not result.passed:
        pytest.fail(f"{spec.name}: {result.verdict}: {result.diagnosis} (read: {result.where})",
                    pytrace=False)
