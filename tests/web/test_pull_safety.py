"""A pull's safety net in the browser, as a push's: a guard rule holds it, it is approved, what it
changed is shown, and it is undone."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page

from product_dashboard.config import Settings
from product_dashboard.shopify.documents import WEBHOOK_SUBSCRIPTION_DELETE, WEBHOOK_SUBSCRIPTIONS
from tests.fixtures.waiting import wait_until
from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"guard_catalog_share_percent": 50.0})


async def _push_approved(dashboard: Dashboard, product_id: int) -> str:
    """The push of the one product (all of the catalog: held by the same rule), approved."""
    body = {"direction": "push", "mode": "sequential", "product_ids": [product_id]}
    job_id = (await dashboard.api("POST", "/api/sync/parallel/start", json=body))["job_id"]

    async def held() -> bool:
        job = await dashboard.api("GET", f"/api/jobs/{job_id}")
        return bool(job["state"] == "awaiting_approval")

    await wait_until(held, "the push held by the guard rule")
    await dashboard.api("POST", f"/api/jobs/{job_id}/approve")
    job = await dashboard.harness.wait_job(job_id)
    assert job["state"] == "completed", job
    shopify_id = (await dashboard.harness.product(product_id)).shopify_product_id
    assert shopify_id is not None
    return shopify_id


async def test_a_held_pull_is_approved_then_undone(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    product_id = await h.create_product(title="Linen Shirt")
    shopify_id = await _push_approved(dashboard, product_id)
    # The merchant renames it in Shopify, and no webhook says so: the pull brings it.
    subscriptions = await h.shopify.execute(WEBHOOK_SUBSCRIPTIONS, {"first": 100})
    for node in subscriptions.data["webhookSubscriptions"]["nodes"]:
        await h.shopify.execute(WEBHOOK_SUBSCRIPTION_DELETE, {"id": node["id"]}, idempotent=False)
    await h.merchant_edit(shopify_id, title="Linen Shirt, renamed in Shopify")

    await dashboard.login()
    await _start_bulk_pull(page)
    held = page.get_by_role("region", name="Waiting for approval")
    await expect(held.get_by_test_id("guard-hit")).to_be_visible(timeout=60_000)
    await expect(held).to_contain_text("A guard rule held this pull")
    assert (await dashboard.api("GET", f"/api/products/{product_id}"))["title"] == "Linen Shirt"

    await held.get_by_role("button", name="Approve and pull").click()
    made = page.get_by_role("region", name="What this pull changed")
    await expect(made.get_by_role("table", name="Changes made")).to_contain_text(
        "title: Linen Shirt → Linen Shirt, renamed in Shopify", timeout=60_000
    )
    # What Shopify told that was never known here (its defaults) is counted after what changed.
    changes = made.get_by_role("table", name="Changes made").get_by_role("listitem")
    await expect(changes.first).to_contain_text("title: Linen Shirt →")
    await expect(changes.last).to_contain_text(re.compile(r"\d+ fields known for the first time"))
    product = await dashboard.api("GET", f"/api/products/{product_id}")
    assert product["title"] == "Linen Shirt, renamed in Shopify"

    await made.get_by_role("button", name="Preview undo").click()
    undo = page.get_by_test_id("undo-preview")
    await expect(undo).to_contain_text("1 products would get their previous values back")
    await undo.get_by_role("button", name="Undo this pull").click()
    await expect(page.get_by_test_id("undo-done")).to_contain_text(
        "1 products got their previous values back"
    )
    assert (await dashboard.api("GET", f"/api/products/{product_id}"))["title"] == "Linen Shirt"


async def _start_bulk_pull(page: Page) -> None:
    await page.get_by_role("link", name="Sync").click()
    await page.get_by_label("Direction").select_option("pull")
    await page.get_by_label("Mode").select_option("bulk")
    await page.get_by_role("button", name="Start sync").click()


async def test_a_pull_that_only_read_fields_not_known_here_says_so_not_updated(
    dashboard: Dashboard,
) -> None:
    """A product made here and pushed: the first pull reads Shopify's defaults of the fields
    the push never sent. Nothing here is replaced: the catalog-share rule does not hold it, its
    row says "Fields now known", with what that means, and the job counts it as unchanged."""
    h, page = dashboard.harness, dashboard.page
    product_id = await h.create_product(title="Linen Shirt")
    await _push_approved(dashboard, product_id)

    await dashboard.login()
    await _start_bulk_pull(page)
    made = page.get_by_role("region", name="What this pull changed")
    table = made.get_by_role("table", name="Changes made")
    await expect(table).to_contain_text("Fields now known", timeout=60_000)
    await expect(made.get_by_test_id("learned-note")).to_contain_text("nothing here was replaced")
    await expect(made.get_by_test_id("change-counts")).to_contain_text("1 with fields now known")
    await expect(page.get_by_text("1 unchanged").first).to_be_visible()
