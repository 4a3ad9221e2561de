"""A quantity that came in a product payload and an `inventory_levels/update` event are ordered
on one clock, Shopify's: the payload's quantity is as of its product's `updatedAt`, the event's
as of its `updated_at`, whatever the time here when either was applied."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.inbound.processor import WebhookProcessor
from product_dashboard.inventory.inbound import apply_level_update
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.kit.time import parse_time, utcnow
from product_dashboard.models import Location, ProductVariant, WebhookEvent
from tests.inbound.test_batch import T0, _payload
from tests.sync.conftest import Emulator
from tests.sync.test_inventory_locations import item_of
from tests.sync.test_push_inventory import _graphql, pull_all

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]
ITEM = "gid://shopify/InventoryItem/777"
LOCATION = "gid://shopify/Location/55"


@pytest.fixture
async def app_processor(app: FastAPI) -> AsyncIterator[WebhookProcessor]:
    """The app's own processor, paused: its loop would claim the test's deliveries too (each
    one wakes it), and `deliver` then found them still `processing` in its hands."""
    processor: WebhookProcessor = app.state.inbound.processor
    await processor.close()
    try:
        yield processor
    finally:
        processor.start()


def level_event(item_gid: str, location_gid: str, available: int, at: datetime) -> dict[str, Any]:
    """`inventory_levels/update`'s body (REST ids) as of `at` on Shopify's clock."""
    return {
        "inventory_item_id": int(item_gid.rsplit("/", 1)[1]),
        "location_id": int(location_gid.rsplit("/", 1)[1]),
        "available": available,
        "updated_at": at.isoformat(),
    }


def product_payload(*, minute: int, quantity: int) -> dict[str, Any]:
    """Product 1's body as of T0 + `minute` (Shopify's clock), its variant's quantity `quantity`."""
    payload = _payload(1, minute=minute)
    payload["variants"][0]["inventory_quantity"] = quantity
    return payload


async def received(sessions: Sessions, topic: str, body: dict[str, Any]) -> WebhookEvent:
    """One delivery stored as the receiver stores it, not processed yet."""
    async with sessions() as session, session.begin():
        await primary_location_id(session)
        delivered = await session.scalar(select(func.count()).select_from(WebhookEvent))
        stored = WebhookEvent(
            webhook_id=f"w-{delivered}",
            topic=topic,
            body=json.dumps(body),
            resource_id=f"gid://shopify/Product/{body['id']}" if "id" in body else None,
        )
        session.add(stored)
    return stored


async def deliver(
    sessions: Sessions, app_processor: WebhookProcessor, topic: str, body: dict[str, Any]
) -> WebhookEvent:
    """One delivery received (waking the app's processor, as the receiver does) and drained by
    a webhook processor; the event as it ended."""
    stored = await received(sessions, topic, body)
    app_processor.wake()
    processor = WebhookProcessor(sessions, None, max_attempts=1)
    while await processor.run_once():
        pass
    async with sessions() as session:
        states = list(await session.scalars(select(WebhookEvent.state)))
        assert set(states) == {"processed"}, states
        ended = await session.get(WebhookEvent, stored.id)
        assert ended is not None
        return ended


async def apply_event(sessions: Sessions, body: dict[str, Any]) -> str:
    async with sessions() as session, session.begin():
        return str(await apply_level_update(session, body))


async def link_item(sessions: Sessions, variant_gid: str, item_gid: str, location_gid: str) -> None:
    """What resolving the variant's inventory item and pulling the locations would record."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(ProductVariant)
            .where(ProductVariant.shopify_variant_id == variant_gid)
            .values(shopify_inventory_item_id=item_gid)
        )
        await session.execute(
            update(Location)
            .where(Location.id == await primary_location_id(session))
            .values(shopify_location_id=location_gid)
        )


async def quantity_of(sessions: Sessions, variant_gid: str) -> int | None:
    async with sessions() as session:
        return await session.scalar(
            select(ProductVariant.inventory_quantity).where(
                ProductVariant.shopify_variant_id == variant_gid
            )
        )


async def test_level_events_after_a_products_webhook_are_ordered_by_its_updated_at(
    sessionmaker: Sessions, app_processor: WebhookProcessor
) -> None:
    variant = "gid://shopify/ProductVariant/10"
    await deliver(
        sessionmaker, app_processor, "products/create", product_payload(minute=0, quantity=5)
    )
    await link_item(sessionmaker, variant, ITEM, LOCATION)

    # A sale a minute after the product's payload (hours before now, here): newer than it.
    sold = level_event(ITEM, LOCATION, 4, T0 + timedelta(minutes=1))
    assert await apply_event(sessionmaker, sold) == "merged"
    assert await quantity_of(sessionmaker, variant) == 4

    # A known product's update (decided with others, its quantities merged together) at minute 2.
    await deliver(
        sessionmaker, app_processor, "products/update", product_payload(minute=2, quantity=9)
    )
    assert await quantity_of(sessionmaker, variant) == 9
    late = level_event(ITEM, LOCATION, 4, T0 + timedelta(minutes=1, seconds=30))
    assert await apply_event(sessionmaker, late) == "stale"
    newer = level_event(ITEM, LOCATION, 8, T0 + timedelta(minutes=3))
    assert await apply_event(sessionmaker, newer) == "merged"
    assert await quantity_of(sessionmaker, variant) == 8

    # A payload whose product changed before that event leaves the event's time standing: a
    # sale does not move the product's updatedAt, so its quantity may be newer than its stamp.
    await deliver(
        sessionmaker, app_processor, "products/update", product_payload(minute=2, quantity=8)
    )
    between = level_event(ITEM, LOCATION, 6, T0 + timedelta(minutes=2, seconds=30))
    assert await apply_event(sessionmaker, between) == "stale"


async def test_level_events_after_a_pull_are_ordered_by_its_read(
    app: FastAPI, sessionmaker: Sessions, emulator: Emulator
) -> None:
    emulator.knob("seed", {"products": 3, "seed": 7})  # changed days ago, by Shopify's clock
    read = utcnow().replace(microsecond=0)  # the export's createdAt: to the second, not before
    await pull_all(sessionmaker, emulator)  # creates them here (the set-based create)
    node = _graphql(
        emulator,
        "{ products(first: 1) { nodes { updatedAt variants(first: 1) { nodes { id "
        "inventoryQuantity } } } } }",
    )["products"]["nodes"][0]
    variant = node["variants"]["nodes"][0]["id"]
    changed = parse_time(node["updatedAt"])
    assert changed is not None
    location = _graphql(emulator, "{ locations(first: 1) { nodes { id } } }")["locations"]
    await link_item(sessionmaker, variant, item_of(emulator, variant), location["nodes"][0]["id"])
    item = item_of(emulator, variant)
    quantity = node["variants"]["nodes"][0]["inventoryQuantity"]

    before = level_event(
        item, location["nodes"][0]["id"], quantity + 3, changed - timedelta(hours=1)
    )
    assert await apply_event(sessionmaker, before) == "stale"
    # Later than the product's change but older than the read that created it: the export
    # already holds what came of it.
    older_than_the_read = level_event(
        item, location["nodes"][0]["id"], quantity + 5, changed + timedelta(hours=1)
    )
    assert read > changed + timedelta(hours=1)
    assert await apply_event(sessionmaker, older_than_the_read) == "stale"
    after = level_event(item, location["nodes"][0]["id"], quantity - 1, read + timedelta(minutes=1))
    assert await apply_event(sessionmaker, after) == "merged"
    assert await quantity_of(sessionmaker, variant) == quantity - 1
