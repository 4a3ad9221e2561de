"""The per-shop leaky bucket of cost points."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class ThrottleStatus:
    maximum_available: float
    currently_available: int
    restore_rate: float

    def as_json(self) -> dict[str, float | int]:
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": self.currently_available,
            "restoreRate": self.restore_rate,
        }


class CostBucket:
    """Holds points up to `capacity`, refilled at `restore_rate` per second.

    A request takes its requested cost up front and is refunded the difference to its actual
    cost afterwards. `enforce=False` (the unlimited plan) never refuses but still counts.
    """

    def __init__(
        self,
        capacity: float,
        restore_rate: float,
        enforce: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate
        self.enforce = enforce
        self._clock = clock
        self._available = capacity
        self._updated = clock()
        self.forced_empty_until = 0.0
        self._storm_pending: float | None = None

    def reconfigure(self, capacity: float, restore_rate: float, enforce: bool) -> None:
        self._refill()
        self.capacity, self.restore_rate, self.enforce = capacity, restore_rate, enforce
        self._available = min(self._available, capacity)

    def _refill(self) -> None:
        now = self._clock()
        elapsed = now - self._updated
        self._updated = now
        if self._storm_pending is not None or now < self.forced_empty_until:
            self._available = 0.0
            return
        self._available = min(self.capacity, self._available + elapsed * self.restore_rate)

    def force_empty(self, seconds: float) -> None:
        """Drain the bucket and keep it empty for `seconds` (a throttle storm)."""
        self.forced_empty_until = self._clock() + seconds
        self._available = 0.0

    def storm_from_next_request(self, seconds: float) -> None:
        """Drain the bucket and keep it empty until the next request asks for points, then for
        `seconds` more: the storm is met by that request however late a busy client sends it."""
        self._storm_pending = seconds
        self._available = 0.0

    def try_take(self, cost: int) -> bool:
        if self._storm_pending is not None:
            self.force_empty(self._storm_pending)
            self._storm_pending = None
        self._refill()
        if self.enforce and (self._available < cost or self._clock() < self.forced_empty_until):
            return False
        self._available = max(0.0, self._available - cost)
        return True

    def refund(self, points: int) -> None:
        self._refill()
        self._available = min(self.capacity, self._available + max(points, 0))

    def reset(self) -> None:
        self._available = self.capacity
        self._updated = self._clock()
        self.forced_empty_until = 0.0
        self._storm_pending = None

    def status(self) -> ThrottleStatus:
        self._refill()
        return ThrottleStatus(self.capacity, int(self._available), self.restore_rate)
