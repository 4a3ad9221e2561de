"""Schedules: the API, runs queued once per occurrence across restarts and processes, and never
a second run while the previous one is not done."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.job import JobContext, JobRunner
from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.models import Job, JobSchedule, JobState
from product_dashboard.schedule.scheduled import run_due

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def _never_runs(ctx: JobContext) -> None:
    raise AssertionError("the runner is not started in these tests")


def fresh_runner() -> JobRunner:
    """A process's runner: handlers registered, never started (runs stay queued)."""
    runner = JobRunner()
    for type in ("sync.pull", "sync.push", "product.export", "conflicts.detect"):
        runner.register(type, _never_runs)
    return runner


@pytest.fixture
async def quiet_app(app: FastAPI) -> AsyncIterator[FastAPI]:
    """The app without its runner and scheduler, so queued runs stay queued."""
    await app.state.scheduler.close()
    await app.state.job_runner.close()
    yield app


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], **body: object
) -> dict[str, Any]:
    response = await client.post("/api/schedules", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def make_due(sessionmaker: async_sessionmaker[AsyncSession], schedule_id: int) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(JobSchedule)
            .where(JobSchedule.id == schedule_id)
            .values(next_run_at=utcnow() - timedelta(minutes=1))
        )


async def jobs_of(sessionmaker: async_sessionmaker[AsyncSession], type: str) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).where(Job.type == type)) or 0)


async def test_the_api_keeps_schedules_with_their_next_run_and_refuses_bad_ones(
    quiet_app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    viewer_headers: dict[str, str],
) -> None:
    body = await create(
        client,
        editor_headers,
        name="Nightly push",
        kind="push",
        cron="0 3 * * *",
        params={"mode": "bulk"},
        guards={"block_deletions": True},
    )
    next_run = as_utc(datetime.fromisoformat(body["next_run_at"]))
    assert next_run > utcnow() and (next_run.hour, next_run.minute) == (3, 0)
    assert body["guards"]["block_deletions"] is True and body["last_job"] is None
    listed = await client.get("/api/schedules", headers=viewer_headers)
    assert [s["name"] for s in listed.json()["items"]] == ["Nightly push"]

    bad_cron = await client.post(
        "/api/schedules",
        json={"name": "x", "kind": "pull", "cron": "61 * * * *"},
        headers=editor_headers,
    )
    assert bad_cron.status_code == 422
    bad_params = await client.post(
        "/api/schedules",
        json={"name": "x", "kind": "export", "cron": "0 * * * *", "params": {"format": "pdf"}},
        headers=editor_headers,
    )
    assert bad_params.status_code == 422
    viewer = await client.post(
        "/api/schedules",
        json={"name": "x", "kind": "pull", "cron": "0 * * * *"},
        headers=viewer_headers,
    )
    assert viewer.status_code == 403
    paused = await client.put(
        f"/api/schedules/{body['id']}", json={"enabled": False}, headers=editor_headers
    )
    assert paused.json()["next_run_at"] is None


async def test_a_schedule_survives_a_restart_without_running_twice(
    quiet_app: FastAPI,
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    editor_headers: dict[str, str],
) -> None:
    schedule = await create(
        client, editor_headers, name="Detect", kind="detect", cron="*/5 * * * *"
    )
    await make_due(sessionmaker, schedule["id"])

    # Two processes look at once: one queues the run.
    queued = await asyncio.gather(
        run_due(sessionmaker, fresh_runner()), run_due(sessionmaker, fresh_runner())
    )
    assert sorted(len(ids) for ids in queued) == [0, 1]
    # A restart (a new runner, the same database) finds nothing due: the occurrence is taken.
    assert await run_due(sessionmaker, fresh_runner()) == []
    assert await jobs_of(sessionmaker, "conflicts.detect") == 1

    shown = (await client.get(f"/api/schedules/{schedule['id']}", headers=editor_headers)).json()
    assert shown["last_job"]["id"] == next(ids for ids in queued if ids)[0]
    assert shown["last_job"]["state"] == "queued"
    assert as_utc(datetime.fromisoformat(shown["next_run_at"])) > utcnow()

    # Due again while that run is still queued: skipped, never a second run at once.
    await make_due(sessionmaker, schedule["id"])
    assert await run_due(sessionmaker, fresh_runner()) == []
    assert await jobs_of(sessionmaker, "conflicts.detect") == 1
    async with sessionmaker() as session:
        row = await session.get(JobSchedule, schedule["id"])
        assert row is not None and row.skipped_runs == 1

    # Once it is done, the next occurrence runs.
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Job).where(Job.type == "conflicts.detect").values(state=JobState.completed.value)
        )
    await make_due(sessionmaker, schedule["id"])
    assert len(await run_due(sessionmaker, fresh_runner())) == 1


async def test_a_push_schedule_runs_with_its_own_guard_rules(
    quiet_app: FastAPI,
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    editor_headers: dict[str, str],
) -> None:
    schedule = await create(
        client,
        editor_headers,
        name="Push",
        kind="push",
        cron="*/10 * * * *",
        guards={"zero_stock_variants": 10},
    )
    await make_due(sessionmaker, schedule["id"])
    [job_id] = await run_due(sessionmaker, fresh_runner())
    async with sessionmaker() as session:
        job = await session.get(Job, job_id)
        assert job is not None
    assert job.params["guards"]["zero_stock_variants"] == 10
