"""Schedules on behalf of the API. Never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.exceptions import NotFound, Unprocessable
from product_dashboard.job.schemas import JobSummary
from product_dashboard.kit.pagination import PaginationParams
from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.models import Job, JobSchedule
from product_dashboard.safety.guards import GuardRules
from product_dashboard.schedule.cron import next_run
from product_dashboard.schedule.kinds import JOB_TYPES, ScheduleKind, job_params, kind_of
from product_dashboard.schedule.schemas import ScheduleIn, ScheduleRead, ScheduleUpdate


def _checked(kind: ScheduleKind, params: dict[str, object], guards: GuardRules | None) -> None:
    try:
        job_params(kind, dict(params), guards)
    except ValueError as exc:
        raise Unprocessable(f"These params do not fit a {kind.value} job: {exc}") from exc


async def create(
    session: AsyncSession, body: ScheduleIn, *, created_by_id: int | None
) -> JobSchedule:
    _checked(body.kind, body.params, body.guards)
    schedule = JobSchedule(
        name=body.name,
        job_type=JOB_TYPES[body.kind].name,
        cron=body.cron,
        params=body.params,
        guards=body.guards.to_json() if body.guards is not None else None,
        enabled=body.enabled,
        next_run_at=next_run(body.cron, utcnow()) if body.enabled else None,
        skipped_runs=0,
        created_by_id=created_by_id,
    )
    session.add(schedule)
    await session.flush()
    return schedule


async def get(session: AsyncSession, schedule_id: int) -> JobSchedule:
    schedule = await session.get(JobSchedule, schedule_id)
    if schedule is None:
        raise NotFound(f"No schedule with id {schedule_id}.")
    return schedule


async def update(session: AsyncSession, schedule_id: int, body: ScheduleUpdate) -> JobSchedule:
    schedule = await get(session, schedule_id)
    kind = kind_of(schedule.job_type)
    if body.name is not None:
        schedule.name = body.name
    if body.params is not None:
        schedule.params = body.params
    if "guards" in body.model_fields_set:
        schedule.guards = body.guards.to_json() if body.guards is not None else None
    guards = GuardRules.model_validate(schedule.guards) if schedule.guards else None
    _checked(kind, schedule.params, guards)
    if body.cron is not None:
        schedule.cron = body.cron
    if body.enabled is not None:
        schedule.enabled = body.enabled
    schedule.next_run_at = next_run(schedule.cron, utcnow()) if schedule.enabled else None
    await session.flush()
    return schedule


async def delete(session: AsyncSession, schedule_id: int) -> None:
    await session.delete(await get(session, schedule_id))
    await session.flush()


async def list_schedules(
    session: AsyncSession, pagination: PaginationParams
) -> tuple[Sequence[JobSchedule], int]:
    total = await session.scalar(select(func.count()).select_from(JobSchedule))
    rows = await session.scalars(
        select(JobSchedule)
        .order_by(JobSchedule.id)
        .offset(pagination.offset)
        .limit(pagination.per_page)
    )
    return rows.all(), int(total or 0)


async def read(session: AsyncSession, schedules: Sequence[JobSchedule]) -> list[ScheduleRead]:
    """With each schedule's last run and its result."""
    ids = [s.last_job_id for s in schedules if s.last_job_id]
    jobs = (
        {job.id: job for job in await session.scalars(select(Job).where(Job.id.in_(ids)))}
        if ids
        else {}
    )
    return [
        ScheduleRead(
            id=s.id,
            name=s.name,
            kind=kind_of(s.job_type),
            cron=s.cron,
            params=s.params,
            guards=GuardRules.model_validate(s.guards) if s.guards else None,
            enabled=s.enabled,
            next_run_at=as_utc(s.next_run_at) if s.next_run_at else None,
            last_run_at=as_utc(s.last_run_at) if s.last_run_at else None,
            skipped_runs=s.skipped_runs,
            last_job=(JobSummary.from_job(jobs[s.last_job_id]) if s.last_job_id in jobs else None),
        )
        for s in schedules
    ]
