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

from product_dashboard.models import (
    InventoryLevel,
    Location,
    Product,
    ProductImage,
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
}


@dataclass(slots=True)
class ProductRecord:
    """A product row with its child rows, read like the ORM object by the export formats."""

    row: Any
    variants: list[Any] = field(default_factory=list)
    options: list[Any] = field(default_factory=list)
    images: list[Any] = field(default_factory=list)
    tags: list[Any] = field(default_factory=list)
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


async def count(session: AsyncSession, where: ColumnElement[bool]) -> int:
    return int(await session.scalar(select(func.count()).select_from(Product).where(where)) or 0)


async def products(
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    where: ColumnElement[bool],
    *,
    chunk: int = CHUNK,
) -> AsyncIterator[list[ProductRecord]]:
    """Chunks of products (with variants, options, images, tags, each in position order)."""
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
                    .order_by(table.c.product_id, table.c.position)
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
