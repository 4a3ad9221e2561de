"""Reading products from Shopify for a pull: a bulk query export, or pages of a filtered search.

Both yield `RemoteProduct`s one at a time, so memory holds a page (or one bulk result line's
product), never the catalog.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from product_dashboard.kit.time import latest, parse_time
from product_dashboard.shopify.bulk_products import iter_bulk_products
from product_dashboard.shopify.bulk_variants import VariantLines
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import PRODUCT_BY_ID, PRODUCTS_PAGE, largest_page
from product_dashboard.shopify.hs_codes_read import complete_hs_codes
from product_dashboard.shopify.mapping import (
    SyncProduct,
    UnreadableProduct,
    identity_of,
    lists_truncated,
    read_shopify_product,
    variants_truncated,
)

# Most products have a few variants; the rare longer list is read whole afterwards (by id).
VARIANTS_PER_PAGE_PRODUCT = 10
FULL_PRODUCT_VARIANTS = 250
MAX_PAGE_SIZE = 100


@dataclass(slots=True)
class RemoteProduct:
    product: SyncProduct
    updated_at: datetime | None
    truncated: bool = False
    """Only some of its variants could be read (more than one query may ask for)."""
    unreadable: str | None = None
    """Why the product cannot be applied as read (an amount the catalog cannot keep exactly):
    it is reported, never applied; `product` then holds only its id, title and handle."""
    read_at: datetime | None = None
    """Shopify's clock when the read began (a bulk export's `createdAt`), when it may be older
    than a level event merged before it is applied (`conflict.remote_apply.merge_quantities`)."""

    @property
    def shopify_id(self) -> str:
        return self.product.shopify_product_id or ""

    @property
    def reported_at(self) -> datetime | None:
        """How recent its quantities are by Shopify's clock: the later of the read's start and
        the product's `updatedAt` (a sale moves no `updatedAt`)."""
        return latest(self.updated_at, self.read_at)


def remote_from_node(node: Mapping[str, Any]) -> RemoteProduct:
    updated_at = parse_time(node.get("updatedAt"))
    try:
        return RemoteProduct(read_shopify_product(node), updated_at)
    except UnreadableProduct as exc:
        return RemoteProduct(identity_of(node), updated_at, unreadable=str(exc))


@dataclass(slots=True)
class Page:
    products: list[RemoteProduct]
    end_cursor: str | None
    has_next: bool


def page_size() -> int:
    """Products per page so one page's requested cost stays under Shopify's per-query cap."""
    size = largest_page(PRODUCTS_PAGE, {"variantsFirst": VARIANTS_PER_PAGE_PRODUCT})
    return min(MAX_PAGE_SIZE, size)


async def fetch_page(
    client: ShopifyClient, search: str | None, after: str | None, first: int
) -> Page:
    """One page of products matching `search`, oldest change first; long variant lists completed."""
    response = await client.execute(
        PRODUCTS_PAGE,
        {
            "first": first,
            "after": after,
            "query": search,
            "variantsFirst": VARIANTS_PER_PAGE_PRODUCT,
        },
    )
    connection = response.data["products"]
    products: list[RemoteProduct] = []
    for node in connection["nodes"]:
        if variants_truncated(node) or lists_truncated(node):
            # Media and metafields past a page are read whole too (else they stay "not known").
            node = await _full_node(client, node["id"]) or node
        node = await complete_hs_codes(client, node)
        remote = remote_from_node(node)
        remote.truncated = variants_truncated(node)
        products.append(remote)
    info = connection["pageInfo"]
    return Page(products, info.get("endCursor"), bool(info.get("hasNextPage")))


async def _full_node(client: ShopifyClient, shopify_id: str) -> Mapping[str, Any] | None:
    variants = largest_page(
        PRODUCT_BY_ID, {}, page_variable="variantsFirst", limit=FULL_PRODUCT_VARIANTS
    )
    response = await client.execute(PRODUCT_BY_ID, {"id": shopify_id, "variantsFirst": variants})
    node: Mapping[str, Any] | None = response.data.get("product")
    return node


async def iter_pages(
    client: ShopifyClient, search: str | None, after: str | None = None
) -> AsyncIterator[Page]:
    """Every page of the search from `after` on."""
    first = page_size()
    while True:
        page = await fetch_page(client, search, after, first)
        yield page
        if not page.has_next:
            return
        after = page.end_cursor


async def iter_export(
    client: ShopifyClient,
    url: str,
    variants: VariantLines | None = None,
    *,
    read_at: datetime | None = None,
) -> AsyncIterator[RemoteProduct]:
    """The products of a completed export, streamed and reassembled one at a time; with the
    variants export's `variants`, each product's variant metafields and images merged in;
    `read_at`: the export's `createdAt`."""
    async for node in iter_bulk_products(client, url, variants):
        remote = remote_from_node(node)
        remote.read_at = read_at
        yield remote
