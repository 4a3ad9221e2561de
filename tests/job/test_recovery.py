"""Crash recovery: a process killed mid-job, orphans taken back by heartbeat age, lease fencing."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.job import JobContext, JobRunner
from product_dashboard.job import service as job_service
from product_dashboard.job.owner import LeaseOwner, this_process
from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.models import Job, JobState
from tests.fixtures.waiting import wait_until
from tests.job.helpers import FAST, load_job, wait_for_state

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]
ITEMS = 2000

# The doomed process: a bare runner (no web app) working slowly through ITEMS items.
CHILD = """
import asyncio, sys
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.job import JobRunner, RunnerConfig

async def count(ctx):
    for item in range((ctx.checkpoint or {}).get("next", 0), ctx.params["items"]):
        await asyncio.sleep(0.01)
        await ctx.advance(done=1, checkpoint={"next": item + 1})
    return {"finished_by": "child"}

async def main(url):
    config = RunnerConfig(poll_interval=0.05, progress_interval=0.02, heartbeat_interval=0.1)
    runner = JobRunner(config=config)
    runner.register("crash.count", count)
    await runner.start(create_sessionmaker(create_engine(url)))
    await asyncio.Event().wait()

asyncio.run(main(sys.argv[1]))
"""


async def _create(sessionmaker: Sessions, type: str, params: dict[str, Any] | None = None) -> str:
    async with sessionmaker() as session, session.begin():
        return (await job_service.create(session, type, params)).id


@pytest.mark.slow  # real processes, killed and restarted in real time
async def test_job_killed_with_sigkill_resumes_from_its_checkpoint(
    app: FastAPI, sessionmaker: Sessions, settings: Settings
) -> None:
    job_id = await _create(sessionmaker, "crash.count", {"items": ITEMS})
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        settings.database_url,
        cwd=Path(__file__).parents[2],
        stderr=asyncio.subprocess.PIPE,
    )
    try:

        async def child_made_progress() -> bool:
            if child.returncode is not None:
                _, err = await child.communicate()
                raise AssertionError(f"child died early: {err.decode()}")
            job = await load_job(sessionmaker, job_id)
            return job.state == JobState.running and (job.checkpoint or {}).get("next", 0) >= 20

        await wait_until(child_made_progress, "the child process to get going")
    finally:
        if child.returncode is None:
            os.kill(child.pid, signal.SIGKILL)
        await child.communicate()
    assert child.returncode == -signal.SIGKILL

    orphan = await load_job(sessionmaker, job_id)
    assert orphan.state == JobState.running  # nobody told the database it died
    assert orphan.checkpoint is not None
    left_at = orphan.checkpoint["next"]
    assert 20 <= left_at < ITEMS
    assert orphan.done == left_at  # counters and checkpoint are written together

    seen: list[dict[str, Any] | None] = []

    async def count(ctx: JobContext) -> dict[str, Any]:
        seen.append(ctx.checkpoint)
        for item in range((ctx.checkpoint or {}).get("next", 0), ctx.params["items"]):
            await ctx.advance(done=1, checkpoint={"next": item + 1})
        return {"finished_by": "successor"}

    successor = JobRunner(config=replace(FAST, stale_after=2.0))
    successor.register("crash.count", count)
    await successor.start(sessionmaker)
    try:
        done = await wait_for_state(sessionmaker, job_id, JobState.completed)
    finally:
        await successor.close()
    assert seen == [{"next": left_at}]
    assert done.done == ITEMS and done.checkpoint == {"next": ITEMS}
    assert done.report == {"finished_by": "successor"}


async def _set_heartbeat(
    sessionmaker: Sessions, job_id: str, state: JobState, age: float
) -> datetime:
    heartbeat = utcnow() - timedelta(seconds=age)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Job).where(Job.id == job_id).values(state=state.value, heartbeat_at=heartbeat)
        )
    return heartbeat


async def test_only_stale_jobs_are_taken_back_and_stopping_ones_end_stopped(
    app: FastAPI, sessionmaker: Sessions
) -> None:
    fresh = await _create(sessionmaker, "orphan.kind")
    stale_running = await _create(sessionmaker, "orphan.kind")
    stale_stopping = await _create(sessionmaker, "orphan.kind")
    await _set_heartbeat(sessionmaker, fresh, JobState.running, age=0.0)
    await _set_heartbeat(sessionmaker, stale_running, JobState.running, age=60.0)
    await _set_heartbeat(sessionmaker, stale_stopping, JobState.stopping, age=60.0)

    runner = JobRunner(config=replace(FAST, stale_after=30.0))
    await runner.start(sessionmaker)
    try:
        await runner.recover_orphans()  # the loop's own start-up sweep may have beaten us to it
    finally:
        await runner.close()
    assert (await load_job(sessionmaker, fresh)).state == JobState.running  # someone alive has it
    assert (await load_job(sessionmaker, stale_running)).state == JobState.queued
    stopped = await load_job(sessionmaker, stale_stopping)
    assert stopped.state == JobState.stopped and stopped.finished_at is not None


async def test_runner_that_loses_its_lease_abandons_the_job_without_writing(
    app: FastAPI, sessionmaker: Sessions
) -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def handler(ctx: JobContext) -> None:
        started.set()
        try:
            while True:
                await ctx.advance(done=1)
                await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    # Not so eager to take orphans back that the runner reclaims the job from its slow "thief".
    runner = JobRunner(config=replace(FAST, stale_after=60.0))
    runner.register("lease.lost", handler)
    await runner.start(sessionmaker)
    try:
        job_id = await runner.submit("lease.lost")
        await asyncio.wait_for(started.wait(), 20)
        # Another process decided we were dead and took the job over.
        thief = await _set_heartbeat(sessionmaker, job_id, JobState.running, age=0.0)
        await asyncio.wait_for(cancelled.wait(), 20)
        await wait_until(lambda: _idle(runner), "the runner to let go of the job")
        done_when_taken = (await load_job(sessionmaker, job_id)).done
    finally:
        await runner.close()
    job = await load_job(sessionmaker, job_id)
    assert job.state == JobState.running and as_utc(job.heartbeat_at or thief) == thief
    assert job.done == done_when_taken


async def _idle(runner: JobRunner) -> bool:
    return not runner.running_ids


async def test_a_job_whose_holder_on_this_machine_is_gone_is_taken_back_at_once(
    app: FastAPI, sessionmaker: Sessions
) -> None:
    """No waiting for the heartbeat to age when the holder was a process here that is gone: a
    dashboard killed and restarted resumes its jobs on start-up. A live holder, or one on
    another machine (only its heartbeat can tell), keeps its job."""
    me = this_process()
    alive = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; sys.stdin.read()", stdin=asyncio.subprocess.PIPE
    )
    dead = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; sys.stdin.read()", stdin=asyncio.subprocess.PIPE
    )
    try:
        holders = {
            "killed": LeaseOwner(me.host, dead.pid, psutil.Process(dead.pid).create_time()),
            "alive": LeaseOwner(me.host, alive.pid, psutil.Process(alive.pid).create_time()),
            "pid reused": LeaseOwner(me.host, alive.pid, me.started - 1000),
            "elsewhere": LeaseOwner("another-host", dead.pid, 1.0),
        }
        dead.kill()
        await dead.wait()
        jobs = {}
        for name, holder in holders.items():
            jobs[name] = job_id = await _create(sessionmaker, "orphan.kind")
            await _set_heartbeat(sessionmaker, job_id, JobState.running, age=0.0)
            async with sessionmaker() as session, session.begin():
                await session.execute(
                    update(Job).where(Job.id == job_id).values(lease_owner=str(holder))
                )

        runner = JobRunner(config=replace(FAST, stale_after=3600.0))
        await runner.start(sessionmaker)
        try:
            await runner.recover_orphans()  # the loop's start-up sweep may have beaten us to it
        finally:
            await runner.close()
        states = {name: (await load_job(sessionmaker, job)).state for name, job in jobs.items()}
        assert states == {
            "killed": JobState.queued,
            "alive": JobState.running,
            "pid reused": JobState.queued,
            "elsewhere": JobState.running,
        }
    finally:
        alive.kill()
        await alive.wait()


def test_a_lease_owner_reads_back_what_it_wrote() -> None:
    owner = LeaseOwner("shop-1.example", 4242, 1765000000.25)
    assert LeaseOwner.parse(str(owner)) == owner
    assert LeaseOwner.parse("") is None and LeaseOwner.parse("no-pid-here") is None
