"""The catalog of classic mistakes (dl_parity/check/mistakes.py) is sound: every mistake
breaks a formula of the catalog in a function ``dl-parity check`` knows, changes that
function's output on the checker's own inputs (a mistake that changes nothing could never be
diagnosed, nor caught), and can be told apart from every other mistake of the same function;
the catalog covers every family the issue names; ``mistakes_for`` gives them per formula, as
the study page shows them."""
from __future__ import annotations

import itertools

import pytest

from dl_parity.catalog import by_id
from dl_parity.check import compare as C
from dl_parity.check import mistakes as M
from dl_parity.check.runner import _Raised, call
from dl_parity.check.specs import SPECS
from dl_parity.check.specs.base import copy_tree

SPEC_OF = {s.reference: s for s in SPECS}


def outputs(mistake):
    spec = SPEC_OF[mistake.function]
    wrong = mistake.apply()
    return spec, [call(wrong, copy_tree(c.args), timeout=None) for c in spec.cases()]


def test_every_mistake_breaks_a_catalogued_formula_of_a_checked_function():
    catalog = by_id()
    assert len(M.MISTAKES) >= 40
    for m in M.MISTAKES:
        assert m.formula in catalog, m.key
        assert m.function in SPEC_OF, f"{m.key}: dl-parity check has no spec for {m.function}"
        assert m.kind in M.KINDS and m.title and m.wrote


def test_the_issues_families_are_all_there():
    kinds = {m.kind for m in M.MISTAKES}
    assert kinds >= {M.FACTOR_M, M.TRANSPOSE, M.SIGN, M.DERIVATIVE, M.AXIS, M.LOOP, M.BETAS,
                     M.ADAM, M.INDEX, M.GATE}


@pytest.mark.parametrize("key", [m.key for m in M.MISTAKES])
def test_a_mistake_changes_its_functions_output(key):
    mistake = M.by_key()[key]
    spec, wrong = outputs(mistake)
    reference = spec.reference_function()
    changed = 0
    for case, out in zip(spec.cases(), wrong):
        expected = call(reference, copy_tree(case.args), timeout=None)
        if isinstance(out, _Raised):
            changed += 1
            continue
        changed += not C.compare(out, expected, case.steps, spec.outputs).ok
    assert changed, f"{key} computes the reference's output on every case"
    assert not all(isinstance(o, _Raised) for o in wrong), f"{key} raises on every case"


@pytest.mark.parametrize("function", sorted({m.function for m in M.MISTAKES
                                             if len(M.mistakes_of(m.function)) > 1}))
def test_mistakes_of_one_function_are_told_apart(function):
    runs = {m.key: outputs(m) for m in M.mistakes_of(function)}
    for (a, (spec, out_a)), (b, (_, out_b)) in itertools.combinations(runs.items(), 2):
        same = all(
            (isinstance(x, _Raised) and isinstance(y, _Raised)) or
            (not isinstance(x, _Raised) and not isinstance(y, _Raised)
             and C.compare(x, y, case.steps, spec.outputs).ok)
            for case, x, y in zip(spec.cases(), out_a, out_b))
        assert not same, f"{a} and {b} give the same outputs: no diagnosis could tell them apart"


def test_mistakes_for_a_formula():
    keys = [m.key for m in M.mistakes_for("w4.linear_backward")]
    assert keys == ["linear_backward.no_1_over_m", "linear_backward.twice_1_over_m",
                    "linear_backward.W_not_transposed", "linear_backward.dW_transposed",
                    "linear_backward.db_wrong_axis", "linear_backward.db_no_keepdims"]
    assert M.mistakes_for("no.such.formula") == []


def test_apply_leaves_the_reference_alone():
    from scratch import deep_nn

    before = deep_nn.linear_backward
    wrong = M.by_key()["linear_backward.no_1_over_m"].apply()
    assert deep_nn.linear_backward is before and wrong is not before
    assert wrong.__name__ == "linear_backward" and wrong.mistake.key == "linear_backward.no_1_over_m"


def test_the_study_page_shows_a_formulas_mistakes():
    from dl_parity.catalog import CATALOG
    from dl_parity.study_page import ENTRY_BLOCKS, _mistakes_html

    entry = {f.id: f for f in CATALOG}
    assert _mistakes_html in ENTRY_BLOCKS              # every page shows the block
    html = _mistakes_html(entry["w4.linear_backward"])
    assert "Classic mistakes" in html and "the 1/m is missing" in html
    assert html.count("<li>") == len(M.mistakes_for("w4.linear_backward"))
    assert _mistakes_html(entry["c2.init_zeros"]) is None
