"""The pull: Shopify → catalog, full (bulk query export) or incremental (`updated_at` since).

    engine = PullEngine(sessions, client, events)
    report = await engine.run(PullParams(kind="auto"))      # full the first time, then incremental

* Full: a bulk query export of every product, split by id range into up to five parts run
  side by side in the shop's bulk slots (shopify/export.py); each part's result file is streamed
  and applied in chunks as it completes (memory: the chunk applied and two read ahead meanwhile,
  `kit.read_ahead`: reading fills the time spent waiting on the database). A bulk query cannot
  nest the variants' metafields and media under products, so a variants export (split by
  variant id range the same way) runs beside it, and what it read (held by variant id) is
  merged into each product (shopify/bulk_variants.py). The two exports' parts are asked for in
  turn (variants part 1, products part 1, variants part 2, ...), and a products part is applied
  as soon as it completes, each product in stream order once the variants parts whose ranges
  hold its variants are read (shopify/paired_export.py): the first products are applied while
  the later parts are still built. Then products missing from every part are handled (see
  deletions.py), and the cursor moves to the export's start (Shopify's clock), so the next
  incremental pull catches whatever changed meanwhile.
* Incremental: pages of `products(query: "updated_at:>'cursor - overlap'", sortKey: UPDATED_AT)`,
  oldest change first; each page is applied and the cursor advanced in one transaction. With
  `use_bulk`, the same search runs as a bulk export instead (for large backlogs), split the same
  way, beside a variants export of those products' variants (when it is filtered by their ids,
  its parts are not split by variant id range and each product waits for all of them).
* A full pull also reads the store's metafield definitions of products and variants before any
  product is applied (`metafield_definition.pull_definitions`: the table then holds exactly
  Shopify's). Its variants export starts first, before the products export is planned (every
  variant is exported whatever that plan), and the definitions are read beside both exports
  once the products export is planned, so these requests run while Shopify builds the parts.
* Either way every product goes through `apply.apply_chunk`: an unchanged product costs no
  write but its quantities' (a sale moves no `updatedAt`, so they are compared with Shopify's
  last report), local edits are never overwritten (three-way merge or an open conflict).
* Resumable: the checkpoint names each part's bulk operation and how many of its products
  were applied, or the page cursor; a resumed run skips what is done. Applying is idempotent,
  so work repeated after a crash (since the last persisted checkpoint) changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import SessionFactory
from product_dashboard.inventory.pulled import PulledLevels
from product_dashboard.job.typed import JobModel
from product_dashboard.kit.gc_policy import fewer_collections
from product_dashboard.kit.read_ahead import batches_ahead
from product_dashboard.kit.time import parse_time
from product_dashboard.metafield_definition import pull_definitions
from product_dashboard.shopify.bulk import MAX_BULK_OPERATIONS, BulkOperation
from product_dashboard.shopify.bulk_variants import VariantLines, plan_variant_export
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import updated_since_filter
from product_dashboard.shopify.errors import BulkOperationError, ShopifyError
from product_dashboard.shopify.export import ExportHooks, ExportPart, ExportRun, plan_export
from product_dashboard.shopify.paired_export import VariantsAhead
from product_dashboard.sync.pull.apply import ChunkResult, apply_chunk, retrying
from product_dashboard.sync.pull.cursor import load_cursor, save_cursor
from product_dashboard.sync.pull.deletions import DeletionReport, handle_remote_deletions
from product_dashboard.sync.pull.kept import PreviewRead
from product_dashboard.sync.pull.reading import reads_in_bulk
from product_dashboard.sync.pull.results import PullResults
from product_dashboard.sync.pull.source import (
    Page,
    RemoteProduct,
    iter_export,
    iter_pages,
)
from product_dashboard.sync.records import BulkRecord

PullKind = Literal["auto", "full", "incremental"]

# Shopify's search is by the second and writes land out of order by a little: re-read a margin.
OVERLAP = timedelta(seconds=5)
DEFAULT_CHUNK = 200
ERROR_LIMIT = 100


@dataclass(frozen=True, slots=True)
class PullParams:
    kind: PullKind = "auto"
    use_bulk: bool | None = None
    """Incremental pulls: run the search as a bulk query (True) or by pages (False); None: the
    one estimated to be done sooner for the products it matches (`reading`)."""
    since: datetime | None = None
    """Incremental pulls: start here instead of at the stored cursor."""
    remote_deletions: Literal["apply", "report"] = "apply"
    force_deletions: bool = False
    chunk_size: int = DEFAULT_CHUNK
    bulk_slots: int = MAX_BULK_OPERATIONS
    """Bulk queries an export runs side by side (`shopify.export.plan_export` splits it)."""
    set_based: bool = True
    """A chunk's products applied together (`apply.apply_chunk`); False: each alone, as before
    (the differential test and bench/pull_bench.py compare the two)."""


class PullCheckpoint(JobModel):
    """Where a pull resumes: the bulk export's parts (each one's operation and how many of its
    products were applied) or the page cursor, with the tally so far; `bulk` is Shopify's view
    of the export (set by the job)."""

    kind: PullKind | None = None
    since: str | None = None
    operation_id: str | None = None
    """The export's first bulk operation (its only one unless it was split)."""
    linked_before: str | None = None
    applied: int | None = None
    """Products applied, over every part."""
    parts: list[ExportPart] | None = None
    variant_parts: list[ExportPart] | None = None
    """The variants export run before the parts (their variant metafields and images)."""
    total: int | None = None
    after: str | None = None
    outcomes: dict[str, int] | None = None
    learned: int | None = None
    errors: list[dict[str, Any]] | None = None
    bulk: BulkRecord | None = None
    previewing: bool = False
    """Saved while the pull's preview reads (its progress): resumes nothing, the pull is
    previewed again."""


class PullHooks:
    """What the engine tells its driver (a job, a test, the demo); the default ignores it all."""

    def should_stop(self) -> bool:
        return False

    async def on_total(self, total: int) -> None:
        return None

    async def on_chunk(self, result: ChunkResult, checkpoint: PullCheckpoint) -> None:
        """A chunk was applied; `checkpoint` resumes after it (save both in one step)."""
        return None

    async def on_checkpoint(self, checkpoint: PullCheckpoint, *, flush: bool = False) -> None:
        return None

    async def on_bulk_status(self, operation: BulkOperation) -> None:
        return None


class _ExportHooks(ExportHooks):
    """The pull's hooks as an export's: a started part saves the checkpoint. Only the products
    parts' operations are reported (`on_bulk_status` adds up the products exported)."""

    def __init__(
        self,
        hooks: PullHooks,
        save: Callable[[Sequence[ExportPart]], Awaitable[None]],
        *,
        report_status: bool = True,
    ) -> None:
        self.hooks = hooks
        self.save = save
        self.report_status = report_status

    def should_stop(self) -> bool:
        return self.hooks.should_stop()

    async def on_started(self, parts: Sequence[ExportPart]) -> None:
        await self.save(parts)

    async def on_status(self, operation: BulkOperation) -> None:
        if self.report_status:
            await self.hooks.on_bulk_status(operation)


async def _nothing() -> None:
    return None


async def _kept_pages(pages: list[Page]) -> AsyncIterator[Page]:
    for page in pages:
        yield page


@dataclass
class PullReport:
    kind: str
    source: str
    seen: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    deletions: DeletionReport | None = None
    definitions: dict[str, int] | None = None
    """A full pull's metafield definitions: added, updated, removed, unchanged."""
    bulk: dict[str, Any] | None = None
    since: datetime | None = None
    cursor: datetime | None = None
    stopped: bool = False
    seconds: float = 0.0
    api_calls: int = 0
    cost_points: int = 0
    throttled: int = 0
    reused_preview: bool = False
    """It applied what its preview read instead of reading Shopify again (`kept`)."""

    learned: int = 0
    """Of the unchanged products, those with fields not known here before now read (their
    results rows' action `learned`)."""

    def add(self, chunk: ChunkResult) -> None:
        self.learned += chunk.learned
        self.seen += sum(chunk.outcomes.values())
        self.outcomes.update(chunk.outcomes)
        self.errors.extend(chunk.errors[: max(0, ERROR_LIMIT - len(self.errors))])
        self.conflicts.extend(chunk.conflicts[: max(0, ERROR_LIMIT - len(self.conflicts))])

    @property
    def products_per_second(self) -> float:
        return self.seen / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "direction": "pull",
            "kind": self.kind,
            "source": self.source,
            "seen": self.seen,
            "outcomes": dict(self.outcomes),
            "created": self.outcomes.get("created", 0),
            "updated": self.outcomes.get("merged", 0),
            "conflicts_opened": self.outcomes.get("conflict", 0),
            "unchanged": self.outcomes.get("unchanged", 0) + self.outcomes.get("echo", 0),
            "learned": self.learned,
            "failed": self.outcomes.get("error", 0),
            "errors": self.errors,
            "conflicts": self.conflicts,
            "remote_deletions": self.deletions.as_dict() if self.deletions else None,
            "metafield_definitions": self.definitions,
            "bulk": self.bulk,
            "since": self.since.isoformat() if self.since else None,
            "cursor": self.cursor.isoformat() if self.cursor else None,
            "stopped": self.stopped,
            "seconds": round(self.seconds, 3),
            "products_per_second": round(self.products_per_second, 2),
            "api_calls": self.api_calls,
            "cost_points": self.cost_points,
            "throttled": self.throttled,
            "reused_preview": self.reused_preview,
        }


@dataclass(frozen=True, slots=True)
class _Exported:
    linked_before: datetime
    """Our clock before the first part started: products linked since may be missing."""
    position: datetime | None
    """Shopify's clock when the first part started: where the next incremental pull begins."""
    newest: datetime | None
    """The newest `updatedAt` applied."""


def _bulk_summary(operations: Sequence[BulkOperation | None]) -> dict[str, Any] | None:
    """An export's bulk operations as one (the first part's id; counts added up), with each."""
    known = [operation for operation in operations if operation is not None]
    if not known:
        return None
    record = BulkRecord.of_pull(known)
    return {
        **_bulk_info(known[0]),
        "status": record.status,
        "error_code": record.error_code,
        "object_count": record.object_count,
        "root_object_count": record.root_object_count,
        "completed_at": max(o.completed_at or "" for o in known) or None,
        "operations": [_bulk_info(operation) for operation in known],
    }


def _bulk_info(operation: BulkOperation) -> dict[str, Any]:
    return {
        "id": operation.id,
        "status": operation.status,
        "error_code": operation.error_code,
        "object_count": operation.object_count,
        "root_object_count": operation.root_object_count,
        "created_at": operation.created_at,
        "completed_at": operation.completed_at,
    }


class PullEngine:
    def __init__(
        self,
        sessions: SessionFactory,
        client: ShopifyClient,
        events: ConflictEvents,
        *,
        hooks: PullHooks | None = None,
        recorder: PullResults | None = None,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.events = events
        self.hooks = hooks or PullHooks()
        self.recorder = recorder  # writes what each product's pull changed here (results)
        self.levels = PulledLevels(sessions, client)

    async def run(
        self,
        params: PullParams,
        checkpoint: PullCheckpoint | None = None,
        *,
        preview: PreviewRead | None = None,
    ) -> PullReport:
        """`preview`: what the pull's preview just read, applied instead of reading Shopify
        again where that is the same (`kept`); never with a checkpoint (a resumed pull)."""
        # Many short-lived objects per product, as a push: the collector kept to a push's pace.
        with fewer_collections():
            return await self._run(params, checkpoint, preview)

    async def _run(
        self, params: PullParams, checkpoint: PullCheckpoint | None, preview: PreviewRead | None
    ) -> PullReport:
        started = time.perf_counter()
        before = self.client.stats.as_dict()
        if checkpoint is not None:
            preview = None
        checkpoint = checkpoint.model_copy(deep=True) if checkpoint else PullCheckpoint()
        kind = checkpoint.kind or params.kind
        since = parse_time(checkpoint.since) or params.since
        if kind != "full" and since is None:
            async with self.sessions() as session:
                since = await load_cursor(session)
            if since is None:
                kind = "full"  # nothing pulled yet: an incremental pull has no start
        if kind == "auto":
            kind = "incremental"
        kept: list[Page] | None = None
        if preview is not None and preview.serves(kind, since, params.use_bulk):
            if preview.source == "bulk":
                # Collected as a resumed pull collects its export (see `kept`).
                checkpoint.parts = preview.unapplied(preview.parts)
                checkpoint.variant_parts = preview.unapplied(preview.variant_parts)
                checkpoint.total = preview.total
            else:
                kept = preview.pages
        if kind == "full":
            report = PullReport(kind="full", source="bulk")
            report.reused_preview = bool(checkpoint.parts)
            await self._full(params, checkpoint, report)
        else:
            assert since is not None
            use_bulk = await self._reads_in_bulk(params, since, checkpoint, kept)
            source = "bulk" if use_bulk else "pages"
            report = PullReport(kind="incremental", source=source, since=since)
            report.reused_preview = bool(checkpoint.parts) or kept is not None
            if use_bulk:
                await self._incremental_bulk(params, since, checkpoint, report)
            else:
                await self._incremental_pages(params, since, checkpoint, report, kept)
        after = self.client.stats.as_dict()
        report.seconds = time.perf_counter() - started
        report.api_calls = int((after["requests"] or 0) - (before["requests"] or 0))
        report.cost_points = int((after["cost_actual"] or 0) - (before["cost_actual"] or 0))
        report.throttled = int((after["throttled"] or 0) - (before["throttled"] or 0))
        return report

    # -- shared -------------------------------------------------------------------------------

    async def _reads_in_bulk(
        self,
        params: PullParams,
        since: datetime,
        checkpoint: PullCheckpoint,
        kept: list[Page] | None = None,
    ) -> bool:
        """The incremental pull's way of reading; a resumed pull keeps the one it started, one
        applying its preview's read the preview's."""
        if checkpoint.variant_parts is not None or checkpoint.parts is not None:
            return True
        if checkpoint.after is not None or kept is not None:
            return False
        if params.use_bulk is not None:
            return params.use_bulk
        return await reads_in_bulk(self.client, updated_since_filter(since - OVERLAP))

    async def _apply(
        self, params: PullParams, chunk: list[RemoteProduct], *, move_cursor: bool = False
    ) -> ChunkResult:
        result = await apply_chunk(
            self.sessions, chunk, self.events, self.recorder, set_based=params.set_based
        )
        await self.levels.after_chunk([r.shopify_id for r in chunk if r.shopify_id])
        if move_cursor and result.newest is not None:
            newest = result.newest

            async def advance(session: AsyncSession) -> None:
                await save_cursor(session, newest, only_forward=True)

            await retrying(self.sessions, advance)
        return result

    def _restore(self, report: PullReport, checkpoint: PullCheckpoint) -> None:
        """Carry the tally of a stopped run into the resumed one."""
        report.outcomes.update(checkpoint.outcomes or {})
        report.learned += checkpoint.learned or 0
        report.seen = sum(report.outcomes.values())
        report.errors.extend(checkpoint.errors or [])

    def _tally(self, report: PullReport, checkpoint: PullCheckpoint) -> None:
        checkpoint.outcomes = dict(report.outcomes)
        checkpoint.learned = report.learned
        checkpoint.errors = report.errors[:20]

    async def _parts(
        self, params: PullParams, search: str | None, checkpoint: PullCheckpoint
    ) -> list[ExportPart]:
        """The export's parts: the checkpoint's (a resumed pull), or a new plan."""
        if checkpoint.parts:
            if checkpoint.total is not None:
                await self.hooks.on_total(checkpoint.total)
            return checkpoint.parts
        if checkpoint.operation_id:  # a checkpoint from before exports were split
            return [
                ExportPart(
                    search=search,
                    operation_id=checkpoint.operation_id,
                    started_at=checkpoint.linked_before,
                    applied=checkpoint.applied or 0,
                )
            ]
        parts, total = await plan_export(self.client, search, params.bulk_slots)
        checkpoint.total = total
        await self.hooks.on_total(total)
        return parts

    async def _export(
        self,
        params: PullParams,
        search: str | None,
        checkpoint: PullCheckpoint,
        report: PullReport,
        seen: set[str] | None,
        before_apply: Callable[[], Coroutine[Any, Any, None]] = _nothing,
    ) -> _Exported | None:
        """Run the export's parts side by side (`shopify.export`: one bulk query each, up to the
        shop's slots) and apply each part's products as it completes, each product once the
        variants parts that hold its variants are read (the two exports' parts asked for in
        turn: `shopify.paired_export`); None when stopped first.

        Each part's operation is saved in the checkpoint as soon as it starts, and how many of
        its products are applied after every chunk: a resumed pull waits for the same
        operations (restarting only those Shopify no longer has) and skips what was applied.
        `before_apply` runs beside the exports, once the products export is planned, and ends
        before the first product is applied.
        """
        if search is None and checkpoint.variant_parts is None:
            # Every variant is exported whatever the products' plan: the variants export starts
            # first, and the products' planning runs while Shopify builds its first part.
            checkpoint.variant_parts = await plan_variant_export(
                self.client, None, params.bulk_slots, None
            )
        parts: list[ExportPart] | None = None
        if checkpoint.variant_parts is None:
            parts = await self._parts(params, search, checkpoint)
            checkpoint.variant_parts = await plan_variant_export(
                self.client, search, params.bulk_slots, checkpoint.total
            )
        async with self._variants_ahead(checkpoint.variant_parts, checkpoint) as variants:
            if parts is None:
                parts = await self._parts(params, search, checkpoint)
            ready: asyncio.Task[None] = asyncio.create_task(before_apply())
            try:
                exported = await self._export_beside(
                    variants, parts, checkpoint, report, seen, params, ready
                )
                await ready
                return exported
            finally:
                if not ready.done():
                    ready.cancel()
                await asyncio.gather(ready, return_exceptions=True)

    def _variants_ahead(
        self, variant_parts: Sequence[ExportPart], checkpoint: PullCheckpoint
    ) -> VariantsAhead:
        async def save_variants(_: Sequence[ExportPart] = ()) -> None:
            await self.hooks.on_checkpoint(checkpoint.model_copy(deep=True), flush=True)

        hooks = _ExportHooks(self.hooks, save_variants, report_status=False)
        return VariantsAhead(self.client, variant_parts, hooks)

    async def _export_beside(
        self,
        variants: VariantsAhead,
        parts: list[ExportPart],
        checkpoint: PullCheckpoint,
        report: PullReport,
        seen: set[str] | None,
        params: PullParams,
        ready: Awaitable[None],
    ) -> _Exported | None:
        """The products export of `parts` run beside the variants export already started; no
        product applied before `ready`."""
        checkpoint.parts = parts
        newest: datetime | None = None

        async def save(_: Sequence[ExportPart] = ()) -> None:
            checkpoint.operation_id = parts[0].operation_id
            checkpoint.linked_before = parts[0].started_at
            checkpoint.applied = sum(part.applied for part in parts)
            await self.hooks.on_checkpoint(checkpoint.model_copy(deep=True), flush=True)

        async def apply_part(
            part: ExportPart, operation: BulkOperation, variants: VariantLines
        ) -> bool:
            nonlocal newest
            report.bulk = _bulk_summary(run.operations)
            await ready
            if operation.url is not None:
                products = iter_export(
                    self.client, operation.url, variants, read_at=parse_time(operation.created_at)
                )
                found = await self._apply_stream(params, products, part, checkpoint, report, seen)
                if found is not None and (newest is None or found > newest):
                    newest = found
            if report.stopped:
                return False
            part.done = True
            await save()
            return True

        run = ExportRun(self.client, parts, _ExportHooks(self.hooks, save), board=variants.board)
        result = await variants.beside(run, apply_part)
        report.bulk = _bulk_summary(run.operations)
        if result is None:
            report.stopped = True
            return None
        return _Exported(result.linked_before, result.position, newest)

    async def _apply_stream(
        self,
        params: PullParams,
        products: AsyncIterator[RemoteProduct],
        part: ExportPart,
        checkpoint: PullCheckpoint,
        report: PullReport,
        seen: set[str] | None,
    ) -> datetime | None:
        """Apply a stream in chunks, skipping the `part.applied` first ones; newest updatedAt."""
        skip = part.applied
        applied = 0
        newest: datetime | None = None
        chunk: list[RemoteProduct] = []

        async def flush() -> None:
            nonlocal applied, newest
            result = await self._apply(params, chunk)
            applied += len(chunk)
            chunk.clear()
            report.add(result)
            if result.newest is not None and (newest is None or result.newest > newest):
                newest = result.newest
            part.applied = applied
            checkpoint.applied = sum(p.applied for p in checkpoint.parts or [part])
            self._tally(report, checkpoint)
            await self.hooks.on_chunk(result, checkpoint.model_copy(deep=True))

        # The next chunks are read (downloaded, parsed, mapped) while one is applied.
        async with contextlib.aclosing(batches_ahead(products, params.chunk_size)) as batches:
            async for batch in batches:
                for remote in batch:
                    if seen is not None and remote.shopify_id:
                        seen.add(remote.shopify_id)
                    if applied < skip:
                        applied += 1
                        continue
                    chunk.append(remote)
                    if len(chunk) >= params.chunk_size:
                        await flush()
                        if self.hooks.should_stop():
                            report.stopped = True
                            return newest
        if chunk:
            await flush()
        return newest

    # -- full ---------------------------------------------------------------------------------

    async def _full(
        self, params: PullParams, checkpoint: PullCheckpoint, report: PullReport
    ) -> None:
        checkpoint.kind = "full"
        self._restore(report, checkpoint)

        async def definitions() -> None:
            try:
                async with self.sessions() as session:
                    report.definitions = (await pull_definitions(session, self.client)).as_dict()
            except ShopifyError as exc:
                # The products matter more: they are pulled all the same, the table kept as it was.
                report.errors.append(
                    {
                        "kind": "metafield_definitions",
                        "error": f"Definitions not read: {exc.message}",
                    }
                )

        seen: set[str] = set()
        exported = await self._export(
            params, None, checkpoint, report, seen, before_apply=definitions
        )
        if exported is None:
            return
        report.deletions = await handle_remote_deletions(
            self.sessions,
            seen,
            exported.linked_before,
            self.events,
            apply=params.remote_deletions == "apply",
            force=params.force_deletions,
            recorder=self.recorder,
        )
        if exported.position is not None:
            async with self.sessions() as session:
                await save_cursor(session, exported.position, only_forward=False)
            report.cursor = exported.position

    # -- incremental --------------------------------------------------------------------------

    async def _incremental_pages(
        self,
        params: PullParams,
        since: datetime,
        checkpoint: PullCheckpoint,
        report: PullReport,
        kept: list[Page] | None = None,
    ) -> None:
        """`kept`: the pages its preview read of the same search, applied instead of reading."""
        checkpoint.kind = "incremental"
        checkpoint.since = since.isoformat()
        self._restore(report, checkpoint)
        search = updated_since_filter(since - OVERLAP)
        total = report.seen
        pages = (
            _kept_pages(kept)
            if kept is not None
            else iter_pages(self.client, search, checkpoint.after)
        )
        async for page in pages:
            total += len(page.products)
            await self.hooks.on_total(total + (len(page.products) if page.has_next else 0))
            result = await self._apply(params, page.products, move_cursor=True)
            report.add(result)
            if result.newest is not None and (
                report.cursor is None or result.newest > report.cursor
            ):
                report.cursor = result.newest
            checkpoint.after = page.end_cursor
            self._tally(report, checkpoint)
            await self.hooks.on_chunk(result, checkpoint.model_copy())
            if page.has_next and self.hooks.should_stop():
                report.stopped = True
                return

    async def _incremental_bulk(
        self,
        params: PullParams,
        since: datetime,
        checkpoint: PullCheckpoint,
        report: PullReport,
    ) -> None:
        checkpoint.kind = "incremental"
        checkpoint.since = since.isoformat()
        self._restore(report, checkpoint)
        search = updated_since_filter(since - OVERLAP)
        exported = await self._export(params, search, checkpoint, report, None)
        if exported is not None and exported.newest is not None:
            async with self.sessions() as session:
                await save_cursor(session, exported.newest, only_forward=True)
            report.cursor = exported.newest


__all__ = [
    "OVERLAP",
    "BulkOperationError",
    "PullCheckpoint",
    "PullEngine",
    "PullHooks",
    "PullKind",
    "PullParams",
    "PullReport",
]
