"""The mutation check: does the parity suite catch wrong formulas?

Two kinds of mutants, each put into a COPY of scratch/ (the working tree is never touched):

- every catalogued mistake (:mod:`.mistakes`): the mistaken function replaces the reference
  in the copy's modules (``Mistake.apply``, so the mistake is applied exactly as
  ``dl-parity check`` computes it);
- operator mutants of formula lines: one small change of one expression (``+`` to ``-``,
  ``*`` to ``/``, ``<`` to ``<=``, a constant plus one, ``axis=1`` to ``axis=0``,
  ``keepdims=True`` to ``False``, a ``.T`` dropped, ``np.sum`` to ``np.mean``, ``+=`` to
  ``-=``, a ``reversed()`` dropped, a minus sign dropped). The sites are found by walking
  each catalogued scratch module's AST now (never line numbers recorded once): every
  statement in a function body except the input checks (``raise``, ``assert``, an ``if``
  whose body only raises, a call to a ``check``/``_check`` function, docstrings, prints).
  A seeded sample of them is run.

Each mutant runs the parity tests that import its module (``-m "not slow and not course"``,
CPU, stopping at the first failure; ``transitive`` adds those of the scratch modules built on
it). A mutant is caught ("killed") when a test fails or the
test module no longer imports; it "survives" when every test passes. Mutants known to compute
the same function as the original are listed, with the reason, in :mod:`.equivalent` and are
not run. Quick mode (CI): every catalogued mistake and a fixed sample of operator mutants;
full mode: a larger sample (or every site), after one run of the unmutated tests (which must
pass, and whose times set the mutants' time limits).
"""
from __future__ import annotations

import ast
import functools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRATCH = PROJECT_ROOT / "scratch"
TESTS = PROJECT_ROOT / "parity_tests"

#: test files that check the project's text, tools or timing rather than a formula: never run
#: against a mutant (a mutated line changes the source they quote, not the maths they test)
META_TESTS = ("test_catalog.py", "test_show.py", "test_study_browser.py", "test_readme.py",
              "test_options.py", "test_bench.py", "test_blas_threads.py")
#: the pytest marker expression every mutant runs under
MARKERS = "not slow and not course"

QUICK_OPERATORS = 30
#: quick mode's time limit basis for a stage (full mode measures the unmutated tests instead)
QUICK_STAGE_SECONDS = 60.0
FULL_OPERATORS = 400
DEFAULT_SEED = 17
TARGET_OPERATORS = 0.97


# ============================================================================ sites
@dataclass(frozen=True)
class Mutant:
    kind: str               # "mistake" or "operator"
    module: str             # "scratch.deep_nn"
    function: str           # "linear_backward" (qualname: "MLP.backward")
    line: int
    key: str                # stable: the mistake's key, or module:function: `old` -> `new` #k
    description: str        # what changed, one line
    start: int = 0          # operator: the byte range replaced in the module's source
    end: int = 0
    replacement: str = ""

    @property
    def path(self) -> str:
        return self.module.replace(".", "/") + ".py"


_BINOPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
           ast.Pow: ast.Mult, ast.FloorDiv: ast.Div, ast.MatMult: ast.Mult, ast.Mod: ast.FloorDiv}
_CMPOPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
           ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
           ast.In: ast.NotIn, ast.NotIn: ast.In}
_CALL_SWAPS = {"sum": "mean", "mean": "sum", "max": "min", "min": "max", "maximum": "minimum",
               "minimum": "maximum", "sin": "cos", "cos": "sin", "exp": "log", "log": "exp",
               "sqrt": "square", "square": "sqrt", "tanh": "sinh", "dot": "multiply",
               "multiply": "add"}


def _is_check_call(node, validators=frozenset()) -> bool:
    """A call to an input check (or a print): check_X(...), _check_cost(...), as_matrix(...),
    or any name the module imports from scratch's validation modules (``validators``)."""
    if isinstance(node, ast.Call):
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        return name.startswith(("check", "_check", "as_matrix")) or name == "print" \
            or name in validators
    return False


def _validators(tree) -> frozenset[str]:
    """The names a module imports from ``scratch._validate*``."""
    return frozenset(a.asname or a.name for node in tree.body if isinstance(node, ast.ImportFrom)
                     and node.level == 1 and (node.module or "").startswith("_validate")
                     for a in node.names)


def _skip_statement(stmt, validators=frozenset()) -> bool:
    if isinstance(stmt, (ast.Raise, ast.Assert, ast.Import, ast.ImportFrom, ast.Pass,
                         ast.Global, ast.Nonlocal, ast.FunctionDef, ast.ClassDef)):
        return True
    if isinstance(stmt, ast.Expr) and (isinstance(stmt.value, ast.Constant)
                                       or _is_check_call(stmt.value, validators)):
        return True
    if isinstance(stmt, ast.If) and not stmt.orelse and all(
            isinstance(s, ast.Raise) or (isinstance(s, ast.Expr) and _is_check_call(s.value,
                                                                                   validators))
            for s in stmt.body):
        return True           # an input check, or a print (the course's print_cost)
    value = getattr(stmt, "value", None)
    if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.Return)) and \
            _is_check_call(value, validators):
        return True
    return False


def _stringy(node) -> bool:
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant)
                                           and isinstance(node.value, (str, bytes))):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id in ("str", "repr", "f")


#: functions that compute no formula: printing, loading, memory and thread bookkeeping
NOT_FORMULAS = ("print_sample", "get_sample", "load_dinos", "extra_repr", "theoretical_memory",
                "thread_plan", "thread_policy")


def _skipped_function(name: str) -> bool:
    return name.startswith(("_check", "check", "__")) or name in NOT_FORMULAS or "print" in name


def _statements(body, validators=frozenset()):
    """Every statement to mutate, recursing into loops, ifs, withs (not nested functions)."""
    for stmt in body:
        if _skip_statement(stmt, validators):
            continue
        yield stmt
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, name, None)
            if inner:
                yield from _statements(inner, validators)
        for handler in getattr(stmt, "handlers", []) or []:
            yield from _statements(handler.body, validators)


def _own_nodes(stmt):
    """The expression nodes of a statement, not those of its nested statements (visited on
    their own) nor those inside f-strings."""
    stack = [stmt]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt) or isinstance(child, ast.JoinedStr):
                continue
            stack.append(child)


class _Source:
    """A module's source with byte offsets for ast positions (col_offset counts UTF-8 bytes)."""

    def __init__(self, text: str):
        self.text = text
        self.data = text.encode("utf-8")
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def span(self, node) -> tuple[int, int]:
        return (self.starts[node.lineno - 1] + node.col_offset,
                self.starts[node.end_lineno - 1] + node.end_col_offset)

    def segment(self, node) -> str:
        a, b = self.span(node)
        return self.data[a:b].decode("utf-8")


def _number(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
        and not isinstance(node.value, bool)


def _mutations(node, src: _Source, negated=frozenset()):
    """(node to replace, replacement text, description) for each operator mutation of node;
    ``negated`` holds the ids of constants under a minus sign (mutated with it, as one)."""
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS \
            and not (_stringy(node.left) or _stringy(node.right)):
        new = ast.BinOp(node.left, _BINOPS[type(node.op)](), node.right)
        yield node, f"({ast.unparse(new)})", "operator"
    elif isinstance(node, ast.AugAssign) and type(node.op) in _BINOPS \
            and not _stringy(node.value):
        new = ast.AugAssign(node.target, _BINOPS[type(node.op)](), node.value)
        yield node, ast.unparse(new), "operator"
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        yield node, f"({ast.unparse(node.operand)})", "sign"
        if _number(node.operand):          # -1 is one constant: -1 -> 0, -1e-9 -> -2e-09
            v = -node.operand.value
            yield node, repr(v + 1 if isinstance(v, int) else 2 * v), "constant"
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMPOPS:
        new = ast.Compare(node.left, [_CMPOPS[type(node.ops[0])]()], node.comparators)
        yield node, f"({ast.unparse(new)})", "comparison"
    elif _number(node) and id(node) not in negated:
        v = node.value
        new = v + 1 if isinstance(v, int) else (v * 2 if v else 1.0)
        yield node, repr(new), "constant"
    elif isinstance(node, ast.keyword) and node.arg == "keepdims" \
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, bool):
        yield node.value, repr(not node.value.value), "keepdims"
    elif isinstance(node, ast.keyword) and node.arg == "axis" \
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, int):
        v = node.value.value
        yield node.value, repr({0: 1, 1: 0, -1: 0}.get(v, 0)), "axis"
    elif isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(node.ctx, ast.Load):
        yield node, f"({ast.unparse(node.value)})", "transpose"
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "np" \
            and node.func.attr in _CALL_SWAPS:
        yield node.func, f"np.{_CALL_SWAPS[node.func.attr]}", "function"
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == "reversed" and len(node.args) == 1:
        yield node, f"({ast.unparse(node.args[0])})", "order"


def operator_sites(module: str) -> list[Mutant]:
    """Every operator mutant of the formula lines of ``module`` (e.g. "scratch.deep_nn")."""
    path = PROJECT_ROOT / (module.replace(".", "/") + ".py")
    src = _Source(path.read_text(encoding="utf-8"))
    tree = ast.parse(src.text)
    negated = {id(n.operand) for n in ast.walk(tree)
               if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub) and _number(n.operand)}
    validators = _validators(tree)
    out: list[Mutant] = []

    def functions(body, prefix=""):
        for node in body:
            if isinstance(node, ast.FunctionDef):
                yield prefix + node.name, node
            elif isinstance(node, ast.ClassDef):
                yield from functions(node.body, prefix + node.name + ".")

    for qualname, fn in functions(tree.body):
        if _skipped_function(qualname.rsplit(".", 1)[-1]):
            continue
        seen: dict[str, int] = {}
        for stmt in _statements(fn.body, validators):
            for node in _own_nodes(stmt):
                for target, replacement, kind in _mutations(node, src, negated):
                    old = src.segment(target)
                    if old.strip() == replacement.strip() or "\n" in replacement:
                        continue
                    a, b = src.span(target)
                    stem = f"{module}:{qualname}: `{_short(old)}` -> `{_short(replacement)}`"
                    seen[stem] = seen.get(stem, 0) + 1
                    out.append(Mutant("operator", module, qualname, target.lineno,
                                      f"{stem} #{seen[stem]}", f"{kind}: `{_short(old)}` -> "
                                      f"`{_short(replacement)}`", a, b, replacement))
    out.sort(key=lambda m: (m.module, m.start, m.end, m.replacement))
    return out


def _short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 3] + "..."


def mutated_source(m: Mutant) -> str:
    data = (PROJECT_ROOT / m.path).read_bytes()
    return (data[:m.start] + m.replacement.encode("utf-8") + data[m.end:]).decode("utf-8")


def formula_modules() -> list[str]:
    from dl_parity.catalog import FORMULA_MODULES

    return list(FORMULA_MODULES)


def mistake_mutants(modules: list[str] | None = None) -> list[Mutant]:
    from .mistakes import MISTAKES

    out = []
    for m in MISTAKES:
        if modules and m.module not in modules:
            continue
        out.append(Mutant("mistake", m.module, m.name, 0, m.key, f"mistake: {m.title}"))
    return out


def sample_operators(modules: list[str], n: int | None, seed: int) -> list[Mutant]:
    sites = [m for module in modules for m in operator_sites(module)]
    if n is None or n >= len(sites):
        return sites
    return sorted(random.Random(seed).sample(sites, n), key=lambda m: (m.module, m.start))


# ============================================================================ which tests
@functools.lru_cache(maxsize=None)
def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else None
            if base is None:
                continue
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


@functools.lru_cache(maxsize=None)
def _scratch_dependents() -> dict[str, set[str]]:
    """scratch module -> the scratch modules that import it (directly or not)."""
    direct: dict[str, set[str]] = {}
    for path in SCRATCH.glob("*.py"):
        name = f"scratch.{path.stem}"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                target = f"scratch.{node.module}" if node.module else None
                targets = [target] if target else [f"scratch.{a.name}" for a in node.names]
                for t in targets:
                    direct.setdefault(t, set()).add(name)
    closure: dict[str, set[str]] = {}
    for start in direct:
        seen, todo = set(), [start]
        while todo:
            for d in direct.get(todo.pop(), ()):
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        closure[start] = seen
    return closure


@functools.lru_cache(maxsize=None)
def _glue_importers() -> dict[str, set[str]]:
    """scratch module -> the dl_parity modules that import it, directly or through other
    dl_parity modules (static imports only: the CLI's commands, imported by name, are not
    followed)."""
    glue = PROJECT_ROOT / "dl_parity"
    direct: dict[str, set[str]] = {}
    for path in glue.rglob("*.py"):
        parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name, package = ".".join(parts), ".".join(parts if path.stem == "__init__" else parts[:-1])
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            for t in targets:
                direct.setdefault(name, set()).add(t)
    out: dict[str, set[str]] = {}
    for name in direct:                  # close over dl_parity -> dl_parity imports
        seen, todo = {name}, [name]
        while todo:
            for t in direct.get(todo.pop(), ()):
                if t.startswith("dl_parity") and t not in seen:
                    seen.add(t)
                    todo.append(t)
        for t in {t for n in seen for t in direct.get(n, ())}:
            if t.startswith("scratch."):
                out.setdefault(t, set()).add(name)
    return out


@functools.lru_cache(maxsize=None)
def tests_for(module: str, transitive: bool = True) -> list[str]:
    """The parity test files that import ``module``: first those that import it themselves,
    then those that import the dl_parity glue built on it (the engine's model descriptions),
    then, with ``transitive``, those that import a scratch module built on it. Meta tests
    excluded."""
    dependents = _scratch_dependents().get(module, set()) if transitive else set()
    glue = _glue_importers().get(module, set())
    direct, through_glue, indirect = [], [], []
    for path in sorted(TESTS.glob("test_*.py")):
        if path.name in META_TESTS or path.name.startswith("test_check"):
            continue
        names = _imports(path)
        rel = str(path.relative_to(PROJECT_ROOT))
        if module in names:
            direct.append(rel)
        elif names & glue:
            through_glue.append(rel)
        elif names & dependents:
            indirect.append(rel)
    return direct + through_glue + indirect


@functools.lru_cache(maxsize=None)
def _callers(module: str) -> dict[str, set[str]]:
    """function -> the functions of the same module whose bodies name it (a private helper
    such as ``_lstm_cell_backward`` -> ``lstm_cell_backward``, ``lstm_backward``)."""
    path = PROJECT_ROOT / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = {}           # _linear_forward = linear_forward.unchecked
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Attribute) \
                and isinstance(node.value.value, ast.Name):
            aliases[node.targets[0].id] = node.value.value.id
    out: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Name) and inner.id != node.name:
                    out.setdefault(aliases.get(inner.id, inner.id), set()).add(node.name)
    return out


def formula_tests(m: Mutant) -> list[str]:
    """The catalog's parity tests of the formulas the mutated function computes (for a
    mistake, also those of the formula it breaks; for a helper without an entry of its own,
    those of the functions that call it): the first stage of a mutant's run."""
    from dl_parity.catalog import CATALOG

    formula = None
    if m.kind == "mistake":
        from .mistakes import by_key

        formula = by_key()[m.key].formula
    names, todo, callers = set(), [m.function.split(".")[0]], None
    while todo:                        # the function, then callers until catalogued ones
        name = todo.pop()
        names.add(name)
        if any(f"{m.module}.{name}" in f.scratch for f in CATALOG):
            continue
        callers = callers if callers is not None else _callers(m.module)
        todo.extend(c for c in callers.get(name, ()) if c not in names)
    paths = {f"{m.module}.{n}" for n in names} | {f"{m.module}.{m.function}"}
    out = []
    for f in CATALOG:
        if paths & set(f.scratch) or f.id == formula:
            out.extend(t for t in f.tests if t not in out)
    return [t for t in out if t.split("::")[0].rsplit("/", 1)[-1] not in META_TESTS]


def stages_for(m: Mutant, transitive: bool) -> list[list[str]]:
    """The tests a mutant runs, in stages: its formula's tests; the test files that import its
    module themselves; those that import it through the dl_parity glue; and (``transitive``)
    those importing scratch modules built on it. A stage runs only if the mutant survived
    the ones before."""
    files = tests_for(m.module, transitive=transitive)
    names = _imports_cached_names(m.module)
    own = [f for f in files if m.module in names[f]]
    glue = [f for f in files if f not in own and names[f] & _glue_importers().get(m.module, set())]
    glue.sort(key=lambda f: Path(f).name.startswith("test_cli"))     # the CLI's tests last
    rest = [f for f in files if f not in own and f not in glue]
    first = [t for t in formula_tests(m) if t.split("::")[0] in own]
    return [s for s in (first, own, glue, rest) if s]


def _imports_cached_names(module: str) -> dict[str, set[str]]:
    return {str(p.relative_to(PROJECT_ROOT)): _imports(p) for p in TESTS.glob("test_*.py")}


# ============================================================================ running
@dataclass
class Result:
    mutant: Mutant
    status: str              # killed, survived, timeout, error, equivalent
    seconds: float = 0.0
    tests: list[str] = field(default_factory=list)
    caught_by: str = ""
    reason: str = ""         # for an equivalent mutant


class Workers:
    """A pool of zygote processes (:mod:`._zygote`), each running one mutant at a time."""

    def __init__(self, n: int):
        env = dict(os.environ)
        env["PYTHONPATH"] = str(PROJECT_ROOT) + (os.pathsep + env["PYTHONPATH"]
                                                 if env.get("PYTHONPATH") else "")
        env.setdefault("MPLBACKEND", "Agg")
        self.procs = []
        for _ in range(n):
            p = subprocess.Popen([sys.executable, "-m", "dl_parity.check._zygote"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                 cwd=str(PROJECT_ROOT), env=env, bufsize=1)
            self.procs.append(p)
        for p in self.procs:
            line = p.stdout.readline()
            if not line or not json.loads(line).get("ready"):
                raise RuntimeError("dl-parity mutants: a worker failed to start")

    def run(self, jobs: list[dict], on_result) -> None:
        import selectors

        sel = selectors.DefaultSelector()
        pending = list(jobs)
        busy = {}
        for p in self.procs:
            sel.register(p.stdout, selectors.EVENT_READ, p)
        for p in self.procs:
            if pending:
                job = pending.pop(0)
                busy[p.pid] = job
                p.stdin.write(json.dumps(job) + "\n")
                p.stdin.flush()
        while busy:
            for key, _ in sel.select():
                p = key.data
                line = p.stdout.readline()
                if not line:
                    raise RuntimeError("dl-parity mutants: a worker died")
                job = busy.pop(p.pid)
                on_result(job, json.loads(line))
                if pending:
                    job = pending.pop(0)
                    busy[p.pid] = job
                    p.stdin.write(json.dumps(job) + "\n")
                    p.stdin.flush()

    def close(self) -> None:
        """Stop the workers: an idle one leaves at the end of its input; a busy one is
        terminated, which kills the mutant it is running (see _zygote.main)."""
        for p in self.procs:
            try:
                p.stdin.close()
            except OSError:
                pass
        for p in self.procs:
            try:
                p.wait(timeout=2)
            except subprocess.TimeoutExpired:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()


def _copy_scratch(root: Path) -> None:
    shutil.copytree(SCRATCH, root / "scratch",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


@dataclass
class Run:
    mode: str
    seed: int
    modules: list[str]
    results: list[Result]
    baseline_seconds: dict[str, float]
    seconds: float
    markers: str = MARKERS

    def of(self, kind: str) -> list[Result]:
        return [r for r in self.results if r.mutant.kind == kind]

    @staticmethod
    def score(results: list[Result]) -> tuple[int, int]:
        counted = [r for r in results if r.status != "equivalent"]
        return sum(r.status in ("killed", "timeout") for r in counted), len(counted)

    @property
    def ok(self) -> bool:
        caught, total = self.score(self.of("mistake"))
        ops_caught, ops_total = self.score(self.of("operator"))
        return caught == total and (ops_total == 0 or ops_caught / ops_total >= TARGET_OPERATORS) \
            and not [r for r in self.results if r.status == "error"]


def run(mode: str = "quick", modules: list[str] | None = None, n_operators: int | None = None,
        seed: int = DEFAULT_SEED, jobs: int = 1, kinds=("mistake", "operator"),
        transitive: bool | None = None, log=print, workdir: str | None = None,
        mutants: list[Mutant] | None = None, stages_of=None) -> Run:
    """Build the mutants, run each against the tests that import its module, and score.

    ``mutants`` (instead of the catalog and the sample) and ``stages_of(mutant)`` (instead of
    :func:`stages_for`) are for the tests of this module."""
    start = time.monotonic()
    all_modules = formula_modules()
    modules = modules or all_modules
    unknown = [m for m in modules if m not in all_modules]
    if unknown:
        raise ValueError(f"unknown module {', '.join(unknown)}; expected scratch modules of the "
                         f"catalog: {', '.join(all_modules)}")
    if n_operators is None:
        n_operators = QUICK_OPERATORS if mode == "quick" else FULL_OPERATORS
    if mutants is None:
        mutants = _select(modules, kinds, n_operators, seed)
    results, todo = _sort_out(mutants, stages_of or (lambda m: stages_for(m, bool(transitive))))

    tmp = Path(tempfile.mkdtemp(prefix="dl-parity-mutants-", dir=workdir))
    previous = None
    if threading.current_thread() is threading.main_thread():
        # terminated: leave through SystemExit, so the workers and the copies are cleaned up
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    workers = Workers(max(1, jobs))
    try:
        if mode == "quick":
            # no baseline run here: quick mode runs inside the whole suite (make test), whose
            # own run of these tests shows them passing unmutated; a fixed limit instead
            baseline = {}
            slowest = QUICK_STAGE_SECONDS
        else:
            baseline = _baseline(workers, tmp, sorted({tuple(files) for _, stages in todo
                                                       for files in stages[1:] or stages}), log)
            slowest = max(baseline.values(), default=60.0)
        job_list = _jobs(todo, tmp, baseline, slowest)
        done = [0]

        def on_result(job, answer):
            m, stages = todo[job["id"]]
            fail = Path(job["first_failure"])
            caught_by = fail.read_text() if fail.exists() else ""
            tests = [t for s in stages[:answer.get("stage", 0) + 1] for t in s]
            r = Result(m, answer["status"], answer["seconds"], tests, caught_by)
            if r.status == "error":
                r.reason = _tail(Path(job["log"]))
            results.append(r)
            done[0] += 1
            log(f"[{done[0]}/{len(job_list)}] {r.status:8s} {answer['seconds']:6.1f} s  "
                f"{m.module}.{m.function}  {m.description}")
            shutil.rmtree(job["root"], ignore_errors=True)
        workers.run(job_list, on_result)
    finally:
        workers.close()
        shutil.rmtree(tmp, ignore_errors=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    order = {id(m): i for i, m in enumerate(mutants)}
    results.sort(key=lambda r: order[id(r.mutant)])
    return Run(mode, seed, modules, results, baseline, time.monotonic() - start)


def _select(modules, kinds, n_operators, seed) -> list[Mutant]:
    """The catalogued mistakes of ``modules`` and a sample of ``n_operators`` operator mutants
    (all where negative), of the ``kinds`` asked for."""
    mutants = []
    if "mistake" in kinds:
        mutants += mistake_mutants(modules)
    if "operator" in kinds:
        mutants += sample_operators(modules, n_operators if n_operators >= 0 else None, seed)
    return mutants


def _sort_out(mutants, stages_of):
    """(results, todo): the mutants known equivalent or with no test to run, as results;
    the others with their test stages, to run."""
    from .equivalent import EQUIVALENT

    results: list[Result] = []
    todo: list[tuple[Mutant, list[list[str]]]] = []
    for m in mutants:
        if m.kind == "operator" and m.key in EQUIVALENT:
            results.append(Result(m, "equivalent", reason=EQUIVALENT[m.key]))
            continue
        stages = stages_of(m)
        if not stages:
            results.append(Result(m, "error", reason=f"no parity test imports {m.module}"))
            continue
        todo.append((m, stages))
    return results, todo


def _jobs(todo, tmp: Path, baseline: dict, slowest: float) -> list[dict]:
    """One job per mutant to run: a copy of scratch/ under ``tmp`` (the operator mutant's
    file mutated in it), its test stages, and a timeout of 3 x its slowest stage + 30 s."""
    job_list = []
    for i, (m, stages) in enumerate(todo):
        root = tmp / f"m{i}"
        _copy_scratch(root)
        if m.kind == "operator":
            (root / m.path).write_text(mutated_source(m), encoding="utf-8")
        limit = max(baseline.get(tuple(s), slowest) for s in stages)
        job_list.append({"id": i, "root": str(root), "stages": stages,
                         "mistake": m.key if m.kind == "mistake" else None,
                         "timeout": 3 * limit + 30, "markers": MARKERS,
                         "log": str(tmp / f"m{i}.log"), "first_failure": str(tmp / f"m{i}.fail")})
    return job_list


def _tail(path: Path, n: int = 6) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(lines[-n:])


def _baseline(workers: Workers, tmp: Path, test_sets, log) -> dict[tuple, float]:
    """Run every test set once on an unchanged copy: each must pass (else no mutant result
    means anything); their times set the mutants' time limits."""
    jobs = []
    for i, tests in enumerate(test_sets):
        root = tmp / f"base{i}"
        _copy_scratch(root)
        jobs.append({"id": i, "root": str(root), "stages": [list(tests)], "mistake": None,
                     "timeout": 900, "markers": MARKERS, "log": str(tmp / f"base{i}.log"),
                     "first_failure": str(tmp / f"base{i}.fail")})
    times: dict[tuple, float] = {}
    failures = []

    def on_result(job, answer):
        tests = tuple(job["stages"][0])
        times[tests] = answer["seconds"]
        if answer["status"] != "survived":
            failures.append(f"{', '.join(tests)}: {answer['status']} "
                            f"({_tail(Path(job['log']))})")
    log(f"baseline: {len(jobs)} test sets on an unchanged copy of scratch/")
    workers.run(jobs, on_result)
    if failures:
        raise RuntimeError("the parity tests fail without any mutant, so no mutant result would "
                           "mean anything: " + "; ".join(failures))
    return times


# ============================================================================ the report
def module_table(run_: Run) -> list[tuple[str, str, str, int]]:
    rows = []
    for module in run_.modules:
        rs = [r for r in run_.results if r.mutant.module == module]
        if not rs:
            continue
        mc, mt = Run.score([r for r in rs if r.mutant.kind == "mistake"])
        oc, ot = Run.score([r for r in rs if r.mutant.kind == "operator"])
        eq = sum(r.status == "equivalent" for r in rs)
        rows.append((module.removeprefix("scratch."), f"{mc}/{mt}" if mt else "-",
                     f"{oc}/{ot}" if ot else "-", eq))
    return rows


def render(run_: Run) -> str:
    mc, mt = Run.score(run_.of("mistake"))
    oc, ot = Run.score(run_.of("operator"))
    lines = [f"dl-parity mutants ({run_.mode}, seed {run_.seed}): each mutant in a copy of "
             f"scratch/, against the parity tests that import its module "
             f"(-m \"{run_.markers}\", --device cpu, -x)", ""]
    rows = [("module", "mistakes caught", "operator mutants caught", "equivalent")] + \
        [(a, b, c, str(d)) for a, b, c, d in module_table(run_)]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    pct = (lambda a, b: f"{100 * a / b:.1f} %" if b else "-")
    lines.append("")
    lines.append(f"catalogued mistakes caught: {mc}/{mt} ({pct(mc, mt)})")
    lines.append(f"operator mutants caught:    {oc}/{ot} ({pct(oc, ot)}; target "
                 f"{100 * TARGET_OPERATORS:.0f} %)")
    survivors = [r for r in run_.results if r.status in ("survived", "error")]
    if survivors:
        lines.append("")
        lines.append("survivors (a test should have failed):")
        for r in survivors:
            where = f"{r.mutant.path}:{r.mutant.line}" if r.mutant.line else r.mutant.path
            lines.append(f"  {r.status:8s} {r.mutant.kind:8s} {where} in {r.mutant.function}: "
                         f"{r.mutant.description}  [ran {', '.join(Path(t).name for t in r.tests)}]"
                         + (f"  {r.reason}" if r.reason else ""))
    equivalent = [r for r in run_.results if r.status == "equivalent"]
    if equivalent:
        lines.append("")
        lines.append("equivalent mutants (not run; reasons in dl_parity/check/equivalent.py):")
        for r in equivalent:
            lines.append(f"  {r.mutant.path}:{r.mutant.line} in {r.mutant.function}: "
                         f"{r.mutant.description}: {r.reason}")
    lines.append("")
    lines.append(f"{len(run_.results)} mutants in {run_.seconds:.0f} s")
    return "\n".join(lines)


def to_json(run_: Run) -> dict:
    return {"mode": run_.mode, "seed": run_.seed, "markers": run_.markers,
            "seconds": round(run_.seconds, 1), "ok": run_.ok,
            "mistakes": dict(zip(("caught", "total"), Run.score(run_.of("mistake")))),
            "operators": dict(zip(("caught", "total"), Run.score(run_.of("operator")))),
            "results": [{**asdict(r.mutant), "status": r.status, "seconds": r.seconds,
                         "caught_by": r.caught_by, "reason": r.reason, "tests": r.tests}
                        for r in run_.results]}
