"""``dl-parity study`` without a browser: what the page and the command say (issue 15).

The page's layout is tested in a browser by test_study_browser.py; here: the
quantity shown beside each pass, the closing verdict, no progress bars in a log,
and the place left for more per-formula blocks.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from dl_parity import study
from dl_parity.catalog import CATALOG, by_id
from dl_parity.cli import main


def _record(**kw):
    base = dict(test="parity_tests/test_activations.py::test_tanh_parity[cpu-float32]",
                formula="act.tanh", what="tanh value", device="cpu", dtype="float32",
                max_abs=1.3e-7, max_rel=3.1e-4, rtol=9.5e-7, atol=9.5e-7, passed=True,
                ratio=0.134, worst_abs=1.3e-7, worst_allowed=9.7e-7)
    return dict(base, **kw)


# ---------------------------------------------------------------------------- item 12
def test_the_record_holds_the_compared_quantity():
    """Parity.close records |a - b| / (atol + rtol |b|) at the element nearest its bound:
    a pass that its atol covers has a ratio <= 1 although its relative error is > rtol."""
    from parity_tests.conftest import _RECORDS, Parity

    expected = np.array([1.0, 1e-3, 0.0])
    actual = expected + np.array([1e-7, 5e-7, 0.0])
    before = len(_RECORDS)
    Parity("t::t", "cpu").close("x", actual, expected, rtol=1e-6, atol=1e-6, formula="t.x")
    rec = _RECORDS.pop()
    assert len(_RECORDS) == before
    allowed = 1e-6 + 1e-6 * np.abs(expected)
    ratios = np.abs(actual - expected) / allowed
    assert rec["max_rel"] > rec["rtol"] and rec["passed"]
    assert rec["ratio"] == pytest.approx(ratios.max(), rel=1e-12) and rec["ratio"] <= 1
    assert rec["worst_abs"] == pytest.approx(5e-7, rel=1e-9)
    assert rec["worst_allowed"] == pytest.approx(allowed[1], rel=1e-12)


def test_the_page_shows_the_compared_quantity_beside_a_pass():
    """tanh, measured 3.1e-04 relative against rtol 9.5e-07 yet passing (its atol covers
    it): the summary and the section show |Δ| <= atol + rtol|b| and a ratio <= 1."""
    entry = by_id()["act.tanh"]
    run = study.ParityRun({"records": [_record()]}, {_record()["test"]: "PASSED"}, 0,
                          "=== 1 passed ===", {}, ["pytest"])
    st = study.entry_status(entry, run)
    assert st.key == "pass" and st.worst.ratio == pytest.approx(0.134)
    page = study.render_html([entry], {entry.id: st}, run, [], quick=False, generated="now",
                             verdict=study.tally({entry.id: st}, run))
    row = re.search(r"<tr data-formula-id='act.tanh'>.*?</tr>", page, re.S).group(0)
    assert "0.13" in row and "1.3e-07 ≤ 9.7e-07" in row
    assert "3.1e-04" not in page                  # the relative error that read as a fail
    assert "a ratio of <b>0.13</b>" in page


def test_the_worst_row_is_the_one_nearest_its_bound():
    """Largest ratio first (not largest absolute error); a failed comparison before all."""
    rows = study.measurements([
        _record(what="big but loose", max_abs=1e-3, ratio=0.01, worst_abs=1e-3, worst_allowed=0.1),
        _record(what="small but tight", max_abs=1e-9, ratio=0.9, worst_abs=9e-10,
                worst_allowed=1e-9)], "act.tanh")
    assert study.Status("pass", "pass", "", rows).worst.what == "small but tight"
    failed = study.measurements([_record(what="failed", ratio=0.5, passed=False),
                                 _record(what="close", ratio=0.99)], "act.tanh")
    assert study.Status("fail", "FAIL", "", failed).worst.what == "failed"


# ---------------------------------------------------------------------------- item 13
def test_no_run_says_nothing_was_measured(tmp_path, capsys):
    out = tmp_path / "site"
    assert main(["study", "--out", str(out), "--no-run", "--no-curves"]) == 0
    stdout = capsys.readouterr().out
    assert f"parity: {len(CATALOG)} formulas shown; parity not run (--no-run)" in stdout
    page = (out / "index.html").read_text(encoding="utf-8")
    summary = re.search(r'<h2 id="summary">(.*?)</h2>', page).group(1)
    assert "not run" in summary and not re.search(r"\b0 of\b", summary), summary


@pytest.mark.slow
def test_study_in_a_log_draws_no_bars_and_ends_with_the_count(tmp_path, capsys):
    """stderr is not a terminal here (captured): one plain line per stage, no tqdm bar; the
    last line counts what passed and failed. (An empty --data-dir: only the planar model
    is trained.)"""
    assert main(["study", "--out", str(tmp_path / "site"), "--only", "act.relu", "--quick",
                 "--data-dir", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "\r" not in captured.err and "it/s" not in captured.err and "%|" not in captured.err
    assert "dl-parity study: running the parity tests of 1 formula(s)" in captured.err
    assert "dl-parity study: training planar" in captured.err
    last = captured.out.strip().splitlines()[-1]
    assert last == "parity: 1 of 1 formulas within tolerance, 0 failed"


def test_tally_counts_every_kind():
    st = {"a": study.Status("pass", "", "", []), "b": study.Status("fail", "", "", []),
          "c": study.Status("not-run", "", "", []), "d": study.Status("skipped", "", "", [])}
    run = study.ParityRun(None, {}, 1, "", {}, ["pytest"])
    assert study.tally(st, run) == ("1 of 4 formulas within tolerance, 1 failed, "
                                    "1 skipped or not selected, 1 not run")


# ---------------------------------------------------------------------------- the place for more
def test_an_entry_block_is_shown_in_its_formula_section():
    """Issue 17's classic mistakes (or anything per formula) plug in as an entry block."""
    def classic_mistakes(entry):
        return f"<p>mistakes of {entry.id}</p>" if entry.id == "act.tanh" else None

    entries = [by_id()["act.sigmoid"], by_id()["act.tanh"]]
    statuses = {f.id: study.entry_status(f, None) for f in entries}
    page = study.render_html(entries, statuses, None, [], quick=False, generated="now",
                             blocks=[classic_mistakes])
    tanh = page[page.index('id="f-act-tanh"'):]
    assert ("<div class='extra' data-block='classic_mistakes'><p>mistakes of act.tanh</p>"
            in tanh)
    assert page.count("data-block=") == 1
