"""Rows of an Excel workbook's first sheet, as text, for the import (our XLSX export, or a sheet
saved from a spreadsheet): the standard library's zip and XML readers, streamed row by row.

Cells come back as the text the CSV would have held: shared and inline strings as they are,
numbers as the sheet stored them ("30", "29.99"), booleans as "TRUE"/"FALSE", empty cells "".
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, iterparse

from product_dashboard.kit.numbers import is_ascii_digits

ZIP_MAGIC = b"PK\x03\x04"
MAX_SHEET_BYTES = 512 * 2**20  # uncompressed: a bound against zip bombs
MAX_SHEET_ROWS = 1_048_576  # Excel's own limit
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_COLUMN = re.compile(r"([A-Z]+)")


class NotAWorkbook(ValueError):
    pass


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(4) == ZIP_MAGIC


def sheet_rows(path: Path) -> Iterator[list[str]]:
    """The first worksheet's rows in order (missing rows and cells as empty ones)."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise NotAWorkbook("The file is not a readable Excel workbook (.xlsx).") from exc
    with archive:
        shared = _shared_strings(archive)
        sheet = _first_sheet(archive)
        if archive.getinfo(sheet).file_size > MAX_SHEET_BYTES:
            raise NotAWorkbook("The workbook's sheet is too large to import.")
        expected = 1
        with archive.open(sheet) as stream:
            for _, element in iterparse(stream):
                if element.tag != f"{_MAIN}row":
                    continue
                number = _row_number(element.get("r"), expected)
                while expected < number:  # rows Excel left out because they are empty
                    yield []
                    expected += 1
                yield _cells(element, shared)
                expected = number + 1
                element.clear()


def _row_number(text: str | None, expected: int) -> int:
    """A row's number (`r`, which Excel leaves out of rows in order): past the rows read and
    within a sheet's, so a gap cannot make it yield billions of empty rows."""
    if text is None:
        return expected
    if not (is_ascii_digits(text) and len(text) <= 7 and expected <= int(text) <= MAX_SHEET_ROWS):
        raise NotAWorkbook(f"The workbook's sheet has a row numbered {text[:20]!r}.")
    return int(text)


def _cells(row: Element, shared: list[str]) -> list[str]:
    cells: list[str] = []
    for cell in row.iter(f"{_MAIN}c"):
        match = _COLUMN.match(cell.get("r") or "")
        if match is not None:
            position = _column_index(match.group(1))
            cells.extend([""] * (position - len(cells)))
        cells.append(_value(cell, shared))
    return cells


def _value(cell: Element, shared: list[str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{_MAIN}t"))
    raw = cell.findtext(f"{_MAIN}v") or ""
    if kind == "s":
        return (
            shared[int(raw)]
            if is_ascii_digits(raw) and len(raw) < 10 and int(raw) < len(shared)
            else ""
        )
    if kind == "b":
        return "TRUE" if raw == "1" else "FALSE"
    return raw


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    try:
        info = archive.getinfo("xl/sharedStrings.xml")
    except KeyError:
        return []
    if info.file_size > MAX_SHEET_BYTES:
        raise NotAWorkbook("The workbook's strings are too large to import.")
    stream = archive.open(info)
    strings: list[str] = []
    with stream:
        for _, element in iterparse(stream):
            if element.tag == f"{_MAIN}si":
                strings.append("".join(t.text or "" for t in element.iter(f"{_MAIN}t")))
                element.clear()
    return strings


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The path of the workbook's first sheet, through the workbook's relationships."""
    try:
        with archive.open("xl/workbook.xml") as stream:
            sheet = next(e for _, e in iterparse(stream) if e.tag == f"{_MAIN}sheet")
        with archive.open("xl/_rels/workbook.xml.rels") as stream:
            targets = {
                e.get("Id"): e.get("Target") or ""
                for _, e in iterparse(stream)
                if e.tag == f"{_PACKAGE_REL}Relationship"
            }
    except (KeyError, StopIteration) as exc:
        raise NotAWorkbook("The file is not an Excel workbook (.xlsx): it has no sheet.") from exc
    target = targets.get(sheet.get(f"{_REL}id"), "worksheets/sheet1.xml")
    return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
