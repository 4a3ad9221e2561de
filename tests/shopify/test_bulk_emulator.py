"""Bulk mutation round trips against the emulator over loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from product_dashboard.shopify import (
    BulkOperation,
    BulkOperationInProgress,
    ShopifyClient,
    active_bulk_operations,
    cancel_bulk_operation,
    get_bulk_operation,
    iter_jsonl,
    run_bulk_mutation,
    staged_upload,
)
from product_dashboard.shopify.documents import PUSH_PRODUCT_SET_LINE
from tests.fixtures.waiting import wait_until
from tests.shopify.conftest import EMULATOR_TOKEN, EmulatorKnobs
from tests.shopify.factories import product_input

pytestmark = pytest.mark.integration


@pytest.fixture
async def shopify_client(emulator: EmulatorKnobs) -> AsyncIterator[ShopifyClient]:
    async with ShopifyClient(emulator.base_url, EMULATOR_TOKEN) as shopify_client:
        yield shopify_client


async def finished(shopify_client: ShopifyClient, operation_id: str) -> BulkOperation:
    operation: BulkOperation | None = None

    async def done() -> bool:
        nonlocal operation
        operation = await get_bulk_operation(shopify_client, operation_id)
        return operation is not None and operation.done

    await wait_until(done, what=f"bulk operation {operation_id}")
    assert operation is not None
    return operation


async def test_a_sixth_bulk_operation_reports_limit_reached(
    shopify_client: ShopifyClient, emulator: EmulatorKnobs, tmp_path: Path
) -> None:
    await emulator.config(bulk_rate=5)
    source = tmp_path / "vars.jsonl"
    with source.open("w") as handle:
        for i in range(30):
            line = {"input": product_input(i), "identifier": {"handle": f"product-{i}"}}
            handle.write(json.dumps(line) + "\n")
    path = await staged_upload(shopify_client, source)
    five = [
        await run_bulk_mutation(shopify_client, path, mutation=PUSH_PRODUCT_SET_LINE)
        for _ in range(5)
    ]
    with pytest.raises(BulkOperationInProgress) as caught:
        await run_bulk_mutation(shopify_client, path, mutation=PUSH_PRODUCT_SET_LINE)
    assert "LIMIT_REACHED" in caught.value.codes
    active = await active_bulk_operations(shopify_client, "MUTATION")
    assert [operation.id for operation in active] == [op.id for op in reversed(five)]
    assert await active_bulk_operations(shopify_client, "QUERY") == []
    for extra in five[1:]:
        await cancel_bulk_operation(shopify_client, extra.id)
    running = five[0]
    await cancel_bulk_operation(shopify_client, running.id)
    final = await finished(shopify_client, running.id)
    assert final.status == "CANCELED"
    assert final.object_count < 30
    if final.partial_data_url:
        lines = [line async for line in iter_jsonl(shopify_client, final.partial_data_url)]
        assert all("__lineNumber" in line for line in lines)
