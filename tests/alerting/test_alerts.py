"""Alerts reach people: a failed or held job, a sync run's bad figures, webhook events given up on
and a failed backup are posted to ALERT_WEBHOOK_URL (signed), published for open pages and
counted on /metrics; the post is tried again while the endpoint is down."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from product_dashboard.alerting.delivery import SIGNATURE_HEADER, WebhookDelivery, signature
from product_dashboard.alerting.notices import Notice, Severity
from product_dashboard.config import Settings
from product_dashboard.eventstream import SYSTEM, Subscription
from product_dashboard.inbound import signing
from product_dashboard.job import JobContext, JobHeld
from product_dashboard.job import service as job_service
from product_dashboard.job.schemas import JobSummary
from product_dashboard.main import create_app
from product_dashboard.sync.job_types import PushParams
from tests.fixtures.server import serve_in_thread
from tests.fixtures.waiting import wait_until
from tests.inbound.harness import SECRET

pytestmark = pytest.mark.integration

ALERT_SECRET = "alert-signing-secret"


@dataclass
class Receiver:
    """A chat's incoming webhook on loopback: records each post, answers from `answers`."""

    url: str = ""
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def alerts(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(body) for _, body in self.posts]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    received = Receiver()

    async def take(request: Request) -> Response:
        body = await request.body()
        with received.lock:
            received.posts.append((dict(request.headers), body))
            status = received.answers.pop(0) if received.answers else 200
        return Response(status_code=status)

    with serve_in_thread(Starlette(routes=[Route("/hook", take, methods=["POST"])])) as url:
        received.url = f"{url}/hook"
        yield received


@pytest.fixture
async def app(settings: Settings, receiver: Receiver) -> AsyncIterator[FastAPI]:
    configured = settings.model_copy(
        update={
            "alert_webhook_url": receiver.url,
            "alert_webhook_secret": ALERT_SECRET,
            "shopify_webhook_secret": SECRET,
        }
    )
    application = create_app(configured)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def alerts_on_page(app: FastAPI) -> Iterator[Subscription]:
    """What an open page hears: the `system` channel of the app's bus."""
    with app.state.event_bus.subscribe((SYSTEM,)) as subscription:
        yield subscription


def _count(kind: str) -> float:
    return REGISTRY.get_sample_value("dashboard_alerts_total", {"kind": kind}) or 0.0


async def _posted(receiver: Receiver, kind: str, count: int = 1) -> list[dict[str, Any]]:
    def of_kind() -> list[dict[str, Any]]:
        return [body for body in receiver.alerts() if body["alert"]["kind"] == kind]

    async def enough() -> bool:
        return len(of_kind()) >= count

    await wait_until(enough, what=f"{count} {kind} alert(s) posted")
    return of_kind()


def _heard(subscription: Subscription) -> list[dict[str, Any]]:
    heard = []
    while (event := subscription.get_nowait()) is not None:
        if event.type == "alert":
            heard.append(event.data)
    return heard


async def _run_job(app: FastAPI, sessions: async_sessionmaker[AsyncSession], type: str) -> str:
    async with sessions() as session, session.begin():
        job = await job_service.create(session, type)
    app.state.job_runner.wake()
    return job.id


async def test_a_failed_job_is_posted_signed_shown_on_open_pages_and_counted(
    app: FastAPI,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    alerts_on_page: Subscription,
) -> None:
    async def fails(ctx: JobContext) -> dict[str, Any]:
        raise RuntimeError("the store answered 401: the access token was revoked")

    app.state.job_runner.register("test.fails", fails)
    before = _count("job_failed")
    job_id = await _run_job(app, sessionmaker, "test.fails")

    [body] = await _posted(receiver, "job_failed")
    alert = body["alert"]
    assert alert["job_id"] == job_id and alert["severity"] == "critical"
    assert "Test fails" in body["text"] and "access token was revoked" in body["text"]
    assert alert["link"] == "/activity"
    [(headers, raw)] = receiver.posts
    assert headers[SIGNATURE_HEADER.lower()] == signature(ALERT_SECRET, raw)
    assert headers["content-type"] == "application/json"
    assert [a["job_id"] for a in _heard(alerts_on_page)] == [job_id]
    assert _count("job_failed") == before + 1


async def test_a_job_held_for_approval_is_an_alert(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    async def held(ctx: JobContext) -> dict[str, Any]:
        raise JobHeld("a guard rule held it")

    app.state.job_runner.register("test.held", held)
    job_id = await _run_job(app, sessionmaker, "test.held")
    [body] = await _posted(receiver, "job_held")
    assert body["alert"]["job_id"] == job_id and body["alert"]["severity"] == "warning"
    assert "approve" in body["text"]


async def _push_ended(app: FastAPI, pushed: int, failed: int) -> str:
    """A push's row as the runner leaves it, and the event the runner publishes as it ends."""
    sessions = app.state.sessionmaker
    async with sessions() as session, session.begin():
        job = await job_service.create(
            session, "sync.push", PushParams().model_dump(mode="json"), done=True
        )
        job.done, job.failed = pushed, failed
        metrics = {"mode": "batch", "pushed": pushed, "failed": failed, "api_calls": 20}
        job.report = {
            "direction": "push",
            "mode": "batch",
            "runs": [],
            "metrics": metrics,
            "errors": [],
        }
    async with sessions() as session:
        summary = JobSummary.from_job(await session.get_one(type(job), job.id))
    app.state.event_bus.publish("jobs", "job.completed", summary.model_dump(mode="json"))
    return job.id


async def test_a_sync_run_with_too_many_failures_raises_the_performance_pages_alert(
    app: FastAPI, receiver: Receiver, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """The same alert `GET /api/sync/performance` shows, raised as the run ends."""
    job_id = await _push_ended(app, pushed=90, failed=10)
    [body] = await _posted(receiver, "error_rate")
    assert body["alert"]["job_id"] == job_id
    assert body["alert"]["value"] == pytest.approx(0.1)
    assert "Push to Shopify" in body["text"] and "10.0% of products failed" in body["text"]
    performance = await client.get("/api/sync/performance", headers=admin_headers)
    assert [a["kind"] for a in performance.json()["runs"][0]["alerts"]] == ["error_rate"]


async def test_a_healthy_sync_run_raises_nothing(app: FastAPI, receiver: Receiver) -> None:
    await _push_ended(app, pushed=100, failed=0)
    app.state.event_bus.publish(SYSTEM, "backup.failed", {"reason": "the disk is full"})
    await _posted(receiver, "backup_failed")  # posted after the run's, had it raised any
    assert [body["alert"]["kind"] for body in receiver.alerts()] == ["backup_failed"]


async def _deliver(client: httpx.AsyncClient, body: bytes, webhook_id: str) -> None:
    response = await client.post(
        "/webhooks/shopify",
        content=body,
        headers={
            "X-Shopify-Topic": "products/update",
            "X-Shopify-Hmac-Sha256": signing.sign(SECRET, body),
            "X-Shopify-Webhook-Id": webhook_id,
        },
    )
    assert response.status_code == 200


async def test_webhook_events_given_up_on_are_told_at_once_then_counted_per_window(
    app: FastAPI, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    app.state.alerts.dead_webhooks.window = 1.0
    await _deliver(client, b'{"title": "no id"}', "dead-1")
    [first] = await _posted(receiver, "webhook_dead")
    assert first["alert"]["value"] == 1 and "without an id" in first["text"]
    assert first["alert"]["link"] == "/conflicts"
    await _deliver(client, b'{"title": "no id either"}', "dead-2")
    await _deliver(client, b'{"title": "nor this"}', "dead-3")
    _, second = await _posted(receiver, "webhook_dead", count=2)
    assert second["alert"]["value"] == 2 and "2 webhook events were given up on" in second["text"]


async def test_a_failed_backup_is_an_alert(
    app: FastAPI, tmp_path: Path, receiver: Receiver
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backups' folder should be")
    app.state.backups.settings = app.state.backups.settings.model_copy(
        update={"backup_dir": blocker}
    )
    assert await app.state.backups.run() is None
    [body] = await _posted(receiver, "backup_failed")
    assert "A backup failed" in body["text"] and "not-a-folder" in body["text"]


def _notice() -> Notice:
    return Notice(kind="job_failed", severity=Severity.critical, message="m", link="/activity")


async def test_the_post_is_tried_again_while_the_endpoint_is_down(receiver: Receiver) -> None:
    receiver.answers = [503, 429]
    delivery = WebhookDelivery(receiver.url, first_retry_seconds=0.01)
    try:
        assert await delivery.send(_notice()) is True
    finally:
        await delivery.close()
    assert len(receiver.posts) == 3
    assert SIGNATURE_HEADER.lower() not in receiver.posts[0][0]  # no secret, no signature


async def test_a_refused_post_is_not_sent_again(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.answers = [400]
    delivery = WebhookDelivery(receiver.url, first_retry_seconds=0.01)
    try:
        assert await delivery.send(_notice()) is False
    finally:
        await delivery.close()
    assert len(receiver.posts) == 1
    assert "alert not delivered to ALERT_WEBHOOK_URL: HTTP 400" in caplog.text


async def test_an_unreachable_endpoint_gives_up_after_the_last_attempt() -> None:
    delivery = WebhookDelivery("http://127.0.0.1:9/hook", first_retry_seconds=0.01)
    try:
        assert await asyncio.wait_for(delivery.send(_notice()), 30) is False
    finally:
        await delivery.close()


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "not a url", "https://"])
def test_the_webhook_url_must_be_http(url: str) -> None:
    with pytest.raises(ValidationError, match="ALERT_WEBHOOK_URL must be an http"):
        Settings(_env_file=None, environment="test", jwt_secret="x" * 40, alert_webhook_url=url)


def test_an_empty_webhook_url_is_unset() -> None:
    settings = Settings(
        _env_file=None, environment="test", jwt_secret="x" * 40, alert_webhook_url=" "
    )
    assert settings.alert_webhook_url is None
    assert create_app(settings).state.alerts.delivery is None
