"""The circuit breaker's state machine on a fake clock."""

from __future__ import annotations

import pytest

from product_dashboard.shopify.breaker import BreakerState, CircuitBreaker
from product_dashboard.shopify.errors import CircuitOpenError

pytestmark = pytest.mark.quick


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def state_of(breaker: CircuitBreaker) -> BreakerState:
    """The state read through a call, so mypy does not narrow it across assertions."""
    return breaker.state


def make(clock: Clock, **kwargs: int | float) -> CircuitBreaker:
    settings: dict[str, float] = {"failure_threshold": 3, "recovery_timeout": 10.0}
    settings.update(kwargs)
    return CircuitBreaker(
        name="test-store",
        failure_threshold=int(settings["failure_threshold"]),
        recovery_timeout=settings["recovery_timeout"],
        success_threshold=int(settings.get("success_threshold", 1)),
        clock=clock,
    )


def test_opens_after_consecutive_failures_and_fails_fast() -> None:
    clock = Clock()
    breaker = make(clock)
    for _ in range(2):
        breaker.before_call()
        breaker.record_failure()
    assert state_of(breaker) is BreakerState.CLOSED
    breaker.before_call()
    breaker.record_failure()
    assert state_of(breaker) is BreakerState.OPEN
    clock.now = 4.0
    with pytest.raises(CircuitOpenError) as caught:
        breaker.before_call()
    assert caught.value.retry_after == pytest.approx(6.0)
    assert "test-store" in str(caught.value)
    assert breaker.times_opened == 1


def test_success_resets_the_failure_streak() -> None:
    breaker = make(Clock())
    for _ in range(5):
        breaker.record_failure()
        breaker.record_failure()
        breaker.record_success()
    assert state_of(breaker) is BreakerState.CLOSED


def test_half_open_allows_one_trial_and_closes_on_success() -> None:
    clock = Clock()
    breaker = make(clock)
    for _ in range(3):
        breaker.record_failure()
    clock.now = 10.0
    assert state_of(breaker) is BreakerState.HALF_OPEN
    breaker.before_call()
    with pytest.raises(CircuitOpenError):
        breaker.before_call()  # the single trial slot is taken
    breaker.record_success()
    assert state_of(breaker) is BreakerState.CLOSED
    breaker.before_call()


def test_half_open_failure_reopens_for_a_full_timeout() -> None:
    clock = Clock()
    breaker = make(clock)
    for _ in range(3):
        breaker.record_failure()
    clock.now = 12.0
    breaker.before_call()
    breaker.record_failure()
    assert state_of(breaker) is BreakerState.OPEN
    assert breaker.retry_after() == pytest.approx(10.0)
    assert breaker.times_opened == 2


def test_neutral_outcome_frees_the_trial_slot() -> None:
    clock = Clock()
    breaker = make(clock, success_threshold=2)
    for _ in range(3):
        breaker.record_failure()
    clock.now = 10.0
    breaker.before_call()
    breaker.record_neutral()
    breaker.before_call()
    breaker.record_success()
    assert state_of(breaker) is BreakerState.HALF_OPEN
    breaker.before_call()
    breaker.record_success()
    assert state_of(breaker) is BreakerState.CLOSED


def test_rejects_nonsense_thresholds() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=0)
