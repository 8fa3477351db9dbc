"""The study page's HTML: the data gathered by :mod:`dl_parity.study`, rendered.

The CSS, the page's skeleton and its one inline script (the sidebar's scroll spy) are
files beside this module (``templates/study.css``, ``templates/study.html``, a
:class:`string.Template`, ``templates/study.js``); this module fills them with one
summary row, one navigation item and one section per catalog entry, and the learning
curves, each placed in the section of the formula whose training it shows.

A section holds, in order: the formula, the NumPy and the PyTorch code, the measured
parity (condensed per test when an entry has many compared tensors, every row in a
``<details>``), the learning curves of its training if any, then the optional blocks
of :data:`ENTRY_BLOCKS` (a place for more per-formula material, such as its classic
mistakes).
"""
from __future__ import annotations

import base64
import html
import platform
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from string import Template

from .catalog import WEEKS, Formula
from .sources import Source, entry_sources, short_name

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: an optional per-entry block: called with the entry, returns an HTML fragment (already
#: escaped) to show after the entry's measured parity, or None for nothing
EntryBlock = Callable[[Formula], "str | None"]
#: the blocks every page shows (the classic mistakes of each formula, set below where
#: they are defined); ``render_html(blocks=...)`` overrides it
ENTRY_BLOCKS: tuple[EntryBlock, ...] = ()

#: above this many compared tensors an entry's parity table is condensed to one row per
#: test, the full table folded into a <details>
FULL_TABLE_MAX_ROWS = 12


# ---------------------------------------------------------------------------- numbers
def fmt_err(x: float) -> str:
    if x == 0:
        return "0"
    if x == float("inf"):
        return "∞"
    return f"{x:.1e}"


def fmt_tol(row) -> str:
    parts = [f"rtol {fmt_err(row.rtol)}"]
    if row.atol:
        parts.append(f"atol {fmt_err(row.atol)}")
    return ", ".join(parts)


def fmt_ratio(row) -> str:
    """|Δ| / (atol + rtol |b|) at the worst element, two digits: at most 1 passes."""
    r = row.ratio
    if r is None:
        return "—"
    if r != r:
        return "nan"
    if r == float("inf"):
        return "∞"
    return "0" if r == 0 else f"{r:.2g}"


def fmt_compared(row) -> str:
    """The comparison the test makes at the worst element: ``|Δ| ≤ atol + rtol|b|``
    with both numbers (``>`` when it failed)."""
    if row.ratio is None or row.worst_abs is None or row.worst_allowed is None:
        return f"max |Δ| {fmt_err(row.max_abs)}"
    sign = "≤" if row.ratio <= 1 else ">"
    return f"{fmt_err(row.worst_abs)} {sign} {fmt_err(row.worst_allowed)}"


def _closeness(row) -> tuple:
    """How near a row came to failing: failed rows first, then by the compared ratio."""
    ratio = -1.0 if row.ratio is None else float("inf") if row.ratio != row.ratio else row.ratio
    return (not row.passed, ratio, row.max_abs)


def formula_mathml(latex: str) -> str | None:
    """The LaTeX as display MathML (latex2mathml), or None when it cannot be converted."""
    try:
        from latex2mathml.converter import convert
        return convert(latex, display="block")
    except Exception:
        return None


def _highlight(code: str, formatter) -> str:
    """Pygments' HTML with each source line in its own ``<span class="ln">``, so that a
    long line wraps with a hanging indent (CSS) instead of scrolling sideways."""
    from pygments import highlight
    from pygments.lexers import PythonLexer

    out = highlight(code, PythonLexer(), formatter)
    head, _, rest = out.partition("<pre>")
    body, found, tail = rest.rpartition("</pre>")
    if not found:
        return out
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    # pygments closes every token's span at the end of its line, so each line is whole;
    # --i is the line's own indentation, under which its continuation lines are indented
    return (head + "<pre>" + "".join(_code_line(ln) for ln in lines) + "</pre>" + tail)


def _code_line(markup: str) -> str:
    text = html.unescape(re.sub(r"<[^>]*>", "", markup))
    indent = len(text) - len(text.lstrip(" "))
    style = f' style="--i:{indent}"' if indent and text.strip() else ""
    return f'<span class="ln"{style}>{markup}</span>'


def _e(s) -> str:
    return html.escape(str(s), quote=True)


def _anchor(fid: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", fid)


def _curve_anchor(key: str) -> str:
    return "curve-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


def _title(week: str) -> str:
    return _e(WEEKS.get(week, "Week " + week))


def _source_html(src: Source, formatter) -> str:
    if not src.ok:
        return f'<div class="src err">{_e(src.path)}: {_e(src.error)}</div>'
    return (f'<div class="src" data-path="{_e(src.path)}"><div class="cap"><code>'
            f'{_e(short_name(src.path))}</code><span class="mono">{_e(src.location)}</span></div>'
            f'{_highlight(src.code, formatter)}</div>')


# ---------------------------------------------------------------------------- parity tables
def _badge(passed: bool) -> str:
    return ('<span class="badge pass">ok</span>' if passed
            else '<span class="badge fail">FAIL</span>')


def _rows_table(rows) -> str:
    """One row per compared tensor (test, what, device, dtype): the compared quantity."""
    body = []
    for r in sorted(rows, key=lambda r: (r.test, r.what, r.device, r.dtype)):
        test = r.test.split("::")[-1]
        body.append(
            f"<tr data-test='{_e(test)}' data-what='{_e(r.what)}' data-device='{_e(r.device)}' "
            f"data-dtype='{_e(r.dtype)}'><td>{_e(r.what)}<br><span class='mono test'>"
            f"{_e(test)}</span></td><td class='num'>{_e(r.dtype)} · {_e(r.device)}</td>"
            f"<td class='num wide'>{r.n}</td><td class='num'>{_e(fmt_compared(r))}</td>"
            f"<td class='num'>{_e(fmt_ratio(r))}</td><td class='num wide'>{_e(fmt_tol(r))}</td>"
            f"<td>{_badge(r.passed)}</td></tr>")
    return ("<div class='scroll-x'><table class='rows'><thead><tr><th>compared</th>"
            "<th>dtype · device</th><th class='wide'>n</th>"
            "<th title='at the element nearest its bound'>|Δ| vs atol + rtol·|NumPy|</th>"
            "<th title='at most 1 passes'>|Δ| / allowed</th><th class='wide'>tolerance</th>"
            "<th></th>"
            f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def _per_test_table(rows) -> str:
    """One row per test function: how many tensors it compared, where, and its closest."""
    groups: dict[str, list] = {}
    for r in rows:
        groups.setdefault(r.test.split("::")[-1], []).append(r)
    body = []
    for test, rs in sorted(groups.items()):
        worst = max(rs, key=_closeness)
        where = sorted({f"{r.dtype} · {r.device}" for r in rs})
        body.append(
            f"<tr data-test='{_e(test)}'><td><span class='mono'>{_e(test)}</span><br>"
            f"<span class='test'>{len({r.what for r in rs})} tensors, {sum(r.n for r in rs)} "
            f"comparisons</span></td><td class='num'>{'<br>'.join(_e(w) for w in where)}</td>"
            f"<td>{_e(worst.what)}</td><td class='num'>{_e(fmt_compared(worst))}</td>"
            f"<td class='num'>{_e(fmt_ratio(worst))}</td>"
            f"<td>{_badge(all(r.passed for r in rs))}</td></tr>")
    return ("<div class='scroll-x'><table class='per-test'><thead><tr><th>test</th>"
            "<th>dtype · device</th><th>closest to its bound</th>"
            "<th>|Δ| vs atol + rtol·|NumPy|</th><th>|Δ| / allowed</th><th></th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _parity_tables(rows) -> str:
    if not rows:
        return ""
    if len(rows) <= FULL_TABLE_MAX_ROWS:
        return _rows_table(rows)
    return (_per_test_table(rows) + f"<details class='all-rows'><summary>All {len(rows)} "
            f"compared tensors, one row each</summary>{_rows_table(rows)}</details>")


def _closest_sentence(st) -> str:
    w = st.worst
    if w is None or w.ratio is None:
        return ""
    return (f"<p class='closest'>Closest to its tolerance: <b>{_e(w.what)}</b> "
            f"({_e(w.dtype)} · {_e(w.device)}): |Δ| = {fmt_err(w.worst_abs)} against "
            f"atol + rtol·|NumPy| = {fmt_err(w.worst_allowed)} at that element, a ratio of "
            f"<b>{_e(fmt_ratio(w))}</b> (at most 1 passes).</p>")


# ---------------------------------------------------------------------------- the page's parts
def _run_info(run, quick: bool) -> str:
    """The line of facts about the parity run under the page's title."""
    rep = (run.report if run else None) or {}
    if run is None:
        return "<span><b>Parity:</b> not run (--no-run); nothing on this page was measured</span>"
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
    return "".join(info)


def _summary_row(f: Formula, st) -> str:
    w = st.worst
    cells = ((fmt_ratio(w), fmt_compared(w), f"{w.dtype} · {w.device}", fmt_tol(w)) if w
             else ("—",) * 4)
    ratio, compared, where, tol = (_e(c) for c in cells)
    return (f"<tr data-formula-id='{_e(f.id)}'><td><a href='#{_anchor(f.id)}'>{_e(f.title)}</a>"
            f"<br><span class='id'>{_e(f.id)}</span></td>"
            f"<td><span class='badge {st.key}'>{_e(st.label)}</span></td>"
            f"<td class='num ratio'>{ratio}</td><td class='num wide'>{compared}</td>"
            f"<td class='num wide'>{where}</td><td class='num wide'>{tol}</td></tr>")


def _curve_nav(c, label: str) -> str:
    return (f"<li class='curve-link'><span class='dot'></span><a href='#{_curve_anchor(c.key)}'>"
            f"{_e(label)}</a></li>")


def _nav_and_summary(entries, statuses, weeks, curves, curves_note: str) -> tuple[str, str]:
    """The sidebar (a curve listed under the formula whose section holds it) and the
    summary table's rows."""
    nav, summary = [], []
    shown = {f.id for f in entries}
    for w in weeks:
        nav.append(f"<h4><a href='#week-{_e(w)}'>{_title(w)}</a></h4><ul>")
        summary.append(f"<tr class='week'><td colspan='6'>{_title(w)}</td></tr>")
        for f in (f for f in entries if f.week == w):
            st = statuses[f.id]
            nav.append(f"<li><span class='dot {st.key}'></span><a href='#{_anchor(f.id)}'>"
                       f"{_e(f.title)}</a></li>")
            nav += [_curve_nav(c, "learning curves") for c in curves if c.formula == f.id]
            summary.append(_summary_row(f, st))
        nav.append("</ul>")
    if curves or curves_note:
        nav.append("<h4><a href='#learning-curves'>Learning curves</a></h4><ul>"
                   + "".join(_curve_nav(c, c.title) for c in curves if c.formula not in shown)
                   + "</ul>")
    return "".join(nav), "".join(summary)


def _curve_figure(c) -> str:
    uri = "data:image/png;base64," + base64.b64encode(c.png).decode("ascii")
    return f"""
<figure class="curve" id="{_curve_anchor(c.key)}" data-model="{_e(c.key)}"
  data-formula-id="{_e(c.formula)}"><h4>Learning curves: {_e(c.title)}</h4>
  <img alt="learning curves of {_e(c.title)}: NumPy and PyTorch" src="{uri}">
  <figcaption>{_e(c.setup)}. Final cost: NumPy {c.numpy_costs[-1]:.10f}, PyTorch
  {c.torch_costs[-1]:.10f}; largest |ΔJ| over the {len(c.numpy_costs)} iterations
  {fmt_err(c.max_diff)}.</figcaption>
</figure>"""


def _mistakes_html(f: Formula) -> str | None:
    """The classic mistakes of this formula (dl_parity/check/mistakes.py), which
    ``dl-parity check`` names in a learner's code."""
    from .check.mistakes import mistakes_for

    items = "".join(f"<li><code>{_e(m.name)}</code>: {_e(m.title)}: "
                    f"<code>{_e(m.wrote)}</code></li>" for m in mistakes_for(f.id))
    return (f"<div class='mistakes'><h5>Classic mistakes (dl-parity check names them)</h5>"
            f"<ul>{items}</ul></div>") if items else None


ENTRY_BLOCKS = (_mistakes_html,)


def _entry_section(f: Formula, st, run, formatter, curves=(), blocks=()) -> str:
    """One formula: its math, its NumPy and PyTorch code side by side, its measured parity,
    the learning curves of its training, then the optional blocks."""
    np_srcs, pt_srcs = entry_sources(f)
    mathml = formula_mathml(f.latex)
    math = f"<div class='math'>{mathml}</div>" if mathml else ""
    note = f"<p class='note'>{_e(f.note)}</p>" if f.note else ""
    ops = ("<p class='ops'>PyTorch builtins relied on: "
           + " ".join(f"<code>{_e(o)}</code>" for o in f.torch_ops) + "</p>"
           if f.torch_ops else "")
    tests = "".join(f"<br><code>{_e(t)}</code>"
                    + (f" <em>({_e(run.missing[t])})</em>" if run and t in run.missing else "")
                    for t in f.tests)
    curve_links = "".join(f" · <a class='to-curve' href='#{_curve_anchor(c.key)}'>learning "
                          f"curves: {_e(c.title)} ↓</a>" for c in curves)
    figures = "".join(_curve_figure(c) for c in curves)
    extra = []
    for block in blocks:
        fragment = block(f)
        if fragment:
            extra.append(f"<div class='extra' data-block='{_e(getattr(block, '__name__', ''))}'>"
                         f"{fragment}</div>")
    return f"""
<section class="formula" id="{_anchor(f.id)}" data-formula-id="{_e(f.id)}">
  <h3>{_e(f.title)} <span class="badge {st.key}">{_e(st.label)}</span></h3>
  <div class="meta"><code>{_e(f.id)}</code> · {_e(f.section)}{curve_links}</div>
  {math}<pre class="formula-text">{_e(f.formula)}</pre>{note}
  <div class="codes">
    <div class="col numpy"><h5>NumPy · scratch</h5>{''.join(_source_html(s, formatter) for s in np_srcs)}</div>
    <div class="col torch"><h5>PyTorch · torch_ref</h5>{''.join(_source_html(s, formatter) for s in pt_srcs)}{ops}</div>
  </div>
  <div class="parity"><h5>Measured parity</h5><p class="detail">{_e(st.detail)}</p>
  {_closest_sentence(st)}{_parity_tables(st.rows)}
  <p class="tests">Parity tests:{tests}</p></div>{figures}{''.join(extra)}
</section>"""


def _curves_html(curves, placed: set[str], curves_note: str) -> str:
    """The closing "Learning curves" part: where each curve is, and those whose formula is
    not on the page (``--only``)."""
    if not (curves or curves_note):
        return ""
    where = "".join(f"<li><a href='#{_curve_anchor(c.key)}'>{_e(c.title)}</a>"
                    + (f", in the section of <code>{_e(c.formula)}</code>" if c.key in placed
                       else "") + "</li>" for c in curves)
    orphans = "".join(_curve_figure(c) for c in curves if c.key not in placed)
    return (f"<h2 id='learning-curves'>Learning curves</h2><p>Each model trained here "
            f"with <code>scratch</code> and with <code>torch_ref</code> from the same "
            f"initial weights, both in float64 on the CPU. {_e(curves_note)}</p>"
            + (f"<ul class='curve-list'>{where}</ul>" if where else "")
            + (f"<div class='curves'>{orphans}</div>" if orphans else ""))


def render_html(entries: Sequence[Formula], statuses: dict, run, curves: list, *,
                quick: bool, generated: str, curves_note: str = "", verdict: str = "",
                blocks: Sequence[EntryBlock] | None = None) -> str:
    """The whole page, as one self-contained HTML string (``verdict``: the summary's
    headline, :func:`dl_parity.study.tally`)."""
    from pygments.formatters import HtmlFormatter

    formatter = HtmlFormatter(cssclass="hl", style="friendly")
    blocks = ENTRY_BLOCKS if blocks is None else tuple(blocks)
    weeks = [w for w in WEEKS if any(f.week == w for f in entries)]
    weeks += sorted({f.week for f in entries} - set(weeks))
    shown = {f.id for f in entries}
    nav, summary = _nav_and_summary(entries, statuses, weeks, curves, curves_note)
    sections = []
    for w in weeks:
        sections.append(f"<h2 id='week-{_e(w)}'>{_title(w)}</h2>")
        sections += [_entry_section(f, statuses[f.id], run, formatter,
                                    [c for c in curves if c.formula == f.id], blocks)
                     for f in entries if f.week == w]
    placed = {c.key for c in curves if c.formula in shown}
    page = Template((TEMPLATES / "study.html").read_text(encoding="utf-8"))
    return page.substitute(
        css=(TEMPLATES / "study.css").read_text(encoding="utf-8") + "\n"
        + formatter.get_style_defs(".hl"),
        script=(TEMPLATES / "study.js").read_text(encoding="utf-8"),
        nav=nav, info=_run_info(run, quick), summary=summary, sections="".join(sections),
        curves=_curves_html(curves, placed, curves_note), generated=_e(generated),
        verdict=_e(verdict or f"{len(entries)} formulas"))
