"""The store's locations as the dashboard knows them."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from product_dashboard.models import Location
from product_dashboard.models.inventory import PLACEHOLDER_PRIMARY_NAME


async def primary_location_id(connection: AsyncConnection | AsyncSession) -> int:
    """The primary location's row id; a placeholder row (no Shopify id yet) when none is known,
    which takes the store's primary location's id when the locations are pulled."""
    found = await connection.scalar(
        select(Location.id).where(Location.is_primary.is_(True)).order_by(Location.id).limit(1)
    )
    if found is not None:
        return int(found)
    created = await connection.scalar(
        insert(Location)
        .values(name=PLACEHOLDER_PRIMARY_NAME, is_primary=True, is_active=True)
        .returning(Location.id)
    )
    assert created is not None
    return int(created)
