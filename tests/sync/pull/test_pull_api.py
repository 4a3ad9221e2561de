"""Pull through the sync API (`direction: "pull"`), against the emulator over loopback."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.sync.pull.conftest import Store

pytestmark = pytest.mark.integration


async def _finished(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str
) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        response = await client.get(
            "/api/sync/parallel/status", params={"job_id": job_id}, headers=headers
        )
        assert response.status_code == 200, response.text
        status: dict[str, Any] = response.json()
        if status["state"] in ("completed", "failed", "stopped"):
            return status
        assert time.monotonic() < deadline, status
        await asyncio.sleep(0.05)


async def test_pull_started_from_the_api_fills_the_catalog(
    client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
) -> None:
    await store.seed(15)
    response = await client.post(
        "/api/sync/parallel/start", json={"direction": "pull"}, headers=editor_headers
    )
    assert response.status_code == 202, response.text

    status = await _finished(client, editor_headers, response.json()["job_id"])

    assert status["state"] == "completed", status["error"]
    assert status["direction"] == "pull"
    assert status["progress"] == {"total": 15, "done": 15, "failed": 0, "skipped": 0}
    assert status["metrics"]["api_calls"] > 0
    assert status["bulk"]["status"] == "COMPLETED"
    listed = (await client.get("/api/products", headers=editor_headers)).json()
    assert listed["total"] == 15
    assert {p["sync_state"] for p in listed["items"]} == {"synced"}

    again = await client.post(
        "/api/sync/parallel/start", json={"direction": "pull"}, headers=editor_headers
    )
    second = await _finished(client, editor_headers, again.json()["job_id"])
    assert second["state"] == "completed" and second["mode"] == "pages"  # incremental now
    assert second["progress"]["done"] == 0


async def test_bulk_pull_run_and_its_status(
    client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
) -> None:
    await store.seed(8)
    response = await client.post(
        "/api/sync/bulk/operations",
        json={"action": "start", "direction": "pull", "only_changed": False},
        headers=editor_headers,
    )
    assert response.status_code == 202, response.text
    bulk_id = response.json()["id"]
    await _finished(client, editor_headers, bulk_id)

    status = (await client.get(f"/api/sync/bulk/{bulk_id}/status", headers=editor_headers)).json()

    assert status["state"] == "completed" and status["direction"] == "pull"
    assert status["shopify"]["status"] == "COMPLETED"
    assert status["shopify"]["root_object_count"] == 8
    job = (await client.get(f"/api/jobs/{bulk_id}", headers=editor_headers)).json()
    assert status["progress"]["done"] == 8, (job["report"]["outcomes"], job["report"]["errors"])


async def test_a_pull_takes_no_product_selection(
    client: httpx.AsyncClient, editor_headers: dict[str, str], viewer_headers: dict[str, str]
) -> None:
    refused = await client.post(
        "/api/sync/parallel/start",
        json={"direction": "pull", "product_ids": [1]},
        headers=editor_headers,
    )
    assert refused.status_code == 422
    forbidden = await client.post(
        "/api/sync/parallel/start", json={"direction": "pull"}, headers=viewer_headers
    )
    assert forbidden.status_code == 403


async def test_latest_status_and_performance_include_pulls(
    client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
) -> None:
    await store.seed(3)
    started = await client.post(
        "/api/sync/parallel/start", json={"direction": "pull"}, headers=editor_headers
    )
    job_id = started.json()["job_id"]
    await _finished(client, editor_headers, job_id)

    latest = await client.get("/api/sync/parallel/status", headers=editor_headers)
    performance = await client.get("/api/sync/performance", headers=editor_headers)

    assert latest.status_code == 200 and latest.json()["job_id"] == job_id
    runs = performance.json()["runs"]
    assert [(run["job_id"], run["direction"]) for run in runs] == [(job_id, "pull")]
    assert runs[0]["progress"]["done"] == 3


async def test_a_pull_runs_in_the_mode_chosen_or_says_why_it_cannot(
    client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
) -> None:
    await store.seed(5)

    async def start(mode: str, **more: Any) -> httpx.Response:
        body = {"direction": "pull", "mode": mode, **more}
        return await client.post("/api/sync/parallel/start", json=body, headers=editor_headers)

    for push_only in ("parallel", "batch"):
        refused = await start(push_only)
        assert refused.status_code == 422, refused.text
        assert f"no {push_only} mode" in refused.json()["detail"]
    first = await start("sequential")  # nothing pulled yet: only a bulk export can start
    assert first.status_code == 422 and "first pull" in first.json()["detail"]

    full = await _finished(client, editor_headers, (await start("bulk")).json()["job_id"])
    assert (full["state"], full["mode"]) == ("completed", "bulk")
    paged = await _finished(client, editor_headers, (await start("sequential")).json()["job_id"])
    assert (paged["state"], paged["mode"]) == ("completed", "pages")
    bulk = await _finished(client, editor_headers, (await start("bulk")).json()["job_id"])
    assert (bulk["state"], bulk["mode"]) == ("completed", "bulk")  # changes, by bulk query
    whole = await start("sequential", only_changed=False)
    assert whole.status_code == 422 and "a full pull" in whole.json()["detail"]
