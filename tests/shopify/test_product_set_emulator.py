"""productSet, reads and the other documents against the emulator over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from product_dashboard.shopify import (
    COLLECTION_CREATE,
    COLLECTION_DELETE,
    COLLECTION_UPDATE,
    PRODUCT_BY_ID,
    PRODUCT_DELETE,
    PRODUCTS_PAGE,
    WEBHOOK_SUBSCRIPTION_CREATE,
    WEBHOOK_SUBSCRIPTION_DELETE,
    WEBHOOK_SUBSCRIPTIONS,
    CostPacer,
    ShopifyClient,
    estimate_cost,
    largest_page,
    push_batch_document,
    push_batch_variables,
    raise_for_user_errors,
    updated_since_filter,
)
from tests.shopify.conftest import EMULATOR_TOKEN, EmulatorKnobs
from tests.shopify.factories import product_input

pytestmark = pytest.mark.integration


@pytest.fixture
async def shopify_client(emulator: EmulatorKnobs) -> AsyncIterator[ShopifyClient]:
    async with ShopifyClient(
        emulator.base_url, EMULATOR_TOKEN, pacer=CostPacer()
    ) as shopify_client:
        yield shopify_client


def set_products(indices: range) -> tuple[str, dict[str, Any]]:
    """The push's batch document and variables creating `product-{i}` for each index."""
    entries = [("set", product_input(i), {"handle": f"product-{i}"}, 3) for i in indices]
    return push_batch_document(("set",) * len(indices)), push_batch_variables(entries)


async def create_products(shopify_client: ShopifyClient, indices: range) -> list[str]:
    response = await shopify_client.execute(*set_products(indices))
    for n in range(len(indices)):
        raise_for_user_errors(response.data[f"p{n}"], "productSet")
    return [response.data[f"p{n}"]["product"]["id"] for n in range(len(indices))]


async def all_products(
    shopify_client: ShopifyClient, search: str | None = None
) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    variables: dict[str, Any] = {"variantsFirst": 5, "mediaFirst": 1, "query": search}
    page = largest_page(PRODUCTS_PAGE, variables)
    after = None
    while True:
        response = await shopify_client.execute(
            PRODUCTS_PAGE, {**variables, "first": page, "after": after}
        )
        products = response.data["products"]
        nodes.extend(products["nodes"])
        if not products["pageInfo"]["hasNextPage"]:
            return nodes
        after = products["pageInfo"]["endCursor"]


async def test_incremental_pull_pages_through_changes(shopify_client: ShopifyClient) -> None:
    for start in range(0, 12, 4):
        await create_products(shopify_client, range(start, start + 4))
    since = datetime.now(UTC) - timedelta(hours=1)
    nodes = await all_products(shopify_client, updated_since_filter(since))
    assert sorted(n["handle"] for n in nodes) == sorted(f"product-{i}" for i in range(12))
    stamps = [n["updatedAt"] for n in nodes]
    assert stamps == sorted(stamps)
    assert (
        await all_products(shopify_client, updated_since_filter(datetime.now(UTC) + timedelta(1)))
        == []
    )


async def test_product_delete(shopify_client: ShopifyClient) -> None:
    [product_id] = await create_products(shopify_client, range(5, 6))
    deleted = await shopify_client.execute(PRODUCT_DELETE, {"id": product_id})
    raise_for_user_errors(deleted["productDelete"], "productDelete")
    assert deleted["productDelete"]["deletedProductId"] == product_id
    assert (await shopify_client.execute(PRODUCT_BY_ID, {"id": product_id}))["product"] is None


async def test_collection_and_webhook_documents_run(shopify_client: ShopifyClient) -> None:
    [product_id] = await create_products(shopify_client, range(6, 7))
    collection = await shopify_client.execute(
        COLLECTION_CREATE,
        {
            "collection": {
                "title": "Summer",
                "handle": "summer",
                "sources": [{"source": {"title": "Products", "inclusion": {"selections": []}}}],
            }
        },
        idempotent=False,
    )
    raise_for_user_errors(collection["collectionCreate"], "collectionCreate")
    created = collection["collectionCreate"]["collection"]
    collection_id = created["id"]
    inclusion = {"selectionsToAdd": [{"productId": product_id}]}
    added = await shopify_client.execute(
        COLLECTION_UPDATE,
        {
            "collection": {
                "id": collection_id,
                "sourcesToUpdate": [
                    {"condition": {"id": created["sources"][0]["id"], "inclusion": inclusion}}
                ],
            }
        },
    )
    raise_for_user_errors(added["collectionUpdate"], "collectionUpdate")
    removed = await shopify_client.execute(COLLECTION_DELETE, {"id": collection_id})
    assert removed["collectionDelete"]["deletedCollectionId"] == collection_id

    subscription = await shopify_client.execute(
        WEBHOOK_SUBSCRIPTION_CREATE,
        {
            "topic": "PRODUCTS_UPDATE",
            "webhookSubscription": {"uri": "http://127.0.0.1:9/hook", "format": "JSON"},
        },
        idempotent=False,
    )
    raise_for_user_errors(subscription["webhookSubscriptionCreate"], "webhookSubscriptionCreate")
    subscription_id = subscription["webhookSubscriptionCreate"]["webhookSubscription"]["id"]
    listed = await shopify_client.execute(WEBHOOK_SUBSCRIPTIONS)
    assert subscription_id in [n["id"] for n in listed["webhookSubscriptions"]["nodes"]]
    deleted = await shopify_client.execute(WEBHOOK_SUBSCRIPTION_DELETE, {"id": subscription_id})
    assert deleted["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"] == subscription_id


async def test_our_cost_estimates_cover_the_requested_cost(shopify_client: ShopifyClient) -> None:
    """The pacer reserves our estimate, so it must not be below what the store charges up front."""
    product_id = (await create_products(shopify_client, range(5)))[0]
    cases: list[tuple[str, dict[str, Any]]] = [
        set_products(range(5)),
        # (a page reads media, metafields and variant links too since #16: ~150 points a product)
        (PRODUCTS_PAGE, {"first": 5, "variantsFirst": 10, "mediaFirst": 2}),
        (PRODUCT_BY_ID, {"id": product_id}),
        (WEBHOOK_SUBSCRIPTIONS, {"first": 20}),
    ]
    for document, variables in cases:
        response = await shopify_client.execute(document, variables)
        assert response.cost is not None and response.cost.requested_query_cost is not None
        assert response.cost.requested_query_cost <= estimate_cost(document, variables)
