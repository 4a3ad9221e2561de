"""The last settable fields through the product API: the gift card template and selling plan
only (product), the unit price display, bundle components, province of origin and per-country
HS codes (variant); read back, kept when a write leaves them out. HS codes are a whole list
([] none, null not known); one Shopify would refuse is a 422 naming the field, nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.product.factories import create_product, tee_payload

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]
CODES = [
    {"country_code": "US", "harmonized_system_code": "6109.10.0012"},
    {"country_code": "CA", "harmonized_system_code": "6109.10.00"},
]


def _variants(product: dict[str, Any], **fields: Any) -> list[dict[str, Any]]:
    return [
        {"id": v["id"], "option_values": v["option_values"], "price": v["price"], **fields}
        for v in product["variants"]
    ]


async def test_set_read_and_kept_when_left_out(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await create_product(client, editor_headers)
    url = f"/api/products/{product['id']}"
    assert product["gift_card_template_suffix"] is None  # not known
    assert product["variants"][0]["country_hs_codes"] is None

    r = await client.put(
        url,
        json={
            "gift_card_template_suffix": "fête",
            "requires_selling_plan": True,
            "variants": _variants(
                product,
                show_unit_price=True,
                requires_components=False,
                province_code_of_origin="QC",
                country_hs_codes=CODES,
            ),
        },
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["gift_card_template_suffix"], body["requires_selling_plan"]) == ("fête", True)
    variant = body["variants"][0]
    assert (variant["show_unit_price"], variant["requires_components"]) == (True, False)
    assert variant["province_code_of_origin"] == "QC"
    assert variant["country_hs_codes"] == [CODES[1], CODES[0]]  # by country

    r = await client.put(
        url, json={"title": "Tee", "variants": _variants(body)}, headers=editor_headers
    )
    kept = r.json()
    assert kept["gift_card_template_suffix"] == "fête"
    assert kept["variants"][0]["country_hs_codes"] == [CODES[1], CODES[0]]
    assert kept["variants"][0]["show_unit_price"] is True

    r = await client.put(
        url, json={"variants": _variants(kept, country_hs_codes=[])}, headers=editor_headers
    )
    assert r.json()["variants"][0]["country_hs_codes"] == []  # none, known


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country_hs_codes", [*CODES, {"country_code": "US", "harmonized_system_code": "610910"}]),
        ("country_hs_codes", [{"country_code": "USA", "harmonized_system_code": "610910"}]),
        ("country_hs_codes", [{"country_code": "US", "harmonized_system_code": "6109.ab.00"}]),
        ("province_code_of_origin", "Québec"),
    ],
)
async def test_a_value_shopify_would_refuse_is_a_422_naming_the_field(
    client: httpx.AsyncClient, editor_headers: Headers, field: str, value: Any
) -> None:
    payload = tee_payload()
    payload["variants"][0][field] = value
    r = await client.post("/api/products", json=payload, headers=editor_headers)

    assert r.status_code == 422, r.text
    body = r.json()
    assert any(field in [str(p) for p in f["loc"]] for f in body["fields"])
    listing = await client.get("/api/products", headers=editor_headers)
    assert listing.json()["total"] == 0


async def test_the_combined_listing_role_is_shopifys_and_read_only_here(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await create_product(client, editor_headers)
    r = await client.put(
        f"/api/products/{product['id']}",
        json={"combined_listing_role": "PARENT"},
        headers=editor_headers,
    )
    assert r.status_code == 422, r.text
    assert any("combined_listing_role" in [str(p) for p in f["loc"]] for f in r.json()["fields"])
