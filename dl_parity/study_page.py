"""The study page's HTML: the data gathered by :mod:`dl_parity.study`, rendered.

The CSS and the page's skeleton are files beside this module (``templates/study.css``,
``templates/study.html``, a :class:`string.Template`); this module fills them with one
summary row, one navigation item and one section per catalog entry, and the learning
curves.
"""
from __future__ import annotations

import base64
import html
import platform
import re
from collections.abc import Sequence
from pathlib import Path
from string import Template

from .catalog import WEEKS, Formula
from .sources import Source, entry_sources, short_name

TEMPLATES = Path(__file__).resolve().parent / "templates"


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


def _title(week: str) -> str:
    return _e(WEEKS.get(week, "Week " + week))


def _source_html(src: Source, formatter) -> str:
    if not src.ok:
        return f'<div class="src err">{_e(src.path)}: {_e(src.error)}</div>'
    return (f'<div class="src" data-path="{_e(src.path)}"><div class="cap"><code>'
            f'{_e(short_name(src.path))}</code><span class="mono">{_e(src.location)}</span></div>'
            f'{_highlight(src.code, formatter)}</div>')


def _rows_table(rows) -> str:
    from .study import fmt_err, fmt_tol

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


def _run_info(run, quick: bool) -> str:
    """The line of facts about the parity run under the page's title."""
    rep = (run.report if run else None) or {}
    if run is None:
        return "<span><b>Parity:</b> not run (--no-run)</span>"
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
    from .study import fmt_err, fmt_tol

    worst = st.worst
    return (f"<tr data-formula-id='{_e(f.id)}'><td><a href='#{_anchor(f.id)}'>{_e(f.title)}</a>"
            f"</td><td class='id'>{_e(f.id)}</td>"
            f"<td><span class='badge {st.key}'>{_e(st.label)}</span></td>"
            f"<td class='num'>{fmt_err(worst.max_abs) if worst else '—'}</td>"
            f"<td class='num'>{fmt_err(worst.max_rel) if worst else '—'}</td>"
            f"<td class='num'>{_e(f'{worst.dtype} · {worst.device}') if worst else '—'}</td>"
            f"<td class='num'>{_e(fmt_tol(worst)) if worst else '—'}</td></tr>")


def _nav_and_summary(entries, statuses, weeks, with_curves: bool) -> tuple[str, str]:
    nav, summary = [], []
    for w in weeks:
        nav.append(f"<h4>{_title(w)}</h4><ul>")
        summary.append(f"<tr class='week'><td colspan='7'>{_title(w)}</td></tr>")
        for f in (f for f in entries if f.week == w):
            st = statuses[f.id]
            nav.append(f"<li><span class='dot {st.key}'></span><a href='#{_anchor(f.id)}'>"
                       f"{_e(f.title)}</a></li>")
            summary.append(_summary_row(f, st))
        nav.append("</ul>")
    if with_curves:
        nav.append("<h4>Training</h4><ul><li><span class='dot'></span>"
                   "<a href='#learning-curves'>Learning curves</a></li></ul>")
    return "".join(nav), "".join(summary)


def _mistakes_html(formula_id: str) -> str:
    """The classic mistakes of this formula (dl_parity/check/mistakes.py), which
    ``dl-parity check`` names in a learner's code."""
    from .check.mistakes import mistakes_for

    items = "".join(f"<li><code>{_e(m.name)}</code>: {_e(m.title)}: <code>{_e(m.wrote)}</code></li>"
                    for m in mistakes_for(formula_id))
    return (f"<div class='mistakes'><h5>Classic mistakes (dl-parity check names them)</h5>"
            f"<ul>{items}</ul></div>") if items else ""


def _entry_section(f: Formula, st, run, formatter) -> str:
    """One formula: its math, its NumPy and PyTorch code side by side, its measured parity."""
    np_srcs, pt_srcs = entry_sources(f)
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
    return f"""
<section class="formula" id="{_anchor(f.id)}" data-formula-id="{_e(f.id)}">
  <h3>{_e(f.title)} <span class="badge {st.key}">{_e(st.label)}</span></h3>
  <div class="meta"><code>{_e(f.id)}</code> · {_e(f.section)}</div>
  {math}<pre class="formula-text">{_e(f.formula)}</pre>{note}
  <div class="codes">
    <div class="col numpy"><h5>NumPy · scratch</h5>{''.join(_source_html(s, formatter) for s in np_srcs)}</div>
    <div class="col torch"><h5>PyTorch · torch_ref</h5>{''.join(_source_html(s, formatter) for s in pt_srcs)}{ops}</div>
  </div>
  <div class="parity"><h5>Measured parity</h5><p class="detail">{_e(st.detail)}</p>{table}
  <p class="tests">Parity tests:{tests}</p></div>{_mistakes_html(f.id)}
</section>"""


def _curves_html(curves, curves_note: str) -> str:
    from .study import fmt_err

    if not (curves or curves_note):
        return ""
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
    return (f"<h2 id='learning-curves'>Learning curves</h2><p>Each model trained here "
            f"with <code>scratch</code> and with <code>torch_ref</code> from the same "
            f"initial weights, both in float64 on the CPU. {_e(curves_note)}</p>"
            f"<div class='curves'>{''.join(figs)}</div>")


def render_html(entries: Sequence[Formula], statuses: dict, run, curves: list, *,
                quick: bool, generated: str, curves_note: str = "") -> str:
    """The whole page, as one self-contained HTML string."""
    from pygments.formatters import HtmlFormatter

    formatter = HtmlFormatter(cssclass="hl", style="friendly")
    weeks = [w for w in WEEKS if any(f.week == w for f in entries)]
    weeks += sorted({f.week for f in entries} - set(weeks))
    nav, summary = _nav_and_summary(entries, statuses, weeks, bool(curves or curves_note))
    sections = []
    for w in weeks:
        sections.append(f"<h2 id='week-{_e(w)}'>{_title(w)}</h2>")
        sections += [_entry_section(f, statuses[f.id], run, formatter)
                     for f in entries if f.week == w]
    page = Template((TEMPLATES / "study.html").read_text())
    return page.substitute(
        css=(TEMPLATES / "study.css").read_text() + "\n" + formatter.get_style_defs(".hl"),
        nav=nav, info=_run_info(run, quick), summary=summary, sections="".join(sections),
        curves=_curves_html(curves, curves_note), generated=_e(generated),
        n_pass=sum(1 for s in statuses.values() if s.key == "pass"), n_entries=len(entries))
