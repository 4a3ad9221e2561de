"""Sync operations on behalf of the API. Never commits: jobs are queued in the caller's session."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.exceptions import Conflict, NotFound, Unprocessable
from product_dashboard.job import JobRunner
from product_dashboard.job import service as job_service
from product_dashboard.job.repository import JobRepository
from product_dashboard.job.schemas import JobProgress, estimate_eta
from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.models import Job, JobState
from product_dashboard.shopify.errors import ShopifyError
from product_dashboard.sync import alerts
from product_dashboard.sync.job_types import (
    PULL_JOB,
    PUSH_JOB,
    PullCheckpoint,
    PullJobParams,
    PullJobReport,
    PushCheckpoint,
    PushJobReport,
    PushParams,
    RunMetrics,
)
from product_dashboard.sync.jobs import queue_push
from product_dashboard.sync.pull.cursor import load_cursor
from product_dashboard.sync.push.bulk import BulkPusher
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.runtime import SyncRuntime
from product_dashboard.sync.schemas import (
    Alert,
    Performance,
    PerformanceRun,
    Selection,
    SyncMetrics,
    SyncStart,
    SyncStatus,
)

SYNC_JOB_TYPES = (PUSH_JOB.name, PULL_JOB.name)
PERFORMANCE_RUNS = 50


async def start_pull(
    session: AsyncSession,
    runner: JobRunner,
    runtime: SyncRuntime,
    selection: Selection,
    mode: PushMode,
    *,
    user_id: int | None,
) -> str:
    """Queue a pull (see sync/pull): only what changed since the last pull unless
    `only_changed` is false (a full export); `bulk` runs even an incremental pull as a bulk query.
    """
    runtime.gateway.require_configured()
    await ensure_store_idle(session, runner)
    if selection.product_ids is not None or selection.filter is not None:
        raise Unprocessable(
            "A pull reads the whole store, or what changed there since the last pull: "
            "give no product_ids or filter."
        )
    await _check_pull_mode(session, mode, full=not selection.only_changed)
    params = PullJobParams(
        direction="pull", mode=mode, kind="auto" if selection.only_changed else "full"
    )
    if isinstance(selection, SyncStart) and selection.dry_run:
        params.dry_run = True
    return await PULL_JOB.submit(runner, params, created_by_id=user_id, session=session)


PULL_MODES = (PushMode.auto, PushMode.sequential, PushMode.bulk)


async def _check_pull_mode(session: AsyncSession, mode: PushMode, *, full: bool) -> None:
    """A pull reads page by page (`sequential`) or with one bulk query (`bulk`); `auto` reads
    changes page by page and the whole store with a bulk query. Refuse what would not be done
    as asked rather than run something else."""
    if mode not in PULL_MODES:
        raise Unprocessable(
            f"A pull has no {mode.value} mode: it reads page by page (sequential) or with one "
            "bulk query (bulk); auto chooses."
        )
    if mode == PushMode.sequential and (full or await load_cursor(session) is None):
        reason = "a full pull" if full else "the first pull (nothing has been pulled yet)"
        raise Unprocessable(
            f"Reading page by page pulls only what changed; {reason} exports the whole store "
            "with one bulk query: choose bulk or auto."
        )


async def start_push(
    session: AsyncSession,
    runner: JobRunner,
    runtime: SyncRuntime,
    selection: Selection,
    mode: PushMode,
    *,
    user_id: int | None,
) -> str:
    runtime.gateway.require_configured()
    await ensure_store_idle(session, runner)
    if selection.filter is not None:
        await selection.filter.resolve_collection(session)  # an unknown collection fails now
    dry_run = isinstance(selection, SyncStart) and selection.dry_run
    return await queue_push(
        runner, session, mode, selection.push_scope(), created_by_id=user_id, dry_run=dry_run
    )


async def ensure_store_idle(session: AsyncSession, runner: JobRunner) -> None:
    """Refuse (409) to start or resume a push or pull while another one is queued or running
    on the store, naming it. (Pushes queued by the app itself, after a conflict is resolved,
    wait their turn instead: the runner never runs two at once.)"""
    active = await JobRepository(session).active_of(SYNC_JOB_TYPES)
    if active is None:
        return
    direction = params_of(active).direction
    state = JobState(active.state)
    doing = {
        JobState.queued: "is waiting to start",
        JobState.stopping: "is stopping",
        JobState.awaiting_approval: "is waiting for approval",
    }.get(state, "is running")
    config = runner.config
    heartbeat = as_utc(active.heartbeat_at) if active.heartbeat_at else None
    silent = heartbeat is not None and utcnow() - heartbeat > timedelta(
        seconds=2 * config.heartbeat_interval
    )
    if state == JobState.running and silent:
        # Its process stopped without handing it back (a crash, a kill): it is taken back and
        # resumed once its lease is `stale_after` old.
        doing = (
            f"was running when its process stopped; it resumes within {round(config.stale_after)} s"
        )
    raise Conflict(
        f"A {direction} of the store ({direction} job {active.id}) {doing}; "
        f"wait for it to finish or stop it first: one push or pull runs at a time."
    )


async def get_sync_job(session: AsyncSession, job_id: str | None) -> Job:
    if job_id is not None:
        job = await job_service.get(session, job_id)
        if job.type not in SYNC_JOB_TYPES:
            raise NotFound(f"Job {job_id} is not a sync job.")
        return job
    jobs, _ = await JobRepository(session).paginate(offset=0, limit=1, type=SYNC_JOB_TYPES)
    if not jobs:
        raise NotFound("No sync has run yet.")
    return jobs[0]


def params_of(job: Job) -> PushParams | PullJobParams:
    return PULL_JOB.params_of(job) if job.type == PULL_JOB.name else PUSH_JOB.params_of(job)


def checkpoint_of(job: Job) -> PushCheckpoint | PullCheckpoint | None:
    return PULL_JOB.checkpoint_of(job) if job.type == PULL_JOB.name else PUSH_JOB.checkpoint_of(job)


def report_of(job: Job) -> PushJobReport | PullJobReport | None:
    return PULL_JOB.report_of(job) if job.type == PULL_JOB.name else PUSH_JOB.report_of(job)


def metrics_of(job: Job, runtime: SyncRuntime) -> RunMetrics:
    """Live figures while the job runs here, else what its report or checkpoint recorded."""
    live = runtime.live.get(job.id)
    if live is not None:
        return RunMetrics.model_validate(live.as_dict())
    report = report_of(job)
    if report is not None and report.metrics.model_fields_set:
        return report.metrics.model_copy()
    checkpoint = checkpoint_of(job)
    if isinstance(checkpoint, PushCheckpoint) and checkpoint.metrics is not None:
        return checkpoint.metrics.model_copy()
    return RunMetrics()


def status_of(job: Job, runtime: SyncRuntime, runner: JobRunner) -> SyncStatus:
    progress = JobProgress(total=job.total, done=job.done, failed=job.failed, skipped=job.skipped)
    state = JobState(job.state)
    eta = runner.live_eta(job.id)
    if eta is None and state in (JobState.running, JobState.stopping):
        eta = estimate_eta(progress, job.started_at, job.heartbeat_at)
    if state == JobState.completed:
        eta = 0.0
    metrics = metrics_of(job, runtime)
    params = params_of(job)
    report = report_of(job)
    checkpoint = checkpoint_of(job)
    chosen = checkpoint.mode if isinstance(checkpoint, PushCheckpoint) else None
    bulk = checkpoint.bulk if checkpoint is not None else None
    previewing = (
        isinstance(checkpoint, PullCheckpoint)
        and checkpoint.previewing
        and state in (JobState.running, JobState.stopping)
    )
    return SyncStatus(
        job_id=job.id,
        state=state,
        direction=params.direction,
        mode=(report.mode if report is not None else None) or chosen or params.mode,
        progress=progress,
        metrics=SyncMetrics.model_validate(metrics.to_json()),
        eta_seconds=eta,
        error=job.error,
        created_at=as_utc(job.created_at),
        started_at=as_utc(job.started_at) if job.started_at else None,
        finished_at=as_utc(job.finished_at) if job.finished_at else None,
        updated_at=as_utc(job.updated_at),
        bulk=bulk.to_json() if bulk is not None else None,
        errors=list(report.errors if report is not None else [])[:200],
        phase="previewing" if previewing else None,
    )


async def performance(
    session: AsyncSession, runtime: SyncRuntime, limit: int = PERFORMANCE_RUNS
) -> Performance:
    thresholds = alerts.Thresholds.from_settings(runtime.settings)
    jobs, total = await JobRepository(session).paginate(offset=0, limit=limit, type=SYNC_JOB_TYPES)
    ordered = list(reversed(jobs))  # oldest first: each run is compared with those before it
    runs: list[PerformanceRun] = []
    earlier_by_direction: dict[str, list[RunMetrics]] = {"push": [], "pull": []}
    for job in ordered:
        direction = params_of(job).direction
        earlier = earlier_by_direction.setdefault(direction, [])  # a pull is no push's baseline
        report = report_of(job)
        metrics = metrics_of(job, runtime).with_defaults(
            mode=report.mode if report is not None else None,
            pushed=job.done,
            failed=job.failed,
            skipped=job.skipped,
        )
        run_alerts = alerts.evaluate(metrics, earlier, thresholds)
        if JobState(job.state) == JobState.completed:
            earlier.append(metrics)
        runs.append(
            PerformanceRun(
                job_id=job.id,
                state=JobState(job.state),
                direction=direction,
                mode=metrics.mode,
                created_at=as_utc(job.created_at),
                finished_at=as_utc(job.finished_at) if job.finished_at else None,
                progress=JobProgress(
                    total=job.total, done=job.done, failed=job.failed, skipped=job.skipped
                ),
                metrics=metrics.to_json(),
                alerts=run_alerts,
            )
        )
    runs.reverse()
    return Performance(
        runs=runs,
        total=total,
        alerts=runs[0].alerts if runs else [],
        thresholds=thresholds.as_dict(),
    )


async def run_alerts(session: AsyncSession, runtime: SyncRuntime, job_id: str) -> list[Alert]:
    """The alerts `performance` shows for one run, compared with the runs before it."""
    report = await performance(session, runtime)
    return next((run.alerts for run in report.runs if run.job_id == job_id), [])


async def cancel_bulk(
    session: AsyncSession, runner: JobRunner, runtime: SyncRuntime, job_id: str
) -> Job:
    """Stop the run and ask Shopify to cancel its bulk operations (finished lines are kept)."""
    job = await get_sync_job(session, job_id)
    if JobState(job.state).is_final:
        raise Conflict(f"Bulk run {job_id} is already {job.state}.")
    job = await runner.cancel(job_id, session=session)
    checkpoint = checkpoint_of(job)
    running: list[str] = []
    if checkpoint is not None:
        bulk = checkpoint.bulk
        if bulk is not None and bulk.shopify_id and bulk.status in ("CREATED", "RUNNING"):
            running.append(bulk.shopify_id)
        if isinstance(checkpoint, PushCheckpoint):
            running += [op.shopify_id for op in checkpoint.in_flight if op.shopify_id]
    if running:
        # They may have finished meanwhile; the run records whatever completed either way.
        async with runtime.gateway.client() as client:
            for shopify_id in dict.fromkeys(running):
                with suppress(ShopifyError):
                    await BulkPusher(client, client.http).cancel(shopify_id)
    return job
