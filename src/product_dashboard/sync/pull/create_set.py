"""Create many products unknown here at once: one INSERT per table for the whole set.

Each product is built in memory as plain rows, not ORM objects (`product.create_rows.new_rows`
of `conflict.create.create_request`, then `create.link_remote`), by the rules that create one,
so its rows, base, synced hash and completeness flags are those `create.create_from_remote`
writes; only the writing differs: the set goes table by table (products, images, variants,
options, tags, metafields, inventory levels, audit), ids coming back by RETURNING.

What cannot be created this way is handed back with nothing written for it: a product that does
not build (invalid here), one whose handle or Shopify id a product here already holds, or one
repeating a handle or id earlier in the set. The caller applies those one by one, the way that
says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Column, Table, insert, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.conflict.create import create_request
from product_dashboard.conflict.remote_apply import reported_quantities
from product_dashboard.exceptions import AppError
from product_dashboard.inventory.levels import merged_available
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.kit.time import utcnow
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
from product_dashboard.product.create_rows import new_rows
from product_dashboard.product.rows import (
    NewImage,
    NewMetafield,
    NewOption,
    NewProduct,
    NewTag,
    NewVariant,
)
from product_dashboard.product.serialize import audit_category, audit_snapshot
from product_dashboard.sync.pull.create import PULL_ACTOR, link_remote
from product_dashboard.sync.pull.source import RemoteProduct


@dataclass(slots=True)
class _Built:
    remote: RemoteProduct
    product: NewProduct
    category_created: Any
    """The audit entry's category as `product_service.create` records it (before linking)."""

    def audit_after(self) -> dict[str, Any]:
        """The audit entry `create` records (its rows' ids are known once they are written)."""
        return {**audit_snapshot(self.product), "category": self.category_created}


@dataclass(slots=True)
class CreatedSet:
    created: list[tuple[int, RemoteProduct]] = field(default_factory=list)
    """Local product id and the remote product it was made of."""
    handed_back: list[RemoteProduct] = field(default_factory=list)
    """Not created here (nothing written for them): to be applied one by one."""


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

    def row(self, values: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """The row an ORM flush would insert with `values` (a column's default where they
        hold none)."""
        row: dict[str, Any] = {}
        for key, column in self.columns:
            if key in values:
                row[column.key] = values[key]
            elif column.default is None:
                row[column.key] = None
            elif column.default.is_callable:
                row[column.key] = now if column.type.python_type is datetime else _call(column)
            else:
                row[column.key] = getattr(column.default, "arg", None)
        return row


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


def _build(remote: RemoteProduct) -> _Built:
    """The product `create_from_remote` makes, in memory; AppError/ValueError when invalid."""
    product = new_rows(create_request(remote.product))
    category = audit_category(product)
    link_remote(product, remote)
    return _Built(remote, product, category)


async def _taken(
    session: AsyncSession, handles: Sequence[str], shopify_ids: Sequence[str]
) -> tuple[set[str], set[str]]:
    """Handles and Shopify ids among these that a product here (deleted or not) holds."""
    rows = await session.execute(
        select(Product.handle, Product.shopify_product_id).where(
            or_(Product.handle.in_(handles), Product.shopify_product_id.in_(shopify_ids))
        )
    )
    handles_taken: set[str] = set()
    ids_taken: set[str] = set()
    for handle, shopify_id in rows:
        handles_taken.add(handle)
        if shopify_id:
            ids_taken.add(shopify_id)
    return handles_taken, ids_taken


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
    rows = [columns.row(vars(obj), now) for obj in objects]
    by_key = {tuple(row[name] for name in key): obj for row, obj in zip(rows, objects, strict=True)}
    result = await session.execute(
        insert(table).returning(table.c.id, *(table.c[name] for name in key)), rows
    )
    for new_id, *values in result:
        by_key[tuple(values)].id = int(new_id)


async def _insert_plain(
    session: AsyncSession, columns: _Columns, rows: Sequence[Mapping[str, Any]], now: datetime
) -> None:
    if rows:
        await session.execute(insert(columns.table), [columns.row(row, now) for row in rows])


async def create_set(
    session: AsyncSession,
    remotes: Sequence[RemoteProduct],
    actor: Actor = PULL_ACTOR,
) -> CreatedSet:
    """Create the products of `remotes` unknown here, table by table; never commits."""
    result = CreatedSet()
    built: list[_Built] = []
    for remote in remotes:
        try:
            built.append(_build(remote))
        except (AppError, ValidationError, ValueError, KeyError):
            result.handed_back.append(remote)  # applied alone, it says why
    handles_taken, ids_taken = await _taken(
        session,
        [b.product.handle for b in built],
        [b.remote.shopify_id for b in built if b.remote.shopify_id],
    )
    chosen: list[_Built] = []
    for one in built:
        handle, shopify_id = one.product.handle, one.remote.shopify_id
        if handle in handles_taken or not shopify_id or shopify_id in ids_taken:
            result.handed_back.append(one.remote)
            continue
        handles_taken.add(handle)
        ids_taken.add(shopify_id)
        chosen.append(one)
    if chosen:
        await _write(session, chosen, actor)
        result.created = [(_written_id(one.product), one.remote) for one in chosen]
    return result


async def _write(session: AsyncSession, chosen: Sequence[_Built], actor: Actor) -> None:
    now = utcnow()
    products = [one.product for one in chosen]
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
    await _insert_plain(session, _LEVEL, _levels(chosen, location_id, now), now)
    await _insert_plain(
        session,
        _AUDIT,
        [
            {
                "actor_id": actor.user_id,
                "actor_email": actor.email,
                "source": actor.source.value,
                "entity_type": "product",
                "entity_id": str(one.product.id),
                "action": "create",
                "before": None,
                "after": one.audit_after(),
            }
            for one in chosen
        ],
        now,
    )


def _written_id(product: NewProduct) -> int:
    assert product.id is not None, "written: its id came back"
    return product.id


def _levels(chosen: Sequence[_Built], location_id: int, now: datetime) -> list[dict[str, Any]]:
    """Each new variant's level at the primary location: its quantity as the intent (as
    `inventory.levels.apply_local_edits` starts a new variant), then what Shopify reported
    merged in (as `conflict.remote_apply.merge_quantities`: nothing else is stored for it)."""
    levels: list[dict[str, Any]] = []
    for one in chosen:
        reported = {id(v): n for v, n in reported_quantities(one.product, one.remote.product)}
        for variant in one.product.variants:
            level: dict[str, Any] = {
                "variant_id": variant.id,
                "location_id": location_id,
                "available": variant.inventory_quantity,
            }
            quantity = reported.get(id(variant))
            if quantity is not None:
                level["available"] = merged_available(level["available"], None, quantity)
                level["shopify_available"] = quantity
                level["shopify_seen_at"] = one.remote.updated_at or now  # Shopify's clock
            levels.append(level)
    return levels


__all__ = ["CreatedSet", "create_set"]
