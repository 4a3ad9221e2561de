"""Faults, throttle storms, a latency change mid-run, and a real process killed mid-push."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.demo import seed_demo_catalog
from product_dashboard.models import Job, JobState, Product
from product_dashboard.sync.job_types import PUSH_JOB
from product_dashboard.sync.push.bulk import BulkInFlight
from product_dashboard.sync.push.engine import PushHooks
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.progress import Tally
from tests.fixtures.waiting import wait_until
from tests.sync.conftest import (
    TOKEN,
    Emulator,
    dialect_of,
    local_products,
    make_client,
    push,
    seed,
    store_bulk_mutations,
)

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]


def assert_consistent(emulator: Emulator, products: list[Product]) -> None:
    """Every local product is in Shopify exactly once, under the id we recorded."""
    remote = emulator.products()
    handles = [p["handle"] for p in remote]
    assert len(handles) == len(set(handles)), "duplicate products in the store"
    by_handle = {p["handle"]: p for p in remote}
    assert len(remote) == len(products)
    for product in products:
        assert product.synced_version == product.version, product.sync_error
        assert by_handle[product.handle]["id"] == product.shopify_product_id
        assert by_handle[product.handle]["title"] == product.title


def _faults_from_the_first_request(emulator: Emulator, faults: dict[str, Any]) -> httpx.AsyncClient:
    """An HTTP client that sets the store's faults as the push sends its first request. The
    (scaled, short) storm starts with the first request the store charges, so it is met however
    long a loaded machine takes to build and send it (it once ended first, under load ~8)."""
    armed = False
    arming = asyncio.Lock()  # concurrent first requests wait until the faults are set

    async def arm(request: httpx.Request) -> None:
        nonlocal armed
        async with arming:
            if not armed:
                await asyncio.to_thread(emulator.knob, "faults", faults)
                armed = True

    return httpx.AsyncClient(event_hooks={"request": [arm]})


@pytest.mark.parametrize("mode", [PushMode.parallel, PushMode.batch])
async def test_faults_and_a_throttle_storm_end_consistent(
    app: FastAPI,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    mode: PushMode,
) -> None:
    await seed(app, 40)
    emulator.knob("config", {"plan": "advanced", "time_scale": 0.25})
    faults = {
        "error_rate": 0.05,
        "timeout_rate": 0.02,
        "timeout_seconds": 4.0,  # a real second at this scale: past the client timeout
        "seed": 7,
        "throttle_storm_seconds": 3.0,
    }
    async with _faults_from_the_first_request(emulator, faults) as http:
        client = make_client(emulator, timeout=0.8, http=http)  # under 1 s, over a loaded reply
        report = await push(sessionmaker, emulator, mode, client=client, dialect=dialect_of(app))
    emulator.knob("faults", {})

    assert (report.pushed, report.failed) == (40, 0), report.errors
    assert report.throttled > 0  # the storm was met, and waited out
    assert_consistent(emulator, await local_products(sessionmaker))


class _WorkerWatch(PushHooks):
    """Raises the emulator's latency once `after` products are recorded; notes worker counts."""

    def __init__(self, emulator: Emulator, after: int) -> None:
        self.emulator = emulator
        self.after = after
        self.slowed = False
        self.before: list[int] = []
        self.later: list[int] = []

    async def on_progress(self, tally: Tally, watermark: int, workers: int) -> None:
        (self.later if self.slowed else self.before).append(workers)
        if not self.slowed and tally.done >= self.after:
            self.slowed = True
            await asyncio.to_thread(self.emulator.knob, "config", {"latency_ms": 250})


async def test_worker_count_follows_latency_within_bounds(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    await seed(app, 150)
    # Real time: scaled time multiplies the restore rate per real second, and with it the weight
    # of this process's own latency, which a loaded machine makes look like a slow store.
    emulator.knob("config", {"plan": "advanced", "latency_ms": 0, "time_scale": 1.0})
    watch = _WorkerWatch(emulator, after=40)
    report = await push(
        sessionmaker, emulator, PushMode.parallel, hooks=watch, dialect=dialect_of(app)
    )

    assert report.pushed == 150
    assert watch.slowed and watch.before and watch.later
    assert 2 <= report.workers_min <= report.workers_max <= 10
    assert min(watch.before) <= 4, watch.before  # fast store: few workers fill the budget
    assert max(watch.later) >= 6, watch.later  # slow store: more in flight for the same rate
    assert max(watch.later) > max(watch.before)


async def _job(sessionmaker: async_sessionmaker[AsyncSession]) -> Job:
    async with sessionmaker() as session:
        job = (await session.scalars(select(Job))).one()
        return job


async def _kill_mid_push_then_restart(
    database_url: str,
    emulator: Emulator,
    sessionmaker: async_sessionmaker[AsyncSession],
    flags: list[str],
    killable: Callable[[Job], bool],
    what: str,
) -> Job:
    """Start a worker on a new push, SIGKILL it once `killable(job)`, start another to finish;
    the job as the kill left it."""
    command = [
        sys.executable,
        "-m",
        "tests.sync.crash_worker",
        database_url,
        emulator.base_url,
        TOKEN,
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    first = await asyncio.create_subprocess_exec(*command, "start", *flags, cwd=REPO_ROOT, env=env)
    try:

        async def ready() -> bool:
            if first.returncode is not None:
                raise AssertionError(f"the first process exited ({first.returncode}) before {what}")
            async with sessionmaker() as session:
                job = (await session.scalars(select(Job))).one_or_none()
            return job is not None and killable(job)

        # The process imports and builds the whole app first: in a run at load 13-22 on two cores
        # all four of these tests gave up after 60 s. Only a failing run waits this long.
        await wait_until(ready, what, timeout=180)
        first.send_signal(signal.SIGKILL)
        await asyncio.wait_for(first.wait(), 10)
    finally:
        if first.returncode is None:
            first.kill()
    crashed = await _job(sessionmaker)
    assert crashed.state == JobState.running

    second = await asyncio.create_subprocess_exec(*command, cwd=REPO_ROOT, env=env)
    try:
        assert await asyncio.wait_for(second.wait(), 120) == 0
    finally:
        if second.returncode is None:
            second.kill()
    return crashed


@pytest.mark.slow  # real processes, killed and restarted in real time
async def test_kill_9_mid_push_then_restart_resumes_without_loss_or_duplicates(
    clean_database: str, emulator: Emulator
) -> None:
    engine = create_engine(clean_database)
    sessionmaker = create_sessionmaker(engine)
    try:
        await seed_demo_catalog(engine, 40)
        emulator.knob("config", {"latency_ms": 150})
        crashed = await _kill_mid_push_then_restart(
            clean_database,
            emulator,
            sessionmaker,
            [],
            lambda job: job.done >= 10,
            "the first process to push a few products",
        )
        assert crashed.done < 40
        job = await _job(sessionmaker)
        assert job.state == JobState.completed
        assert job.failed == 0
        assert_consistent(emulator, await local_products(sessionmaker))
    finally:
        await engine.dispose()


def _bulk_in_flight(job: Job) -> list[BulkInFlight]:
    checkpoint = PUSH_JOB.checkpoint_of(job)
    return checkpoint.in_flight if checkpoint is not None else []


@pytest.mark.slow  # real processes, killed and restarted in real time
async def test_kill_9_with_bulk_operations_in_flight_resumes_without_loss_or_repeats(
    clean_database: str, emulator: Emulator
) -> None:
    engine = create_engine(clean_database)
    sessionmaker = create_sessionmaker(engine)
    try:
        await seed_demo_catalog(engine, 60)
        # Operations wait 2 s before their first line: several are started, none has ended.
        emulator.knob("config", {"bulk_rate": 200.0, "bulk_startup_seconds": 2.0})
        earlier = store_bulk_mutations(emulator)
        crashed = await _kill_mid_push_then_restart(
            clean_database,
            emulator,
            sessionmaker,
            ["bulk"],
            lambda job: len(_bulk_in_flight(job)) >= 3,
            "the first process to have three bulk operations in flight",
        )
        assert len(_bulk_in_flight(crashed)) >= 3
        job = await _job(sessionmaker)
        assert job.state == JobState.completed
        assert job.failed == 0 and job.done == 60
        runs = store_bulk_mutations(emulator, earlier)
        assert all(op["status"] == "COMPLETED" for op in runs)
        # Each product was sent in exactly one operation: none again after the restart.
        assert sum(int(op["objectCount"]) for op in runs) == 60
        assert_consistent(emulator, await local_products(sessionmaker))
        checkpoint = PUSH_JOB.checkpoint_of(job)
        assert checkpoint is not None and checkpoint.in_flight == []
    finally:
        await engine.dispose()
