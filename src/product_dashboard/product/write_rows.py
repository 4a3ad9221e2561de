"""New products written as plain rows (`create_rows.new_rows` builds them): one INSERT per table.

Every create writes here, one product (`service.create`) or a set at once (the pull's
`create_set`): products, images, variants, options, tags, metafields, inventory levels and the
audit entries, ids coming back by RETURNING, with no ORM object (an instrumented attribute set
per column was most of a full pull's time).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Column, Table, insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.inventory.inbound import apply_held_updates
from product_dashboard.inventory.levels import merged_available
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.kit.json_column import JsonText, plain_json_text
from product_dashboard.kit.sqlite_insert import SqliteInsert
from product_dashboard.kit.time import earliest, utcnow
from product_dashboard.models import (
    AuditEvent,
    InventoryLevel,
    Model,
    Product,
    ProductImage,
    ProductMetafield,
    ProductOption,
    ProductTag,
    ProductVariant,
)
from product_dashboard.product import copy_rows
from product_dashboard.product.rows import (
    NewImage,
    NewMetafield,
    NewOption,
    NewProduct,
    NewTag,
    NewVariant,
)
from product_dashboard.product.serialize import audit_category, audit_snapshot


@dataclass(slots=True)
class Creation:
    """A product built as rows, with what its create records beside them."""

    product: NewProduct
    audit_category: dict[str, str | None] | None
    """The category its audit entry records: the one the request gave (a product made of
    Shopify's is linked to Shopify's category after it is built)."""
    reported: Sequence[tuple[NewVariant | ProductVariant, int]] = ()
    """The quantities Shopify reported for its variants."""
    reported_at: datetime | None = None
    """As of when (Shopify's clock; None: now)."""
    read: bool = False
    """Made of Shopify's read: a variant whose quantity it did not report (not in `reported`)
    gets no level, its quantity not known (not an intent of 0 the push would send)."""

    @classmethod
    def of(cls, product: NewProduct) -> Creation:
        return cls(product, audit_category(product))

    def audit_after(self) -> JsonText | dict[str, Any]:
        """Its audit entry (the rows' ids are known once they are written), as its JSON column
        writes it (an audit snapshot holds only plain JSON values)."""
        return plain_json_text({**audit_snapshot(self.product), "category": self.audit_category})


class _Columns:
    """A model's table with, per column but the primary key, the attribute holding its value."""

    def __init__(self, model: type[Model]) -> None:
        self.table = cast(Table, model.__table__)
        mapper = inspect(model)
        self.columns: list[tuple[str, Column[Any]]] = [
            (mapper.get_property_by_column(column).key, column)
            for column in self.table.columns
            if not column.primary_key
        ]

        self.sqlite = SqliteInsert(self.table, [column for _, column in self.columns])

    def row(self, values: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """The row an ORM flush would insert with `values` (a column's default where they
        hold none)."""
        return {
            column.key: values[key] if key in values else _default(column, now)
            for key, column in self.columns
        }

    def tuples(self, items: Sequence[Mapping[str, Any]], now: datetime) -> list[tuple[Any, ...]]:
        """The rows of `row` as tuples in the columns' order (for `SqliteInsert`)."""
        if not items:
            return []
        return self.sqlite.rows_of(
            [key for key, _ in self.columns],
            [_default(column, now) for _, column in self.columns],
            items,
        )


def _default(column: Column[Any], now: datetime) -> Any:
    """What an ORM flush inserts in `column` when it is given no value."""
    if column.default is None:
        return None
    if column.default.is_callable:
        return now if column.type.python_type is datetime else _call(column)
    return getattr(column.default, "arg", None)


def _call(column: Column[Any]) -> Any:
    return column.default.arg(None)  # type: ignore[union-attr]  # wrapped: takes a context


_Row = NewProduct | NewImage | NewVariant
_PLACE = ("product_id", "position")
_PRODUCT = _Columns(Product)
_IMAGE = _Columns(ProductImage)
_VARIANT = _Columns(ProductVariant)
_OPTION = _Columns(ProductOption)
_TAG = _Columns(ProductTag)
_METAFIELD = _Columns(ProductMetafield)
_LEVEL = _Columns(InventoryLevel)
_AUDIT = _Columns(AuditEvent)


async def _insert(
    session: AsyncSession,
    columns: _Columns,
    objects: Sequence[_Row],
    now: datetime,
    key: tuple[str, ...],
) -> None:
    """Insert the objects' rows in one statement and give each its new id. The ids come back
    with the columns of `key` (unique among the rows): a multi-row INSERT's RETURNING is in no
    promised order, and asking SQLAlchemy for one costs a statement per row on SQLite."""
    if not objects:
        return
    table = columns.table
    values_of = operator.attrgetter(*key)
    by_key = (
        {values_of(obj): obj for obj in objects}
        if len(key) > 1
        else {(values_of(obj),): obj for obj in objects}
    )
    returned: Iterable[Sequence[Any]]
    if _on_sqlite(session):
        tuples = columns.tuples([vars(obj) for obj in objects], now)
        returned = await columns.sqlite.insert_returning(session, tuples, ("id", *key))
    else:
        rows = [columns.row(vars(obj), now) for obj in objects]
        if _copies(session, len(rows)):
            ids = await copy_rows.new_ids(session, table, len(rows))
            for row, obj, new_id in zip(rows, objects, ids, strict=True):
                row["id"] = obj.id = new_id
            await copy_rows.copy_rows(session, table, rows)
            return
        returned = await session.execute(
            insert(table).returning(table.c.id, *(table.c[name] for name in key)), rows
        )
    for back in returned:  # the id, then the key's columns
        by_key[tuple(back[1:])].id = int(back[0])


async def _insert_plain(
    session: AsyncSession, columns: _Columns, rows: Sequence[Mapping[str, Any]], now: datetime
) -> None:
    if not rows:
        return
    if _on_sqlite(session):
        await columns.sqlite.insert(session, columns.tuples(rows, now))
        return
    values = [columns.row(row, now) for row in rows]
    if _copies(session, len(values)):
        await copy_rows.copy_rows(session, columns.table, values)
    else:
        await session.execute(insert(columns.table), values)


def _copies(session: AsyncSession, rows: int) -> bool:
    """PostgreSQL takes many new rows by COPY (`copy_rows`); a few rows (one product's: COPY's
    extra round trips cost more than it saves) go by INSERT."""
    return rows >= copy_rows.COPY_FROM_ROWS and session.get_bind().dialect.name == "postgresql"


def _on_sqlite(session: AsyncSession) -> bool:
    """SQLite's rows go through its driver as they are (`SqliteInsert`: the same values bound,
    without a compiled statement's work per row)."""
    return session.get_bind().dialect.name == "sqlite"


async def write_new(
    session: AsyncSession, creations: Sequence[Creation], actor: Actor
) -> list[int]:
    """Write these products, one statement per table; their new ids, in order. Their handles
    (and Shopify ids) must be free (checked by the caller). What the session holds unwritten
    is written first, so the audit entries keep the order of the changes."""
    await session.flush()
    now = utcnow()
    products = [creation.product for creation in creations]
    await _insert(session, _PRODUCT, products, now, ("handle",))
    for product in products:
        children: list[NewImage | NewVariant | NewOption | NewTag | NewMetafield] = [
            *product.images,
            *product.variants,
            *product.options,
            *product.tags,
            *product.metafields,
        ]
        for child in children:
            child.product_id = product.id
    await _insert(session, _IMAGE, [i for p in products for i in p.images], now, _PLACE)
    variants = [v for p in products for v in p.variants]
    for variant in variants:
        variant.image_id = variant.image.id if variant.image is not None else None
    await _insert(session, _VARIANT, variants, now, _PLACE)
    metafields = [m for p in products for m in p.metafields]
    for metafield in metafields:
        metafield.variant_id = metafield.variant.id if metafield.variant is not None else None
    await _insert_plain(session, _OPTION, [vars(o) for p in products for o in p.options], now)
    await _insert_plain(session, _TAG, [vars(t) for p in products for t in p.tags], now)
    await _insert_plain(session, _METAFIELD, [vars(m) for m in metafields], now)
    location_id = await primary_location_id(session)
    await _insert_plain(session, _LEVEL, _levels(creations, location_id, now), now)
    entries = [
        audit.entry_values(
            actor,
            entity_type="product",
            entity_id=_written_id(creation.product),
            action="create",
            before=None,
            after=creation.audit_after(),
        )
        for creation in creations
    ]
    await _insert_plain(session, _AUDIT, entries, now)
    await _merge_held_levels(session, creations, now)
    return [_written_id(product) for product in products]


async def _merge_held_levels(
    session: AsyncSession, creations: Sequence[Creation], now: datetime
) -> None:
    """Level events that came for these products' inventory items before they were linked
    here, merged now where newer than the create's read (`inventory.inbound`)."""
    items = {
        variant.shopify_inventory_item_id: variant.id
        for creation in creations
        for variant in creation.product.variants
        if variant.shopify_inventory_item_id is not None and variant.id is not None
    }
    if items:
        read_at = earliest(creation.reported_at or now for creation in creations)
        await apply_held_updates(session, items, read_at or now)


def _written_id(product: NewProduct) -> int:
    assert product.id is not None, "written: its id came back"
    return product.id


def _levels(creations: Sequence[Creation], location_id: int, now: datetime) -> list[dict[str, Any]]:
    """Each new variant's level at the primary location: its quantity as the intent (as
    `inventory.levels.apply_local_edits` starts a new variant), then what Shopify reported
    merged in (as `inventory.levels.merge_reported_totals`: nothing else is stored for it);
    none for a variant made of Shopify's read that did not say its quantity."""
    levels: list[dict[str, Any]] = []
    for creation in creations:
        reported = {id(v): n for v, n in creation.reported}
        for variant in creation.product.variants:
            if creation.read and id(variant) not in reported:
                continue  # not known: no number
            level: dict[str, Any] = {
                "variant_id": variant.id,
                "location_id": location_id,
                "available": variant.inventory_quantity,
            }
            quantity = reported.get(id(variant))
            if quantity is not None:
                level["available"] = merged_available(level["available"], None, quantity)
                level["shopify_available"] = quantity
                level["shopify_seen_at"] = creation.reported_at or now
            levels.append(level)
    return levels


__all__ = ["Creation", "write_new"]
