"""Suggestions for the vendor and type filters: the names in use that contain what was typed,
whatever its case, with how many live products carry each, most used first."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.models import Product
from product_dashboard.product.schemas import Suggestion

SuggestedField = Literal["vendor", "product_type"]


async def suggest(
    session: AsyncSession, field: SuggestedField, typed: str, limit: int
) -> list[Suggestion]:
    column = Product.vendor if field == "vendor" else Product.product_type
    count = func.count().label("count")
    statement = (
        select(column, count)
        .where(Product.deleted_at.is_(None), column != "")
        .group_by(column)
        .order_by(count.desc(), column)
        .limit(limit)
    )
    if typed.strip():
        statement = statement.where(
            func.lower(column).contains(typed.strip().lower(), autoescape=True)
        )
    rows = await session.execute(statement)
    return [Suggestion(value=value, count=int(n)) for value, n in rows]
