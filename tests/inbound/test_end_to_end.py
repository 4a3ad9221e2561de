"""Webhooks end to end: the emulator fires real signed deliveries after merchant edits."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from product_dashboard.config import Settings
from product_dashboard.kit.time import as_utc, parse_time
from product_dashboard.models import AuditEvent, ProductConflict
from tests.fixtures.waiting import wait_until
from tests.inbound.harness import Harness, running_harness

pytestmark = pytest.mark.integration


async def _linked(h: Harness) -> tuple[int, str]:
    product_id = await h.create_product()
    shopify_id = await h.push_and_settle(product_id)
    return product_id, shopify_id


async def test_remote_only_edit_is_merged_and_audited_as_webhook(settings: Settings) -> None:
    async with running_harness(settings) as h:
        product_id, shopify_id = await _linked(h)
        variant_id = (await h.product(product_id)).variants[0].shopify_variant_id

        await h.merchant_edit(
            shopify_id,
            title="Linen Shirt (2026)",
            tags="linen, summer, new",
            variants=[{"id": variant_id, "price": "34.50"}],
        )
        [event] = await h.wait_processed(shopify_id, 1)
        assert (event.state, event.outcome) == ("processed", "merged")

        product = await h.product(product_id)
        assert product.title == "Linen Shirt (2026)"
        assert sorted(t.name for t in product.tags) == ["linen", "new", "summer"]
        assert [v.price_cents for v in product.variants] == [3450, 3000]
        assert product.open_conflicts == 0
        # Local now equals Shopify: nothing to push back.
        assert product.synced_version == product.version
        async with h.sessions() as session:
            audits = list(
                await session.scalars(
                    select(AuditEvent).where(
                        AuditEvent.entity_id == str(product_id), AuditEvent.action == "update"
                    )
                )
            )
        assert [a.source for a in audits] == ["webhook"]
        assert audits[0].after is not None and audits[0].after["title"] == "Linen Shirt (2026)"


async def test_our_own_push_coming_back_is_recognised(settings: Settings) -> None:
    async with running_harness(settings) as h:
        product_id, shopify_id = await _linked(h)
        response = await h.api(
            "PUT", f"/api/products/{product_id}", json={"title": "Linen Shirt — local edit"}
        )
        assert response.status_code == 200, response.text
        await h.push(product_id)  # productSet → products/update echo

        [event] = await h.wait_processed(shopify_id, 1)
        assert event.outcome == "echo"
        product = await h.product(product_id)
        assert product.title == "Linen Shirt — local edit"
        assert product.open_conflicts == 0
        async with h.sessions() as session:
            assert (await session.scalars(select(ProductConflict))).first() is None


async def test_an_echo_that_beats_the_push_recorder_is_still_an_echo(settings: Settings) -> None:
    """Shopify can deliver our push's products/update before the push has recorded its result."""
    async with running_harness(settings) as h:
        product_id, shopify_id = await _linked(h)
        response = await h.api("PUT", f"/api/products/{product_id}", json={"title": "Ours"})
        assert response.status_code == 200, response.text
        # Shopify now holds our edit, and we have not recorded sending it: the early echo's state.
        # Its inventory differs too: sold out meanwhile.
        await h.merchant_edit(shopify_id, title="Ours", inventoryQuantity=0)

        [event] = await h.wait_processed(shopify_id, 1)
        assert event.outcome == "echo"
        product = await h.product(product_id)
        assert product.title == "Ours" and product.open_conflicts == 0
        # A remote stock change merges like any remote-only change (#15), never a conflict.
        await h.settle()
        product = await h.product(product_id)
        assert [v.inventory_quantity for v in product.variants] == [0, 0], [
            (e.id, e.topic, e.outcome, e.body[:400]) for e in await h.events()
        ]


async def test_duplicate_deliveries_are_processed_once(settings: Settings) -> None:
    async with running_harness(settings) as h:
        product_id, shopify_id = await _linked(h)
        await h.emulator("/_emulator/config", {"webhook_duplicate_rate": 1.0})
        await h.merchant_edit(shopify_id, vendor="Acme Mills")
        await h.wait_processed(shopify_id, 1)

        async def duplicate_seen() -> bool:
            metrics = (await h.api("GET", "/api/webhooks/metrics")).json()
            return bool(metrics["duplicates"] >= 1)

        await wait_until(duplicate_seen, what="the emulator's duplicate delivery")
        events = [e for e in await h.events(shopify_id) if e.topic == "products/update"]
        assert len(events) == 1
        assert events[0].attempts == 1 and events[0].outcome == "merged"
        async with h.sessions() as session:
            updates = list(
                await session.scalars(
                    select(AuditEvent).where(
                        AuditEvent.entity_id == str(product_id), AuditEvent.action == "update"
                    )
                )
            )
        assert len(updates) == 1


async def test_bad_signature_is_refused_and_nothing_stored(settings: Settings) -> None:
    async with running_harness(settings) as h:
        before = len(await h.events())
        response = await h.deliver(
            "products/update", {"id": 1, "title": "forged"}, webhook_id="forged-1", secret="wrong"
        )
        assert response.status_code == 401
        unsigned = await h.http.post(
            f"{h.app_url}/webhooks/shopify",
            content=b'{"id": 1}',
            headers={"X-Shopify-Topic": "products/update", "X-Shopify-Webhook-Id": "forged-2"},
        )
        assert unsigned.status_code == 401
        assert len(await h.events()) == before
        metrics = (await h.api("GET", "/api/webhooks/metrics")).json()
        assert metrics["refused"] == 2


async def test_out_of_order_delivery_is_ignored(settings: Settings) -> None:
    async with running_harness(settings) as h:
        product_id, shopify_id = await _linked(h)
        first = await h.merchant_edit(shopify_id, title="Second title")
        [newer] = await h.wait_processed(shopify_id, 1)
        assert newer.outcome == "merged"

        # A delivery about an older state of the product arrives late.
        stale = json.loads(newer.body)
        stale["title"] = "First title"
        stale["updated_at"] = "2020-01-01T00:00:00+00:00"
        response = await h.deliver("products/update", stale, webhook_id="late-delivery")
        assert response.status_code == 200
        events = await h.wait_processed(shopify_id, 2)
        late = next(e for e in events if e.webhook_id == "late-delivery")
        assert late.outcome == "stale"
        assert (await h.product(product_id)).title == "Second title"
        assert first["changed"] is True


async def test_a_late_echo_of_an_earlier_push_does_not_undo_a_later_one(
    settings: Settings,
) -> None:
    async with running_harness(settings) as h:
        product_id, shopify_id = await _linked(h)
        await h.api("PUT", f"/api/products/{product_id}", json={"title": "First pushed"})
        await h.push(product_id)
        # (The push's updates may be handled in one batch: the newest applied, the rest
        # superseded, all final at once.)
        first_echo = (await h.wait_processed(shopify_id, 1))[-1]
        await h.api("PUT", f"/api/products/{product_id}", json={"title": "Second pushed"})
        await h.push(product_id)
        pushed = await h.product(product_id)
        # Shopify's time of our write, recorded by the push itself (before its echo arrives).
        assert pushed.shopify_updated_at is not None
        store_time = parse_time((await h.remote_product(shopify_id))["updatedAt"])
        assert as_utc(pushed.shopify_updated_at) == store_time

        # Late: after the second push's echo is applied (arriving beside it, the two would be
        # one batch's, and the older superseded rather than stale).
        await h.wait_final(shopify_id, lambda e: json.loads(e.body)["title"] == "Second pushed")
        # The first push's echo, delivered again late (Shopify retries out of order).
        response = await h.deliver(
            "products/update", json.loads(first_echo.body), webhook_id="late-echo"
        )
        assert response.status_code == 200
        late = await h.wait_final(shopify_id, lambda e: e.webhook_id == "late-echo")

        assert late.outcome == "stale"
        product = await h.product(product_id)
        assert product.title == "Second pushed"
        assert product.synced_version == product.version
