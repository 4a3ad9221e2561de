"""The `sync.pull` job: a PullEngine run driven by its job (progress, checkpoint, stop).

await PULL_JOB.submit(runner, PullJobParams(kind="full"))   # params: sync.job_types
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.eventstream.bus import SYNC, EventBus
from product_dashboard.job.context import JobHeld
from product_dashboard.job.runner import JobRunner
from product_dashboard.job.typed import TypedJob
from product_dashboard.safety.guards import GuardRules
from product_dashboard.shopify.bulk import BulkOperation
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.sync.job_types import PULL_JOB, STORE_SYNC, PullJobParams, PullJobReport
from product_dashboard.sync.jobs import EVENT_INTERVAL
from product_dashboard.sync.pull.apply import ChunkResult
from product_dashboard.sync.pull.engine import PullCheckpoint, PullEngine, PullHooks
from product_dashboard.sync.pull.kept import PreviewRead
from product_dashboard.sync.pull.preview import could_be_held, preview_report, report_of_preview
from product_dashboard.sync.pull.results import PullResults
from product_dashboard.sync.pull.vacuum import VACUUM_AFTER, vacuum_after_pull
from product_dashboard.sync.records import BulkRecord
from product_dashboard.sync.run_log import log_run

ClientFactory = Callable[[], ShopifyClient]


PullJob = TypedJob[PullJobParams, PullCheckpoint, PullJobReport]


class JobHooks(PullHooks):
    def __init__(self, job: PullJob, bus: EventBus | None) -> None:
        self.job = job
        self.bus = bus
        self.bulk: BulkRecord | None = job.checkpoint.bulk if job.checkpoint else None
        self.operations: dict[str, BulkOperation] = {}  # the export's, by id, in start order

    def should_stop(self) -> bool:
        return self.job.should_stop

    async def on_total(self, total: int) -> None:
        await self.job.progress(total=total)

    async def on_chunk(self, result: ChunkResult, checkpoint: PullCheckpoint) -> None:
        done, skipped, failed = result.counts()
        await self.job.advance(
            done=done, skipped=skipped, failed=failed, checkpoint=self._with_bulk(checkpoint)
        )

    async def on_checkpoint(self, checkpoint: PullCheckpoint, *, flush: bool = False) -> None:
        # `bulk` (Shopify's view of the export) is what the sync status and bulk APIs show.
        await self.job.save_checkpoint(self._with_bulk(checkpoint))
        if flush:
            await self.job.flush()

    async def on_bulk_status(self, operation: BulkOperation) -> None:
        self.operations[operation.id] = operation
        self.bulk = BulkRecord.of_pull(list(self.operations.values()))
        await self.job.save_checkpoint(self._with_bulk(self.job.checkpoint or PullCheckpoint()))
        if self.bus is not None:
            self.bus.publish(
                SYNC,
                "sync.pull.bulk",
                {
                    "job_id": self.job.job_id,
                    "operation_id": operation.id,
                    "status": operation.status,
                    "object_count": operation.object_count,
                },
            )

    def _with_bulk(self, checkpoint: PullCheckpoint) -> PullCheckpoint:
        return checkpoint.model_copy(update={"bulk": self.bulk})


class PreviewProgress:
    """A pull's preview shown as the job's progress: products read of those to read, with the
    job's checkpoint saying it is previewing (the Sync page's "Previewing"), and `sync` events
    (at most four a second) that carry its phase."""

    def __init__(self, job: PullJob, bus: EventBus | None) -> None:
        self.job = job
        self.bus = bus
        self._last_event = 0.0

    async def read(self, done: int, total: int) -> None:
        await self.job.progress(done=done, total=total, checkpoint=PullCheckpoint(previewing=True))
        if done == 0:
            await self.job.flush()  # a status read from now on says it is previewing
        self._publish("sync.pull.previewing", "previewing", force=done in (0, total))

    async def ended(self) -> None:
        """The pull's own progress starts from nothing (the checkpoint still says previewing
        until the pull saves its own: a crash meanwhile previews again)."""
        await self.job.progress(done=0, failed=0, skipped=0, total=0)
        self._publish("sync.pull.previewed", None, force=True)

    def _publish(self, event_type: str, phase: str | None, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.bus is None or (not force and now - self._last_event < EVENT_INTERVAL):
            return
        self._last_event = now
        self.bus.publish(
            SYNC,
            event_type,
            {
                "job_id": self.job.job_id,
                "direction": "pull",
                "phase": phase,
                "progress": self.job.counters.model_dump(),
            },
        )


def make_handler(
    clients: ClientFactory,
    events: ConflictEvents,
    bus: EventBus | None,
    rules: GuardRules | None = None,
    vacuum_after: int = VACUUM_AFTER,
) -> Callable[[PullJob], Awaitable[PullJobReport]]:
    """`rules`: the settings' guard rules (a job's own, from its schedule, come first);
    `vacuum_after`: products a full pull writes from which it vacuums the catalog after."""

    async def handle(job: PullJob) -> PullJobReport:
        params = job.params
        guards = params.guards or rules or GuardRules()
        progress = PreviewProgress(job, bus)
        if params.dry_run:
            async with clients() as client:
                preview, _ = await preview_report(
                    job.session, client, job.job_id, guards, progress.read
                )
            return report_of_preview(preview)
        # A checkpoint saved while previewing resumes nothing: the pull is previewed again.
        resumed = job.checkpoint if job.checkpoint and not job.checkpoint.previewing else None
        read: PreviewRead | None = None
        if resumed is None and params.approval is None and await could_be_held(job.session, guards):
            async with clients() as client:
                preview, read = await preview_report(
                    job.session, client, job.job_id, guards, progress.read
                )
            if preview.held_by:
                job.report = report_of_preview(preview)
                raise JobHeld(preview.held_by[0].message)
            await progress.ended()
        async with clients() as client:
            engine = PullEngine(
                job.session,
                client,
                events,
                hooks=JobHooks(job, bus),
                recorder=PullResults(job.job_id),
            )
            report = await engine.run(job.params.engine_params(), resumed, preview=read)
        result = PullJobReport.of(report)
        if report.kind == "full" and not report.stopped:
            written = result.created + result.updated + result.conflicts_opened
            await vacuum_after_pull(job.session, written, job=job.job_id, after=vacuum_after)
        counts = {
            "created": result.created,
            "updated": result.updated,
            "conflicts": result.conflicts_opened,
            "unchanged": result.unchanged,
            "failed": result.failed,
        }
        log_run(
            "pull",
            job.job_id,
            mode=result.source,
            counts=counts,
            errors=result.errors,
            stopped=report.stopped,
        )
        if bus is not None and not report.stopped:
            bus.publish(SYNC, "sync.pull.finished", {"job_id": job.job_id, **result.summary()})
        return result

    return handle


def register(
    runner: JobRunner,
    clients: ClientFactory,
    events: ConflictEvents,
    bus: EventBus | None,
    rules: GuardRules | None = None,
    vacuum_after: int = VACUUM_AFTER,
) -> None:
    """Register `sync.pull` (never while a push or another pull runs); `clients` is the store
    gateway's; `rules` the settings' guard rules."""
    handler = make_handler(clients, events, bus, rules, vacuum_after)
    PULL_JOB.register(runner, handler, concurrency=1, exclusive=STORE_SYNC, writes=True)
