"""Webhook API and processor behaviour: test delivery, status, metrics, events, retries, leases."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.inbound import signing
from product_dashboard.inbound.processor import WebhookProcessor
from product_dashboard.inbound.sample import sample_product_payload
from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.main import create_app
from product_dashboard.models import AuditEvent, Product, WebhookEvent
from tests.fixtures.waiting import wait_until
from tests.inbound.harness import SECRET

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    configured = settings.model_copy(update={"shopify_webhook_secret": SECRET})
    application = create_app(configured)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def bare_sessions(settings: Settings) -> AsyncIterator[Sessions]:
    """Sessions on the test database with no app (and so no background processor) running."""
    engine = create_engine(settings.database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _deliver(client: httpx.AsyncClient, topic: str, body: bytes, webhook_id: str) -> int:
    response = await client.post(
        "/webhooks/shopify",
        content=body,
        headers={
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": signing.sign(SECRET, body),
            "X-Shopify-Webhook-Id": webhook_id,
        },
    )
    return response.status_code


async def test_test_endpoint_sends_a_signed_sample_through_the_receiver(
    client: httpx.AsyncClient, admin_headers: dict[str, str], sessionmaker: Sessions
) -> None:
    response = await client.post("/api/webhooks/test", headers=admin_headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["accepted"] is True and result["duplicate"] is False
    assert result["event"]["topic"] == "products/update"

    async def processed() -> bool:
        async with sessionmaker() as session:
            event = (await session.scalars(select(WebhookEvent))).one()
            return event.state == "processed"

    await wait_until(processed, what="the test delivery to be processed")
    async with sessionmaker() as session:
        event = (await session.scalars(select(WebhookEvent))).one()
        assert event.outcome == "test" and event.shop_domain == "dashboard-self-test"
        # Read and understood, never applied: no product, no linked Shopify id, nothing to push.
        assert (await session.scalars(select(Product))).all() == []
        audited = (await session.scalars(select(AuditEvent))).one()
    assert (audited.action, audited.entity_id) == ("test_sent", result["webhook_id"])
    assert audited.actor_email is not None and audited.actor_email.startswith("admin")
    assert audited.source == "api"

    status = (await client.get("/api/webhooks/status", headers=admin_headers)).json()
    assert status["receiving"] is True and status["processing"] is True
    assert status["pending"] == 0 and status["dead"] == 0
    assert status["last_received_at"] is not None
    metrics = (await client.get("/api/webhooks/metrics", headers=admin_headers)).json()
    assert (metrics["received"], metrics["accepted"], metrics["processed"]) == (1, 1, 1)
    assert metrics["outcomes"] == {"test": 1}
    assert metrics["ack_latency"]["samples"] == 1


async def test_test_deliveries_are_for_admins_and_carry_only_the_sample(
    client: httpx.AsyncClient,
    viewer_headers: dict[str, str],
    editor_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    assert (await client.post("/api/webhooks/test", headers=viewer_headers)).status_code == 403
    assert (await client.post("/api/webhooks/test", headers=editor_headers)).status_code == 403
    own_payload = {"topic": "products/update", "payload": sample_product_payload()}
    response = await client.post("/api/webhooks/test", json=own_payload, headers=admin_headers)
    assert response.status_code == 422 and "payload" in response.text
    for path in ("/api/webhooks/status", "/api/webhooks/metrics", "/api/webhooks/events"):
        assert (await client.get(path)).status_code == 401


async def test_events_list_filters_by_topic_and_state(
    client: httpx.AsyncClient, admin_headers: dict[str, str], sessionmaker: Sessions
) -> None:
    body = json.dumps({"id": 42, "admin_graphql_api_id": "gid://shopify/Collection/42"}).encode()
    assert await _deliver(client, "collections/update", body, "c-1") == 200
    assert await _deliver(client, "app/uninstalled", b"{}", "u-1") == 200
    assert await _deliver(client, "app/uninstalled", b"{}", "u-1") == 200  # duplicate

    async def all_final() -> bool:
        async with sessionmaker() as session:
            states = set(await session.scalars(select(WebhookEvent.state)))
            return states <= {"processed", "ignored"}

    await wait_until(all_final, what="both events to be handled")
    page = (
        await client.get(
            "/api/webhooks/events", params={"topic": "collections/update"}, headers=admin_headers
        )
    ).json()
    assert page["total"] == 1 and page["items"][0]["outcome"] == "not_linked"
    ignored = (
        await client.get("/api/webhooks/events", params={"state": "ignored"}, headers=admin_headers)
    ).json()
    assert [e["webhook_id"] for e in ignored["items"]] == ["u-1"]
    assert ignored["items"][0]["outcome"] == "unsupported_topic"


async def test_unreadable_payload_goes_to_dead_letter_and_can_be_replayed(
    client: httpx.AsyncClient, admin_headers: dict[str, str], sessionmaker: Sessions
) -> None:
    assert await _deliver(client, "products/update", b'{"title": "no id"}', "bad-1") == 200

    async def dead() -> bool:
        async with sessionmaker() as session:
            return (await session.scalars(select(WebhookEvent.state))).one() == "dead"

    await wait_until(dead, what="the unreadable event to be dead-lettered")
    status = (await client.get("/api/webhooks/status", headers=admin_headers)).json()
    assert status["dead"] == 1
    [event] = (await client.get("/api/webhooks/events", headers=admin_headers)).json()["items"]
    assert "without an id" in event["last_error"]
    replay = await client.post(f"/api/webhooks/events/{event['id']}/replay", headers=admin_headers)
    assert replay.status_code == 200 and replay.json()["state"] == "pending"
    await wait_until(dead, what="the replayed event to fail again")


async def test_a_price_finer_than_a_cent_is_dead_lettered_not_rounded(
    client: httpx.AsyncClient, admin_headers: dict[str, str], sessionmaker: Sessions
) -> None:
    """KWD 12.345: rounded into the catalog, the next push would send 12.35 back to Shopify."""
    payload = sample_product_payload()
    payload["variants"][0]["price"] = "12.345"
    body = json.dumps(payload).encode()
    assert await _deliver(client, "products/update", body, "kwd-1") == 200

    async def dead() -> bool:
        async with sessionmaker() as session:
            return (await session.scalars(select(WebhookEvent.state))).one() == "dead"

    await wait_until(dead, what="the event to be dead-lettered")
    [event] = (await client.get("/api/webhooks/events", headers=admin_headers)).json()["items"]
    assert "'12.345' must have at most 2 decimal places" in event["last_error"]
    async with sessionmaker() as session:
        assert (await session.scalars(select(Product))).all() == []


async def test_transient_failures_are_retried_then_dead_lettered(
    bare_sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessionmaker = bare_sessions
    from product_dashboard.inbound import processor as processor_module

    calls = 0

    async def failing(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(processor_module, "handle", failing)
    async with sessionmaker() as session, session.begin():
        session.add(WebhookEvent(webhook_id="t-1", topic="products/update", body="{}"))
    processor = WebhookProcessor(sessionmaker, None, max_attempts=3, retry_base_seconds=0.01)
    for _ in range(50):
        await processor.run_once()
        async with sessionmaker() as session:
            event = (await session.scalars(select(WebhookEvent))).one()
        if event.state == "dead":
            break
        await wait_until(_due(sessionmaker), timeout=5, what="the retry to be due")
    assert (event.state, event.attempts, calls) == ("dead", 3, 3)
    assert event.last_error == "RuntimeError: database hiccup"


def _due(sessionmaker: Sessions) -> Callable[[], Awaitable[bool]]:
    async def due() -> bool:
        async with sessionmaker() as session:
            event = (await session.scalars(select(WebhookEvent))).one()
            return event.state == "dead" or as_utc(event.next_attempt_at) <= utcnow()

    return due


async def test_an_expired_claim_is_taken_over(bare_sessions: Sessions) -> None:
    """A process died while processing: once its lease ends, another processor takes over."""
    sessionmaker = bare_sessions
    body = json.dumps(sample_product_payload())
    async with sessionmaker() as session, session.begin():
        session.add(
            WebhookEvent(webhook_id="orphan", topic="products/update", body=body, attempts=1)
        )
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(WebhookEvent).values(
                state="processing", locked_until=utcnow() + timedelta(seconds=30)
            )
        )
    processor = WebhookProcessor(sessionmaker, None)
    assert await processor.run_once() == 0  # still leased to the (presumed live) owner
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(WebhookEvent).values(locked_until=utcnow() - timedelta(seconds=1))
        )
    assert await processor.run_once() == 1
    async with sessionmaker() as session:
        event = (await session.scalars(select(WebhookEvent))).one()
    assert (event.state, event.outcome, event.attempts) == ("processed", "created", 2)
