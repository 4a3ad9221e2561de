"""A level event processed at the same moment as the create that links its inventory item (or
the refresh that learns its location) is merged, or found stale, whichever of the two looks
first: the event's look-up and the other's look for held events see each other's commits
(`inventory.linking`). Without that, the event looked before the other committed, the other
looked before the event's mark committed, and the event stayed `not_linked` for good.

Each interleaving is forced by pausing one transaction at a statement (a cursor hook) until the
other has reached its own; nothing waits for time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.util import await_

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import create_sessionmaker
from product_dashboard.inbound.batch import apply_together, split
from product_dashboard.inbound.processor import WebhookProcessor
from product_dashboard.inventory.inbound import apply_held_at_locations
from product_dashboard.inventory.levels import Report
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.inventory.read import merge_read
from product_dashboard.kit.time import as_utc
from product_dashboard.models import InventoryLevel, Location, ProductVariant, WebhookEvent
from tests.inbound.test_batch import T0, _payload
from tests.sync.test_held_level_events import VARIANT, known_location
from tests.sync.test_inventory_clock import (
    ITEM,
    LOCATION,
    level_event,
    product_payload,
    received,
)

pytestmark = pytest.mark.postgres

Sessions = async_sessionmaker[AsyncSession]


@dataclass
class Pause:
    """A point in another transaction: `reached` once it has run its statement there; it then
    waits for `go` (unless told not to wait)."""

    matches: Callable[[str], bool]
    waits: bool
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    go: asyncio.Event = field(default_factory=asyncio.Event)

    def after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.reached.is_set() or not self.matches(statement):
            return
        self.reached.set()
        if self.waits:
            await_(self.go.wait())  # inside SQLAlchemy's greenlet: the statement has run


def looks_up_the_variant(statement: str) -> bool:
    """The level event's look-up of the variant holding its item (`variants_of_items`)."""
    return statement.lstrip().startswith("SELECT product_variant.id") and (
        "product_variant.shopify_inventory_item_id IN" in statement
    )


def looks_up_the_location(statement: str) -> bool:
    """The level event's look-up of its location."""
    return statement.lstrip().startswith("SELECT location.shopify_location_id, location.id") and (
        "location.shopify_location_id IN" in statement
    )


def looks_for_held_events(statement: str) -> bool:
    """A create's (or a refresh's) look for level events held as `not_linked`."""
    return statement.lstrip().startswith("SELECT webhook_event.id, webhook_event.body")


@pytest.fixture
async def sessions(engine: AsyncEngine) -> AsyncIterator[Sessions]:
    yield create_sessionmaker(engine)


async def outcome_and_quantity(sessions: Sessions, event_id: int) -> tuple[str | None, int | None]:
    async with sessions() as session:
        ended = await session.get(WebhookEvent, event_id)
        assert ended is not None and ended.state == "processed"
        quantity = await session.scalar(
            select(ProductVariant.inventory_quantity).where(
                ProductVariant.shopify_variant_id == VARIANT
            )
        )
        return ended.outcome, quantity


async def interleaved(
    engine: AsyncEngine,
    first: str,
    event_step: Callable[[], Awaitable[None]],
    event_looks: Callable[[str], bool],
    linking_step: Callable[[], Awaitable[None]],
) -> None:
    """The event's transaction and the linking one, forced to interleave: with `first` "event",
    the event pauses after its look-up (`event_looks`) until the linking one has committed;
    otherwise the linking one pauses once it has looked for held events, until the event has
    looked."""
    event_looked = Pause(event_looks, waits=first == "event")
    linker_looked = Pause(looks_for_held_events, waits=first != "event")
    for pause in (event_looked, linker_looked):
        event.listen(engine.sync_engine, "after_cursor_execute", pause.after)
    try:
        if first == "event":
            processing = asyncio.create_task(event_step())
            await event_looked.reached.wait()
            await linking_step()
            event_looked.go.set()
            await processing
        else:
            linking = asyncio.create_task(linking_step())
            await linker_looked.reached.wait()
            processing = asyncio.create_task(event_step())
            await event_looked.reached.wait()
            linker_looked.go.set()
            await asyncio.gather(linking, processing)
    finally:
        for pause in (event_looked, linker_looked):
            event.remove(engine.sync_engine, "after_cursor_execute", pause.after)
    assert linker_looked.reached.is_set()  # the interleaving forced happened


NEWER_OR_OLDER = pytest.mark.parametrize(
    ("at", "outcome", "quantity"),
    [(T0 + timedelta(minutes=1), "merged", 3), (T0 - timedelta(minutes=1), "stale", 5)],
    ids=["newer", "older"],
)


def created_with_its_item() -> dict[str, Any]:
    """Product 1's `products/create`: 5 in stock as of T0, its variant's item `ITEM`."""
    create = product_payload(minute=0, quantity=5)
    create["variants"][0]["inventory_item_id"] = int(ITEM.rsplit("/", 1)[1])
    return create


@pytest.mark.parametrize("first", ["event", "create"], ids=["event-looks-first", "create-first"])
@NEWER_OR_OLDER
async def test_a_level_event_beside_the_create_of_its_product_is_not_left_unlinked(
    engine: AsyncEngine,
    sessions: Sessions,
    first: str,
    at: datetime,
    outcome: str,
    quantity: int,
) -> None:
    """The product is made with 5 in stock as of T0; the event reports 3 as of `at`."""
    await known_location(sessions, LOCATION)
    level = await received(sessions, "inventory_levels/update", level_event(ITEM, LOCATION, 3, at))
    made = await received(sessions, "products/create", created_with_its_item())
    processor = WebhookProcessor(sessions, None, max_attempts=1)

    await interleaved(
        engine,
        first,
        lambda: processor.process(level),
        looks_up_the_variant,
        lambda: processor.process(made),
    )

    assert (await outcome_and_quantity(sessions, made.id))[0] == "created"
    assert await outcome_and_quantity(sessions, level.id) == (outcome, quantity)


@pytest.mark.parametrize("first", ["event", "refresh"], ids=["event-looks-first", "refresh-first"])
@NEWER_OR_OLDER
async def test_a_level_event_beside_the_refresh_that_learns_its_location_is_not_left_unlinked(
    engine: AsyncEngine,
    sessions: Sessions,
    first: str,
    at: datetime,
    outcome: str,
    quantity: int,
) -> None:
    """The product was made before the store's locations were known (a first pull's first
    chunk); the event comes while a refresh gives the placeholder primary its Shopify id."""
    processor = WebhookProcessor(sessions, None, max_attempts=1)
    await processor.process(await received(sessions, "products/create", created_with_its_item()))
    level = await received(sessions, "inventory_levels/update", level_event(ITEM, LOCATION, 3, at))

    async def refresh() -> None:  # what `refresh_locations` writes, then merges
        async with sessions() as session, session.begin():
            primary = await primary_location_id(session)
            await session.execute(
                update(Location).where(Location.id == primary).values(shopify_location_id=LOCATION)
            )
            await apply_held_at_locations(session, {LOCATION: primary})

    await interleaved(
        engine, first, lambda: processor.process(level), looks_up_the_location, refresh
    )

    assert await outcome_and_quantity(sessions, level.id) == (outcome, quantity)


def locks_the_products(statement: str) -> bool:
    """A batch's load of its known products, locked for update (`load_products`; a product
    applied alone is loaded by `=`)."""
    return (
        statement.lstrip().startswith("SELECT product.")
        and "product.shopify_product_id IN" in statement
        and "FOR UPDATE" in statement
    )


async def waiting_for_a_lock(engine: AsyncEngine) -> None:
    """Returns once some transaction waits for a lock another holds (PostgreSQL)."""
    async with engine.connect() as connection:
        while not await connection.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
            await connection.rollback()  # a new snapshot of the server's lock table each time
            await asyncio.sleep(0.01)


async def test_a_level_event_found_on_its_second_look_cannot_deadlock_with_a_batch(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    """The event misses its variant; the create of its product commits; a webhook batch locks
    that product to merge it, and will then create another product (the linking lock,
    exclusive). The event looks again and finds the variant; its merge waits for the batch's
    lock on the product. Had the event kept the linking lock (shared), the batch would wait for
    it and PostgreSQL would end one of the two as a deadlock (retried, or applied one by one:
    nothing lost, but neither applied as it was). The event lets go of it: the batch goes on,
    commits, and the event then merges."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: no lock to wait for in a cycle")
    await known_location(sessions, LOCATION)
    sale = level_event(ITEM, LOCATION, 3, T0 + timedelta(minutes=1))
    level = await received(sessions, "inventory_levels/update", sale)
    made = await received(sessions, "products/create", created_with_its_item())
    renamed = created_with_its_item() | {"title": "Renamed", "updated_at": "2026-12-06T09:02:00Z"}
    renamed["variants"][0]["inventory_quantity"] = None  # says nothing of the level
    another = _payload(2, minute=0)
    another["variants"][0]["inventory_item_id"] = 778  # so its create takes the linking lock
    batch = [
        await received(sessions, "products/update", renamed),
        await received(sessions, "products/create", another),
    ]
    processor = WebhookProcessor(sessions, None, max_attempts=1)

    async def apply_batch() -> None:
        async with sessions() as session, session.begin():
            await apply_together(session, split(batch).newest, ConflictEvents(None))

    event_missed = Pause(looks_up_the_variant, waits=True)
    batch_locked = Pause(locks_the_products, waits=True)
    # Both before either pauses: one paused holds the engine's listener list in iteration.
    for pause in (event_missed, batch_locked):
        event.listen(engine.sync_engine, "after_cursor_execute", pause.after)
    try:
        processing = asyncio.create_task(processor.process(level))
        await event_missed.reached.wait()
        await processor.process(made)
        applying = asyncio.create_task(apply_batch())
        await batch_locked.reached.wait()
        event_missed.go.set()
        await waiting_for_a_lock(engine)  # the event's merge, for the batch's product
        batch_locked.go.set()
        await asyncio.gather(applying, processing)
    finally:
        for pause in (event_missed, batch_locked):
            event.remove(engine.sync_engine, "after_cursor_execute", pause.after)

    assert (await outcome_and_quantity(sessions, made.id))[0] == "created"
    assert await outcome_and_quantity(sessions, level.id) == ("merged", 3)
    assert [(await outcome_and_quantity(sessions, e.id))[0] for e in batch] == [
        "merged",
        "created",
    ]


def reads_the_level(statement: str) -> bool:
    """A level event's read of its variant's levels (their last reports), before it merges."""
    return statement.lstrip().startswith("SELECT inventory_level.") and (
        "inventory_level.variant_id IN" in statement
    )


async def free_to_write(engine: AsyncEngine, product_id: int) -> bool:
    """Whether another transaction could write the product now, without waiting for one that
    holds it (PostgreSQL: its row, NOWAIT; SQLite: the write lock, no busy wait)."""
    async with engine.connect() as connection:
        try:
            if engine.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT id FROM product WHERE id = :id FOR UPDATE NOWAIT"),
                    {"id": product_id},
                )
            else:
                waits = await connection.exec_driver_sql("PRAGMA busy_timeout")
                busy_timeout = waits.scalar_one()
                await connection.exec_driver_sql("PRAGMA busy_timeout = 0")
                try:
                    await connection.exec_driver_sql("BEGIN IMMEDIATE")
                finally:
                    await connection.exec_driver_sql(f"PRAGMA busy_timeout = {busy_timeout}")
        except DBAPIError:
            return False
        finally:
            await connection.rollback()
    return True


async def across_the_pause(
    engine: AsyncEngine,
    paused_at: Callable[[str], bool],
    first: Awaitable[Any],
    then: Callable[[], Awaitable[Any]],
    product_id: int,
) -> None:
    """`first` run until it reaches the statement `paused_at` names; `then` run and committed
    there when another transaction is free to write the product (else after `first`)."""
    pause = Pause(paused_at, waits=True)
    event.listen(engine.sync_engine, "after_cursor_execute", pause.after)
    try:
        running = asyncio.ensure_future(first)
        await pause.reached.wait()
        if await free_to_write(engine, product_id):
            await then()
            pause.go.set()
            await running
        else:
            pause.go.set()
            await running
            await then()
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", pause.after)


async def a_sale_and_a_later_update(sessions: Sessions) -> tuple[WebhookEvent, WebhookEvent, int]:
    """Product 1 made with 5 in stock as of T0; received, not processed yet: a sale's level
    event (3 as of T0 + 1 min) and a `products/update` (4 as of T0 + 2 min). Both are newer
    than what is stored, so each merges over the other in either order, and 4 is Shopify's
    last word. The events and the product's row id."""
    await known_location(sessions, LOCATION)
    processor = WebhookProcessor(sessions, None, max_attempts=1)
    await processor.process(await received(sessions, "products/create", created_with_its_item()))
    sale = level_event(ITEM, LOCATION, 3, T0 + timedelta(minutes=1))
    level = await received(sessions, "inventory_levels/update", sale)
    later = created_with_its_item() | {"updated_at": "2026-12-06T09:02:00Z"}
    later["variants"][0]["inventory_quantity"] = 4
    merge = await received(sessions, "products/update", later)
    async with sessions() as session:
        product_id = await session.scalar(
            select(ProductVariant.product_id).where(ProductVariant.shopify_variant_id == VARIANT)
        )
    assert product_id is not None
    return level, merge, product_id


async def test_a_level_event_cannot_write_numbers_read_before_a_merge_over_the_merge(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    """The event pauses once it has read its level. Had it read it without holding its
    product, the update would be merged and committed there, and the event would then write 3
    as of T0 + 1 min, computed from the level it read before, over the update's 4 as of T0 + 2
    min (a lost update: PostgreSQL and SQLite alike, where a transaction's reads before its
    first write run outside it). It holds the product, as a merge does before it reads levels:
    the update waits for it."""
    level, merge, product_id = await a_sale_and_a_later_update(sessions)
    processor = WebhookProcessor(sessions, None, max_attempts=1)

    await across_the_pause(
        engine,
        reads_the_level,
        processor.process(level),
        lambda: processor.process(merge),  # committed while the event holds what it read?
        product_id,
    )

    assert (await outcome_and_quantity(sessions, merge.id))[1] == 4
    assert await outcome_and_quantity(sessions, level.id) == ("merged", 4)


def writes_the_level(statement: str) -> bool:
    """A level event's write of its level."""
    return statement.lstrip().startswith("UPDATE inventory_level SET")


async def test_a_level_event_and_a_merge_of_its_product_cannot_deadlock(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    """The event pauses once it has written its level; the update then merges the product.
    Had the event locked the level before the product (whose total it then writes), the update
    would lock the product and wait for the level, the event would wait for the product, and
    PostgreSQL would end one of the two as a deadlock (neither applied as it was). The event
    takes the product first, as a merge does: the update waits for it, then merges."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: no lock to wait for in a cycle")
    level, merge, _ = await a_sale_and_a_later_update(sessions)
    processor = WebhookProcessor(sessions, None, max_attempts=1)

    event_wrote = Pause(writes_the_level, waits=True)
    event.listen(engine.sync_engine, "after_cursor_execute", event_wrote.after)
    try:
        processing = asyncio.create_task(processor.process(level))
        await event_wrote.reached.wait()
        merging = asyncio.create_task(processor.process(merge))
        await waiting_for_a_lock(engine)  # the update, for a row the event holds
        event_wrote.go.set()
        await asyncio.gather(processing, merging)
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", event_wrote.after)

    assert (await outcome_and_quantity(sessions, merge.id))[1] == 4
    assert await outcome_and_quantity(sessions, level.id) == ("merged", 4)


async def seen_at_of_the_level(sessions: Sessions) -> datetime | None:
    """When Shopify last reported the variant's level, on its clock."""
    async with sessions() as session:
        seen_at = await session.scalar(
            select(InventoryLevel.shopify_seen_at)
            .join(ProductVariant, ProductVariant.id == InventoryLevel.variant_id)
            .where(ProductVariant.shopify_variant_id == VARIANT)
        )
    return None if seen_at is None else as_utc(seen_at)


def reads_levels_to_merge(statement: str) -> bool:
    """A merge's read of the levels it merges into (`inventory.levels`)."""
    return statement.lstrip().startswith("SELECT inventory_level.id, inventory_level.variant_id")


async def test_a_merge_cannot_write_numbers_read_before_a_level_event_over_the_event(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    """A `products/update` whose only change is its quantity (4, as of T0 + 1 min) pauses once
    it has read its levels. Had it read them without holding its product (SQLite: reads before
    a transaction's first write run outside it), a sale's level event (3 as of T0 + 2 min)
    would be merged and committed there, and the update would then write the level as merged
    into what it read (5 as of T0): its 4 stamped T0 + 1 min over the sale's later time, which
    no order of the two gives (an older event would then pass as not stale). It holds the
    product from before that read: the event waits for it, and is then merged over the older
    update."""
    await known_location(sessions, LOCATION)
    processor = WebhookProcessor(sessions, None, max_attempts=1)
    await processor.process(await received(sessions, "products/create", created_with_its_item()))
    sale = level_event(ITEM, LOCATION, 3, T0 + timedelta(minutes=2))
    level = await received(sessions, "inventory_levels/update", sale)
    older = created_with_its_item() | {"updated_at": "2026-12-06T09:01:00Z"}
    older["variants"][0]["inventory_quantity"] = 4
    merge = await received(sessions, "products/update", older)
    async with sessions() as session:
        product_id = await session.scalar(
            select(ProductVariant.product_id).where(ProductVariant.shopify_variant_id == VARIANT)
        )
    assert product_id is not None

    await across_the_pause(
        engine,
        reads_levels_to_merge,
        processor.process(merge),
        lambda: processor.process(level),  # committed while the update holds what it read?
        product_id,
    )

    assert await seen_at_of_the_level(sessions) == T0 + timedelta(minutes=2)
    assert await outcome_and_quantity(sessions, level.id) == ("merged", 3)


async def test_a_level_read_and_a_merge_of_its_product_cannot_deadlock(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    """A level read's merge (what a push re-reads after Shopify refused it as stale: 2 as of
    T0 + 3 min) pauses once it has written the level; an update of the product (4 as of T0 +
    1 min) then merges. Had the read locked the level before the product (whose total it then
    writes), the update would lock the product and wait for the level, the read would wait for
    the product, and PostgreSQL would end one of the two as a deadlock. The read takes the
    product first, as a merge does: the update waits for it, then merges its number (a
    payload's can be newer than its stamp), the read's later time kept."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: no lock to wait for in a cycle")
    await known_location(sessions, LOCATION)
    processor = WebhookProcessor(sessions, None, max_attempts=1)
    await processor.process(await received(sessions, "products/create", created_with_its_item()))
    older = created_with_its_item() | {"updated_at": "2026-12-06T09:01:00Z"}
    older["variants"][0]["inventory_quantity"] = 4
    merge = await received(sessions, "products/update", older)
    async with sessions() as session:
        variant_id, location_id = (
            await session.execute(
                select(InventoryLevel.variant_id, InventoryLevel.location_id)
                .join(ProductVariant, ProductVariant.id == InventoryLevel.variant_id)
                .where(ProductVariant.shopify_variant_id == VARIANT)
            )
        ).one()

    async def read_merge() -> None:
        async with sessions() as session, session.begin():
            at = T0 + timedelta(minutes=3)
            await merge_read(session, [Report(variant_id, location_id, 2, at=at)])

    read_wrote = Pause(writes_the_level, waits=True)
    event.listen(engine.sync_engine, "after_cursor_execute", read_wrote.after)
    try:
        reading = asyncio.create_task(read_merge())
        await read_wrote.reached.wait()
        merging = asyncio.create_task(processor.process(merge))
        await waiting_for_a_lock(engine)  # the update, for a row the read holds
        read_wrote.go.set()
        await asyncio.gather(reading, merging)
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", read_wrote.after)

    assert (await outcome_and_quantity(sessions, merge.id))[1] == 4
    assert await seen_at_of_the_level(sessions) == T0 + timedelta(minutes=3)
