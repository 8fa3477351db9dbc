"""One catalog entry: a formula, where each side implements it, and its parity tests."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Formula:
    id: str
    week: str                # a key of the catalog's WEEKS ("1".."4", "c2", "c2w1", ...)
    section: str
    title: str
    formula: str             # plain text with Unicode math, one formula per line
    latex: str               # the same in LaTeX, for the study guide
    scratch: tuple[str, ...]
    torch: tuple[str, ...]
    tests: tuple[str, ...]
    torch_ops: tuple[str, ...] = field(default=())
    note: str = ""
    #: lines (substrings) of the NumPy code that compute this formula: ``dl-parity show``
    #: and the study page must display each of them (parity_tests/test_show.py checks it)
    marks: tuple[str, ...] = field(default=())
