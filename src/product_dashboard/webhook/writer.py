"""Group commit for received events: one writer, one transaction per batch of deliveries.

Twenty deliveries committing separately on SQLite queue up in its busy handler, whose sleeps
make the slowest answers seconds long. Here every request hands its row to one writer task
and waits for the commit that includes it; the answer still goes out only after that commit.
On SQLite the writer and the processor share a `PriorityWriteLock` instead of polling the
database lock, and the writer goes first.

The writer keeps one connection of its own (no pool checkout or pre-ping per batch, never
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

from product_dashboard.kit.time import utcnow
from product_dashboard.webhook.metrics import ReceiverMetrics
from product_dashboard.webhook.repository import insert_new_events
from product_dashboard.webhook.write_lock import PriorityWriteLock

logger = logging.getLogger(__name__)

MAX_BATCH = 256
MAX_LINGER = 0.002  # seconds a batch may wait for more deliveries to join
QUIET_WINDOW = 0.02  # seconds after a delivery during which the receiver counts as busy

Pending = tuple[dict[str, Any], asyncio.Future[bool]]


class EventWriter:
    def __init__(
        self,
        engine: AsyncEngine,
        write_lock: PriorityWriteLock | None,
        metrics: ReceiverMetrics | None = None,
    ) -> None:
        self.engine = engine
        self.write_lock = write_lock
        self.metrics = metrics
        self._queue: list[Pending] = []
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._connection: AsyncConnection | None = None
        self._writing = False
        self.last_activity = 0.0  # monotonic time of the last delivery handed to us

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="webhook-writer")

    async def warm_up(self) -> None:
        """Open the connection and run the insert once, rolled back, before any delivery.

        Otherwise the first burst of deliveries waits for the connection, the statement's
        compilation and (PostgreSQL) its preparation, and for the ORM's mapper configuration
        (~150 ms of CPU, done by whichever query comes first): hundreds of milliseconds in all.
        """
        configure_mappers()
        probe = {
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
        try:
            async with self.locked():
                connection = await self._connect()
                transaction = await connection.begin()
                try:
                    await insert_new_events(connection, [probe])
                finally:
                    await transaction.rollback()
        except Exception as exc:  # the first batch will connect again
            logger.warning("warming up the webhook writer failed: %s", exc)
            await self._drop_connection()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for _, future in self._queue:
            if not future.done():
                future.set_exception(RuntimeError("shutting down"))
        self._queue.clear()
        await self._drop_connection()

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
            or self._writing
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
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                self._writing = True
                try:
                    await self._write(batch)
                finally:
                    self._writing = False

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
        started = time.perf_counter()
        try:
            async with self.locked():
                writing = time.perf_counter()
                connection = await self._connect()
                async with connection.begin():
                    inserted = await insert_new_events(connection, list(firsts.values()))
        except Exception as exc:  # the requests answer 5xx; Shopify will redeliver
            logger.warning("storing %d webhook deliveries failed: %s", len(batch), exc)
            await self._drop_connection()
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        if self.metrics is not None:
            done = time.perf_counter()
            self.metrics.record_batch(
                len(batch), (done - writing) * 1000, (writing - started) * 1000
            )
        for values, future in batch:
            # Only the first of several same-id deliveries in a batch counts as new.
            new = values["webhook_id"] in inserted and firsts[values["webhook_id"]] is values
            if not future.done():
                future.set_result(new)

    async def _connect(self) -> AsyncConnection:
        if self._connection is None:
            self._connection = await self.engine.connect()
        return self._connection

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(Exception):
                await connection.invalidate()
            with suppress(Exception):
                await connection.close()
