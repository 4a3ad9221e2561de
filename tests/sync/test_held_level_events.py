"""A level event (`inventory_levels/update`) for an inventory item not linked here yet — a
product Shopify just made, whose event beat its `products/create` or the pull that creates it —
is kept (`not_linked`) and merged once a create links the item, when it is newer than the
create's read: the create's older number must not stand in for the sale it reported."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.inbound.processor import WebhookProcessor
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Location, ProductVariant, WebhookEvent
from product_dashboard.sync.pull import engine as engine_module
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.modes import PushMode
from tests.inbound.test_batch import T0
from tests.sync.conftest import Emulator, dialect_of, push
from tests.sync.test_check_read_stamps import location_gid
from tests.sync.test_inventory_clock import (
    ITEM,
    LOCATION,
    app_processor,
    deliver,
    level_event,
    product_payload,
    quantity_of,
)
from tests.sync.test_inventory_locations import item_of
from tests.sync.test_pull_missed_sales import (
    level_of,
    pull,
    updated_ats,
    variants_of_two_products,
    vendor_changed_in_shopify,
)
from tests.sync.test_push_inventory import (
    local_quantities,
    sell,
    set_stock,
    shopify_quantities,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]
VARIANT = "gid://shopify/ProductVariant/10"
__all__ = ["app_processor"]  # the fixture, used by name


async def event_of(sessions: Sessions, event_id: int) -> WebhookEvent:
    async with sessions() as session:
        event = await session.get(WebhookEvent, event_id)
        assert event is not None
        return event


async def known_location(sessions: Sessions, location: str) -> None:
    """The store's location, as any earlier sync has learnt it."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(Location)
            .where(Location.id == await primary_location_id(session))
            .values(shopify_location_id=location)
        )


def a_sale_before_the_first_chunk(
    monkeypatch: pytest.MonkeyPatch,
    sessions: Sessions,
    emulator: Emulator,
    app_processor: WebhookProcessor,
    variant_gid: str,
    item: str,
    location: str,
) -> list[WebhookEvent]:
    """The next pull's export is read; then, before its first chunk is applied, a sale of one
    unit of the variant is made and its level event delivered: the event, once delivered."""
    real_apply_chunk = engine_module.apply_chunk
    heard: list[WebhookEvent] = []

    async def event_first(*args: Any, **kwargs: Any) -> Any:
        if not heard:
            available = shopify_quantities(emulator)[variant_gid] - 1
            sell(emulator, variant_gid, 1)
            sale = level_event(item, location, available, utcnow())
            heard.append(await deliver(sessions, app_processor, "inventory_levels/update", sale))
        return await real_apply_chunk(*args, **kwargs)

    monkeypatch.setattr(engine_module, "apply_chunk", event_first)
    return heard


async def test_a_level_event_before_its_products_create_is_merged_when_the_create_links_it(
    sessionmaker: Sessions, app_processor: WebhookProcessor
) -> None:
    await known_location(sessionmaker, LOCATION)
    create = product_payload(minute=0, quantity=5)
    create["variants"][0]["inventory_item_id"] = int(ITEM.rsplit("/", 1)[1])
    # A sale a minute after the product was made (3 left), and a report older than the make.
    sold = await deliver(
        sessionmaker,
        app_processor,
        "inventory_levels/update",
        level_event(ITEM, LOCATION, 3, T0 + timedelta(minutes=1)),
    )
    older = await deliver(
        sessionmaker,
        app_processor,
        "inventory_levels/update",
        level_event(ITEM, LOCATION, 9, T0 - timedelta(minutes=1)),
    )
    assert (sold.outcome, older.outcome) == ("not_linked", "not_linked")

    created = await deliver(sessionmaker, app_processor, "products/create", create)

    assert created.outcome == "created"
    assert await quantity_of(sessionmaker, VARIANT) == 3
    assert (await event_of(sessionmaker, sold.id)).outcome == "merged"
    assert (await event_of(sessionmaker, older.id)).outcome == "stale"
    async with sessionmaker() as session:
        item = await session.scalar(
            select(ProductVariant.shopify_inventory_item_id).where(
                ProductVariant.shopify_variant_id == VARIANT
            )
        )
    assert item == ITEM  # linked by the create: the next level event finds it at once
    again = await deliver(
        sessionmaker,
        app_processor,
        "inventory_levels/update",
        level_event(ITEM, LOCATION, 2, T0 + timedelta(minutes=2)),
    )
    assert again.outcome == "merged"
    assert await quantity_of(sessionmaker, VARIANT) == 2


@pytest.mark.parametrize("first_pull", [False, True], ids=["locations-known", "first-pull"])
async def test_a_level_event_before_the_pull_that_creates_its_product_outlives_the_pull(
    app: FastAPI,
    sessionmaker: Sessions,
    emulator: Emulator,
    app_processor: WebhookProcessor,
    monkeypatch: pytest.MonkeyPatch,
    first_pull: bool,
) -> None:
    """The export is read; a sale is made and its event processed (its product is not here
    yet); then the pull creates the product from the export's older number. On the store's
    first pull the event's location is not known either: the pull learns it after its first
    chunk is created."""
    emulator.knob("seed", {"products": 2, "seed": 24})
    sold, _ = variants_of_two_products(emulator)
    before = shopify_quantities(emulator)
    item, location = item_of(emulator, sold), location_gid(emulator)
    if not first_pull:
        await known_location(sessionmaker, location)
    heard = a_sale_before_the_first_chunk(
        monkeypatch, sessionmaker, emulator, app_processor, sold, item, location
    )
    report = await pull(sessionmaker, emulator, PullParams(kind="full"))

    assert [event.outcome for event in heard] == ["not_linked"]
    assert report.outcomes["created"] == 2
    assert (await local_quantities(sessionmaker))[sold] == before[sold] - 1
    assert (await event_of(sessionmaker, heard[0].id)).outcome == "merged"


@pytest.mark.parametrize(
    ("change", "outcome"),
    [({"title": "Renamed in Shopify"}, "merged"), ({}, "echo")],
    ids=["merged", "echo"],
)
async def test_a_read_of_shopifys_product_records_its_variants_inventory_items(
    sessionmaker: Sessions, app_processor: WebhookProcessor, change: dict[str, Any], outcome: str
) -> None:
    """A product linked before its variants' items were recorded learns them from the next read
    of Shopify's, merged or found the same (a catalog from before items were recorded)."""
    await known_location(sessionmaker, LOCATION)
    create = product_payload(minute=0, quantity=5)
    create["variants"][0]["inventory_item_id"] = int(ITEM.rsplit("/", 1)[1])
    assert (
        await deliver(sessionmaker, app_processor, "products/create", create)
    ).outcome == "created"
    async with sessionmaker() as session, session.begin():
        await session.execute(update(ProductVariant).values(shopify_inventory_item_id=None))
    changed = {**create, **change, "updated_at": (T0 + timedelta(minutes=1)).isoformat()}

    assert (
        await deliver(sessionmaker, app_processor, "products/update", changed)
    ).outcome == outcome
    sale = level_event(ITEM, LOCATION, 4, T0 + timedelta(minutes=2))
    assert (
        await deliver(sessionmaker, app_processor, "inventory_levels/update", sale)
    ).outcome == "merged"
    assert await quantity_of(sessionmaker, VARIANT) == 4


@pytest.mark.parametrize("kind", ["full", "incremental"])
async def test_a_pull_records_the_inventory_items_of_an_unchanged_catalog(
    app: FastAPI, sessionmaker: Sessions, emulator: Emulator, kind: str
) -> None:
    """A catalog linked before items were recorded, unchanged in Shopify since and with no sale
    to merge, learns its variants' items from the next pull."""
    emulator.knob("seed", {"products": 2, "seed": 9})
    await pull(sessionmaker, emulator, PullParams(kind="full"))
    async with sessionmaker() as session, session.begin():
        await session.execute(update(ProductVariant).values(shopify_inventory_item_id=None))
    since = min(t for t in updated_ats(emulator).values() if t is not None)
    params = (
        PullParams(kind="full")
        if kind == "full"
        else PullParams(kind="incremental", since=since - timedelta(minutes=1))
    )

    report = await pull(sessionmaker, emulator, params)

    assert report.outcomes["unchanged"] == 2
    async with sessionmaker() as session:
        rows = await session.execute(
            select(ProductVariant.shopify_variant_id, ProductVariant.shopify_inventory_item_id)
        )
        items = {str(variant): item for variant, item in rows}
    assert items and items == {variant: item_of(emulator, variant) for variant in items}


@pytest.mark.parametrize("content", ["unchanged", "changed"])
async def test_a_level_event_held_for_an_item_a_pull_records_is_merged_and_then_pushed(
    app: FastAPI,
    sessionmaker: Sessions,
    emulator: Emulator,
    app_processor: WebhookProcessor,
    monkeypatch: pytest.MonkeyPatch,
    content: str,
) -> None:
    """A catalog linked before items were recorded, with a stock edit waiting for a push. The
    export is read; a sale is made and its event held (its item is not recorded here); the pull
    then records the item from the export's older number and merges the event: the edit keeps
    its difference from Shopify's number, and the push sends it at once (no stale retry)."""
    emulator.knob("seed", {"products": 2, "seed": 31})
    await pull(sessionmaker, emulator, PullParams(kind="full"))
    sold, _ = variants_of_two_products(emulator)
    before = shopify_quantities(emulator)
    item, location = item_of(emulator, sold), location_gid(emulator)
    async with sessionmaker() as session, session.begin():
        await session.execute(update(ProductVariant).values(shopify_inventory_item_id=None))
    await set_stock(sessionmaker, sold, before[sold] + 10)
    if content == "changed":  # decided three-way (`apply_remote`), not only its quantities
        await vendor_changed_in_shopify(sessionmaker, emulator, sold)
    heard = a_sale_before_the_first_chunk(
        monkeypatch, sessionmaker, emulator, app_processor, sold, item, location
    )
    report = await pull(sessionmaker, emulator, PullParams(kind="full"))

    assert [event.outcome for event in heard] == ["not_linked"]
    assert report.outcomes["unchanged" if content == "unchanged" else "merged"] >= 1
    assert (await event_of(sessionmaker, heard[0].id)).outcome == "merged"
    assert (await local_quantities(sessionmaker))[sold] == before[sold] + 10 - 1
    level = await level_of(sessionmaker, sold)
    assert (level.available, level.shopify_available) == (before[sold] + 9, before[sold] - 1)

    pushed = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))

    assert pushed.inventory is not None
    assert (pushed.inventory["sent"], pushed.inventory["stale_retries"]) == (1, 0)
    assert shopify_quantities(emulator)[sold] == before[sold] + 9
