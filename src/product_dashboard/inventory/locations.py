"""The store's locations as the dashboard knows them."""

from __future__ import annotations

import zlib

from pydantic import BaseModel
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from product_dashboard.models import Location
from product_dashboard.models.inventory import PLACEHOLDER_PRIMARY_NAME
from product_dashboard.shopify import documents
from product_dashboard.shopify.client import ShopifyClient

_PRIMARY = select(Location.id).where(Location.is_primary.is_(True)).order_by(Location.id).limit(1)
# pg_advisory_xact_lock key for making the placeholder (stable across processes).
_PLACEHOLDER_LOCK = zlib.crc32(b"location:placeholder-primary")


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
        await connection.execute(select(func.pg_advisory_xact_lock(_PLACEHOLDER_LOCK)))
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


class RemoteLocation(BaseModel):
    """A Location node as `documents.LOCATIONS` reads it."""

    id: str
    name: str
    isActive: bool
    fulfillsOnlineOrders: bool
    shipsInventory: bool = False


async def refresh_locations(session: AsyncSession, client: ShopifyClient) -> dict[str, int]:
    """Pull the store's locations into `location`; returns Shopify location id -> row id.

    The primary is the active location that ships inventory (2026-10 deprecates `isPrimary` and
    names `shipsInventory` for the fallback location), else the first active one that fulfils
    online orders; the placeholder primary row, if any, takes its Shopify id, so the quantities
    migrated onto it land at that location. A location gone from Shopify is kept, inactive.
    """
    response = await client.execute(documents.LOCATIONS)
    remote = [
        RemoteLocation.model_validate(node)
        for node in (response.data.get("locations") or {}).get("nodes") or ()
    ]
    primary = (
        next((r for r in remote if r.isActive and r.shipsInventory), None)
        or next((r for r in remote if r.isActive and r.fulfillsOnlineOrders), None)
        or next(iter(remote), None)
    )
    rows = {
        row.shopify_location_id: row
        for row in await session.scalars(select(Location))
        if row.shopify_location_id is not None
    }
    placeholder = await session.scalar(
        select(Location).where(Location.shopify_location_id.is_(None)).limit(1)
    )
    for node in remote:
        row = rows.get(node.id)
        if row is None and placeholder is not None and node is primary:
            row, placeholder = placeholder, None
        if row is None:
            row = Location(shopify_location_id=node.id)
            session.add(row)
        row.shopify_location_id = node.id
        row.name = node.name
        row.is_active = node.isActive
        row.fulfills_online_orders = node.fulfillsOnlineOrders
        row.is_primary = node is primary
        rows[node.id] = row
    seen = {node.id for node in remote}
    for shopify_id, row in rows.items():
        if shopify_id not in seen:
            row.is_active = False
            row.is_primary = False
    await session.flush()
    return {shopify_id: row.id for shopify_id, row in rows.items()}
