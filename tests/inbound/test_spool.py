"""SQLite: deliveries answered while another transaction holds the write lock past the writer's
budget go to the spool beside the database, then to the table, each once (inbound.spool)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.config import Settings
from product_dashboard.importer.parse import ParsedProduct
from product_dashboard.importer.service import ImportReport, run_import
from product_dashboard.inbound import signing
from product_dashboard.inbound import writer as writer_module
from product_dashboard.inbound.metrics import ReceiverMetrics
from product_dashboard.inbound.sample import sample_product_payload
from product_dashboard.inbound.spool import EventSpool, spool_path
from product_dashboard.inbound.write_lock import PriorityWriteLock
from product_dashboard.inbound.writer import EventWriter
from product_dashboard.kit.time import utcnow
from product_dashboard.main import create_app
from product_dashboard.models import AuditSource, Product, WebhookEvent
from tests.fixtures.waiting import wait_until
from tests.inbound.harness import SECRET, event_row

pytestmark = pytest.mark.integration

BUDGET = 0.2  # seconds: the writer's wait for the lock, far below the held transaction's length


@pytest.fixture
def sqlite_only(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer: PostgreSQL inserts a new row beside any transaction")


@pytest.fixture
def spool_file(engine: AsyncEngine, sqlite_only: None) -> Path:
    path = spool_path(engine.url)
    assert path is not None
    return path


@pytest.fixture
def short_budget(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(writer_module, "STORE_BUDGET", BUDGET)
    monkeypatch.setattr(writer_module, "SPOOL_RETRY", 0.05)
    yield


@pytest.fixture
async def woken() -> list[int]:
    return []


@pytest.fixture
async def writer(
    engine: AsyncEngine, spool_file: Path, short_budget: None, woken: list[int]
) -> AsyncIterator[EventWriter]:
    writer = EventWriter(
        engine,
        PriorityWriteLock(),
        ReceiverMetrics(),
        spool=EventSpool(spool_file),
        on_spool_stored=lambda: woken.append(1),
    )
    await writer.warm_up()
    writer.start()
    yield writer
    await writer.close()


async def _stored(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(WebhookEvent.webhook_id).order_by(WebhookEvent.id))
        return [webhook_id for (webhook_id,) in rows]


async def _hold_write_lock(engine: AsyncEngine) -> AsyncConnection:
    """Another transaction holding SQLite's write lock (as an import's does), until rolled back."""
    connection = await engine.connect()
    await connection.exec_driver_sql("BEGIN IMMEDIATE")
    return connection


def _spooled_ids(path: Path) -> list[str]:
    return [json.loads(line)["webhook_id"] for line in path.read_text().splitlines()]


async def test_deliveries_are_answered_from_the_spool_while_the_write_lock_is_held(
    writer: EventWriter, engine: AsyncEngine, spool_file: Path, woken: list[int]
) -> None:
    held = await _hold_write_lock(engine)
    try:
        assert await writer.store(event_row("held-1")) is True
        assert await writer.store(event_row("held-1")) is False  # a repeat, known from the spool
        assert await writer.store(event_row("held-2")) is True
        assert await _stored(engine) == []  # nothing in the table: the lock is still held
        assert _spooled_ids(spool_file) == ["held-1", "held-2"]
        assert writer.metrics is not None and writer.metrics.spooled == 2
    finally:
        await held.rollback()
        await held.close()

    async def in_table() -> bool:
        return await _stored(engine) == ["held-1", "held-2"]

    await wait_until(in_table, what="the spooled deliveries to reach the table, in order")
    spool = writer.spool
    assert spool is not None

    async def emptied() -> bool:  # (until then, a new delivery joins the spool: order kept)
        return not len(spool) and await _gone(spool_file)

    await wait_until(emptied, what="the spool to be emptied")
    assert woken
    assert await writer.store(event_row("held-2")) is False  # a repeat, now known from the table
    assert await writer.store(event_row("after")) is True  # straight into the table again
    assert await _stored(engine) == ["held-1", "held-2", "after"]
    assert await _gone(spool_file)


async def test_a_processing_transaction_stuck_behind_another_writer_is_not_waited_for(
    writer: EventWriter, engine: AsyncEngine, spool_file: Path
) -> None:
    """The processor holds the shared lock while SQLite makes it wait (up to the app's busy
    timeout): the writer's wait for that lock is bounded by the same budget."""
    assert writer.write_lock is not None
    processing = asyncio.create_task(
        _hold_background(writer.write_lock, release := asyncio.Event())
    )
    await asyncio.sleep(0)
    try:
        assert await writer.store(event_row("behind-processing")) is True
        assert _spooled_ids(spool_file) == ["behind-processing"]
    finally:
        release.set()
        await processing

    async def in_table() -> bool:
        return await _stored(engine) == ["behind-processing"]

    await wait_until(in_table, what="the spooled delivery to reach the table")


async def _hold_background(lock: PriorityWriteLock, release: asyncio.Event) -> None:
    async with lock.background():
        await release.wait()


async def test_an_urgent_wait_past_its_budget_gives_up_and_lets_background_go() -> None:
    lock = PriorityWriteLock()
    await lock.acquire_background()
    second = asyncio.create_task(lock.acquire_background())
    with pytest.raises(TimeoutError):
        async with lock.urgent(within=0.01):
            pass
    await lock.release()
    await asyncio.wait_for(second, 5)  # no urgent waiter left behind to block it
    await lock.release()


async def test_a_spool_left_by_a_crash_is_stored_once_at_start(
    engine: AsyncEngine, spool_file: Path, short_budget: None
) -> None:
    # "one" reached the table before the crash, the spool's rewrite did not; the last line was
    # cut short by the crash (never answered 200).
    first = EventWriter(engine, PriorityWriteLock())
    await first.warm_up()
    first.start()
    assert await first.store(event_row("one")) is True
    await first.close()
    spooled = [
        {
            **event_row(i),
            "received_at": utcnow().isoformat(),
            "next_attempt_at": utcnow().isoformat(),
        }
        for i in ("one", "two")
    ]
    text = "".join(json.dumps(e) + "\n" for e in spooled) + '{"webhook_id": "thr'
    await asyncio.to_thread(spool_file.write_text, text, encoding="utf-8")
    writer = EventWriter(engine, PriorityWriteLock(), spool=EventSpool(spool_file))
    await writer.warm_up()
    writer.start()
    try:

        async def in_table() -> bool:
            return await _stored(engine) == ["one", "two"]

        await wait_until(in_table, what="the spool left behind to reach the table")
        await wait_until(lambda: _gone(spool_file), what="the spool to be emptied")
        async with engine.connect() as connection:
            two = (
                await connection.execute(
                    select(WebhookEvent.received_at).where(WebhookEvent.webhook_id == "two")
                )
            ).scalar_one()
        assert two is not None
    finally:
        await writer.close()


async def _gone(path: Path) -> bool:
    return not await asyncio.to_thread(path.exists)


# -- the app: a real import's transaction, signed HTTP deliveries, the processor ----------------


@pytest.fixture
async def app(settings: Settings, sqlite_only: None, short_budget: None) -> AsyncIterator[FastAPI]:
    configured = settings.model_copy(update={"shopify_webhook_secret": SECRET})
    application = create_app(configured)
    async with application.router.lifespan_context(application):
        yield application


def _parsed(handle: str) -> ParsedProduct:
    return ParsedProduct(
        handle=handle, first_row=2, payload={"title": handle, "handle": handle, "vendor": "Import"}
    )


async def test_a_delivery_during_an_import_is_acked_and_processed_once_after_it(
    app: FastAPI, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The import holds SQLite's write lock across its products (one transaction, so that
    "abort" can keep nothing); a delivery meanwhile is answered 200 within the writer's budget,
    not after the busy timeout, and processed once the import has committed."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def progress(report: ImportReport) -> None:
        if report.products == 1:  # the first product written: the lock is held from here
            holding.set()
            await release.wait()

    async def importing() -> ImportReport:
        return await run_import(
            sessionmaker,
            [_parsed("imported-one"), _parsed("imported-two")],
            Actor(source=AuditSource.import_),
            dry_run=False,
            on_error="abort",
            progress=progress,
        )

    task = asyncio.create_task(importing())
    try:
        await asyncio.wait_for(holding.wait(), 30)
        body = json.dumps(sample_product_payload()).encode()
        headers = {
            "X-Shopify-Topic": "products/update",
            "X-Shopify-Hmac-Sha256": signing.sign(SECRET, body),
            "X-Shopify-Webhook-Id": "during-import",
        }
        first = await client.post("/webhooks/shopify", content=body, headers=headers)
        again = await client.post("/webhooks/shopify", content=body, headers=headers)
        assert first.status_code == 200, first.text
        assert first.json()["duplicate"] is False
        assert again.status_code == 200 and again.json()["duplicate"] is True
        assert not task.done()  # the import still holds the lock: the ack did not wait for it
    finally:
        release.set()
    report = await task
    assert report.committed and report.created == 2

    async def processed() -> bool:
        async with sessionmaker() as session:
            events = (await session.scalars(select(WebhookEvent))).all()
            return len(events) == 1 and events[0].state in ("processed", "ignored")

    await wait_until(processed, what="the delivery to be processed after the import")
    async with sessionmaker() as session:
        event = (await session.scalars(select(WebhookEvent))).one()
        assert event.webhook_id == "during-import" and event.attempts == 1
        handles = set((await session.scalars(select(Product.handle))).all())
    assert {"imported-one", "imported-two"} <= handles


async def test_a_second_process_on_the_database_gets_no_spool(
    writer: EventWriter, engine: AsyncEngine, spool_file: Path
) -> None:
    """Two owners would each rewrite the file from what they hold, dropping the other's."""
    other = EventWriter(engine, PriorityWriteLock(), spool=EventSpool(spool_file))
    await other.warm_up()
    try:
        assert other.spool is None and writer.spool is not None  # waits as before instead
    finally:
        await other.close()
    assert writer.spool is not None
    writer.spool.close()
    again = EventSpool(spool_file)
    await again.load()  # free once its owner closed it
    again.close()


async def test_an_event_the_table_refuses_is_set_aside_and_holds_up_no_other(
    writer: EventWriter, engine: AsyncEngine, spool_file: Path
) -> None:
    held = await _hold_write_lock(engine)
    try:
        assert await writer.store(event_row("good-1")) is True
        assert await writer.store({**event_row("refused"), "body": None}) is True  # NOT NULL
        assert await writer.store(event_row("good-2")) is True
    finally:
        await held.rollback()
        await held.close()

    async def in_table() -> bool:
        return await _stored(engine) == ["good-1", "good-2"]

    await wait_until(in_table, what="the others to reach the table")
    refused = spool_file.with_name(spool_file.name + ".refused")
    assert await asyncio.to_thread(_spooled_ids, refused) == ["refused"]
    spool = writer.spool
    assert spool is not None

    async def emptied() -> bool:
        return not len(spool) and await _gone(spool_file)

    await wait_until(emptied, what="the spool to be emptied")
    assert await writer.store(event_row("after")) is True
    assert await _stored(engine) == ["good-1", "good-2", "after"]
