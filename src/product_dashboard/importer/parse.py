"""CSV rows → product payloads, grouped by handle, with row-level errors.

Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from product_dashboard.importer.headers import CsvKind, column_index, detect
from product_dashboard.importer.xlsx import NotAWorkbook, is_xlsx, sheet_rows
from product_dashboard.kit.formulas import restore
from product_dashboard.kit.numbers import parse_decimal, parse_integer

DEFAULT_TITLE = "Default Title"
STATUSES = ("active", "draft", "archived")


# Descriptions with inline markup run long; the csv module's default cap is 128 KiB a cell.
MAX_CELL_CHARS = 4 * 1024 * 1024
csv.field_size_limit(MAX_CELL_CHARS)


class NotACatalogCsv(ValueError):
    """The file is not one of the formats we import, or not readable CSV at all."""


def _csv_rows(stream: TextIO) -> Iterator[list[str]]:
    reader = csv.reader(stream)
    try:
        yield from reader
    except csv.Error as exc:
        raise NotACatalogCsv(f"Row {reader.line_num} is not readable CSV: {exc}.") from exc


NOT_A_CATALOG = (
    "Not a product CSV: expected Shopify's product CSV (a Handle or URL handle column) "
    "or this dashboard's CSV or Excel (.xlsx) export."
)


@dataclass
class RowError:
    row: int
    handle: str | None
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "handle": self.handle,
            "field": self.field,
            "message": self.message,
        }


@dataclass
class ParsedProduct:
    handle: str
    first_row: int
    payload: dict[str, Any] = field(default_factory=dict)
    variant_rows: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def error(self, row: int, column: str | None, message: str) -> None:
        self.errors.append(RowError(row, self.handle, column, message))

    def row_for(self, loc: list[Any]) -> int:
        """The CSV row a validation error location (["variants", 2, "price"]) points at."""
        parts = [p for p in loc if p != "body"]
        variant = parts[1] if len(parts) >= 2 and parts[0] == "variants" else None
        if isinstance(variant, int) and variant < len(self.variant_rows):
            return self.variant_rows[variant]
        return self.first_row


class _Row:
    def __init__(self, cells: list[str], index: dict[str, int]) -> None:
        self.cells = cells
        self.index = index

    def get(self, key: str) -> str:
        position = self.index.get(key)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position].strip()

    def has(self, key: str) -> bool:
        return key in self.index


def _money(product: ParsedProduct, row: int, column: str, text: str) -> str | None:
    if not text:
        return None
    try:
        value = parse_decimal(text.replace(",", ""))
    except ValueError as exc:
        product.error(row, column, f"'{_shown(text)}' is not an amount: it {exc}")
        return None
    if value < 0:
        product.error(row, column, "must not be negative")
        return None
    return str(value.quantize(Decimal("0.01")))


def _integer(product: ParsedProduct, row: int, column: str, text: str) -> int | None:
    if not text:
        return None
    try:
        return parse_integer(text)
    except ValueError as exc:
        reason = "" if str(exc) == "must be a whole number" else f": it {exc}"
        product.error(row, column, f"'{_shown(text)}' is not a whole number{reason}")
        return None


def _shown(text: str) -> str:
    """A cell as quoted in an error message: a runaway cell is cut, not echoed whole."""
    return text if len(text) <= 40 else text[:40] + "…"


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _variant(product: ParsedProduct, row: int, r: _Row, kind: CsvKind) -> dict[str, Any]:
    values = [r.get(f"option{n}_value") for n in (1, 2, 3)]
    values = [v for v in values if v]
    if values == [DEFAULT_TITLE]:
        values = []
    weight_key = "weight_grams" if kind == "ours" else "grams"
    inventory_key = "inventory_quantity" if kind == "ours" else "inventory"
    variant: dict[str, Any] = {
        "sku": r.get("sku") or None,
        "barcode": r.get("barcode") or None,
        "price": _money(product, row, "price", r.get("price")) or "0.00",
        "compare_at_price": _money(product, row, "compare_at_price", r.get("compare_at_price")),
        "inventory_quantity": _integer(product, row, inventory_key, r.get(inventory_key)) or 0,
        "weight_grams": _integer(product, row, weight_key, r.get(weight_key)),
        "option_values": values,
    }
    return variant


def _product_fields(product: ParsedProduct, row: int, r: _Row, kind: CsvKind) -> None:
    payload = product.payload
    payload["handle"] = product.handle
    title = r.get("title")
    if title:
        payload["title"] = title
    body_key = "description_html" if kind == "ours" else "body"
    type_key = "product_type" if kind == "ours" else "type"
    for key, target in (
        (body_key, "description_html"),
        ("vendor", "vendor"),
        (type_key, "product_type"),
    ):
        if r.has(key):
            payload[target] = r.get(key) if key != body_key else r.cells[r.index[key]]
    if r.has("tags"):
        payload["tags"] = _tags(r.get("tags"))
    if kind == "ours":
        if r.has("category_name"):
            name = r.get("category_name")
            payload["category"] = (
                {"id": r.get("category_id") or None, "name": name} if name else None
            )
    elif r.has("category"):
        name = r.get("category")
        if name.startswith("gid://shopify/TaxonomyCategory/"):
            payload["category"] = {"id": name, "name": name}
        else:
            payload["category"] = {"id": None, "name": name} if name else None
    status = r.get("status").lower()
    if status:
        if status not in STATUSES:
            product.error(row, "status", f"'{status}' is not one of {', '.join(STATUSES)}")
        else:
            payload["status"] = status
    elif r.get("published"):
        payload["status"] = "active" if r.get("published").lower() == "true" else "draft"
    names = [r.get(f"option{n}_name") for n in (1, 2, 3)]
    names = [n for n in names if n]
    if names == ["Title"] and r.get("option1_value") == DEFAULT_TITLE:
        names = []
    payload["options"] = [{"name": n} for n in names]
    if kind == "ours" and r.get("images"):
        try:
            images = json.loads(r.get("images"))
            payload["images"] = [{"src": i["src"], "alt": i.get("alt")} for i in images]
        except (ValueError, TypeError, KeyError):
            product.error(row, "images", 'must be a JSON list of {"src", "alt"}')


def _is_variant_row(r: _Row, kind: CsvKind) -> bool:
    if kind == "ours":
        return True
    keys = ("option1_value", "sku", "price", "compare_at_price", "barcode", "inventory")
    return any(r.get(k) for k in keys)


def read(stream: TextIO) -> Iterator[ParsedProduct]:
    """Products in file order; raises NotACatalogCsv for an unknown header."""
    return read_rows(_csv_rows(stream))


@contextmanager
def open_rows(path: Path) -> Iterator[Iterator[list[str]]]:
    """The uploaded file's rows: an Excel workbook's first sheet (our XLSX export), or CSV."""
    if is_xlsx(path):
        try:
            yield sheet_rows(path)
        except NotAWorkbook as exc:
            raise NotACatalogCsv(str(exc)) from exc
        return
    with path.open(encoding="utf-8-sig", newline="") as stream:
        yield _csv_rows(stream)


def read_rows(reader: Iterator[list[str]]) -> Iterator[ParsedProduct]:
    """Products from rows (a header first); raises NotACatalogCsv for an unknown header."""
    headers = next(reader, None)
    kind = detect(headers or [])
    if headers is None or kind is None:
        raise NotACatalogCsv(NOT_A_CATALOG)
    index = column_index(headers, kind)
    current: ParsedProduct | None = None
    images: list[tuple[int, int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    row_number = 1
    for cells in reader:
        row_number += 1
        if not any(c.strip() for c in cells):
            continue
        r = _Row([restore(cell) for cell in cells], index)
        handle = r.get("handle").lower()
        if current is None or handle != current.handle:
            if current is not None:
                yield _finish(current, images, kind)
            images = []
            current = ParsedProduct(handle=handle, first_row=row_number)
            if not handle:
                current.error(row_number, "handle", "every row needs a handle")
            elif handle in seen:
                current.error(
                    row_number,
                    "handle",
                    f"'{handle}' already appeared at row {seen[handle]}: the rows of one product "
                    "must be consecutive",
                )
            seen.setdefault(handle, row_number)
            _product_fields(current, row_number, r, kind)
        if _is_variant_row(r, kind):
            current.payload.setdefault("variants", []).append(
                _variant(current, row_number, r, kind)
            )
            current.variant_rows.append(row_number)
        if kind == "shopify" and r.get("image_src"):
            position = _integer(current, row_number, "image_position", r.get("image_position"))
            image = {"src": r.get("image_src"), "alt": r.get("image_alt") or None}
            images.append((position or len(images) + 1, len(images), image))
    if current is not None:
        yield _finish(current, images, kind)


def _finish(
    product: ParsedProduct, images: list[tuple[int, int, dict[str, Any]]], kind: CsvKind
) -> ParsedProduct:
    if kind == "shopify" and images:
        product.payload["images"] = [image for _, _, image in sorted(images)]
    return product


def count_records(path: Path) -> int:
    """Data rows after a header we recognise, not counting it; raises NotACatalogCsv."""
    with open_rows(path) as rows:
        if detect(next(rows, [])) is None:
            raise NotACatalogCsv(NOT_A_CATALOG)
        return sum(1 for _ in rows)
