"""Smart collection rules evaluated as Shopify does, checked through the API on real databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.product.factories import create_product

pytestmark = pytest.mark.integration

Headers = dict[str, str]


def variant(price: str, **extra: Any) -> dict[str, Any]:
    return {"price": price, **extra}


async def catalog(client: httpx.AsyncClient, headers: Headers) -> dict[str, int]:
    """Four products whose attributes the rules below tell apart."""
    specs: dict[str, dict[str, Any]] = {
        "tee": {
            "title": "Classic T-SHIRT",
            "vendor": "Acme Apparel",
            "product_type": "Shirts",
            "tags": ["Cotton", "Summer"],
            "options": [{"name": "Size", "values": ["S", "XL"]}],
            "variants": [
                variant("19.99", option_values=["S"], inventory_quantity=0, weight_grams=200),
                variant(
                    "21.50",
                    option_values=["XL"],
                    compare_at_price="25.00",
                    inventory_quantity=8,
                    weight_grams=1200,
                ),
            ],
        },
        "mug": {
            "title": "Coffee Mug",
            "vendor": "Kitchen Co",
            "product_type": "Mugs",
            "tags": ["ceramic"],
            "options": [],
            "variants": [variant("9.00", inventory_quantity=50, weight_grams=350)],
        },
        "hoodie": {
            "title": "Warm Hoodie",
            "vendor": "acme apparel",
            "product_type": "shirts",
            "tags": ["cotton", "winter"],
            "options": [],
            "variants": [variant("45.00", inventory_quantity=3)],
        },
        "poster": {
            "title": "Shirt Poster",
            "vendor": "",
            "product_type": "",
            "tags": [],
            "options": [],
            "variants": [variant("5.00", inventory_quantity=0)],
        },
    }
    ids = {}
    for name, spec in specs.items():
        ids[name] = (await create_product(client, headers, **spec))["id"]
    return ids


async def members(
    client: httpx.AsyncClient, headers: Headers, rules: list[dict[str, str]], any_: bool = False
) -> set[int]:
    body = {"title": "Rule test", "rules": rules, "disjunctive": any_}
    r = await client.post("/api/collections", json=body, headers=headers)
    assert r.status_code == 201, r.text
    collection = r.json()
    listed = await client.get(
        f"/api/collections/{collection['id']}/products?per_page=200", headers=headers
    )
    assert listed.status_code == 200, listed.text
    ids = {p["id"] for p in listed.json()["items"]}
    assert collection["products_count"] == len(ids) == listed.json()["total"]
    filtered = await client.get(
        f"/api/products?collection_id={collection['id']}&per_page=200", headers=headers
    )
    assert {p["id"] for p in filtered.json()["items"]} == ids
    await client.delete(f"/api/collections/{collection['id']}", headers=headers)
    return ids


def rule(column: str, relation: str, condition: str = "") -> dict[str, str]:
    return {"column": column, "relation": relation, "condition": condition}


CASES = [
    ([rule("TITLE", "CONTAINS", "shirt")], {"tee", "poster"}),
    ([rule("TITLE", "NOT_CONTAINS", "SHIRT")], {"mug", "hoodie"}),
    ([rule("TITLE", "STARTS_WITH", "classic")], {"tee"}),
    ([rule("TITLE", "ENDS_WITH", "MUG")], {"mug"}),
    ([rule("TITLE", "EQUALS", "warm hoodie")], {"hoodie"}),
    ([rule("TYPE", "EQUALS", "SHIRTS")], {"tee", "hoodie"}),
    ([rule("TYPE", "NOT_EQUALS", "shirts")], {"mug", "poster"}),
    ([rule("TYPE", "IS_NOT_SET")], {"poster"}),
    ([rule("VENDOR", "EQUALS", "Acme Apparel")], {"tee", "hoodie"}),
    ([rule("VENDOR", "IS_SET")], {"tee", "mug", "hoodie"}),
    ([rule("TAG", "EQUALS", "COTTON")], {"tee", "hoodie"}),
    ([rule("TAG", "NOT_EQUALS", "cotton")], {"mug", "poster"}),
    # Any variant matching is enough: the tee has one variant on each side of 20.
    ([rule("VARIANT_PRICE", "GREATER_THAN", "20")], {"tee", "hoodie"}),
    ([rule("VARIANT_PRICE", "LESS_THAN", "20")], {"tee", "mug", "poster"}),
    ([rule("VARIANT_PRICE", "EQUALS", "21.5")], {"tee"}),
    ([rule("VARIANT_PRICE", "NOT_EQUALS", "45")], {"tee", "mug", "poster"}),
    ([rule("VARIANT_COMPARE_AT_PRICE", "GREATER_THAN", "24.99")], {"tee"}),
    ([rule("IS_PRICE_REDUCED", "IS_SET")], {"tee"}),
    ([rule("IS_PRICE_REDUCED", "IS_NOT_SET")], {"tee", "mug", "hoodie", "poster"}),
    ([rule("VARIANT_INVENTORY", "GREATER_THAN", "5")], {"tee", "mug"}),
    ([rule("VARIANT_INVENTORY", "LESS_THAN", "1")], {"tee", "poster"}),
    ([rule("VARIANT_WEIGHT", "GREATER_THAN", "1 kg")], {"tee"}),
    ([rule("VARIANT_WEIGHT", "LESS_THAN", "300")], {"tee"}),
    ([rule("VARIANT_WEIGHT", "IS_NOT_SET")], {"hoodie", "poster"}),
    ([rule("VARIANT_TITLE", "EQUALS", "xl")], {"tee"}),
    ([rule("VARIANT_TITLE", "CONTAINS", "default")], {"mug", "hoodie", "poster"}),
    ([rule("TAG", "EQUALS", "cotton"), rule("VARIANT_PRICE", "GREATER_THAN", "30")], {"hoodie"}),
]


async def test_rule_membership(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    """Every case against one catalog (each case's collection is deleted after it is read)."""
    ids = await catalog(client, editor_headers)
    found = [(rules, await members(client, editor_headers, rules)) for rules, _ in CASES]
    assert found == [(rules, {ids[name] for name in expected}) for rules, expected in CASES]


async def test_any_rule_versus_all_rules(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    ids = await catalog(client, editor_headers)
    rules = [rule("TYPE", "EQUALS", "mugs"), rule("TAG", "EQUALS", "winter")]
    assert await members(client, editor_headers, rules, any_=True) == {ids["mug"], ids["hoodie"]}
    assert await members(client, editor_headers, rules, any_=False) == set()


async def test_membership_follows_product_changes(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    ids = await catalog(client, editor_headers)
    body = {"title": "Shirts", "rules": [rule("TYPE", "EQUALS", "shirts")]}
    collection = (await client.post("/api/collections", json=body, headers=editor_headers)).json()
    url = f"/api/collections/{collection['id']}/products"
    before = {p["id"] for p in (await client.get(url, headers=editor_headers)).json()["items"]}
    assert before == {ids["tee"], ids["hoodie"]}
    r = await client.put(
        f"/api/products/{ids['hoodie']}", json={"product_type": "Sweaters"}, headers=editor_headers
    )
    assert r.status_code == 200, r.text
    r = await client.put(
        f"/api/products/{ids['mug']}", json={"product_type": "Shirts"}, headers=editor_headers
    )
    assert r.status_code == 200, r.text
    after = {p["id"] for p in (await client.get(url, headers=editor_headers)).json()["items"]}
    assert after == {ids["tee"], ids["mug"]}
    await client.delete(f"/api/products/{ids['tee']}", headers=editor_headers)
    final = (await client.get(url, headers=editor_headers)).json()
    assert {p["id"] for p in final["items"]} == {ids["mug"]} and final["total"] == 1


@pytest.mark.parametrize(
    ("bad_rule", "message"),
    [
        (rule("TAG", "CONTAINS", "cot"), "TAG does not take CONTAINS"),
        (rule("VARIANT_PRICE", "GREATER_THAN", "cheap"), "must be a number"),
        (rule("VARIANT_WEIGHT", "LESS_THAN", "3 stone"), "must be a weight"),
        (rule("TITLE", "EQUALS", "  "), "needs a condition"),
        (rule("IS_PRICE_REDUCED", "EQUALS", "yes"), "IS_PRICE_REDUCED does not take EQUALS"),
    ],
)
async def test_invalid_rules_are_refused(
    client: httpx.AsyncClient, editor_headers: Headers, bad_rule: dict[str, str], message: str
) -> None:
    r = await client.post(
        "/api/collections", json={"title": "Bad", "rules": [bad_rule]}, headers=editor_headers
    )
    assert r.status_code == 422, r.text
    assert message in r.text
