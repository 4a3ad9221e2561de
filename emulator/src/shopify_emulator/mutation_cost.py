"""Mutation root fields whose cost depends on their input (Shopify 2026-10); the rest cost 10.

`productSet`: 10 + 0.2 per variant + 0.6 per variant file + 0.4 per variant metafield + 0.4 per
product metafield + 1.9 per product file (the "Complexity cost" notes on ProductSetInput and
ProductVariantSetInput), rounded up to a whole point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MUTATION_COST = 10


def _count(items: object) -> int:
    return len(items) if isinstance(items, Sequence) and not isinstance(items, str) else 0


def product_set_cost(product: Mapping[str, Any] | None) -> int:
    if not isinstance(product, Mapping):
        return MUTATION_COST
    variants = [v for v in product.get("variants") or () if isinstance(v, Mapping)]
    tenths = (
        10 * MUTATION_COST
        + 2 * len(variants)
        + 6 * sum(1 for v in variants if v.get("file"))
        + 4 * sum(_count(v.get("metafields")) for v in variants)
        + 4 * _count(product.get("metafields"))
        + 19 * _count(product.get("files"))
    )
    return -(-tenths // 10)


def root_field_cost(field_name: str, arguments: Mapping[str, Any]) -> int:
    """The base cost of one mutation root field, given its argument values."""
    if field_name == "productSet":
        return product_set_cost(arguments.get("input"))
    return MUTATION_COST
