"""``dl-parity check PATH.py``: your own NumPy implementation of the course's functions,
checked against this project's reference, PyTorch and finite differences.

PATH is a standalone Python module (it imports nothing from this project) that defines some
of the course's functions with the course's names and signatures (linear_backward,
L_model_backward, update_parameters_with_adam, conv_forward, lstm_cell_backward,
scaled_dot_product_attention, ...; docs/course_api.md lists them). Each one it defines is run
on the inputs the parity suite uses (random shapes, m = 1 and non-square layers included,
float64) and on the course's published examples. The table gives each function's verdict,
its worst error against its tolerance, a diagnosis when a classic mistake explains its output
(a missing 1/m, a transposed matrix, a flipped sign, ...), and the formula to read
(``dl-parity show ...``). Exit status 0 when every function the module defines passes, 1
otherwise, 2 when PATH cannot be checked.
"""
from __future__ import annotations

import json

from ..cli import UsageError


def add_parser(subparsers):
    p = subparsers.add_parser(
        "check", help="check your own NumPy implementation of the course's functions",
        description=__doc__.split("\n\n", 1)[1])
    p.add_argument("path", metavar="PATH.py", help="your module (defines course functions)")
    p.add_argument("--assignment", default=None, metavar="NAME",
                   help="the assignment the module is from, when its names are ambiguous "
                        "(deep_nn, shallow_nn, logistic_regression, optimization, conv, rnn, "
                        "attention, ...); by default read off the names it defines")
    p.add_argument("--function", action="append", default=None, metavar="NAME",
                   help="check only this function (repeat for several)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also print every case and witness (scratch, PyTorch, finite "
                        "differences, the course's values)")
    p.add_argument("--json", default=None, metavar="PATH",
                   help="also write the verdicts as JSON to PATH")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..check.runner import LearnerModuleError, check_module, render

    if args.json:
        import os

        folder = os.path.dirname(os.path.abspath(args.json))
        if not os.path.isdir(folder):
            raise UsageError(f"--json: expected a file in an existing folder, got {args.json} "
                             f"({folder} does not exist)")
    try:
        report = check_module(args.path, assignment=args.assignment, only=args.function)
    except LearnerModuleError as exc:
        raise UsageError(str(exc)) from None
    print(render(report, verbose=args.verbose))
    if args.json:
        _write_json(args.json, report)
    return 0 if report.ok else 1


def _write_json(path: str, report) -> None:
    import os

    data = {"path": report.path, "assignments": report.assignments, "ok": report.ok,
            "functions": [{
                "function": r.spec.name, "reference": r.spec.reference, "formula": r.spec.formula,
                "verdict": r.verdict, "diagnosis": r.diagnosis,
                "mistake": r.mistake.key if r.mistake else None,
                "worst_error": None if r.worst is None else r.worst.error,
                "tolerance": None if r.worst is None else r.worst.tol,
                "witness": r.worst_witness or None} for r in report.results],
            "unchecked": report.unchecked}
    tmp = f"{path}.tmp"
    try:
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"--json: cannot write {path}: {exc.strerror}") from None
