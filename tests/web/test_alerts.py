"""Alerts kept: one raised while no page was open is counted in the header and listed on the
Activity page when a page opens; acknowledging it clears the count, and a new one bumps it."""

from __future__ import annotations

import pytest

from tests.fixtures.waiting import wait_until
from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _backups_cannot_be_written(dashboard: Dashboard, blocker: str) -> None:
    settings = dashboard.harness.app.state.settings
    settings.backup_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.backup_dir.write_text(blocker)


async def _fail_a_backup(dashboard: Dashboard, kept: int) -> None:
    """A backup that cannot be written (a file where its folder should be): a real alert."""
    failed = await dashboard.harness.api("POST", "/api/backups")
    assert failed.status_code >= 400

    async def stored() -> bool:
        return (await dashboard.api("GET", "/api/alerts"))["total"] == kept

    await wait_until(stored, what=f"{kept} alert(s) kept")


async def test_an_alert_raised_while_no_page_was_open_is_shown_then_acknowledged(
    dashboard: Dashboard,
) -> None:
    _backups_cannot_be_written(dashboard, "a file where the backups' <b>folder</b> should be")
    await _fail_a_backup(dashboard, kept=1)

    page = dashboard.page
    await dashboard.login()
    count = page.locator(".alerts-link .count")
    await expect(count).to_have_text("1")
    await expect(page.get_by_role("link", name="Alerts: 1 unacknowledged")).to_be_visible()

    await page.get_by_role("link", name="Alerts: 1 unacknowledged").click()
    await expect(page).to_have_url(f"{dashboard.url}/activity")
    alerts = page.get_by_role("list", name="Alerts")
    [alert] = (await dashboard.api("GET", "/api/alerts"))["items"]
    item = alerts.locator(f'li[data-alert-id="{alert["id"]}"]')
    await expect(item).to_contain_text("A backup failed")
    await expect(item).to_contain_text("Critical")
    # The message is text: the folder's name is not markup.
    assert await item.locator("b").count() == 0
    await expect(item.get_by_role("link", name="Open: A backup failed")).to_have_attribute(
        "href", "/activity"
    )

    await item.get_by_role("button", name="Acknowledge").click()
    await expect(count).to_be_hidden()
    await expect(page.get_by_role("link", name="Alerts: none unacknowledged")).to_be_visible()
    await expect(page.get_by_text("No alerts to read")).to_be_visible()
    [kept] = (await dashboard.api("GET", "/api/alerts"))["items"]
    assert kept["acknowledged_by"] == dashboard.admin_email

    await page.get_by_label("Show acknowledged").check()
    await expect(alerts).to_contain_text("Acknowledged")
    await expect(alerts.get_by_role("button", name="Acknowledge")).to_have_count(0)

    # Raised while the page is open: the toast shows it and the count goes up.
    await _fail_a_backup(dashboard, kept=2)
    await expect(count).to_have_text("1")
    await expect(page.locator(".toast.critical", has_text="A backup failed").first).to_be_visible()


async def test_a_viewer_reads_the_alerts_but_has_nothing_to_acknowledge_them_with(
    dashboard: Dashboard,
) -> None:
    _backups_cannot_be_written(dashboard, "not a folder")
    await _fail_a_backup(dashboard, kept=1)

    await dashboard.login(dashboard.viewer_email)
    await expect(dashboard.page.locator(".alerts-link .count")).to_have_text("1")
    await dashboard.goto("/activity")
    alerts = dashboard.page.get_by_role("list", name="Alerts")
    await expect(alerts).to_contain_text("A backup failed")
    await expect(alerts.get_by_role("link", name="Open: A backup failed")).to_be_visible()
    await expect(dashboard.page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    await expect(dashboard.page.get_by_role("button", name="Acknowledge all")).to_have_count(0)
