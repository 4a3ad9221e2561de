"""A push whose preview breaks a guard rule waits for approval, sends nothing meanwhile, and runs
as previewed once approved; a rejection stops it; both decisions are audited."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.job import JobRunner
from product_dashboard.models import AuditEvent, JobState, ProductVariant
from tests.job.helpers import wait_for_state
from tests.sync.conftest import Emulator, bump_versions, seed
from tests.sync.test_push_preview import all_results, start_push

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "guard_block_deletions": True,
            "guard_price_change_percent": 40.0,
            "guard_price_change_products": 1,
        }
    )


async def pushed_catalog(
    app: FastAPI,
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    headers: dict[str, str],
    count: int,
) -> list[int]:
    ids = await seed(app, count)
    job_id = await start_push(client, headers, mode="batch")
    await wait_for_state(sessionmaker, job_id, JobState.completed)
    return ids


async def test_a_deletion_holds_the_push_until_approved_then_it_runs_as_previewed(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    ids = await pushed_catalog(app, client, sessionmaker, editor_headers, 4)
    assert (
        await client.delete(f"/api/products/{ids[0]}", headers=editor_headers)
    ).status_code == 204
    await bump_versions(sessionmaker, [ids[1]], title="Still sent once approved")
    graphql = emulator.stats()["graphql_requests"]

    job_id = await start_push(client, editor_headers, mode="batch")
    held = await wait_for_state(sessionmaker, job_id, JobState.awaiting_approval)
    assert emulator.stats()["graphql_requests"] == graphql, "nothing is sent while held"
    assert [h["rule"] for h in held.report["preview"]["held_by"]] == ["deletions"]
    assert "1 products" in held.report["preview"]["held_by"][0]["message"]
    preview = await all_results(client, editor_headers, job_id, "preview")
    assert sorted(r["action"] for r in preview) == ["deleted", "updated"]
    busy = await client.post("/api/sync/parallel/start", json={}, headers=editor_headers)
    assert busy.status_code == 409 and "waiting for approval" in busy.json()["detail"]

    approved = await client.post(f"/api/jobs/{job_id}/approve", headers=admin_headers)
    assert approved.status_code == 200, approved.text
    done_job = await wait_for_state(sessionmaker, job_id, JobState.completed)
    assert done_job.params["approval"]["by_email"]
    assert len(emulator.products()) == 3
    done = await all_results(client, editor_headers, job_id, "done")
    assert {(r["product_id"], r["action"]) for r in done} == {
        (r["product_id"], r["action"]) for r in preview
    }
    again = await client.post(f"/api/jobs/{job_id}/approve", headers=admin_headers)
    assert again.status_code == 409
    async with sessionmaker() as session:
        audit = (
            await session.scalars(select(AuditEvent).where(AuditEvent.entity_id == job_id))
        ).all()
    assert [(a.action, a.after) for a in audit] == [("approve", {"state": "queued"})]
    assert audit[0].actor_email and audit[0].at is not None


async def test_price_swings_hold_and_a_rejection_stops_the_push_unsent(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
    viewer_headers: dict[str, str],
) -> None:
    ids = await pushed_catalog(app, client, sessionmaker, editor_headers, 3)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(ProductVariant)
            .where(ProductVariant.product_id.in_(ids[:2]))
            .values(price_cents=ProductVariant.price_cents * 2)
        )
    await bump_versions(sessionmaker, ids[:2])
    job_id = await start_push(client, editor_headers, mode="batch")
    held = await wait_for_state(sessionmaker, job_id, JobState.awaiting_approval)
    assert [h["rule"] for h in held.report["preview"]["held_by"]] == ["price_change"]

    viewer = await client.post(f"/api/jobs/{job_id}/reject", headers=viewer_headers)
    assert viewer.status_code == 403
    rejected = await client.post(
        f"/api/jobs/{job_id}/reject", json={"reason": "typo in the sheet"}, headers=editor_headers
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["state"] == "stopped"
    assert "typo in the sheet" in rejected.json()["error"]
    assert await all_results(client, editor_headers, job_id, "done") == []

    # Doubling one product's price is within the rule (more than 1 product must move).
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(ProductVariant)
            .where(ProductVariant.product_id == ids[1])
            .values(price_cents=ProductVariant.price_cents / 2)
        )
    await bump_versions(sessionmaker, [ids[1]])
    released = await start_push(client, editor_headers, mode="batch")
    await wait_for_state(sessionmaker, released, JobState.completed)


async def test_a_held_push_can_be_cancelled_like_a_queued_one(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    ids = await pushed_catalog(app, client, sessionmaker, editor_headers, 2)
    assert (
        await client.delete(f"/api/products/{ids[0]}", headers=editor_headers)
    ).status_code == 204
    job_id = await start_push(client, editor_headers, mode="batch")
    await wait_for_state(sessionmaker, job_id, JobState.awaiting_approval)
    cancelled = await client.post(f"/api/jobs/{job_id}/cancel", headers=editor_headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "stopped"
    assert len(emulator.products()) == 2
