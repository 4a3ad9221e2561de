from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.eventstream.bus import JOBS
from product_dashboard.job import JobContext, JobHeld, JobRunner
from product_dashboard.job import service as job_service
from product_dashboard.kit.time import as_utc
from product_dashboard.models import Job, JobState
from tests.job.helpers import wait_for_state

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]


async def _insert(sessionmaker: Sessions, type: str, state: JobState = JobState.queued) -> str:
    """A job row for a type no runner handles, so it stays exactly as written."""
    async with sessionmaker() as session, session.begin():
        job = await job_service.create(session, type, {"n": 1})
        job.state = state.value
        return job.id


async def test_list_filters_and_paginates(
    client: httpx.AsyncClient, sessionmaker: Sessions, viewer_headers: dict[str, str]
) -> None:
    export_ids = [await _insert(sessionmaker, "list.export") for _ in range(5)]
    await _insert(sessionmaker, "list.export", JobState.failed)
    await _insert(sessionmaker, "list.icons")

    everything = await client.get("/api/jobs", headers=viewer_headers)
    assert everything.status_code == 200, everything.text
    assert everything.json()["total"] == 7

    page = await client.get(
        "/api/jobs",
        params={"type": "list.export", "state": "queued", "page": 2, "per_page": 2},
        headers=viewer_headers,
    )
    body = page.json()
    assert (body["total"], body["page"], body["per_page"]) == (5, 2, 2)
    newest_first = list(reversed(export_ids))
    assert [item["id"] for item in body["items"]] == newest_first[2:4]
    assert all(item["state"] == "queued" for item in body["items"])

    last = await client.get(
        "/api/jobs",
        params={"type": "list.export", "page": 3, "per_page": 3},
        headers=viewer_headers,
    )
    assert last.json()["total"] == 6 and last.json()["items"] == []


@pytest.mark.parametrize(
    "params", [{"per_page": 201}, {"per_page": 0}, {"page": 0}, {"state": "exploded"}]
)
async def test_list_rejects_bad_query_with_envelope(
    client: httpx.AsyncClient, viewer_headers: dict[str, str], params: dict[str, Any]
) -> None:
    response = await client.get("/api/jobs", params=params, headers=viewer_headers)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


async def test_jobs_need_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/jobs")).status_code == 401


async def test_get_job_shape_and_unknown_id_is_404_envelope(
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: Sessions,
    viewer_headers: dict[str, str],
) -> None:
    async def handler(ctx: JobContext) -> dict[str, Any]:
        await ctx.progress(total=8, done=6, failed=1, skipped=1)
        return {"ok": True}

    runner.register("get.shape", handler)
    job_id = await runner.submit("get.shape", {"ids": [1]})
    await wait_for_state(sessionmaker, job_id, JobState.completed)
    response = await client.get(f"/api/jobs/{job_id}", headers=viewer_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == job_id and body["type"] == "get.shape" and body["state"] == "completed"
    assert body["progress"] == {"total": 8, "done": 6, "failed": 1, "skipped": 1}
    assert body["percent"] == 100.0 and body["eta_seconds"] is None
    assert body["params"] == {"ids": [1]} and body["report"] == {"ok": True}
    for key in ("created_at", "started_at", "finished_at", "heartbeat_at"):
        assert body[key] is not None, key
    assert body["error"] is None

    missing = await client.get("/api/jobs/" + "0" * 32, headers=viewer_headers)
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


async def test_running_job_reports_percent_and_eta(
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: Sessions,
    viewer_headers: dict[str, str],
) -> None:
    release = asyncio.Event()

    async def handler(ctx: JobContext) -> None:
        await ctx.progress(total=10)
        await asyncio.sleep(0.05)
        await ctx.advance(done=4)
        await ctx.flush()
        await release.wait()

    runner.register("get.eta", handler)
    job_id = await runner.submit("get.eta")
    try:
        await wait_for_state(sessionmaker, job_id, JobState.running)
        body: dict[str, Any] = {}
        for _ in range(500):
            body = (await client.get(f"/api/jobs/{job_id}", headers=viewer_headers)).json()
            if body["progress"]["done"] == 4:
                break
            await asyncio.sleep(0.02)
        assert body["percent"] == 40.0
        assert body["eta_seconds"] is not None and body["eta_seconds"] > 0
    finally:
        release.set()
    await wait_for_state(sessionmaker, job_id, JobState.completed)


async def test_cancel_api_roles_states_and_conflict(
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: Sessions,
    editor_headers: dict[str, str],
    viewer_headers: dict[str, str],
) -> None:
    async def handler(ctx: JobContext) -> None:
        while not ctx.should_stop:
            await ctx.wait_for_stop(5)

    runner.register("cancel.me", handler)
    job_id = await runner.submit("cancel.me")
    await wait_for_state(sessionmaker, job_id, JobState.running)

    denied = await client.post(f"/api/jobs/{job_id}/cancel", headers=viewer_headers)
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"

    cancelled = await client.post(f"/api/jobs/{job_id}/cancel", headers=editor_headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] in ("stopping", "stopped")
    await wait_for_state(sessionmaker, job_id, JobState.stopped)

    again = await client.post(f"/api/jobs/{job_id}/cancel", headers=editor_headers)
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    unknown = await client.post("/api/jobs/nope/cancel", headers=editor_headers)
    assert unknown.status_code == 404


async def test_resume_api_requeues_stopped_and_refuses_running(
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: Sessions,
    editor_headers: dict[str, str],
    viewer_headers: dict[str, str],
) -> None:
    stopped_id = await _insert(sessionmaker, "resume.unhandled", JobState.stopped)
    queued_id = await _insert(sessionmaker, "resume.unhandled", JobState.queued)

    assert (
        await client.post(f"/api/jobs/{stopped_id}/resume", headers=viewer_headers)
    ).status_code == 403
    resumed = await client.post(f"/api/jobs/{stopped_id}/resume", headers=editor_headers)
    assert resumed.status_code == 200 and resumed.json()["state"] == "queued"
    refused = await client.post(f"/api/jobs/{queued_id}/resume", headers=editor_headers)
    assert refused.status_code == 409


async def test_cancel_a_job_running_in_another_runner_reaches_it_through_the_database(
    client: httpx.AsyncClient, sessionmaker: Sessions, editor_headers: dict[str, str]
) -> None:
    from dataclasses import replace

    from tests.job.helpers import FAST

    elsewhere = JobRunner(config=replace(FAST))  # like a worker process: not the app's runner
    observed: list[bool] = []

    async def handler(ctx: JobContext) -> None:
        observed.append(await ctx.wait_for_stop(30))

    elsewhere.register("remote.stop", handler)
    await elsewhere.start(sessionmaker)
    try:
        job_id = await elsewhere.submit("remote.stop")
        await wait_for_state(sessionmaker, job_id, JobState.running)
        response = await client.post(f"/api/jobs/{job_id}/cancel", headers=editor_headers)
        assert response.json()["state"] == "stopping"
        job: Job = await wait_for_state(sessionmaker, job_id, JobState.stopped)
    finally:
        await elsewhere.close()
    assert observed == [True]
    assert job.finished_at is not None


async def test_every_event_and_answer_says_when_the_job_was_last_written(
    runner: JobRunner,
    sessionmaker: Sessions,
    client: httpx.AsyncClient,
    viewer_headers: dict[str, str],
    app: FastAPI,
) -> None:
    """Answers and live events about a job race; a page orders them by `updated_at`, so each
    carries the row's: later writes later, and a hold's event as late as the row it wrote (the
    runner's in-memory copy once kept the claim's time, older than its own progress writes)."""
    events = app.state.event_bus.subscribe([JOBS], maxsize=10_000)
    progressed = asyncio.Event()

    async def handler(ctx: JobContext) -> dict[str, Any]:
        await ctx.progress(total=2, done=1)
        await ctx.flush()
        progressed.set()
        raise JobHeld("held for the test")

    runner.register("test.held", handler)
    job_id = await runner.submit("test.held")
    held = await wait_for_state(sessionmaker, job_id, JobState.awaiting_approval)
    answer = (await client.get(f"/api/jobs/{job_id}", headers=viewer_headers)).json()
    stamps: dict[str, list[datetime]] = {}
    while (event := events.get_nowait()) is not None:
        if event.data["id"] == job_id:
            stamps.setdefault(event.type, []).append(
                datetime.fromisoformat(event.data["updated_at"])
            )
    assert progressed.is_set()
    order = [*stamps["job.queued"], *stamps["job.started"], *stamps["job.progress"]]
    assert order == sorted(order)
    assert (
        stamps["job.started"][0] < stamps["job.progress"][-1] < stamps["job.awaiting_approval"][0]
    )
    assert stamps["job.awaiting_approval"] == [as_utc(held.updated_at)]
    assert datetime.fromisoformat(answer["updated_at"]) == as_utc(held.updated_at)
