"""Row layouts of the export formats: our CSV (round-trips through import) and Shopify's CSV."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from product_dashboard.export.source import ExportLocation, ProductRecord, option_values
from product_dashboard.kit.money import from_cents
from product_dashboard.models.inventory import whole_grams
from product_dashboard.models.product import sync_state_of

ExportFormat = Literal["csv", "json", "ndjson", "xlsx", "shopify_csv"]

CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "shopify_csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "ndjson": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {
    "csv": "csv",
    "shopify_csv": "csv",
    "json": "json",
    "ndjson": "ndjson",
    "xlsx": "xlsx",
}

# Our CSV: one row per variant, product columns repeated on each row (spreadsheet-friendly).
COLUMNS = [
    "product_id",
    "handle",
    "title",
    "description_html",
    "vendor",
    "product_type",
    "category_id",
    "category_name",
    "status",
    "tags",
    "images",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "sku",
    "barcode",
    "price",
    "compare_at_price",
    "inventory_quantity",
    "weight_grams",
    "variant_id",
    "shopify_product_id",
    "inventory_tracked",
    "inventory_policy",
    "weight_value",
    "weight_unit",
    "cost",
]
LOCATION_COLUMN = "available at {name}"
"""Then one column per active location (`columns`): its available, empty where unknown."""

# Shopify's product import CSV (the long-standing headers its importer accepts).
SHOPIFY_COLUMNS = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Gift Card",
    "Variant Weight Unit",
    "Status",
]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def columns(locations: Sequence[ExportLocation]) -> list[str]:
    """Our CSV's and XLSX's header: the fixed columns, then one per location."""
    return [*COLUMNS, *(LOCATION_COLUMN.format(name=loc.name) for loc in locations)]


def _flag(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _option_cells(product: ProductRecord, variant: Any) -> list[str]:
    names = [o.name for o in product.options]
    values = option_values(variant)
    cells: list[str] = []
    for index in range(3):
        cells.append(names[index] if index < len(names) else "")
        cells.append(values[index] if index < len(values) else "")
    return cells


def rows(product: ProductRecord, locations: Sequence[ExportLocation] = ()) -> Iterator[list[str]]:
    tags = ", ".join(t.name for t in product.tags)
    images = (
        json.dumps([{"src": i.src, "alt": i.alt} for i in product.images], ensure_ascii=False)
        if product.images
        else ""
    )
    head = [
        str(product.id),
        product.handle,
        product.title,
        product.description_html,
        product.vendor,
        product.product_type,
        _text(product.category_id),
        _text(product.category_name),
        product.status,
        tags,
        images,
    ]
    for variant in product.variants:
        yield [
            *head,
            *_option_cells(product, variant),
            _text(variant.sku),
            _text(variant.barcode),
            from_cents(variant.price_cents) or "0.00",
            _text(from_cents(variant.compare_at_price_cents)),
            str(variant.inventory_quantity),
            _text(whole_grams(variant.weight_value, variant.weight_unit)),
            str(variant.id),
            _text(product.shopify_product_id),
            _flag(variant.inventory_tracked),
            _text(variant.inventory_policy),
            _text(variant.weight_value),
            _text(variant.weight_unit),
            _text(from_cents(variant.cost_cents)),
            *(_text(product.levels.get(variant.id, {}).get(loc.id)) for loc in locations),
        ]


def _bool(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def shopify_rows(product: ProductRecord) -> Iterator[list[str]]:
    """One row per variant, then one per extra image; product fields on the first row only."""
    images = list(product.images)
    options = [o.name for o in product.options] or ["Title"]
    variants = list(product.variants)
    for index in range(max(len(variants), len(images), 1)):
        row = dict.fromkeys(SHOPIFY_COLUMNS, "")
        row["Handle"] = product.handle
        if index == 0:
            row.update(
                {
                    "Title": product.title,
                    "Body (HTML)": product.description_html,
                    "Vendor": product.vendor,
                    "Product Category": _text(product.category_name),
                    "Type": product.product_type,
                    "Tags": ", ".join(t.name for t in product.tags),
                    "Published": _bool(product.status == "active"),
                    "Gift Card": "FALSE",
                    "Status": product.status,
                }
            )
            for position, name in enumerate(options[:3], start=1):
                row[f"Option{position} Name"] = name
        if index < len(variants):
            variant = variants[index]
            values = option_values(variant) or ["Default Title"]
            for position, value in enumerate(values[:3], start=1):
                row[f"Option{position} Value"] = value
            row.update(
                {
                    "Variant SKU": _text(variant.sku),
                    "Variant Grams": _text(whole_grams(variant.weight_value, variant.weight_unit)),
                    # Unknown tracking or policy: Shopify's defaults for a new variant.
                    "Variant Inventory Tracker": ""
                    if variant.inventory_tracked is False
                    else "shopify",
                    "Variant Inventory Qty": str(variant.inventory_quantity),
                    "Variant Inventory Policy": (
                        "continue" if variant.inventory_policy == "CONTINUE" else "deny"
                    ),
                    "Variant Fulfillment Service": "manual",
                    "Variant Price": from_cents(variant.price_cents) or "0.00",
                    "Variant Compare At Price": _text(from_cents(variant.compare_at_price_cents)),
                    "Variant Requires Shipping": "TRUE",
                    "Variant Taxable": "TRUE",
                    "Variant Barcode": _text(variant.barcode),
                    "Variant Weight Unit": "g",
                }
            )
        if index < len(images):
            row["Image Src"] = images[index].src
            row["Image Position"] = str(index + 1)
            row["Image Alt Text"] = _text(images[index].alt)
        yield [row[column] for column in SHOPIFY_COLUMNS]


def _sync_state(product: ProductRecord) -> str:
    return sync_state_of(
        product.open_conflicts, product.sync_error, product.synced_version, product.version
    ).value


def _time(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def as_json(product: ProductRecord) -> dict[str, Any]:
    """The shape of `GET /api/products/<id>` (ProductRead), built from plain rows."""
    state = _sync_state(product)
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
        "variants_count": len(product.variants),
        "icon_url": f"/api/products/{product.id}/icon" if product.icon_path else None,
        "version": product.version,
        "sync_state": state,
        "created_at": _time(product.created_at),
        "updated_at": _time(product.updated_at),
        "description_html": product.description_html,
        "category": (
            {"id": product.category_id, "name": product.category_name}
            if product.category_name
            else None
        ),
        "options": [
            {"name": o.name, "position": o.position, "values": list(o.values)}
            for o in product.options
        ],
        "variants": [
            {
                "id": v.id,
                "position": v.position,
                "title": v.title,
                "sku": v.sku,
                "barcode": v.barcode,
                "price": from_cents(v.price_cents) or "0.00",
                "compare_at_price": from_cents(v.compare_at_price_cents),
                "inventory_quantity": v.inventory_quantity,
                "weight_grams": whole_grams(v.weight_value, v.weight_unit),
                "option_values": option_values(v),
                "shopify_variant_id": v.shopify_variant_id,
            }
            for v in product.variants
        ],
        "images": [
            {"id": i.id, "position": i.position, "src": i.src, "alt": i.alt} for i in product.images
        ],
        "sync": {
            "state": state,
            "shopify_product_id": product.shopify_product_id,
            "synced_version": product.synced_version,
            "synced_at": _time(product.synced_at),
            "error": product.sync_error,
        },
        "synced_snapshot": product.synced_snapshot,
    }
