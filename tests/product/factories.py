"""Plain async factories for products, through the public API."""

from __future__ import annotations

import zlib
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


def png(seed: int) -> bytes:
    """A valid 1x1 PNG whose pixel depends on `seed` (different seeds, different bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = chunk(b"IHDR", (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0]))
    pixel = chunk(b"IDAT", zlib.compress(bytes([0, seed % 256, 7, 9])))
    return b"\x89PNG\r\n\x1a\n" + header + pixel + chunk(b"IEND", b"")
