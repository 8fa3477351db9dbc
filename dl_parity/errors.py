"""The one exception a user's mistake raises anywhere in the glue (printed as one line by
:func:`dl_parity.cli.main`, exit status 2, never a traceback)."""
from __future__ import annotations


class UsageError(Exception):
    """A user's mistake: printed as ``dl-parity: error: ...`` with exit status 2."""

    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status
