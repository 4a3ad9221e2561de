"""Missed webhooks: detection on demand, the reconciliation pull, and subscription registration."""

from __future__ import annotations

import pytest

from product_dashboard.config import Settings
from product_dashboard.inbound.detect import DETECT_JOB
from product_dashboard.inbound.registration import TOPICS, register
from product_dashboard.job import service as job_service
from tests.fixtures.waiting import wait_until
from tests.inbound.harness import Harness, running_harness

pytestmark = pytest.mark.integration


async def _linked(h: Harness) -> tuple[int, str]:
    product_id = await h.create_product()
    return product_id, await h.push(product_id)


async def test_detect_merges_and_flags_changes_no_webhook_told_us_about(
    settings: Settings,
) -> None:
    async with running_harness(settings, subscribe=False) as h:
        merged_id, merged_gid = await _linked(h)
        conflicted_id, conflicted_gid = await _linked(h)
        untouched_id, _ = await _linked(h)
        await h.merchant_edit(merged_gid, vendor="Acme Mills")
        await h.merchant_edit(conflicted_gid, title="Theirs")
        response = await h.api("PUT", f"/api/products/{conflicted_id}", json={"title": "Ours"})
        assert response.status_code == 200

        response = await h.api("POST", "/api/conflicts/detect", json={})
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["job_id"] is None and result["checked"] == 3, result
        assert result["outcomes"] == {"merged": 1, "conflict": 1, "echo": 1}, result["errors"]
        assert [c["product_id"] for c in result["conflicts"]] == [conflicted_id]
        assert (await h.product(merged_id)).vendor == "Acme Mills"
        assert (await h.product(conflicted_id)).open_conflicts == 1
        assert (await h.product(untouched_id)).open_conflicts == 0
        assert await h.events() == []  # nothing came by webhook


async def test_detect_runs_as_a_job_above_the_inline_limit(settings: Settings) -> None:
    async with running_harness(settings, subscribe=False, conflict_detect_inline_limit=1) as h:
        first_id, first_gid = await _linked(h)
        await _linked(h)
        await h.merchant_edit(first_gid, vendor="Elsewhere")
        response = await h.api("POST", "/api/conflicts/detect", json={})
        assert response.status_code == 200, response.text
        job = await h.wait_job(response.json()["job_id"])
        assert job["state"] == "completed", job
        assert job["report"]["outcomes"] == {"merged": 1, "echo": 1}
        assert (await h.product(first_id)).vendor == "Elsewhere"


async def test_a_detect_job_resumed_after_a_crash_keeps_what_earlier_pages_found(
    settings: Settings,
) -> None:
    async with running_harness(settings, subscribe=False) as h:
        first_id, _ = await _linked(h)
        second_id, second_gid = await _linked(h)
        await h.merchant_edit(second_gid, vendor="Elsewhere")
        # As a process killed after the first page leaves it: checkpoint and counters, no report.
        async with h.sessions() as session, session.begin():
            job = await job_service.create(
                session, DETECT_JOB.name, {"product_ids": [first_id, second_id]}
            )
            job.total, job.done = 2, 1
            job.checkpoint = {"after_id": first_id, "outcomes": {"echo": 1}, "conflicts": []}
        finished = await h.wait_job(job.id)
        assert finished["state"] == "completed", finished
        assert finished["report"]["outcomes"] == {"echo": 1, "merged": 1}
        assert (finished["progress"]["done"], finished["progress"]["total"]) == (2, 2)
        assert (await h.product(second_id)).vendor == "Elsewhere"


async def test_reconciliation_pull_catches_a_missed_webhook(settings: Settings) -> None:
    async with running_harness(settings, subscribe=False) as h:
        product_id, shopify_id = await _linked(h)
        await h.merchant_edit(shopify_id, title="Changed while we were not listening")
        response = await h.api("POST", "/api/conflicts/reconcile")
        assert response.status_code == 200, response.text
        assert response.json()["outcomes"].get("merged") == 1
        assert (await h.product(product_id)).title == "Changed while we were not listening"
        again = (await h.api("POST", "/api/conflicts/reconcile")).json()
        assert "merged" not in again["outcomes"]  # the overlap re-reads it: now an echo


async def test_registration_is_idempotent(settings: Settings) -> None:
    async with running_harness(settings) as h:
        report = await register(h.shopify, f"{h.app_url}/webhooks/shopify")
        assert report["created"] == [] and report["already_present"] == sorted(TOPICS)


async def test_start_up_registers_subscriptions_when_a_callback_url_is_set(
    settings: Settings,
) -> None:
    callback = "https://dashboard.example.com/webhooks/shopify"
    async with running_harness(settings, subscribe=False, webhook_callback_url=callback) as h:

        async def registered() -> bool:
            status = (await h.api("GET", "/api/webhooks/status")).json()
            return bool(status["registration"]["state"] == "registered")

        await wait_until(registered, what="start-up registration")
        status = (await h.api("GET", "/api/webhooks/status")).json()
        assert sorted(status["registration"]["created"]) == sorted(TOPICS)
        again = await register(h.shopify, callback)
        assert again["created"] == []  # what start-up made is found, not duplicated


async def test_registration_reconcile_and_detect_spend_from_the_stores_one_pacer(
    settings: Settings,
) -> None:
    callback = "https://dashboard.example.com/webhooks/shopify"
    async with running_harness(settings, subscribe=False, webhook_callback_url=callback) as h:
        pacer = h.app.state.store_gateway.pacer

        async def registered() -> bool:
            status = (await h.api("GET", "/api/webhooks/status")).json()
            return bool(status["registration"]["state"] == "registered")

        await wait_until(registered, what="start-up registration")
        assert pacer.stats().acquisitions > 0  # nothing but registration has called Shopify
        _, shopify_id = await _linked(h)
        await h.merchant_edit(shopify_id, vendor="Acme Mills")

        before = pacer.stats()
        response = await h.api("POST", "/api/conflicts/reconcile")
        assert response.status_code == 200, response.text
        assert response.json()["outcomes"].get("merged") == 1
        after_reconcile = pacer.stats()
        assert after_reconcile.acquisitions > before.acquisitions
        assert after_reconcile.points_spent > before.points_spent

        response = await h.api("POST", "/api/conflicts/detect", json={})
        assert response.status_code == 200, response.text
        assert response.json()["checked"] == 1
        assert pacer.stats().acquisitions > after_reconcile.acquisitions


async def test_without_a_store_inbound_refuses_with_the_one_not_configured_error(
    settings: Settings,
) -> None:
    async with running_harness(
        settings, subscribe=False, shopify_store_url=None, shopify_access_token=None
    ) as h:
        for path in ("/api/conflicts/reconcile", "/api/conflicts/detect"):
            response = await h.api("POST", path, json={})
            assert response.status_code == 409, response.text
            assert response.json()["error"] == "shopify_not_configured"
            assert "SHOPIFY_STORE_URL" in response.json()["detail"]
