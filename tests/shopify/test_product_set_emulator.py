"""productSet, reads and the other documents against the emulator over loopback HTTP."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from product_dashboard.shopify import (
    COLLECTION_ADD_PRODUCTS,
    COLLECTION_CREATE,
    COLLECTION_DELETE,
    PRIMARY_LOCATION,
    PRODUCT_BY_ID,
    PRODUCT_DELETE,
    PRODUCT_SET,
    PRODUCTS_PAGE,
    WEBHOOK_SUBSCRIPTION_CREATE,
    WEBHOOK_SUBSCRIPTION_DELETE,
    WEBHOOK_SUBSCRIPTIONS,
    CostPacer,
    ShopifyClient,
    batch_variables,
    build_product_set_batch,
    content_hash,
    estimate_cost,
    from_shopify_product,
    largest_page,
    max_batch_size,
    parse_batch_result,
    parse_product_set_payload,
    raise_for_user_errors,
    to_product_set_input,
    updated_since_filter,
)
from tests.shopify.conftest import EMULATOR_TOKEN, EmulatorKnobs
from tests.shopify.factories import make_product

pytestmark = pytest.mark.integration


@pytest.fixture
async def shopify_client(emulator: EmulatorKnobs) -> AsyncIterator[ShopifyClient]:
    async with ShopifyClient(
        emulator.base_url, EMULATOR_TOKEN, pacer=CostPacer()
    ) as shopify_client:
        yield shopify_client


async def primary_location(shopify_client: ShopifyClient) -> str:
    location_id: str = (await shopify_client.execute(PRIMARY_LOCATION)).data["location"]["id"]
    return location_id


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


async def test_product_set_by_handle_then_by_id_updates_one_product(
    shopify_client: ShopifyClient,
) -> None:
    location = await primary_location(shopify_client)
    product = make_product(1)
    product_input, identifier = to_product_set_input(product, location_id=location)
    assert identifier == {"handle": "product-1"}
    first = parse_product_set_payload(
        (
            await shopify_client.execute(
                PRODUCT_SET, {"input": product_input, "identifier": identifier}
            )
        )["productSet"]
    )
    assert first.ok and first.product_id
    # Replay after a "crash" that lost the id: still identified by handle, no duplicate.
    again = parse_product_set_payload(
        (
            await shopify_client.execute(
                PRODUCT_SET, {"input": product_input, "identifier": identifier}
            )
        )["productSet"]
    )
    assert again.product_id == first.product_id
    # Now with the ids recorded back, change the price.
    variant_ids = {ref.option_values[0][1]: ref.id for ref in first.variants}
    known = dataclasses.replace(
        product,
        shopify_product_id=first.product_id,
        variants=[
            dataclasses.replace(
                v, shopify_variant_id=variant_ids[v.option_values[0]], price_cents=v.price_cents + 1
            )
            for v in product.variants
        ],
    )
    product_input, identifier = to_product_set_input(known, location_id=location)
    third = parse_product_set_payload(
        (
            await shopify_client.execute(
                PRODUCT_SET, {"input": product_input, "identifier": identifier}
            )
        )["productSet"]
    )
    assert third.product_id == first.product_id
    assert {ref.id for ref in third.variants} == set(variant_ids.values())
    assert len(await all_products(shopify_client)) == 1
    read = await shopify_client.execute(PRODUCT_BY_ID, {"id": first.product_id})
    assert content_hash(from_shopify_product(read["product"])) == content_hash(known)


async def test_max_batch_round_trips_through_the_emulator(shopify_client: ShopifyClient) -> None:
    location = await primary_location(shopify_client)
    size = max_batch_size()
    products = [make_product(i) for i in range(size)]
    items = [to_product_set_input(p, location_id=location) for p in products]
    response = await shopify_client.execute(build_product_set_batch(size), batch_variables(items))
    assert response.cost is not None and response.cost.requested_query_cost is not None
    assert response.cost.requested_query_cost <= 1000
    outcomes = parse_batch_result(response.data, size)
    assert all(o.ok for o in outcomes), [o.user_errors for o in outcomes]
    assert [o.handle for o in outcomes] == [p.handle for p in products]
    for product, outcome in zip(products, outcomes, strict=True):
        read = await shopify_client.execute(PRODUCT_BY_ID, {"id": outcome.product_id})
        assert content_hash(from_shopify_product(read["product"])) == content_hash(product)


async def test_batch_reports_user_errors_per_product(shopify_client: ShopifyClient) -> None:
    good, bad = make_product(1), make_product(2)
    bad.variants[0].price_cents = -100
    items = [to_product_set_input(good), to_product_set_input(bad)]
    response = await shopify_client.execute(build_product_set_batch(2), batch_variables(items))
    outcomes = parse_batch_result(response.data, 2)
    assert outcomes[0].ok
    assert not outcomes[1].ok and outcomes[1].user_errors[0].message


async def test_incremental_pull_pages_through_changes(shopify_client: ShopifyClient) -> None:
    items = [to_product_set_input(make_product(i)) for i in range(12)]
    for start in range(0, 12, 4):
        chunk = items[start : start + 4]
        await shopify_client.execute(build_product_set_batch(len(chunk)), batch_variables(chunk))
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
    product_input, identifier = to_product_set_input(make_product(5))
    created = await shopify_client.execute(
        PRODUCT_SET, {"input": product_input, "identifier": identifier}
    )
    product_id = created["productSet"]["product"]["id"]
    deleted = await shopify_client.execute(PRODUCT_DELETE, {"id": product_id})
    raise_for_user_errors(deleted["productDelete"], "productDelete")
    assert deleted["productDelete"]["deletedProductId"] == product_id
    assert (await shopify_client.execute(PRODUCT_BY_ID, {"id": product_id}))["product"] is None


async def test_collection_and_webhook_documents_run(shopify_client: ShopifyClient) -> None:
    product_input, identifier = to_product_set_input(make_product(6))
    created = await shopify_client.execute(
        PRODUCT_SET, {"input": product_input, "identifier": identifier}
    )
    product_id = created["productSet"]["product"]["id"]
    collection = await shopify_client.execute(
        COLLECTION_CREATE, {"input": {"title": "Summer", "handle": "summer"}}, idempotent=False
    )
    raise_for_user_errors(collection["collectionCreate"], "collectionCreate")
    collection_id = collection["collectionCreate"]["collection"]["id"]
    added = await shopify_client.execute(
        COLLECTION_ADD_PRODUCTS, {"id": collection_id, "productIds": [product_id]}
    )
    raise_for_user_errors(added["collectionAddProducts"], "collectionAddProducts")
    removed = await shopify_client.execute(COLLECTION_DELETE, {"id": collection_id})
    assert removed["collectionDelete"]["deletedCollectionId"] == collection_id

    subscription = await shopify_client.execute(
        WEBHOOK_SUBSCRIPTION_CREATE,
        {
            "topic": "PRODUCTS_UPDATE",
            "webhookSubscription": {"callbackUrl": "http://127.0.0.1:9/hook", "format": "JSON"},
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
    size = 5
    items = [to_product_set_input(make_product(i)) for i in range(size)]
    batch = await shopify_client.execute(
        build_product_set_batch(size), batch_variables(items, variants_first=10)
    )
    product_id = batch["p0"]["product"]["id"]
    cases: list[tuple[str, dict[str, Any]]] = [
        (build_product_set_batch(size), batch_variables(items, variants_first=10)),
        (PRODUCTS_PAGE, {"first": 10, "variantsFirst": 10, "mediaFirst": 2}),
        (PRODUCT_BY_ID, {"id": product_id}),
        (PRIMARY_LOCATION, {}),
        (WEBHOOK_SUBSCRIPTIONS, {"first": 20}),
    ]
    for document, variables in cases:
        response = await shopify_client.execute(document, variables)
        assert response.cost is not None and response.cost.requested_query_cost is not None
        assert response.cost.requested_query_cost <= estimate_cost(document, variables)
