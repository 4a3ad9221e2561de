"""Row layouts of the export formats: our CSV (round-trips through import) and Shopify's CSV."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

from product_dashboard.export.shopify_columns import (
    CSV_WEIGHT_UNITS,
    EXACT_GRAMS,
    SHOPIFY_BY_KEY,
    SHOPIFY_TABLE,
    csv_grams,
    export_header,
)
from product_dashboard.export.source import ExportLocation, ProductRecord, option_values
from product_dashboard.kit.money import from_cents
from product_dashboard.kit.numbers import parse_decimal
from product_dashboard.models.inventory import WeightUnit, whole_grams
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
    "seo_title",
    "seo_description",
    "template_suffix",
    "gift_card",
    "published_online_store",
    "option1_linked_to",
    "option2_linked_to",
    "option3_linked_to",
    "metafields",
    "taxable",
    "tax_code",
    "requires_shipping",
    "fulfillment_service",
    "variant_image",
    "weight_value",
    "weight_unit",
    "inventory_tracked",
    "inventory_policy",
    "cost",
    "country_of_origin",
    "hs_code",
    "variant_metafields",
    "extra_columns",
    "variant_extra_columns",
]
LOCATION_COLUMN = "available at {name}"
"""Then one column per active location (`columns`): its available, empty where unknown."""

# Shopify's product import CSV: every column of its template, long-standing headers.
SHOPIFY_COLUMNS = [export_header(column) for column in SHOPIFY_TABLE]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def columns(locations: Sequence[ExportLocation]) -> list[str]:
    """Our CSV's and XLSX's header: the fixed columns, then one per location."""
    return [*COLUMNS, *(LOCATION_COLUMN.format(name=loc.name) for loc in locations)]


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
    known = _product_known(product)
    image_srcs = {image.id: image.src for image in product.images}
    whole = [
        _text(product.seo_title),
        _text(product.seo_description),
        _text(product.template_suffix),
        _text(_flag(product.gift_card)),
        _text(_flag(product.published_online_store)),
        *(_text(known.get(f"option{n}_linked_to")) for n in (1, 2, 3)),
        _metafields_text(m for m in product.metafields if m.variant_id is None),
    ]
    for variant in product.variants:
        variant_known = _variant_known(variant, image_srcs)
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
            *whole,
            *(
                _text(variant_known[key])
                for key in (
                    "taxable",
                    "tax_code",
                    "requires_shipping",
                    "fulfillment_service",
                    "variant_image",
                )
            ),
            _text(None if variant.weight_value is None else format(variant.weight_value, "f")),
            _text(variant.weight_unit),
            _text(_flag(variant.inventory_tracked)),
            _text(variant.inventory_policy),
            _text(from_cents(variant.cost_cents)),
            _text(variant.country_of_origin),
            _text(variant.hs_code),
            _metafields_text(m for m in product.metafields if m.variant_id == variant.id),
            _json_text(product.extra_columns),
            _json_text(variant.extra_columns),
            *(_text(product.levels.get(variant.id, {}).get(loc.id)) for loc in locations),
        ]


def _metafields_text(metafields: Iterable[Any]) -> str:
    listed = [
        {"namespace": m.namespace, "key": m.key, "type": m.type, "value": m.value}
        for m in metafields
    ]
    return json.dumps(listed, ensure_ascii=False) if listed else ""


def _json_text(columns: dict[str, str] | None) -> str:
    return json.dumps(columns, ensure_ascii=False) if columns else ""


def _weight_cells(variant: Any, kept: dict[str, str]) -> tuple[str, str]:
    """Variant Grams and Variant Weight Unit: as imported while the catalog's whole grams still
    agree with the imported grams, else the catalog's weight (empty when it has none)."""
    grams = whole_grams(variant.weight_value, variant.weight_unit)
    imported = kept.get(EXACT_GRAMS, "")
    if imported and grams is not None:
        try:
            if whole_grams(parse_decimal(imported), WeightUnit.grams.value) == grams:
                unit = kept.get("weight_unit") or CSV_WEIGHT_UNITS.get(variant.weight_unit, "")
                return imported, unit
        except ValueError:
            pass
    if grams is None:
        return "", kept.get("weight_unit", "")
    return csv_grams(variant.weight_value, variant.weight_unit), CSV_WEIGHT_UNITS.get(
        variant.weight_unit or WeightUnit.grams.value, ""
    )


def _put_kept(row: dict[str, str], kept: dict[str, str] | None) -> None:
    """Kept columns into their cells: a known column under its export header, others as named."""
    for key, value in (kept or {}).items():
        column = SHOPIFY_BY_KEY.get(key)
        if column is None:
            row[key] = value
        elif key != EXACT_GRAMS:
            row[export_header(column)] = value


def _flag(value: bool | None) -> str | None:
    return None if value is None else _bool(value)


def _bool(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _product_known(product: Any) -> dict[str, str | None]:
    """Product fields the catalog holds (None: not known, so an imported cell stands)."""
    known: dict[str, str | None] = {
        "published": _flag(product.published_online_store),
        "gift_card": _flag(product.gift_card),
        "seo_title": product.seo_title,
        "seo_description": product.seo_description,
    }
    for option in product.options[:3]:
        if option.linked_metafield_namespace and option.linked_metafield_key:
            known[f"option{option.position}_linked_to"] = (
                f"product.metafields.{option.linked_metafield_namespace}."
                f"{option.linked_metafield_key}"
            )
    return known


def _variant_known(variant: Any, image_srcs: dict[int, str]) -> dict[str, str | None]:
    tracked = variant.inventory_tracked
    return {
        "inventory_tracker": None if tracked is None else ("shopify" if tracked else ""),
        "inventory_policy": variant.inventory_policy.lower() if variant.inventory_policy else None,
        "cost": from_cents(variant.cost_cents),
        "taxable": _flag(variant.taxable),
        "requires_shipping": _flag(variant.requires_shipping),
        "tax_code": variant.tax_code,
        "fulfillment_service": variant.fulfillment_service,
        "variant_image": image_srcs.get(variant.image_id) if variant.image_id else None,
    }


def catalog_variant_cells(variant: Any, image_srcs: dict[int, str]) -> dict[str, str]:
    """A variant's Shopify CSV cells that the catalog itself can write (canonical key → cell):
    what an import need not keep beside it."""
    cells = {k: v for k, v in _variant_known(variant, image_srcs).items() if v is not None}
    grams, unit = _weight_cells(variant, {})
    if grams:
        cells[EXACT_GRAMS], cells["weight_unit"] = grams, unit
    return cells


def catalog_product_cells(product: Any) -> dict[str, str]:
    return {k: v for k, v in _product_known(product).items() if v is not None}


def _put_known(row: dict[str, str], known: dict[str, str | None]) -> None:
    """The catalog's own value wins over a kept cell that says otherwise (one saying the same,
    as "50" for 50.00 or "deny" for DENY, is written as imported); an unknown one leaves the
    cell as it is."""
    for key, value in known.items():
        header = export_header(SHOPIFY_BY_KEY[key])
        if value is not None and not _same_value(key, row.get(header, ""), value):
            row[header] = value


# Cells whose spelling is their value: a kept one must match exactly to be written as kept.
_TEXT_KEYS = frozenset(
    {"seo_title", "seo_description", "tax_code", "fulfillment_service", "variant_image"}
)


def _same_value(key: str, cell: str, value: str) -> bool:
    """A flag, policy or amount written another way (TRUE / true, DENY / deny, 50 / 50.00)."""
    if cell == value:
        return True
    if key in _TEXT_KEYS or key.endswith("_linked_to"):
        return False
    if cell.casefold() == value.casefold():
        return True
    try:
        return parse_decimal(cell) == parse_decimal(value)
    except ValueError:
        return False


def shopify_header(extra_headers: Sequence[str] = ()) -> list[str]:
    return [*SHOPIFY_COLUMNS, *(h for h in extra_headers if h not in SHOPIFY_COLUMNS)]


def shopify_rows(product: ProductRecord, extra_headers: Sequence[str] = ()) -> Iterator[list[str]]:
    """One row per variant, then one per extra image; product fields on the first row only.

    A field the catalog does not hold is written empty, never as a default Shopify would take
    for a fact (taxable, tracked, published…); what an import kept is written again.
    """
    header = shopify_header(extra_headers)
    images = list(product.images)
    image_srcs = {image.id: image.src for image in images}
    options = [o.name for o in product.options] or ["Title"]
    variants = list(product.variants)
    for index in range(max(len(variants), len(images), 1)):
        row = dict.fromkeys(header, "")
        row["Handle"] = product.handle
        if index == 0:
            _put_kept(row, product.extra_columns)
            row.update(
                {
                    "Title": product.title,
                    "Body (HTML)": product.description_html,
                    "Vendor": product.vendor,
                    "Product Category": _text(product.category_name),
                    "Type": product.product_type,
                    "Tags": ", ".join(t.name for t in product.tags),
                    "Status": product.status,
                }
            )
            for position, name in enumerate(options[:3], start=1):
                row[f"Option{position} Name"] = name
            _put_known(row, _product_known(product))
        if index < len(variants):
            variant = variants[index]
            kept = variant.extra_columns or {}
            _put_kept(row, kept)
            _put_known(row, _variant_known(variant, image_srcs))
            grams, unit = _weight_cells(variant, kept)
            values = option_values(variant) or ["Default Title"]
            for position, value in enumerate(values[:3], start=1):
                row[f"Option{position} Value"] = value
            row.update(
                {
                    "Variant SKU": _text(variant.sku),
                    "Variant Grams": grams,
                    "Variant Weight Unit": unit,
                    "Variant Inventory Qty": str(variant.inventory_quantity),
                    "Variant Price": from_cents(variant.price_cents) or "0.00",
                    "Variant Compare At Price": _text(from_cents(variant.compare_at_price_cents)),
                    "Variant Barcode": _text(variant.barcode),
                }
            )
        if index < len(images):
            row["Image Src"] = images[index].src
            row["Image Position"] = str(index + 1)
            row["Image Alt Text"] = _text(images[index].alt)
        yield [row[column] for column in header]


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
                "extra_columns": v.extra_columns or {},
            }
            for v in product.variants
        ],
        "images": [
            {"id": i.id, "position": i.position, "src": i.src, "alt": i.alt} for i in product.images
        ],
        "extra_columns": product.extra_columns or {},
        "sync": {
            "state": state,
            "shopify_product_id": product.shopify_product_id,
            "synced_version": product.synced_version,
            "synced_at": _time(product.synced_at),
            "error": product.sync_error,
        },
        "synced_snapshot": product.synced_snapshot,
    }
