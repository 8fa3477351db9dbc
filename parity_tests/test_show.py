"""``dl-parity show`` as a user runs it: a formula, its NumPy code and its PyTorch code."""
from __future__ import annotations

import re

import pytest

from dl_parity.catalog import CATALOG, WEEKS
from dl_parity.cli import main
from dl_parity.sources import PROJECT_ROOT, entries_for, get_source


def _file_lines(src):
    return (PROJECT_ROOT / src.file).read_text(encoding="utf-8").splitlines()


# ---------------------------------------------------------------------------- sources
def test_source_of_a_function_is_the_text_in_its_file():
    src = get_source("scratch.deep_nn.linear_backward")
    assert src.ok and src.kind == "function" and src.file == "scratch/deep_nn.py"
    lines = _file_lines(src)
    code = src.code.splitlines()
    # the decorator that names its input check, then the course's function
    assert code[:2] == ["@checked(check_linear_backward)", "def linear_backward(dZ, cache):"]
    assert lines[src.line - 1:src.line - 1 + len(code)] == code


def test_source_of_a_method_and_of_a_dict():
    method = get_source("torch_ref.models.DeepNet.forward")
    assert method.kind == "method" and method.code.startswith("def forward(self")
    value = get_source("torch_ref.models.ACTIVATIONS")
    assert value.kind == "value"
    lines = _file_lines(value)
    start = next(i for i, ln in enumerate(lines) if ln.startswith("ACTIVATIONS = {"))
    assert "ACTIVATIONS = {" in value.code and value.code.rstrip().endswith("}")
    assert lines[value.line - 1].lstrip().startswith("#") and value.line <= start + 1


def test_unresolvable_path_is_reported_not_raised():
    src = get_source("scratch.deep_nn.no_such_function")
    assert not src.ok and "no attribute 'no_such_function'" in src.error


# ---------------------------------------------------------------------------- show NAME
def test_show_prints_the_formula_and_both_sources(capsys):
    assert main(["show", "linear_backward"]) == 0
    out = capsys.readouterr().out
    assert "dW⁽ˡ⁾ = (1/m) dZ⁽ˡ⁾A⁽ˡ⁻¹⁾ᵀ" in out
    assert "def linear_backward(dZ, cache):" in out
    assert "dW = (1 / m) * np.dot(dZ, A_prev.T)" in out        # the formula, in its body
    assert "def train_step(" in out
    # not a terminal: one after the other, NumPy first
    assert out.index("NumPy (scratch)") < out.index("def linear_backward") \
        < out.index("PyTorch (torch_ref)") < out.index("def train_step(")


def test_show_side_by_side_puts_both_columns_on_the_same_lines(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["show", "w4.linear_backward", "--layout", "side"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("scratch.deep_nn.linear_backward" in ln and "torch_ref.train.train_step" in ln
               for ln in lines)
    # each column's first source line (the decorator naming the check, and train_step's def)
    assert any("@checked(check_linear_backward)" in ln and "def train_step" in ln for ln in lines)


def test_show_by_function_name_names_the_other_entries(capsys):
    # course 1's two, then the course-2 modules that reuse the course's name
    assert [f.id for f in entries_for("compute_cost")][:2] == ["w3.cost", "w4.cost"]
    assert main(["show", "compute_cost"]) == 0
    out = capsys.readouterr().out
    assert "w3.cost" in out and "also in: w4.cost" in out


def test_show_list_groups_every_entry_by_week(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["show", "--list"]) == 0
    out = capsys.readouterr().out
    for f in CATALOG:
        assert f.id in out, f.id
    titles = [WEEKS[w] for w in WEEKS if any(f.week == w for f in CATALOG)]
    positions = [out.index(t) for t in titles]
    assert positions == sorted(positions)
    # each entry is listed under its own week's title
    for f in CATALOG:
        after = [t for t, p in zip(titles, positions) if p < out.index(f.id)]
        assert after[-1] == WEEKS[f.week], f.id


@pytest.mark.parametrize("argv, message", [
    (["show", "linear_backwrd"], "closest: linear_backward"),
    (["show", "sigmod"], "closest: sigmoid"),
    (["show"], "expected a NAME"),
    (["show", "--list", "sigmoid"], "--list takes no NAME"),
])
def test_show_user_mistakes_exit_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) == 1
    assert captured.out == ""


@pytest.mark.slow
def test_show_check_runs_the_parity_tests_and_prints_the_errors(capsys, monkeypatch):
    """act.relu: its parity test runs in a subprocess; the measured rows come back."""
    monkeypatch.setenv("COLUMNS", "200")
    status = main(["show", "relu", "--check", "--device", "cpu"])
    out = capsys.readouterr().out
    assert "Running the parity tests of act.relu" in out
    assert "|Δ| / allowed" in out and "tolerance" in out
    rows = [ln for ln in out.splitlines() if "test_relu_parity" in ln and " cpu " in ln]
    assert rows, out
    assert status == (0 if "pass:" in out else 1)


# ----------------------------------------------------------------------------- the code shown
@pytest.mark.parametrize("entry", CATALOG, ids=[f.id for f in CATALOG])
def test_shown_numpy_code_computes_the_formula(entry):
    """The NumPy code `dl-parity show` and the study page display for an entry (its
    functions and every private helper they reach) contains the lines that compute its
    formula, named by the entry's ``marks``: a wrapper that hands the work to a helper
    still shows the helper (``L_model_backward`` -> ... -> the loop of
    ``_backward_from_dZL``)."""
    from dl_parity.sources import numpy_code

    assert entry.marks, f"{entry.id} names no marks (the lines that compute its formula)"
    code = numpy_code(entry)
    missing = [m for m in entry.marks if m not in code]
    assert not missing, f"{entry.id}: the shown NumPy code lacks {missing}"


def test_show_L_model_backward_shows_the_loop(capsys):
    """Issue 8: `dl-parity show L_model_backward` stopped at a wrapper."""
    from dl_parity.cli import main

    assert main(["show", "L_model_backward"]) == 0
    out = capsys.readouterr().out
    assert "_backward_from_dZL" in out and "for l in reversed(range(1, L)):" in out


# ---------------------------------------------------------------- finding an entry (issue 15)
@pytest.mark.parametrize("name, expected", [
    ("adam", "c2w2.adam"),                     # the end of an id
    ("Adam", "c2w2.adam"),
    ("bn_forward", "c2w3.bn_forward"),
    ("positional encoding", "c5.positional_encoding"),   # words of the title
    ("linear_backward", "w4.linear_backward"),           # still: a function
    ("w4.cost", "w4.cost"),                              # still: an id
])
def test_show_finds_a_unique_suffix_or_words(name, expected, capsys):
    from dl_parity.catalog import by_id, find, lookup

    match = find(name)
    assert not match.ambiguous and match.entries[0].id == expected
    assert lookup(name).id == expected
    assert main(["show", name]) == 0
    out = capsys.readouterr().out
    assert expected in out.splitlines()[0] and by_id()[expected].title in out.splitlines()[0]


@pytest.mark.parametrize("name, candidates", [
    ("batchnorm", ["c2w3.bn_forward", "c2w3.bn_backward", "c2w3.bn_running"]),
    ("training", ["w2.training", "w3.training", "w4.training", "c2.training"]),
])
def test_show_lists_the_candidates_of_an_ambiguous_name(name, candidates, capsys):
    from dl_parity.catalog import lookup

    assert lookup(name) is None
    assert main(["show", name]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    err = captured.err
    assert f"fits {len(candidates)} catalog entries" in err
    assert [c for c in re.findall(r"[\w.]+(?= \()", err) if "." in c] == candidates


@pytest.mark.parametrize("columns", [80, 100, 120, 160, 220])
def test_show_list_shows_every_name_whole(columns, capsys, monkeypatch):
    """No "…" at any width: each id and each code name on one line, in full; the column
    that holds titles says so."""
    from dl_parity.sources import short_name

    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["show", "--list"]) == 0
    out = capsys.readouterr().out
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= columns
    words = set(re.findall(r"[\w.]+", out))
    for f in CATALOG:
        assert f.id in words, f.id
        for p in f.scratch + f.torch:
            assert short_name(p) in words, (f.id, short_name(p))
    assert not re.search(r"┃ formula\s", out)


def test_show_check_prints_the_compared_quantity(capsys, monkeypatch):
    """A comparison that passes by its absolute tolerance (relative error far above rtol)
    shows |Δ| <= atol + rtol|b| and a ratio at most 1, not a relative error above rtol."""
    import dl_parity.study as study

    record = dict(test="parity_tests/test_activations.py::test_tanh_parity[cpu-float32]",
                  formula="act.tanh", what="tanh value", device="cpu", dtype="float32",
                  max_abs=1.3e-7, max_rel=3.1e-4, rtol=9.5e-7, atol=9.5e-7, passed=True,
                  ratio=0.134, worst_abs=1.3e-7, worst_allowed=9.7e-7)
    fake = study.ParityRun({"records": [record]}, {record["test"]: "PASSED"}, 0,
                           "=== 1 passed in 0.1s ===", {}, ["pytest"])
    monkeypatch.setattr(study, "run_parity", lambda *a, **k: fake)
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["show", "act.tanh", "--check"]) == 0
    out = capsys.readouterr().out
    row = next(ln for ln in out.splitlines() if "tanh value" in ln)
    assert "1.3e-07 ≤ 9.7e-07" in row and "0.13" in row
    assert "3.1e-04" not in out                     # the relative error that looked like a fail
    assert "|Δ| / allowed" in out
