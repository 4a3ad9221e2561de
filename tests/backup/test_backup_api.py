"""`/api/backups`: admins list, make and download backups; nobody else; one at a time."""

from __future__ import annotations

import io
import json
import tarfile

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from product_dashboard.backup.scheduled import Backups
from product_dashboard.models import AuditEvent

pytestmark = pytest.mark.integration


async def test_an_admin_makes_lists_and_downloads_a_backup(
    client: httpx.AsyncClient, app: FastAPI, admin_headers: dict[str, str]
) -> None:
    listed = await client.get("/api/backups", headers=admin_headers)
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == [] and listed.json()["interval_hours"] == 24

    made = await client.post("/api/backups", headers=admin_headers)
    assert made.status_code == 201, made.text
    name = made.json()["name"]
    assert made.json()["size"] > 0
    listed = (await client.get("/api/backups", headers=admin_headers)).json()
    assert [item["name"] for item in listed["items"]] == [name]
    assert listed["running"] is False and listed["last_error"] is None

    download = await client.get(f"/api/backups/{name}", headers=admin_headers)
    assert download.status_code == 200
    assert download.headers["cache-control"] == "no-store"
    assert f'filename="{name}"' in download.headers["content-disposition"]
    with tarfile.open(fileobj=io.BytesIO(download.content)) as archive:
        manifest = json.loads(archive.extractfile("backup.json").read())  # type: ignore[union-attr]
    assert manifest["schema_revision"] is not None

    async with app.state.sessionmaker() as session:
        audit = (
            await session.execute(
                select(AuditEvent.action, AuditEvent.entity_id).where(
                    AuditEvent.entity_type == "backup"
                )
            )
        ).all()
    assert sorted(audit) == [("create", name), ("download", name)]


async def test_backups_are_for_admins_and_names_stay_in_the_folder(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    editor_headers: dict[str, str],
) -> None:
    for method, path in (("GET", "/api/backups"), ("POST", "/api/backups")):
        answer = await client.request(method, path, headers=editor_headers)
        assert answer.status_code == 403, (method, path, answer.text)
    secret = app.state.settings.backup_dir.parent / "secret.tar.gz"
    secret.write_bytes(b"not a backup")
    for name in ("..%2Fsecret.tar.gz", "secret.tar.gz", "dashboard-x.tar.gz"):
        answer = await client.get(f"/api/backups/{name}", headers=admin_headers)
        assert answer.status_code == 404, (name, answer.text)
        assert answer.json()["error"] == "not_found"


async def test_one_backup_at_a_time_and_a_failure_says_why(
    client: httpx.AsyncClient, app: FastAPI, admin_headers: dict[str, str]
) -> None:
    backups: Backups = app.state.backups
    async with backups._one_at_a_time:  # a scheduled backup under way
        busy = await client.post("/api/backups", headers=admin_headers)
        listed = (await client.get("/api/backups", headers=admin_headers)).json()
    assert busy.status_code == 409 and "being made" in busy.json()["detail"]
    assert listed["running"] is True

    app.state.settings.backup_dir.parent.joinpath("blocker").write_text("")
    backups.settings = backups.settings.model_copy(
        update={"backup_dir": app.state.settings.backup_dir.parent / "blocker" / "inside"}
    )
    failed = await client.post("/api/backups", headers=admin_headers)
    assert failed.status_code == 500
    assert failed.json()["error"] == "backup_failed" and "backup failed" in failed.json()["detail"]
    listed = (await client.get("/api/backups", headers=admin_headers)).json()
    assert listed["last_error"]
