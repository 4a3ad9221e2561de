"""What we push of a product: a plain snapshot of the synced fields, and its content hash.

Snapshots are built from Core rows (not ORM objects) so that hashing tens of thousands of products
to find the few that really changed stays cheap. The snapshot is also what is stored as
`Product.synced_snapshot`: the base a later conflict check compares both sides against.
Ids (ours and Shopify's) are kept beside the snapshot, never in it, so they do not move the hash.
"""

from __future__ import annotations

import functools
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
from product_dashboard.shopify.mapping import (
    DEFAULT_OPTION_NAME,
    DEFAULT_OPTION_VALUE,
    snapshot_digest,
    snapshot_hash,
    snapshot_json,
)

SNAPSHOT_FORMAT = 1
__all__ = ["PushItem", "content_hash", "load_push_items"]


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
    snapshot_json: str | None = None
    """The snapshot's canonical JSON (what was hashed); stored as the synced snapshot."""

    @property
    def variant_count(self) -> int:
        return len(self.snapshot.get("variants") or ())


# Prices repeat across a catalog; formatting each once is measurably cheaper per page.
_money = functools.lru_cache(maxsize=8192)(from_cents)

content_hash = snapshot_hash  # the stored `synced_hash`: see shopify.mapping.snapshot_hash


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
    # Core rows straight from the connection: the ORM's result machinery is not needed here.
    connection = await session.connection()
    products: Sequence[Any] = (
        await connection.execute(
            select(*_PRODUCT_COLUMNS).where(Product.id.in_(ids)).order_by(Product.id)
        )
    ).all()
    options: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for product_id, name, values in await connection.execute(
        select(ProductOption.product_id, ProductOption.name, ProductOption.values)
        .where(ProductOption.product_id.in_(ids))
        .order_by(ProductOption.product_id, ProductOption.position)
    ):
        options[product_id].append({"name": name, "values": list(values)})
    variants: dict[int, list[Any]] = defaultdict(list)
    variant_row: Any
    for variant_row in (
        await connection.execute(
            select(
                ProductVariant.product_id,
                ProductVariant.id,
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
        )
    ).all():
        variants[variant_row[0]].append(variant_row)
    tags: dict[int, list[str]] = defaultdict(list)
    for product_id, name in await connection.execute(
        select(ProductTag.product_id, ProductTag.name)
        .where(ProductTag.product_id.in_(ids))
        .order_by(ProductTag.product_id, ProductTag.position)
    ):
        tags[product_id].append(name)
    images: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for product_id, src, alt in await connection.execute(
        select(ProductImage.product_id, ProductImage.src, ProductImage.alt)
        .where(ProductImage.product_id.in_(ids))
        .order_by(ProductImage.product_id, ProductImage.position)
    ):
        images[product_id].append({"src": src, "alt": alt})

    items: list[PushItem] = []
    for row in products:
        product_id = row[0]
        item = PushItem(
            product_id=product_id,
            version=row[1],
            handle=row[2],
            shopify_product_id=row[9],
            synced_hash=row[10],
            deleted=row[11] is not None,
        )
        if not item.deleted:
            product_variants = variants.get(product_id, [])
            item.snapshot = _snapshot(
                row,
                options.get(product_id, []),
                product_variants,
                tags.get(product_id, []),
                images.get(product_id, []),
            )
            item.variant_row_ids = [v[1] for v in product_variants]
            item.shopify_variant_ids = [v[9] for v in product_variants]
            item.snapshot_json = snapshot_json(item.snapshot)
            item.content_hash = snapshot_digest(item.snapshot_json)
        items.append(item)
    return items


def _snapshot(
    row: Any,
    options: list[dict[str, Any]],
    variants: list[Any],
    tags: list[str],
    images: list[dict[str, Any]],
) -> dict[str, Any]:
    """The push snapshot (the stored `synced_snapshot` format; keys as `snapshot_json` sorts)."""
    variant_list = [
        {
            "barcode": v[3],
            "compare_at_price": _money(v[5]),
            "option_values": [x for x in (v[6], v[7], v[8]) if x is not None],
            "price": _money(v[4]),
            "sku": v[2],
        }
        for v in variants
    ]
    if variant_list and not options:
        options = [{"name": DEFAULT_OPTION_NAME, "values": [DEFAULT_OPTION_VALUE]}]
        for variant in variant_list:
            variant["option_values"] = variant["option_values"] or [DEFAULT_OPTION_VALUE]
    return {
        "category_id": row[8],
        "description_html": row[4],
        "format": SNAPSHOT_FORMAT,
        "handle": row[2],
        "images": images,
        "options": options,
        "product_type": row[6],
        "status": row[7],
        "tags": tags,
        "title": row[3],
        "variants": variant_list,
        "vendor": row[5],
    }
