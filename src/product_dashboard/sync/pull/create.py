"""Create a local product from one Shopify hasn't told us about yet, linked and marked synced."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.conflict.apply import note_remote_lists, note_variant_metafields, record_base
from product_dashboard.conflict.create import create_request
from product_dashboard.conflict.remote_apply import merge_quantities
from product_dashboard.conflict.threeway import variant_key
from product_dashboard.models import AuditSource, Product
from product_dashboard.product import service as product_service
from product_dashboard.product.rows import NewProduct
from product_dashboard.sync.pull.source import RemoteProduct

PULL_ACTOR = Actor(source=AuditSource.sync)


class NotCreated(Exception):
    """The remote product cannot be created here as it is; the message says why."""


async def create_from_remote(session: AsyncSession, remote: RemoteProduct) -> Product:
    """Create, link (product and variant ids, category) and record the base; NotCreated if not.

    A local product holding the same handle is never taken over: if it is unlinked it is most
    likely being pushed right now (the push links it), otherwise two products claim one handle
    and a person must decide. Media and metafields come with their Shopify ids, so a push keeps
    them as they are.
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
    product = await product_service.create(session, create_request(remote.product), PULL_ACTOR)
    link_remote(product, remote)
    await session.flush()
    # What Shopify holds is now known: the next push has no quantity to read or send for it.
    await merge_quantities(session, product, p, at=remote.updated_at)
    return product


def link_remote(product: Product | NewProduct, remote: RemoteProduct) -> None:
    """A product just made of `remote`: its category, Shopify ids and lists, and its base."""
    p = remote.product
    product.category_id = p.category_id
    product.category_name = p.category_name
    # What Shopify did not tell (a page read only in part) is not known here either.
    product.media_complete = product.metafields_complete = False
    product.variant_metafields_complete = False
    ids = {variant_key(v.option_values): v.shopify_variant_id for v in p.variants}
    for variant in product.variants:
        variant.shopify_variant_id = ids.get(variant_key(variant.option_values))
    note_remote_lists(product, p)
    note_variant_metafields(product, p)
    record_base(product, p, in_sync=True, remote_updated_at=remote.updated_at)
