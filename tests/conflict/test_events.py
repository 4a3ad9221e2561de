"""The `conflicts` channel: detection, merges and resolutions are published once committed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from product_dashboard.config import Settings
from product_dashboard.eventstream.bus import CONFLICTS, Event, EventBus
from product_dashboard.inbound import signing
from product_dashboard.inbound.sample import sample_product_payload
from product_dashboard.main import create_app
from tests.fixtures.waiting import wait_until
from tests.inbound.harness import SECRET

pytestmark = pytest.mark.integration


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"shopify_webhook_secret": SECRET}))
    async with application.router.lifespan_context(application):
        yield application


async def _deliver(
    client: httpx.AsyncClient, topic: str, payload: dict[str, object], wid: str
) -> None:
    body = json.dumps(payload).encode()
    response = await client.post(
        "/webhooks/shopify",
        content=body,
        headers={
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": signing.sign(SECRET, body),
            "X-Shopify-Webhook-Id": wid,
        },
    )
    assert response.status_code == 200, response.text


async def test_conflict_lifecycle_is_published(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    bus: EventBus = app.state.event_bus
    seen: list[Event] = []
    with bus.subscribe([CONFLICTS]) as subscription:

        async def drain(kind: str) -> bool:
            while (event := subscription.get_nowait()) is not None:
                seen.append(event)
            return any(e.type == kind for e in seen)

        created = sample_product_payload()
        created["updated_at"] = "2026-11-28T10:00:00+00:00"
        await _deliver(client, "products/create", created, "w-1")

        async def linked() -> bool:
            page = (await client.get("/api/products", headers=admin_headers)).json()
            return page["total"] == 1

        await wait_until(linked, what="the product created from Shopify")
        product = (await client.get("/api/products", headers=admin_headers)).json()["items"][0]
        edit = await client.put(
            f"/api/products/{product['id']}", json={"vendor": "Ours"}, headers=admin_headers
        )
        assert edit.status_code == 200, edit.text

        theirs = dict(
            created, vendor="Theirs", title="Retitled", updated_at="2026-11-28T11:00:00+00:00"
        )
        await _deliver(client, "products/update", theirs, "w-2")
        await wait_until(lambda: drain("conflict.detected"), what="conflict.detected")
        detected = next(e for e in seen if e.type == "conflict.detected")
        assert detected.data["product_id"] == product["id"]
        assert detected.data["fields"] == ["vendor"]
        assert detected.data["source"] == "webhook"

        response = await client.post(
            f"/api/conflicts/{detected.data['conflict_id']}/resolve",
            json={"strategy": "keep_remote"},
            headers=admin_headers,
        )
        assert response.status_code == 200, response.text
        await wait_until(lambda: drain("conflict.resolved"), what="conflict.resolved")
        resolved = next(e for e in seen if e.type == "conflict.resolved")
        assert resolved.data["resolution"] == "keep_remote"
        # Shopify's title came in without asking; after keep_remote nothing is left to push.
        assert response.json()["push_needed"] is False
        final = (await client.get(f"/api/products/{product['id']}", headers=admin_headers)).json()
        assert (final["title"], final["vendor"], final["sync_state"]) == (
            "Retitled",
            "Theirs",
            "synced",
        )
