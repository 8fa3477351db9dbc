"""Operator mutants that compute the same function as the original line, so no test can (or
should) catch them: each with the reason. ``dl-parity mutants`` does not run these and leaves
them out of the score. A key names the module, the function and the exact change, so an entry
stops applying as soon as the line it is about changes (and must then be judged again).
"""
from __future__ import annotations

#: mutant key (see dl_parity/check/mutants.py) -> why it computes the same thing
EQUIVALENT: dict[str, str] = {
}
