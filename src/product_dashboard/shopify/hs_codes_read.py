"""An item's per-country HS codes past the first one a product read asked for.

A product read (`ProductFields`) asks each variant's item for one country HS code: a connection
nested under the variants multiplies the query's cost by their number, so asking for more would
cut the variants a page holds. Most items have none or one. For the items whose list went on
(`hasNextPage`), `complete_hs_codes` reads the lists again by item, `CODES_PER_ITEM` at a time,
and puts them into the product node; a list longer still stays cut, which `CountryHsCodes`
reads as "not known" (never as "none"). Every paged read of products calls it: a pull's pages
(`sync.pull.source`) and the reads of detection and the reconciliation pull (`inbound.remote`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import INVENTORY_ITEM_HS_CODES
from product_dashboard.shopify.mapping import connection_nodes

__all__ = ["CODES_PER_ITEM", "ITEMS_PER_REQUEST", "complete_hs_codes"]

CODES_PER_ITEM = 50
# Each item costs 2 + CODES_PER_ITEM: this many keep a request well under the 1,000 cap.
ITEMS_PER_REQUEST = 15
_CODES = "countryHarmonizedSystemCodes"


def _cut(variant: Mapping[str, Any]) -> str | None:
    """The item id of a variant whose codes were read only in part."""
    item = variant.get("inventoryItem") or {}
    codes = item.get(_CODES)
    if isinstance(codes, Mapping) and (codes.get("pageInfo") or {}).get("hasNextPage"):
        return str(item["id"]) if item.get("id") else None
    return None


async def complete_hs_codes(client: ShopifyClient, node: Mapping[str, Any]) -> Mapping[str, Any]:
    """`node` (a Product read by `ProductFields`) with each cut code list read again whole
    where it fits in `CODES_PER_ITEM`; `node` itself when none was cut."""
    variants = connection_nodes(node.get("variants"))
    cut = [item_id for item_id in map(_cut, variants) if item_id is not None]
    if not cut:
        return node
    read: dict[str, Any] = {}
    for start in range(0, len(cut), ITEMS_PER_REQUEST):
        response = await client.execute(
            INVENTORY_ITEM_HS_CODES,
            {"ids": cut[start : start + ITEMS_PER_REQUEST], "first": CODES_PER_ITEM},
        )
        for item in response.data.get("nodes") or ():
            if item and item.get("id"):
                read[str(item["id"])] = item[_CODES]
    completed = []
    for variant in variants:
        item = variant.get("inventoryItem") or {}
        codes = read.get(str(item.get("id")))
        if codes is not None:
            variant = {**variant, "inventoryItem": {**item, _CODES: codes}}
        completed.append(variant)
    return {**node, "variants": {**node["variants"], "nodes": completed}}
