"""The formula catalog: every formula of the course notes, where each side implements it,
and which parity tests prove they agree.

One entry per formula (``Formula``, in ``base.py``). ``scratch`` lists the NumPy functions
(dotted paths), ``torch`` the PyTorch code that computes the same thing (the torch_ref
code a student reads, with the torch builtin it relies on named in ``torch_ops``),
``tests`` the parity tests (``file::function``), ``marks`` the lines of NumPy code that
compute the formula. ``parity_tests/test_catalog.py`` fails when a public scratch function
is missing here or an entry names a test that does not exist; ``dl-parity show`` and
``dl-parity study`` render from it.

The entries live in one module per course (or per part of a course): each defines
``WEEKS`` (week key -> heading), ``ENTRIES`` and ``MODULES`` (the scratch modules whose
public functions must all be listed); this package joins them in course order.
"""
from __future__ import annotations

from . import (course1, course2_opt, course2_reg, course4_apps, course4_conv, course5_attention,
               course5_rnn, course5_seq, fast_paths)
from .base import Formula

_PARTS = (course1, course2_reg, course2_opt, course4_conv, course4_apps, course5_rnn, course5_seq,
          course5_attention, fast_paths)

WEEKS: dict[str, str] = {k: v for part in _PARTS for k, v in part.WEEKS.items()}
CATALOG: tuple[Formula, ...] = tuple(f for part in _PARTS for f in part.ENTRIES)
#: scratch modules whose public functions must all appear in the catalog
FORMULA_MODULES: tuple[str, ...] = tuple(m for part in _PARTS for m in part.MODULES)

__all__ = ["CATALOG", "FORMULA_MODULES", "WEEKS", "Formula", "by_id", "lookup", "markdown_table"]


def by_id() -> dict[str, Formula]:
    return {f.id: f for f in CATALOG}


def lookup(name: str) -> Formula | None:
    """Find an entry by id or by a function name (``linear_backward``, ``sigmoid``)."""
    table = by_id()
    if name in table:
        return table[name]
    for f in CATALOG:
        for path in f.scratch + f.torch:
            if path == name or path.rsplit(".", 1)[-1] == name:
                return f
    return None


def markdown_table() -> str:
    """The catalog as the README's "Formulas covered" table (tests check they match)."""
    lines = ["| id | formula | NumPy (scratch) | PyTorch (torch_ref) |", "| --- | --- | --- | --- |"]
    for f in CATALOG:
        formula = f.formula.replace("\n", "<br>").replace("|", "\\|")
        numpy_side = ", ".join(f"`{p.removeprefix('scratch.')}`" for p in f.scratch)
        torch_side = ", ".join(f"`{p.removeprefix('torch_ref.')}`" for p in f.torch + f.torch_ops)
        lines.append(f"| `{f.id}` | {formula} | {numpy_side} | {torch_side} |")
    return "\n".join(lines)
