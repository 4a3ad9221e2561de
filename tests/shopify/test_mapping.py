"""SyncProduct <-> Shopify shapes, and the content hash used for deltas and echo detection."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from product_dashboard.shopify.mapping import (
    SyncImage,
    SyncOption,
    SyncProduct,
    SyncVariant,
    cents_to_money,
    content_hash,
    from_shopify_product,
    money_to_cents,
    to_product_set_input,
    variants_truncated,
)

pytestmark = pytest.mark.quick

LOCATION = "gid://shopify/Location/1"
_ids = itertools.count(1000)

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
name = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
cents = st.integers(min_value=0, max_value=10**9)


@st.composite
def products(draw: st.DrawFn) -> SyncProduct:
    option_count = draw(st.integers(0, 3))
    option_names = draw(st.lists(name, min_size=option_count, max_size=option_count, unique=True))
    options = [
        SyncOption(n, draw(st.lists(name, min_size=1, max_size=3, unique=True)))
        for n in option_names
    ]
    combos = list(itertools.product(*(o.values for o in options))) if options else [()]
    chosen = draw(st.lists(st.sampled_from(combos), min_size=1, max_size=4, unique=True))
    variants = [
        SyncVariant(
            sku=draw(st.none() | name),
            barcode=draw(st.none() | name),
            price_cents=draw(cents),
            compare_at_price_cents=draw(st.none() | cents.filter(bool)),
            inventory_quantity=draw(st.integers(-100, 10_000)),
            weight_grams=draw(st.none() | st.integers(1, 100_000)),
            option_values=list(combo),
        )
        for combo in chosen
    ]
    return SyncProduct(
        title=draw(text),
        handle=draw(name),
        description_html=draw(text),
        vendor=draw(text),
        product_type=draw(text),
        status=draw(st.sampled_from(["active", "draft", "archived"])),
        tags=draw(st.lists(name, max_size=5, unique=True)),
        category_id=draw(st.none() | st.just("gid://shopify/TaxonomyCategory/aa-1")),
        options=options,
        variants=variants,
        shopify_product_id=draw(st.none() | st.just("gid://shopify/Product/7")),
    )


def shopify_read_back(product_input: dict[str, Any], identifier: dict[str, Any]) -> dict[str, Any]:
    """What Shopify's Product read shape holds after a productSet with this input."""
    option_names = [o["name"] for o in product_input["productOptions"]]
    variants = []
    for v in product_input["variants"]:
        weight = ((v.get("inventoryItem") or {}).get("measurement") or {}).get("weight")
        quantities = v.get("inventoryQuantities") or []
        variants.append(
            {
                "id": v.get("id") or f"gid://shopify/ProductVariant/{next(_ids)}",
                "sku": v["sku"] or "",
                "barcode": v["barcode"],
                "price": v["price"],
                "compareAtPrice": v["compareAtPrice"],
                "inventoryQuantity": sum(q["quantity"] for q in quantities),
                "selectedOptions": [
                    {"name": ov["optionName"], "value": ov["name"]} for ov in v["optionValues"]
                ],
                "inventoryItem": {
                    "measurement": {
                        "weight": {"unit": "KILOGRAMS", "value": weight["value"] / 1000}
                        if weight
                        else {"unit": "KILOGRAMS", "value": 0.0}
                    }
                },
            }
        )
    assert [ov["optionName"] for v in product_input["variants"] for ov in v["optionValues"]] == [
        n for _ in product_input["variants"] for n in option_names
    ]
    return {
        "id": identifier.get("id") or "gid://shopify/Product/99",
        "handle": product_input["handle"],
        "title": product_input["title"],
        "descriptionHtml": product_input["descriptionHtml"],
        "vendor": product_input["vendor"],
        "productType": product_input["productType"],
        "status": product_input["status"],
        "tags": sorted(product_input["tags"]),
        "category": {"id": product_input["category"]} if "category" in product_input else None,
        "options": [
            {"name": o["name"], "optionValues": [{"name": v["name"]} for v in o["values"]]}
            for o in product_input["productOptions"]
        ],
        "variants": {"edges": [{"node": v} for v in reversed(variants)]},
    }


@settings(max_examples=100, deadline=None)
@given(products())
def test_round_trip_through_shopify_shapes_keeps_content(product: SyncProduct) -> None:
    product_input, identifier = to_product_set_input(product, location_id=LOCATION)
    back = from_shopify_product(shopify_read_back(product_input, identifier))
    assert content_hash(back) == content_hash(product)
    assert back.options == product.options
    assert back.status == product.status
    assert back.shopify_product_id is not None
    assert all(v.shopify_variant_id for v in back.variants)
    # Pushing what we read back reproduces the same input, ids aside.
    again, _ = to_product_set_input(back, location_id=LOCATION)
    for variant in again["variants"]:
        variant.pop("id")
    assert sorted(map(repr, again["variants"])) == sorted(map(repr, product_input["variants"]))


def sample() -> SyncProduct:
    return SyncProduct(
        title="Tee",
        handle="tee",
        description_html="<p>Soft</p>",
        vendor="Acme",
        product_type="Shirts",
        status="active",
        tags=["summer", "cotton"],
        category_id=None,
        options=[SyncOption("Size", ["S", "M"])],
        variants=[
            SyncVariant("TEE-S", None, 1999, 2500, 5, 180, ["S"]),
            SyncVariant("TEE-M", "123", 1999, None, 0, None, ["M"]),
        ],
        images=[SyncImage("https://example.com/tee.png", "front")],
    )


def test_input_shape_matches_product_set_input() -> None:
    product_input, identifier = to_product_set_input(sample(), location_id=LOCATION)
    assert identifier == {"handle": "tee"}
    assert product_input["status"] == "ACTIVE"
    assert product_input["productOptions"] == [
        {"name": "Size", "position": 1, "values": [{"name": "S"}, {"name": "M"}]}
    ]
    small = product_input["variants"][0]
    assert small["price"] == "19.99" and small["compareAtPrice"] == "25.00"
    assert small["optionValues"] == [{"optionName": "Size", "name": "S"}]
    assert small["inventoryQuantities"] == [
        {"locationId": LOCATION, "name": "available", "quantity": 5}
    ]
    assert small["inventoryItem"]["measurement"]["weight"] == {"unit": "GRAMS", "value": 180.0}
    assert product_input["variants"][1]["compareAtPrice"] is None
    assert product_input["files"][0]["originalSource"] == "https://example.com/tee.png"
    assert "category" not in product_input


def test_identifier_prefers_the_shopify_id() -> None:
    product = dataclasses.replace(sample(), shopify_product_id="gid://shopify/Product/5")
    assert to_product_set_input(product)[1] == {"id": "gid://shopify/Product/5"}


def test_without_location_no_quantities_are_sent() -> None:
    product_input, _ = to_product_set_input(sample())
    assert all("inventoryQuantities" not in v for v in product_input["variants"])


def test_product_without_options_uses_shopify_default_option() -> None:
    product = dataclasses.replace(
        sample(), options=[], variants=[SyncVariant("ONE", None, 500, None, 1, None, [])]
    )
    product_input, identifier = to_product_set_input(product)
    assert product_input["productOptions"][0]["values"] == [{"name": "Default Title"}]
    back = from_shopify_product(shopify_read_back(product_input, identifier))
    assert back.options == [] and back.variants[0].option_values == []


def test_mismatched_option_values_are_refused() -> None:
    product = dataclasses.replace(
        sample(), variants=[SyncVariant("X", None, 1, None, 0, None, ["S", "extra"])]
    )
    with pytest.raises(ValueError, match="option values"):
        to_product_set_input(product)


def test_hash_ignores_tag_order_ids_and_images_but_not_content() -> None:
    base = sample()
    same = dataclasses.replace(
        base,
        tags=["cotton", "summer"],
        shopify_product_id="gid://shopify/Product/1",
        images=[],
        variants=list(reversed(base.variants)),
    )
    assert content_hash(same) == content_hash(base)
    cheaper = dataclasses.replace(
        base, variants=[dataclasses.replace(base.variants[0], price_cents=1899), base.variants[1]]
    )
    assert content_hash(cheaper) != content_hash(base)
    assert content_hash(dataclasses.replace(base, status="draft")) != content_hash(base)
    restocked = dataclasses.replace(
        base,
        variants=[dataclasses.replace(base.variants[0], inventory_quantity=9), base.variants[1]],
    )
    assert content_hash(restocked) != content_hash(base)
    assert content_hash(restocked, include_inventory=False) == content_hash(
        base, include_inventory=False
    )


@pytest.mark.parametrize(
    ("amount", "expected"), [("19.99", 1999), ("20", 2000), ("0.005", 1), (12.5, 1250)]
)
def test_money_to_cents(amount: str | float, expected: int) -> None:
    assert money_to_cents(amount) == expected


@given(st.integers(-(10**12), 10**12))
def test_money_round_trip(value: int) -> None:
    assert money_to_cents(cents_to_money(value)) == value


def test_weight_units_convert_to_grams() -> None:
    node = shopify_read_back(*to_product_set_input(sample(), location_id=LOCATION))
    node["variants"]["edges"][0]["node"]["inventoryItem"]["measurement"]["weight"] = {
        "unit": "POUNDS",
        "value": 1.0,
    }
    grams = {v.weight_grams for v in from_shopify_product(node).variants}
    assert 454 in grams


def test_variants_truncated_reads_page_info() -> None:
    node = shopify_read_back(*to_product_set_input(sample()))
    assert not variants_truncated(node)
    node["variants"] = {"pageInfo": {"hasNextPage": True}, "nodes": []}
    assert variants_truncated(node)
