"""A demanding merchant's catalog through the CSVs and the product API: linked options,
Unicode, fractional weights, markup, case-only option values. Every field read back after a
round trip is compared with what went in (a differential check, field by field)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.importer.test_import import Headers, all_products, comparable, upload
from tests.importer.test_shopify_templates import export

pytestmark = pytest.mark.integration

RED, BLUE = "gid://shopify/Metaobject/1", "gid://shopify/Metaobject/2"
LINKED = {
    "title": "Linked colours",
    "handle": "linked-colours",
    "options": [
        {
            "name": "Color",
            "values": ["Red", "Blue"],
            "linked_metafield": {
                "namespace": "shopify",
                "key": "color-pattern",
                "values": {"Red": RED, "Blue": BLUE},
            },
        }
    ],
    "variants": [
        {"price": "1.00", "option_values": ["Red"]},
        {"price": "1.00", "option_values": ["Blue"]},
    ],
}
LINK = {"namespace": "shopify", "key": "color-pattern", "values": {"Red": RED, "Blue": BLUE}}


async def _create(client: httpx.AsyncClient, headers: Headers, body: dict[str, Any]) -> int:
    r = await client.post("/api/products", json=body, headers=headers)
    assert r.status_code == 201, r.text
    product_id: int = r.json()["id"]
    return product_id


@pytest.mark.parametrize("format", ["csv", "shopify_csv"])
async def test_reimporting_an_export_keeps_an_options_linked_metafield(
    client: httpx.AsyncClient, editor_headers: Headers, format: str
) -> None:
    await _create(client, editor_headers, LINKED)
    (before,) = await all_products(client, editor_headers)
    r = await upload(client, editor_headers, await export(client, editor_headers, format))
    assert r.status_code == 200, r.text
    assert [x["outcome"] for x in r.json()["results"]] == ["unchanged"], r.json()["results"]
    (after,) = await all_products(client, editor_headers)
    assert after["options"][0]["linked_metafield"] == LINK
    assert comparable(after) == comparable(before)


async def test_an_option_given_without_its_link_keeps_it_and_null_unlinks(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product_id = await _create(client, editor_headers, LINKED)
    url = f"/api/products/{product_id}"
    variants = [
        {"price": "2.00", "option_values": ["Red"]},
        {"price": "1.00", "option_values": ["Blue"]},
    ]
    r = await client.put(
        url,
        json={"options": [{"name": "Color", "values": ["Red", "Blue"]}], "variants": variants},
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["options"][0]["linked_metafield"] == LINK
    assert r.json()["variants"][0]["price"] == "2.00"
    # Dropping a value drops its metaobject, the link stays.
    r = await client.put(
        url,
        json={"options": [{"name": "Color"}], "variants": variants[:1]},
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["options"][0]["linked_metafield"] == {**LINK, "values": {"Red": RED}}
    r = await client.put(
        url,
        json={"options": [{"name": "Color", "linked_metafield": None}], "variants": variants[:1]},
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["options"][0]["linked_metafield"] is None
