"""A products export run beside its variants export, the two overlapping.

    result = await run_beside_variants(ExportRun(client, parts, hooks), variant_parts,
                                       variant_hooks, apply_part)   # None: stopped first

A products part is applied only once every variant is read (`VariantLines`: a product's variant
metafields and images are merged in, and a list is never claimed complete unless read in full).
The products export need not wait for the variants export to end before it *starts*, though: its
parts start as soon as every variants part has (so the variants hold the first bulk slots and end
first; each products part then takes a slot as one frees), and the products parts that complete
meanwhile wait to be applied. Shopify builds the products' files while the variants' are read; the
emulator, which builds its queries in turn, builds products part 1 while the variants are read.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence

from product_dashboard.shopify.bulk import BulkOperation
from product_dashboard.shopify.bulk_products import export_variant_lines
from product_dashboard.shopify.bulk_variants import VariantLines
from product_dashboard.shopify.export import ExportHooks, ExportPart, ExportResult, ExportRun

__all__ = ["ApplyWithVariants", "run_beside_variants"]

ApplyWithVariants = Callable[[ExportPart, BulkOperation, VariantLines], Awaitable[bool]]
"""Apply a completed products part, every variant read; False when stopped meanwhile."""


class _Started(ExportHooks):
    """The variants export's hooks, setting `started` once each of its parts has an operation."""

    def __init__(self, inner: ExportHooks, started: asyncio.Event) -> None:
        self.inner = inner
        self.started = started

    def should_stop(self) -> bool:
        return self.inner.should_stop()

    async def on_started(self, parts: Sequence[ExportPart]) -> None:
        await self.inner.on_started(parts)
        if all(part.operation_id for part in parts):
            self.started.set()

    async def on_status(self, operation: BulkOperation) -> None:
        await self.inner.on_status(operation)


async def run_beside_variants(
    run: ExportRun,
    variant_parts: Sequence[ExportPart],
    variant_hooks: ExportHooks,
    apply_part: ApplyWithVariants,
) -> ExportResult | None:
    """`run` (a products export) with the variants export of `variant_parts` beside it: each
    products part applied once every variant is read. None when either was stopped first (both
    keep their parts' operations, saved by the hooks, for a run over the same parts)."""
    started = asyncio.Event()
    if all(part.operation_id for part in variant_parts):  # none, or a resumed export's
        started.set()

    async def read_variants() -> VariantLines | None:
        try:
            return await export_variant_lines(
                run.client, variant_parts, _Started(variant_hooks, started)
            )
        finally:
            started.set()  # ended (or failed) before every part started

    variants = asyncio.create_task(read_variants())
    try:
        await started.wait()
        if variants.done() and variants.result() is None:
            return None

        async def apply(part: ExportPart, operation: BulkOperation) -> bool:
            lines = await variants  # read once; later parts get the same result
            return lines is not None and await apply_part(part, operation, lines)

        return await run.run(apply)
    finally:
        if not variants.done():
            variants.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(variants, return_exceptions=True)
