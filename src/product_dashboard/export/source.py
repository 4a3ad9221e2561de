"""Products to export, read with plain SQL in keyset chunks: memory stays flat and no ORM
objects are built (loading 100k products through the ORM costs several times more)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.export.shopify_columns import SHOPIFY_BY_KEY
from product_dashboard.models import (
    InventoryLevel,
    Location,
    Product,
    ProductImage,
    ProductMetafield,
    ProductOption,
    ProductTag,
    ProductVariant,
)

CHUNK = 1000

_PRODUCT: Table = Product.__table__  # type: ignore[assignment]
_CHILDREN: dict[str, Table] = {
    "variants": ProductVariant.__table__,  # type: ignore[dict-item]
    "options": ProductOption.__table__,  # type: ignore[dict-item]
    "images": ProductImage.__table__,  # type: ignore[dict-item]
    "tags": ProductTag.__table__,  # type: ignore[dict-item]
    "metafields": ProductMetafield.__table__,  # type: ignore[dict-item]
}


@dataclass(slots=True)
class ProductRecord:
    """A product row with its child rows, read like the ORM object by the export formats."""

    row: Any
    variants: list[Any] = field(default_factory=list)
    options: list[Any] = field(default_factory=list)
    images: list[Any] = field(default_factory=list)
    tags: list[Any] = field(default_factory=list)
    metafields: list[Any] = field(default_factory=list)
    levels: dict[int, dict[int, int | None]] = field(default_factory=dict)
    """Variant id -> location id -> available (None: no number known there)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


@dataclass(frozen=True, slots=True)
class ExportLocation:
    id: int
    name: str


async def locations(session: AsyncSession) -> list[ExportLocation]:
    """The active locations, the primary first: one quantity column each."""
    rows = await session.execute(
        select(Location.id, Location.name)
        .where(Location.is_active.is_(True))
        .order_by(Location.is_primary.desc(), Location.id)
    )
    return [ExportLocation(location_id, name) for location_id, name in rows]


def option_values(variant: Any) -> list[str]:
    return [v for v in (variant.option1, variant.option2, variant.option3) if v is not None]


def _order(table: Table) -> Any:
    """Position order; metafields, which have none, in the order they were made."""
    return table.c.position if "position" in table.c else table.c.id


async def count(session: AsyncSession, where: ColumnElement[bool]) -> int:
    return int(await session.scalar(select(func.count()).select_from(Product).where(where)) or 0)


async def extra_headers(session: AsyncSession, where: ColumnElement[bool]) -> list[str]:
    """The kept columns of the selection that have no column of their own in Shopify's
    template (market prices, Google Shopping, metafields…), in the order first met."""
    found: dict[str, None] = {}
    product_rows = await session.stream_scalars(
        select(Product.extra_columns)
        .where(where, Product.extra_columns.is_not(None))
        .order_by(Product.id)
    )
    async for columns in product_rows:
        found.update(dict.fromkeys(columns or {}))
    variant_rows = await session.stream_scalars(
        select(ProductVariant.extra_columns)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(where, ProductVariant.extra_columns.is_not(None))
        .order_by(ProductVariant.product_id, ProductVariant.position)
    )
    async for columns in variant_rows:
        found.update(dict.fromkeys(columns or {}))
    return [name for name in found if name not in SHOPIFY_BY_KEY]


async def products(
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    where: ColumnElement[bool],
    *,
    chunk: int = CHUNK,
) -> AsyncIterator[list[ProductRecord]]:
    """Chunks of products (with variants, options, images, tags, metafields), in order."""
    last_id = 0
    async with sessions() as session:
        while True:
            rows = (
                await session.execute(
                    select(_PRODUCT)
                    .where(where, Product.id > last_id)
                    .order_by(Product.id)
                    .limit(chunk)
                )
            ).all()
            if not rows:
                return
            records = {row.id: ProductRecord(row) for row in rows}
            last_id = rows[-1].id
            for name, table in _CHILDREN.items():
                children: dict[int, list[Any]] = defaultdict(list)
                result = await session.execute(
                    select(table)
                    .where(table.c.product_id.in_(list(records)))
                    .order_by(table.c.product_id, _order(table))
                )
                for child in result:
                    children[child.product_id].append(child)
                for product_id, items in children.items():
                    record = records.get(product_id)
                    if record is not None:
                        setattr(record, name, items)
            levels = await session.execute(
                select(
                    ProductVariant.product_id,
                    InventoryLevel.variant_id,
                    InventoryLevel.location_id,
                    InventoryLevel.available,
                )
                .join(ProductVariant, ProductVariant.id == InventoryLevel.variant_id)
                .where(ProductVariant.product_id.in_(list(records)))
            )
            for product_id, variant_id, location_id, available in levels:
                records[product_id].levels.setdefault(variant_id, {})[location_id] = available
            yield list(records.values())
