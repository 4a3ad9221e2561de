"""Every side of a three-way comparison as a `SyncProduct`: local rows, stored base, REST payload.

The base is `Product.synced_snapshot`, a `conflict.snapshot.SyncedSnapshot` as the push recorder
or an inbound merge stored it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, cast

from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.models import Product
from product_dashboard.shopify.mapping import (
    DEFAULT_OPTION_NAME,
    DEFAULT_OPTION_VALUE,
    ProductStatus,
    SyncImage,
    SyncOption,
    SyncProduct,
    SyncVariant,
)


def local_product(product: Product) -> SyncProduct:
    """The local side; `product` must have options, variants, tags and images loaded."""
    return SyncProduct(
        title=product.title,
        handle=product.handle,
        description_html=product.description_html,
        vendor=product.vendor,
        product_type=product.product_type,
        status=cast(ProductStatus, product.status),
        tags=[tag.name for tag in product.tags],
        category_id=product.category_id,
        options=[SyncOption(o.name, list(o.values)) for o in product.options],
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
            )
            for v in product.variants
        ],
        shopify_product_id=product.shopify_product_id,
        images=[SyncImage(i.src, i.alt) for i in product.images],
    )


def is_default_only(options: list[SyncOption]) -> bool:
    """Shopify's stand-in for "no options": one option Title with the value Default Title."""
    return len(options) == 1 and options[0] == SyncOption(
        DEFAULT_OPTION_NAME, [DEFAULT_OPTION_VALUE]
    )


def base_product(snapshot: Mapping[str, Any]) -> SyncProduct:
    """The base side from a stored `synced_snapshot` (a `SyncedSnapshot`, or our SyncProduct dump
    stored before snapshots had a format)."""
    if "variants" in snapshot and snapshot.get("format") is None:
        return sync_product_from_dict(snapshot)
    return SyncedSnapshot.from_stored(snapshot).to_sync_product()


def sync_product_to_dict(product: SyncProduct) -> dict[str, Any]:
    """A JSON-able dump (for conflict records); `sync_product_from_dict` reads it back."""
    return asdict(product)


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
            )
            for v in data["variants"]
        ],
        shopify_product_id=data.get("shopify_product_id"),
        images=[SyncImage(i["src"], i.get("alt")) for i in data.get("images") or []],
    )
