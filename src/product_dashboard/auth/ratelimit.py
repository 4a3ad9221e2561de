"""Moving-window rate limits for sensitive endpoints (per client and per account)."""

from __future__ import annotations

import math
import time

from limits import (
    RateLimitItem,
    RateLimitItemPerHour,
    RateLimitItemPerMinute,
    RateLimitItemPerSecond,
)
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from product_dashboard.exceptions import TooManyRequests


class RateLimiter:
    """Raise 429 with Retry-After once a key has used up its window."""

    def __init__(self) -> None:
        self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)

    def hit(self, item: RateLimitItem, *keys: str) -> None:
        for key in keys:
            if not self._limiter.hit(item, key):
                reset_at, _ = self._limiter.get_window_stats(item, key)
                retry_after = max(1, math.ceil(reset_at - time.time()))
                raise TooManyRequests(
                    f"Too many attempts; try again in {retry_after} s.", retry_after=retry_after
                )

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
