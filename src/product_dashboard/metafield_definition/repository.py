from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.models import MetafieldDefinition, MetafieldOwner


async def page(
    session: AsyncSession, owner: MetafieldOwner | None, offset: int, limit: int
) -> tuple[list[MetafieldDefinition], int]:
    """One page of definitions (of `owner`, or all), by owner type then namespace and key; and
    how many there are."""
    query = select(MetafieldDefinition)
    if owner is not None:
        query = query.where(MetafieldDefinition.owner_type == owner.value)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(
            MetafieldDefinition.owner_type,
            MetafieldDefinition.namespace,
            MetafieldDefinition.key,
        )
        .offset(offset)
        .limit(limit)
    )
    return list(rows), int(total or 0)
