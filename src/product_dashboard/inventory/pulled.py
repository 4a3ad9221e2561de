"""A pull's quantities per location: the product query reports a variant's quantity summed over
locations, which the primary level can take only while it is the store's one location. In a
store with several, the levels of each pulled chunk's products are read per location."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from product_dashboard.db import SessionFactory
from product_dashboard.inventory.read import (
    active_locations,
    known_locations,
    merge_read,
    read_reports,
    resolve_items,
)
from product_dashboard.inventory.remote_locations import refresh_locations
from product_dashboard.models import Product, ProductVariant
from product_dashboard.shopify.client import ShopifyClient


class PulledLevels:
    def __init__(self, sessions: SessionFactory, client: ShopifyClient) -> None:
        self.sessions = sessions
        self.client = client
        self._several: bool | None = None  # learnt once per pull, with the locations

    async def after_chunk(self, shopify_product_ids: Sequence[str]) -> None:
        """Read and merge the levels of these just-pulled products (several locations only)."""
        if self._several is None:
            async with self.sessions() as session:
                await refresh_locations(session, self.client)
                self._several = await active_locations(session) > 1
        if not self._several or not shopify_product_ids:
            return
        async with self.sessions() as session:
            product_ids = list(
                await session.scalars(
                    select(Product.id).where(
                        Product.shopify_product_id.in_(list(shopify_product_ids))
                    )
                )
            )
            await resolve_items(session, self.client, product_ids, with_quantities_only=False)
            locations = await known_locations(session)
            items = [
                (variant_id, str(item))
                for variant_id, item in await session.execute(
                    select(ProductVariant.id, ProductVariant.shopify_inventory_item_id).where(
                        ProductVariant.product_id.in_(product_ids),
                        ProductVariant.shopify_inventory_item_id.is_not(None),
                    )
                )
            ]
        reports = await read_reports(self.client, items, locations)
        async with self.sessions() as session:
            await merge_read(session, reports)
