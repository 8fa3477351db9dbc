"""Command-line flags declared once, on the dataclass fields they set.

A field that a user may set from ``dl-parity train`` carries a :class:`Flag` in its
metadata (:func:`option` writes it): the flag's name, its help text and the range of
its value. Everything else is derived from that one declaration:

- the parser's arguments (:func:`add_arguments`; default None, so that what the user gave
  is what is not None);
- the check of a value (:func:`check`, :func:`check_declared`), run by the dataclass
  itself in ``__post_init__``, whether the value came from the command line, a recipe or
  a test: ``ValueError("keep_prob: expected a probability in (0, 1], got 1.5")``;
- the user's view of such an error (:func:`name_the_flag`): the field's name becomes the
  flag the user typed, ``--keep-prob: expected a probability in (0, 1], got 1.5``.

A config class (a model, :class:`dl_parity.settings.Settings`,
:class:`dl_parity.models.optim.Optim`) lists its flags with :func:`declared`.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

#: the kinds of value a flag takes: argparse's type, and how to check it
KINDS = ("int", "float", "str", "bool", "ints")


@dataclass(frozen=True)
class Flag:
    """How a field is set from the command line, and which values it accepts.

    ``kind``: "int", "float", "str" (with ``choices``), "bool" (a switch) or "ints"
    (comma-separated positive integers, e.g. layer sizes). Numbers must lie in
    ``[low, high)`` (``low_open``: ``(low``; ``high_closed``: ``high]``); the error message
    says ``expected <expect>`` (default: "a number in [0, 1)", "an integer in [1, inf)").
    ``only_with=(field, values)``: the flag means something only when that other field
    takes one of ``values`` (``--beta`` only with ``--optimizer momentum``). ``label``:
    the name error messages give the field (default: the field's own name).
    """
    help: str
    kind: str = "float"
    name: str | None = None
    choices: tuple | None = None
    metavar: str | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_closed: bool = False
    expect: str | None = None
    noun: str | None = None
    only_with: tuple[str, tuple] | None = None
    label: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {self.kind!r}")

    def flag(self, field: str) -> str:
        """The flag a user types: ``name``, else ``--`` and the field with dashes."""
        return self.name or "--" + field.replace("_", "-")

    def interval(self) -> str:
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else (f"{self.high:g}" if self.high < 2 ** 31
                                                 else str(int(self.high)))
        return (f"{'(' if self.low_open or self.low is None else '['}{low}, {high}"
                f"{']' if self.high_closed else ')'}")

    def expected(self) -> str:
        if self.expect:
            return self.expect
        if self.choices is not None:
            return "one of " + ", ".join(str(c) for c in self.choices)
        noun = self.noun or {"int": "an integer", "bool": "True or False",
                             "ints": "comma-separated positive integers"}.get(self.kind,
                                                                                "a number")
        return noun + (f" in {self.interval()}" if self.kind in ("int", "float") else "")


def option(default, help: str, **spec) -> dataclasses.Field:
    """A dataclass field with its :class:`Flag` (``spec``: the Flag's other fields);
    ``default=dataclasses.MISSING``: a field the caller must give."""
    flag = Flag(help, **spec)
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata={"flag": flag})
    if isinstance(default, (list, dict, set)):
        return dataclasses.field(default_factory=lambda: type(default)(default),
                                 metadata={"flag": flag})
    return dataclasses.field(default=default, metadata={"flag": flag})


def declared(cls) -> dict[str, Flag]:
    """{field name: Flag} of a dataclass (class or instance), in declaration order."""
    return {f.name: f.metadata["flag"] for f in dataclasses.fields(cls) if "flag" in f.metadata}


# ----------------------------------------------------------------------------- checking
def _is_number(value, kind: str) -> bool:
    if isinstance(value, bool):
        return False
    if kind == "int":
        return isinstance(value, (int, np.integer))
    return isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value)


def _in_range(value, spec: Flag) -> bool:
    if spec.low is not None and (value <= spec.low if spec.low_open else value < spec.low):
        return False
    return spec.high is None or (value <= spec.high if spec.high_closed else value < spec.high)


def check(name: str, value, spec: Flag) -> None:
    """ValueError("name: expected ..., got value") unless ``value`` fits ``spec``
    (None always fits: not set)."""
    if value is None:
        return
    if spec.choices is not None:
        ok = value in spec.choices
    elif spec.kind in ("int", "float"):
        ok = _is_number(value, spec.kind) and _in_range(value, spec)
    elif spec.kind == "bool":
        ok = isinstance(value, (bool, np.bool_))
    elif spec.kind == "ints":      # low: the fewest values
        ok = isinstance(value, tuple) and len(value) >= (spec.low or 1) and all(
            _is_number(n, "int") and n >= 1 for n in value)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ValueError(f"{name}: expected {spec.expected()}, got {value!r}")


def check_declared(obj) -> None:
    """:func:`check` every flagged field of the dataclass instance ``obj``."""
    for name, spec in declared(obj).items():
        check(spec.label or name, getattr(obj, name), spec)


def parse_ints(flag: str, text: str) -> tuple[int, ...]:
    """"12288,20,7,5,1" -> (12288, 20, 7, 5, 1); ValueError naming ``flag`` if a part is
    not an integer (the field's check says which values it accepts)."""
    try:
        values = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise ValueError(f"{flag}: expected comma-separated positive integers such as "
                         f"12288,20,7,5,1, got {text!r}") from None
    return values


# ----------------------------------------------------------------------------- the parser
def add_arguments(group, name: str, spec: Flag, owners: str = "") -> None:
    """``group.add_argument`` for the field ``name`` (dest = the field, default None)."""
    text = spec.help + (f" [{owners}]" if owners else "")
    kw = dict(dest=name, default=None, help=text)
    if spec.kind == "bool":
        group.add_argument(spec.flag(name), action="store_true", **kw)
        return
    kw["type"] = {"int": int, "float": float}.get(spec.kind, str)
    if spec.choices is not None:
        kw["choices"] = tuple(c for c in spec.choices if c is not None)
    if spec.metavar:
        kw["metavar"] = spec.metavar
    group.add_argument(spec.flag(name), **kw)


def name_the_flag(message: str, specs: Mapping[str, Flag]) -> str:
    """"keep_prob: ..." -> "--keep-prob: ...": the checks name the fields, the user typed
    flags. A head of several fields ("lambd, keep_prob: ...") names each flag among them
    (a field without a flag is the recipe's, not the user's to change); a field's remark
    ("keep_prob (dropout): ...") goes with it."""
    head, sep, rest = message.partition(": ")
    if not sep:
        return message
    names = [part.strip().split(" ")[0] for part in head.split(",")]
    flags = {**{n: s.flag(n) for n, s in specs.items()},
             **{s.flag(n)[2:].replace("-", "_"): s.flag(n) for n, s in specs.items()}}
    named = [flags[n] for n in names if n in flags]
    return ", ".join(named) + ": " + rest if named else message
