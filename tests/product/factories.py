"""Plain async factories for products, through the public API."""

from __future__ import annotations

from typing import Any

import httpx


def tee_payload(title: str = "Classic Tee", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": title,
        "vendor": "Acme",
        "product_type": "Shirts",
        "tags": ["cotton", "summer"],
        "status": "active",
        "description_html": "<p>Soft <b>cotton</b> tee.</p>",
        "options": [{"name": "Size", "values": ["S", "M"]}, {"name": "Color", "values": ["Red"]}],
        "variants": [
            {
                "sku": f"{title[:3].upper()}-S-RED",
                "price": "19.99",
                "option_values": ["S", "Red"],
                "inventory_quantity": 5,
            },
            {
                "sku": f"{title[:3].upper()}-M-RED",
                "price": "21.50",
                "compare_at_price": "25.00",
                "option_values": ["M", "Red"],
                "inventory_quantity": 7,
            },
        ],
    }
    body.update(overrides)
    return body


async def create_product(
    client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    response = await client.post("/api/products", json=tee_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product
