"""Stopping and resuming a pull: mid-apply (engine) and mid-export (the `sync.pull` job)."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.job.runner import JobRunner, RunnerConfig
from product_dashboard.kit.gc_policy import PUSH_GEN0_THRESHOLD
from product_dashboard.models import Job, JobState
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.pacer import CostPacer
from product_dashboard.store_gateway import StoreGateway
from product_dashboard.sync.job_types import PULL_JOB
from product_dashboard.sync.pull.apply import ChunkResult
from product_dashboard.sync.pull.engine import PullCheckpoint, PullHooks, PullParams
from product_dashboard.sync.pull.job import register
from tests.sync.pull.conftest import TOKEN, Store, local_products, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]


class StopAfterChunks(PullHooks):
    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.seen = 0
        self.checkpoint: PullCheckpoint | None = None

    def should_stop(self) -> bool:
        return self.seen >= self.chunks

    async def on_chunk(self, result: ChunkResult, checkpoint: PullCheckpoint) -> None:
        self.seen += 1
        self.checkpoint = checkpoint

    async def on_checkpoint(self, checkpoint: PullCheckpoint, *, flush: bool = False) -> None:
        self.checkpoint = checkpoint


async def test_a_stopped_full_pull_resumes_where_it_stopped(
    sessions: Sessions, store: Store
) -> None:
    await store.seed(23)
    params = PullParams(kind="full", chunk_size=5)
    hooks = StopAfterChunks(2)

    first = await pull(sessions, store, params, hooks=hooks)

    assert first.stopped and first.outcomes == {"created": 10}
    assert len(await local_products(sessions)) == 10
    assert hooks.checkpoint is not None and hooks.checkpoint.applied == 10
    assert first.deletions is None and first.cursor is None  # not before the end

    resumed = await pull(sessions, store, params, checkpoint=hooks.checkpoint)

    assert not resumed.stopped
    assert resumed.bulk is not None and first.bulk is not None
    assert resumed.bulk["id"] == first.bulk["id"]  # the same export, not a new one
    assert resumed.outcomes == {"created": 23}  # tally carried over, nothing twice
    local = await local_products(sessions)
    assert len(local) == 23
    assert len({p.shopify_product_id for p in local}) == 23
    assert resumed.deletions is not None and resumed.deletions.missing == 0


async def test_a_pull_collects_at_a_pushs_pace_and_restores_the_thresholds(
    sessions: Sessions, store: Store
) -> None:
    await store.seed(6)
    before = gc.get_threshold()

    class Thresholds(PullHooks):
        def __init__(self) -> None:
            self.seen: list[tuple[int, ...]] = []

        async def on_chunk(self, result: ChunkResult, checkpoint: PullCheckpoint) -> None:
            self.seen.append(gc.get_threshold())

    hooks = Thresholds()
    report = await pull(sessions, store, PullParams(kind="full", chunk_size=2), hooks=hooks)

    assert report.outcomes == {"created": 6}
    assert len(hooks.seen) == 3
    assert all(seen[0] >= PUSH_GEN0_THRESHOLD for seen in hooks.seen)
    assert gc.get_threshold() == before


@pytest.fixture
async def runner(settings: Settings, sessions: Sessions, store: Store) -> AsyncIterator[JobRunner]:
    def clients() -> ShopifyClient:
        return ShopifyClient(store.url, TOKEN, pacer=CostPacer())

    job_runner = JobRunner(None, RunnerConfig(poll_interval=0.05, progress_interval=0.05))
    register(job_runner, clients, ConflictEvents(None), None)
    await job_runner.start(sessions)
    try:
        yield job_runner
    finally:
        await job_runner.close()


async def _job(sessions: Sessions, job_id: str) -> Job:
    async with sessions() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        return job


async def _wait(sessions: Sessions, job_id: str, *states: JobState) -> Job:
    deadline = time.monotonic() + 60
    while True:
        job = await _job(sessions, job_id)
        if job.state in states:
            return job
        assert time.monotonic() < deadline, f"job still {job.state}, error {job.error}"
        await asyncio.sleep(0.05)


async def test_pull_job_stopped_during_the_export_resumes_it(
    sessions: Sessions, store: Store, runner: JobRunner
) -> None:
    await store.seed(20)
    await store.knob("config", {"bulk_rate": 5})  # lines per second: the export takes a while
    job_id = await runner.submit(PULL_JOB.name, {"kind": "full"})
    deadline = time.monotonic() + 30
    while not ((await _job(sessions, job_id)).checkpoint or {}).get("operation_id"):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)

    await runner.cancel(job_id)
    stopped = await _wait(sessions, job_id, JobState.stopped, JobState.failed)

    assert stopped.state == JobState.stopped, stopped.error
    assert stopped.checkpoint is not None
    operation_id = stopped.checkpoint["operation_id"]
    assert len(await local_products(sessions)) == 0

    await store.knob("config", {"bulk_rate": 0})
    await runner.resume(job_id)
    done = await _wait(sessions, job_id, JobState.completed, JobState.failed)

    assert done.state == JobState.completed, done.error
    assert done.report is not None
    assert done.report["bulk"]["id"] == operation_id
    assert done.report["outcomes"] == {"created": 20}
    assert (done.done, done.failed, done.total) == (20, 0, 20)
    assert len(await local_products(sessions)) == 20


async def test_pull_job_reports_when_shopify_is_not_configured(
    settings: Settings, sessions: Sessions
) -> None:
    unconfigured = settings.model_copy(update={"shopify_store_url": None})
    job_runner = JobRunner(None, RunnerConfig(poll_interval=0.05))
    register(
        job_runner, StoreGateway.from_settings(unconfigured).client, ConflictEvents(None), None
    )
    await job_runner.start(sessions)
    try:
        job_id = await job_runner.submit(PULL_JOB.name, {"kind": "full"})
        failed = await _wait(sessions, job_id, JobState.failed, JobState.completed)
    finally:
        await job_runner.close()
    assert failed.state == JobState.failed
    assert "SHOPIFY_STORE_URL" in (failed.error or "")
