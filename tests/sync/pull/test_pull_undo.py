"""A pull's results (what it changed here, per product) and its undo: the catalog's previous
values come back where nothing changed since the pull; later edits stay."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.sync.pull.conftest import Store
from tests.sync.test_push_preview import all_results

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def finished(client: httpx.AsyncClient, headers: dict[str, str], job_id: str) -> Any:
    deadline = time.monotonic() + 60
    while True:
        job = (await client.get(f"/api/jobs/{job_id}", headers=headers)).json()
        if job["state"] in ("completed", "failed", "stopped"):
            assert job["state"] == "completed", job["error"]
            return job
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.05)


async def pull(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post(
        "/api/sync/parallel/start", json={"direction": "pull"}, headers=headers
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    await finished(client, headers, job_id)
    return job_id


async def product(client: httpx.AsyncClient, headers: dict[str, str], product_id: int) -> Any:
    return (await client.get(f"/api/products/{product_id}", headers=headers)).json()


async def test_undo_of_a_pull_restores_what_it_changed_and_keeps_later_edits(
    client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
) -> None:
    ids = await store.seed(3)
    first = await pull(client, editor_headers)
    created = await all_results(client, editor_headers, first, "done")
    assert sorted(r["action"] for r in created) == ["created"] * 3
    assert {r["shopify_product_id"] for r in created} == set(ids)

    row = next(r for r in created if r["shopify_product_id"] == ids[0])
    handle = row["handle"]
    before = await product(client, editor_headers, row["product_id"])
    await store.edit(ids[0], title="Renamed in Shopify", vendor="Vendor from Shopify")
    second = await pull(client, editor_headers)
    [changed] = await all_results(client, editor_headers, second, "done")
    assert changed["action"] == "updated" and changed["handle"] == handle
    assert {(c["path"], c["old"], c["new"]) for c in changed["changes"]} == {
        ("title", before["title"], "Renamed in Shopify"),
        ("vendor", before["vendor"], "Vendor from Shopify"),
    }

    # A later local edit to the vendor stays; the title the pull brought goes back.
    edited = await client.put(
        f"/api/products/{before['id']}",
        json={"vendor": "Edited here later"},
        headers=editor_headers,
    )
    assert edited.status_code == 200, edited.text
    response = await client.post(f"/api/jobs/{second}/undo", json={}, headers=editor_headers)
    assert response.status_code == 202, response.text
    undone = await finished(client, editor_headers, response.json()["job_id"])
    report = undone["report"]
    assert report["restored_products"] == 1 and report["push_job_id"] is None
    assert [(n["path"], n["now"], n["job_left"]) for n in report["not_restored"]] == [
        ("vendor", "Edited here later", "Vendor from Shopify")
    ]
    after = await product(client, editor_headers, row["product_id"])
    assert (after["title"], after["vendor"]) == (before["title"], "Edited here later")


async def test_a_product_a_pull_deleted_here_is_in_its_results_and_its_undo_says_why_it_stays(
    client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
) -> None:
    ids = await store.seed(3)
    first = await pull(client, editor_headers)
    gone = next(
        r
        for r in await all_results(client, editor_headers, first, "done")
        if r["shopify_product_id"] == ids[0]
    )
    await store.delete(ids[0])
    response = await client.post(
        "/api/sync/parallel/start",
        json={"direction": "pull", "only_changed": False},  # a full pull: it sees deletions
        headers=editor_headers,
    )
    assert response.status_code == 202, response.text
    second = response.json()["job_id"]
    await finished(client, editor_headers, second)
    rows = await all_results(client, editor_headers, second, "done")
    assert [(r["action"], r["product_id"], r["handle"]) for r in rows] == [
        ("deleted", gone["product_id"], gone["handle"])
    ]
    assert rows[0]["shopify_product_id"] == ids[0]

    response = await client.post(f"/api/jobs/{second}/undo", json={}, headers=editor_headers)
    assert response.status_code == 202, response.text
    report = (await finished(client, editor_headers, response.json()["job_id"]))["report"]
    assert report["restored_products"] == 0
    [why] = report["not_restored"]
    assert why["product_id"] == gone["product_id"]
    assert why["reason"].startswith("deleted by the job here, because Shopify deleted it")
