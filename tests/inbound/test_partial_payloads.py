"""A product webhook whose body leaves part of the product out says nothing about that part.

A subscription with `includeFields` (an app's `include_fields`, or one made elsewhere to our
address, which registration adopts) delivers only those keys: a body without `variants`, `tags`,
`vendor`, `status`… Read as empty, they were merged as Shopify's changes: every variant deleted
here, tags and vendor cleared, a draft made active, and a pending push then sent that to the
store. A body whose `variants` hold fewer than its `variant_gids` is cut short the same way. Such
a product is now read from Shopify and that is applied. An older body without `category` leaves
the category as it is. Against the emulator over loopback HTTP (its dispatcher selects fields as
Shopify does).
"""

from __future__ import annotations

from typing import Any

import pytest

from product_dashboard.config import Settings
from product_dashboard.inbound.registration import register
from product_dashboard.models import Product
from product_dashboard.shopify.documents import WEBHOOK_SUBSCRIPTION_CREATE
from shopify_emulator.webhooks.payloads import product_webhook_payload
from shopify_emulator.webhooks.queries import PRODUCT_WEBHOOK_QUERY
from tests.inbound.harness import Harness, running_harness

pytestmark = pytest.mark.integration

DESCRIPTION = "<p>Soft <b>linen</b></p>"


async def _subscribe(h: Harness, include_fields: list[str]) -> None:
    """Our products/update subscription, made with `includeFields`; the other topics by us."""
    callback = f"{h.app_url}/webhooks/shopify"
    made = await h.shopify.execute(
        WEBHOOK_SUBSCRIPTION_CREATE,
        {
            "topic": "PRODUCTS_UPDATE",
            "webhookSubscription": {
                "uri": callback,
                "format": "JSON",
                "includeFields": include_fields,
            },
        },
        idempotent=False,
    )
    assert made.data["webhookSubscriptionCreate"]["userErrors"] == []
    report = await register(h.shopify, callback)  # adopts it, adds the other topics
    assert report["already_present"] == ["PRODUCTS_UPDATE"], report


def _whole(product: Product) -> dict[str, Any]:
    return {
        "handle": product.handle,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "status": product.status,
        "description_html": product.description_html,
        "tags": sorted(t.name for t in product.tags),
        "options": [(o.name, o.values) for o in product.options],
        "variants": [
            (v.shopify_variant_id, v.sku, v.price_cents, v.option_values) for v in product.variants
        ],
    }


async def _made(h: Harness) -> tuple[int, str, Product]:
    product_id = await h.create_product(description_html=DESCRIPTION, status="draft")
    shopify_id = await h.push_and_settle(product_id)
    return product_id, shopify_id, await h.product(product_id)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(["id", "admin_graphql_api_id", "title", "updated_at"], id="title-only"),
        pytest.param(
            ["id", "admin_graphql_api_id", "title", "handle", "options", "variants", "updated_at"],
            id="title-handle-options-variants",
        ),
    ],
)
async def test_a_body_of_some_fields_applies_the_change_and_clears_nothing(
    settings: Settings, fields: list[str]
) -> None:
    async with running_harness(settings, subscribe=False) as h:
        await _subscribe(h, fields)
        product_id, shopify_id, before = await _made(h)
        assert before.status == "draft" and len(before.variants) == 2

        await h.merchant_edit(shopify_id, title="Linen Shirt (2026)")
        [event] = await h.wait_processed(shopify_id, 1)
        assert (event.state, event.outcome) == ("processed", "merged"), event.last_error

        after = await h.product(product_id)
        assert after.title == "Linen Shirt (2026)"
        assert _whole(after) == _whole(before)
        assert after.synced_version == after.version  # nothing of ours left to push

        remote = await h.remote_product(shopify_id)
        assert len(remote["variants"]["nodes"]) == 2 and remote["status"] == "DRAFT"
        assert sorted(remote["tags"]) == ["linen", "summer"]


async def _store_body(h: Harness, shopify_id: str) -> dict[str, Any]:
    """The whole products/update body the store sends for the product now (the emulator's own
    body, from its own query)."""
    query = PRODUCT_WEBHOOK_QUERY.replace("first: 250", "first: 10")  # under the cost cap
    node = (await h.shopify.execute(query, {"id": shopify_id})).data["product"]
    return product_webhook_payload(node)


@pytest.mark.postgres
async def test_a_body_with_fewer_variants_than_its_variant_gids_drops_none(
    settings: Settings,
) -> None:
    async with running_harness(settings) as h:
        product_id, shopify_id, _ = await _made(h)
        body = await _store_body(h, shopify_id)
        assert len(body["variant_gids"]) == 2
        before = await h.product(product_id)

        cut = {**body, "updated_at": "2099-01-01T00:00:00Z"}
        cut["variants"] = body["variants"][:1]  # the body's list cut short
        response = await h.deliver("products/update", cut, webhook_id="cut-short-1")
        assert response.status_code == 200, response.text
        event = await h.wait_final(shopify_id, lambda e: e.webhook_id == "cut-short-1")
        assert event.state == "processed", event.last_error

        after = await h.product(product_id)
        assert _whole(after) == _whole(before)
        assert after.synced_version == after.version


async def test_a_body_without_category_keeps_the_category(settings: Settings) -> None:
    async with running_harness(settings) as h:
        category = "gid://shopify/TaxonomyCategory/aa-1-13-8"  # T-shirts
        product_id, shopify_id, _ = await _made(h)
        response = await h.api(
            "PUT",
            f"/api/products/{product_id}",
            json={"category": {"id": category, "name": "T-Shirts"}},
        )
        assert response.status_code == 200, response.text
        await h.push(product_id)
        await h.settle()
        body = await _store_body(h, shopify_id)
        assert body["category"]["admin_graphql_api_id"] == category

        older = {k: v for k, v in body.items() if k != "category"}  # a body before 2024-07
        older.update(vendor="Acme Linen", updated_at="2099-01-01T00:00:00Z")
        response = await h.deliver("products/update", older, webhook_id="older-1")
        assert response.status_code == 200, response.text
        event = await h.wait_final(shopify_id, lambda e: e.webhook_id == "older-1")
        assert (event.state, event.outcome) == ("processed", "merged"), event.last_error

        after = await h.product(product_id)
        assert (after.vendor, after.category_id) == ("Acme Linen", category)
