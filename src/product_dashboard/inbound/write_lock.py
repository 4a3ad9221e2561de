"""SQLite's single writer, shared in-process: deliveries first, processing when none waits.

A receiver batch waits at most for the one processing transaction in flight, never for a queue
of them; processing waits while any delivery wants to write. Processing takes its turn only at
its first write statement (`background_transaction`), so its reads and its CPU-heavy comparison run
while deliveries keep being stored; it holds the lock from that write to its COMMIT, which is
also exactly when SQLite itself holds the database's write lock for it.

Only these two take part. Every other writer (an import's chunk, a batch edit, a pull's apply, a
reconcile, another process) takes SQLite's lock directly and may hold it for seconds or minutes;
the receiver's writer therefore waits a bounded time for both locks (`urgent(within=…)`, its
connections' busy timeout) and keeps what it cannot store in time in the spool beside the
database (inbound.spool).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util import await_


class PriorityWriteLock:
    def __init__(self) -> None:
        self._condition = asyncio.Condition()
        self._held = False
        self._urgent_waiting = 0

    @asynccontextmanager
    async def urgent(self, within: float | None = None) -> AsyncIterator[None]:
        """For the receiver's writer: next in line whatever else is waiting. TimeoutError when
        not held `within` seconds (a processing transaction stuck behind another writer)."""
        async with self._condition:
            self._urgent_waiting += 1
            try:
                async with asyncio.timeout(within):
                    await self._condition.wait_for(lambda: not self._held)
            except BaseException:
                self._urgent_waiting -= 1
                self._condition.notify_all()  # background may go, if it waited for us
                raise
            self._urgent_waiting -= 1
            self._held = True
        try:
            yield
        finally:
            await self.release()

    @asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        """For the processor: only when no delivery is waiting to be stored."""
        await self.acquire_background()
        try:
            yield
        finally:
            await self.release()

    async def acquire_background(self) -> None:
        async with self._condition:
            await self._condition.wait_for(lambda: not self._held and not self._urgent_waiting)
            self._held = True

    async def release(self) -> None:
        async with self._condition:
            self._held = False
            self._condition.notify_all()


def _writes(statement: str) -> bool:
    head = statement.lstrip()[:6].upper()
    return not head.startswith(("SELECT", "WITH", "PRAGMA"))


@asynccontextmanager
async def background_transaction(
    session: AsyncSession, lock: PriorityWriteLock | None
) -> AsyncIterator[None]:
    """`session.begin()` for the processor: committed on success, rolled back on error.

    With a lock (SQLite), the lock is taken at the session's first write statement (background
    priority) and released after the COMMIT or ROLLBACK. Under pysqlite's default transaction
    handling, reads before that write run outside the transaction and the driver's BEGIN comes
    with the write: so the lock is held exactly while SQLite's own write lock is.
    """
    if lock is None:
        async with session.begin():
            yield
        return
    held = False

    def before_cursor_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal held
        if not held and _writes(statement):
            await_(lock.acquire_background())  # runs inside SQLAlchemy's greenlet
            held = True

    connection = (await session.connection()).sync_connection
    event.listen(connection, "before_cursor_execute", before_cursor_execute)
    try:
        try:
            yield
        except BaseException:
            await session.rollback()
            raise
        await session.commit()
    finally:
        event.remove(connection, "before_cursor_execute", before_cursor_execute)
        if held:
            await lock.release()
