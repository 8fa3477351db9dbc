"""The study guide: every formula beside its NumPy code, its PyTorch code and its measured parity.

``build(out)`` writes a static site that works opened from disk (no network at
view time): ``index.html`` with inline CSS, formulas as MathML, code highlighted
by pygments, learning curves as embedded PNGs, and ``parity-report.json``, the
raw records it was made from. Everything comes from the catalog
(:mod:`dl_parity.catalog`), the code itself (:mod:`dl_parity.sources`) and a fresh
run of the parity suite on this machine (:func:`run_parity`); nothing is copied
by hand.

The pieces ``dl-parity show --check`` shares: :func:`runnable_tests`,
:func:`run_parity`, :func:`measurements`.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import html
import io
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from .catalog import CATALOG, WEEKS, Formula
from .sources import PROJECT_ROOT, Source, entry_sources, short_name

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


def run_parity(tests: Sequence[str], *, quick: bool = False, device: str | None = None,
               data_dir: str | os.PathLike | None = None, progress: bool = True,
               description: str = "parity tests") -> ParityRun:
    """Run the parity tests ``tests`` ("file::function") in a pytest subprocess.

    ``--parity-report`` goes to a temporary file that is read back; ``quick``
    leaves out the tests marked ``slow`` or ``course``; ``device`` is the suite's
    ``--device`` (default: cpu, and cuda when present). A tqdm bar counts the
    tests as pytest reports them.
    """
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


def _base(nodeid: str) -> str:
    return nodeid.split("[", 1)[0]


def measurements(records: Iterable[dict], formula: str) -> list[Row]:
    """Fold the records of one catalog id by (test function, what, device, dtype).

    Each row keeps the largest max_abs and max_rel seen, the loosest tolerance
    used and whether every record passed.
    """
    rows: dict[tuple, Row] = {}
    for r in records:
        if r.get("formula") != formula:
            continue
        key = (_base(r["test"]), r["what"], r["device"], r["dtype"])
        row = rows.get(key)
        if row is None:
            rows[key] = Row(key[0], r["what"], r["device"], r["dtype"], 1, r["max_abs"],
                            r["max_rel"], r["rtol"], r["atol"], bool(r["passed"]))
        else:
            row.n += 1
            row.max_abs = max(row.max_abs, r["max_abs"])
            row.max_rel = max(row.max_rel, r["max_rel"])
            row.rtol = max(row.rtol, r["rtol"])
            row.atol = max(row.atol, r["atol"])
            row.passed = row.passed and bool(r["passed"])
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
        return max(self.rows, key=lambda r: (r.max_abs, r.max_rel)) if self.rows else None


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


def fmt_err(x: float) -> str:
    if x == 0:
        return "0"
    if x == float("inf"):
        return "∞"
    return f"{x:.1e}"


def fmt_tol(row: Row) -> str:
    parts = [f"rtol {fmt_err(row.rtol)}"]
    if row.atol:
        parts.append(f"atol {fmt_err(row.atol)}")
    return ", ".join(parts)


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

    @property
    def max_diff(self) -> float:
        return max((abs(a - b) for a, b in zip(self.numpy_costs, self.torch_costs)), default=0.0)


def default_data_dir() -> Path | None:
    """The data root (``$DL_PARITY_DATA``, else ./data) if it holds the cat files, else None."""
    from dl_parity.data import data_root
    from scratch.datasets import cat_paths

    root = data_root()
    return root if all(Path(p).is_file() for p in cat_paths(root).values()) else None


def _load_cat_train(data_dir: Path):
    """The cat training set as the course prepares it (scratch.datasets.load_cat)."""
    from scratch.datasets import load_cat

    X, Y, _, _, _ = load_cat(data_dir)
    return X, Y


class _Bar:
    """An engine callback: one tick of a tqdm bar per step of each side."""

    def __init__(self, bar):
        self.bar = bar

    def on_step(self, info):
        self.bar.update(len(info.sides))


def _curve_plans(quick: bool, data_dir: Path | None) -> list[dict]:
    """The course runs the page shows: planar always, the cat models when the data is
    present (``quick``: a short prefix of the same runs). Settings from settings.DEFAULTS
    where the data set has them."""
    import numpy as np

    import scratch.deep_nn as dnn
    import scratch.shallow_nn as snn
    from dl_parity.models.mlp import MLP
    from dl_parity.settings import DEFAULTS
    from scratch.planar import load_planar_dataset

    planar, cat = DEFAULTS["planar"], DEFAULTS["cat"]
    X, Y = load_planar_dataset()
    state = np.random.get_state()
    np.random.seed(planar.seed)
    params = snn.initialize_parameters(*planar.layer_dims)
    np.random.set_state(state)
    n = 200 if quick else planar.iterations
    plans = [dict(key="planar", X=X, Y=Y.astype(np.float64), params=params, n=n,
                  model=MLP(planar.layer_dims, "tanh"), lr=planar.learning_rate,
                  title="Planar flower, one hidden layer (week 3)",
                  setup=f"2 → 4 tanh → 1 sigmoid, m = {X.shape[1]}; np.random.seed(2) then "
                        f"scratch.shallow_nn.initialize_parameters; learning rate 1.2; {n} "
                        f"iterations")]
    if data_dir is None:
        return plans
    X, Y = _load_cat_train(data_dir)
    n = 100 if quick else 2000
    plans.append(dict(key="logreg", X=X, Y=Y, n=n, model=MLP((X.shape[0], 1)), lr=0.005,
                      params={"W1": np.zeros((1, X.shape[0])), "b1": np.zeros((1, 1))},
                      title="Cat / non-cat, logistic regression (week 2)",
                      setup=f"12288 → 1 sigmoid, m = {X.shape[1]}; w = 0, b = 0 "
                            f"(initialize_with_zeros); learning rate 0.005; {n} iterations"))
    dims = list(cat.layer_dims)
    n = 30 if quick else cat.iterations
    plans.append(dict(key="llayer", X=X, Y=Y, n=n, model=MLP(cat.layer_dims), lr=cat.learning_rate,
                      params=dnn.initialize_parameters_scaled(dims, seed=cat.seed),
                      title="Cat / non-cat, L-layer network (week 4)",
                      setup=f"{dims} ReLU × 3 → sigmoid, m = {X.shape[1]}; "
                            f"initialize_parameters_scaled(seed=1); learning rate 0.0075; {n} "
                            f"iterations"))
    return plans


def train_curves(quick: bool = False, data_dir: Path | None = None,
                 progress: bool = True) -> list[Curve]:
    """Train each course model with scratch and with torch_ref in lockstep, from the same
    weights, float64 on the CPU, through the engine (:mod:`dl_parity.engine`)."""
    from tqdm import tqdm

    from dl_parity.engine import FullBatch, run
    from dl_parity.models.optim import Optim

    curves: list[Curve] = []
    for plan in _curve_plans(quick, data_dir):
        bar = tqdm(total=2 * plan["n"], desc=f"training {plan['key']}", unit="it",
                   disable=not progress, leave=False, file=sys.stderr)
        sides = [plan["model"].side(impl, plan["params"], "float64", "cpu", Optim(plan["lr"]))
                 for impl in ("numpy", "torch")]
        costs = run(sides, FullBatch(plan["X"], plan["Y"], plan["n"]), [_Bar(bar)]).costs
        bar.close()
        curves.append(Curve(plan["key"], plan["title"], plan["setup"], costs["numpy"],
                            costs["torch"]))
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


# ============================================================================ HTML
def formula_mathml(latex: str) -> str | None:
    """The LaTeX as display MathML (latex2mathml), or None when it cannot be converted."""
    try:
        from latex2mathml.converter import convert
        return convert(latex, display="block")
    except Exception:
        return None


def _highlight(code: str, formatter) -> str:
    from pygments import highlight
    from pygments.lexers import PythonLexer

    return highlight(code, PythonLexer(), formatter)


def _e(s) -> str:
    return html.escape(str(s), quote=True)


def _anchor(fid: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", fid)


CSS = """
:root { --ink:#1f2933; --muted:#5f6b7a; --line:#e3e8ef; --bg:#fbfbfa; --card:#fff;
  --accent:#2b6cb0; --np:#2b6cb0; --pt:#dd6b20; --ok:#2f855a; --okbg:#e6f4ea;
  --bad:#c53030; --badbg:#fde8e8; --warn:#975a16; --warnbg:#fdf3e1; }
* { box-sizing: border-box; }
html { scroll-behavior: smooth; }
body { margin:0; color:var(--ink); background:var(--bg);
  font: 16px/1.55 -apple-system, "Segoe UI", "Helvetica Neue", "DejaVu Sans", Arial, sans-serif; }
code, pre, .mono { font-family: "DejaVu Sans Mono", "SFMono-Regular", Menlo, Consolas, monospace; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.layout { display:grid; grid-template-columns: 250px minmax(0, 1fr); min-height:100vh; }
nav.side { position:sticky; top:0; align-self:start; height:100vh; overflow-y:auto;
  padding:22px 16px 40px; border-right:1px solid var(--line); background:#f4f5f2; font-size:14px; }
nav.side .brand { font-weight:700; font-size:16px; margin-bottom:14px; display:block; color:var(--ink); }
nav.side h4 { margin:18px 0 6px; font-size:11.5px; text-transform:uppercase; letter-spacing:.06em;
  color:var(--muted); font-weight:600; }
nav.side ul { list-style:none; margin:0; padding:0; }
nav.side li { margin:2px 0; display:flex; gap:7px; align-items:baseline; }
nav.side li a { color:var(--ink); }
.dot { width:8px; height:8px; border-radius:50%; display:inline-block; flex:none; background:#cbd2d9; }
.dot.pass { background:var(--ok); } .dot.fail { background:var(--bad); }
.dot.skipped, .dot.missing, .dot.unmeasured { background:#d69e2e; }
main { padding:34px 48px 80px; max-width:1500px; }
header.top h1 { font-size:30px; margin:0 0 6px; letter-spacing:-.01em; }
header.top p.lead { margin:0 0 16px; color:var(--muted); max-width:80ch; }
.runinfo { display:flex; flex-wrap:wrap; gap:8px 22px; font-size:13.5px; color:var(--muted);
  padding:10px 14px; background:var(--card); border:1px solid var(--line); border-radius:8px; }
.runinfo b { color:var(--ink); font-weight:600; }
h2 { font-size:22px; margin:48px 0 14px; padding-bottom:6px; border-bottom:2px solid var(--line); }
table { border-collapse:collapse; width:100%; font-size:14px; }
th, td { padding:7px 10px; text-align:left; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); font-weight:600;
  background:#f4f5f2; }
td.num { font-family:"DejaVu Sans Mono", Menlo, Consolas, monospace; font-size:13px; white-space:nowrap; }
table.summary tr.week td { background:#f8f9f6; font-weight:600; color:var(--muted); font-size:13px;
  padding-top:10px; }
table.summary td { padding:5px 10px; }
table.summary td.id { font-family:"DejaVu Sans Mono", Menlo, Consolas, monospace; font-size:12px;
  color:#7b8794; white-space:nowrap; }
p.footnote { font-size:13px; color:var(--muted); margin:8px 0 0; }
.badge { display:inline-block; padding:1px 9px; border-radius:10px; font-size:12.5px; font-weight:600;
  white-space:nowrap; }
.badge.pass { color:var(--ok); background:var(--okbg); }
.badge.fail { color:var(--bad); background:var(--badbg); }
.badge.skipped, .badge.missing, .badge.unmeasured, .badge.not-run { color:var(--warn); background:var(--warnbg); }
section.formula { background:var(--card); border:1px solid var(--line); border-radius:10px;
  padding:22px 26px 18px; margin:22px 0; box-shadow:0 1px 2px rgba(0,0,0,.03); }
section.formula h3 { margin:0; font-size:20px; }
section.formula .meta { color:var(--muted); font-size:13px; margin:2px 0 12px; }
section.formula .meta code { font-size:12.5px; }
.math { font-size:20px; overflow-x:auto; overflow-y:hidden; padding:10px 4px 12px; }
.math math { font-size:1.1em; }
pre.formula-text { margin:2px 0 10px; padding:2px 0 2px 12px; border-left:3px solid var(--line);
  font: 14px/1.6 "DejaVu Sans", Arial, sans-serif; color:var(--muted); white-space:pre-wrap; }
p.note { margin:6px 0 10px; padding:6px 12px; border-left:3px solid #d69e2e; background:#fffbf2;
  font-size:14px; }
.codes { display:grid; grid-template-columns: minmax(0,1fr) minmax(0,1fr); gap:18px; margin-top:14px; }
.col h5 { margin:0 0 8px; font-size:13px; text-transform:uppercase; letter-spacing:.06em; }
.col.numpy h5 { color:var(--np); } .col.torch h5 { color:var(--pt); }
.col.numpy { border-top:3px solid var(--np); padding-top:8px; }
.col.torch { border-top:3px solid var(--pt); padding-top:8px; }
.src { margin:0 0 14px; }
.src .cap { font-size:12.5px; color:var(--muted); margin:0 0 3px; display:flex; justify-content:space-between;
  gap:10px; flex-wrap:wrap; }
.src .cap code { color:var(--ink); font-weight:600; }
.hl { background:#f8f8f6; border:1px solid #eceee9; border-radius:6px; overflow-x:auto; }
.hl pre { margin:0; padding:10px 12px; font-size:12.5px; line-height:1.5; }
.src.err { color:var(--bad); font-size:13.5px; }
.ops { font-size:13px; color:var(--muted); margin:2px 0 0; }
.ops code { background:#fdf0e6; color:#9c4221; padding:1px 5px; border-radius:4px; font-size:12.5px; }
.parity { margin-top:8px; }
.parity h5 { margin:4px 0 6px; font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); }
.scroll-x { overflow-x:auto; }
.parity .detail { font-size:13.5px; color:var(--muted); margin:0 0 6px; }
.parity table td, .parity table th { padding:4px 8px; font-size:13px; }
.tests { font-size:12.5px; color:var(--muted); margin:8px 0 0; }
.curves { display:grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap:20px; }
figure.curve { margin:0; background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px; }
figure.curve img { width:100%; height:auto; display:block; }
figure.curve figcaption { font-size:13.5px; color:var(--muted); margin-top:8px; }
figure.curve h3 { margin:0 0 6px; font-size:17px; }
footer { margin-top:60px; font-size:13px; color:var(--muted); }
@media (max-width: 1100px) {
  .layout { grid-template-columns: minmax(0, 1fr); }
  nav.side { position:static; height:auto; border-right:none; border-bottom:1px solid var(--line); }
  main { padding:24px 18px 60px; }
  .codes { grid-template-columns: minmax(0,1fr); }
}
"""


def _source_html(src: Source, formatter) -> str:
    if not src.ok:
        return f'<div class="src err">{_e(src.path)}: {_e(src.error)}</div>'
    return (f'<div class="src" data-path="{_e(src.path)}"><div class="cap"><code>'
            f'{_e(short_name(src.path))}</code><span class="mono">{_e(src.location)}</span></div>'
            f'{_highlight(src.code, formatter)}</div>')


def _rows_table(rows: list[Row]) -> str:
    body = []
    for r in sorted(rows, key=lambda r: (r.test, r.what, r.device, r.dtype)):
        badge = '<span class="badge pass">ok</span>' if r.passed else '<span class="badge fail">FAIL</span>'
        body.append(
            f"<tr><td>{_e(r.what)}<br><span class='mono' style='font-size:11.5px;color:#7b8794'>"
            f"{_e(r.test.split('::')[-1])}</span></td><td>{_e(r.device)}</td><td>{_e(r.dtype)}</td>"
            f"<td class='num'>{r.n}</td><td class='num'>{fmt_err(r.max_abs)}</td>"
            f"<td class='num'>{fmt_err(r.max_rel)}</td><td class='num'>{_e(fmt_tol(r))}</td>"
            f"<td>{badge}</td></tr>")
    return ("<div class='scroll-x'><table><thead><tr><th>compared</th><th>device</th><th>dtype</th><th>n</th>"
            "<th>max abs err</th><th>max rel err</th><th>tolerance</th><th></th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def render_html(entries: Sequence[Formula], statuses: dict[str, Status], run: ParityRun | None,
                curves: list[Curve], *, quick: bool, generated: str,
                curves_note: str = "") -> str:
    from pygments.formatters import HtmlFormatter

    formatter = HtmlFormatter(cssclass="hl", style="friendly")
    pyg_css = formatter.get_style_defs(".hl")
    weeks = [w for w in WEEKS if any(f.week == w for f in entries)]
    weeks += sorted({f.week for f in entries} - set(weeks))

    # ----------------------------------------------------------- run information
    rep = (run.report if run else None) or {}
    if run is None:
        info = ["<span><b>Parity:</b> not run (--no-run)</span>"]
    else:
        devs = sorted({r["device"] for r in run.records}) or ["—"]
        info = [f"<span><b>Parity run:</b> {_e(rep.get('date', '—'))}</span>",
                f"<span><b>Machine:</b> {_e(rep.get('machine', platform.node()))} "
                f"({_e(rep.get('processor', platform.machine()))})</span>",
                f"<span><b>Devices measured:</b> {_e(', '.join(devs))}</span>",
                f"<span><b>CUDA:</b> {_e(rep.get('cuda') or 'not available')}</span>",
                f"<span><b>torch</b> {_e(rep.get('torch', '—'))} · <b>numpy</b> "
                f"{_e(rep.get('numpy', '—'))}</span>",
                f"<span><b>pytest:</b> {_e(run.summary_line())}</span>"]
        if quick:
            info.append("<span><b>Quick:</b> slow and course tests left out</span>")
        for reason, n in run.skip_reasons().items():
            info.append(f"<span><b>Skipped ({n}):</b> {_e(reason)}</span>")

    # ----------------------------------------------------------- navigation + summary
    nav, summary = [], []
    for w in weeks:
        items = [f for f in entries if f.week == w]
        nav.append(f"<h4>{_e(WEEKS.get(w, 'Week ' + w))}</h4><ul>")
        summary.append(f"<tr class='week'><td colspan='7'>{_e(WEEKS.get(w, 'Week ' + w))}</td></tr>")
        for f in items:
            st = statuses[f.id]
            worst = st.worst
            nav.append(f"<li><span class='dot {st.key}'></span><a href='#{_anchor(f.id)}'>"
                       f"{_e(f.title)}</a></li>")
            summary.append(
                f"<tr data-formula-id='{_e(f.id)}'><td><a href='#{_anchor(f.id)}'>{_e(f.title)}</a>"
                f"</td><td class='id'>{_e(f.id)}</td>"
                f"<td><span class='badge {st.key}'>{_e(st.label)}</span></td>"
                f"<td class='num'>{fmt_err(worst.max_abs) if worst else '—'}</td>"
                f"<td class='num'>{fmt_err(worst.max_rel) if worst else '—'}</td>"
                f"<td class='num'>{_e(f'{worst.dtype} · {worst.device}') if worst else '—'}</td>"
                f"<td class='num'>{_e(fmt_tol(worst)) if worst else '—'}</td></tr>")
        nav.append("</ul>")
    if curves or curves_note:
        nav.append("<h4>Training</h4><ul><li><span class='dot'></span>"
                   "<a href='#learning-curves'>Learning curves</a></li></ul>")

    # ----------------------------------------------------------- one section per entry
    sections = []
    for w in weeks:
        sections.append(f"<h2 id='week-{_e(w)}'>{_e(WEEKS.get(w, 'Week ' + w))}</h2>")
        for f in (f for f in entries if f.week == w):
            np_srcs, pt_srcs = entry_sources(f)
            st = statuses[f.id]
            mathml = formula_mathml(f.latex)
            math = f"<div class='math'>{mathml}</div>" if mathml else ""
            note = f"<p class='note'>{_e(f.note)}</p>" if f.note else ""
            ops = ("<p class='ops'>PyTorch builtins relied on: "
                   + " ".join(f"<code>{_e(o)}</code>" for o in f.torch_ops) + "</p>"
                   if f.torch_ops else "")
            table = _rows_table(st.rows) if st.rows else ""
            tests = "".join(f"<br><code>{_e(t)}</code>"
                            + (f" <em>({_e(run.missing[t])})</em>" if run and t in run.missing else "")
                            for t in f.tests)
            sections.append(f"""
<section class="formula" id="{_anchor(f.id)}" data-formula-id="{_e(f.id)}">
  <h3>{_e(f.title)} <span class="badge {st.key}">{_e(st.label)}</span></h3>
  <div class="meta"><code>{_e(f.id)}</code> · {_e(f.section)}</div>
  {math}<pre class="formula-text">{_e(f.formula)}</pre>{note}
  <div class="codes">
    <div class="col numpy"><h5>NumPy · scratch</h5>{''.join(_source_html(s, formatter) for s in np_srcs)}</div>
    <div class="col torch"><h5>PyTorch · torch_ref</h5>{''.join(_source_html(s, formatter) for s in pt_srcs)}{ops}</div>
  </div>
  <div class="parity"><h5>Measured parity</h5><p class="detail">{_e(st.detail)}</p>{table}
  <p class="tests">Parity tests:{tests}</p></div>
</section>""")

    # ----------------------------------------------------------- learning curves
    figs = []
    for c in curves:
        uri = "data:image/png;base64," + base64.b64encode(c.png).decode("ascii")
        figs.append(f"""
<figure class="curve" data-model="{_e(c.key)}"><h3>{_e(c.title)}</h3>
  <img alt="learning curves of {_e(c.title)}: NumPy and PyTorch" src="{uri}">
  <figcaption>{_e(c.setup)}. Final cost: NumPy {c.numpy_costs[-1]:.10f}, PyTorch
  {c.torch_costs[-1]:.10f}; largest |ΔJ| over the {len(c.numpy_costs)} iterations
  {fmt_err(c.max_diff)}.</figcaption>
</figure>""")
    curves_html = ""
    if curves or curves_note:
        curves_html = (f"<h2 id='learning-curves'>Learning curves</h2><p>Each model trained here "
                       f"with <code>scratch</code> and with <code>torch_ref</code> from the same "
                       f"initial weights, both in float64 on the CPU. {_e(curves_note)}</p>"
                       f"<div class='curves'>{''.join(figs)}</div>")

    n_pass = sum(1 for s in statuses.values() if s.key == "pass")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>dl-parity study guide: NumPy beside PyTorch</title>
<style>{CSS}
{pyg_css}
</style></head>
<body><div class="layout">
<nav class="side"><a class="brand" href="#top">dl-parity study guide</a>
<a href="#summary">Summary</a>{''.join(nav)}</nav>
<main id="top">
<header class="top"><h1>Course 1, twice: NumPy by hand, PyTorch by autograd</h1>
<p class="lead">Every formula of the course notes, with the hand-derived NumPy function that
computes it beside the PyTorch code that does the same, and the error measured between them by
the parity suite on this machine.</p>
<div class="runinfo">{''.join(info)}</div></header>
<h2 id="summary">Summary: {n_pass} of {len(entries)} formulas measured within tolerance</h2>
<div class="scroll-x"><table class="summary"><thead><tr><th>formula</th><th>id</th><th>parity</th>
<th>worst abs err</th><th>its rel err</th><th>dtype · device</th><th>tolerance</th></tr></thead>
<tbody>{''.join(summary)}</tbody></table></div>
<p class="footnote">Each comparison passes when |PyTorch − NumPy| ≤ atol + rtol·|NumPy| element-wise,
the NumPy value taken as the reference. The worst comparison of each formula is the one with the
largest absolute error; its relative error is the largest |Δ| / |NumPy| over the same elements
(∞ where the NumPy value is exactly 0 and the PyTorch one is not: the absolute tolerance covers
those).</p>
{''.join(sections)}
{curves_html}
<footer>Generated {_e(generated)} by <code>dl-parity study</code> from
<code>dl_parity/catalog.py</code>, the source files themselves and
<code>parity-report.json</code> beside this page.</footer>
</main></div></body></html>
"""


# ============================================================================ build
def build(out: str | os.PathLike, *, quick: bool = False, run_tests: bool = True,
          only: Sequence[str] | None = None, run_only: Sequence[str] | None = None,
          data_dir: str | os.PathLike | None = None, curves: bool = True,
          progress: bool = True) -> Path:
    """Write the study site into ``out`` (created if needed) and return the index.html path.

    ``only`` restricts the page to some catalog ids; ``run_only`` runs the parity
    tests of only these ids (the others say "not run"; the browser test uses it
    to stay fast); ``run_tests=False`` runs none. Everything is computed before
    anything is written; the files are replaced atomically.
    """
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
    cat = data is not None and (data / "catvnoncat" / "train_catvnoncat.h5").is_file()

    run = None
    if run_tests:
        tests = [t for f in ran for t in f.tests]
        run = run_parity(tests, quick=quick, data_dir=data, progress=progress,
                         description="parity suite")
    statuses = {f.id: entry_status(f, run if f in ran else None) for f in entries}
    trained = (train_curves(quick=quick, data_dir=data if cat else None, progress=progress)
               if curves else [])
    note = ("" if cat else "The cat data was not found (set DL_PARITY_DATA to the folder that "
            "holds catvnoncat/), so only the planar model is shown. ")
    note += "MNIST (course 2) is not trained here."
    generated = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    page = render_html(entries, statuses, run, trained, quick=quick, generated=generated,
                       curves_note=note if curves else "")

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
    return out / "index.html"


def failed_formulas(report_path: str | os.PathLike) -> list[str]:
    """Catalog ids with a failed comparison or a failed test in a written parity-report.json."""
    report = json.loads(Path(report_path).read_text())
    failed = {r["formula"] for r in report.get("records", []) if not r["passed"]}
    bad_tests = [t for t, o in report.get("outcomes", {}).items() if o in ("FAILED", "ERROR")]
    for f in CATALOG:
        if any(t == test or t.startswith(test + "[") for t in bad_tests for test in f.tests):
            failed.add(f.id)
    return sorted(failed)
