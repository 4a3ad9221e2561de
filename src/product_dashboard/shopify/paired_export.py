"""A products export run beside its variants export, the two overlapping.

    async with VariantsAhead(client, variant_parts, variant_hooks) as variants:
        parts = ...   # plan the products export meanwhile: its requests hide under the variants'
        run = ExportRun(client, parts, hooks, board=variants.board)
        result = await variants.beside(run, apply_part)   # None: stopped first

    result = await run_beside_variants(run, variant_parts, variant_hooks, apply_part)  # in one

A products part is applied only once every variant is read (`VariantLines`: a product's variant
metafields and images are merged in, and a list is never claimed complete unless read in full).
The products export need not wait for the variants export to end before it *starts*, though: its
parts start as soon as every variants part has (so the variants hold the first bulk slots and end
first; each products part then takes a slot as one frees), and the products parts that complete
meanwhile wait to be applied. Shopify builds the products' files while the variants' are read; the
emulator, which builds its queries in turn, builds products part 1 while the variants are read.
Both exports' statuses are read together (`bulk_status.StatusBoard`: one request a tick).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType

from product_dashboard.shopify.bulk import BulkOperation
from product_dashboard.shopify.bulk_products import export_variant_lines
from product_dashboard.shopify.bulk_status import StatusBoard
from product_dashboard.shopify.bulk_variants import VariantLines
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.export import ExportHooks, ExportPart, ExportResult, ExportRun

__all__ = ["ApplyWithVariants", "VariantsAhead", "run_beside_variants"]

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


class VariantsAhead:
    """The variants export of `variant_parts`, started on entering (before the products export
    it serves is even planned) and cancelled on leaving if still running."""

    def __init__(
        self,
        client: ShopifyClient,
        variant_parts: Sequence[ExportPart],
        variant_hooks: ExportHooks,
        board: StatusBoard | None = None,
    ) -> None:
        self.client = client
        self.variant_parts = variant_parts
        self.variant_hooks = variant_hooks
        self.board = board or StatusBoard(client)
        """For the products export's run too: both exports' statuses in one request a tick."""
        self._started = asyncio.Event()
        if all(part.operation_id for part in variant_parts):  # none, or a resumed export's
            self._started.set()
        self._lines: asyncio.Task[VariantLines | None] | None = None

    async def __aenter__(self) -> VariantsAhead:
        self._lines = asyncio.create_task(self._read())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._lines is None:
            return
        if not self._lines.done():
            self._lines.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(self._lines, return_exceptions=True)

    async def _read(self) -> VariantLines | None:
        try:
            return await export_variant_lines(
                self.client,
                self.variant_parts,
                _Started(self.variant_hooks, self._started),
                self.board,
            )
        finally:
            self._started.set()  # ended (or failed) before every part started

    async def beside(self, run: ExportRun, apply_part: ApplyWithVariants) -> ExportResult | None:
        """`run` (a products export) with this variants export: each products part applied once
        every variant is read. None when either was stopped first (both keep their parts'
        operations, saved by the hooks, for a run over the same parts)."""
        lines_task = self._lines
        assert lines_task is not None, "enter VariantsAhead first"
        await self._started.wait()
        if lines_task.done() and lines_task.result() is None:
            return None

        async def apply(part: ExportPart, operation: BulkOperation) -> bool:
            lines = await lines_task  # read once; later parts get the same result
            return lines is not None and await apply_part(part, operation, lines)

        return await run.run(apply)


async def run_beside_variants(
    run: ExportRun,
    variant_parts: Sequence[ExportPart],
    variant_hooks: ExportHooks,
    apply_part: ApplyWithVariants,
) -> ExportResult | None:
    """`run` (a products export) with the variants export of `variant_parts` started just before
    it (`VariantsAhead.beside`)."""
    async with VariantsAhead(run.client, variant_parts, variant_hooks, run.board) as variants:
        return await variants.beside(run, apply_part)
