from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from product_dashboard.icon.service import IconService
from product_dashboard.icon.subject import IconGenerator, IconSubject
from tests.icon.conftest import make_product, wait_for_job

pytestmark = pytest.mark.integration


class Gate:
    """A local generator that holds one title until released, counting what it drew."""

    name = "local"

    def __init__(self, inner: IconGenerator, title: str) -> None:
        self.inner = inner
        self.title = title
        self.reached = asyncio.Event()
        self.release = asyncio.Event()
        self.drawn: list[str] = []

    async def generate(self, subject: IconSubject) -> Image.Image:
        if subject.title == self.title:
            self.reached.set()
            await self.release.wait()
        self.drawn.append(subject.title)
        return await self.inner.generate(subject)


async def test_stopped_batch_resumes_where_it_was(
    app: FastAPI, client: httpx.AsyncClient, editor_headers: dict[str, str]
) -> None:
    service: IconService = app.state.icon_service
    gate = Gate(service.local, "Second")
    original, service.local, service.local_parallelism = service.local, gate, 1
    try:
        ids = [
            await make_product(client, editor_headers, title, "Mugs")
            for title in ("First", "Second", "Third")
        ]
        job_id = (
            await client.post("/api/icons/batch", json={"product_ids": ids}, headers=editor_headers)
        ).json()["job_id"]
        await asyncio.wait_for(gate.reached.wait(), 20)
        stopping = await client.post(f"/api/jobs/{job_id}/cancel", headers=editor_headers)
        assert stopping.json()["state"] == "stopping"
        gate.release.set()  # the product in flight finishes; the next one is not started
        stopped = await wait_for_job(client, editor_headers, job_id)
        assert stopped["state"] == "stopped"
        assert stopped["progress"]["done"] == 2
        assert [i["product_id"] for i in stopped["results"]["items"]] == ids[:2]

        resumed = await client.post(f"/api/jobs/{job_id}/resume", headers=editor_headers)
        assert resumed.status_code == 200, resumed.text
        final = await wait_for_job(client, editor_headers, job_id)
    finally:
        service.local, service.local_parallelism = original, 2
    assert final["state"] == "completed"
    assert final["progress"] == {"total": 3, "done": 3, "failed": 0, "skipped": 0}
    assert [i["product_id"] for i in final["results"]["items"]] == ids
    assert gate.drawn == ["First", "Second", "Third"]  # nothing drawn twice
