"""Sync failures leave a trace in the operational log: job, product and reason, on every line,
in the rotating file and on the console."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.job import JobRunner
from product_dashboard.models import JobState, Product
from tests.fixtures.logs import read_log
from tests.job.helpers import wait_for_state
from tests.sync.conftest import Emulator, seed

pytestmark = pytest.mark.integration


async def test_a_push_with_a_refused_product_logs_the_job_the_product_and_why(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
    log_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = await seed(app, 6)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Product)
            .where(Product.id == ids[2])
            .values(category_id="gid://shopify/TaxonomyCategory/not-a-category")
        )
    response = await client.post(
        "/api/sync/parallel/start", json={"mode": "batch"}, headers=editor_headers
    )
    job_id = response.json()["job_id"]
    job = await wait_for_state(sessionmaker, job_id, JobState.completed)
    assert job.failed == 1

    text = read_log(log_file)
    [failure] = [line for line in text.splitlines() if f"product={ids[2]}" in line]
    assert "WARNING" in failure and f"push of product {ids[2]} failed" in failure
    assert f"job={job_id}" in failure and "direction=push" in failure
    assert "reason=" in failure and "category" in failure.split("reason=", 1)[1].lower()
    [summary] = [line for line in text.splitlines() if "push finished" in line]
    assert f"job={job_id}" in summary and "pushed=5" in summary and "failed=1" in summary
    assert f"product={ids[2]}" in capsys.readouterr().err  # the console has it too
