"""productSet replaces the lists it is given (#16): the push gives `files` and `metafields` only
when the dashboard holds the store's whole list, media Shopify holds by id, unknowns not at all."""

from __future__ import annotations

from decimal import Decimal

import pytest

from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.kit.hs_codes import CountryHsCodes
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


_LAST_FIELDS = ("giftCardTemplateSuffix", "requiresSellingPlan", "combinedListingRole")
_LAST_VARIANT_FIELDS = ("showUnitPrice", "requiresComponents")
_LAST_ITEM_FIELDS = ("provinceCodeOfOrigin", "countryHarmonizedSystemCodes")


def test_the_last_fields_are_sent_only_when_known_here_and_the_role_never() -> None:
    never_read = product_set_input(_item(_product()))
    assert not set(_LAST_FIELDS) & set(never_read)
    assert not set(_LAST_VARIANT_FIELDS) & set(never_read["variants"][0])
    assert "inventoryItem" not in never_read["variants"][0]
    assert "redirectNewHandle" not in never_read

    codes = CountryHsCodes.of([("US", "7113.11.5000"), ("CA", "7113.11.00")])
    variant = SyncVariant(
        "R",
        None,
        4900,
        None,
        0,
        None,
        [],
        show_unit_price=False,
        requires_components=True,
        province_code_of_origin="QC",
        country_hs_codes=codes,
    )
    known = product_set_input(
        _item(
            _product(
                variants=[variant],
                gift_card_template_suffix="gift",
                requires_selling_plan=False,
                combined_listing_role="CHILD",
            )
        )
    )
    assert (known["giftCardTemplateSuffix"], known["requiresSellingPlan"]) == ("gift", False)
    assert "combinedListingRole" not in known  # set by Shopify's combined listing mutations
    sent = known["variants"][0]
    assert (sent["showUnitPrice"], sent["requiresComponents"]) == (False, True)
    assert sent["inventoryItem"] == {
        "provinceCodeOfOrigin": "QC",
        "countryHarmonizedSystemCodes": [
            {"countryCode": "CA", "harmonizedSystemCode": "7113.11.00"},
            {"countryCode": "US", "harmonizedSystemCode": "7113.11.5000"},
        ],
    }
    # A list read empty is sent empty (Shopify's cleared too); not known is not sent.
    variant.country_hs_codes = CountryHsCodes(())
    emptied = product_set_input(_item(_product(variants=[variant])))
    assert emptied["variants"][0]["inventoryItem"]["countryHarmonizedSystemCodes"] == []


def test_a_handle_changed_here_asks_shopify_for_a_redirect_unless_turned_off() -> None:
    def item(
        synced_handle: str | None, shopify_id: str | None = "gid://shopify/Product/1"
    ) -> PushItem:
        return PushItem.of(
            SyncedSnapshot.of(_product(handle="ring-silver")),
            product_id=1,
            version=2,
            shopify_product_id=shopify_id,
            synced_handle=synced_handle,
        )

    assert product_set_input(item("ring"))["redirectNewHandle"] is True
    assert "redirectNewHandle" not in product_set_input(item("ring"), redirect_handles=False)
    assert "redirectNewHandle" not in product_set_input(item("ring-silver"))  # not changed
    assert "redirectNewHandle" not in product_set_input(item(None))  # never synced
    assert "redirectNewHandle" not in product_set_input(item("ring", shopify_id=None))  # new
