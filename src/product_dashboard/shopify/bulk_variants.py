"""The variants' metafields and media from a `productVariants` bulk export, merged into products.

A bulk query nests connections two levels deep at most, so the products export cannot read a
variant's metafields or media (products > variants > metafields is three). The variants export
(`documents.bulk_variants_query`) reads them from the top-level `productVariants` connection;
`VariantLines` keeps what it read by variant id and `merge` puts it into a reassembled product
node, which then reads as if the products query had asked for them in full (a bulk result is
never paged). A product with one variant the variants export did not see (created meanwhile)
is left as it was: its variants' metafields and images stay "not known", never "none".

An export of some products (an incremental pull's, a reconcile's) needs only their variants:
`plan_variant_export` lists those products' ids and filters the variants export by them
(`product_ids:`), so its work follows what changed rather than the store's size. Shopify's
productVariants search has no filter on the product's `updatedAt` (its `updated_at` is the
variant's own, which a change of the product alone leaves as it is).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import PRODUCT_IDS
from product_dashboard.shopify.export import ExportPart, plan_export, product_number
from product_dashboard.shopify.mapping import connection_nodes

__all__ = ["MAX_LISTED_PRODUCTS", "VariantLines", "plan_variant_export"]

MAX_LISTED_PRODUCTS = 1_000
"""Up to this many products, the variants export is filtered by their ids; above, the whole
store's variants are exported (split over the slots): as many ids would cost more to list and
make very long searches."""
IDS_PER_PART = 250
PAGE = 250


async def plan_variant_export(
    client: ShopifyClient, search: str | None, slots: int, products: int | None
) -> list[ExportPart]:
    """The variants export's parts beside a products export filtered by `search` (None: the
    whole store) that counted `products`: the variants of those products, by their ids, when
    they are few enough; otherwise every variant."""
    if search is not None and products is not None and products <= MAX_LISTED_PRODUCTS:
        numbers = await _product_numbers(client, search)
        if numbers is not None:
            return [
                ExportPart(
                    rows="variants",
                    search="product_ids:" + ",".join(map(str, numbers[n : n + IDS_PER_PART])),
                )
                for n in range(0, len(numbers), IDS_PER_PART)
            ]
    parts, _ = await plan_export(client, None, slots, rows="variants")
    return parts


async def _product_numbers(client: ShopifyClient, search: str) -> list[int] | None:
    """The numeric ids of the products `search` matches; None past `MAX_LISTED_PRODUCTS` (more
    changed since they were counted)."""
    numbers: list[int] = []
    after: str | None = None
    while True:
        response = await client.execute(
            PRODUCT_IDS, {"query": search, "first": PAGE, "after": after}
        )
        page = response.data["products"]
        numbers.extend(product_number(node["id"]) for node in page["nodes"])
        if len(numbers) > MAX_LISTED_PRODUCTS:
            return None
        if not page["pageInfo"]["hasNextPage"]:
            return numbers
        after = page["pageInfo"]["endCursor"]


@dataclass(frozen=True, slots=True)
class _Extras:
    metafields: tuple[Mapping[str, Any], ...]
    media_ids: tuple[str, ...]


class VariantLines:
    """Every variant the variants export read, by id: its metafields and its media ids."""

    def __init__(self) -> None:
        self._by_id: dict[str, _Extras] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, variant: Mapping[str, Any]) -> None:
        """One reassembled variant (its metafields and media nested under it)."""
        self._by_id[str(variant["id"])] = _Extras(
            tuple(
                {k: m[k] for k in ("id", "namespace", "key", "type", "value") if k in m}
                for m in connection_nodes(variant.get("metafields"))
            ),
            tuple(str(m["id"]) for m in connection_nodes(variant.get("media")) if m.get("id")),
        )

    def merge(self, product: dict[str, Any]) -> dict[str, Any]:
        """`product` with each variant's `metafields` and `media`, when every one was read."""
        variants = connection_nodes(product.get("variants"))
        found = [self._by_id.get(str(v.get("id"))) for v in variants]
        if not variants or any(extras is None for extras in found):
            return product
        merged = [
            {
                **variant,
                "metafields": {"nodes": list(extras.metafields)},
                "media": {"nodes": [{"id": media_id} for media_id in extras.media_ids]},
            }
            for variant, extras in zip(variants, found, strict=True)
            if extras is not None
        ]
        return {**product, "variants": {"nodes": merged}}
