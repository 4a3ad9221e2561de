from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.eventstream.bus import JOBS, EventBus
from product_dashboard.job import JobContext, JobRunner
from product_dashboard.job.repository import JobRepository
from product_dashboard.models import Job, JobState
from product_dashboard.monitoring import metrics
from tests.fixtures.logs import read_log
from tests.fixtures.waiting import wait_until
from tests.job.helpers import load_job, wait_for_state

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]


def drain_types(sub: Any) -> list[tuple[str, str]]:
    out = []
    while (event := sub.get_nowait()) is not None:
        out.append((event.type, event.data["id"]))
    return out


async def test_queued_then_running_then_completed_with_report_and_events(
    runner: JobRunner, sessionmaker: Sessions, app: FastAPI
) -> None:
    bus: EventBus = app.state.event_bus
    events = bus.subscribe([JOBS], maxsize=10_000)
    gate = asyncio.Event()
    seen_params: list[dict[str, Any]] = []

    async def handler(ctx: JobContext) -> dict[str, Any]:
        seen_params.append(ctx.params)
        await gate.wait()
        await ctx.progress(total=4)
        for _ in range(3):
            await ctx.advance(done=1)
        await ctx.advance(skipped=1)
        return {"pushed": 3}

    runner.register("test.ok", handler)
    job_id = await runner.submit("test.ok", {"ids": [1, 2]})
    running = await wait_for_state(sessionmaker, job_id, JobState.running)
    assert running.started_at is not None and running.heartbeat_at is not None
    assert running.finished_at is None
    gate.set()
    job = await wait_for_state(sessionmaker, job_id, JobState.completed)
    assert seen_params == [{"ids": [1, 2]}]
    assert job.report == {"pushed": 3}
    assert (job.total, job.done, job.failed, job.skipped) == (4, 3, 0, 1)
    assert job.finished_at is not None and job.error is None
    kinds = [kind for kind, event_job in drain_types(events) if event_job == job_id]
    assert kinds[:2] == ["job.queued", "job.started"]
    assert kinds[-1] == "job.completed"


async def test_failure_records_message_and_keeps_partial_report(
    runner: JobRunner, sessionmaker: Sessions
) -> None:
    async def handler(ctx: JobContext) -> dict[str, Any]:
        ctx.report["errors"] = ["product 7: title missing"]
        await ctx.advance(done=2, failed=1)
        raise RuntimeError("Shopify said no")

    runner.register("test.fail", handler)
    job_id = await runner.submit("test.fail")
    job = await wait_for_state(sessionmaker, job_id, JobState.failed)
    assert job.error == "RuntimeError: Shopify said no"
    assert job.report == {"errors": ["product 7: title missing"]}
    assert (job.done, job.failed) == (2, 1)
    assert job.finished_at is not None


class Stepper:
    """A handler over items 0..9 that checkpoints each one and can be held after an item."""

    def __init__(self, hold_after: int | None, *, hold_until_stop: bool = False) -> None:
        self.hold_until_stop = hold_until_stop
        self.processed: list[int] = []
        self.checkpoints_seen: list[dict[str, Any] | None] = []
        self.hold_after = hold_after
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, ctx: JobContext) -> dict[str, Any]:
        self.checkpoints_seen.append(ctx.checkpoint)
        start = (ctx.checkpoint or {}).get("next", 0)
        await ctx.progress(total=10)
        for item in range(start, 10):
            await ctx.check_stop()
            self.processed.append(item)
            await ctx.advance(done=1, checkpoint={"next": item + 1})
            if item == self.hold_after:
                self.holding.set()
                if self.hold_until_stop:
                    await ctx.wait_for_stop(30)
                else:
                    await self.release.wait()
        return {"last": self.processed[-1]}


async def test_stop_then_resume_continues_from_checkpoint(
    runner: JobRunner, sessionmaker: Sessions
) -> None:
    stepper = Stepper(hold_after=2)
    runner.register("test.steps", stepper)
    job_id = await runner.submit("test.steps")
    await asyncio.wait_for(stepper.holding.wait(), 20)

    asked = await runner.cancel(job_id)
    assert asked.state == JobState.stopping
    stepper.release.set()
    stopped = await wait_for_state(sessionmaker, job_id, JobState.stopped)
    assert stepper.processed == [0, 1, 2]
    assert stopped.checkpoint == {"next": 3}
    assert stopped.done == 3 and stopped.finished_at is not None

    resumed = await runner.resume(job_id)
    assert resumed.state == JobState.queued and resumed.finished_at is None
    done = await wait_for_state(sessionmaker, job_id, JobState.completed)
    assert stepper.checkpoints_seen == [None, {"next": 3}]
    assert stepper.processed == list(range(10))
    assert (done.done, done.total) == (10, 10)
    assert done.report == {"last": 9}


async def test_handler_that_ignores_the_flag_but_finishes_is_completed(
    runner: JobRunner, sessionmaker: Sessions
) -> None:
    holding, release = asyncio.Event(), asyncio.Event()

    async def handler(ctx: JobContext) -> None:
        holding.set()
        await release.wait()  # never looks at should_stop: its work is simply done

    runner.register("test.deaf", handler)
    job_id = await runner.submit("test.deaf")
    await asyncio.wait_for(holding.wait(), 20)
    await runner.cancel(job_id)
    await wait_until(
        lambda: _state_is(sessionmaker, job_id, JobState.stopping), "stopping to be recorded"
    )
    release.set()
    await wait_for_state(sessionmaker, job_id, JobState.completed)


async def _state_is(sessionmaker: Sessions, job_id: str, state: JobState) -> bool:
    return (await load_job(sessionmaker, job_id)).state == state


async def test_cancelling_a_queued_job_stops_it_before_it_runs(
    runner: JobRunner, sessionmaker: Sessions
) -> None:
    first = Stepper(hold_after=0)
    runner.register("test.single", first, concurrency=1)
    running_id = await runner.submit("test.single")
    await asyncio.wait_for(first.holding.wait(), 20)
    waiting_id = await runner.submit("test.single")
    assert (await load_job(sessionmaker, waiting_id)).state == JobState.queued

    cancelled = await runner.cancel(waiting_id)
    assert cancelled.state == JobState.stopped
    first.release.set()
    await wait_for_state(sessionmaker, running_id, JobState.completed)
    assert (await load_job(sessionmaker, waiting_id)).state == JobState.stopped
    assert first.checkpoints_seen == [None]  # the cancelled job never reached the handler


async def test_concurrency_per_type_is_bounded(runner: JobRunner, sessionmaker: Sessions) -> None:
    active = 0
    peak = 0
    release = asyncio.Event()

    async def handler(ctx: JobContext) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await release.wait()
        active -= 1

    runner.register("test.pair", handler, concurrency=2)
    ids = [await runner.submit("test.pair") for _ in range(5)]
    await wait_until(lambda: _count_running(sessionmaker, ids, 2), "two jobs to run")
    assert len(runner.running_ids) == 2
    release.set()
    for job_id in ids:
        await wait_for_state(sessionmaker, job_id, JobState.completed)
    assert peak == 2


async def _count_running(sessionmaker: Sessions, ids: list[str], expected: int) -> bool:
    states = [(await load_job(sessionmaker, job_id)).state for job_id in ids]
    return states.count(JobState.running) == expected


async def test_submit_in_caller_transaction_only_runs_after_commit(
    runner: JobRunner, sessionmaker: Sessions
) -> None:
    ran: list[str] = []

    async def handler(ctx: JobContext) -> None:
        ran.append(ctx.job_id)

    runner.register("test.tx", handler)
    async with sessionmaker() as session:
        rolled_back = await runner.submit("test.tx", session=session)
        await session.rollback()
    async with sessionmaker() as session, session.begin():
        committed = await runner.submit("test.tx", session=session)
    await wait_for_state(sessionmaker, committed, JobState.completed)
    assert ran == [committed]
    async with sessionmaker() as session:
        from product_dashboard.models import Job

        assert await session.get(Job, rolled_back) is None


async def test_submit_refuses_unknown_types(runner: JobRunner) -> None:
    with pytest.raises(ValueError, match="no handler"):
        await runner.submit("test.nobody")


async def test_shutdown_requeues_running_job_which_resumes_in_next_runner(
    app: FastAPI, sessionmaker: Sessions
) -> None:
    from dataclasses import replace

    from tests.job.helpers import FAST

    stepper = Stepper(hold_after=4, hold_until_stop=True)
    first = JobRunner(config=replace(FAST))
    first.register("test.shutdown", stepper)
    await first.start(sessionmaker)
    job_id = await first.submit("test.shutdown")
    await asyncio.wait_for(stepper.holding.wait(), 20)
    stepper.hold_after = None
    await first.close()
    requeued = await load_job(sessionmaker, job_id)
    assert requeued.state == JobState.queued
    assert requeued.checkpoint == {"next": 5}
    assert requeued.done == 5
    assert stepper.processed == [0, 1, 2, 3, 4]

    second = JobRunner(config=replace(FAST))
    second.register("test.shutdown", stepper)
    await second.start(sessionmaker)
    try:
        done = await wait_for_state(sessionmaker, job_id, JobState.completed)
    finally:
        await second.close()
    assert stepper.checkpoints_seen == [None, {"next": 5}]
    assert stepper.processed == list(range(10))
    assert done.done == 10


async def test_progress_is_throttled_to_one_write_and_event_per_interval(
    app: FastAPI, sessionmaker: Sessions
) -> None:
    from dataclasses import replace

    from tests.job.helpers import FAST

    bus = EventBus()
    events = bus.subscribe([JOBS], maxsize=100_000)
    interval = 0.2
    runner = JobRunner(bus, replace(FAST, progress_interval=interval))
    loop = asyncio.get_running_loop()
    timing: dict[str, float] = {}

    async def handler(ctx: JobContext) -> None:
        timing["start"] = loop.time()
        await ctx.progress(total=5000)
        for _ in range(5000):
            await ctx.advance(done=1)
        timing["end"] = loop.time()

    runner.register("test.chatty", handler)
    await runner.start(sessionmaker)
    try:
        job_id = await runner.submit("test.chatty")
        job = await wait_for_state(sessionmaker, job_id, JobState.completed)
    finally:
        await runner.close()
    assert job.done == 5000
    progress_events = [kind for kind, _ in drain_types(events) if kind == "job.progress"]
    # One write-and-publish per elapsed interval at most, however fast the handler reports.
    assert len(progress_events) <= (timing["end"] - timing["start"]) / interval + 1


async def test_bad_reports_and_checkpoints_fail_the_job_instead_of_wedging_it(
    runner: JobRunner, sessionmaker: Sessions
) -> None:
    from datetime import datetime

    async def returns_list(ctx: JobContext) -> Any:
        return [1, 2]

    async def unserialisable_report(ctx: JobContext) -> dict[str, Any]:
        return {"when": datetime(2026, 1, 1)}

    async def unserialisable_checkpoint(ctx: JobContext) -> None:
        await ctx.save_checkpoint({"seen": {1, 2}})

    runner.register("bad.list", returns_list)
    runner.register("bad.report", unserialisable_report)
    runner.register("bad.checkpoint", unserialisable_checkpoint)
    errors = {}
    for type in ("bad.list", "bad.report", "bad.checkpoint"):
        job_id = await runner.submit(type)
        errors[type] = (await wait_for_state(sessionmaker, job_id, JobState.failed)).error or ""
    assert "expected a dict" in errors["bad.list"]
    assert "not JSON-serialisable" in errors["bad.report"]
    assert errors["bad.checkpoint"].startswith("TypeError")


async def test_counters_and_checkpoint_change_in_one_step(sessionmaker: Sessions) -> None:
    """The runner may snapshot at any yield: it must never see a checkpoint without its counts."""
    job = Job(id="j", type="t", params={}, report={}, total=0, done=0, failed=0, skipped=0)
    ctx = JobContext(job, sessionmaker)
    snapshots: list[dict[str, Any]] = []
    finished = False

    async def runner_side() -> None:
        while not finished:
            snapshots.append(ctx.snapshot())
            await asyncio.sleep(0)

    observer = asyncio.create_task(runner_side())
    for item in range(50):
        await ctx.advance(done=1, checkpoint={"next": item + 1})
    for item in range(50, 100):
        await ctx.progress(done=item + 1, checkpoint={"next": item + 1})
    finished = True
    await observer

    assert len(snapshots) >= 100
    assert [s["done"] for s in snapshots] == [
        (s["checkpoint"] or {}).get("next", 0) for s in snapshots
    ]
    assert snapshots[-1] == {
        "total": 0,
        "done": 100,
        "failed": 0,
        "skipped": 0,
        "checkpoint": {"next": 100},
    }


def _jobs_metric(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def test_job_states_reach_the_prometheus_series(
    runner: JobRunner, sessionmaker: Sessions
) -> None:
    """`/metrics`' job series stayed empty: nothing recorded a transition."""
    gate = asyncio.Event()

    async def handler(ctx: JobContext) -> dict[str, Any]:
        await gate.wait()
        if ctx.params.get("fail"):
            raise RuntimeError("no")
        return {}

    runner.register("test.metrics", handler, concurrency=2)
    total = "dashboard_jobs_total"
    before = {
        state: _jobs_metric(total, type="test.metrics", state=state)
        for state in ("queued", "running", "completed", "failed")
    }
    ok = await runner.submit("test.metrics")
    bad = await runner.submit("test.metrics", {"fail": True})
    for job_id in (ok, bad):
        await wait_for_state(sessionmaker, job_id, JobState.running)
    assert _jobs_metric("dashboard_jobs_running", type="test.metrics") == 2
    gate.set()
    await wait_for_state(sessionmaker, ok, JobState.completed)
    await wait_for_state(sessionmaker, bad, JobState.failed)
    counted = {
        state: _jobs_metric(total, type="test.metrics", state=state) - before[state]
        for state in before
    }
    assert counted == {"queued": 2, "running": 2, "completed": 1, "failed": 1}
    assert _jobs_metric("dashboard_jobs_running", type="test.metrics") == 0


async def test_a_failed_job_is_logged_with_its_id_type_and_reason(
    runner: JobRunner, sessionmaker: Sessions, log_file: Path
) -> None:
    async def handler(ctx: JobContext) -> None:
        raise RuntimeError('Shopify said "no" to product 7')

    runner.register("test.logged", handler)
    job_id = await runner.submit("test.logged")
    await wait_for_state(sessionmaker, job_id, JobState.failed)
    lines = [line for line in read_log(log_file).splitlines() if f"job={job_id}" in line]
    assert len(lines) == 1, lines
    assert "ERROR" in lines[0] and f"job {job_id} (test.logged) failed" in lines[0]
    assert 'type=test.logged reason="RuntimeError: Shopify said \\"no\\" to product 7"' in lines[0]


async def test_a_refused_end_write_is_tried_again_and_the_job_never_runs_twice(
    runner: JobRunner, sessionmaker: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's lock held past its busy timeout when the job ends (a long import elsewhere):
    the end is recorded once the database takes it, and the job is not taken back meanwhile as
    orphaned (its lease unrenewed for longer than `stale_after`) and run again."""
    runs: list[str] = []
    refusals = 6  # 0.25 + 0.5 + 1 + 2 + 4 s of retries: well past FAST's stale_after of 1 s
    write_leased = JobRepository.write_leased

    async def locked_at_the_end(
        self: JobRepository, job_id: str, lease: Any, new_lease: Any, **values: Any
    ) -> Any:
        nonlocal refusals
        if "finished_at" in values and refusals:
            refusals -= 1
            raise OperationalError("UPDATE job", {}, sqlite3.OperationalError("database is locked"))
        return await write_leased(self, job_id, lease, new_lease, **values)

    monkeypatch.setattr(JobRepository, "write_leased", locked_at_the_end)

    async def handler(ctx: JobContext) -> dict[str, Any]:
        runs.append(ctx.job_id)
        return {"done": len(runs)}

    runner.register("test.end_refused", handler)
    job_id = await runner.submit("test.end_refused", {})
    job = await wait_for_state(sessionmaker, job_id, JobState.completed)
    assert refusals == 0
    assert runs == [job_id]
    assert job.report == {"done": 1}
