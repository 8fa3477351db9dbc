"""One input-check style across scratch/ (issue 16): a student opening a module meets the
course's lines first.

A public function that checks its input says so in one decorator line,
``@checked(check_<name>)`` (scratch._validate), and the check lives in a private
``scratch/_validate*.py`` module; loops run a checked function's body as ``f.unchecked``.
So no formula module defines its own ``_check*`` functions, and none keeps a private twin
``_name`` of a public ``name`` (the old public -> _twin pairs).

Left out: the fast paths written for speed (fast_conv, fast_rnn, fast_attention), which are
classes with buffers and per-shard kernels (``_forward(self, blas, b)`` beside the public
``forward``) whose checks read the object's own sizes; what a student reads is the course
form each is held to (conv, rnn, char_rnn, attention), scanned here.
"""
from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

SCRATCH = Path(__file__).resolve().parents[1] / "scratch"
EXCLUDED = {"fast_conv.py", "fast_rnn.py", "fast_attention.py"}
MODULES = sorted(p.name for p in SCRATCH.glob("*.py")
                 if not p.name.startswith("_") and p.name not in EXCLUDED)


def _functions(tree):
    """Top-level functions and the methods of top-level classes."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield node
        elif isinstance(node, ast.ClassDef):
            yield from (n for n in node.body if isinstance(n, ast.FunctionDef))


@pytest.mark.parametrize("name", MODULES)
def test_checks_live_in_a_private_validate_module(name):
    tree = ast.parse((SCRATCH / name).read_text(encoding="utf-8"))
    local = [f.name for f in _functions(tree) if f.name.startswith("_check")]
    assert not local, f"scratch/{name} defines checks {local}: move them to a _validate module"


@pytest.mark.parametrize("name", MODULES)
def test_no_private_twin_of_a_public_function(name):
    names = {f.name for f in _functions(ast.parse((SCRATCH / name).read_text(encoding="utf-8")))}
    twins = sorted(n for n in names if n.startswith("_") and not n.startswith("__")
                   and n[1:] in names)
    assert not twins, (f"scratch/{name}: private twins {twins} of public functions; put the "
                       f"formula in the public function under @checked and call .unchecked")


@pytest.mark.parametrize("name", MODULES)
def test_every_decorator_check_comes_from_a_validate_module(name):
    module = importlib.import_module(f"scratch.{name[:-3]}")
    for attr, obj in vars(module).items():
        candidates = [obj] + ([v for v in vars(obj).values()] if inspect.isclass(obj) else [])
        for f in candidates:
            f = getattr(f, "fset", f)                      # a property's checked setter
            check = getattr(f, "check", None)
            if check is None or not hasattr(f, "unchecked"):
                continue
            assert check.__module__.startswith("scratch._validate"), (
                f"scratch.{name[:-3]}.{attr}: its check {check.__qualname__} is defined in "
                f"{check.__module__}, not a scratch._validate* module")


def test_checked_functions_keep_their_signature_and_source():
    """The decorator is transparent to a reader: inspect sees the course's signature, and
    the source (the study page's) starts at the decorator naming the check."""
    from scratch import rnn

    assert str(inspect.signature(rnn.lstm_backward)) == "(da, caches)"
    lines, _ = inspect.getsourcelines(inspect.unwrap(rnn.lstm_backward))
    assert lines[0].strip() == "@checked(check_lstm_backward)"
    assert rnn.lstm_backward.unchecked is inspect.unwrap(rnn.lstm_backward)
