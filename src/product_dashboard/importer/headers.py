"""Which columns a CSV has: ours (as exported) or Shopify's, with old and new header names.

Shopify has named its product CSV's columns two ways: the long-standing headers (`Variant SKU`,
`Body (HTML)`, …) and, since 2024, new ones (`SKU`, `Description`, `Charge tax`, …). Each column
of either generation has one canonical key here. A column with no key (market prices
`Price / <market>`, Google Shopping, metafield columns `… (product.metafields.ns.key)`, whatever
Shopify adds next) is still kept, under its header as written: see `extra_columns`.
"""

from __future__ import annotations

from typing import Literal

from product_dashboard.export.formats import COLUMNS, LOCATION_COLUMN
from product_dashboard.export.shopify_columns import SHOPIFY_TABLE, Scope

CsvKind = Literal["ours", "shopify"]


# Canonical key → header names, lowercased: Shopify's older template first, then the 2024 one.
SHOPIFY_ALIASES: dict[str, tuple[str, ...]] = {
    column.key: tuple(
        dict.fromkeys(h.lower() for h in (column.legacy, column.current) if h is not None)
    )
    for column in SHOPIFY_TABLE
}
SHOPIFY_ALIASES["type"] += ("product type",)


def detect(headers: list[str]) -> CsvKind | None:
    names = {h.strip().lower() for h in headers}
    if {"product_id", "handle", "option1_name", "price"} <= names:
        return "ours"
    if names & set(SHOPIFY_ALIASES["handle"]):
        return "shopify"
    return None


def column_index(headers: list[str], kind: CsvKind) -> dict[str, int]:
    """Canonical key → position in the row, for the columns this file has."""
    positions: dict[str, int] = {}
    for i, h in enumerate(headers):
        positions.setdefault(h.strip().lower(), i)
    if kind == "ours":
        return {key: positions[key] for key in COLUMNS if key in positions}
    found: dict[str, int] = {}
    for key, aliases in SHOPIFY_ALIASES.items():
        for alias in aliases:
            if alias in positions:
                found[key] = positions[alias]
                break
    return found


LOCATION_PREFIX = LOCATION_COLUMN.format(name="")


def location_columns(headers: list[str], kind: CsvKind) -> dict[str, int]:
    """Our CSV's `available at <location>` columns: the location's name as the header writes it
    (the export writes it as stored) → position; a name written twice is read at its first."""
    if kind != "ours":
        return {}
    found: dict[str, int] = {}
    for i, header in enumerate(headers):
        text = header.strip()
        if text.lower().startswith(LOCATION_PREFIX):
            found.setdefault(text[len(LOCATION_PREFIX) :].strip(), i)
    return found


def unknown_columns(headers: list[str], index: dict[str, int]) -> dict[str, int]:
    """Header as written → position, for the columns of a Shopify CSV that have no key."""
    known = set(index.values())
    return {h.strip(): i for i, h in enumerate(headers) if i not in known and h.strip()}


def unknown_scope(header: str) -> Scope:
    """A product metafield column belongs to the product; any other unknown column (market
    prices, Google Shopping, variant metafields) is read per variant row, as Shopify writes it."""
    return "product" if "(product.metafields." in header.lower() else "variant"
