"""Sync and conflicts in the browser, against the Shopify emulator."""

from __future__ import annotations

import re

import pytest

from product_dashboard.config import Settings
from product_dashboard.db import create_engine
from product_dashboard.demo import seed_demo_catalog
from product_dashboard.shopify.documents import WEBHOOK_SUBSCRIPTION_DELETE, WEBHOOK_SUBSCRIPTIONS
from tests.fixtures.waiting import wait_until
from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PRODUCTS = 40

RECORD_PERCENTAGES = """() => {
  window.__percentages = [];
  const main = document.querySelector("main");
  new MutationObserver(() => {
    const node = document.querySelector("[data-testid=sync-percent]");
    const seen = window.__percentages;
    if (node && seen[seen.length - 1] !== node.textContent) seen.push(node.textContent);
  }).observe(main, { subtree: true, childList: true, characterData: true });
}"""


async def test_push_sync_reaches_100_percent_with_live_progress(
    dashboard: Dashboard, settings: Settings
) -> None:
    h, page = dashboard.harness, dashboard.page
    engine = create_engine(settings.database_url)
    try:
        await seed_demo_catalog(engine, PRODUCTS, seed=3)
    finally:
        await engine.dispose()
    await h.emulator("/_emulator/config", {"latency_ms": 30})  # slow enough to watch it move

    await dashboard.login()
    await page.get_by_role("link", name="Sync").click()
    await expect(page.get_by_text("Waiting to push")).to_be_visible()
    await page.get_by_label("Mode").select_option("sequential")
    await page.evaluate(RECORD_PERCENTAGES)
    await page.get_by_role("button", name="Start sync").click()

    run = page.get_by_test_id("sync-run")
    await expect(page.get_by_test_id("sync-percent")).to_have_text("100%", timeout=60_000)
    await expect(run).to_have_attribute("data-state", "completed")
    await expect(run).to_contain_text(f"{PRODUCTS} of {PRODUCTS} products")
    seen = [int(text.rstrip("%")) for text in await page.evaluate("window.__percentages")]
    assert any(0 < value < 100 for value in seen), seen  # shown while it ran, not only at the end
    assert seen == sorted(seen), seen
    await expect(page.get_by_role("img", name="Throughput over time")).to_be_visible()
    await expect(page.get_by_role("table", name="Sync runs").get_by_role("row")).to_have_count(2)

    status = await dashboard.api("GET", "/api/sync/parallel/status")
    assert (status["direction"], status["mode"]) == ("push", "sequential")
    synced = await dashboard.api("GET", "/api/products", params={"sync_state": "synced"})
    assert synced["total"] == PRODUCTS


async def test_resolve_a_conflict_field_by_field(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    product_id = await h.create_product()
    shopify_id = await h.push_and_settle(product_id)
    await dashboard.api(
        "PUT", f"/api/products/{product_id}", json={"title": "Linen Shirt (ours)", "vendor": "Us"}
    )
    await h.merchant_edit(shopify_id, title="Linen Shirt (theirs)", vendor="Them")
    [event] = await h.wait_processed(shopify_id, 1)
    assert event.outcome == "conflict"

    await dashboard.login()
    nav_count = page.get_by_role("navigation", name="Main").get_by_label("open conflicts")
    await expect(nav_count).to_have_text("1")
    await page.get_by_role("link", name="Conflicts").click()
    compare = page.get_by_role("table", name="Conflicting fields of Linen Shirt (ours)")
    title_row = compare.get_by_role("row").filter(has_text="Title")
    await expect(title_row).to_contain_text("Linen Shirt (ours)")
    await expect(title_row).to_contain_text("Linen Shirt (theirs)")
    await expect(title_row).to_contain_text("Linen Shirt")  # the last synced value, the base
    vendor_row = compare.get_by_role("row").filter(has_text="Vendor")

    await title_row.get_by_role("radio", name="Shopify's").check()
    await vendor_row.get_by_role("radio", name="Ours").check()
    await page.get_by_role("button", name="Apply chosen values").click()
    await expect(page.get_by_role("heading", name="No open conflicts")).to_be_visible()
    await expect(nav_count).to_be_hidden()

    product = await dashboard.api("GET", f"/api/products/{product_id}")
    assert (product["title"], product["vendor"]) == ("Linen Shirt (theirs)", "Us")
    [conflict] = (await dashboard.api("GET", "/api/conflicts", params={"state": "resolved"}))[
        "items"
    ]
    assert conflict["resolution"] == "merge"


async def test_a_conflict_tells_a_value_cleared_from_one_not_known(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    product_id = await h.create_product(template_suffix="spring")
    shopify_id = await h.push_and_settle(product_id)
    await dashboard.api("PUT", f"/api/products/{product_id}", json={"template_suffix": ""})
    await h.merchant_edit(shopify_id, templateSuffix="summer")
    [event] = await h.wait_processed(shopify_id, 1)
    assert event.outcome == "conflict"

    await dashboard.login()
    await page.get_by_role("link", name="Conflicts").click()
    compare = page.get_by_role("table", name="Conflicting fields of Linen Shirt")
    row = compare.get_by_role("row").filter(has_text="summer")
    await expect(row).to_contain_text("(none)")  # ours: cleared here, not "(not known)"
    await expect(row).to_contain_text("spring")  # the last synced value
    await expect(row).not_to_contain_text("(not known)")


async def test_stop_and_resume_a_sync(dashboard: Dashboard, settings: Settings) -> None:
    h, page = dashboard.harness, dashboard.page
    engine = create_engine(settings.database_url)
    try:
        await seed_demo_catalog(engine, 30, seed=5)
    finally:
        await engine.dispose()
    await h.emulator("/_emulator/config", {"latency_ms": 250})
    await dashboard.login()
    await dashboard.goto("/sync")
    await page.get_by_label("Mode").select_option("sequential")
    await page.get_by_role("button", name="Start sync").click()
    run = page.get_by_test_id("sync-run")
    await expect(run).to_have_attribute("data-state", "running")
    await page.get_by_role("button", name="Stop").click()
    await expect(run).to_have_attribute("data-state", "stopped", timeout=30_000)
    stopped_at = int((await page.get_by_test_id("sync-percent").text_content() or "0").rstrip("%"))
    assert stopped_at < 100

    await h.emulator("/_emulator/config", {"latency_ms": 0})
    await page.get_by_role("button", name="Resume").click()
    await expect(page.get_by_test_id("sync-percent")).to_have_text("100%", timeout=60_000)
    await expect(run).to_have_attribute("data-state", "completed")
    synced = await dashboard.api("GET", "/api/products", params={"sync_state": "synced"})
    assert synced["total"] == 30


async def test_push_selected_products_from_the_list(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    chosen = await h.create_product(title="Linen Shirt")
    other = await h.create_product(title="Wool Scarf", tags=["wool"], options=[], variants=[{}])
    await dashboard.login()
    table = page.get_by_role("table", name="Products")
    await table.get_by_role("checkbox", name="Select Linen Shirt").check()
    await (
        page.get_by_role("toolbar", name="Bulk actions")
        .get_by_role("button", name="Push to Shopify")
        .click()
    )
    await page.get_by_role("button", name="Follow on Sync").click()
    await expect(page.get_by_test_id("sync-percent")).to_have_text("100%")
    await expect(page.get_by_test_id("sync-run")).to_contain_text("1 of 1 products")
    states = {
        product_id: (await dashboard.api("GET", f"/api/products/{product_id}"))["sync_state"]
        for product_id in (chosen, other)
    }
    assert states == {chosen: "synced", other: "never_synced"}


BUDGET_CHART_TOP = """() => {
  const labels = [...document.querySelectorAll("svg.budget text")].map((t) => t.textContent);
  return Math.max(...labels.filter((t) => !t.endsWith(" s")).map(Number));
}"""


async def test_a_run_started_elsewhere_shows_up_live_and_a_stopped_one_says_so(
    dashboard: Dashboard, settings: Settings
) -> None:
    h, page = dashboard.harness, dashboard.page
    engine = create_engine(settings.database_url)
    try:
        await seed_demo_catalog(engine, PRODUCTS, seed=4)
    finally:
        await engine.dispose()
    await h.emulator("/_emulator/config", {"latency_ms": 300})  # long enough to stop it

    await dashboard.login()
    await page.get_by_role("link", name="Sync").click()
    runs = page.get_by_role("table", name="Sync runs")
    await expect(page.get_by_text("No runs yet")).to_be_visible()
    # Started by a teammate (or another tab): the page shows it and lists it without a reload.
    started = await dashboard.api("POST", "/api/sync/parallel/start", json={"mode": "sequential"})
    run = page.get_by_test_id("sync-run")
    await expect(run).to_have_attribute("data-job-id", started["job_id"])
    await expect(runs.get_by_role("row")).to_have_count(2)
    await expect(runs).to_contain_text(re.compile("running", re.I))

    async def pushed_a_few() -> bool:
        status = await dashboard.api("GET", "/api/sync/parallel/status")
        return bool(status["progress"]["done"] >= 5)

    await wait_until(pushed_a_few, "a few products pushed")
    await page.get_by_role("button", name="Stop").click()
    await expect(run).to_have_attribute("data-state", "stopped", timeout=30_000)
    await expect(run).to_contain_text("stopped just now")
    await expect(run).not_to_contain_text("finished")
    status = await dashboard.api("GET", "/api/sync/parallel/status")
    left = PRODUCTS - status["progress"]["done"]
    await expect(run).to_contain_text(f"{left} left to resume")
    await expect(runs).to_contain_text(re.compile("stopped", re.I))
    waiting = page.locator(".stat").filter(has_text="Waiting to push").locator(".value")
    await expect(waiting).to_have_text(str(left))
    # No rate over less than a second: no sample can exceed the run's whole cost.
    top = await page.evaluate(BUDGET_CHART_TOP)
    assert top <= 2 * max(1, status["metrics"]["cost_points"]), (top, status["metrics"])


async def test_a_pull_offers_its_own_modes_and_runs_in_the_one_chosen(dashboard: Dashboard) -> None:
    page = dashboard.page
    dashboard.console.allow(r"status of 422")  # the refused first paged pull, explained on the page
    await dashboard.login()
    await page.get_by_role("link", name="Sync").click()
    mode = page.get_by_label("Mode")
    await expect(mode.locator("option")).to_have_count(5)
    await page.get_by_label("Direction").select_option("pull")
    await expect(mode.locator("option")).to_have_text(
        [re.compile("^Automatic"), re.compile("^Page by page"), "Bulk query"]
    )
    await mode.select_option("sequential")
    await page.get_by_role("button", name="Start sync").click()
    await expect(page.get_by_text("The sync could not start")).to_be_visible()
    await expect(page.get_by_text("the first pull (nothing has been pulled yet)")).to_be_visible()

    await mode.select_option("bulk")
    await page.get_by_role("button", name="Start sync").click()
    run = page.get_by_test_id("sync-run")
    await expect(run).to_have_attribute("data-state", "completed", timeout=60_000)
    await expect(page.get_by_text("Current run · Pull · Bulk")).to_be_visible()
    await expect(mode).to_have_value("bulk")  # the form keeps the merchant's choice
    # A pull's changes, results files and undo, as a push's (the store was empty: none).
    await expect(page.get_by_text("What this pull changed")).to_be_visible()
    await expect(page.get_by_role("button", name="Preview undo")).to_be_visible()


async def test_check_shopify_now_follows_its_job_and_shows_each_failure_with_why(
    dashboard: Dashboard,
) -> None:
    h, page = dashboard.harness, dashboard.page
    linked = []
    for _ in range(12):
        product_id = await h.create_product()
        linked.append((product_id, await h.push(product_id)))
    # Gone from Shopify at once, with no webhook telling us: too many to read as deletions.
    subscriptions = await h.shopify.execute(WEBHOOK_SUBSCRIPTIONS, {"first": 100})
    for node in subscriptions.data["webhookSubscriptions"]["nodes"]:
        await h.shopify.execute(WEBHOOK_SUBSCRIPTION_DELETE, {"id": node["id"]}, idempotent=False)
    for _, shopify_id in linked:
        await h.emulator(f"/_emulator/products/{shopify_id}/delete")

    await dashboard.login()
    await page.get_by_role("link", name="Conflicts").click()
    await page.get_by_role("button", name="Check Shopify now").click()

    notice = page.get_by_role("status").filter(has_text="could not be checked")
    await expect(notice).to_contain_text("12 products could not be checked", timeout=60_000)
    await notice.get_by_text("12 failed").click()
    reasons = notice.get_by_role("listitem")
    await expect(reasons).to_have_count(12)
    await expect(reasons.first).to_contain_text("not in Shopify's export")
