"""The `sync.push` job: a durable, stoppable, resumable push run by the job runner.

Stop: no new request starts, in-flight ones finish and are recorded, the watermark is saved;
bulk operations still running are left to run, each saved in the checkpoint with its products.
Resume (or recovery after a crash): the push first collects those bulk operations (their results,
line by line), then continues after the saved watermark; products past it already recorded are
not selected again, and products sent in a request whose answer was lost are pushed again by id
or handle, which updates them in place.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.eventstream.bus import SYNC
from product_dashboard.job import JobHeld, JobRunner
from product_dashboard.job.typed import TypedJob
from product_dashboard.sync.job_types import (
    PUSH_JOB,
    STORE_SYNC,
    BulkRecord,
    PreviewReport,
    PushCheckpoint,
    PushJobReport,
    PushParams,
    RunMetrics,
)
from product_dashboard.sync.metrics import LiveMetrics
from product_dashboard.sync.push.bulk import BulkInFlight, BulkStatus
from product_dashboard.sync.push.engine import PushEngine, PushHooks, PushReport
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope
from product_dashboard.sync.push.progress import Tally
from product_dashboard.sync.push.recorder import PushOutcome
from product_dashboard.sync.run_log import log_run
from product_dashboard.sync.runtime import SyncRuntime
from product_dashboard.sync.safety import preview_job, record_results, rules_for

PushJob = TypedJob[PushParams, PushCheckpoint, PushJobReport]
EVENT_INTERVAL = 0.25  # at most four progress events a second per job
MAX_RUNS_KEPT = 20


class JobPushHooks(PushHooks):
    """Feeds the engine's progress into the job's counters, checkpoint, events and metrics."""

    def __init__(self, job: PushJob, runtime: SyncRuntime, live: LiveMetrics) -> None:
        self.job = job
        self.runtime = runtime
        self.live = live
        self.engine: PushEngine | None = None
        counters = job.counters
        self.base = (counters.done, counters.failed, counters.skipped)
        self.resumed = job.checkpoint is not None
        self.checkpoint = (job.checkpoint or PushCheckpoint()).model_copy()
        self._last_event = 0.0
        self._bulk: dict[str, BulkStatus] = {}  # this run's operations, by id, in start order

    def should_stop(self) -> bool:
        return self.job.should_stop

    async def on_start(self, total: int, mode: PushMode) -> None:
        self.live.mode = mode.value
        self.checkpoint.mode = mode
        processed = sum(self.base)
        await self.job.progress(total=processed + total)
        await self._save(self.checkpoint.after_id)
        self._publish("sync.started", force=True)

    async def on_progress(self, tally: Tally, watermark: int, workers: int) -> None:
        if self.engine is not None:
            counts = {
                "pushed": tally.pushed,
                "deleted": tally.deleted,
                "failed": tally.failed,
                "skipped": tally.skipped,
            }
            self.live.update(self.engine.client.stats, workers, counts)
        done, failed, skipped = self.base
        await self.job.progress(
            done=done + tally.done,
            failed=failed + tally.failed,
            skipped=skipped + tally.skipped,
            checkpoint=self._next_checkpoint(watermark),
        )
        self._publish("sync.progress")

    async def on_bulk_status(self, status: BulkStatus) -> None:
        self._bulk[status.id] = status
        self.checkpoint.bulk = BulkRecord.of_push_run(list(self._bulk.values()))
        await self._save(self.checkpoint.after_id)
        self._publish("sync.bulk", force=status.status != "RUNNING")

    async def on_bulk_in_flight(self, operations: list[BulkInFlight]) -> None:
        self.checkpoint.in_flight = operations
        await self._save(self.checkpoint.after_id)
        # Written now, not on the next tick: a start is asked only once it is on disk.
        await self.job.flush()

    async def on_record(self, session: AsyncSession, outcomes: Sequence[PushOutcome]) -> None:
        await record_results(session, self.job.job_id, outcomes)

    async def _save(self, watermark: int) -> None:
        await self.job.save_checkpoint(self._next_checkpoint(watermark))

    def _next_checkpoint(self, watermark: int) -> PushCheckpoint:
        self.checkpoint.after_id = watermark
        self.checkpoint.metrics = RunMetrics.model_validate(self.live.as_dict())
        return self.checkpoint.model_copy()

    def _publish(self, event_type: str, *, force: bool = False) -> None:
        now = time.monotonic()
        bus = self.runtime.bus
        if bus is None or (not force and now - self._last_event < EVENT_INTERVAL):
            return
        self._last_event = now
        counters = self.job.counters
        bulk = self.checkpoint.bulk
        bus.publish(
            SYNC,
            event_type,
            {
                "job_id": self.job.job_id,
                "direction": "push",
                "progress": counters.model_dump(),
                "metrics": self.live.as_dict(),
                "bulk": bulk.to_json() if bulk is not None else None,
                "eta_seconds": self.job.eta_seconds(),
            },
        )


def push_handler(runtime: SyncRuntime) -> Callable[[PushJob], Awaitable[PushJobReport]]:
    async def handle(job: PushJob) -> PushJobReport:
        params = job.params
        if params.dry_run:
            preview = await preview_job(job, runtime, rules_for(params, runtime.settings))
            return _report_of_preview(preview)
        if job.checkpoint is None and params.approval is None:
            rules = rules_for(params, runtime.settings)
            if rules.enabled:
                preview = await preview_job(job, runtime, rules)
                if preview.held_by:
                    job.report = _report_of_preview(preview)
                    raise JobHeld(preview.held_by[0].message)
                await job.progress(done=0)
        held = job.report.preview if job.report is not None else None
        checkpoint = job.checkpoint or PushCheckpoint()
        # A resumed auto push keeps the mode it chose the first time.
        mode = checkpoint.mode or params.mode
        live = LiveMetrics()
        runtime.live[job.job_id] = live
        hooks = JobPushHooks(job, runtime, live)
        try:
            async with runtime.gateway.client() as client:
                live.attach(client.stats)
                engine = PushEngine(
                    runtime.sessionmaker,
                    client,
                    dialect=runtime.dialect,
                    config=runtime.push_config(),
                    hooks=hooks,
                )
                hooks.engine = engine
                report = await engine.run(
                    params.scope(), mode, checkpoint.after_id, checkpoint.in_flight
                )
        finally:
            live.finish()
            runtime.live.pop(job.job_id, None)
        hooks._publish("sync.finished", force=True)
        counts = {
            "pushed": report.pushed,
            "deleted": report.deleted,
            "failed": report.failed,
            "skipped": report.skipped,
        }
        log_run(
            "push",
            job.job_id,
            mode=report.mode,
            counts=counts,
            errors=report.errors,
            stopped=report.stopped,
        )
        earlier = job.report.runs if job.report is not None else []
        runs = [*earlier[-(MAX_RUNS_KEPT - 1) :], report]
        done = PushJobReport(
            direction="push",
            mode=report.mode,
            runs=runs,
            metrics=_overall(runs),
            errors=report.errors,
        )
        if held is not None:
            done.preview = held
        return done

    return handle


def _report_of_preview(preview: PreviewReport) -> PushJobReport:
    return PushJobReport(
        direction="push",
        mode="preview",
        runs=[],
        metrics=RunMetrics(mode="preview"),
        errors=[],
        preview=preview,
    )


def _overall(runs: list[PushReport]) -> RunMetrics:
    seconds = sum(r.seconds for r in runs)
    handled = sum(r.pushed + r.deleted + r.failed + r.skipped for r in runs)
    last = runs[-1]
    return RunMetrics(
        mode=last.mode,
        seconds=round(seconds, 3),
        products_per_second=round(handled / seconds, 2) if seconds > 0 else 0.0,
        api_calls=sum(r.api_calls for r in runs),
        cost_points=sum(r.cost_points for r in runs),
        throttled_responses=sum(r.throttled for r in runs),
        retries=sum(r.retries for r in runs),
        workers=0,
        workers_min=min(r.workers_min for r in runs),
        workers_max=max(r.workers_max for r in runs),
        latency_ms=last.latency_ms,
        pushed=sum(r.pushed for r in runs),
        deleted=sum(r.deleted for r in runs),
        failed=sum(r.failed for r in runs),
        skipped=sum(r.skipped for r in runs),
    )


async def queue_push(
    runner: JobRunner,
    session: AsyncSession,
    mode: PushMode,
    scope: PushScope,
    *,
    created_by_id: int | None,
    dry_run: bool = False,
) -> str:
    """Queue a push of `scope` in the caller's transaction; the job's id. `dry_run`: a preview."""
    params = PushParams.of(mode, scope, dry_run=dry_run)
    return await PUSH_JOB.submit(runner, params, created_by_id=created_by_id, session=session)


def product_pusher(runner: JobRunner) -> Callable[[AsyncSession, int, int | None], Awaitable[str]]:
    """Queues an auto push of one product (after a conflict resolution, say)."""

    async def push(session: AsyncSession, product_id: int, created_by_id: int | None) -> str:
        scope = PushScope(product_ids=(product_id,))
        return await queue_push(runner, session, PushMode.auto, scope, created_by_id=created_by_id)

    return push


def register(runner: JobRunner, runtime: SyncRuntime) -> None:
    PUSH_JOB.register(
        runner, push_handler(runtime), concurrency=1, exclusive=STORE_SYNC, writes=True
    )
