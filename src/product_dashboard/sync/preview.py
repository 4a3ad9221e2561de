"""A push's changes product by product, from the stored base (what Shopify has, as last synced)
to the local catalog, without calling Shopify.

The preview (`dry_run`, and the guards' look before a push) and the results a push records are
both built by `push_change`, so a preview shows field for field what the push then does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Text, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.conflict.shapes import base_product
from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.kit.gc_policy import fewer_collections
from product_dashboard.models import Product, ResultAction
from product_dashboard.safety.results import ProductChange
from product_dashboard.sync.push.items import PushItem, load_push_items
from product_dashboard.sync.push.planner import Planner, PushScope, split_unchanged

OnPage = Callable[[list[ProductChange]], Awaitable[None]]


def base_shape(stored: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A stored `synced_snapshot` in the current snapshot shape (older dumps are converted)."""
    if stored is None:
        return None
    if stored.get("format") is None and "variants" in stored:
        return SyncedSnapshot.of(base_product(stored)).to_stored()
    return dict(stored)


async def stored_bases(
    session: AsyncSession, product_ids: Sequence[int]
) -> dict[int, dict[str, Any] | None]:
    if not product_ids:
        return {}
    # Read as text and decoded by orjson (on SQLite): the JSON type's json.loads is slower.
    stored = type_coerce(Product.synced_snapshot, Text())
    rows = await session.execute(
        select(Product.id, stored).where(Product.id.in_(list(product_ids)))
    )
    return {product_id: base_shape(_decoded(value)) for product_id, value in rows}


def _decoded(value: str | bytes | dict[str, Any] | None) -> dict[str, Any] | None:
    # SQLite hands the text over; asyncpg decodes json columns itself.
    if isinstance(value, str | bytes):
        decoded: dict[str, Any] = orjson.loads(value)
        return decoded
    return value


def push_change(
    item: PushItem,
    base: Mapping[str, Any] | None,
    *,
    shopify_product_id: str | None = None,
    shopify_variant_ids: Sequence[str | None] | None = None,
    error: str | None = None,
) -> ProductChange:
    """What pushing `item` does to Shopify's product, whose last synced shape is `base`."""
    before = base if item.shopify_product_id is not None else None
    after = None if item.deleted else orjson.loads(item.snapshot_json)
    _keep_unknown_publication(before, after)
    change = ProductChange.between(
        before,
        after,
        product_id=item.product_id,
        handle=item.handle,
        shopify_product_id=shopify_product_id or item.shopify_product_id,
        shopify_variant_ids=(
            None if item.deleted else list(shopify_variant_ids or item.shopify_variant_ids)
        ),
    )
    if error is not None:
        change.action = ResultAction.failed
        change.error = error
    return change


def _keep_unknown_publication(before: Mapping[str, Any] | None, after: Any) -> None:
    """An unknown publication here is not sent (push/publication.py): Shopify's stays, and the
    change does not show it cleared."""
    detail = after.get("detail") if isinstance(after, dict) else None
    shopify = ((before or {}).get("detail") or {}).get("published_online_store")
    if isinstance(detail, dict) and detail.get("published_online_store") is None:
        detail["published_online_store"] = shopify


async def push_changes(session: AsyncSession, items: Sequence[PushItem]) -> list[ProductChange]:
    bases = await stored_bases(session, [item.product_id for item in items])
    return [push_change(item, bases.get(item.product_id)) for item in items]


async def preview_push(
    sessionmaker: async_sessionmaker[AsyncSession],
    scope: PushScope,
    dialect: str,
    on_page: OnPage,
) -> int:
    """Hand the changes a push of `scope` would make to `on_page`, a page of products at a time;
    the number of products looked at."""
    planner = Planner(scope, dialect)
    after = 0
    seen = 0
    # Like the push, it allocates many short-lived objects per product: with the default
    # thresholds the cyclic collector took half of a 20,000-product preview's CPU.
    with fewer_collections():
        while True:
            async with sessionmaker() as session:
                ids = await planner.page(session, after)
                if not ids:
                    return seen
                items = await load_push_items(session, ids)
                to_push = split_unchanged(items)[0] if scope.only_changed else items
                changes = await push_changes(session, to_push)
            seen += len(ids)
            after = ids[-1]
            await on_page(changes)


async def catalog_size(session: AsyncSession) -> int:
    """Live products: what a guard's share of the catalog is a share of."""
    count = await session.scalar(
        select(func.count()).select_from(Product).where(Product.deleted_at.is_(None))
    )
    return int(count or 0)
