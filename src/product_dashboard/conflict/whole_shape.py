"""A product's shape as job results record it, and what the snapshot leaves out but a restore
needs.

A results shape is the product's sync snapshot in its stored form (`conflict.snapshot`: what a
push would send). Beside it the shape carries the Shopify CSV columns the catalog keeps but does
not model (`extra_columns`: Google Shopping, market prices…, the product's at the top and each
variant's in its element of `variants`, each only where there are any), so an undo puts them
back as it puts back the fields. A product deleted because Shopify deleted it is kept whole in
its audit entry (`whole_shape`): that shape, its stock per location (`stock`, as an import's
shapes carry it) and its category's name, so it can be made again here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.conflict.shapes import local_product
from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.conflict.threeway import variant_key
from product_dashboard.inventory.levels import level_shapes
from product_dashboard.models import Product

KEPT_COLUMNS = "extra_columns"
CATEGORY_NAME = "category_name"
STOCK = "stock"


class DeletedInShopify(BaseModel):
    """The audit entry's `before` of a product deleted here because Shopify deleted it."""

    id: int
    title: str
    handle: str | None = None
    shopify_product_id: str | None = None
    shape: dict[str, Any] | None = None
    """`whole_shape` (None: deleted here first, or recorded before shapes were kept)."""


def with_kept_columns(
    shape: dict[str, Any],
    product_columns: Mapping[str, str] | None,
    variant_columns: Sequence[Mapping[str, str] | None],
) -> dict[str, Any]:
    """`shape` (changed in place) with the kept columns of its product and of each variant
    (`variant_columns`: in the shape's variant order)."""
    if product_columns:
        shape[KEPT_COLUMNS] = dict(product_columns)
    for element, columns in zip(shape.get("variants") or (), variant_columns, strict=False):
        if columns:
            element[KEPT_COLUMNS] = dict(columns)
    return shape


def product_columns_of(shape: Mapping[str, Any]) -> dict[str, str] | None:
    """The product's kept columns the shape holds (None: none)."""
    columns = shape.get(KEPT_COLUMNS)
    return dict(columns) if columns else None


def variant_columns_of(shape: Mapping[str, Any]) -> dict[str, dict[str, str] | None]:
    """Each variant's kept columns (None: none), by its option values (`variant_key`)."""
    return {
        variant_key(element.get("option_values") or ()): (
            dict(element[KEPT_COLUMNS]) if element.get(KEPT_COLUMNS) else None
        )
        for element in shape.get("variants") or ()
    }


def put_back_kept_columns(product: Product, shape: Mapping[str, Any]) -> dict[str, Any] | None:
    """Set the kept columns of `product` (variants loaded) and of its variants to the shape's
    (a variant by its option values, else by position): a restore, so a column the shape does
    not hold is removed. What changed, as an audit entry's before and after (None: nothing)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    wanted = product_columns_of(shape)
    if (product.extra_columns or None) != wanted:
        before[KEPT_COLUMNS], after[KEPT_COLUMNS] = product.extra_columns, wanted
        product.extra_columns = wanted
    by_key = variant_columns_of(shape)
    in_order = list(by_key.values())
    for index, variant in enumerate(product.variants):
        key = variant_key(variant.option_values)
        if key in by_key:
            columns = by_key[key]
        else:
            columns = in_order[index] if index < len(in_order) else None
        if (variant.extra_columns or None) != columns:
            name = f"variants[{key}].{KEPT_COLUMNS}"
            before[name], after[name] = variant.extra_columns, columns
            variant.extra_columns = columns
    return {"before": before, "after": after} if after or before else None


async def whole_shape(session: AsyncSession, product: Product) -> dict[str, Any]:
    """The product's results shape (kept columns included), its stock and its category's name;
    `product` loaded as `conflict.apply.load_product` loads it."""
    shape = SyncedSnapshot.of(local_product(product)).to_stored()
    with_kept_columns(shape, product.extra_columns, [v.extra_columns for v in product.variants])
    shape[STOCK] = (await level_shapes(session, [product.id])).get(product.id, [])
    if product.category_name:
        shape[CATEGORY_NAME] = product.category_name
    return shape


__all__ = [
    "CATEGORY_NAME",
    "KEPT_COLUMNS",
    "STOCK",
    "DeletedInShopify",
    "product_columns_of",
    "put_back_kept_columns",
    "variant_columns_of",
    "whole_shape",
    "with_kept_columns",
]
