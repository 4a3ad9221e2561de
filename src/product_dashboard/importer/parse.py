"""CSV rows → product payloads, grouped by handle, with row-level errors.

Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from product_dashboard.export.formats import LOCATION_COLUMN
from product_dashboard.export.shopify_columns import (
    CSV_WEIGHT_UNITS,
    EXACT_GRAMS,
    SHOPIFY_BY_KEY,
    csv_grams,
)
from product_dashboard.importer.headers import (
    CsvKind,
    column_index,
    detect,
    location_columns,
    unknown_columns,
    unknown_scope,
)
from product_dashboard.importer.xlsx import NotAWorkbook, is_xlsx, sheet_rows
from product_dashboard.kit.formulas import restore
from product_dashboard.kit.numbers import parse_decimal, parse_integer
from product_dashboard.models.inventory import GRAMS_PER_UNIT, WeightUnit, whole_grams
from product_dashboard.product.stock import QUANTITY_LIMIT

DEFAULT_OPTION = "Title"
DEFAULT_TITLE = "Default Title"
STATUSES = ("active", "draft", "archived")

# The Shopify columns that land in the catalog's own fields; every other column of a Shopify CSV
# is kept in `extra_columns` (of the product, or of the variant its row belongs to).
MODELLED = frozenset(
    {
        "handle",
        "title",
        "body",
        "vendor",
        "category",
        "type",
        "tags",
        "status",
        *(f"option{n}_{part}" for n in (1, 2, 3) for part in ("name", "value")),
        "sku",
        "grams",
        "inventory",
        "price",
        "compare_at_price",
        "barcode",
        "image_src",
        "image_position",
        "image_alt",
    }
)


# Descriptions with inline markup run long; the csv module's default cap is 128 KiB a cell.
MAX_CELL_CHARS = 4 * 1024 * 1024
csv.field_size_limit(MAX_CELL_CHARS)


class NotACatalogCsv(ValueError):
    """The file is not one of the formats we import, or not readable CSV at all."""


SAVE_AS_CSV_UTF8 = (
    'In Excel, save it as "CSV UTF-8 (Comma delimited) (*.csv)"; Google Sheets and Numbers '
    "export CSV that way."
)


def _csv_rows(stream: TextIO) -> Iterator[list[str]]:
    reader = csv.reader(stream)
    try:
        yield from reader
    except csv.Error as exc:
        raise NotACatalogCsv(f"Row {reader.line_num} is not readable CSV: {exc}.") from exc
    except UnicodeDecodeError as exc:
        raise NotACatalogCsv(
            f"The file is not UTF-8 text: it holds byte 0x{exc.object[exc.start]:02X}, as a "
            f"legacy Windows or Mac encoding writes an accented letter. {SAVE_AS_CSV_UTF8}"
        ) from exc


NOT_A_CATALOG = (
    "Not a product CSV: expected Shopify's product CSV (a Handle or URL handle column) "
    "or this dashboard's CSV or Excel (.xlsx) export."
)
OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs"}


def not_a_catalog(headers: list[str] | None) -> NotACatalogCsv:
    """Why the header row is not one we import: a product CSV whose columns are separated by
    semicolons or tabs (as Excel writes "CSV" in some languages) is named as such."""
    if headers and len(headers) <= 2:
        for separator, name in OTHER_SEPARATORS.items():
            if detect([cell.strip() for cell in headers[0].split(separator)]) is not None:
                return NotACatalogCsv(
                    f"The file's columns are separated by {name}, not commas. {SAVE_AS_CSV_UTF8}"
                )
    return NotACatalogCsv(NOT_A_CATALOG)


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
    rows_end: int = 0
    errors: list[RowError] = field(default_factory=list)
    option_columns: int = 3
    """How many options the file has columns for (name and value): a product with more cannot
    be told its options by it."""
    variant_levels: list[dict[str, int]] = field(default_factory=list)
    """Each variant's (`payload["variants"]`, in its order) `available at <location>` cells:
    location name → quantity; an empty cell is left out (it says nothing)."""

    @property
    def last_row(self) -> int:
        return max([self.first_row, self.rows_end, *self.variant_rows])

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
    def __init__(
        self,
        cells: list[str],
        index: dict[str, int],
        extras: dict[str, int] | None = None,
        locations: dict[str, int] | None = None,
    ) -> None:
        self.cells = cells
        self.index = index
        self.extras = extras or {}
        self.locations = locations or {}

    def get(self, key: str) -> str:
        position = self.index.get(key)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position].strip()

    def code(self, key: str) -> str | None:
        """A SKU or barcode cell exactly as written (the catalog and Shopify keep edge spaces:
        trimming them would make a re-import of an export change the store); blank is none."""
        position = self.index.get(key)
        cell = self.cells[position] if position is not None and position < len(self.cells) else ""
        return cell if cell and not cell.isspace() else None

    def has(self, key: str) -> bool:
        return key in self.index

    def extra_cells(self, scope: str) -> dict[str, str]:
        """The kept columns of one scope ("product" or "variant"), empty cells included: an
        empty cell clears what an earlier import kept, a column the file lacks keeps it."""
        return {
            key: self._cell(position)
            for key, position in self.extras.items()
            if _extra_scope(key) == scope
        }

    def _cell(self, position: int) -> str:
        return self.cells[position] if position < len(self.cells) else ""


def _extra_scope(key: str) -> str:
    column = SHOPIFY_BY_KEY.get(key)
    scope = column.scope if column is not None else unknown_scope(key)
    return "product" if scope == "product" else "variant"


def _extra_positions(headers: list[str], index: dict[str, int]) -> dict[str, int]:
    """Key → position of the Shopify columns kept as extra columns: known columns the catalog
    does not model yet (under their canonical key), and unknown ones (under their header)."""
    kept = {key: position for key, position in index.items() if key not in MODELLED}
    return {**kept, **unknown_columns(headers, index)}


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


def _grams(
    product: ParsedProduct, row: int, column: str, text: str, extras: dict[str, str]
) -> int | None:
    """Whole grams for the catalog's weight; a fraction of a gram (Shopify writes 226.796185
    for 8 oz) is valid, and the grams as written are kept beside them to be exported again."""
    extras[EXACT_GRAMS] = ""
    if not text:
        return None
    try:
        value = parse_decimal(text)
    except ValueError as exc:
        product.error(row, column, f"'{_shown(text)}' is not a weight in grams: it {exc}")
        return None
    if value < 0:
        product.error(row, column, "must not be negative")
        return None
    extras[EXACT_GRAMS] = text
    return whole_grams(value, WeightUnit.grams.value)


def _shown(text: str) -> str:
    """A cell as quoted in an error message: a runaway cell is cut, not echoed whole."""
    return text if len(text) <= 40 else text[:40] + "…"


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _variant(product: ParsedProduct, row: int, r: _Row, kind: CsvKind) -> dict[str, Any]:
    values = [r.get(f"option{n}_value") for n in (1, 2, 3)]
    values = [v for v in values if v]
    if values == [DEFAULT_TITLE] and kind == "shopify":
        values = []
    inventory_key = "inventory_quantity" if kind == "ours" else "inventory"
    variant: dict[str, Any] = {"option_values": values}
    # A column the file lacks says nothing: on update the stored value stays (importer.service).
    if r.has("sku"):
        variant["sku"] = r.code("sku")
    if r.has("barcode"):
        variant["barcode"] = r.code("barcode")
    # An empty price or stock cell says nothing either: the stored one stays (a new variant's is
    # 0.00 and 0); written as zero, the next push would send it to Shopify.
    price = _money(product, row, "price", r.get("price")) if r.has("price") else None
    if price is not None:
        variant["price"] = price
    if r.has("compare_at_price"):
        compare_at = _money(product, row, "compare_at_price", r.get("compare_at_price"))
        variant["compare_at_price"] = compare_at
    quantity = _integer(product, row, inventory_key, r.get(inventory_key))
    if quantity is not None:
        variant["inventory_quantity"] = quantity
    if kind == "ours":
        variant["weight_grams"] = _integer(product, row, "weight_grams", r.get("weight_grams"))
        variant_id = _integer(product, row, "variant_id", r.get("variant_id"))
        if variant_id is not None:
            variant["id"] = variant_id
        extras = _json_object(product, row, r, "variant_extra_columns")
        _variant_details(product, row, r, kind, variant)
    else:
        extras = r.extra_cells("variant")
        if r.has("grams"):
            variant["weight_grams"] = _grams(product, row, "grams", r.get("grams"), extras)
            weight = _exact_weight(r.get("grams"), r.get("weight_unit"))
            if weight is not None and variant["weight_grams"] is not None:
                variant["weight_value"], variant["weight_unit"] = weight
        _variant_details(product, row, r, kind, variant)
        # Shopify's 2024 template gives image positions and alt texts on rows without an image
        # URL: the row keeps them, to write them again.
        has_image = bool(r.get("image_src"))
        for key in ("image_position", "image_alt"):
            if r.has(key):
                extras[key] = "" if has_image else r.get(key)
    if extras is not None:
        variant["extra_columns"] = extras
    return variant


def _levels(product: ParsedProduct, row: int, r: _Row) -> dict[str, int]:
    """The row's `available at <location>` cells: location name → quantity, empty cells left
    out (unknown, never 0); a cell that is not a whole number in the stock API's range is a row
    error."""
    levels: dict[str, int] = {}
    for name, position in r.locations.items():
        text = r._cell(position).strip()
        column = LOCATION_COLUMN.format(name=name)
        quantity = _integer(product, row, column, text)
        if quantity is None:
            continue
        if abs(quantity) > QUANTITY_LIMIT:
            limit = f"{QUANTITY_LIMIT:,}"
            product.error(row, column, f"must be between -{limit} and {limit}")
            continue
        levels[name] = quantity
    return levels


def _json_object(product: ParsedProduct, row: int, r: _Row, key: str) -> dict[str, str] | None:
    """A JSON object of text values in one of our columns (None when the file lacks it)."""
    if not r.has(key):
        return None
    text = r.get(key)
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        product.error(row, key, "must be a JSON object of text values")
        return None
    return value


def _metafields(product: ParsedProduct, row: int, r: _Row, key: str) -> list[dict[str, Any]] | None:
    """Our CSV's metafields (a JSON list, as exported): they become the product's (or the
    variant's) exactly; an empty cell says nothing (the stored ones stay)."""
    text = r.get(key)
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
        product.error(row, key, 'must be a JSON list of {"namespace", "key", "type", "value"}')
        return None
    return value


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
    _product_details(r, kind, payload)
    names = [r.get(f"option{n}_name") for n in (1, 2, 3)]
    names = [n for n in names if n]
    # Shopify's stand-in for "no options"; our own CSV says exactly what the catalog holds.
    if kind == "shopify" and names == [DEFAULT_OPTION] and r.get("option1_value") == DEFAULT_TITLE:
        names = []
    # A file without option columns says nothing of the options (its rows then match the
    # variants of a product without options, or fail: they cannot say which variant they are).
    if r.has("option1_name"):
        payload["options"] = [{"name": n} for n in names]
    product.option_columns = next(
        (n - 1 for n in (1, 2, 3) if not (r.has(f"option{n}_name") and r.has(f"option{n}_value"))),
        3,
    )
    if kind == "ours":
        metafields = _metafields(product, row, r, "metafields")
        if metafields is not None:
            payload["metafields"] = metafields
    if kind == "ours" and r.get("images"):
        try:
            images = json.loads(r.get("images"))
            payload["images"] = [{"src": i["src"], "alt": i.get("alt")} for i in images]
        except (ValueError, TypeError, KeyError):
            product.error(row, "images", 'must be a JSON list of {"src", "alt"}')
    extras = (
        _json_object(product, row, r, "extra_columns")
        if kind == "ours"
        else r.extra_cells("product")
    )
    if extras is not None:
        payload["extra_columns"] = extras


# Cells that land in a catalog field (key in the file → field of the product API), read when
# the cell says something (an empty cell says nothing). A Shopify CSV's cell is also kept as
# written while the field agrees with it, so the exports write it back verbatim ("50" stays
# "50", not "50.00"); the field is what the push sends and what wins once it differs.
_PRODUCT_TEXTS = {
    "seo_title": "seo_title",
    "seo_description": "seo_description",
    "template_suffix": "template_suffix",
}
_PRODUCT_FLAGS = {
    "shopify": {"gift_card": "gift_card", "published": "published_online_store"},
    "ours": {"gift_card": "gift_card", "published_online_store": "published_online_store"},
}
_VARIANT_TEXTS = {"tax_code": "tax_code", "fulfillment_service": "fulfillment_service"}
_VARIANT_FLAGS = {"taxable": "taxable", "requires_shipping": "requires_shipping"}
_OURS_TEXTS = {
    "country_of_origin": "country_of_origin",
    "hs_code": "hs_code",
    "variant_image": "image_src",
}
_POLICIES = {"deny": "DENY", "continue": "CONTINUE"}


def _flag_cell(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text.lower())


def _product_details(r: _Row, kind: CsvKind, payload: dict[str, Any]) -> None:
    """SEO, gift card and publication onto the product's fields."""
    for key, target in _PRODUCT_TEXTS.items():
        if r.get(key):
            payload[target] = r.get(key)
    for key, target in _PRODUCT_FLAGS[kind].items():
        flag = _flag_cell(r.get(key))
        if flag is not None:
            payload[target] = flag


def _variant_details(
    product: ParsedProduct, row: int, r: _Row, kind: CsvKind, variant: dict[str, Any]
) -> None:
    """The variant's tax, shipping and inventory item cells onto its fields."""
    for key, target in _VARIANT_TEXTS.items():
        if r.get(key):
            variant[target] = r.get(key)
    for key, target in _VARIANT_FLAGS.items():
        flag = _flag_cell(r.get(key))
        if flag is not None:
            variant[target] = flag
    policy = _POLICIES.get(r.get("inventory_policy").lower())
    if policy is not None:
        variant["inventory_policy"] = policy
    if r.get("cost"):
        cost = _money(product, row, "cost", r.get("cost"))
        if cost is not None:
            variant["cost"] = cost
    if kind == "ours":
        tracked = _flag_cell(r.get("inventory_tracked"))
        if tracked is not None:
            variant["inventory_tracked"] = tracked
        for key, target in _OURS_TEXTS.items():
            if r.get(key):
                variant[target] = r.get(key)
        metafields = _metafields(product, row, r, "variant_metafields")
        if metafields is not None:
            variant["metafields"] = metafields
        if r.get("weight_value"):
            try:
                variant["weight_value"] = parse_decimal(r.get("weight_value"))
                variant["weight_unit"] = r.get("weight_unit") or WeightUnit.grams.value
            except ValueError as exc:
                product.error(row, "weight_value", f"'{_shown(r.get('weight_value'))}' {exc}")
    elif r.get("inventory_tracker").lower() == "shopify":
        # An empty tracker cell is "not tracked" or "not known": it says nothing.
        variant["inventory_tracked"] = True


def _exact_weight(grams_text: str, unit_cell: str) -> tuple[Decimal, str] | None:
    """The weight value in its unit that Shopify's CSV grams stand for (226.796185 g with unit
    oz is 8 oz): the shortest value whose grams Shopify would write as this cell; the grams
    themselves when no value in that unit writes them (1234.567 g in lb) or the unit is not
    given: never whole grams, which would move the weight in the store on the next push."""
    if not grams_text:
        return None
    try:
        grams = parse_decimal(grams_text)
    except ValueError:
        return None
    unit = next((u for u, cell in CSV_WEIGHT_UNITS.items() if cell == unit_cell.lower()), None)
    if unit is not None:
        exact = grams / GRAMS_PER_UNIT[WeightUnit(unit)]
        for places in range(10):
            value = exact.quantize(Decimal(1).scaleb(-places))
            if csv_grams(value, unit) == format(grams.normalize(), "f"):
                return value.normalize(), unit
    return grams.normalize(), WeightUnit.grams.value


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


@dataclass(frozen=True)
class ImportFile:
    """An uploaded file's products, read from its start each time they are iterated (an
    import may read them twice: its check pass, then its commit pass)."""

    path: Path

    def __iter__(self) -> Iterator[ParsedProduct]:
        with open_rows(self.path) as rows:
            yield from read_rows(rows)


def read_rows(reader: Iterator[list[str]]) -> Iterator[ParsedProduct]:
    """Products from rows (a header first); raises NotACatalogCsv for an unknown header."""
    headers = next(reader, None)
    kind = detect(headers or [])
    if headers is None or kind is None:
        raise not_a_catalog(headers)
    index = column_index(headers, kind)
    extras = _extra_positions(headers, index) if kind == "shopify" else {}
    locations = location_columns(headers, kind)
    current: ParsedProduct | None = None
    images: list[tuple[int, int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    row_number = 1
    for cells in reader:
        row_number += 1
        if not any(c.strip() for c in cells):
            continue
        r = _Row([restore(cell) for cell in cells], index, extras, locations)
        handle = unicodedata.normalize("NFC", r.get("handle").lower())
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
        current.rows_end = row_number
        if _is_variant_row(r, kind):
            current.payload.setdefault("variants", []).append(
                _variant(current, row_number, r, kind)
            )
            current.variant_rows.append(row_number)
            current.variant_levels.append(_levels(current, row_number, r))
        elif kind == "shopify":
            # An image row's stray cells are kept with the product rather than dropped.
            kept = current.payload.setdefault("extra_columns", {})
            for key, value in r.extra_cells("variant").items():
                if value:
                    kept.setdefault(key, value)
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
        srcs = {image["src"] for _, _, image in images}
        for variant in product.payload.get("variants", []):
            # A Variant Image names one of the product's images: the variant shows it.
            src = (variant.get("extra_columns") or {}).get("variant_image")
            if src in srcs:
                variant["image_src"] = src
    return product


def file_location_names(path: Path) -> list[str]:
    """The locations the file's `available at <location>` columns name (our CSV, XLSX)."""
    with open_rows(path) as rows:
        headers = next(rows, None) or []
        kind = detect(headers)
        return [] if kind is None else list(location_columns(headers, kind))


def count_records(path: Path) -> int:
    """Data rows after a header we recognise, not counting it; raises NotACatalogCsv."""
    with open_rows(path) as rows:
        headers = next(rows, None)
        if detect(headers or []) is None:
            raise not_a_catalog(headers)
        return sum(1 for _ in rows)
