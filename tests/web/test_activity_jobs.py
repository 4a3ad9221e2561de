"""The Activity page says what a queued job waits for: the job of its group running now."""

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
