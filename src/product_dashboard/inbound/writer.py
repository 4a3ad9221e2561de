"""Group commit for received events: few writers, one transaction per batch of deliveries.

Twenty deliveries committing separately on SQLite queue up in its busy handler, whose sleeps
make the slowest answers seconds long. Here every request hands its row to the writer and waits
for the commit that includes it; the answer still goes out only after that commit. On SQLite
one batch is written at a time, and the writer and the processor share a `PriorityWriteLock`
instead of polling the database lock, the writer going first. On PostgreSQL a second batch may
start while one waits for its COMMIT (the WAL flush), so a delivery never waits for a commit
it is not part of; a webhook id in both is settled by the unique index (the later insert waits
for the earlier transaction, then does nothing).

Each writer slot keeps a connection of its own (no pool checkout or pre-ping per batch, never
queued behind the processor for a pooled connection) and inserts with one cached Core statement
executed for many rows, which SQLAlchemy sends as a single multi-row INSERT … RETURNING. An ORM
`insert().values(rows)` compiled a new statement for every batch size: ~10 ms of CPU a batch.

SQLite file databases: another transaction may hold the write lock for minutes (an import, a
batch edit, a pull's apply: they do not take the `PriorityWriteLock`), and a batch waiting out the
busy timeout would be answered 500 long after Shopify gave up. So the writer's waits are bounded
(STORE_BUDGET for the lock, STORE_BUDGET for SQLite's busy handler), and a batch not committed
within them goes to the spool beside the database (inbound.spool) and is answered from there;
the writer moves the spool into the table once it can, and wakes the processor.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext, suppress
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import configure_mappers

from product_dashboard.db import BUSY_TIMEOUT_MS
from product_dashboard.inbound.metrics import ReceiverMetrics
from product_dashboard.inbound.repository import insert_new_events
from product_dashboard.inbound.spool import EventSpool, SpoolTaken
from product_dashboard.inbound.write_lock import PriorityWriteLock
from product_dashboard.kit.time import utcnow
from product_dashboard.models import WebhookEvent

logger = logging.getLogger(__name__)

MAX_BATCH = 256
MAX_LINGER = 0.002  # seconds a batch may wait for more deliveries to join
QUIET_WINDOW = 0.02  # seconds after a delivery during which the receiver counts as busy
POSTGRES_WRITERS = 2
# With a spool: seconds a batch may wait for the write lock, then as long for SQLite's, before it
# is spooled instead; Shopify gives up on a delivery after 5 s.
STORE_BUDGET = 1.5
SPOOL_RETRY = 0.5  # seconds between attempts to move the spool into the table

Pending = tuple[dict[str, Any], asyncio.Future[bool]]


class EventWriter:
    def __init__(
        self,
        engine: AsyncEngine,
        write_lock: PriorityWriteLock | None,
        metrics: ReceiverMetrics | None = None,
        *,
        writers: int | None = None,
        spool: EventSpool | None = None,
        on_spool_stored: Callable[[], None] | None = None,
    ) -> None:
        """`spool`: where batches the database cannot take within STORE_BUDGET go (SQLite);
        `on_spool_stored`: called when spooled events reach the table."""
        self.engine = engine
        self.write_lock = write_lock
        self.metrics = metrics
        self.spool = spool
        self.on_spool_stored = on_spool_stored
        self.budget = STORE_BUDGET
        self._spooled = asyncio.Event()
        self._drainer: asyncio.Task[None] | None = None
        sqlite = engine.dialect.name == "sqlite"
        self.writers = 1 if sqlite else (writers or POSTGRES_WRITERS)
        self._queue: list[Pending] = []
        self._ready = asyncio.Event()
        self._slot_free = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._batches: set[asyncio.Task[None]] = set()
        self._idle: list[AsyncConnection] = []  # connections of the writer slots not in use
        self.last_activity = 0.0  # monotonic time of the last delivery handed to us

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="webhook-writer")
        if self.spool is not None:
            if len(self.spool):
                self._spooled.set()
            self._drainer = asyncio.create_task(self._drain_spool(), name="webhook-spool")

    async def warm_up(self) -> None:
        """Open the connections and run the insert once, rolled back, before any delivery.

        Otherwise the first burst of deliveries waits for the connection, the statement's
        compilation and (PostgreSQL) its preparation, and for the ORM's mapper configuration
        (~150 ms of CPU, done by whichever query comes first): hundreds of milliseconds in all.
        """
        configure_mappers()
        if self.spool is not None:
            try:
                await self.spool.load()
            except SpoolTaken as exc:
                logger.warning("webhook deliveries will not be spooled: %s", exc)
                self.spool = None
        for _ in range(self.writers):
            try:
                connection = await self._connect()
            except Exception as exc:  # the first batch will connect
                logger.warning("warming up the webhook writer failed: %s", exc)
                return
            try:
                async with self.locked():
                    transaction = await connection.begin()
                    try:
                        await insert_new_events(connection, [_probe()])
                    finally:
                        await transaction.rollback()
            except Exception as exc:
                logger.warning("warming up the webhook writer failed: %s", exc)
                await _discard(connection)
                return
            self._idle.append(connection)

    async def close(self) -> None:
        for task in (self._task, self._drainer):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        self._task = self._drainer = None
        for task in list(self._batches):
            with suppress(asyncio.CancelledError, Exception):
                await task
        for _, future in self._queue:
            if not future.done():
                future.set_exception(RuntimeError("shutting down"))
        self._queue.clear()
        if self.spool is not None:
            self.spool.close()
        while self._idle:
            connection = self._idle.pop()
            if self.spool is not None:  # back to the pool with the app's busy timeout
                with suppress(Exception):
                    await connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                    await connection.commit()
            await _discard(connection, invalidate=False)

    async def store(self, values: dict[str, Any]) -> bool:
        """Wait until `values` is committed (or found already stored); True when it was new."""
        if self._task is None:
            raise RuntimeError("EventWriter.start() has not been called")
        self.last_activity = time.monotonic()
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((values, future))
        self._ready.set()
        return await future

    def busy(self) -> bool:
        """Deliveries are queued or being written, or one arrived within QUIET_WINDOW."""
        return (
            bool(self._queue)
            or bool(self._batches)
            or time.monotonic() - self.last_activity < QUIET_WINDOW
        )

    def locked(self) -> AbstractAsyncContextManager[Any]:
        """The write lock, urgently; with a spool, TimeoutError past the budget."""
        if self.write_lock is None:
            return nullcontext()
        return self.write_lock.urgent(self.budget if self.spool is not None else None)

    async def _connect(self) -> AsyncConnection:
        """A connection for a writer slot; with a spool, its busy handler waits the budget only."""
        connection = await self.engine.connect()
        if self.spool is not None:
            try:
                await connection.exec_driver_sql(f"PRAGMA busy_timeout={int(self.budget * 1000)}")
                await connection.commit()
            except BaseException:
                await _discard(connection)
                raise
        return connection

    async def _loop(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            await self._let_batch_fill()
            while self._queue:
                if len(self._batches) >= self.writers:
                    self._slot_free.clear()
                    await self._slot_free.wait()
                    continue
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                task = asyncio.create_task(self._write(batch), name="webhook-writer-batch")
                self._batches.add(task)
                task.add_done_callback(self._batch_done)

    def _batch_done(self, task: asyncio.Task[None]) -> None:
        self._batches.discard(task)
        self._slot_free.set()

    async def _let_batch_fill(self) -> None:
        """Let deliveries already being handled join before writing: while the queue grows.

        Without this, 20 concurrent deliveries settle into alternating batches of 1 and 19: the
        first request handled after a commit is written alone, and its INSERT and COMMIT wait
        behind the other 19 being handled on the same event loop. Each turn of the loop here
        costs microseconds; MAX_LINGER bounds it when deliveries keep trickling in.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_LINGER
        size = 0
        while size < len(self._queue) < MAX_BATCH and loop.time() < deadline:
            size = len(self._queue)
            await asyncio.sleep(0)

    async def _write(self, batch: list[Pending]) -> None:
        firsts: dict[str, dict[str, Any]] = {}
        for values, _ in batch:
            firsts.setdefault(values["webhook_id"], values)
        rows = list(firsts.values())
        try:
            inserted = await self._store(rows, len(batch))
        except Exception as exc:  # the requests answer 5xx; Shopify will redeliver
            logger.warning("storing %d webhook deliveries failed: %s", len(rows), exc)
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for values, future in batch:
            # Only the first of several same-id deliveries in a batch counts as new.
            new = values["webhook_id"] in inserted and firsts[values["webhook_id"]] is values
            if not future.done():
                future.set_result(new)

    async def _store(self, rows: list[dict[str, Any]], deliveries: int) -> set[str]:
        """The webhook ids stored new: in the table, or (when it cannot take them in time, or
        while events wait there already) in the spool."""
        if self.spool is None:
            try:
                return await self._insert(rows, deliveries)
            except Exception as exc:
                # Once more on a fresh connection: a dropped connection, or on PostgreSQL a
                # deadlock with the other batch over two ids both hold. Rows that did commit are
                # found stored, so the answer is still right.
                logger.warning("storing %d webhook deliveries failed, retrying: %s", len(rows), exc)
                return await self._insert(rows, deliveries)
        if not len(self.spool):
            try:
                return await self._insert(rows, deliveries)
            except Exception as exc:
                logger.warning(
                    "storing %d webhook deliveries in the database failed within %.1f s "
                    "(another transaction holds the write lock?), spooling them: %s",
                    len(rows),
                    self.budget,
                    exc,
                )
        return await self._spool(rows)

    async def _spool(self, rows: list[dict[str, Any]]) -> set[str]:
        """Append the rows stored nowhere yet to the spool; their webhook ids."""
        assert self.spool is not None
        spool = self.spool
        ids = [row["webhook_id"] for row in rows]
        try:
            # A read: WAL readers do not wait for the writer.
            async with self.engine.connect() as connection:
                found = await connection.execute(
                    select(WebhookEvent.webhook_id).where(WebhookEvent.webhook_id.in_(ids))
                )
                known = set(found.scalars())
        except Exception as exc:  # then a repeat may be answered as new; the table keeps one
            logger.warning("looking up spooled webhook ids failed: %s", exc)
            known = set()
        new = [r for r in rows if r["webhook_id"] not in known and r["webhook_id"] not in spool]
        await spool.append(new)
        if self.metrics is not None:
            self.metrics.spooled += len(new)
        self._spooled.set()
        return {row["webhook_id"] for row in new}

    async def _drain_spool(self) -> None:
        """Move spooled events into the table, oldest first, as soon as the database takes
        them; each batch leaves the spool only once committed."""
        assert self.spool is not None
        spool = self.spool
        while True:
            await self._spooled.wait()
            await asyncio.sleep(SPOOL_RETRY)
            try:
                while len(spool):
                    await self._drain_one(spool)
            except (OperationalError, TimeoutError) as exc:  # still locked: later
                logger.info("spooled webhook deliveries not stored yet: %s", exc)
                continue
            except Exception:  # the spool's file: kept as it is, tried again later
                logger.exception("storing spooled webhook deliveries failed")
                continue
            self._spooled.clear()

    async def _drain_one(self, spool: EventSpool) -> None:
        rows = spool.events()[:MAX_BATCH]
        try:
            await self._insert(rows, 0)
        except (OperationalError, TimeoutError):
            raise
        except Exception as exc:  # a row the table refuses would hold up all the others
            logger.warning("storing spooled deliveries failed, one by one: %s", exc)
            await spool.set_aside(await self._refused(rows))
        if self.on_spool_stored is not None:
            self.on_spool_stored()
        await spool.remove({row["webhook_id"] for row in rows})
        logger.info("%d spooled webhook deliveries handled", len(rows))

    async def _refused(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each row in a transaction of its own; those the table refuses (OperationalError,
        the database locked again, is raised: the spool keeps them all)."""
        refused = []
        for row in rows:
            try:
                await self._insert([row], 0)
            except (OperationalError, TimeoutError):
                raise
            except Exception as exc:
                logger.error(
                    "spooled webhook delivery %s refused by the table, set aside: %s",
                    row.get("webhook_id"),
                    exc,
                )
                refused.append(row)
        return refused

    async def _insert(self, rows: list[dict[str, Any]], deliveries: int) -> set[str]:
        """One transaction on one of the writer's connections; the webhook ids inserted.
        `deliveries`: how many requests wait for it (0: the spool's), for the metrics."""
        started = time.perf_counter()
        connection: AsyncConnection | None = None
        try:
            async with self.locked():
                writing = time.perf_counter()
                connection = self._idle.pop() if self._idle else await self._connect()
                async with connection.begin():
                    inserted = await insert_new_events(connection, rows)
        except BaseException:
            if connection is not None:
                await _discard(connection)
            raise
        self._idle.append(connection)
        if self.metrics is not None and deliveries:
            done = time.perf_counter()
            self.metrics.record_batch(
                deliveries, (done - writing) * 1000, (writing - started) * 1000
            )
        return inserted


def _probe() -> dict[str, Any]:
    return {
        "webhook_id": f"warm-up:{uuid.uuid4()}",
        "event_id": None,
        "topic": "warm-up",
        "shop_domain": None,
        "api_version": None,
        "triggered_at": None,
        "resource_id": None,
        "body": "{}",
        "received_at": utcnow(),
        "next_attempt_at": utcnow(),
    }


async def _discard(connection: AsyncConnection, *, invalidate: bool = True) -> None:
    if invalidate:
        with suppress(Exception):
            await connection.invalidate()
    with suppress(Exception):
        await connection.close()
