"""The formula catalog is complete and every entry is backed by a parity test.

- every public function of the formula modules of ``scratch`` is listed in an entry;
- every dotted path an entry names (scratch and torch_ref) resolves to real code;
- every entry names at least one test, each test exists, and at least one of them
  records its comparisons under the entry's id (``formula="<id>"``).
"""
from __future__ import annotations

import ast
import importlib
import inspect
from functools import lru_cache
from pathlib import Path

import pytest

from dl_parity.catalog import CATALOG, FORMULA_MODULES, WEEKS, lookup

ROOT = Path(__file__).resolve().parents[1]


def resolve(path: str):
    """Import the longest module prefix of a dotted path, then getattr the rest."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(path)


@lru_cache(maxsize=None)
def defined_tests(file: str) -> dict[str, str]:
    """name -> source of every top-level ``test_*`` function in a test file."""
    source = (ROOT / file).read_text()
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node) for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def public_functions(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    return [f"{module_name}.{name}" for name, obj in vars(module).items()
            if inspect.isfunction(obj) and not name.startswith("_")
            and obj.__module__ == module_name]


def test_ids_are_unique_and_weeks_known():
    ids = [f.id for f in CATALOG]
    assert len(ids) == len(set(ids)), f"duplicate ids: {sorted({i for i in ids if ids.count(i) > 1})}"
    assert {f.week for f in CATALOG} <= set(WEEKS)


@pytest.mark.parametrize("module_name", FORMULA_MODULES)
def test_every_public_scratch_function_is_catalogued(module_name):
    listed = {p for f in CATALOG for p in f.scratch}
    missing = [p for p in public_functions(module_name) if p not in listed]
    assert not missing, f"public scratch functions missing from the catalog: {missing}"


@pytest.mark.parametrize("entry", CATALOG, ids=[f.id for f in CATALOG])
def test_entry_paths_resolve(entry):
    for path in entry.scratch + entry.torch:
        resolve(path)
    for path in entry.torch_ops:
        resolve(path)
    assert all(p.startswith("scratch.") for p in entry.scratch)
    assert all(p.startswith("torch_ref.") for p in entry.torch)


@pytest.mark.parametrize("entry", CATALOG, ids=[f.id for f in CATALOG])
def test_entry_has_parity_tests(entry):
    assert entry.tests, f"{entry.id} names no parity test"
    for node in entry.tests:
        file, _, name = node.partition("::")
        assert (ROOT / file).is_file(), f"{entry.id}: test file {file} does not exist"
        assert name in defined_tests(file), f"{entry.id}: {file} has no function {name}"
    recorded = [node for node in entry.tests
                if f'"{entry.id}"' in defined_tests(node.partition("::")[0])[node.partition("::")[2]]]
    assert recorded, (f"{entry.id}: none of its tests records a comparison under "
                      f'formula="{entry.id}"')


def test_lookup_by_id_and_function_name():
    assert lookup("w4.linear_backward").id == "w4.linear_backward"
    assert lookup("linear_backward").id == "w4.linear_backward"
    assert lookup("no_such_formula") is None
