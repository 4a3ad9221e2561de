"""A pull's preview (dry run) against what the pull then does, and a guard holding a pull."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from product_dashboard.config import Settings
from tests.sync.pull.conftest import Store
from tests.sync.pull.test_pull_undo import finished, product, pull
from tests.sync.test_push_preview import all_results

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def start_pull(client: httpx.AsyncClient, headers: dict[str, str], **body: object) -> str:
    response = await client.post(
        "/api/sync/parallel/start", json={"direction": "pull", **body}, headers=headers
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


async def held(client: httpx.AsyncClient, headers: dict[str, str], job_id: str) -> Any:
    """The job once it waits for approval."""
    deadline = time.monotonic() + 60
    while True:
        job = (await client.get(f"/api/jobs/{job_id}", headers=headers)).json()
        if job["state"] == "awaiting_approval":
            return job
        assert job["state"] in ("queued", "running"), job
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.05)


async def test_preview_of_a_pull_equals_what_it_then_does(
    client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
) -> None:
    ids = await store.seed(3)
    first = await pull(client, editor_headers)
    local = {
        r["shopify_product_id"]: r["product_id"]
        for r in await all_results(client, editor_headers, first, "done")
    }
    await store.edit(ids[0], title="Renamed in Shopify", vendor="New vendor")
    await store.edit(ids[1], title="Theirs")
    edited = await client.put(
        f"/api/products/{local[ids[1]]}", json={"title": "Ours"}, headers=editor_headers
    )
    assert edited.status_code == 200, edited.text
    before = await product(client, editor_headers, local[ids[0]])

    preview_id = await start_pull(client, editor_headers, dry_run=True)
    preview_job = await finished(client, editor_headers, preview_id)
    preview = await all_results(client, editor_headers, preview_id, "preview")
    assert (await product(client, editor_headers, local[ids[0]]))["title"] == before["title"]
    by_product = {r["product_id"]: r for r in preview}
    assert set(by_product) == {local[ids[0]], local[ids[1]]}
    renamed = by_product[local[ids[0]]]
    assert {(c["path"], c["old"], c["new"]) for c in renamed["changes"]} == {
        ("title", before["title"], "Renamed in Shopify"),
        ("vendor", before["vendor"], "New vendor"),
    }
    conflict = by_product[local[ids[1]]]
    assert conflict["action"] == "failed" and "conflict on title" in conflict["error"]
    assert preview_job["report"]["preview"]["counts"]["actions"] == {"updated": 1, "failed": 1}

    real = await pull(client, editor_headers)
    done = await all_results(client, editor_headers, real, "done")
    assert [(r["product_id"], r["action"], r["changes"]) for r in done] == [
        (renamed["product_id"], renamed["action"], renamed["changes"])
    ]


class TestGuardedPull:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"guard_catalog_share_percent": 50.0})

    async def test_a_pull_touching_most_of_the_catalog_waits_for_approval(
        self, client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
    ) -> None:
        ids = await store.seed(4)
        await pull(client, editor_headers)  # creates: an empty catalog has no share to guard
        for shopify_id in ids[:3]:
            await store.edit(shopify_id, vendor="Moved in Shopify")
        job_id = await start_pull(client, editor_headers)
        job = await held(client, editor_headers, job_id)
        assert [h["rule"] for h in job["report"]["preview"]["held_by"]] == ["catalog_share"]
        assert await all_results(client, editor_headers, job_id, "done") == []
        approved = await client.post(f"/api/jobs/{job_id}/approve", headers=editor_headers)
        assert approved.status_code == 200, approved.text
        await finished(client, editor_headers, job_id)
        assert len(await all_results(client, editor_headers, job_id, "done")) == 3
