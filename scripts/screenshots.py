"""Take the README's screenshots of the dashboard: `.venv/bin/python scripts/screenshots.py [OUT]`.

Builds a realistic scene on loopback (demo catalog with icons, collections, a batch edit, a push
to the Shopify emulator, a conflict, webhooks), then drives Debian's Chromium through each main
screen at laptop width (and the product list at tablet width) and writes PNGs to OUT
(default docs/screenshots).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from playwright.async_api import Page, ViewportSize, async_playwright, expect

from product_dashboard import migrate
from product_dashboard.auth import service as auth_service
from product_dashboard.config import Settings
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.demo import seed_demo_catalog
from product_dashboard.main import create_app
from product_dashboard.models import Role
from shopify_emulator.config import EmulatorConfig, Plan
from shopify_emulator.testing import EmulatorServer, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP: ViewportSize = {"width": 1440, "height": 900}
TABLET: ViewportSize = {"width": 820, "height": 1180}
ADMIN = "merchant@example.com"
VIEWER = "viewer@example.com"
PASSWORD = "screenshots-password-1"
SECRET = "whsec-screenshots-" + "s" * 20
TOKEN = "shpat_emulator"
PRODUCTS = 48


@contextmanager
def _serve(app: Any, port: int) -> Iterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


async def _until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


class Scene:
    """The API calls that set the stage."""

    def __init__(self, http: httpx.AsyncClient, base: str, emulator: str) -> None:
        self.http, self.base, self.emulator = http, base, emulator
        self.headers: dict[str, str] = {}

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(
            method, f"{self.base}{path}", headers=self.headers, **kwargs
        )
        response.raise_for_status()
        return response.json() if response.content else None

    async def login(self) -> None:
        token = await self.call(
            "POST", "/api/auth/login", json={"email": ADMIN, "password": PASSWORD}
        )
        self.headers = {"Authorization": f"Bearer {token['access_token']}", "X-Change-Source": "ui"}

    async def wait_job(self, job_id: str) -> None:
        async def done() -> bool:
            job = await self.call("GET", f"/api/jobs/{job_id}")
            return job["state"] in ("completed", "failed", "stopped")

        await _until(done, f"job {job_id}", timeout=120)

    async def products(self, **query: Any) -> list[dict[str, Any]]:
        page = await self.call("GET", "/api/products", params={"per_page": 200, **query})
        return list(page["items"])

    async def build(self) -> None:
        await self.login()
        icons = await self.call("POST", "/api/icons/batch", json={"filter": {}})
        await self.wait_job(icons["job_id"])
        catalog = await self.products(sort="title")
        await self.call(
            "POST",
            "/api/collections",
            json={
                "title": "Staff picks",
                "collection_type": "manual",
                "product_ids": [p["id"] for p in catalog[3:11]],
            },
        )
        for title, rules in (
            (
                "Under $30",
                [{"column": "VARIANT_PRICE", "relation": "LESS_THAN", "condition": "30"}],
            ),
            ("Outerwear", [{"column": "TYPE", "relation": "EQUALS", "condition": "Jackets"}]),
        ):
            await self.call(
                "POST",
                "/api/collections",
                json={"title": title, "collection_type": "smart", "rules": rules},
            )
        sync = await self.call("POST", "/api/sync/parallel/start", json={"mode": "auto"})
        await self.wait_job(sync["job_id"])
        await self.call(
            "POST",
            "/api/products/batch/update-pricing",
            json={
                "product_ids": [p["id"] for p in catalog[:6]],
                "pricing": {"operation": "increase", "percent": "5", "rounding": {"ending": ".99"}},
            },
        )
        await self.make_conflict(catalog[1])

    async def make_conflict(self, product: dict[str, Any]) -> None:
        full = await self.call("GET", f"/api/products/{product['id']}")
        shopify_id = full["sync"]["shopify_product_id"]
        await self.call(
            "PUT",
            f"/api/products/{product['id']}",
            json={"title": f"{full['title']} — Limited", "version": full["version"]},
        )
        response = await self.http.post(
            f"{self.emulator}/_emulator/products/{shopify_id}/edit",
            json={"title": f"{full['title']} (2026 edition)", "vendor": "Harbor & Pine"},
            headers={"X-Shopify-Access-Token": TOKEN},
        )
        response.raise_for_status()

        async def conflicted() -> bool:
            page = await self.call("GET", "/api/conflicts", params={"state": "open"})
            return bool(page["total"])

        await _until(conflicted, "the conflict")


async def _login(page: Page, base: str, email: str) -> None:
    await page.goto(f"{base}/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/products")
    await expect(page.locator(".live-status")).to_have_attribute("data-state", "open")


async def _shoot(page: Page, out: Path, name: str) -> None:
    await page.wait_for_timeout(1200)  # icons arrive as blobs after the table renders
    await page.screenshot(path=str(out / f"{name}.png"))
    print(f"  {out / f'{name}.png'}")


async def _screens(base: str, scene: Scene, out: Path) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport=LAPTOP, locale="en-US", timezone_id="UTC")
        page = await context.new_page()
        await page.goto(f"{base}/login")
        await page.get_by_label("Email").fill(ADMIN)
        await _shoot(page, out, "login")
        await _login(page, base, ADMIN)
        await _shoot(page, out, "products")

        table = page.get_by_role("table", name="Products")
        for row in range(1, 4):
            await table.get_by_role("checkbox").nth(row).check()
        await page.get_by_role("button", name="Change prices").click()
        await page.get_by_label("Rounding").select_option(".99")
        await page.get_by_role("button", name="Preview changes").click()
        await expect(page.get_by_test_id("preview-summary")).to_be_visible()
        await _shoot(page, out, "batch-preview")
        await page.keyboard.press("Escape")

        # The bulk editor: a price filled down over five rows, a stock value it refuses.
        columns = "price,compare_at_price,sku,inventory_quantity,tags,status"
        await page.goto(f"{base}/products/editor?sort=title&columns={columns}")
        await expect(page.locator('.grid-cell[data-row="0"][data-col="price"]')).to_be_visible()
        await page.locator('.grid-cell[data-row="1"][data-col="price"]').click()
        await page.keyboard.type("24.99")
        await page.keyboard.press("Enter")
        await page.keyboard.press("ArrowUp")
        for _ in range(4):
            await page.keyboard.press("Shift+ArrowDown")
        await page.keyboard.press("Control+d")
        await page.locator('.grid-cell[data-row="2"][data-col="inventory_quantity"]').click()
        await page.keyboard.type("many")
        await page.keyboard.press("Enter")
        await page.keyboard.press("ArrowUp")
        await _shoot(page, out, "bulk-editor")
        await page.get_by_role("button", name="Save view").click()
        dialog = page.get_by_role("dialog", name="Save view")
        await dialog.get_by_label("Name").fill("Summer prices")
        await dialog.get_by_text("Share with the team").click()
        await _shoot(page, out, "saved-views")
        await page.keyboard.press("Escape")

        first = (await scene.products(sync_state="synced", sort="title"))[0]
        await page.goto(f"{base}/products/{first['id']}")
        await expect(page.get_by_role("heading", name=first["title"])).to_be_visible()
        await _shoot(page, out, "product")

        await page.goto(f"{base}/collections")
        await expect(page.get_by_role("table", name="Collections")).to_be_visible()
        await expect(page.get_by_role("heading", name="Suggested collections")).to_be_visible()
        await _shoot(page, out, "collections")
        await page.get_by_role("link", name="Staff picks").click()
        await expect(page.get_by_role("list", name="Products in this collection")).to_be_visible()
        await _shoot(page, out, "collection-manual")

        await page.goto(f"{base}/conflicts")
        await expect(page.get_by_role("button", name="Apply chosen values")).to_be_visible()
        await _shoot(page, out, "conflicts")

        await page.goto(f"{base}/team")
        await expect(page.get_by_role("table", name="Team members")).to_be_visible()
        await _shoot(page, out, "team")
        await page.get_by_role("button", name="Add user").click()
        add = page.get_by_role("dialog", name="Add user")
        await add.get_by_label("Email").fill("jo@example.com")
        await add.get_by_label("Role").select_option("editor")
        await add.get_by_role("button", name="Add user").click()
        await expect(page.get_by_role("dialog", name="User added")).to_be_visible()
        await _shoot(page, out, "team-password")
        await page.get_by_role("button", name="Done").click()

        tablet = await browser.new_context(viewport=TABLET, locale="en-US", timezone_id="UTC")
        small = await tablet.new_page()
        await _login(small, base, VIEWER)
        await _shoot(small, out, "products-tablet-viewer")
        await tablet.close()

        # A run in flight: change every product, slow the store down, catch the run midway.
        await scene.call(
            "POST",
            "/api/products/batch/update-pricing",
            json={"filter": {}, "pricing": {"operation": "increase", "percent": "2"}},
        )
        await scene.http.post(
            f"{scene.emulator}/_emulator/config",
            json={"latency_ms": 150},
            headers={"X-Shopify-Access-Token": TOKEN},
        )
        await page.goto(f"{base}/sync")
        previous = await page.get_by_test_id("sync-run").get_attribute("data-job-id")
        await page.get_by_label("Mode").select_option("sequential")
        await page.get_by_role("button", name="Start sync").click()
        await page.wait_for_function(
            """(previous) => {
              const run = document.querySelector("[data-testid=sync-run]");
              const node = document.querySelector("[data-testid=sync-percent]");
              const percent = node ? parseInt(node.textContent, 10) : 0;
              return run && run.dataset.jobId !== previous && percent >= 45 && percent < 100;
            }""",
            arg=previous,
            timeout=90_000,
        )
        await page.screenshot(path=str(out / "sync.png"))
        print(f"  {out / 'sync.png'}")
        await expect(page.get_by_test_id("sync-percent")).to_have_text("100%", timeout=90_000)

        await page.goto(f"{base}/activity")
        await expect(page.get_by_role("table", name="Jobs")).to_be_visible()
        await page.get_by_role("button", name="Send test webhook").click()
        await expect(page.get_by_role("list", name="Live events").locator("li")).not_to_have_count(
            1
        )
        await _shoot(page, out, "activity")

        await browser.close()


async def _prepare(url: str) -> None:
    engine = create_engine(url)
    try:
        await seed_demo_catalog(engine, PRODUCTS, seed=11)
        async with create_sessionmaker(engine)() as session, session.begin():
            await auth_service.create_user(session, ADMIN, PASSWORD, Role.admin)
            await auth_service.create_user(session, VIEWER, PASSWORD, Role.viewer)
            await auth_service.create_user(session, "ana@example.com", PASSWORD, Role.editor)
            former = await auth_service.create_user(session, "sam@example.com", PASSWORD)
            former.is_active = False
    finally:
        await engine.dispose()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pd-shots-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/dashboard.db"
        migrate.upgrade(url)
        asyncio.run(_prepare(url))
        emulator = EmulatorServer(
            EmulatorConfig(plan=Plan.PLUS, webhook_secret=SECRET, access_token=TOKEN)
        )
        emulator.start()
        port = free_port()
        settings = Settings(
            _env_file=None,
            environment="test",
            database_url=url,
            jwt_secret="screenshots-" + "j" * 40,
            log_dir=Path(tmp) / "logs",
            data_dir=Path(tmp) / "data",
            shopify_store_url=emulator.base_url,
            shopify_access_token=TOKEN,
            shopify_webhook_secret=SECRET,
            webhook_callback_url=f"http://127.0.0.1:{port}/webhooks/shopify",
        )
        try:
            with _serve(create_app(settings), port) as base:

                async def run() -> None:
                    async with httpx.AsyncClient(timeout=60) as http:
                        scene = Scene(http, base, emulator.base_url)
                        await scene.build()
                        await _screens(base, scene, out)

                asyncio.run(run())
        finally:
            emulator.stop()
    print(f"Screenshots written to {out}")


if __name__ == "__main__":
    main()
