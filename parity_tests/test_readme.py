"""The README matches the code: its two commands exist, its formula table is the catalog's."""
from __future__ import annotations

import re
from pathlib import Path

from dl_parity.catalog import markdown_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_formula_table_is_the_catalog():
    # Regenerate with: .venv/bin/python -m dl_parity.catalog
    assert markdown_table() in README, ("README's 'Formulas covered' table differs from the "
                                        "catalog; paste the output of python -m dl_parity.catalog")


def test_readme_two_commands_are_make_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test"):
        assert re.search(rf"^make {target}\b", README, re.M), f"README lacks `make {target}`"
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile lacks the {target} target"


def test_ci_runs_the_readme_test_command():
    assert re.search(r"^make test\b", (ROOT / ".ci" / "run").read_text(), re.M)


# ---------------------------------------------------------------- stale text (issue 15)
def test_readme_formula_count_is_the_catalog():
    """Every "N formulas" / "N entries" the README states is the catalog's count, and the
    generated summary line above the table is there."""
    from dl_parity.catalog import CATALOG, markdown_summary

    assert markdown_summary() in README, ("README's formula count differs from the catalog; "
                                          "paste the output of python -m dl_parity.catalog")
    for m in re.finditer(r"\b(\d+) (?:formulas|entries)\b", README):
        assert int(m.group(1)) == len(CATALOG), f"README says {m.group(0)!r}"
    assert not re.search(r"\b\d+ comparisons\b", README), "a comparison count that goes stale"


def test_readme_names_files_that_exist():
    """Paths, markdown files and test functions the README names exist in the repository."""
    names = set(re.findall(r"`([^`\s]+)`", README)) | set(re.findall(r"\]\(([^)\s#]+)\)", README))
    roots = ("dl_parity/", "scratch/", "torch_ref/", "parity_tests/", "docs/", ".ci/")
    checked = 0
    for name in sorted(names):
        path = name.split("::")[0]
        if path.startswith(roots) or path.endswith(".md"):
            assert (ROOT / path).exists(), f"README names {name}, which does not exist"
            checked += 1
    for file, func in re.findall(r"`(?:parity_tests/)?(test_\w+\.py)::(\w+)`", README):
        text = (ROOT / "parity_tests" / file).read_text()
        assert re.search(rf"^def {func}\(", text, re.M), f"README names {file}::{func}"
    assert checked >= 10


def test_package_docstrings_match_the_code():
    """scratch/ and torch_ref/ name the courses the catalog covers, list their modules (each
    one that exists, none that does not), and point only to files the repository has."""
    import scratch
    import torch_ref
    from dl_parity.catalog import courses, courses_phrase

    assert courses_phrase() in scratch.__doc__.splitlines()[0]
    assert courses_phrase() in torch_ref.__doc__.splitlines()[0]
    assert set(map(int, re.findall(r"course (\d)", README.split("\n\n")[1]))) == set(courses())
    for package in (scratch, torch_ref):
        doc = package.__doc__
        assert "shared notes" not in doc and "COURSE_API.md" not in doc
        for ref in re.findall(r"``([\w./]+\.md)``", doc):
            assert (ROOT / ref).is_file(), f"{package.__name__} points to {ref}"
        listed = set(re.findall(r"^(\w+) {2,}", doc.split("Modules\n-------\n", 1)[1], re.M))
        folder = ROOT / package.__name__
        modules = {p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")}
        assert listed == modules, (f"{package.__name__}'s docstring lists "
                                   f"{sorted(listed - modules)} that do not exist and lacks "
                                   f"{sorted(modules - listed)}")


def test_cli_help_names_the_courses(capsys):
    import pytest

    from dl_parity.catalog import courses_phrase
    from dl_parity.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert f"for {courses_phrase()} of the Deep Learning Specialization" in out


def test_readme_planar_figures_are_what_the_test_accepts():
    """The README's planar paragraph quotes the published cost, the bounds the course test
    asserts (its constants), and only iteration-9000 costs that the test would accept."""
    from parity_tests import test_course_results as t

    paragraph = README[README.index("The planar run is a lesson"):]
    paragraph = paragraph[:paragraph.index("\n\n")]
    assert re.search(rf"published\s+{re.escape(str(t.PLANAR_COST9000))}", paragraph)
    assert f"up to iteration {t.PLANAR_STABLE}" in paragraph
    bound = re.search(r"at\s+most\s+([\d.e-]+)\s+from\s+the\s+published", paragraph)
    assert bound and float(bound.group(1)) == t.PLANAR_LATE_ATOL
    figures = [float(x) for x in re.findall(r"\b0\.218\d+", paragraph)]
    assert len(figures) >= 5
    for x in figures:
        assert abs(x - t.PLANAR_COST9000) <= t.PLANAR_LATE_ATOL, x
