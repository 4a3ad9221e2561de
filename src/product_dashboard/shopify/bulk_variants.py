"""The variants' metafields and media from a `productVariants` bulk export, merged into products.

A bulk query nests connections two levels deep at most, so the products export cannot read a
variant's metafields or media (products > variants > metafields is three). The variants export
(`documents.bulk_variants_query`) reads them from the top-level `productVariants` connection;
`VariantLines` keeps what it read by variant id and `merge` puts it into a reassembled product
node, which then reads as if the products query had asked for them in full (a bulk result is
never paged). A product with one variant the variants export did not see (created meanwhile)
is left as it was: its variants' metafields and images stay "not known", never "none".
The whole store's variants export is split by variant id range (`ExportPart.ids`): a product
waits only for the parts whose ranges hold its variants (`VariantLines.merged`), and a variant
missing from the part read for it leaves the product as it was, as above.

An export of some products (an incremental pull's, a reconcile's) needs only their variants:
`plan_variant_export` lists those products' ids and filters the variants export by them
(`product_ids:`), so its work follows what changed rather than the store's size. Shopify's
productVariants search has no filter on the product's `updatedAt` (its `updated_at` is the
variant's own, which a change of the product alone leaves as it is).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import PRODUCT_IDS
from product_dashboard.shopify.export import ExportPart, plan_export, product_number
from product_dashboard.shopify.mapping import connection_nodes

__all__ = ["MAX_LISTED_PRODUCTS", "VariantLines", "VariantsStopped", "plan_variant_export"]

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
    hs_codes: tuple[Mapping[str, Any], ...]
    """The item's per-country HS codes, whole (a bulk result is never paged)."""


class VariantsStopped(Exception):
    """The variants export was stopped before a part a product needs was read."""


class VariantLines:
    """Every variant the variants export read, by id: its metafields and its media ids.

    Built over the export's `parts` (none: everything is added before it is merged), it is
    filled as each part is read (`part_read`): `merged` waits for the parts whose id ranges
    hold a product's variants (every part when they are not split by id range), so a product
    is merged once what it needs is read, not once every variant is."""

    def __init__(self, parts: Sequence[ExportPart] = ()) -> None:
        self._by_id: dict[str, _Extras] = {}
        self._parts = list(parts)
        self._read = [asyncio.Event() for _ in self._parts]  # set when read, or at the end
        self._was_read = [False for _ in self._parts]
        self._unread = len(self._parts)
        self._ended: BaseException | None = None

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
            # Their lines have no id: the reassembler names them by `__typename`, under the
            # variant (the nearest parent with an id).
            tuple(
                {k: c[k] for k in ("countryCode", "harmonizedSystemCode") if k in c}
                for c in connection_nodes(variant.get("countryHarmonizedSystemCodes"))
            ),
        )

    def part_read(self, part: ExportPart) -> None:
        """Every variant of `part` (one of the parts this was built over) was added."""
        index = next(i for i, known in enumerate(self._parts) if known is part)
        if not self._was_read[index]:
            self._was_read[index] = True
            self._unread -= 1
            self._read[index].set()

    def end(self, error: BaseException) -> None:
        """The export ended before every part was read (stopped, or failed): a product
        waiting for an unread part raises `error`."""
        self._ended = error
        for read in self._read:
            read.set()

    async def merged(self, product: dict[str, Any]) -> dict[str, Any]:
        """`merge`, once the parts that hold `product`'s variants are read."""
        if self._unread:
            for index in self._holding(product):
                await self._read[index].wait()
                if not self._was_read[index]:
                    assert self._ended is not None
                    raise self._ended
        return self.merge(product)

    def _holding(self, product: Mapping[str, Any]) -> set[int]:
        """The parts that hold `product`'s variants: each one's by its id range, every part
        for a variant no range holds (or when the parts are not split by id range)."""
        everything = set(range(len(self._parts)))
        holding: set[int] = set()
        for variant in connection_nodes(product.get("variants")):
            if not variant.get("id"):
                return everything
            number = product_number(str(variant["id"]))
            index = next(
                (i for i, part in enumerate(self._parts) if part.ids and part.ids.holds(number)),
                None,
            )
            if index is None:
                return everything
            holding.add(index)
        return holding

    def merge(self, product: dict[str, Any]) -> dict[str, Any]:
        """`product` with each variant's `metafields`, `media` and item's per-country HS codes,
        when every one was read."""
        variants = connection_nodes(product.get("variants"))
        found = [self._by_id.get(str(v.get("id"))) for v in variants]
        if not variants or any(extras is None for extras in found):
            return product
        merged = [
            {
                **variant,
                "metafields": {"nodes": list(extras.metafields)},
                "media": {"nodes": [{"id": media_id} for media_id in extras.media_ids]},
                "inventoryItem": {
                    **(variant.get("inventoryItem") or {}),
                    "countryHarmonizedSystemCodes": {"nodes": list(extras.hs_codes)},
                },
            }
            for variant, extras in zip(variants, found, strict=True)
            if extras is not None
        ]
        return {**product, "variants": {"nodes": merged}}
