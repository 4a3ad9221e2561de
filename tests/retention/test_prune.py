"""Retention: each rule prunes what is old and keeps what is young or still needed."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.export.tasks import EXPORT_JOB, export_dir
from product_dashboard.importer.endpoints import upload_dir
from product_dashboard.importer.tasks import IMPORT_JOB
from product_dashboard.kit.time import utcnow
from product_dashboard.models import AlertRecord, Job, ProductBatch, RevokedToken, WebhookEvent
from product_dashboard.retention.scheduled import prune_once

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]
DAY = timedelta(days=1)


def _event(webhook_id: str, state: str, processed_days_ago: float) -> WebhookEvent:
    now = utcnow()
    return WebhookEvent(
        webhook_id=webhook_id,
        topic="products/update",
        body='{"id": 1}',
        state=state,
        processed_at=now - processed_days_ago * DAY,
        received_at=now - processed_days_ago * DAY,
    )


def _job(
    job_id: str, state: str, finished_days_ago: float, type: str = "test.job", **values: object
) -> Job:
    finished = utcnow() - finished_days_ago * DAY
    return Job(id=job_id, type=type, state=state, finished_at=finished, **values)


def _alert(message: str, raised_days_ago: float, acknowledged: bool = False) -> AlertRecord:
    raised = utcnow() - raised_days_ago * DAY
    return AlertRecord(
        kind="backup_failed",
        severity="critical",
        message=message,
        link="/activity",
        created_at=raised,
        acknowledged_at=raised if acknowledged else None,
    )


def _file(path: os.PathLike[str], age: timedelta) -> None:
    with open(path, "w") as handle:
        handle.write("x")
    then = time.time() - age.total_seconds()
    os.utime(path, (then, then))


async def test_each_rule_prunes_only_what_it_should(
    sessionmaker: Sessions, settings: Settings
) -> None:
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        session.add_all(
            [
                RevokedToken(jti="expired", expires_at=now - DAY),
                RevokedToken(jti="live", expires_at=now + DAY),
                _event("old-done", "processed", 30),
                _event("old-ignored", "ignored", 30),
                _event("young-done", "processed", 1),
                _event("old-dead", "dead", 30),  # kept whole: it may be replayed
                _job("old-done", "completed", 120),
                _job("old-failed", "failed", 120),
                _job("old-batch", "completed", 120),  # a batch edit's undo still reads it
                _job("young-done", "completed", 10),
                _job("old-running", "running", 120),
                _job(
                    "live-import",
                    "queued",
                    120,
                    type=IMPORT_JOB.name,
                    params={"path": str(upload_dir(settings.data_dir) / "kept.csv")},
                ),
                ProductBatch(id="b1", kind="pricing", state="completed", job_id="old-batch"),
                _alert("old", 91),
                _alert("old, acknowledged", 91, acknowledged=True),
                _alert("young", 89),
            ]
        )
    exports, uploads = export_dir(settings.data_dir), upload_dir(settings.data_dir)
    uploads.mkdir(parents=True, exist_ok=True)
    _file(exports / "old.csv", 8 * DAY)
    _file(exports / "young.csv", 6 * DAY)
    _file(uploads / "abandoned.csv", timedelta(hours=25))
    _file(uploads / "kept.csv", timedelta(hours=25))  # its import job has not run yet
    _file(uploads / "fresh.csv", timedelta(hours=1))

    report = await prune_once(sessionmaker, settings)

    assert report.model_dump() == {
        "export_files": 1,
        "upload_files": 1,
        "revoked_tokens": 1,
        "webhook_bodies": 2,
        "jobs": 2,
        "alerts": 2,
    }
    assert sorted(p.name for p in exports.iterdir()) == ["young.csv"]
    assert sorted(p.name for p in uploads.iterdir()) == ["fresh.csv", "kept.csv"]
    async with sessionmaker() as session:
        assert set(await session.scalars(select(RevokedToken.jti))) == {"live"}
        bodies = dict(
            (await session.execute(select(WebhookEvent.webhook_id, WebhookEvent.body))).all()
        )
        assert bodies == {
            "old-done": "",
            "old-ignored": "",
            "young-done": '{"id": 1}',
            "old-dead": '{"id": 1}',
        }
        jobs = set(await session.scalars(select(Job.id)))
        assert jobs == {"old-batch", "young-done", "old-running", "live-import"}
        assert list(await session.scalars(select(AlertRecord.message))) == ["young"]

    again = await prune_once(sessionmaker, settings)
    assert again.total == 0


async def test_a_pruned_event_cannot_be_replayed(
    client: httpx.AsyncClient, admin_headers: dict[str, str], sessionmaker: Sessions
) -> None:
    async with sessionmaker() as session, session.begin():
        event = _event("gone", "processed", 30)
        event.body = ""
        session.add(event)
    async with sessionmaker() as session:
        event_id = (await session.scalars(select(WebhookEvent.id))).one()
    response = await client.post(f"/api/webhooks/events/{event_id}/replay", headers=admin_headers)
    assert response.status_code == 409 and "pruned" in response.json()["detail"]


async def test_queued_exports_are_capped_per_user(
    client: httpx.AsyncClient,
    viewer_headers: dict[str, str],
    sessionmaker: Sessions,
    settings: Settings,
) -> None:
    me = (await client.get("/api/auth/me", headers=viewer_headers)).json()
    async with sessionmaker() as session, session.begin():
        for n in range(settings.max_active_exports_per_user):
            session.add(
                Job(id=f"waiting-{n}", type=EXPORT_JOB.name, state="queued", created_by_id=me["id"])
            )
        session.add(
            Job(id="someone-else", type=IMPORT_JOB.name, state="queued", created_by_id=me["id"])
        )
    body = {"format": "csv", "filter": {}, "as_job": True}
    response = await client.post("/api/products/batch/export", json=body, headers=viewer_headers)
    assert response.status_code == 429, response.text
    assert "exports queued or running" in response.json()["detail"]
    async with sessionmaker() as session, session.begin():
        job = await session.get(Job, "waiting-0")
        assert job is not None
        job.state = "completed"
    response = await client.post("/api/products/batch/export", json=body, headers=viewer_headers)
    assert response.status_code == 202, response.text
