"""The safety net in the browser: preview a push, see a guard rule hold it, approve it, undo it."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from typing import Any

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Route

from product_dashboard.config import Settings
from product_dashboard.sync import jobs as sync_jobs
from tests.fixtures.waiting import wait_until
from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"guard_block_deletions": True})


async def test_preview_a_push_approve_what_a_guard_held_then_undo_it(
    dashboard: Dashboard,
) -> None:
    h, page = dashboard.harness, dashboard.page
    kept = await h.create_product(title="Linen Shirt", handle="linen-shirt")
    doomed = await h.create_product(
        title="Old Scarf",
        handle="old-scarf",
        variants=[
            {"option_values": ["S"], "price": "9.00", "sku": "OS-S"},
            {"option_values": ["M"], "price": "9.00", "sku": "OS-M"},
        ],
    )
    shopify_id = await h.push(kept)
    await h.push(doomed)
    await dashboard.api("PUT", f"/api/products/{kept}", json={"title": "Linen Shirt, renamed"})
    await dashboard.api("DELETE", f"/api/products/{doomed}")

    await dashboard.login()
    await page.get_by_role("link", name="Sync").click()
    await page.get_by_label("Mode").select_option("sequential")
    await page.get_by_role("button", name="Preview push").click()
    preview = page.get_by_role("region", name="Preview: what a push would change")
    await expect(preview).to_be_visible(timeout=30_000)
    changes = preview.get_by_role("table", name="Previewed changes")
    await expect(changes).to_contain_text("title: Linen Shirt → Linen Shirt, renamed")
    await expect(changes).to_contain_text("old-scarf")
    await expect(preview).to_contain_text("would wait for approval")
    assert (await h.remote_product(shopify_id))["title"] == "Linen Shirt", "a preview sends nothing"

    await page.get_by_role("button", name="Start sync").click()
    held = page.get_by_role("region", name="Waiting for approval")
    await expect(held.get_by_test_id("guard-hit")).to_contain_text("deletes 1 products")
    await expect(page.get_by_test_id("sync-run")).to_have_attribute(
        "data-state", "awaiting_approval"
    )
    assert (await h.remote_product(shopify_id))["title"] == "Linen Shirt", "held: nothing sent"

    await held.get_by_role("button", name="Approve and push").click()
    made = page.get_by_role("region", name="What this push changed")
    await expect(made).to_be_visible(timeout=30_000)
    await expect(made.get_by_role("table", name="Changes made")).to_contain_text(
        "Linen Shirt, renamed"
    )
    assert (await h.remote_product(shopify_id))["title"] == "Linen Shirt, renamed"

    await made.get_by_role("button", name="Preview undo").click()
    undo = page.get_by_test_id("undo-preview")
    await expect(undo).to_contain_text("1 products would get their previous values back")
    await expect(undo).to_contain_text("deleted by the job")
    await expect(undo.get_by_role("table", name="Undo changes")).to_contain_text(
        "title: Linen Shirt, renamed → Linen Shirt"
    )
    await undo.get_by_role("button", name="Undo this push").click()

    async def restored() -> bool:
        return (await h.remote_product(shopify_id))["title"] == "Linen Shirt"

    await wait_until(restored, "the undo's push to restore the title in Shopify")
    product = await dashboard.api("GET", f"/api/products/{kept}")
    assert product["title"] == "Linen Shirt"


async def test_a_status_read_at_the_start_answering_after_the_hold_does_not_undo_it(
    dashboard: Dashboard,
) -> None:
    """The page reads a push's status when it starts and again when a guard holds it; the first
    answer may come back last. The run stays shown as held (no later event would correct it)."""
    page = dashboard.page
    await _a_deletion_to_push_on_the_sync_page(dashboard)
    await expect(page.get_by_test_id("sync-run")).to_have_attribute("data-state", "completed")

    first: list[Any] = []  # the new run's first status answer, held back
    shown_held = asyncio.Event()
    first_delivered = asyncio.Event()

    async def first_answers_last(route: Route) -> None:
        response = await route.fetch()
        holding = (await response.json())["state"] == "awaiting_approval"
        # Only a first answer that precedes the hold is held back, until the page shows the hold
        # (learnt from a later read or from the live updates, whichever came first); a first
        # answer that already says held is the one the page must show anyway.
        late = not first and not holding
        if late:
            first.append(response)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(shown_held.wait(), 60)
        with contextlib.suppress(PlaywrightError):
            await route.fulfill(response=response)
        if late:
            first_delivered.set()

    await page.route(re.compile(r"/api/sync/parallel/status\?"), first_answers_last)
    await page.get_by_role("button", name="Start sync").click()
    held = page.get_by_role("region", name="Waiting for approval")
    await expect(held.get_by_test_id("guard-hit")).to_contain_text("deletes 1 products")
    shown_held.set()
    if first:  # the page's first read preceded the hold: its answer arrives now, after it
        await asyncio.wait_for(first_delivered.wait(), 30)
        await page.wait_for_timeout(500)  # time for the late answer to be drawn, were it used
    await expect(page.get_by_test_id("sync-run")).to_have_attribute(
        "data-state", "awaiting_approval"
    )


# Counts the page's status reads as it sends them (the route hears of a request a little later).
COUNT_STATUS_READS = """
window.statusReadsSent = 0;
const send = window.fetch;
window.fetch = (url, ...rest) => {
  if (String(url).includes("/api/sync/parallel/status")) window.statusReadsSent += 1;
  return send(url, ...rest);
};
"""


async def test_the_hold_stays_shown_when_every_status_read_before_it_answers_after_its_event(
    dashboard: Dashboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load the page's status reads of a new push (at its start, and when it starts
    running) can all be answered before a guard holds it and arrive after the hold's live event
    (CI: the hold shown, the run "running" for good). Forced here: the push waits before its
    preview until every read the page sent has been answered, and those answers are delivered
    only once the hold's event has reached the page. The run must show as held."""
    h, page = dashboard.harness, dashboard.page
    doomed = await h.create_product(title="Old Scarf", handle="old-scarf")
    await h.push(doomed)
    await dashboard.api("DELETE", f"/api/products/{doomed}")

    frames: list[str] = []
    page.on(
        "websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload)))
    )
    await page.add_init_script(COUNT_STATUS_READS)
    await dashboard.login()
    await page.get_by_role("link", name="Sync").click()
    await expect(page.get_by_test_id("sync-run")).to_have_attribute("data-state", "completed")

    # The push waits before its preview (so before any hold) until the test lets it go.
    at_preview, go_on = threading.Event(), threading.Event()
    preview = sync_jobs.preview_job

    async def preview_when_let(*args: Any) -> Any:
        at_preview.set()
        await asyncio.to_thread(go_on.wait, 60)
        return await preview(*args)

    monkeypatch.setattr(sync_jobs, "preview_job", preview_when_let)

    answered: list[Any] = []  # every answer read before the hold, held back
    deliver = asyncio.Event()

    async def answer_after_the_hold(route: Route) -> None:
        response = await route.fetch()
        if (await response.json())["state"] != "awaiting_approval":
            answered.append(response)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(deliver.wait(), 60)
        with contextlib.suppress(PlaywrightError):
            await route.fulfill(response=response)

    def seen(kind: str) -> bool:
        return any(f'"type":"{kind}"' in frame.replace(" ", "") for frame in frames)

    await page.route(re.compile(r"/api/sync/parallel/status\?"), answer_after_the_hold)
    try:
        before = await page.evaluate("window.statusReadsSent")
        await page.get_by_role("button", name="Start sync").click()
        assert await asyncio.to_thread(at_preview.wait, 30), "the push never reached its preview"
        await wait_until(lambda: _true(seen("job.started")), "the page to hear the push started")
        sent = await page.evaluate("window.statusReadsSent") - before
        await wait_until(lambda: _true(len(answered) >= sent), "the page's status reads answered")
        go_on.set()
        await wait_until(lambda: _true(seen("job.awaiting_approval")), "the hold's event")
        await page.evaluate("0")  # the event is handled before the answers below arrive
        deliver.set()
        held = page.get_by_role("region", name="Waiting for approval")
        await expect(held.get_by_test_id("guard-hit")).to_contain_text("deletes 1 products")
        await expect(page.get_by_test_id("sync-run")).to_have_attribute(
            "data-state", "awaiting_approval"
        )
    finally:
        go_on.set()
        deliver.set()


async def test_a_hold_approved_elsewhere_leaves_the_page_before_the_push_ends(
    dashboard: Dashboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A teammate (another tab) approves the hold: the page drops the Approve button as soon as
    it hears of it, not only once the push has ended."""
    page = dashboard.page
    await _a_deletion_to_push_on_the_sync_page(dashboard)
    await page.get_by_role("button", name="Start sync").click()
    held = page.get_by_role("region", name="Waiting for approval")
    await expect(held.get_by_test_id("guard-hit")).to_contain_text("deletes 1 products")

    # Once approved, the push waits before sending until the test lets it go.
    go_on = threading.Event()
    run = sync_jobs.PushEngine.run

    async def run_when_let(self: Any, *args: Any) -> Any:
        await asyncio.to_thread(go_on.wait, 60)
        return await run(self, *args)

    monkeypatch.setattr(sync_jobs.PushEngine, "run", run_when_let)
    try:
        jobs = await dashboard.api("GET", "/api/jobs", params={"state": "awaiting_approval"})
        [job] = jobs["items"]
        await dashboard.api("POST", f"/api/jobs/{job['id']}/approve")
        await expect(held).to_have_count(0)
        assert not go_on.is_set()
    finally:
        go_on.set()
    await expect(page.get_by_role("region", name="What this push changed")).to_be_visible(
        timeout=30_000
    )


async def _a_deletion_to_push_on_the_sync_page(dashboard: Dashboard) -> None:
    """A product pushed, then deleted here (the guard holds its push); logged in, on Sync."""
    h = dashboard.harness
    doomed = await h.create_product(title="Old Scarf", handle="old-scarf")
    await h.push(doomed)
    await dashboard.api("DELETE", f"/api/products/{doomed}")
    await dashboard.login()
    await dashboard.page.get_by_role("link", name="Sync").click()


async def _true(value: bool) -> bool:
    return value


async def test_add_a_schedule_and_see_its_next_run(dashboard: Dashboard) -> None:
    page = dashboard.page
    await dashboard.login()
    await page.get_by_role("link", name="Sync").click()
    schedules = page.get_by_role("region", name="Schedules")
    await expect(schedules).to_contain_text("No schedules")
    await schedules.get_by_label("Schedule name").fill("Nightly pull")
    await schedules.get_by_label("Runs").select_option("pull")
    await schedules.get_by_label("Cron expression").fill("0 3 * * *")
    await schedules.get_by_role("button", name="Add schedule").click()
    row = schedules.get_by_role("table", name="Schedules").get_by_role("row").nth(1)
    await expect(row).to_contain_text("Nightly pull")
    await expect(row).to_contain_text("03:00 UTC")
    await expect(row).to_contain_text("not run yet")

    dashboard.console.allow("422")
    await schedules.get_by_label("Schedule name").fill("Broken")
    await schedules.get_by_label("Cron expression").fill("every night")
    await schedules.get_by_role("button", name="Add schedule").click()
    await expect(schedules.get_by_role("alert")).to_contain_text("could not be added")
    await schedules.get_by_role("button", name="Remove schedule Nightly pull").click()
    await expect(schedules).to_contain_text("No schedules")
