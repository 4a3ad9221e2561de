"""Client-side pacing for OpenAI: a token bucket for request starts plus a concurrency cap.

OpenAI's own limits answer 429 when exceeded (the SDK then backs off and retries); pacing on our
side keeps a batch of hundreds of icons from running into them in the first place.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager


class Pacer:
    """At most `per_minute` starts a minute (bursts up to `burst`), `concurrency` at once."""

    def __init__(
        self,
        per_minute: int,
        concurrency: int,
        *,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_minute < 1 or concurrency < 1:
            raise ValueError("per_minute and concurrency must be at least 1")
        self.per_minute = per_minute
        self.concurrency = concurrency
        self._rate = per_minute / 60.0
        self._capacity = float(burst if burst is not None else min(per_minute, concurrency))
        self._tokens = self._capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(concurrency)
        self.waited_seconds = 0.0  # total time callers spent waiting for a token

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the concurrent slots for the duration of a request."""
        async with self._slots:
            await self.take()
            yield

    async def take(self) -> None:
        """Wait until a request may start (first come, first served)."""
        async with self._lock:
            while True:
                self._refill()
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) / self._rate
                self.waited_seconds += wait
                await self._sleep(wait)

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._updated = now
        self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
