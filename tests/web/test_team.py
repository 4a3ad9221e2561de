"""The Team page: admins add people (password shown once, copyable), change roles, disable and
enable, reset passwords, sign people out; the page is hidden from everyone else."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Route

from tests.fixtures.app import PASSWORD
from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]

# Set to a folder to keep a screenshot of the page for a look (not used by the assertions).
SCREENSHOT_DIR = os.environ.get("TEAM_SCREENSHOT_DIR")


async def _can_log_in(dashboard: Dashboard, email: str, password: str) -> bool:
    async with httpx.AsyncClient(base_url=dashboard.url) as http:
        r = await http.post("/api/auth/login", json={"email": email, "password": password})
        return r.status_code == 200


async def test_admin_manages_the_team(dashboard: Dashboard) -> None:
    page = dashboard.page
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    dashboard.console.allow(r"status of 422")  # the bad email, shown next to its field
    await dashboard.login()
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    await page.wait_for_url(re.compile(r"/team$"))
    table = page.get_by_role("table", name="Team members")
    me = table.get_by_role("row").filter(has_text="admin@example.com")
    await expect(me).to_contain_text("This is you")
    viewer_row = table.get_by_role("row").filter(has_text="viewer@example.com")
    await expect(viewer_row).to_contain_text("Viewer")
    await expect(viewer_row).to_contain_text("Active")

    # Add a user: the API's refusal lands next to the field, then the password is shown once.
    await page.get_by_role("button", name="Add user").click()
    dialog = page.get_by_role("dialog", name="Add user")
    await dialog.get_by_label("Email").fill("not-an-email")
    await dialog.get_by_role("button", name="Add user").click()
    email_error = dialog.locator(".field-error").first
    await expect(email_error).to_be_visible()
    await expect(dialog.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    await dialog.get_by_label("Email").fill("new@example.com")
    await dialog.get_by_label("Role").select_option("editor")
    await dialog.get_by_role("button", name="Add user").click()
    shown = page.get_by_role("dialog", name="User added")
    password_box = shown.get_by_label("Password for new@example.com")
    password = await password_box.input_value()
    assert len(password) >= 10
    await shown.get_by_role("button", name="Copy password").click()
    await expect(shown.get_by_text("Copied.")).to_be_visible()
    assert await page.evaluate("navigator.clipboard.readText()") == password
    if SCREENSHOT_DIR:
        await page.screenshot(path=str(Path(SCREENSHOT_DIR) / "team-password.png"))
    await shown.get_by_role("button", name="Done").click()
    assert await _can_log_in(dashboard, "new@example.com", password)
    new_row = table.get_by_role("row").filter(has_text="new@example.com")
    await expect(new_row).to_contain_text("Editor")

    await new_row.get_by_role("button", name="Change role of new@example.com").click()
    role_dialog = page.get_by_role("dialog")
    await role_dialog.get_by_label("Role").select_option("viewer")
    await role_dialog.get_by_role("button", name="Change role").click()
    await expect(new_row).to_contain_text("Viewer")

    await new_row.get_by_role("button", name="Disable new@example.com").click()
    await page.get_by_role("dialog").get_by_role("button", name="Disable").click()
    await expect(new_row).to_contain_text("Disabled")
    assert not await _can_log_in(dashboard, "new@example.com", password)
    await new_row.get_by_role("button", name="Enable new@example.com").click()
    await expect(new_row).to_contain_text("Active")
    assert await _can_log_in(dashboard, "new@example.com", password)

    await new_row.get_by_role("button", name="Reset password of new@example.com").click()
    await page.get_by_role("dialog").get_by_role("button", name="Reset password").click()
    reset = page.get_by_role("dialog", name="Password reset")
    new_password = await reset.get_by_label("Password for new@example.com").input_value()
    assert new_password != password
    await reset.get_by_role("button", name="Done").click()
    assert not await _can_log_in(dashboard, "new@example.com", password)
    assert await _can_log_in(dashboard, "new@example.com", new_password)

    await new_row.get_by_role("button", name="Sign out everywhere new@example.com").click()
    await page.get_by_role("dialog").get_by_role("button", name="Sign out everywhere").click()
    await expect(page.get_by_text("Signed new@example.com out everywhere")).to_be_visible()

    await page.get_by_label("Role", exact=True).select_option("viewer")
    await expect(table.get_by_role("row")).to_have_count(3)  # the header, viewer@ and new@
    if SCREENSHOT_DIR:
        await page.get_by_label("Role", exact=True).select_option("")
        await expect(table.get_by_role("row")).to_have_count(4)
        await page.screenshot(path=str(Path(SCREENSHOT_DIR) / "team.png"))


async def test_team_page_is_for_admins_only(dashboard: Dashboard) -> None:
    page = dashboard.page
    await dashboard.login(dashboard.viewer_email)
    nav = page.get_by_role("navigation", name="Main")
    await expect(nav.get_by_role("link", name="Activity")).to_be_visible()
    await expect(nav.get_by_role("link", name="Team")).to_have_count(0)
    await dashboard.goto("/team")
    await expect(page.get_by_text("Administrators only")).to_be_visible()


async def test_anyone_changes_their_own_password_and_stays_signed_in(
    dashboard: Dashboard,
) -> None:
    page = dashboard.page
    dashboard.console.allow(r"status of 422")  # the wrong current password, shown at its field
    await dashboard.login(dashboard.viewer_email)
    await page.get_by_role("button", name="Change password").click()
    dialog = page.get_by_role("dialog", name="Change your password")
    await dialog.get_by_label("Current password").fill("not my password")
    await dialog.get_by_label("New password").fill("a new passphrase 1")
    await dialog.get_by_role("button", name="Change password").click()
    await expect(dialog.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")
    await expect(dialog.locator(".field-error").first).to_have_text("Not your current password")
    await dialog.get_by_label("Current password").fill(PASSWORD)
    await dialog.get_by_role("button", name="Change password").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_text("Password changed")).to_be_visible()
    # This session carries on with the new token, also after a reload.
    await page.reload()
    await expect(page.get_by_role("heading", name="Products", exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.url.endswith("/products")
    assert not await _can_log_in(dashboard, dashboard.viewer_email, PASSWORD)
    assert await _can_log_in(dashboard, dashboard.viewer_email, "a new passphrase 1")


async def test_an_older_filters_late_answer_never_replaces_the_newer_list(
    dashboard: Dashboard,
) -> None:
    """Filters changed quickly (or a filter changed while an action's reload is in flight): the
    list shows the newest filter's people, whatever order the answers come back in."""
    page = dashboard.page
    await dashboard.login()
    await page.goto(f"{dashboard.url}/team")
    table = page.get_by_role("table", name="Team members")
    await expect(table.get_by_role("row")).to_have_count(3)  # the header, admin@ and viewer@
    slow_answered = asyncio.Event()

    async def admins_answer_late(route: Route) -> None:
        if "role=admin" in route.request.url:
            await asyncio.sleep(1.5)
            slow_answered.set()
        with contextlib.suppress(PlaywrightError):  # the page may have aborted it meanwhile
            await route.continue_()

    await page.route(re.compile(r"/api/users\?"), admins_answer_late)
    role = page.get_by_label("Role", exact=True)
    await role.select_option("admin")
    await role.select_option("viewer")
    await expect(table.get_by_role("row")).to_have_count(2)
    await asyncio.wait_for(slow_answered.wait(), 10)
    await page.wait_for_timeout(500)  # time for a late answer to be drawn, were it used
    await expect(table.get_by_role("row")).to_have_count(2)
    await expect(table.get_by_role("row").filter(has_text="viewer@example.com")).to_have_count(1)
