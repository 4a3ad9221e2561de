"""On SQLite (one writer at a time) jobs that write the catalog take turns: an import queued while
a batch runs waits for it instead of running beside it, where either one's writes would meet the
other's write lock and fail half-way with "database is locked" once the busy timeout ran out.
PostgreSQL writes rows concurrently: there they still run side by side."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.batch import engine as batch_engine
from product_dashboard.importer.results import ImportResults
from product_dashboard.job import JobRunner
from product_dashboard.kit.time import as_utc
from product_dashboard.models import JobState, ProductBatch
from tests.batch.helpers import Headers, priced_product, prices, wait_job
from tests.job.helpers import load_job

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]
IMPORT_CSV = "Handle,Title,Variant Price\nnew-a,New A,5.00\nnew-b,New B,6.00\n"


def on_sqlite(app: FastAPI) -> bool:
    return bool(app.state.engine.dialect.name == "sqlite")


async def test_an_import_queued_while_a_batch_runs_waits_for_it_on_sqlite(
    app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: Headers,
    sessionmaker: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("product_dashboard.batch.endpoints.SYNC_LIMIT", 1)
    monkeypatch.setattr("product_dashboard.importer.endpoints.SYNC_LIMIT", 1)
    products = [await priced_product(client, editor_headers, f"P{i}", "10.00") for i in range(2)]
    batch_running, batch_go, import_holds, import_go = (asyncio.Event() for _ in range(4))
    execute, flush = batch_engine.execute, ImportResults.flush

    async def gated_execute(session: AsyncSession, batch: ProductBatch, *args: Any) -> Any:
        batch_running.set()
        await batch_go.wait()
        return await execute(session, batch, *args)

    async def gated_flush(self: ImportResults, session: AsyncSession) -> None:
        await flush(self, session)  # its first rows are written: it holds SQLite's write lock
        import_holds.set()
        await import_go.wait()

    monkeypatch.setattr(batch_engine, "execute", gated_execute)
    monkeypatch.setattr(ImportResults, "flush", gated_flush)

    r = await client.post(
        "/api/products/batch/update-pricing",
        json={"filter": {}, "pricing": {"operation": "increase", "amount": "1"}},
        headers=editor_headers,
    )
    assert r.status_code == 202, r.text
    batch_job = r.json()["job_id"]
    await asyncio.wait_for(batch_running.wait(), 20)
    files = {"file": ("products.csv", IMPORT_CSV.encode(), "text/csv")}
    r = await client.post("/api/products/import", files=files, headers=editor_headers)
    assert r.status_code == 202, r.text
    import_job = r.json()["job_id"]

    runner: JobRunner = app.state.job_runner
    await runner._claim_available()  # a pass of the runner's loop, deterministically
    if on_sqlite(app):
        assert (await load_job(sessionmaker, import_job)).state == JobState.queued
        listed = (await client.get(f"/api/jobs/{import_job}", headers=editor_headers)).json()
        assert listed["state"] == "queued"
        assert not import_holds.is_set()
    else:
        await asyncio.wait_for(import_holds.wait(), 20)  # beside the batch

    batch_go.set()
    import_go.set()
    batch_done = await wait_job(client, editor_headers, batch_job)
    import_done = await wait_job(client, editor_headers, import_job)
    assert batch_done["state"] == "completed", batch_done
    assert import_done["state"] == "completed", import_done
    assert import_done["report"]["created"] == 2
    for product in products:
        assert await prices(client, editor_headers, product["id"]) == ["11.00"]
    if on_sqlite(app):
        batch_row = await load_job(sessionmaker, batch_job)
        import_row = await load_job(sessionmaker, import_job)
        assert batch_row.finished_at is not None and import_row.started_at is not None
        assert as_utc(import_row.started_at) >= as_utc(batch_row.finished_at)


def test_jobs_that_write_share_a_group_on_sqlite_only(app: FastAPI) -> None:
    runner: JobRunner = app.state.job_runner
    writers = {
        "product.import",
        "product.batch",
        "product.batch_undo",
        "sync.pull",
        "sync.push",
        "sync.undo",
        "conflicts.detect",
    }
    for job_type in ("product.import", "sync.pull"):
        together = set(runner.exclusive_types(job_type))
        if on_sqlite(app):
            assert writers <= together, job_type
        else:
            assert "product.batch" not in together
    assert "sync.push" in runner.exclusive_types("sync.pull")  # one store's sync, everywhere
    assert runner.exclusive_types("product.import") == () or on_sqlite(app)
