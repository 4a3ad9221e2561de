"""A per-store circuit breaker: closed → open → half-open → closed.

Closed: calls go through; `failure_threshold` consecutive failed attempts open the circuit.
Open: calls fail fast with CircuitOpenError until `recovery_timeout` seconds have passed.
Half-open: up to `half_open_max_calls` trial calls go through; `success_threshold` successes close
the circuit, one failure opens it again for another `recovery_timeout`.

Only failures that say something about the store's health count (transport errors, 5xx, 401/403);
throttling, GraphQL errors and user errors are answers from a healthy store.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass

from product_dashboard.shopify.errors import CircuitOpenError

__all__ = ["BreakerState", "CircuitBreaker"]


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(slots=True)
class _Counters:
    consecutive_failures: int = 0
    half_open_in_flight: int = 0
    half_open_successes: int = 0
    opened_at: float = 0.0
    times_opened: int = 0


class CircuitBreaker:
    """Guards one store: `before_call()`, then `record_success()` or `record_failure()`."""

    def __init__(
        self,
        *,
        name: str = "shopify",
        failure_threshold: int = 10,
        recovery_timeout: float = 30.0,
        half_open_max_calls: int = 1,
        success_threshold: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or half_open_max_calls < 1 or success_threshold < 1:
            raise ValueError("breaker thresholds must be at least 1")
        self.name = name
        self.failure_threshold = failure_threshold
        self.recovery_timeout = recovery_timeout
        self.half_open_max_calls = half_open_max_calls
        self.success_threshold = success_threshold
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._c = _Counters()

    @property
    def state(self) -> BreakerState:
        """The current state, moving open → half-open once the recovery timeout has passed."""
        if (
            self._state is BreakerState.OPEN
            and self._clock() - self._c.opened_at >= self.recovery_timeout
        ):
            self._state = BreakerState.HALF_OPEN
            self._c.half_open_in_flight = 0
            self._c.half_open_successes = 0
        return self._state

    @property
    def times_opened(self) -> int:
        return self._c.times_opened

    @property
    def consecutive_failures(self) -> int:
        return self._c.consecutive_failures

    def retry_after(self) -> float:
        """Seconds until an open circuit lets a trial call through."""
        if self.state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._c.opened_at + self.recovery_timeout - self._clock())

    def before_call(self) -> None:
        """Raise CircuitOpenError when the call must not go through."""
        state = self.state
        if state is BreakerState.CLOSED:
            return
        if state is BreakerState.HALF_OPEN:
            if self._c.half_open_in_flight < self.half_open_max_calls:
                self._c.half_open_in_flight += 1
                return
            raise CircuitOpenError(
                f"circuit '{self.name}' is half-open and its trial calls are in flight",
                retry_after=0.0,
            )
        retry_after = self.retry_after()
        raise CircuitOpenError(
            f"circuit '{self.name}' is open after {self.failure_threshold} consecutive failures; "
            f"failing fast for {retry_after:.1f}s more",
            retry_after=retry_after,
        )

    def record_success(self) -> None:
        self._c.consecutive_failures = 0
        if self._state is BreakerState.HALF_OPEN:
            self._c.half_open_in_flight = max(0, self._c.half_open_in_flight - 1)
            self._c.half_open_successes += 1
            if self._c.half_open_successes >= self.success_threshold:
                self._state = BreakerState.CLOSED

    def record_failure(self) -> None:
        self._c.consecutive_failures += 1
        if self._state is BreakerState.HALF_OPEN or (
            self._state is BreakerState.CLOSED
            and self._c.consecutive_failures >= self.failure_threshold
        ):
            self._open()

    def record_neutral(self) -> None:
        """A call ended without saying anything about health (e.g. throttled); free its slot."""
        if self._state is BreakerState.HALF_OPEN:
            self._c.half_open_in_flight = max(0, self._c.half_open_in_flight - 1)

    def _open(self) -> None:
        self._state = BreakerState.OPEN
        self._c.opened_at = self._clock()
        self._c.times_opened += 1
        self._c.half_open_in_flight = 0
        self._c.half_open_successes = 0
