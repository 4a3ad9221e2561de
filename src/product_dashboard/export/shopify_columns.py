"""Every column of Shopify's product CSV, in both header generations, with its canonical key.

Shopify has named its product CSV's columns two ways: the long-standing headers (`Variant SKU`,
`Body (HTML)`, …) and, since 2024, new ones (`SKU`, `Description`, `Charge tax`, …). The importer
reads either; the Shopify CSV export writes the long-standing ones (and `OptionN Linked To`,
which only the new generation has).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from product_dashboard.models.inventory import GRAMS_PER_UNIT, WeightUnit

Scope = Literal["product", "variant", "image"]


@dataclass(frozen=True, slots=True)
class ShopifyColumn:
    key: str
    legacy: str | None
    """The header in Shopify's long-standing template (None: that generation has no such column)."""
    current: str | None
    """The header Shopify uses since 2024."""
    scope: Scope
    """Where a value belongs: the product (its first row), each variant row, or each image row."""


def _column(key: str, legacy: str | None, current: str | None, scope: Scope) -> ShopifyColumn:
    return ShopifyColumn(key, legacy, current, scope)


# Every column of both of Shopify's templates, in the legacy template's order.
SHOPIFY_TABLE: tuple[ShopifyColumn, ...] = (
    _column("handle", "Handle", "URL handle", "product"),
    _column("title", "Title", "Title", "product"),
    _column("body", "Body (HTML)", "Description", "product"),
    _column("vendor", "Vendor", "Vendor", "product"),
    _column("category", "Product Category", "Product category", "product"),
    _column("type", "Type", "Type", "product"),
    _column("tags", "Tags", "Tags", "product"),
    _column("published", "Published", "Published on online store", "product"),
    _column("option1_name", "Option1 Name", "Option1 name", "product"),
    _column("option1_value", "Option1 Value", "Option1 value", "variant"),
    _column("option1_linked_to", None, "Option1 Linked To", "product"),
    _column("option2_name", "Option2 Name", "Option2 name", "product"),
    _column("option2_value", "Option2 Value", "Option2 value", "variant"),
    _column("option2_linked_to", None, "Option2 Linked To", "product"),
    _column("option3_name", "Option3 Name", "Option3 name", "product"),
    _column("option3_value", "Option3 Value", "Option3 value", "variant"),
    _column("option3_linked_to", None, "Option3 Linked To", "product"),
    _column("sku", "Variant SKU", "SKU", "variant"),
    _column("grams", "Variant Grams", "Weight value (grams)", "variant"),
    _column("inventory_tracker", "Variant Inventory Tracker", "Inventory tracker", "variant"),
    _column("inventory", "Variant Inventory Qty", "Inventory quantity", "variant"),
    _column(
        "inventory_policy",
        "Variant Inventory Policy",
        "Continue selling when out of stock",
        "variant",
    ),
    _column("fulfillment_service", "Variant Fulfillment Service", "Fulfillment service", "variant"),
    _column("price", "Variant Price", "Price", "variant"),
    _column("compare_at_price", "Variant Compare At Price", "Compare-at price", "variant"),
    _column("requires_shipping", "Variant Requires Shipping", "Requires shipping", "variant"),
    _column("taxable", "Variant Taxable", "Charge tax", "variant"),
    _column("barcode", "Variant Barcode", "Barcode", "variant"),
    _column("image_src", "Image Src", "Product image URL", "image"),
    _column("image_position", "Image Position", "Image position", "image"),
    _column("image_alt", "Image Alt Text", "Image alt text", "image"),
    _column("gift_card", "Gift Card", "Gift card", "product"),
    _column("seo_title", "SEO Title", "SEO title", "product"),
    _column("seo_description", "SEO Description", "SEO description", "product"),
    _column("variant_image", "Variant Image", "Variant image URL", "variant"),
    _column("weight_unit", "Variant Weight Unit", "Weight unit for display", "variant"),
    _column("tax_code", "Variant Tax Code", "Tax code", "variant"),
    _column("cost", "Cost per item", "Cost per item", "variant"),
    _column("status", "Status", "Status", "product"),
)
SHOPIFY_BY_KEY = {column.key: column for column in SHOPIFY_TABLE}


EXACT_GRAMS = "grams"
"""The kept column holding a weight's grams exactly as imported (226.796185)."""

# Shopify's CSV weight units ↔ the catalog's (Shopify's WeightUnit).
CSV_WEIGHT_UNITS = {
    WeightUnit.grams.value: "g",
    WeightUnit.kilograms.value: "kg",
    WeightUnit.ounces.value: "oz",
    WeightUnit.pounds.value: "lb",
}


def csv_grams(value: Decimal, unit: str | None) -> str:
    """A weight in grams as Shopify's CSV writes it: 8 OUNCES → 226.796185, 10 → 283.4952313."""
    factor = GRAMS_PER_UNIT[WeightUnit(unit or WeightUnit.grams)]
    grams = Decimal(value) * factor
    if factor != 1:
        grams = grams.quantize(Decimal("0.0000001"), rounding=ROUND_HALF_UP)
    text = format(grams.normalize(), "f")
    return text


def export_header(column: ShopifyColumn) -> str:
    return column.legacy or column.current or column.key
