"""The Activity page's jobs: what a queued job waits for (the job of its group running now);
a push's, pull's or import's changes and undo."""

from __future__ import annotations

from datetime import timedelta

import pytest

from product_dashboard.job.owner import this_process
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Job, JobState
from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]


async def test_a_queued_pull_says_it_waits_for_the_running_push(dashboard: Dashboard) -> None:
    now = utcnow()
    async with dashboard.harness.sessions() as session, session.begin():
        # A push running in this process for the whole test (its heartbeat never goes stale),
        # and a pull of the same store queued behind it.
        session.add(
            Job(
                id="a1" * 16,
                type="sync.push",
                state=JobState.running.value,
                params={},
                started_at=now,
                heartbeat_at=now + timedelta(hours=1),
                lease_owner=str(this_process()),
            )
        )
        session.add(Job(id="b2" * 16, type="sync.pull", state=JobState.queued.value, params={}))

    await dashboard.login()
    await dashboard.goto("/activity")
    table = dashboard.page.get_by_role("table", name="Jobs")
    pull = table.locator(f'tr[data-job-id="{"b2" * 16}"]')
    await expect(pull.get_by_test_id("job-waiting")).to_have_text(
        "Queued: waiting for another job to finish first (Push to Shopify, job a1a1a1a1)."
    )
    push = table.locator(f'tr[data-job-id="{"a1" * 16}"]')
    await expect(push).to_contain_text("Push to Shopify")
    await expect(push.get_by_test_id("job-waiting")).to_have_count(0)


async def test_an_imports_changes_and_undo_from_the_jobs_list(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    product_id = await h.create_product(title="Linen Shirt")
    handle = (await dashboard.api("GET", f"/api/products/{product_id}"))["handle"]
    csv = f"Handle,Title\n{handle},Linen Tee\n".encode()
    imported = await h.api(
        "POST", "/api/products/import", files={"file": ("edit.csv", csv, "text/csv")}
    )
    assert imported.status_code == 200, imported.text
    job_id = imported.json()["job_id"]

    await dashboard.login()
    await dashboard.goto("/activity")
    row = page.get_by_role("table", name="Jobs").locator(f'tr[data-job-id="{job_id}"]')
    await row.get_by_role("button", name="Changes").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text("What this import changed")
    await expect(dialog.get_by_role("table", name="Changes made")).to_contain_text(
        "title: Linen Shirt → Linen Tee"
    )
    await dialog.get_by_role("button", name="Preview undo").click()
    await (
        dialog.get_by_test_id("undo-preview").get_by_role("button", name="Undo this import").click()
    )
    await expect(dialog.get_by_test_id("undo-done")).to_contain_text(
        "1 products got their previous values back"
    )
    assert (await dashboard.api("GET", f"/api/products/{product_id}"))["title"] == "Linen Shirt"


async def test_an_alert_reaches_the_open_page_and_leads_to_where_it_is_dealt_with(
    dashboard: Dashboard,
) -> None:
    """Raised while the merchant is on the Products page (here: a backup that could not be
    written), the alert shows there, and its Open button goes to the Activity page."""
    await dashboard.login()
    await dashboard.goto("/products")
    settings = dashboard.harness.app.state.settings
    settings.backup_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.backup_dir.write_text("a file where the backups' folder should be")
    # Live events reach a page once its stream is open and subscribed; an alert raised before
    # that is not shown (the stream keeps no history), so the backup is tried until one is.
    await expect(dashboard.page.locator('.live-status[data-state="open"]')).to_be_visible()
    alert = dashboard.page.locator(".toast.critical", has_text="A backup failed").first
    for _ in range(10):
        failed = await dashboard.harness.api("POST", "/api/backups")
        assert failed.status_code >= 400
        try:
            await expect(alert).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            continue
    await expect(alert).to_be_visible()
    await alert.get_by_role("button", name="Open").click()
    await expect(dashboard.page).to_have_url(f"{dashboard.url}/activity")
