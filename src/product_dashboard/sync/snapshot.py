"""What we push of a product: a plain snapshot of the synced fields, and its content hash.

Snapshots are built from Core rows (not ORM objects) so that hashing tens of thousands of products
to find the few that really changed stays cheap. The snapshot is also what is stored as
`Product.synced_snapshot`: the base a later conflict check compares both sides against.
Ids (ours and Shopify's) are kept beside the snapshot, never in it, so they do not move the hash.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.kit.money import from_cents
from product_dashboard.models import (
    Product,
    ProductImage,
    ProductOption,
    ProductTag,
    ProductVariant,
)

SNAPSHOT_FORMAT = 1
DEFAULT_OPTION_NAME = "Title"
DEFAULT_OPTION_VALUE = "Default Title"


@dataclass(slots=True)
class PushItem:
    """One product as the push sees it: identity, versions, and the snapshot to send."""

    product_id: int
    version: int
    handle: str
    shopify_product_id: str | None
    synced_hash: str | None
    deleted: bool
    snapshot: dict[str, Any] = field(default_factory=dict)
    variant_row_ids: list[int] = field(default_factory=list)
    shopify_variant_ids: list[str | None] = field(default_factory=list)
    content_hash: str = ""

    @property
    def variant_count(self) -> int:
        return len(self.snapshot.get("variants") or ())


def content_hash(snapshot: dict[str, Any]) -> str:
    """SHA-256 of the snapshot's canonical JSON."""
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


_PRODUCT_COLUMNS = (
    Product.id,
    Product.version,
    Product.handle,
    Product.title,
    Product.description_html,
    Product.vendor,
    Product.product_type,
    Product.status,
    Product.category_id,
    Product.shopify_product_id,
    Product.synced_hash,
    Product.deleted_at,
)


async def load_push_items(session: AsyncSession, product_ids: Sequence[int]) -> list[PushItem]:
    """Snapshots of these products (in id order), with five queries whatever their number."""
    if not product_ids:
        return []
    ids = list(product_ids)
    products = (
        await session.execute(
            select(*_PRODUCT_COLUMNS).where(Product.id.in_(ids)).order_by(Product.id)
        )
    ).all()
    options: dict[int, list[Any]] = defaultdict(list)
    for opt in await session.execute(
        select(ProductOption.product_id, ProductOption.name, ProductOption.values)
        .where(ProductOption.product_id.in_(ids))
        .order_by(ProductOption.product_id, ProductOption.position)
    ):
        options[opt.product_id].append(opt)
    variants: dict[int, list[Any]] = defaultdict(list)
    for var in await session.execute(
        select(
            ProductVariant.id,
            ProductVariant.product_id,
            ProductVariant.sku,
            ProductVariant.barcode,
            ProductVariant.price_cents,
            ProductVariant.compare_at_price_cents,
            ProductVariant.option1,
            ProductVariant.option2,
            ProductVariant.option3,
            ProductVariant.shopify_variant_id,
        )
        .where(ProductVariant.product_id.in_(ids))
        .order_by(ProductVariant.product_id, ProductVariant.position, ProductVariant.id)
    ):
        variants[var.product_id].append(var)
    tags: dict[int, list[str]] = defaultdict(list)
    for tag in await session.execute(
        select(ProductTag.product_id, ProductTag.name)
        .where(ProductTag.product_id.in_(ids))
        .order_by(ProductTag.product_id, ProductTag.position)
    ):
        tags[tag.product_id].append(tag.name)
    images: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for img in await session.execute(
        select(ProductImage.product_id, ProductImage.src, ProductImage.alt)
        .where(ProductImage.product_id.in_(ids))
        .order_by(ProductImage.product_id, ProductImage.position)
    ):
        images[img.product_id].append({"src": img.src, "alt": img.alt})

    items: list[PushItem] = []
    for row in products:
        item = PushItem(
            product_id=row.id,
            version=row.version,
            handle=row.handle,
            shopify_product_id=row.shopify_product_id,
            synced_hash=row.synced_hash,
            deleted=row.deleted_at is not None,
        )
        if not item.deleted:
            product_variants = variants.get(row.id, [])
            item.snapshot = _snapshot(
                row, options.get(row.id, []), product_variants, tags.get(row.id, []), images
            )
            item.variant_row_ids = [v.id for v in product_variants]
            item.shopify_variant_ids = [v.shopify_variant_id for v in product_variants]
            item.content_hash = content_hash(item.snapshot)
        items.append(item)
    return items


def _snapshot(
    row: Any,
    options: list[Any],
    variants: list[Any],
    tags: list[str],
    images: dict[int, list[dict[str, Any]]],
) -> dict[str, Any]:
    option_list = [{"name": o.name, "values": list(o.values)} for o in options]
    variant_list = [
        {
            "sku": v.sku,
            "barcode": v.barcode,
            "price": from_cents(v.price_cents),
            "compare_at_price": from_cents(v.compare_at_price_cents),
            "option_values": [x for x in (v.option1, v.option2, v.option3) if x is not None],
        }
        for v in variants
    ]
    if variant_list and not option_list:
        option_list = [{"name": DEFAULT_OPTION_NAME, "values": [DEFAULT_OPTION_VALUE]}]
        for variant in variant_list:
            variant["option_values"] = variant["option_values"] or [DEFAULT_OPTION_VALUE]
    return {
        "format": SNAPSHOT_FORMAT,
        "handle": row.handle,
        "title": row.title,
        "description_html": row.description_html,
        "vendor": row.vendor,
        "product_type": row.product_type,
        "status": row.status,
        "category_id": row.category_id,
        "tags": list(tags),
        "options": option_list,
        "variants": variant_list,
        "images": images.get(row.id, []),
    }
