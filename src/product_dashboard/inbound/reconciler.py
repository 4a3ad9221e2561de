"""Reconciliation: an incremental pull that catches webhooks Shopify never delivered.

Products updated in Shopify since the cursor (minus a small overlap, since Shopify's search is
by second) go through the same decision as a webhook. Stale and echo outcomes make re-reading
the overlap harmless. The cursor is stored, so a restart resumes.

* `Reconciler`: every `interval` seconds, page by page (a few changes: cheaper than a bulk
  operation's start-up).
* The `conflicts.reconcile` job (`POST /api/conflicts/reconcile`, one at a time per store): the
  same search as a bulk export split over the shop's bulk slots (`bulk_read`), resumable, every
  product that could not be applied reported with its reason.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.remote_apply import apply_remote
from product_dashboard.db import SessionFactory, committing
from product_dashboard.inbound.decide import Payload, Tally, decide
from product_dashboard.inbound.remote import Unreadable, changed_since
from product_dashboard.job.typed import JobModel, JobType, TypedJob
from product_dashboard.kit.periodic import Periodic
from product_dashboard.kit.time import as_utc, parse_time, utcnow
from product_dashboard.models import InboundCursor
from product_dashboard.shopify.bulk import MAX_BULK_OPERATIONS
from product_dashboard.shopify.bulk_read import BulkReader, Remote
from product_dashboard.shopify.bulk_variants import plan_variant_export
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import updated_since_filter
from product_dashboard.shopify.errors import ShopifyError
from product_dashboard.shopify.export import ExportPart, plan_export

logger = logging.getLogger(__name__)

CURSOR = "reconcile.products"
OVERLAP = timedelta(seconds=5)
FIRST_LOOKBACK = timedelta(days=1)
MAX_FAILURES_SHOWN = 20  # in `last_run`; every one is logged


async def load_cursor(sessions: SessionFactory) -> datetime:
    async with sessions() as session:
        row = await session.get(InboundCursor, CURSOR)
        return as_utc(row.position) if row is not None else utcnow() - FIRST_LOOKBACK


async def save_cursor(sessions: SessionFactory, position: datetime) -> None:
    """Forward only (`sessions` commit on leaving their block)."""
    async with sessions() as session:
        row = await session.get(InboundCursor, CURSOR)
        if row is None:
            session.add(InboundCursor(name=CURSOR, position=position))
        elif position > as_utc(row.position):
            row.position = position


class Reconciler:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: ShopifyClient,
        events: ConflictEvents,
        interval: float,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.client = client
        self.events = events
        self.interval = interval
        self.last_run: dict[str, Any] | None = None
        self._periodic = Periodic("reconciler", self._run_noting_failures, interval)

    def start(self) -> None:
        self._periodic.start()

    async def close(self) -> None:
        await self._periodic.close()

    async def _run_noting_failures(self) -> None:
        try:
            await self.run_once()
        except ShopifyError as exc:
            logger.warning("reconciliation pull failed: %s", exc)
            self.last_run = {"at": utcnow().isoformat(), "error": str(exc)}

    async def _cursor(self) -> datetime:
        return await load_cursor(committing(self.sessionmaker))

    async def _save_cursor(self, position: datetime) -> None:
        await save_cursor(committing(self.sessionmaker), position)

    async def run_once(self) -> dict[str, Any]:
        """One pull; a summary of outcomes. Also what `POST /api/conflicts/reconcile` runs."""
        since = await self._cursor()
        started = utcnow()
        outcomes: Counter[str] = Counter()
        newest = since
        failures: list[dict[str, str]] = []
        async for remote, updated_at in changed_since(self.client, since - OVERLAP):
            if isinstance(remote, Unreadable):
                logger.warning("reconciliation: %s %s", remote.shopify_id, remote.reason)
                outcomes["error"] += 1
                if len(failures) < MAX_FAILURES_SHOWN:
                    failures.append({"shopify_id": remote.shopify_id, "error": remote.reason})
                continue
            async with self.sessionmaker() as session, session.begin():
                result = await apply_remote(
                    session,
                    remote,
                    remote_updated_at=updated_at,
                    source="pull",
                    events=self.events,
                )
            outcomes[result.outcome.value] += 1
            if updated_at is not None and updated_at > newest:
                newest = updated_at
        await self._save_cursor(newest)
        self.last_run = {
            "at": started.isoformat(),
            "since": since.isoformat(),
            "seen": sum(outcomes.values()),
            "outcomes": dict(outcomes),
            "failures": failures,
        }
        return self.last_run


class ReconcileParams(JobModel):
    """Nothing to choose: changes since the reconciliation cursor."""


class ReconcileCheckpoint(Tally):
    since: str | None = None
    newest: str | None = None
    parts: list[ExportPart] | None = None
    variant_parts: list[ExportPart] | None = None
    """The variants export's parts (every variant, as a bulk pull reads them), run first."""


class ReconcileReport(JobModel):
    since: str
    seen: int
    outcomes: dict[str, int]
    conflicts: list[Payload]
    errors: list[Payload]
    """Every product that could not be applied, with the reason (the first `decide.KEPT`)."""
    failed: int
    cursor: str | None = None
    bulk: list[Payload] | None = None


RECONCILE_JOB = JobType(
    "conflicts.reconcile", ReconcileParams, ReconcileCheckpoint, ReconcileReport
)
ReconcileJob = TypedJob[ReconcileParams, ReconcileCheckpoint, ReconcileReport]


async def run_reconcile_job(
    job: ReconcileJob,
    client: ShopifyClient,
    events: ConflictEvents,
    *,
    slots: int = MAX_BULK_OPERATIONS,
) -> ReconcileReport:
    """Job handler body: the changes since the cursor, read in bulk and applied one by one."""
    checkpoint = job.checkpoint or ReconcileCheckpoint()
    since = parse_time(checkpoint.since) or await load_cursor(job.session)
    tally = Tally(
        outcomes=checkpoint.outcomes, conflicts=checkpoint.conflicts, errors=checkpoint.errors
    )
    newest = parse_time(checkpoint.newest)
    search = updated_since_filter(since - OVERLAP)
    total: int | None = None
    if checkpoint.parts:
        parts = checkpoint.parts
    else:
        parts, total = await plan_export(client, search, slots)
        await job.progress(total=total)
    variant_parts = checkpoint.variant_parts or await plan_variant_export(
        client, search, slots, total
    )

    def report(
        bulk: list[Payload] | None = None, cursor: datetime | None = None
    ) -> ReconcileReport:
        return ReconcileReport(
            since=since.isoformat(),
            seen=tally.checked,
            outcomes=dict(tally.outcomes),
            conflicts=tally.conflicts,
            errors=tally.errors,
            failed=tally.failed,
            cursor=cursor.isoformat() if cursor else None,
            bulk=bulk,
        )

    async def on_saved(_: Sequence[ExportPart]) -> None:
        await job.save_checkpoint(
            ReconcileCheckpoint(
                **tally.model_dump(),
                since=since.isoformat(),
                newest=newest.isoformat() if newest else None,
                parts=[part.model_copy() for part in parts],
                variant_parts=[part.model_copy() for part in variant_parts],
            )
        )
        await job.flush()

    async def handle(chunk: list[Remote]) -> None:
        nonlocal newest
        done, failed = tally.checked - tally.failed, tally.failed
        for remote in chunk:
            await decide(
                job.session,
                remote,
                product_id=None,
                source="pull",
                events=events,
                create_missing=True,
                tally=tally,
                job_id=job.job_id,
            )
            if remote.updated_at is not None and (newest is None or remote.updated_at > newest):
                newest = remote.updated_at
        job.report = report()
        await job.advance(done=tally.checked - tally.failed - done, failed=tally.failed - failed)

    reader = BulkReader(client, should_stop=lambda: job.should_stop, on_saved=on_saved)
    exported = await reader.run(parts, handle, variant_parts=variant_parts)
    if exported is None:
        await job.check_stop()
        return report()
    if newest is not None:
        await save_cursor(job.session, newest)
    bulk = [
        {"id": o.id, "status": o.status, "root_object_count": o.root_object_count}
        for o in exported.operations
    ]
    return report(bulk, newest)
