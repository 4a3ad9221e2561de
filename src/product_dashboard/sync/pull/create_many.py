"""`create_set` as the webhook processor calls it (inbound may not import sync: main.py hands it
this): Shopify's products with their `updated_at`, the local ids of those created."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.shopify.mapping import SyncProduct
from product_dashboard.sync.pull.create_set import create_set
from product_dashboard.sync.pull.source import RemoteProduct


async def create_many(
    session: AsyncSession, products: Sequence[tuple[SyncProduct, datetime | None]], actor: Actor
) -> dict[str, int]:
    """Create those of `products` unknown here that can be, together, in the session's
    transaction; their local ids by Shopify id (nothing is written for the others)."""
    created = await create_set(session, [RemoteProduct(p, at) for p, at in products], actor)
    return {remote.shopify_id: product_id for product_id, remote in created.created}
