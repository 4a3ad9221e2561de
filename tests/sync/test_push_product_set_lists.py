"""productSet replaces the lists it is given (#16): the push gives `files` and `metafields` only
when the dashboard holds the store's whole list, media Shopify holds by id, unknowns not at all."""

from __future__ import annotations

from decimal import Decimal

import pytest

from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.kit.unit_price import UnitPriceMeasure
from product_dashboard.shopify.mapping import (
    SyncImage,
    SyncMetafield,
    SyncOption,
    SyncProduct,
    SyncVariant,
)
from product_dashboard.sync.push.documents import product_set_input
from product_dashboard.sync.push.items import PushItem

pytestmark = pytest.mark.quick


def _product(**fields: object) -> SyncProduct:
    values: dict[str, object] = {
        "title": "Ring",
        "handle": "ring",
        "description_html": "<p>As <!-- written --></p>",
        "vendor": "",
        "product_type": "",
        "status": "active",
        "tags": [],
        "category_id": None,
        "options": [],
        "variants": [SyncVariant("R", None, 4900, None, 0, None, [])],
        "images": [SyncImage("https://cdn.example.com/a.jpg", "A"), SyncImage("https://x/b.jpg")],
        "metafields": [SyncMetafield("custom", "material", "single_line_text_field", "silver")],
    }
    values.update(fields)
    return SyncProduct(**values)  # type: ignore[arg-type]


def _item(product: SyncProduct, **flags: bool) -> PushItem:
    return PushItem.of(
        SyncedSnapshot.of(product),
        product_id=1,
        version=2,
        shopify_product_id="gid://shopify/Product/1",
        shopify_media_ids=["gid://shopify/MediaImage/7", None],
        **flags,
    )


def test_known_lists_are_sent_whole_media_shopify_holds_by_id() -> None:
    data = product_set_input(_item(_product()))
    assert data["files"] == [
        {"id": "gid://shopify/MediaImage/7", "alt": "A"},
        {"originalSource": "https://x/b.jpg", "alt": None, "contentType": "IMAGE"},
    ]
    assert data["metafields"] == [
        {
            "namespace": "custom",
            "key": "material",
            "type": "single_line_text_field",
            "value": "silver",
        }
    ]
    assert data["descriptionHtml"] == "<p>As <!-- written --></p>"


def test_lists_not_read_in_full_are_not_sent_at_all() -> None:
    data = product_set_input(_item(_product(), media_complete=False, metafields_complete=False))
    assert "files" not in data and "metafields" not in data


def test_unknown_fields_are_not_sent_known_ones_are() -> None:
    unknown = product_set_input(_item(_product()))
    assert not {"seo", "templateSuffix", "giftCard"} & set(unknown)
    assert not {"taxable", "taxCode", "inventoryItem"} & set(unknown["variants"][0])
    variant = SyncVariant("R", None, 4900, None, 0, None, [], taxable=False, requires_shipping=True)
    known = product_set_input(
        _item(_product(variants=[variant], seo_title="Ring | Shop", gift_card=False))
    )
    assert known["seo"] == {"title": "Ring | Shop"}  # the description is not known: kept there
    assert known["giftCard"] is False
    assert known["variants"][0]["taxable"] is False
    assert known["variants"][0]["inventoryItem"] == {"requiresShipping": True}


def test_a_unit_price_measurement_is_sent_only_when_one_is_held_here() -> None:
    # None is "not known here" (never read, or a row from before it was read): no null is sent,
    # which would clear Shopify's.
    assert "unitPriceMeasurement" not in product_set_input(_item(_product()))["variants"][0]
    per_litre = UnitPriceMeasure(Decimal("0.50"), "L", 1, "L")
    variant = SyncVariant("O", None, 990, None, 0, None, [], unit_price_measurement=per_litre)
    held = product_set_input(_item(_product(variants=[variant])))
    assert held["variants"][0]["unitPriceMeasurement"] == {
        "quantityValue": 0.5,
        "quantityUnit": "L",
        "referenceValue": 1,
        "referenceUnit": "L",
    }


def test_a_variants_metafields_go_only_when_every_variants_are_known_or_it_is_new() -> None:
    stone = SyncMetafield("custom", "stone", "single_line_text_field", "opal")
    held = SyncVariant("R", None, 4900, None, 0, None, ["6"], "gid://shopify/ProductVariant/1")
    new = SyncVariant("S", None, 4900, None, 0, None, ["7"])
    held.metafields = new.metafields = [stone]
    product = _product(options=[SyncOption("Size", ["6", "7"])], variants=[held, new])

    def sent(**flags: bool) -> list[bool]:
        item = _item(product, **flags)
        item.shopify_variant_ids = [held.shopify_variant_id, None]
        return ["metafields" in v for v in product_set_input(item)["variants"]]

    # Shopify's list for the variant it holds would be replaced by the one known here only in
    # part; the new variant has none there to lose.
    assert sent(variant_metafields_complete=False) == [False, True]
    assert sent(variant_metafields_complete=True) == [True, True]
    assert sent(metafields_complete=False, variant_metafields_complete=True) == [True, True]
