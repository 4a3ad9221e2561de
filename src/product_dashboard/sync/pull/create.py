"""Create a local product from one Shopify hasn't told us about yet, linked and marked synced."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.conflict.new_product import build_from_remote
from product_dashboard.models import AuditSource, Product
from product_dashboard.product.write_rows import write_new
from product_dashboard.sync.pull.source import RemoteProduct

PULL_ACTOR = Actor(source=AuditSource.sync)


class NotCreated(Exception):
    """The remote product cannot be created here as it is; the message says why."""


async def create_from_remote(session: AsyncSession, remote: RemoteProduct) -> int:
    """Create, link (product and variant ids, category) and record the base; the new product's
    id, or NotCreated (or the create's own AppError/ValidationError) if not.

    A local product holding the same handle is never taken over: if it is unlinked it is most
    likely being pushed right now (the push links it), otherwise two products claim one handle
    and a person must decide. Media and metafields come with their Shopify ids, so a push keeps
    them as they are. Built (`conflict.new_product`) and written (`product.write_rows`) as
    `create_set` does a set of them and as every create writes.
    """
    p = remote.product
    clash = (
        await session.execute(
            select(Product.id, Product.shopify_product_id).where(
                Product.handle == p.handle, Product.deleted_at.is_(None)
            )
        )
    ).first()
    if clash is not None:
        linked = f"linked to {clash.shopify_product_id}" if clash.shopify_product_id else "unlinked"
        raise NotCreated(
            f"local product {clash.id} ({linked}) already uses the handle {p.handle!r}"
        )
    creation = await build_from_remote(session, p, remote.updated_at)
    creation.reported_at = remote.reported_at
    (product_id,) = await write_new(session, [creation], PULL_ACTOR)
    return product_id
