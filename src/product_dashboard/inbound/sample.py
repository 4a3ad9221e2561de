"""The delivery `POST /api/webhooks/test` sends: a products/update as Shopify shapes it.

A test delivery proves the whole way in (signature, receiver, store, processor, payload reading)
and nothing more: its webhook id carries TEST_WEBHOOK_PREFIX, and the processor reads its product
but never applies it, so it cannot create a product, link a Shopify id or reach a push.
"""

from __future__ import annotations

from typing import Any

from product_dashboard.kit.time import utcnow

TEST_WEBHOOK_PREFIX = "dashboard-test-"
TEST_SHOP_DOMAIN = "dashboard-self-test"


def is_test_delivery(webhook_id: str) -> bool:
    return webhook_id.startswith(TEST_WEBHOOK_PREFIX)


def sample_product_payload() -> dict[str, Any]:
    now = utcnow().isoformat(timespec="seconds")
    product_id = 9_007_199_254_740_993  # 2**53 + 1: survives JSON only if read as an integer
    return {
        "admin_graphql_api_id": f"gid://shopify/Product/{product_id}",
        "body_html": "<p>A test delivery from the dashboard. It is never saved.</p>",
        "created_at": now,
        "handle": "dashboard-webhook-test",
        "id": product_id,
        "product_type": "Webhook test",
        "title": "Dashboard webhook test (never saved)",
        "updated_at": now,
        "vendor": "Product Dashboard",
        "status": "draft",
        "tags": "dashboard-webhook-test",
        "variants": [
            {
                "admin_graphql_api_id": "gid://shopify/ProductVariant/9007199254740995",
                "id": 9_007_199_254_740_995,
                "barcode": None,
                "compare_at_price": "24.99",
                "position": 1,
                "price": "19.99",
                "product_id": product_id,
                "sku": "DASHBOARD-WEBHOOK-TEST",
                "title": "Default Title",
                "option1": "Default Title",
                "option2": None,
                "option3": None,
                "inventory_quantity": 0,
            }
        ],
        "options": [{"name": "Title", "position": 1, "values": ["Default Title"]}],
        "images": [],
    }
