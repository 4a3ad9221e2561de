"""Alerts are kept: a merchant who opens the dashboard after the night's pull failed sees the
alert (`GET /api/alerts`), and an editor acknowledges it; storing never stands in the way of the
alert being logged, shown on open pages and posted."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.alerting import store
from product_dashboard.alerting.notices import KeptNotice, Notice, Severity
from product_dashboard.alerting.notifier import ALERT_EVENT, AlertNotifier
from product_dashboard.auth import service as auth_service
from product_dashboard.config import Settings
from product_dashboard.eventstream import SYSTEM, Event, EventBus, Subscription
from product_dashboard.job import JobContext, JobHeld
from product_dashboard.job import service as job_service
from product_dashboard.main import create_app
from product_dashboard.models import Role
from product_dashboard.sync.schemas import Alert
from tests.fixtures.app import PASSWORD, UserFactory
from tests.fixtures.waiting import TIMEOUT, wait_until

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]


def _notice(message: str, kind: str = "backup_failed") -> Notice:
    return Notice(kind=kind, severity=Severity.critical, message=message, link="/activity")


async def _listed(
    client: httpx.AsyncClient, headers: dict[str, str], **query: Any
) -> dict[str, Any]:
    response = await client.get("/api/alerts", params=query, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _raise(
    app: FastAPI, client: httpx.AsyncClient, headers: dict[str, str], *messages: str
) -> None:
    """Alerts raised as the notifier raises them, waited for until they are kept."""
    before = (await _listed(client, headers))["total"]
    for message in messages:
        app.state.alerts.emit(_notice(message))

    async def kept() -> bool:
        return (await _listed(client, headers))["total"] == before + len(messages)

    await wait_until(kept, what=f"{len(messages)} alert(s) kept")


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.mark.postgres
async def test_a_failed_jobs_alert_is_listed_after_the_app_restarted(settings: Settings) -> None:
    """The night's run failed while no page was open, and the app restarted since: the morning's
    page still lists the alert, unacknowledged, with the job and where it is dealt with."""

    async def fails(ctx: JobContext) -> dict[str, Any]:
        raise RuntimeError("the store answered 401: «Café» token revoked")

    night = create_app(settings)
    night.state.job_runner.register("test.fails", fails)
    async with night.router.lifespan_context(night):
        async with night.state.sessionmaker() as session, session.begin():
            viewer = await auth_service.create_user(
                session, "viewer@example.com", PASSWORD, Role.viewer
            )
            job = await job_service.create(session, "test.fails")
        night.state.job_runner.wake()
        token, _ = auth_service.issue_token(viewer, settings)
        headers = {"Authorization": f"Bearer {token}"}
        async with _client(night) as client:

            async def kept() -> bool:
                return (await _listed(client, headers))["total"] == 1

            await wait_until(kept, what="the failed job's alert kept")

    morning = create_app(settings)
    async with morning.router.lifespan_context(morning), _client(morning) as client:
        page = await _listed(client, headers, unacknowledged="true")
    [alert] = page["items"]
    assert page["total"] == 1
    assert alert["kind"] == "job_failed" and alert["severity"] == "critical"
    assert alert["job_id"] == job.id and alert["job_type"] == "test.fails"
    assert alert["link"] == "/activity"
    assert "«Café» token revoked" in alert["message"]
    assert alert["acknowledged_at"] is None and alert["acknowledged_by"] is None
    assert isinstance(alert["id"], int) and alert["at"]


async def test_alerts_raised_as_the_app_stops_are_kept(settings: Settings) -> None:
    stopping = create_app(settings)
    async with stopping.router.lifespan_context(stopping):
        for n in range(3):
            stopping.state.alerts.emit(_notice(f"raised as it stops {n}"))
    later = create_app(settings)
    async with later.router.lifespan_context(later), later.state.sessionmaker() as session:
        kept, total = await store.list_alerts(session, unacknowledged=True, offset=0, limit=10)
    assert total == 3
    assert [a.message for a in kept] == [f"raised as it stops {n}" for n in (2, 1, 0)]


@pytest.mark.postgres
async def test_an_editor_acknowledges_one_alert_and_the_list_and_count_follow(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_user: UserFactory,
    viewer_headers: dict[str, str],
) -> None:
    editor = await make_user(Role.editor, email="éditeur@example.com")
    await _raise(app, client, viewer_headers, "first", "second")
    first, second = reversed((await _listed(client, viewer_headers))["items"])
    with app.state.event_bus.subscribe((SYSTEM,)) as page:
        response = await client.post(f"/api/alerts/{first['id']}/acknowledge", headers=editor)
        assert response.status_code == 200, response.text
        done = response.json()
        assert done["message"] == "first" and done["acknowledged_by"] == "éditeur@example.com"
        assert done["acknowledged_at"] is not None
        assert [(e.type, e.data) for e in _events(page)] == [
            ("alert.acknowledged", {"count": 1, "id": first["id"]})
        ]
        open_ = await _listed(client, viewer_headers, unacknowledged="true")
        assert [a["message"] for a in open_["items"]] == ["second"] and open_["total"] == 1
        everything = await _listed(client, viewer_headers)
        assert [a["message"] for a in everything["items"]] == ["second", "first"]

        # Acknowledged again (two people at once): the first acknowledgement stands.
        admin = await make_user(Role.admin)
        again = await client.post(f"/api/alerts/{first['id']}/acknowledge", headers=admin)
        assert again.status_code == 200
        assert again.json()["acknowledged_by"] == "éditeur@example.com"
        assert again.json()["acknowledged_at"] == done["acknowledged_at"]
        assert _events(page) == []
    assert second["acknowledged_at"] is None


@pytest.mark.postgres
async def test_acknowledge_all_takes_those_up_to_the_newest_seen(
    app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    viewer_headers: dict[str, str],
) -> None:
    await _raise(app, client, viewer_headers, "one", "two")
    newest_seen = (await _listed(client, viewer_headers))["items"][0]["id"]
    await _raise(app, client, viewer_headers, "raised since the page drew its list")

    response = await client.post(
        "/api/alerts/acknowledge-all", json={"through_id": newest_seen}, headers=editor_headers
    )
    assert response.status_code == 200 and response.json() == {"acknowledged": 2}
    left = await _listed(client, viewer_headers, unacknowledged="true")
    assert [a["message"] for a in left["items"]] == ["raised since the page drew its list"]

    response = await client.post("/api/alerts/acknowledge-all", headers=editor_headers)
    assert response.json() == {"acknowledged": 1}
    assert (await _listed(client, viewer_headers, unacknowledged="true"))["total"] == 0
    response = await client.post("/api/alerts/acknowledge-all", headers=editor_headers)
    assert response.json() == {"acknowledged": 0}


async def test_a_viewer_reads_but_does_not_acknowledge_and_bad_ids_are_clear(
    app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    viewer_headers: dict[str, str],
) -> None:
    await _raise(app, client, viewer_headers, "the disk is full")
    [alert] = (await _listed(client, viewer_headers))["items"]
    for path in (f"/api/alerts/{alert['id']}/acknowledge", "/api/alerts/acknowledge-all"):
        refused = await client.post(path, headers=viewer_headers)
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert (await _listed(client, viewer_headers, unacknowledged="true"))["total"] == 1

    missing = await client.post(
        f"/api/alerts/{alert['id'] + 1}/acknowledge", headers=editor_headers
    )
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert f"No alert {alert['id'] + 1}" in missing.json()["detail"]
    for bad in ("0", "abc", str(2**31)):
        response = await client.post(f"/api/alerts/{bad}/acknowledge", headers=editor_headers)
        assert response.status_code == 422 and response.json()["error"] == "validation_error"
    unknown = await client.post(
        "/api/alerts/acknowledge-all", json={"everything": True}, headers=editor_headers
    )
    assert unknown.status_code == 422
    assert (await client.get("/api/alerts")).status_code == 401
    assert (await _listed(client, viewer_headers, unacknowledged="true"))["total"] == 1


@pytest.mark.postgres
async def test_alerts_are_listed_newest_first_a_page_at_a_time(
    app: FastAPI, client: httpx.AsyncClient, viewer_headers: dict[str, str]
) -> None:
    await _raise(app, client, viewer_headers, *(f"alert {n}" for n in range(5)))
    page = await _listed(client, viewer_headers, page=2, per_page=2)
    assert (page["total"], page["page"], page["per_page"]) == (5, 2, 2)
    assert [a["message"] for a in page["items"]] == ["alert 2", "alert 1"]
    last = await _listed(client, viewer_headers, page=3, per_page=2)
    assert [a["message"] for a in last["items"]] == ["alert 0"]
    too_many = await client.get("/api/alerts", params={"per_page": 201}, headers=viewer_headers)
    assert too_many.status_code == 422


def _events(subscription: Subscription) -> list[Event]:
    events = []
    while (event := subscription.get_nowait()) is not None:
        events.append(event)
    return events


async def _next_alert(subscription: Subscription) -> Event:
    while (event := await asyncio.wait_for(subscription.get(), TIMEOUT)).type != ALERT_EVENT:
        pass
    return event


async def test_an_alert_that_cannot_be_stored_is_still_shown_and_the_next_is_kept(
    app: FastAPI,
    client: httpx.AsyncClient,
    viewer_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The database refuses the row (here: its table is gone): the alert is logged and shown on
    open pages all the same, without an id, and the notifier goes on."""
    async with app.state.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE alert RENAME TO alert_away"))
    with app.state.event_bus.subscribe((SYSTEM,)) as page:
        app.state.alerts.emit(_notice("the disk is full"))
        event = await _next_alert(page)
    assert event.data["message"] == "the disk is full" and event.data["id"] is None
    assert "alert not kept in the database: the disk is full" in caplog.text

    async with app.state.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE alert_away RENAME TO alert"))
    await _raise(app, client, viewer_headers, "the disk is full again")
    [kept] = (await _listed(client, viewer_headers))["items"]
    assert kept["message"] == "the disk is full again"


@pytest.mark.postgres
async def test_the_kept_alert_is_the_notice_shown_live_with_its_id(
    app: FastAPI, client: httpx.AsyncClient, viewer_headers: dict[str, str]
) -> None:
    """Every field of the Notice is kept as raised (fractions, Unicode, a job's type)."""
    notice = Notice(
        kind="error_rate",
        severity=Severity.warning,
        message="Push to Shopify (job 7f3a): 12.5% of products failed — «Ünïcode» 🧵",
        link="/sync",
        job_id="7f3a" * 8,
        job_type="sync.push",
        value=0.125,
        threshold=0.05,
    )
    with app.state.event_bus.subscribe((SYSTEM,)) as page:
        app.state.alerts.emit(notice)
        event = await _next_alert(page)
    [kept] = (await _listed(client, viewer_headers))["items"]
    assert KeptNotice.model_validate(kept) == KeptNotice(**notice.model_dump(), id=kept["id"])
    # What the page's toast gets: the same Notice, with the id its Acknowledge would send.
    assert event.data == {**notice.model_dump(mode="json"), "id": kept["id"]}


async def test_a_notifier_whose_store_fails_goes_on_raising_alerts() -> None:
    """Unit level: every store fails; each alert is still published, in order."""
    bus = EventBus()
    attempts: list[str] = []

    async def broken(notice: Notice) -> int:
        attempts.append(notice.message)
        raise OSError("disk I/O error")

    async def no_run_alerts(job_id: str) -> list[Alert]:
        return []

    notifier = AlertNotifier(bus, no_run_alerts, keep=broken)
    with bus.subscribe((SYSTEM,)) as page:
        notifier.start()
        try:
            notifier.emit(_notice("one"))
            notifier.emit(_notice("two"))

            async def both() -> bool:
                return len(attempts) == 2

            await wait_until(both, what="both alerts tried")
            heard = [(await _next_alert(page)).data for _ in range(2)]
        finally:
            await notifier.close()
    assert [(a["message"], a["id"]) for a in heard] == [("one", None), ("two", None)]


@pytest.mark.postgres
async def test_a_held_jobs_alert_is_settled_by_its_approval_or_rejection(
    app: FastAPI,
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    make_user: UserFactory,
    viewer_headers: dict[str, str],
) -> None:
    """Once someone approves or rejects a held job, its "held" alert needs no one else's
    attention: it is acknowledged by whoever decided, and open pages hear of it. A job still
    held keeps its alert open."""

    async def held_until_approved(ctx: JobContext) -> dict[str, Any]:
        if ctx.params.get("approval"):
            return {}
        raise JobHeld("a guard rule held it: 62 % of the catalog")

    app.state.job_runner.register("test.held", held_until_approved)
    editor = await make_user(Role.editor, email="approbatrice@example.com")
    admin = await make_user(Role.admin, email="admin-ü@example.com")
    jobs = []
    for _ in range(3):
        async with sessionmaker() as session, session.begin():
            jobs.append((await job_service.create(session, "test.held")).id)
    app.state.job_runner.wake()

    async def three_held() -> bool:
        return (await _listed(client, viewer_headers, unacknowledged="true"))["total"] == 3

    await wait_until(three_held, what="three held jobs' alerts kept")
    approved, rejected, waiting = jobs
    with app.state.event_bus.subscribe((SYSTEM,)) as page:
        answer = await client.post(f"/api/jobs/{approved}/approve", headers=editor)
        assert answer.status_code == 200, answer.text
        answer = await client.post(
            f"/api/jobs/{rejected}/reject", json={"reason": "not tonight"}, headers=admin
        )
        assert answer.status_code == 200, answer.text

        async def one_open() -> bool:
            return (await _listed(client, viewer_headers, unacknowledged="true"))["total"] == 1

        await wait_until(one_open, what="the decided jobs' alerts settled")
        settled = [
            (e.data["job_id"], e.data["count"])
            for e in _events(page)
            if e.type == "alert.acknowledged"
        ]
    assert sorted(settled) == sorted([(approved, 1), (rejected, 1)])
    alerts = {a["job_id"]: a for a in (await _listed(client, viewer_headers))["items"]}
    assert alerts[approved]["acknowledged_by"] == "approbatrice@example.com"
    assert alerts[rejected]["acknowledged_by"] == "admin-ü@example.com"
    assert alerts[waiting]["acknowledged_at"] is None
    assert all(alerts[job]["kind"] == "job_held" for job in jobs)
