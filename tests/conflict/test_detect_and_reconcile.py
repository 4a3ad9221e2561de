"""Missed webhooks: detection on demand, the reconciliation pull, and subscription registration."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from product_dashboard.config import Settings
from product_dashboard.inbound.detect import DETECT_JOB
from product_dashboard.inbound.registration import TOPICS, register, register_with_retries
from product_dashboard.job import service as job_service
from tests.fixtures.waiting import wait_until
from tests.inbound.harness import Harness, running_harness

pytestmark = pytest.mark.integration


async def _linked(h: Harness) -> tuple[int, str]:
    product_id = await h.create_product()
    return product_id, await h.push(product_id)


async def _check(h: Harness, path: str) -> dict[str, Any]:
    """Start a check (it answers at once with its job) and wait for the job to end."""
    response = await h.api("POST", path, json={})
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["job_id"] and started["already_running"] is False, started
    job = await h.wait_job(started["job_id"])
    assert job["state"] == "completed", job
    return job


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

        result = (await _check(h, "/api/conflicts/detect"))["report"]
        assert result["checked"] == 3, result
        assert result["outcomes"] == {"merged": 1, "conflict": 1, "echo": 1}, result["errors"]
        assert [c["product_id"] for c in result["conflicts"]] == [conflicted_id]
        assert (await h.product(merged_id)).vendor == "Acme Mills"
        assert (await h.product(conflicted_id)).open_conflicts == 1
        assert (await h.product(untouched_id)).open_conflicts == 0
        assert await h.events() == []  # nothing came by webhook


SELL = """
mutation($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) { userErrors { code message } }
}
"""
VARIANT_STOCK = """
query($id: ID!) {
  productVariant(id: $id) { inventoryQuantity inventoryItem { id } }
  locations(first: 1) { nodes { id } }
}
"""


async def test_detect_merges_a_sale_no_webhook_told_us_about(settings: Settings) -> None:
    """A sale moves no product's updatedAt (the reconciliation pull, by time, cannot see it):
    detection reads every linked product and merges the quantity as a webhook would."""
    async with running_harness(settings, subscribe=False) as h:
        product_id, _ = await _linked(h)
        variant = (await h.product(product_id)).variants[0]
        read = (await h.shopify.execute(VARIANT_STOCK, {"id": variant.shopify_variant_id})).data
        sold = read["productVariant"]["inventoryQuantity"] - 2
        quantity = {
            "inventoryItemId": read["productVariant"]["inventoryItem"]["id"],
            "locationId": read["locations"]["nodes"][0]["id"],
            "quantity": sold,
            "changeFromQuantity": None,
        }
        response = await h.shopify.execute(
            SELL,
            {"input": {"name": "available", "reason": "correction", "quantities": [quantity]}},
            idempotent=False,
        )
        assert response.data["inventorySetQuantities"]["userErrors"] == []

        result = (await _check(h, "/api/conflicts/detect"))["report"]

        assert result["outcomes"] == {"echo": 1}, result
        merged = {v.id: v.inventory_quantity for v in (await h.product(product_id)).variants}
        assert merged[variant.id] == sold
        assert await h.events() == []  # nothing came by webhook


async def test_detect_reads_a_scope_above_the_by_id_limit_in_bulk(settings: Settings) -> None:
    async with running_harness(settings, subscribe=False, conflict_detect_by_id_limit=1) as h:
        first_id, first_gid = await _linked(h)
        second_id, _ = await _linked(h)
        await h.merchant_edit(first_gid, vendor="Elsewhere")
        response = await h.api(
            "POST", "/api/conflicts/detect", json={"product_ids": [first_id, second_id]}
        )
        assert response.status_code == 202, response.text
        job = await h.wait_job(response.json()["job_id"])
        assert job["state"] == "completed", job
        assert job["report"]["outcomes"] == {"merged": 1, "echo": 1}
        assert job["report"]["source"] == "bulk" and len(job["report"]["bulk"]) == 1
        assert (await h.product(first_id)).vendor == "Elsewhere"


async def test_detect_reports_every_product_it_could_not_check_with_the_reason(
    settings: Settings,
) -> None:
    """Twelve linked products gone from Shopify at once is not read as twelve deletions: each
    is a failure of the check, with why, in the job's report and counters."""
    async with running_harness(settings, subscribe=False) as h:
        linked = [await _linked(h) for _ in range(12)]
        for _, shopify_id in linked:
            await h.emulator(f"/_emulator/products/{shopify_id}/delete")

        job = await _check(h, "/api/conflicts/detect")

        report = job["report"]
        assert report["failed"] == 12 and job["progress"]["failed"] == 12
        assert sorted(e["product_id"] for e in report["errors"]) == sorted(p for p, _ in linked)
        assert all("not in Shopify's export" in e["error"] for e in report["errors"])
        for product_id, _ in linked:
            assert (await h.product(product_id)).deleted_at is None


async def _results(h: Harness, job_id: str) -> dict[int, dict[str, Any]]:
    """The job's results rows by product."""
    response = await h.api("GET", f"/api/jobs/{job_id}/results", params={"per_page": 100})
    assert response.status_code == 200, response.text
    return {row["product_id"]: row for row in response.json()["items"]}


async def test_detect_has_a_results_row_per_product_changed_conflicting_or_gone(
    settings: Settings,
) -> None:
    async with running_harness(settings, subscribe=False) as h:
        merged_id, merged_gid = await _linked(h)
        conflicted_id, conflicted_gid = await _linked(h)
        gone_id, gone_gid = await _linked(h)
        untouched_id, _ = await _linked(h)
        await h.merchant_edit(merged_gid, vendor="Acme Mills")
        await h.merchant_edit(conflicted_gid, title="Theirs")
        response = await h.api("PUT", f"/api/products/{conflicted_id}", json={"title": "Ours"})
        assert response.status_code == 200
        await h.emulator(f"/_emulator/products/{gone_gid}/delete")

        job = await _check(h, "/api/conflicts/detect")

        rows = await _results(h, job["id"])
        assert set(rows) == {merged_id, conflicted_id, gone_id}, rows
        merged = rows[merged_id]
        assert merged["action"] == "updated" and merged["shopify_product_id"] == merged_gid
        # (beside the fields Shopify told us of for the first time, which the merge learns too)
        vendor = [c for c in merged["changes"] if c["path"] == "vendor"]
        assert [(c["old"] != "Acme Mills", c["new"]) for c in vendor] == [(True, "Acme Mills")]
        assert rows[conflicted_id]["action"] == "conflict"
        assert "title" in rows[conflicted_id]["error"], rows[conflicted_id]
        assert rows[gone_id]["action"] == "deleted", rows[gone_id]
        assert untouched_id not in rows
        summary = await h.api("GET", f"/api/jobs/{job['id']}/results/summary")
        assert summary.json()["counts"]["actions"] == {"updated": 1, "conflict": 1, "deleted": 1}


async def test_a_detect_results_file_names_each_product_it_could_not_check_with_why(
    settings: Settings,
) -> None:
    async with running_harness(settings, subscribe=False) as h:
        linked = [await _linked(h) for _ in range(12)]
        for _, shopify_id in linked:
            await h.emulator(f"/_emulator/products/{shopify_id}/delete")

        job = await _check(h, "/api/conflicts/detect")

        rows = await _results(h, job["id"])
        assert set(rows) == {product_id for product_id, _ in linked}
        for product_id, shopify_id in linked:
            assert rows[product_id]["action"] == "failed"
            assert rows[product_id]["shopify_product_id"] == shopify_id
            assert "not in Shopify's export" in rows[product_id]["error"]
        file = await h.api("GET", f"/api/jobs/{job['id']}/results.csv")
        assert file.text.count("not in Shopify's export") == 12


async def test_a_second_check_while_one_runs_is_that_job(settings: Settings) -> None:
    async with running_harness(settings, subscribe=False) as h:
        await _linked(h)
        await h.emulator("/_emulator/config", {"bulk_startup_seconds": 2})
        first = (await h.api("POST", "/api/conflicts/detect", json={})).json()
        second = (await h.api("POST", "/api/conflicts/detect", json={})).json()
        assert second == {**first, "already_running": True, "state": second["state"]}
        assert (await h.wait_job(first["job_id"]))["state"] == "completed"


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


async def test_a_detect_job_stopped_during_its_export_collects_the_same_operation(
    settings: Settings,
) -> None:
    async with running_harness(settings, subscribe=False) as h:
        product_id, shopify_id = await _linked(h)
        await h.merchant_edit(shopify_id, vendor="Elsewhere")
        await h.emulator("/_emulator/config", {"bulk_startup_seconds": 3})
        job_id = (await h.api("POST", "/api/conflicts/detect", json={})).json()["job_id"]

        async def export_started() -> bool:
            async with h.sessions() as session:
                job = await job_service.get(session, job_id)
                parts = (job.checkpoint or {}).get("parts") or []
                return bool(parts and parts[0].get("operation_id"))

        await wait_until(export_started, what="the detect job's export to start")
        assert (await h.api("POST", f"/api/jobs/{job_id}/cancel")).status_code == 200
        stopped = await h.wait_job(job_id)
        assert stopped["state"] == "stopped", stopped
        async with h.sessions() as session:
            operation_id = (await job_service.get(session, job_id)).checkpoint["parts"][0][
                "operation_id"
            ]
        assert (await h.product(product_id)).vendor != "Elsewhere"  # nothing applied yet

        await h.emulator("/_emulator/config", {"bulk_startup_seconds": 0})
        assert (await h.api("POST", f"/api/jobs/{job_id}/resume")).status_code == 200
        finished = await h.wait_job(job_id)

        assert finished["state"] == "completed", finished
        assert finished["report"]["outcomes"] == {"merged": 1}
        assert [o["id"] for o in finished["report"]["bulk"]] == [operation_id]
        assert (await h.product(product_id)).vendor == "Elsewhere"


async def test_reconciliation_pull_catches_a_missed_webhook(settings: Settings) -> None:
    async with running_harness(settings, subscribe=False) as h:
        product_id, shopify_id = await _linked(h)
        await h.merchant_edit(shopify_id, title="Changed while we were not listening")
        report = (await _check(h, "/api/conflicts/reconcile"))["report"]
        assert report["outcomes"].get("merged") == 1, report["errors"]
        assert report["bulk"] and report["failed"] == 0
        assert (await h.product(product_id)).title == "Changed while we were not listening"
        again = (await _check(h, "/api/conflicts/reconcile"))["report"]
        assert "merged" not in again["outcomes"]  # the overlap re-reads it: now an echo


async def _variant_exports(h: Harness) -> dict[str, int]:
    """The store's productVariants bulk exports: how many variants each read, by id."""
    response = await h.shopify.execute(
        '{ bulkOperations(first: 100, query: "operation_type:query") '
        "{ nodes { id query rootObjectCount } } }"
    )
    return {
        op["id"]: int(op["rootObjectCount"])
        for op in response.data["bulkOperations"]["nodes"]
        if "productVariants" in op["query"]
    }


async def test_reconciliation_exports_the_variants_of_the_changed_products_only(
    settings: Settings,
) -> None:
    async with running_harness(settings, subscribe=False) as h:
        await h.emulator("/_emulator/seed", {"products": 60, "seed": 3})  # unchanged for days
        product_id, shopify_id = await _linked(h)
        await h.merchant_edit(shopify_id, title="Changed while we were not listening")
        earlier = await _variant_exports(h)
        report = (await _check(h, "/api/conflicts/reconcile"))["report"]
        assert report["outcomes"].get("merged") == 1, report["errors"]
        ran = {k: n for k, n in (await _variant_exports(h)).items() if k not in earlier}
        assert sum(ran.values()) == len((await h.product(product_id)).variants)


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


async def test_registration_in_flight_always_reports_a_state(settings: Settings) -> None:
    """The status endpoint shows the report while start-up registration runs: it never reads
    an emptied one (it once did, between the previous attempt's report and the next's)."""
    callback = "https://dashboard.example.com/webhooks/shopify"
    async with running_harness(settings, subscribe=False) as h:
        report: dict[str, Any] = {"state": "pending", "callback_url": callback}
        registering = asyncio.create_task(register_with_retries(h.shopify, callback, report))
        states: list[str | None] = []
        while not registering.done():
            states.append(report.get("state"))
            await asyncio.sleep(0)
        await registering
        assert set(states) == {"pending"}, states
        assert report["state"] == "registered" and sorted(report["created"]) == sorted(TOPICS)


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
        report = (await _check(h, "/api/conflicts/reconcile"))["report"]
        assert report["outcomes"].get("merged") == 1
        after_reconcile = pacer.stats()
        assert after_reconcile.acquisitions > before.acquisitions
        assert after_reconcile.points_spent > before.points_spent

        report = (await _check(h, "/api/conflicts/detect"))["report"]
        assert report["checked"] == 1
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
