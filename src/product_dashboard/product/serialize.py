"""ORM product → API shapes and audit snapshots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from product_dashboard.kit.money import from_cents
from product_dashboard.models import AuditEvent, Product, ProductVariant
from product_dashboard.models.product import sync_state_of
from product_dashboard.product.schemas import (
    AuditEventRead,
    CategoryRead,
    ImageRead,
    OptionRead,
    ProductRead,
    ProductSummary,
    SyncInfo,
    VariantRead,
)


def icon_url(product: Product) -> str | None:
    return f"/api/products/{product.id}/icon" if product.icon_path else None


def variant_read(variant: ProductVariant) -> VariantRead:
    return VariantRead(
        id=variant.id,
        position=variant.position,
        title=variant.title,
        sku=variant.sku,
        barcode=variant.barcode,
        price=from_cents(variant.price_cents) or "0.00",
        compare_at_price=from_cents(variant.compare_at_price_cents),
        inventory_quantity=variant.inventory_quantity,
        weight_grams=variant.weight_grams,
        option_values=variant.option_values,
        shopify_variant_id=variant.shopify_variant_id,
        extra_columns=variant.extra_columns or {},
    )


def product_summary(product: Product) -> ProductSummary:
    return ProductSummary(**_summary_fields(product))


def _tag_pairs(tags: str | list[list[Any]] | None) -> list[list[Any]]:
    """[position, name] pairs: JSON text from SQLite (orjson: a page of them, several times
    faster than the JSON type's json.loads), a list from PostgreSQL, None for no tags there."""
    if isinstance(tags, str):
        pairs: list[list[Any]] = orjson.loads(tags)
        return pairs
    return tags or []


def summary_from_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    """ProductSummary fields from a product/listing.py row (no ORM object in between)."""
    product_id = row["id"]
    return {
        "id": product_id,
        "title": row["title"],
        "handle": row["handle"],
        "vendor": row["vendor"],
        "product_type": row["product_type"],
        "status": row["status"],
        "tags": [name for _, name in sorted(_tag_pairs(row["tags"]))],
        "price_min": from_cents(row["price_min_cents"]),
        "price_max": from_cents(row["price_max_cents"]),
        "total_inventory": row["total_inventory"],
        "variants_count": row["variants_count"],
        "icon_url": f"/api/products/{product_id}/icon" if row["icon_path"] else None,
        "version": row["version"],
        "sync_state": sync_state_of(
            row["open_conflicts"], row["sync_error"], row["synced_version"], row["version"]
        ).value,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _summary_fields(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "title": product.title,
        "handle": product.handle,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "status": product.status,
        "tags": [t.name for t in product.tags],
        "price_min": from_cents(product.price_min_cents),
        "price_max": from_cents(product.price_max_cents),
        "total_inventory": product.total_inventory,
        "variants_count": (
            product.variants_count if product.variants_count is not None else len(product.variants)
        ),
        "icon_url": icon_url(product),
        "version": product.version,
        "sync_state": product.sync_state.value,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


def product_read(product: Product) -> ProductRead:
    category = (
        CategoryRead(id=product.category_id, name=product.category_name)
        if product.category_name
        else None
    )
    return ProductRead(
        **_summary_fields(product),
        description_html=product.description_html,
        category=category,
        options=[
            OptionRead(name=o.name, position=o.position, values=o.values) for o in product.options
        ],
        variants=[variant_read(v) for v in product.variants],
        images=[
            ImageRead(id=i.id, position=i.position, src=i.src, alt=i.alt) for i in product.images
        ],
        extra_columns=product.extra_columns or {},
        sync=SyncInfo(
            state=product.sync_state.value,
            shopify_product_id=product.shopify_product_id,
            synced_version=product.synced_version,
            synced_at=product.synced_at,
            error=product.sync_error,
        ),
        synced_snapshot=product.synced_snapshot,
    )


def audit_snapshot(product: Product) -> dict[str, Any]:
    """The product's editable content as plain JSON, for audit before/after."""
    return {
        "title": product.title,
        "handle": product.handle,
        "description_html": product.description_html,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "category": (
            {"id": product.category_id, "name": product.category_name}
            if product.category_name
            else None
        ),
        "status": product.status,
        "tags": [t.name for t in product.tags],
        "options": [{"name": o.name, "values": list(o.values)} for o in product.options],
        "variants": [
            {
                "sku": v.sku,
                "barcode": v.barcode,
                "price": from_cents(v.price_cents),
                "compare_at_price": from_cents(v.compare_at_price_cents),
                "inventory_quantity": v.inventory_quantity,
                "weight_grams": v.weight_grams,
                "option_values": v.option_values,
                **({"extra_columns": v.extra_columns} if v.extra_columns else {}),
            }
            for v in product.variants
        ],
        "images": [{"src": i.src, "alt": i.alt} for i in product.images],
        **({"extra_columns": product.extra_columns} if product.extra_columns else {}),
    }


def audit_event_read(event: AuditEvent) -> AuditEventRead:
    return AuditEventRead(
        id=event.id,
        at=event.at,
        actor_email=event.actor_email,
        source=event.source,
        action=event.action,
        before=event.before,
        after=event.after,
        batch_id=event.batch_id,
    )
