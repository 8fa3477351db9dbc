"""The study guide: every formula beside its NumPy code, its PyTorch code and its measured parity.

``build(out)`` writes a static site that works opened from disk (no network at
view time): ``index.html`` with inline CSS, formulas as MathML, code highlighted
by pygments, learning curves as embedded PNGs, and ``parity-report.json``, the
raw records it was made from. Everything comes from the catalog
(:mod:`dl_parity.catalog`), the code itself (:mod:`dl_parity.sources`) and a fresh
run of the parity suite on this machine (:func:`run_parity`); nothing is copied
by hand.

The pieces ``dl-parity show --check`` shares: :func:`runnable_tests`,
:func:`run_parity`, :func:`measurements`. The HTML itself is rendered by
:mod:`dl_parity.study_page` from the templates in ``dl_parity/templates/``.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from .catalog import CATALOG, Formula
from .sources import PROJECT_ROOT
from .study_page import (_closeness, fmt_compared, fmt_err, fmt_ratio,  # noqa: F401
                         fmt_tol)  # the page's number formats, also show --check's
from .study_page import formula_mathml, render_html  # noqa: F401  (formula_mathml: for tests)

TESTS_DIR = PROJECT_ROOT / "parity_tests"


# ============================================================================ the parity run
def _test_functions(file: Path) -> set[str]:
    """Names of the ``def test_*`` functions at the top level of a test file (read, not imported)."""
    import ast

    try:
        tree = ast.parse(file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return set()
    return {n.name for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")}


def runnable_tests(tests: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """Split catalog tests ("file::function") into those that exist and those that do not.

    Returns ``(node_ids, missing)`` with ``missing[test]`` saying why. A name
    that does not exist would make pytest stop the whole run, so it is left out.
    """
    found: list[str] = []
    missing: dict[str, str] = {}
    cache: dict[str, set[str]] = {}
    for test in dict.fromkeys(tests):
        file, _, func = test.partition("::")
        path = PROJECT_ROOT / file
        if not path.is_file():
            missing[test] = f"{file} does not exist yet"
            continue
        if file not in cache:
            cache[file] = _test_functions(path)
        if func and func not in cache[file]:
            missing[test] = f"{file} has no function {func}"
            continue
        found.append(test)
    return found, missing


@dataclasses.dataclass
class ParityRun:
    """What one pytest run of the parity suite gave."""
    report: dict | None                    # the --parity-report JSON (None if not written)
    outcomes: dict[str, str]               # node id -> PASSED / FAILED / SKIPPED / ERROR ...
    returncode: int
    output: str                            # pytest's stdout and stderr
    missing: dict[str, str]                # catalog tests that do not exist (not run)
    command: list[str]

    @property
    def records(self) -> list[dict]:
        return (self.report or {}).get("records", [])

    def skip_reasons(self) -> dict[str, int]:
        """pytest's short summary of skips (``-ra``): reason -> number of tests skipped."""
        reasons: dict[str, int] = {}
        for m in _SKIPPED.finditer(self.output):
            reasons[m.group(2).strip()] = reasons.get(m.group(2).strip(), 0) + int(m.group(1))
        return reasons

    def summary_line(self) -> str:
        lines = [ln.strip("= ").strip() for ln in self.output.splitlines() if ln.startswith("=")]
        return lines[-1] if lines else f"pytest exited with status {self.returncode}"


_OUTCOME = re.compile(r"^(\S+::\S+?)\s+(PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS)\b")
_SKIPPED = re.compile(r"^SKIPPED \[(\d+)\] [^\s:]+:\d+: (.*)$", re.MULTILINE)
_COLLECTED = re.compile(r"collected (\d+) items?(?: / (\d+) deselected)?(?: / (\d+) selected)?")


def progress_default() -> bool:
    """Draw progress bars only where someone watches them: stderr is a terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def run_parity(tests: Sequence[str], *, quick: bool = False, device: str | None = None,
               data_dir: str | os.PathLike | None = None, progress: bool | None = None,
               description: str = "parity tests") -> ParityRun:
    """Run the parity tests ``tests`` ("file::function") in a pytest subprocess.

    ``--parity-report`` goes to a temporary file that is read back; ``quick``
    leaves out the tests marked ``slow`` or ``course``; ``device`` is the suite's
    ``--device`` (default: cpu, and cuda when present). A tqdm bar counts the
    tests as pytest reports them, on a terminal only (``progress=None``: when
    stderr is one).
    """
    if progress is None:
        progress = progress_default()
    node_ids, missing = runnable_tests(tests)
    if not node_ids:
        return ParityRun(None, {}, 5, "no runnable test", missing, [])
    from tqdm import tqdm

    with tempfile.TemporaryDirectory(prefix="dl-parity-") as tmp:
        report_path = Path(tmp) / "parity.json"
        cmd = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider",
               "--continue-on-collection-errors", "--color=no",
               "--parity-report", str(report_path)]
        if quick:
            cmd += ["-m", "not slow and not course"]
        if device:
            cmd += ["--device", device]
        cmd += node_ids
        env = dict(os.environ, MPLBACKEND="Agg")
        if data_dir is not None:
            env["DL_PARITY_DATA"] = str(data_dir)
        out_lines: list[str] = []
        outcomes: dict[str, str] = {}
        bar = tqdm(total=None, desc=description, unit="test", disable=not progress,
                   leave=False, file=sys.stderr)
        with subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, bufsize=1) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                out_lines.append(line)
                m = _COLLECTED.search(line)
                if m and bar.total is None:
                    total = int(m.group(3) or (int(m.group(1)) - int(m.group(2) or 0)))
                    bar.reset(total=total)
                m = _OUTCOME.match(line)
                if m:
                    outcomes[m.group(1)] = m.group(2)
                    bar.update(1)
            returncode = proc.wait()
        bar.close()
        report = None
        if report_path.is_file():
            report = json.loads(report_path.read_text())
    return ParityRun(report, outcomes, returncode, "".join(out_lines), missing, cmd)


# ============================================================================ measurements
@dataclasses.dataclass
class Row:
    """The records of one comparison (test, what, device, dtype), folded together."""
    test: str
    what: str
    device: str
    dtype: str
    n: int
    max_abs: float
    max_rel: float
    rtol: float
    atol: float
    passed: bool
    #: the compared quantity |torch - numpy| / (atol + rtol |numpy|) at the element nearest
    #: its bound, over all the records folded here (<= 1 passes), and that element's two
    #: sides; None for records written before the report carried them
    ratio: float | None = None
    worst_abs: float | None = None
    worst_allowed: float | None = None


def _base(nodeid: str) -> str:
    return nodeid.split("[", 1)[0]


def measurements(records: Iterable[dict], formula: str) -> list[Row]:
    """Fold the records of one catalog id by (test function, what, device, dtype).

    Each row keeps the largest max_abs and max_rel seen, the loosest tolerance
    used, whether every record passed, and the compared quantity of the record
    nearest its bound (``ratio``, ``worst_abs``, ``worst_allowed``).
    """
    rows: dict[tuple, Row] = {}
    for r in records:
        if r.get("formula") != formula:
            continue
        key = (_base(r["test"]), r["what"], r["device"], r["dtype"])
        row = rows.get(key)
        ratio = r.get("ratio")
        if row is None:
            rows[key] = Row(key[0], r["what"], r["device"], r["dtype"], 1, r["max_abs"],
                            r["max_rel"], r["rtol"], r["atol"], bool(r["passed"]), ratio,
                            r.get("worst_abs"), r.get("worst_allowed"))
            continue
        row.n += 1
        row.max_abs = max(row.max_abs, r["max_abs"])
        row.max_rel = max(row.max_rel, r["max_rel"])
        row.rtol = max(row.rtol, r["rtol"])
        row.atol = max(row.atol, r["atol"])
        row.passed = row.passed and bool(r["passed"])
        if ratio is None or row.ratio is None:
            row.ratio = row.worst_abs = row.worst_allowed = None
        elif not ratio <= row.ratio:               # larger, or nan
            row.ratio, row.worst_abs, row.worst_allowed = ratio, r["worst_abs"], r["worst_allowed"]
    return list(rows.values())


@dataclasses.dataclass
class Status:
    """One entry's parity status: ``key`` in pass / fail / skipped / unmeasured / missing / not-run."""
    key: str
    label: str
    detail: str
    rows: list[Row]

    @property
    def worst(self) -> Row | None:
        """The comparison nearest its tolerance (a failed one if any): the largest
        |torch - numpy| / (atol + rtol |numpy|), the quantity the tests compare."""
        return max(self.rows, key=_closeness) if self.rows else None


def entry_status(entry: Formula, run: ParityRun | None) -> Status:
    """Decide an entry's status from its tests' outcomes and its records."""
    if run is None:
        return Status("not-run", "not run", "the parity tests of this formula were not run "
                      "for this page", [])
    rows = measurements(run.records, entry.id)
    mine = {t: o for t, o in run.outcomes.items()
            if any(t == test or t.startswith(test + "[") for test in entry.tests)}
    missing = [t for t in entry.tests if t in run.missing]
    failed = sorted(t for t, o in mine.items() if o in ("FAILED", "ERROR", "XPASS"))
    if failed or any(not r.passed for r in rows):
        bad = failed or sorted({r.test for r in rows if not r.passed})
        return Status("fail", "FAIL", "failed: " + ", ".join(bad), rows)
    ran = [t for t, o in mine.items() if o in ("PASSED", "XFAIL")]
    if rows:
        extra = f"; {len(missing)} test(s) not written yet" if missing else ""
        return Status("pass", "pass", f"{sum(r.n for r in rows)} comparisons within "
                      f"tolerance in {len({r.test for r in rows})} test(s){extra}", rows)
    if ran:
        return Status("unmeasured", "pass (no record)",
                      f"{len(ran)} test run(s) passed without recording a comparison "
                      f"for {entry.id}", rows)
    if mine:
        return Status("skipped", "skipped", "every test was skipped (see the run's output)", rows)
    if missing and len(missing) == len(entry.tests):
        return Status("missing", "no test yet", "; ".join(run.missing[t] for t in missing), rows)
    return Status("skipped", "not selected",
                  "no test of this entry ran (slow and course tests are left out by --quick)"
                  if "-m" in run.command else "no test of this entry ran", rows)


# ============================================================================ learning curves
@dataclasses.dataclass
class Curve:
    """Costs per iteration of one model, trained by both sides from the same initial weights."""
    key: str
    title: str
    setup: str
    numpy_costs: list[float]
    torch_costs: list[float]
    png: bytes = b""
    #: the catalog id whose training this is: the page shows the curve in its section
    formula: str = ""

    @property
    def max_diff(self) -> float:
        return max((abs(a - b) for a, b in zip(self.numpy_costs, self.torch_costs)), default=0.0)


def default_data_dir() -> Path | None:
    """The data root (``$DL_PARITY_DATA``, else ./data) if it holds the cat files, else None."""
    from dl_parity.data import data_root
    from scratch.datasets import cat_paths

    root = data_root()
    return root if all(Path(p).is_file() for p in cat_paths(root).values()) else None


class _Bar:
    """An engine callback: one tick of a tqdm bar per step of each side."""

    def __init__(self, bar):
        self.bar = bar

    def on_step(self, info):
        self.bar.update(len(info.sides))


def train_curves(quick: bool = False, data_dir: Path | None = None,
                 progress: bool | None = True, log=None) -> list[Curve]:
    """Every recipe's learning curve (dl_parity.curves: each model trained with scratch and
    with torch_ref in lockstep, from the same weights, float64 on the CPU, through the
    engine). What was left out for want of its data is in ``train_curves.missing``.
    Without bars (``progress`` false), ``log`` gets one line per model."""
    from tqdm import tqdm

    from dl_parity import curves as runs

    if progress is None:
        progress = progress_default()
    bars = []

    def bar(plan, source):
        if log is not None and not progress:
            steps = f"{source.epochs} {'iterations' if plan.full_batch else 'epochs'}"
            log(f"training {plan.dataset} with both implementations ({steps})")
        bars.append(tqdm(total=2 * source.epochs if plan.full_batch else None,
                         desc=f"training {plan.dataset}",
                         unit="it", disable=not progress, leave=False, file=sys.stderr))
        return _Bar(bars[-1])

    trained, train_curves.missing = runs.train(quick, data_dir, bar)
    for b in bars:
        b.close()
    curves = [Curve(c.key, c.title, c.setup, c.costs["numpy"], c.costs["torch"],
                    formula=c.formula)
              for c in trained]
    for c in curves:
        c.png = plot_curve(c)
    return curves


def plot_curve(curve: Curve) -> bytes:
    """Both cost curves overlaid, and |J_torch − J_numpy| per iteration below, as a PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np

    it = np.arange(len(curve.numpy_costs))
    a = np.asarray(curve.numpy_costs)
    b = np.asarray(curve.torch_costs[:len(a)])
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(7.2, 4.6), sharex=True, dpi=110,
                                  gridspec_kw={"height_ratios": [3, 1.3]})
    ax.plot(it, a, color="#2b6cb0", lw=2.4, label="NumPy (scratch)")
    ax.plot(it[:len(b)], b, color="#dd6b20", lw=1.4, ls="--", label="PyTorch (torch_ref)")
    ax.set_ylabel("cost J")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    d = np.abs(a[:len(b)] - b)
    if np.any(d > 0):
        ax2.semilogy(it[:len(b)][d > 0], d[d > 0], ".", ms=2, color="#4a5568")
    else:
        ax2.text(0.5, 0.5, "identical at every iteration", ha="center", va="center",
                 transform=ax2.transAxes, color="#4a5568")
    ax2.set_ylabel("|ΔJ|")
    ax2.set_xlabel("iteration")
    ax2.grid(alpha=0.3)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
        ax2.spines[s].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


# ============================================================================ tally
#: how each status is counted in the closing line, in this order (pass and fail come first)
_TALLY = (("unmeasured", "passed without recording a comparison"),
          ("skipped", "skipped or not selected"), ("missing", "with no test yet"),
          ("not-run", "not run"))


def tally(statuses: dict[str, Status], run: ParityRun | None) -> str:
    """The page's and the command's one-line verdict over every entry shown.

    ``run`` None (``--no-run``): says that nothing was measured, never "0 of N".
    """
    n = len(statuses)
    count = {}
    for st in statuses.values():
        count[st.key] = count.get(st.key, 0) + 1
    if run is None:
        return f"{n} formulas shown; parity not run (--no-run), nothing measured"
    parts = [f"{count.get('pass', 0)} of {n} formulas within tolerance",
             f"{count.get('fail', 0)} failed"]
    parts += [f"{count[k]} {label}" for k, label in _TALLY if count.get(k)]
    return ", ".join(parts)


# ============================================================================ build
@dataclasses.dataclass
class Site:
    """What :func:`build_site` wrote and measured."""
    index: Path
    statuses: dict[str, Status]
    run: ParityRun | None
    curves: list[Curve]

    @property
    def verdict(self) -> str:
        return tally(self.statuses, self.run)

    @property
    def failed(self) -> list[str]:
        return [fid for fid, st in self.statuses.items() if st.key == "fail"]


def build(out: str | os.PathLike, **options) -> Path:
    """:func:`build_site`, returning only the index.html path."""
    return build_site(out, **options).index


def build_site(out: str | os.PathLike, *, quick: bool = False, run_tests: bool = True,
               only: Sequence[str] | None = None, run_only: Sequence[str] | None = None,
               data_dir: str | os.PathLike | None = None, curves: bool = True,
               progress: bool | None = None, log=None) -> Site:
    """Write the study site into ``out`` (created if needed).

    ``only`` restricts the page to some catalog ids; ``run_only`` runs the parity
    tests of only these ids (the others say "not run"; the browser test uses it
    to stay fast); ``run_tests=False`` runs none. Progress bars are drawn on a
    terminal only (``progress=None``: when stderr is one); ``log(message)``, when
    given, is told each stage in one line instead. Everything is computed before
    anything is written; the files are replaced atomically.
    """
    if progress is None:
        progress = progress_default()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out: expected a directory, got the existing file {out}")
    entries = [f for f in CATALOG if only is None or f.id in only]
    for ids in (only, run_only):
        unknown = sorted(set(ids or ()) - {f.id for f in CATALOG})
        if unknown:
            raise ValueError(f"unknown catalog id(s) {', '.join(unknown)}")
    ran = [f for f in entries if run_only is None or f.id in run_only]
    data = Path(data_dir) if data_dir is not None else default_data_dir()
    say = log if (log is not None and not progress) else (lambda message: None)

    run = None
    if run_tests:
        tests = [t for f in ran for t in f.tests]
        say(f"running the parity tests of {len(ran)} formula(s) "
            f"({len(set(tests))} test functions{', quick' if quick else ''})")
        run = run_parity(tests, quick=quick, data_dir=data, progress=progress,
                         description="parity suite")
        say(f"pytest: {run.summary_line()}")
    statuses = {f.id: entry_status(f, run if f in ran else None) for f in entries}
    trained = (train_curves(quick=quick, data_dir=data, progress=progress, log=log)
               if curves else [])
    missing = getattr(train_curves, "missing", []) if curves else []
    note = ("" if not missing else "Not shown, for want of their data on this machine (set "
            "DL_PARITY_DATA to the folder that holds it): " + "; ".join(missing) + ".")
    generated = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    page = render_html(entries, statuses, run, trained, quick=quick, generated=generated,
                       curves_note=note if curves else "", verdict=tally(statuses, run))

    out.mkdir(parents=True, exist_ok=True)
    files = {"index.html": page}
    if run is not None:
        files["parity-report.json"] = json.dumps(
            dict(run.report or {}, missing_tests=run.missing, outcomes=run.outcomes), indent=1)
    for name, text in files.items():
        tmp = out / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out / name)
    if run is None and (out / "parity-report.json").is_file():
        (out / "parity-report.json").unlink()   # a report of an earlier run would not match
    return Site(out / "index.html", statuses, run, trained)


def failed_formulas(report_path: str | os.PathLike) -> list[str]:
    """Catalog ids with a failed comparison or a failed test in a written parity-report.json."""
    report = json.loads(Path(report_path).read_text())
    failed = {r["formula"] for r in report.get("records", []) if not r["passed"]}
    bad_tests = [t for t, o in report.get("outcomes", {}).items() if o in ("FAILED", "ERROR")]
    for f in CATALOG:
        if any(t == test or t.startswith(test + "[") for t in bad_tests for test in f.tests):
            failed.add(f.id)
    return sorted(failed)
