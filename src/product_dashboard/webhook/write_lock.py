"""SQLite's single writer, shared in-process: deliveries first, processing when none waits.

A receiver batch waits at most for the one processing transaction in flight, never for a queue
of them; processing waits while any delivery wants to write.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class PriorityWriteLock:
    def __init__(self) -> None:
        self._condition = asyncio.Condition()
        self._held = False
        self._urgent_waiting = 0

    @asynccontextmanager
    async def urgent(self) -> AsyncIterator[None]:
        """For the receiver's writer: next in line whatever else is waiting."""
        async with self._condition:
            self._urgent_waiting += 1
            try:
                await self._condition.wait_for(lambda: not self._held)
            finally:
                self._urgent_waiting -= 1
            self._held = True
        try:
            yield
        finally:
            await self._release()

    @asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        """For the processor: only when no delivery is waiting to be stored."""
        async with self._condition:
            await self._condition.wait_for(lambda: not self._held and not self._urgent_waiting)
            self._held = True
        try:
            yield
        finally:
            await self._release()

    async def _release(self) -> None:
        async with self._condition:
            self._held = False
            self._condition.notify_all()
