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


TEXT = "single_line_text_field"
EVERYTHING: dict[str, Any] = {
    "title": "Café 日本語 🎉",
    "handle": "café-日本語",
    "description_html": '<p style="color:red">Hi <b>there</b></p><script>alert(1)</script>',
    "vendor": 'Vendor, "Quoted"',
    "product_type": "Tees",
    "category": {"id": "gid://shopify/TaxonomyCategory/aa-1", "name": "Apparel & Accessories"},
    "tags": ['say "hi"', "ü", "日本"],
    "status": "active",
    "seo_title": "SEO é",
    "seo_description": "Desc 🎉",
    "template_suffix": "alternate",
    "gift_card": False,
    "published_online_store": True,
    "metafields": [{"namespace": "custom", "key": "material", "type": TEXT, "value": "wool"}],
    "options": [{"name": "Color", "values": ["Red", "red"]}, {"name": "Size", "values": ["S"]}],
    "images": [
        {"src": "https://cdn.example.com/a.jpg", "alt": 'Front, "quoted" é'},
        {"src": "https://cdn.example.com/b.jpg", "alt": None},
    ],
    "variants": [
        {
            "sku": " SK1 ",
            "barcode": "0123",
            "price": "10.00",
            "compare_at_price": "12.50",
            "inventory_quantity": 3,
            "option_values": ["Red", "S"],
            "taxable": False,
            "tax_code": "X1",
            "requires_shipping": True,
            "fulfillment_service": "manual",
            "image_src": "https://cdn.example.com/b.jpg",
            "metafields": [{"namespace": "custom", "key": "fit", "type": TEXT, "value": "s"}],
            "inventory_tracked": True,
            "inventory_policy": "CONTINUE",
            "cost": "4.25",
            "country_of_origin": "JP",
            "hs_code": "6109",
            "weight_value": "1.25",
            "weight_unit": "POUNDS",
        },
        {
            "sku": "SK2",
            "price": "11.00",
            "option_values": ["red", "S"],
            "weight_value": "0.5",
            "weight_unit": "GRAMS",
        },
    ],
}


async def test_our_csv_brings_back_every_field_of_a_deleted_product(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product_id = await _create(client, editor_headers, EVERYTHING)
    (before,) = await all_products(client, editor_headers)
    exported = await export(client, editor_headers, "csv")
    r = await client.delete(f"/api/products/{product_id}", headers=editor_headers)
    assert r.status_code == 204, r.text
    r = await upload(client, editor_headers, exported)
    assert r.status_code == 200, r.text
    assert [x["outcome"] for x in r.json()["results"]] == ["created"]
    (after,) = await all_products(client, editor_headers)
    lost = {
        key: (value, comparable(after).get(key))
        for key, value in comparable(before).items()
        if comparable(after).get(key) != value
    }
    assert lost == {}
    # And that export re-imported over the restored product changes nothing.
    r = await upload(client, editor_headers, await export(client, editor_headers, "csv"))
    assert [x["outcome"] for x in r.json()["results"]] == ["unchanged"], r.json()["results"]


async def test_a_metafield_edited_in_our_csv_lands_and_a_bad_list_is_refused(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await _create(client, editor_headers, EVERYTHING)
    exported = await export(client, editor_headers, "csv")
    edited = exported.replace('""value"": ""wool""', '""value"": ""silk""')
    assert edited != exported
    r = await upload(client, editor_headers, edited)
    assert r.status_code == 200, r.text
    assert [x["outcome"] for x in r.json()["results"]] == ["updated"]
    (product,) = await all_products(client, editor_headers)
    assert [m["value"] for m in product["metafields"]] == ["silk"]
    assert product["variants"][0]["metafields"][0]["value"] == "s"
    broken = edited.replace('""value"": ""silk""}]', '""value"": ""silk""}')
    r = await upload(client, editor_headers, broken)
    assert r.status_code == 422, r.text
    assert {e["field"] for e in r.json()["report"]["errors"]} == {"metafields"}
    (unchanged,) = await all_products(client, editor_headers)
    assert comparable(unchanged) == comparable(product)


async def test_a_file_without_option_columns_leaves_the_options_and_variants(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await _create(client, editor_headers, EVERYTHING)
    plain = {"title": "Plain", "handle": "plain", "variants": [{"price": "5.00", "sku": "P"}]}
    await _create(client, editor_headers, plain)
    before = {p["handle"]: comparable(p) for p in await all_products(client, editor_headers)}
    # Rows that cannot say which of its variants they are: refused, nothing written (they
    # replaced the options and both variants by one variant at 0.00).
    r = await upload(client, editor_headers, "URL handle,SKU\ncafé-日本語,NEW\nplain,P2\n")
    assert r.status_code == 422, r.text
    assert r.json()["report"]["errors"][0]["field"] == "variants.0.option_values"
    r = await upload(client, editor_headers, "Handle,Title\ncafé-日本語,Renamed\n")
    assert r.status_code == 200, r.text
    assert [x["reason"] for x in r.json()["results"]] == ["changed: title"]
    # A product without options has one variant: the row is it.
    r = await upload(client, editor_headers, "URL handle,SKU\nplain,P2\n")
    assert r.status_code == 200, r.text
    after = {p["handle"]: comparable(p) for p in await all_products(client, editor_headers)}
    assert after["café-日本語"] == {**before["café-日本語"], "title": "Renamed"}
    assert after["plain"]["variants"] == [{**before["plain"]["variants"][0], "sku": "P2"}]


async def test_a_variant_put_without_some_fields_keeps_them_and_null_clears(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    product_id = await _create(client, editor_headers, EVERYTHING)
    url = f"/api/products/{product_id}"
    before = (await client.get(url, headers=editor_headers)).json()
    first, second = before["variants"]
    r = await client.put(
        url,
        json={
            "variants": [
                {"option_values": ["Red", "S"], "price": "12.00"},
                {"id": second["id"], "option_values": ["red", "S"], "sku": None},
            ]
        },
        headers=editor_headers,
    )
    assert r.status_code == 200, r.text
    after = r.json()["variants"]
    assert after[0] == {**first, "price": "12.00"}
    assert after[1] == {**second, "sku": None}
    assert r.json()["total_inventory"] == before["total_inventory"] == 3


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"title": "   "}, ["title"]),
        (
            {"options": [{"name": " "}], "variants": [{"option_values": ["a"]}]},
            ["options", 0, "name"],
        ),
        (
            {"options": [{"name": "Size"}], "variants": [{"option_values": ["\t "]}]},
            ["variants", 0, "option_values", 0],
        ),
    ],
)
async def test_a_blank_title_option_name_or_value_is_refused(
    client: httpx.AsyncClient, editor_headers: Headers, body: dict[str, Any], loc: list[Any]
) -> None:
    r = await client.post("/api/products", json={"title": "Blank", **body}, headers=editor_headers)
    assert r.status_code == 422, r.text
    assert r.json()["fields"][0]["loc"] == loc
    product_id = await _create(client, editor_headers, EVERYTHING)
    before = (await client.get(f"/api/products/{product_id}", headers=editor_headers)).json()
    r = await client.put(f"/api/products/{product_id}", json=body, headers=editor_headers)
    assert r.status_code == 422, r.text
    after = (await client.get(f"/api/products/{product_id}", headers=editor_headers)).json()
    assert after == before


async def test_a_file_with_fewer_option_columns_than_the_product_has_options_is_refused(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await _create(client, editor_headers, EVERYTHING)
    (before,) = await all_products(client, editor_headers)
    text = (
        "Handle,Option1 Name,Option1 Value,Variant Price\n"
        "café-日本語,Color,Red,9.00\ncafé-日本語,,red,9.00\n"
    )
    r = await upload(client, editor_headers, text)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["report"]["errors"]] == ["options"]
    assert "no Option2 Name and Value columns" in r.json()["report"]["errors"][0]["message"]
    (after,) = await all_products(client, editor_headers)
    assert after == before


async def test_a_shopify_csv_export_reimported_keeps_the_categorys_taxonomy_id(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await _create(client, editor_headers, EVERYTHING)
    (before,) = await all_products(client, editor_headers)
    r = await upload(client, editor_headers, await export(client, editor_headers, "shopify_csv"))
    assert [x["outcome"] for x in r.json()["results"]] == ["unchanged"], r.json()["results"]
    (after,) = await all_products(client, editor_headers)
    assert after["category"] == EVERYTHING["category"]
    assert comparable(after) == comparable(before)
