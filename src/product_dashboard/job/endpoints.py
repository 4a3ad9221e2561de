from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.db import SessionDep
from product_dashboard.job import service
from product_dashboard.job.dependencies import JobRunnerDep
from product_dashboard.job.runner import JobRunner
from product_dashboard.job.schemas import JobRead
from product_dashboard.kit.pagination import Page, PaginationDep
from product_dashboard.models import Job, JobState

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


@router.get("", response_model=Page[JobRead])
async def list_jobs(
    _: CurrentPrincipal,
    session: SessionDep,
    runner: JobRunnerDep,
    pagination: PaginationDep,
    type: Annotated[str | None, Query(max_length=64, description="Exact job type")] = None,
    state: Annotated[JobState | None, Query()] = None,
) -> Page[JobRead]:
    jobs, total = await service.list_jobs(session, pagination, type=type, state=state)
    waits = await service.waiting_for(session, jobs, runner.exclusive_types)
    return Page[JobRead](
        items=[
            JobRead.from_job(
                job, eta_seconds=runner.live_eta(job.id), waiting_for=waits.get(job.id)
            )
            for job in jobs
        ],
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )


@router.get("/{job_id}", response_model=JobRead)
async def get_job(
    job_id: str, _: CurrentPrincipal, session: SessionDep, runner: JobRunnerDep
) -> JobRead:
    job = await service.get(session, job_id)
    waits = await service.waiting_for(session, [job], runner.exclusive_types)
    return _read(job, runner, waits.get(job.id))


def _read(job: Job, runner: JobRunner, waiting_for: Job | None) -> JobRead:
    return JobRead.from_job(job, eta_seconds=runner.live_eta(job.id), waiting_for=waiting_for)


@router.post("/{job_id}/cancel", response_model=JobRead)
async def cancel_job(
    job_id: str, _: WriterPrincipal, session: SessionDep, runner: JobRunnerDep
) -> JobRead:
    """Queued jobs stop at once; running jobs become `stopping` until their handler winds down."""
    return JobRead.from_job(await runner.cancel(job_id, session=session))


@router.post("/{job_id}/resume", response_model=JobRead)
async def resume_job(
    job_id: str, _: WriterPrincipal, session: SessionDep, runner: JobRunnerDep
) -> JobRead:
    """Queue a stopped or failed job again; it continues from its checkpoint."""
    return JobRead.from_job(await runner.resume(job_id, session=session))


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


@router.post("/{job_id}/approve", response_model=JobRead)
async def approve_job(
    job_id: str,
    principal: WriterPrincipal,
    request: Request,
    session: SessionDep,
    runner: JobRunnerDep,
) -> JobRead:
    """Release a job a guard rule holds (`awaiting_approval`): it runs as previewed; audited."""
    actor = Actor.for_request(principal.user, request.headers)
    job = await runner.decide(job_id, actor, approve=True, reason=None, session=session)
    return JobRead.from_job(job)


@router.post("/{job_id}/reject", response_model=JobRead)
async def reject_job(
    job_id: str,
    principal: WriterPrincipal,
    request: Request,
    session: SessionDep,
    runner: JobRunnerDep,
    body: Decision | None = None,
) -> JobRead:
    """Turn down a held job: it stops without sending anything; audited with the reason."""
    actor = Actor.for_request(principal.user, request.headers)
    reason = body.reason if body is not None else None
    job = await runner.decide(job_id, actor, approve=False, reason=reason, session=session)
    return JobRead.from_job(job)
