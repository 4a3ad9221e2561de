"""Queue the runs of schedules that are due: every process may look, exactly one queues a run.

A run is claimed with a compare-and-set on the schedule's `next_run_at` (in the transaction that
queues the job), so two processes, or one restarted, never queue the same occurrence twice. A
schedule whose previous run is still queued, running or held is skipped for that occurrence and
counted (`skipped_runs`): one run of a schedule at a time. Occurrences missed while the app was
down are run once, not once each.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.job import JobRunner
from product_dashboard.kit.log_fields import log_fields
from product_dashboard.kit.periodic import Periodic
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Job, JobSchedule, JobState
from product_dashboard.safety.guards import GuardRules
from product_dashboard.schedule.cron import next_run
from product_dashboard.schedule.kinds import job_params, kind_of

logger = logging.getLogger(__name__)


async def run_due(
    sessionmaker: async_sessionmaker[AsyncSession], runner: JobRunner, now: datetime | None = None
) -> list[str]:
    """Queue a run of every schedule due at `now`; the ids of the jobs queued."""
    now = now or utcnow()
    async with sessionmaker() as session:
        due = list(
            await session.execute(
                select(JobSchedule.id, JobSchedule.next_run_at).where(
                    JobSchedule.enabled.is_(True), JobSchedule.next_run_at <= now
                )
            )
        )
    queued: list[str] = []
    for schedule_id, planned in due:
        assert planned is not None  # selected by `next_run_at <= now`
        try:
            async with sessionmaker() as session, session.begin():
                job_id = await _run_one(session, runner, schedule_id, planned, now)
        except Exception:
            logger.exception(
                "schedule %s could not queue its run",
                schedule_id,
                extra=log_fields(schedule=schedule_id),
            )
            continue
        if job_id is not None:
            queued.append(job_id)
    return queued


async def _run_one(
    session: AsyncSession, runner: JobRunner, schedule_id: int, planned: datetime, now: datetime
) -> str | None:
    schedule = await session.get(JobSchedule, schedule_id)
    if schedule is None or not schedule.enabled:
        return None
    following = next_run(schedule.cron, now)
    if await _previous_still_live(session, schedule.last_job_id):
        await _claim(
            session,
            schedule_id,
            planned,
            next_run_at=following,
            skipped_runs=schedule.skipped_runs + 1,
        )
        logger.info("schedule %s skipped a run: its previous one is not done", schedule_id)
        return None
    guards = GuardRules.model_validate(schedule.guards) if schedule.guards else None
    params = job_params(kind_of(schedule.job_type), schedule.params, guards)
    job_id = await runner.submit(
        schedule.job_type, params, created_by_id=schedule.created_by_id, session=session
    )
    if not await _claim(
        session, schedule_id, planned, next_run_at=following, last_job_id=job_id, last_run_at=now
    ):
        # Another process claimed this occurrence first: our job row goes with the rollback.
        await session.rollback()
        return None
    return job_id


async def _claim(
    session: AsyncSession, schedule_id: int, planned: datetime, **values: object
) -> bool:
    result = await session.execute(
        update(JobSchedule)
        .where(JobSchedule.id == schedule_id, JobSchedule.next_run_at == planned)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def _previous_still_live(session: AsyncSession, job_id: str | None) -> bool:
    if job_id is None:
        return False
    state = await session.scalar(select(Job.state).where(Job.id == job_id))
    return state is not None and not JobState(state).is_final


class Scheduler(Periodic):
    """Looks for due schedules every `interval` seconds (the first time a second after start)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        runner: JobRunner,
        interval: float,
    ) -> None:
        super().__init__(
            "schedules", lambda: run_due(sessionmaker, runner), interval, first_delay=1.0
        )
