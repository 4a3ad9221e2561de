"""A full pull job that wrote at least `vacuum_after` products vacuums and analyses the catalog's
tables on PostgreSQL (outside a transaction), and not below that; on SQLite it does nothing."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.job.runner import JobRunner, RunnerConfig
from product_dashboard.models import JobState
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.pacer import CostPacer
from product_dashboard.sync.job_types import PULL_JOB
from product_dashboard.sync.pull.job import register
from product_dashboard.sync.pull.vacuum import CATALOG_TABLES, vacuum_after_pull
from tests.sync.pull.conftest import TOKEN, Store
from tests.sync.pull.test_pull_job import _wait

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]
PRODUCTS = 12


async def vacuums(sessions: Sessions) -> dict[str, int] | None:
    """Manual vacuums of each catalog table so far (None: not PostgreSQL)."""
    async with sessions() as session:
        if session.get_bind().dialect.name != "postgresql":
            return None
        rows = await session.execute(
            text("SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname = ANY(:t)"),
            {"t": list(CATALOG_TABLES)},
        )
        return {str(name): int(count) for name, count in rows}


async def full_pull_job(sessions: Sessions, store: Store, vacuum_after: int) -> None:
    def clients() -> ShopifyClient:
        return ShopifyClient(store.url, TOKEN, pacer=CostPacer())

    runner = JobRunner(None, RunnerConfig(poll_interval=0.05, progress_interval=0.05))
    register(runner, clients, ConflictEvents(None), None, vacuum_after=vacuum_after)
    await runner.start(sessions)
    try:
        job_id = await runner.submit(PULL_JOB.name, {"kind": "full"})
        done = await _wait(sessions, job_id, JobState.completed, JobState.failed)
    finally:
        await runner.close()
    assert done.state == JobState.completed, done.error
    assert done.report is not None and done.report["created"] == PRODUCTS


async def test_a_full_pull_over_the_threshold_vacuums_the_catalog(
    sessions: Sessions, store: Store
) -> None:
    await store.seed(PRODUCTS)
    before = await vacuums(sessions)

    await full_pull_job(sessions, store, vacuum_after=PRODUCTS)

    after = await vacuums(sessions)
    if before is None or after is None:
        return  # SQLite: nothing to vacuum, and the pull completed
    assert set(after) == set(CATALOG_TABLES)
    assert all(after[table] == before.get(table, 0) + 1 for table in CATALOG_TABLES), after


async def test_a_full_pull_below_the_threshold_does_not_vacuum(
    sessions: Sessions, store: Store
) -> None:
    await store.seed(PRODUCTS)
    before = await vacuums(sessions)

    await full_pull_job(sessions, store, vacuum_after=PRODUCTS + 1)

    assert await vacuums(sessions) == before


async def test_a_failed_vacuum_is_logged_not_raised(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with sessions() as session:
        if session.get_bind().dialect.name != "postgresql":
            assert not await vacuum_after_pull(sessions, 10, after=1)  # SQLite: never
            return
    monkeypatch.setattr("product_dashboard.sync.pull.vacuum.CATALOG_TABLES", ("no_such_table",))
    with caplog.at_level(logging.WARNING, logger="product_dashboard.sync.pull.vacuum"):
        assert not await vacuum_after_pull(sessions, 10, job="j1", after=1)
    assert "vacuuming the catalog failed" in caplog.text
