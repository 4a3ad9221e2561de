"""Undo of a push: a job with a preview that restores what the push changed where nothing changed
since, leaves later edits in place, says what it could not restore, and pushes the result."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.job import JobRunner
from product_dashboard.models import JobState, Product
from tests.job.helpers import wait_for_state
from tests.sync.conftest import Emulator, bump_versions, seed
from tests.sync.test_push_preview import all_results, start_push

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def titles(sessionmaker: async_sessionmaker[AsyncSession], ids: list[int]) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Product.title).where(Product.id.in_(ids)).order_by(Product.id)
        )
        return list(rows)


async def undo(client: httpx.AsyncClient, headers: dict[str, str], job_id: str, **body: Any) -> str:
    response = await client.post(f"/api/jobs/{job_id}/undo", json=body, headers=headers)
    assert response.status_code == 202, response.text
    undo_id: str = response.json()["job_id"]
    return undo_id


async def test_undo_of_a_push_restores_what_did_not_change_since_and_pushes_it(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    ids = await seed(app, 3)
    first = await start_push(client, editor_headers, mode="batch")
    await wait_for_state(sessionmaker, first, JobState.completed)
    original = await titles(sessionmaker, ids)
    async with sessionmaker() as session:
        vendor = await session.scalar(select(Product.vendor).where(Product.id == ids[1]))
    await bump_versions(sessionmaker, [ids[0]], title="Pushed A")
    await bump_versions(sessionmaker, [ids[1]], title="Pushed B", vendor="Pushed vendor")
    pushed = await start_push(client, editor_headers, mode="batch")
    await wait_for_state(sessionmaker, pushed, JobState.completed)
    await bump_versions(sessionmaker, [ids[1]], title="Edited after the push")

    preview_id = await undo(client, editor_headers, pushed, dry_run=True)
    preview_job = await wait_for_state(sessionmaker, preview_id, JobState.completed)
    preview = await all_results(client, editor_headers, preview_id, "preview")
    assert {
        row["product_id"]: [(c["path"], c["old"], c["new"]) for c in row["changes"]]
        for row in preview
    } == {
        ids[0]: [("title", "Pushed A", original[0])],
        ids[1]: [("vendor", "Pushed vendor", vendor)],
    }
    report = preview_job.report
    assert report["not_restored_count"] == 1
    assert report["not_restored"][0] == {
        "product_id": ids[1],
        "path": "title",
        "reason": "changed since the job",
        "now": "Edited after the push",
        "job_left": "Pushed B",
    }
    assert await titles(sessionmaker, ids) == ["Pushed A", "Edited after the push", original[2]]

    undo_id = await undo(client, editor_headers, pushed)
    undone = await wait_for_state(sessionmaker, undo_id, JobState.completed)
    assert undone.report["restored_products"] == 2
    assert await titles(sessionmaker, ids) == [original[0], "Edited after the push", original[2]]
    push_id = undone.report["push_job_id"]
    await wait_for_state(sessionmaker, push_id, JobState.completed)
    store = {p["handle"]: p["title"] for p in emulator.products()}
    assert sorted(store.values()) == sorted([original[0], "Edited after the push", original[2]])

    refused = await client.post(f"/api/jobs/{preview_id}/undo", json={}, headers=editor_headers)
    assert refused.status_code == 422


async def test_undo_of_a_push_leaves_the_products_it_created_in_shopify_and_says_so(
    app: FastAPI,
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    ids = await seed(app, 2)
    pushed = await start_push(client, editor_headers, mode="batch")
    await wait_for_state(sessionmaker, pushed, JobState.completed)
    created = await all_results(client, editor_headers, pushed, "done")
    assert sorted(r["product_id"] for r in created if r["action"] == "created") == sorted(ids)

    undo_id = await undo(client, editor_headers, pushed)
    undone = await wait_for_state(sessionmaker, undo_id, JobState.completed)
    report = undone.report
    assert report["restored_products"] == 0 and report["push_job_id"] is None
    assert sorted(n["product_id"] for n in report["not_restored"]) == sorted(ids)
    for why in report["not_restored"]:
        assert why["reason"].startswith("created by the job in Shopify: an undo never deletes")
    async with sessionmaker() as session:
        linked = await session.scalars(
            select(Product.shopify_product_id).where(Product.id.in_(ids))
        )
        assert all(linked), "the products stay, linked to Shopify's"
