"""Read Shopify's products through a split bulk export, a chunk at a time (detection,
reconciliation, a pull's preview).

`BulkReader.run(parts, handle, variant_parts=...)` runs the variants export (their
metafields and images, which the products query cannot nest; `shopify.bulk_products`, as the
bulk pull does) and beside it the parts (`shopify.paired_export`), and hands the products
of each completed part, their variants' extras merged in, to `handle` in chunks, skipping the
`part.applied` first ones (a resumed job), and keeps `part.applied` up to date: the job saves
the parts in its checkpoint (`on_saved`) after each chunk and each start, so a crash repeats at
most one chunk, which the three-way decision makes harmless (an echo).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from product_dashboard.kit.time import parse_time
from product_dashboard.shopify.bulk import BulkOperation
from product_dashboard.shopify.bulk_products import iter_bulk_products
from product_dashboard.shopify.bulk_variants import VariantLines
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.export import ExportHooks, ExportPart, ExportResult, ExportRun
from product_dashboard.shopify.mapping import SyncProduct, UnreadableProduct, read_shopify_product
from product_dashboard.shopify.paired_export import run_beside_variants

CHUNK = 100


@dataclass(slots=True)
class Remote:
    """A product as the export read it; `error` when its line could not be read as one."""

    shopify_id: str
    product: SyncProduct | None
    updated_at: datetime | None
    error: str | None = None
    read_at: datetime | None = None
    """Shopify's clock when the export that read it began (its `createdAt`): its quantities are
    as of then or later, and never merged over a level Shopify reported later
    (`conflict.remote_apply.merge_quantities`)."""


HandleChunk = Callable[[list[Remote]], Awaitable[None]]
Saved = Callable[[Sequence[ExportPart]], Awaitable[None]]


class _Hooks(ExportHooks):
    def __init__(self, should_stop: Callable[[], bool], on_saved: Saved) -> None:
        self._should_stop = should_stop
        self._on_saved = on_saved

    def should_stop(self) -> bool:
        return self._should_stop()

    async def on_started(self, parts: Sequence[ExportPart]) -> None:
        await self._on_saved(parts)


def _remote(node: dict[str, Any], read_at: datetime | None) -> Remote:
    shopify_id = str(node.get("id") or "")
    try:
        product = read_shopify_product(node)
    except UnreadableProduct as exc:
        return Remote(shopify_id, None, None, str(exc))
    return Remote(shopify_id, product, parse_time(node.get("updatedAt")), read_at=read_at)


class BulkReader:
    def __init__(
        self,
        client: ShopifyClient,
        *,
        should_stop: Callable[[], bool],
        on_saved: Saved,
        chunk: int = CHUNK,
    ) -> None:
        self.client = client
        self.should_stop = should_stop
        self.on_saved = on_saved
        self.chunk = chunk

    async def run(
        self,
        parts: Sequence[ExportPart],
        handle: HandleChunk,
        seen: set[str] | None = None,
        *,
        variant_parts: Sequence[ExportPart],
    ) -> ExportResult | None:
        """Every part's products through `handle` (and every id read into `seen`, those skipped
        on a resume too), each with its variants' metafields and images read by the
        `variant_parts` (`plan_export(rows="variants")`); None when stopped first. Both lists of
        parts are saved through `on_saved` as their operations start."""
        hooks = _Hooks(self.should_stop, self.on_saved)

        async def apply_part(
            part: ExportPart, operation: BulkOperation, variants: VariantLines
        ) -> bool:
            if operation.url is None:
                return True
            read = 0
            read_at = parse_time(operation.created_at)
            batch: list[Remote] = []

            async def flush() -> None:
                await handle(batch)
                part.applied = read
                batch.clear()
                await self.on_saved(parts)

            async for node in iter_bulk_products(self.client, operation.url, variants):
                read += 1
                if seen is not None and node.get("id"):
                    seen.add(str(node["id"]))
                if read <= part.applied:
                    continue
                batch.append(_remote(node, read_at))
                if len(batch) >= self.chunk:
                    await flush()
                    if self.should_stop():
                        return False
            if batch:
                await flush()
            return True

        run = ExportRun(self.client, parts, hooks)
        return await run_beside_variants(run, variant_parts, hooks, apply_part)
