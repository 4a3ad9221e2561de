"""Typed jobs: params, checkpoint and report as models, stored as the JSON the runner keeps."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.job import JobRunner, service
from product_dashboard.job.typed import JobModel, JobType, TypedJob
from product_dashboard.models import JobState
from tests.job.helpers import wait_for_state

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]


class CountParams(JobModel):
    upto: int
    label: str | None = None


class CountCheckpoint(JobModel):
    next: int = 0


class CountReport(JobModel):
    counted: list[int] = Field(default_factory=list)
    note: str | None = None


COUNT_JOB = JobType("test.count", CountParams, CountCheckpoint, CountReport)
CountJob = TypedJob[CountParams, CountCheckpoint, CountReport]


def counter(gate: asyncio.Event | None = None, fail_at: int | None = None):  # type: ignore[no-untyped-def]
    async def count(job: CountJob) -> CountReport:
        start = job.checkpoint.next if job.checkpoint is not None else 0
        report = job.report = job.report or CountReport()
        await job.progress(total=job.params.upto)
        for n in range(start, job.params.upto):
            if n == fail_at:
                raise RuntimeError(f"stuck at {n}")
            report.counted.append(n)
            await job.advance(done=1, checkpoint=CountCheckpoint(next=n + 1))
            if gate is not None and n == 1:
                await gate.wait()
        return report

    return count


async def test_params_checkpoint_and_report_are_stored_as_their_json(
    runner: JobRunner, sessionmaker: Sessions
) -> None:
    COUNT_JOB.register(runner, counter())
    job_id = await COUNT_JOB.submit(runner, CountParams(upto=3))
    job = await wait_for_state(sessionmaker, job_id, JobState.completed)
    assert job.params == {"upto": 3}  # only what the caller gave: no defaults added
    assert job.checkpoint == {"next": 3}
    assert job.report == {"counted": [0, 1, 2]}
    assert COUNT_JOB.report_of(job) == CountReport(counted=[0, 1, 2])
    assert COUNT_JOB.params_of(job).label is None


async def test_a_failed_typed_job_keeps_its_report_so_far(
    runner: JobRunner, sessionmaker: Sessions
) -> None:
    COUNT_JOB.register(runner, counter(fail_at=2))
    job_id = await COUNT_JOB.submit(runner, CountParams(upto=5, label="x"))
    job = await wait_for_state(sessionmaker, job_id, JobState.failed)
    assert job.error == "RuntimeError: stuck at 2"
    assert job.report == {"counted": [0, 1]}
    assert job.params == {"upto": 5, "label": "x"}


async def test_a_job_stored_in_the_untyped_shape_resumes(
    runner: JobRunner, sessionmaker: Sessions
) -> None:
    COUNT_JOB.register(runner, counter())
    async with sessionmaker() as session, session.begin():
        job = await service.create(session, COUNT_JOB.name, {"upto": 4, "unknown": True})
        job.state = JobState.stopped.value
        job.checkpoint = {"next": 2}
        job.report = {"counted": [0, 1], "note": "first run"}
        job_id = job.id
    await runner.resume(job_id)
    done = await wait_for_state(sessionmaker, job_id, JobState.completed)
    assert done.report == {"counted": [0, 1, 2, 3], "note": "first run"}
    assert done.done == 2
