"""A products export run beside its variants export, the two overlapping.

    async with VariantsAhead(client, variant_parts, variant_hooks) as variants:
        parts = ...   # plan the products export meanwhile: its requests hide under the variants'
        run = ExportRun(client, parts, hooks, board=variants.board)
        result = await variants.beside(run, apply_part)   # None: stopped first

    result = await run_beside_variants(run, variant_parts, variant_hooks, apply_part)  # in one

A product's variant metafields and images come from the variants export (`VariantLines`: merged
in, and a list never claimed complete unless read in full). The variants parts split the
variants by id range, so a product needs only the parts whose ranges hold its variants' ids:
a completed products part is applied at once, in stream order, each product waiting (never
reordered or deferred) until the variants parts it needs are read (`VariantLines.merged`).

The two exports' parts are asked for in turn, variants part 1, products part 1, variants part 2,
products part 2, ... (`_Turns`), each as a bulk slot frees: products part 1 is built beside
the first variants part (Shopify runs them side by side; the emulator builds its queries in
turn, first come first served), so its products are applied while the later parts are built.
Neither order is relied on for correctness. Both exports' statuses are read together
(`bulk_status.StatusBoard`: one request a tick).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType

from product_dashboard.shopify.bulk import BulkOperation
from product_dashboard.shopify.bulk_products import export_variant_lines
from product_dashboard.shopify.bulk_status import StatusBoard
from product_dashboard.shopify.bulk_variants import VariantLines, VariantsStopped
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.export import ExportHooks, ExportPart, ExportResult, ExportRun

__all__ = ["ApplyWithVariants", "VariantsAhead", "run_beside_variants"]

ApplyWithVariants = Callable[[ExportPart, BulkOperation, VariantLines], Awaitable[bool]]
"""Apply a completed products part, its products merged with `VariantLines.merged` (each once
the variants parts it needs are read); False when stopped meanwhile."""


class _Turns:
    """The two exports' parts asked for in turn: variants part 1, products part 1, variants part
    2, products part 2, ... (each waits until the one before it in that order has an operation,
    or its export ended). The products parts are known once planned (`plan`): variants part 2
    waits for it."""

    def __init__(self, variant_parts: Sequence[ExportPart]) -> None:
        self.variant_parts = variant_parts
        self.product_parts: Sequence[ExportPart] | None = None
        self.variants_ended = False
        self._changed = asyncio.Condition()

    async def changed(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def plan(self, product_parts: Sequence[ExportPart]) -> None:
        self.product_parts = product_parts
        await self.changed()

    async def end_variants(self) -> None:
        self.variants_ended = True
        await self.changed()

    def _variant_may_start(self, index: int) -> bool:
        if index == 0:
            return True
        products = self.product_parts
        return products is not None and (
            index > len(products) or products[index - 1].operation_id is not None
        )

    def _product_may_start(self, index: int) -> bool:
        variants = self.variant_parts
        return (
            self.variants_ended
            or index >= len(variants)
            or variants[index].operation_id is not None
        )

    async def wait(self, part: ExportPart, parts: Sequence[ExportPart]) -> None:
        index = next(i for i, known in enumerate(parts) if known is part)
        may_start = self._variant_may_start if part.rows == "variants" else self._product_may_start
        async with self._changed:
            await self._changed.wait_for(lambda: may_start(index))


class _InTurn(ExportHooks):
    """An export's hooks, each of its parts asked for in its turn (`_Turns`)."""

    def __init__(self, inner: ExportHooks, turns: _Turns, parts: Sequence[ExportPart]) -> None:
        self.inner = inner
        self.turns = turns
        self.parts = parts

    def should_stop(self) -> bool:
        return self.inner.should_stop()

    async def before_start(self, part: ExportPart) -> None:
        await self.inner.before_start(part)
        await self.turns.wait(part, self.parts)

    async def on_started(self, parts: Sequence[ExportPart]) -> None:
        await self.inner.on_started(parts)
        await self.turns.changed()

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
        self.lines = VariantLines(variant_parts)
        """Filled as each variants part is read."""
        self._turns = _Turns(variant_parts)
        self._read: asyncio.Task[VariantLines | None] | None = None

    async def __aenter__(self) -> VariantsAhead:
        self._read = asyncio.create_task(self._read_all())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._read is None:
            return
        if not self._read.done():
            self._read.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(self._read, return_exceptions=True)

    async def _read_all(self) -> VariantLines | None:
        try:
            read = await export_variant_lines(
                self.client,
                self.variant_parts,
                _InTurn(self.variant_hooks, self._turns, self.variant_parts),
                self.board,
                self.lines,
            )
        except Exception as exc:
            self.lines.end(exc)
            raise
        finally:
            await self._turns.end_variants()  # the products parts no longer wait for a turn
        if read is None:
            self.lines.end(VariantsStopped("the variants export was stopped"))
        return read

    async def beside(self, run: ExportRun, apply_part: ApplyWithVariants) -> ExportResult | None:
        """`run` (a products export) with this variants export: each products part applied as
        it completes, each of its products once the variants parts it needs are read
        (`VariantLines.merged`). None when either was stopped first (both keep their parts'
        operations, saved by the hooks, for a run over the same parts)."""
        read = self._read
        assert read is not None, "enter VariantsAhead first"
        run.hooks = _InTurn(run.hooks, self._turns, run.parts)
        await self._turns.plan(run.parts)

        async def apply(part: ExportPart, operation: BulkOperation) -> bool:
            try:
                return await apply_part(part, operation, self.lines)
            except VariantsStopped:
                return False

        result = await run.run(apply)
        if result is None or await read is None:  # raises when the variants export failed
            return None
        return result


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
