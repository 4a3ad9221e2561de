"""Sync operations on behalf of the API. Never commits: jobs are queued in the caller's session."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.exceptions import Conflict, NotFound, Unprocessable
from product_dashboard.job import JobRunner
from product_dashboard.job import service as job_service
from product_dashboard.job.repository import JobRepository
from product_dashboard.job.schemas import JobProgress, estimate_eta
from product_dashboard.kit.time import as_utc
from product_dashboard.models import Job, JobState
from product_dashboard.shopify.errors import ShopifyError
from product_dashboard.sync import alerts
from product_dashboard.sync.jobs import PUSH_JOB
from product_dashboard.sync.pull.job import PULL_JOB
from product_dashboard.sync.push.bulk import BulkPusher
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.runtime import SyncRuntime
from product_dashboard.sync.schemas import (
    Performance,
    PerformanceRun,
    Selection,
    SyncMetrics,
    SyncStatus,
)

SYNC_JOB_TYPES = (PUSH_JOB, PULL_JOB)
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
    if selection.product_ids is not None or selection.filter is not None:
        raise Unprocessable(
            "A pull reads the whole store, or what changed there since the last pull: "
            "give no product_ids or filter."
        )
    params = {
        "direction": "pull",
        "mode": mode.value,
        "kind": "auto" if selection.only_changed else "full",
    }
    return await runner.submit(PULL_JOB, params, created_by_id=user_id, session=session)


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
    if selection.filter is not None:
        await selection.filter.resolve_collection(session)  # an unknown collection fails now
    params = {"direction": "push", "mode": mode.value, **selection.scope_params()}
    return await runner.submit(PUSH_JOB, params, created_by_id=user_id, session=session)


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


def metrics_of(job: Job, runtime: SyncRuntime) -> dict[str, Any]:
    live = runtime.live.get(job.id)
    if live is not None:
        return live.as_dict()
    if job.report and job.report.get("metrics"):
        return dict(job.report["metrics"])
    if job.checkpoint and job.checkpoint.get("metrics"):
        return dict(job.checkpoint["metrics"])
    return {}


def status_of(job: Job, runtime: SyncRuntime, runner: JobRunner) -> SyncStatus:
    progress = JobProgress(total=job.total, done=job.done, failed=job.failed, skipped=job.skipped)
    state = JobState(job.state)
    eta = runner.live_eta(job.id)
    if eta is None and state in (JobState.running, JobState.stopping):
        eta = estimate_eta(progress, job.started_at, job.heartbeat_at)
    if state == JobState.completed:
        eta = 0.0
    metrics = metrics_of(job, runtime)
    report = job.report or {}
    checkpoint = job.checkpoint or {}
    return SyncStatus(
        job_id=job.id,
        state=state,
        direction=job.params.get("direction", "push"),
        mode=report.get("mode") or checkpoint.get("mode") or job.params.get("mode"),
        progress=progress,
        metrics=SyncMetrics.model_validate(
            {k: v for k, v in metrics.items() if k in SyncMetrics.model_fields}
        ),
        eta_seconds=eta,
        error=job.error,
        created_at=as_utc(job.created_at),
        started_at=as_utc(job.started_at) if job.started_at else None,
        finished_at=as_utc(job.finished_at) if job.finished_at else None,
        bulk=checkpoint.get("bulk"),
        errors=list(report.get("errors") or [])[:200],
    )


async def performance(
    session: AsyncSession, runtime: SyncRuntime, limit: int = PERFORMANCE_RUNS
) -> Performance:
    thresholds = alerts.Thresholds.from_settings(runtime.settings)
    jobs, total = await JobRepository(session).paginate(offset=0, limit=limit, type=SYNC_JOB_TYPES)
    ordered = list(reversed(jobs))  # oldest first: each run is compared with those before it
    runs: list[PerformanceRun] = []
    earlier_by_direction: dict[str, list[dict[str, Any]]] = {"push": [], "pull": []}
    for job in ordered:
        direction = job.params.get("direction", "push")
        earlier = earlier_by_direction.setdefault(direction, [])  # a pull is no push's baseline
        metrics = metrics_of(job, runtime)
        metrics.setdefault("mode", (job.report or {}).get("mode"))
        for key, value in (("pushed", job.done), ("failed", job.failed), ("skipped", job.skipped)):
            metrics.setdefault(key, value)
        run_alerts = alerts.evaluate(metrics, earlier, thresholds)
        if JobState(job.state) == JobState.completed:
            earlier.append(metrics)
        runs.append(
            PerformanceRun(
                job_id=job.id,
                state=JobState(job.state),
                direction=direction,
                mode=metrics.get("mode"),
                created_at=as_utc(job.created_at),
                finished_at=as_utc(job.finished_at) if job.finished_at else None,
                progress=JobProgress(
                    total=job.total, done=job.done, failed=job.failed, skipped=job.skipped
                ),
                metrics=metrics,
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


async def cancel_bulk(
    session: AsyncSession, runner: JobRunner, runtime: SyncRuntime, job_id: str
) -> Job:
    """Stop the run and ask Shopify to cancel its bulk operation (its finished lines are kept)."""
    job = await get_sync_job(session, job_id)
    if JobState(job.state).is_final:
        raise Conflict(f"Bulk run {job_id} is already {job.state}.")
    job = await runner.cancel(job_id, session=session)
    shopify_id = ((job.checkpoint or {}).get("bulk") or {}).get("shopify_id")
    status = ((job.checkpoint or {}).get("bulk") or {}).get("status")
    if shopify_id and status in ("CREATED", "RUNNING"):
        # It may have finished meanwhile; the run records whatever completed either way.
        async with runtime.gateway.client() as client:
            with suppress(ShopifyError):
                await BulkPusher(client, client.http).cancel(str(shopify_id))
    return job
