"""Read Shopify's quantities per location and merge them here (`levels.merge_reports`).

The push reads the levels it must compare-and-set against; a pull of a store with several
locations reads the levels of what it pulled (the product query's `inventoryQuantity` is a sum
over locations, which only the primary can take while it is the only one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.inventory.levels import (
    Report,
    hold_products_of,
    merge_reports,
    refresh_totals,
)
from product_dashboard.kit.time import parse_time
from product_dashboard.models import InventoryLevel, Location, ProductVariant
from product_dashboard.shopify import documents
from product_dashboard.shopify.client import ShopifyClient

READ_CHUNK = 50
ITEM_CHUNK = 250
CONCURRENCY = 4  # requests in flight: each touches its own levels, so order is free

_VARIANTS = cast(Table, ProductVariant.__table__)
_RECORD_ITEM = (
    update(_VARIANTS)
    .where(_VARIANTS.c.id == bindparam("b_id"))
    .values(shopify_inventory_item_id=bindparam("b_item"))
)


def level_report(
    variant_id: int, level: Mapping[str, Any], locations: dict[str, int]
) -> Report | None:
    """One InventoryLevel node as a report (None: a location we do not know, or no available)."""
    location_id = locations.get(level["location"]["id"])
    quantities = {q["name"]: q["quantity"] for q in level["quantities"]}
    if location_id is None or quantities.get("available") is None:
        return None
    times = [t for q in level["quantities"] if (t := parse_time(q.get("updatedAt")))]
    on_hand = quantities.get("on_hand")
    return Report(
        variant_id,
        location_id,
        int(quantities["available"]),
        on_hand=int(on_hand) if on_hand is not None else None,
        at=max(times, default=None),
    )


async def resolve_items(
    session: AsyncSession,
    client: ShopifyClient,
    product_ids: Sequence[int] | None,
    *,
    with_quantities_only: bool = True,
) -> None:
    """Learn the inventory item of linked variants (of these products; those with a quantity
    to push, unless `with_quantities_only` is False)."""
    query = select(ProductVariant.id, ProductVariant.shopify_variant_id).where(
        ProductVariant.shopify_variant_id.is_not(None),
        ProductVariant.shopify_inventory_item_id.is_(None),
    )
    if with_quantities_only:
        query = query.join(InventoryLevel, InventoryLevel.variant_id == ProductVariant.id).where(
            InventoryLevel.available.is_not(None)
        )
    if product_ids is not None:
        query = query.where(ProductVariant.product_id.in_(list(product_ids)))
    rows = (await session.execute(query.distinct())).all()
    by_gid = {gid: variant_id for variant_id, gid in rows}
    gids = list(by_gid)
    for start in range(0, len(gids), ITEM_CHUNK):
        response = await client.execute(
            documents.VARIANT_INVENTORY_ITEMS, {"ids": gids[start : start + ITEM_CHUNK]}
        )
        found = [
            {"b_id": by_gid[node["id"]], "b_item": node["inventoryItem"]["id"]}
            for node in response.data.get("nodes") or ()
            if node and node.get("inventoryItem")
        ]
        if found:
            await session.execute(_RECORD_ITEM, found)


async def known_locations(session: AsyncSession) -> dict[str, int]:
    """Shopify location id -> row id, for the locations known here."""
    rows = await session.execute(
        select(Location.shopify_location_id, Location.id).where(
            Location.shopify_location_id.is_not(None)
        )
    )
    return {str(shopify_id): location_id for shopify_id, location_id in rows}


async def read_reports(
    client: ShopifyClient, items: Sequence[tuple[int, str]], locations: dict[str, int]
) -> list[Report]:
    """Shopify's quantities of these (variant id, inventory item gid) at every location."""
    variant_of = {item: variant_id for variant_id, item in items}
    ordered = sorted(variant_of)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def read(chunk: list[str]) -> list[Report]:
        async with gate:
            response = await client.execute(documents.INVENTORY_LEVELS_READ, {"ids": chunk})
        return [
            report
            for node in response.data.get("nodes") or ()
            if node
            for level in (node.get("inventoryLevels") or {}).get("nodes") or ()
            if (report := level_report(variant_of[node["id"]], level, locations)) is not None
        ]

    chunks = [ordered[i : i + READ_CHUNK] for i in range(0, len(ordered), READ_CHUNK)]
    return [r for part in await asyncio.gather(*map(read, chunks)) for r in part]


async def merge_unseen(session: AsyncSession, reports: Sequence[Report]) -> None:
    """Merge reports read earlier than now (say, with the write that created the item) only
    where no report is known yet: a later one, from a webhook or a pull, is not overwritten."""
    if not reports:
        return
    await hold_products_of(session, {r.variant_id for r in reports})  # before `seen` is read
    rows = await session.execute(
        select(InventoryLevel.variant_id, InventoryLevel.location_id).where(
            InventoryLevel.variant_id.in_(sorted({r.variant_id for r in reports})),
            InventoryLevel.shopify_available.is_not(None),
        )
    )
    seen = {(variant_id, location_id) for variant_id, location_id in rows}
    await _merge_held(session, [r for r in reports if (r.variant_id, r.location_id) not in seen])


async def merge_read(session: AsyncSession, reports: Sequence[Report]) -> None:
    """Merge what was read, and the totals of the variants it concerns: their products held
    first (`hold_products_of`), as a merge of them holds them before it reads their levels.
    Without, on PostgreSQL, a merge committed between this read of the levels and its write
    would be written over, and this locked the levels before the products whose totals it
    then writes, the reverse of a merge's order: the two could deadlock (a push's re-read
    beside a webhook or a pull)."""
    if not reports:
        return
    await hold_products_of(session, {r.variant_id for r in reports})
    await _merge_held(session, reports)


async def _merge_held(session: AsyncSession, reports: Sequence[Report]) -> None:
    """`merge_read`, the products already held."""
    await merge_reports(session, reports)
    await refresh_totals(session, sorted({r.variant_id for r in reports}))


async def active_locations(session: AsyncSession) -> int:
    """How many of the store's locations are known here and active."""
    count = await session.scalar(
        select(func.count())
        .select_from(Location)
        .where(Location.shopify_location_id.is_not(None), Location.is_active.is_(True))
    )
    return int(count or 0)
