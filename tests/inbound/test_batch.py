"""A claimed batch's product updates applied together (inbound.batch) against one by one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import committing, create_sessionmaker
from product_dashboard.inbound import processor as processor_module
from product_dashboard.inbound.batch import SUPERSEDED, CreateMany, Split
from product_dashboard.inbound.decide import Tally, decide_together
from product_dashboard.inbound.payloads import product_from_rest
from product_dashboard.inbound.processor import TOGETHER_WHILE_RECEIVING, WebhookProcessor
from product_dashboard.inbound.sample import sample_product_payload
from product_dashboard.inbound.write_lock import PriorityWriteLock
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.models import Model, Product, ProductVariant, WebhookEvent
from product_dashboard.shopify.bulk_read import Remote
from product_dashboard.sync.pull.create_many import create_many

pytestmark = pytest.mark.postgres

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
# New products created each alone, or together (`create_set`, as the app runs it).
CREATES = pytest.mark.parametrize("creates", [None, create_many], ids=["alone", "together"])


@pytest.fixture
async def sessions(engine: AsyncEngine) -> AsyncIterator[Sessions]:
    yield create_sessionmaker(engine)


def _payload(n: int, *, minute: int, **fields: Any) -> dict[str, Any]:
    """Shopify's products/update body for product `n` as of T0 + `minute`."""
    payload = sample_product_payload()
    variant = payload["variants"][0]
    variant.update(
        id=n * 10,
        admin_graphql_api_id=f"gid://shopify/ProductVariant/{n * 10}",
        product_id=n,
        sku=f"SKU-{n}",
        inventory_quantity=n,
    )
    payload.update(
        id=n,
        admin_graphql_api_id=f"gid://shopify/Product/{n}",
        handle=f"product-{n}",
        title=f"Product {n}",
        updated_at=(T0 + timedelta(minutes=minute)).isoformat(),
    )
    payload.update(fields)
    return payload


def _deliveries() -> list[tuple[str, dict[str, Any]]]:
    """In arrival order: product 1 three times (the newest arriving second), 2 once, 3 updated
    then deleted, 5 created then updated."""
    return [
        ("products/update", _payload(1, minute=1, vendor="First")),
        ("products/update", _payload(1, minute=3, vendor="Newest")),
        ("products/update", _payload(1, minute=2, vendor="Second")),
        ("products/update", _payload(2, minute=1)),
        ("products/update", _payload(3, minute=1)),
        ("products/delete", {"id": 3}),
        ("products/create", _payload(5, minute=1)),
        ("products/update", _payload(5, minute=2, title="Product 5 renamed")),
    ]


async def _drain(
    sessions: Sessions,
    deliveries: list[tuple[str, dict[str, Any]]],
    write_lock: PriorityWriteLock | None = None,
    creates: CreateMany | None = None,
    first: int = 0,
    receiving: Callable[[], bool] | None = None,
) -> list[WebhookEvent]:
    async with sessions() as session, session.begin():
        # Made first: the first products created side by side (PostgreSQL, one by one) would
        # each make a placeholder primary location of their own.
        await primary_location_id(session)
        for k, (topic, body) in enumerate(deliveries):
            resource = f"gid://shopify/Product/{body['id']}"
            session.add(
                WebhookEvent(
                    webhook_id=f"w-{first + k}",
                    topic=topic,
                    body=json.dumps(body),
                    resource_id=resource,
                )
            )
    processor = WebhookProcessor(
        sessions,
        None,
        max_attempts=1,
        write_lock=write_lock,
        create_many=creates,
        receiving=receiving,
    )
    while await processor.run_once():
        pass
    async with sessions() as session:
        return list(await session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


async def _catalog(sessions: Sessions) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        rows = await session.execute(
            select(
                Product.shopify_product_id,
                Product.handle,
                Product.title,
                Product.vendor,
                Product.synced_hash,
                Product.shopify_updated_at,
                Product.deleted_at.is_(None),
                Product.category_name,
                Product.media_complete,
                Product.metafields_complete,
                Product.variant_metafields_complete,
                ProductVariant.sku,
                ProductVariant.inventory_quantity,
            )
            .join(ProductVariant, ProductVariant.product_id == Product.id)
            .order_by(Product.shopify_product_id)
        )
        return [tuple(row) for row in rows]


async def _wipe(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(Model.metadata.sorted_tables):
            await connection.execute(table.delete())


@CREATES
async def test_a_batch_applies_the_newest_update_per_product_as_one_by_one_would(
    engine: AsyncEngine,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
    creates: CreateMany | None,
) -> None:
    together = await _drain(sessions, _deliveries(), creates=creates)
    catalog_together = await _catalog(sessions)

    await _wipe(engine)
    with monkeypatch.context() as patch:
        patch.setattr(processor_module, "split", lambda claimed: Split(alone=list(claimed)))
        alone = await _drain(sessions, _deliveries())
    catalog_alone = await _catalog(sessions)

    assert catalog_together == catalog_alone
    # A webhook's body carries no metafields: a product it creates does not claim to hold the
    # store's list (else a push would send an empty one, which productSet would apply).
    assert {row[9:11] for row in catalog_together} == {(False, False)}
    assert catalog_together[0][:4] == (
        "gid://shopify/Product/1",
        "product-1",
        "Product 1",
        "Newest",
    )
    states = [(e.topic, e.state, e.outcome) for e in together]
    assert states[:3] == [
        ("products/update", "ignored", SUPERSEDED),
        ("products/update", "processed", "created"),
        ("products/update", "ignored", SUPERSEDED),
    ]
    # One by one, the same deliveries: the earlier one applied first, the late one stale.
    assert [e.outcome for e in alone[:3]] == ["created", "merged", "stale"]
    # A product deleted in the batch goes alone, in order, as before.
    assert [(e.state, e.outcome) for e in together[3:]] == [
        ("processed", "created"),
        ("processed", "created"),
        ("processed", "deleted"),
        ("ignored", SUPERSEDED),
        ("processed", "created"),
    ]
    assert [(e.state, e.outcome) for e in alone[3:6]] == [
        (e.state, e.outcome) for e in together[3:6]
    ]


@CREATES
@pytest.mark.parametrize(
    ("held", "taken"), [("product-2", "shared"), ("shared", "product-2")], ids=["takes", "frees"]
)
async def test_a_new_product_and_a_rename_to_or_from_its_handle_go_in_arrival_order(
    engine: AsyncEngine,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
    creates: CreateMany | None,
    held: str,
    taken: str,
) -> None:
    """Product 2, known here with handle `held`, is renamed to `taken` in the same batch as a new
    product 7 with handle "shared" arrives, just before it. One by one, 7 meets 2's old handle:
    it is created when 2 takes "shared" only after (and 2's rename then fails), and not created
    when 2 frees it only after. Together, the known product must not be merged first."""
    known = [("products/create", _payload(2, minute=1, handle=held))]
    batch = [
        ("products/create", _payload(7, minute=1, handle="shared")),
        ("products/update", _payload(2, minute=2, handle=taken, vendor="Renamed")),
    ]

    async def run() -> tuple[list[tuple[str, str | None]], list[tuple[Any, ...]]]:
        await _drain(sessions, known, creates=creates)
        events = await _drain(sessions, batch, creates=creates, first=len(known))
        return [(e.state, e.outcome) for e in events[len(known) :]], await _catalog(sessions)

    together = await run()
    await _wipe(engine)
    with monkeypatch.context() as patch:
        patch.setattr(processor_module, "split", lambda claimed: Split(alone=list(claimed)))
        alone = await run()

    print("TOGETHER", together, "ALONE", alone)
    assert together == alone
    states, catalog = together
    by_id = {row[0]: row[1:4] for row in catalog}
    if taken == "shared":
        assert states == [("processed", "created"), ("dead", "dead")]
        assert by_id["gid://shopify/Product/7"][0] == "shared"
        assert by_id["gid://shopify/Product/2"][0] == "product-2"
    else:
        assert states[1] == ("processed", "merged")
        assert "gid://shopify/Product/7" not in by_id
        assert by_id["gid://shopify/Product/2"] == ("product-2", "Product 2", "Renamed")


@pytest.mark.parametrize(("held", "taken"), [("product-2", "shared"), ("shared", "product-2")])
async def test_events_applied_alone_side_by_side_keep_arrival_order_where_handles_meet(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch, held: str, taken: str
) -> None:
    """Processed alone with room for four products side by side (PostgreSQL's processor), new
    product 7 and known product 2, which takes or frees the handle 7 arrives with, still go in
    arrival order even when 7's turn is slow to start: 2 must not take or free it first."""
    process = WebhookProcessor.process

    async def slow_for_seven(self: WebhookProcessor, event: WebhookEvent) -> None:
        if event.resource_id == "gid://shopify/Product/7":
            await asyncio.sleep(0.05)
        await process(self, event)

    await _drain(sessions, [("products/create", _payload(2, minute=1, handle=held))])
    monkeypatch.setattr(processor_module, "split", lambda claimed: Split(alone=list(claimed)))
    monkeypatch.setattr(WebhookProcessor, "process", slow_for_seven)
    events = await _drain(
        sessions,
        [
            ("products/create", _payload(7, minute=1, handle="shared")),
            ("products/update", _payload(2, minute=2, handle=taken)),
        ],
        first=1,
    )
    states = [(e.state, e.outcome) for e in events[1:]]
    handles = {row[0]: row[1] for row in await _catalog(sessions)}
    if taken == "shared":  # 7 took the free handle first; 2's rename to it then failed
        assert states == [("processed", "created"), ("dead", "dead")]
        assert handles == {
            "gid://shopify/Product/2": "product-2",
            "gid://shopify/Product/7": "shared",
        }
    else:  # 2 still held it when 7 came: 7 is left unlinked
        assert states == [("processed", "not_linked"), ("processed", "merged")]
        assert handles == {"gid://shopify/Product/2": "product-2"}


@CREATES
async def test_a_product_that_fails_in_a_batch_costs_only_itself(
    sessions: Sessions, creates: CreateMany | None
) -> None:
    events = await _drain(
        sessions,
        [
            ("products/update", _payload(1, minute=1)),
            ("products/create", _payload(4, minute=1, handle="Not A Handle!")),
            ("products/update", _payload(2, minute=1)),
        ],
        creates=creates,
    )
    assert [(e.state, e.outcome) for e in events] == [
        ("processed", "created"),
        ("dead", "dead"),
        ("processed", "created"),
    ]
    assert "handle" in (events[1].last_error or "")
    assert [row[0] for row in await _catalog(sessions)] == [
        "gid://shopify/Product/1",
        "gid://shopify/Product/2",
    ]


@CREATES
async def test_with_sqlites_write_lock_a_batch_is_applied_in_slices_all_of_it(
    sessions: Sessions, creates: CreateMany | None
) -> None:
    """Under the write lock, while deliveries arrive, the batch goes a few products per
    transaction: every one lands."""
    count = 3 * TOGETHER_WHILE_RECEIVING + 1
    deliveries = [("products/update", _payload(n, minute=1)) for n in range(1, count + 1)]
    deliveries.append(("products/update", _payload(1, minute=0, vendor="Older")))
    events = await _drain(
        sessions, deliveries, PriorityWriteLock(), creates, receiving=lambda: True
    )
    assert [(e.state, e.outcome) for e in events] == [("processed", "created")] * count + [
        ("ignored", SUPERSEDED)
    ]
    assert len(await _catalog(sessions)) == count


class CountingLock(PriorityWriteLock):
    """The write lock, counting the processor's turns (one per transaction that writes)."""

    def __init__(self) -> None:
        super().__init__()
        self.turns = 0

    async def acquire_background(self) -> None:
        self.turns += 1
        await super().acquire_background()


async def test_with_sqlites_write_lock_a_batch_takes_one_transaction_unless_deliveries_arrive(
    engine: AsyncEngine,
) -> None:
    """The same batch, drained into two fresh catalogs: with the receiver quiet its product
    updates take one transaction; while deliveries arrive, one per TOGETHER_WHILE_RECEIVING."""
    count = 3 * TOGETHER_WHILE_RECEIVING + 1
    deliveries = [("products/create", _payload(n, minute=1)) for n in range(1, count + 1)]
    turns: dict[bool, int] = {}
    for receiving in (False, True):
        async with engine.begin() as connection:
            for table in reversed(Model.metadata.sorted_tables):
                await connection.execute(table.delete())
        lock = CountingLock()
        events = await _drain(
            create_sessionmaker(engine),
            deliveries,
            lock,
            create_many,
            receiving=(lambda: True) if receiving else (lambda: False),
        )
        assert [e.state for e in events] == ["processed"] * count
        turns[receiving] = lock.turns
    assert turns[True] - turns[False] == 3


async def test_detect_decides_a_chunk_together_and_a_failing_product_costs_only_itself(
    sessions: Sessions,
) -> None:
    """`decide_together`: one transaction for the chunk, quantities merged at once; when one
    product cannot be applied (its new handle is another product's), the chunk is decided one by
    one, so only that product fails, with why, and the others are applied as alone."""
    await _drain(sessions, [("products/create", _payload(n, minute=1)) for n in (1, 2, 3, 4)])

    def remote(n: int, **fields: Any) -> Remote:
        return Remote(
            f"gid://shopify/Product/{n}", product_from_rest(_payload(n, minute=5, **fields)), None
        )

    changed = _payload(1, minute=5, vendor="Elsewhere")
    changed["variants"][0]["inventory_quantity"] = 50
    counted = _payload(3, minute=5)
    counted["variants"][0]["inventory_quantity"] = 30
    chunks = [
        [
            Remote("gid://shopify/Product/3", product_from_rest(counted), None),
            Remote("gid://shopify/Product/4", None, None, error="unreadable line"),
        ],
        [
            Remote("gid://shopify/Product/1", product_from_rest(changed), None),
            remote(2, handle="product-3"),
            Remote("gid://shopify/Product/3", product_from_rest(counted), None),
        ],
    ]
    tally = Tally()
    async with sessions() as session:
        rows = await session.execute(select(Product.shopify_product_id, Product.id))
        ids = {str(shopify_id): int(pid) for shopify_id, pid in rows}
    for chunk in chunks:
        await decide_together(
            committing(sessions),
            [(r, ids[r.shopify_id]) for r in chunk],
            source="detect",
            events=ConflictEvents(None),
            tally=tally,
            job_id="test",
        )

    assert tally.outcomes == {"echo": 2, "error": 2, "merged": 1}, tally.errors
    assert {e["shopify_id"]: e["error"] for e in tally.errors}.keys() == {
        "gid://shopify/Product/4",
        "gid://shopify/Product/2",
    }
    assert all(e["error"] for e in tally.errors)
    catalog = {row[0]: row for row in await _catalog(sessions)}
    assert catalog["gid://shopify/Product/1"][3] == "Elsewhere"
    assert catalog["gid://shopify/Product/1"][-1] == 50
    assert catalog["gid://shopify/Product/2"][1] == "product-2"
    assert catalog["gid://shopify/Product/3"][-1] == 30  # merged with the chunk's others
