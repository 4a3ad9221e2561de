"""The products of a completed bulk products export (`documents.bulk_products_query`), read whole.

A bulk result writes one line per list entry and nothing for an empty list, so a product with no
media (or no metafields) reassembles without the key, which `mapping.from_shopify_product` reads
as "not asked for" (not known). The export asks for both lists and a bulk result is never paged:
no line means none. With the variants export's `VariantLines`, each product's variant metafields
and images are merged in too (shopify/bulk_variants.py); `export_variant_lines` runs that export
(split over the bulk slots, `plan_export(rows="variants")`) for every bulk reader alike: the
pull and detect/reconcile.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from product_dashboard.shopify.bulk import BulkOperation, iter_bulk_query_objects
from product_dashboard.shopify.bulk_status import StatusBoard
from product_dashboard.shopify.bulk_variants import VariantLines
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.export import ExportHooks, ExportPart, ExportRun

__all__ = ["ASKED_LISTS", "export_variant_lines", "iter_bulk_products", "read_variant_lines"]

ASKED_LISTS = ("media", "metafields")
"""The product's lists the bulk products query reads in full (a bulk result is never paged)."""


async def iter_bulk_products(
    client: ShopifyClient, url: str, variants: VariantLines | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Every product node of a completed products export, one at a time, its asked-for lists
    present (empty when it has none) and, with `variants`, its variants' extras merged in (each
    product in turn waits for the variants parts it needs: `VariantLines.merged`)."""
    async for node in iter_bulk_query_objects(client, url):
        for name in ASKED_LISTS:
            node.setdefault(name, {"nodes": []})
        yield await variants.merged(node) if variants is not None else node


async def read_variant_lines(client: ShopifyClient, url: str, lines: VariantLines) -> None:
    """Every variant of a completed variants export (`ExportPart.rows == "variants"`) added to
    `lines`."""
    async for variant in iter_bulk_query_objects(client, url):
        lines.add(variant)


async def export_variant_lines(
    client: ShopifyClient,
    parts: Sequence[ExportPart],
    hooks: ExportHooks,
    board: StatusBoard | None = None,
    lines: VariantLines | None = None,
) -> VariantLines | None:
    """The variants export's `parts` run side by side and read into one `VariantLines` (`lines`,
    built over the same `parts`, tells as each part is read); None when stopped first (the parts
    keep their operations: `hooks.on_started` saves them, and a run over the same parts reads
    the same results). `board`: shared with an export beside."""
    lines = lines if lines is not None else VariantLines(parts)
    if not parts:
        return lines  # no product to read them for

    async def read(part: ExportPart, operation: BulkOperation) -> bool:
        if operation.url is not None:
            await read_variant_lines(client, operation.url, lines)
        lines.part_read(part)
        return True

    if await ExportRun(client, parts, hooks, board=board).run(read) is None:
        return None
    return lines
