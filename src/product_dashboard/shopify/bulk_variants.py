"""The variants' metafields and media from a `productVariants` bulk export, merged into products.

A bulk query nests connections two levels deep at most, so the products export cannot read a
variant's metafields or media (products > variants > metafields is three). The variants export
(`documents.bulk_variants_query`) reads them from the top-level `productVariants` connection;
`VariantLines` keeps what it read by variant id and `merge` puts it into a reassembled product
node, which then reads as if the products query had asked for them in full (a bulk result is
never paged). A product with one variant the variants export did not see (created meanwhile)
is left as it was: its variants' metafields and images stay "not known", never "none".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from product_dashboard.shopify.mapping import connection_nodes

__all__ = ["VariantLines"]


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
