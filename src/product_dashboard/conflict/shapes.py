"""Every side of a three-way comparison as a `SyncProduct`: local rows, stored base, REST payload.

The base is `Product.synced_snapshot`, a `conflict.snapshot.SyncedSnapshot` as the push recorder
or an inbound merge stored it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any, cast

from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.kit.hs_codes import CountryHsCodes, hs_codes_of_text
from product_dashboard.kit.unit_price import UnitPriceMeasure
from product_dashboard.models import Product, ProductMetafield, ProductVariant
from product_dashboard.product.rows import (
    NewMetafield,
    NewProduct,
    NewVariant,
    pending_image_src,
    pending_owner,
)
from product_dashboard.shopify.mapping import (
    MEDIA,
    METAFIELDS,
    ProductStatus,
    SyncImage,
    SyncMetafield,
    SyncOption,
    SyncProduct,
    SyncVariant,
)


def _variant_image(variant: ProductVariant | NewVariant, srcs: dict[int | None, str]) -> str | None:
    if variant.image_id is not None:
        return srcs.get(variant.image_id)
    return pending_image_src(variant)  # linked in this session, maybe not written


def _metafields(rows: Sequence[ProductMetafield | NewMetafield]) -> list[SyncMetafield]:
    return [
        SyncMetafield(m.namespace, m.key, m.type, m.value, m.shopify_metafield_id) for m in rows
    ]


def _variant_key(variant: ProductVariant | NewVariant) -> tuple[str, int]:
    return ("id", variant.id) if variant.id is not None else ("new", id(variant))


def local_product(product: Product | NewProduct) -> SyncProduct:
    """The local side; `product` must have options, variants, tags, images and metafields
    loaded (or be rows not written yet)."""
    srcs: dict[int | None, str] = {i.id: i.src for i in product.images}
    by_variant: dict[tuple[str, int], list[ProductMetafield | NewMetafield]] = {}
    own: list[ProductMetafield | NewMetafield] = []
    for row in product.metafields:
        if row.variant_id is not None:
            by_variant.setdefault(("id", row.variant_id), []).append(row)
        elif (owner := pending_owner(row)) is not None:
            by_variant.setdefault(_variant_key(owner), []).append(row)
        else:
            own.append(row)
    return SyncProduct(
        title=product.title,
        handle=product.handle,
        description_html=product.description_html,
        vendor=product.vendor,
        product_type=product.product_type,
        status=cast(ProductStatus, product.status),
        tags=[tag.name for tag in product.tags],
        category_id=product.category_id,
        options=[
            SyncOption(o.name, list(o.values), o.linked_metafield_namespace, o.linked_metafield_key)
            for o in product.options
        ],
        variants=[
            SyncVariant(
                sku=v.sku,
                barcode=v.barcode,
                price_cents=v.price_cents,
                compare_at_price_cents=v.compare_at_price_cents,
                inventory_quantity=v.inventory_quantity,
                weight_grams=v.weight_grams,
                option_values=v.option_values,
                shopify_variant_id=v.shopify_variant_id,
                taxable=v.taxable,
                requires_shipping=v.requires_shipping,
                tax_code=v.tax_code,
                image_src=_variant_image(v, srcs),
                metafields=_metafields(by_variant.get(_variant_key(v), [])),
                inventory_tracked=v.inventory_tracked,
                inventory_policy=v.inventory_policy,
                cost_cents=v.cost_cents,
                country_of_origin=v.country_of_origin,
                hs_code=v.hs_code,
                weight_value=v.weight_value,
                weight_unit=v.weight_unit if v.weight_value is not None else None,
                unit_price_measurement=v.unit_price_measurement,
                show_unit_price=v.show_unit_price,
                requires_components=v.requires_components,
                province_code_of_origin=v.province_code_of_origin,
                country_hs_codes=v.country_hs_codes,
            )
            for v in product.variants
        ],
        shopify_product_id=product.shopify_product_id,
        images=[
            SyncImage(i.src, i.alt, i.shopify_media_id, i.media_content_type)
            for i in product.images
        ],
        category_name=product.category_name,
        seo_title=product.seo_title,
        seo_description=product.seo_description,
        template_suffix=product.template_suffix,
        gift_card=product.gift_card,
        published_online_store=product.published_online_store,
        gift_card_template_suffix=product.gift_card_template_suffix,
        requires_selling_plan=product.requires_selling_plan,
        combined_listing_role=product.combined_listing_role,
        metafields=_metafields(own),
        unknown=[
            *([] if product.media_complete else [MEDIA]),
            *([] if product.metafields_complete else [METAFIELDS]),
        ],
    )


def base_product(snapshot: Mapping[str, Any]) -> SyncProduct:
    """The base side from a stored `synced_snapshot` (a `SyncedSnapshot`, or our SyncProduct dump
    stored before snapshots had a format)."""
    if "variants" in snapshot and snapshot.get("format") is None:
        return sync_product_from_dict(snapshot)
    return SyncedSnapshot.from_stored(snapshot).to_sync_product()


def sync_product_to_dict(product: SyncProduct) -> dict[str, Any]:
    """A JSON-able dump (for conflict records); `sync_product_from_dict` reads it back."""
    data = asdict(product)
    for option in data["options"]:
        del option["linked_values"]  # Shopify's ids of the values, not a field of the product
    for variant in data["variants"]:
        del variant["inventory_item_id"]  # likewise Shopify's id, not a field
        if variant.get("weight_value") is not None:
            variant["weight_value"] = format(variant["weight_value"].normalize(), "f")
        if variant.get("unit_price_measurement") is not None:
            variant["unit_price_measurement"] = UnitPriceMeasure(
                **variant["unit_price_measurement"]
            ).text()
        if variant.get("country_hs_codes") is not None:
            variant["country_hs_codes"] = CountryHsCodes(**variant["country_hs_codes"]).text()
    return data


def sync_product_from_dict(data: Mapping[str, Any]) -> SyncProduct:
    return SyncProduct(
        title=data["title"],
        handle=data["handle"],
        description_html=data["description_html"],
        vendor=data["vendor"],
        product_type=data["product_type"],
        status=cast(ProductStatus, data["status"]),
        tags=list(data["tags"]),
        category_id=data.get("category_id"),
        options=[SyncOption(o["name"], list(o["values"])) for o in data["options"]],
        variants=[
            SyncVariant(
                sku=v["sku"],
                barcode=v["barcode"],
                price_cents=v["price_cents"],
                compare_at_price_cents=v["compare_at_price_cents"],
                inventory_quantity=v["inventory_quantity"],
                weight_grams=v.get("weight_grams"),
                option_values=list(v["option_values"]),
                shopify_variant_id=v.get("shopify_variant_id"),
                inventory_tracked=v.get("inventory_tracked"),
                inventory_policy=v.get("inventory_policy"),
                cost_cents=v.get("cost_cents"),
                country_of_origin=v.get("country_of_origin"),
                hs_code=v.get("hs_code"),
                weight_value=(
                    Decimal(v["weight_value"]) if v.get("weight_value") is not None else None
                ),
                weight_unit=v.get("weight_unit"),
                unit_price_measurement=(
                    UnitPriceMeasure.parse(v["unit_price_measurement"])
                    if v.get("unit_price_measurement") is not None
                    else None
                ),
                show_unit_price=v.get("show_unit_price"),
                requires_components=v.get("requires_components"),
                province_code_of_origin=v.get("province_code_of_origin"),
                country_hs_codes=hs_codes_of_text(v.get("country_hs_codes")),
            )
            for v in data["variants"]
        ],
        shopify_product_id=data.get("shopify_product_id"),
        images=[SyncImage(i["src"], i.get("alt")) for i in data.get("images") or []],
        gift_card_template_suffix=data.get("gift_card_template_suffix"),
        requires_selling_plan=data.get("requires_selling_plan"),
        combined_listing_role=data.get("combined_listing_role"),
    )
