"""A claimed batch's inventory level events applied together (inbound.level_batch), against the
same events processed one by one (as before: after the batch's product updates, in arrival
order). Both processors run one event at a time: PostgreSQL's runs events processed alone side
by side, so two reports of one level could be merged in either order there."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from product_dashboard.db import create_sessionmaker
from product_dashboard.inbound import processor as processor_module
from product_dashboard.inbound.batch import Split, split
from product_dashboard.inbound.payloads import resource_gid
from product_dashboard.inbound.processor import WebhookProcessor
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.kit.time import as_utc
from product_dashboard.models import (
    InventoryLevel,
    Location,
    Product,
    ProductVariant,
    WebhookEvent,
)
from tests.inbound.test_batch import T0, _payload, _wipe

pytestmark = pytest.mark.postgres

Sessions = async_sessionmaker[AsyncSession]
Delivery = tuple[str, dict[str, Any]]
LEVEL = "inventory_levels/update"
STORE, DEPOT, NOWHERE = 55, 56, 57  # NOWHERE: a location not known here
PRODUCTS = (1, 2, 3, 4, 5)
UPDATED, DELETED, GONE, NEW = 3, 4, 5, 6
"""Product 3 updated in the batch, 4 deleted in it; 5's variant deleted before it; 6 created in
it (and deleted after: its events go one by one)."""
UNKNOWN_ITEM = 1999


@pytest.fixture
async def sessions(engine: AsyncEngine) -> AsyncIterator[Sessions]:
    yield create_sessionmaker(engine)


def _item(n: int) -> str:
    return f"gid://shopify/InventoryItem/{1000 + n}"


def _location(n: int) -> str:
    return f"gid://shopify/Location/{n}"


def _levels_alone(claimed: list[WebhookEvent]) -> Split:
    """The processor before level events went together: they are processed alone."""
    parts = split(claimed)
    parts.alone = sorted([*parts.alone, *(level.event for level in parts.levels)], key=_id)
    parts.levels = []
    return parts


def _id(event: WebhookEvent) -> int:
    return event.id


async def _store(sessions: Sessions, deliveries: list[Delivery], first: int) -> None:
    async with sessions() as session, session.begin():
        await primary_location_id(session)
        for k, (topic, body) in enumerate(deliveries):
            session.add(
                WebhookEvent(
                    webhook_id=f"w-{first + k}",
                    topic=topic,
                    body=json.dumps(body),
                    resource_id=resource_gid(topic, body),
                )
            )


async def _drain(sessions: Sessions) -> None:
    processor = WebhookProcessor(sessions, None, max_attempts=1, concurrency=1)
    while await processor.run_once():
        pass


async def _setup(sessions: Sessions) -> None:
    """Products 1-5, each variant's item recorded, 5 in stock at the store's location as of T0;
    the depot known too. Product 1 at the depot: 9 wanted there, 4 last reported, a push of 9
    in flight (its echo is a report of 9). Product 2: 3 more wanted at the store than reported.
    Product 5's variant deleted."""
    async with sessions() as session, session.begin():
        store = await session.get(Location, await primary_location_id(session))
        assert store is not None
        store.shopify_location_id = _location(STORE)
        session.add(Location(shopify_location_id=_location(DEPOT), name="Dépôt Zürich"))
    creates = []
    for n in PRODUCTS:
        body = _payload(n, minute=0)
        body["variants"][0].update(inventory_item_id=1000 + n, inventory_quantity=5)
        creates.append(("products/create", body))
    await _store(sessions, creates, first=1000)
    await _drain(sessions)
    async with sessions() as session, session.begin():
        variants = {
            item: variant_id
            for item, variant_id in await session.execute(
                select(ProductVariant.shopify_inventory_item_id, ProductVariant.id)
            )
        }
        depot = await session.scalar(
            select(Location.id).where(Location.shopify_location_id == _location(DEPOT))
        )
        assert depot is not None and len(variants) == len(PRODUCTS)
        session.add(
            InventoryLevel(
                variant_id=variants[_item(1)],
                location_id=depot,
                available=9,
                shopify_available=4,
                shopify_seen_at=T0,
                push_key="push-1",
                push_sent=9,
                push_from=4,
            )
        )
        await session.execute(
            update(InventoryLevel)
            .where(InventoryLevel.variant_id == variants[_item(2)])
            .values(available=InventoryLevel.available + 3)
        )
        gone = variants[_item(GONE)]
        await session.execute(delete(InventoryLevel).where(InventoryLevel.variant_id == gone))
        await session.execute(delete(ProductVariant).where(ProductVariant.id == gone))


def _level(item: int, location: int, available: int | None, at: datetime | None) -> Delivery:
    body: dict[str, Any] = {"inventory_item_id": item, "location_id": location}
    if available is not None:
        body["available"] = available
    body["updated_at"] = None if at is None else at.isoformat()
    return LEVEL, body


def _deliveries(seed: int, count: int) -> list[Delivery]:
    """`count` level events over the products' items (and one unknown) at the store, the depot
    and a location not known, several a level, out of Shopify's order, with echoes of the push
    in flight (9 at product 1's depot), some undated or saying no number; product 3 updated,
    product 4 deleted, product 6 created (then deleted) among them, and one unreadable body."""
    rng = random.Random(seed)
    items = [1000 + n for n in (*PRODUCTS, NEW)] + [UNKNOWN_ITEM]
    deliveries: list[Delivery] = [_level(1001, DEPOT, 9, T0)]
    for _ in range(count):
        item = rng.choice(items)
        location = rng.choice((STORE, STORE, DEPOT, DEPOT, NOWHERE))
        at = T0 + timedelta(minutes=rng.randint(-2, 12), seconds=rng.choice((0, 0, 30)))
        available = rng.choice((rng.randint(0, 30), 9))
        shape = rng.random()
        if shape < 0.05:
            deliveries.append(_level(item, location, None, at))
        elif shape < 0.1:
            deliveries.append(_level(item, location, available, None))
        else:
            deliveries.append(_level(item, location, available, at))
    updated = _payload(UPDATED, minute=6)
    updated["variants"][0].update(inventory_item_id=1000 + UPDATED, inventory_quantity=40)
    created = _payload(NEW, minute=4)
    created["variants"][0].update(inventory_item_id=1000 + NEW, inventory_quantity=2)
    for delivery in (
        ("products/update", updated),
        ("products/delete", {"id": DELETED}),
        ("products/create", created),
        (LEVEL, {"inventory_item_id": "not a number", "location_id": STORE, "available": 1}),
    ):
        deliveries.insert(rng.randrange(len(deliveries) + 1), delivery)
    deliveries.insert(
        rng.randrange(len(deliveries) // 2, len(deliveries)), ("products/delete", {"id": NEW})
    )
    return deliveries


async def _outcome(sessions: Sessions) -> dict[str, Any]:
    """The levels, totals and events, as comparable values. A level's stamp taken from an
    undated report is the time it was merged: `now`."""

    def stamp(seen: datetime | None) -> Any:
        if seen is None:
            return None
        return as_utc(seen) if as_utc(seen) < T0 + timedelta(days=1) else "now"

    async with sessions() as session:
        levels = await session.execute(
            select(
                ProductVariant.shopify_inventory_item_id,
                Location.shopify_location_id,
                InventoryLevel.available,
                InventoryLevel.shopify_available,
                InventoryLevel.shopify_seen_at,
                InventoryLevel.push_key,
                InventoryLevel.push_sent,
                InventoryLevel.push_from,
            )
            .join(ProductVariant, ProductVariant.id == InventoryLevel.variant_id)
            .join(Location, Location.id == InventoryLevel.location_id)
            .order_by(ProductVariant.shopify_inventory_item_id, Location.shopify_location_id)
        )
        totals = await session.execute(
            select(
                Product.shopify_product_id,
                Product.total_inventory,
                ProductVariant.inventory_quantity,
            )
            .join(ProductVariant, ProductVariant.product_id == Product.id)
            .order_by(Product.shopify_product_id)
        )
        events = await session.execute(
            select(
                WebhookEvent.webhook_id,
                WebhookEvent.topic,
                WebhookEvent.state,
                WebhookEvent.outcome,
                WebhookEvent.last_error,
            ).order_by(WebhookEvent.id)
        )
        return {
            "levels": [(*row[:4], stamp(row[4]), *row[5:]) for row in levels],
            "totals": [tuple(row) for row in totals],
            "events": [tuple(row) for row in events],
        }


async def _finished_at(sessions: Sessions) -> list[datetime | None]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(WebhookEvent.processed_at).where(
                    WebhookEvent.topic == LEVEL, WebhookEvent.outcome.in_(("merged", "stale"))
                )
            )
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_level_events_applied_together_end_as_one_by_one(
    engine: AsyncEngine, sessions: Sessions, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    deliveries = _deliveries(seed, 150)  # more than a claim: three batches

    await _setup(sessions)
    await _store(sessions, deliveries, first=0)
    await _drain(sessions)
    together = await _outcome(sessions)
    finished = await _finished_at(sessions)

    await _wipe(engine)
    with monkeypatch.context() as patch:
        patch.setattr(processor_module, "split", _levels_alone)
        await _setup(sessions)
        await _store(sessions, deliveries, first=0)
        await _drain(sessions)
    alone = await _outcome(sessions)

    assert together == alone
    outcomes = {(topic, state, outcome) for _, topic, state, outcome, _ in together["events"]}
    assert {
        (LEVEL, "processed", "merged"),
        (LEVEL, "processed", "stale"),
        (LEVEL, "processed", "not_linked"),
        (LEVEL, "dead", "dead"),
        ("products/delete", "processed", "deleted"),
    } <= outcomes
    # The echo of the push in flight landed: its marks gone, 9 still wanted at the depot
    # before the reports after it (9 - 4 counted once, not twice).
    depot = [level for level in together["levels"] if level[:2] == (_item(1), _location(DEPOT))]
    assert depot and depot[0][5:] == (None, None, None)
    # Together: events finished a batch at a time (one stamp a batch), not one by one.
    assert Counter(finished).most_common(1)[0][1] >= 10


@contextmanager
def _statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "after_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", record)


async def test_a_batch_of_level_events_takes_a_few_statements_not_a_few_each(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    """48 reports of 8 levels: one look-up of their variants and one of their locations, their
    products held, their levels read and written, totals, events finished: the same few
    statements as for one (one by one: about ten each)."""
    await _setup(sessions)
    deliveries = [
        _level(1000 + n, location, 10 * k + n, T0 + timedelta(minutes=k))
        for k in range(6)
        for n in (1, 2, 3, 4)
        for location in (STORE, DEPOT)
    ]
    await _store(sessions, deliveries, first=0)
    with _statements(engine) as statements:
        await _drain(sessions)
    writes = [s for s in statements if s.lstrip().startswith(("UPDATE", "INSERT"))]
    assert len(statements) < 30, statements
    assert len(writes) <= 6, "\n".join(w[:90] for w in writes)
    outcome = await _outcome(sessions)
    assert {e[2:4] for e in outcome["events"][len(PRODUCTS) :]} == {("processed", "merged")}


async def test_an_event_that_fails_in_a_batch_costs_only_itself(sessions: Sessions) -> None:
    """A number no column holds fails the batch's transaction: the events are then processed
    alone, the bad one fails saying why, and the others are merged."""
    await _setup(sessions)
    at = T0 + timedelta(minutes=1)
    deliveries = [
        _level(1001, STORE, 7, at),
        _level(1002, STORE, 2**70, at),
        _level(1002, DEPOT, 4, at),
        _level(1003, STORE, 11, at),
    ]
    await _store(sessions, deliveries, first=0)
    await _drain(sessions)
    outcome = await _outcome(sessions)
    events = outcome["events"][len(PRODUCTS) :]
    assert [e[2:4] for e in events] == [
        ("processed", "merged"),
        ("dead", "dead"),
        ("processed", "merged"),
        ("processed", "merged"),
    ]
    assert "OverflowError" in (events[1][4] or "") or "out of int32 range" in (events[1][4] or "")
    levels = {level[:2]: level[2:4] for level in outcome["levels"]}
    assert levels[(_item(1), _location(STORE))] == (7, 7)
    assert levels[(_item(2), _location(STORE))] == (8, 5)  # 3 more wanted, as before
    assert levels[(_item(2), _location(DEPOT))] == (4, 4)
    assert levels[(_item(3), _location(STORE))] == (11, 11)
    totals = {gid: (total, quantity) for gid, total, quantity in outcome["totals"]}
    assert totals["gid://shopify/Product/1"] == (16, 16)  # 7 + the depot's 9
    assert totals["gid://shopify/Product/2"] == (12, 12)
