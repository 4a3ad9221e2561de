"""Every side of a three-way comparison as a `SyncProduct`: local rows, stored base, REST payload.

The base is `Product.synced_snapshot`, written by the push recorder in the format of
`sync/snapshot.py` (money as decimal strings, a product without options carrying Shopify's
"Title / Default Title" option, no inventory). `push_snapshot` writes that same format, so a
base we record after an inbound merge is indistinguishable from one a push recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, cast

from product_dashboard.kit.money import from_cents
from product_dashboard.models import Product
from product_dashboard.shopify.mapping import (
    DEFAULT_OPTION_NAME,
    DEFAULT_OPTION_VALUE,
    ProductStatus,
    SyncImage,
    SyncOption,
    SyncProduct,
    SyncVariant,
    money_to_cents,
)

SNAPSHOT_FORMAT = 1
UNKNOWN_INVENTORY = -(2**62)  # marks "the base did not record inventory" (push snapshots don't)


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
    """The base side from a stored `synced_snapshot` (push format, or our SyncProduct dump)."""
    if "variants" in snapshot and snapshot.get("format") is None:
        return sync_product_from_dict(snapshot)
    options = [SyncOption(o["name"], list(o["values"])) for o in snapshot.get("options") or []]
    default_only = is_default_only(options)
    variants = []
    for raw in snapshot.get("variants") or []:
        price = raw.get("price")
        compare_at = raw.get("compare_at_price")
        variants.append(
            SyncVariant(
                sku=raw.get("sku") or None,
                barcode=raw.get("barcode") or None,
                price_cents=money_to_cents(price) if price is not None else 0,
                compare_at_price_cents=money_to_cents(compare_at) if compare_at else None,
                inventory_quantity=int(raw.get("inventory_quantity", UNKNOWN_INVENTORY)),
                weight_grams=raw.get("weight_grams"),
                option_values=[] if default_only else list(raw.get("option_values") or []),
            )
        )
    return SyncProduct(
        title=snapshot.get("title") or "",
        handle=snapshot.get("handle") or "",
        description_html=snapshot.get("description_html") or "",
        vendor=snapshot.get("vendor") or "",
        product_type=snapshot.get("product_type") or "",
        status=cast(ProductStatus, snapshot.get("status") or "active"),
        tags=list(snapshot.get("tags") or []),
        category_id=snapshot.get("category_id"),
        options=[] if default_only else options,
        variants=variants,
        images=[SyncImage(i["src"], i.get("alt")) for i in snapshot.get("images") or []],
    )


def push_snapshot(product: SyncProduct) -> dict[str, Any]:
    """`product` in the recorder's snapshot format (see sync/snapshot.py)."""
    options = [{"name": o.name, "values": list(o.values)} for o in product.options]
    variants = [
        {
            "sku": v.sku,
            "barcode": v.barcode,
            "price": from_cents(v.price_cents),
            "compare_at_price": from_cents(v.compare_at_price_cents),
            "option_values": list(v.option_values),
        }
        for v in product.variants
    ]
    if variants and not options:
        options = [{"name": DEFAULT_OPTION_NAME, "values": [DEFAULT_OPTION_VALUE]}]
        for variant in variants:
            variant["option_values"] = variant["option_values"] or [DEFAULT_OPTION_VALUE]
    return {
        "format": SNAPSHOT_FORMAT,
        "handle": product.handle,
        "title": product.title,
        "description_html": product.description_html,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "status": product.status,
        "category_id": product.category_id,
        "tags": list(product.tags),
        "options": options,
        "variants": variants,
        "images": [{"src": i.src, "alt": i.alt} for i in product.images],
    }


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
