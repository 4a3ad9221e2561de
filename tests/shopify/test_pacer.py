"""The cost pacer against a simulated Shopify bucket, on virtual time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from product_dashboard.shopify.pacer import CostPacer
from product_dashboard.shopify.types import ThrottleStatus
from tests.shopify.conftest import VirtualClock

pytestmark = pytest.mark.quick


def status(available: float, maximum: float = 2000, rate: float = 100) -> ThrottleStatus:
    return ThrottleStatus(
        maximum_available=maximum, currently_available=available, restore_rate=rate
    )


def make_pacer(clock: VirtualClock, margin: float = 0.2) -> CostPacer:
    return CostPacer(safety_margin_seconds=margin, clock=clock, sleep=clock.sleep)


async def test_unknown_bucket_lets_one_probe_through_at_a_time(clock: VirtualClock) -> None:
    pacer = make_pacer(clock)
    order: list[str] = []

    async def probe() -> None:
        reservation = await pacer.acquire(50)
        order.append("probe sent")
        await clock.sleep(1.0)
        order.append("probe answered")
        pacer.settle(reservation, status(1950), actual_cost=50)

    async def follower() -> None:
        await asyncio.sleep(0)
        reservation = await pacer.acquire(50)
        order.append("follower sent")
        pacer.settle(reservation, status(1900), actual_cost=50)

    await clock.run(probe(), follower())
    assert order == ["probe sent", "probe answered", "follower sent"]
    assert pacer.known


async def test_waits_exactly_for_the_deficit_plus_margin(clock: VirtualClock) -> None:
    pacer = make_pacer(clock, margin=0.2)
    pacer.observe(status(100))
    assert pacer.wait_needed(500) == pytest.approx((500 + 20 - 100) / 100)

    async def go() -> float:
        await pacer.acquire(500)
        return clock.now

    [sent_at] = await clock.run(go())
    assert sent_at == pytest.approx(4.2)
    assert pacer.stats().waits == 1


async def test_in_flight_reservations_count_against_the_bucket(clock: VirtualClock) -> None:
    pacer = make_pacer(clock, margin=0.2)
    pacer.observe(status(1000))

    async def go() -> list[float]:
        times = []
        for _ in range(3):
            await pacer.acquire(400)
            times.append(clock.now)
        return times

    [times] = await clock.run(go())
    # 1000 - 800 reserved = 200 left; the third needs 420, so 2.2 s of restore.
    assert times[:2] == [0.0, 0.0]
    assert times[2] == pytest.approx(2.2)
    assert pacer.stats().in_flight_points == 1200


async def test_settle_takes_shopify_figure_including_refund(clock: VirtualClock) -> None:
    pacer = make_pacer(clock)
    pacer.observe(status(2000))
    reservation = await pacer.acquire(300)
    assert pacer.available_now() == 1700
    clock.advance(0.5)
    # Shopify charged 40 of the 300 requested; it reports 1960 left.
    pacer.settle(reservation, status(1960), actual_cost=40)
    assert pacer.available_now() == 1960
    clock.advance(1.0)
    assert pacer.available_now() == 2000  # refilled, capped at the maximum
    assert pacer.stats().points_spent == 40


async def test_failed_request_without_status_is_assumed_spent(clock: VirtualClock) -> None:
    pacer = make_pacer(clock)
    pacer.observe(status(1000))
    reservation = await pacer.acquire(200)
    pacer.settle(reservation, None, charged=True)
    assert pacer.available_now() == 800
    reservation = await pacer.acquire(200)
    pacer.settle(reservation, None, charged=False)
    assert pacer.available_now() == 800


async def test_waiters_are_served_in_arrival_order(clock: VirtualClock) -> None:
    pacer = make_pacer(clock, margin=0.0)
    pacer.observe(status(0))
    served: list[str] = []

    async def ask(name: str, cost: float, delay: float) -> None:
        await clock.sleep(delay)
        await pacer.acquire(cost)
        served.append(name)

    await clock.run(ask("big", 900, 0.0), ask("small", 10, 0.001))
    assert served == ["big", "small"]


@dataclass
class SimulatedShopify:
    """Shopify's leaky bucket on virtual time: charges the requested cost, refunds the rest."""

    clock: VirtualClock
    maximum: float = 2000
    rate: float = 100
    level: float = 2000
    at: float = 0.0
    throttled: int = 0
    spent: float = 0.0

    def _refill(self) -> None:
        self.level = min(self.maximum, self.level + (self.clock.now - self.at) * self.rate)
        self.at = self.clock.now

    def handle(self, requested: float, actual: float) -> tuple[bool, ThrottleStatus]:
        self._refill()
        if self.level < requested:
            self.throttled += 1
            return False, status(self.level, self.maximum, self.rate)
        self.level -= actual
        self.spent += actual
        return True, status(self.level, self.maximum, self.rate)


@pytest.mark.parametrize("workers", [1, 4, 10])
async def test_concurrent_workers_run_at_the_restore_rate_without_throttling(
    clock: VirtualClock, workers: int
) -> None:
    shopify = SimulatedShopify(clock)
    pacer = make_pacer(clock)
    requests_per_worker = 120 // workers

    async def worker(index: int) -> None:
        for n in range(requests_per_worker):
            requested = 100 + 37 * ((index + n) % 7)  # 100..322 points
            actual = requested * 0.8
            while True:
                reservation = await pacer.acquire(requested)
                await clock.sleep(0.05 + 0.01 * (n % 3))  # to Shopify
                ok, reported = shopify.handle(requested, actual)
                await clock.sleep(0.05)  # back to us
                pacer.settle(reservation, reported, actual_cost=actual if ok else None, charged=ok)
                if ok:
                    break

    await clock.run(*(worker(i) for i in range(workers)))
    assert shopify.throttled == 0
    # Beyond the initial bucket, spending is bounded by restore; we get close to that bound.
    budget = shopify.maximum + shopify.rate * clock.now
    assert shopify.spent / budget > 0.9
