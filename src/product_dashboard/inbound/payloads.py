"""Webhook bodies (Shopify's REST shapes) → what the inbound flow needs.

Products arrive snake_case with legacy integer ids next to `admin_graphql_api_id`, `tags` as one
comma-separated string, money as strings, a lowercase status and `updated_at` with the shop's
offset. Ids above 2**53 are why the body is parsed with Python's exact integers, never floats.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from product_dashboard.shopify.mapping import (
    MEDIA,
    METAFIELDS,
    VARIANT_METAFIELDS,
    ProductStatus,
    SyncImage,
    SyncOption,
    SyncProduct,
    SyncVariant,
    is_default_only,
    known_text,
    money_to_cents,
)

PRODUCT_GID = "gid://shopify/Product/"
COLLECTION_GID = "gid://shopify/Collection/"
_STATUSES = {"active", "draft", "archived"}


def resource_gid(topic: str, payload: Mapping[str, Any]) -> str | None:
    """The Shopify gid a delivery is about (delete bodies carry only the legacy id)."""
    gid = payload.get("admin_graphql_api_id")
    if isinstance(gid, str) and gid:
        return gid
    legacy = payload.get("id")
    if isinstance(legacy, int) and not isinstance(legacy, bool):
        if topic.startswith("products/"):
            return f"{PRODUCT_GID}{legacy}"
        if topic.startswith("collections/"):
            return f"{COLLECTION_GID}{legacy}"
    return None


def _tags(raw: Any) -> list[str]:
    if isinstance(raw, list):
        return [str(t).strip() for t in raw if str(t).strip()]
    if isinstance(raw, str):
        return [t.strip() for t in raw.split(",") if t.strip()]
    return []


def _variant_gid(raw: Mapping[str, Any]) -> str | None:
    gid = raw.get("admin_graphql_api_id")
    if isinstance(gid, str) and gid:
        return gid
    legacy = raw.get("id")
    return f"gid://shopify/ProductVariant/{legacy}" if isinstance(legacy, int) else None


def _item_gid(raw: Mapping[str, Any]) -> str | None:
    legacy = raw.get("inventory_item_id")
    return f"gid://shopify/InventoryItem/{legacy}" if isinstance(legacy, int) else None


def _rest_media(payload: Mapping[str, Any]) -> list[SyncImage]:
    images = []
    for item in sorted(payload.get("media") or [], key=lambda m: m.get("position") or 0):
        preview = item.get("preview_image") or {}
        if isinstance(item, Mapping) and preview.get("src"):
            images.append(
                SyncImage(
                    src=str(preview["src"]),
                    alt=item.get("alt") or None,
                    media_id=item.get("admin_graphql_api_id"),
                    content_type=item.get("media_content_type"),
                )
            )
    return images


_REST_WEIGHT_UNITS = {"g": "GRAMS", "kg": "KILOGRAMS", "oz": "OUNCES", "lb": "POUNDS"}


def _rest_weight(variant: Mapping[str, Any]) -> dict[str, Any]:
    """`weight` and `weight_unit` of an older REST body, exactly (0 is Shopify's "not set")."""
    weight = variant.get("weight")
    if weight is None or not Decimal(str(weight)):
        return {}
    unit = _REST_WEIGHT_UNITS.get(str(variant.get("weight_unit") or "g"), "GRAMS")
    return {"weight_value": Decimal(str(weight)), "weight_unit": unit}


def _rest_unknown(payload: Mapping[str, Any], variants: list[Mapping[str, Any]]) -> list[str]:
    """What a REST body does not carry: SEO and metafields, and what its keys leave out."""
    unknown = {"seo_title", "seo_description", "gift_card", "tax_code", "image_src"}
    unknown.update((METAFIELDS, VARIANT_METAFIELDS))
    if "media" not in payload:
        unknown.add(MEDIA)
    if "template_suffix" not in payload:
        unknown.add("template_suffix")
    if "category" not in payload:  # (bodies of versions before 2024-07 have none)
        unknown.add("category_id")
    if "published_at" not in payload:
        unknown.add("published_online_store")
    for name in ("taxable", "requires_shipping", "inventory_policy"):
        if variants and name not in variants[0]:
            unknown.add(name)
    # The 2026-10 body has no inventory item fields but the policy (nor weight: `grams` and
    # `weight` are gone); what is not there stays unknown, never read as empty.
    unknown.update(("inventory_tracked", "cost_cents", "country_of_origin", "hs_code"))
    unknown.add("unit_price_measurement")  # REST bodies have no unit price measurement
    # Nor these (Admin GraphQL fields only): never read from a webhook body as none.
    unknown.update(
        (
            "gift_card_template_suffix",
            "requires_selling_plan",
            "combined_listing_role",
            "show_unit_price",
            "requires_components",
            "province_code_of_origin",
            "country_hs_codes",
        )
    )
    if not variants or "weight" not in variants[0]:
        unknown.add("weight_value")
    return sorted(unknown)


# What a whole body carries and `product_from_rest` reads as the product's value (an absent key
# would read as empty: a cleared field, every variant deleted). A subscription's `includeFields`
# leaves keys out; a body's `variants` may hold fewer than its `variant_gids`.
_PRODUCT_KEYS = (
    "title",
    "handle",
    "body_html",
    "vendor",
    "product_type",
    "status",
    "tags",
    "options",
    "variants",
)
_VARIANT_KEYS = ("price", "sku", "barcode", "compare_at_price", "option1")


def missing_keys(payload: Mapping[str, Any]) -> list[str]:
    """What a `products/create|update` body leaves out of what it takes to be read as the whole
    product (empty when it is whole): such a body says nothing of what it leaves out."""
    missing = [key for key in _PRODUCT_KEYS if key not in payload]
    variants = payload.get("variants")
    if not isinstance(variants, list):
        return missing
    for raw in variants:
        if not isinstance(raw, Mapping):
            return [*missing, "variants[]"]
        absent = [f"variants[].{key}" for key in _VARIANT_KEYS if key not in raw]
        if _variant_gid(raw) is None:
            absent.append("variants[].id")
        if absent:
            return missing + absent
    gids = payload.get("variant_gids")
    if isinstance(gids, list) and len(gids) > len(variants):
        missing.append(f"variants ({len(variants)} of {len(gids)})")
    return missing


def product_from_rest(payload: Mapping[str, Any]) -> SyncProduct:
    """A `products/create|update` body as a SyncProduct (the same shape a pull produces)."""
    options = [
        SyncOption(name=str(o.get("name") or ""), values=[str(v) for v in o.get("values") or []])
        for o in sorted(payload.get("options") or [], key=lambda o: o.get("position") or 0)
    ]
    default_only = is_default_only(options)
    variants = []
    for raw in sorted(payload.get("variants") or [], key=lambda v: v.get("position") or 0):
        values = [raw.get(f"option{i}") for i in range(1, len(options) + 1)]
        compare_at = raw.get("compare_at_price")
        grams = raw.get("grams")
        variants.append(
            SyncVariant(
                sku=raw.get("sku") or None,
                barcode=raw.get("barcode") or None,
                price_cents=money_to_cents(raw.get("price") or "0"),
                compare_at_price_cents=money_to_cents(compare_at) if compare_at else None,
                inventory_quantity=(
                    int(raw["inventory_quantity"])
                    if raw.get("inventory_quantity") is not None
                    else None
                ),
                weight_grams=int(grams) if isinstance(grams, int) and grams > 0 else None,
                option_values=[] if default_only else [str(v) for v in values if v is not None],
                shopify_variant_id=_variant_gid(raw),
                taxable=raw.get("taxable"),
                requires_shipping=raw.get("requires_shipping"),
                inventory_policy=str(raw["inventory_policy"]).upper()
                if raw.get("inventory_policy")
                else None,
                inventory_item_id=_item_gid(raw),
                **_rest_weight(raw),
            )
        )
    status = str(payload.get("status") or "active").lower()
    category = payload.get("category")
    return SyncProduct(
        title=str(payload.get("title") or ""),
        handle=str(payload.get("handle") or ""),
        description_html=str(payload.get("body_html") or ""),
        vendor=str(payload.get("vendor") or ""),
        product_type=str(payload.get("product_type") or ""),
        status=cast(ProductStatus, status if status in _STATUSES else "active"),
        tags=_tags(payload.get("tags")),
        category_id=category.get("admin_graphql_api_id") if isinstance(category, Mapping) else None,
        options=[] if default_only else options,
        variants=variants,
        shopify_product_id=resource_gid("products/update", payload),
        images=_rest_media(payload)
        if "media" in payload
        else [
            SyncImage(src=str(i["src"]), alt=i.get("alt") or None)
            for i in payload.get("images") or []
            if isinstance(i, Mapping) and i.get("src")
        ],
        category_name=category.get("name") if isinstance(category, Mapping) else None,
        template_suffix=known_text(payload, "template_suffix"),
        published_online_store=(
            payload["published_at"] is not None if "published_at" in payload else None
        ),
        unknown=_rest_unknown(payload, list(payload.get("variants") or [])),
    )
