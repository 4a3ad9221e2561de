"""The leaky bucket with a fake clock."""

from __future__ import annotations

import pytest

from shopify_emulator.throttle import CostBucket

pytestmark = pytest.mark.quick


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_refuses_when_requested_cost_exceeds_available() -> None:
    clock = FakeClock()
    bucket = CostBucket(2000, 100, clock=clock)
    assert bucket.try_take(1500)
    assert not bucket.try_take(600)
    assert bucket.status().currently_available == 500


def test_bucket_restores_at_the_plan_rate_and_caps_at_capacity() -> None:
    clock = FakeClock()
    bucket = CostBucket(2000, 100, clock=clock)
    bucket.try_take(2000)
    clock.now = 3.0
    assert bucket.status().currently_available == 300
    clock.now = 100.0
    assert bucket.status().currently_available == 2000


def test_refund_returns_the_difference_to_actual_cost() -> None:
    bucket = CostBucket(1000, 50, clock=FakeClock())
    bucket.try_take(800)
    bucket.refund(800 - 12)
    assert bucket.status().currently_available == 1000 - 12


def test_unlimited_bucket_never_refuses_but_counts() -> None:
    bucket = CostBucket(100, 10, enforce=False, clock=FakeClock())
    assert bucket.try_take(500)
    assert bucket.status().currently_available == 0


def test_forced_empty_throttles_until_it_ends() -> None:
    clock = FakeClock()
    bucket = CostBucket(2000, 100, clock=clock)
    bucket.force_empty(5)
    assert not bucket.try_take(1)
    clock.now = 4.9
    assert not bucket.try_take(1)
    clock.now = 6.0
    assert bucket.try_take(1)


def test_a_storm_from_the_next_request_is_met_however_late_it_comes() -> None:
    clock = FakeClock()
    bucket = CostBucket(2000, 100, clock=clock)
    bucket.storm_from_next_request(5)
    assert bucket.status().currently_available == 0
    clock.now = 60.0  # a busy client sends its first request long after the storm was set
    assert bucket.status().currently_available == 0
    assert not bucket.try_take(1)
    clock.now = 64.9
    assert not bucket.try_take(1)
    clock.now = 66.0
    assert bucket.try_take(1)
