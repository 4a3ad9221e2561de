"""Spreadsheet formula injection, neutralised (OWASP's rule for CSV injection).

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by
Excel, LibreOffice and Google Sheets when the CSV is opened (`=HYPERLINK(...)`, `=WEBSERVICE(...)`,
DDE). Such a cell is written with a leading apostrophe, which spreadsheets show as text; plain
numbers ("-5", "+3.5") are left as they are. The importer strips that apostrophe again, so a catalog
round-trips exactly: a cell that already starts with apostrophes before such a character gets one
more, and loses exactly one on the way back.
"""

from __future__ import annotations

import re

_TRIGGERS = "=+\\-@\t\r"
_NEEDS_QUOTE = re.compile(f"'*[{_TRIGGERS}]")
_QUOTED = re.compile(f"'+[{_TRIGGERS}]")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def neutralise(cell: str) -> str:
    if _NEEDS_QUOTE.match(cell) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """The inverse of `neutralise`, for cells read back by the importer."""
    return cell[1:] if _QUOTED.match(cell) else cell


__all__ = ["neutralise", "restore"]
