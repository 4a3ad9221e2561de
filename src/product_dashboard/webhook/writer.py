"""Group commit for received events: one writer, one transaction per batch of deliveries.

Twenty deliveries committing separately on SQLite queue up in its busy handler, whose sleeps
make the slowest answers seconds long. Here every request hands its row to one writer task
and waits for the commit that includes it; the answer still goes out only after that commit.
On SQLite the writer and the processor share a `PriorityWriteLock` instead of polling the
database lock, and the writer goes first.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AbstractAsyncContextManager, nullcontext, suppress
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.webhook.repository import WebhookEventRepository
from product_dashboard.webhook.write_lock import PriorityWriteLock

MAX_BATCH = 256


class EventWriter:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        write_lock: PriorityWriteLock | None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.write_lock = write_lock
        self._queue: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_activity = 0.0  # monotonic time of the last delivery handed to us

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="webhook-writer")

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

    async def store(self, values: dict[str, Any]) -> bool:
        """Wait until `values` is committed (or found already stored); True when it was new."""
        if self._task is None:
            raise RuntimeError("EventWriter.start() has not been called")
        self.last_activity = time.monotonic()
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((values, future))
        self._ready.set()
        return await future

    def locked(self) -> AbstractAsyncContextManager[Any]:
        return self.write_lock.urgent() if self.write_lock is not None else nullcontext()

    async def _loop(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                firsts: dict[str, dict[str, Any]] = {}
                for values, _ in batch:
                    firsts.setdefault(values["webhook_id"], values)
                try:
                    async with self.locked(), self.sessionmaker() as session, session.begin():
                        inserted = await WebhookEventRepository(session).store_many(
                            list(firsts.values())
                        )
                except Exception as exc:  # the requests answer 5xx; Shopify will redeliver
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for values, future in batch:
                    # Only the first of several same-id deliveries in a batch counts as new.
                    new = (
                        values["webhook_id"] in inserted and firsts[values["webhook_id"]] is values
                    )
                    if not future.done():
                        future.set_result(new)
