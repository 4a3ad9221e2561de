"""Exclusive groups: jobs of types sharing a group never run at the same time (a push and a pull
of one store), whether the running one was claimed here or left by a process that died."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.job import JobContext, JobRunner
from product_dashboard.job import service as job_service
from product_dashboard.job.repository import JobRepository
from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.models import Job, JobState
from tests.job.helpers import FAST, load_job, wait_for_state

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]


class Held:
    """A handler that runs until released, recording when it started."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, ctx: JobContext) -> dict[str, Any]:
        self.started.set()
        await self.release.wait()
        return {"ran": ctx.type}


async def test_a_job_waits_while_one_of_its_group_runs(
    runner: JobRunner,
    sessionmaker: Sessions,
    client: httpx.AsyncClient,
    viewer_headers: dict[str, str],
) -> None:
    push, pull = Held(), Held()
    runner.register("store.push", push, exclusive="store")
    runner.register("store.pull", pull, exclusive="store")
    first = await runner.submit("store.push")
    await asyncio.wait_for(push.started.wait(), 20)
    second = await runner.submit("store.pull")
    await runner._claim_available()  # a pass of the runner's loop, deterministically
    assert (await load_job(sessionmaker, second)).state == JobState.queued
    assert not pull.started.is_set()
    # The API says what it waits for; the running one waits for nothing.
    waiting = (await client.get(f"/api/jobs/{second}", headers=viewer_headers)).json()
    assert waiting["waiting_for"] == {"id": first, "type": "store.push", "state": "running"}
    listed = (await client.get("/api/jobs", headers=viewer_headers)).json()["items"]
    assert {job["id"]: job["waiting_for"] for job in listed} == {
        first: None,
        second: {"id": first, "type": "store.push", "state": "running"},
    }

    push.release.set()
    pull.release.set()
    done_first = await wait_for_state(sessionmaker, first, JobState.completed)
    done_second = await wait_for_state(sessionmaker, second, JobState.completed)
    assert done_first.finished_at is not None and done_second.started_at is not None
    assert as_utc(done_second.started_at) >= as_utc(done_first.finished_at)


async def test_a_claim_starts_no_earlier_than_its_group_last_ended(sessionmaker: Sessions) -> None:
    """The runner reads the clock before its claim, which can wait for the writer while the
    group's last job records its end: the start must still come after that end."""
    async with sessionmaker() as session, session.begin():
        push = (await job_service.create(session, "store.push")).id
        pull = (await job_service.create(session, "store.pull")).id
    lease = utcnow()
    ended = lease + timedelta(milliseconds=14)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Job)
            .where(Job.id == push)
            .values(state=JobState.completed.value, started_at=lease, finished_at=ended)
        )
    async with sessionmaker() as session, session.begin():
        claimed = await JobRepository(session).claim(
            pull, lease, unless_active=["store.push", "store.pull"]
        )
    assert claimed is not None
    job = await load_job(sessionmaker, pull)
    assert job.state == JobState.running
    assert job.started_at is not None and as_utc(job.started_at) == as_utc(ended)
    assert as_utc(job.heartbeat_at) == as_utc(lease)  # the lease itself is what the caller holds


async def test_a_job_left_running_by_a_dead_process_goes_first_on_restart(
    app: FastAPI, sessionmaker: Sessions
) -> None:
    async with sessionmaker() as session, session.begin():
        orphan = (await job_service.create(session, "store.push")).id
        newer = (await job_service.create(session, "store.pull")).id
        await session.execute(
            update(Job)
            .where(Job.id == orphan)
            .values(state=JobState.running.value, heartbeat_at=utcnow() - timedelta(seconds=10))
        )
    push, pull = Held(), Held()
    runner = JobRunner(config=replace(FAST, stale_after=60.0))
    runner.register("store.push", push, exclusive="store")
    runner.register("store.pull", pull, exclusive="store")
    await runner.start(sessionmaker)
    try:
        # The dead process's push is not stale yet: it still holds the store.
        await runner._claim_available()
        assert (await load_job(sessionmaker, newer)).state == JobState.queued
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Job)
                .where(Job.id == orphan)
                .values(heartbeat_at=utcnow() - timedelta(seconds=120))
            )
        await runner.recover_orphans()  # the loop's own sweep may have beaten us to it
        await asyncio.wait_for(push.started.wait(), 20)  # resumed first: it is the older
        await runner._claim_available()
        assert (await load_job(sessionmaker, newer)).state == JobState.queued
        assert not pull.started.is_set()
        push.release.set()
        pull.release.set()
        await wait_for_state(sessionmaker, newer, JobState.completed)
    finally:
        await runner.close()


async def test_a_newer_job_does_not_overtake_an_orphan_released_while_it_was_claimed(
    sessionmaker: Sessions,
) -> None:
    """The runner reads the queue while the dead process's push still runs, so its list holds
    only the newer pull; the push is released before the pull is claimed. The push goes first."""
    async with sessionmaker() as session, session.begin():
        orphan = (await job_service.create(session, "store.push")).id
        newer = (await job_service.create(session, "store.pull")).id
        stale = utcnow() - timedelta(seconds=120)
        await session.execute(
            update(Job)
            .where(Job.id == orphan)
            .values(state=JobState.running.value, heartbeat_at=stale)
        )
    group = ("store.pull", "store.push")
    async with sessionmaker() as session:
        listed = await JobRepository(session).queued(group, limit=10)
    assert [job_id for job_id, _ in listed] == [newer]
    async with sessionmaker() as session, session.begin():
        assert await JobRepository(session).release_stale(orphan, stale, JobState.queued)
    async with sessionmaker() as session:
        assert await _claim(session, newer, group) is None
    async with sessionmaker() as session:
        assert await _claim(session, orphan, group) is not None
    assert (await load_job(sessionmaker, newer)).state == JobState.queued


async def test_two_processes_claiming_one_group_at_once_start_only_one(
    sessionmaker: Sessions,
) -> None:
    async with sessionmaker() as session, session.begin():
        push = (await job_service.create(session, "store.push")).id
        pull = (await job_service.create(session, "store.pull")).id
    group = ("store.pull", "store.push")
    first, second = sessionmaker(), sessionmaker()
    try:
        # The first process's claim is made but not yet committed when the second one claims.
        await first.begin()
        taken = await JobRepository(first).claim(push, utcnow(), unless_active=group)
        assert taken is not None
        racing = asyncio.create_task(_claim(second, pull, group))
        await asyncio.sleep(0.3)  # the second claim is under way (on PostgreSQL: waiting)
        await first.commit()
        assert await racing is None
    finally:
        await first.close()
        await second.close()
    assert (await load_job(sessionmaker, pull)).state == JobState.queued


async def _claim(session: AsyncSession, job_id: str, group: tuple[str, ...]) -> Job | None:
    async with session.begin():
        return await JobRepository(session).claim(job_id, utcnow(), unless_active=group)


async def test_jobs_waiting_for_their_group_do_not_hold_back_a_job_free_to_run(
    runner: JobRunner, sessionmaker: Sessions
) -> None:
    push, pull, export = Held(), Held(), Held()
    runner.register("store.push", push, exclusive="store")
    runner.register("store.pull", pull, exclusive="store")
    runner.register("catalog.export", export)
    first = await runner.submit("store.push")
    await asyncio.wait_for(push.started.wait(), 20)
    # More waiting pulls than the runner looks at in one pass (free slots x 4).
    waiting = [await runner.submit("store.pull") for _ in range(4 * FAST.max_concurrency)]
    free = await runner.submit("catalog.export")
    await runner._claim_available()  # a pass of the runner's loop, deterministically
    await asyncio.wait_for(export.started.wait(), 20)
    assert (await load_job(sessionmaker, waiting[0])).state == JobState.queued

    for held in (push, pull, export):
        held.release.set()
    for job_id in (first, free, *waiting):
        await wait_for_state(sessionmaker, job_id, JobState.completed)
