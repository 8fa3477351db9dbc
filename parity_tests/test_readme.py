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
