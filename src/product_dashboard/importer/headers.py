"""Which columns a CSV has: ours (as exported) or Shopify's, with old and new header names."""

from __future__ import annotations

from typing import Literal

from product_dashboard.export.formats import COLUMNS

CsvKind = Literal["ours", "shopify"]

# Canonical key → header names, lowercased: Shopify's older template first, then the 2024 one.
SHOPIFY_ALIASES: dict[str, tuple[str, ...]] = {
    "handle": ("handle", "url handle"),
    "title": ("title",),
    "body": ("body (html)", "description"),
    "vendor": ("vendor",),
    "category": ("product category", "product category"),
    "type": ("type", "product type"),
    "tags": ("tags",),
    "published": ("published", "published on online store"),
    "status": ("status",),
    "option1_name": ("option1 name",),
    "option1_value": ("option1 value",),
    "option2_name": ("option2 name",),
    "option2_value": ("option2 value",),
    "option3_name": ("option3 name",),
    "option3_value": ("option3 value",),
    "sku": ("variant sku", "sku"),
    "grams": ("variant grams", "weight value (grams)"),
    "inventory": ("variant inventory qty", "inventory quantity"),
    "price": ("variant price", "price"),
    "compare_at_price": ("variant compare at price", "compare-at price"),
    "barcode": ("variant barcode", "barcode"),
    "image_src": ("image src", "product image url"),
    "image_position": ("image position",),
    "image_alt": ("image alt text",),
}


def detect(headers: list[str]) -> CsvKind | None:
    names = {h.strip().lower() for h in headers}
    if {"product_id", "handle", "option1_name", "price"} <= names:
        return "ours"
    if names & set(SHOPIFY_ALIASES["handle"]):
        return "shopify"
    return None


def column_index(headers: list[str], kind: CsvKind) -> dict[str, int]:
    """Canonical key → position in the row, for the columns this file has."""
    positions = {h.strip().lower(): i for i, h in enumerate(headers)}
    if kind == "ours":
        return {key: positions[key] for key in COLUMNS if key in positions}
    found: dict[str, int] = {}
    for key, aliases in SHOPIFY_ALIASES.items():
        for alias in aliases:
            if alias in positions:
                found[key] = positions[alias]
                break
    return found
