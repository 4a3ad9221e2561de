"""A client-side mirror of Shopify's leaky cost bucket that waits *before* sending.

Shopify reports, on every response, the bucket as it stood when it answered (`throttleStatus`).
Between responses the bucket refills at `restoreRate`. The pacer models

    available_now = min(maximum, last_reported + restore_rate * elapsed) - in_flight

where `in_flight` is the sum of costs reserved by requests that have been sent but not yet
answered. A request reserves its estimated cost before it is sent and settles afterwards: the
reservation is released and the reported bucket replaces the model (so refunds of the difference
between requested and actual cost are picked up from Shopify's own figure).

Why it is conservative: a reported level already includes charges for in-flight requests Shopify
has processed, while we still subtract them until they settle. That double count costs a little
throughput for a few milliseconds and buys near-zero throttling. Until the first report arrives the
bucket is unknown, so only one request may be in flight (a probe).

Waiters are served first-come first-served (asyncio.Lock is FIFO), so a large request is not
starved by a stream of small ones.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from product_dashboard.shopify.types import ThrottleStatus

__all__ = ["CostPacer", "PacerStats", "Reservation"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

_reservation_ids = itertools.count(1)
# Float rounding can leave a deficit of a few femtoseconds; waiting for it would spin.
_NEGLIGIBLE_SECONDS = 1e-6


@dataclass(slots=True)
class Reservation:
    """Points set aside for one request between sending and settling."""

    cost: float
    id: int
    settled: bool = False


@dataclass(frozen=True, slots=True)
class PacerStats:
    """Figures for metrics and benchmarks."""

    acquisitions: int
    waits: int
    waited_seconds: float
    points_spent: float
    in_flight_points: float
    available_now: float
    maximum_available: float | None
    restore_rate: float | None
    utilisation: float
    """Points spent per second since the first request, as a fraction of the restore rate."""


class CostPacer:
    """Concurrency-safe cost budget for one store, shared by every task calling that store."""

    def __init__(
        self,
        *,
        safety_margin_seconds: float = 0.2,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        # The margin is expressed in seconds of restore so it scales with the plan:
        # 0.2 s is 20 points on Standard (100/s), 200 on Plus (1,000/s).
        self._margin_seconds = safety_margin_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._maximum: float | None = None
        self._rate: float | None = None
        self._level = 0.0
        self._level_at = 0.0
        self._in_flight = 0.0
        self._acquisitions = 0
        self._waits = 0
        self._waited = 0.0
        self._spent = 0.0
        self._started_at: float | None = None

    @property
    def known(self) -> bool:
        """Whether Shopify has reported the bucket at least once."""
        return self._rate is not None

    @property
    def restore_rate(self) -> float | None:
        return self._rate

    @property
    def maximum_available(self) -> float | None:
        return self._maximum

    @property
    def safety_margin(self) -> float:
        """The margin in points kept unused below the estimated requirement."""
        return (self._rate or 0.0) * self._margin_seconds

    def available_now(self) -> float:
        """Points the model expects Shopify to hold now, minus what is reserved in flight."""
        if self._rate is None or self._maximum is None:
            return 0.0
        elapsed = max(0.0, self._clock() - self._level_at)
        return min(self._maximum, self._level + elapsed * self._rate) - self._in_flight

    def utilisation(self) -> float:
        """Points spent per second since the first request, over the restore rate."""
        if self._started_at is None or not self._rate:
            return 0.0
        elapsed = self._clock() - self._started_at
        if elapsed <= 0:
            return 0.0
        return self._spent / elapsed / self._rate

    def stats(self) -> PacerStats:
        return PacerStats(
            acquisitions=self._acquisitions,
            waits=self._waits,
            waited_seconds=self._waited,
            points_spent=self._spent,
            in_flight_points=self._in_flight,
            available_now=self.available_now(),
            maximum_available=self._maximum,
            restore_rate=self._rate,
            utilisation=self.utilisation(),
        )

    def wait_needed(self, cost: float) -> float:
        """Seconds to wait before `cost` (plus the margin) fits; 0.0 if it fits now."""
        if self._rate is None or self._maximum is None:
            return 0.0 if self._in_flight == 0 else float("inf")
        need = min(cost + self.safety_margin, self._maximum)
        deficit = need - self.available_now()
        return max(0.0, deficit / self._rate)

    async def acquire(self, cost: float) -> Reservation:
        """Wait until `cost` points fit in the modelled bucket, then reserve them."""
        async with self._lock:
            if self._started_at is None:
                self._started_at = self._clock()
            waited = False
            while True:
                if not self.known:
                    if self._in_flight == 0:
                        break
                    self._changed.clear()
                    await self._changed.wait()
                    continue
                delay = self.wait_needed(cost)
                if delay <= _NEGLIGIBLE_SECONDS:
                    break
                if not waited:
                    self._waits += 1
                    waited = True
                self._waited += delay
                await self._sleep(delay)
            self._in_flight += cost
            self._acquisitions += 1
            return Reservation(cost=cost, id=next(_reservation_ids))

    def settle(
        self,
        reservation: Reservation,
        status: ThrottleStatus | None = None,
        *,
        actual_cost: float | None = None,
        charged: bool = True,
    ) -> None:
        """Release a reservation once its response (or failure) is known.

        `status` is the response's throttleStatus; it replaces the model. Without one (transport
        failure, missing extension) the reservation is assumed spent when `charged`, because we
        cannot tell whether Shopify processed the request.
        """
        if reservation.settled:
            return
        reservation.settled = True
        self._in_flight = max(0.0, self._in_flight - reservation.cost)
        if actual_cost is not None:
            self._spent += actual_cost
        if status is not None:
            self.observe(status)
        elif charged and self.known:
            self._level = self._modelled_level() - reservation.cost
            self._level_at = self._clock()
            if actual_cost is None:
                self._spent += reservation.cost
        self._changed.set()

    def observe(self, status: ThrottleStatus) -> None:
        """Take Shopify's reported bucket as the new truth."""
        self._maximum = status.maximum_available
        self._rate = status.restore_rate
        self._level = status.currently_available
        self._level_at = self._clock()
        self._changed.set()

    def _modelled_level(self) -> float:
        assert self._rate is not None and self._maximum is not None
        elapsed = max(0.0, self._clock() - self._level_at)
        return min(self._maximum, self._level + elapsed * self._rate)
