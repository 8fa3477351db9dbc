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

import re
from dataclasses import dataclass

from . import (course1, course1_basics, course2_opt, course2_reg, course4_apps, course4_arch,
               course4_conv, course4_seg, course5_attention, course5_nmt, course5_rnn, course5_seq,
               course5_transformer, course5_words, fast_paths)
from .base import Formula

_PARTS = (course1, course1_basics, course2_reg, course2_opt, course4_conv, course4_arch, course4_seg,
          course4_apps, course5_rnn, course5_seq, course5_words, course5_nmt, course5_attention,
          course5_transformer, fast_paths)

WEEKS: dict[str, str] = {k: v for part in _PARTS for k, v in part.WEEKS.items()}
CATALOG: tuple[Formula, ...] = tuple(f for part in _PARTS for f in part.ENTRIES)
#: scratch modules whose public functions must all appear in the catalog
FORMULA_MODULES: tuple[str, ...] = tuple(m for part in _PARTS for m in part.MODULES)

__all__ = ["CATALOG", "FORMULA_MODULES", "WEEKS", "Formula", "Match", "by_id", "courses",
           "courses_phrase", "find", "lookup", "markdown_summary", "markdown_table"]


def by_id() -> dict[str, Formula]:
    return {f.id: f for f in CATALOG}


@dataclass(frozen=True)
class Match:
    """What a name designates in the catalog (:func:`find`).

    ``how`` is "id", "function", "id suffix", "words" or "" (nothing matched). A
    function may be listed by several entries (all are given, the first is the one it
    belongs to most); an id suffix or words that match several entries are ambiguous.
    """
    name: str
    entries: tuple[Formula, ...]
    how: str

    @property
    def ambiguous(self) -> bool:
        return self.how in ("id suffix", "words") and len(self.entries) > 1


def _short(path: str) -> str:
    """``scratch.deep_nn.linear_backward`` -> ``linear_backward``; methods keep their class."""
    parts = path.split(".")
    return ".".join(parts[-2:]) if len(parts) >= 2 and parts[-2][:1].isupper() else parts[-1]


def _words(f: Formula) -> set[str]:
    """The words of an entry's id, title and code names, lower case, split at dots,
    underscores, spaces and punctuation (``batchnorm_forward`` -> batchnorm, forward)."""
    text = " ".join((f.id, f.title) + tuple(_short(p) for p in f.scratch + f.torch))
    return {w for w in re.split(r"[^0-9a-z]+", text.lower()) if w}


def find(name: str) -> Match:
    """Resolve a name as ``dl-parity show`` does, trying in turn:

    1. a catalog id (``w4.linear_backward``);
    2. code an entry lists, by dotted path, name or ``Class.method`` (``linear_backward``,
       ``DeepNet.forward``): every entry that lists it, in catalog order;
    3. the end of an id after a dot (``adam`` -> ``c2w2.adam``, ``bn_forward``);
    4. words: every word of ``name`` (case-insensitive) is a word of the entry's id,
       title or code names (``batchnorm`` -> the entries whose functions are
       ``batchnorm_*``; ``"batch norm backward"``).

    3 and 4 designate one entry only when exactly one matches (else ``ambiguous``).
    """
    name = name.strip()
    table = by_id()
    if name in table:
        return Match(name, (table[name],), "id")
    listed = tuple(f for f in CATALOG if any(name in (p, p.rsplit(".", 1)[-1], _short(p))
                                             for p in f.scratch + f.torch))
    if listed:
        return Match(name, listed, "function")
    suffix = tuple(f for f in CATALOG if f.id.lower().endswith("." + name.lower()))
    if suffix:
        return Match(name, suffix, "id suffix")
    wanted = {w for w in re.split(r"[^0-9a-z]+", name.lower()) if w}
    if wanted:
        worded = tuple(f for f in CATALOG if wanted <= _words(f))
        if worded:
            return Match(name, worded, "words")
    return Match(name, (), "")


def lookup(name: str) -> Formula | None:
    """The entry a name designates (:func:`find`), or None when it designates none or
    several (``linear_backward``, ``sigmoid``, ``adam``)."""
    match = find(name)
    return None if not match.entries or match.ambiguous else match.entries[0]


def courses() -> tuple[int, ...]:
    """The courses of the specialization the catalog covers, from its week keys (a key
    ``c<n>...`` is course n; the plain week numbers are course 1)."""
    found = {int(m.group(1)) if (m := re.match(r"c(\d)", w)) else 1 for w in WEEKS}
    return tuple(sorted(found))


def courses_phrase() -> str:
    """``"courses 1, 2, 4 and 5"``: :func:`courses` in words."""
    numbers = [str(c) for c in courses()]
    if len(numbers) == 1:
        return f"course {numbers[0]}"
    return f"courses {', '.join(numbers[:-1])} and {numbers[-1]}"


def markdown_summary() -> str:
    """The line above the README's "Formulas covered" table (tests check they match)."""
    weeks = {f.week for f in CATALOG}
    return f"{len(CATALOG)} entries in {len(weeks)} sections, from {courses_phrase()}:"


def markdown_table() -> str:
    """The catalog as the README's "Formulas covered" table (tests check they match)."""
    lines = ["| id | formula | NumPy (scratch) | PyTorch (torch_ref) |", "| --- | --- | --- | --- |"]
    for f in CATALOG:
        formula = f.formula.replace("\n", "<br>").replace("|", "\\|")
        numpy_side = ", ".join(f"`{p.removeprefix('scratch.')}`" for p in f.scratch)
        torch_side = ", ".join(f"`{p.removeprefix('torch_ref.')}`" for p in f.torch + f.torch_ops)
        lines.append(f"| `{f.id}` | {formula} | {numpy_side} | {torch_side} |")
    return "\n".join(lines)
