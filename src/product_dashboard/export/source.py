"""Products to export, read in keyset chunks so memory stays flat whatever the catalog size."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from product_dashboard.models import Product

CHUNK = 500


async def count(session: AsyncSession, where: ColumnElement[bool]) -> int:
    return int(await session.scalar(select(func.count()).select_from(Product).where(where)) or 0)


async def products(
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    where: ColumnElement[bool],
    *,
    chunk: int = CHUNK,
) -> AsyncIterator[list[Product]]:
    """Chunks of fully loaded products in id order; each chunk is released after use."""
    last_id = 0
    async with sessions() as session:
        while True:
            batch = list(
                await session.scalars(
                    select(Product)
                    .where(where, Product.id > last_id)
                    .order_by(Product.id)
                    .limit(chunk)
                    .options(
                        selectinload(Product.options),
                        selectinload(Product.variants),
                        selectinload(Product.images),
                        selectinload(Product.tags),
                    )
                )
            )
            if not batch:
                return
            last_id = batch[-1].id
            yield batch
            session.expunge_all()
