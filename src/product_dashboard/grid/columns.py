"""The bulk editor's columns: one entry each says how a cell is read, checked and written.

A column is either on the product (shown on each of its variants' rows, written once per
product) or on the variant. Cell values travel as JSON: text, a decimal string for money, an
integer, or null for "none". Adding a column (cost, SEO) is one `register(GridColumn(...))`;
columns that depend on data (one per location, one per metafield definition) come from a source
added with `register_source`. A column whose `read`/`write` use a relationship names it in
`relations`, and every query that reads rows for the grid or the cell batch loads it. The grid
endpoint, the cell batch, saved views and the browser all read `available(session)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from product_dashboard.kit.money import MAX_PRICE_CENTS, from_cents, to_cents
from product_dashboard.kit.numbers import MAX_TEXT_LENGTH, is_ascii_digits
from product_dashboard.kit.text import without_nul
from product_dashboard.models import Product, ProductStatus, ProductVariant
from product_dashboard.product import service as product_service
from product_dashboard.product.normalize import normalize_tags
from product_dashboard.product.schemas import MAX_TAGS

Level = Literal["product", "variant"]
Kind = Literal["text", "money", "integer", "tags", "choice"]
CellValue = str | int | None  # what a cell holds; edits may also send a JSON number for money

MAX_TEXT = 255
MAX_STOCK = 1_000_000_000
MAX_WEIGHT_GRAMS = 10_000_000


class CellError(ValueError):
    """A cell value this column cannot take; the message is shown beside the cell."""


@dataclass(frozen=True)
class LevelCell:
    """A stock column's cell: the merchant's intent at `location_id`, which the batch sets
    through `inventory.levels.set_intents` (as the stock API does). `total`: the variant's
    total, whose edit moves that location's (the primary's) level as a product edit does
    (`inventory.levels.moved_primary`)."""

    location_id: int | None
    """None (the total, while no active primary location is listed): the primary location as a
    product edit's quantity finds it, found when a save plans (`grid.stock_columns.located`)."""
    total: bool = False


@dataclass(frozen=True)
class GridColumn:
    key: str
    label: str
    level: Level
    kind: Kind
    read: Callable[[Product, ProductVariant], CellValue]
    # Raises CellError; returns the canonical value (what `read` gives back once written).
    parse: Callable[[Any], CellValue]
    # None: a stock column (`stock`), written as levels.
    write: Callable[[Product, ProductVariant, CellValue], None] | None
    choices: tuple[str, ...] = ()
    width: int = 120
    default: bool = field(default=False)  # shown until the merchant chooses columns
    required: bool = False  # blank is refused (the browser says so before saving)
    # Relationships of the product or the variant (as `level` says) that read and write use.
    relations: tuple[QueryableAttribute[Any], ...] = ()
    stock: LevelCell | None = None


def _no_nul(text: str) -> str:
    try:
        return without_nul(text)
    except ValueError as exc:
        raise CellError(str(exc)) from None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _text(required: bool) -> Callable[[Any], CellValue]:
    def parse(value: Any) -> CellValue:
        if _blank(value):
            if required:
                raise CellError("cannot be empty")
            return None
        if not isinstance(value, str | int):
            raise CellError("must be text")
        text = _no_nul(str(value).strip())
        if len(text) > MAX_TEXT:
            raise CellError(f"is longer than {MAX_TEXT} characters")
        return text

    return parse


def _money(required: bool) -> Callable[[Any], CellValue]:
    def parse(value: Any) -> CellValue:
        if _blank(value):
            if required:
                raise CellError("cannot be empty")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise CellError('must be an amount such as "19.99"')
        try:
            cents = to_cents(value if isinstance(value, float) else str(value).strip().lstrip("$"))
        except ValueError:
            raise CellError('must be an amount such as "19.99"') from None
        if cents < 0:
            raise CellError("must not be negative")
        if cents > MAX_PRICE_CENTS:
            raise CellError("is too large")
        return from_cents(cents)

    return parse


def integer_parser(low: int, high: int, required: bool) -> Callable[[Any], CellValue]:
    def parse(value: Any) -> CellValue:
        if _blank(value):
            if required:
                raise CellError("cannot be empty")
            return None
        text = str(value).strip().replace(",", "")
        digits = text.removeprefix("-")
        if isinstance(value, bool) or len(text) > MAX_TEXT_LENGTH or not is_ascii_digits(digits):
            raise CellError("must be a whole number")
        number = int(text)
        if not low <= number <= high:
            raise CellError(f"must be between {low:,} and {high:,}")
        return number

    return parse


def _choice(choices: tuple[str, ...]) -> Callable[[Any], CellValue]:
    def parse(value: Any) -> CellValue:
        text = str(value or "").strip().lower()
        if text not in choices:
            raise CellError(f"must be one of {', '.join(choices)}")
        return text

    return parse


def _tags(value: Any) -> CellValue:
    if _blank(value):
        return ""
    if not isinstance(value, str):
        raise CellError("must be tags separated by commas")
    tags = normalize_tags(_no_nul(value).split(","))
    if len(tags) > MAX_TAGS:
        raise CellError(f"at most {MAX_TAGS} tags")
    if any(len(tag) > MAX_TEXT for tag in tags):
        raise CellError(f"a tag is longer than {MAX_TEXT} characters")
    return ", ".join(tags)


def _set_tags(product: Product, variant: ProductVariant, value: CellValue) -> None:
    product_service.apply_tags(product, str(value or "").split(","))


def _cents(value: CellValue) -> int | None:
    return None if value is None else to_cents(str(value))


def _set_price(product: Product, variant: ProductVariant, value: CellValue) -> None:
    variant.price_cents = _cents(value) or 0


def _set_compare_at(product: Product, variant: ProductVariant, value: CellValue) -> None:
    variant.compare_at_price_cents = _cents(value)


def _set_sku(product: Product, variant: ProductVariant, value: CellValue) -> None:
    variant.sku = None if value is None else str(value)


def _set_barcode(product: Product, variant: ProductVariant, value: CellValue) -> None:
    variant.barcode = None if value is None else str(value)


def _set_weight(product: Product, variant: ProductVariant, value: CellValue) -> None:
    variant.weight_grams = None if value is None else int(value)


def _set_vendor(product: Product, variant: ProductVariant, value: CellValue) -> None:
    product.vendor = str(value or "")


def _set_type(product: Product, variant: ProductVariant, value: CellValue) -> None:
    product.product_type = str(value or "")


def _set_status(product: Product, variant: ProductVariant, value: CellValue) -> None:
    product.status = str(value)


STATUSES = tuple(s.value for s in ProductStatus)

COLUMNS: dict[str, GridColumn] = {}


def register(column: GridColumn) -> GridColumn:
    """Add a column to the editor (keys are unique: a second registration is a bug)."""
    if column.key in COLUMNS:
        raise ValueError(f"grid column {column.key!r} is already registered")
    COLUMNS[column.key] = column
    return column


ColumnSource = Callable[[AsyncSession], Awaitable[list[GridColumn]]]
SOURCES: list[ColumnSource] = []


def register_source(source: ColumnSource) -> ColumnSource:
    """Add columns that depend on data, listed when the grid asks (e.g. stock per location)."""
    SOURCES.append(source)
    return source


async def available(session: AsyncSession) -> dict[str, GridColumn]:
    """Every column the editor offers now: the registered ones, then those of each source. A
    source may offer a registered key: its column takes that one's place (the stock total names
    the primary location once one is listed)."""
    columns = dict(COLUMNS)
    for source in SOURCES:
        for extra in await source(session):
            columns[extra.key] = extra
    return columns


for _column in (
    GridColumn(
        key="price",
        label="Price",
        level="variant",
        kind="money",
        read=lambda p, v: from_cents(v.price_cents),
        parse=_money(required=True),
        write=_set_price,
        width=100,
        default=True,
        required=True,
    ),
    GridColumn(
        key="compare_at_price",
        label="Compare-at price",
        level="variant",
        kind="money",
        read=lambda p, v: from_cents(v.compare_at_price_cents),
        parse=_money(required=False),
        write=_set_compare_at,
        width=130,
        default=True,
    ),
    GridColumn(
        key="sku",
        label="SKU",
        level="variant",
        kind="text",
        read=lambda p, v: v.sku,
        parse=_text(required=False),
        write=_set_sku,
        width=140,
        default=True,
    ),
    GridColumn(
        key="barcode",
        label="Barcode",
        level="variant",
        kind="text",
        read=lambda p, v: v.barcode,
        parse=_text(required=False),
        write=_set_barcode,
        width=140,
    ),
    GridColumn(
        key="inventory_quantity",
        label="Stock",
        level="variant",
        kind="integer",
        read=lambda p, v: v.inventory_quantity,
        parse=integer_parser(-MAX_STOCK, MAX_STOCK, required=True),
        write=None,
        width=90,
        default=True,
        required=True,
        # The variant's total, written as its primary location's level (grid.stock_columns
        # names the location once one is listed).
        relations=(ProductVariant.inventory_levels,),
        stock=LevelCell(None, total=True),
    ),
    GridColumn(
        key="weight_grams",
        label="Weight (g)",
        level="variant",
        kind="integer",
        read=lambda p, v: v.weight_grams,
        parse=integer_parser(0, MAX_WEIGHT_GRAMS, required=False),
        write=_set_weight,
        width=100,
    ),
    GridColumn(
        key="tags",
        label="Tags",
        level="product",
        kind="tags",
        read=lambda p, v: ", ".join(t.name for t in p.tags),
        parse=_tags,
        write=_set_tags,
        width=200,
    ),
    GridColumn(
        key="vendor",
        label="Vendor",
        level="product",
        kind="text",
        read=lambda p, v: p.vendor,
        parse=lambda value: _text(required=False)(value) or "",
        write=_set_vendor,
        width=140,
    ),
    GridColumn(
        key="product_type",
        label="Type",
        level="product",
        kind="text",
        read=lambda p, v: p.product_type,
        parse=lambda value: _text(required=False)(value) or "",
        write=_set_type,
        width=140,
    ),
    GridColumn(
        key="status",
        label="Status",
        level="product",
        kind="choice",
        read=lambda p, v: p.status,
        parse=_choice(STATUSES),
        write=_set_status,
        choices=STATUSES,
        width=100,
        default=True,
        required=True,
    ),
):
    register(_column)
