"""The sync API over the app: start, status, stop/resume, bulk runs, performance, batch push."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.job import JobRunner
from product_dashboard.job import service as job_service
from product_dashboard.kit.time import utcnow
from product_dashboard.models import JobState
from tests.fixtures.waiting import wait_until
from tests.job.helpers import wait_for_state
from tests.sync.conftest import Emulator, local_products, seed

pytestmark = pytest.mark.integration


async def _status(client: httpx.AsyncClient, headers: dict[str, str], job_id: str) -> Any:
    response = await client.get(
        "/api/sync/parallel/status", params={"job_id": job_id}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_start_runs_a_push_job_and_reports_status_and_performance(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    await seed(app, 15)
    response = await client.post(
        "/api/sync/parallel/start", json={"mode": "batch"}, headers=editor_headers
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    await wait_for_state(sessionmaker, job_id, JobState.completed)

    status = await _status(client, editor_headers, job_id)
    assert status["state"] == "completed" and status["mode"] == "batch"
    assert status["progress"] == {"total": 15, "done": 15, "failed": 0, "skipped": 0}
    assert status["metrics"]["api_calls"] >= 1 and status["metrics"]["cost_points"] > 0
    assert len(emulator.products()) == 15

    latest = await client.get("/api/sync/parallel/status", headers=editor_headers)
    assert latest.json()["job_id"] == job_id
    performance = await client.get("/api/sync/performance", headers=editor_headers)
    assert performance.status_code == 200
    body = performance.json()
    assert body["runs"][0]["job_id"] == job_id and body["alerts"] == []
    assert set(body["thresholds"]) == {"error_rate", "throttled_share", "throughput_drop"}


async def test_viewers_cannot_start_and_a_selection_is_ids_or_filter(
    client: httpx.AsyncClient,
    emulator: Emulator,
    editor_headers: dict[str, str],
    viewer_headers: dict[str, str],
) -> None:
    viewer = await client.post("/api/sync/parallel/start", json={}, headers=viewer_headers)
    assert viewer.status_code == 403
    both = await client.post(
        "/api/sync/parallel/start",
        json={"product_ids": [1], "filter": {"vendor": "x"}},
        headers=editor_headers,
    )
    assert both.status_code == 422


@pytest.mark.parametrize("action", ["stop", "resume"])
async def test_a_job_id_with_nul_is_refused_not_looked_up(
    client: httpx.AsyncClient, editor_headers: dict[str, str], action: str
) -> None:
    """PostgreSQL refuses NUL in text: its look-up answered 500 (found by the API fuzz)."""
    r = await client.post(
        f"/api/sync/parallel/{action}", json={"job_id": "a\x00b"}, headers=editor_headers
    )
    assert r.status_code == 422, r.text
    assert "NUL" in r.text


async def test_stop_then_resume_finishes_without_duplicates(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    await seed(app, 30)
    emulator.knob("config", {"latency_ms": 150})
    response = await client.post(
        "/api/sync/parallel/start", json={"mode": "sequential"}, headers=editor_headers
    )
    job_id = response.json()["job_id"]

    async def some_done() -> bool:
        return (await _status(client, editor_headers, job_id))["progress"]["done"] >= 5

    await wait_until(some_done, "a few products pushed")
    stop = await client.post(
        "/api/sync/parallel/stop", json={"job_id": job_id}, headers=editor_headers
    )
    assert stop.status_code == 200, stop.text
    stopped = await wait_for_state(sessionmaker, job_id, JobState.stopped)
    assert 5 <= stopped.done < 30
    synced = [p for p in await local_products(sessionmaker) if p.synced_version is not None]
    # In-flight requests finished and were recorded: Shopify has exactly what we recorded.
    assert len(emulator.products()) == len(synced) == stopped.done

    emulator.knob("config", {"latency_ms": 0})
    resume = await client.post(
        "/api/sync/parallel/resume", json={"job_id": job_id}, headers=editor_headers
    )
    assert resume.status_code == 200, resume.text
    done = await wait_for_state(sessionmaker, job_id, JobState.completed)
    assert (done.done, done.failed) == (30, 0)
    handles = [p["handle"] for p in emulator.products()]
    assert len(handles) == len(set(handles)) == 30


async def test_bulk_run_reports_shopify_status_and_results(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    await seed(app, 20)
    started = await client.post(
        "/api/sync/bulk/operations", json={"action": "start"}, headers=editor_headers
    )
    assert started.status_code == 202, started.text
    bulk_id = started.json()["id"]
    await wait_for_state(sessionmaker, bulk_id, JobState.completed)

    status = await client.get(f"/api/sync/bulk/{bulk_id}/status", headers=editor_headers)
    assert status.status_code == 200, status.text
    body = status.json()
    assert body["shopify"]["status"] == "COMPLETED"
    assert body["shopify"]["object_count"] == 20
    assert body["results"]["pushed"] == 20 and body["results"]["failed"] == 0
    assert len(emulator.products()) == 20


async def test_batch_sync_shopify_pushes_the_selection(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    ids = await seed(app, 8)
    response = await client.post(
        "/api/products/batch/sync-shopify",
        json={"product_ids": ids[:3]},
        headers=editor_headers,
    )
    assert response.status_code == 202, response.text
    await wait_for_state(sessionmaker, response.json()["job_id"], JobState.completed)
    assert len(emulator.products()) == 3
    missing = await client.post("/api/products/batch/sync-shopify", json={}, headers=editor_headers)
    assert missing.status_code == 422


async def test_progress_events_reach_the_sync_channel_at_a_bounded_rate(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    await seed(app, 20)
    emulator.knob("config", {"latency_ms": 20})
    with app.state.event_bus.subscribe(["sync"]) as subscription:
        response = await client.post(
            "/api/sync/parallel/start", json={"mode": "sequential"}, headers=editor_headers
        )
        job = await wait_for_state(sessionmaker, response.json()["job_id"], JobState.completed)
        await asyncio.sleep(0)
        events = []
        while (event := subscription.get_nowait()) is not None:
            events.append(event)
    types = [e.type for e in events]
    assert types[0] == "sync.started" and types[-1] == "sync.finished"
    progress = [e for e in events if e.type == "sync.progress"]
    assert progress, types
    seconds = (
        (job.finished_at - job.started_at).total_seconds()
        if job.finished_at and job.started_at
        else 1.0
    )
    assert len(progress) <= 4 * seconds + 2


async def test_a_push_stopped_by_the_previous_version_resumes_from_its_stored_shapes(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    ids = await seed(app, 10)
    live = {
        "mode": "sequential",
        "products_per_second": 12.5,
        "api_calls": 4,
        "cost_points": 40,
        "throttled_responses": 0,
        "workers": 1,
        "workers_min": 1,
        "workers_max": 1,
        "latency_ms": 3.2,
    }
    earlier_run = {
        "mode": "sequential",
        "requested_mode": "sequential",
        "total": 10,
        "pushed": 4,
        "deleted": 0,
        "failed": 0,
        "skipped": 0,
        "seconds": 0.32,
        "api_calls": 4,
        "cost_points": 40,
        "throttled": 0,
        "retries": 0,
        "workers_min": 1,
        "workers_max": 1,
        "latency_ms": 3.2,
        "stopped": True,
        "watermark": ids[3],
        "bulk": None,
        "errors": [],
        "products_per_second": 12.5,
    }
    # Rows exactly as the untyped version stored them for a push stopped after four products.
    async with sessionmaker() as session, session.begin():
        job = await job_service.create(
            session,
            "sync.push",
            {
                "direction": "push",
                "mode": "sequential",
                "product_ids": None,
                "filter": None,
                "only_changed": True,
            },
        )
        job.state = JobState.stopped.value
        job.total, job.done = 10, 4
        job.checkpoint = {"mode": "sequential", "after_id": ids[3], "metrics": live}
        job.report = {
            "direction": "push",
            "mode": "sequential",
            "runs": [earlier_run],
            "metrics": {**live, "seconds": 0.32, "pushed": 4, "deleted": 0},
            "errors": [],
        }
        job_id = job.id
    status = await _status(client, editor_headers, job_id)
    assert status["mode"] == "sequential" and status["metrics"]["api_calls"] == 4

    resume = await client.post(
        "/api/sync/parallel/resume", json={"job_id": job_id}, headers=editor_headers
    )
    assert resume.status_code == 200, resume.text
    done = await wait_for_state(sessionmaker, job_id, JobState.completed)
    assert (done.done, done.failed) == (10, 0)
    # Only the products after the stored watermark were pushed; the earlier run is kept.
    pushed = {p.handle for p in await local_products(sessionmaker) if p.id > ids[3]}
    assert {p["handle"] for p in emulator.products()} == pushed
    assert done.report is not None and done.report["runs"][0] == earlier_run
    assert len(done.report["runs"]) == 2 and done.report["metrics"]["pushed"] == 10


async def test_one_push_or_pull_at_a_time_the_second_is_refused_naming_the_first(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    await seed(app, 30)
    emulator.knob("config", {"latency_ms": 150})
    response = await client.post(
        "/api/sync/parallel/start", json={"mode": "sequential"}, headers=editor_headers
    )
    push_id = response.json()["job_id"]
    for body in ({"direction": "pull"}, {"direction": "push"}):
        refused = await client.post("/api/sync/parallel/start", json=body, headers=editor_headers)
        assert refused.status_code == 409, refused.text
        detail = refused.json()["detail"]
        assert push_id in detail and "push" in detail
    bulk = await client.post(
        "/api/sync/bulk/operations",
        json={"action": "start", "direction": "pull"},
        headers=editor_headers,
    )
    assert bulk.status_code == 409 and push_id in bulk.json()["detail"]

    await client.post("/api/sync/parallel/stop", json={"job_id": push_id}, headers=editor_headers)
    await wait_for_state(sessionmaker, push_id, JobState.stopped)
    emulator.knob("config", {"latency_ms": 0})
    pull = await client.post(
        "/api/sync/parallel/start", json={"direction": "pull"}, headers=editor_headers
    )
    assert pull.status_code == 202, pull.text
    await wait_for_state(sessionmaker, pull.json()["job_id"], JobState.completed)


async def test_a_push_left_running_by_a_stopped_process_is_named_as_such(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    # The app's own runner: a lease goes stale after 30 s, and 15 s of silence is a dead holder.
    async with sessionmaker() as session, session.begin():
        job = await job_service.create(session, "sync.push", {"direction": "push"})
        job.state = JobState.running.value
        job.heartbeat_at = utcnow() - timedelta(seconds=15)
    refused = await client.post(
        "/api/sync/parallel/start", json={"direction": "pull"}, headers=editor_headers
    )
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert job.id in detail and "was running when its process stopped" in detail
    assert "resumes within 30 s" in detail
