"""Moving-window rate limits for sensitive endpoints (per client and per account)."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

from limits import (
    RateLimitItem,
    RateLimitItemPerHour,
    RateLimitItemPerMinute,
    RateLimitItemPerSecond,
)
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from product_dashboard.exceptions import TooManyRequests

# Counts failed logins per account over 15 minutes; it never refuses by itself (see login_delay).
FAILURE_WINDOW: RateLimitItem = RateLimitItemPerMinute(1_000_000, 15)
FREE_FAILURES = 5
MAX_LOGIN_DELAY_SECONDS = 10.0


def login_delay(failures: int) -> float:
    """Seconds to wait before checking a password, given the account's recent failures.

    A lock-out would let anyone lock a colleague out by mistyping their email on purpose; a
    delay that doubles from 0.5 s after five failures (capped at 10 s) makes guessing slow
    while the real user still gets in.
    """
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(0.5 * 2 ** (failures - FREE_FAILURES), MAX_LOGIN_DELAY_SECONDS))


class RateLimiter:
    """Raise 429 with Retry-After once a key has used up its window."""

    def __init__(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._sleep = sleep

    async def slow_down(self, key: str) -> float:
        """Wait `login_delay` for the failures recorded on `key`; returns the seconds waited."""
        delay = login_delay(self.failures(key))
        if delay:
            await self._sleep(delay)
        return delay

    def hit(self, item: RateLimitItem, *keys: str) -> None:
        for key in keys:
            if not self._limiter.hit(item, key):
                reset_at, _ = self._limiter.get_window_stats(item, key)
                retry_after = max(1, math.ceil(reset_at - time.time()))
                raise TooManyRequests(
                    f"Too many attempts; try again in {retry_after} s.", retry_after=retry_after
                )

    def failures(self, key: str) -> int:
        """Failures recorded on `key` in the last FAILURE_WINDOW."""
        _, remaining = self._limiter.get_window_stats(FAILURE_WINDOW, key)
        return FAILURE_WINDOW.amount - remaining

    def record_failure(self, key: str) -> None:
        self._limiter.hit(FAILURE_WINDOW, key)

    def clear_failures(self, key: str) -> None:
        self._limiter.clear(FAILURE_WINDOW, key)

    def allow(self, item: RateLimitItem, key: str) -> bool:
        """Count a hit on `key`; False once its window is used up (nothing raised)."""
        return bool(self._limiter.hit(item, key))

    def reset(self) -> None:
        self._storage.reset()


def per_minute(count: int) -> RateLimitItem:
    return RateLimitItemPerMinute(count)


def per_hour(count: int) -> RateLimitItem:
    return RateLimitItemPerHour(count)


def per_second(count: int) -> RateLimitItem:
    return RateLimitItemPerSecond(count)
