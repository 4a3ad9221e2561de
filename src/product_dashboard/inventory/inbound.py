"""`inventory_levels/update`: Shopify's available quantity of one item at one location."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.inventory.levels import merge_reported, refresh_totals
from product_dashboard.kit.time import as_utc, parse_time
from product_dashboard.models import InventoryLevel, Location, ProductVariant

TOPIC = "inventory_levels/update"


class LevelOutcome(StrEnum):
    merged = "merged"
    stale = "stale"  # older than what we already read there
    not_linked = "not_linked"  # an item or location we do not know


class LevelUpdate(BaseModel):
    """The REST-style body (ids as large integers)."""

    inventory_item_id: int
    location_id: int
    available: int | None = None
    updated_at: str | None = None

    @property
    def item_gid(self) -> str:
        return f"gid://shopify/InventoryItem/{self.inventory_item_id}"

    @property
    def location_gid(self) -> str:
        return f"gid://shopify/Location/{self.location_id}"

    @property
    def at(self) -> datetime | None:
        return parse_time(self.updated_at)


async def apply_level_update(session: AsyncSession, payload: dict[str, Any]) -> LevelOutcome:
    update = LevelUpdate.model_validate(payload)
    if update.available is None:
        return LevelOutcome.not_linked  # nothing said about `available`: nothing to write
    variant_id = await session.scalar(
        select(ProductVariant.id).where(ProductVariant.shopify_inventory_item_id == update.item_gid)
    )
    location_id = await session.scalar(
        select(Location.id).where(Location.shopify_location_id == update.location_gid)
    )
    if variant_id is None or location_id is None:
        return LevelOutcome.not_linked
    seen = await session.scalar(
        select(InventoryLevel.shopify_seen_at).where(
            InventoryLevel.variant_id == variant_id, InventoryLevel.location_id == location_id
        )
    )
    if seen is not None and update.at is not None and update.at < as_utc(seen):
        return LevelOutcome.stale
    await merge_reported(session, variant_id, location_id, update.available, update.at)
    await refresh_totals(session, [variant_id])
    return LevelOutcome.merged
