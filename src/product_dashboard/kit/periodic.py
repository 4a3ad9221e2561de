"""A background task that runs some work every so often until it is closed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress

logger = logging.getLogger(__name__)


class Periodic:
    """Runs `work` every `interval` seconds (the first time after `first_delay`, by default one
    interval). A run that fails is logged; the next one still comes. `close` waits for none."""

    def __init__(
        self,
        name: str,
        work: Callable[[], Awaitable[object]],
        interval: float,
        *,
        first_delay: float | None = None,
    ) -> None:
        self.name = name
        self.work = work
        self.interval = interval
        self.first_delay = interval if first_delay is None else first_delay
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        wait = self.first_delay
        while not self._stop.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait)
            if self._stop.is_set():
                return
            wait = self.interval
            try:
                await self.work()
            except Exception:
                logger.exception("%s failed; it runs again in %.0f s", self.name, wait)


__all__ = ["Periodic"]
