"""Check a learner's own NumPy functions against the project: the engine of ``dl-parity check``.

For each course function the learner's module defines (:mod:`.specs` says which the checker
knows), on every case of its spec:

1. the reference (scratch) and the learner's function get their own copy of the same inputs,
   the global NumPy generator seeded alike before each call (course functions that draw, like
   ``initialize_parameters``, then draw the same numbers);
2. the learner's output is compared with the reference's, structure first (a dict's keys, a
   tuple's length, every array's shape), then every value within the derived tolerance;
3. the same learner output is compared with PyTorch's answer (torch_ref, autograd) and, for
   gradients, with finite differences of the reference's forward pass (the course's criterion);
4. the learner's inputs are compared with a copy taken before the call: a function that
   modifies them in place, where the course's does not, is caught;
5. where the course's notebook prints values, the learner's function is run on its inputs.

A function that fails gets a diagnosis: the catalogued mistake (:mod:`.mistakes`) whose output
it reproduces on every case, else what its outputs are relative to the reference's (m times
too large, transposed, a column that lost its keepdims, ...). Nothing reads the learner's source.
"""
from __future__ import annotations

import contextlib
import importlib.util
import inspect
import io
import signal
import sys
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import compare as C
from .mistakes import Mistake, mistakes_of
from .specs import ASSIGNMENTS, SPECS, Spec, by_assignment, resolve
from .specs.base import FD_THRESHOLD, copy_tree, course_difference

#: the global generator's seed before every call (reference, learner and mistakes alike)
CALL_SEED = 1
#: seconds one call of a learner's function may take, and its module's import
CALL_TIMEOUT = 20.0
IMPORT_TIMEOUT = 60.0

PASS, NOT_DEFINED = "pass", "not defined"
RAISES, TIMEOUT, SIGNATURE = "raises", "timed out", "wrong signature"
WRONG_TYPE, WRONG_SHAPE, IN_PLACE, WRONG_VALUES = ("wrong type", "wrong shape",
                                                   "modifies its input", "wrong values")


class LearnerModuleError(Exception):
    """The learner's file cannot be checked (missing, not Python, fails to import)."""


class _Timeout(BaseException):
    pass


class _Raised:
    """What a call that raised returns, with its exception."""

    def __init__(self, exc: BaseException):
        self.exc = exc

    def describe(self) -> str:
        text = str(self.exc).strip().splitlines()[0] if str(self.exc).strip() else ""
        if len(text) > 100:
            text = text[:97] + "..."
        return f"{type(self.exc).__name__}" + (f": {text}" if text else "")


@contextlib.contextmanager
def _time_limit(seconds: float):
    if seconds is None or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        raise _Timeout()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def call(fn, args: tuple, timeout: float | None | str = "default"):
    """fn(*args) with the seed set, its prints and warnings swallowed; an exception (or the
    time limit, CALL_TIMEOUT by default) comes back as a :class:`_Raised` instead."""
    if timeout == "default":
        timeout = CALL_TIMEOUT
    np.random.seed(CALL_SEED)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), \
                np.errstate(all="ignore"), _time_limit(timeout):
            warnings.simplefilter("ignore")
            return fn(*args)
    except _Timeout as exc:
        return _Raised(exc)
    except Exception as exc:      # noqa: BLE001 - the learner's code may raise anything
        return _Raised(exc)
    except SystemExit as exc:
        return _Raised(exc)


# ============================================================================ results
@dataclass
class CaseResult:
    label: str
    output: object                     # the learner's output, or a _Raised
    comparison: C.Comparison | None    # against the reference
    modified: tuple | None = None      # the path of an input the call changed in place
    torch: list[tuple[tuple, C.LeafError]] = field(default_factory=list)
    fd: list[tuple[tuple, float]] = field(default_factory=list)   # (path, course difference)


@dataclass
class FunctionResult:
    spec: Spec
    verdict: str
    worst: C.LeafError | None = None
    worst_witness: str = ""
    diagnosis: str = ""
    mistake: Mistake | None = None
    cases: list[CaseResult] = field(default_factory=list)
    published: list[tuple[str, bool, str]] = field(default_factory=list)  # (what, ok, detail)
    details: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.verdict == PASS

    @property
    def where(self) -> str:
        """The formula to read: the one the diagnosed mistake breaks, else the function's."""
        return f"dl-parity show {self.mistake.formula if self.mistake else self.spec.formula}"


@dataclass
class Report:
    path: str
    assignments: list[str]
    results: list[FunctionResult]
    unchecked: list[str] = field(default_factory=list)   # defined, but no check for them

    @property
    def defined(self) -> list[FunctionResult]:
        return [r for r in self.results if r.verdict != NOT_DEFINED]

    @property
    def ok(self) -> bool:
        return all(r.passed for r in self.defined)


# ============================================================================ the learner's module
def load_module(path) -> object:
    """Import the learner's file as a fresh module (its own folder on sys.path meanwhile)."""
    path = Path(path)
    if not path.exists():
        raise LearnerModuleError(f"{path}: no such file (expected a Python module, PATH.py)")
    if path.is_dir() or path.suffix != ".py":
        raise LearnerModuleError(f"{path}: expected a Python module ending in .py, got "
                                 f"{'a folder' if path.is_dir() else repr(path.suffix or 'no suffix')}")
    name = f"dl_parity_learner_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), \
                _time_limit(IMPORT_TIMEOUT):
            warnings.simplefilter("ignore")
            spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise LearnerModuleError(f"{path}: cannot be imported: SyntaxError at line {exc.lineno}: "
                                 f"{exc.msg}") from None
    except (Exception, SystemExit, _Timeout) as exc:   # noqa: BLE001
        what = "took too long to import" if isinstance(exc, _Timeout) else \
            f"cannot be imported: {_Raised(exc).describe()}"
        raise LearnerModuleError(f"{path}: {what}") from None
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
    return module


def defined_functions(module) -> dict[str, object]:
    """The public functions the module itself defines (not the ones it imports)."""
    out = {}
    for name, obj in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(obj):
            continue
        if obj.__module__ == module.__name__:
            out[name] = obj
    return out


def _positional_count(fn) -> int:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 0
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 99
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def _signature_problem(fn, spec: Spec) -> str | None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        sig.bind(*spec.params)
    except TypeError:
        mine = ", ".join(sig.parameters)
        return (f"takes ({mine}); the course's {spec.name} takes ({', '.join(spec.params)}), "
                f"called with all {len(spec.params)} positionally")
    return None


# ============================================================================ one function
def check_function(spec: Spec, fn, *, with_witnesses: bool = True) -> FunctionResult:
    """Run every check of ``spec`` on the learner's ``fn`` and decide its verdict."""
    problem = _signature_problem(fn, spec)
    if problem:
        return FunctionResult(spec, SIGNATURE, diagnosis=problem)
    reference = spec.reference_function()
    cases = spec.cases()
    results: list[CaseResult] = []
    expected_outputs = []
    for case in cases:
        expected = call(reference, copy_tree(case.args), timeout=None)
        if isinstance(expected, _Raised):      # the project's own bug: say so loudly
            raise RuntimeError(f"the reference {spec.reference} raised on {case.label}: "
                               f"{expected.describe()}")
        expected_outputs.append(expected)
        args = copy_tree(case.args)
        before = C.snapshot(args)
        actual = call(fn, args)
        changed = None if spec.modifies_inputs else C.modified(before, args)
        if isinstance(actual, _Raised):
            results.append(CaseResult(case.label, actual, None, changed))
            continue
        comparison = C.compare(actual, expected, case.steps, spec.outputs)
        result = CaseResult(case.label, actual, comparison, changed)
        if with_witnesses and comparison.problem is None:
            _witnesses(spec, case, actual, result)
        results.append(result)
    verdict = _verdict(spec, results)
    published = _published(spec, fn) if with_witnesses and spec.published else []
    if verdict.verdict == PASS and any(not ok for _, ok, _ in published):
        verdict.verdict = WRONG_VALUES
        verdict.diagnosis = "differs from the course's published values: " + "; ".join(
            f"{what}: {detail}" for what, ok, detail in published if not ok)
    verdict.published = published
    if verdict.verdict != PASS:
        _diagnose(spec, reference, cases, results, expected_outputs, verdict)
    return verdict


def _witnesses(spec: Spec, case, actual, result: CaseResult) -> None:
    if spec.torch is not None:
        for path, value in spec.torch(copy_tree(case.args)).items():
            try:
                mine = np.asarray(C.get(actual, path))
            except (KeyError, IndexError, TypeError):
                continue
            theirs = np.asarray(value)
            if mine.shape != theirs.shape:
                continue
            result.torch.append((path, C.leaf_error(mine, theirs, case.steps, path)))
    if spec.fd is not None:
        for path, approx in spec.fd(copy_tree(case.args)).items():
            try:
                mine = np.asarray(C.get(actual, path), dtype=np.float64)
            except (KeyError, IndexError, TypeError, ValueError):
                continue
            if mine.shape != np.shape(approx):
                continue
            result.fd.append((path, course_difference(mine, approx)))


def _published(spec: Spec, fn) -> list[tuple[str, bool, str]]:
    out = []
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), \
                np.errstate(all="ignore"), _time_limit(CALL_TIMEOUT):
            warnings.simplefilter("ignore")
            rows = spec.published(fn)
    except (Exception, _Timeout) as exc:    # noqa: BLE001
        return [("the notebook's example", False, f"raises {_Raised(exc).describe()}")]
    for what, actual, expected, atol in rows:
        try:
            a = np.asarray(actual, dtype=np.float64)
            e = np.asarray(expected, dtype=np.float64)
            if a.shape != e.shape:
                out.append((what, False, f"shape {a.shape}, printed {e.shape}"))
                continue
            err = float(np.max(np.abs(a - e))) if a.size else 0.0
        except (TypeError, ValueError):
            out.append((what, False, f"got {actual!r}"))
            continue
        out.append((what, err <= atol, f"off by {err:.2g} (printed to {atol:.0e})"))
    return out


def _verdict(spec: Spec, results: list[CaseResult]) -> FunctionResult:
    out = FunctionResult(spec, PASS, cases=results)
    raised = [r for r in results if isinstance(r.output, _Raised)]
    if raised:
        first = raised[0]
        timed_out = isinstance(first.output.exc, _Timeout)
        out.verdict = TIMEOUT if timed_out else RAISES
        out.diagnosis = (f"took more than {CALL_TIMEOUT:g} s" if timed_out else
                         first.output.describe()) + f" on {first.label}"
        if len(raised) < len(results):
            out.diagnosis += f" ({len(results) - len(raised)} of {len(results)} cases ran)"
        return out
    problems = [r for r in results if r.comparison.problem]
    if problems:
        first = problems[0]
        out.verdict = WRONG_SHAPE if first.comparison.kind == "shape" else WRONG_TYPE
        out.diagnosis = f"{first.comparison.problem} (on {first.label})"
        return out
    changed = [r for r in results if r.modified is not None]
    if changed:
        out.verdict = IN_PLACE
        what = C.path_str(changed[0].modified, spec.params)
        out.diagnosis = (f"changes {what} in place (the course's {spec.name} leaves its inputs "
                         f"as they were: copy before updating)")
    _worst(out, results)
    if out.verdict == PASS and out.worst is not None and out.worst.ratio > 1:
        out.verdict = WRONG_VALUES
    fd_bad = [(r, p, d) for r in results for p, d in r.fd if d > FD_THRESHOLD]
    if out.verdict == PASS and fd_bad:
        r, p, d = max(fd_bad, key=lambda x: x[2])
        out.verdict = WRONG_VALUES
        out.diagnosis = (f"{C.path_str(p, spec.outputs)} disagrees with finite differences: "
                         f"difference {d:.1e} > {FD_THRESHOLD:.0e} on {r.label}")
    return out


def _worst(out: FunctionResult, results: list[CaseResult]) -> None:
    best = None
    for r in results:
        if r.comparison is not None:
            for e in r.comparison.leaves:
                if best is None or e.ratio > best[0].ratio:
                    best = (e, "scratch", r.label)
        for _, e in r.torch:
            if best is None or e.ratio > best[0].ratio:
                best = (e, "PyTorch", r.label)
    if best is not None:
        out.worst, out.worst_witness = best[0], best[1]


# ============================================================================ diagnosis
def _diagnose(spec, reference, cases, results, expected_outputs, out: FunctionResult) -> None:
    if out.verdict in (SIGNATURE, TIMEOUT):
        return
    if out.verdict == IN_PLACE and (out.worst is None or out.worst.ratio <= 1):
        return
    found = match_mistakes(spec, reference, cases, results)
    if found:
        m = found[0]
        out.mistake = m
        raised = [r for r in results if isinstance(r.output, _Raised)]
        tail = f" (and raises where it does: {raised[0].output.describe()})" if raised else ""
        text = f"{m.title}: {m.wrote}{tail}"
        out.diagnosis = f"{out.diagnosis}; and {text}" if out.verdict == IN_PLACE else text
        if len(found) > 1:
            out.details.append("also consistent with: " + "; ".join(x.title for x in found[1:]))
        return
    generic = describe_difference(spec, cases, results, expected_outputs)
    if generic:
        if out.verdict in (RAISES, IN_PLACE):
            out.details.append(generic)
        else:
            out.diagnosis = generic


def match_mistakes(spec: Spec, reference, cases, results) -> list[Mistake]:
    """The catalogued mistakes whose output the learner's reproduces on every case (and that
    raise exactly where the learner's raises)."""
    found = []
    for m in mistakes_of(spec.reference):
        wrong = m.apply(reference)
        consistent, returned = True, 0
        for case, r in zip(cases, results):
            if isinstance(r.output, _Raised) and isinstance(r.output.exc, _Timeout):
                continue
            out = call(wrong, copy_tree(case.args), timeout=None)
            if isinstance(r.output, _Raised) or isinstance(out, _Raised):
                consistent = isinstance(r.output, _Raised) and isinstance(out, _Raised)
            else:
                consistent = C.compare(r.output, out, case.steps, spec.outputs).ok
                returned += 1
            if not consistent:
                break
        if consistent and returned:
            found.append(m)
    return found


def _factor_name(r: float, m: int | None) -> str | None:
    def near(x, y):
        return abs(x - y) <= 1e-9 * max(1.0, abs(y))
    if near(r, -1):
        return "has the wrong sign"
    if m and m > 1 and near(r, m):
        return f"is m = {m} times too large: a 1/m is missing"
    if m and m > 1 and near(r, 1 / m):
        return f"is m = {m} times too small: a 1/m too many"
    if m and m > 1 and near(r, -m):
        return f"is -m times the expected (a 1/m and the sign)"
    for k, words in ((2, "twice the expected value"), (0.5, "half the expected value")):
        if near(r, k):
            return f"is {words}"
    return f"is {r:.4g} times the expected value"


def describe_difference(spec, cases, results, expected_outputs) -> str | None:
    """What the learner's outputs are, relative to the reference's, in the first case that
    differs: transposed, reshaped, scaled by a constant (m, 1/m, -1), or just which differ."""
    for case, r, expected in zip(cases, results, expected_outputs):
        if isinstance(r.output, _Raised) or r.comparison is None:
            continue
        cmp = r.comparison
        if cmp.problem and cmp.kind == "shape":
            a = np.asarray(C.get(r.output, cmp.problem_path))
            e = np.asarray(C.get(expected, cmp.problem_path))
            name = C.path_str(cmp.problem_path, spec.outputs)
            if a.shape == e.T.shape and a.ndim == 2 and _close(a, e.T, case.steps):
                return f"{name} is transposed: shape {a.shape} instead of {e.shape}"
            if a.size == e.size and _close(a.reshape(e.shape), e, case.steps):
                return (f"{name} has the right values in shape {a.shape} instead of {e.shape} "
                        f"(a sum without keepdims=True, or a reshape)")
            return None
        if cmp.problem:
            return None
        failing = cmp.failing()
        if not failing:
            continue
        parts = []
        for leaf in failing[:3]:
            a = np.asarray(C.get(r.output, leaf.path), dtype=np.float64)
            e = np.asarray(C.get(expected, leaf.path), dtype=np.float64)
            name = C.path_str(leaf.path, spec.outputs)
            nz = np.abs(e) > 1e-12
            ratio = a[nz] / e[nz] if nz.any() else np.array([])
            if ratio.size and np.all(np.abs(a[~nz]) <= 1e-12) and \
                    np.ptp(ratio) <= 1e-9 * max(1.0, float(np.max(np.abs(ratio)))):
                parts.append(f"{name} {_factor_name(float(np.median(ratio)), case.m)}")
            else:
                parts.append(f"{name} differs (worst at {list(leaf.where)}: {leaf.actual:.6g} "
                             f"where {leaf.expected:.6g} is expected)")
        right = [C.path_str(e.path, spec.outputs) for e in cmp.leaves if e.ratio <= 1]
        text = "; ".join(parts)
        if len(failing) > 3:
            text += f"; and {len(failing) - 3} more outputs differ"
        if right and len(right) <= 6:
            text += f" ({', '.join(right)} right)"
        return text + f", on {case.label}"
    return None


def _close(a, e, steps) -> bool:
    return C.leaf_error(np.asarray(a), np.asarray(e), steps).ratio <= 1


# ============================================================================ a module
def plan(path, assignment: str | None = None, only: list[str] | None = None):
    """What to check in the module at ``path``: (assignments, [(spec, the learner's function or
    None when it is not defined)], names it defines that no check covers)."""
    module = load_module(path)
    functions = defined_functions(module)
    known = {s.name for s in SPECS}
    course = {n: f for n, f in functions.items() if n in known}
    if not course:
        sample = ", ".join(sorted(known)[:8])
        mine = ", ".join(sorted(functions)) or "no public functions"
        raise LearnerModuleError(
            f"{path}: expected a module that defines some of the course's functions (e.g. "
            f"{sample}, ...; docs/course_api.md lists them), got one that defines {mine}")
    try:
        assignments, extra = resolve({n: _positional_count(f) for n, f in course.items()},
                                     assignment)
    except ValueError as exc:
        raise LearnerModuleError(str(exc)) from None
    if only:
        unknown = [n for n in only if n not in course]
        if unknown:
            raise LearnerModuleError(f"--function: {path} defines no course function "
                                     f"{', '.join(unknown)}; it defines {', '.join(sorted(course))}")
    todo = []
    for a in assignments:
        for spec in by_assignment(a):
            if not only or spec.name in only:
                todo.append((spec, course.get(spec.name)))
    for spec in extra:                 # a shared name outside the module's assignments
        if not only or spec.name in only:
            todo.append((spec, course[spec.name]))
    covered = {spec.name for spec, _ in todo}
    unchecked = sorted(n for n in functions if n not in covered and not (only and n in course))
    return assignments, todo, unchecked


def check_module(path, assignment: str | None = None, only: list[str] | None = None,
                 with_witnesses: bool = True) -> Report:
    """Check every course function the module at ``path`` defines."""
    assignments, todo, unchecked = plan(path, assignment, only)
    results = [FunctionResult(spec, NOT_DEFINED) if fn is None else
               check_function(spec, fn, with_witnesses=with_witnesses) for spec, fn in todo]
    return Report(str(path), assignments, results, unchecked)


# ============================================================================ the table
def _fmt_error(r: FunctionResult) -> str:
    if r.verdict in (NOT_DEFINED, SIGNATURE, RAISES, TIMEOUT, WRONG_TYPE, WRONG_SHAPE) \
            or r.worst is None:
        return "-"
    sign = "<=" if r.worst.ratio <= 1 else ">"
    return f"{r.worst.error:.1e} {sign} {r.worst.tol:.1e}"


def rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    out = []
    for r in report.results:
        verdict = r.verdict if r.verdict in (PASS, NOT_DEFINED) else r.verdict.upper()
        out.append((r.spec.name, verdict, _fmt_error(r), r.diagnosis,
                    "" if r.verdict == NOT_DEFINED else r.where))
    return out


def render(report: Report, verbose: bool = False) -> str:
    """The verdict table (and, with ``verbose``, every witness of every function)."""
    header = ("function", "verdict", "worst error vs tolerance", "diagnosis", "where to look")
    table = [header] + rows(report)
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    widths[3] = min(widths[3], 100)
    lines = [f"dl-parity check {report.path}: " + "; ".join(ASSIGNMENTS[a] for a in
                                                             report.assignments)]
    lines.append("float64; random shapes (m = 1 and non-square layers included) against scratch "
                 "(the reference), PyTorch and finite differences, plus the course's printed "
                 "values")
    lines.append("")
    for i, row in enumerate(table):
        diag = row[3]
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2])]
        if len(diag) <= widths[3]:
            cells.append(diag.ljust(widths[3]))
            cells.append(row[4])
            lines.append("  ".join(cells).rstrip())
        else:         # a long diagnosis: the line still ends with where to look
            lines.append("  ".join(cells + [diag, row[4]]).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths[:4]) + "  " + "-" * 13)
    defined = report.defined
    passed = sum(r.passed for r in defined)
    missing = len(report.results) - len(defined)
    lines.append("")
    lines.append(f"{passed} of {len(defined)} defined functions pass; {len(defined) - passed} fail; "
                 f"{missing} not defined")
    if report.unchecked:
        lines.append(f"not checked (no check for them here): {', '.join(report.unchecked)}")
    if verbose:
        lines.append("")
        lines.extend(_details(report))
    return "\n".join(lines)


def _details(report: Report) -> list[str]:
    out = []
    for r in report.defined:
        out.append(f"{r.spec.name} ({r.spec.reference}, {r.where}):")
        for c in r.cases:
            if isinstance(c.output, _Raised):
                out.append(f"  {c.label}: raises {c.output.describe()}")
                continue
            bits = []
            if c.comparison is not None and c.comparison.problem:
                bits.append(c.comparison.problem)
            elif c.comparison is not None and c.comparison.worst is not None:
                w = c.comparison.worst
                bits.append(f"scratch {w.error:.1e} (tol {w.tol:.1e})")
            if c.torch:
                w = max((e for _, e in c.torch), key=lambda e: e.ratio)
                bits.append(f"PyTorch {w.error:.1e} (tol {w.tol:.1e})")
            if c.fd:
                bits.append(f"finite differences {max(d for _, d in c.fd):.1e} "
                            f"(< {FD_THRESHOLD:.0e})")
            if c.modified is not None:
                bits.append(f"modifies {C.path_str(c.modified, r.spec.params)}")
            out.append(f"  {c.label}: " + "; ".join(bits))
        for what, ok, detail in r.published:
            out.append(f"  the course's values, {what}: {'ok' if ok else 'WRONG'} ({detail})")
        out.extend(f"  {d}" for d in r.details)
    return out
