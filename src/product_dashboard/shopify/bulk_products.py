"""The products of a completed bulk products export (`documents.bulk_products_query`), read whole.

A bulk result writes one line per list entry and nothing for an empty list, so a product with no
media (or no metafields) reassembles without the key, which `mapping.from_shopify_product` reads
as "not asked for" (not known). The export asks for both lists and a bulk result is never paged:
no line means none. With the variants export's `VariantLines`, each product's variant metafields
and images are merged in too (shopify/bulk_variants.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from product_dashboard.shopify.bulk import iter_bulk_query_objects
from product_dashboard.shopify.bulk_variants import VariantLines
from product_dashboard.shopify.client import ShopifyClient

__all__ = ["ASKED_LISTS", "iter_bulk_products"]

ASKED_LISTS = ("media", "metafields")
"""The product's lists the bulk products query reads in full (a bulk result is never paged)."""


async def iter_bulk_products(
    client: ShopifyClient, url: str, variants: VariantLines | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Every product node of a completed products export, one at a time, its asked-for lists
    present (empty when it has none) and, with `variants`, its variants' extras merged in."""
    async for node in iter_bulk_query_objects(client, url):
        for name in ASKED_LISTS:
            node.setdefault(name, {"nodes": []})
        yield variants.merge(node) if variants is not None else node
