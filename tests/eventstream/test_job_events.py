from __future__ import annotations

import json

import pytest

from product_dashboard.job import service as job_service
from tests.eventstream.conftest import LiveServer
from tests.eventstream.test_websocket import authenticated, recv_json

pytestmark = pytest.mark.integration


async def test_job_progress_arrives_over_the_websocket(live_server: LiveServer) -> None:
    token = await live_server.login()
    async with authenticated(live_server, token) as ws:
        await recv_json(ws)
        await ws.send(json.dumps({"type": "subscribe", "channels": ["jobs"]}))
        await recv_json(ws)

        async with live_server.sessions() as session, session.begin():
            job_id = (await job_service.create(session, "ws.count", {"items": 20})).id

        events = []
        while True:
            event = await recv_json(ws)
            assert event["channel"] == "jobs" and event["data"]["id"] == job_id
            events.append(event)
            if event["type"] in ("job.completed", "job.failed"):
                break

    kinds = [event["type"] for event in events]
    assert kinds[0] == "job.started" and kinds[-1] == "job.completed"
    progress = [
        event["data"]["progress"]["done"] for event in events if event["type"] == "job.progress"
    ]
    assert len(progress) >= 2  # throttled, but more than one over the job's life
    assert progress == sorted(progress)
    final = events[-1]["data"]
    assert final["state"] == "completed" and final["percent"] == 100.0
    assert final["progress"] == {"total": 20, "done": 20, "failed": 0, "skipped": 0}
    running = [event["data"] for event in events if event["type"] == "job.progress"]
    assert all(data["state"] == "running" for data in running)
    assert any(data["eta_seconds"] is not None for data in running)
