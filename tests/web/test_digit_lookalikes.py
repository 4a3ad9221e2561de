"""Numbers typed with characters `str.isdigit` calls digits but `int` refuses (superscripts) or
reads (other scripts' digits), doubled signs and numbers too long for `int`: each a clear 4xx
saying what is wrong, never a 500 and never a write."""

from __future__ import annotations

import httpx
import pytest

from product_dashboard.kit.numbers import is_ascii_digits
from tests.batch.helpers import fetch, priced_product
from tests.product.factories import create_product

pytestmark = pytest.mark.integration

Headers = dict[str, str]

LOOKALIKES = ["²", "\u0661\u0662", "--5", "9" * 5000]


def test_only_ascii_digits_are_digits() -> None:
    assert is_ascii_digits("0123456789")
    for text in ("", "²", "\u0661\u0662", "-5", "5.0", " 5", "\u0663"):
        assert not is_ascii_digits(text), text


async def test_if_match_takes_ascii_digits_only(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await create_product(client, editor_headers)
    url = f"/api/products/{product['id']}"
    for version in ("²", "\u00b3", "\u0661", "9" * 5000):
        # Headers travel as bytes (read as Latin-1): "³" arrives as itself, the others as
        # their UTF-8 bytes.
        tag = f'"{version}"'.encode("latin-1" if version == "\u00b3" else "utf-8")
        headers = [(k.encode(), v.encode()) for k, v in editor_headers.items()]
        r = await client.put(url, json={"title": "Changed"}, headers=[*headers, (b"If-Match", tag)])
        assert r.status_code == 400, (version, r.status_code, r.text[:200])
        assert "If-Match" in r.json()["detail"]
    assert (await client.get(url, headers=editor_headers)).json()["title"] == product["title"]


async def test_grid_whole_numbers_refuse_lookalikes(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await priced_product(client, editor_headers, "P", "5.00", "6.00")
    variant = product["variants"][0]
    for field in ("inventory_quantity", "weight_grams"):
        for value in LOOKALIKES:
            cell = {
                "product_id": product["id"],
                "variant_id": variant["id"],
                "field": field,
                "value": value,
            }
            r = await client.post(
                "/api/products/batch/update-cells", json={"cells": [cell]}, headers=editor_headers
            )
            assert r.status_code == 422, (field, value[:10], r.status_code, r.text[:200])
            assert r.json()["fields"][0]["msg"] == "must be a whole number"
    assert (await fetch(client, editor_headers, product["id"]))["version"] == product["version"]


async def test_price_rounding_ending_refuses_superscripts(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product = await priced_product(client, editor_headers, "P", "5.00", "6.00")
    body = {
        "filter": {"vendor": product["vendor"]},
        "dry_run": True,
        "pricing": {"operation": "increase", "percent": "10", "rounding": {"ending": ".²²"}},
    }
    r = await client.post("/api/products/batch/update-pricing", json=body, headers=editor_headers)
    assert r.status_code == 422, r.text[:300]
    assert "two decimal digits" in r.text
