"""What an import changed (or, in a dry run, would change), one results row per product: its
local shape before and after, field by field.

A real import writes its rows in its own transaction (rolled back with it when nothing may stay).
A dry run's transaction is always rolled back, so its rows are kept aside (up to
`MAX_PREVIEW_ROWS`; every product is counted) and written as the job's preview afterwards.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.models import Product, ResultStage
from product_dashboard.safety import results
from product_dashboard.safety.results import ChangeCounts, ProductChange
from product_dashboard.sync.pull.results import local_shape

MAX_PREVIEW_ROWS = 20_000


class ImportResults:
    def __init__(self, job_id: str | None, *, dry_run: bool) -> None:
        """`job_id` None: an import run in the request (a dry run's rows are only kept)."""
        self.job_id = job_id
        self.dry_run = dry_run
        self.counts = ChangeCounts()
        self.kept: list[ProductChange] = []
        self.left_out = 0

    async def before(self, session: AsyncSession, handle: str) -> dict[str, Any] | None:
        product_id = await session.scalar(
            select(Product.id).where(Product.handle == handle, Product.deleted_at.is_(None))
        )
        return None if product_id is None else await local_shape(session, product_id)

    async def record(
        self,
        session: AsyncSession,
        product_id: int,
        before: dict[str, Any] | None,
        *,
        row: int,
    ) -> None:
        after = await local_shape(session, product_id)
        change = ProductChange.between(
            before, after, product_id=product_id, handle=(after or {}).get("handle"), row=row
        )
        if not change.changes:
            return
        self.counts.add(change)
        if not self.dry_run and self.job_id is not None:
            await results.write(session, self.job_id, ResultStage.done, [change])
        elif len(self.kept) < MAX_PREVIEW_ROWS:
            change.before = change.after = None
            self.kept.append(change)
        else:
            self.left_out += 1

    async def write_preview(self, session: AsyncSession) -> None:
        """A dry run's rows, once its transaction is gone."""
        if self.job_id is not None:
            await results.write(session, self.job_id, ResultStage.preview, self.kept)
