"""Webhook delivery over real loopback HTTP: headers, HMAC, retries, timeouts, duplicates."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from shopify_emulator.webhooks import WebhookDispatcher
from tests.shopify_emulator._fixtures_e2 import WebhookReceiver, free_port_url, serve_app

pytestmark = pytest.mark.integration

SECRET = "hush"
SHOP = "emulated.myshopify.com"
PAYLOAD = {"id": 788032119674292922, "title": "Tee ✓", "tags": "a, b"}


def make_dispatcher(**kwargs: object) -> WebhookDispatcher:
    options: dict[str, object] = {"time_scale": 0.0005, "timeout_s": 2.0}
    options.update(kwargs)
    return WebhookDispatcher(SECRET, SHOP, "2026-10", **options)  # type: ignore[arg-type]


async def test_delivers_signed_body_with_shopify_headers_to_each_subscriber() -> None:
    receiver = WebhookReceiver(SECRET)
    with serve_app(receiver.app()) as base:
        dispatcher = make_dispatcher()
        dispatcher.create_subscription("PRODUCTS_UPDATE", f"{base}/hook")
        dispatcher.create_subscription("PRODUCTS_UPDATE", f"{base}/hook?second=1")
        dispatcher.create_subscription("PRODUCTS_DELETE", f"{base}/hook?other=1")
        async with dispatcher:
            event_id = dispatcher.publish("PRODUCTS_UPDATE", PAYLOAD)
            await dispatcher.drain(10)
    assert len(receiver.received) == 2
    assert all(r.hmac_ok for r in receiver.received)
    for received in receiver.received:
        headers = received.headers
        assert headers["x-shopify-topic"] == "products/update"
        assert headers["x-shopify-shop-domain"] == SHOP
        assert headers["x-shopify-api-version"] == "2026-10"
        assert headers["x-shopify-event-id"] == event_id
        assert headers["content-type"] == "application/json"
        assert headers["x-shopify-triggered-at"].endswith("Z")
        assert json.loads(received.body) == PAYLOAD
    assert len({r.headers["x-shopify-webhook-id"] for r in receiver.received}) == 2
    stats = dispatcher.stats()
    assert (stats.published, stats.deliveries, stats.delivered, stats.pending) == (1, 2, 2, 0)


async def test_retries_failed_delivery_with_same_webhook_id() -> None:
    receiver = WebhookReceiver(SECRET, fail_first=3)
    with serve_app(receiver.app()) as base:
        dispatcher = make_dispatcher()
        dispatcher.create_subscription("COLLECTIONS_CREATE", f"{base}/hook")
        async with dispatcher:
            dispatcher.publish("collections/create", {"id": 1})
            await dispatcher.drain(10)
    assert len(receiver.received) == 1
    webhook_id = receiver.received[0].headers["x-shopify-webhook-id"]
    assert receiver.attempts_by_webhook == {webhook_id: 4}
    stats = dispatcher.stats()
    assert (stats.delivered, stats.failed_attempts, stats.gave_up) == (1, 3, 0)
    assert [a.attempt for a in dispatcher.recent_attempts()] == [0, 1, 2, 3]
    assert [a.status_code for a in dispatcher.recent_attempts()] == [500, 500, 500, 200]


async def test_gives_up_after_max_retries() -> None:
    receiver = WebhookReceiver(SECRET, always_fail=True)
    with serve_app(receiver.app()) as base:
        dispatcher = make_dispatcher(max_retries=2)
        dispatcher.create_subscription("PRODUCTS_CREATE", f"{base}/hook")
        async with dispatcher:
            dispatcher.publish("PRODUCTS_CREATE", {"id": 2})
            await dispatcher.drain(10)
    assert sum(receiver.attempts_by_webhook.values()) == 3
    stats = dispatcher.stats()
    assert (stats.delivered, stats.failed_attempts, stats.gave_up, stats.pending) == (0, 3, 1, 0)


async def test_slow_receiver_counts_as_failure_and_is_retried() -> None:
    receiver = WebhookReceiver(SECRET, slow_first=1, slow_seconds=1.0)
    with serve_app(receiver.app()) as base:
        dispatcher = make_dispatcher(timeout_s=0.2)
        dispatcher.create_subscription("PRODUCTS_UPDATE", f"{base}/hook")
        async with dispatcher:
            dispatcher.publish("PRODUCTS_UPDATE", {"id": 3})
            await dispatcher.drain(10)
    attempts = dispatcher.recent_attempts()
    assert attempts[0].error == "timeout" and attempts[0].status_code is None
    assert attempts[-1].ok
    assert dispatcher.stats().delivered == 1


async def test_connection_refused_is_a_failed_attempt() -> None:
    dispatcher = make_dispatcher(max_retries=1)
    dispatcher.create_subscription("PRODUCTS_UPDATE", free_port_url())
    async with dispatcher:
        dispatcher.publish("PRODUCTS_UPDATE", {"id": 4})
        await dispatcher.drain(10)
    stats = dispatcher.stats()
    assert (stats.failed_attempts, stats.gave_up) == (2, 1)
    assert all(a.error and "Connect" in a.error for a in dispatcher.recent_attempts())


async def test_duplicate_rate_redelivers_same_webhook_id() -> None:
    receiver = WebhookReceiver(SECRET)
    with serve_app(receiver.app()) as base:
        dispatcher = make_dispatcher(duplicate_rate=1.0)
        dispatcher.create_subscription("PRODUCTS_UPDATE", f"{base}/hook")
        async with dispatcher:
            for n in range(5):
                dispatcher.publish("PRODUCTS_UPDATE", {"id": n})
            await dispatcher.drain(10)
    counts = Counter(r.headers["x-shopify-webhook-id"] for r in receiver.received)
    assert len(counts) == 5 and set(counts.values()) == {2}
    assert dispatcher.stats().duplicates == 5


async def test_publish_before_start_is_queued_and_no_subscriber_is_a_no_op() -> None:
    receiver = WebhookReceiver(SECRET)
    with serve_app(receiver.app()) as base:
        dispatcher = make_dispatcher()
        dispatcher.publish("BULK_OPERATIONS_FINISH", {"nobody": "listens"})
        dispatcher.create_subscription("BULK_OPERATIONS_FINISH", f"{base}/hook")
        dispatcher.publish("BULK_OPERATIONS_FINISH", {"admin_graphql_api_id": "x"})
        assert dispatcher.stats().pending == 1
        async with dispatcher:
            await dispatcher.drain(10)
    assert [json.loads(r.body) for r in receiver.received] == [{"admin_graphql_api_id": "x"}]
    assert receiver.received[0].headers["x-shopify-topic"] == "bulk_operations/finish"
    assert dispatcher.stats().published == 2


async def test_drain_times_out_while_a_retry_is_waiting() -> None:
    dispatcher = make_dispatcher(time_scale=1.0)
    dispatcher.create_subscription("PRODUCTS_UPDATE", free_port_url())
    async with dispatcher:
        dispatcher.publish("PRODUCTS_UPDATE", {"id": 5})
        with pytest.raises(TimeoutError):
            await dispatcher.drain(0.3)
        assert dispatcher.stats().pending == 1


async def test_include_fields_trims_the_body_per_subscription() -> None:
    receiver = WebhookReceiver(SECRET)
    with serve_app(receiver.app()) as base:
        dispatcher = make_dispatcher()
        dispatcher.create_subscription("PRODUCTS_UPDATE", f"{base}/hook?all=1")
        dispatcher.create_subscription(
            "PRODUCTS_UPDATE", f"{base}/hook?some=1", include_fields=["id", "tags"]
        )
        async with dispatcher:
            dispatcher.publish("PRODUCTS_UPDATE", PAYLOAD)
            await dispatcher.drain(10)
    bodies = sorted((json.loads(r.body) for r in receiver.received), key=len)
    assert bodies == [{"id": PAYLOAD["id"], "tags": "a, b"}, PAYLOAD]
    assert all(r.hmac_ok for r in receiver.received)
