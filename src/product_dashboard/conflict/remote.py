"""Read products from Shopify for detection and reconciliation (as SyncProducts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import PRODUCT_BY_ID, PRODUCTS_PAGE, updated_since_filter
from product_dashboard.shopify.mapping import SyncProduct, from_shopify_product
from product_dashboard.webhook.payloads import parse_time

PAGE_SIZE = 50


async def fetch_product(
    client: ShopifyClient, shopify_id: str
) -> tuple[SyncProduct, datetime | None] | None:
    """The product as Shopify has it now, with its `updatedAt`; None when it no longer exists."""
    response = await client.execute(PRODUCT_BY_ID, {"id": shopify_id, "variantsFirst": 250})
    node = response.data.get("product")
    if node is None:
        return None
    return from_shopify_product(node), parse_time(node.get("updatedAt"))


async def changed_since(
    client: ShopifyClient, since: datetime
) -> AsyncIterator[tuple[SyncProduct, datetime | None]]:
    """Products updated after `since`, oldest change first, a page at a time."""
    after: str | None = None
    while True:
        response = await client.execute(
            PRODUCTS_PAGE,
            {
                "first": PAGE_SIZE,
                "after": after,
                "query": updated_since_filter(since),
                "variantsFirst": 100,
            },
        )
        page = response.data["products"]
        for node in page["nodes"]:
            yield from_shopify_product(node), parse_time(node.get("updatedAt"))
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]
