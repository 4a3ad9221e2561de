"""Bulk mutation and bulk query round trips against the emulator over loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from product_dashboard.shopify import (
    PRIMARY_LOCATION,
    BulkOperationInProgress,
    ShopifyClient,
    bulk_product_set,
    bulk_products_query,
    cancel_bulk_operation,
    content_hash,
    current_bulk_operation,
    from_shopify_product,
    iter_bulk_query_objects,
    iter_jsonl,
    poll_bulk_operation,
    run_bulk_mutation,
    run_bulk_query,
    staged_upload,
    to_product_set_input,
)
from tests.shopify.conftest import EMULATOR_TOKEN, EmulatorKnobs
from tests.shopify.factories import make_product

pytestmark = pytest.mark.integration


@pytest.fixture
async def shopify_client(emulator: EmulatorKnobs) -> AsyncIterator[ShopifyClient]:
    async with ShopifyClient(emulator.base_url, EMULATOR_TOKEN) as shopify_client:
        yield shopify_client


async def test_bulk_product_set_then_bulk_export_round_trip(shopify_client: ShopifyClient) -> None:
    location = (await shopify_client.execute(PRIMARY_LOCATION))["location"]["id"]
    products = [make_product(i) for i in range(40)]
    items = [to_product_set_input(p, location_id=location) for p in products]
    results = [r async for r in bulk_product_set(shopify_client, items, poll_interval=0.05)]
    assert sorted(line for line, _ in results) == list(range(40))
    outcomes = dict(results)
    assert all(o.ok for o in outcomes.values()), [o.user_errors for o in outcomes.values()]
    assert [outcomes[i].handle for i in range(40)] == [p.handle for p in products]

    operation = await run_bulk_query(shopify_client, bulk_products_query())
    operation = await poll_bulk_operation(shopify_client, operation.id, interval=0.05)
    operation.raise_for_status()
    assert operation.url is not None
    exported = [obj async for obj in iter_bulk_query_objects(shopify_client, operation.url)]
    assert len(exported) == 40
    by_handle = {p.handle: p for p in products}
    for node in exported:
        synced = from_shopify_product(node)
        assert len(synced.variants) == 3
        assert content_hash(synced) == content_hash(by_handle[synced.handle])
        assert synced.shopify_product_id == outcomes[int(synced.handle.split("-")[1])].product_id


async def test_second_bulk_mutation_reports_operation_in_progress(
    shopify_client: ShopifyClient, emulator: EmulatorKnobs, tmp_path: Path
) -> None:
    await emulator.config(bulk_rate=5)
    source = tmp_path / "vars.jsonl"
    with source.open("w") as handle:
        for i in range(30):
            product_input, identifier = to_product_set_input(make_product(i))
            handle.write(json.dumps({"input": product_input, "identifier": identifier}) + "\n")
    path = await staged_upload(shopify_client, source)
    running = await run_bulk_mutation(shopify_client, path)
    with pytest.raises(BulkOperationInProgress) as caught:
        await run_bulk_mutation(shopify_client, path)
    assert "OPERATION_IN_PROGRESS" in caught.value.codes
    current = await current_bulk_operation(shopify_client, "MUTATION")
    assert current is not None and current.id == running.id
    await cancel_bulk_operation(shopify_client, running.id)
    final = await poll_bulk_operation(shopify_client, running.id, interval=0.05)
    assert final.status == "CANCELED"
    assert final.object_count < 30
    if final.partial_data_url:
        lines = [line async for line in iter_jsonl(shopify_client, final.partial_data_url)]
        assert all("__lineNumber" in line for line in lines)
