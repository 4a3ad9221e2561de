"""The store's locations pulled from Shopify into `location`."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.inventory.inbound import apply_held_at_locations
from product_dashboard.models import Location
from product_dashboard.shopify import documents
from product_dashboard.shopify.client import ShopifyClient


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
    Level events held for want of a location learnt here are merged (`apply_held_at_locations`).
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
    known_before = set(rows)
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
    ids = {shopify_id: row.id for shopify_id, row in rows.items()}
    await apply_held_at_locations(
        session, {shopify_id: ids[shopify_id] for shopify_id in seen - known_before}
    )
    return ids
