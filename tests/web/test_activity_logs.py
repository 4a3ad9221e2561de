"""The Activity page shows the log file's recent failures, one row per job, with the reason."""

from __future__ import annotations

import logging

import pytest

from product_dashboard.kit.log_fields import log_fields
from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]


async def test_failures_in_the_logs_are_listed_per_job(dashboard: Dashboard) -> None:
    page = dashboard.page
    product_id = await dashboard.harness.create_product()
    logger = logging.getLogger("product_dashboard.sync.run_log")
    for reason in ("Handle is taken", "Title is blank"):
        logger.warning(
            "push: product failed",
            extra=log_fields(job="0123456789abcdef", product=product_id, reason=reason),
        )
    for handler in logging.getLogger().handlers:
        handler.flush()

    await dashboard.login()
    await dashboard.goto("/activity")
    table = page.get_by_role("table", name="Failures in the logs")
    row = table.get_by_role("row").filter(has_text="01234567")
    await expect(row).to_contain_text("Title is blank")
    await expect(row.get_by_role("cell").nth(1)).to_have_text("2")
    await row.get_by_role("link", name=f"#{product_id}").click()
    await page.wait_for_url(f"**/products/{product_id}")


async def test_an_admin_backs_up_from_activity_and_downloads_it(dashboard: Dashboard) -> None:
    page = dashboard.page
    await dashboard.login()
    await dashboard.goto("/activity")
    backups = page.get_by_role("region", name="Backups")
    await expect(backups).to_contain_text("No backups yet")
    await backups.get_by_role("button", name="Back up now").click()
    row = backups.get_by_role("table", name="Backups").get_by_role("row").nth(1)
    await expect(row).to_contain_text("dashboard-")
    assert "null" not in await backups.inner_text()  # no last error, none running: nothing shown
    name = (await row.get_by_role("cell").first.inner_text()).strip()
    async with page.expect_download() as download_info:
        await row.get_by_role("button", name=f"Download {name}").click()
    assert (await download_info.value).suggested_filename == name


async def test_backups_are_not_shown_to_a_viewer(dashboard: Dashboard) -> None:
    page = dashboard.page
    await dashboard.login(dashboard.viewer_email)
    await dashboard.goto("/activity")
    await expect(page.get_by_role("region", name="Batch edits")).to_be_visible()
    await expect(page.get_by_role("region", name="Backups")).to_have_count(0)
