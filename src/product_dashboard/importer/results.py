"""What an import changed (or, in a dry run, would change), one results row per product: its
local shape before and after, field by field.

The shapes are read a chunk of products at a time (`local_shapes`: five queries whatever their
number): `befores` reads the chunk's products before they are written, `record` notes each one
written and `flush` reads the after-shapes of those noted and makes their rows. The import
flushes at the end of each chunk (so before its transaction ends), and `befores` flushes first
when it reads a product still noted (its handle twice in one file), so each row's after-shape is
the one its own rows left.

Each shape carries the product's stock per location (`stock`, `inventory.levels.level_shapes`)
beside its catalog fields: an import sets levels (its `available at …` cells, its quantities),
so its preview shows them, and its undo and revert put them back (`sync.undo.take_back`).

A real import writes its rows in each chunk's transaction (committed or rolled back with it).
One answered in the request has no job row beforehand: `RequestJob` adds it, completed, with its
first rows, so it commits (or rolls back) with the import and the import can be undone.
A dry run's chunks are always rolled back, so its rows are kept aside (up to
`MAX_PREVIEW_ROWS`; every product is counted) and written as the job's preview afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.inventory.levels import level_shapes
from product_dashboard.job import service as job_service
from product_dashboard.models import ResultStage
from product_dashboard.safety import results
from product_dashboard.safety.results import ChangeCounts, ProductChange
from product_dashboard.sync.pull.results import local_shapes

MAX_PREVIEW_ROWS = 20_000


async def import_shapes(
    session: AsyncSession, product_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """`local_shapes` of these products, each with its `stock` (module notes)."""
    shapes = await local_shapes(session, product_ids)
    stock = await level_shapes(session, list(shapes))
    for product_id, shape in shapes.items():
        shape["stock"] = stock.get(product_id, [])
    return shapes


@dataclass
class RequestJob:
    """The job row of a real import answered in the request, written with its results."""

    type: str
    params: dict[str, Any]
    created_by_id: int | None
    written: bool = False
    """Whether its transaction holds the row (it commits or rolls back with the import)."""


class ImportResults:
    def __init__(
        self, job_id: str | None, *, dry_run: bool, request_job: RequestJob | None = None
    ) -> None:
        """`job_id` None: a dry run answered in the request (its rows are only kept);
        `request_job`: a real import answered in the request, its job row made here."""
        self.job_id = job_id
        self.dry_run = dry_run
        self.request_job = request_job
        self.counts = ChangeCounts()
        self.kept: list[ProductChange] = []
        self.left_out = 0
        self._pending: list[tuple[int, dict[str, Any] | None, int]] = []
        self._pending_ids: set[int] = set()

    @classmethod
    def in_request(cls, job: RequestJob) -> ImportResults:
        return cls(uuid.uuid4().hex, dry_run=False, request_job=job)

    async def befores(
        self, session: AsyncSession, product_ids: Collection[int]
    ) -> dict[int, dict[str, Any]]:
        """The shapes of these products (those not gone) as they are now, read at once; a
        product still waiting for its after-shape is flushed first."""
        if not self._pending_ids.isdisjoint(product_ids):
            await self.flush(session)
        return await import_shapes(session, list(product_ids)) if product_ids else {}

    def record(
        self,
        product_id: int,
        before: dict[str, Any] | None,
        *,
        row: int,
    ) -> None:
        """Note a product written (`before`: its shape before, None when new); its row is
        made by the next `flush`."""
        self._pending.append((product_id, before, row))
        self._pending_ids.add(product_id)

    async def flush(self, session: AsyncSession) -> None:
        """The rows of the products noted since the last flush, their after-shapes read now."""
        if not self._pending:
            return
        pending, self._pending, self._pending_ids = self._pending, [], set()
        shapes = await import_shapes(session, [product_id for product_id, _, _ in pending])
        changed: list[ProductChange] = []
        for product_id, before, row in pending:
            after = shapes.get(product_id)
            change = ProductChange.between(
                before, after, product_id=product_id, handle=(after or {}).get("handle"), row=row
            )
            if change.changes:
                self.counts.add(change)
                changed.append(change)
        if not self.dry_run and self.job_id is not None:
            job = self.request_job
            if job is not None and not job.written and changed:
                await job_service.create(
                    session,
                    job.type,
                    job.params,
                    created_by_id=job.created_by_id,
                    job_id=self.job_id,
                    done=True,
                )
                job.written = True
            await results.write(session, self.job_id, ResultStage.done, changed)
            return
        for change in changed:
            if len(self.kept) < MAX_PREVIEW_ROWS:
                change.before = change.after = None
                self.kept.append(change)
            else:
                self.left_out += 1

    def mark(self) -> ChangeCounts:
        """What is counted so far, for `rolled_back`."""
        return self.counts.model_copy(deep=True)

    def rolled_back(self, mark: ChangeCounts) -> None:
        """A real import's chunk rolled back (to be written again): what it counted since `mark`,
        and the products it noted, forgotten (its rows went with its transaction)."""
        self.counts = mark
        self._pending, self._pending_ids = [], set()
        if self.request_job is not None:
            self.request_job.written = False

    async def write_preview(self, session: AsyncSession) -> None:
        """A dry run's rows, once its transaction is gone."""
        if self.job_id is not None:
            await results.write(session, self.job_id, ResultStage.preview, self.kept)
