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
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.util import await_

from product_dashboard.db import create_sessionmaker
from product_dashboard.inbound.processor import WebhookProcessor
from product_dashboard.inventory.inbound import apply_held_at_locations
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.models import Location, ProductVariant, WebhookEvent
from tests.inbound.test_batch import T0
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
    """The level event's look-up of the variant holding its item (`variant_of_item`)."""
    return statement.lstrip().startswith("SELECT product_variant.id") and (
        "product_variant.shopify_inventory_item_id =" in statement
    )


def looks_up_the_location(statement: str) -> bool:
    """The level event's look-up of its location."""
    return statement.lstrip().startswith("SELECT location.id") and (
        "location.shopify_location_id =" in statement
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
