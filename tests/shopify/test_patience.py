"""A bulk operation's status read waits out our open circuit breaker instead of failing the job:
the operation runs on at Shopify whatever our breaker says (emulator)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from product_dashboard.shopify import CircuitBreaker, CircuitOpenError, ShopifyClient
from product_dashboard.shopify.bulk import run_bulk_query
from product_dashboard.shopify.bulk_status import StatusBoard
from product_dashboard.shopify.documents import bulk_products_query
from product_dashboard.shopify.patience import patiently
from product_dashboard.sync.push.bulk import BulkPusher, BulkStatus
from tests.shopify.conftest import EMULATOR_TOKEN, EmulatorKnobs

pytestmark = pytest.mark.integration

RECOVERY = 0.3


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


@pytest.fixture
async def shopify_client(emulator: EmulatorKnobs, clock: _Clock) -> AsyncIterator[ShopifyClient]:
    # A stalled test must not let the breaker half-open early: its clock moves when told.
    breaker = CircuitBreaker(failure_threshold=2, recovery_timeout=RECOVERY, clock=clock)
    async with ShopifyClient(emulator.base_url, EMULATOR_TOKEN, breaker=breaker) as client:
        yield client


def _open(client: ShopifyClient) -> None:
    for _ in range(client.breaker.failure_threshold):
        client.breaker.record_failure()


async def _close_later(clock: _Clock) -> None:
    """Let the breaker refuse a few reads (each pause is 0.05 s at least), then let its
    recovery time pass."""
    await asyncio.sleep(2 * RECOVERY)
    clock.now += RECOVERY


async def _held_query(client: ShopifyClient, emulator: EmulatorKnobs) -> str:
    await emulator.seed(20)
    await emulator.config(bulk_rate=1000, bulk_startup_seconds=0, bulk_hold=True)
    return (await run_bulk_query(client, bulk_products_query())).id


async def test_a_bulk_push_status_read_waits_out_an_open_circuit(
    shopify_client: ShopifyClient, emulator: EmulatorKnobs, clock: _Clock
) -> None:
    operation_id = await _held_query(shopify_client, emulator)
    pusher = BulkPusher(shopify_client, poll_interval=0.05)
    status = await pusher.status(operation_id)
    assert not status.done
    _open(shopify_client)
    polling = asyncio.create_task(pusher.poll(status))
    await _close_later(clock)
    assert not polling.done(), "the poll gave up on the open circuit"
    await emulator.config(bulk_hold=False)
    final: BulkStatus = await asyncio.wait_for(polling, timeout=60)
    assert final.status == "COMPLETED"


async def test_the_status_board_waits_out_an_open_circuit(
    shopify_client: ShopifyClient, emulator: EmulatorKnobs, clock: _Clock
) -> None:
    operation_id = await _held_query(shopify_client, emulator)
    board = StatusBoard(shopify_client, interval=0.05)
    _open(shopify_client)

    async def until_done() -> str:
        while True:
            found = await board.next_status(operation_id)
            assert found is not None
            if found.done:
                return found.status

    waiting = asyncio.create_task(until_done())
    await _close_later(clock)
    assert not waiting.done(), "the board gave up on the open circuit"
    await emulator.config(bulk_hold=False)
    assert await asyncio.wait_for(waiting, timeout=60) == "COMPLETED"


async def test_patience_is_bounded_and_ends_when_stopping() -> None:
    calls = 0

    async def refused() -> None:
        nonlocal calls
        calls += 1
        raise CircuitOpenError("open", retry_after=0.0)

    with pytest.raises(CircuitOpenError):
        await patiently(refused, max_waits=3)
    assert calls == 4
    calls = 0
    with pytest.raises(CircuitOpenError):
        await patiently(refused, stopping=lambda: True)
    assert calls == 1
