"""Catalog entries: see dl_parity/catalog/__init__.py for how they are gathered."""
from __future__ import annotations

from .base import Formula  # noqa: F401

#: week key -> heading (shown in this order, after course 1's)
WEEKS: dict[str, str] = {}

ENTRIES: tuple[Formula, ...] = ()

#: scratch modules whose public functions must all appear in the catalog
MODULES: tuple[str, ...] = ()
