"""Sync API: start/stop/resume pushes, their status and performance, bulk runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.db import SessionDep
from product_dashboard.job.dependencies import JobRunnerDep
from product_dashboard.job.schemas import JobProgress
from product_dashboard.models import JobState
from product_dashboard.sync import service
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.runtime import SyncRuntimeDep
from product_dashboard.sync.schemas import (
    BatchSync,
    BulkOperationRef,
    BulkOperationRequest,
    BulkRunStatus,
    JobRef,
    JobStarted,
    Performance,
    SyncStart,
    SyncStatus,
    UndoRequest,
)
from product_dashboard.sync.undo import queue_undo

router = APIRouter(tags=["sync"])


@router.post(
    "/api/sync/parallel/start", response_model=JobStarted, status_code=status.HTTP_202_ACCEPTED
)
async def start_sync(
    body: SyncStart,
    principal: WriterPrincipal,
    session: SessionDep,
    runner: JobRunnerDep,
    runtime: SyncRuntimeDep,
) -> JobStarted:
    """Start a sync job; only changed products cost API calls unless `only_changed` is false."""
    if body.direction == "pull":
        job_id = await service.start_pull(
            session, runner, runtime, body, body.mode, user_id=principal.user.id
        )
        return JobStarted(job_id=job_id)
    job_id = await service.start_push(
        session, runner, runtime, body, body.mode, user_id=principal.user.id
    )
    return JobStarted(job_id=job_id)


@router.get("/api/sync/parallel/status", response_model=SyncStatus)
async def sync_status(
    _: CurrentPrincipal,
    session: SessionDep,
    runner: JobRunnerDep,
    runtime: SyncRuntimeDep,
    job_id: Annotated[str | None, Query(max_length=32, description="Default: latest")] = None,
) -> SyncStatus:
    job = await service.get_sync_job(session, job_id)
    return service.status_of(job, runtime, runner)


@router.post("/api/sync/parallel/stop", response_model=SyncStatus)
async def stop_sync(
    body: JobRef,
    _: WriterPrincipal,
    session: SessionDep,
    runner: JobRunnerDep,
    runtime: SyncRuntimeDep,
) -> SyncStatus:
    """In-flight requests finish and are recorded; the job then stops, resumable."""
    await service.get_sync_job(session, body.job_id)
    job = await runner.cancel(body.job_id, session=session)
    return service.status_of(job, runtime, runner)


@router.post("/api/sync/parallel/resume", response_model=SyncStatus)
async def resume_sync(
    body: JobRef,
    _: WriterPrincipal,
    session: SessionDep,
    runner: JobRunnerDep,
    runtime: SyncRuntimeDep,
) -> SyncStatus:
    """Continue a stopped or failed sync where it left off."""
    await service.get_sync_job(session, body.job_id)
    await service.ensure_store_idle(session, runner)
    job = await runner.resume(body.job_id, session=session)
    return service.status_of(job, runtime, runner)


@router.get("/api/sync/performance", response_model=Performance)
async def sync_performance(
    _: CurrentPrincipal,
    session: SessionDep,
    runtime: SyncRuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = service.PERFORMANCE_RUNS,
) -> Performance:
    """Past runs with their metrics, and alerts (failures, throttling, throughput drop)."""
    return await service.performance(session, runtime, limit)


@router.post(
    "/api/sync/bulk/operations",
    response_model=BulkOperationRef,
    status_code=status.HTTP_202_ACCEPTED,
)
async def bulk_operations(
    body: BulkOperationRequest,
    principal: WriterPrincipal,
    session: SessionDep,
    runner: JobRunnerDep,
    runtime: SyncRuntimeDep,
) -> BulkOperationRef:
    """`start` a bulk push (our id is returned), or `cancel` one by that id."""
    if body.action == "cancel":
        assert body.id is not None
        job = await service.cancel_bulk(session, runner, runtime, body.id)
        return BulkOperationRef(id=job.id, job_id=job.id, state=JobState(job.state))
    start = service.start_pull if body.direction == "pull" else service.start_push
    job_id = await start(session, runner, runtime, body, PushMode.bulk, user_id=principal.user.id)
    return BulkOperationRef(id=job_id, job_id=job_id, state=JobState.queued)


@router.get("/api/sync/bulk/{bulk_id}/status", response_model=BulkRunStatus)
async def bulk_status(
    bulk_id: str,
    _: CurrentPrincipal,
    session: SessionDep,
    runner: JobRunnerDep,
    runtime: SyncRuntimeDep,
) -> BulkRunStatus:
    """Shopify's status and object count for the run, and our per-product results."""
    job = await service.get_sync_job(session, bulk_id)
    current = service.status_of(job, runtime, runner)
    overall = service.metrics_of(job, runtime)
    return BulkRunStatus(
        id=job.id,
        state=current.state,
        direction=current.direction,
        shopify=current.bulk,
        progress=JobProgress(
            total=job.total, done=job.done, failed=job.failed, skipped=job.skipped
        ),
        results={
            "pushed": overall.pushed if overall.pushed is not None else job.done,
            "deleted": overall.deleted or 0,
            "failed": job.failed,
            "skipped": job.skipped,
            "errors": current.errors,
        },
    )


@router.post(
    "/api/products/batch/sync-shopify",
    response_model=JobStarted,
    status_code=status.HTTP_202_ACCEPTED,
)
async def batch_sync_shopify(
    body: BatchSync,
    principal: WriterPrincipal,
    session: SessionDep,
    runner: JobRunnerDep,
    runtime: SyncRuntimeDep,
) -> JobStarted:
    """Push a selection of products (ids or a product-list filter) as a sync job."""
    job_id = await service.start_push(
        session, runner, runtime, body, body.mode, user_id=principal.user.id
    )
    return JobStarted(job_id=job_id)


@router.post(
    "/api/jobs/{job_id}/undo", response_model=JobStarted, status_code=status.HTTP_202_ACCEPTED
)
async def undo_job(
    job_id: str,
    principal: WriterPrincipal,
    session: SessionDep,
    runner: JobRunnerDep,
    body: UndoRequest | None = None,
) -> JobStarted:
    """Undo a push as a job (`sync.undo`): its fields go back to their previous values where
    nothing changed since, then a push sends them; `dry_run` previews it. The undo's report says
    what could not be restored and why."""
    dry_run = body.dry_run if body is not None else False
    undo_id = await queue_undo(
        runner, session, job_id, dry_run=dry_run, created_by_id=principal.user.id
    )
    return JobStarted(job_id=undo_id)
