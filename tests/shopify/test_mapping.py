"""SyncProduct from Shopify shapes, and the content hash used for deltas and echo detection."""

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
    variants_truncated,
)

pytestmark = pytest.mark.quick

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


def shopify_node(product: SyncProduct) -> dict[str, Any]:
    """The Product node Shopify reads back for `product` (ids assigned, variants reordered)."""
    options = product.options or [SyncOption("Title", ["Default Title"])]
    variants = [
        {
            "id": v.shopify_variant_id or f"gid://shopify/ProductVariant/{next(_ids)}",
            "sku": v.sku or "",
            "barcode": v.barcode,
            "price": cents_to_money(v.price_cents),
            "compareAtPrice": (
                cents_to_money(v.compare_at_price_cents)
                if v.compare_at_price_cents is not None
                else None
            ),
            "inventoryQuantity": v.inventory_quantity,
            "selectedOptions": [
                {"name": option.name, "value": value}
                for option, value in zip(options, v.option_values or ["Default Title"], strict=True)
            ],
            "inventoryItem": {
                "measurement": {
                    "weight": {"unit": "KILOGRAMS", "value": (v.weight_grams or 0) / 1000}
                }
            },
        }
        for v in product.variants
    ]
    return {
        "id": product.shopify_product_id or "gid://shopify/Product/99",
        "handle": product.handle,
        "title": product.title,
        "descriptionHtml": product.description_html,
        "vendor": product.vendor,
        "productType": product.product_type,
        "status": product.status.upper(),
        "tags": sorted(product.tags),
        "category": {"id": product.category_id} if product.category_id is not None else None,
        "options": [
            {"name": o.name, "optionValues": [{"name": value} for value in o.values]}
            for o in options
        ],
        "variants": {"edges": [{"node": v} for v in reversed(variants)]},
    }


@settings(max_examples=100, deadline=None)
@given(products())
def test_round_trip_through_shopify_shapes_keeps_content(product: SyncProduct) -> None:
    back = from_shopify_product(shopify_node(product))
    assert content_hash(back) == content_hash(product)
    assert back.options == product.options
    assert back.status == product.status
    assert back.shopify_product_id is not None
    assert all(v.shopify_variant_id for v in back.variants)


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


def test_shopify_default_option_reads_back_as_no_options() -> None:
    product = dataclasses.replace(
        sample(), options=[], variants=[SyncVariant("ONE", None, 500, None, 1, None, [])]
    )
    node = shopify_node(product)
    assert node["options"] == [{"name": "Title", "optionValues": [{"name": "Default Title"}]}]
    back = from_shopify_product(node)
    assert back.options == [] and back.variants[0].option_values == []


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
    ("amount", "expected"), [("19.99", 1999), ("20", 2000), ("12.340", 1234), (12.5, 1250)]
)
def test_money_to_cents(amount: str | float, expected: int) -> None:
    assert money_to_cents(amount) == expected


@pytest.mark.parametrize("amount", ["0.005", "12.345", "0.125"])
def test_an_amount_finer_than_a_cent_is_refused_not_rounded(amount: str) -> None:
    """A price in a currency of three decimals (KWD 12.345) or a cost of 0.125: rounded, it would
    go back to Shopify changed with the product's next push."""
    with pytest.raises(ValueError, match="must have at most 2 decimal places"):
        money_to_cents(amount)


@given(st.integers(-(10**12), 10**12))
def test_money_round_trip(value: int) -> None:
    assert money_to_cents(cents_to_money(value)) == value


def test_weight_units_convert_to_grams() -> None:
    node = shopify_node(sample())
    node["variants"]["edges"][0]["node"]["inventoryItem"]["measurement"]["weight"] = {
        "unit": "POUNDS",
        "value": 1.0,
    }
    grams = {v.weight_grams for v in from_shopify_product(node).variants}
    assert 454 in grams


def test_variants_truncated_reads_page_info() -> None:
    node = shopify_node(sample())
    assert not variants_truncated(node)
    node["variants"] = {"pageInfo": {"hasNextPage": True}, "nodes": []}
    assert variants_truncated(node)
