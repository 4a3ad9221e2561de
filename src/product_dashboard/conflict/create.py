"""Shopify's product as a local create request: how a product unknown here arrives."""

from __future__ import annotations

from typing import Any

from product_dashboard.product.schemas import LinkedMetafield, ProductCreate
from product_dashboard.shopify.mapping import (
    DETAIL_FIELDS,
    MEDIA,
    METAFIELDS,
    VARIANT_METAFIELDS,
    SyncMetafield,
    SyncOption,
    SyncProduct,
    SyncVariant,
    cents_to_money,
)


def metafields_in(metafields: list[SyncMetafield]) -> list[dict[str, str]]:
    return [
        {"namespace": m.namespace, "key": m.key, "type": m.type, "value": m.value}
        for m in metafields
    ]


def images_in(product: SyncProduct) -> list[dict[str, Any]]:
    return [{"src": i.src, "alt": i.alt, "shopify_media_id": i.media_id} for i in product.images]


def variant_detail_in(variant: SyncVariant, product: SyncProduct) -> dict[str, Any]:
    """A variant's tax, shipping, image and metafields as the API takes them (known ones)."""
    values: dict[str, Any] = {
        name: getattr(variant, name)
        for name in ("taxable", "requires_shipping", "tax_code", "image_src")
        if product.knows(name)
    }
    if product.knows(METAFIELDS) and product.knows(VARIANT_METAFIELDS):
        values["metafields"] = metafields_in(variant.metafields)
    values.update(item_in(variant, product))
    return values


def item_in(variant: SyncVariant, product: SyncProduct) -> dict[str, Any]:
    """A variant's inventory item fields as the API takes them, those `product` read (a value
    not read is left out, so the stored one stays). A field read with no value is Shopify's
    "none" (the merchant cleared it there): given as None, so it is cleared here too, not kept
    and pushed back over the merchant's clear. Tracking and policy always have a value there."""
    known: dict[str, Any] = {}
    # Field by field (in this order), not a dict of them all then filtered: one per variant.
    if variant.inventory_tracked is not None and product.knows("inventory_tracked"):
        known["inventory_tracked"] = variant.inventory_tracked
    if variant.inventory_policy is not None and product.knows("inventory_policy"):
        known["inventory_policy"] = variant.inventory_policy
    if product.knows("cost_cents"):
        cost = variant.cost_cents
        known["cost"] = cents_to_money(cost) if cost is not None else None
    if product.knows("country_of_origin"):
        known["country_of_origin"] = variant.country_of_origin
    if product.knows("hs_code"):
        known["hs_code"] = variant.hs_code
    if product.knows("weight_value"):  # none read: Shopify's 0, its "no weight"
        known["weight_value"] = variant.weight_value
        known["weight_unit"] = variant.weight_unit
    if product.knows("unit_price_measurement"):
        # Read, so None is Shopify's "none" (cleared there), not "not known".
        measure = variant.unit_price_measurement
        known["unit_price_measurement"] = measure.to_api() if measure is not None else None
    # Booleans always have a value where read; None is "not read".
    if variant.show_unit_price is not None and product.knows("show_unit_price"):
        known["show_unit_price"] = variant.show_unit_price
    if variant.requires_components is not None and product.knows("requires_components"):
        known["requires_components"] = variant.requires_components
    if product.knows("province_code_of_origin"):
        known["province_code_of_origin"] = variant.province_code_of_origin
    # A list: None is "not read in full" on this variant, never "none" (that is empty).
    if variant.country_hs_codes is not None and product.knows("country_hs_codes"):
        known["country_hs_codes"] = variant.country_hs_codes.to_api()
    return known


def details_in(product: SyncProduct) -> dict[str, Any]:
    """The product's fields beyond the core ones, those this side knows."""
    values: dict[str, Any] = {
        name: getattr(product, name) for name in DETAIL_FIELDS if product.knows(name)
    }
    if product.knows(MEDIA):
        values["images"] = images_in(product)
    if product.knows(METAFIELDS):
        values["metafields"] = metafields_in(product.metafields)
    return values


def linked_metafield_in(option: SyncOption) -> LinkedMetafield | None:
    """A Shopify option's link as the product API takes it (None: a plain option)."""
    if not (option.linked_namespace and option.linked_key):
        return None
    return LinkedMetafield(
        namespace=option.linked_namespace, key=option.linked_key, values=option.linked_values
    )


def create_request(product: SyncProduct) -> ProductCreate:
    """Shopify's product as our validated create request (tags lose commas, as ours must)."""
    return ProductCreate.model_validate(
        {
            **details_in(product),
            "title": product.title or product.handle or "Untitled",
            "description_html": product.description_html,
            "vendor": product.vendor,
            "product_type": product.product_type,
            "status": product.status,
            "handle": product.handle or None,
            "tags": [t.replace(",", " ").strip() for t in product.tags if t.strip()],
            "options": [
                {
                    "name": o.name,
                    "values": o.values,
                    "linked_metafield": linked_metafield_in(o),
                }
                for o in product.options
            ],
            "variants": [
                {
                    "sku": v.sku,
                    "barcode": v.barcode,
                    "price": cents_to_money(v.price_cents),
                    "compare_at_price": (
                        cents_to_money(v.compare_at_price_cents)
                        if v.compare_at_price_cents is not None
                        else None
                    ),
                    "inventory_quantity": v.inventory_quantity or 0,
                    "weight_grams": v.weight_grams,
                    "option_values": v.option_values,
                    **variant_detail_in(v, product),
                }
                for v in product.variants
            ]
            or None,
        }
    )
