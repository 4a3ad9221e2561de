"""A pull's results (what it changed here, per product) and its undo: the catalog's previous
values come back where nothing changed since the pull; later edits stay."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import committing
from product_dashboard.models import Job, JobState
from product_dashboard.sync import undo as undo_module
from product_dashboard.sync.job_types import PULL_JOB
from product_dashboard.sync.pull.apply import apply_chunk
from product_dashboard.sync.pull.results import PullResults
from product_dashboard.sync.pull.source import remote_from_node
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


async def undo(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str, *, dry_run: bool = False
) -> tuple[str, Any]:
    """The undo job's id and report."""
    response = await client.post(
        f"/api/jobs/{job_id}/undo", json={"dry_run": dry_run}, headers=headers
    )
    assert response.status_code == 202, response.text
    undo_id = response.json()["job_id"]
    return undo_id, (await finished(client, headers, undo_id))["report"]


async def test_a_product_a_pull_deleted_here_is_in_its_results_and_its_undo_brings_it_back(
    client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
) -> None:
    ids = await store.seed(3)
    first = await pull(client, editor_headers)
    gone = next(
        r
        for r in await all_results(client, editor_headers, first, "done")
        if r["shopify_product_id"] == ids[0]
    )
    before = await product(client, editor_headers, gone["product_id"])
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

    _, preview = await undo(client, editor_headers, second, dry_run=True)
    assert (preview["restored_products"], preview["not_restored"]) == (1, []), preview
    assert preview["counts"]["actions"] == {"created": 1}

    undo_id, report = await undo(client, editor_headers, second)
    assert (report["restored_products"], report["not_restored"]) == (1, []), report
    [made] = await all_results(client, editor_headers, undo_id, "done")
    assert (made["action"], made["handle"]) == ("created", gone["handle"])
    back_id = made["product_id"]
    assert back_id != gone["product_id"]
    back = await product(client, editor_headers, back_id)
    assert back["sync"]["shopify_product_id"] is None  # unlinked: the next push creates it
    for name in ("title", "description_html", "vendor", "product_type", "tags", "options"):
        assert back[name] == before[name], name
    assert [(v["sku"], v["price"], v["option_values"]) for v in back["variants"]] == [
        (v["sku"], v["price"], v["option_values"]) for v in before["variants"]
    ]

    _, again = await undo(client, editor_headers, second)
    assert again["restored_products"] == 0
    [why] = again["not_restored"]
    assert why["product_id"] == gone["product_id"] and "already restored" in why["reason"]


def _node(title: str, vendor: str, product_type: str, updated: str) -> Any:
    return {
        "id": "gid://shopify/Product/901",
        "handle": "twice-touched",
        "title": title,
        "descriptionHtml": "",
        "vendor": vendor,
        "productType": product_type,
        "status": "ACTIVE",
        "tags": [],
        "updatedAt": updated,
        "options": [{"name": "Title", "optionValues": [{"name": "Default Title"}]}],
        "variants": {
            "nodes": [
                {
                    "id": "gid://shopify/ProductVariant/901",
                    "sku": "TWICE-1",
                    "price": "5.00",
                    "selectedOptions": [{"name": "Title", "value": "Default Title"}],
                }
            ]
        },
    }


@pytest.mark.parametrize("batch", [1, undo_module.BATCH])
async def test_undo_of_a_pull_that_changed_a_product_twice_puts_back_what_it_had_before(
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    batch: int,
) -> None:
    """One pull applied a product twice (an incremental pull reads it again on a later page when
    Shopify changes it meanwhile), so its job has two results rows for it. The undo takes the
    later one back first: the product ends as it was before the pull, but for the field edited
    here since. Oldest first, the earlier row was judged against the later row's shape (its
    title "changed since") and the later row then put back the title between the two (Second)."""
    monkeypatch.setattr(undo_module, "BATCH", batch)  # 1: the two rows in two pages
    sessions = committing(sessionmaker)
    events = ConflictEvents(None)
    await apply_chunk(
        sessions, [remote_from_node(_node("First", "Acme", "Hats", "2026-12-01T10:00:00Z"))], events
    )
    async with sessionmaker() as session, session.begin():
        session.add(Job(id="pull-twice", type=PULL_JOB.name, state=JobState.completed, params={}))
    recorder = PullResults("pull-twice")
    for node in (
        _node("Second", "Acme", "Caps", "2026-12-01T11:00:00Z"),
        _node("Third", "Other vendor", "Caps", "2026-12-01T12:00:00Z"),
    ):
        result = await apply_chunk(sessions, [remote_from_node(node)], events, recorder)
        assert result.outcomes == {"merged": 1}, result
    rows = await all_results(client, editor_headers, "pull-twice", "done")
    assert [r["action"] for r in rows] == ["updated", "updated"]
    summary = await client.get("/api/jobs/pull-twice/results/summary", headers=editor_headers)
    counts = summary.json()["counts"]
    assert (counts["products"], counts["fields"]["title"]) == (1, {"changed": 2}), counts
    product_id = rows[0]["product_id"]
    edited = await client.put(
        f"/api/products/{product_id}", json={"vendor": "Edited here"}, headers=editor_headers
    )
    assert edited.status_code == 200, edited.text

    reports = []
    for dry_run in (True, False):  # the preview says what the undo then does
        response = await client.post(
            "/api/jobs/pull-twice/undo", json={"dry_run": dry_run}, headers=editor_headers
        )
        assert response.status_code == 202, response.text
        reports.append(
            (await finished(client, editor_headers, response.json()["job_id"]))["report"]
        )
    for report in reports:
        assert [(n["path"], n["now"], n["job_left"]) for n in report["not_restored"]] == [
            ("vendor", "Edited here", "Other vendor")
        ], report
        assert report["restored_products"] == 1
        assert report["counts"] == reports[1]["counts"]
        # The product once, its fields as often as they were taken back.
        assert (report["counts"]["products"], report["counts"]["actions"]) == (1, {"updated": 1})
    after = await product(client, editor_headers, product_id)
    assert (after["title"], after["product_type"], after["vendor"]) == (
        "First",
        "Hats",
        "Edited here",
    )
