"""Read products from Shopify for detection and reconciliation (as SyncProducts)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from product_dashboard.kit.time import parse_time
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import (
    PRODUCT_BY_ID,
    PRODUCTS_PAGE,
    largest_page,
    updated_since_filter,
)
from product_dashboard.shopify.hs_codes_read import complete_hs_codes
from product_dashboard.shopify.mapping import (
    SyncProduct,
    UnreadableProduct,
    read_shopify_product,
)

PAGE_VARIANTS = 20  # a page of products reads this many variants each; more → refetched alone


class NotCompared(Exception):
    """A product Shopify has that cannot be compared with ours; the message says why."""


class TruncatedProduct(NotCompared):
    """More variants than one query can read: comparing a partial list would look like deletions."""


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A product `changed_since` could not read, in its place."""

    shopify_id: str
    reason: str


async def _read(
    client: ShopifyClient, node: Mapping[str, Any]
) -> tuple[SyncProduct, datetime | None]:
    """`node` as a SyncProduct, each item's HS code list the read cut read again whole (as a
    pull's pages do: `complete_hs_codes`), so it is known, not left "not known"."""
    node = await complete_hs_codes(client, node)
    try:
        return read_shopify_product(node), parse_time(node.get("updatedAt"))
    except UnreadableProduct as exc:
        raise NotCompared(str(exc)) from exc


@cache
def _variants_per_product() -> int:
    """As many variants as one ProductById query may ask for under the cost cap."""
    return largest_page(PRODUCT_BY_ID, {"id": "x"}, page_variable="variantsFirst")


async def fetch_product(
    client: ShopifyClient, shopify_id: str
) -> tuple[SyncProduct, datetime | None] | None:
    """The product as Shopify has it now, with its `updatedAt`; None when it no longer exists."""
    response = await client.execute(
        PRODUCT_BY_ID, {"id": shopify_id, "variantsFirst": _variants_per_product()}
    )
    node = response.data.get("product")
    if node is None:
        return None
    limit = _variants_per_product()
    if len(node["variants"]["nodes"]) >= limit:
        raise TruncatedProduct(f"{shopify_id} has {limit} or more variants; not compared")
    return await _read(client, node)


@cache
def _page_size() -> int:
    return largest_page(PRODUCTS_PAGE, {"variantsFirst": PAGE_VARIANTS}, limit=50)


async def changed_since(
    client: ShopifyClient, since: datetime
) -> AsyncIterator[tuple[SyncProduct | Unreadable, datetime | None]]:
    """Products updated after `since`, oldest change first, a page at a time; one that cannot be
    compared comes as `Unreadable`, saying why."""
    after: str | None = None
    while True:
        response = await client.execute(
            PRODUCTS_PAGE,
            {
                "first": _page_size(),
                "after": after,
                "query": updated_since_filter(since),
                "variantsFirst": PAGE_VARIANTS,
            },
        )
        page = response.data["products"]
        for node in page["nodes"]:
            try:
                if len(node["variants"]["nodes"]) < PAGE_VARIANTS:
                    yield await _read(client, node)
                elif (fetched := await fetch_product(client, node["id"])) is not None:
                    yield fetched
            except NotCompared as exc:
                yield Unreadable(node["id"], str(exc)), parse_time(node.get("updatedAt"))
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]
