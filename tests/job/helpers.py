"""Shared pieces for job tests: a fast runner on the test app, and waiting for job states."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.job import RunnerConfig
from product_dashboard.models import Job, JobState
from tests.fixtures.waiting import wait_until

FAST = RunnerConfig(
    max_concurrency=4,
    poll_interval=0.05,
    progress_interval=0.02,
    heartbeat_interval=0.1,
    stale_after=1.0,
    shutdown_grace=2.0,
)


async def load_job(sessionmaker: async_sessionmaker[AsyncSession], job_id: str) -> Job:
    async with sessionmaker() as session:
        job = await session.get(Job, job_id)
        assert job is not None, job_id
        return job


async def wait_for_state(
    sessionmaker: async_sessionmaker[AsyncSession], job_id: str, *states: JobState
) -> Job:
    found: list[Job] = []

    async def reached() -> bool:
        job = await load_job(sessionmaker, job_id)
        found[:] = [job]
        return job.state in states

    await wait_until(reached, f"job {job_id} to reach {[s.value for s in states]}")
    return found[0]
