"""The body `POST /api/webhooks/test` sends: a products/update as Shopify shapes it."""

from __future__ import annotations

from typing import Any

from product_dashboard.kit.time import utcnow


def sample_product_payload() -> dict[str, Any]:
    now = utcnow().isoformat(timespec="seconds")
    product_id = 788032119674292922  # above 2**53, as real ids are: must survive JSON intact
    return {
        "admin_graphql_api_id": f"gid://shopify/Product/{product_id}",
        "body_html": "<p>An example T-shirt, 100% cotton.</p>",
        "created_at": now,
        "handle": "example-t-shirt",
        "id": product_id,
        "product_type": "Shirts",
        "title": "Example T-Shirt",
        "updated_at": now,
        "vendor": "Acme",
        "status": "active",
        "tags": "cotton, summer, tees",
        "variants": [
            {
                "admin_graphql_api_id": "gid://shopify/ProductVariant/642667041472713922",
                "id": 642667041472713922,
                "barcode": None,
                "compare_at_price": "24.99",
                "position": 1,
                "price": "19.99",
                "product_id": product_id,
                "sku": "EX-TEE-S",
                "title": "Small",
                "option1": "Small",
                "option2": None,
                "option3": None,
                "inventory_quantity": 75,
            }
        ],
        "options": [{"name": "Size", "position": 1, "values": ["Small"]}],
        "images": [],
    }
