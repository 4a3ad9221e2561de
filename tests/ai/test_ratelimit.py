from __future__ import annotations

import asyncio

import pytest

from product_dashboard.ai import Pacer

pytestmark = pytest.mark.quick


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_burst_then_paced() -> None:
    clock = FakeClock()
    pacer = Pacer(per_minute=60, concurrency=2, clock=clock, sleep=clock.sleep)
    for _ in range(4):
        await pacer.take()
    # Two start at once (the burst); each further one waits a second (60 a minute).
    assert clock.sleeps == pytest.approx([1.0, 1.0])
    assert pacer.waited_seconds == pytest.approx(2.0)


async def test_tokens_refill_while_idle() -> None:
    clock = FakeClock()
    pacer = Pacer(per_minute=30, concurrency=1, clock=clock, sleep=clock.sleep)
    await pacer.take()
    clock.now += 10.0  # long enough for a token (2 s at 30/min), but the bucket holds only one
    await pacer.take()
    await pacer.take()
    assert clock.sleeps == pytest.approx([2.0])


async def test_concurrency_cap() -> None:
    pacer = Pacer(per_minute=10_000, concurrency=2, burst=100)
    active = 0
    peak = 0
    gate = asyncio.Event()

    async def call() -> None:
        nonlocal active, peak
        async with pacer.slot():
            active += 1
            peak = max(peak, active)
            await gate.wait()
            active -= 1

    tasks = [asyncio.create_task(call()) for _ in range(5)]
    for _ in range(10):
        await asyncio.sleep(0)
    assert active == 2
    gate.set()
    await asyncio.gather(*tasks)
    assert peak == 2


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Pacer(per_minute=0, concurrency=1)
