from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.db import SessionDep
from product_dashboard.job import service
from product_dashboard.job.dependencies import JobRunnerDep
from product_dashboard.job.schemas import JobRead
from product_dashboard.kit.pagination import Page, PaginationDep
from product_dashboard.models import JobState

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
    return Page[JobRead](
        items=[JobRead.from_job(job, eta_seconds=runner.live_eta(job.id)) for job in jobs],
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )


@router.get("/{job_id}", response_model=JobRead)
async def get_job(
    job_id: str, _: CurrentPrincipal, session: SessionDep, runner: JobRunnerDep
) -> JobRead:
    job = await service.get(session, job_id)
    return JobRead.from_job(job, eta_seconds=runner.live_eta(job.id))


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
