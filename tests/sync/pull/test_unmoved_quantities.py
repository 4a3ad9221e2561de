"""A pull that reads a product unchanged, its quantity equal to Shopify's last report, decides so
holding the product (as a level event holds it) and moves the level's stamp to its read: a level
event older than the read, whether it comes while the pull decides or after, does not leave its
older number in place."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import committing, create_sessionmaker
from product_dashboard.inventory.inbound import apply_level_update
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.kit.time import as_utc, parse_time
from product_dashboard.models import InventoryLevel, Location
from product_dashboard.sync.pull import apply as apply_module
from product_dashboard.sync.pull.apply import apply_chunk
from product_dashboard.sync.pull.source import RemoteProduct, remote_from_node
from tests.sync.test_inventory_clock import level_event

pytestmark = pytest.mark.postgres

Sessions = async_sessionmaker[AsyncSession]
ITEM = "gid://shopify/InventoryItem/71"
LOCATION = "gid://shopify/Location/81"
CREATED = parse_time("2026-12-01T10:00:00Z")
EVENT_AT = parse_time("2026-12-01T10:05:00Z")
READ_AT = parse_time("2026-12-01T10:10:00Z")


def _read(quantity: int, read_at: datetime | None) -> RemoteProduct:
    """Product 61 as a bulk export begun at `read_at` reads it (its content never changes)."""
    node: dict[str, Any] = {
        "id": "gid://shopify/Product/61",
        "handle": "stocked",
        "title": "Stocked",
        "descriptionHtml": "",
        "vendor": "Acme",
        "productType": "",
        "status": "ACTIVE",
        "tags": [],
        "updatedAt": "2026-12-01T09:00:00Z",
        "options": [{"name": "Title", "optionValues": [{"name": "Default Title"}]}],
        "variants": {
            "nodes": [
                {
                    "id": "gid://shopify/ProductVariant/61",
                    "sku": "STOCK-1",
                    "price": "5.00",
                    "inventoryQuantity": quantity,
                    "selectedOptions": [{"name": "Title", "value": "Default Title"}],
                    "inventoryItem": {"id": ITEM},
                }
            ]
        },
    }
    return replace(remote_from_node(node), read_at=read_at)


async def _land_without_waiting(sessions: Sessions, body: dict[str, Any]) -> str:
    """The level event merged now, if no transaction holds its product; else "waits"."""
    async with sessions() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        try:
            async with session.begin():
                if postgres:
                    await session.execute(text("SET LOCAL lock_timeout = '1ms'"))
                else:
                    await session.execute(text("PRAGMA busy_timeout = 0"))
                return str(await apply_level_update(session, body))
        except DBAPIError:
            return "waits"
        finally:
            if not postgres:
                await session.execute(text("PRAGMA busy_timeout = 10000"))
                await session.rollback()


async def _level(sessions: Sessions) -> InventoryLevel:
    async with sessions() as session:
        level = (await session.scalars(select(InventoryLevel))).one()
        return level


@pytest.mark.parametrize("event_comes", ["while the pull decides", "after the pull"])
async def test_a_level_event_older_than_a_pulls_read_never_outlives_it(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, event_comes: str
) -> None:
    maker = create_sessionmaker(engine)
    sessions = committing(maker)
    events = ConflictEvents(None)
    assert (await apply_chunk(sessions, [_read(10, CREATED)], events)).outcomes == {"created": 1}
    async with sessions() as session:
        location = await primary_location_id(session)
        await session.execute(
            update(Location).where(Location.id == location).values(shopify_location_id=LOCATION)
        )
    # Sold down to 7 at 10:05 and restocked to 10 before 10:10: this event (7) came late.
    stale = level_event(ITEM, LOCATION, 7, EVENT_AT)
    outcomes: list[str] = []
    real_read = apply_module.last_reported_totals

    async def read_then_event(*args: Any) -> Any:
        """The pull's read of the last reports; the event comes right after it."""
        reported = await real_read(*args)
        if event_comes == "while the pull decides" and not outcomes:
            outcomes.append(await _land_without_waiting(maker, stale))
        return reported

    monkeypatch.setattr(apply_module, "last_reported_totals", read_then_event)
    result = await apply_chunk(sessions, [_read(10, READ_AT)], events)
    assert result.outcomes == {"unchanged": 1}
    if outcomes != ["merged"]:  # held by the pull (or not come yet): it is merged after
        async with sessions() as session:
            outcomes.append(str(await apply_level_update(session, stale)))

    level = await _level(maker)
    assert (level.available, level.shopify_available) == (10, 10), outcomes
    assert level.shopify_seen_at is not None and as_utc(level.shopify_seen_at) == READ_AT
    expected = ["waits", "stale"] if event_comes == "while the pull decides" else ["stale"]
    assert outcomes == expected
