"""A guarded pull's preview on the Sync page: what it has read, then the pull's own progress."""

from __future__ import annotations

import re
from typing import Any

import pytest

from product_dashboard.config import Settings
from tests.fixtures.waiting import wait_until
from tests.web.conftest import Dashboard, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PRODUCTS = 30


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"guard_block_deletions": True})


async def test_a_guarded_pull_shows_its_preview_reading_then_the_pull(dashboard: Dashboard) -> None:
    h, page = dashboard.harness, dashboard.page
    seeded = await h.emulator("/_emulator/seed", {"products": PRODUCTS, "seed": 5})
    first = await dashboard.api("POST", "/api/sync/parallel/start", json={"direction": "pull"})

    async def pulled() -> bool:
        job: Any = await dashboard.api("GET", f"/api/jobs/{first['job_id']}")
        return bool(job["state"] == "completed")

    await wait_until(pulled, "the first pull")
    for n, shopify_id in enumerate(seeded["product_ids"]):
        await h.emulator(f"/_emulator/products/{shopify_id}/edit", {"title": f"Ünïcode {n} ✂"})
    # Bulk on the Standard plan (30 products), slow enough to watch the preview read.
    await h.emulator(
        "/_emulator/config", {"plan": "standard", "bulk_rate": 0, "bulk_startup_seconds": 2}
    )

    await dashboard.login()
    await page.get_by_role("link", name="Sync").click()
    await page.get_by_label("Direction").select_option("pull")
    await page.get_by_role("button", name="Start sync").click()

    run = page.get_by_test_id("sync-run")
    await expect(run).to_contain_text(re.compile(rf"Previewing: \d+ of {PRODUCTS} products read"))
    await expect(run).to_have_attribute("data-state", "completed", timeout=60_000)
    await expect(run).to_contain_text(f"{PRODUCTS} of {PRODUCTS} products")
    await expect(run).not_to_contain_text("Previewing")
    status = await dashboard.api("GET", "/api/sync/parallel/status")
    assert status["phase"] is None
    job = await dashboard.api("GET", f"/api/jobs/{status['job_id']}")
    assert job["report"]["reused_preview"] is True
