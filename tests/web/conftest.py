"""Browser tests: Debian's Chromium driven by Playwright against real loopback servers.

Without /usr/bin/chromium (or the playwright package) every browser test skips, saying why.

Each test gets the app and a Shopify emulator wired together (tests/inbound/harness.py), a fresh
browser context, and a console watcher: any console error, page error or failed request the test
did not declare as expected fails it.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from product_dashboard.auth import service as auth_service
from product_dashboard.config import Settings
from product_dashboard.models import Role
from tests.fixtures.app import PASSWORD
from tests.inbound.harness import Harness, running_harness

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_PRESENT = CHROMIUM.exists()
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP: Any = {"width": 1366, "height": 900}
TABLET: Any = {"width": 820, "height": 1180}

try:
    from playwright.async_api import async_playwright, expect
except ImportError:  # the browser fixture skips, saying why
    async_playwright = expect = None  # type: ignore[assignment]
else:
    # Two shared cores and three test workers: a page waiting on a background job (import,
    # icons, sync) can take several times its quiet duration. Only a failing check waits this long.
    expect.set_options(timeout=30_000)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite only: the browser tests are about the page; the API suites cover PostgreSQL."""
    template: Path = request.getfixturevalue("_sqlite_template")
    target = tmp_path / "web.db"
    shutil.copyfile(template, target)
    yield f"sqlite+aiosqlite:///{target}"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    if not CHROMIUM_PRESENT:
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if async_playwright is None:
        pytest.skip("the playwright Python package is not installed")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@dataclass
class ConsoleWatch:
    """Console errors, page errors and failed requests seen by a page."""

    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Declare an error the test provokes on purpose (e.g. a 409 it then explains)."""
        self.allowed.append(re.compile(pattern))

    def record(self, text: str) -> None:
        self.problems.append(text)

    def unexpected(self) -> list[str]:
        return [p for p in self.problems if not any(a.search(p) for a in self.allowed)]


@dataclass
class Dashboard:
    harness: Harness
    page: Any
    console: ConsoleWatch
    viewer_email: str = "viewer@example.com"
    admin_email: str = "admin@example.com"

    @property
    def url(self) -> str:
        return self.harness.app_url

    async def login(self, email: str | None = None) -> None:
        """Log in as `email` (the admin by default) and open the products page: the login
        endpoint's token put where the page keeps it (sessionStorage, which a stored browser
        state does not carry), then one page load. Filling in the form cost a second page load
        in every browser test; `login_through_the_page` still does, where the form is the point."""
        response = await self.harness.http.post(
            f"{self.url}/api/auth/login",
            json={"email": email or self.admin_email, "password": PASSWORD},
        )
        assert response.status_code == 200, response.text
        token = response.json()
        page = self.page
        if page.url == "about:blank":  # no page of ours yet, hence no sessionStorage to write
            # Once: a later page load (say, after logging out) must not bring the token back.
            await page.add_init_script(
                _STORE_TOKEN_ONCE % (json.dumps(self.url), json.dumps(token["access_token"]))
                + f"({token['expires_in']});"
            )
        else:
            await page.evaluate(_STORE_TOKEN, [token["access_token"], token["expires_in"]])
        await page.goto(f"{self.url}/products")
        await expect(page.locator(".live-status")).to_have_attribute("data-state", "open")

    async def login_through_the_page(self, email: str | None = None) -> None:
        """Log in by the login form, as a person does; the page then navigates to the products."""
        page = self.page
        await page.goto(f"{self.url}/login")
        await page.get_by_label("Email").fill(email or self.admin_email)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(re.compile(r"/products"))
        await expect(page.locator(".live-status")).to_have_attribute("data-state", "open")

    async def goto(self, path: str) -> None:
        await self.page.goto(f"{self.url}{path}")

    async def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.harness.api(method, path, **kwargs)
        status = response.status_code
        assert status < 400, f"{method} {path}: {status} {response.text}"
        return response.json() if response.content else None


# What the page's tokenStore.set (static/js/core/api.js) writes for a token and its lifetime.
_STORE_TOKEN = """([token, expiresIn]) => {
    sessionStorage.setItem("pd.token", token);
    sessionStorage.setItem("pd.expires", String(Date.now() + expiresIn * 1000));
}"""
# The same, as an init script on the app's origin, in the page's first document only.
_STORE_TOKEN_ONCE = """((expiresIn) => {
    if (location.origin !== new URL(%s).origin || sessionStorage.getItem("test.token-stored")) {
        return;
    }
    sessionStorage.setItem("test.token-stored", "1");
    sessionStorage.setItem("pd.token", %s);
    sessionStorage.setItem("pd.expires", String(Date.now() + expiresIn * 1000));
})"""


def _watch(page: Any, console: ConsoleWatch) -> None:
    page.on("console", lambda message: _console_message(console, message))
    page.on("pageerror", lambda error: console.record(f"pageerror: {error}"))
    page.on("requestfailed", lambda request: _request_failed(console, request))


def _console_message(console: ConsoleWatch, message: Any) -> None:
    if message.type == "error":
        console.record(f"console: {message.text}")


def _request_failed(console: ConsoleWatch, request: Any) -> None:
    # Leaving a page cancels its in-flight requests: that is not a failure of the page.
    if request.failure and "ERR_ABORTED" not in request.failure:
        console.record(f"requestfailed: {request.url} {request.failure}")


@pytest_asyncio.fixture
async def harness(settings: Settings) -> AsyncIterator[Harness]:
    async with running_harness(settings) as h:
        async with h.sessions() as session, session.begin():
            await auth_service.create_user(session, "viewer@example.com", PASSWORD, Role.viewer)
        yield h


@pytest_asyncio.fixture
async def context(browser: Any) -> AsyncIterator[Any]:
    ctx = await browser.new_context(viewport=LAPTOP, locale="en-US", timezone_id="UTC")
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest_asyncio.fixture
async def dashboard(context: Any, harness: Harness) -> AsyncIterator[Dashboard]:
    page = await context.new_page()
    console = ConsoleWatch()
    _watch(page, console)
    yield Dashboard(harness, page, console)
    await page.close()
    assert console.unexpected() == [], "console errors on the page"
