"""The status board: every awaited bulk operation read in one request a tick (emulator)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from product_dashboard.shopify import BulkOperation, ShopifyClient
from product_dashboard.shopify.bulk import run_bulk_query
from product_dashboard.shopify.bulk_status import StatusBoard
from product_dashboard.shopify.documents import bulk_products_query
from product_dashboard.shopify.export import id_range_filter
from tests.shopify.conftest import EMULATOR_TOKEN, EmulatorKnobs

pytestmark = pytest.mark.integration


@pytest.fixture
async def shopify_client(emulator: EmulatorKnobs) -> AsyncIterator[ShopifyClient]:
    async with ShopifyClient(emulator.base_url, EMULATOR_TOKEN) as shopify_client:
        yield shopify_client


async def test_waiters_share_each_read_and_unknown_ids_read_as_none(
    shopify_client: ShopifyClient, emulator: EmulatorKnobs
) -> None:
    await emulator.seed(60)
    await emulator.config(bulk_rate=100, bulk_startup_seconds=0)
    searches = [id_range_filter(None, None), "title:*1*", "title:*2*"]
    started = [await run_bulk_query(shopify_client, bulk_products_query(s)) for s in searches]
    board = StatusBoard(shopify_client, interval=0.05)
    reads: dict[str, int] = {}

    async def until_done(operation_id: str) -> BulkOperation | None:
        while True:
            operation = await board.next_status(operation_id)
            reads[operation_id] = reads.get(operation_id, 0) + 1
            if operation is None or operation.done:
                return operation

    before = shopify_client.stats.requests
    unknown = "gid://shopify/BulkOperation/987654321"
    ended = await asyncio.gather(*(until_done(op.id) for op in started), until_done(unknown))
    requests = shopify_client.stats.requests - before

    assert [op.status if op else None for op in ended] == ["COMPLETED"] * 3 + [None]
    assert [op.id for op in ended if op] == [op.id for op in started]
    assert max(reads.values()) > 1, "every operation ended before the second read"
    # One request per read for every waiter, not one per waiter.
    assert requests == max(reads.values()) < sum(reads.values())


async def test_a_read_noticing_an_end_wakes_whoever_waits_for_a_slot(
    shopify_client: ShopifyClient, emulator: EmulatorKnobs
) -> None:
    await emulator.seed(30)
    await emulator.config(bulk_rate=100, bulk_startup_seconds=0)
    operation = await run_bulk_query(shopify_client, bulk_products_query())
    board = StatusBoard(shopify_client, interval=0.05)
    slot_freed = asyncio.create_task(board.until_one_ends(timeout=3600))

    while (status := await board.next_status(operation.id)) and not status.done:
        assert not slot_freed.done()
    await asyncio.wait_for(slot_freed, timeout=30)
