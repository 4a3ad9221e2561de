"""The variants export merged into bulk product nodes: all of a product's variants or none."""

from __future__ import annotations

import pytest

from product_dashboard.shopify.bulk_variants import VariantLines
from product_dashboard.shopify.mapping import (
    METAFIELDS,
    VARIANT_METAFIELDS,
    from_shopify_product,
)

pytestmark = pytest.mark.quick

STONE = {"id": "gid://shopify/Metafield/9", "namespace": "custom", "key": "stone", "value": "opal"}


def _product(*variant_ids: str) -> dict[str, object]:
    return {
        "id": "gid://shopify/Product/1",
        "options": [{"name": "Size", "optionValues": [{"name": "6"}, {"name": "7"}]}],
        "media": {
            "nodes": [{"id": "gid://shopify/MediaImage/5", "image": {"url": "https://x/a.jpg"}}]
        },
        "metafields": {"nodes": []},
        "variants": {
            "nodes": [
                {"id": v, "price": "1.00", "selectedOptions": [{"name": "Size", "value": size}]}
                for v, size in zip(variant_ids, ("6", "7"), strict=False)
            ]
        },
    }


def _lines() -> VariantLines:
    lines = VariantLines()
    lines.add(
        {
            "id": "gid://shopify/ProductVariant/1",
            "product": {"id": "gid://shopify/Product/1"},
            "metafields": {"nodes": [{**STONE, "type": "single_line_text_field"}]},
            "media": {"nodes": [{"id": "gid://shopify/MediaImage/5"}]},
        }
    )
    lines.add(
        {"id": "gid://shopify/ProductVariant/2", "product": {"id": "gid://shopify/Product/1"}}
    )
    return lines


def test_every_variant_read_makes_their_metafields_and_images_known() -> None:
    product = from_shopify_product(
        _lines().merge(_product("gid://shopify/ProductVariant/1", "gid://shopify/ProductVariant/2"))
    )
    assert product.knows(METAFIELDS) and product.knows(VARIANT_METAFIELDS)
    assert product.knows("image_src")
    first, second = product.variants
    assert [(m.key, m.value, m.shopify_id) for m in first.metafields] == [
        ("stone", "opal", STONE["id"])
    ]
    assert first.image_src == "https://x/a.jpg" and second.image_src is None
    assert second.metafields == []  # read, and none: not "not known"


def test_a_variant_the_export_did_not_see_leaves_the_product_as_it_was() -> None:
    node = _product("gid://shopify/ProductVariant/1", "gid://shopify/ProductVariant/3")
    assert _lines().merge(node) is node
    product = from_shopify_product(node)
    assert not product.knows(VARIANT_METAFIELDS) and not product.knows("image_src")
