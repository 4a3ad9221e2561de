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
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from contextlib import AbstractAsyncContextManager, nullcontext, suppress
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import configure_mappers

from product_dashboard.inbound.metrics import ReceiverMetrics
from product_dashboard.inbound.repository import insert_new_events
from product_dashboard.inbound.write_lock import PriorityWriteLock
from product_dashboard.kit.time import utcnow

logger = logging.getLogger(__name__)

MAX_BATCH = 256
MAX_LINGER = 0.002  # seconds a batch may wait for more deliveries to join
QUIET_WINDOW = 0.02  # seconds after a delivery during which the receiver counts as busy
POSTGRES_WRITERS = 2

Pending = tuple[dict[str, Any], asyncio.Future[bool]]


class EventWriter:
    def __init__(
        self,
        engine: AsyncEngine,
        write_lock: PriorityWriteLock | None,
        metrics: ReceiverMetrics | None = None,
        *,
        writers: int | None = None,
    ) -> None:
        self.engine = engine
        self.write_lock = write_lock
        self.metrics = metrics
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

    async def warm_up(self) -> None:
        """Open the connections and run the insert once, rolled back, before any delivery.

        Otherwise the first burst of deliveries waits for the connection, the statement's
        compilation and (PostgreSQL) its preparation, and for the ORM's mapper configuration
        (~150 ms of CPU, done by whichever query comes first): hundreds of milliseconds in all.
        """
        configure_mappers()
        for _ in range(self.writers):
            try:
                connection = await self.engine.connect()
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
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for task in list(self._batches):
            with suppress(asyncio.CancelledError, Exception):
                await task
        for _, future in self._queue:
            if not future.done():
                future.set_exception(RuntimeError("shutting down"))
        self._queue.clear()
        while self._idle:
            await _discard(self._idle.pop(), invalidate=False)

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
        return self.write_lock.urgent() if self.write_lock is not None else nullcontext()

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
            try:
                inserted = await self._insert(rows, len(batch))
            except Exception as exc:
                # Once more on a fresh connection: a dropped connection, or on PostgreSQL a
                # deadlock with the other batch over two ids both hold. Rows that did commit are
                # found stored, so the answer is still right.
                logger.warning("storing %d webhook deliveries failed, retrying: %s", len(rows), exc)
                inserted = await self._insert(rows, len(batch))
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

    async def _insert(self, rows: list[dict[str, Any]], deliveries: int) -> set[str]:
        """One transaction on one of the writer's connections; the webhook ids inserted."""
        started = time.perf_counter()
        connection: AsyncConnection | None = None
        try:
            async with self.locked():
                writing = time.perf_counter()
                connection = self._idle.pop() if self._idle else await self.engine.connect()
                async with connection.begin():
                    inserted = await insert_new_events(connection, rows)
        except BaseException:
            if connection is not None:
                await _discard(connection)
            raise
        self._idle.append(connection)
        if self.metrics is not None:
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
