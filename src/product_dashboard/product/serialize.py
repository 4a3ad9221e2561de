"""ORM product → API shapes and audit snapshots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from product_dashboard.kit.money import from_cents
from product_dashboard.models import AuditEvent, Product, ProductMetafield, ProductVariant
from product_dashboard.models.product import sync_state_of
from product_dashboard.product.rows import NewProduct, NewVariant, pending_image_src
from product_dashboard.product.schemas import (
    AuditEventRead,
    CategoryRead,
    ImageRead,
    LinkedMetafield,
    MetafieldRead,
    OptionRead,
    ProductRead,
    ProductSummary,
    SyncInfo,
    VariantRead,
)


def icon_url(product: Product) -> str | None:
    return f"/api/products/{product.id}/icon" if product.icon_path else None


def metafield_read(metafield: ProductMetafield) -> MetafieldRead:
    return MetafieldRead(
        namespace=metafield.namespace,
        key=metafield.key,
        type=metafield.type,
        value=metafield.value,
        shopify_metafield_id=metafield.shopify_metafield_id,
    )


def variant_read(
    variant: ProductVariant,
    image_srcs: Mapping[int, str] | None = None,
    metafields: list[MetafieldRead] | None = None,
) -> VariantRead:
    """One variant; its image's src and its metafields come from the loaded product."""
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
        taxable=variant.taxable,
        tax_code=variant.tax_code,
        requires_shipping=variant.requires_shipping,
        fulfillment_service=variant.fulfillment_service,
        image_src=(image_srcs or {}).get(variant.image_id) if variant.image_id else None,
        metafields=metafields or [],
        extra_columns=variant.extra_columns or {},
        **item_fields(variant),
    )


def item_fields(variant: ProductVariant | NewVariant) -> dict[str, Any]:
    """The variant's inventory item fields as the API reads and takes them."""
    weight = variant.weight_value
    return {
        "inventory_tracked": variant.inventory_tracked,
        "inventory_policy": variant.inventory_policy,
        "cost": from_cents(variant.cost_cents),
        "country_of_origin": variant.country_of_origin,
        "hs_code": variant.hs_code,
        "weight_value": None if weight is None else format(weight.normalize(), "f"),
        "weight_unit": variant.weight_unit,
        "unit_price_measurement": measure.to_api()
        if (measure := variant.unit_price_measurement) is not None
        else None,
        "show_unit_price": variant.show_unit_price,
        "requires_components": variant.requires_components,
        "province_code_of_origin": variant.province_code_of_origin,
        "country_hs_codes": codes.to_api()
        if (codes := variant.country_hs_codes) is not None
        else None,
    }


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
    image_srcs = {i.id: i.src for i in product.images}
    return ProductRead(
        **_summary_fields(product),
        description_html=product.description_html,
        category=category,
        options=[
            OptionRead(
                name=o.name,
                position=o.position,
                values=o.values,
                linked_metafield=(
                    LinkedMetafield(
                        namespace=o.linked_metafield_namespace,
                        key=o.linked_metafield_key,
                        values=o.linked_metafield_values,
                    )
                    if o.linked_metafield_namespace and o.linked_metafield_key
                    else None
                ),
            )
            for o in product.options
        ],
        variants=[
            variant_read(
                v,
                image_srcs,
                [metafield_read(m) for m in product.metafields if m.variant_id == v.id],
            )
            for v in product.variants
        ],
        images=[
            ImageRead(
                id=i.id,
                position=i.position,
                src=i.src,
                alt=i.alt,
                shopify_media_id=i.shopify_media_id,
                media_content_type=i.media_content_type,
                local=i.local_file is not None,
            )
            for i in product.images
        ],
        seo_title=product.seo_title,
        seo_description=product.seo_description,
        template_suffix=product.template_suffix,
        gift_card=product.gift_card,
        published_online_store=product.published_online_store,
        gift_card_template_suffix=product.gift_card_template_suffix,
        requires_selling_plan=product.requires_selling_plan,
        combined_listing_role=product.combined_listing_role,
        metafields=[metafield_read(m) for m in product.metafields if m.variant_id is None],
        media_complete=product.media_complete,
        metafields_complete=product.metafields_complete,
        variant_metafields_complete=product.variant_metafields_complete,
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


def audit_category(product: Product | NewProduct) -> dict[str, str | None] | None:
    """The product's category as its audit snapshot records it."""
    if not product.category_name:
        return None
    return {"id": product.category_id, "name": product.category_name}


def audit_snapshot(product: Product | NewProduct) -> dict[str, Any]:
    """The product's editable content as plain JSON, for audit before/after."""
    images: dict[int | None, str] = {i.id: i.src for i in product.images}
    return {
        "title": product.title,
        "handle": product.handle,
        "description_html": product.description_html,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "category": audit_category(product),
        "status": product.status,
        "tags": [t.name for t in product.tags],
        "options": [{"name": o.name, "values": list(o.values)} for o in product.options],
        "variants": [_audit_variant(v, images) for v in product.variants],
        "images": [{"src": i.src, "alt": i.alt} for i in product.images],
        **_known(
            seo_title=product.seo_title,
            seo_description=product.seo_description,
            template_suffix=product.template_suffix,
            gift_card=product.gift_card,
            published_online_store=product.published_online_store,
            gift_card_template_suffix=product.gift_card_template_suffix,
            requires_selling_plan=product.requires_selling_plan,
            combined_listing_role=product.combined_listing_role,
            options_linked=[
                f"{o.linked_metafield_namespace}.{o.linked_metafield_key}"
                for o in product.options
                if o.linked_metafield_key
            ]
            or None,
            metafields=sorted(
                [m.variant_id or 0, m.namespace, m.key, m.type, m.value] for m in product.metafields
            )
            or None,
        ),
        **({"extra_columns": product.extra_columns} if product.extra_columns else {}),
    }


def _audit_variant(
    variant: ProductVariant | NewVariant, images: Mapping[int | None, str]
) -> dict[str, Any]:
    """A variant in the audit snapshot: its core fields, then only those of the rest that are
    known (in this order: the stored entries' keys keep it)."""
    values: dict[str, Any] = {
        "sku": variant.sku,
        "barcode": variant.barcode,
        "price": from_cents(variant.price_cents),
        "compare_at_price": from_cents(variant.compare_at_price_cents),
        "inventory_quantity": variant.inventory_quantity,
        "weight_grams": variant.weight_grams,
        "option_values": variant.option_values,
    }
    # Set one by one, not through `_known(**…)`: a pull writes one entry per new product.
    if variant.taxable is not None:
        values["taxable"] = variant.taxable
    if variant.tax_code is not None:
        values["tax_code"] = variant.tax_code
    if variant.requires_shipping is not None:
        values["requires_shipping"] = variant.requires_shipping
    if variant.fulfillment_service is not None:
        values["fulfillment_service"] = variant.fulfillment_service
    image = images.get(variant.image_id) if variant.image_id else pending_image_src(variant)
    if image is not None:
        values["image"] = image
    for name, value in item_fields(variant).items():
        if value is not None:
            values[name] = value
    if variant.extra_columns:
        values["extra_columns"] = variant.extra_columns
    return values


def _known(**values: Any) -> dict[str, Any]:
    """Only the values that are known: an audit entry from before these fields stays equal."""
    return {name: value for name, value in values.items() if value is not None}


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
