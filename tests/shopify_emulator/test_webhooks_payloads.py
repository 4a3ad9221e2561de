"""Webhook topics, signing, subscriptions and REST payload builders (no network)."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import timedelta, timezone
from typing import Any

import pytest
from graphql import GraphQLSchema, parse, validate

from shopify_emulator.webhooks import (
    BASE_RETRY_DELAYS_S,
    COLLECTION_WEBHOOK_QUERY,
    PRODUCT_WEBHOOK_QUERY,
    SUPPORTED_TOPICS,
    SubscriptionRegistry,
    WebhookDispatcher,
    WebhookSubscriptionError,
    bulk_operation_finish_payload,
    collection_delete_payload,
    collection_webhook_payload,
    product_delete_payload,
    product_webhook_payload,
    select_fields,
    sign_body,
    topic_header,
    verify_signature,
)
from tests.shopify.deprecations import deprecated_uses
from tests.shopify_emulator._fixtures_e2 import graphql_result, webhook_sample_path

pytestmark = pytest.mark.quick

EST = timezone(timedelta(hours=-5))
PRODUCT_GID = "gid://shopify/Product/788032119674292922"


def _variant(
    legacy: int, title: str, position: int, inventory_item: int, qty: int
) -> dict[str, Any]:
    return {
        "__typename": "ProductVariant",
        "id": f"gid://shopify/ProductVariant/{legacy}",
        "legacyResourceId": str(legacy),
        "title": title,
        "sku": f"EX-TEE-{title[0]}",
        "barcode": None,
        "price": "19.99",
        "compareAtPrice": "24.99",
        "position": position,
        "inventoryQuantity": qty,
        "inventoryPolicy": "DENY",
        "taxable": True,
        "selectedOptions": [{"name": "Size", "value": title}],
        "inventoryItem": {
            "id": f"gid://shopify/InventoryItem/{inventory_item}",
            "legacyResourceId": str(inventory_item),
        },
        "media": {"nodes": []},
        "createdAt": "2026-11-20T15:15:30Z",
        "updatedAt": "2026-11-28T14:02:11Z",
    }


def sample_equivalent_product() -> dict[str, Any]:
    """The GraphQL-shaped product that describes the same product as the shared sample body."""
    return {
        "__typename": "Product",
        "id": PRODUCT_GID,
        "legacyResourceId": "788032119674292922",
        "title": "Example T-Shirt",
        "handle": "example-t-shirt",
        "descriptionHtml": "<p>An example T-shirt, 100% cotton.</p>",
        "vendor": "Acme",
        "productType": "Shirts",
        "status": "ACTIVE",
        "tags": ["cotton", "summer", "tees"],
        "templateSuffix": None,
        "createdAt": "2026-11-20T15:15:30Z",
        "updatedAt": "2026-11-28T14:02:11Z",
        "publishedAt": "2026-11-20T15:15:30Z",
        "hasVariantsThatRequiresComponents": False,
        "category": None,
        "options": [
            {
                "id": "gid://shopify/ProductOption/594680422",
                "name": "Size",
                "position": 1,
                "values": ["Small", "Medium"],
            }
        ],
        "media": {"nodes": []},
        "variants": {
            "nodes": [
                _variant(642667041472713922, "Small", 1, 808950810, 75),
                _variant(757650484644203962, "Medium", 2, 808950811, 50),
            ]
        },
    }


def test_topic_headers() -> None:
    assert topic_header("PRODUCTS_UPDATE") == "products/update"
    assert topic_header("BULK_OPERATIONS_FINISH") == "bulk_operations/finish"
    assert topic_header("COLLECTIONS_DELETE") == "collections/delete"
    assert topic_header("INVENTORY_LEVELS_UPDATE") == "inventory_levels/update"
    assert len(SUPPORTED_TOPICS) == 8


def test_signature_matches_independent_hmac_and_rejects_tampering() -> None:
    body = b'{"id":788032119674292922}'
    expected = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert sign_body("s3cret", body) == expected
    assert verify_signature("s3cret", body, expected)
    assert not verify_signature("s3cret", body + b" ", expected)
    assert not verify_signature("other", body, expected)


def test_subscription_registry_ids_validation_and_delete() -> None:
    registry = SubscriptionRegistry("2026-10")
    first = registry.create("PRODUCTS_UPDATE", "https://example.test/hook")
    second = registry.create("products/create", "https://example.test/hook")
    assert first.id == "gid://shopify/WebhookSubscription/1"
    assert second.id == "gid://shopify/WebhookSubscription/2"
    assert second.topic == "PRODUCTS_CREATE"
    assert [s.id for s in registry.list("PRODUCTS_UPDATE")] == [first.id]
    graphql = first.to_graphql()
    assert graphql["endpoint"] == {
        "__typename": "WebhookHttpEndpoint",
        "callbackUrl": "https://example.test/hook",
    }
    assert graphql["format"] == "JSON" and graphql["topic"] == "PRODUCTS_UPDATE"

    with pytest.raises(WebhookSubscriptionError) as taken:
        registry.create("PRODUCTS_UPDATE", "https://example.test/hook")
    assert taken.value.to_user_error()["field"] == ["webhookSubscription", "callbackUrl"]
    with pytest.raises(WebhookSubscriptionError):
        registry.create("PRODUCTS_UPDATE", "not a url")
    with pytest.raises(WebhookSubscriptionError):
        registry.create("ORDERS_CREATE", "https://example.test/hook")

    assert registry.delete(first.id) is first
    assert registry.get(first.id) is None
    with pytest.raises(WebhookSubscriptionError):
        registry.delete(first.id)
    with pytest.raises(WebhookSubscriptionError):
        registry.delete("gid://shopify/Product/1")


def test_product_payload_reproduces_sample_exactly() -> None:
    sample = json.loads(webhook_sample_path().read_text())
    payload = product_webhook_payload(sample_equivalent_product(), tz=EST)
    assert payload == sample
    assert list(payload) == list(sample)
    assert isinstance(payload["id"], int) and payload["id"] > 2**53
    assert isinstance(payload["variants"][0]["price"], str)


def test_product_payload_from_query_executed_on_shopify_schema(
    shopify_schema: GraphQLSchema,
) -> None:
    """The query's result shape, as graphql-core produces it, is what the builder reads."""
    sample = json.loads(webhook_sample_path().read_text())
    data = graphql_result(
        shopify_schema, PRODUCT_WEBHOOK_QUERY, {"product": sample_equivalent_product()}
    )
    assert product_webhook_payload(data["product"], tz=EST) == sample


def test_product_payload_with_media_three_options_and_category() -> None:
    product = copy.deepcopy(sample_equivalent_product())
    product["options"] = [
        {"id": "gid://shopify/ProductOption/3", "name": "Material", "position": 3, "values": ["x"]},
        {"id": "gid://shopify/ProductOption/1", "name": "Size", "position": 1, "values": ["S"]},
        {"id": "gid://shopify/ProductOption/2", "name": "Color", "position": 2, "values": ["Red"]},
    ]
    variant = product["variants"]["nodes"][0]
    variant["selectedOptions"] = [
        {"name": "Color", "value": "Red"},
        {"name": "Material", "value": "x"},
        {"name": "Size", "value": "S"},
    ]
    variant["media"] = {"nodes": [{"image": {"id": "gid://shopify/ImageSource/77"}}]}
    variant["compareAtPrice"] = None
    variant["price"] = "5"
    product["variants"] = {"edges": [{"node": variant}]}
    product["category"] = {
        "id": "gid://shopify/TaxonomyCategory/aa-1-13-8",
        "name": "T-Shirts",
        "fullName": "Apparel & Accessories > Clothing > Clothing Tops > T-Shirts",
    }
    product["media"] = {
        "nodes": [
            {
                "__typename": "MediaImage",
                "id": "gid://shopify/MediaImage/55",
                "alt": "front",
                "mediaContentType": "IMAGE",
                "status": "READY",
                "preview": {"status": "READY", "image": {"url": "https://cdn/x.png"}},
                "createdAt": "2026-11-20T15:15:30Z",
                "updatedAt": "2026-11-20T15:15:30Z",
                "image": {
                    "id": "gid://shopify/ImageSource/77",
                    "url": "https://cdn/x.png",
                    "width": 10,
                    "height": 20,
                    "altText": "front",
                },
            }
        ]
    }
    payload = product_webhook_payload(product)
    rest_variant = payload["variants"][0]
    assert (rest_variant["option1"], rest_variant["option2"], rest_variant["option3"]) == (
        "S",
        "Red",
        "x",
    )
    assert rest_variant["price"] == "5.00" and rest_variant["compare_at_price"] is None
    assert rest_variant["image_id"] == 77
    assert [o["name"] for o in payload["options"]] == ["Size", "Color", "Material"]
    assert payload["image"] == payload["images"][0]
    assert payload["images"][0]["id"] == 77
    assert payload["images"][0]["variant_ids"] == [642667041472713922]
    assert payload["media"][0]["id"] == 55
    assert payload["media"][0]["status"] == "ready"
    assert payload["media"][0]["preview_image"]["src"] == "https://cdn/x.png"
    assert payload["category"]["full_name"].endswith("T-Shirts")
    assert payload["created_at"] == "2026-11-20T15:15:30+00:00"


def test_delete_and_collection_and_bulk_payloads() -> None:
    assert product_delete_payload(PRODUCT_GID) == {"id": 788032119674292922}
    assert collection_delete_payload("gid://shopify/Collection/9") == {"id": 9}
    with pytest.raises(ValueError):
        product_delete_payload("gid://shopify/Product/abc")
    collection = collection_webhook_payload(
        {
            "id": "gid://shopify/Collection/841564295",
            "legacyResourceId": "841564295",
            "title": "IPods",
            "handle": "ipods",
            "descriptionHtml": "<p>The best</p>",
            "sortOrder": "BEST_SELLING",
            "templateSuffix": None,
            "updatedAt": "2026-02-02T00:00:00Z",
            "image": None,
            "sources": [
                {
                    "inclusion": {
                        "matchType": "ALL",
                        "conditions": [
                            {
                                "__typename": "CollectionSourceInclusionConditionProductTag",
                                "tag": "TAGGED_WITH",
                                "tags": ["summer"],
                            }
                        ],
                    }
                }
            ],
        },
        tz=EST,
    )
    assert collection["id"] == 841564295
    assert collection["sort_order"] == "best-selling"
    assert collection["updated_at"] == "2026-02-01T19:00:00-05:00"
    assert collection["rules"] == [{"column": "tag", "relation": "equals", "condition": "summer"}]
    assert collection["admin_graphql_api_id"] == "gid://shopify/Collection/841564295"
    finish = bulk_operation_finish_payload(
        {
            "id": "gid://shopify/BulkOperation/3",
            "status": "COMPLETED",
            "type": "MUTATION",
            "errorCode": None,
            "createdAt": "2026-11-28T10:00:00Z",
            "completedAt": "2026-11-28T10:00:05Z",
        }
    )
    assert finish == {
        "admin_graphql_api_id": "gid://shopify/BulkOperation/3",
        "completed_at": "2026-11-28T10:00:05+00:00",
        "created_at": "2026-11-28T10:00:00+00:00",
        "error_code": None,
        "status": "completed",
        "type": "mutation",
    }


@pytest.mark.parametrize("document", [PRODUCT_WEBHOOK_QUERY, COLLECTION_WEBHOOK_QUERY])
def test_webhook_queries_validate_against_shopify_schema(
    document: str, shopify_schema: GraphQLSchema
) -> None:
    assert validate(shopify_schema, parse(document)) == []
    assert deprecated_uses(shopify_schema, document) == []


def test_retry_schedule_spans_about_four_hours_and_scales() -> None:
    assert len(BASE_RETRY_DELAYS_S) == 8
    assert 3.5 * 3600 <= sum(BASE_RETRY_DELAYS_S) <= 4.5 * 3600
    assert list(BASE_RETRY_DELAYS_S) == sorted(BASE_RETRY_DELAYS_S)
    dispatcher = WebhookDispatcher("s", "shop.myshopify.com", "2026-10", time_scale=0.001)
    assert dispatcher.retry_delay(1) == pytest.approx(BASE_RETRY_DELAYS_S[0] * 0.001)
    assert dispatcher.retry_delay(8) == pytest.approx(BASE_RETRY_DELAYS_S[7] * 0.001)


def test_select_fields_keeps_requested_paths() -> None:
    payload = product_webhook_payload(sample_equivalent_product(), tz=EST)
    assert select_fields(payload, ["id", "updated_at", "missing"]) == {
        "id": 788032119674292922,
        "updated_at": "2026-11-28T09:02:11-05:00",
    }
    picked = select_fields(payload, ["variants.price", "variants.sku"])
    assert picked == {
        "variants": [{"price": "19.99", "sku": "EX-TEE-S"}, {"price": "19.99", "sku": "EX-TEE-M"}]
    }
    assert select_fields(payload, ["variants", "variants.price"])["variants"] == payload["variants"]
