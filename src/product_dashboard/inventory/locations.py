"""The store's locations as the dashboard knows them."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from product_dashboard.kit.advisory_lock import lock_until_commit
from product_dashboard.models import Location
from product_dashboard.models.inventory import PLACEHOLDER_PRIMARY_NAME

_PRIMARY = select(Location.id).where(Location.is_primary.is_(True)).order_by(Location.id).limit(1)


async def primary_location_id(connection: AsyncConnection | AsyncSession) -> int:
    """The primary location's row id; a placeholder row (no Shopify id yet) when none is known,
    which takes the store's primary location's id when the locations are pulled.

    On PostgreSQL the first products saved at once (an import beside an API create, on an
    empty database) would each see no primary and make their own placeholder: the quantities
    on all but one would never reach a Shopify location. One transaction makes it, the others
    wait and then find it. SQLite writes one transaction at a time: the later writer's snapshot
    is refused and retried, and then finds it."""
    found = await connection.scalar(_PRIMARY)
    if found is not None:
        return int(found)
    bind = connection.get_bind() if isinstance(connection, AsyncSession) else connection
    if bind.dialect.name == "postgresql":
        await lock_until_commit(connection, "location:placeholder-primary")
        found = await connection.scalar(_PRIMARY)
        if found is not None:
            return int(found)
    created = await connection.scalar(
        insert(Location)
        .values(name=PLACEHOLDER_PRIMARY_NAME, is_primary=True, is_active=True)
        .returning(Location.id)
    )
    assert created is not None
    return int(created)
