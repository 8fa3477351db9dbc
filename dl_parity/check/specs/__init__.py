"""Every course function ``dl-parity check`` knows, grouped by assignment (one scratch module
per assignment, as docs/course_api.md names them). The course reuses names across assignments
(``compute_cost``, ``update_parameters``, ``initialize_parameters``, ``sigmoid``), so a spec is
found by (assignment, name); :func:`resolve` picks the assignment a learner's module is from.
"""
from __future__ import annotations

from . import course1, course2, course4, course5
from .base import Case, Spec

SPECS: tuple[Spec, ...] = tuple(course1.SPECS + course2.SPECS + course4.SPECS + course5.SPECS)

#: assignment (scratch module) -> what it is, in the course's words
ASSIGNMENTS: dict[str, str] = {
    "logistic_regression": "course 1, week 2: logistic regression",
    "shallow_nn": "course 1, week 3: one hidden layer",
    "deep_nn": "course 1, week 4: a deep network step by step",
    "initialization": "course 2, week 1: initialization",
    "regularization": "course 2, week 1: regularization",
    "optimization": "course 2, week 2: optimization",
    "conv": "course 4, week 1: convolution step by step",
    "rnn": "course 5, week 1: RNN and LSTM step by step",
    "char_rnn": "course 5, week 1: Dinosaurus Island",
    "attention": "course 5, week 4: the Transformer's attention",
}

__all__ = ["ASSIGNMENTS", "Case", "SPECS", "Spec", "by_assignment", "names", "resolve"]


def by_assignment(assignment: str) -> list[Spec]:
    return [s for s in SPECS if s.assignment == assignment]


def names() -> set[str]:
    return {s.name for s in SPECS}


def resolve(defined: dict[str, int], assignment: str | None = None) -> tuple[list[str], list[Spec]]:
    """The assignments a learner's module belongs to, and the specs of its other functions.

    ``defined`` maps each course name the module defines to the number of positional
    parameters its function takes. Names only one assignment has (``linear_backward``,
    ``propagate``) decide the assignments; a shared name (``compute_cost``, ``sigmoid``) is
    checked against a chosen assignment's function of that name, else (a helper such as week
    3's ``sigmoid``) against the first whose signature it fits, alone. ``assignment`` forces one.
    Returns (assignments, extra specs).
    """
    if assignment is not None:
        if assignment not in ASSIGNMENTS:
            raise ValueError(f"unknown assignment {assignment!r}; expected one of "
                             f"{', '.join(ASSIGNMENTS)}")
        chosen = [assignment]
    else:
        owners: dict[str, list[str]] = {}
        for s in SPECS:
            owners.setdefault(s.name, []).append(s.assignment)
        chosen = []
        for name in defined:
            homes = owners.get(name, [])
            if len(homes) == 1 and homes[0] not in chosen:
                chosen.append(homes[0])
        if not chosen:                 # only shared names: the first that fits them all
            for name, n_params in defined.items():
                fits = _fitting(name, n_params)
                if fits:
                    chosen.append(fits[0].assignment)
                    break
    extra = []
    for name, n_params in defined.items():
        if any(s.name == name and s.assignment in chosen for s in SPECS):
            continue
        fits = _fitting(name, n_params)
        if fits and assignment is None:
            extra.append(fits[0])
    order = list(ASSIGNMENTS)
    return sorted(chosen, key=order.index), extra


def _fitting(name: str, n_params: int) -> list[Spec]:
    specs = [s for s in SPECS if s.name == name]
    fitting = [s for s in specs if (s.required or len(s.params)) <= n_params <= len(s.params)]
    return fitting or specs
