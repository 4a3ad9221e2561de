"""`/api/conflicts/detect` and `/api/conflicts/reconcile`: ask Shopify now, rather than wait for
a webhook or the next reconciliation. Each starts a job (one of each kind at a time: asked
again while one is queued or running, the answer is that job) and answers at once."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, status

from product_dashboard.auth.dependencies import WriterPrincipal
from product_dashboard.conflict.schemas import CheckStarted, DetectRequest
from product_dashboard.db import SessionDep
from product_dashboard.inbound.dependencies import InboundDep
from product_dashboard.inbound.detect import DETECT_JOB, DetectParams
from product_dashboard.inbound.reconciler import RECONCILE_JOB, ReconcileParams
from product_dashboard.job.repository import JobRepository
from product_dashboard.job.typed import JobModel, JobType
from product_dashboard.models import Job, JobState

router = APIRouter(prefix="/api/conflicts", tags=["conflicts"])

P = TypeVar("P", bound=JobModel)
_UNDER_WAY = (JobState.queued, JobState.running, JobState.stopping)


async def _start(
    inbound: InboundDep,
    session: SessionDep,
    principal: WriterPrincipal,
    job_type: JobType[P, Any, Any],
    params: P,
) -> CheckStarted:
    inbound.shopify()  # refuses (409) when no store is configured
    active: Job | None = await JobRepository(session).active_of([job_type.name])
    if active is not None and active.state in _UNDER_WAY:
        return CheckStarted(
            job_id=active.id, type=active.type, state=active.state, already_running=True
        )
    job_id = await job_type.submit(
        inbound.runner, params, created_by_id=principal.user.id, session=session
    )
    return CheckStarted(
        job_id=job_id, type=job_type.name, state=JobState.queued, already_running=False
    )


@router.post("/detect", response_model=CheckStarted, status_code=status.HTTP_202_ACCEPTED)
async def detect_conflicts(
    inbound: InboundDep,
    session: SessionDep,
    principal: WriterPrincipal,
    body: DetectRequest | None = None,
) -> CheckStarted:
    """Compare linked products (all, or `product_ids`) with Shopify, as a job."""
    params = DetectParams(product_ids=body.product_ids if body is not None else None)
    return await _start(inbound, session, principal, DETECT_JOB, params)


@router.post("/reconcile", response_model=CheckStarted, status_code=status.HTTP_202_ACCEPTED)
async def reconcile_now(
    inbound: InboundDep, session: SessionDep, principal: WriterPrincipal
) -> CheckStarted:
    """Apply what changed in Shopify since the last reconciliation (what the scheduler does every
    RECONCILE_INTERVAL_SECONDS), as a job."""
    return await _start(inbound, session, principal, RECONCILE_JOB, ReconcileParams())
