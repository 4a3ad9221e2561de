"""A variant's unit price measurement through the product API: set as an object or its text,
read back, kept when a write leaves it out, cleared by null; units that measure different
things (or none Shopify has) are a 422 naming the field, and nothing is written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.product.factories import create_product, tee_payload

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]
PER_100_G = {
    "quantity_value": "180",
    "quantity_unit": "G",
    "reference_value": 100,
    "reference_unit": "G",
}


def _variants(product: dict[str, Any], **fields: Any) -> list[dict[str, Any]]:
    return [
        {"id": v["id"], "option_values": v["option_values"], "price": v["price"], **fields}
        for v in product["variants"]
    ]


async def test_set_read_kept_when_left_out_and_cleared_by_null(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await create_product(client, editor_headers)
    url = f"/api/products/{product['id']}"

    r = await client.put(
        url,
        json={"variants": _variants(product, unit_price_measurement="0.18 kg / 1 kg")},
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["variants"][0]["unit_price_measurement"] == {
        "quantity_value": "0.18",
        "quantity_unit": "KG",
        "reference_value": 1,
        "reference_unit": "KG",
    }

    r = await client.put(url, json={"variants": _variants(r.json())}, headers=editor_headers)
    assert r.json()["variants"][1]["unit_price_measurement"]["quantity_unit"] == "KG"

    r = await client.put(
        url,
        json={"variants": _variants(r.json(), unit_price_measurement=PER_100_G)},
        headers=editor_headers,
    )
    assert r.json()["variants"][0]["unit_price_measurement"] == PER_100_G
    r = await client.put(
        url,
        json={"variants": _variants(r.json(), unit_price_measurement=None)},
        headers=editor_headers,
    )
    assert [v["unit_price_measurement"] for v in r.json()["variants"]] == [None, None]


@pytest.mark.parametrize(
    "measure",
    [
        {**PER_100_G, "reference_unit": "ML"},  # weight against volume
        {**PER_100_G, "quantity_unit": "UNKNOWN"},
        {**PER_100_G, "quantity_value": "0"},
        {**PER_100_G, "reference_value": 0},
        "180 g per 100 g",
    ],
)
async def test_a_measurement_shopify_would_refuse_is_a_422_naming_the_field(
    client: httpx.AsyncClient, editor_headers: Headers, measure: Any
) -> None:
    payload = tee_payload()
    payload["variants"][0]["unit_price_measurement"] = measure
    r = await client.post("/api/products", json=payload, headers=editor_headers)

    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "validation_error"
    assert any("unit_price_measurement" in [str(p) for p in f["loc"]] for f in body["fields"])
    listing = await client.get("/api/products", headers=editor_headers)
    assert listing.json()["total"] == 0
