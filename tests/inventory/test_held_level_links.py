"""A level event held (`not_linked`) for an inventory item not recorded here is merged when a
later read of Shopify's product records the item (`conflict.apply.link_items`, from
`merge_quantities`: a catalog from before items were recorded, or an item that changed), in
Shopify's order: one older than what the read reported is stale. Without it the event waited
for ever: the item's variant was already stored, so no create would ever link it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from product_dashboard.conflict.apply import load_product
from product_dashboard.conflict.remote_apply import merge_quantities
from product_dashboard.inbound.handlers import read_product
from product_dashboard.inbound.processor import WebhookProcessor
from product_dashboard.models import InventoryLevel, Product, ProductVariant, WebhookEvent
from tests.inbound.test_batch import T0
from tests.inventory.test_level_event_races import Sessions, sessions
from tests.sync.test_held_level_events import VARIANT, known_location
from tests.sync.test_inventory_clock import (
    ITEM,
    LOCATION,
    level_event,
    product_payload,
    received,
)

pytestmark = pytest.mark.postgres
__all__ = ["sessions"]  # the fixture, used by name

READ_AT = T0 + timedelta(minutes=1)
"""Shopify's `updated_at` of the later read (the product was made at T0 with 5 in stock)."""


def product_body(*, read: bool, **change: Any) -> dict[str, Any]:
    """Product 1 with 5 in stock, its variant's item `ITEM`: as made at T0, or (`read`) as
    read at `READ_AT`, with `change`."""
    body = product_payload(minute=0, quantity=5)
    body["variants"][0]["inventory_item_id"] = int(ITEM.rsplit("/", 1)[1])
    if read:
        body.update(change, updated_at=READ_AT.isoformat())
    return body


async def made_before_items_were_recorded(sessions: Sessions) -> WebhookProcessor:
    """Product 1, linked here without its variant's item (a catalog from before items were
    recorded)."""
    await known_location(sessions, LOCATION)
    processor = WebhookProcessor(sessions, None, max_attempts=1)
    await processor.process(await received(sessions, "products/create", product_body(read=False)))
    async with sessions() as session, session.begin():
        await session.execute(update(ProductVariant).values(shopify_inventory_item_id=None))
    return processor


async def held(sessions: Sessions, processor: WebhookProcessor, at: datetime) -> WebhookEvent:
    """A level event (3 left, as of `at`) processed while the item is not recorded: held."""
    event = await received(sessions, "inventory_levels/update", level_event(ITEM, LOCATION, 3, at))
    await processor.process(event)
    assert (await ended(sessions, event.id)).outcome == "not_linked"
    return event


async def ended(sessions: Sessions, event_id: int) -> WebhookEvent:
    async with sessions() as session:
        event = await session.get(WebhookEvent, event_id)
        assert event is not None and event.state == "processed"
        return event


async def stored(sessions: Sessions) -> tuple[int, int, int | None, int | None, str | None]:
    """The variant's quantity, its product's total, its level's intent and Shopify's number
    there, and its recorded item."""
    async with sessions() as session:
        variant = await session.scalar(
            select(ProductVariant).where(ProductVariant.shopify_variant_id == VARIANT)
        )
        assert variant is not None
        product = await session.get(Product, variant.product_id)
        level = await session.scalar(
            select(InventoryLevel).where(InventoryLevel.variant_id == variant.id)
        )
        assert product is not None and level is not None
        return (
            variant.inventory_quantity,
            product.total_inventory,
            level.available,
            level.shopify_available,
            variant.shopify_inventory_item_id,
        )


@pytest.mark.parametrize("path", ["together", "alone"])
@pytest.mark.parametrize(
    ("change", "decided"),
    [({"title": "Renamed in Shopify"}, "merged"), ({}, "echo")],
    ids=["merged", "echo"],
)
@pytest.mark.parametrize(
    ("at", "outcome", "quantity"),
    [(READ_AT + timedelta(minutes=1), "merged", 3), (READ_AT - timedelta(seconds=30), "stale", 5)],
    ids=["newer", "older"],
)
async def test_a_level_event_held_for_an_item_a_later_read_records_is_merged_then(
    sessions: Sessions,
    path: str,
    change: dict[str, Any],
    decided: str,
    at: datetime,
    outcome: str,
    quantity: int,
) -> None:
    """The event (3 left) is held; a `products/update` read as of `READ_AT` (5 in stock)
    records the item: an event newer than that read is merged, an older one is stale.
    `together`: applied in a webhook batch (its quantities merged with the batch's);
    `alone`: applied by itself."""
    processor = await made_before_items_were_recorded(sessions)
    level = await held(sessions, processor, at)
    read = await received(sessions, "products/update", product_body(read=True, **change))

    if path == "together":
        assert await processor.run_once() == 1
    else:
        await processor.process(read)

    assert (await ended(sessions, read.id)).outcome == decided
    assert (await ended(sessions, level.id)).outcome == outcome
    assert await stored(sessions) == (quantity, quantity, quantity, quantity, ITEM)


async def test_the_merged_quantity_is_what_the_rest_of_the_transaction_sees_and_stores(
    sessions: Sessions,
) -> None:
    """The held event is merged by SQL beside the session's own objects: those hold the merged
    quantity at once (a later step of the transaction reads it without asking the database),
    and a later write of the product keeps it."""
    processor = await made_before_items_were_recorded(sessions)
    level = await held(sessions, processor, READ_AT + timedelta(minutes=1))
    remote = read_product(product_body(read=True, vendor="Someone Else"))

    async with sessions() as session, session.begin():
        product = await load_product(session, shopify_id=remote.shopify_product_id)
        assert product is not None
        await merge_quantities(session, product, remote, at=READ_AT)
        assert [v.inventory_quantity for v in product.variants] == [3]
        assert product.total_inventory == 3
        product.vendor = "Someone Else"
        product.variants[0].sku = "SKU-AFTER"

    assert (await ended(sessions, level.id)).outcome == "merged"
    assert await stored(sessions) == (3, 3, 3, 3, ITEM)
    async with sessions() as session:
        written = await session.scalar(
            select(ProductVariant.sku).where(ProductVariant.shopify_variant_id == VARIANT)
        )
    assert written == "SKU-AFTER"


async def test_a_held_level_event_without_shopifys_time_is_left_as_it_is(
    sessions: Sessions,
) -> None:
    """An event without Shopify's time cannot be ordered against what was read of the level
    before: the read that records its item leaves it (as a refresh of the locations does)."""
    processor = await made_before_items_were_recorded(sessions)
    body = level_event(ITEM, LOCATION, 3, READ_AT)
    del body["updated_at"]
    level = await received(sessions, "inventory_levels/update", body)
    await processor.process(level)

    await processor.process(
        await received(
            sessions, "products/update", product_body(read=True, title="Renamed in Shopify")
        )
    )

    assert (await ended(sessions, level.id)).outcome == "not_linked"
    assert await stored(sessions) == (5, 5, 5, 5, ITEM)
